"""What one file contributes to the call graph, before any name is resolved.

Extraction is per file and per language, and its result depends only on the blob's bytes,
so it is what the blob cache stores. Resolution (which node a dotted name lands on) needs
the whole repository and happens later, in semdiff.relevance.graph. Keeping the two apart
is what lets a warm run skip parsing entirely.

Everything is plain tuples of strings and ints so it round-trips through JSON unchanged.
The per-site records are NamedTuples rather than frozen dataclasses: just as immutable, and
a warm run rebuilds tens of thousands of them from the cache, where construction cost shows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, Optional, Protocol

MODULE_SCOPE = "<module>"


class Definition(NamedTuple):
    qualname: str  # within the file: "func", "Class.method", "outer.inner"
    kind: str  # class | function | method
    line: int
    end_line: int
    bases: tuple[str, ...] = ()  # dotted base-class expressions, as written


class Import(NamedTuple):
    """`local` is bound to `module.name` (name empty for `import module [as local]`)."""

    local: str  # "*" for a star import
    module: str
    name: str = ""
    level: int = 0  # leading dots of a relative import


class CallSite(NamedTuple):
    scope: str  # qualname of the enclosing definition, or MODULE_SCOPE
    target: str  # dotted callee as written: "auth.check", "self.load", "c"
    line: int
    col: int
    kind: str = "call"  # call | decorator | depends


class RouteSite(NamedTuple):
    """A route registration seen statically.

    `handler` is a qualname in this file when `local` is true (decorator form) and a dotted
    expression to resolve otherwise (`views.delete_user` in a Django urls.py).
    """

    scope: str  # where the registration happens
    handler: str
    rule: str
    framework: str  # flask | fastapi | django | unknown
    line: int
    local: bool


@dataclass(frozen=True)
class FileFacts:
    language: str
    definitions: tuple[Definition, ...] = ()
    imports: tuple[Import, ...] = ()
    calls: tuple[CallSite, ...] = ()
    routes: tuple[RouteSite, ...] = ()
    partial: bool = False  # the parser had to recover from syntax errors
    error: str = ""  # set when nothing could be extracted (e.g. "parse-limit"); the file is reported

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "partial": self.partial,
            "error": self.error,
            "definitions": [[d.qualname, d.kind, d.line, d.end_line, list(d.bases)] for d in self.definitions],
            "imports": [[i.local, i.module, i.name, i.level] for i in self.imports],
            "calls": [[c.scope, c.target, c.line, c.col, c.kind] for c in self.calls],
            "routes": [[r.scope, r.handler, r.rule, r.framework, r.line, r.local] for r in self.routes],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "FileFacts":
        """Strict: any shape error raises (the cache treats that as a corrupt entry)."""
        definitions = tuple(Definition(q, k, a, b, tuple(bases)) for q, k, a, b, bases in data["definitions"])
        imports = tuple(Import._make(row) for row in data["imports"])
        calls = tuple(CallSite._make(row) for row in data["calls"])
        routes = tuple(RouteSite._make(row) for row in data["routes"])
        # one cheap type check per column keeps a tampered entry from surfacing as a crash later
        if not (
            all(type(d.qualname) is str and type(d.line) is int and type(d.end_line) is int and type(d.kind) is str
                and all(type(b) is str for b in d.bases) for d in definitions)
            and all(type(i.local) is str and type(i.module) is str and type(i.name) is str and type(i.level) is int for i in imports)
            and all(type(c.scope) is str and type(c.target) is str and type(c.line) is int and type(c.col) is int
                    and type(c.kind) is str for c in calls)
            and all(type(r.handler) is str and type(r.scope) is str and type(r.rule) is str and type(r.framework) is str
                    and type(r.line) is int for r in routes)
        ):
            raise ValueError("cache entry has fields of the wrong type")
        return cls(str(data["language"]), definitions, imports, calls, routes, bool(data["partial"]), str(data["error"]))


class Extractor(Protocol):
    """One language's repository-wide pass: bytes in, FileFacts out, never an exception."""

    language: str
    version: int  # bump when the output for the same bytes changes (invalidates the cache)

    def extract(self, path: str, data: bytes) -> FileFacts: ...


# file-name suffix -> factory; a new language adds one entry (see extractor_for)
_FACTORIES: dict[str, Callable[[], Extractor]] = {}
_INSTANCES: dict[str, Extractor] = {}


def register_extractor(suffix: str, factory: Callable[[], Extractor]) -> None:
    _FACTORIES[suffix] = factory


# Each built-in extractor's language and output version, the one place they are written (the
# extractor classes read theirs from here): the cache keys and the snapshot's tree memo need
# them on every run, the extractor itself (and its tree-sitter grammar) only on a cache miss.
EXTRACTOR_VERSIONS: dict[str, int] = {"python": 2, "javascript": 2, "go": 1, "java": 1}

# suffix -> (module under semdiff.relevance, class, language, version key)
_BUILTIN: dict[str, tuple[str, str, str, str]] = {
    ".py": ("extract_python", "PythonExtractor", "python", "python"),
    **{s: ("extract_js", "JavaScriptExtractor", "javascript", "javascript") for s in (".js", ".mjs", ".cjs", ".jsx")},
    **{s: ("extract_js", "TypeScriptExtractor", "typescript", "javascript") for s in (".ts", ".mts", ".cts")},
    ".tsx": ("extract_js", "TsxExtractor", "typescript", "javascript"),
    ".go": ("extract_go", "GoExtractor", "go", "go"),
    ".java": ("extract_java", "JavaExtractor", "java", "java"),
}


def _load_builtin() -> None:
    if _FACTORIES:
        return
    for suffix, (module, cls, language, version) in _BUILTIN.items():
        register_extractor(suffix, _lazy(module, cls, language, EXTRACTOR_VERSIONS[version]))


class _Deferred:
    """An extractor whose module (and grammar wheel) is imported on its first `extract`: a
    warm run reads every file's facts from the cache and never extracts."""

    def __init__(self, module: str, cls: str, language: str, version: int) -> None:
        self._module, self._cls = module, cls
        self.language = language
        self.version = version
        self._real: Optional[Extractor] = None

    def real(self) -> Extractor:
        if self._real is None:
            import importlib

            self._real = getattr(importlib.import_module(f"semdiff.relevance.{self._module}"), self._cls)()
        return self._real

    def extract(self, path: str, data: bytes) -> FileFacts:
        return self.real().extract(path, data)


def _lazy(module: str, cls: str, language: str, version: int) -> Callable[[], Extractor]:
    def make() -> Extractor:
        return _Deferred(module, cls, language, version)

    return make


def extractor_for(path: str) -> Optional[Extractor]:
    _load_builtin()
    dot = path.rfind(".")
    suffix = path[dot:] if dot > path.rfind("/") else ""
    factory = _FACTORIES.get(suffix)
    if factory is None:
        return None
    inst = _INSTANCES.get(suffix)
    if inst is None:
        inst = _INSTANCES[suffix] = factory()
    return inst
