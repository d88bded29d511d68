"""protection-removed: the small
readers each check relies on (escaper names, quadratic regex prefix, narrower triggers)."""
from __future__ import annotations

import pytest

from semdiff.pipeline import analyze_texts
from semdiff.rules._regex_risk import quadratic_prefix
from semdiff.rules.credential_headers import _narrower, _split_top
from semdiff.rules.protection_removed import EXAMPLE_PATHS, GROUP, RULES, is_escaper
from rulekit import family_of, findings_of

def test_family_table_has_both_kinds_of_example_and_python_only_where_read():
    # one module, table and registration per rule: the family is named for its rule
    for module in GROUP:
        assert [r.id for r in family_of(module.RULE_ID).rules] == [module.RULE_ID]
    assert [r.id for r in RULES] == [m.RULE_ID for m in GROUP]
    for r in RULES:
        assert any(e.fires for e in r.examples) and any(not e.fires for e in r.examples), r.id
        assert "*" not in r.languages
        # Python reads only the escaping, credential-header, browser-policy and identity checks (its own tables)
        assert ("python" in r.languages) == (r.id in ("escaping-removed", "credential-header-forwarded",
                                                      "browser-policy-removed", "identity-namespace-removed")), r.id
        assert r.id in EXAMPLE_PATHS


@pytest.mark.parametrize("callee,expected", [
    ("html.EscapeString", True), ("url.QueryEscape", True), ("encodeURIComponent", True), ("escapeQuotes", True),
    ("quoteEscaper.Replace", True), ("sanitizeFilename", True), ("strconv.Quote", True),
    ("json.Marshal", False), ("base64.StdEncoding.EncodeToString", False), ("strings.Replace", False), ("quote", False),
])
def test_escaper_names(callee, expected):
    assert is_escaper(callee) is expected


@pytest.mark.parametrize("callee,expected", [
    ("html.escape", True), ("markupsafe.escape", True), ("escape_filter_chars", True), ("urllib.parse.quote", True),
    ("_scrub_uri", True), ("redact_token", True), ("sanitize_html", True),
    ("json.dumps", False), ("str.encode", False), ("mask_bits", False), ("unquote", False),
])
def test_python_escaper_names(callee, expected):
    assert is_escaper(callee, "python") is expected


def _py_findings(before, after, path="app/views.py"):
    return [(f.rule_id, f.unit, f.before.line if f.before else None, f.after.line if f.after else None)
            for f in analyze_texts([(path, before, after)]).findings]


def test_python_escape_of_converted_value_removed():
    before = "def page(url):\n    return '<a href=\"%s\">x</a>' % escape(url.decode('utf-8'))\n"
    after = "def page(url):\n    return b'<a href=\"%s\">x</a>' % url\n"
    assert _py_findings(before, after) == [("escaping-removed", "page", 2, 2)]


def test_python_escape_still_applied_by_another_escaper_is_silent():
    before = "def page(name):\n    return '<b>%s</b>' % escape(name)\n"
    after = "def page(name):\n    return '<b>%s</b>' % bleach.clean(name)\n"
    assert [r for r, *_ in _py_findings(before, after) if r == "escaping-removed"] == []


def test_python_escape_removed_with_value_unused_is_silent():
    before = "def page(name):\n    safe = escape(name)\n    return '<b>%s</b>' % safe\n"
    after = "def page(name):\n    return '<b>hello</b>'\n"
    assert [r for r, *_ in _py_findings(before, after) if r == "escaping-removed"] == []


def test_python_exact_escaper_with_same_argument_is_left_to_injection_opened():
    before = "def page(name):\n    return '<b>%s</b>' % escape(name)\n"
    after = "def page(name):\n    return '<b>%s</b>' % name\n"
    rules = [r for r, *_ in _py_findings(before, after)]
    assert "injection-opened" in rules and "escaping-removed" not in rules


def test_python_header_set_with_ordinary_header_is_not_credential_set():
    before = "HEADERS = ['Authorization', 'Content-Type']\n\ndef f():\n    return HEADERS\n"
    after = "def f():\n    return []\n"
    assert [r for r, *_ in _py_findings(before, after, "client/agent.py") if r == "credential-header-forwarded"] == []


@pytest.mark.parametrize("pattern,expected", [
    (r"\/+$", True), (r"\s+$", True), (r"a+b", True),
    (r"^\/+", False), (r"\/?\/$", False), (r"\s+", False), (r"(ab)+c", False), (r"[", False),
    # a group around the leading repeat scans the same way
    (r"([^/ \t]+)\/([^; \t]+)", True), (r"(\s)+$", True), (r"(?:\s)+$", True),
    (r"^([^/ \t]+)\/", False), (r"(\s+)", False), (r"(x\s+)y", False),
])
def test_quadratic_prefix(pattern, expected):
    assert quadratic_prefix(pattern) is expected


def test_split_top_respects_brackets_and_strings():
    assert _split_top("!a(x || y) || b['||']", "||") == ["!a(x||y)", "b['||']"]


@pytest.mark.parametrize("before,after,expected", [
    ("!same(a) || !scheme(a)", "!same(a)", True),  # disjunct dropped
    ("!same(a)", "!same(a) && external", True),  # conjunct added
    ("!same(a)", "!same(a) || !scheme(a)", False),  # hardening
    ("!same(a) && external", "!same(a)", False),  # conjunct dropped: more stripping
    ("!same(a)", "!same(b)", False),  # changed, not provably narrower
])
def test_narrower_trigger(before, after, expected):
    assert _narrower(before, after) is expected


def test_prototype_check_still_in_another_changed_unit_is_silent():
    before = "function set(o, k, v) {\n  if (k === '__proto__') return;\n  o[k] = v;\n}\n"
    after = ("function bad(k) {\n  return k === '__proto__';\n}\n\n"
             "function set(o, k, v) {\n  if (bad(k)) return;\n  o[k] = v;\n}\n")
    assert findings_of("prototype-key-check-removed", before, after, "src/set.js") == []


def test_prototype_check_removed_reports_unit_and_line():
    before = "function set(o, k, v) {\n  if (k === '__proto__') return;\n  o[k] = v;\n}\n"
    after = "function set(o, k, v) {\n  o[k] = v;\n}\n"
    [f] = findings_of("prototype-key-check-removed", before, after, "src/set.js")
    assert (f.unit, f.before.line) == ("set", 2)


def test_go_regex_edits_never_report_redos():
    before = 'package p\n\nimport "regexp"\n\nvar re = regexp.MustCompile(`^(a)?b$`)\n'
    after = 'package p\n\nimport "regexp"\n\nvar re = regexp.MustCompile(`^(a+)+b$`)\n'
    assert findings_of("redos-introduced", before, after, "p/p.go") == []


def test_python_word_named_escaper_removed_is_read_here():
    # injection-opened knows exact escaper names only; a word-named one is this family's
    before = "def link(n):\n    return '/x?n=' + quote_escaper(n)\n"
    after = "def link(n):\n    return '/x?n=' + n\n"
    assert [(f.unit, f.after.line) for f in findings_of("escaping-removed", before, after, "app/m.py")] == [("link", 2)]
