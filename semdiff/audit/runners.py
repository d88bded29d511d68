"""Where the per-commit tasks run: in this process, or on a local process pool.

No extra service is needed for either. The pool keeps only a bounded window of tasks in
flight, so a history of 100,000 commits costs no more memory than a short one, and yields
records as they complete (the JSONL stream is in completion order; the final report sorts).
Workers start from a fork server with semdiff already imported, so a worker is cheap to start
and no thread of the parent (such as the progress bar's) is ever forked.

A worker that dies (a native crash on hostile input, the OOM killer) breaks the whole pool and
fails every task in flight. The pool is then rebuilt; the tasks that were in flight are re-run
one at a time in a pool of their own, so only the commit that kills its worker again gets an
error record, and the audit goes on.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator

from semdiff.audit.commits import CommitTask
from semdiff.audit.task import analyse_commit, record_for

_WINDOW_PER_WORKER = 4
WORKER_DIED = "internal error: the worker process died while analysing this commit"


def run_in_process(tasks: Iterable[CommitTask]) -> Iterator[dict[str, Any]]:
    for task in tasks:
        yield analyse_commit(task)


def _pool_context() -> Any:
    try:
        ctx = multiprocessing.get_context("forkserver")
        # the Python backend (libcst) is imported lazily by the CLI; workers parse, so preload it
        ctx.set_forkserver_preload(["semdiff.audit.task", "semdiff.api", "semdiff.pipeline", "semdiff.lang.python_cst"])
        return ctx
    except ValueError:  # platforms without a fork server
        return multiprocessing.get_context("spawn")


Task = Callable[[CommitTask], dict[str, Any]]


def _alone(task: CommitTask, fn: Task) -> dict[str, Any]:
    """Run one task in a pool of its own: a crash now is this task's own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=_pool_context()) as pool:
        try:
            return pool.submit(fn, task).result()
        except BrokenProcessPool:
            return record_for(task, None, 0.0, WORKER_DIED)


def run_on_pool(tasks: Iterable[CommitTask], jobs: int, fn: Task = analyse_commit) -> Iterator[dict[str, Any]]:
    """Run `fn` (a top-level function, default `analyse_commit`) over tasks on `jobs` worker
    processes; yields each record as soon as it is done."""
    queue = iter(tasks)
    while True:
        suspects: list[CommitTask] = []
        with ProcessPoolExecutor(max_workers=jobs, mp_context=_pool_context()) as pool:
            pending: dict[Future[dict[str, Any]], CommitTask] = {}

            def submit() -> bool:
                task = next(queue, None)
                if task is None:
                    return False
                try:
                    pending[pool.submit(fn, task)] = task
                except BrokenProcessPool:
                    suspects.append(task)
                    return False
                return True

            while len(pending) < jobs * _WINDOW_PER_WORKER and submit():
                pass
            while pending and not suspects:
                done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                for fut in done:
                    task = pending.pop(fut)
                    try:
                        record = fut.result()
                    except BrokenProcessPool:
                        suspects.append(task)
                        continue
                    yield record
                    if not suspects:
                        submit()
            if suspects:  # the pool is broken: everything still in flight failed with it
                suspects.extend(pending.values())
        if not suspects:
            return
        for task in suspects:
            yield _alone(task, fn)


def run_local(tasks: Iterable[CommitTask], jobs: int) -> Iterator[dict[str, Any]]:
    return run_in_process(tasks) if jobs <= 1 else run_on_pool(tasks, jobs)
