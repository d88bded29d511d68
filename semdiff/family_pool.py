"""Run the rule families of a large change on two CPUs.

A warm PR run spends about a third of its time in the rule families: every family on every
unit change, each (family, change) pair independent of the others. `map_split` computes
`work(i)` for every index of a change's unit changes in this process and forked children
(os.fork and pipes: multiprocessing costs ~50 ms to import), which send back their results
pickled. The caller (semdiff.pipeline) puts the results back in the order a single process
produces them, so a report is the same either way.

The indices are not dealt in advance: each process claims the next one when it is ready for
it (`_Claims`, a pipe holding them all), so a process that runs slower gets fewer. The child
always does: it starts by copying every page it writes to, it pickles what it found, and a
busy machine may give its CPU to someone else for a while (a warm PR run's child, dealt half
of the 140 changes, finished 32 ms after its parent on an idle machine and 125 ms after it
under load: the parent waited).

Only results travel: a child inherits the change, the units, the loaded rule modules and
the relevance answers the parent computed before forking. A child that fails in any way
(an exception, a crash, the memory limit, unreadable output) costs only time: the parent
computes that child's indices itself, as a single process would, so an exception a family
raises is raised here, and a result is never lost or invented. Nothing is forked below
MIN_ITEMS changes, with `jobs == 1`, off Linux-like platforms, from a process with other
threads (fork would copy their locks mid-use), from a worker of another pool, or (unless
`jobs` asks for processes) when the machine has no idle CPU for the child.
"""
from __future__ import annotations

import gc
import os
import sys
import threading
from typing import Any, Callable, Iterator, Optional

MIN_ITEMS = 48  # unit changes; below this a fork costs more than half the families' time
MAX_WORKERS = 2  # the parent plus one child: the families of a PR-sized change fill two CPUs
ENV_OFF = "SEMDIFF_NO_FAMILY_POOL"
_MAGIC = b"SDFAM1\0"
_active = False  # a map_split is running in this process (never fork from inside one)


def workers_for(count: int, jobs: int = 0) -> int:
    """How many processes (this one included) to use for `count` unit changes."""
    if jobs == 1 or count < MIN_ITEMS or _active or os.environ.get(ENV_OFF, "") not in ("", "0"):
        return 1
    if not hasattr(os, "fork") or sys.platform in ("win32", "darwin"):
        return 1
    if _other_threads():
        return 1
    mp = sys.modules.get("multiprocessing")  # a multiprocessing worker (audit pools) is already parallel
    me = mp.current_process() if mp is not None else None
    if me is not None and (me.daemon or me.name != "MainProcess"):
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if jobs <= 0 and _busy(cpus):
        return 1
    limit = jobs if jobs > 1 else cpus
    return max(1, min(limit, MAX_WORKERS))


def _other_threads() -> bool:
    return threading.active_count() > 1


def _busy(cpus: int) -> bool:
    """No CPU to spare: the 1-minute load average leaves less than one idle, and so do the
    tasks runnable right now. Each half of the work costs about 0.6 of the whole in its own
    process (the forked pages it writes are copied), so a child that must share a busy CPU
    makes the run slower, not faster.

    The load average alone remembers this very run: the parse workers of a large change keep
    every CPU busy until the families start, and a minute's average still counts them when
    they have exited (10,000 changed lines, 2 CPUs: families 2.9 s alone, 1.7 s with a child
    forked). The kernel's count of runnable tasks is the present; it includes this process."""
    try:
        if os.getloadavg()[0] <= cpus - 1 + 0.5:
            return False
    except OSError:
        return True
    running = _running_now()
    return running is None or running - 1 > cpus - 1 + 0.5


def _running_now() -> Optional[int]:
    """Runnable tasks on the machine at this moment, this one included (Linux's
    /proc/loadavg, fourth field "running/total"); None where there is no such file."""
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            return int(f.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return None


def map_split(count: int, work: Callable[[int], Any], workers: int) -> list[Any]:
    """[work(i) for i in range(count)], each index computed by whichever of this process and
    `workers - 1` forked children claims it first. Results must pickle; `work` must not depend
    on which process runs it."""
    global _active
    if workers <= 1 or count < 2:
        return [work(i) for i in range(count)]
    import pickle

    claims = _Claims.of(count)
    if claims is None:  # no pipe to share the indices through: this process alone
        return [work(i) for i in range(count)]
    children: list[tuple[int, int]] = []  # (pid, read fd)
    freeze = gc.get_freeze_count() == 0 and gc.isenabled()
    if freeze:
        gc.freeze()  # the inherited objects stay out of the children's collections (no page copies)
    _active = True
    try:
        for _ in range(1, workers):
            child = _fork_child(claims, work, pickle)
            if child is not None:
                children.append(child)
    finally:
        if freeze:
            gc.unfreeze()
    results: list[Any] = [None] * count
    done = [False] * count
    try:
        for i in claims.take_all():
            results[i] = work(i)
            done[i] = True
    except BaseException:
        claims.close()
        for pid, fd in children:
            _reap(pid, fd, kill=True)
        _active = False
        raise
    claims.close()
    for pid, fd in children:
        got = _collect(pid, fd, pickle, count)
        if got is None:
            continue  # the indices it claimed are computed below, as without a pool
        for i, value in got:
            if not done[i]:
                results[i] = value
                done[i] = True
    _active = False
    for i in range(count):  # a child that failed: what it claimed is computed here
        if not done[i]:
            results[i] = work(i)
    return results


class _Claims:
    """The indices 0..count-1, each claimed by exactly one process (the parent and its forked
    children share this pipe): the parent writes them all and closes its writing end before
    forking, and every process reads one fixed-size token at a time until the pipe is empty.
    The kernel hands each read its bytes whole, so no two processes get the same token. A
    token is a block of consecutive indices when there are more than the pipe holds.

    Whatever goes wrong with a claim (a short or unreadable read), nothing is lost: the parent
    computes every index no process sent back."""

    TOKEN = 2  # bytes, little endian
    MAX_TOKENS = 2048  # 4 KiB of tokens: what even a one-page pipe holds, written at once

    def __init__(self, read_fd: int, count: int, block: int) -> None:
        self.read_fd, self.count, self.block = read_fd, count, block

    @classmethod
    def of(cls, count: int) -> Optional["_Claims"]:
        """None when the tokens cannot all be written now (no pipe, or a pipe too small): the
        writer never waits, since nobody reads before they are all in."""
        block = -(-count // cls.MAX_TOKENS)
        tokens = b"".join(t.to_bytes(cls.TOKEN, "little") for t in range(-(-count // block)))
        try:
            read_fd, write_fd = os.pipe()
        except OSError:
            return None
        try:
            os.set_blocking(write_fd, False)
            written = os.write(write_fd, tokens)
        except OSError:
            written = -1
        finally:
            os.close(write_fd)  # before any fork: the pipe ends (reads return b"") once it is empty
        if written != len(tokens):
            os.close(read_fd)
            return None
        return cls(read_fd, count, block)

    def take_all(self) -> Iterator[int]:
        """The indices this process claims, one token at a time, until none is left."""
        size = self.TOKEN
        while True:
            try:
                data = os.read(self.read_fd, size)
            except OSError:
                return
            if len(data) != size:
                return
            start = int.from_bytes(data, "little") * self.block
            yield from range(start, min(start + self.block, self.count))

    def close(self) -> None:
        try:
            os.close(self.read_fd)
        except OSError:
            pass


def _fork_child(claims: _Claims, work: Callable[[int], Any], pickle: Any) -> Optional[tuple[int, int]]:
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child: compute what it claims, send it, and leave without running any cleanup
        status = 1
        try:
            os.close(read_fd)
            payload = pickle.dumps([(i, work(i)) for i in claims.take_all()], pickle.HIGHEST_PROTOCOL)
            _write_all(write_fd, _MAGIC + len(payload).to_bytes(8, "little") + payload)
            status = 0
        except BaseException:  # noqa: BLE001 - the parent recomputes what it claimed and raises there
            status = 1
        finally:
            os._exit(status)
    os.close(write_fd)
    return pid, read_fd


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.close(fd)


def _collect(pid: int, fd: int, pickle: Any, count: int) -> Optional[list]:
    """The child's (index, result) pairs, or None when it did not finish cleanly."""
    chunks: list[bytes] = []
    try:
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    except OSError:
        chunks = []
    finally:
        os.close(fd)
    status = _wait(pid)
    data = b"".join(chunks)
    head = len(_MAGIC) + 8
    if status != 0 or len(data) < head or not data.startswith(_MAGIC):
        return None
    if int.from_bytes(data[len(_MAGIC):head], "little") != len(data) - head:
        return None
    try:
        value = pickle.loads(data[head:])  # written by our own fork, never read from elsewhere
    except Exception:  # noqa: BLE001
        return None
    if type(value) is not list or not all(type(p) is tuple and len(p) == 2 and type(p[0]) is int and 0 <= p[0] < count
                                          for p in value):
        return None
    return value


def _wait(pid: int) -> int:
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return -1
    return os.waitstatus_to_exitcode(status)


def _reap(pid: int, fd: int, kill: bool) -> None:
    if kill:
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    try:
        os.close(fd)
    except OSError:
        pass
    _wait(pid)
