"""Which commits an audit analyses, and against which parent.

One `git log` lists the commits of the range (oldest first) with their parents, author date and
full message. First-parent is the default, because on a merge-based history the first-parent
chain is the list of merged changes: each merge commit is then analysed against the mainline
before it, i.e. as the whole merged change. `all_parents` instead analyses every commit of the
range, and a merge once against each of its parents.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from semdiff.errors import InputError
from semdiff.source import git

_FIELD = "\x1f"
_RECORD = "\x1e"


@dataclass(frozen=True)
class CommitTask:
    """One unit of audit work: `sha` against `parent` (None for a root commit).

    Plain strings only, so a task pickles cheaply to a pool process or a Dask worker.
    """

    repo: str
    sha: str
    parent: Optional[str]
    date: str  # author date, ISO 8601
    subject: str
    message: str  # full commit message: the stated purpose of the change
    paths: tuple[str, ...] = ()  # glob filters (--paths); empty = every file

    @property
    def key(self) -> tuple[str, str]:
        """Identity in the output, so --resume can skip what is already there."""
        return (self.sha, self.parent or "")

    @property
    def revision(self) -> str:
        return f"{self.parent}..{self.sha}" if self.parent else self.sha


def _pathspecs(paths: Sequence[str]) -> list[str]:
    return [f":(glob){p}" for p in paths]


def enumerate_commits(
    repo: str,
    rev_range: Optional[str] = None,
    *,
    since: Optional[str] = None,
    until: Optional[str] = None,
    paths: Sequence[str] = (),
    all_parents: bool = False,
) -> list[CommitTask]:
    """The commits of `rev_range` (default: HEAD's history), oldest first, as tasks.

    `since`/`until` take anything `git log --since` accepts; `paths` are glob patterns
    (`src/**/*.py`), and keep only commits that touch a matching file.
    Raises InputError for a bad range or a path that is not a repository.
    """
    repository = git.open_repository(repo)
    rev = (rev_range or "HEAD").strip()
    git.refuse_option_like(rev)
    if "..." in rev:
        raise InputError(f"audit takes A..B or a single revision, not a symmetric range: {rev!r}")
    for end in [part for part in rev.split("..") if part] or ["HEAD"]:
        git.require_commit(repository, end)
    args = ["log", "--no-color", "--no-decorate", "--encoding=UTF-8", "--reverse", "-z",
            f"--format=%H{_FIELD}%P{_FIELD}%aI{_FIELD}%s{_FIELD}%B{_RECORD}"]
    if not all_parents:
        args.append("--first-parent")
    if since:
        args.append(f"--since={since}")
    if until:
        args.append(f"--until={until}")
    args += ["--end-of-options", rev, "--", *_pathspecs(paths)]
    out = git.run_git(repository.root, args).stdout.decode("utf-8", errors="replace")
    tasks: list[CommitTask] = []
    for record in out.split(_RECORD):
        record = record.strip("\0\n")
        if not record:
            continue
        fields = record.split(_FIELD)
        if len(fields) < 5:
            continue
        sha, parents, date, subject, message = fields[0], fields[1].split(), fields[2], fields[3], fields[4]
        chosen: list[Optional[str]] = list(parents) if all_parents else parents[:1]
        for parent in chosen or [None]:
            tasks.append(CommitTask(repository.root, sha, parent, date, subject, message.strip(), tuple(paths)))
    return tasks
