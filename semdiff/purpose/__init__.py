"""Stated purpose vs semantic effect, reviewer-directed text, AI-authored commits.

* `claims`       - what the change says it does (commit messages, --purpose), by table;
* `effects`      - what each changed unit does, proved on normalised syntax trees;
* `mismatch`     - the change-level `purpose-mismatch` check and the PurposeSummary;
* `instructions` - `reviewer-instruction` / `trojan-source` scanning of added text;
* `authorship`   - AI/bot-authored commit labels and the strict AI policy.

`purpose_from_cli` is what the CLI calls for `--purpose TEXT` / `--purpose-file FILE`.
"""
from __future__ import annotations

import os
from typing import Mapping, Optional

from semdiff.errors import InputError

PURPOSE_ENV = "SEMDIFF_PURPOSE"
MAX_PURPOSE_BYTES = 1_000_000
AI_POLICIES = ("default", "strict")


def purpose_from_cli(text: Optional[str], file: Optional[str], environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The stated purpose: --purpose TEXT, else --purpose-file FILE ('-' is not accepted:
    stdin may carry the diff), else $SEMDIFF_PURPOSE, else None (use commit messages).

    Raises InputError when both options are given or the file cannot be read as UTF-8.
    """
    env = os.environ if environ is None else environ
    if text is not None and file is not None:
        raise InputError("give either --purpose or --purpose-file, not both")
    if text is not None:
        return text if text.strip() else None
    if file is not None:
        try:
            with open(file, "rb") as fh:
                data = fh.read(MAX_PURPOSE_BYTES + 1)
        except OSError as exc:
            raise InputError(f"cannot read --purpose-file {file}: {exc.strerror or exc}") from exc
        if len(data) > MAX_PURPOSE_BYTES:
            raise InputError(f"--purpose-file {file} is larger than {MAX_PURPOSE_BYTES} bytes")
        try:
            out = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"--purpose-file {file} is not UTF-8 text") from exc
        return out if out.strip() else None
    value = env.get(PURPOSE_ENV)
    return value if value and value.strip() else None


def ai_policy_fail_on(report: object, fail_on, policy: str = "default"):
    """The --fail-on threshold to apply: one level lower (e.g. high -> medium) under
    `--ai-policy strict` when the report's change has AI/bot-authored commits.

    `fail_on` is a semdiff.model.Severity or None (None stays None)."""
    from semdiff.purpose.mismatch import AI_EVIDENCE_PREFIX

    if fail_on is None or str(policy).lower() != "strict":
        return fail_on
    purpose = getattr(report, "purpose", None)
    evidence = getattr(purpose, "claim_evidence", ()) or ()
    if any(str(e).startswith(AI_EVIDENCE_PREFIX) for e in evidence):
        return fail_on.bumped(-1)
    return fail_on


def ai_authored(report: object) -> tuple[str, ...]:
    """The AI/bot-authorship labels of a report's commits (for reporters), one line each."""
    from semdiff.purpose.mismatch import AI_EVIDENCE_PREFIX

    purpose = getattr(report, "purpose", None)
    evidence = getattr(purpose, "claim_evidence", ()) or ()
    return tuple(str(e)[len(AI_EVIDENCE_PREFIX):] for e in evidence if str(e).startswith(AI_EVIDENCE_PREFIX))
