"""A plain string literal's value is read off its text (pyparse.plain_string) instead of
compiling it with ast.literal_eval; whenever it answers, it must answer what literal_eval
does, and it must refuse everything else (prefixes, escapes, malformed text a tree-sitter
fallback can hand over)."""
from __future__ import annotations

import ast
import itertools

import libcst as cst
import pytest

from semdiff.lang.pyparse import plain_string, string_value


@pytest.mark.parametrize("raw, value", [
    ("'admin'", "admin"), ('"HS256"', "HS256"), ("''", ""), ('""', ""), ("'''a\nb'''", "a\nb"),
    ('""""""', ""), ('"""it\'s "quoted" """', 'it\'s "quoted" '), ("'say \"hi\"'", 'say "hi"'),
])
def test_plain_literals(raw: str, value: str) -> None:
    assert plain_string(raw) == value == ast.literal_eval(raw)
    assert string_value(cst.SimpleString(raw)) == value


@pytest.mark.parametrize("raw", [
    "r'x'", "b'x'", "u'x'", "f'x'", "'a\\nb'", "'caf\u00e9'", "'a\rb'", "'a\0b'",  # left to literal_eval
    "'abc", "'a'b'", "''''", "'''a''''", "'a\nb'", "'", "", "x", "'a' ",  # not exactly one literal
])
def test_refused(raw: str) -> None:
    assert plain_string(raw) is None


def test_never_disagrees_with_literal_eval() -> None:
    """Every text over quotes, a letter, a line break and a space up to 8 characters long."""
    answered = 0
    for size in range(9):
        for chars in itertools.product(["'", '"', "a", "\n", " "], repeat=size):
            raw = "".join(chars)
            value = plain_string(raw)
            if value is None:
                continue
            answered += 1
            assert ast.literal_eval(raw) == value, raw
    assert answered > 1000


def test_other_strings_still_evaluated() -> None:
    assert string_value(cst.SimpleString("b'x'")) == b"x"
    assert string_value(cst.SimpleString("'a\\tb'")) == "a\tb"
    assert string_value(cst.SimpleString("'caf\u00e9'")) == "caf\u00e9"
