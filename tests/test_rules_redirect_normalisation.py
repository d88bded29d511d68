"""redirect-normalisation-removed: table examples, and the check's edges (rule id, unit, lines)."""
from __future__ import annotations

import pytest

from semdiff.rules.redirect_normalisation import EXAMPLE_PATHS, FAMILY, RULES
from rulekit import family_of, findings_of


def test_family_table_has_both_kinds_of_example():
    assert [r.id for r in family_of(FAMILY).rules] == [r.id for r in RULES]
    for r in RULES:
        assert any(e.fires for e in r.examples) and any(not e.fires for e in r.examples), r.id


@pytest.mark.parametrize("rule_id,example", [
    pytest.param(r.id, ex, id=f"{r.id}-{i}-{'fires' if ex.fires else 'silent'}")
    for r in RULES for i, ex in enumerate(r.examples)
])
def test_table_example(rule_id, example):
    hits = findings_of(rule_id, example.before, example.after, EXAMPLE_PATHS[rule_id])
    assert bool(hits) == example.fires, [f.message for f in hits]


GO_BACK = """
package web

func Back(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	next = strings.ReplaceAll(next, `\\`, "/")
	http.Redirect(w, r, next, http.StatusFound)
}
"""


def test_go_backslash_rewrite_removed():
    after = GO_BACK.replace('\tnext = strings.ReplaceAll(next, `\\`, "/")\n', "")
    hits = findings_of(FAMILY, GO_BACK, after, "web/back.go")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("Back", 5, 5)]


def test_go_rewrite_removed_and_redirect_gone_is_silent():
    after = GO_BACK.replace('\tnext = strings.ReplaceAll(next, `\\`, "/")\n', "").replace(
        "http.Redirect(w, r, next, http.StatusFound)", 'w.Write([]byte("ok"))')
    assert findings_of(FAMILY, GO_BACK, after, "web/back.go") == []


def test_go_rewrite_reworded_is_silent():
    after = GO_BACK.replace('strings.ReplaceAll(next, `\\`, "/")', 'strings.Replace(next, `\\`, "/", -1)')
    assert findings_of(FAMILY, GO_BACK, after, "web/back.go") == []


def test_signature_line_is_not_a_redirect():
    before = "function redirect (url) {\n  url = url.replace(/\\\\/g, '/')\n  return url\n}\n"
    after = "function redirect (url) {\n  return url\n}\n"
    assert findings_of(FAMILY, before, after, "lib/r.js") == []
