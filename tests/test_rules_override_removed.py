"""override-check-removed: a deleted subclass method that refused, then delegated to super()."""
from __future__ import annotations

from semdiff.model import Severity
from semdiff.pipeline import analyze_texts

BEFORE = '''from .base import BaseAuthenticator, Forbidden


class VerifiedEmailAuthenticator(BaseAuthenticator):
    allow_unverified = False

    def user_info_url(self):
        return "https://id.example/userinfo"

    async def check_allowed(self, username, auth_model):
        if auth_model is None:
            return True
        info = auth_model["auth_state"]["user"]
        if not info.get("email_verified"):
            if self.allow_unverified:
                self.log.warning("unverified email allowed")
            else:
                raise Forbidden(403, "unverified email")
        return await super().check_allowed(username, auth_model)
'''

AFTER_DELETED = '''from .base import BaseAuthenticator, Forbidden


class VerifiedEmailAuthenticator(BaseAuthenticator):
    def user_info_url(self):
        return "https://id.example/userinfo"
'''

AFTER_MOVED = '''from .base import BaseAuthenticator, Forbidden


class VerifiedEmailAuthenticator(BaseAuthenticator):
    allow_unverified = False

    def user_info_url(self):
        return "https://id.example/userinfo"

    async def check_blocked_users(self, username, auth_model):
        info = auth_model["auth_state"]["user"]
        if not info.get("email_verified"):
            if self.allow_unverified:
                self.log.warning("unverified email allowed")
            else:
                raise Forbidden(403, "unverified email")
        return await super().check_blocked_users(username, auth_model)
'''

NO_SUPER_BEFORE = BEFORE.replace("return await super().check_allowed(username, auth_model)", "return username in self.allowed_users")


def _findings(before, after, path="auth/verified.py"):
    report = analyze_texts([(path, before, after)])
    return [(f.rule_id, f.unit, f.before.line if f.before else None, f.severity) for f in report.findings
            if f.rule_id == "override-check-removed"]


def test_deleted_override_with_refusal_is_reported():
    assert _findings(BEFORE, AFTER_DELETED) == [
        ("override-check-removed", "VerifiedEmailAuthenticator.check_allowed", 15, Severity.MEDIUM)]


def test_refusal_moved_to_another_hook_is_silent():
    assert _findings(BEFORE, AFTER_MOVED) == []


def test_deleted_method_that_replaced_the_base_is_silent():
    # no super() delegation: a replacement, whose deletion restores the base's own check
    assert _findings(NO_SUPER_BEFORE, AFTER_DELETED) == []


def test_whole_class_deleted_is_silent():
    assert _findings(BEFORE, "from .base import BaseAuthenticator\n") == []


def test_deleted_override_without_refusal_is_silent():
    before = '''class Auth(Base):
    def other(self):
        return 1

    def check_allowed(self, username, model):
        self.log.info("checking %s", username)
        return super().check_allowed(username, model)
'''
    after = '''class Auth(Base):
    def other(self):
        return 1
'''
    assert _findings(before, after) == []
