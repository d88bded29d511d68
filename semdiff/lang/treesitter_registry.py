"""File names read by the tree-sitter backends (JavaScript, TypeScript/TSX, Go, Java).

semdiff.lang.registry imports this module when it is present and calls `register_all`.
A grammar wheel that is missing or broken must not take the other languages down, so each
factory is only imported when a file of its language is first analysed.
"""
from __future__ import annotations

from typing import Callable

EXTENSIONS: dict[str, tuple[str, str]] = {
    # extension -> (module, backend class)
    "js": ("ts_javascript", "JavaScriptBackend"),
    "mjs": ("ts_javascript", "JavaScriptBackend"),
    "cjs": ("ts_javascript", "JavaScriptBackend"),
    "jsx": ("ts_javascript", "JavaScriptBackend"),
    "ts": ("ts_typescript", "TypeScriptBackend"),
    "mts": ("ts_typescript", "TypeScriptBackend"),
    "cts": ("ts_typescript", "TypeScriptBackend"),
    "tsx": ("ts_typescript", "TsxBackend"),
    "go": ("ts_go", "GoBackend"),
    "java": ("ts_java", "JavaBackend"),
}

# interpreters named on a `#!` line -> extension whose backend reads the file
SHEBANGS: dict[str, str] = {"node": "js", "nodejs": "js", "deno": "ts", "ts-node": "ts", "bun": "js"}


def factory(module: str, cls: str) -> Callable[[], object]:
    def make() -> object:
        import importlib

        mod = importlib.import_module(f"semdiff.lang.{module}")
        return getattr(mod, cls)()

    make.__name__ = f"{cls}_factory"
    return make


def register_all(register: Callable[[str, Callable[[], object]], None]) -> None:
    for ext, (module, cls) in EXTENSIONS.items():
        register(f"*.{ext}", factory(module, cls))


def extension_for_shebang(first_line: str) -> str | None:
    """`#!/usr/bin/env node` -> "js" (the registry only knows Python shebangs itself)."""
    if not first_line.startswith("#!"):
        return None
    words = first_line[2:].replace("/", " ").split()
    for w in reversed(words):
        if w in SHEBANGS:
            return SHEBANGS[w]
    return None
