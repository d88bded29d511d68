"""Shared scaffolding for rule-family tests: a family by name, and the findings of one rule
for a before/after pair through the whole pipeline.

Every family test module states only what is particular to its family; the table examples
of every family run in tests/test_rule_table_examples.py.
"""
from __future__ import annotations

import textwrap

from semdiff.pipeline import analyze_texts
from semdiff.rules.base import Family, families


def family_of(name: str) -> Family:
    return next(f for f in families() if f.name == name)


def findings_of(rule_id: str, before: str, after: str, path: str = "app/module.py") -> list:
    """Findings with this rule id for one before/after pair (texts are dedented)."""
    report = analyze_texts([(path, textwrap.dedent(before).lstrip("\n"), textwrap.dedent(after).lstrip("\n"))])
    return [f for f in report.findings if f.rule_id == rule_id]
