"""Policy applied to a finished report: configuration, suppressions with reasons, baseline.

Analysis reports everything; this stage decides what a team has accepted, and says so.
Nothing is dropped silently: a suppressed finding moves to `Report.suppressed` with its
reason (inline comment, configuration entry, path exclusion or "baseline"), and every
reporter shows that list. Only rules the configuration disables are removed outright
(the run did not check them, like `AnalyzeOptions.disabled_rules`).

Suppressions must say why. An inline `# semdiff: ignore[rule-id]` with no reason does not
suppress; it becomes a low-severity finding `suppression-without-reason` next to the
finding it failed to silence, so the fix is visible in the same review. A configuration
suppression without a reason is a configuration error instead (see semdiff.config).

Inline comments are looked up on the head version of the flagged line and the line above
it. A finding about removed code has no head line of its own; `head_line` maps its base
line through the diff hunks to the nearest surviving (or replacing) head line, which is
also where the SARIF reporter anchors it. This is diff arithmetic on `Report.files`, never a
re-parse of code.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import Iterable, Optional

from semdiff.config import Config
from semdiff.model import Confidence, Evidence, FileChange, Finding, Hunk, Location, Report, Severity

SUPPRESSION_WITHOUT_REASON = "suppression-without-reason"
BASELINE_REASON = "baseline"

# Rules that come from policy rather than from a rule family; reporters look them up here.
POLICY_RULES: dict[str, tuple[str, Severity, str]] = {
    SUPPRESSION_WITHOUT_REASON: (
        "Suppression without a reason",
        Severity.LOW,
        "An inline `semdiff: ignore[rule-id]` comment must give a reason (`reason: <why this is"
        " acceptable>`). Without one it does not suppress anything and is reported itself, so a"
        " reviewer sees both the finding and the unexplained attempt to silence it.",
    ),
}

# `# semdiff: ignore[a, b] reason: text` after any common line-comment or block-comment opener.
_INLINE = re.compile(r"(?:#|//|/\*|--|<!--|;)\s*semdiff:\s*ignore\[([^\]]*)\](.*)$", re.IGNORECASE)
_REASON_PREFIX = re.compile(r"^\s*(?:reason\s*[:=]\s*|[-:]\s*)", re.IGNORECASE)
_BLOCK_END = re.compile(r"\s*(?:\*/|-->)\s*$")


@dataclass(frozen=True)
class InlineSuppression:
    line: int
    rules: tuple[str, ...]
    reason: str  # "" when the comment gave none
    text: str  # the whole source line, stripped


def parse_inline(line_text: str, line: int) -> Optional[InlineSuppression]:
    """The suppression comment on one source line, or None."""
    m = _INLINE.search(line_text)
    if m is None:
        return None
    rules = tuple(r.strip() for r in m.group(1).split(",") if r.strip())
    rest = _BLOCK_END.sub("", m.group(2))
    reason = _REASON_PREFIX.sub("", rest).strip()
    if not any(c.isalnum() for c in reason):
        reason = ""
    return InlineSuppression(line, rules, reason, line_text.strip())


# -- where a finding sits in the head version ------------------------------------------------------

def file_for(report: Report, path: str) -> Optional[FileChange]:
    for fc in report.files:
        if fc.new_path == path or (fc.new_path is None and fc.old_path == path):
            return fc
    for fc in report.files:
        if fc.old_path == path:
            return fc
    return None


def _inside(h: Hunk, old_line: int) -> int:
    """Head line for a base line inside hunk `h`: the line replacing it, else the next surviving
    line (what now runs where the removed code was), else the previous one."""
    if old_line in h.context_old:
        return h.context_new[h.context_old.index(old_line)]
    pairs = sorted(zip(h.context_old, h.context_new))
    prev = max((p for p in pairs if p[0] < old_line), default=None)
    nxt = min((p for p in pairs if p[0] > old_line), default=None)
    lo = prev[1] if prev else h.new_start - 1
    hi = nxt[1] if nxt else h.new_start + h.new_length
    replacing = [n for n in h.added if lo < n < hi]
    if replacing:
        return min(replacing)
    if nxt is not None:
        return nxt[1]
    if prev is not None:
        return prev[1]
    return max(1, h.new_start)


def map_old_line(fc: FileChange, old_line: int) -> int:
    """The head line that corresponds to base line `old_line`, by the file's hunks."""
    delta = 0
    for h in sorted(fc.hunks, key=lambda h: (h.old_start, h.new_start)):
        if h.old_length == 0:  # pure insertion after old line `old_start`
            if old_line <= h.old_start:
                break
            delta += h.new_length
            continue
        if old_line < h.old_start:
            break
        if old_line <= h.old_start + h.old_length - 1:
            return max(1, _inside(h, old_line))
        delta += h.new_length - h.old_length
    return max(1, old_line + delta)


def head_line(report: Report, finding: Finding) -> Optional[int]:
    """Where the finding sits in the head version: its after line, else its base line mapped
    through the hunks. None when the file no longer exists or nothing is known about it."""
    if finding.after is not None:
        return finding.after.line
    if finding.before is None:
        return None
    fc = file_for(report, finding.path)
    if fc is None or fc.new_path is None:
        return None
    return map_old_line(fc, finding.before.line)


_LINES: dict[int, tuple[str, list[str]]] = {}  # id(text) -> (text, its lines): the last few texts split
_LINES_KEPT = 64


def _head_lines(text: str) -> list[str]:
    """`text.split("\\n")`, remembered for the text object: every finding asks for two lines of
    its file's head version, and a change's findings crowd into few files."""
    hit = _LINES.get(id(text))
    if hit is not None and hit[0] is text:
        return hit[1]
    lines = text.split("\n")
    if len(_LINES) >= _LINES_KEPT:
        _LINES.clear()
    _LINES[id(text)] = (text, lines)  # the text is kept so its id is not reused
    return lines


def head_line_text(fc: FileChange, line: int) -> Optional[str]:
    """One line of the head version: from the full text, else from the hunks (hunk-only mode)."""
    if line < 1:
        return None
    if fc.new_text is not None:
        lines = _head_lines(fc.new_text)
        return lines[line - 1] if line <= len(lines) else None
    for h in fc.hunks:
        if line in h.added and len(h.added_text) == len(h.added):
            return h.added_text[h.added.index(line)]
        if line in h.context_new and len(h.context_text) == len(h.context_new):
            return h.context_text[h.context_new.index(line)]
    return None


# -- policy --------------------------------------------------------------------------------------

def path_matches(path: str, pattern: str) -> bool:
    """fnmatch-style globs (`*` also crosses `/`); `dir/` means everything under dir; a leading
    `**/` also matches at the top level."""
    if pattern.endswith("/"):
        pattern += "*"
    if fnmatchcase(path, pattern):
        return True
    return pattern.startswith("**/") and fnmatchcase(path, pattern[3:])


def _path_reason(path: str, config: Config) -> Optional[str]:
    for glob in config.exclude:
        if path_matches(path, glob):
            return f"path excluded by configuration ({glob})"
    if config.include and not any(path_matches(path, g) for g in config.include):
        return "path outside the configuration's include globs"
    return None


def _reasonless_finding(f: Finding, s: InlineSuppression) -> Finding:
    title, severity, _ = POLICY_RULES[SUPPRESSION_WITHOUT_REASON]
    return Finding(
        rule_id=SUPPRESSION_WITHOUT_REASON,
        title=title,
        severity=severity,
        confidence=Confidence.HIGH,
        message=(
            f"The comment `semdiff: ignore[{', '.join(s.rules)}]` on line {s.line} gives no reason, so the"
            f" {f.rule_id} finding in {f.unit} is still reported. Add `reason: <why this is acceptable>`."
        ),
        path=f.path,
        unit=f.unit,
        after=Location(f.path, s.line),
        evidence=Evidence(after=s.text),
        language=f.language,
    )


def _inline_for(report: Report, f: Finding) -> Optional[InlineSuppression]:
    """The suppression comment naming this finding's rule on its head line or the line above."""
    line = head_line(report, f)
    fc = file_for(report, f.path)
    if line is None or fc is None or fc.new_path is None:
        return None
    for candidate in (line, line - 1):
        text = head_line_text(fc, candidate)
        s = parse_inline(text, candidate) if text is not None else None
        if s is not None and f.rule_id in s.rules:
            return s
    return None


def apply_policy(
    report: Report,
    config: Optional[Config] = None,
    *,
    baseline: Iterable[str] = (),
    use_suppressions: bool = True,
) -> Report:
    """The report after configuration, suppressions and baseline.

    Order: severity overrides, disabled rules, path include/exclude, inline suppressions,
    configuration suppressions, baseline. The first that applies gives the reason.
    `use_suppressions=False` (`--no-suppress`) ignores inline and configuration suppressions
    and the baseline: an audit run that shows everything.
    """
    cfg = config or Config()
    known = frozenset(baseline) if use_suppressions else frozenset()
    kept: list[Finding] = []
    suppressed: list[tuple[Finding, str]] = list(report.suppressed)
    reasonless: dict[tuple[str, int], Finding] = {}

    for f in report.findings:
        override = cfg.severity_for(f.rule_id)
        if override is not None and override != f.severity:
            f = replace(f, severity=override)
        if not cfg.rule_enabled(f.rule_id):
            continue
        why = _path_reason(f.path, cfg)
        if why is None and use_suppressions:
            why = _suppression_reason(report, f, cfg, reasonless)
        if why is None and f.fingerprint in known:
            why = BASELINE_REASON
        if why is None:
            kept.append(f)
        else:
            suppressed.append((f, why))

    for extra in reasonless.values():
        if extra.fingerprint in known:
            suppressed.append((extra, BASELINE_REASON))
        else:
            kept.append(extra)
    not_analyzed = tuple(n for n in report.not_analyzed if _path_reason(n.path, cfg) is None)
    return replace(report, findings=tuple(kept), suppressed=tuple(suppressed), not_analyzed=not_analyzed)


def _suppression_reason(
    report: Report, f: Finding, cfg: Config, reasonless: dict[tuple[str, int], Finding]
) -> Optional[str]:
    inline = _inline_for(report, f)
    if inline is not None:
        if inline.reason:
            return f"inline (line {inline.line}): {inline.reason}"
        reasonless.setdefault((f.path, inline.line), _reasonless_finding(f, inline))
    for entry in cfg.suppress:
        if entry.rule in (f.rule_id, "*") and path_matches(f.path, entry.path):
            return f"configuration ({entry.rule} on {entry.path}): {entry.reason}"
    return None


def apply_policy_files(
    report: Report,
    config: Config,
    *,
    baseline_path: Optional[str] = None,
    write_baseline_path: Optional[str] = None,
    use_suppressions: bool = True,
) -> tuple[Report, Optional[int]]:
    """`apply_policy` with the baseline read from, and optionally written to, files (the CLI's
    `--baseline`, the configuration's `baseline`, `--write-baseline`).

    A baseline named by the configuration that does not exist yet is only tolerated while it
    is being written; otherwise a missing or malformed baseline is an error (an empty one
    would silently un-accept nothing and accept nothing, hiding the mistake).
    Returns the report and the number of fingerprints written (None when not writing).
    """
    path = baseline_path or config.baseline
    known: frozenset[str] = frozenset()
    if path and use_suppressions:
        creating = write_baseline_path is not None and not os.path.exists(path)
        if not creating:
            from semdiff.baseline import load_baseline  # only with a baseline: it pulls in tempfile

            known = load_baseline(path)
    result = apply_policy(report, config, baseline=known, use_suppressions=use_suppressions)
    written = None
    if write_baseline_path:
        from semdiff.baseline import write_baseline

        written = write_baseline(result, write_baseline_path)
    return result, written


__all__ = [
    "BASELINE_REASON", "POLICY_RULES", "SUPPRESSION_WITHOUT_REASON", "InlineSuppression",
    "apply_policy", "apply_policy_files", "file_for", "head_line", "head_line_text", "map_old_line", "parse_inline", "path_matches",
]
