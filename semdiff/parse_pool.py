"""Parse the files of a large change on every CPU.

Parsing and aligning one file is independent of every other file, and for a change of
hundreds of files it is most of a run. Workers are forked (Linux), so they inherit the
change set and the loaded backends instead of receiving them; each returns only its files'
results. Rules still run in the parent, on the merged results, in file order, so a report
is the same whichever way it was computed.

Files whose parses are all in the parse cache (semdiff.parse_cache) are not worth a worker:
`split_cached` picks them out first, in this process, and `map_files` computes them here
while the workers parse the rest; when every file hits, nothing is forked at all.

Workers take their next file themselves, from the head of a queue (largest first) whose
claim flags live in shared memory, and send each result back at once through their own pipe.
Once this process has nothing else to do it takes files from the tail of the queue (the
smallest) that no worker has started, and computes them itself. It would otherwise wait idle,
and a file computed here is never sent through a pipe (pickled in the worker, unpickled
here); with two CPUs and two workers this is what makes the pool faster than one process.

A worker that dies (a native parser crash, the memory limit) costs the file it was computing:
it is reported as not analysed, and the others go on. Nothing is forked from a
process that is itself a worker (audit pools, Dask workers): they are already parallel.
"""
from __future__ import annotations

import gc
import os
import sys
from typing import AbstractSet, Any, Callable, Optional, Sequence

MIN_FILES = 8  # below this, forking costs more than it saves
MAX_WORKERS = 8

_STATE: Optional[tuple[Sequence[Any], Callable[[Any], Any], Any]] = None


def _same(value: Any) -> Any:
    return value


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


HERE = -1  # the claim mark of this process; forked workers mark with their number, 1 and up
_PIPE_BYTES = 1 << 20  # room for whole results in the pipe: a worker's writer thread blocks less often


def _claim(claims: Any, index: int, who: int = HERE) -> bool:
    """Mark item `index` as being computed by `who`; False when another process has it.

    The flags live in memory shared by the forked workers, and say who computes what: a
    worker that dies leaves its mark on the item it was computing, which is how that item
    (and only that one) is known to be lost."""
    with claims.get_lock():
        if claims[index]:
            return False
        claims[index] = who
        return True


def _worker(who: int, conn: Any) -> None:
    """A forked worker: take the queued items in order that nobody has claimed, compute each
    and send it back at once.

    Workers take their own next item from the shared claims. A pool whose parent hands out
    the items (ProcessPoolExecutor) needs the parent's management thread to run between two
    items, and that thread waits for the interpreter lock while the parent parses too: at
    100k JavaScript lines on 2 CPUs the worker sat idle about 28 % of the pass.

    Results are pickled here and written by a thread of this worker, so a full pipe never
    stops the work: the parent may be busy for seconds before it reads (the API builds the
    call graphs between `start` and `results`)."""
    import queue
    import threading
    from multiprocessing.reduction import ForkingPickler

    _ignore_interrupts()
    assert _STATE is not None
    items, work, claims, order = _STATE
    outbox: "queue.SimpleQueue[Optional[bytes]]" = queue.SimpleQueue()
    broken = threading.Event()

    def post() -> None:
        while (message := outbox.get()) is not None:
            if broken.is_set():
                continue
            try:
                conn.send_bytes(message)
            except OSError:  # the parent is gone: nobody wants the rest
                broken.set()

    poster = threading.Thread(target=post, name="semdiff-parse-post", daemon=True)
    poster.start()
    for i in order:
        if broken.is_set():
            break
        if not _claim(claims, i, who):
            continue
        try:
            outcome: tuple[bool, Any] = (True, work(items[i]))
        except Exception as exc:  # noqa: BLE001 - raised again in the parent, as a future would
            outcome = (False, _portable(exc))
        try:
            outbox.put(bytes(ForkingPickler.dumps((i, outcome))))
        except Exception as exc:  # noqa: BLE001 - a result that cannot be pickled
            outbox.put(bytes(ForkingPickler.dumps((i, (False, _portable(exc))))))
    outbox.put(None)
    poster.join()
    conn.close()


def _ignore_interrupts() -> None:
    """Ctrl-C reaches every process of the terminal's group: the parent alone handles it (it
    ends the workers), instead of each worker printing its own KeyboardInterrupt."""
    import signal

    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):  # not this interpreter's main thread
        pass


def _portable(exc: BaseException) -> BaseException:
    """`exc` if it survives pickling, else a RuntimeError saying what it was."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__} in a parse worker: {exc}")


class _Crew:
    """The forked workers, each with the read end of its own pipe here."""

    def __init__(self, workers: int) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self.procs: list[Any] = []
        self.conns: dict[Any, int] = {}  # read end -> the worker's number
        try:
            for who in range(1, workers + 1):
                self._fork(context, who)
        except BaseException:
            self.stop(wait=False)
            raise

    def _fork(self, context: Any, who: int) -> None:
        # a new pipe per fork, its write end closed here at once: later workers never hold
        # an earlier worker's write end, so a worker's death is an end of file here
        r, w = context.Pipe(duplex=False)
        _widen(w)
        proc = context.Process(target=_worker, args=(who, w), daemon=True, name=f"semdiff-parse-{who}")
        try:
            proc.start()
        except BaseException:
            r.close()
            raise
        finally:
            w.close()
        self.procs.append(proc)
        self.conns[r] = who

    def receive(self, block: bool) -> list[tuple[int, Any]]:
        """Messages that have arrived (waiting for at least one when `block`), and a
        (-who, None) pair for each worker whose pipe has closed: it has exited or died."""
        from multiprocessing.connection import wait

        out: list[tuple[int, Any]] = []
        if not self.conns:
            return out
        for conn in wait(list(self.conns), None if block else 0):
            try:
                out.append(conn.recv())
            except (EOFError, OSError):
                out.append((-self.conns.pop(conn), None))
                conn.close()
        return out

    def stop(self, wait: bool) -> None:
        """Let the workers end (they find nothing left to claim) or, unless `wait`, end them;
        either way every process is reaped and every pipe closed."""
        if wait:
            while self.conns:
                self.receive(block=True)  # drained, or a worker blocked on a full pipe never ends
        for proc in self.procs:
            if not wait and proc.is_alive():
                proc.terminate()
            proc.join()
        for conn in self.conns:
            conn.close()
        self.conns.clear()


def _widen(conn: Any) -> None:
    """Give a worker's pipe room for a whole file's result (Linux; elsewhere the default)."""
    try:
        import fcntl

        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)  # type: ignore[attr-defined]
    except (ImportError, AttributeError, OSError):
        pass


def map_files(items: Sequence[Any], work: Callable[[Any], Any], workers: int, crashed: Callable[[Any], Any],
              local: AbstractSet[int] = frozenset(), here: Optional[Callable[[Any], Any]] = None,
              arrived: Optional[Callable[[Any], Any]] = None) -> list[Any]:
    """[work(item) for item in items], computed by `workers` processes, this one included.

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
                 local: AbstractSet[int], pool: Optional[_Crew] = None, order: Sequence[int] = (),
                 here: Optional[Callable[[Any], Any]] = None, arrived: Optional[Callable[[Any], Any]] = None) -> None:
        self.items, self.work, self.crashed, self.local = items, work, crashed, local
        self.pool, self.order = pool, order
        self.here = here or work
        self.arrived = arrived or _same
        self.done = False
        self.taken: frozenset[int] = frozenset()  # queued items this process computed itself
        # asked of every result as it is ready, while workers still run (pooled runs only): work
        # the caller would otherwise do after `results()` on one CPU
        self.meanwhile: Optional[Callable[[Any], None]] = None

    def results(self) -> list[Any]:
        """Each item's result, in item order (once; a second call is an error)."""
        global _STATE
        assert not self.done, "results() of a pending parse asked twice"
        self.done = True
        if self.pool is None:
            return [self.here(item) for item in self.items]
        results: list[Any] = [None] * len(self.items)
        finished = False
        paused = gc.isenabled()
        if paused:
            gc.disable()  # see _keep
        try:
            missing = set(self.order)
            for i in sorted(self.local):
                results[i] = self._here(i)
                self._collect(False, results, missing)
            self.taken = self._work_and_collect(results, missing)
            finished = True
        finally:
            if not finished:
                self._claim_rest()
            self.pool.stop(wait=finished)
            _STATE = None
            if paused:
                _keep()
                gc.enable()
        return results

    def _work_and_collect(self, results: list[Any], missing: set[int]) -> frozenset[int]:
        """Compute here, from the tail of the queue, every item no worker has started yet, and
        collect the workers' results (through `arrived`) as they come in between those items
        and afterwards.

        Workers take items in the order they were queued, so the first one that can no longer
        be claimed (a worker has it, or has finished it) means every one before it is taken
        too. Collecting between items keeps this process's part of the workers' results
        (decoding them) from all landing at the end, after the workers are done."""
        assert _STATE is not None
        claims = _STATE[2]
        taken: set[int] = set()
        for i in reversed(self.order):
            if not _claim(claims, i):
                break
            results[i] = self._here(i)
            taken.add(i)
            missing.discard(i)
            self._collect(False, results, missing)
        while missing:
            self._collect(True, results, missing)
        return frozenset(taken)

    def _collect(self, block: bool, results: list[Any], missing: set[int]) -> None:
        """Take in what the workers sent; when every worker is gone, what is still missing was
        lost with a worker that died (`crashed`), or never claimed, and is computed here."""
        assert self.pool is not None and _STATE is not None
        for i, message in self.pool.receive(block):
            if i >= 0:
                ok, value = message
                if not ok:
                    raise value
                results[i] = self.arrived(value)
                missing.discard(i)
                if self.meanwhile is not None:
                    self.meanwhile(results[i])
        if block and not self.pool.conns and missing:
            claims = _STATE[2]
            for i in sorted(missing):
                results[i] = self.crashed(self.items[i]) if not _claim(claims, i) else self._here(i)
            missing.clear()

    def _here(self, i: int) -> Any:
        result = self.here(self.items[i])
        if self.meanwhile is not None:
            self.meanwhile(result)
        return result

    def _claim_rest(self) -> None:
        assert _STATE is not None
        claims = _STATE[2]
        for i in self.order:
            _claim(claims, i)

    def cancel(self) -> None:
        """Stop the workers without collecting (the run failed before it needed them)."""
        global _STATE
        if self.done:
            return
        self.done = True
        if self.pool is not None:
            self._claim_rest()  # they finish the item in hand and find nothing more
            self.pool.stop(wait=True)
            _STATE = None


def _keep() -> None:
    """Put every object the cycle collector tracks in its oldest generation, unscanned.

    The results collected here (a ParsedFile or a file's unit changes each: tuples, strings
    and frozen dataclasses, acyclic) live as long as the run that asked for them, and there
    are millions of them for a large change: left in the youngest generation, each
    collection while they come in scans all the young ones -- 0.2-0.3 s of this process's
    CPU for 100k lines of JavaScript, ~10 % of its share of the parse, to find no garbage.
    So the collector is paused while they come in (parse() pauses it per file already) and
    then they are moved to the oldest generation, which is scanned only by the rare full
    collections: `gc.freeze()` moves everything tracked out of the collector's reach and
    `gc.unfreeze()` puts it all back in the oldest generation, neither scanning anything.
    Cyclic garbage made meanwhile is still collected, by the next full collection.

    In a process that keeps objects frozen itself (the command's, semdiff.cli._tune_gc:
    what lives as long as the process is frozen out of the collector's scans), unfreezing
    would hand those back to the collector: the results stay frozen with them instead.
    They are still freed by reference counting when the run drops them; only a garbage
    cycle made while they came in would outlive the run (the parse makes none)."""
    frozen = gc.get_freeze_count()
    gc.freeze()
    if not frozen:
        gc.unfreeze()


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

    # largest first, so no worker is left with one big file at the end
    order = sorted(remote, key=lambda i: -_size(items[i]))
    _STATE = (items, work, multiprocessing.get_context("fork").Array("b", len(items)), order)
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
    except BaseException:
        _STATE = None
        raise
    finally:
        if freeze:
            gc.unfreeze()  # here they are ordinary objects again
    return Pending(items, work, crashed, local, pool, order, here, arrived)


def _executor(workers: int) -> _Crew:
    return _Crew(workers)


def _size(item: Any) -> int:
    return len(getattr(item, "old_text", None) or "") + len(getattr(item, "new_text", None) or "")
