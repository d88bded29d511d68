"""input-validation/allowlist-gate-removed: a request value no longer limited to a literal set."""
from __future__ import annotations

from semdiff.pipeline import analyze_texts
from semdiff.rules.allowlist_gate import GATE_REMOVED

BEFORE = (
    "def pick_theme(request, prefs):\n"
    "    theme = request.cookies.get('theme')\n"
    "    if theme in ('light', 'dark'):\n"
    "        prefs.theme = theme\n"
    "    return prefs\n"
)
UNGATED = BEFORE.replace("    if theme in ('light', 'dark'):\n        prefs.theme = theme\n", "    prefs.theme = theme\n")


def _gate(before, after):
    return [f for f in analyze_texts([("app/prefs.py", before, after)]).findings if f.rule_id == GATE_REMOVED]


def test_gate_dropped_fires_at_the_gate_and_the_ungated_statement():
    found = _gate(BEFORE, UNGATED)
    assert [(f.unit, f.before.line, f.after.line) for f in found] == [("pick_theme", 3, 3)]
    assert "'dark', 'light'" in found[0].message


def test_value_not_from_the_request_is_silent():
    before = BEFORE.replace("request.cookies.get('theme')", "prefs.saved_theme")
    after = UNGATED.replace("request.cookies.get('theme')", "prefs.saved_theme")
    assert _gate(before, after) == []


def test_gate_moved_into_a_comparison_elsewhere_is_silent():
    after = UNGATED.replace("    prefs.theme = theme\n", "    if theme not in ('light', 'dark'):\n        theme = 'light'\n    prefs.theme = theme\n")
    assert _gate(BEFORE, after) == []


def test_non_literal_set_is_silent():
    before = BEFORE.replace("('light', 'dark')", "THEMES")
    after = UNGATED
    assert _gate(before, after) == []
