"""Read a whole revision from git objects (never the working tree) into a call graph.

One `git ls-tree` lists the tree, and one long-lived `git cat-file --batch` process serves
the blobs that the cache does not already have, so a warm run reads no blob at all. A tree
seen before is not even listed: the cache remembers which snapshot its tree id led to (see
`snapshot.remember_tree`), so a warm run costs one `git rev-parse` plus the snapshot's
header, whatever the repository's size. git
always runs from an argument list (no shell) with hooks disabled; only regular files are
read (no symlinks, no submodules) and files over the size limit are listed as not analysed.
"""
from __future__ import annotations

import os
import subprocess
import weakref
from contextlib import nullcontext
from typing import ContextManager, Iterator, Optional

from semdiff.budget import GRAPH_TIMEOUT_REASON, NO_DEADLINE, Deadline, graph_timeout_entry
from semdiff.model import NotAnalyzed
from semdiff.source.git import known_tree, safe_command, safe_environment
from semdiff.relevance import incremental, snapshot
from semdiff.relevance.cache import BlobCache
from semdiff.relevance.facts import FileFacts, extractor_for
from semdiff.relevance.graph import MAX_FILE_BYTES, BuildStats, CallGraph, assemble, gc_paused

_REGULAR = {b"100644", b"100755"}
_GIT_TIMEOUT = 120
# a graph missing files for these reasons is not the revision's graph: never stored whole or derived from
_INCOMPLETE = frozenset({"unreadable", GRAPH_TIMEOUT_REASON})


class GitReadError(RuntimeError):
    """git could not list or read the revision (bad revision, not a repository, ...)."""


def _git_cmd(repo_root: str, *args: str) -> list[str]:
    # the same defused config as semdiff.source.git.run_git: a partial clone's missing blob
    # made `cat-file` lazily fetch it through the repository's own core.sshCommand
    return safe_command(["-C", repo_root, *args])


def _git_env() -> dict[str, str]:
    env = safe_environment()
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    return env


def _run(repo_root: str, *args: str) -> bytes:
    try:
        proc = subprocess.run(
            _git_cmd(repo_root, *args), capture_output=True, stdin=subprocess.DEVNULL,
            env=_git_env(), timeout=_GIT_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitReadError(f"git {args[0]}: {exc}") from exc
    if proc.returncode != 0:
        raise GitReadError(f"git {args[0]} failed: {proc.stderr.decode('utf-8', 'replace').strip()}")
    return proc.stdout


def tree_id(repo_root: str, rev: str) -> str:
    """The id of `rev`'s root tree (known already when the range was resolved: one git call less)."""
    known = known_tree(repo_root, rev)
    if known is not None:
        return known
    return _run(repo_root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{tree}}").strip().decode()


def list_tree(repo_root: str, rev: str, tree: Optional[str] = None) -> list[tuple[str, str, int]]:
    """(path, blob id, size) of every regular file at `rev` (or in `tree`, when known)."""
    out = _run(repo_root, "ls-tree", "-r", "-z", "-l", "--full-tree", tree or tree_id(repo_root, rev))
    entries: list[tuple[str, str, int]] = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        fields = meta.split()
        if len(fields) != 4 or fields[0] not in _REGULAR or fields[1] != b"blob":
            continue  # symlinks (120000), submodules (160000), trees
        path = raw_path.decode("utf-8", "surrogateescape")
        size = int(fields[3]) if fields[3].isdigit() else MAX_FILE_BYTES + 1
        entries.append((path, fields[2].decode(), size))
    return entries


_WINDOW = 64  # requests ahead of the reader: 64 x 41 bytes never fill the request pipe


def read_blobs(repo_root: str, blob_ids: list[str]) -> Iterator[tuple[str, Optional[bytes]]]:
    """Blob contents from one `git cat-file --batch` process, in order, as they are asked for.

    Requests go `_WINDOW` ahead of the reader, so git looks up and writes the next blobs while
    the caller parses this one. One request at a time made every blob a round trip through the
    scheduler (our write, git wakes, git's write, we wake): about 1 ms a blob on this 2-CPU
    machine with the parse worker busy, 1.2 s of a 10,000-line change's cold graph build
    (1,202 blobs). The window cannot deadlock: what is written ahead (≤ 64 requests) always
    fits in the pipe, and git, whose output the reader drains in order, never waits on us for
    more than that."""
    if not blob_ids:
        return
    try:
        proc = subprocess.Popen(
            _git_cmd(repo_root, "cat-file", "--batch"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=_git_env(),
        )
    except OSError as exc:
        raise GitReadError(f"git cat-file: {exc}") from exc
    assert proc.stdin is not None and proc.stdout is not None
    asked = 0
    try:
        for i, oid in enumerate(blob_ids):
            if asked - i <= _WINDOW // 2 and asked < len(blob_ids):
                ahead = blob_ids[asked:i + _WINDOW]
                proc.stdin.write("".join(o + "\n" for o in ahead).encode())
                proc.stdin.flush()
                asked += len(ahead)
            header = proc.stdout.readline()
            fields = header.split()
            if len(fields) != 3 or fields[1] != b"blob":
                yield oid, None  # "<oid> missing" or not a blob
                continue
            size = int(fields[2])
            data = proc.stdout.read(size)
            proc.stdout.read(1)  # trailing newline
            yield oid, data
    finally:
        try:
            proc.stdin.close()
        except OSError:
            pass
        # a reader that stopped early leaves answers unread: git, blocked writing them, ends on
        # the closed pipe instead of waiting for a reader that never comes
        proc.stdout.close()
        try:
            proc.wait(timeout=_GIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def graph_for_revision(repo_root: str, rev: str, cache: Optional[BlobCache] = None,
                       deadline: Deadline = NO_DEADLINE) -> CallGraph:
    """The call graph of `rev` in the repository at `repo_root` (git objects only).

    Files not parsed when `deadline` passes are left out and listed in `not_analyzed` as
    budget.GRAPH_TIMEOUT_REASON; such a graph is neither stored whole nor derived from.
    Raises GitReadError when the revision cannot be listed.
    """
    with gc_paused():
        return _graph_for_revision(repo_root, rev, cache, deadline)


# the last graph opened or built per repository, for deriving the next revision's graph from it
# (the head of a change after its base); weak, so it lives only as long as its user keeps it
_RECENT: dict[str, tuple[str, "weakref.ref[CallGraph]"]] = {}


def _remember(repo_root: str, tree: str, graph: CallGraph) -> CallGraph:
    _RECENT[os.path.realpath(repo_root)] = (tree, weakref.ref(graph))
    return graph


def _graph_for_revision(repo_root: str, rev: str, cache: Optional[BlobCache], deadline: Deadline) -> CallGraph:
    tree = tree_id(repo_root, rev)
    graph = _open_or_build(repo_root, tree, cache, deadline)
    if cache is not None:
        _remember(repo_root, tree, graph)
    return graph


def _open_or_build(repo_root: str, tree: str, cache: Optional[BlobCache], deadline: Deadline = NO_DEADLINE) -> CallGraph:
    if cache is not None:
        known = snapshot.recall_tree(cache, tree)
        if known is not None:
            whole = snapshot.load(cache, known, rebuild=lambda: _build(repo_root, tree, cache, deadline=deadline))
            if whole is not None:
                return whole
            return _build(repo_root, tree, cache, deadline=deadline)  # the same tree has the same key: no second look
    return _build(repo_root, tree, cache, use_snapshot=True, deadline=deadline)


def _build(repo_root: str, tree: str, cache: Optional[BlobCache], use_snapshot: bool = False,
           deadline: Deadline = NO_DEADLINE) -> CallGraph:
    """List the tree, then the whole-revision snapshot or an assembly from per-blob facts.

    `use_snapshot=False` is the rebuild of a damaged snapshot: assemble and store it again.
    """
    entries = [(p, oid, size) for p, oid, size in list_tree(repo_root, tree, tree) if extractor_for(p) is not None]
    key = snapshot.revision_key((p, oid) for p, oid, _ in entries)
    if cache is not None and use_snapshot:
        whole = snapshot.load(cache, key, rebuild=lambda: _build(repo_root, tree, cache, deadline=deadline))
        if whole is not None:
            snapshot.remember_tree(cache, tree, key, (p for p, _, _ in entries))
            return whole
        derived = _derive_from_recent(repo_root, tree, entries, cache, deadline)
        if derived is not None:
            payload = incremental.encode_derived(derived, key, _bucket_source(cache, derived)) or snapshot.encode(derived, key)
            snapshot.put(cache, key, payload)
            snapshot.remember_tree(cache, tree, key, (p for p, _, _ in entries))
            derived.snapshot_key = key
            return derived
    facts: dict[str, FileFacts] = {}
    not_analyzed: list[NotAnalyzed] = []
    wanted: dict[str, list[str]] = {}  # blob id -> paths still needing a parse
    done: set[str] = set()
    cached = skipped = 0
    for path, oid, size in entries:
        ex = extractor_for(path)
        assert ex is not None
        if size > MAX_FILE_BYTES:
            skipped += 1
            not_analyzed.append(NotAnalyzed(path, "too-large", f"{size} bytes; call graph skips files over {MAX_FILE_BYTES}"))
            continue
        hit = cache.get(ex.language, ex.version, oid) if cache is not None else None
        if hit is not None:
            cached += 1
            facts[path] = hit
        else:
            wanted.setdefault(oid, []).append(path)
    parsed = 0
    with _batch(cache):  # one pack per shard, not one file per blob (semdiff.relevance.cache)
        blobs = read_blobs(repo_root, list(wanted))
        for oid, data in blobs:
            if deadline.expired():  # this blob and every one after it: left out, reported
                blobs.close()
                not_analyzed.extend(graph_timeout_entry(p, deadline) for o, ps in wanted.items() if o not in done for p in ps)
                break
            done.add(oid)
            paths = wanted[oid]
            if data is None:
                for path in paths:
                    not_analyzed.append(NotAnalyzed(path, "unreadable", f"git cat-file could not read blob {oid}"))
                continue
            by_ext: dict[str, FileFacts] = {}
            for path in paths:  # identical blobs at several paths: parse once per language
                ex = extractor_for(path)
                assert ex is not None
                result = by_ext.get(ex.language)
                if result is None:
                    result = by_ext[ex.language] = ex.extract(path, data)
                    parsed += 1
                    if cache is not None:
                        cache.put(ex.language, ex.version, oid, result)
                facts[path] = result
    stats = BuildStats(files=len(entries), parsed=parsed, cached=cached, skipped=skipped)
    graph = assemble(facts, stats, tuple(not_analyzed))
    if cache is not None and not any(n.reason in _INCOMPLETE for n in not_analyzed):
        snapshot.store(cache, key, graph)
        graph.snapshot_key = key
        snapshot.remember_tree(cache, tree, key, (p for p, _, _ in entries))
    return graph


def _batch(cache: Optional[BlobCache]) -> ContextManager[object]:
    return cache.batch() if cache is not None else nullcontext()


def _bucket_source(cache: BlobCache, derived: CallGraph) -> Optional[snapshot.LazyStore]:
    """The base's snapshot, whose unchanged buckets the derived snapshot copies (the base graph
    may be one assembled in this process: its snapshot was written when it was built)."""
    base = getattr(derived._store, "base", None)
    if isinstance(base, snapshot.LazyStore):
        return base
    key = getattr(derived._store, "base_key", None)
    if key is None:
        return None
    opened = snapshot.load(cache, key)
    return opened._store if opened is not None and isinstance(opened._store, snapshot.LazyStore) else None


def changed_paths(repo_root: str, old_tree: str, new_tree: str) -> list[tuple[str, str, str, str, str, str]]:
    """(status, old mode, new mode, old blob, new blob, path) of every file that differs."""
    out = _run(repo_root, "diff-tree", "-r", "-z", "--no-renames", old_tree, new_tree)
    fields = out.split(b"\0")
    rows = []
    i = 0
    while i + 1 < len(fields):
        meta = fields[i].decode()
        if not meta.startswith(":"):
            i += 1
            continue
        old_mode, new_mode, old_oid, new_oid, status = meta[1:].split()
        rows.append((status, old_mode, new_mode, old_oid, new_oid, fields[i + 1].decode("utf-8", "surrogateescape")))
        i += 2
    return rows


def _derive_from_recent(
    repo_root: str, tree: str, entries: list[tuple[str, str, int]], cache: BlobCache, deadline: Deadline = NO_DEADLINE,
) -> Optional[CallGraph]:
    """The graph of `tree` derived from the last graph of this repository (see
    semdiff.relevance.incremental), or None when there is none or the change is not one the
    derivation proves safe (the caller then assembles the revision)."""
    recent = _RECENT.get(os.path.realpath(repo_root))
    base = recent[1]() if recent is not None else None
    if recent is None or base is None or recent[0] == tree:
        return None
    if any(n.reason in _INCOMPLETE for n in base.not_analyzed):
        return None
    try:
        diff = changed_paths(repo_root, recent[0], tree)
    except GitReadError:
        return None
    oids = {p: (oid, size) for p, oid, size in entries}
    changed: dict[str, tuple[str, str]] = {}
    for status, old_mode, new_mode, old_oid, new_oid, path in diff:
        if extractor_for(path) is None:
            continue
        if status != "M" or old_mode.encode() not in _REGULAR or new_mode.encode() not in _REGULAR:
            return None  # a graph file added, deleted or turned into a link: the module set changes
        if path not in oids or oids[path][1] > MAX_FILE_BYTES:
            return None
        changed[path] = (old_oid, new_oid)
    if not changed or len(changed) > incremental.MAX_CHANGED_FILES:
        return None
    facts: dict[str, tuple[FileFacts, FileFacts]] = {}
    wanted: dict[str, str] = {}
    parsed = 0
    for path, (old_oid, new_oid) in changed.items():
        ex = extractor_for(path)
        assert ex is not None
        old = cache.get(ex.language, ex.version, old_oid)
        if old is None:
            return None
        new = cache.get(ex.language, ex.version, new_oid)
        if new is None:
            wanted[new_oid] = path
        else:
            facts[path] = (old, new)
    with cache.batch():
        for oid, data in read_blobs(repo_root, list(wanted)):
            path = wanted[oid]
            if data is None or deadline.expired():  # the assembly below reports what time left out
                return None
            ex = extractor_for(path)
            assert ex is not None
            new = ex.extract(path, data)
            parsed += 1
            cache.put(ex.language, ex.version, oid, new)
            old = cache.get(ex.language, ex.version, changed[path][0])
            if old is None:
                return None
            facts[path] = (old, new)

    def facts_for(path: str) -> Optional[FileFacts]:
        hit = oids.get(path)
        ex = extractor_for(path)
        if hit is None or ex is None:
            return None
        return cache.get(ex.language, ex.version, hit[0])

    too_large = tuple(
        NotAnalyzed(p, "too-large", f"{size} bytes; call graph skips files over {MAX_FILE_BYTES}")
        for p, _, size in entries if size > MAX_FILE_BYTES
    )
    not_analyzed = too_large + tuple(n for n in base.not_analyzed if n.reason != "too-large")
    skipped = len(too_large)
    stats = BuildStats(files=len(entries), parsed=parsed, cached=len(entries) - skipped - parsed, skipped=skipped)
    try:
        derived = incremental.derive(base, facts, facts_for, stats, not_analyzed)
    except incremental.NotIncremental:
        return None
    derived._store.base_key = base.snapshot_key  # type: ignore[attr-defined]
    return derived
