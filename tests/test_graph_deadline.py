"""The call-graph build's whole budget (budget.Deadline, AnalyzeOptions.graph_timeout):
files not parsed when it passes are left out of the graph, listed as graph-timeout, surfaced
in the report (changed or security-looking files security-relevant, so CI fails closed), and
nothing built under a spent budget is stored as the revision's graph or report.

Deadlines here are stand-ins that expire after a given number of checks, never the clock."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from semdiff import api, budget, policy, report_cache
from semdiff.budget import GRAPH_SUMMARY_PATH, GRAPH_TIMEOUT_REASON, Deadline
from semdiff.model import NotAnalyzed, Severity
from semdiff.pipeline import AnalyzeOptions
from semdiff.relevance import repo as graph_repo
from semdiff.relevance.cache import BlobCache

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gitrepo import GitRepo  # noqa: E402

GUARDED = "def delete_user(request, uid):\n    if not request.user.is_admin:\n        raise PermissionError()\n    return uid\n"
OPEN = "def delete_user(request, uid):\n    return uid\n"


class ExpiresAfter(Deadline):
    """A deadline that has passed once `checks` expired() calls have said it has not."""

    def __new__(cls, checks: int) -> "ExpiresAfter":
        return super().__new__(cls)

    def __init__(self, checks: int) -> None:
        super().__init__(None, 7.0)
        object.__setattr__(self, "left", [checks])

    def expired(self) -> bool:
        left = self.left  # type: ignore[attr-defined]
        if left[0] <= 0:
            return True
        left[0] -= 1
        return False


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SEMDIFF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SEMDIFF_NO_REPORT_CACHE", raising=False)
    monkeypatch.delenv(budget.GRAPH_TIMEOUT_ENV, raising=False)
    return tmp_path / "cache"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.write({"app/views.py": GUARDED, "app/auth_helpers.py": "def check(u):\n    return u.ok\n",
             "lib/a.py": "def a():\n    return 1\n", "lib/b.py": "def b():\n    return 2\n",
             "lib/c.py": "def c():\n    return 3\n"})
    r.commit("base")
    r.write({"app/views.py": OPEN})
    r.commit("drop the admin check")
    return r


# -- the budget itself ------------------------------------------------------------------------

def test_graph_timeout_prefers_the_option_then_the_environment_then_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(budget.GRAPH_TIMEOUT_ENV, raising=False)
    assert budget.graph_timeout() == budget.DEFAULT_GRAPH_TIMEOUT == 120.0
    monkeypatch.setenv(budget.GRAPH_TIMEOUT_ENV, "30")
    assert budget.graph_timeout() == 30.0
    assert budget.graph_timeout(5.0) == 5.0
    monkeypatch.setenv(budget.GRAPH_TIMEOUT_ENV, "0")
    assert budget.graph_timeout() is None  # 0: no limit
    assert budget.graph_timeout(-1.0) is None
    monkeypatch.setenv(budget.GRAPH_TIMEOUT_ENV, "soon")
    assert budget.graph_timeout() == 120.0  # a typo never turns the limit off


def test_deadline_after_none_never_expires_and_a_spent_one_has() -> None:
    assert budget.deadline_after(None) is budget.NO_DEADLINE and not budget.NO_DEADLINE.expired()
    assert Deadline(0.0, 1.0).expired()  # monotonic time 0 is long past
    assert not budget.deadline_after(3600.0).expired()


def test_timeout_report_names_changed_and_sensitive_files_and_counts_the_rest() -> None:
    d = Deadline(0.0, 7.0)
    skipped = [budget.graph_timeout_entry(p, d) for p in ("lib/z.py", "app/views.py", "lib/auth/token.py", "lib/y.py", "app/views.py")]
    skipped.append(NotAnalyzed("big.py", "too-large", "x"))
    out = budget.graph_timeout_report(skipped, ["app/views.py"], lambda p: "auth" in p)
    assert [(n.path, n.reason, n.security_relevant) for n in out] == [
        ("app/views.py", GRAPH_TIMEOUT_REASON, True),
        ("lib/auth/token.py", GRAPH_TIMEOUT_REASON, True),
        (GRAPH_SUMMARY_PATH, GRAPH_TIMEOUT_REASON, False),
    ]
    assert out[-1].detail.startswith("2 other file(s) not parsed (lib/y.py, lib/z.py); call graph build stopped after 7 s")
    assert "not parsed" in out[0].detail and budget.GRAPH_TIMEOUT_ENV in out[0].detail


def test_timeout_report_is_empty_without_timeouts() -> None:
    assert budget.graph_timeout_report([NotAnalyzed("a.py", "too-large", "x")], ["a.py"], lambda p: True) == ()


# -- the graph build ----------------------------------------------------------------------------

def _graph_files(graph) -> set[str]:  # noqa: ANN001
    return set(graph.modules)


def test_spent_deadline_leaves_every_unparsed_file_out_and_stores_nothing(repo: GitRepo, cache_dir: Path) -> None:
    cache = BlobCache(cache_dir)
    graph = graph_repo.graph_for_revision(str(repo.root), "HEAD", cache, Deadline(0.0, 7.0))
    timed_out = sorted(n.path for n in graph.not_analyzed if n.reason == GRAPH_TIMEOUT_REASON)
    assert timed_out == ["app/auth_helpers.py", "app/views.py", "lib/a.py", "lib/b.py", "lib/c.py"]
    assert graph.snapshot_key is None
    assert not list((cache_dir / "graph").glob("snapshot-v*/*/*.bin"))  # not the revision's graph
    # the next build, with time, is whole and stored
    whole = graph_repo.graph_for_revision(str(repo.root), "HEAD", cache)
    assert not [n for n in whole.not_analyzed if n.reason == GRAPH_TIMEOUT_REASON]
    assert {"app/views.py", "lib/c.py"} <= _graph_files(whole)
    assert whole.snapshot_key is not None


def test_deadline_mid_build_keeps_what_was_parsed(repo: GitRepo) -> None:
    graph = graph_repo.graph_for_revision(str(repo.root), "HEAD", None, ExpiresAfter(2))
    timed_out = {n.path for n in graph.not_analyzed if n.reason == GRAPH_TIMEOUT_REASON}
    assert len(timed_out) == 3
    parsed = _graph_files(graph)
    assert len(parsed) == 2 and not parsed & timed_out
    assert parsed | timed_out == {"app/auth_helpers.py", "app/views.py", "lib/a.py", "lib/b.py", "lib/c.py"}


def test_cached_facts_need_no_time(repo: GitRepo, cache_dir: Path) -> None:
    """Per-blob facts parsed before the budget ran out are cached, so a re-run gets further."""
    cache = BlobCache(cache_dir)
    graph_repo.graph_for_revision(str(repo.root), "HEAD", cache, ExpiresAfter(2))
    graph_repo._RECENT.clear()
    again = graph_repo.graph_for_revision(str(repo.root), "HEAD", cache, ExpiresAfter(3))
    assert not [n for n in again.not_analyzed if n.reason == GRAPH_TIMEOUT_REASON]  # 2 cached + 3 parsed


def test_no_deadline_builds_the_whole_graph(repo: GitRepo) -> None:
    graph = graph_repo.graph_for_revision(str(repo.root), "HEAD", None)
    assert not [n for n in graph.not_analyzed if n.reason == GRAPH_TIMEOUT_REASON]
    assert len(_graph_files(graph)) == 5


# -- the report and CI ---------------------------------------------------------------------------

def _spent_budget(monkeypatch: pytest.MonkeyPatch, seen: list) -> None:  # noqa: ANN001
    def spent(seconds):  # noqa: ANN001, ANN202
        seen.append(seconds)
        return Deadline(0.0, seconds)

    monkeypatch.setattr(budget, "deadline_after", spent)


def test_report_lists_timed_out_files_and_ci_fails_closed(repo: GitRepo, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list = []
    _spent_budget(monkeypatch, seen)
    report = api.analyze("HEAD~1..HEAD", repo=str(repo.root), options=AnalyzeOptions(graph_timeout=9.0))
    assert seen == [9.0]  # one budget for both graphs, from the option
    graph_na = [(n.path, n.security_relevant) for n in report.not_analyzed if n.reason == GRAPH_TIMEOUT_REASON]
    assert graph_na == [("app/auth_helpers.py", True), ("app/views.py", True), (GRAPH_SUMMARY_PATH, False)]
    summary = [n for n in report.not_analyzed if n.path == GRAPH_SUMMARY_PATH][0]
    assert summary.detail.startswith("3 other file(s) not parsed (lib/a.py, lib/b.py, lib/c.py)")
    # the changed file itself was still analysed: the finding is there
    assert [(f.rule_id, f.unit) for f in report.findings if f.unit == "delete_user"]
    assert not report.at_or_above(Severity.CRITICAL)
    decision = policy.decide(report, Severity.CRITICAL, fail_on_unanalyzed=True)
    assert decision.exit_code == policy.EXIT_FINDINGS
    assert "failing closed: 2 security-relevant item(s) could not be analysed (app/auth_helpers.py, app/views.py)" in decision.reasons[0]
    assert policy.decide(report, Severity.CRITICAL, fail_on_unanalyzed=False).exit_code == policy.EXIT_OK
    # a report shaped by the clock is not stored
    assert not list((cache_dir / "graph").glob(f"{report_cache.KIND}-v*/*/*.bin"))


def test_report_without_timeouts_has_no_graph_entries_and_is_stored(repo: GitRepo, cache_dir: Path) -> None:
    report = api.analyze("HEAD~1..HEAD", repo=str(repo.root), options=AnalyzeOptions(graph_timeout=3600.0))
    assert not [n for n in report.not_analyzed if n.reason == GRAPH_TIMEOUT_REASON]
    assert not report.at_or_above(Severity.CRITICAL)
    assert policy.decide(report, Severity.CRITICAL, fail_on_unanalyzed=True).exit_code == policy.EXIT_OK
    assert len(list((cache_dir / "graph").glob(f"{report_cache.KIND}-v*/*/*.bin"))) == 1


def test_cli_graph_timeout_reaches_the_build_and_fails_closed(repo: GitRepo, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from semdiff.cli import cli

    seen: list = []
    _spent_budget(monkeypatch, seen)
    result = CliRunner().invoke(cli, ["HEAD~1..HEAD", "--repo", str(repo.root), "--graph-timeout", "7",
                                      "--fail-on", "critical", "--format", "json"])
    assert seen == [7.0]
    assert result.exit_code == policy.EXIT_FINDINGS
    assert "failing closed" in result.output or "failing closed" in (result.stderr if result.stderr_bytes else "")
