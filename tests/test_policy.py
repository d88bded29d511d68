"""Policy: which findings count, and the exit code (including fail-closed in CI mode)."""
from __future__ import annotations

import pytest

from semdiff import policy
from semdiff.model import Confidence, Finding, NotAnalyzed, Report, Severity


def finding(severity: Severity, confidence: Confidence = Confidence.HIGH, rule: str = "removed-guard") -> Finding:
    return Finding(rule, "t", severity, confidence, "m", "app/views.py", "delete_user")


def test_no_findings_exit_0() -> None:
    assert policy.exit_code(Report(findings=()), Severity.HIGH) == 0


@pytest.mark.parametrize(
    "severity, fail_on, expected",
    [
        (Severity.HIGH, Severity.HIGH, 1),
        (Severity.CRITICAL, Severity.HIGH, 1),
        (Severity.MEDIUM, Severity.HIGH, 0),
        (Severity.HIGH, Severity.CRITICAL, 0),
        (Severity.LOW, Severity.LOW, 1),
        (Severity.INFO, Severity.LOW, 0),
        (Severity.CRITICAL, None, 0),  # --fail-on never
    ],
)
def test_threshold(severity: Severity, fail_on: Severity | None, expected: int) -> None:
    assert policy.exit_code(Report(findings=(finding(severity),)), fail_on) == expected


def test_min_confidence_hides_and_does_not_count() -> None:
    report = Report(findings=(finding(Severity.CRITICAL, Confidence.LOW), finding(Severity.LOW, Confidence.HIGH, "altered-comparison")))
    assert policy.exit_code(report, Severity.HIGH, Confidence.MEDIUM) == 0
    assert policy.exit_code(report, Severity.HIGH, Confidence.LOW) == 1
    shown = policy.visible(report, Confidence.MEDIUM)
    assert [f.rule_id for f in shown.findings] == ["altered-comparison"]
    assert policy.visible(report, Confidence.LOW) is report


def test_reason_names_the_threshold() -> None:
    decision = policy.decide(Report(findings=(finding(Severity.HIGH),)), Severity.HIGH)
    assert decision.exit_code == 1
    assert decision.reasons == ("1 finding(s) at or above severity 'high' (change the threshold with --fail-on)",)


SECURITY_SKIP = NotAnalyzed("app/auth.py", "syntax-error", "after: bad", security_relevant=True)
PLAIN_SKIP = NotAnalyzed("docs/notes.py", "syntax-error", "after: bad", security_relevant=False)


def test_fail_closed_on_security_relevant_unanalyzed() -> None:
    report = Report(findings=(), not_analyzed=(SECURITY_SKIP,))
    decision = policy.decide(report, Severity.HIGH, fail_on_unanalyzed=True)
    assert decision.exit_code == 1
    assert len(decision.reasons) == 1
    assert "app/auth.py" in decision.reasons[0] and "--allow-unanalyzed" in decision.reasons[0]


def test_unanalyzed_passes_outside_ci_mode_or_when_not_relevant_or_never() -> None:
    assert policy.exit_code(Report(findings=(), not_analyzed=(SECURITY_SKIP,)), Severity.HIGH, fail_on_unanalyzed=False) == 0
    assert policy.exit_code(Report(findings=(), not_analyzed=(PLAIN_SKIP,)), Severity.HIGH, fail_on_unanalyzed=True) == 0
    assert policy.exit_code(Report(findings=(), not_analyzed=(SECURITY_SKIP,)), None, fail_on_unanalyzed=True) == 0


@pytest.mark.parametrize(
    "explicit, env, expected",
    [
        (True, {}, True),
        (False, {"CI": "true"}, True),
        (False, {"CI": "1"}, True),
        (False, {"CI": ""}, False),
        (False, {"CI": "false"}, False),
        (False, {}, False),
    ],
)
def test_ci_mode(explicit: bool, env: dict[str, str], expected: bool) -> None:
    assert policy.ci_mode(explicit, env) is expected


def test_parse_choices() -> None:
    assert policy.parse_fail_on("never") is None
    assert policy.parse_fail_on("Critical") is Severity.CRITICAL
    assert policy.parse_confidence("medium") is Confidence.MEDIUM
    with pytest.raises(KeyError):
        policy.parse_fail_on("severe")
