"""The same per-commit tasks on a Dask distributed cluster (the `semdiff[distributed]` extra).

Dask does the scheduling; semdiff only maps `analyse_commit` over the tasks and collects the
records as they complete. Workers must see the repository at the same path as the client (a
shared filesystem or the same checkout on every host), because a task carries the path, not
the objects. A `LocalCluster` can be asked for when there is no scheduler to connect to.
"""
from __future__ import annotations

from contextlib import ExitStack
from typing import Any, Iterable, Iterator

from semdiff.audit.commits import CommitTask
from semdiff.audit.task import analyse_commit
from semdiff.errors import InputError

LOCAL = "local"


def dask_available() -> bool:
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        return False
    return True


def run_on_dask(
    tasks: Iterable[CommitTask],
    scheduler: str,
    *,
    local_workers: int = 1,
    local_processes: bool = True,
    timeout: float = 60.0,
) -> Iterator[dict[str, Any]]:
    """Run tasks on the scheduler at `scheduler` (`tcp://host:8786`) or on a new LocalCluster
    (`scheduler == "local"`, `local_workers` single-threaded workers); yields records as done."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:
        raise InputError("--scheduler needs the distributed extra: pip install 'semdiff[distributed]'") from exc
    items = list(tasks)
    with ExitStack() as stack:
        if scheduler == LOCAL:
            cluster = stack.enter_context(LocalCluster(
                n_workers=max(1, local_workers), threads_per_worker=1, processes=local_processes,
                protocol="tcp://", host="127.0.0.1", dashboard_address=None, silence_logs=40,
            ))
            client = stack.enter_context(Client(cluster, timeout=timeout))
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout=timeout))
            except OSError as exc:
                raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        if not items:
            return
        futures = client.map(analyse_commit, items, pure=False)
        for fut in as_completed(futures):
            yield fut.result()
            fut.release()


def run_distributed(tasks: Iterable[CommitTask], scheduler: str, jobs: int) -> Iterator[dict[str, Any]]:
    return run_on_dask(tasks, scheduler, local_workers=jobs)


__all__ = ["LOCAL", "dask_available", "run_distributed", "run_on_dask"]
