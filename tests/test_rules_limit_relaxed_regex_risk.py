"""limit-relaxed ReDoS through the shared `_regex_risk` reader: overlapping chains of unbounded
repeats, and a function whose regexes were replaced by a module-level pattern it now uses."""
from __future__ import annotations

import pytest

from semdiff.model import Severity
from semdiff.rules._regex_risk import backtracking_reasons, regex_risk, template_pattern
from rulekit import findings_of

RULE = "limit-relaxed"


@pytest.mark.parametrize("pattern,degree", [
    (r"^\s*(.*?)\s*$", 3),          # the classic cubic trim
    (r"^[a-z]{1,64}$", 1),
    (r"^\s*\w+\s*$", 1),            # neighbours do not overlap
    (r"^\d+\.\d+\.\d+$", 1),        # separated by a required literal
    (r"^a.*b.*c$", 1),
    (r"\s*(.*?)\s*$", 4),           # a search retries from every start
    (r"^\s*(.*?)\s*", 1),           # nothing after the chain can fail
])
def test_chain_degree(pattern, degree):
    assert regex_risk(pattern).degree == degree


def test_atomic_repeats_do_not_chain():
    assert regex_risk(r"^\s*+(.*?)\s*+$").degree < 3


def test_template_placeholders_overlap_dot_and_negated_classes_only():
    assert regex_risk(template_pattern("^((?:%s)*)(.*?)((?:%s)*)$")).degree == 3
    assert regex_risk(template_pattern("^((?:{})*)([^a-z]*)((?:{})*)$")).degree == 3
    assert regex_risk(template_pattern(r"^((?:{})*)([\w.-]*)((?:{})*)$")).degree == 1
    assert regex_risk(template_pattern("^(%(name)s)$")).degree == 1
    assert regex_risk(template_pattern(r"^\d{2,5}$")).degree == 1  # a counted repeat is not a placeholder


def test_reasons_compare_before_with_after():
    assert backtracking_reasons(r"^\s*([^\s].*?)\s*$", r"^\s*(.*?)\s*$")
    assert backtracking_reasons(r"^\s*(.*?)\s*$", r"^\s*(.*?)\s*$") == []
    assert backtracking_reasons(r"^\s*(.*?)\s*$", r"^\s*([^\s].*?)\s*$") == []
    assert backtracking_reasons("(", r"^\s*(.*?)\s*$") == []  # unreadable before: no claim


INLINE = """
import re


def split_title(line):
    m = re.match(r"^\\s*([^\\s].*?)\\s*$", line)
    return m.group(1) if m else ""
"""


def test_pattern_edited_into_a_cubic_chain():
    after = INLINE.replace('r"^\\s*([^\\s].*?)\\s*$"', 'r"^\\s*(.*?)\\s*$"')
    (f,) = findings_of(RULE, INLINE, after, "text/titles.py")
    assert f.unit == "split_title" and f.after.line == 5
    assert "O(n^3)" in f.message and f.severity == Severity.MEDIUM


SWAP_BEFORE = """
import re

_words = re.compile(r"(\\s+)")


def linkify(text):
    out = []
    for word in _words.split(text):
        head = re.match(r"^[(<]+", word)
        lead = head.group() if head else ""
        word = word[len(lead):]
        tail = ""
        if word.endswith((")", ">", ".")):
            t = re.search(r"[)>.]+$", word)
            tail = t.group() if t else ""
            word = word[: len(word) - len(tail)]
        out.append(lead + wrap(word) + tail)
    return "".join(out)
"""

SWAP_AFTER = """
import re

_words = re.compile(r"(\\s+)")
_punct = re.compile(
    "^(?P<lead>(?:%s)*)(?P<middle>.*?)(?P<trail>(?:%s)*)$"
    % ("|".join(map(re.escape, "(<")), "|".join(map(re.escape, ")>.")))
)


def linkify(text):
    out = []
    for word in _words.split(text):
        m = _punct.match(word)
        lead, word, tail = m.groups()
        out.append(lead + wrap(word) + tail)
    return "".join(out)
"""


def test_inline_patterns_replaced_by_a_module_template():
    (f,) = findings_of(RULE, SWAP_BEFORE, SWAP_AFTER, "text/links.py")
    assert f.unit == "linkify" and f.after.line == 13 and f.before.line == 9
    assert "_punct" in f.message and "%s" in f.message and "O(n^3)" in f.message


def test_module_pattern_that_is_linear_is_silent():
    after = SWAP_AFTER.replace('"^(?P<lead>(?:%s)*)(?P<middle>.*?)(?P<trail>(?:%s)*)$"',
                               '"^(?P<lead>(?:%s)?)(?P<middle>[^()<>.]*)(?P<trail>(?:%s)?)$"')
    assert findings_of(RULE, SWAP_BEFORE, after, "text/links.py") == []


def test_module_pattern_already_used_before_is_silent():
    before = SWAP_AFTER
    after = SWAP_AFTER.replace("out.append(lead + wrap(word) + tail)", "out.append(lead + wrap(word.strip()) + tail)")
    assert findings_of(RULE, before, after, "text/links.py") == []


def test_cubic_pattern_added_without_replacing_anything_is_not_this_check():
    before = SWAP_BEFORE.replace('        head = re.match(r"^[(<]+", word)\n', '        head = None\n') \
        .replace('            t = re.search(r"[)>.]+$", word)\n', '            t = None\n')
    after = SWAP_AFTER.replace("        lead, word, tail = m.groups()\n",
                               "        lead, word, tail = m.groups()\n        word = word or ''\n")
    after = after.replace("    for word in _words.split(text):\n", "    for word in text.split(' '):\n")
    before = before.replace("    for word in _words.split(text):\n", "    for word in text.split(' '):\n")
    assert findings_of(RULE, before, after, "text/links.py") == []


def test_replacing_an_equally_slow_pattern_is_silent():
    before = SWAP_BEFORE.replace('re.match(r"^[(<]+", word)', 're.match(r"^\\s*(.*?)\\s*$", word)')
    assert findings_of(RULE, before, SWAP_AFTER, "text/links.py") == []
