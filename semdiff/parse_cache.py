"""Parsed file versions by content: a text parsed once is not parsed again.

Parsing (libcst, tree-sitter walks) is most of what a warm run still costs once the call
graph is cached, and the same file versions come back all the time: a re-run of the same
range, an audit meeting a blob it met in another commit, the base side of every PR against
the same main. So the `ParsedFile` that `pipeline._parse` returns is stored under a key that
names everything it depends on:

* the exact text parsed — after python_focus blanked the definitions a change cannot
  reach, so a focused and an unfocused parse of one blob never share an entry;
* the path (every unit carries it; the backend is chosen by it and by the first line);
* the backend that read it (language and class) and a fingerprint of the code that decides
  what a parse yields: the sources of semdiff.lang, the IR, the budget and pipeline
  modules, this module and the codec, the tree-sitter queries, the identity of the
  installed parser packages (libcst, tree-sitter and its grammars, PyYAML) and the Python
  version — any edit or upgrade starts a fresh key space, no version number to forget;
* semdiff's version, the codec's VERSION and its SHAPE (derived from ir.py's field lists).

What is cached: results without an error, partial parses (syntax errors tree-sitter read
around: deterministic for a text) and "syntax error" results (libcst's or a config reader's
verdict on a text is deterministic too). Never cached: nesting/recursion refusals, internal
errors, and anything a timeout or the memory limit cut short — those raise through
`_parse` (FileTimeout, MemoryError) or come back as "internal error"/"nesting too deep",
which can depend on the stack, the load or a bug being fixed.

Where: `<cache dir>/graph/parse-v<codec version>/<2 hex>/<62 hex>.bin` — the cache dir of
semdiff.relevance.cache (SEMDIFF_CACHE_DIR, else the user cache dir), sharded, written
through its temporary-file + os.replace helper so concurrent runs (audit workers) see a
whole entry or none. Entries larger than MAX_ENTRY_BYTES are not written. Clearing the
cache is deleting that directory (or the whole cache dir). Trust: an entry is only ever
decoded by semdiff.ir_codec (marshal of plain values, CRC-checked, shape-checked, bound to
its key); a damaged or forged entry is a miss. Someone who can write the cache dir can
still make semdiff read a wrong but well-formed IR — as they could with the call-graph
cache — so a shared cache dir must be writable only by those trusted to run semdiff.
"""
from __future__ import annotations

import importlib.util
import marshal
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional, Union

from semdiff import digests, ir_codec
from semdiff.ir import ParsedFile

KIND = "parse"
FOCUS_KIND = "focus"  # python_focus results: the blanked texts of one file change
FOCUS_MAGIC = b"SDFOCUS1"
NAMES_KIND = "names"  # python_focus.enclosing_statement_names of one text and its changed lines
NAMES_MAGIC = b"SDNAMES1"
FINGERPRINT_KIND = "fingerprint"  # code_fingerprint results by the stat identity of what it hashes
MAX_ENTRY_BYTES = 16 * 1024 * 1024
# installed packages whose code decides what a parse yields (identity: path, size, mtime)
PARSER_PACKAGES = ("libcst", "tree_sitter", "tree_sitter_python", "tree_sitter_javascript", "tree_sitter_typescript",
                   "tree_sitter_go", "tree_sitter_java", "yaml")
_SEMDIFF_DIR = Path(__file__).resolve().parent
SOURCES = ("ir.py", "ir_codec.py", "ir_construct.py", "parse_cache.py", "budget.py", "pipeline.py", "resources.py")

_FINGERPRINT: Optional[str] = None


def code_fingerprint() -> str:
    """Hash of everything besides the text that decides what a parse yields (once per process).

    Hashing the ~500 KB of sources is a measurable part of a warm run, so the result is also
    remembered in the cache dir under the files' stat identity (path, size, mtime_ns, inode,
    ctime_ns) and the other inputs; any difference there (an edit, a copy, an upgrade) is a
    miss and the sources are hashed again. The value is the same either way."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        from semdiff import __version__
        from semdiff.resources import grammars_dir

        head = f"semdiff {__version__}\0codec {ir_codec.VERSION} {ir_codec.SHAPE}\0{sys.version}\0"
        files = [_SEMDIFF_DIR / name for name in SOURCES] + sorted((_SEMDIFF_DIR / "lang").glob("*.py"))
        files += sorted(grammars_dir().glob("*/*.scm"))
        packages = "".join(f"{name}\0{_package_identity(name)}\0" for name in PARSER_PACKAGES)
        _FINGERPRINT = remembered_digest(head, files, packages)
    return _FINGERPRINT


def remembered_digest(head: str, files: list[Path], packages: str = "") -> str:
    """sha256 of `head`, the files' names and contents and `packages`, remembered in the cache
    dir under the files' stat identity (code_fingerprint's way: any edit, copy or upgrade is a
    miss and the files are read and hashed again; the value is the same either way)."""
    identity = _stat_identity(head, files, packages)
    digest = _remembered_fingerprint(identity)
    if digest is None:
        digest = _hash_sources(head, files, packages)
        if _stat_identity(head, files, packages) == identity:  # not edited while read
            _remember_fingerprint(identity, digest)
    return digest


def _hash_sources(head: str, files: list[Path], packages: str) -> str:
    h = digests.openssl("sha256")  # megabytes of sources (a miss: the first run after a change)
    h.update(head.encode())
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            data = b"<missing>"
        h.update(f"{path.name}\0{len(data)}\0".encode())
        h.update(data)
    h.update(packages.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _stat_identity(head: str, files: list[Path], packages: str) -> str:
    """What `_hash_sources` reads, by stat only: equal identities mean the same fingerprint."""
    h = digests.sha256(f"semdiff-fingerprint\0{head}".encode())
    for path in files:
        try:
            st = os.stat(path)
            ident = f"{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\0{st.st_ctime_ns}"
        except OSError:
            ident = "<missing>"
        h.update(f"{path}\0{ident}\0".encode("utf-8", "surrogateescape"))
    h.update(packages.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _fingerprint_store() -> Any:
    from semdiff.relevance.cache import BlobCache

    return BlobCache()


def _remembered_fingerprint(identity: str) -> Optional[str]:
    try:
        data = _fingerprint_store().read_binary(FINGERPRINT_KIND, 1, identity, 64, touch=True)
    except Exception:  # noqa: BLE001 - no usable cache dir: hash the sources
        return None
    if data is None or len(data) != 64 or data.strip(b"0123456789abcdef"):
        return None
    return data.decode("ascii")


def _remember_fingerprint(identity: str, fingerprint: str) -> None:
    try:
        _fingerprint_store().put_binary(FINGERPRINT_KIND, 1, identity, fingerprint.encode("ascii"))
    except Exception:  # noqa: BLE001 - best effort, like every cache write
        pass


def _package_identity(name: str) -> str:
    """Where a package is installed and when its entry file was written (found without
    importing it: importing libcst is what a warm run must avoid)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return "absent"
    if spec is None or not spec.origin:
        return "absent"
    try:
        st = os.stat(spec.origin)
    except OSError:
        return f"{spec.origin}:?"
    return f"{spec.origin}:{st.st_size}:{st.st_mtime_ns}"


_DIGESTS: dict[int, tuple[str, bytes]] = {}  # id(text) -> (text, its sha256), this process's last few
_DIGESTS_KEPT = 256


def text_digest(text: str) -> bytes:
    """sha256 of `text` (UTF-8, surrogates passed), remembered for the text object itself.

    A warm run keys the same texts several times (a file's two sides for the focus entry and
    the changed-names entries, each parsed side for the parse plan and again for the parse);
    the answer is remembered by the object's identity (the entry holds the text, so the id is
    not reused while it is kept) for the last _DIGESTS_KEPT texts, so a long audit keeps no more."""
    hit = _DIGESTS.get(id(text))
    if hit is not None and hit[0] is text:
        return hit[1]
    digest = digests.bulk("sha256", text.encode("utf-8", "surrogatepass")).digest()
    if len(_DIGESTS) >= _DIGESTS_KEPT:
        _DIGESTS.clear()
    _DIGESTS[id(text)] = (text, digest)
    return digest


def cacheable(parsed: ParsedFile) -> bool:
    """Deterministic results only (see the module docstring)."""
    return parsed.error is None or parsed.error.startswith("syntax error")


class ParseCache:
    """ParsedFile entries by content key, on disk, plus the entries decoded this run."""

    def __init__(self, root: Union[str, Path, None] = None, store: Any = None, max_bytes: Optional[int] = None) -> None:
        """`max_bytes`: the size bound of the parse, focus and names entries together (see
        `max_cache_bytes`; None: $SEMDIFF_PARSE_CACHE_MAX_BYTES, else DEFAULT_MAX_BYTES)."""
        if store is None:
            from semdiff.relevance.cache import BlobCache

            store = BlobCache(root)
        self.store = store  # a semdiff.relevance.cache.BlobCache: location and atomic writes
        self.max_bytes = max_cache_bytes(max_bytes)
        self.hits = 0
        self.misses = 0
        self.corrupt = 0
        self.writes = 0
        self.evicted = 0
        self._sweeps = _SweepCounter()  # this instance's writes toward its next sweep
        self._memo: dict[str, ParsedFile] = {}

    @staticmethod
    def key(backend_id: str, path: str, text: str) -> str:
        """sha256 over the fingerprint, the backend, the path and the text's own sha256."""
        digest = text_digest(text).hex()
        h = digests.sha256(f"semdiff-parse\0{code_fingerprint()}\0{backend_id}\0".encode())
        h.update(path.encode("utf-8", "surrogatepass"))
        h.update(f"\0{digest}".encode())
        return h.hexdigest()

    def _file(self, key: str) -> Optional[Path]:
        return self.store.binary_path(KIND, ir_codec.VERSION, key)

    def get(self, key: str) -> Optional[ParsedFile]:
        """The entry for `key`, or None (missing, unreadable, damaged: all the same to callers)."""
        hit = self._memo.get(key)
        if hit is not None:
            self.hits += 1
            return hit
        data = self.store.read_binary(KIND, ir_codec.VERSION, key, MAX_ENTRY_BYTES, touch=True)
        if data is None:
            self.misses += 1
            return None
        parsed = ir_codec.decode(data, key)
        if parsed is None:
            self.corrupt += 1
            self.misses += 1
            return None
        self.hits += 1
        self._memo[key] = parsed
        return parsed

    def contains(self, key: str) -> bool:
        """Whether `key` is decoded already or can be (reads and checks the entry once)."""
        if key in self._memo:
            return True
        parsed = self.get(key)
        if parsed is None:
            return False
        self.hits -= 1  # counted when the parse asks for it
        return True

    def put(self, key: str, parsed: ParsedFile) -> None:
        """Best effort: an entry that cannot be encoded, or a read-only cache dir, only costs speed."""
        if not cacheable(parsed):
            return
        try:
            data = ir_codec.encode(parsed, key)
        except ir_codec.CodecError:
            return
        if len(data) > MAX_ENTRY_BYTES:
            return
        self._write(KIND, key, data)

    def _write(self, kind: str, key: str, data: bytes) -> None:
        """Publish an entry, then evict least recently used entries if the bound calls for it."""
        before = self.store.stats.writes
        self.store.put_binary(kind, ir_codec.VERSION, key, data)
        if self.store.stats.writes == before:
            return  # not written (read-only or full cache dir)
        if kind == KIND:
            self.writes += 1
        if self.max_bytes is not None:
            self.evicted += self._sweeps.wrote(self.store.root, self.max_bytes, len(data))

    # -- the focus step's results ---------------------------------------------------------------
    # Blanking (semdiff.lang.python_focus) needs a tree-sitter parse of both sides, about as
    # long as decoding their entries, and its output is the key of those entries. It depends
    # only on its inputs (and on code the fingerprint covers), so it is stored too.

    @staticmethod
    def focus_key(paths: tuple[str, str], texts: tuple[Optional[str], Optional[str]], removed: list[int], added: list[int],
                  names: frozenset[str]) -> str:
        h = digests.sha256(f"semdiff-focus\0{code_fingerprint()}\0".encode())
        for text in texts:
            h.update(b"-" if text is None else text_digest(text))
        h.update("\0".join([*paths, ",".join(map(str, removed)), ",".join(map(str, added)), *sorted(names)]).encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def get_focus(self, key: str, texts: tuple[Optional[str], Optional[str]]) -> Optional[tuple[Optional[str], Optional[str]]]:
        """The blanked texts stored for `key`, if intact and shaped like `texts` (same sides
        present, same number of lines: blanking never moves a line)."""
        data = self.store.read_binary(FOCUS_KIND, ir_codec.VERSION, key, MAX_ENTRY_BYTES, touch=True)
        payload = ir_codec.unframe(FOCUS_MAGIC, data) if data else None
        if payload is None:
            return None
        try:
            value = marshal.loads(payload)
        except (ValueError, EOFError, TypeError):
            return None
        if type(value) is not tuple or len(value) != 3 or value[0] != key:
            return None
        out = value[1:]
        for got, text in zip(out, texts):
            if (got is None) != (text is None) or (got is not None and (type(got) is not str or got.count("\n") != text.count("\n"))):
                return None
        return out  # type: ignore[return-value]

    def put_focus(self, key: str, focused: tuple[Optional[str], Optional[str]]) -> None:
        payload = marshal.dumps((key, *focused), 4)
        data = ir_codec.frame(FOCUS_MAGIC, payload)
        if len(data) <= MAX_ENTRY_BYTES:
            self._write(FOCUS_KIND, key, data)

    # -- the changed-names step ------------------------------------------------------------------
    # Which module-level names a change's lines sit under (python_focus.enclosing_statement_names)
    # needs a tree-sitter read of every changed Python file's both sides, the last parse left in
    # a warm run; its answer depends only on the text, the lines and the (fingerprinted) code.

    def enclosing_names(self, text: Optional[str], lines: list[int],
                        compute: "Callable[[Optional[str], list[int]], frozenset[str]]") -> frozenset[str]:
        """`compute(text, lines)`, read from the cache when this text and these lines were seen."""
        if text is None or not lines:
            return compute(text, lines)
        h = digests.sha256(f"semdiff-names\0{code_fingerprint()}\0".encode())
        h.update(text_digest(text))
        h.update(",".join(map(str, lines)).encode())
        key = h.hexdigest()
        data = self.store.read_binary(NAMES_KIND, ir_codec.VERSION, key, MAX_ENTRY_BYTES, touch=True)
        payload = ir_codec.unframe(NAMES_MAGIC, data) if data else None
        try:
            value = marshal.loads(payload) if payload is not None else None
        except (ValueError, EOFError, TypeError):
            value = None
        if (type(value) is tuple and len(value) == 2 and value[0] == key and type(value[1]) is tuple
                and all(type(n) is str for n in value[1])):
            return frozenset(value[1])
        names = compute(text, lines)
        data = ir_codec.frame(NAMES_MAGIC, marshal.dumps((key, tuple(sorted(names))), 4))
        if len(data) <= MAX_ENTRY_BYTES:
            self._write(NAMES_KIND, key, data)
        return names


# -- size bound: least recently used entries go first ------------------------------------------
# Every entry read is marked used (its mtime, BlobCache.read_binary(touch=True)); a sweep lists
# the entries of EVICTED_KINDS of every key space (old ones included: they are never
# read again, so they are the least recently used), and when they hold more than the bound it
# deletes the oldest until they fit in LOW_WATER of it. A process sweeps when it has written
# 1/SWEEP_FRACTION of the bound since its last sweep, or at its first write when no process has
# swept for SWEEP_EVERY seconds. One sweep at a time (a lock file, whose mtime says when the
# last sweep ran); concurrent readers are safe: an entry is unlinked, never truncated, so a
# reader that opened it reads it whole and one that comes after finds nothing (a miss).

MAX_BYTES_ENV = "SEMDIFF_PARSE_CACHE_MAX_BYTES"
DEFAULT_MAX_BYTES = 1024 ** 3
LOW_WATER = 0.8
SWEEP_FRACTION = 8
SWEEP_EVERY = 3600.0
STALE_TMP_SECONDS = 3600.0  # a temporary file this old is a writer that died before publishing
REPORT_KIND = "report"  # semdiff.report_cache's entries: one per analysed range, so they grow without bound too
# a call graph's snapshot and its stored relevance walks (semdiff.relevance.snapshot and
# .propagate): one per revision analysed, ~5 MB each for a 100k-line repository, so an audit
# of 1,000 commits wrote ~5 GB of them before they were bounded too
SNAPSHOT_KIND = "snapshot"
ANSWERS_KIND = "relevance"
EVICTED_KINDS = (KIND, FOCUS_KIND, NAMES_KIND, REPORT_KIND, FINGERPRINT_KIND, SNAPSHOT_KIND, ANSWERS_KIND)
# per-blob call-graph facts as they were stored before facts packs (session 13): never read
# again, so a sweep deletes them (semdiff.relevance.cache; the languages of the extractors)
LEGACY_FACTS_LANGUAGES = ("python", "javascript", "typescript", "go", "java")
_LOCK_NAME = ".parse-evict.lock"


def max_cache_bytes(configured: Optional[int] = None) -> Optional[int]:
    """The bound in bytes: `configured`, else $SEMDIFF_PARSE_CACHE_MAX_BYTES (an integer,
    optionally with a K, M or G suffix), else DEFAULT_MAX_BYTES; 0 or less means unbounded (None)."""
    value = configured
    if value is None:
        value = _parse_size(os.environ.get(MAX_BYTES_ENV, ""))
    return value if value > 0 else None


def _parse_size(text: str) -> int:
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    scale = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}.get(text[-1:], 1)
    try:
        return int(float(text[:-1] if scale > 1 else text) * scale) if text else DEFAULT_MAX_BYTES
    except ValueError:
        return DEFAULT_MAX_BYTES  # a typo in the environment must not unbound the cache


class _SweepCounter:
    """When a process's writes call for a sweep: at its first write when no process swept for
    SWEEP_EVERY seconds, then each time it has written 1/SWEEP_FRACTION of the bound."""

    def __init__(self) -> None:
        self.written = 0  # bytes written since this counter last swept (or looked whether to)
        self.looked = False  # whether it asked if a sweep is due

    def wrote(self, root: Union[str, Path], max_bytes: int, nbytes: int) -> int:
        """Count a write of `nbytes`; sweep when due. Returns how many entries were deleted."""
        self.written += nbytes
        if self.written < max_bytes // SWEEP_FRACTION:
            if self.looked:
                return 0
            self.looked = True  # the first write: sweep if none ran for a while
            if not sweep_due(root):
                return 0
        self.written = 0
        self.looked = True
        return evict(root, max_bytes)


_WRITTEN_ELSEWHERE: dict[str, _SweepCounter] = {}  # cache root -> writes outside ParseCache


def put_bounded(store: Any, kind: str, version: int, key: str, payload: bytes) -> None:
    """`store.put_binary(...)` for a bounded entry written outside ParseCache (a report, a
    call-graph snapshot, a file of relevance walks), counted toward this process's next sweep
    as ParseCache counts its own writes: an audit that writes a ~5 MB snapshot per commit and
    few parse entries still sweeps every 1/SWEEP_FRACTION of the bound."""
    before = store.stats.writes
    store.put_binary(kind, version, key, payload)
    max_bytes = max_cache_bytes()
    if store.stats.writes == before or max_bytes is None:
        return
    _WRITTEN_ELSEWHERE.setdefault(str(store.root), _SweepCounter()).wrote(store.root, max_bytes, len(payload))


def sweep_due(root: Union[str, Path]) -> bool:
    """Whether no sweep ran in the last SWEEP_EVERY seconds (the lock file's mtime)."""
    try:
        last = os.stat(Path(root) / "graph" / _LOCK_NAME).st_mtime
    except OSError:
        return True
    return time.time() - last >= SWEEP_EVERY


def evict(root: Union[str, Path], max_bytes: int, low_water: float = LOW_WATER) -> int:
    """Delete least recently used entries of EVICTED_KINDS under `root` (the cache dir) until
    they hold at most `low_water * max_bytes`, if they hold more than `max_bytes`; also stale
    temporary files and the per-blob facts files no version reads any more. Returns how many entries were deleted; never raises OSError (a
    sweep another process holds, or an unwritable directory, is simply skipped)."""
    graph = Path(root) / "graph"
    try:
        graph.mkdir(parents=True, exist_ok=True)
        lock = open(graph / _LOCK_NAME, "a+b")
    except OSError:
        return 0
    with lock:
        if not _try_lock(lock.fileno()):
            return 0
        try:
            entries, total = _list_entries(graph)
            removed = 0
            if total > max_bytes:
                target = int(max_bytes * low_water)
                entries.sort()
                for _mtime, size, path in entries:
                    if total <= target:
                        break
                    try:
                        os.unlink(path)
                        removed += 1
                    except FileNotFoundError:
                        pass  # gone already (cleared by hand)
                    except OSError:
                        continue  # still counted: another process may hold it open (Windows)
                    total -= size
            os.utime(lock.fileno() if os.utime in os.supports_fd else graph / _LOCK_NAME)
            return removed
        except OSError:
            return 0


def _remove_legacy_facts(directory: str) -> None:
    """Delete the per-blob facts files (`<2 hex>/<rest>.json`, and temporary files) of a
    directory no version of semdiff since facts packs reads, then the emptied directories.
    Best effort: what cannot be listed or deleted stays, and the sweep goes on without it."""
    try:
        shards = [s.path for s in os.scandir(directory) if s.is_dir(follow_symlinks=False)]
    except OSError:
        return
    for shard in shards:
        try:
            names = [e for e in os.scandir(shard) if e.name.endswith(".json") or e.name.startswith(".tmp-")]
        except OSError:
            continue
        for e in names:
            try:
                if e.is_file(follow_symlinks=False):
                    os.unlink(e.path)
            except OSError:
                pass
        try:
            os.rmdir(shard)
        except OSError:
            pass  # something else is in it: left alone
    try:
        os.rmdir(directory)
    except OSError:
        pass


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # no flock (Windows): sweeps may overlap; unlinking twice is harmless
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released when the file is closed
    except OSError:
        return False
    return True


def _list_entries(graph: Path) -> tuple[list[tuple[float, int, str]], int]:
    """(mtime, size, path) of every entry of EVICTED_KINDS, and their total size; stale
    temporary files are deleted on the way."""
    now = time.time()
    entries: list[tuple[float, int, str]] = []
    total = 0
    for top in os.scandir(graph):
        if not top.is_dir(follow_symlinks=False):
            continue
        kind, _, version = top.name.partition("-v")
        if kind in LEGACY_FACTS_LANGUAGES and version.isdigit():
            _remove_legacy_facts(top.path)
            continue
        if kind not in EVICTED_KINDS:
            continue
        for shard in os.scandir(top.path):
            if not shard.is_dir(follow_symlinks=False):
                continue
            for e in os.scandir(shard.path):
                try:
                    if not e.is_file(follow_symlinks=False):
                        continue
                    st = e.stat(follow_symlinks=False)
                    if e.name.startswith(".tmp-"):
                        if now - st.st_mtime > STALE_TMP_SECONDS:
                            os.unlink(e.path)
                    elif e.name.endswith(".bin"):
                        entries.append((st.st_mtime, st.st_size, e.path))
                        total += st.st_size
                except FileNotFoundError:
                    continue  # published over or evicted meanwhile
    return entries, total
