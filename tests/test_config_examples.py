"""Every Example shipped in a config rule table runs through the real pipeline.

`Example` has no path field, so each family module names the logical path its examples
are read as (`EXAMPLE_PATHS`); the backend is chosen from that path exactly as in a real run.
"""
from __future__ import annotations

import importlib

import pytest

from semdiff.pipeline import analyze_texts

MODULES = ("config_workflow_policy", "config_workflow_trust", "config_assistant", "config_mcp",
           "config_ownership", "config_dependencies", "config_container")


def _examples():
    for name in MODULES:
        mod = importlib.import_module(f"semdiff.rules.{name}")
        for spec in mod.RULES:
            for i, ex in enumerate(spec.examples):
                yield pytest.param(spec.id, mod.EXAMPLE_PATHS[spec.id], ex, id=f"{spec.id}-{i}-{'fires' if ex.fires else 'silent'}")


@pytest.mark.parametrize("rule_id,path,example", list(_examples()))
def test_rule_example(rule_id, path, example):
    report = analyze_texts([(path, example.before, example.after)])
    assert not report.not_analyzed, report.not_analyzed
    got = [f.rule_id for f in report.findings]
    if example.fires:
        assert rule_id in got, f"{rule_id} did not fire; got {got}"
    else:
        assert rule_id not in got, f"expected {rule_id} silent ({example.note}); got {[(f.rule_id, f.message) for f in report.findings]}"


def test_every_config_rule_has_a_firing_and_a_silent_example():
    for name in MODULES:
        mod = importlib.import_module(f"semdiff.rules.{name}")
        for spec in mod.RULES:
            assert any(e.fires for e in spec.examples) and any(not e.fires for e in spec.examples), spec.id
