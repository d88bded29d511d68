"""Compiled regular-expression programs kept between runs of the command.

A warm PR run compiles about 420 regular expressions (the purpose tables, the rule modules,
click, unidiff, tomllib) before it reads a line of the change: each process parses every
pattern again and turns it into the program `_sre` runs, about a sixth of a warm run's time.
The program depends only on the pattern, its flags and the Python build, so the command
keeps them in one file of the cache dir, `<cache dir>/startup/regex-<build key>.bin`, and a
later process hands `_sre.compile` the stored program instead of parsing the pattern again.

What a stored program can change: nothing a fresh compile would not give. An entry is only
stored after the program rebuilt from it compared equal (flags, program, group names and
count) to the pattern `re` itself compiled; `_sre` validates every program it is handed
(jumps, group numbers) and refuses a malformed one, which is then compiled afresh. A forged
but well-formed entry could make one pattern match differently, as a forged parse-cache
entry could give a wrong IR: the cache dir must be writable only by those trusted to run
semdiff (docs/parse-cache.md). No code objects are stored: nothing read from the file is
ever executed as Python.

Only the command installs this (semdiff.cli, the process is ours; the library API never
does), only on the CPython versions whose `re._compiler` it was written against, and never
with `--no-cache` or SEMDIFF_NO_REGEX_CACHE=1. The file is rewritten, atomically, only when
a run compiled a pattern it did not hold. Patterns built from the analysed code (a rule's `re.escape(name)`)
are compiled once and never again: an entry is kept only while runs that write the file use
it, or once two such runs have (a module's table that only some changes import), so the file
holds the fixed patterns and at most the previous writing run's one-off ones.
"""
from __future__ import annotations

import marshal
import os
import sys
from typing import Any, Optional

ENV_OFF = "SEMDIFF_NO_REGEX_CACHE"
MAGIC = b"SDREGEX3"  # 2: programs packed as bytes; 3: (entries, writing runs that used each)
MAX_ENTRIES = 20_000  # beyond this the file keeps only what the writing run used
MAX_FILE_BYTES = 32 * 1024 * 1024
SUPPORTED = ((3, 11), (3, 12), (3, 13))

_state: Optional["_Cache"] = None


class _Cache:
    """The loaded entries, what this run used or added, and the wrapped compile function."""

    def __init__(self, path: str, entries: dict, runs: dict) -> None:
        self.path = path
        self.entries = entries  # (pattern, flags) -> (flags, packed code, groups - 1, groupindex, indexgroup)
        self.runs = runs  # (pattern, flags) -> how many runs that wrote the file used the entry
        self.used: set = set()
        self.dirty = False


def build_key() -> str:
    """What a compiled program depends on besides the pattern: the interpreter and its `_sre`."""
    import _sre
    import zlib

    text = f"{sys.version}\0{sys.implementation.cache_tag}\0{_sre.MAGIC}\0{_sre.CODESIZE}\0{_sre.MAXREPEAT}\0{_sre.MAXGROUPS}"
    return f"{zlib.crc32(text.encode()):08x}"


def cache_path(cache_dir: str) -> str:
    return os.path.join(cache_dir, "startup", f"regex-{build_key()}.bin")


def default_cache_dir() -> str:
    """semdiff.relevance.cache.default_cache_dir, without importing it (it builds dataclasses)."""
    env = os.environ.get("SEMDIFF_CACHE_DIR")
    if env:
        return env
    from semdiff.user_cache import user_cache_dir

    return user_cache_dir()


def install(cache_dir: Optional[str] = None) -> bool:
    """Serve `re`'s compiles from the stored programs (once per process). False: not installed."""
    global _state
    if _state is not None:
        return True
    if os.environ.get(ENV_OFF, "") not in ("", "0") or sys.implementation.name != "cpython" \
            or sys.version_info[:2] not in SUPPORTED:
        return False
    try:
        import re._compiler as compiler
        import re._parser as parser
    except ImportError:
        return False
    if not (hasattr(compiler, "_code") and hasattr(parser, "parse") and hasattr(compiler, "compile")):
        return False
    try:
        path = cache_path(cache_dir if cache_dir is not None else default_cache_dir())
    except Exception:  # no usable cache dir: compile as usual
        return False
    typecode = _code_typecode()
    if typecode is None:
        return False
    _state = _Cache(path, *_load(path))
    compiler.compile = _wrapped(compiler.compile, compiler, parser, _state, typecode)
    return True


def _load(path: str) -> tuple[dict, dict]:
    """The stored entries and their run counts, or none when the file is missing, too large
    or not ours."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError:
        return {}, {}
    if len(data) > MAX_FILE_BYTES or not data.startswith(MAGIC):
        return {}, {}
    try:
        loaded = marshal.loads(data[len(MAGIC):])
    except (EOFError, ValueError, TypeError):
        return {}, {}
    if type(loaded) is not tuple or len(loaded) != 2 or type(loaded[0]) is not dict or type(loaded[1]) is not dict:
        return {}, {}
    return loaded[0], loaded[1]


def _code_typecode() -> Optional[str]:
    """The `array` type whose items are `_sre`'s code words (a program is stored packed)."""
    import _sre
    from array import array

    return next((t for t in "IHL" if array(t).itemsize == _sre.CODESIZE), None)


def _wrapped(original: Any, compiler: Any, parser: Any, cache: _Cache, typecode: str) -> Any:
    import _sre
    from array import array

    debug = compiler.SRE_FLAG_DEBUG

    def compile(p: Any, flags: int = 0) -> Any:  # noqa: A001 - stands in for re._compiler.compile
        if type(p) not in (str, bytes) or type(flags) is not int or flags & debug:
            return original(p, flags)
        key = (p, flags)
        entry = cache.entries.get(key)
        if entry is not None:
            try:
                flags_, packed, groups, groupindex, indexgroup = entry
                pattern = _sre.compile(p, flags_, array(typecode, packed).tolist(), groups, groupindex, indexgroup)
            except Exception:  # damaged or foreign entry: compile afresh below
                del cache.entries[key]
            else:
                cache.used.add(key)
                return pattern
        pattern = original(p, flags)  # errors in the pattern are raised here, as always
        entry = _program(p, flags, compiler, parser)
        if entry is not None:
            try:
                rebuilt = _sre.compile(p, *entry)
                packed = array(typecode, entry[1]).tobytes()
            except Exception:
                rebuilt = None
            if rebuilt is not None and rebuilt == pattern and rebuilt.groups == pattern.groups \
                    and dict(rebuilt.groupindex) == dict(pattern.groupindex):
                cache.entries[key] = (entry[0], packed, *entry[2:])
                cache.used.add(key)
                cache.dirty = True
        return pattern

    return compile


def _program(p: Any, flags: int, compiler: Any, parser: Any) -> Optional[tuple]:
    """What `re._compiler.compile` hands `_sre.compile` for this pattern, as plain values."""
    try:
        parsed = parser.parse(p, flags)
        code = compiler._code(parsed, flags)
        groupindex = {str(name): int(index) for name, index in parsed.state.groupdict.items()}
        indexgroup: list = [None] * parsed.state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        # plain ints: the opcodes are int subclasses, which marshal does not store
        return (int(flags | parsed.state.flags), [int(c) for c in code], int(parsed.state.groups - 1), groupindex,
                tuple(indexgroup))
    except Exception:
        return None


def save() -> None:
    """Write the entries when this run added any (temporary file + os.replace); best effort."""
    cache = _state
    if cache is None or not cache.dirty:
        return
    entries: dict = {}
    runs: dict = {}
    for key, entry in cache.entries.items():
        count = cache.runs.get(key, 0)
        if type(count) is not int:
            count = 0
        if key in cache.used:
            entries[key], runs[key] = entry, min(count + 1, 1 << 30)
        elif count >= 2:  # used by two writing runs: a fixed pattern this change did not import
            entries[key], runs[key] = entry, count
    if len(entries) > MAX_ENTRIES:
        entries = {k: v for k, v in entries.items() if k in cache.used}
        runs = {k: runs[k] for k in entries}
    try:
        payload = MAGIC + marshal.dumps((entries, runs))
    except ValueError:
        return
    if len(payload) > MAX_FILE_BYTES:
        return
    import tempfile

    directory = os.path.dirname(cache.path)
    tmp = None
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".bin", dir=directory)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, cache.path)
        tmp = None
        cache.dirty = False
    except OSError:
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
