"""Every example shipped in every rule table runs through the real pipeline.

`Example` has no path field: a family module that needs another language or file kind than
Python names the logical path its examples are read as (`EXAMPLE_PATHS`, keyed by rule id or
family name); the backend is then chosen from that path exactly as in a real run. Per-family
test modules keep only what is particular to their family.
"""
from __future__ import annotations

import sys

import pytest

from semdiff.pipeline import analyze_texts
from semdiff.rules import load_all
from semdiff.rules.base import families

DEFAULT_PATH = "app/example.py"
# rules whose evidence needs two files (an Example is one file); each has its own tests
MULTI_FILE = {"guard-dropped-in-move": "tests/test_evasion.py"}


def _path(family, rule_id: str) -> str:
    paths = getattr(sys.modules[family.check.__module__], "EXAMPLE_PATHS", {})
    return paths.get(rule_id) or paths.get(family.name) or DEFAULT_PATH


def _families():
    load_all()
    return families()


def _examples():
    for fam in _families():
        for spec in fam.rules:
            for i, ex in enumerate(spec.examples):
                yield pytest.param(spec.id, _path(fam, spec.id), ex, id=f"{spec.id}-{i}-{'fires' if ex.fires else 'silent'}")


@pytest.mark.parametrize("rule_id,path,example", list(_examples()))
def test_rule_example(rule_id, path, example):
    report = analyze_texts([(path, example.before, example.after)])
    assert not report.not_analyzed, report.not_analyzed
    got = [f.rule_id for f in report.findings]
    if example.fires:
        assert rule_id in got, f"{rule_id} did not fire ({example.note}); got {got}"
    else:
        assert rule_id not in got, f"{rule_id} fired ({example.note}): {[(f.rule_id, f.message) for f in report.findings]}"


def test_every_rule_has_a_firing_and_a_silent_example():
    missing = [spec.id for fam in _families() for spec in fam.rules
               if not (any(e.fires for e in spec.examples) and any(not e.fires for e in spec.examples))]
    assert sorted(missing) == sorted(MULTI_FILE)


def test_multi_file_rules_are_tested_where_named():
    from pathlib import Path

    for rule_id, test_file in MULTI_FILE.items():
        assert rule_id in (Path(__file__).parent.parent / test_file).read_text(), rule_id
