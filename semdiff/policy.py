"""Policy: which findings a run shows, and what its exit code is.

Analysis reports everything it found; policy decides what counts. Two knobs:
`min_confidence` hides findings below it (they are neither shown nor counted), and
`fail_on` is the severity at or above which a run fails (None = never fail).

Fail closed: what could not be analysed is not evidence of safety. In CI mode (the
threshold was given explicitly, or the environment says `CI=true`) a run fails when a
security-relevant file or unit was not analysed, unless the user allowed it. The reasons
come back as data; the CLI prints them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Mapping, Optional

from semdiff.model import Confidence, NotAnalyzed, Report, Severity

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

FAIL_ON_CHOICES = ("low", "medium", "high", "critical", "never")
CONFIDENCE_CHOICES = ("low", "medium", "high")
DEFAULT_FAIL_ON = "high"
DEFAULT_MIN_CONFIDENCE = "low"


def parse_fail_on(text: str) -> Optional[Severity]:
    """`never` -> None (no finding fails the run); otherwise the severity threshold."""
    if text.strip().lower() == "never":
        return None
    return Severity.parse(text)


def parse_confidence(text: str) -> Confidence:
    return Confidence.parse(text)


def ci_mode(fail_on_explicit: bool, environ: Optional[Mapping[str, str]] = None) -> bool:
    """CI mode: the user set a threshold on purpose, or the CI system says it is running."""
    env = os.environ if environ is None else environ
    return fail_on_explicit or env.get("CI", "").strip().lower() in ("true", "1", "yes")


def visible(report: Report, min_confidence: Confidence) -> Report:
    """The report as the user sees it: findings below `min_confidence` removed."""
    kept = tuple(f for f in report.findings if f.confidence >= min_confidence)
    if len(kept) == len(report.findings):
        return report
    return replace(report, findings=kept)


@dataclass(frozen=True)
class Decision:
    exit_code: int
    reasons: tuple[str, ...] = ()  # one line each, for stderr


def decide(
    report: Report,
    fail_on: Optional[Severity],
    min_confidence: Confidence = Confidence.LOW,
    fail_on_unanalyzed: bool = False,
) -> Decision:
    """Exit code plus the plain-words reasons for it."""
    reasons: list[str] = []
    failing = () if fail_on is None else report.at_or_above(fail_on, min_confidence)
    if failing:
        reasons.append(
            f"{len(failing)} finding(s) at or above severity '{fail_on.label}'"  # type: ignore[union-attr]
            f" (change the threshold with --fail-on)"
        )
    unanalyzed = security_relevant_unanalyzed(report) if fail_on is not None else ()
    if unanalyzed and fail_on_unanalyzed:
        names = ", ".join(sorted({n.path for n in unanalyzed}))
        reasons.append(
            f"failing closed: {len(unanalyzed)} security-relevant item(s) could not be analysed ({names});"
            " fix them or pass --allow-unanalyzed"
        )
    code = EXIT_FINDINGS if failing or (unanalyzed and fail_on_unanalyzed) else EXIT_OK
    return Decision(code, tuple(reasons))


def exit_code(
    report: Report,
    fail_on: Optional[Severity],
    min_confidence: Confidence = Confidence.LOW,
    fail_on_unanalyzed: bool = False,
) -> int:
    return decide(report, fail_on, min_confidence, fail_on_unanalyzed).exit_code


def security_relevant_unanalyzed(report: Report) -> tuple[NotAnalyzed, ...]:
    return tuple(n for n in report.not_analyzed if n.security_relevant)
