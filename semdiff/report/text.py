"""Text reporter: what a person reads in a terminal or a CI log.

Built from rich renderables so a terminal gets colour, while `format_report` renders the
same content as plain text (no colour, no control codes) for files, pipes and tests. Order:
a one-line summary, one block per finding (with the evidence a reviewer needs to decide in
seconds), what could not be analysed, and the files that were listed but not read as code.
"""
from __future__ import annotations

import io
import re
from collections import Counter
from typing import Iterable, Iterator, Optional

from rich.console import Console, Group, RenderableType
from rich.text import Text

from semdiff.model import ChangeStatus, FileChange, Finding, Location, Report, Severity

_SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "bold yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
# statuses the pipeline lists but does not compare as code
_NOT_CODE = (ChangeStatus.BINARY, ChangeStatus.MODE_CHANGED, ChangeStatus.TYPE_CHANGED)
_PLAIN_WIDTH = 100
# Analysed code, commit messages and paths are the change author's text: an ESC sequence in a
# string literal could clear or rewrite the reviewer's terminal, a CR or line break forge a
# "no findings" line, a bidi override reorder what is shown. They are printed as escapes.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _safe(s: str) -> str:
    return _UNSAFE.sub(lambda m: repr(m.group())[1:-1], s)  # repr escapes every one of them


def _text(s: str, style: str = "") -> Text:
    return Text(_safe(s), style=style)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary_line(report: Report) -> Text:
    counts = Counter(f.severity for f in report.findings)
    per_sev = ", ".join(f"{counts[s]} {s.label}" for s in sorted(Severity, reverse=True) if counts[s])
    what = report.description or "change"
    line = _text(f"semdiff: {what}: ", style="bold")
    line.append(_plural(len(report.findings), "finding"), style="bold red" if report.findings else "bold green")
    if per_sev:
        line.append(f" ({per_sev})")
    line.append(f"; {_plural(len(report.files), 'file')} changed, {_plural(report.units_analyzed, 'unit')} compared")
    if report.not_analyzed:
        line.append(f"; {len(report.not_analyzed)} not analysed", style="yellow")
    if report.hunk_only:
        line.append("; hunk-only (no repository: lower confidence)", style="yellow")
    return line


def _loc(loc: Optional[Location]) -> str:
    if loc is None:
        return "-"
    if loc.end_line and loc.end_line != loc.line:
        return f"{loc.path}:{loc.line}-{loc.end_line}"
    return str(loc)


def _snippet(label: str, code: str) -> Iterator[Text]:
    yield _text(f"  {label}:", style="bold")
    if not code.strip():
        yield _text("    (nothing)", style="dim")
        return
    for line in code.rstrip("\n").split("\n"):
        yield _text(f"    | {line}", style="red" if label == "before" else "green")


def finding_block(f: Finding) -> Group:
    head = Text()
    head.append(f.severity.label.upper(), style=_SEVERITY_STYLE[f.severity])
    head.append(f"  {f.confidence.label} confidence  ")
    head.append(f.rule_id, style="bold")
    head.append(_safe(f"  {f.title}"))
    lines: list[RenderableType] = [head]
    lines.append(_text(f"  at {_loc(f.after)} (after), {_loc(f.before)} (before)  in {f.unit}"))
    lines.append(_text(f"  {f.message}"))
    lines.extend(_snippet("before", f.evidence.before))
    lines.extend(_snippet("after", f.evidence.after))
    if f.evidence.witness:
        lines.append(_text(f"  witness: {f.evidence.witness}"))
    rel = f.relevance
    why = " -> ".join(rel.why_path) if rel.why_path else "-"
    rel_line = f"  relevance: {rel.category} ({rel.score:.2f}) via {why}"
    if rel.reason:
        rel_line += f": {rel.reason}"
    lines.append(_text(rel_line, style="dim"))
    tail = f"  fingerprint: {f.fingerprint}"
    if f.hunk_only:
        tail += "  (hunk-only: analysed from the diff alone)"
    lines.append(_text(tail, style="dim"))
    return Group(*lines)


def not_analyzed_section(report: Report) -> Iterator[Text]:
    if not report.not_analyzed:
        return
    yield _text(f"Not analysed ({len(report.not_analyzed)})", style="bold yellow")
    for n in report.not_analyzed:
        line = _text(f"  {n.path}  {n.reason}")
        if n.detail:
            line.append(_safe(f"  {n.detail}"))
        if n.security_relevant:
            line.append("  [security-relevant]", style="bold red")
        yield line


def _describe(fc: FileChange) -> str:
    if fc.status in (ChangeStatus.RENAMED, ChangeStatus.COPIED) and fc.old_path != fc.new_path:
        sim = f", {fc.similarity}% similar" if fc.similarity is not None else ""
        return f"{fc.old_path} -> {fc.new_path} ({fc.status.value}{sim})"
    if fc.status is ChangeStatus.MODE_CHANGED:
        return f"{fc.path} (mode {fc.old_mode or '?'} -> {fc.new_mode or '?'})"
    return f"{fc.path} ({fc.status.value})"


def files_section(files: Iterable[FileChange]) -> Iterator[Text]:
    """Counts by status, then the files that were listed but not read as code."""
    files = list(files)
    if not files:
        return
    counts = Counter(fc.status.value for fc in files)
    yield _text(
        "Files: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())),
        style="bold",
    )
    not_code = [fc for fc in files if fc.status in _NOT_CODE]
    if not_code:
        yield _text(f"  listed, not analysed as code ({len(not_code)}):")
        for fc in not_code:
            yield _text(f"    {_describe(fc)}")
    other = [fc for fc in files if fc.status not in _NOT_CODE and fc.status is not ChangeStatus.MODIFIED]
    for fc in other:
        yield _text(f"  {_describe(fc)}")


def purpose_line(report: Report) -> Optional[Text]:
    """Stated purpose vs effect, the verdict a reviewer reads first."""
    p = report.purpose
    if p is None or not p.verdict:
        return None
    return _text(f"Purpose: {p.claim} -> {p.verdict}", style="bold red" if p.exceeds else "green")


def renderables(report: Report) -> list[RenderableType]:
    out: list[RenderableType] = [summary_line(report)]
    verdict = purpose_line(report)
    if verdict is not None:
        out.append(verdict)
    if report.suppressed:
        out.append(_text(f"{len(report.suppressed)} finding(s) suppressed (see --format json for the reasons)", style="dim"))
    for f in report.findings:
        out.append(_text(""))
        out.append(finding_block(f))
    na = list(not_analyzed_section(report))
    if na:
        out.append(_text(""))
        out.extend(na)
    files = list(files_section(report.files))
    if files:
        out.append(_text(""))
        out.extend(files)
    return out


def print_report(report: Report, console: Console) -> None:
    """Render to a live console (colour when it is a terminal)."""
    for item in renderables(report):
        console.print(item, highlight=False, soft_wrap=True)


def format_report(report: Report, *, color: bool = False, width: Optional[int] = None) -> str:
    """Render to a string. Plain by default (no colour or control codes: stable for files,
    pipes and snapshots); `color=True` is for a terminal."""
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=width or _PLAIN_WIDTH,
        color_system="standard" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    print_report(report, console)
    return buf.getvalue()
