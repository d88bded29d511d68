"""swallowed-exception: every shipped example, the check-callee table, and the quiet cases."""
from __future__ import annotations

import pytest

from semdiff.model import Confidence
from semdiff.pipeline import analyze_texts
from semdiff.rules import swallowed_exception as fam
from semdiff.rules.base import all_rules

PATH = "app/auth_checks.py"
R = fam.FAIL_OPEN


def findings(before, after, path=PATH):
    report = analyze_texts([(path, before, after)])
    return [f for f in report.findings if f.rule_id.startswith(fam.FAMILY)]


def brief(fs):
    return sorted((f.rule_id, f.unit, f.after.line if f.after else None) for f in fs)




def test_rule_registered_with_examples():
    assert R in all_rules()
    spec = fam.RULES[0]
    assert any(e.fires for e in spec.examples) and any(not e.fires for e in spec.examples)


@pytest.mark.parametrize("callee,expected", [
    ("verify_signature", True), ("self.check_permission", True), ("jwt.decode", True), ("jose.jwt.decode", True),
    ("signer.unsign", True), ("django.core.signing.loads", True), ("serializer.loads", True),
    ("form.full_clean", True), ("authenticate", True), ("validateToken", True),
    ("json.loads", False), ("subprocess.check_output", False), ("base64.b64decode", False), ("bytes.decode", False),
    ("pickle.loads", False),
])
def test_check_callee_table(callee, expected):
    assert fam.is_check(callee) is expected


BEFORE = ("from app.acl import verify_owner\n\n"
          "def delete_note(user, note):\n"
          "    verify_owner(user, note)\n"
          "    note.delete()\n")


def wrapped(handler_body: str, catch: str = "Exception") -> str:
    return ("from app.acl import verify_owner\n\n"
            "def delete_note(user, note):\n"
            "    try:\n"
            "        verify_owner(user, note)\n"
            f"    except {catch}:\n"
            f"        {handler_body}\n"
            "    note.delete()\n")


@pytest.mark.parametrize("body", ["pass", "print('owner check failed')", "return True"])
def test_swallowing_handlers_fire_at_except_line(body):
    fs = findings(BEFORE, wrapped(body))
    assert brief(fs) == [(R, "delete_note", 6)]
    assert fs[0].confidence is Confidence.HIGH
    assert fs[0].before is not None and fs[0].before.line == 4


@pytest.mark.parametrize("body", ["raise", "raise PermissionError('not owner')", "return False"])
def test_denying_handlers_are_silent(body):
    assert findings(BEFORE, wrapped(body)) == []


def test_benign_catch_is_silent():
    assert findings(BEFORE, wrapped("pass", "ImportError")) == []


def test_new_check_added_already_swallowed_is_not_weaker_than_nothing():
    before = "def delete_note(user, note):\n    note.delete()\n"
    after = ("from app.acl import verify_owner\n\ndef delete_note(user, note):\n"
             "    try:\n        verify_owner(user, note)\n    except Exception:\n        pass\n    note.delete()\n")
    assert findings(before, after) == []


def test_new_check_added_failing_open_with_return_true_is_reported_medium():
    before = "def may_delete(user, note):\n    return note.owner_id == user.id\n"
    after = ("from app.acl import verify_owner\n\ndef may_delete(user, note):\n"
             "    try:\n        verify_owner(user, note)\n    except Exception:\n        return True\n"
             "    return note.owner_id == user.id\n")
    fs = [f for f in findings(before, after)]
    assert brief(fs) == [(R, "may_delete", 6)]
    assert fs[0].confidence is Confidence.MEDIUM
