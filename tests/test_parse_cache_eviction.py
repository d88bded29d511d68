"""semdiff.parse_cache's size bound: least recently used entries (by mtime, which every read
refreshes) are deleted when the bounded entries (parse, focus, names, reports, call-graph
snapshots and relevance walks) outgrow the bound; one sweep at a
time; concurrent readers and writers never see a torn or damaged entry."""
from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from semdiff import ir_codec, parse_cache, pipeline
from semdiff.parse_cache import ParseCache


def _parsed(i: int):  # noqa: ANN202
    text = f"def f{i}(request):\n    if not request.user.is_admin:\n        raise PermissionError({i})\n    return {i}\n"
    return pipeline._cache_key(ParseCache, f"m{i}.py", text), pipeline._parse(f"m{i}.py", text)  # type: ignore[arg-type]


def _entry_files(root: Path, kind: str = "parse") -> list[Path]:
    return sorted((root / "graph").glob(f"{kind}-v*/*/*.bin"))


def _put_entries(root: Path, count: int, size: int = 1000, kind: str = "parse") -> list[Path]:
    """`count` raw entries of `size` bytes, the i-th last used at time 1000 + i."""
    paths = []
    for i in range(count):
        p = root / "graph" / f"{kind}-v9" / f"{i:02x}" / f"{i:062x}.bin"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x" * size)
        os.utime(p, (1000 + i, 1000 + i))
        paths.append(p)
    return paths


# -- configuration -----------------------------------------------------------------------------

def test_bound_from_argument_environment_or_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(parse_cache.MAX_BYTES_ENV, raising=False)
    assert parse_cache.max_cache_bytes() == parse_cache.DEFAULT_MAX_BYTES == 1024 ** 3
    assert parse_cache.max_cache_bytes(5000) == 5000
    for text, value in (("200M", 200 * 1024 ** 2), ("2GiB", 2 * 1024 ** 3), ("64k", 64 * 1024), ("12345", 12345)):
        monkeypatch.setenv(parse_cache.MAX_BYTES_ENV, text)
        assert parse_cache.max_cache_bytes() == value
    monkeypatch.setenv(parse_cache.MAX_BYTES_ENV, "0")
    assert parse_cache.max_cache_bytes() is None and ParseCache("/nonexistent").max_bytes is None
    monkeypatch.setenv(parse_cache.MAX_BYTES_ENV, "lots")
    assert parse_cache.max_cache_bytes() == parse_cache.DEFAULT_MAX_BYTES  # a typo never unbounds it


# -- the sweep ---------------------------------------------------------------------------------

def test_sweep_deletes_least_recently_used_down_to_low_water(tmp_path: Path) -> None:
    paths = _put_entries(tmp_path, 10)  # 10,000 bytes
    focus = _put_entries(tmp_path, 2, kind="focus")  # the two oldest of all: 1000, 1001
    report = tmp_path / "graph" / "report-v1" / "ab" / ("c" * 62 + ".bin")
    report.parent.mkdir(parents=True)
    report.write_bytes(b"r" * 50_000)
    os.utime(report, (1, 1))
    relevance = tmp_path / "graph" / "relevance-v1" / "ab" / ("d" * 62 + ".bin")
    relevance.parent.mkdir(parents=True)
    relevance.write_bytes(b"g" * 50_000)
    os.utime(relevance, (1, 1))
    removed = parse_cache.evict(tmp_path, max_bytes=10_000, low_water=0.5)  # 112,000 > 10,000 -> keep <= 5,000
    assert removed == 9
    assert not report.exists()  # the report cache is bounded with them (and was among the oldest)
    assert not relevance.exists()  # so are a graph's stored relevance walks (one per revision)
    assert [p.exists() for p in focus] == [False, False]
    assert [p.exists() for p in paths] == [False] * 5 + [True] * 5  # the five most recently used stay


def test_sweep_under_the_bound_deletes_nothing_and_records_the_time(tmp_path: Path) -> None:
    paths = _put_entries(tmp_path, 3)
    assert parse_cache.sweep_due(tmp_path)
    assert parse_cache.evict(tmp_path, max_bytes=3000) == 0
    assert all(p.exists() for p in paths)
    assert not parse_cache.sweep_due(tmp_path)


def test_stale_temporary_files_go_fresh_ones_stay(tmp_path: Path) -> None:
    _put_entries(tmp_path, 1)
    shard = tmp_path / "graph" / "parse-v9" / "00"
    stale, fresh = shard / ".tmp-dead.bin", shard / ".tmp-writing.bin"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    old = time.time() - parse_cache.STALE_TMP_SECONDS - 60
    os.utime(stale, (old, old))
    parse_cache.evict(tmp_path, max_bytes=10 ** 9)
    assert not stale.exists() and fresh.exists()


def test_a_sweep_in_progress_elsewhere_is_not_joined(tmp_path: Path) -> None:
    fcntl = pytest.importorskip("fcntl")
    paths = _put_entries(tmp_path, 4)
    with open(tmp_path / "graph" / parse_cache._LOCK_NAME, "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        assert parse_cache.evict(tmp_path, max_bytes=1000) == 0
    assert all(p.exists() for p in paths)
    assert parse_cache.evict(tmp_path, max_bytes=1000) == 4  # lock released: 4000 -> 0 <= 800


def test_a_read_marks_an_entry_used(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path, max_bytes=0)
    (k_old, p_old), (k_new, p_new) = _parsed(1), _parsed(2)
    cache.put(k_old, p_old)
    cache.put(k_new, p_new)
    f_old, f_new = (cache._file(k) for k in (k_old, k_new))
    os.utime(f_old, (1000, 1000))
    os.utime(f_new, (2000, 2000))
    assert ParseCache(tmp_path, max_bytes=0).get(k_old) == p_old  # the older one is used now
    assert f_old.stat().st_mtime > 2000
    size = f_old.stat().st_size
    assert parse_cache.evict(tmp_path, max_bytes=size + f_new.stat().st_size - 1, low_water=1.0) == 1
    assert f_old.exists() and not f_new.exists()


def test_writes_keep_the_cache_within_its_bound(tmp_path: Path) -> None:
    entries = [_parsed(i) for i in range(40)]
    one = len(ir_codec.encode(entries[0][1], entries[0][0]))
    bound = one * 10
    cache = ParseCache(tmp_path, max_bytes=bound)
    for key, parsed in entries:
        cache.put(key, parsed)
    files = _entry_files(tmp_path)
    assert sum(f.stat().st_size for f in files) <= bound
    assert cache.evicted > 0 and cache.writes == 40
    assert len(files) + cache.evicted == 40
    # what is left is the most recently written, and it reads back intact
    last_key, last = entries[-1]
    assert ParseCache(tmp_path, max_bytes=bound).get(last_key) == last


def test_an_evicted_entry_is_a_miss_then_rewritten(tmp_path: Path) -> None:
    key, parsed = _parsed(3)
    cache = ParseCache(tmp_path, max_bytes=0)
    cache.put(key, parsed)
    assert parse_cache.evict(tmp_path, max_bytes=1, low_water=0.0) == 1
    fresh = ParseCache(tmp_path, max_bytes=0)
    assert fresh.get(key) is None and fresh.misses == 1 and fresh.corrupt == 0
    fresh.put(key, parsed)
    assert ParseCache(tmp_path).get(key) == parsed


def test_a_reader_that_opened_an_entry_reads_it_whole_after_eviction(tmp_path: Path) -> None:
    key, parsed = _parsed(4)
    ParseCache(tmp_path, max_bytes=0).put(key, parsed)
    path = ParseCache(tmp_path)._file(key)
    with open(path, "rb") as fh:
        assert parse_cache.evict(tmp_path, max_bytes=1, low_water=0.0) == 1
        data = fh.read()
    assert not path.exists() and ir_codec.decode(data, key) == parsed


def _worker(root: str, seed: int, out: "multiprocessing.Queue[tuple[int, int, int]]") -> None:
    entries = [_parsed(i) for i in range(24)]
    bound = len(ir_codec.encode(entries[0][1], entries[0][0])) * 6
    cache = ParseCache(root, max_bytes=bound)
    wrong = 0
    for round_ in range(6):
        for i in range(len(entries)):
            key, parsed = entries[(i * (seed + 1) + round_) % len(entries)]
            got = cache.get(key)
            if got is None:
                cache.put(key, parsed)
            elif got != parsed:
                wrong += 1
        cache._memo.clear()
    out.put((cache.corrupt, wrong, cache.evicted))


def test_concurrent_workers_never_read_a_damaged_entry(tmp_path: Path) -> None:
    """Three processes read, write and evict one small cache at once (each sweeps after every
    few writes): every read is a whole, correct entry or a miss."""
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(str(tmp_path), s, out)) for s in range(3)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert [(corrupt, wrong) for corrupt, wrong, _ in results] == [(0, 0)] * 3
    assert sum(evicted for _, _, evicted in results) > 0
