"""semdiff.report_cache: what keys a report and what may be stored.

`jobs` and `graph_timeout` decide how and how long an analysis runs, not what its report
says, so they key nothing (and a report analysed with one worker equals one analysed with
several). A report shaped by the moment (a transient NotAnalyzed, commits without the
identities AI-authorship labels are read from) is never stored."""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

from semdiff import api, report_cache
from semdiff.model import Commit, NotAnalyzed, Report
from semdiff.pipeline import AnalyzeOptions
from semdiff.purpose import authorship

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gitrepo import GitRepo  # noqa: E402
from test_report_cache import _entries, cache_dir  # noqa: E402,F401 - the same cache fixture

GUARDED = "def delete_{i}(request, uid):\n    if not request.user.is_admin:\n        raise PermissionError()\n    return uid\n"
OPEN = "def delete_{i}(request, uid):\n    return uid\n"
SHA = "ab" * 20


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """Ten changed files: enough for a parse pool (parse_pool.MIN_FILES) with jobs > 1."""
    r = GitRepo(tmp_path / "repo")
    r.write({f"app/views{i}.py": GUARDED.format(i=i) for i in range(10)})
    r.commit("base")
    r.write({f"app/views{i}.py": OPEN.format(i=i) for i in range(10)})
    r.commit("drop the admin checks")
    return r


# -- the key ---------------------------------------------------------------------------------------

def test_jobs_and_graph_timeout_key_nothing(repo: GitRepo) -> None:
    base = report_cache.report_key(str(repo.root), "HEAD~1..HEAD", AnalyzeOptions())
    assert base is not None
    for opts in (AnalyzeOptions(jobs=1), AnalyzeOptions(jobs=4), AnalyzeOptions(graph_timeout=5.0),
                 AnalyzeOptions(jobs=2, graph_timeout=0.0)):
        assert report_cache.report_key(str(repo.root), "HEAD~1..HEAD", opts) == base
    # an option that decides what is analysed still keys (the control)
    assert report_cache.report_key(str(repo.root), "HEAD~1..HEAD", AnalyzeOptions(focus=False)) != base
    assert report_cache.report_key(str(repo.root), "HEAD~1..HEAD", AnalyzeOptions(file_timeout=None)) != base


def test_report_does_not_depend_on_jobs(repo: GitRepo, cache_dir: Path) -> None:
    """One process and a parse pool of two give the same report (parse cache off, so every
    file really is parsed, by the pool in the second run)."""
    one = api.analyze("HEAD~1..HEAD", repo=str(repo.root), options=AnalyzeOptions(jobs=1, use_cache=False))
    two = api.analyze("HEAD~1..HEAD", repo=str(repo.root), options=AnalyzeOptions(jobs=2, use_cache=False))
    assert sorted(f.unit for f in one.findings if f.rule_id == "removed-guard") == [f"delete_{i}" for i in range(10)]
    assert one == two


def test_a_report_stored_with_one_jobs_value_is_read_with_another(repo: GitRepo, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = api.analyze("HEAD~1..HEAD", repo=str(repo.root), options=AnalyzeOptions(jobs=1))
    assert len(_entries(cache_dir)) == 1
    calls: list[int] = []
    real = api._analyze
    monkeypatch.setattr(api, "_analyze", lambda *a, **k: (calls.append(1), real(*a, **k))[1])
    again = api.analyze("HEAD~1..HEAD", repo=str(repo.root), options=AnalyzeOptions(jobs=3))
    assert calls == [] and again == first


# -- what is stored ----------------------------------------------------------------------------------

def _report(**kw: object) -> Report:
    return Report(findings=(), commits=(Commit(SHA, "fix", "", "Dev <dev@example.org>", "Dev <dev@example.org>"),), **kw)  # type: ignore[arg-type]


def test_storable_needs_commit_identities_and_no_transient_outcome() -> None:
    assert report_cache.storable(_report())
    assert report_cache.storable(Report(findings=()))  # no commits: nothing to label
    assert not report_cache.storable(replace(_report(), commits=(Commit(SHA, "fix"),)))
    assert not report_cache.storable(replace(_report(), commits=(Commit(SHA, "fix", "", "Dev <d@x>", ""),)))
    for reason in ("timeout", "graph-timeout", "out-of-memory", "call-graph-error"):
        assert not report_cache.storable(_report(not_analyzed=(NotAnalyzed("a.py", reason, "x"),)))
    assert not report_cache.storable(_report(not_analyzed=(NotAnalyzed("a.py", "parse-error", "internal error: boom"),)))
    assert report_cache.storable(_report(not_analyzed=(NotAnalyzed("a.py", "syntax-error", "line 3"),)))


def test_put_skips_a_report_without_identities(tmp_path: Path) -> None:
    cache = report_cache.ReportCache(tmp_path)
    key = "cd" * 32
    cache.put(key, replace(_report(), commits=(Commit(SHA, "fix"),)))
    assert cache.writes == 0 and cache.get(key) is None
    cache.put(key, _report())
    assert cache.writes == 1 and cache.get(key) == _report()


# -- where the identities come from ----------------------------------------------------------------

def test_labels_use_the_commits_own_identities_without_asking_git(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[list[str]] = []

    def lookup(root, shas):  # noqa: ANN001, ANN202 - a lookup that fails quietly, as git may
        asked.append(list(shas))
        return {}

    monkeypatch.setattr(authorship, "commit_identities", lookup)
    bot = Commit(SHA, "tidy", "", "Claude <noreply@anthropic.com>", "Dev <dev@example.org>")
    human = Commit("cd" * 20, "fix", "", "Dev <dev@example.org>", "Dev <dev@example.org>")
    labels = authorship.ai_labels([bot, human], "/nonexistent")
    assert asked == [[]]
    assert [(lab.sha, lab.evidence) for lab in labels] == [(SHA, ("author/committer `Claude <noreply@anthropic.com>`",))]


def test_only_commits_without_identities_are_looked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[list[str]] = []

    def lookup(root, shas):  # noqa: ANN001, ANN202
        asked.append(list(shas))
        return {SHA: ("Claude <noreply@anthropic.com>", "Dev <dev@example.org>")}

    monkeypatch.setattr(authorship, "commit_identities", lookup)
    labels = authorship.ai_labels([Commit(SHA, "tidy"), Commit("cd" * 20, "fix", "", "Dev <d@x>", "Dev <d@x>")], "/repo")
    assert asked == [[SHA]]
    assert [lab.sha for lab in labels] == [SHA]


def test_a_range_by_an_assistant_is_labelled_and_cached_with_git_lookups_failing(tmp_path: Path, cache_dir: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    r = GitRepo(tmp_path / "ai")
    r.write({"app/views.py": GUARDED.format(i=0)})
    r.commit("base")
    r.write({"app/views.py": OPEN.format(i=0)})
    r.run_git("commit", "-qam", "simplify", "--author=Claude <noreply@anthropic.com>")
    monkeypatch.setattr(authorship, "commit_identities", lambda root, shas: {} if not shas else pytest.fail("asked git"))
    report = api.analyze("HEAD~1..HEAD", repo=str(r.root))
    assert report.commits[0].author == "Claude <noreply@anthropic.com>"
    from semdiff.purpose import ai_authored

    assert any("noreply@anthropic.com" in line for line in ai_authored(report))
    assert len(_entries(cache_dir)) == 1


def test_the_primary_python_parser_keys_the_report(repo: GitRepo, monkeypatch) -> None:
    monkeypatch.delenv("SEMDIFF_PYTHON_PARSER", raising=False)
    base = report_cache.report_key(str(repo.root), "HEAD~1..HEAD", AnalyzeOptions())
    monkeypatch.setenv("SEMDIFF_PYTHON_PARSER", "libcst")
    assert report_cache.report_key(str(repo.root), "HEAD~1..HEAD", AnalyzeOptions()) == base  # the default, named
    monkeypatch.setenv("SEMDIFF_PYTHON_PARSER", "tree-sitter")
    assert report_cache.report_key(str(repo.root), "HEAD~1..HEAD", AnalyzeOptions()) != base
