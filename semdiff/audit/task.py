"""One commit in, one JSON-ready record out: the per-commit task of an audit.

The task is a top-level function of plain values so that a process pool or a Dask worker can
run it. It reuses the whole pipeline through `semdiff.analyze` (the commit's message is the
stated purpose) and the JSON reporter's serialisers, so an audit record says exactly what
`semdiff <parent>..<sha> --format json` would. A commit that cannot be analysed becomes a
record with `error` set, never an exception that stops the audit.
"""
from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import Any, Optional

from semdiff.audit.commits import CommitTask
from semdiff.errors import InputError
from semdiff.model import PurposeSummary, Report, Severity

RECORD_SCHEMA = "semdiff-audit/1"


def glob_regex(pattern: str) -> re.Pattern[str]:
    """git's `:(glob)` meaning: `*` and `?` stay within one path segment, `**` crosses them."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _purpose_dict(p: Optional[PurposeSummary]) -> Optional[dict[str, Any]]:
    if p is None:
        return None
    return {
        "claim": p.claim,
        "claim_evidence": list(p.claim_evidence),
        "effects": [[kind, n] for kind, n in p.effects],
        "verdict": p.verdict,
        "exceeds": p.exceeds,
    }


def severity_counts(findings: list[dict[str, Any]]) -> dict[str, int]:
    counts = {s.label: 0 for s in sorted(Severity, reverse=True)}
    for f in findings:
        counts[f["severity"]] = counts.get(f["severity"], 0) + 1
    return counts


def _within(report: Report, paths: tuple[str, ...]) -> Report:
    if not paths:
        return report
    patterns = [glob_regex(p) for p in paths]

    def keep(path: str) -> bool:
        return any(p.match(path) for p in patterns)

    return replace(
        report,
        findings=tuple(f for f in report.findings if keep(f.path)),
        not_analyzed=tuple(n for n in report.not_analyzed if keep(n.path)),
    )


def record_for(task: CommitTask, report: Optional[Report], elapsed: float, error: Optional[str] = None) -> dict[str, Any]:
    """The audit record of one commit (also used to write error records)."""
    from semdiff.report.json_report import _clean, finding_dict, not_analyzed_dict

    findings = [finding_dict(f) for f in report.findings] if report else []
    return _clean({
        "schema": RECORD_SCHEMA,
        "sha": task.sha,
        "parent": task.parent,
        "date": task.date,
        "subject": task.subject,
        "counts": severity_counts(findings),
        "findings": findings,
        "not_analyzed": [not_analyzed_dict(n) for n in report.not_analyzed] if report else [],
        "purpose": _purpose_dict(report.purpose) if report else None,
        "files": len(report.files) if report else 0,
        "units_analyzed": report.units_analyzed if report else 0,
        "elapsed": round(elapsed, 4),
        "error": error,
    })


def analyse_commit(task: CommitTask) -> dict[str, Any]:
    """Analyse `task.sha` against `task.parent` with its message as purpose; never raises."""
    from semdiff.api import analyze
    from semdiff.pipeline import AnalyzeOptions

    start = time.perf_counter()
    try:
        report = analyze(task.revision, repo=task.repo, options=AnalyzeOptions(purpose_text=task.message),
                         report_cache=False)  # --resume is how an audit re-runs; ~0.2 MB per commit otherwise
    except InputError as exc:
        return record_for(task, None, time.perf_counter() - start, f"input error: {exc}")
    except Exception as exc:  # one bad commit must not end a six-month audit; the record says so
        return record_for(task, None, time.perf_counter() - start, f"internal error: {type(exc).__name__}: {exc}")
    return record_for(task, _within(report, task.paths), time.perf_counter() - start)
