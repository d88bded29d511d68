"""What the protection-removed rules share: the languages they read and how a finding in a
rebuilt JavaScript bundle is reported.

The rules (escaping_removed, redos_introduced, prototype_key_check, credential_headers,
read_limit_removed, browser_policy, identity_namespace) read web-library idioms of
JavaScript/TypeScript, Go and Java; a few of them read Python's too, with tables of their own.
"""
from __future__ import annotations

from typing import Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Call
from semdiff.model import Finding
from semdiff.rules.base import RuleContext

WEB_LANGS = ("javascript", "typescript", "go", "java")
WEB_AND_PYTHON = WEB_LANGS + ("python",)
SCRIPT_LANGS = ("javascript", "typescript")


def first_arg(call: Call) -> Optional[str]:
    pos = call.positional
    return pos[0].value if pos else None


def bundle_repeats_low(change: UnitChange, ctx: RuleContext, findings: list[Finding]) -> list[Finding]:
    """JavaScript/TypeScript findings of a unit changed on both sides: a bundle rebuilt beside
    its sources repeats them, so they are kept at low severity (semdiff.rules._generated)."""
    if change.language not in SCRIPT_LANGS or change.before is None or change.after is None:
        return findings
    from semdiff.rules._generated import as_generated

    return as_generated(change, ctx, findings)
