"""A branch that redirects to the value it just tested is an allowance, not a refusal.

`if (ref.startsWith('/')) { redirect(ref); return }` sends the client where the check approved.
Removing such a branch while the other approved branches stay (the new version redirects to
`ref` only in cases the old one did) is stricter: no finding (fixture
core-neg-redirect-allowance-narrowed). Redirecting to the value unconditionally, to a new value,
or under a wider test is still reported.
"""
from __future__ import annotations

from pathlib import Path

from semdiff.model import Severity
from semdiff.pipeline import analyze_texts

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "javascript" / "core-neg-redirect-allowance-narrowed"
BEFORE = (FIXTURE / "before.js").read_text()
AFTER = (FIXTURE / "after.js").read_text()
PATH = "lib/navigator.js"


def _removed(after: str):
    r = analyze_texts([(PATH, BEFORE, after)])
    return sorted((f.rule_id, f.unit, f.before.line) for f in r.findings if f.severity >= Severity.MEDIUM)


def test_dropping_one_approved_redirect_branch_is_silent():
    assert analyze_texts([(PATH, BEFORE, AFTER)]).findings == ()


def test_redirecting_to_the_header_unconditionally_is_still_reported():
    after = '''class Navigator {
  goBack(fallback) {
    const target = this.request.header('Referer') || fallback || '/'
    this.redirect(target)
  }
}

module.exports = Navigator
'''
    assert _removed(after) == [("removed-guard", "Navigator.goBack", 6), ("removed-guard", "Navigator.goBack", 13)]


def test_a_wider_same_host_test_is_still_reported():
    after = BEFORE.replace("if (parsed.host === this.request.host) {", "if (parsed.host.endsWith(this.request.host)) {")
    assert _removed(after) == [("removed-guard", "Navigator.goBack", 13)]


def test_redirect_to_the_value_outside_any_test_is_still_reported():
    after = AFTER.replace("    this.redirect(fallback || '/')", "    this.redirect(previous || fallback || '/')")
    assert ("removed-guard", "Navigator.goBack", 6) in _removed(after)
