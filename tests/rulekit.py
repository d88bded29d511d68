"""Shared scaffolding for rule-family tests: the family's table, its examples as test
parameters, and findings of one family for a before/after pair through the whole pipeline.

Every family test module states only what is particular to its family.
"""
from __future__ import annotations

import textwrap

import pytest

from semdiff.pipeline import analyze_texts
from semdiff.rules.base import Example, Family, families


def family_of(name: str) -> Family:
    return next(f for f in families() if f.name == name)


def example_params(name: str) -> list:
    """Every table example of the family, one pytest parameter each (id says fires/silent)."""
    return [pytest.param(r.id, ex, id=f"{r.id}-{i}-{'fires' if ex.fires else 'silent'}")
            for r in family_of(name).rules for i, ex in enumerate(r.examples)]


def findings_of(rule_id: str, before: str, after: str, path: str = "app/module.py") -> list:
    """Findings with this rule id for one before/after pair (texts are dedented)."""
    report = analyze_texts([(path, textwrap.dedent(before).lstrip("\n"), textwrap.dedent(after).lstrip("\n"))])
    return [f for f in report.findings if f.rule_id == rule_id]


def assert_example_holds(rule_id: str, example: Example) -> None:
    """A table example fires exactly when it says it does."""
    report = analyze_texts([("app/example.py", example.before, example.after)])
    hits = [f for f in report.findings if f.rule_id == rule_id]
    assert bool(hits) == example.fires, [f.message for f in report.findings]
