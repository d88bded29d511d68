"""The call graph's per-revision files (snapshots, stored relevance walks) are under the parse
cache's size bound: one of each is written per revision analysed (~5 MB of snapshot for a
100k-line repository), so an audit or a long-lived CI cache grew without limit. Opening one
marks it used; an evicted one is rebuilt, and the report does not change. The per-blob facts
files of before facts packs, which nothing reads any more, are deleted by a sweep."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from semdiff import api, parse_cache
from semdiff.pipeline import AnalyzeOptions

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gitrepo import GitRepo  # noqa: E402

GUARDED = "def delete_user(request, uid):\n    if not request.user.is_admin:\n        raise PermissionError()\n    return uid\n"
OPEN = "def delete_user(request, uid):\n    return uid\n"
CALLER = "from app.views import delete_user\n\n\ndef handler(request):\n    return delete_user(request, 1)\n"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.write({"app/views.py": GUARDED, "app/api.py": CALLER, "lib/b.py": "def b():\n    return 2\n"})
    r.commit("base")
    r.write({"app/views.py": OPEN})
    r.commit("drop the admin check")
    return r


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SEMDIFF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SEMDIFF_NO_REPORT_CACHE", "1")
    monkeypatch.setenv("SEMDIFF_NO_GRAPH_PREFETCH", "1")
    return tmp_path / "cache"


def _graph_files(cache: Path) -> list[Path]:
    return sorted((cache / "graph").glob("snapshot-v*/*/*.bin")) + sorted((cache / "graph").glob("relevance-v*/*/*.bin"))


def _analyze(repo: GitRepo) -> str:
    return api.analyze("HEAD~1..HEAD", repo=str(repo.root), options=AnalyzeOptions(jobs=1)).to_json()


def test_graph_files_are_marked_used_when_a_run_opens_them(repo: GitRepo, cache_dir: Path) -> None:
    _analyze(repo)
    files = _graph_files(cache_dir)
    kinds = {f.parent.parent.name.partition("-v")[0] for f in files}
    assert kinds == {"snapshot", "relevance"}
    for f in files:
        os.utime(f, (1000, 1000))
    _analyze(repo)  # warm: both snapshots and the walks' answers are read
    assert all(f.stat().st_mtime > 1000 for f in files)


def test_evicted_graph_files_are_rebuilt_and_the_report_is_the_same(repo: GitRepo, cache_dir: Path) -> None:
    first = _analyze(repo)
    assert _graph_files(cache_dir)
    removed = parse_cache.evict(cache_dir, max_bytes=1, low_water=0.0)
    assert removed >= len(_graph_files(cache_dir)) and not _graph_files(cache_dir)
    assert _analyze(repo) == first  # the tree memo still names the evicted snapshot: a miss, rebuilt
    assert {f.parent.parent.name.partition("-v")[0] for f in _graph_files(cache_dir)} == {"snapshot", "relevance"}


def test_a_sweep_over_the_bound_takes_the_least_recently_used_graph_files(repo: GitRepo, cache_dir: Path) -> None:
    _analyze(repo)
    files = _graph_files(cache_dir)
    newest = files[0]
    others = [f for f in (cache_dir / "graph").glob("*-v*/*/*.bin") if f != newest]  # parse entries too
    assert set(files) - {newest} <= set(others)
    for f in others:
        os.utime(f, (1000, 1000))
    os.utime(newest, (5000, 5000))
    parse_cache.evict(cache_dir, max_bytes=newest.stat().st_size + 1, low_water=1.0)
    assert newest.exists()
    assert not any(f.exists() for f in others)


def test_a_sweep_deletes_the_per_blob_facts_files_nothing_reads(tmp_path: Path) -> None:
    graph = tmp_path / "graph"
    legacy = [graph / "python-v2" / "ab" / ("c" * 38 + ".json"), graph / "javascript-v1" / "0f" / ("d" * 38 + ".json")]
    for p in legacy:
        p.parent.mkdir(parents=True)
        p.write_text('{"key": "x", "doc": {}}')
    kept = [graph / "facts-p1" / "python-v2" / "a" / "1-2-x.pack", graph / "tree-v1" / "ab" / ("e" * 38 + ".json"),
            graph / "python-v2" / "ab" / "notes.txt"]  # not a facts file: left alone, and so is its directory
    for p in kept:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("keep")
    parse_cache.evict(tmp_path, max_bytes=10 ** 9)  # under the bound: only the dead files go
    assert not any(p.exists() for p in legacy)
    assert not (graph / "javascript-v1").exists()
    assert all(p.exists() for p in kept)


def test_snapshot_and_walk_writes_count_toward_the_next_sweep(repo: GitRepo, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An audit writes a snapshot per commit and few parse entries: those writes alone bring
    the sweep that keeps the cache within its bound."""
    kinds: list[str] = []
    real_put = parse_cache.put_bounded
    monkeypatch.setattr(parse_cache, "put_bounded", lambda store, kind, *a: kinds.append(kind) or real_put(store, kind, *a))
    _analyze(repo)
    assert {"snapshot", "relevance"} <= set(kinds)

    from semdiff.relevance.cache import BlobCache

    monkeypatch.setenv(parse_cache.MAX_BYTES_ENV, "8000")
    monkeypatch.setattr(parse_cache, "_WRITTEN_ELSEWHERE", {})
    monkeypatch.setattr(parse_cache, "sweep_due", lambda root: False)  # another process swept a moment ago
    swept: list[int] = []
    monkeypatch.setattr(parse_cache, "evict", lambda root, max_bytes, *a: swept.append(max_bytes) or 0)
    store = BlobCache(cache_dir)
    parse_cache.put_bounded(store, "snapshot", 5, "a" * 64, b"s" * 600)  # 600 < 8000 / 8: not yet
    assert swept == []
    parse_cache.put_bounded(store, "snapshot", 5, "b" * 64, b"s" * 600)  # 1,200 >= 1,000: sweep
    assert swept == [8000]
    parse_cache.put_bounded(store, "relevance", 1, "c" * 64, b"w" * 600)  # counted afresh after it
    assert swept == [8000]


def test_the_kind_names_are_the_writers_own() -> None:
    from semdiff import report_cache
    from semdiff.relevance import propagate

    assert parse_cache.ANSWERS_KIND == propagate.ANSWERS_KIND
    assert parse_cache.REPORT_KIND == report_cache.KIND
    assert parse_cache.SNAPSHOT_KIND == "snapshot"  # semdiff.relevance.snapshot.put


def test_an_unreadable_legacy_directory_does_not_stop_the_sweep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    graph = tmp_path / "graph"
    (graph / "python-v2" / "ab").mkdir(parents=True)
    old = graph / "parse-v1" / "ab" / ("f" * 62 + ".bin")
    old.parent.mkdir(parents=True)
    old.write_bytes(b"x" * 100)
    os.utime(old, (1000, 1000))
    real_scandir = os.scandir

    def scandir(path):  # noqa: ANN001, ANN202
        if "python-v2" in str(path):
            raise PermissionError(path)
        return real_scandir(path)

    monkeypatch.setattr(parse_cache.os, "scandir", scandir)
    assert parse_cache.evict(tmp_path, max_bytes=10, low_water=0.0) == 1  # the bounded entry still went
    assert not old.exists()
