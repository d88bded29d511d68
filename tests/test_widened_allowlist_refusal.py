"""widened-allowlist: a named deny-list that the same unit refuses input by keeps medium severity."""
from __future__ import annotations

from semdiff.model import Severity
from semdiff.pipeline import analyze_texts

BEFORE = (
    "class UploadName:\n"
    "    def __init__(self, name):\n"
    "        blocked_suffixes = ('.exe', '.bat', '.scr')\n"
    "        if name.lower().endswith(blocked_suffixes):\n"
    "            raise ValueError('refused')\n"
    "        self.name = name\n"
)


def _allowlist(before: str, after: str):
    return [f for f in analyze_texts([("media/names.py", before, after)]).findings if f.rule_id == "widened-allowlist"]


def test_refusing_guard_names_the_list_and_keeps_medium():
    found = _allowlist(BEFORE, BEFORE.replace(", '.bat'", ""))
    assert len(found) == 1 and found[0].severity == Severity.MEDIUM
    assert "checked by `" in found[0].message and found[0].before.line == 3


def test_list_not_tested_by_a_guard_stays_low():
    # the shrunk list is only logged: no refusal in the unit names it, so plain relevance decides
    before = BEFORE.replace("if name.lower().endswith(blocked_suffixes):", "if name.lower().endswith('.tmp'):") + \
        "        log(blocked_suffixes)\n"
    after = before.replace(", '.bat'", "")
    found = _allowlist(before, after)
    assert len(found) == 1 and found[0].severity < Severity.MEDIUM
    assert "checked by" not in found[0].message
