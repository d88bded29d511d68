"""Budgets and the promises about the analysed repository.

* per-file time and size limits become not-analysed entries (security-relevant when the
  path looks sensitive or the old version had checks), and CI mode fails closed on them;
* the process memory cap holds;
* the CLI never runs the repository's hooks, filters, textconv drivers or fsmonitor, and
  never writes inside the repository (the whole tree and its mtimes are compared).
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import semdiff.pipeline as pipeline
from semdiff import budget
from semdiff.model import ChangeStatus, FileChange, Hunk
from semdiff.pipeline import AnalyzeOptions, analyze_texts

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gitrepo import GitRepo  # noqa: E402
from test_hostile_inputs import GUARDED, UNGUARDED, semdiff  # noqa: E402


# -- time ---------------------------------------------------------------------------------------

def _spin() -> None:
    while True:
        pass


def test_deadline_interrupts_a_loop_in_the_main_thread() -> None:
    with pytest.raises(budget.FileTimeout):
        budget.call_with_deadline(_spin, 0.05)


def test_deadline_outside_the_main_thread_abandons_the_worker() -> None:
    never = threading.Event()
    outcome: list[BaseException] = []

    def caller() -> None:
        try:
            budget.call_with_deadline(lambda: never.wait(60), 0.05)
        except BaseException as exc:  # noqa: BLE001
            outcome.append(exc)

    t = threading.Thread(target=caller)
    t.start()
    t.join(30)
    never.set()
    assert [type(e) for e in outcome] == [budget.FileTimeout]


def test_deadline_passes_results_and_errors_through() -> None:
    assert budget.call_with_deadline(lambda: 42, 5) == 42
    assert budget.call_with_deadline(lambda: 42, None) == 42
    with pytest.raises(KeyError):
        budget.call_with_deadline(lambda: {}["x"], 5)


def test_a_file_that_runs_past_its_budget_is_not_analysed(monkeypatch: pytest.MonkeyPatch) -> None:
    real = pipeline.unit_changes_for

    def slow(fc, na, *args):
        if fc.path == "app/auth.py":
            _spin()
        return real(fc, na, *args)

    analyze_texts([("warm/up.py", GUARDED, UNGUARDED)])  # imports and rule loading happen once, outside the test
    monkeypatch.setattr(pipeline, "unit_changes_for", slow)
    report = analyze_texts([("app/auth.py", GUARDED, UNGUARDED), ("app/views.py", GUARDED, UNGUARDED)],
                           AnalyzeOptions(file_timeout=5.0))
    assert [(n.path, n.reason, n.security_relevant) for n in report.not_analyzed] == [("app/auth.py", "timeout", True)]
    assert [(f.rule_id, f.path) for f in report.findings if f.rule_id == "removed-guard"] == [("removed-guard", "app/views.py")]


def test_memory_error_in_one_file_costs_only_that_file(monkeypatch: pytest.MonkeyPatch) -> None:
    def hungry(fc, na, *args):
        raise MemoryError()

    monkeypatch.setattr(pipeline, "unit_changes_for", hungry)
    report = analyze_texts([("lib/util.py", "x = 1\n", "x = 2\n")])
    assert [(n.path, n.reason, n.security_relevant) for n in report.not_analyzed] == [("lib/util.py", "out-of-memory", False)]


# -- size ---------------------------------------------------------------------------------------

def test_size_limit_on_texts() -> None:
    report = analyze_texts([("lib/views.py", GUARDED, UNGUARDED)], AnalyzeOptions(max_file_bytes=40))
    # not a sensitive path, but the old version denied something: fail closed
    assert [(n.reason, n.security_relevant) for n in report.not_analyzed] == [("too-large", True)]
    assert report.findings == ()


def test_size_limit_counts_bytes_not_characters() -> None:
    fc = FileChange("a.py", "a.py", ChangeStatus.MODIFIED, old_text="x", new_text="\u00e9" * 30)
    assert budget.size_problem(fc, 40) is not None
    assert budget.size_problem(fc, 60) is None


def test_hunk_claiming_an_absurd_line_number() -> None:
    hunk = Hunk(10**9, 1, 10**9, 1, removed=(10**9,), added=(10**9,), removed_text=("a",), added_text=("b",))
    fc = FileChange("a.py", "a.py", ChangeStatus.MODIFIED, hunks=(hunk,))
    assert "line 1000000000" in (budget.size_problem(fc, 5_000_000) or "")


def test_unremarkable_file_over_budget_is_not_security_relevant() -> None:
    report = analyze_texts([("docs/conf.py", "x = 1\n", "x = 2\n" * 100)], AnalyzeOptions(max_file_bytes=50))
    assert [(n.reason, n.security_relevant) for n in report.not_analyzed] == [("too-large", False)]


# -- nesting ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, deep", [
    ("x = " + "(" * 300 + "1" + ")" * 300 + "\n", True),
    ("x = 1" + " + 1" * 5000 + "\n", True),
    ("if x:\n" + "".join("    " * i + "if x:\n" for i in range(1, 120)) + "    " * 120 + "pass\n", True),
    ("x = [" + "1, " * 100_000 + "]\n", False),
    ("def f(a):\n    return ((a + 1) * (a - 1)) / 2\n", False),
    ("type X = int\nx = " + "(" * 300 + ")" * 300 + "\n", True),  # syntax CPython 3.11 rejects: lexical check
    ("type X = int\ny = 1\n", False),
])
def test_python_nesting_guard(text: str, deep: bool) -> None:
    problem = budget.python_nesting_problem(text)
    assert (problem is not None) is deep, problem
    if deep:
        assert problem.startswith("nesting too deep")


def test_guards_likely() -> None:
    assert budget.guards_likely(GUARDED)
    assert not budget.guards_likely("x = 1\n")
    assert not budget.guards_likely(None)


# -- memory ---------------------------------------------------------------------------------------

def test_memory_cap_makes_an_oversized_allocation_fail() -> None:
    code = (
        "from semdiff.budget import limit_memory\n"
        "assert limit_memory(512 * 1024 * 1024)\n"
        "try:\n    b = bytearray(2 * 1024 ** 3)\nexcept MemoryError:\n    print('capped')\n"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert proc.stdout.strip() == "capped", proc.stderr


# -- the analysed repository is never changed and never runs anything -------------------------------

def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            out[str(p.relative_to(root))] = (st.st_mtime_ns, st.st_size)
    return out


@pytest.fixture
def booby_trapped(tmp_path: Path) -> tuple[GitRepo, Path, str]:
    """A repository whose config and attributes ask git to run programs that leave a marker."""
    repo = GitRepo(tmp_path / "repo")
    marker = tmp_path / "ran"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\necho ran >> {marker}\ncat\n")
    script.chmod(0o755)
    hooks = repo.root / ".git" / "hooks"
    for hook in ("post-checkout", "pre-commit", "post-index-change", "reference-transaction"):
        (hooks / hook).write_text(f"#!/bin/sh\necho hook >> {marker}\n")
        (hooks / hook).chmod(0o755)
    repo.write({"app/views.py": GUARDED, ".gitattributes": "*.py filter=evil diff=evil\n"})
    base = repo.commit("base")
    repo.write({"app/views.py": UNGUARDED})
    head = repo.commit("head")
    for key, value in (("filter.evil.clean", str(script)), ("filter.evil.smudge", str(script)),
                       ("diff.evil.textconv", str(script)), ("diff.external", str(script)),
                       ("core.fsmonitor", str(script)), ("core.hooksPath", str(hooks)),
                       ("core.pager", str(script))):
        repo.run_git("config", key, value)
    if marker.exists():
        marker.unlink()  # the test's own commits may have triggered them; semdiff must not
    (repo.root / "app" / "views.py").write_text(GUARDED + "# dirty\n")  # working tree differs
    return repo, marker, f"{base}..{head}"


@pytest.mark.parametrize("args", [["RANGE"], [], ["--staged"]], ids=["range", "worktree", "staged"])
def test_cli_runs_no_hooks_or_filters_and_writes_nothing(booby_trapped, args) -> None:
    repo, marker, rng = booby_trapped
    argv = [rng if a == "RANGE" else a for a in args]
    before = _snapshot(repo.root)
    run = semdiff(argv, repo.root)
    assert not marker.exists(), marker.read_text()
    assert _snapshot(repo.root) == before
    if args == ["RANGE"]:
        assert ("removed-guard", "delete_user") in run.rules()


def test_fuzz_regression_undecodable_path_in_diff_header() -> None:
    """Found by fuzz/fuzz_diff.py: a `+++` path with non-UTF-8 bytes reached Finding.fingerprint
    (which encodes to UTF-8) and crashed; such a path is now refused as unsafe."""
    from semdiff.pipeline import analyze_changeset
    from semdiff.report import formatter
    from semdiff.source.diffparse import changes_from_diff

    raw = b"--- a/app/x.py\n+++ b/ap\xff\xffp/x.py\n@@ -1,2 +1,2 @@\n-MAX_HEADERS = 120\n+MAW_HEADERS = 128\n MAX_LINE_LENGTH = 8190\n"
    report = analyze_changeset(changes_from_diff(raw.decode("utf-8", "surrogateescape")))
    assert [(n.reason, n.security_relevant) for n in report.not_analyzed] == [("unsafe-path", True)]
    assert "not valid UTF-8" in report.not_analyzed[0].detail
    formatter("json")(report)
