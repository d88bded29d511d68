"""parse_pool's forked workers: they take files themselves, and whatever happens in one of
them (an exception, a crash, a huge or unpicklable result) reaches this process as that file's
outcome only."""
from __future__ import annotations

import os
import threading
import time

import pytest

from semdiff import parse_pool

PARENT = os.getpid()


def _slowly(value: object) -> object:
    """This process's way: slow enough that the workers, forked first, reach the head of the
    queue before this process, which works from the tail, gets there."""
    time.sleep(0.05)
    return value


def _square_or_fail(x: int) -> int:
    if x == 3:
        raise ValueError(f"bad item {x}")
    return x * x


def _dies_on_seven(x: int) -> tuple[int, int]:
    if x == 7 and os.getpid() != PARENT:
        os._exit(3)  # a native parser crash takes the whole worker down
    return x * x, os.getpid()


def _big(x: int) -> bytes:
    return bytes([x % 256]) * (3 << 20)  # three times the pipe's room


def _lock(x: int) -> object:
    return threading.Lock()  # cannot be pickled


def test_an_exception_in_a_worker_is_raised_here_and_the_pool_is_gone() -> None:
    pending = parse_pool.start(list(range(10)), _square_or_fail, 2, lambda x: None, here=lambda x: _slowly(x * x))
    crew = pending.pool
    assert crew is not None
    with pytest.raises(ValueError, match="bad item 3"):
        pending.results()
    assert parse_pool._STATE is None
    assert all(not p.is_alive() for p in crew.procs) and not crew.conns


def test_a_dying_worker_costs_only_the_item_it_was_computing() -> None:
    items = list(range(40))
    # index 7 is queued first (largest), so a worker, not this process, computes it
    order_first = [7] + [i for i in items if i != 7]
    pending = parse_pool.start(order_first, _dies_on_seven, 3, lambda x: ("lost", x),
                               here=lambda x: _slowly((x * x, PARENT)))
    out = pending.results()
    assert out[0] == ("lost", 7)
    assert [v for v, _ in out[1:]] == [x * x for x in order_first[1:]]
    assert parse_pool._STATE is None


def test_results_larger_than_the_pipe_arrive_whole() -> None:
    out = parse_pool.map_files(list(range(12)), _big, 2, lambda x: None, here=_big)
    assert [len(b) for b in out] == [3 << 20] * 12
    assert all(b[:1] == bytes([i]) and b[-1:] == bytes([i]) for i, b in enumerate(out))


def test_an_unpicklable_result_is_an_error_not_a_hang() -> None:
    with pytest.raises(Exception, match="pickle|Lock"):
        parse_pool.map_files(list(range(12)), _lock, 2, lambda x: None, here=_slowly)
    assert parse_pool._STATE is None


def _interrupted_here(x: int) -> int:
    if os.getpid() == PARENT:
        raise KeyboardInterrupt  # what Ctrl-C raises in this process, at its first item
    return x


def _sigint_self(x: int) -> int:
    import signal

    if os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C reaches the whole process group
    return _slowly(x)  # type: ignore[return-value]


def test_ctrl_c_stops_the_pool_and_workers_ignore_it() -> None:
    pending = parse_pool.start(list(range(40)), _sigint_self, 2, lambda x: ("lost", x), here=_interrupted_here)
    crew = pending.pool
    assert crew is not None
    with pytest.raises(KeyboardInterrupt):
        pending.results()
    assert parse_pool._STATE is None
    assert all(not p.is_alive() for p in crew.procs) and not crew.conns
    # the workers survived their own SIGINT until this process ended them: no item was lost to it
    out = parse_pool.map_files(list(range(12)), _sigint_self, 2, lambda x: ("lost", x), here=_slowly)
    assert out == list(range(12))


def test_meanwhile_sees_every_result_here_before_results_returns() -> None:
    seen: list[tuple[int, int]] = []
    pending = parse_pool.start(list(range(30)), _square_pid, 2, lambda x: None, here=lambda x: _slowly(_square_pid(x)))
    pending.meanwhile = lambda result: seen.append((result[0], os.getpid()))
    out = pending.results()
    assert sorted(v for v, _ in seen) == sorted(v for v, _ in out) == [x * x for x in range(30)]
    assert {pid for _, pid in seen} == {PARENT}  # asked in this process, of its own and the workers' results
    assert any(pid != PARENT for _, pid in out) and any(pid == PARENT for _, pid in out)


def _square_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()
