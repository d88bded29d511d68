"""`ast.parse` for analysed text, deaf to the warnings Python's compiler raises about it.

Analysed code is data: an invalid escape such as "\\P" in one of its strings makes the compiler
warn (DeprecationWarning on 3.11, SyntaxWarning, shown by default, from 3.12). Under the
caller's warning filters that would print on our stderr, or, with `-W error` /
PYTHONWARNINGS=error in a CI job, raise SyntaxError and turn valid code into "does not parse".
Nothing is ever compiled to run."""
from __future__ import annotations

import ast
import warnings
from typing import Optional


def parse_quietly(text: str, mode: str = "exec") -> ast.AST:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, mode=mode)


def literal_quietly(text: str) -> object:
    """`ast.literal_eval(text)` (a literal only: never evaluates code), with the same deafness."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.literal_eval(text)


def plain_string(raw: str) -> Optional[str]:
    """The value of a string literal without prefix, backslash, carriage return, NUL or
    non-ASCII character, which is the text between its quotes (a fresh string, as
    literal_eval gives); None for any other text, including anything that is not exactly
    one such literal (an inner quote that would end it, a line break in a one-line string)."""
    quote = raw[:1]
    if quote not in ("'", '"') or not raw.isascii() or "\\" in raw or "\r" in raw or "\0" in raw:
        return None
    if len(raw) >= 6 and raw[1:3] == quote * 2:
        closing = quote * 3
        return raw[3:-3] if raw.find(closing, 3) == len(raw) - 3 >= 3 else None
    if len(raw) >= 2 and raw[-1] == quote and raw.find(quote, 1) == len(raw) - 1 and "\n" not in raw:
        return raw[1:-1]
    return None


def string_value(node: object) -> object:
    """libcst's `evaluated_value` of a string node (it runs ast.literal_eval), with the same
    deafness; only texts with a backslash can warn, so only those pay for it, and a plain
    literal (plain_string) is read without compiling it."""
    raw = getattr(node, "value", None)
    if isinstance(raw, str) and "\\" not in raw:
        plain = plain_string(raw)
        if plain is not None:
            return plain
        return node.evaluated_value  # type: ignore[attr-defined]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return node.evaluated_value  # type: ignore[attr-defined]
