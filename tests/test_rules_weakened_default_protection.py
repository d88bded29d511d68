"""weakened-default/security-flag, the protection-default function: `defaultProtectX()` that
always returned true and now returns false or a condition (rule id, unit, lines), and the
quiet cases around it."""
from __future__ import annotations

from rulekit import findings_of

RULE = "weakened-default/security-flag"
GO = "package git\n\nimport \"runtime\"\n\nfunc defaultProtectHFS() bool {\n\treturn true\n}\n"


def _brief(hits):
    return [(f.unit, f.before.line if f.before else None, f.after.line if f.after else None) for f in hits]


def test_go_default_made_platform_conditional():
    hits = findings_of(RULE, GO, GO.replace("return true", 'return runtime.GOOS == "darwin"'), "fs.go")
    assert _brief(hits) == [("defaultProtectHFS", 6, 6)]
    assert "runtime.GOOS" in hits[0].message


def test_go_default_turned_off():
    hits = findings_of(RULE, GO, GO.replace("return true", "return false"), "fs.go")
    assert _brief(hits) == [("defaultProtectHFS", 6, 6)]


def test_python_default_behind_a_branch():
    before = "def default_verify_signatures():\n    return True\n"
    after = "import os\n\n\ndef default_verify_signatures():\n    if os.environ.get('CI'):\n        return False\n    return True\n"
    hits = findings_of(RULE, before, after, "app/sig.py")
    assert _brief(hits) == [("default_verify_signatures", 2, 6)]


def test_default_turned_on_stays_silent():
    before = GO.replace("return true", 'return runtime.GOOS == "darwin"')
    assert findings_of(RULE, before, GO, "fs.go") == []


def test_conditional_default_reworded_stays_silent():
    before = GO.replace("return true", 'return runtime.GOOS == "darwin"')
    after = GO.replace("return true", 'return runtime.GOOS == "darwin" || runtime.GOOS == "ios"')
    assert findings_of(RULE, before, after, "fs.go") == []


def test_default_of_a_non_protection_stays_silent():
    before = GO.replace("defaultProtectHFS", "defaultColorOutput")
    after = before.replace("return true", 'return runtime.GOOS != "windows"')
    assert findings_of(RULE, before, after, "fs.go") == []


def test_protection_function_without_default_in_its_name_stays_silent():
    before = GO.replace("defaultProtectHFS", "shouldProtectHFS")
    after = before.replace("return true", 'return runtime.GOOS == "darwin"')
    assert findings_of(RULE, before, after, "fs.go") == []
