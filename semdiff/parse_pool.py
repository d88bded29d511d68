"""Parse the files of a large change on every CPU.

Parsing and aligning one file is independent of every other file, and for a change of
hundreds of files it is most of a run. Workers are forked (Linux), so they inherit the
change set and the loaded backends instead of receiving them; each returns only its files'
results. Rules still run in the parent, on the merged results, in file order, so a report
is the same whichever way it was computed.

Files whose parses are all in the parse cache (semdiff.parse_cache) are not worth a worker:
`split_cached` picks them out first, in this process, and `map_files` computes them here
while the workers parse the rest; when every file hits, nothing is forked at all.

Once this process has nothing else to do it takes files from the tail of the workers' queue
(the smallest: files are queued largest first) that no worker has started, and computes them
itself. It would otherwise wait idle, and a file computed here is never sent through a pipe
(encoded, pickled, decoded), which is a fifth of a file's parse cost; with two CPUs and two
workers this is what makes the pool faster than one process.

A worker that dies (a native parser crash, the memory limit) costs the files it had not
returned: they are reported as not analysed, and the run goes on. Nothing is forked from a
process that is itself a worker (audit pools, Dask workers): they are already parallel.
"""
from __future__ import annotations

import gc
import os
import sys
from collections import deque
from typing import AbstractSet, Any, Callable, Optional, Sequence

MIN_FILES = 8  # below this, forking costs more than it saves
MAX_WORKERS = 8

_STATE: Optional[tuple[Sequence[Any], Callable[[Any], Any], Any]] = None


def _same(value: Any) -> Any:
    return value


class _Taken:
    """A worker's answer for an item this process claimed first (and computed itself)."""


def workers_for(count: int, jobs: int = 0) -> int:
    """How many processes to use for `count` files, this one included; 1 means run in this
    process alone."""
    if jobs == 1 or count < MIN_FILES:
        return 1
    if sys.platform == "win32":  # no fork start method (multiprocessing.get_all_start_methods)
        return 1
    # multiprocessing (and concurrent.futures) cost ~50 ms to import, so they are imported
    # only to fork; a process that never imported multiprocessing is no multiprocessing worker
    mp = sys.modules.get("multiprocessing")
    me = mp.current_process() if mp is not None else None
    if me is not None and (me.daemon or me.name != "MainProcess"):
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    limit = jobs if jobs > 1 else cpus
    return max(1, min(limit, MAX_WORKERS, count // 2))


def split_cached(items: Sequence[Any], cached: Callable[[Any], bool], jobs: int = 0) -> frozenset[int]:
    """Indices of the items `cached` says are cheap, asked only when a pool would be used
    (in a single process every item is computed here anyway).

    Asking costs something in this process (the focus step, reading entries), so when the
    first MIN_FILES items all miss the cache is taken to be cold and the rest are not asked:
    a cold run keeps its old parallel cost."""
    if workers_for(len(items), jobs) <= 1:
        return frozenset()
    hits: set[int] = set()
    for i, item in enumerate(items):
        if i == MIN_FILES and not hits:
            break
        if cached(item):
            hits.add(i)
    return frozenset(hits)


def _run(index: int) -> Any:
    assert _STATE is not None
    items, work, claims = _STATE
    if not _claim(claims, index):
        return _Taken()
    return work(items[index])


def _claim(claims: Any, index: int) -> bool:
    """Mark item `index` as being computed by the caller; False when another process has it.

    The flags live in memory shared by the forked workers. Futures are not cancelled instead:
    on Python 3.11 a worker dying after a cancel kills the executor's own thread (it sets an
    exception on the cancelled future), leaving the other workers alive and `shutdown` waiting
    for them forever."""
    with claims.get_lock():
        if claims[index]:
            return False
        claims[index] = 1
        return True


def map_files(items: Sequence[Any], work: Callable[[Any], Any], workers: int, crashed: Callable[[Any], Any],
              local: AbstractSet[int] = frozenset(), here: Optional[Callable[[Any], Any]] = None,
              arrived: Optional[Callable[[Any], Any]] = None) -> list[Any]:
    """[work(item) for item in items], computed by `workers` forked processes and this one.

    Items whose index is in `local` are computed in this process (while the workers run), and
    so are the queued items no worker has started once it is done with those. `crashed(item)`
    stands in for the result of an item whose worker died. `here` is how this process computes
    an item (default `work`) and `arrived` what it does with a worker's result when it comes
    in (default: nothing): a caller whose workers encode their results for the trip back skips
    that for the items that never make it, and decodes the others while workers still run."""
    return start(items, work, workers, crashed, local, here, arrived).results()


class Pending:
    """Files handed to forked workers that are parsing them now; `results()` collects them.

    Between `start` and `results` this process is free for other work: the API builds the
    repository call graphs (a few seconds on a large repository, cold) while the workers parse,
    instead of before they start."""

    def __init__(self, items: Sequence[Any], work: Callable[[Any], Any], crashed: Callable[[Any], Any],
                 local: AbstractSet[int], pool: Any = None, futures: Optional[dict[int, Any]] = None,
                 here: Optional[Callable[[Any], Any]] = None, arrived: Optional[Callable[[Any], Any]] = None) -> None:
        self.items, self.work, self.crashed, self.local = items, work, crashed, local
        self.pool, self.futures = pool, futures
        self.here = here or work
        self.arrived = arrived or _same
        self.done = False
        self.taken: frozenset[int] = frozenset()  # queued items this process computed itself

    def results(self) -> list[Any]:
        """Each item's result, in item order (once; a second call is an error)."""
        global _STATE
        assert not self.done, "results() of a pending parse asked twice"
        self.done = True
        if self.pool is None or self.futures is None:
            return [self.here(item) for item in self.items]
        results: list[Any] = [None] * len(self.items)
        try:
            for i in sorted(self.local):
                results[i] = self.here(self.items[i])
            self.taken = self._work_and_collect(results)
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
            _STATE = None
        return results

    def _work_and_collect(self, results: list[Any]) -> frozenset[int]:
        """Compute here, from the tail of the queue, every item no worker has started yet, and
        collect the workers' results (through `arrived`) as they come in between those items
        and afterwards.

        Workers take items in the order they were queued, so the first one that can no longer
        be claimed (a worker has it, or has finished it) means every one before it is taken
        too. A claimed item is this process's alone: its worker answers `_Taken` at once.
        Collecting between items keeps this process's part of the workers' results (decoding
        them) from all landing at the end, after the workers are done."""
        assert self.futures is not None and _STATE is not None
        claims = _STATE[2]
        futures = self.futures
        queued = deque(futures)  # workers finish roughly in this order
        taken: set[int] = set()
        for i in reversed(list(futures)):
            if not _claim(claims, i):
                break
            results[i] = self.here(self.items[i])
            taken.add(i)
            while queued and futures[queued[0]].done():
                self._collect(queued.popleft(), results, taken)
        for i in queued:
            self._collect(i, results, taken)
        return frozenset(taken)

    def _collect(self, i: int, results: list[Any], taken: AbstractSet[int]) -> None:
        from concurrent.futures.process import BrokenProcessPool

        if i in taken:
            return  # computed here; its worker only said so (or died meanwhile)
        assert self.futures is not None
        try:
            results[i] = self.arrived(self.futures[i].result())
        except BrokenProcessPool:
            results[i] = self.crashed(self.items[i])

    def cancel(self) -> None:
        """Stop the workers without collecting (the run failed before it needed them)."""
        global _STATE
        if self.done:
            return
        self.done = True
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            _STATE = None


def start(items: Sequence[Any], work: Callable[[Any], Any], workers: int, crashed: Callable[[Any], Any],
          local: AbstractSet[int] = frozenset(), here: Optional[Callable[[Any], Any]] = None,
          arrived: Optional[Callable[[Any], Any]] = None) -> Pending:
    """Fork `workers - 1` processes and queue every item not in `local` for them; collect with
    `.results()`, where this process is the last worker (it takes what none has started).

    With one worker, nothing remote, or another pool of this module still open in this
    process, nothing is forked and `results()` computes every item here."""
    global _STATE
    remote = [i for i in range(len(items)) if i not in local]
    if workers <= 1 or not remote or _STATE is not None:
        return Pending(items, work, crashed, local, here=here, arrived=arrived)
    import multiprocessing

    _STATE = (items, work, multiprocessing.get_context("fork").Array("b", len(items)))
    # what this process holds at the fork is frozen out of the workers' garbage collections:
    # their full collections (libcst builds hundreds of thousands of nodes per file) no longer
    # walk every inherited object, nor write to those objects' pages (-6% worker CPU)
    freeze = gc.get_freeze_count() == 0 and gc.isenabled()
    if freeze:
        gc.freeze()
    try:
        # this process is a worker too once it collects, and the files it parses never cross a
        # pipe: one fork fewer than the processes asked for (callgrind, 6000 JavaScript lines on
        # 2 CPUs: 1900M in all against 2049M with a fork per CPU)
        pool = _executor(workers - 1)
        try:
            # largest first, so no worker is left with one big file at the end
            order = sorted(remote, key=lambda i: -_size(items[i]))
            futures = {i: pool.submit(_run, i) for i in order}  # the first submit forks every worker
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            _STATE = None
            raise
    finally:
        if freeze:
            gc.unfreeze()  # here they are ordinary objects again
    return Pending(items, work, crashed, local, pool, futures, here, arrived)


def _executor(workers: int) -> Any:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))


def _size(item: Any) -> int:
    return len(getattr(item, "old_text", None) or "") + len(getattr(item, "new_text", None) or "")
