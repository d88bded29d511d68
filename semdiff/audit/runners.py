"""Where the per-commit tasks run: in this process, or on a local process pool.

No extra service is needed for either. The pool keeps only a bounded window of tasks in
flight, so a history of 100,000 commits costs no more memory than a short one, and yields
records as they complete (the JSONL stream is in completion order; the final report sorts).
Workers start from a fork server with semdiff already imported, so a worker is cheap to start
and no thread of the parent (such as the progress bar's) is ever forked.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Iterable, Iterator

from semdiff.audit.commits import CommitTask
from semdiff.audit.task import analyse_commit

_WINDOW_PER_WORKER = 4


def run_in_process(tasks: Iterable[CommitTask]) -> Iterator[dict[str, Any]]:
    for task in tasks:
        yield analyse_commit(task)


def _pool_context() -> Any:
    try:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["semdiff.audit.task", "semdiff.api", "semdiff.pipeline"])
        return ctx
    except ValueError:  # platforms without a fork server
        return multiprocessing.get_context("spawn")


def run_on_pool(tasks: Iterable[CommitTask], jobs: int) -> Iterator[dict[str, Any]]:
    """Run tasks on `jobs` worker processes; yields each record as soon as it is done."""
    pending: set[Future[dict[str, Any]]] = set()
    queue = iter(tasks)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_pool_context()) as pool:
        for task in queue:
            pending.add(pool.submit(analyse_commit, task))
            if len(pending) >= jobs * _WINDOW_PER_WORKER:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
                nxt = next(queue, None)
                if nxt is not None:
                    pending.add(pool.submit(analyse_commit, nxt))


def run_local(tasks: Iterable[CommitTask], jobs: int) -> Iterator[dict[str, Any]]:
    return run_in_process(tasks) if jobs <= 1 else run_on_pool(tasks, jobs)
