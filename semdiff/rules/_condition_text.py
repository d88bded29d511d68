"""Conditions read from source text, for rules that compare a condition line by line
rather than through the guard IR: the statement a condition spans, its top-level boolean
parts, and the formula they make (so `logic` can ask whether a new condition holds where the
old one did not). Operands stay opaque atoms keyed by their whitespace-free text.
"""
from __future__ import annotations

import re
from typing import Mapping, Optional

from semdiff.ir import Atom, Formula, Unit, conj, disj, neg
from semdiff.lang.normal import squash
from semdiff.rules._catalog2_ir import unit_line

_CONT_END = re.compile(r"(?:&&|\|\||\(|=|,|\band|\bor|\bnot|\\)\s*$")
_CONT_START = re.compile(r"^\s*(?:&&|\|\||\)|\band\b|\bor\b|\?|:(?!\s*$))")


def statement(unit: Unit, line: int) -> tuple[int, int, str]:
    """The statement around `line`: joined while a line ends with or the next begins with a
    boolean operator, an open parenthesis or `=` (a condition continued over lines)."""
    start = end = line
    while start > unit.span.line and (_CONT_END.search(unit_line(unit, start - 1)) or _CONT_START.match(unit_line(unit, start))):
        start -= 1
    while end < unit.span.end_line and (_CONT_END.search(unit_line(unit, end)) or _CONT_START.match(unit_line(unit, end + 1))):
        end += 1
    return start, end, " ".join(unit_line(unit, ln).strip() for ln in range(start, end + 1))


def split_bool(text: str, ops: tuple[str, ...]) -> list[str]:
    """`text` split at top-level occurrences of `ops` (outside brackets and strings)."""
    parts, depth, i, cur, quote = [], 0, 0, "", ""
    while i < len(text):
        ch = text[i]
        if quote:
            cur += ch
            if ch == "\\" and i + 1 < len(text):
                cur += text[i + 1]
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote, cur = ch, cur + ch
        elif ch in "([{":
            depth, cur = depth + 1, cur + ch
        elif ch in ")]}":
            depth, cur = depth - 1, cur + ch
        elif depth == 0 and any(text.startswith(op, i) and (op[0] in "&|" or (
                (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")) and
                (i + len(op) >= len(text) or not (text[i + len(op)].isalnum() or text[i + len(op)] == "_")))) for op in ops):
            op = next(o for o in ops if text.startswith(o, i))
            parts.append(cur)
            cur = ""
            i += len(op)
            continue
        else:
            cur += ch
        i += 1
    parts.append(cur)
    return [p.strip() for p in parts]


def _wrapped(text: str) -> bool:
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(text) - 1:
            return False
    return True


def bool_formula(text: str, aliases: Optional[Mapping[str, str]] = None, depth: int = 0) -> Formula:
    """A condition's text as a formula: `||`/`or`, `&&`/`and`, `!`/`not` and parentheses;
    every other operand is an atom keyed by its whitespace-free text (aliases applied)."""
    text = text.strip()
    if depth > 40:
        return Atom(key=squash(text), text=text)
    for ops, build in (((" or ", "||"), disj), ((" and ", "&&"), conj)):
        parts = split_bool(text, tuple(o.strip() if o.strip() in ("or", "and") else o for o in ops))
        if len(parts) > 1 and all(parts):
            return build(*(bool_formula(p, aliases, depth + 1) for p in parts))
    if _wrapped(text):
        return bool_formula(text[1:-1], aliases, depth + 1)
    m = re.match(r"^(?:!(?!=)|not\s+)(.*)$", text, re.S)
    if m:
        return neg(bool_formula(m.group(1), aliases, depth + 1))
    key = squash(text)
    key = (aliases or {}).get(key, key)
    return Atom(key=key, text=text)
