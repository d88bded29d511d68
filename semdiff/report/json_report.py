"""JSON reporter: the versioned, machine-readable form of a `Report`.

The shape is pinned by docs/json-schema.json (draft 2020-12) and documented in
docs/json-schema.md; a change to it bumps `schema_version` in semdiff.model. Every field of
a `Finding` is written, including its fingerprint, so tools can track findings across runs.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from semdiff.model import FileChange, Finding, Location, NotAnalyzed, Report, Severity
from semdiff.report.json_text import dumps_indent2

TOOL_NAME = "semdiff"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _tool_version() -> str:
    from semdiff import __version__

    return __version__


def _location(loc: Optional[Location]) -> Optional[dict[str, Any]]:
    if loc is None:
        return None
    return {"path": loc.path, "line": loc.line, "end_line": loc.end_line}


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule_id": f.rule_id,
        "title": f.title,
        "severity": f.severity.label,
        "confidence": f.confidence.label,
        "message": f.message,
        "path": f.path,
        "unit": f.unit,
        "language": f.language,
        "hunk_only": f.hunk_only,
        "fingerprint": f.fingerprint,
        "before": _location(f.before),
        "after": _location(f.after),
        "evidence": {
            "before": f.evidence.before,
            "after": f.evidence.after,
            "witness": f.evidence.witness,
        },
        "relevance": {
            "category": f.relevance.category,
            "score": f.relevance.score,
            "why_path": list(f.relevance.why_path),
            "reason": f.relevance.reason,
        },
    }


def not_analyzed_dict(n: NotAnalyzed) -> dict[str, Any]:
    return {"path": n.path, "reason": n.reason, "detail": n.detail, "security_relevant": n.security_relevant}


def file_dict(fc: FileChange) -> dict[str, Any]:
    return {
        "path": fc.path,
        "old_path": fc.old_path,
        "new_path": fc.new_path,
        "status": fc.status.value,
        "old_mode": fc.old_mode,
        "new_mode": fc.new_mode,
        "similarity": fc.similarity,
        "old_blob": fc.old_blob,
        "new_blob": fc.new_blob,
        "hunk_only": fc.hunk_only,
        "hunks": len(fc.hunks),
        "lines_removed": sum(len(h.removed) for h in fc.hunks),
        "lines_added": sum(len(h.added) for h in fc.hunks),
    }


def summary_dict(report: Report) -> dict[str, Any]:
    by_severity = {s.label: 0 for s in sorted(Severity, reverse=True)}
    for f in report.findings:
        by_severity[f.severity.label] += 1
    return {
        "findings": len(report.findings),
        "by_severity": by_severity,
        "not_analyzed": len(report.not_analyzed),
        "security_relevant_not_analyzed": sum(1 for n in report.not_analyzed if n.security_relevant),
        "files": len(report.files),
        "units_analyzed": report.units_analyzed,
    }


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "schema_version": report.schema_version,
        "tool": {"name": TOOL_NAME, "version": _tool_version()},
        "range": {
            "description": report.description,
            "base": report.base,
            "head": report.head,
            "hunk_only": report.hunk_only,
            "commits": [{"sha": c.sha, "subject": c.subject, "body": c.body} for c in report.commits],
        },
        "summary": summary_dict(report),
        "findings": [finding_dict(f) for f in report.findings],
        "not_analyzed": [not_analyzed_dict(n) for n in report.not_analyzed],
        "files": [file_dict(fc) for fc in report.files],
        "purpose": purpose_dict(report.purpose) if report.purpose is not None else None,
        "suppressed": [{"finding": finding_dict(f), "reason": why} for f, why in report.suppressed],
    }


def purpose_dict(purpose: Any) -> dict[str, Any]:
    return {
        "claim": purpose.claim,
        "claim_evidence": list(purpose.claim_evidence),
        "effects": {kind: count for kind, count in purpose.effects},
        "verdict": purpose.verdict,
        "exceeds": purpose.exceeds,
    }


def _clean(value: Any) -> Any:
    """Replace lone surrogates (from undecodable bytes in hostile input) so output is valid UTF-8."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _clean_text(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


def format_report(report: Report) -> str:
    """`json.dumps(_clean(report_dict(report)), indent=2, ensure_ascii=False)`, the same text
    written by semdiff.report.json_text (without the standard library's generator encoder)."""
    return dumps_indent2(report_dict(report), _clean_text) + "\n"
