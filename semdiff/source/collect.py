"""Stage 1 entry point: a `ChangeRequest` -> a `ChangeSet`.

Git inputs are read with a fixed number of processes whatever the size of the change: one
`git diff --raw -z -p` for statuses, blob ids and hunks (two calls, raw then patch, when
that one fails), and `cat-file --batch-check` + `--batch` for the blobs. Full texts always come from blobs, except
the new side of the working-tree comparison, which is read from disk by `worktree`.
"""
from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, replace
from typing import Callable, Optional

from semdiff.errors import InputError
from semdiff.model import ChangeSet, ChangeStatus, Commit, FileChange, Hunk, NotAnalyzed
from semdiff.source import git
from semdiff.source.diffparse import changes_from_diff, git_hunks, hunks_of, parse_segment, segment_info, split_segments
from semdiff.source.paths import display_path, unsafe_reason
from semdiff.source.rawdiff import ABSENT_MODE, GITLINK_MODE, SYMLINK_MODE, RawEntry, parse_raw
from semdiff.source.request import ChangeRequest
from semdiff.source.textdecode import binary_detail, decode_source
from semdiff.source.textpairs import hunks_between
from semdiff.source.worktree import read_checked_out

# Reasons that hide code a reviewer may need: CI fails closed on these.
_RELEVANT_REASONS = frozenset({"invalid-utf8", "too-large", "lfs-pointer", "unsafe-path", "missing-object", "unreadable"})
# A checked-out code file swapped for a FIFO, a device or a symlink: the code at that path is
# unknown, so these hide code a reviewer needs when the path is code (a README symlink does not).
_CODE_RELEVANT_REASONS = frozenset({"not-a-file", "symlink"})


def collect_changes(request: ChangeRequest) -> ChangeSet:
    chosen = [name for name, on in (
        ("revision", request.revision is not None), ("staged", request.staged),
        ("diff_path", request.diff_path is not None), ("diff_text", request.diff_text is not None),
    ) if on]
    if len(chosen) > 1:
        raise InputError(f"choose one input, not {' and '.join(chosen)}: a revision range, --staged, or a diff")
    if request.diff_text is not None:
        return _from_diff(request.diff_text, "diff")
    if request.diff_path is not None:
        return _from_diff(_read_diff(request.diff_path), "stdin" if request.diff_path == "-" else request.diff_path)
    if request.revision is not None:
        repo, plan = _open_revision(request.repo, request.revision)
        return _collect_git(repo, plan, request.max_file_bytes)
    repo = git.open_repository(request.repo)
    if repo.bare:
        raise InputError(f"{repo.root} is a bare repository with no working tree or index; pass a revision range")
    head = git.resolve_commit(repo, "HEAD")
    base = head or git.empty_tree(repo)
    if request.staged:
        plan = _Plan(base=base, head=None, endpoints=git.diff_args(base, None, cached=True),
                     description="staged changes (index vs HEAD)", base_commit=head)
    else:
        plan = _Plan(base=base, head=None, endpoints=git.diff_args(base, None, cached=False),
                     description="working tree vs HEAD", base_commit=head, worktree=True)
    return _collect_git(repo, plan, request.max_file_bytes)


def read_ahead(request: ChangeRequest, report_ids: bool = False) -> None:
    """Run the git commands `collect_changes(request)` will run for a revision, in the same
    order, and nothing else (no patch parsing, no decoding): the command calls this on a
    read-ahead thread (semdiff.source.git.read_ahead), whose answers the analysis then takes.
    `report_ids`: ask first what the report cache keys the analysis by (git.revision_ids).
    Errors end it quietly: the analysis meets them again when it asks."""
    if request.revision is None:
        return
    if report_ids:
        git.revision_ids(request.repo, request.revision)
    repo, plan = _open_revision(request.repo, request.revision)
    try:
        _git_inputs(repo, plan, request.max_file_bytes)
    finally:
        if plan.pending_commits is not None:
            plan.pending_commits()


# -- what to compare -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Plan:
    base: str  # commit or tree to diff from
    head: Optional[str]  # commit to diff to; None = index or working tree
    endpoints: list
    description: str
    base_commit: Optional[str] = None
    commits: tuple[Commit, ...] = ()
    worktree: bool = False
    # the range's commits, when `git log` is still running beside the diff (`_in_background`)
    pending_commits: Optional[Callable[[], tuple[Commit, ...]]] = None


def _in_background(fn: Callable[[], tuple[Commit, ...]]) -> Callable[[], tuple[Commit, ...]]:
    """Start `fn` (a `git log`) on a thread and return what waits for its answer (or raises
    its error). The log's process runs while this thread asks git for the diff and the blobs:
    the commits are only needed for the ChangeSet, after both."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits
            box["error"] = exc

    thread = threading.Thread(target=git.in_context(run), name="semdiff-git-log", daemon=True)
    thread.start()

    def wait() -> tuple[Commit, ...]:
        thread.join()
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return box["value"]  # type: ignore[return-value]

    return wait


def _open_revision(path: str, revision: str) -> tuple[git.Repository, "_Plan"]:
    ends = _range_ends(revision)
    if ends is None:
        repo, resolved = git.open_repository(path), None
    else:
        repo, resolved = git.open_with_commits(path, ends)
    return repo, _plan_revision(repo, revision, resolved)


def _range_ends(revision: str) -> Optional[list[str]]:
    """The two commits `_plan_revision` resolves first for an A..B or A...B range (resolved
    with the repository itself, in one git call), or None for anything else."""
    names = git.range_names(revision)
    return names if names is not None and len(names) == 2 else None


def _plan_revision(repo: git.Repository, revision: str, resolved: Optional[list[str]] = None) -> _Plan:
    """`resolved`: the commits of `_range_ends(revision)`, when already resolved."""
    rev = revision.strip()
    if not rev:
        raise InputError("empty revision: pass a range such as main..feature or a commit")
    git.refuse_option_like(rev)
    if "..." in rev:
        left, right = rev.split("...", 1)
        a, b = resolved or git.require_commits(repo, [left or "HEAD", right or "HEAD"])
        base = git.merge_base(repo, a, b)
        commits = _in_background(lambda: git.log_commits(repo, [f"{base}..{b}"]))
        return _Plan(base, b, git.diff_args(base, b, False), revision, base, pending_commits=commits)
    if ".." in rev:
        left, right = rev.split("..", 1)
        a, b = resolved or git.require_commits(repo, [left or "HEAD", right or "HEAD"])
        commits = _in_background(lambda: git.log_commits(repo, [f"{a}..{b}"]))
        return _Plan(a, b, git.diff_args(a, b, False), revision, a, pending_commits=commits)
    sha = git.require_commit(repo, rev)
    parent = git.first_parent(repo, sha)
    base = parent or git.empty_tree(repo)
    commits = _in_background(lambda: git.log_commits(repo, ["--no-walk", sha]))
    return _Plan(base, sha, git.diff_args(base, sha, False), revision, parent, pending_commits=commits)


# -- git diff -> FileChanges -----------------------------------------------------------------

@dataclass(frozen=True)
class _PatchFile:
    hunks: tuple[Hunk, ...]
    binary: bool


def _patch_files(patch: bytes) -> dict[str, _PatchFile]:
    """Hunks per destination path; a segment unidiff cannot read is left out (recomputed later)."""
    out: dict[str, _PatchFile] = {}
    for segment in split_segments(patch.decode("utf-8", errors="surrogateescape")):
        info = segment_info(segment)
        hunks = git_hunks(segment)  # the plain shape git writes, read directly
        if hunks is None:
            try:
                hunks = hunks_of(parse_segment(segment))
            except Exception:  # noqa: BLE001 - a bad segment only loses git's hunks for that file
                continue
        out[info.key] = _PatchFile(hunks, info.binary)
    return out


@dataclass(frozen=True)
class _Side:
    text: Optional[str] = None
    data: Optional[bytes] = None
    reason: str = ""
    detail: str = ""
    lone_cr: bool = False


def _collect_git(repo: git.Repository, plan: _Plan, max_bytes: int) -> ChangeSet:
    """The change set of `plan`. A `git log` still running (plan.pending_commits) is waited
    for whatever happens, and its error wins, as when it ran before the diff."""
    try:
        files, skipped = _collect_git_files(repo, plan, max_bytes)
    except BaseException:
        if plan.pending_commits is not None:
            plan.pending_commits()  # raises the log's own error, if it had one
        raise
    commits = plan.pending_commits() if plan.pending_commits is not None else plan.commits
    return ChangeSet(
        files=files, base=plan.base_commit, head=plan.head, commits=commits,
        repo_root=repo.root, description=plan.description, not_analyzed=skipped,
    )


def _collect_git_files(repo: git.Repository, plan: _Plan, max_bytes: int) -> tuple[tuple[FileChange, ...], tuple[NotAnalyzed, ...]]:
    patch, usable, skipped, blobs = _git_inputs(repo, plan, max_bytes)
    patch_files = _patch_files(patch) if patch else {}
    files: list[FileChange] = []
    for entry in usable:
        change, notes = _file_change(repo, entry, blobs, patch_files.get(entry.key), max_bytes, plan.worktree)
        skipped.extend(notes)
        if change is not None:
            files.append(change)
    return tuple(files), tuple(skipped)


def _git_inputs(repo: git.Repository, plan: _Plan,
                max_bytes: int) -> tuple[bytes, list[RawEntry], list[NotAnalyzed], dict[str, "_Side"]]:
    """What git says about `plan`: the patch text (empty when nothing changed or git could
    not write it), the entries that can be used, the notes for those that cannot, and the
    blobs of the usable ones. Every git command of a change set is run here, in this order."""
    # clean/smudge filters convert between the working tree and the object store: a diff of
    # two commits reads only objects and never runs one, so the repository's filter drivers
    # are looked up (once, for both diffs) only when the index or working tree is an endpoint
    filters = git.filter_overrides(repo.root) if plan.head is None else {}
    both = git.diff_raw_and_patch(repo, plan.endpoints, filters)
    if both is not None:
        entries = parse_raw(both[0])
        patch = both[1] if entries else b""
    else:
        entries = parse_raw(git.diff_raw(repo, plan.endpoints, filters))
        patch = _patch_or_nothing(repo, plan.endpoints, filters) if entries else b""
    skipped: list[NotAnalyzed] = []
    usable: list[RawEntry] = []
    for entry in entries:
        bad = unsafe_reason(entry.old_path) or unsafe_reason(entry.new_path)
        if bad:
            skipped.append(NotAnalyzed(display_path(entry.key) or "<unknown>", "unsafe-path", bad, True))
        elif entry.letter in ("U", "X"):
            skipped.append(NotAnalyzed(entry.key, "unmerged" if entry.letter == "U" else "unknown-change",
                                       "resolve the merge conflict first", True))
        else:
            usable.append(entry)
    return patch, usable, skipped, _fetch_blobs(repo, usable, max_bytes, plan.worktree)


def _patch_or_nothing(repo: git.Repository, endpoints: list, filters: Optional[dict[str, str]] = None) -> bytes:
    """git's patch, or nothing when git cannot write it (a blob missing from a partial or
    damaged clone fails the whole call): hunks are then computed from the texts, and the
    blobs that are missing are reported per file as missing-object."""
    try:
        return git.diff_patch(repo, endpoints, filters)
    except InputError:
        return b""


def _not_code(entry: RawEntry) -> bool:
    return entry.has_mode(SYMLINK_MODE) or entry.has_mode(GITLINK_MODE)


def _symlink_became_file(entry: RawEntry) -> bool:
    return entry.letter == "T" and entry.old_mode == SYMLINK_MODE and entry.new_mode.startswith("100")


def _is_code(path: str) -> bool:
    from semdiff.lang.registry import backend_for

    return backend_for(path) is not None


def _type_change_note(entry: RawEntry, path: str) -> NotAnalyzed:
    """What a symlink or submodule entry hides, in words a reviewer can act on."""
    if entry.has_mode(GITLINK_MODE):
        ends = " -> ".join(s[:12] if s else "(none)" for s in (entry.old_sha, entry.new_sha))
        return NotAnalyzed(path, "submodule", f"submodule commit {ends}; the submodule's code is not analysed (review its own history)",
                           entry.old_mode.startswith("100") and entry.letter == "T")
    if entry.old_mode.startswith("100") and entry.letter == "T":
        return NotAnalyzed(path, "symlink", "a regular file replaced by a symlink; the link is never followed, so the code "
                           "that now stands at this path is not analysed", True)
    if _symlink_became_file(entry):
        # the code served at this path before came from wherever the link pointed: nothing to
        # compare the new file with, so a code file here fails closed like a file turned symlink
        return NotAnalyzed(path, "symlink", "before: a symlink (never followed), now a regular file; the code at this path "
                           "cannot be compared, not analysed", _is_code(path))
    if entry.letter == "M" and entry.old_mode == entry.new_mode == SYMLINK_MODE:
        # retargeting `auth.py -> auth_strict.py` to `auth_lax.py` swaps the code at a code path
        return NotAnalyzed(path, "symlink", "symlink retargeted; links are never followed, so the code now served at this "
                           "path is not compared", _is_code(path))
    return NotAnalyzed(path, "symlink", f"symlink entry ({entry.old_mode} -> {entry.new_mode}); never followed, not read as code", False)


def _fetch_blobs(repo: git.Repository, entries: list[RawEntry], max_bytes: int, worktree: bool) -> dict[str, _Side]:
    wanted: list[str] = []
    for entry in entries:
        if _not_code(entry):
            continue
        if entry.old_sha:
            wanted.append(entry.old_sha)
        if entry.new_sha and not (entry.letter == "M" and entry.new_sha == entry.old_sha):
            wanted.append(entry.new_sha)
    wanted = list(dict.fromkeys(wanted))
    sizes = git.blob_sizes(repo, wanted)
    small = {sha: size for sha, size in sizes.items() if size is not None and size <= max_bytes}
    contents = git.read_blobs(repo, small)
    sides: dict[str, _Side] = {}
    for sha in wanted:
        size = sizes.get(sha)
        if size is None or (sha in small and sha not in contents):
            sides[sha] = _Side(reason="missing-object", detail=f"blob {sha[:12]} is not in the repository (shallow or partial clone?)")
        elif size > max_bytes:
            sides[sha] = _Side(reason="too-large", detail=f"{size} bytes > limit {max_bytes}")
        else:
            sides[sha] = _Side(data=contents[sha])
    return sides


def _status_of(entry: RawEntry) -> ChangeStatus:
    if _not_code(entry) or entry.letter == "T":
        return ChangeStatus.TYPE_CHANGED
    return {
        "A": ChangeStatus.ADDED, "D": ChangeStatus.DELETED, "R": ChangeStatus.RENAMED, "C": ChangeStatus.COPIED,
    }.get(entry.letter, ChangeStatus.MODIFIED)


def _mode(mode: str) -> Optional[str]:
    return None if mode == ABSENT_MODE else mode


def _file_change(repo: git.Repository, entry: RawEntry, blobs: dict[str, _Side], patch: Optional[_PatchFile],
                 max_bytes: int, worktree: bool) -> tuple[Optional[FileChange], list[NotAnalyzed]]:
    status = _status_of(entry)
    base = FileChange(
        old_path=entry.old_path, new_path=entry.new_path, status=status,
        old_mode=_mode(entry.old_mode), new_mode=_mode(entry.new_mode),
        similarity=entry.score if status in (ChangeStatus.RENAMED, ChangeStatus.COPIED) else None,
        old_blob=entry.old_sha or None, new_blob=entry.new_sha or None,
    )
    if status is ChangeStatus.TYPE_CHANGED:
        return base, [_type_change_note(entry, base.path)]
    old = blobs.get(entry.old_sha, _Side()) if entry.old_path is not None and entry.old_sha else _Side()
    if entry.new_path is None:
        new = _Side()
    elif worktree and not entry.new_sha:
        disk = read_checked_out(repo.root, entry.new_path, max_bytes)
        new = _Side(data=disk.data, reason=disk.reason, detail=disk.detail)
    elif entry.new_sha == entry.old_sha and entry.letter == "M":
        new = old
    else:
        new = blobs.get(entry.new_sha, _Side(reason="missing-object", detail="no blob id"))
    if status is ChangeStatus.MODIFIED and old.data is not None and new.data is not None and old.data == new.data:
        if entry.old_mode == entry.new_mode:
            return None, []  # stat-dirty working-tree file with no real change
        return replace(base, status=ChangeStatus.MODE_CHANGED), []
    if any(side.data is not None and b"\0" in side.data for side in (old, new)) or (patch and patch.binary and _undecided(old, new)):
        wide = next((binary_detail(side.data) for side in (new, old) if side.data is not None and b"\0" in side.data), "contains NUL bytes")
        return replace(base, status=ChangeStatus.BINARY), [NotAnalyzed(base.path, "binary", wide)]
    notes: list[NotAnalyzed] = []
    old, new = _decoded(old, entry.old_path), _decoded(new, entry.new_path)
    for label, side in (("before", old), ("after", new)):
        if side.reason:
            notes.append(NotAnalyzed(base.path, side.reason, f"{label}: {side.detail}", side.reason in _RELEVANT_REASONS
                                     or (side.reason in _CODE_RELEVANT_REASONS and _is_code(base.path))))
    git_hunks = patch.hunks if patch else ()
    if notes:
        return replace(base, hunks=git_hunks), notes
    return replace(base, hunks=_hunks(git_hunks, old.text, new.text, patch, old.lone_cr or new.lone_cr), old_text=old.text, new_text=new.text), []


def _decoded(side: _Side, path: Optional[str]) -> _Side:
    if side.data is None:
        return side
    d = decode_source(path or "", side.data)
    return replace(side, text=d.text, reason=d.reason, detail=d.detail, lone_cr=d.lone_cr)


def _undecided(old: _Side, new: _Side) -> bool:
    """Git called it binary but we hold no bytes to judge (e.g. both sides missing)."""
    return old.data is None and new.data is None


def _hunks(git_hunks: tuple[Hunk, ...], old: Optional[str], new: Optional[str],
           patch: Optional[_PatchFile], renumbered: bool) -> tuple[Hunk, ...]:
    """Git's hunks with their lines taken from the decoded texts (so a latin-1 or CRLF file
    reads the same in hunks and texts). Recomputed from the texts when git's numbering cannot
    match them (a lone CR splits a line) or git gave none for a text change (`-diff` attribute)."""
    raw_old, raw_new = old or "", new or ""
    if raw_old == raw_new:
        return ()
    if patch is None or not git_hunks or renumbered:
        return hunks_between(raw_old, raw_new)
    old_lines, new_lines = raw_old.split("\n"), raw_new.split("\n")

    def pick(lines: list[str], numbers: tuple[int, ...], fallback: tuple[str, ...]) -> tuple[str, ...]:
        if all(1 <= n <= len(lines) for n in numbers):
            return tuple(lines[n - 1] for n in numbers)
        return fallback

    return tuple(
        replace(
            h,
            removed_text=pick(old_lines, h.removed, h.removed_text),
            added_text=pick(new_lines, h.added, h.added_text),
            context_text=pick(old_lines, h.context_old, h.context_text),
        )
        for h in git_hunks
    )


# -- diff input ------------------------------------------------------------------------------

def _read_diff(path: str) -> str:
    if path == "-":
        stream = sys.stdin
        if stream is None:
            raise InputError("no standard input to read the diff from; pass a diff file path instead of '-'")
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            return buffer.read().decode("utf-8", errors="surrogateescape")
        data = stream.read()
        return data if isinstance(data, str) else data.decode("utf-8", errors="surrogateescape")
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", errors="surrogateescape")
    except OSError as exc:
        raise InputError(f"cannot read diff file {path}: {exc.strerror}; check the path") from exc


def _from_diff(text: str, description: str) -> ChangeSet:
    try:
        return changes_from_diff(text, description)
    except ValueError as exc:
        why = " ".join(str(exc).split())  # InputError messages are one line; parser messages may not be
        raise InputError(f"could not parse the diff ({description}): {why}; pass a unified diff (git diff / diff -u)") from exc
