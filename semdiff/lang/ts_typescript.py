"""TypeScript and TSX through tree-sitter-typescript.

The TypeScript grammar is JavaScript's plus types and decorators, so the backend is the
JavaScript one with its own grammar, query folder and unit patterns (abstract classes,
`public_field_definition`); type wrappers (`x as T`, `x!`) are see-through in conditions.
"""
from __future__ import annotations

from typing import Optional

from tree_sitter import Language

from semdiff.lang.ts_javascript import JavaScriptBackend


class TypeScriptBackend(JavaScriptBackend):
    language = "typescript"
    grammar = "typescript"
    _LANG: Optional[Language] = None
    # units.scm read from the walk's nodes too (walk_unit_matches): with this grammar its
    # declarator/assignment/pair patterns cost 92M instructions to compile, twice (TS and TSX)
    WALK_LEAVE_OUT = JavaScriptBackend.WALK_LEAVE_OUT + ("units.scm",)

    def ts_language(self) -> Language:
        cls = type(self)
        if cls._LANG is None:
            import tree_sitter_typescript

            cls._LANG = Language(tree_sitter_typescript.language_typescript())
        return cls._LANG


class TsxBackend(TypeScriptBackend):
    """TSX: TypeScript with JSX elements (route components returning `<Navigate/>`)."""

    language = "typescript"  # same language for rules; only the grammar differs
    _LANG: Optional[Language] = None

    def ts_language(self) -> Language:
        cls = type(self)
        if cls._LANG is None:
            import tree_sitter_typescript

            cls._LANG = Language(tree_sitter_typescript.language_tsx())
        return cls._LANG
