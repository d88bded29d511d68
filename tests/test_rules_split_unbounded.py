"""split-unbounded: a bounded split of a value replaced by an unbounded split of it (CVE-2025-30204 shape)."""
from __future__ import annotations

import pytest

from semdiff.ir import Argument, Call, Span
from semdiff.model import Severity
from semdiff.rules.split_unbounded import RULE_ID, split_site
from tests.rulekit import findings_of


def _call(callee: str, *args: tuple) -> Call:
    built = tuple(Argument(name, value, value, literal) for name, value, literal in args)
    return Call(callee, built, Span(1, 1), f"{callee}(...)")


def test_split_sites_read_value_separator_and_bound():
    s = split_site(_call("strings.SplitN", (None, "tok", None), (None, '"."', "."), (None, "3", 3)), {})
    assert (s.value, s.sep, s.bounded) == ("tok", ".", True)
    s = split_site(_call("strings.SplitN", (None, "tok", None), (None, '"."', "."), (None, "-1", -1)), {})
    assert s.bounded is False
    s = split_site(_call("strings.Cut", (None, "tok", None), (None, "sep", None)), {"sep": "."})
    assert (s.sep, s.bounded) == (".", True)  # a separator constant is read as its literal
    s = split_site(_call("h.split", ("maxsplit", "1", 1)), {})
    assert (s.value, s.sep, s.bounded) == ("h", None, True)
    assert split_site(_call("h.partition", (None, '":"', ":")), {}).bounded is True
    assert split_site(_call("h.split", (None, '":"', ":")), {}).bounded is False


@pytest.mark.parametrize("callee, args", [
    ("re.split", ((None, "p", None), (None, "s", None))),              # a module function, not a value's split
    ("os.path.split", ((None, "p", None),)),
    ("h.split", ((None, '":"', ":"), (None, "n", None))),              # a computed bound: unknown either way
    ("strings.SplitN", ((None, "s", None), (None, '","', ","), (None, "0", 0))),
    ("strings.Fields", ((None, "s", None),)),
])
def test_calls_that_are_not_split_sites(callee, args):
    assert split_site(_call(callee, *args), {}) is None


JS_BEFORE = """
function readBearer(authorization) {
  const [scheme, value] = authorization.split(" ", 2);
  return scheme === "Bearer" ? value : null;
}
module.exports = { readBearer };
"""


def test_js_limit_dropped_from_split_of_header_fires():
    hits = findings_of(RULE_ID, JS_BEFORE, JS_BEFORE.replace('split(" ", 2)', 'split(" ")'), "lib/auth.js")
    assert [(f.unit, f.before.line, f.after.line, f.severity) for f in hits] == [("readBearer", 2, 2, Severity.MEDIUM)]


def test_js_different_separator_is_silent():
    assert findings_of(RULE_ID, JS_BEFORE, JS_BEFORE.replace('split(" ", 2)', 'split(",")'), "lib/auth.js") == []


JAVA_BEFORE = """
class TokenReader {
    String[] segments(String token) {
        return token.split("\\\\.", 4);
    }
}
"""


def test_java_positive_limit_dropped_fires_and_zero_limit_counts_as_unbounded():
    for after in ('token.split("\\\\.")', 'token.split("\\\\.", 0)', 'token.split("\\\\.", -1)'):
        hits = findings_of(RULE_ID, JAVA_BEFORE, JAVA_BEFORE.replace('token.split("\\\\.", 4)', after), "src/TokenReader.java")
        assert [(f.unit, f.after.line) for f in hits] == [("TokenReader.segments", 3)], after


PY_BEFORE = """
def cookie_pairs(cookie):
    name, _, value = cookie.partition("=")
    return name.strip(), value
"""


def test_python_partition_to_split_fires():
    after = PY_BEFORE.replace('name, _, value = cookie.partition("=")', 'name, value = cookie.split("=")[:2]')
    hits = findings_of(RULE_ID, PY_BEFORE, after)
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("cookie_pairs", 2, 2)]


def test_python_already_unbounded_before_is_silent():
    before = PY_BEFORE.replace('name, _, value = cookie.partition("=")',
                               'name, _, value = cookie.partition("=")\n    n = len(cookie.split("="))')
    after = before.replace('name, _, value = cookie.partition("=")', 'name, value = cookie.split("=")[:2]')
    assert findings_of(RULE_ID, before, after) == []


def test_python_bounded_split_kept_beside_new_unbounded_one_is_silent():
    after = PY_BEFORE.replace('return name.strip(), value', 'parts = cookie.split("=")\n    return name.strip(), value')
    assert findings_of(RULE_ID, PY_BEFORE, after) == []


def test_python_length_checked_value_is_silent():
    after = PY_BEFORE.replace('name, _, value = cookie.partition("=")',
                              'if len(cookie) > 4096:\n        raise ValueError("cookie too large")\n'
                              '    name, value = cookie.split("=")[:2]')
    assert findings_of(RULE_ID, PY_BEFORE, after) == []


def test_unbounded_split_of_a_non_peer_value_in_an_unrelated_unit_stays_low():
    before = 'def columns(line):\n    return line.split(",", 8)\n'
    hits = findings_of(RULE_ID, before, before.replace('line.split(",", 8)', 'line.split(",")'), "app/csvtools.py")
    assert [(f.unit, f.severity) for f in hits] == [("columns", Severity.INFO)]  # reported, two steps below medium


GO_HELPER = """package tok

import "strings"

func parts(s string) (string, string, bool) {
	return strings.Cut(s, ".")
}

func Read(token string) string {
	head, _, _ := parts(token)
	return head
}
"""


def test_go_helper_on_cut_replaced_by_split_fires():
    after = GO_HELPER.replace("head, _, _ := parts(token)", 'head := strings.Split(token, ".")[0]')
    hits = findings_of(RULE_ID, GO_HELPER, after, "tok/read.go")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("Read", 10, 10)]


def test_go_helper_still_called_is_silent():
    after = GO_HELPER.replace("return head", 'n := len(strings.Split(token, "."))\n\t_ = n\n\treturn head')
    assert findings_of(RULE_ID, GO_HELPER, after, "tok/read.go") == []


def test_go_helper_that_split_unbounded_itself_is_not_a_bound():
    before = GO_HELPER.replace('return strings.Cut(s, ".")',
                               'all := strings.Split(s, ".")\n\t_ = all\n\treturn strings.Cut(s, ".")')
    after = before.replace("head, _, _ := parts(token)", 'head := strings.Split(token, ".")[0]')
    assert findings_of(RULE_ID, before, after, "tok/read.go") == []


def test_go_helper_splitting_another_value_is_silent():
    before = GO_HELPER.replace("func parts(s string)", "func parts(s string, t string)").replace(
        'strings.Cut(s, ".")', 'strings.Cut(t, ".")').replace("parts(token)", 'parts(token, "x.y")')
    after = before.replace('head, _, _ := parts(token, "x.y")', 'head := strings.Split(token, ".")[0]')
    assert findings_of(RULE_ID, before, after, "tok/read.go") == []
