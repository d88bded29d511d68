"""semdiff.lang.quoted: the quoted strings of a text, exactly as the backtracking regexes the
rules used to spell out find them, and the shape that made those regexes exponential (a long
run of backslashes in a string that never closes) read to the same answer."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from rulekit import findings_of
from semdiff.lang.quoted import Quoted, quoted_strings, quoted_then
from semdiff.rules import denylist_narrowed, header_filter

# the regexes semdiff.lang.quoted stands in for (denylist-narrowed, header-filter,
# widened-allowlist, identity-namespace); only ever run here, on short texts
STAR = re.compile(r"""(["'`])((?:\\.|(?!\1).)*)\1""")
PLUS = re.compile(r"""(["'`])((?:\\.|(?!\1).)+)\1""")
TWO_QUOTES = re.compile(r"""(['"])((?:\\.|(?!\1).)*)\1""")
CONCAT = re.compile(r"""^[bu]?(["'])((?:\\.|(?!\1).)+)\1\s*\+\s*(.+)$""", re.S)
CONCAT_REST = re.compile(r"\s*\+\s*(.+)$", re.S)

# the characters that matter: the three quotes, backslash, newline, and what CONCAT reads after
TEXTS = st.text(alphabet="\"'`\\\na +bu", max_size=14)


def _as_regex(found: list[Quoted]) -> list[tuple[int, int, str]]:
    return [(q.start, q.end, q.body) for q in found]


@settings(max_examples=3000, deadline=None)
@given(TEXTS)
def test_same_strings_as_the_backtracking_regexes(text):
    assert _as_regex(quoted_strings(text)) == [(m.start(), m.end(), m.group(2)) for m in STAR.finditer(text)]
    assert _as_regex(quoted_strings(text, nonempty=True)) == [
        (m.start(), m.end(), m.group(2)) for m in PLUS.finditer(text)]
    assert _as_regex(quoted_strings(text, "'\"")) == [
        (m.start(), m.end(), m.group(2)) for m in TWO_QUOTES.finditer(text)]
    dotall = re.compile(STAR.pattern, re.S)
    assert _as_regex(quoted_strings(text, dotall=True)) == [
        (m.start(), m.end(), m.group(2)) for m in dotall.finditer(text)]


@settings(max_examples=3000, deadline=None)
@given(TEXTS)
def test_same_prefix_and_rest_as_the_anchored_concat_regex(text):
    m = CONCAT.match(text)
    start = 1 if text[:1] in ("b", "u") else 0
    found = quoted_then(text, start, CONCAT_REST, "'\"", dotall=True, nonempty=True)
    if m:
        assert found is not None and (found[0].body, found[1].group(1)) == (m.group(2), m.group(3))
    else:
        assert found is None


def test_escapes_and_both_readings_of_a_backslash():
    assert _as_regex(quoted_strings(r'''x("a\"b", 'c') + `d\`''')) == [
        (2, 8, r'a\"b'), (10, 13, "c"), (17, 21, "d\\")]  # `d\`: the backslash read as a character
    assert quoted_strings('"never closed') == []
    assert _as_regex(quoted_strings('"one\ntwo"')) == []  # a newline ends the search unless dotall
    assert _as_regex(quoted_strings('"one\ntwo"', dotall=True)) == [(0, 9, "one\ntwo")]
    assert _as_regex(quoted_strings('""', nonempty=True)) == []


# a regex literal with many escapes whose text the IR cut short: the string never closes
CUT_REGEX = 'regexp.MustCompile("^(?:' + r"[a-zA-Z]|\\d|[!#\\$%&\\*\\+\\-\\/=\\?\\^_{\\|}~]|" * 12


def test_an_unclosed_string_full_of_escapes_has_no_strings():
    assert CUT_REGEX.count("\\") > 150
    assert quoted_strings(CUT_REGEX) == []
    assert quoted_strings(CUT_REGEX, nonempty=True) == []
    assert quoted_strings("'" + CUT_REGEX + "`") == []  # other quotes that never close either
    closed = CUT_REGEX + '")'
    found = quoted_strings(closed)
    assert len(found) == 1 and found[0].start == closed.index('"') and found[0].end == len(closed) - 1


def test_rules_reading_strings_take_an_unclosed_escaped_string_as_no_entries():
    # a deny-list next to an escape-heavy regex longer than the IR keeps of a setting's text:
    # the rule reads the collection, finds the dropped entry, and reads the cut regex setting
    # as holding no strings
    before = ('var blockedHeaders = map[string]bool{"Proxy": true, "Host": true}\n'
              "var emailRegex = " + CUT_REGEX + '")\n')
    after = before.replace('"Proxy": true, ', "")
    hits = findings_of(denylist_narrowed.RULE_ID, before, after, "pkg/headers.go")
    assert [(f.before.line, f.after.line) for f in hits] == [(1, 1)] and "'Proxy'" in hits[0].message
    assert header_filter._literals(CUT_REGEX) == []
