"""Ordinary commit messages on ordinary changes must not fail CI (H6's false-alarm hunt).

Each case is a shape seen over and over in real histories, written small: a hard negative
(silent) next to the closest positive that must still be reported.
"""
from __future__ import annotations

from pathlib import Path

from gitrepo import GitRepo

from semdiff.api import analyze
from semdiff.model import Severity
from semdiff.pipeline import AnalyzeOptions

CART = "def total(items):\n    return sum(items)\n"
WORKFLOW = """name: CI
on:
  pull_request:
permissions:
  contents: read
jobs:
  unit:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pytest -q
"""
PYPROJECT = """[project]
name = "shop"
version = "1.0"
dependencies = ["requests>=2.31"]

[project.optional-dependencies]
test = ["pytest>=7"]
"""


def change(tmp_path: Path, after: dict[str, str], message: str):
    repo = GitRepo(tmp_path / "repo")
    repo.write({"app/cart.py": CART, ".github/workflows/ci.yml": WORKFLOW, "pyproject.toml": PYPROJECT,
                "tests/test_cart.py": "def test_total():\n    assert total([]) == 0\n"})
    base = repo.commit("init")
    repo.write(after)
    head = repo.commit(message)
    return analyze(f"{base}..{head}", repo=str(repo.root), options=AnalyzeOptions())


def mismatches(report):
    return [f for f in report.findings if f.rule_id == "purpose-mismatch"]


# ---------------------------------------------------------------- tests claim vs test tooling

def test_tests_claim_changing_the_ci_trigger_is_silent(tmp_path):
    after = WORKFLOW.replace("  pull_request:\n", "  pull_request:\n  push:\n    branches: [main]\n")
    r = change(tmp_path, {".github/workflows/ci.yml": after}, "Run tests on push as well")
    assert mismatches(r) == []
    assert r.purpose.claim == "tests" and not r.purpose.exceeds


def test_tests_claim_pinning_the_test_runner_is_silent(tmp_path):
    r = change(tmp_path, {"pyproject.toml": PYPROJECT.replace("pytest>=7", "pytest>=8.2")},
               "Update pytest requirement in the test group")
    assert mismatches(r) == []


def test_tests_claim_widening_the_ci_token_still_exceeds(tmp_path):
    after = WORKFLOW.replace("contents: read", "contents: write")
    r = change(tmp_path, {".github/workflows/ci.yml": after}, "Run tests on push as well")
    [m] = mismatches(r)
    assert (m.path, m.unit, m.severity) == (".github/workflows/ci.yml", "<workflow>", Severity.CRITICAL)
    assert any(f.rule_id == "workflow-permissions-widened" for f in r.findings)


def test_tests_claim_changing_product_code_still_medium(tmp_path):
    r = change(tmp_path, {"app/cart.py": "def total(items):\n    return sum(items) + 1\n",
                          ".github/workflows/ci.yml": WORKFLOW.replace("pytest -q", "pytest -q -x")},
               "test: cover cart total")
    [m] = mismatches(r)
    assert (m.path, m.unit, m.severity) == ("app/cart.py", "total", Severity.MEDIUM)
    assert ".github/workflows" not in m.message
