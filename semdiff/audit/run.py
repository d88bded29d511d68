"""An audit as a library call: plan the commits, skip the done ones, run, stream records."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Optional

from semdiff.audit.commits import CommitTask, enumerate_commits
from semdiff.audit.jsonl import RecordKey


@dataclass(frozen=True)
class AuditOptions:
    rev_range: Optional[str] = None  # A..B or a revision (its whole history); default HEAD
    since: Optional[str] = None
    until: Optional[str] = None
    paths: tuple[str, ...] = ()
    all_parents: bool = False
    jobs: int = 1
    scheduler: Optional[str] = None  # None = local; "local" = Dask LocalCluster; else a Dask address


def plan_audit(repo: str, options: AuditOptions, done: frozenset[RecordKey] = frozenset()) -> tuple[list[CommitTask], int]:
    """Tasks still to run, and how many commits of the range were already done."""
    tasks = enumerate_commits(
        repo, options.rev_range, since=options.since, until=options.until,
        paths=options.paths, all_parents=options.all_parents,
    )
    todo = [t for t in tasks if t.key not in done]
    return todo, len(tasks) - len(todo)


def run_audit(tasks: list[CommitTask], options: AuditOptions) -> Iterator[dict[str, Any]]:
    """Records of `tasks`, in completion order, from the runner the options choose."""
    if options.scheduler:
        from semdiff.audit.dask_runner import run_distributed

        return run_distributed(tasks, options.scheduler, options.jobs)
    from semdiff.audit.runners import run_local

    return run_local(tasks, options.jobs)
