"""widened-allowlist: lists named invalid_*/illegal_* are deny-lists (what they name is refused)."""
from __future__ import annotations

from rulekit import findings_of

BEFORE = '''
def check_name(name):
    illegal_names = ["con", "nul", "aux"]
    if name.lower() in illegal_names:
        raise ValueError(name)
    return name
'''


def test_illegal_list_shrank():
    found = findings_of("widened-allowlist", BEFORE, BEFORE.replace(', "aux"', ""))
    assert [(f.unit, f.before.line, f.after.line) for f in found] == [("check_name", 2, 2)]


def test_illegal_list_grew_is_silent():
    assert findings_of("widened-allowlist", BEFORE.replace(', "aux"', ""), BEFORE) == []
