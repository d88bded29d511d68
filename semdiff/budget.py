"""Per-file time and size budgets, a nesting guard for the Python parser, and a memory cap.

semdiff reads code written by whoever wants a change to slip through, so every file must
cost a bounded amount of time and memory, and a file that would cost more is reported as
not analysed (never dropped, never a crash, never a hang):

* size: a side larger than `max_file_bytes` (or a hunk that claims a line number no file of
  that size can have) is `too-large` before any parser sees it;
* nesting: libcst's native parser overflows the C stack (a segfault, not an exception) on
  expressions nested a few thousand deep, and is quadratic well before that. CPython's own
  parser refuses such input cleanly, so `python_nesting_problem` asks it first (`ast.parse`
  only builds a tree, it never runs anything) and measures the tree depth iteratively;
* time: `call_with_deadline` interrupts a file's parse + analysis after `file_timeout`
  seconds (SIGALRM in the main thread; elsewhere a worker thread whose result is abandoned).
  A signal cannot stop native code, and tree-sitter's error recovery on hostile text (a few
  MB of unclosed brackets) runs for seconds inside one call, so every tree-sitter parse goes
  through `parse_tree`, which feeds the text in chunks and checks the deadline between them
  (outside any file's budget it applies `UNBUDGETED_PARSE_SECONDS` and raises
  `ParseTooSlow`, an ordinary ValueError the callers already treat as "give up");
* memory: `limit_memory` caps the address space of the whole process (the CLI sets it), so a
  runaway file raises MemoryError, which becomes `out-of-memory` for that file.

Whether a skipped file could hide a weakening (`security_relevant`) is decided here too, so
CI mode fails closed for the same reasons whatever the budget that was exceeded.
"""
from __future__ import annotations

import ast
import re
import signal
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, TypeVar

from semdiff.lang.pyparse import parse_quietly
from semdiff.model import FileChange, NotAnalyzed

T = TypeVar("T")

DEFAULT_MAX_FILE_BYTES = 5_000_000
DEFAULT_FILE_TIMEOUT = 10.0
DEFAULT_MAX_MEMORY_BYTES = 4 * 1024 ** 3

# Deeper than this, libcst gets slow (quadratic) and then crashes; real code stays far below.
MAX_PYTHON_DEPTH = 400
# When CPython cannot parse the text (newer syntax, or broken code), a lexical estimate.
MAX_BRACKET_DEPTH = 200  # CPython's own limit ("too many nested parentheses")
MAX_OPERATORS_PER_LINE = 1500
_OPERATOR = re.compile(r"\*\*|//|<<|>>|[-+*/%@&|^~<>.]|\b(?:not|and|or|lambda|if|await)\b")
_REFUSED_NESTING = ("too many nested parentheses", "too many levels of indentation", "too complex", "too deeply nested")


class FileTimeout(BaseException):
    """The file's parse/analysis ran past its time budget.

    A BaseException, like KeyboardInterrupt, so that the `except Exception` a backend or a
    rule keeps around its own work (turning a bug into a reported entry) cannot swallow it:
    it must reach `analyse_within`, or the file would be reported as a parse error (or, worse,
    analysed with its rest unbudgeted once the one-shot alarm has fired)."""


class ParseTooSlow(ValueError):
    """A tree-sitter parse outside any file's budget ran past `UNBUDGETED_PARSE_SECONDS`."""


@dataclass(frozen=True)
class FileBudget:
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    file_timeout: Optional[float] = DEFAULT_FILE_TIMEOUT  # None or <= 0: no time limit


# -- size -------------------------------------------------------------------------------------

def _text_bytes(text: Optional[str]) -> int:
    return 0 if text is None else len(text.encode("utf-8", errors="surrogatepass"))


def size_problem(fc: FileChange, max_bytes: int) -> Optional[str]:
    """Why `fc` is too large to analyse, or None. Hunk-only changes are measured by their hunk
    text and by the highest line number they claim (the pipeline rebuilds a padded text of
    that many lines, so `@@ -1 +999999999 @@` alone would otherwise cost gigabytes)."""
    for label, text in (("before", fc.old_text), ("after", fc.new_text)):
        size = _text_bytes(text)
        if size > max_bytes:
            return f"{label}: {size} bytes > limit {max_bytes} (raise it with --max-file-bytes)"
    if fc.hunk_only:
        total = 0
        top = 0
        for h in fc.hunks:
            total += sum(len(t) + 1 for t in h.removed_text + h.added_text + h.context_text)
            top = max([top, *h.removed, *h.added, *h.context_old, *h.context_new])
        if total > max_bytes:
            return f"hunks: {total} bytes > limit {max_bytes} (raise it with --max-file-bytes)"
        if top > max_bytes:
            return f"hunk claims line {top}, more lines than a file within the {max_bytes}-byte limit can have"
    return None


# -- nesting ----------------------------------------------------------------------------------

# ASDL types of fields that never hold a node (names, strings, constants, numbers)
_AST_SCALARS = frozenset({"identifier", "string", "constant", "int"})
_AST_FIELDS: dict[type, tuple[str, ...]] = {}  # node type -> its fields that can hold nodes


def _ast_fields(node_type: type) -> tuple[str, ...]:
    """The fields of an `ast` node type that can hold a node, read from the ASDL signature
    CPython gives each node class as its docstring (`Name(identifier id, expr_context ctx)`);
    all of `_fields` when the docstring does not read as that signature."""
    fields = node_type._fields  # type: ignore[attr-defined]
    doc = node_type.__doc__ or ""
    head = node_type.__name__ + "("
    if fields and doc.startswith(head) and doc.endswith(")"):
        decls = [d.split() for d in doc[len(head):-1].split(",")]
        if len(decls) == len(fields) and all(len(d) == 2 and d[1] == f for d, f in zip(decls, fields)):
            fields = tuple(f for (kind, f) in decls if kind.rstrip("?*") not in _AST_SCALARS)
    _AST_FIELDS[node_type] = fields
    return fields


def _ast_depth(tree: ast.AST, limit: int) -> int:
    """Maximum depth of `tree`, stopping early once `limit` is passed (iterative: no recursion)."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    pop, push = stack.pop, stack.append
    node_type, bool_op = ast.AST, ast.BoolOp
    table = _AST_FIELDS
    while stack:
        node, depth = pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        kind = type(node)
        # `a and b and c` is one flat BoolOp here but a left-nested chain in libcst (one level
        # per operator): a long chain overflows libcst's native stack like nesting does
        below = depth + (len(node.values) - 1 if kind is bool_op and len(node.values) > 2 else 1)
        # ast.iter_child_nodes inlined (the same fields, in the same order, less those declared
        # to hold names, strings or numbers only): a generator per node was half the cost of
        # this walk, which runs on every Python side parsed
        names = table.get(kind)
        if names is None:
            names = _ast_fields(kind)
        for name in names:
            value = getattr(node, name, None)
            if isinstance(value, node_type):
                push((value, below))
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, node_type):
                        push((item, below))
    return deepest


def lexical_nesting_problem(text: str) -> Optional[str]:
    """Conservative estimate for text CPython cannot parse: bracket depth over the whole file
    (brackets inside strings count too: over-counting only costs a not-analysed entry) and
    operator density per line."""
    depth = deepest = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif ch in ")]}":
            depth = max(0, depth - 1)
    if deepest > MAX_BRACKET_DEPTH:
        return f"nesting too deep (brackets {deepest} levels, limit {MAX_BRACKET_DEPTH})"
    for number, line in enumerate(text.split("\n"), 1):
        if len(line) > MAX_OPERATORS_PER_LINE and len(_OPERATOR.findall(line)) > MAX_OPERATORS_PER_LINE:
            return f"nesting too deep (line {number} chains more than {MAX_OPERATORS_PER_LINE} operators)"
    return None


def python_nesting_problem(text: str) -> Optional[str]:
    """Why `text` is nested too deeply for libcst to parse safely, or None.

    `ast.parse` compiles to a syntax tree only; no code of the file is executed or imported.
    The compiler's warnings about the analysed text (an invalid escape such as `'\\d'`) are
    about someone else's code: they are silenced, not printed on the user's terminal."""
    return python_syntax_check(text)[0]


def python_syntax_check(text: str) -> tuple[Optional[str], bool]:
    """(python_nesting_problem's answer, whether Python's own parser accepted `text`)."""
    try:
        tree = parse_quietly(text)
    except RecursionError:
        return "nesting too deep (Python's parser gave up)", False
    except MemoryError:
        return "nesting too deep (Python's parser ran out of stack)", False
    except SyntaxError as exc:
        message = str(exc.msg or "")
        if any(m in message for m in _REFUSED_NESTING):
            return f"nesting too deep ({message})", False
        return lexical_nesting_problem(text), False
    except (ValueError, TypeError):  # e.g. NUL bytes; the backend reports them
        return lexical_nesting_problem(text), False
    depth = _ast_depth(tree, MAX_PYTHON_DEPTH)
    if depth > MAX_PYTHON_DEPTH:
        return f"nesting too deep (tree more than {MAX_PYTHON_DEPTH} levels)", True
    return None, True


# -- time -------------------------------------------------------------------------------------

# The deadline of the file being analysed in this thread (time.monotonic()), set by
# call_with_deadline; parse_tree reads it between the chunks it hands to tree-sitter.
_ACTIVE = threading.local()

# A tree-sitter parse outside any file's budget (the focus pre-pass, the relevance graph) may
# take this long. Ordinary files parse in milliseconds (tree-sitter reads MBs per second);
# only error recovery over hostile text gets near it.
UNBUDGETED_PARSE_SECONDS = 3.0
PARSE_CHUNK_BYTES = 64 * 1024
# Texts whose parse ran out of time, by (grammar, length, hash): asked again in the same run
# (the focus pass, then the file's own parse, then the graph) they are refused at once.
_TOO_SLOW: dict[tuple[str, int, int], None] = {}
_TOO_SLOW_MAX = 256


def active_deadline() -> Optional[float]:
    return getattr(_ACTIVE, "deadline", None)


def _grammar(parser: object) -> str:
    language = getattr(parser, "language", None)
    return str(getattr(language, "name", None) or id(language))


def parse_tree(parser, data: bytes):  # noqa: ANN001, ANN201 - tree_sitter.Parser -> tree_sitter.Tree
    """`parser.parse(data)`, bounded in time: inside a file's budget FileTimeout when its
    deadline passes, outside ParseTooSlow after UNBUDGETED_PARSE_SECONDS.

    Small texts are parsed in one call (their cost is bounded by their size). Larger ones are
    handed over in chunks through tree-sitter's read callback, which tree-sitter calls as it
    advances; the callback raises once time is up, which aborts the native parse."""
    deadline = active_deadline()
    key = (_grammar(parser), len(data), hash(data))
    if key in _TOO_SLOW:
        return _too_slow(deadline, "refused: this text already ran out of parse time")
    if len(data) <= PARSE_CHUNK_BYTES:
        return parser.parse(data)
    until = deadline if deadline is not None else time.monotonic() + UNBUDGETED_PARSE_SECONDS
    expired: list[bool] = []

    def read(offset: int, _point: object) -> bytes:
        if time.monotonic() > until:
            expired.append(True)
            raise FileTimeout("tree-sitter parse ran past the deadline")
        return data[offset:offset + PARSE_CHUNK_BYTES]

    try:
        tree = parser.parse(read)
    except (FileTimeout, SystemError) as exc:  # the binding reports a callback's exception as SystemError
        if not (expired or _caused_by_timeout(exc)):
            raise
        if len(_TOO_SLOW) >= _TOO_SLOW_MAX:
            _TOO_SLOW.pop(next(iter(_TOO_SLOW)))
        _TOO_SLOW[key] = None
        return _too_slow(deadline, f"tree-sitter parse of {len(data)} bytes ran out of time")
    if tree is None:
        raise ParseTooSlow("tree-sitter returned no tree")
    # A tree parsed through a read callback keeps the callback as its source: later reads of
    # node text (query predicates such as #match?, evaluated in native code) call it again,
    # and once the deadline has passed it raises there, where the binding cannot handle it
    # (intermittent SIGSEGV in QueryCursor.matches on large files, seen by H1 and H8).
    # Re-parsing the same bytes with that tree as the old one reuses every node (no edits:
    # microseconds) and gives a tree backed by the bytes themselves.
    return parser.parse(data, tree)


def _caused_by_timeout(exc: BaseException) -> bool:
    """Whether a FileTimeout (the alarm, or our callback) is in `exc`'s chain: a signal handler
    that raises while native code runs surfaces as a SystemError wrapping it, maybe twice."""
    seen = 0
    current: Optional[BaseException] = exc
    while current is not None and seen < 16:
        if isinstance(current, FileTimeout):
            return True
        current, seen = current.__cause__ or current.__context__, seen + 1
    return False


def _too_slow(deadline: Optional[float], why: str):  # noqa: ANN202 - never returns
    if deadline is not None:
        raise FileTimeout(why)
    raise ParseTooSlow(why)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def call_with_deadline(fn: Callable[[], T], seconds: Optional[float]) -> T:
    """`fn()`, or FileTimeout once `seconds` have passed.

    In the main thread a SIGALRM timer interrupts Python code wherever it is (a native call
    is interrupted when it returns; the nesting guard keeps those short). Any timer already
    set by the caller is restored. Outside the main thread signals cannot be used, so `fn`
    runs in a daemon worker thread and its result is abandoned when the deadline passes.
    """
    if seconds is None or seconds <= 0:
        return fn()
    if _in_main_thread() and hasattr(signal, "setitimer"):
        return _with_alarm(_deadline_set(fn, seconds), seconds)
    return _with_worker(_deadline_set(fn, seconds), seconds)


def _deadline_set(fn: Callable[[], T], seconds: float) -> Callable[[], T]:
    """`fn` run with this thread's file deadline set (for parse_tree), the previous restored."""
    def run() -> T:
        previous = active_deadline()
        _ACTIVE.deadline = time.monotonic() + seconds
        try:
            return fn()
        finally:
            _ACTIVE.deadline = previous
    return run


def _with_alarm(fn: Callable[[], T], seconds: float) -> T:
    with ChangeAlarm(seconds) as alarm:
        return alarm.call(fn)


class ChangeAlarm:
    """A SIGALRM time budget: a file's parse and analysis (call_with_deadline, one call) and
    each unit change's rule families (the file budget's seconds, one timer per change).

    A rule family is Python over one unit's IR, but a hostile unit (a huge literal, a
    pathological name) could still make one run for minutes, and the run would then hang
    instead of reporting the change. One SIGALRM handler is installed for the whole loop
    (`with`) and a timer is armed per change (`call`): two setitimer calls, where
    call_with_deadline's per-call set-up would cost hundreds of signal() calls in a PR-sized
    run. Outside the main thread there are no signals, and no budget (the families run as
    before). A forked families' child inherits the handler and arms its own timers."""

    def __init__(self, seconds: Optional[float]) -> None:
        usable = seconds is not None and seconds > 0 and hasattr(signal, "setitimer") and _in_main_thread()
        self.seconds: Optional[float] = seconds if usable else None
        self._saved: Optional[tuple[object, float, float]] = None

    def __enter__(self) -> "ChangeAlarm":
        if self.seconds is not None:
            seconds = self.seconds

            def expire(signum, frame):  # noqa: ANN001 - signal handler signature
                raise FileTimeout(f"more than {seconds:g}s")

            previous = signal.signal(signal.SIGALRM, expire)
            delay, interval = signal.setitimer(signal.ITIMER_REAL, 0)
            self._saved = (previous, delay, interval)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            previous, delay, interval = self._saved
            self._saved = None
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)  # type: ignore[arg-type]
            if delay > 0:
                signal.setitimer(signal.ITIMER_REAL, delay, interval)

    def call(self, fn: Callable[[], T]) -> T:
        """`fn()`, or FileTimeout (maybe wrapped: `timed_out`) once the budget has passed."""
        if self.seconds is None or self._saved is None:
            return fn()
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        try:
            return fn()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)


def timed_out(exc: BaseException) -> bool:
    """Whether `exc` is (or was caused by) a budget's FileTimeout."""
    return _caused_by_timeout(exc)


def _with_worker(fn: Callable[[], T], seconds: float) -> T:
    box: dict[str, object] = {}

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller below
            box["error"] = exc

    worker = threading.Thread(target=work, name="semdiff-file", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise FileTimeout(f"more than {seconds:g}s")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


# -- memory -----------------------------------------------------------------------------------

def limit_memory(max_bytes: Optional[int]) -> bool:
    """Cap the process address space at `max_bytes` (never raising an existing lower cap).
    Returns whether a cap is in place. Unsupported platforms simply run uncapped."""
    if not max_bytes or max_bytes <= 0:
        return False
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return False
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    target = max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard)
    if soft != resource.RLIM_INFINITY and soft <= target:
        return True
    try:
        resource.setrlimit(resource.RLIMIT_AS, (target, hard))
    except (ValueError, OSError):
        return False
    return True


# -- what a skipped file could hide ---------------------------------------------------------------

_GUARD_WORDS = re.compile(
    r"\b(?:raise|assert|abort|throw|deny|forbidden|unauthori[sz]ed|permission\w*|login_required|"
    r"require\w*|is_admin|is_authenticated|verify\w*|check_\w+)\b|\b40[13]\b",
    re.IGNORECASE,
)


def guards_likely(text: Optional[str]) -> bool:
    """Cheap lexical stand-in for "the old version contained guards", for files too large,
    too slow or too broken to parse: a skipped file that used to refuse things may hide a
    removed check."""
    return bool(text) and _GUARD_WORDS.search(text) is not None  # type: ignore[arg-type]


def policy_file(path: str) -> bool:
    """A file semdiff reads only because it is policy (CI workflows, assistant settings,
    dependency manifests, Dockerfiles, CODEOWNERS): when it cannot be read, whatever it
    changed (a permission, a dependency source) is unknown, so skipping it fails closed.
    Our readers are stricter than the tools that consume these files (a deeply nested but
    valid package.json, a YAML file PyYAML refuses), so a refusal is not proof of harmlessness."""
    import fnmatch
    import posixpath

    from semdiff.lang.config_registry import PATTERNS

    base = posixpath.basename(path)
    return any(fnmatch.fnmatch(base, pattern) or fnmatch.fnmatch(path, pattern) for pattern, _ in PATTERNS)


@dataclass(frozen=True)
class Skipped:
    reason: str  # too-large | too-deep | timeout | out-of-memory
    detail: str


def analyse_within(fc: FileChange, work: Callable[[], T], budget: FileBudget) -> tuple[Optional[T], Optional[Skipped]]:
    """Run `work` (parse + align one file) inside the file's budgets.

    Returns (result, None) or (None, why it was skipped). RecursionError is included because a
    backend walking a deep tree must cost the file, not the run.
    """
    problem = size_problem(fc, budget.max_file_bytes)
    if problem:
        return None, Skipped("too-large", problem)
    try:
        return call_with_deadline(work, budget.file_timeout), None
    except FileTimeout as exc:
        why = f"took {exc}" if str(exc).startswith("more than") else f"stopped: {exc}"
        return None, Skipped("timeout", f"parse and analysis {why} (raise it with --file-timeout)")
    except MemoryError:
        return None, Skipped("out-of-memory", "the memory limit was reached while analysing this file")
    except RecursionError:
        return None, Skipped("too-deep", "nesting too deep to analyse")


# -- the call-graph build's whole budget ------------------------------------------------------
# Each file the call graph parses is bounded (parse_tree: UNBUDGETED_PARSE_SECONDS), but a
# change or repository with many hostile files could still take minutes. The build of both
# graphs of a change shares one deadline; files not parsed by then are left out of the graph
# and reported (GRAPH_TIMEOUT_REASON), and such a report is never cached (it depends on the
# load, not on the inputs).

DEFAULT_GRAPH_TIMEOUT = 120.0
GRAPH_TIMEOUT_ENV = "SEMDIFF_GRAPH_TIMEOUT"
GRAPH_TIMEOUT_REASON = "graph-timeout"
GRAPH_SUMMARY_PATH = "<call graph>"


@dataclass(frozen=True)
class Deadline:
    """A point on the monotonic clock (None: no limit) and the budget it came from."""

    at: Optional[float]
    seconds: Optional[float] = None

    def expired(self) -> bool:
        return self.at is not None and time.monotonic() >= self.at


NO_DEADLINE = Deadline(None)


def graph_timeout(configured: Optional[float] = None) -> Optional[float]:
    """The whole-build budget in seconds: `configured` (AnalyzeOptions.graph_timeout), else
    $SEMDIFF_GRAPH_TIMEOUT, else DEFAULT_GRAPH_TIMEOUT; 0 or less means no limit (None)."""
    import os

    value: Optional[float] = configured
    if value is None:
        env = os.environ.get(GRAPH_TIMEOUT_ENV, "").strip()
        try:
            value = float(env) if env else DEFAULT_GRAPH_TIMEOUT
        except ValueError:
            value = DEFAULT_GRAPH_TIMEOUT  # a typo in the environment must not turn the limit off
    return value if value > 0 else None


def deadline_after(seconds: Optional[float]) -> Deadline:
    return NO_DEADLINE if seconds is None else Deadline(time.monotonic() + seconds, seconds)


def graph_timeout_entry(path: str, deadline: Deadline) -> NotAnalyzed:
    """A file the call-graph build did not reach before its whole budget ran out."""
    spent = f"{deadline.seconds:g} s" if deadline.seconds is not None else "its time"
    return NotAnalyzed(path, GRAPH_TIMEOUT_REASON,
                       f"call graph build stopped after {spent} (whole-build budget, {GRAPH_TIMEOUT_ENV} or "
                       "AnalyzeOptions.graph_timeout): this file was not parsed, so its calls are missing "
                       "from the graph and relevance through it is unknown")


def graph_timeout_report(skipped: Iterable[NotAnalyzed], changed: Iterable[str],
                         sensitive: Callable[[str], bool]) -> tuple[NotAnalyzed, ...]:
    """What a report says about files the call-graph build left out for lack of time.

    A changed file, or one whose path looks security-relevant (`sensitive`), is a file whose
    calls could decide whether a weakening is reached: it gets its own entry, security-relevant,
    so CI fails closed. The others are counted in one entry (a cold build of a large repository
    could leave thousands), which is not security-relevant by itself."""
    from dataclasses import replace

    changed_set = frozenset(changed)
    relevant: dict[str, NotAnalyzed] = {}
    rest: dict[str, NotAnalyzed] = {}
    for n in skipped:
        if n.reason != GRAPH_TIMEOUT_REASON:
            continue
        if n.path in changed_set or sensitive(n.path):
            relevant.setdefault(n.path, replace(n, security_relevant=True))
        else:
            rest.setdefault(n.path, n)
    out = [relevant[p] for p in sorted(relevant)]
    if rest:
        names = sorted(rest)
        examples = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        out.append(NotAnalyzed(GRAPH_SUMMARY_PATH, GRAPH_TIMEOUT_REASON,
                               f"{len(names)} other file(s) not parsed ({examples}); {rest[names[0]].detail}", False))
    return tuple(out)
