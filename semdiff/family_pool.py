"""Run the rule families of a large change on two CPUs.

A warm PR run spends about a third of its time in the rule families: every family on every
unit change, each (family, change) pair independent of the others. `map_split` computes
`work(i)` for every index of a change's unit changes with the indices dealt round-robin to
this process and forked children (os.fork and a pipe: multiprocessing costs ~50 ms to import),
which send back their results pickled. The caller (semdiff.pipeline) puts the results back in
the order a single process produces them, so a report is the same either way.

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
from typing import Any, Callable, Optional

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
    """[work(i) for i in range(count)], with index i computed by process i % workers
    (0 = this one). Results must pickle; `work` must not depend on which process runs it."""
    global _active
    if workers <= 1 or count < 2:
        return [work(i) for i in range(count)]
    import pickle

    children: list[tuple[int, int, int]] = []  # (pid, read fd, share)
    freeze = gc.get_freeze_count() == 0 and gc.isenabled()
    if freeze:
        gc.freeze()  # the inherited objects stay out of the children's collections (no page copies)
    _active = True
    try:
        for share in range(1, workers):
            child = _fork_child(share, workers, count, work, pickle)
            if child is not None:
                children.append(child)
    finally:
        if freeze:
            gc.unfreeze()
    results: list[Any] = [None] * count
    try:
        for i in range(0, count, workers):
            results[i] = work(i)
    except BaseException:
        for pid, fd, _share in children:
            _reap(pid, fd, kill=True)
        _active = False
        raise
    pending: list[int] = []
    for pid, fd, share in children:
        got = _collect(pid, fd, pickle)
        if got is None or len(got) != len(range(share, count, workers)):
            pending.append(share)
            continue
        for i, value in zip(range(share, count, workers), got):
            results[i] = value
    forked = {share for _pid, _fd, share in children}
    pending.extend(share for share in range(1, workers) if share not in forked)
    _active = False
    for share in sorted(pending):  # a child that failed: its indices computed here, as without a pool
        for i in range(share, count, workers):
            results[i] = work(i)
    return results


def _fork_child(share: int, workers: int, count: int, work: Callable[[int], Any], pickle: Any) -> Optional[tuple[int, int, int]]:
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
    if pid == 0:  # the child: compute its share, send it, and leave without running any cleanup
        status = 1
        try:
            os.close(read_fd)
            payload = pickle.dumps([work(i) for i in range(share, count, workers)], pickle.HIGHEST_PROTOCOL)
            _write_all(write_fd, _MAGIC + len(payload).to_bytes(8, "little") + payload)
            status = 0
        except BaseException:  # noqa: BLE001 - the parent recomputes this share and raises there
            status = 1
        finally:
            os._exit(status)
    os.close(write_fd)
    return pid, read_fd, share


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.close(fd)


def _collect(pid: int, fd: int, pickle: Any) -> Optional[list]:
    """The child's results, or None when it did not finish cleanly."""
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
    return value if type(value) is list else None


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
