"""semdiff.report_cache: an exactly repeated analysis of a range between commits is read, not
recomputed; any change to what decides the report misses; damaged entries are recomputed;
working-tree, staged and diff inputs are never stored."""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

from semdiff import api, pipeline, report_cache
from semdiff.config import Config
from semdiff.pipeline import AnalyzeOptions

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gitrepo import GitRepo  # noqa: E402

GUARDED = "def delete_user(request, uid):\n    if not request.user.is_admin:\n        raise PermissionError()\n    return uid\n"
OPEN = "def delete_user(request, uid):\n    return uid\n"
OTHER = "def other(x):\n    return x + 1\n"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SEMDIFF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SEMDIFF_NO_REPORT_CACHE", raising=False)
    return tmp_path / "cache"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.write({"app/views.py": GUARDED, "app/util.py": OTHER})
    r.commit("base")
    r.write({"app/views.py": OPEN})
    r.commit("drop the admin check")
    return r


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "graph").glob(f"{report_cache.KIND}-v*/*/*.bin"))


def _count_analyses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = api._analyze

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "_analyze", counting)
    return calls


def test_hit_returns_an_equal_report_without_analysing(cache_dir: Path, repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_analyses(monkeypatch)
    first = api.analyze("HEAD~1..HEAD", repo=str(repo.root))
    assert [f.rule_id for f in first.findings] and first.findings[0].unit == "delete_user"
    assert len(_entries(cache_dir)) == 1
    second = api.analyze("HEAD~1..HEAD", repo=str(repo.root))
    assert calls == [1]  # the second answer came from the cache
    assert second == first
    assert [f.fingerprint for f in second.findings] == [f.fingerprint for f in first.findings]


def test_policy_is_applied_after_the_cache(cache_dir: Path, repo: GitRepo) -> None:
    raw = api.analyze("HEAD~1..HEAD", repo=str(repo.root))
    rule = raw.findings[0].rule_id
    silenced = api.analyze("HEAD~1..HEAD", repo=str(repo.root), config=Config(disable=frozenset({rule})))
    assert rule not in [f.rule_id for f in silenced.findings]
    again = api.analyze("HEAD~1..HEAD", repo=str(repo.root))
    assert again == raw


@pytest.mark.parametrize("change", ["purpose", "option", "rule_option", "config", "revision", "code"])
def test_any_key_component_changing_misses(cache_dir: Path, repo: GitRepo, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    api.analyze("HEAD~1..HEAD", repo=str(repo.root))
    calls = _count_analyses(monkeypatch)
    kwargs: dict = {}
    revision = "HEAD~1..HEAD"
    if change == "purpose":
        kwargs["purpose"] = "docs: fix a typo"
    elif change == "option":
        kwargs["options"] = AnalyzeOptions(max_file_bytes=4_000_000)
    elif change == "rule_option":
        kwargs["options"] = AnalyzeOptions(rule_options={"ai_policy": "strict"})
    elif change == "config":
        kwargs["cache_config"] = Config(exclude=("docs/**",))
    elif change == "revision":
        revision = "HEAD"  # the same two commits, named differently: the description differs
    elif change == "code":
        monkeypatch.setattr(report_cache, "_CODE", "another semdiff")
    report = api.analyze(revision, repo=str(repo.root), **kwargs)
    assert calls == [1]
    assert report.findings[0].unit == "delete_user"


def test_new_commit_misses(cache_dir: Path, repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    api.analyze("HEAD~1..HEAD", repo=str(repo.root))
    repo.write({"app/util.py": OTHER + "\ndef more():\n    return 2\n"})
    repo.commit("more")
    calls = _count_analyses(monkeypatch)
    report = api.analyze("HEAD~2..HEAD", repo=str(repo.root))
    assert calls == [1] and report.findings[0].unit == "delete_user"


def test_same_trees_other_commits_miss(cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebase keeps trees and changes commits (ids, messages): the report names commits."""
    def build(root: Path, message: str) -> GitRepo:
        r = GitRepo(root)
        r.write({"app/views.py": GUARDED})
        r.commit("base")
        r.write({"app/views.py": OPEN})
        r.commit(message)
        return r

    a = build(tmp_path / "a", "drop the admin check")
    b = build(tmp_path / "b", "docs: typo")
    first = api.analyze("HEAD~1..HEAD", repo=str(a.root))
    second = api.analyze("HEAD~1..HEAD", repo=str(b.root))
    assert [c.subject for c in first.commits] == ["drop the admin check"]
    assert [c.subject for c in second.commits] == ["docs: typo"]
    assert len(_entries(cache_dir)) == 2


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "other-key"])
def test_damaged_entry_is_recomputed(cache_dir: Path, repo: GitRepo, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    first = api.analyze("HEAD~1..HEAD", repo=str(repo.root))
    (entry,) = _entries(cache_dir)
    data = entry.read_bytes()
    if damage == "flip":
        entry.write_bytes(data[:-20] + bytes([data[-20] ^ 0xFF]) + data[-19:])
    elif damage == "truncate":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        entry.write_bytes(b"\x80\x04not a report at all")
    else:  # a whole, intact entry of another key, copied under this name
        other = report_cache.codec().encode(replace(first, description="forged"), "0" * 64)
        entry.write_bytes(other)
    calls = _count_analyses(monkeypatch)
    again = api.analyze("HEAD~1..HEAD", repo=str(repo.root))
    assert calls == [1] and again == first
    assert report_cache.codec().decode(entry.read_bytes(), entry.parent.name + entry.stem) == first  # rewritten


def test_decode_refuses_wrong_types() -> None:
    """A well-framed entry whose value does not fit model.Report's declared types is a miss."""
    import marshal

    from semdiff import ir_codec

    c = report_cache.codec()
    payload = marshal.dumps((c.shape, "k", ("not", "a", "report")), 4)
    assert c.decode(ir_codec.frame(report_cache.MAGIC, payload), "k") is None
    payload = marshal.dumps((c.shape, "k", compile("1", "x", "eval")), 4)
    assert c.decode(ir_codec.frame(report_cache.MAGIC, payload), "k") is None


def test_switches_turn_it_off(cache_dir: Path, repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    api.analyze("HEAD~1..HEAD", repo=str(repo.root), report_cache=False)
    api.analyze("HEAD~1..HEAD", repo=str(repo.root), options=AnalyzeOptions(use_cache=False))
    monkeypatch.setenv("SEMDIFF_NO_REPORT_CACHE", "1")
    api.analyze("HEAD~1..HEAD", repo=str(repo.root))
    assert _entries(cache_dir) == []


def test_worktree_staged_and_diff_inputs_are_never_stored(cache_dir: Path, repo: GitRepo) -> None:
    repo.write({"app/util.py": OTHER.replace("+ 1", "+ 2")}, stage=False)
    api.analyze(repo=str(repo.root))
    repo.add("app/util.py")
    api.analyze(repo=str(repo.root), staged=True)
    diff = repo.run_git("diff", "HEAD~1", "HEAD")
    api.analyze(diff_text=diff)
    assert _entries(cache_dir) == []


def test_a_custom_relevance_function_is_not_cached(cache_dir: Path, repo: GitRepo) -> None:
    from semdiff.model import Relevance

    api.analyze("HEAD~1..HEAD", repo=str(repo.root), options=AnalyzeOptions(relevance=lambda c: Relevance("authz", 1.0)))
    assert _entries(cache_dir) == []


def test_transient_failures_are_not_stored(cache_dir: Path, repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A per-file timeout depends on the load: that report is not the answer for the inputs."""
    from semdiff import budget

    def slow(fc, work, file_budget):
        return None, budget.Skipped("timeout", "parse and analysis took 10s")

    monkeypatch.setattr(pipeline._budget, "analyse_within", slow)
    report = api.analyze("HEAD~1..HEAD", repo=str(repo.root))
    assert "timeout" in [n.reason for n in report.not_analyzed]
    assert _entries(cache_dir) == []


def test_bad_revision_still_reports_the_error(cache_dir: Path, repo: GitRepo) -> None:
    from semdiff.errors import InputError

    with pytest.raises(InputError):
        api.analyze("nosuchbranch..HEAD", repo=str(repo.root))
    with pytest.raises(InputError):
        api.analyze("--output=x", repo=str(repo.root))


def test_canonical_options_are_order_independent() -> None:
    a = AnalyzeOptions(disabled_rules=frozenset({"a", "b", "c"}), rule_options={"x": 1, "y": ("p", "q")})
    b = AnalyzeOptions(disabled_rules=frozenset({"c", "b", "a"}), rule_options={"y": ("p", "q"), "x": 1})
    assert report_cache.canonical(a) == report_cache.canonical(b)
    with pytest.raises(report_cache.Uncacheable):
        report_cache.canonical(AnalyzeOptions(rule_options={"f": object()}))


def test_cli_formats_share_one_entry(cache_dir: Path, repo: GitRepo) -> None:
    from click.testing import CliRunner

    from semdiff.cli import cli

    runner = CliRunner()
    sarif = runner.invoke(cli, ["HEAD~1..HEAD", "--repo", str(repo.root), "--format", "sarif"])
    md = runner.invoke(cli, ["HEAD~1..HEAD", "--repo", str(repo.root), "--format", "markdown"])
    assert sarif.exit_code == md.exit_code == 1 and "delete_user" in md.output
    assert len(_entries(cache_dir)) == 1
    fresh = runner.invoke(cli, ["HEAD~1..HEAD", "--repo", str(repo.root), "--format", "sarif", "--no-report-cache"])
    assert fresh.output == sarif.output
