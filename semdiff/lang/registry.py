"""Which backend reads which file. A new language is one entry here plus its backend."""
from __future__ import annotations

import fnmatch
import os
import posixpath
from typing import Callable, Optional, Protocol

from semdiff.ir import ParsedFile


class Backend(Protocol):
    language: str

    def parse(self, path: str, text: str) -> ParsedFile: ...


# (glob on the base name or the path, backend factory); first match wins
_ENTRIES: list[tuple[str, Callable[[], Backend]]] = []
_CACHE: dict[int, Backend] = {}


def register(pattern: str, factory: Callable[[], Backend]) -> None:
    _ENTRIES.append((pattern, factory))


class LazyBackend:
    """Stands in for a backend whose module is costly to import (the Python backend imports
    libcst, ~0.15 s): the language and the cache identity are known up front, the module is
    imported on the first `parse`. A run whose Python files all come from the parse cache
    (semdiff.parse_cache) never imports libcst."""

    def __init__(self, language: str, module: str, cls: str) -> None:
        self.language = language
        self.cache_id = f"{module}.{cls}"  # what semdiff.pipeline keys cached parses by
        self._module = module
        self._cls = cls
        self._real: Optional[Backend] = None

    def backend(self) -> Backend:
        if self._real is None:
            import importlib

            self._real = getattr(importlib.import_module(self._module), self._cls)()
        return self._real

    def parse(self, path: str, text: str) -> ParsedFile:
        return self.backend().parse(path, text)


PYTHON_PARSER_ENV = "SEMDIFF_PYTHON_PARSER"
# setting -> (module, class) of the primary Python backend; libcst stays the default until
# tree-sitter-primary runs are shown equal on everything that matters (see ts_python)
PYTHON_PARSERS: dict[str, tuple[str, str]] = {
    "libcst": ("semdiff.lang.python_cst", "PythonBackend"),
    "tree-sitter": ("semdiff.lang.ts_python", "PythonTreeSitterBackend"),
}


def python_parser() -> str:
    """The primary Python parser: $SEMDIFF_PYTHON_PARSER, `libcst` (default) or `tree-sitter`.

    An unknown value is an input error, not a silent default: a run that asked for one
    parser must not report what the other one read."""
    from semdiff.errors import InputError

    value = os.environ.get(PYTHON_PARSER_ENV, "").strip().lower() or "libcst"
    if value not in PYTHON_PARSERS:
        raise InputError(f"${PYTHON_PARSER_ENV} must be one of {', '.join(sorted(PYTHON_PARSERS))}, not {value!r}")
    return value


def _python_backend() -> Backend:
    """Read once per process (the backend is cached by `backend_for`); the two settings have
    different `cache_id`s, so parses cached under one are never answered under the other."""
    module, cls = PYTHON_PARSERS[python_parser()]
    return LazyBackend("python", module, cls)


def forget_backends() -> None:
    """Drop the backends made so far, so the next `backend_for` reads the settings again
    (tests switching $SEMDIFF_PYTHON_PARSER within one process)."""
    _CACHE.clear()


def _load_builtin() -> None:
    if _ENTRIES:
        return
    register("*.py", _python_backend)
    register("*.pyi", _python_backend)
    try:  # optional families land in their own modules; absence is not an error
        from semdiff.lang import treesitter_registry  # noqa: F401

        treesitter_registry.register_all(register)
    except ImportError:
        pass
    try:
        from semdiff.lang import config_registry  # noqa: F401

        config_registry.register_all(register)
    except ImportError:
        pass


def backend_for(path: str, first_line: str = "") -> Optional[Backend]:
    _load_builtin()
    base = posixpath.basename(path)
    for i, (pattern, factory) in enumerate(_ENTRIES):
        if fnmatch.fnmatch(base, pattern) or fnmatch.fnmatch(path, pattern):
            if i not in _CACHE:
                _CACHE[i] = factory()
            return _CACHE[i]
    if first_line.startswith("#!") and "python" in first_line:
        return backend_for("x.py")
    if first_line.startswith("#!"):
        try:
            from semdiff.lang.treesitter_registry import extension_for_shebang

            ext = extension_for_shebang(first_line)
        except ImportError:
            ext = None
        if ext:
            return backend_for("x." + ext.lstrip("."))
    return None
