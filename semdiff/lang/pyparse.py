"""`ast.parse` for analysed text, deaf to the warnings Python's compiler raises about it.

Analysed code is data: an invalid escape such as "\\P" in one of its strings makes the compiler
warn (DeprecationWarning on 3.11, SyntaxWarning, shown by default, from 3.12). Under the
caller's warning filters that would print on our stderr, or, with `-W error` /
PYTHONWARNINGS=error in a CI job, raise SyntaxError and turn valid code into "does not parse".
Nothing is ever compiled to run."""
from __future__ import annotations

import ast
import warnings


def parse_quietly(text: str, mode: str = "exec") -> ast.AST:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, mode=mode)


def literal_quietly(text: str) -> object:
    """`ast.literal_eval(text)` (a literal only: never evaluates code), with the same deafness."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.literal_eval(text)


def string_value(node: object) -> object:
    """libcst's `evaluated_value` of a string node (it runs ast.literal_eval), with the same
    deafness; only texts with a backslash can warn, so only those pay for it."""
    raw = getattr(node, "value", None)
    if isinstance(raw, str) and "\\" not in raw:
        return node.evaluated_value  # type: ignore[attr-defined]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return node.evaluated_value  # type: ignore[attr-defined]
