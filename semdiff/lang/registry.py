"""Which backend reads which file. A new language is one entry here plus its backend."""
from __future__ import annotations

import fnmatch
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


def _load_builtin() -> None:
    if _ENTRIES:
        return
    from semdiff.lang import python_cst

    register("*.py", python_cst.PythonBackend)
    register("*.pyi", python_cst.PythonBackend)
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
