"""short-circuit / widened-condition when every newly allowed case presents a configured secret.

`if pw == self.password: return user` gaining `if user in self.admins and pw ==
self.admin_password: return admin` before the old `return None` lets a new case through, but
only with a second configured secret: an added credential (low, the comparison named). A
hard-coded value, a request flag, a comparison of two request values or a gate that does not
need the secret in every newly allowed case stays a high bypass.
"""
from __future__ import annotations

from semdiff.model import Severity
from semdiff.pipeline import analyze_texts

BEFORE = '''class PasswordAuth:
    def authenticate(self, handler, data):
        if self.password:
            if data["password"] == self.password:
                return data["username"]
            return None
        return data["username"]
'''

AFTER_TEMPLATE = '''class PasswordAuth:
    def authenticate(self, handler, data):
        if self.password:
            if data["password"] == self.password:
                return {{"name": data["username"], "admin": False}}
            if {gate}:
                return {{"name": data["username"], "admin": True}}
            return None
        return data["username"]
'''


def _guard_findings(gate: str):
    report = analyze_texts([("auth/password.py", BEFORE, AFTER_TEMPLATE.format(gate=gate))])
    return [(f.rule_id, f.unit, f.after.line if f.after else None, f.severity) for f in report.findings
            if f.rule_id in ("short-circuit", "widened-condition", "removed-guard")]


def test_second_configured_secret_is_an_added_credential_low():
    found = _guard_findings('data["username"] in self.admin_users and data["password"] == self.admin_password')
    assert found == [("short-circuit", "PasswordAuth.authenticate", 6, Severity.LOW)]


def test_settings_secret_either_order_is_low_too():
    found = _guard_findings('settings.ADMIN_PASSWORD == data["password"]')
    assert found == [("short-circuit", "PasswordAuth.authenticate", 6, Severity.LOW)]


def test_hard_coded_password_stays_high():
    found = _guard_findings('data["password"] == "letmein"')
    assert found == [("short-circuit", "PasswordAuth.authenticate", 6, Severity.HIGH)]


def test_request_flag_stays_high():
    found = _guard_findings('handler.get_argument("debug", None)')
    assert found == [("short-circuit", "PasswordAuth.authenticate", 6, Severity.HIGH)]


def test_two_request_values_compared_stays_high():
    found = _guard_findings('data["password"] == data["password_confirm"]')
    assert found == [("short-circuit", "PasswordAuth.authenticate", 6, Severity.HIGH)]


def test_secret_needed_on_one_branch_only_stays_high():
    found = _guard_findings('data["password"] == self.admin_password or data["username"] in self.admin_users')
    assert found == [("short-circuit", "PasswordAuth.authenticate", 6, Severity.HIGH)]


def test_configured_secret_name_not_a_secret_stays_high():
    found = _guard_findings('data["password"] == self.password_field')
    assert found == [("short-circuit", "PasswordAuth.authenticate", 6, Severity.HIGH)]
