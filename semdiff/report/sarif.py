"""SARIF 2.1.0 reporter, shaped for GitHub code scanning.

What code scanning needs and where it comes from:
- `tool.driver.rules`: one descriptor per rule that has a result, with the rule table's title
  and description, `properties.security-severity` (a numeric string: code scanning derives
  the alert's severity from it) and `properties.tags` (with "security").
- results: `ruleId`/`ruleIndex`, `level` (error for high/critical, warning for medium, note
  for low/info), the head-side location, the base-side location as a related location, and
  `partialFingerprints` from `Finding.fingerprint`, which has no line numbers, so an alert
  survives a rebase instead of being closed and reopened.
- Code scanning can only show an alert on a line of the head version. A finding about
  removed code is anchored on the head line that `semdiff.suppress.head_line` maps its base
  line to (the line that replaced it, else the next surviving line; pure hunk arithmetic),
  and its message quotes the removed lines. When nothing maps (no hunks known) the base line
  number is used, as the best available guess, and the message says so.
- `invocations[0].toolExecutionNotifications` lists what was not analysed.
- Suppressed findings are results with a `suppressions` entry (never silently dropped).
- GitHub's upload limits (25,000 results per run, 10 MB gzip-compressed): results are
  ordered most severe first and the tail is cut, with a notification saying how many.
"""
from __future__ import annotations

import gzip
import re
from typing import Any, Iterable, Optional
from urllib.parse import quote

from semdiff.model import Finding, NotAnalyzed, Report, Severity
from semdiff.report.json_text import dumps_indent2
from semdiff.suppress import POLICY_RULES, head_line

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "semdiff/v1"
AUTOMATION_CATEGORY = "semdiff"

MAX_RESULTS = 25_000  # GitHub: results per run
MAX_GZIP_BYTES = 10 * 1024 * 1024  # GitHub: upload size, gzip-compressed
MAX_TAGS = 10  # GitHub shows at most 10 tags per rule (accepts 20)
MAX_QUOTED_LINES = 20

SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_SURROGATE = re.compile("[\ud800-\udfff]")


def _tool_version() -> str:
    from semdiff import __version__

    return __version__


def _rule_table() -> dict[str, tuple[str, Severity, str]]:
    """(title, table severity, description) per rule id, from the rule families and policy.

    Rule metadata is decoration: if a rule module cannot be loaded here, results still go out
    with the titles the findings carry, rather than losing the whole report.
    """
    table = dict(POLICY_RULES)
    try:
        from semdiff.rules.base import all_rules

        for rid, spec in all_rules().items():
            table[rid] = (spec.title, spec.severity, spec.description)
    except Exception:  # noqa: BLE001 - see docstring
        pass
    return table


def _uri(path: str) -> str:
    return quote(path.replace("\\", "/"), safe="/")


def _physical(path: str, line: Optional[int], end_line: Optional[int] = None) -> dict[str, Any]:
    loc: dict[str, Any] = {"artifactLocation": {"uri": _uri(path)}}
    if line is not None:
        start = max(1, line)
        region: dict[str, Any] = {"startLine": start}
        if end_line is not None and end_line > start:
            region["endLine"] = end_line
        loc["region"] = region
    return loc


def _quote(code: str) -> str:
    lines = code.strip("\n").split("\n")
    shown = lines[:MAX_QUOTED_LINES]
    more = f"\n    ... ({len(lines) - len(shown)} more lines)" if len(lines) > len(shown) else ""
    return "\n".join("    " + ln for ln in shown) + more


def _message(report: Report, f: Finding, anchored: bool) -> str:
    text = f.message.strip() or f.title
    if f.after is None and f.before is not None:
        where = f"base {f.before}"
        if f.evidence.before.strip():
            text += f"\nRemoved from {where}:\n{_quote(f.evidence.before)}"
        else:
            text += f"\nThe code was at {where}."
        if not anchored:
            text += "\n(The head-version line could not be mapped; the alert is placed at the base line number.)"
    if f.evidence.witness:
        text += f"\n{f.evidence.witness}"
    if f.relevance.why_path:
        text += f"\nWhy relevant: {' -> '.join(f.relevance.why_path)}"
    return text


def _result(report: Report, f: Finding, rule_index: int, suppression: Optional[str]) -> dict[str, Any]:
    mapped = head_line(report, f)
    anchor_line = mapped if mapped is not None else (f.before.line if f.before else None)
    end = f.after.end_line if f.after is not None else None
    location: dict[str, Any] = {"physicalLocation": _physical(f.path, anchor_line, end)}
    if f.unit:
        location["logicalLocations"] = [{"fullyQualifiedName": f.unit}]
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": LEVEL[f.severity],
        "message": {"text": _message(report, f, mapped is not None)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {
            "severity": f.severity.label,
            "confidence": f.confidence.label,
            "unit": f.unit,
            "hunkOnly": f.hunk_only,
            "relevance": f.relevance.category,
            "whyPath": list(f.relevance.why_path),
        },
    }
    if f.before is not None:
        result["relatedLocations"] = [{
            "id": 1,
            "physicalLocation": _physical(f.before.path, f.before.line, f.before.end_line),
            "message": {"text": "before the change (base version)"},
        }]
    if suppression is not None:
        kind = "inSource" if suppression.startswith("inline") else "external"
        result["suppressions"] = [{"kind": kind, "status": "accepted", "justification": suppression}]
    return result


def _rules(findings: Iterable[Finding]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    table = _rule_table()
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    descriptors: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for rid in sorted(by_rule):
        found = by_rule[rid]
        # the run's own severity for this rule (relevance-scaled), so the alert matches the result
        severity = max(f.severity for f in found)
        title, _, description = table.get(rid, (found[0].title, severity, found[0].title))
        tags = ["security", "semdiff"] + sorted({f.relevance.category for f in found if f.relevance.category != "none"})
        index[rid] = len(descriptors)
        descriptors.append({
            "id": rid,
            "name": "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", rid) if part),
            "shortDescription": {"text": title},
            "fullDescription": {"text": description or title},
            "help": {"text": f"{description or title}\nsemdiff reports what a change makes weaker than before."},
            "defaultConfiguration": {"level": LEVEL[severity]},
            "properties": {
                "security-severity": SECURITY_SEVERITY[severity],
                "tags": tags[:MAX_TAGS],
            },
        })
    return descriptors, index


def _notification(n: NotAnalyzed) -> dict[str, Any]:
    detail = f": {n.detail}" if n.detail else ""
    return {
        "descriptor": {"id": f"not-analyzed/{n.reason}"},
        "level": "warning" if n.security_relevant else "note",
        "message": {"text": f"{n.path} was not analysed ({n.reason}){detail}"},
        "locations": [{"physicalLocation": _physical(n.path, None)}],
        "properties": {"reason": n.reason, "securityRelevant": n.security_relevant},
    }


def _order(report: Report) -> list[tuple[Finding, Optional[str]]]:
    """Most severe first (what a truncation keeps), suppressed after shown; ties by place."""
    def key(item: tuple[Finding, Optional[str]]) -> tuple[Any, ...]:
        f, why = item
        loc = f.primary_location
        return (why is not None, -int(f.severity), -int(f.confidence), f.path, loc.line if loc else 0, f.rule_id, f.fingerprint)

    items: list[tuple[Finding, Optional[str]]] = [(f, None) for f in report.findings]
    items += [(f, why) for f, why in report.suppressed]
    return sorted(items, key=key)


def _run(report: Report, items: list[tuple[Finding, Optional[str]]], notes: list[dict[str, Any]]) -> dict[str, Any]:
    descriptors, index = _rules(f for f, _ in items)
    version = _tool_version()
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "semdiff",
            "version": version,
            "semanticVersion": version,
            "rules": descriptors,
        }},
        "automationDetails": {"id": f"{AUTOMATION_CATEGORY}/{report.head or 'worktree'}"},
        "invocations": [{
            "executionSuccessful": True,
            "toolExecutionNotifications": [_notification(n) for n in report.not_analyzed] + notes,
        }],
        "results": [_result(report, f, index[f.rule_id], why) for f, why in items],
        "properties": {
            "range": report.description,
            "base": report.base,
            "head": report.head,
            "hunkOnly": report.hunk_only,
            "unitsAnalyzed": report.units_analyzed,
        },
    }
    if report.purpose is not None:
        run["properties"]["purpose"] = {
            "claim": report.purpose.claim,
            "verdict": report.purpose.verdict,
            "exceeds": report.purpose.exceeds,
        }
    return run


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _document(run: dict[str, Any]) -> dict[str, Any]:
    return _clean({"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]})


def _dumps(doc: dict[str, Any]) -> str:
    return dumps_indent2(doc) + "\n"  # json.dumps(doc, indent=2, ensure_ascii=False), see json_text


def gzip_size(text: str) -> int:
    return len(gzip.compress(text.encode("utf-8"), mtime=0))


def _truncation_note(kept: int, total: int, why: str) -> dict[str, Any]:
    return {
        "descriptor": {"id": "results-truncated"},
        "level": "warning",
        "message": {"text": (
            f"{total - kept} of {total} results were left out ({why}); the most severe are kept."
            " Use --format json for the complete report."
        )},
    }


def to_sarif(report: Report, *, max_results: int = MAX_RESULTS, max_gzip_bytes: int = MAX_GZIP_BYTES) -> dict[str, Any]:
    """The SARIF log as a dict, within the given upload limits."""
    items = _order(report)
    total = len(items)
    notes: list[dict[str, Any]] = []
    if total > max_results:
        items = items[:max_results]
        notes = [_truncation_note(len(items), total, f"GitHub accepts at most {max_results} results per run")]
    doc = _document(_run(report, items, notes))
    if gzip_size(_dumps(doc)) <= max_gzip_bytes:
        return doc
    lo, hi = 0, len(items)  # largest prefix that fits: binary search on the number kept
    while lo < hi:
        mid = (lo + hi + 1) // 2
        note = [_truncation_note(mid, total, f"the upload must stay under {max_gzip_bytes} bytes gzip-compressed")]
        if gzip_size(_dumps(_document(_run(report, items[:mid], note)))) <= max_gzip_bytes:
            lo = mid
        else:
            hi = mid - 1
    note = [_truncation_note(lo, total, f"the upload must stay under {max_gzip_bytes} bytes gzip-compressed")]
    return _document(_run(report, items[:lo], note))


def format_report(report: Report) -> str:
    return _dumps(to_sarif(report))


__all__ = ["FINGERPRINT_KEY", "MAX_GZIP_BYTES", "MAX_RESULTS", "SECURITY_SEVERITY", "format_report", "gzip_size", "to_sarif"]
