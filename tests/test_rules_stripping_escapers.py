"""A helper named for stripping what an attacker smuggles protects like an escaper; one that
strips or filters anything else does not (look-alikes must stay out of escaping-removed)."""
import pytest

from semdiff.rules.protection_removed import is_escaper


@pytest.mark.parametrize("callee", ["stripControlChars", "strip_tags", "removeScriptTags", "Jsoup.stripControlChars", "removeCrlf"])
@pytest.mark.parametrize("language", ["java", "javascript", "python"])
def test_stripping_unsafe_text_is_an_escaper(callee, language):
    assert is_escaper(callee, language)


@pytest.mark.parametrize("callee", ["stripWhitespace", "removeSuffix", "filterInvalidEntries", "dropInvalidRows", "removeTag"])
@pytest.mark.parametrize("language", ["java", "javascript", "python"])
def test_other_stripping_is_not(callee, language):
    # removeTag names one item removed from a collection, not markup stripped from text
    assert not is_escaper(callee, language)
