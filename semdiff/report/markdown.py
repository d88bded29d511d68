"""Markdown reporter: the pull-request comment.

Starts with the hidden marker `<!-- semdiff-report -->` so the Action (or any bot) finds its
previous comment and edits it instead of adding another. The output is a pure function of
the report (no timestamps, fixed ordering), so a re-run on the same change produces the same
comment. Text from the analysed change (messages, snippets, paths) is hostile: HTML is
escaped, `@mentions` are defused, and code goes into fences longer than any backtick run it
contains, so a change cannot forge the marker, ping people or break out of the comment.
GitHub limits a comment to 65,536 characters; evidence blocks are dropped from the end
first, with a note, while the findings table stays whole.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Optional

from semdiff.model import Finding, Location, Report, Severity

MARKER = "<!-- semdiff-report -->"
MAX_COMMENT_CHARS = 65_000  # GitHub's limit is 65,536; keep room for the truncation note
_SEVERITY_ICON = {
    Severity.CRITICAL: "🟥",
    Severity.HIGH: "🟧",
    Severity.MEDIUM: "🟨",
    Severity.LOW: "🟦",
    Severity.INFO: "⬜",
}
_BACKTICKS = re.compile(r"`+")


def _text(value: str) -> str:
    """Inline text from the change: no HTML, no mentions, no table breaks, one line."""
    s = " ".join(value.split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = s.replace("@", "@\u200b").replace("|", "\\|")
    return s


def _code(value: str) -> str:
    """Inline code span that holds any text (fence longer than its longest backtick run)."""
    s = " ".join(value.split()).replace("|", "\\|")
    longest = max((len(m.group(0)) for m in _BACKTICKS.finditer(s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or not s else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def _block(code: str, lang: str) -> str:
    longest = max((len(m.group(0)) for m in _BACKTICKS.finditer(code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{code.rstrip()}\n{fence}"


def _loc(loc: Optional[Location]) -> str:
    if loc is None:
        return "–"
    end = f"-{loc.end_line}" if loc.end_line and loc.end_line != loc.line else ""
    return _code(f"{loc.path}:{loc.line}{end}")


def _order(findings: tuple[Finding, ...]) -> list[Finding]:
    def key(f: Finding) -> tuple[object, ...]:
        loc = f.primary_location
        return (-int(f.severity), -int(f.confidence), f.path, loc.line if loc else 0, f.rule_id, f.fingerprint)

    return sorted(findings, key=key)


def summary_line(report: Report) -> str:
    counts = Counter(f.severity for f in report.findings)
    parts = [f"{counts[s]} {s.label}" for s in sorted(Severity, reverse=True) if counts[s]]
    n = len(report.findings)
    head = f"**{n} finding{'s' if n != 1 else ''}**" + (f" ({', '.join(parts)})" if parts else "")
    what = f" in {_code(report.description)}" if report.description else ""
    tail = [f"{len(report.files)} file(s) changed", f"{report.units_analyzed} unit(s) compared"]
    if report.suppressed:
        tail.append(f"{len(report.suppressed)} suppressed")
    if report.not_analyzed:
        tail.append(f"{len(report.not_analyzed)} not analysed")
    if report.hunk_only:
        tail.append("hunk-only (lower confidence)")
    verdict = "does not weaken security that semdiff can see" if n == 0 else "weakens security"
    return f"semdiff: this change {verdict}: {head}{what}; {', '.join(tail)}."


def _lang(f: Finding) -> str:
    return {"javascript": "js", "typescript": "ts"}.get(f.language, f.language if f.language.isalnum() else "")


def _details(f: Finding) -> str:
    rows = [
        f"<details><summary>{_SEVERITY_ICON[f.severity]} <b>{f.severity.label}</b> · {_text(f.rule_id)} ·"
        f" {_text(f.path)} · {_text(f.unit)}</summary>",
        "",
        _text(f.message),
        "",
    ]
    if f.evidence.before.strip():
        rows += [f"**Before** ({_loc(f.before)}):", "", _block(f.evidence.before, _lang(f)), ""]
    if f.evidence.after.strip():
        rows += [f"**After** ({_loc(f.after)}):", "", _block(f.evidence.after, _lang(f)), ""]
    elif f.after is None and f.before is not None:
        rows += ["**After:** removed.", ""]
    if f.evidence.witness:
        rows += [f"**Separating case:** {_text(f.evidence.witness)}", ""]
    if f.relevance.why_path:
        path = " → ".join(_code(p) for p in f.relevance.why_path)
        reason = f" ({_text(f.relevance.reason)})" if f.relevance.reason else ""
        rows += [f"**Why it matters:** {_text(f.relevance.category)}: {path}{reason}", ""]
    rows += [f"Confidence {f.confidence.label}{', hunk-only' if f.hunk_only else ''}; fingerprint {_code(f.fingerprint)}", "", "</details>"]
    return "\n".join(rows)


def format_report(report: Report) -> str:
    findings = _order(report.findings)
    out = [MARKER, "## semdiff", "", summary_line(report), ""]
    if report.purpose is not None and report.purpose.verdict:
        flag = "⚠️ " if report.purpose.exceeds else ""
        out += [f"**Purpose vs effect:** {flag}{_text(report.purpose.verdict)} (stated purpose: {_text(report.purpose.claim)})", ""]
    if findings:
        out += ["| Severity | Rule | Where (head) | Before (base) | Function | Confidence |", "| --- | --- | --- | --- | --- | --- |"]
        for f in findings:
            out.append(
                f"| {_SEVERITY_ICON[f.severity]} {f.severity.label} | {_text(f.rule_id)} | {_loc(f.after)} |"
                f" {_loc(f.before)} | {_code(f.unit)} | {f.confidence.label} |"
            )
        out.append("")
    tail: list[str] = []
    if report.suppressed:
        tail += [f"<details><summary>Suppressed ({len(report.suppressed)})</summary>", "",
                 "| Rule | Where | Reason |", "| --- | --- | --- |"]
        for f, why in sorted(report.suppressed, key=lambda p: (p[0].path, p[0].rule_id, p[0].fingerprint)):
            tail.append(f"| {_text(f.rule_id)} | {_loc(f.primary_location)} | {_text(why)} |")
        tail += ["", "</details>", ""]
    if report.not_analyzed:
        tail += [f"**Not analysed ({len(report.not_analyzed)})** — not evidence of safety:", ""]
        for n in sorted(report.not_analyzed, key=lambda n: (not n.security_relevant, n.path, n.reason)):
            mark = " (security-relevant)" if n.security_relevant else ""
            detail = f": {_text(n.detail)}" if n.detail else ""
            tail.append(f"- {_code(n.path)} — {_text(n.reason)}{mark}{detail}")
        tail.append("")

    budget = MAX_COMMENT_CHARS - len("\n".join(out + tail)) - 200
    shown = 0
    for f in findings:
        block = _details(f)
        if len(block) + 2 > budget:
            break
        out += [block, ""]
        budget -= len(block) + 2
        shown += 1
    if shown < len(findings):
        out += [f"_Evidence for {len(findings) - shown} more finding(s) left out to fit a comment;"
                " the SARIF/JSON report has all of it._", ""]
    return "\n".join(out + tail).rstrip("\n") + "\n"


__all__ = ["MARKER", "MAX_COMMENT_CHARS", "format_report", "summary_line"]
