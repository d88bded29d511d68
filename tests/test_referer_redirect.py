"""redirect-to-referer: a redirect target that became the raw Referer header."""
from __future__ import annotations

from semdiff.pipeline import analyze_texts
from semdiff.rules.referer_redirect import RULE_ID

GO_BEFORE = """package web

import "net/http"

func back(w http.ResponseWriter, r *http.Request) {
\ttarget := sameSite(r)
\thttp.Redirect(w, r, target, http.StatusFound)
}
"""


def _found(path, before, after):
    return [f for f in analyze_texts([(path, before, after)]).findings if f.rule_id == RULE_ID]


def test_go_helper_replaced_by_raw_header_fires_on_the_assignment():
    after = GO_BEFORE.replace("sameSite(r)", 'r.Header.Get("Referer")')
    found = _found("web/back.go", GO_BEFORE, after)
    assert [(f.unit, f.after.line) for f in found] == [("back", 6)]


def test_go_request_referer_method_counts_too():
    after = GO_BEFORE.replace("sameSite(r)", "r.Referer()")
    assert [f.after.line for f in _found("web/back.go", GO_BEFORE, after)] == [6]


def test_a_unit_that_did_not_redirect_before_is_new_behaviour_not_a_weakening():
    base = GO_BEFORE.replace("func back(", "func previous(")
    before = base.replace("\thttp.Redirect(w, r, target, http.StatusFound)\n", "\tw.Write([]byte(target))\n")
    after = base.replace("sameSite(r)", 'r.Header.Get("Referer")')
    assert _found("web/back.go", before, after) == []


def test_referer_only_logged_is_silent():
    after = GO_BEFORE.replace("\ttarget := sameSite(r)\n", '\ttarget := sameSite(r)\n\tlog.Println(r.Header.Get("Referer"))\n')
    assert _found("web/back.go", GO_BEFORE, after) == []
