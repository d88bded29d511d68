"""`type(x) is C` / `x.__class__ is C` -> `isinstance(x, C)` (session 5, H5; jinja's lexer).

A check that denies on an exact type, rewritten to deny on isinstance, denies at least as
much (subclasses too): not a removed check. The near-twin, a check that *allows* only the
exact type (`type(x) is not C: raise`) rewritten to `not isinstance(x, C)`, now lets
subclasses through and still fires.
"""
from __future__ import annotations

from semdiff.model import Severity
from semdiff.pipeline import analyze_texts

BEFORE = '''def read_token(self, token):
    if token.__class__ is Failure:
        raise PermissionDenied("lexer failure")
    if type(token) is Revoked:
        raise PermissionDenied("revoked token")
    return token.value
'''
AFTER = '''def read_token(self, token):
    if isinstance(token, Failure):
        raise PermissionDenied("lexer failure")
    if isinstance(token, Revoked):
        raise PermissionDenied("revoked token")
    return token.value
'''
ALLOW_BEFORE = '''def read_token(self, token):
    if type(token) is not SignedToken:
        raise PermissionDenied("unsigned token")
    return token.value
'''
ALLOW_AFTER = '''def read_token(self, token):
    if not isinstance(token, SignedToken):
        raise PermissionDenied("unsigned token")
    return token.value
'''


def _guards(before: str, after: str):
    r = analyze_texts([("app/tokens.py", before, after)])
    return [(f.rule_id, f.unit, f.severity) for f in r.findings if f.rule_id in ("removed-guard", "widened-condition")]


def test_exact_type_denial_rewritten_as_isinstance_is_silent():
    assert _guards(BEFORE, AFTER) == []


def test_twin_exact_type_allowance_rewritten_as_isinstance_still_fires():
    got = _guards(ALLOW_BEFORE, ALLOW_AFTER)
    assert len(got) == 1 and got[0][1] == "read_token" and got[0][2] >= Severity.MEDIUM


def test_twin_check_really_removed_still_fires():
    removed = AFTER.replace('    if isinstance(token, Revoked):\n        raise PermissionDenied("revoked token")\n', "")
    assert _guards(BEFORE, removed) == [("removed-guard", "read_token", Severity.HIGH)]
