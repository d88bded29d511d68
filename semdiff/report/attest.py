"""Attestation: an in-toto Statement (v1) saying what semdiff concluded about a head commit.

A merge policy can require "semdiff ran on this commit and passed". The statement names the
head commit as its subject (`digest.gitCommit`), and its predicate records what was compared,
with which semdiff and which rule set, what was found and the verdict the exit code gave.

The statement is unsigned JSON on purpose: signing belongs to existing tools (`cosign
attest-blob`, sigstore; see docs/integrations.md), never to home-made crypto here. The only
hash computed is the rule-set hash, a plain sha256 that identifies the rule table, so two
runs with different rules (or different default severities) cannot pass for each other.

The builder is a pure function of the report and the exit decision; the CLI writes the file.
"""
from __future__ import annotations

import json
import re
from typing import Any, Mapping, Optional

from semdiff import digests
from semdiff.errors import InputError
from semdiff.model import Report, Severity

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://semdiff.dev/attestation/v1"
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # sha-1 or sha-256 object ids


class AttestationError(InputError):
    """No attestation can be made for this report (e.g. there is no head commit to name)."""


def rule_set_hash(rules: Optional[Mapping[str, Any]] = None) -> str:
    """sha256 over the sorted `rule-id<TAB>severity` lines of the rule table.

    `rules` maps rule id to a RuleSpec (anything with a `.severity`); default: every
    registered rule (`semdiff.rules.base.all_rules()`). Order of registration does not matter.
    """
    if rules is None:
        from semdiff.rules.base import all_rules

        rules = all_rules()
    lines = sorted(f"{rid}\t{Severity(spec.severity).label}" for rid, spec in rules.items())
    return "sha256:" + digests.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def findings_summary(report: Report) -> dict[str, int]:
    """Findings per severity label (every label present, zero included), most severe first."""
    return {s.label: sum(1 for f in report.findings if f.severity == s) for s in sorted(Severity, reverse=True)}


def build_statement(
    report: Report,
    exit_code: int,
    *,
    repo_name: str = "repository",
    fail_on: Optional[Severity] = None,
    version: Optional[str] = None,
    rules_hash: Optional[str] = None,
) -> dict[str, Any]:
    """The in-toto Statement for `report`, whose verdict follows the CLI's exit decision
    (`exit_code` 0 = pass, anything else = fail).

    Raises `AttestationError` when the report has no head commit (staged, working-tree or
    bare-diff input): an attestation must name the exact code it speaks for.
    """
    head = (report.head or "").strip().lower()
    if not _COMMIT.fullmatch(head):
        raise AttestationError(
            "--attest needs a commit range (A..B or a single commit): the attestation's subject is the"
            f" head commit, and {report.description or 'this input'} has none"
        )
    if version is None:
        from semdiff import __version__ as version
    predicate: dict[str, Any] = {
        "range": {"base": report.base, "head": head, "description": report.description},
        "semdiff": {"version": version, "ruleSetHash": rules_hash or rule_set_hash(), "schemaVersion": report.schema_version},
        "findings": {
            "total": len(report.findings),
            "bySeverity": findings_summary(report),
            "suppressed": len(report.suppressed),
        },
        "notAnalyzed": {
            "total": len(report.not_analyzed),
            "securityRelevant": sum(1 for n in report.not_analyzed if n.security_relevant),
        },
        "purpose": None if report.purpose is None else {
            "claim": report.purpose.claim,
            "verdict": report.purpose.verdict,
            "exceeds": report.purpose.exceeds,
        },
        "policy": {"failOn": fail_on.label if fail_on is not None else "never"},
        "verdict": "pass" if exit_code == 0 else "fail",
    }
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": f"{repo_name}/{head}", "digest": {"gitCommit": head}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    }


def format_statement(statement: Mapping[str, Any]) -> str:
    """Stable JSON text (sorted keys, newline-terminated) so re-runs produce identical bytes."""
    return json.dumps(statement, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


__all__ = [
    "AttestationError", "PREDICATE_TYPE", "STATEMENT_TYPE",
    "build_statement", "findings_summary", "format_statement", "rule_set_hash",
]
