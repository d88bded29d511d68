"""parse_pool.start: workers parse while this process does other work (the API builds the call
graphs meanwhile); the report must be the same as parsing afterwards."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from semdiff import api, parse_pool, pipeline
from semdiff.pipeline import AnalyzeOptions, analyze_changeset, analyze_texts, start_parsing
from semdiff.model import ChangeSet
from semdiff.source.textpairs import file_change_from_texts

GUARDED = "def delete_user{n}(request, uid):\n    if not request.user.is_admin:\n        raise PermissionError()\n    return uid\n"
OPEN = "def delete_user{n}(request, uid):\n    return uid\n"


def _square(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def _slow_square(x: int) -> tuple[int, int]:
    time.sleep(0.05)
    return x * x, os.getpid()


def test_started_work_is_collected_in_order_by_other_processes() -> None:
    items = list(range(20))
    pending = parse_pool.start(items, _slow_square, 2, lambda x: None, local=frozenset({0, 1}))
    meanwhile = sum(range(1000))  # this process is free until results()
    out = pending.results()
    assert meanwhile == 499500
    assert [v for v, _ in out] == [x * x for x in items]
    assert {pid for _, pid in out[:2]} == {os.getpid()}  # local items run here
    here = {i for i, (_, pid) in enumerate(out) if pid == os.getpid()}
    assert here - {0, 1} == set(pending.taken)  # and so do the queued ones it took, nothing else
    assert len(here) < len(items)  # the workers computed the rest
    assert parse_pool._STATE is None
    with pytest.raises(AssertionError):
        pending.results()


def test_one_worker_or_nothing_remote_forks_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(workers):
        raise AssertionError("forked")

    monkeypatch.setattr(parse_pool, "_executor", no_pool)
    assert [v for v, _ in parse_pool.start([1, 2, 3], _square, 1, lambda x: None).results()] == [1, 4, 9]
    assert [v for v, _ in parse_pool.start([1, 2], _square, 2, lambda x: None, frozenset({0, 1})).results()] == [1, 4]


def _encoded(x: int) -> bytes:
    return str(x * x).encode()


def test_this_process_takes_the_tail_of_the_queue_that_no_worker_started() -> None:
    """Queued largest first, so what it takes is the end of the queue: the last items, each
    computed here once (with `here`, not the workers' `work`) and never also by a worker."""
    items = list(range(40))
    pending = parse_pool.start(items, _slow_square, 2, lambda x: None, here=_square)
    out = pending.results()
    assert [v for v, _ in out] == [x * x for x in items]
    taken = sorted(pending.taken)
    assert taken and taken == list(range(40 - len(taken), 40))  # _size is 0 for ints: queued in index order
    assert all(out[i][1] == os.getpid() for i in taken)
    assert all(out[i][1] != os.getpid() for i in range(40) if i not in pending.taken)
    # workers encode, this process decodes what they send as it arrives; its own are plain
    plain = parse_pool.map_files(list(range(30)), _encoded, 2, lambda x: None, here=lambda x: x * x, arrived=int)
    assert plain == [x * x for x in range(30)]


def test_cancel_stops_the_workers() -> None:
    pending = parse_pool.start(list(range(10)), _square, 2, lambda x: None)
    pending.cancel()
    assert parse_pool._STATE is None
    pending.cancel()  # twice is harmless
    assert [v for v, _ in parse_pool.start([3] * 10, _square, 2, lambda x: None).results()] == [9] * 10


def _pairs(count: int) -> list[tuple[str, str, str]]:
    return [(f"app/views{n}.py", GUARDED.format(n=n), OPEN.format(n=n) if n % 2 else GUARDED.format(n=n)) for n in range(count)]


def _key(report) -> tuple:
    return (sorted((f.fingerprint, f.rule_id, f.path, f.unit, int(f.severity)) for f in report.findings),
            sorted((n.path, n.reason) for n in report.not_analyzed), report.units_analyzed)


def _git_repo(root: Path, count: int) -> Path:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                       env=dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
                                GIT_COMMITTER_EMAIL="t@t"))

    root.mkdir()
    git("init", "-q")
    (root / "app").mkdir()
    for n in range(count):
        (root / "app" / f"views{n}.py").write_text(GUARDED.format(n=n))
    git("add", "-A")
    git("commit", "-qm", "base")
    for n in range(count):
        (root / "app" / f"views{n}.py").write_text(OPEN.format(n=n) if n % 2 else GUARDED.format(n=n).replace("uid\n", "uid + 1\n"))
    git("commit", "-qam", "change")
    return root


def test_api_parses_while_building_graphs_and_reports_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEMDIFF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SEMDIFF_NO_REPORT_CACHE", "1")
    repo = _git_repo(tmp_path / "repo", 12)
    events: list[str] = []
    real_start, real_graphs = parse_pool.start, api.repository_relevance

    def spy(items, work, workers, crashed, local=frozenset()):
        events.append(f"fork {workers}")
        return real_start(items, work, workers, crashed, local)

    def graphs(*args, **kwargs):
        events.append("graphs")
        return real_graphs(*args, **kwargs)

    monkeypatch.setattr(parse_pool, "start", spy)
    monkeypatch.setattr(api, "repository_relevance", graphs)
    early = api.analyze("HEAD~1..HEAD", repo=str(repo), options=AnalyzeOptions(jobs=2, use_cache=False), report_cache=False)
    assert events == ["fork 2", "graphs"]  # forked before the graphs were built, and only once
    serial = api.analyze("HEAD~1..HEAD", repo=str(repo), options=AnalyzeOptions(jobs=1, use_cache=False), report_cache=False)
    assert _key(early) == _key(serial)
    removed = sorted(f.path for f in early.findings if f.rule_id == "removed-guard")
    assert removed == sorted(f"app/views{n}.py" for n in range(12) if n % 2)


def _changes(pairs) -> ChangeSet:
    return ChangeSet(files=tuple(file_change_from_texts(p, b, a) for p, b, a in pairs), description="texts")


def test_a_job_for_other_files_is_cancelled_and_the_files_parsed_anew() -> None:
    options = AnalyzeOptions(jobs=2, use_cache=False)
    reference = analyze_texts(_pairs(10), AnalyzeOptions(jobs=1, use_cache=False))
    job = start_parsing(_changes(_pairs(9)), options)
    report = analyze_changeset(_changes(_pairs(10)), options, job)
    assert job.pending.done and parse_pool._STATE is None
    assert _key(report) == _key(reference)
    assert len([f for f in report.findings if f.rule_id == "removed-guard"]) == 5


def test_a_job_for_the_same_changes_is_collected() -> None:
    options = AnalyzeOptions(jobs=2, use_cache=False)
    changes = _changes(_pairs(10))
    job = start_parsing(changes, options)
    assert job.pending.pool is not None
    report = analyze_changeset(changes, options, job)
    assert job.pending.done
    assert _key(report) == _key(analyze_texts(_pairs(10), AnalyzeOptions(jobs=1, use_cache=False)))


def test_the_fork_freezes_nothing_for_good() -> None:
    """Objects are frozen out of the collector only across the fork; afterwards this process
    collects them as before."""
    import gc

    assert gc.get_freeze_count() == 0
    pending = parse_pool.start(list(range(10)), _square, 2, lambda x: None)
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    assert [v for v, _ in pending.results()] == [x * x for x in range(10)]


def _pair(x: int) -> list[int]:
    return [x, x * x]  # a list: tracked by the cycle collector, like a ParsedFile's objects


def test_collected_results_go_to_the_oldest_generation_unscanned() -> None:
    """The results are kept out of the young generations' collections (paused while they come
    in, then moved to the oldest generation without a scan); the collector is on again after,
    nothing stays frozen, and garbage cycles made meanwhile are still collected."""
    import gc

    assert gc.get_freeze_count() == 0
    made_here: list[object] = []

    def here(x: int) -> list[int]:
        assert not gc.isenabled()  # paused while the results come in
        cycle: list[object] = []
        cycle.append(cycle)  # garbage once this returns
        made_here.append(id(cycle))
        return _pair(x)

    pending = parse_pool.start(list(range(12)), _pair, 2, lambda x: None, here=here)
    out = pending.results()
    assert out == [[x, x * x] for x in range(12)]
    assert gc.isenabled() and gc.get_freeze_count() == 0
    young = {id(o) for g in (0, 1) for o in gc.get_objects(generation=g)}
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(r) in oldest and id(r) not in young for r in out)
    assert made_here and gc.collect() >= len(made_here)  # the cycles were not lost to the collector


def test_a_process_that_froze_its_objects_keeps_the_results_frozen() -> None:
    """In a process that keeps objects frozen itself (the command's, semdiff.cli._tune_gc),
    unfreezing would hand those back to the collector: they and the results stay frozen."""
    import gc

    gc.freeze()
    try:
        before = gc.get_freeze_count()
        out = parse_pool.start(list(range(12)), _pair, 2, lambda x: None, here=_pair).results()
        assert out == [[x, x * x] for x in range(12)]
        assert gc.isenabled() and gc.get_freeze_count() >= before + len(out)
        tracked = {id(o) for o in gc.get_objects()}
        assert not any(id(r) in tracked for r in out)
    finally:
        gc.unfreeze()
