"""semdiff.family_pool: forked rule-family workers give exactly the single process's results,
and a failing child only costs time (its share is recomputed here)."""
import os
import pytest

from semdiff import family_pool
from semdiff.pipeline import AnalyzeOptions, analyze_texts

def test_map_split_equals_serial_order_and_values():
    got = family_pool.map_split(101, lambda i: (i, [i * i], {"k": str(i)}), 2)
    assert got == [(i, [i * i], {"k": str(i)}) for i in range(101)]


def test_child_results_come_from_the_child():
    parent = os.getpid()
    to_child_r, to_child_w = os.pipe()
    to_parent_r, to_parent_w = os.pipe()

    def work(i):
        # each process's first change waits until the other process has claimed one of its own
        if os.getpid() != parent:
            if not started:
                os.write(to_parent_w, b"c")
                started.append(os.read(to_child_r, 1))
        elif not started:
            os.write(to_child_w, b"p")
            started.append(os.read(to_parent_r, 1))
        return i, os.getpid() == parent

    started: list = []
    try:
        got = family_pool.map_split(10, work, 2)
    finally:
        for fd in (to_child_r, to_child_w, to_parent_r, to_parent_w):
            os.close(fd)
    assert [i for i, _ in got] == list(range(10))
    by_parent = [here for _, here in got]
    assert started == [b"c"] and True in by_parent and False in by_parent  # both processes computed some


def test_each_index_is_claimed_by_one_process_and_a_slower_one_claims_fewer():
    """The indices are claimed as each process gets to them, not dealt in advance: while the
    child is held up on its first change, the parent takes every other one."""
    parent = os.getpid()
    release_r, release_w = os.pipe()
    claimed_r, claimed_w = os.pipe()

    def work(i):
        if os.getpid() != parent:
            os.write(claimed_w, b"c")
            os.read(release_r, 1)  # held until the parent has done all the rest
            return i, "child"
        if not done_here:
            os.read(claimed_r, 1)  # the child holds one before the parent starts
        done_here.append(i)
        if len(done_here) == 19:
            os.write(release_w, b"r")
        return i, "parent"

    done_here: list = []
    try:
        got = family_pool.map_split(20, work, 2)
    finally:
        for fd in (release_r, release_w, claimed_r, claimed_w):
            os.close(fd)
    assert [i for i, _ in got] == list(range(20))
    assert [who for _, who in got].count("child") == 1


def test_claims_cover_every_index_once_in_blocks_when_there_are_many():
    count = family_pool._Claims.MAX_TOKENS * 3 + 5
    claims = family_pool._Claims.of(count)
    assert claims is not None and claims.block == 4
    taken = list(claims.take_all())
    claims.close()
    assert taken == list(range(count))


def test_crashed_child_share_is_recomputed_here():
    parent = os.getpid()

    def work(i):
        if os.getpid() != parent:
            os._exit(3)  # a native crash or the memory limit, as the parent sees it
        return i * 10

    assert family_pool.map_split(9, work, 2) == [i * 10 for i in range(9)]


def test_exception_in_a_child_is_raised_by_this_process():
    def work(i):
        if i == 7:
            raise ValueError("family bug on change 7")
        return i

    with pytest.raises(ValueError, match="change 7"):
        family_pool.map_split(12, work, 2)


def test_exception_in_this_process_reaps_the_child(monkeypatch):
    forked = []
    real_fork = os.fork

    def fork():
        pid = real_fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(family_pool.os, "fork", fork)

    def work(i):
        if i == 4:
            raise KeyError("here")
        return i

    with pytest.raises(KeyError):
        family_pool.map_split(12, work, 2)
    assert not family_pool._active
    assert len(forked) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(forked[0], os.WNOHANG)  # reaped: no child left behind


def test_workers_for_small_changes_and_jobs_1_and_env(monkeypatch):
    monkeypatch.setattr(family_pool, "_other_threads", lambda: False)
    monkeypatch.setattr(family_pool, "_busy", lambda cpus: False)
    monkeypatch.setattr(family_pool.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert family_pool.workers_for(family_pool.MIN_ITEMS - 1) == 1
    assert family_pool.workers_for(200, jobs=1) == 1
    assert family_pool.workers_for(200) == 2
    monkeypatch.setattr(family_pool, "_busy", lambda cpus: True)
    assert family_pool.workers_for(200) == 1  # no idle CPU for a child
    assert family_pool.workers_for(200, jobs=2) == 2  # unless asked for
    monkeypatch.setattr(family_pool, "_other_threads", lambda: True)
    assert family_pool.workers_for(200, jobs=2) == 1  # fork would copy other threads' locks mid-use
    monkeypatch.setattr(family_pool, "_other_threads", lambda: False)
    monkeypatch.setenv(family_pool.ENV_OFF, "1")
    assert family_pool.workers_for(200, jobs=2) == 1


def _fixture_pairs():
    """Every fixture case as one file of one big change (under its case folder, so paths are unique)."""
    from test_fixtures import CASE_FOLDERS, FixtureError, load_case

    pairs = []
    for folder in CASE_FOLDERS:
        try:
            case = load_case(folder)
        except FixtureError:
            continue  # a case being written right now; test_fixtures reports it
        pairs.append((f"{case.language}/{case.name}/{case.path}", case.before_text, case.after_text))
    return pairs


def test_fixture_corpus_report_is_the_same_with_and_without_workers(monkeypatch):
    pairs = _fixture_pairs()
    assert len(pairs) > 400
    serial = analyze_texts(pairs, AnalyzeOptions(jobs=1))
    calls = []
    real = family_pool.map_split

    def spy(count, work, workers):
        calls.append((count, workers))
        return real(count, work, workers)

    monkeypatch.setattr(family_pool, "map_split", spy)
    monkeypatch.setattr(family_pool, "_other_threads", lambda: False)
    monkeypatch.setattr(family_pool, "_busy", lambda cpus: False)
    monkeypatch.setattr(family_pool.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    pooled = analyze_texts(pairs, AnalyzeOptions(jobs=0))
    assert calls and calls[0][1] == 2 and calls[0][0] >= family_pool.MIN_ITEMS
    assert len(serial.findings) > 250
    assert pooled.findings == serial.findings
    assert pooled.not_analyzed == serial.not_analyzed
    assert pooled.purpose == serial.purpose and pooled.units_analyzed == serial.units_analyzed


def test_busy_means_busy_over_the_last_minute_and_now(monkeypatch):
    """A minute's load average still counts the parse workers this run just finished with; a
    child is forked when the CPUs are idle now."""
    def machine(avg, running):
        monkeypatch.setattr(family_pool.os, "getloadavg", lambda: (avg, avg, avg))
        monkeypatch.setattr(family_pool, "_running_now", lambda: running)

    machine(0.4, 9)
    assert not family_pool._busy(2)  # an idle minute: the snapshot is not asked
    machine(2.3, 1)
    assert not family_pool._busy(2)  # busy a moment ago (this run's own workers), idle now
    machine(2.3, 2)
    assert not family_pool._busy(2)  # one other task: the second CPU is still free enough
    machine(2.3, 3)
    assert family_pool._busy(2)  # two others run now: no CPU to spare
    machine(2.3, None)
    assert family_pool._busy(2)  # no snapshot to go by: the load average decides
    machine(0.9, 3)
    assert family_pool._busy(1) and not family_pool._busy(4)


def test_running_now_reads_this_machine():
    running = family_pool._running_now()
    if os.path.exists("/proc/loadavg"):
        assert running is not None and running >= 1  # this process is running as it reads
    else:
        assert running is None
