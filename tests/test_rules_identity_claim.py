"""identity-claim-mutable: the user's unique id taken from a mutable claim instead of `sub`/`id`."""
from __future__ import annotations

from semdiff.pipeline import analyze_texts

BEFORE = '''from .base import OAuth2Provider


class ExampleProvider(OAuth2Provider):
    id = "example"

    def extract_uid(self, data):
        uid_field = self.app.settings.get("uid_field", "sub")
        return str(data[uid_field])

    def extract_common_fields(self, data):
        return {"email": data.get("email"), "username": data.get("preferred_username")}
'''


def _found(after):
    report = analyze_texts([("accounts/providers/example/provider.py", BEFORE, after)])
    return [(f.rule_id, f.unit, f.after.line if f.after else None) for f in report.findings
            if f.rule_id == "identity-claim-mutable"]


def test_sub_to_preferred_username_is_reported():
    after = BEFORE.replace('''        uid_field = self.app.settings.get("uid_field", "sub")
        return str(data[uid_field])''', '''        return str(data["preferred_username"])''')
    assert _found(after) == [("identity-claim-mutable", "ExampleProvider.extract_uid", 8)]


def test_sub_kept_as_fallback_is_silent():
    after = BEFORE.replace('''        uid_field = self.app.settings.get("uid_field", "sub")
        return str(data[uid_field])''', '''        return str(data.get("sub") or data["preferred_username"])''')
    assert _found(after) == []


def test_sub_to_oid_is_silent():
    after = BEFORE.replace('"sub"', '"oid"')
    assert _found(after) == []


def test_mutable_claim_in_a_profile_function_is_silent():
    after = BEFORE.replace('return {"email": data.get("email"), "username": data.get("preferred_username")}',
                           'return {"email": data.get("mail"), "username": data.get("login")}')
    assert _found(after) == []
