"""The final audit report: the flagged commits, ranked by how much they weakened.

Records are plain dicts (they may come back from a resumed JSONL file), so the ranking works on
them directly. For SARIF/Markdown/JSON the flagged commits' findings are turned back into one
`Report` (each message prefixed with its commit) and handed to the ordinary reporters, which only
format.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional

from semdiff.model import Confidence, Evidence, Finding, Location, NotAnalyzed, Relevance, Report, Severity

_ORDER = [s.label for s in sorted(Severity, reverse=True)]


def worst(record: dict[str, Any]) -> Optional[Severity]:
    labels = [f.get("severity") for f in record.get("findings", [])]
    sevs = [Severity.parse(s) for s in labels if isinstance(s, str) and s.upper() in Severity.__members__]
    return max(sevs) if sevs else None


def is_flagged(record: dict[str, Any], threshold: Severity) -> bool:
    w = worst(record)
    return w is not None and w >= threshold


def rank(records: Iterable[dict[str, Any]], threshold: Severity) -> list[dict[str, Any]]:
    """Flagged records, worst first: highest severity, then most findings at each level, then newest."""
    flagged = [r for r in records if is_flagged(r, threshold)]

    def key(r: dict[str, Any]) -> tuple[Any, ...]:
        counts = r.get("counts", {})
        return (tuple(-int(counts.get(label, 0)) for label in _ORDER), _neg_date(r.get("date", "")))

    return sorted(flagged, key=key)


def _neg_date(date: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in date)


@dataclass(frozen=True)
class Totals:
    commits: int
    flagged: int
    errors: int
    findings: int
    not_analyzed: int
    seconds: float


def totals(records: list[dict[str, Any]], threshold: Severity) -> Totals:
    return Totals(
        commits=len(records),
        flagged=sum(1 for r in records if is_flagged(r, threshold)),
        errors=sum(1 for r in records if r.get("error")),
        findings=sum(len(r.get("findings", [])) for r in records),
        not_analyzed=sum(len(r.get("not_analyzed", [])) for r in records),
        seconds=sum(float(r.get("elapsed") or 0.0) for r in records),
    )


def _cut(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def format_summary(records: list[dict[str, Any]], threshold: Severity, limit: int = 50) -> str:
    """A plain-text table of the flagged commits, worst first, then what failed."""
    t = totals(records, threshold)
    lines = [
        f"semdiff audit: {t.commits} commit(s) analysed, {t.flagged} flagged at {threshold.label} or above,"
        f" {t.findings} finding(s), {t.errors} error(s), {t.not_analyzed} item(s) not analysed"
    ]
    ranked = rank(records, threshold)
    if ranked:
        lines.append("")
        lines.append(f"{'#':>3}  {'commit':<10}  {'date':<10}  {'worst':<8}  {'crit':>4} {'high':>4} {'med':>4} {'low':>4}  subject / top finding")
        for i, r in enumerate(ranked[:limit], 1):
            c = r.get("counts", {})
            w = worst(r)
            top = r["findings"][0] if r.get("findings") else {}
            lines.append(
                f"{i:>3}  {r['sha'][:10]:<10}  {str(r.get('date', ''))[:10]:<10}  {(w.label if w else ''):<8}  "
                f"{c.get('critical', 0):>4} {c.get('high', 0):>4} {c.get('medium', 0):>4} {c.get('low', 0):>4}  "
                f"{_cut(r.get('subject', ''), 60)}"
            )
            if top:
                lines.append(f"{'':>41}{top.get('rule_id')}: {top.get('path')} {top.get('unit')}")
        if len(ranked) > limit:
            lines.append(f"... and {len(ranked) - limit} more flagged commit(s) (see the JSONL records)")
    failed = [r for r in records if r.get("error")]
    if failed:
        lines.append("")
        lines.append("not analysed (errors):")
        for r in failed[:limit]:
            lines.append(f"  {r['sha'][:10]}  {_cut(r['error'], 100)}")
    return "\n".join(lines) + "\n"


def _location(d: Optional[dict[str, Any]]) -> Optional[Location]:
    if not d:
        return None
    return Location(str(d.get("path", "")), int(d.get("line") or 0), d.get("end_line"))


def finding_from_dict(d: dict[str, Any], prefix: str = "") -> Finding:
    """Inverse of semdiff.report.json_report.finding_dict (the fingerprint is recomputed equal)."""
    ev = d.get("evidence") or {}
    rel = d.get("relevance") or {}
    return Finding(
        rule_id=d["rule_id"], title=d.get("title", ""), severity=Severity.parse(d["severity"]),
        confidence=Confidence.parse(d.get("confidence", "low")), message=prefix + d.get("message", ""),
        path=d.get("path", ""), unit=d.get("unit", ""), before=_location(d.get("before")), after=_location(d.get("after")),
        evidence=Evidence(ev.get("before", ""), ev.get("after", ""), ev.get("witness", "")),
        relevance=Relevance(rel.get("category", "none"), float(rel.get("score", 0.0)), tuple(rel.get("why_path", ())), rel.get("reason", "")),
        hunk_only=bool(d.get("hunk_only", False)), language=d.get("language", "python"),
    )


def flagged_report(records: list[dict[str, Any]], threshold: Severity, description: str) -> Report:
    """One Report holding the findings of the flagged commits, ranked like the summary."""
    findings: list[Finding] = []
    not_analyzed: list[NotAnalyzed] = []
    for r in rank(records, threshold):
        prefix = f"[{r['sha'][:10]} {_cut(r.get('subject', ''), 60)}] "
        findings.extend(finding_from_dict(f, prefix) for f in r.get("findings", []))
    for r in records:
        if r.get("error"):
            not_analyzed.append(NotAnalyzed(r["sha"], "audit-error", str(r["error"]), True))
    return Report(findings=tuple(findings), not_analyzed=tuple(not_analyzed), description=description)
