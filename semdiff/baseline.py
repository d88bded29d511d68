"""Baseline: the fingerprints of findings a team has accepted when adopting semdiff.

A baseline file lists findings by their `Finding.fingerprint`, which leaves out line numbers
and normalises whitespace, so an accepted finding stays accepted when unrelated lines move.
Later runs pass it to `semdiff.suppress.apply_policy`, which moves matching findings to
`Report.suppressed` with the reason "baseline" (shown, not hidden).

Writing keeps what is still true: the current findings plus those the old baseline already
suppressed. A finding that was fixed drops out of the file on the next write, so the
baseline only ever shrinks unless someone writes it on purpose.

The file is JSON, sorted and indented so that it diffs well in review:
    {"version": 1, "tool": "semdiff",
     "findings": [{"fingerprint": "...", "rule_id": "...", "path": "...", "unit": "..."}]}
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from semdiff.errors import InputError
from semdiff.model import Finding, Report
from semdiff.suppress import BASELINE_REASON

BASELINE_VERSION = 1
MAX_BASELINE_BYTES = 50_000_000
_FINGERPRINT = re.compile(r"[0-9a-f]{32}")


class BaselineError(InputError):
    """The baseline file cannot be read or written; the message says which file and why."""


def _entry(f: Finding) -> dict[str, str]:
    return {"fingerprint": f.fingerprint, "rule_id": f.rule_id, "path": f.path, "unit": f.unit}


def baseline_document(report: Report) -> dict[str, Any]:
    """Current findings plus findings the previous baseline suppressed (they are still there)."""
    findings = list(report.findings) + [f for f, why in report.suppressed if why == BASELINE_REASON]
    entries = {f.fingerprint: _entry(f) for f in findings}
    ordered = sorted(entries.values(), key=lambda e: (e["path"], e["rule_id"], e["unit"], e["fingerprint"]))
    return {"version": BASELINE_VERSION, "tool": "semdiff", "findings": ordered}


def write_baseline(report: Report, path: str | Path) -> int:
    """Write the baseline atomically (a half-written baseline would un-accept findings).
    Returns the number of fingerprints written."""
    doc = baseline_document(report)
    target = Path(path)
    body = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".semdiff-baseline-", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(body)
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise BaselineError(f"cannot write baseline '{path}': {exc.strerror or exc}; choose a writable path") from exc
    return len(doc["findings"])


def load_baseline(path: str | Path) -> frozenset[str]:
    """The accepted fingerprints. A malformed file is an error, never an empty baseline."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_BASELINE_BYTES:
            raise BaselineError(f"baseline '{path}' is larger than {MAX_BASELINE_BYTES} bytes; is it the right file?")
        raw = p.read_bytes()
    except OSError as exc:
        raise BaselineError(f"cannot read baseline '{path}': {exc.strerror or exc}") from exc
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"baseline '{path}' is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("version") != BASELINE_VERSION or not isinstance(doc.get("findings"), list):
        raise BaselineError(
            f"baseline '{path}' is not a semdiff baseline version {BASELINE_VERSION}"
            " (expected an object with \"version\": 1 and a \"findings\" list); rewrite it with --write-baseline"
        )
    out = set()
    for i, entry in enumerate(doc["findings"]):
        fp = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(fp, str) or not _FINGERPRINT.fullmatch(fp):
            raise BaselineError(f"baseline '{path}': findings[{i}] has no valid fingerprint (32 lowercase hex digits)")
        out.add(fp)
    return frozenset(out)


__all__ = ["BASELINE_VERSION", "BaselineError", "baseline_document", "load_baseline", "write_baseline"]
