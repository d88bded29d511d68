"""The only door to git: one function runs it, with the repository's own config defused.

A repository under review is hostile input. Its `.git/config` and `.gitattributes` can name
hooks, fsmonitor commands, external diff drivers, textconv filters and pagers that git would
otherwise run for us, so every call goes through `run_git`, which passes an argument list
(never a shell), overrides those settings on the command line, closes stdin, drops inherited
`GIT_*` variables that change behaviour, and enforces a timeout. Git failures become
`InputError` with one line saying what went wrong.

The command can ask its git questions ahead (`read_ahead`): a thread runs the commands a
range's analysis will run while the process is still importing, and `run_git` hands each
recorded answer to the one later call with the very same command (see `ReadAhead`).
"""
from __future__ import annotations

import contextvars
import os
import select
import selectors
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from semdiff.errors import InputError
from semdiff.model import Commit

GIT_TIMEOUT_SECONDS = 120.0

# Settings that would make git run a program or reshape its output.
_SAFE_CONFIG: tuple[str, ...] = (
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.fsmonitor=false",
    "-c", "diff.external=",
    "-c", "core.pager=cat",
    "-c", "color.ui=false",
    "-c", "log.showSignature=false",
    "-c", "diff.noprefix=false",
    "-c", "diff.mnemonicPrefix=false",
    "-c", "diff.relative=false",
    "-c", "core.quotePath=true",
    # no transport at all: a partial clone's missing blob must not make git fetch it through
    # the repository's remote (whose core.sshCommand / uploadpack the repository chooses);
    # GIT_NO_LAZY_FETCH says the same to gits that know it
    "-c", "protocol.allow=never",
)

# Inherited variables that locate the repository (set by git itself when we run inside a
# hook, e.g. a temporary index during `git commit -a`) are kept; everything else named GIT_*
# (external diff, pager, injected config, trace files, ssh commands) is dropped.
_KEPT_GIT_VARS = frozenset({
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM",
})

# Diff options shared by the status and the patch call, so both see the same pairs.
# `--ignore-submodules=dirty`: a moved submodule commit is still reported, but git does not
# run `git status` inside each checked-out submodule to find uncommitted edits. That status
# reads the submodule's own config, whose clean filters our overrides cannot know (they
# are listed from the superproject's config), and would run them.
DIFF_OPTIONS: tuple[str, ...] = (
    "--no-ext-diff", "--no-textconv", "--no-color", "--no-relative", "-M", "-C",
    "--submodule=short", "--ignore-submodules=dirty",
)


def safe_command(args: Sequence[str]) -> list[str]:
    """`git <safe config> <args>`, for the few places that keep a git process open themselves
    (a long-lived `cat-file --batch`) instead of calling `run_git`. They must only run
    commands that never filter (see `_NEVER_FILTERS`)."""
    return ["git", *_SAFE_CONFIG, "--no-pager", *args]


def safe_environment() -> dict[str, str]:
    """The environment `run_git` gives git (see `safe_command`)."""
    return _environment()


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in _KEPT_GIT_VARS}
    env.update({
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_NO_LAZY_FETCH": "1",  # a partial clone must not reach the network for a blob
        "GIT_OPTIONAL_LOCKS": "0",  # reading must not rewrite the index
        "LC_ALL": "C",
        "LANGUAGE": "C",
    })
    return env


def run_bounded(argv: Sequence[str], *, cwd: Optional[str] = None, env: Optional[dict[str, str]] = None,
                input: Optional[bytes] = None, timeout: Optional[float] = None) -> subprocess.CompletedProcess:
    """`subprocess.run(argv, capture_output=True, timeout=...)`, same results and errors
    (`subprocess.TimeoutExpired` after killing the child), without run()'s polling: given a
    timeout, run() waits for the child's exit in a sleep loop (0.5 ms, 1 ms, 2 ms, ...), about
    1 ms lost per git call of a run that is mostly git calls. Here the pipes are served until
    they close and the exit is awaited on a pidfd (Linux), each within the same deadline."""
    proc = subprocess.Popen(argv, cwd=cwd, env=env, shell=False,
                            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        out, err = _exchange(proc, input, deadline)
        _await_exit(proc, deadline)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise subprocess.TimeoutExpired(list(argv), timeout or 0.0) from None
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    return subprocess.CompletedProcess(list(argv), proc.returncode, out, err)


def _left(deadline: Optional[float]) -> Optional[float]:
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise subprocess.TimeoutExpired("git", 0.0)
    return left


def _exchange(proc: subprocess.Popen, data: Optional[bytes], deadline: Optional[float]) -> tuple[bytes, bytes]:
    """Write `data` to the child's stdin and read its stdout and stderr until both close
    (what Popen.communicate does on POSIX: PIPE_BUF-sized writes, so a ready pipe never blocks)."""
    assert proc.stdout is not None and proc.stderr is not None
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    chunks: dict[int, list[bytes]] = {out_fd: [], err_fd: []}
    view = memoryview(data or b"")
    offset = 0
    with selectors.DefaultSelector() as sel:
        if proc.stdin is not None:
            if view:
                sel.register(proc.stdin, selectors.EVENT_WRITE)
            else:
                proc.stdin.close()
        sel.register(proc.stdout, selectors.EVENT_READ)
        sel.register(proc.stderr, selectors.EVENT_READ)
        while sel.get_map():
            for key, _events in sel.select(_left(deadline)):
                if key.fileobj is proc.stdin:
                    try:
                        offset += os.write(key.fd, view[offset:offset + select.PIPE_BUF])
                    except BrokenPipeError:
                        offset = len(view)  # the child stopped reading: its output says why
                    if offset >= len(view):
                        sel.unregister(key.fileobj)
                        key.fileobj.close()  # type: ignore[union-attr]
                else:
                    chunk = os.read(key.fd, 65536)
                    if chunk:
                        chunks[key.fd].append(chunk)
                    else:
                        sel.unregister(key.fileobj)
                        key.fileobj.close()  # type: ignore[union-attr]
    return b"".join(chunks[out_fd]), b"".join(chunks[err_fd])


def _await_exit(proc: subprocess.Popen, deadline: Optional[float]) -> None:
    """Reap the child, which has closed its pipes and is exiting, within the deadline."""
    if proc.poll() is not None:
        return
    if deadline is None:
        proc.wait()
        return
    try:
        fd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):  # not Linux 5.3+: the standard (polling) wait
        proc.wait(timeout=_left(deadline))
        return
    try:
        ready = select.poll()
        ready.register(fd, select.POLLIN)
        left = _left(deadline)
        if not ready.poll(max(1, int((left or 0) * 1000) + 1)):
            raise subprocess.TimeoutExpired("git", 0.0)
    finally:
        os.close(fd)
    proc.wait()


def _filter_overrides(cwd: str, env: dict[str, str]) -> dict[str, str]:
    """Blank every filter driver the repository configures (`filter.<name>.clean/smudge/process`).

    `.gitattributes` can name any driver, and comparing with the working tree makes git run
    its clean command; no option turns that off before git 2.40 (`--attr-source`), so each
    configured driver is overridden with an empty command through GIT_CONFIG_COUNT (which,
    unlike `-c`, takes any driver name verbatim)."""
    try:
        proc = run_bounded(["git", *_SAFE_CONFIG, "config", "-z", "--get-regexp", r"^filter\."], cwd=cwd, env=env,
                           timeout=GIT_TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    names = set()
    for record in proc.stdout.split(b"\0"):
        key = os.fsdecode(record.split(b"\n", 1)[0])
        if key.startswith("filter.") and key.count(".") >= 2:
            names.add(key[len("filter."):key.rindex(".")])
    pairs = [(f"filter.{n}.{var}", "false" if var == "required" else "") for n in sorted(names)
             for var in ("clean", "smudge", "process", "required")]
    out = {"GIT_CONFIG_COUNT": str(len(pairs))}
    for i, (k, v) in enumerate(pairs):
        out[f"GIT_CONFIG_KEY_{i}"] = k
        out[f"GIT_CONFIG_VALUE_{i}"] = v
    return out if pairs else {}


# Commands that only read objects and refs: git never runs a clean/smudge filter for them, so
# they need no `git config` call first (that call doubled the processes of a run)
_NEVER_FILTERS = frozenset({"rev-parse", "log", "merge-base", "ls-tree", "cat-file", "rev-list", "show-ref", "for-each-ref"})


def _may_filter(args: Sequence[str]) -> bool:
    return not args or args[0] not in _NEVER_FILTERS or "--filters" in args or "--textconv" in args


def run_git(cwd: str, args: Sequence[str], *, stdin: Optional[bytes] = None,
            timeout: float = GIT_TIMEOUT_SECONDS, check: bool = True,
            filters: Optional[dict[str, str]] = None) -> subprocess.CompletedProcess:
    """Run `git <safe config> <args>` in `cwd`; the one place semdiff starts git.

    `filters`: the overrides `filter_overrides(cwd)` returned for this repository, when the
    caller runs several commands that may filter (the diff status and the patch of one
    change): the repository's configuration is then listed once, not before each command."""
    argv = ["git", *_SAFE_CONFIG, "--no-pager", *args]
    env = _environment()
    if os.path.isdir(cwd) and _may_filter(args):
        env.update(filters if filters is not None else _filter_overrides(cwd, env))
    try:
        proc = _answered(argv, cwd, env, stdin, timeout)
    except FileNotFoundError as exc:
        raise InputError("git executable not found: install git, or pass a diff file instead of a range") from exc
    except NotADirectoryError as exc:
        raise InputError(f"not a directory: {cwd}; pass the path of a git repository") from exc
    except subprocess.TimeoutExpired as exc:
        raise InputError(f"git {args[0]} timed out after {timeout:.0f}s; try a smaller range") from exc
    if check and proc.returncode != 0:
        raise InputError(f"git {args[0]} failed: {first_line(proc.stderr)}")
    return proc


# -- questions asked ahead ---------------------------------------------------------------------

class ReadAhead:
    """Git's answers to commands run on a thread before the process asks for them.

    A warm analysis of a pull request spends ~40 ms waiting for git (rev-parse, diff, log,
    two cat-file) and ~100 ms importing before it asks its first question; git needs no
    Python while it runs, so `read_ahead` runs those commands on a thread as soon as the
    command knows its range, while the imports go on. Each answer (the completed process, or
    the exception starting it raised) is keyed by everything that decides it: directory,
    argument list, environment, standard input and timeout; `run_git` gives it to the one
    later call with the same key, which then raises or returns exactly what its own process
    would have (the repository read at a slightly earlier moment, as any earlier call would).
    A call whose command the thread has not answered yet waits while the thread still runs:
    the thread asks in the order the analysis does, so nothing is run twice; a command the
    thread does not ask (another configuration, another input) is run as usual once it ended."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._answers: dict[tuple, list[tuple[Optional[subprocess.CompletedProcess], Optional[BaseException]]]] = {}
        self._running = True
        self._open = True

    def put(self, key: tuple, proc: Optional[subprocess.CompletedProcess], error: Optional[BaseException]) -> None:
        with self._cond:
            if self._open:
                self._answers.setdefault(key, []).append((proc, error))
                self._cond.notify_all()

    def take(self, key: tuple) -> Optional[tuple[Optional[subprocess.CompletedProcess], Optional[BaseException]]]:
        """The recorded answer to `key` (waiting while the thread runs), or None."""
        with self._cond:
            while self._open and self._running and key not in self._answers:
                self._cond.wait()
            answers = self._answers.get(key)
            if not answers:
                return None
            answer = answers.pop(0)
            if not answers:
                del self._answers[key]
            return answer

    def finished(self) -> None:
        with self._cond:
            self._running = False
            self._cond.notify_all()

    def close(self) -> None:
        """Answers not taken yet are dropped; later calls run their own commands."""
        global _ahead
        with self._cond:
            self._open = False
            self._answers.clear()
            self._cond.notify_all()
        if _ahead is self:
            _ahead = None


_ahead: Optional[ReadAhead] = None
# set in the read-ahead thread (and the threads it starts, which copy its context): its
# calls record their answers instead of taking recorded ones
_RECORDER: contextvars.ContextVar[Optional[ReadAhead]] = contextvars.ContextVar("semdiff_git_recorder", default=None)
READ_AHEAD_ENV_OFF = "SEMDIFF_NO_GIT_READ_AHEAD"


def read_ahead(questions: Callable[[], object]) -> Optional[ReadAhead]:
    """Call `questions` on a daemon thread now; the `run_git` calls it makes are answered
    ahead for this process (`ReadAhead`) until the returned object is closed. None (nothing
    started) when SEMDIFF_NO_GIT_READ_AHEAD=1. Only the command uses this: the process is ours."""
    global _ahead
    if os.environ.get(READ_AHEAD_ENV_OFF, "") not in ("", "0"):
        return None
    ahead = ReadAhead()
    context = contextvars.copy_context()
    context.run(_RECORDER.set, ahead)

    def ask() -> None:
        try:
            questions()
        except BaseException:  # noqa: BLE001 - the analysis asks again and meets the error itself
            pass
        finally:
            ahead.finished()

    if _ahead is not None:
        _ahead.close()
    _ahead = ahead
    threading.Thread(target=context.run, args=(ask,), name="semdiff-git-ahead", daemon=True).start()
    return ahead


def in_context(fn: Callable[[], object]) -> Callable[[], object]:
    """`fn`, to run on another thread as if on this one (a read-ahead thread's helpers record too)."""
    context = contextvars.copy_context()
    return lambda: context.run(fn)


def _answered(argv: list[str], cwd: str, env: dict[str, str], stdin: Optional[bytes],
              timeout: float) -> subprocess.CompletedProcess:
    """`run_bounded(argv, ...)`, or the answer a read-ahead thread recorded for it."""
    recorder = _RECORDER.get()
    ahead = _ahead
    if recorder is None and ahead is None:
        return run_bounded(argv, cwd=cwd, env=env, input=stdin, timeout=timeout)
    key = (cwd, tuple(argv), tuple(env.items()), stdin, timeout)  # the same environment is built in the same order
    if recorder is None and ahead is not None:
        answer = ahead.take(key)
        if answer is not None:
            proc, error = answer
            if error is not None:
                raise error
            assert proc is not None
            return proc
        return run_bounded(argv, cwd=cwd, env=env, input=stdin, timeout=timeout)
    assert recorder is not None
    try:
        proc = run_bounded(argv, cwd=cwd, env=env, input=stdin, timeout=timeout)
    except Exception as exc:
        recorder.put(key, None, exc)
        raise
    recorder.put(key, proc, None)
    return proc


def filter_overrides(cwd: str) -> dict[str, str]:
    """The filter overrides `run_git` would compute for a command that may filter in `cwd`,
    to pass back to it (`filters=`) for each of a few commands run together."""
    return _filter_overrides(cwd, _environment()) if os.path.isdir(cwd) else {}


def first_line(data: bytes) -> str:
    for line in data.decode("utf-8", errors="replace").splitlines():
        if line.strip():
            return line.strip()
    return "(no message)"


def refuse_option_like(rev: str) -> None:
    if rev.startswith("-"):
        raise InputError(f"revision {rev!r} starts with '-': pass a branch, tag or commit, e.g. main..feature")
    if any(ch in rev for ch in "\0\n\r"):
        raise InputError("revision contains a NUL or newline: pass a plain branch, tag or commit name")


# -- repository ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Repository:
    """A located repository: where to run git and whether a working tree exists."""

    root: str
    bare: bool = False


def open_repository(path: str) -> Repository:
    if not os.path.isdir(path):
        raise InputError(f"repository path does not exist or is not a directory: {path}")
    # the usual case (inside a working tree) in one call; anything else (bare repository, not
    # a repository, inside .git) is asked again step by step, for its own answer or message
    both = run_git(path, ["rev-parse", "--is-bare-repository", "--show-toplevel"], check=False)
    lines = both.stdout.split(b"\n")
    if both.returncode == 0 and len(lines) == 3 and lines[0] == b"false" and lines[1] and not lines[2]:
        return Repository(root=os.fsdecode(lines[1]))
    proc = run_git(path, ["rev-parse", "--is-bare-repository"], check=False)
    if proc.returncode != 0:
        msg = first_line(proc.stderr)
        if "not a git repository" in msg.lower():
            raise InputError(f"not a git repository: {path}; run inside a repository or pass a diff file")
        raise InputError(f"cannot use repository {path}: {msg}")
    if proc.stdout.strip() == b"true":
        gitdir = run_git(path, ["rev-parse", "--absolute-git-dir"]).stdout
        return Repository(root=os.fsdecode(gitdir.rstrip(b"\n")), bare=True)
    top = run_git(path, ["rev-parse", "--show-toplevel"], check=False)
    if top.returncode != 0 or not top.stdout.strip():
        raise InputError(f"cannot find the working tree of {path}: {first_line(top.stderr)}; run inside a repository")
    return Repository(root=os.fsdecode(top.stdout.rstrip(b"\n")))


def resolve_commit(repo: Repository, rev: str) -> Optional[str]:
    """Full sha of `rev` as a commit, or None when it does not name one."""
    refuse_option_like(rev)
    proc = run_git(repo.root, ["rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"], check=False)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("ascii", errors="replace").strip()


def require_commit(repo: Repository, rev: str) -> str:
    sha = resolve_commit(repo, rev)
    if sha is None:
        raise InputError(
            f"unknown revision or missing commit: {rev!r}; check the name, or fetch more history "
            "(a shallow clone may lack the base: git fetch --unshallow)"
        )
    return sha


_HEX = frozenset(b"0123456789abcdef")

# (repository root, commit id) -> its root tree id, learnt while resolving a range: a commit
# id always names the same tree, so the call graph (semdiff.relevance.repo.tree_id) need not
# ask git again. Bounded; only full ids as git printed them are keys.
_TREES: dict[tuple[str, str], str] = {}


def known_tree(root: str, commit: str) -> Optional[str]:
    """The root tree of `commit` when this process already read it from git (else None)."""
    return _TREES.get((root, commit))


def require_commits(repo: Repository, revs: Sequence[str]) -> list[str]:
    """`require_commit` for each of `revs`, with one git call when all resolve (the usual
    case); otherwise each is resolved on its own, for the same answer or error as before.
    The commits' root trees are read in the same call and remembered (`known_tree`)."""
    for rev in revs:
        refuse_option_like(rev)
    proc = run_git(repo.root, ["rev-parse", "--end-of-options", *(r + "^{commit}" for r in revs),
                               *(r + "^{tree}" for r in revs)], check=False)
    # git before 2.43 echoes --end-of-options without --verify: it is not an id
    ids = [line for line in proc.stdout.split(b"\n") if line and line != b"--end-of-options"]
    if proc.returncode != 0 or len(ids) != 2 * len(revs) or not all(len(i) in (40, 64) and set(i) <= _HEX for i in ids):
        return [require_commit(repo, rev) for rev in revs]
    shas = [i.decode("ascii") for i in ids]
    if len(_TREES) > 1024:
        _TREES.clear()
    for commit, tree in zip(shas[:len(revs)], shas[len(revs):]):
        _TREES[(repo.root, commit)] = tree
    return shas[:len(revs)]


def open_with_commits(path: str, revs: Sequence[str]) -> tuple[Repository, Optional[list[str]]]:
    """`open_repository(path)` and `require_commits(repo, revs)` in one git process for the
    usual case (a working tree; every rev names a commit). Otherwise the repository is opened
    on its own, as before, with None for the commits: the caller resolves them as before,
    for the same answers and messages."""
    if os.path.isdir(path) and not any(rev.startswith("-") for rev in revs):
        proc = run_git(path, ["rev-parse", "--is-bare-repository", "--show-toplevel", "--end-of-options",
                              *(r + "^{commit}" for r in revs), *(r + "^{tree}" for r in revs)], check=False)
        lines = proc.stdout.split(b"\n")
        # git before 2.43 echoes --end-of-options without --verify: it is not an id
        ids = [line for line in lines[2:] if line and line != b"--end-of-options"]
        if (proc.returncode == 0 and len(lines) >= 3 and lines[0] == b"false" and lines[1] and not lines[-1]
                and len(ids) == 2 * len(revs) and all(len(i) in (40, 64) and set(i) <= _HEX for i in ids)):
            repo = Repository(root=os.fsdecode(lines[1]))
            shas = [i.decode("ascii") for i in ids]
            if len(_TREES) > 1024:
                _TREES.clear()
            for commit, tree in zip(shas[:len(revs)], shas[len(revs):]):
                _TREES[(repo.root, commit)] = tree
            return repo, shas[:len(revs)]
    return open_repository(path), None


def range_names(revision: str) -> Optional[list[str]]:
    """The commits a revision names: [A, B] for `A..B` or `A...B` (an empty side is HEAD),
    [revision] for anything else; None for an empty or option-like text."""
    rev = revision.strip()
    if not rev or rev.startswith("-"):
        return None
    if ".." not in rev:
        return [rev]
    left, right = rev.split("...", 1) if "..." in rev else rev.split("..", 1)
    return [left or "HEAD", right or "HEAD"]


def revision_ids(repo: str, revision: str) -> Optional[tuple[str, ...]]:
    """(commit, tree) ids of every commit `revision` names, in one `git rev-parse` run in
    `repo` (a path; what the report cache keys an analysis by); None when it is not a plain
    range of commits (then the analysis runs and reports any error)."""
    names = range_names(revision)
    if names is None or any(n.startswith("-") or "\n" in n or "\0" in n for n in names):
        return None
    try:
        proc = run_git(repo, ["rev-parse", "--end-of-options", *(f"{n}^{{commit}}" for n in names),
                              *(f"{n}^{{tree}}" for n in names)], check=False)
    except Exception:  # noqa: BLE001 - no git, no directory: the analysis itself reports it
        return None
    ids = [line for line in proc.stdout.decode("ascii", "replace").split() if line != "--end-of-options"]  # git < 2.41 echoes it
    if proc.returncode != 0 or len(ids) != 2 * len(names) or not all(_is_object_id(i) for i in ids):
        return None
    return tuple(ids)


def _is_object_id(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def merge_base(repo: Repository, a: str, b: str) -> str:
    proc = run_git(repo.root, ["merge-base", a, b], check=False)
    if proc.returncode != 0:
        raise InputError(
            f"no merge base between {a[:12]} and {b[:12]}: the histories are unrelated or the clone is "
            "too shallow; use A..B instead, or fetch more history"
        )
    return proc.stdout.decode("ascii").strip()


def first_parent(repo: Repository, sha: str) -> Optional[str]:
    proc = run_git(repo.root, ["rev-list", "--no-walk", "--parents", sha])
    fields = proc.stdout.decode("ascii").split()
    return fields[1] if len(fields) > 1 else None


def empty_tree(repo: Repository) -> str:
    """Id of the empty tree in this repository's hash (sha1 or sha256); nothing is written."""
    return run_git(repo.root, ["hash-object", "-t", "tree", os.devnull]).stdout.decode("ascii").strip()


def log_commits(repo: Repository, rev_args: Sequence[str]) -> tuple[Commit, ...]:
    """Commits named by `rev_args` (already-resolved shas or `sha..sha`), newest first."""
    proc = run_git(repo.root, ["log", "--no-color", "--no-decorate", "--encoding=UTF-8", "-z",
                               "--format=%H%x00%an <%ae>%x00%cn <%ce>%x00%s%x00%b", *rev_args, "--"])
    fields = proc.stdout.decode("utf-8", errors="replace").split("\0")
    commits = []
    for i in range(0, len(fields) - 4, 5):
        sha = fields[i].strip()
        if sha:
            commits.append(Commit(sha=sha, subject=fields[i + 3], body=fields[i + 4].strip("\n"),
                                  author=fields[i + 1], committer=fields[i + 2]))
    return tuple(commits)


def diff_args(base: str, head: Optional[str], cached: bool) -> list[str]:
    """Endpoint arguments: two trees, index vs tree (`cached`), or working tree vs tree."""
    out = ["--cached"] if cached else []
    out.append(base)
    if head is not None:
        out.append(head)
    out.append("--")
    return out


def diff_raw(repo: Repository, endpoints: Sequence[str], filters: Optional[dict[str, str]] = None) -> bytes:
    return run_git(repo.root, ["diff", "--raw", "-z", "--no-abbrev", *DIFF_OPTIONS, *endpoints], filters=filters).stdout


def diff_patch(repo: Repository, endpoints: Sequence[str], filters: Optional[dict[str, str]] = None) -> bytes:
    return run_git(repo.root, ["diff", "-U3", "--src-prefix=a/", "--dst-prefix=b/", *DIFF_OPTIONS,
                               *endpoints], filters=filters).stdout


def diff_raw_and_patch(repo: Repository, endpoints: Sequence[str],
                       filters: Optional[dict[str, str]] = None) -> Optional[tuple[bytes, bytes]]:
    """`diff_raw` and `diff_patch` from one git process (`--raw -z -p`: the raw records, one
    NUL, then the same patch text), or None when that call fails or its output does not split
    cleanly; the caller then asks the two questions apart, as before, for the same answers
    (a partial clone's missing blob fails the patch but not the raw diff)."""
    try:
        proc = run_git(repo.root, ["diff", "--raw", "-z", "--no-abbrev", "-U3", "--src-prefix=a/", "--dst-prefix=b/",
                                   *DIFF_OPTIONS, *endpoints], filters=filters, check=False)
    except InputError:
        return None
    out = proc.stdout
    if proc.returncode != 0:
        return None
    pos = 0
    while out.startswith(b":", pos):
        meta_end = out.find(b"\0", pos)
        parts = out[pos + 1:meta_end].split() if meta_end >= 0 else []
        if len(parts) < 5:
            return None
        pos = meta_end + 1
        for _ in range(2 if parts[4][:1] in (b"R", b"C") else 1):
            end = out.find(b"\0", pos)
            if end < 0:
                return None
            pos = end + 1
    if pos == len(out):
        return out, b""
    if out[pos:pos + 1] != b"\0":
        return None
    return out[:pos], out[pos + 1:]


# -- blobs -----------------------------------------------------------------------------------

_BATCH_BYTES = 64 * 1024 * 1024


def blob_sizes(repo: Repository, shas: Sequence[str]) -> dict[str, Optional[int]]:
    """Size of each blob, or None when the object is missing or not a blob."""
    if not shas:
        return {}
    out = run_git(repo.root, ["cat-file", "--batch-check"], stdin="".join(s + "\n" for s in shas).encode()).stdout
    sizes: dict[str, Optional[int]] = {}
    for line in out.decode("ascii", errors="replace").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "blob":
            sizes[parts[0]] = int(parts[2])
        elif parts:
            sizes[parts[0]] = None
    return sizes


def read_blobs(repo: Repository, sizes: dict[str, int]) -> dict[str, bytes]:
    """Raw contents (no textconv, no filters) of blobs, in as few `cat-file --batch` runs as
    memory allows (one for any ordinary change)."""
    result: dict[str, bytes] = {}
    batch: list[str] = []
    total = 0
    for sha, size in sizes.items():
        if batch and total + size > _BATCH_BYTES:
            result.update(_read_batch(repo, batch))
            batch, total = [], 0
        batch.append(sha)
        total += size
    if batch:
        result.update(_read_batch(repo, batch))
    return result


def _read_batch(repo: Repository, shas: Sequence[str]) -> dict[str, bytes]:
    out = run_git(repo.root, ["cat-file", "--batch"], stdin="".join(s + "\n" for s in shas).encode()).stdout
    result: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        nl = out.index(b"\n", pos)
        header = out[pos:nl].decode("ascii", errors="replace").split()
        pos = nl + 1
        if len(header) != 3:
            continue  # "<sha> missing"
        size = int(header[2])
        result[header[0]] = out[pos:pos + size]
        pos += size + 1
    return result
