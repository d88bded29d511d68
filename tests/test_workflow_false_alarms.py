"""Workflow rules on ordinary CI maintenance (H6's false-alarm hunt).

Consolidating per-version workflow files into one matrix job deletes check jobs whose kind
of check still runs in a job the same change adds: not a check that stopped gating. Deleting
a check while only untouched siblings remain, or deleting the security scan while the new
job only runs tests, still is.
"""
from __future__ import annotations

from semdiff.pipeline import analyze_texts

PY38 = """name: py38
on: [pull_request]
jobs:
  testPy38:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: tox -e py38
"""
SCAN = """name: Security
on: [pull_request]
jobs:
  bandit:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: tox -e security
"""
MATRIX = """name: Tests
on: [pull_request]
jobs:
  run_tests:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        env: [py38, py39, security]
    steps:
      - uses: actions/checkout@v4
      - name: Run tests
        run: tox -e ${{ matrix.env }}
"""
ONLY_TESTS = MATRIX.replace("[py38, py39, security]", "[py38, py39]")


def weakened(pairs) -> set[tuple[str, str]]:
    return {(f.path, f.unit) for f in analyze_texts(pairs).findings if f.rule_id == "workflow-check-weakened"}


def test_jobs_consolidated_into_a_new_matrix_workflow_are_not_weakened():
    pairs = [(".github/workflows/py38.yml", PY38, None), (".github/workflows/security.yml", SCAN, None),
             (".github/workflows/tests.yml", None, MATRIX)]
    assert weakened(pairs) == set()


def test_security_scan_dropped_while_new_job_only_tests_is_weakened():
    pairs = [(".github/workflows/py38.yml", PY38, None), (".github/workflows/security.yml", SCAN, None),
             (".github/workflows/tests.yml", None, ONLY_TESTS)]
    assert weakened(pairs) == {(".github/workflows/security.yml", "jobs.bandit")}


def test_check_removed_next_to_an_untouched_sibling_is_weakened():
    both = PY38 + """  lint:
    runs-on: ubuntu-latest
    steps:
      - run: tox -e py38 -- -k smoke
"""
    pairs = [(".github/workflows/py38.yml", both, PY38)]
    assert weakened(pairs) == {(".github/workflows/py38.yml", "jobs.lint")}
