"""redirect-normalisation-removed: the check's edges (rule id, unit, lines)."""
from __future__ import annotations

from semdiff.rules.redirect_normalisation import FAMILY
from rulekit import findings_of


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
