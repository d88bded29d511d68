"""A gate swapped in front of an unchanged check is a re-scoping, not a short-circuit.

`if SETTING and installed:` -> `if is_refresh and installed:` skips the check in some old cases
but runs it in new ones; it is reported for review at low severity and confidence, below the
`--fail-on medium` line, while a gate that only adds a way around the check stays as it was.
"""
from __future__ import annotations

from semdiff.model import Confidence, Severity
from semdiff.pipeline import analyze_texts

BEFORE = '''from django.conf import settings


def validate(attrs):
    token = load(attrs["token"])
    if settings.BLACKLIST_AFTER_ROTATION and "blacklist" in settings.INSTALLED_APPS:
        jti = token.get("jti")
        if is_blacklisted(jti):
            raise ValidationError("Token is blacklisted")
    return {}
'''

SWAPPED = BEFORE.replace('settings.BLACKLIST_AFTER_ROTATION and', 'token.get("token_type") == "refresh" and')
NARROWED = BEFORE.replace('settings.BLACKLIST_AFTER_ROTATION and', 'settings.BLACKLIST_AFTER_ROTATION and not settings.DEBUG and')


def _short_circuits(after: str):
    report = analyze_texts([("auth/serializers.py", BEFORE, after)])
    return [f for f in report.findings if f.rule_id == "short-circuit"]


def test_a_swapped_gate_is_reported_as_a_low_confidence_rescoping() -> None:
    (f,) = _short_circuits(SWAPPED)
    assert f.unit == "validate" and f.after is not None and f.after.line == 6
    assert f.severity < Severity.MEDIUM and f.confidence is Confidence.LOW
    assert "re-scoping" in f.message


def test_a_gate_that_only_narrows_the_path_stays_a_short_circuit() -> None:
    (f,) = _short_circuits(NARROWED)
    assert f.unit == "validate" and f.after is not None and f.after.line == 6
    assert f.severity >= Severity.MEDIUM
    assert "re-scoping" not in f.message
