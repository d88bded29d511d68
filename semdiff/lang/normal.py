"""Shared normal forms for atoms, used by every language backend.

Backends first turn an expression into a *key*: its source with whitespace removed outside
string literals, parameters renamed `$0, $1, ...` and locals `%0, %1, ...` (see semdiff.ir).
The helpers here then canonicalise comparisons so that `b > a`, `a < b` and
`not (a >= b)` become the same atom, and attach a `Linear` form so the logic knows that
`age < 10` implies `age < 20` and that `exp < now + 3600` is looser than `exp < now`.
"""
from __future__ import annotations

import re
from typing import Optional

from semdiff.ir import Atom, Formula, Linear, Not
from semdiff.ir_construct import fast_constructor

# Atom's and Linear's constructors filling the frozen instance's __dict__ (not __init__'s
# object.__setattr__ per field): atoms are built for every tested condition, call-guard and
# middleware of a file
_Atom = fast_constructor(Atom)
_Linear = fast_constructor(Linear)

# operator as written -> (canonical op, swap operands, negate)
_CANON: dict[str, tuple[str, bool, bool]] = {
    "<": ("<", False, False),
    "<=": ("<=", False, False),
    ">": ("<", True, False),
    ">=": ("<=", True, False),
    "==": ("==", False, False),
    "===": ("==", False, False),
    "!=": ("==", False, True),
    "!==": ("==", False, True),
    "<>": ("==", False, True),
    "is": ("is", False, False),
    "is not": ("is", False, True),
    "in": ("in", False, False),
    "not in": ("in", False, True),
}
SYMMETRIC = {"==", "is"}
NEGATIVE_OPS = {"!=", "!==", "<>", "is not", "not in", ">", ">="}

_NUM = r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
_PURE_NUM = re.compile(rf"^\(?({_NUM})\)?$")
_OFFSET = re.compile(rf"^(.+?)([+-])({_NUM[2:] if _NUM.startswith('-?') else _NUM})$")
_STRING = re.compile(r"""("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`)""")
_WS_OUTSIDE_STRINGS = re.compile(r"""("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`)|\s+""")


def _canonical_string(lit: str) -> str:
    """'x' and "x" are one string: formatters swap quotes freely. Escapes mean the same
    between either quotes ('\\n' is "\\n"), all but an escaped quote, so a body with a `"` or
    a `\\'` keeps its quotes."""
    if lit.startswith("'") and '"' not in lit and "\\'" not in lit:
        return '"' + lit[1:-1] + '"'
    return lit


_TRAILING_COMMA = re.compile(r",(?=[)\]}])")


def _top_level_cuts(text: str, seps: tuple[str, ...], first: bool = False, start: int = 0,
                    until_close: bool = False) -> tuple[list[tuple[int, int]], int]:
    """Where `text` has one of `seps` outside brackets and string literals: the (start, end)
    of each such separator, and where the scan ended. With `first`, the scan ends at the first
    separator or at a closing bracket that closes nothing (the end of the enclosing
    expression); with `until_close`, every separator is cut up to such a bracket; otherwise
    unbalanced closers are passed over and every separator is cut. The scan starts at
    `start` (depth 0 there).

    The one quote-aware bracket scanner: call arguments, a call's closing parenthesis and
    top-level splits all read source text the same way (a `)` or `,` inside a string is
    text, a backslash escapes the next character)."""
    cuts: list[tuple[int, int]] = []
    depth, i, quote = 0, start, ""
    stop_at_close = first or until_close
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            if stop_at_close and depth == 0:
                return cuts, i
            depth -= 1
        elif depth == 0:
            sep = next((s for s in seps if text.startswith(s, i)), None)
            if sep is not None:
                if first:
                    return cuts, i
                cuts.append((i, i + len(sep)))
                i += len(sep)
                continue
        i += 1
    return cuts, len(text)


def close_bracket(text: str, open_at: int) -> Optional[int]:
    """Index of the bracket closing the one at `open_at`; None when it is never closed."""
    _cuts, end = _top_level_cuts(text, (), start=open_at + 1, until_close=True)
    return end if end < len(text) else None


def call_arguments(text: str, open_at: int) -> Optional[tuple[list[str], int]]:
    """The top-level comma-separated arguments (stripped) of the call whose `(` is at
    `open_at`, and the index just past its `)`; None when it is never closed."""
    cuts, end = _top_level_cuts(text, (",",), start=open_at + 1, until_close=True)
    if end >= len(text):
        return None
    starts = [open_at + 1] + [e for _s, e in cuts]
    ends = [s for s, _e in cuts] + [end]
    return [text[a:b].strip() for a, b in zip(starts, ends)], end + 1


def split_top(text: str, sep: str) -> list[str]:
    """`text` split on `sep` where it stands outside brackets and string literals.

    Keys and conditions are source text; splitting them on a plain `,` or `&&` would cut
    through nested calls and quoted values."""
    cuts, _end = _top_level_cuts(text, (sep,))
    starts = [0] + [e for _s, e in cuts]
    ends = [s for s, _e in cuts] + [len(text)]
    return [text[a:b] for a, b in zip(starts, ends)]


def leading_expression(text: str, stops: tuple[str, ...] = (",", ";", "\n")) -> str:
    """The expression at the start of `text`: up to a top-level `,`, `;` or line end, or the
    bracket that closes the construct it stands in (`'a' + b}` -> `'a' + b`). A value read
    off the rest of a line (`key: <value>, ...`) ends there, where `split_top` would go on."""
    _cuts, end = _top_level_cuts(text, stops, first=True)
    return text[:end].strip()


def squash(text: str) -> str:
    """Remove whitespace (and trailing commas) outside string literals: the base of every key."""
    out: list[str] = []
    pos = 0
    for m in _STRING.finditer(text):
        out.append(_TRAILING_COMMA.sub("", re.sub(r"\s+", "", text[pos:m.start()])))
        out.append(_canonical_string(m.group(0)))
        pos = m.end()
    out.append(_TRAILING_COMMA.sub("", re.sub(r"\s+", "", text[pos:])))
    return "".join(out)


def _num(text: str) -> Optional[float]:
    m = _PURE_NUM.match(text)
    if not m:
        return None
    try:
        return float(m.group(1))
    except ValueError:
        return None


def split_offset(key: str) -> tuple[str, float]:
    """`now+3600` -> ('now', 3600.0); `x` -> ('x', 0.0); `10` -> ('', 10.0)."""
    n = _num(key)
    if n is not None:
        return "", n
    m = _OFFSET.match(key)
    if m:
        term, sign, value = m.group(1), m.group(2), float(m.group(3))
        return term, value if sign == "+" else -value
    return key, 0.0


def linear_of(left: str, op: str, right: str) -> Optional[Linear]:
    """Linear form of `left op right` (op already canonical: < <= ==)."""
    if op not in ("<", "<=", "=="):
        return None
    lt, lc = split_offset(left)
    rt, rc = split_offset(right)
    if not lt and not rt:
        return None
    if lt and rt:
        if rt < lt:  # order the pair so `a < b` and `b < a` share a term: lt-rt op c <=> rt-lt op' -c
            flipped = {"<": ">", "<=": ">=", "==": "=="}[op]
            return _Linear(f"{rt}-({lt})", flipped, lc - rc)
        return _Linear(f"{lt}-({rt})", op, rc - lc)
    if lt:  # lt + lc op rc  ->  lt op rc - lc
        return _Linear(lt, op, rc - lc)
    # lc op rt + rc  ->  rt  (flipped op)  lc - rc
    flipped = {"<": ">", "<=": ">=", "==": "=="}[op]
    return _Linear(rt, flipped, lc - rc)


# Named constants that mean a number: `http.StatusOK` and `200` are one operand.
_HTTP_STATUS = {
    "Continue": 100, "SwitchingProtocols": 101, "OK": 200, "Created": 201, "Accepted": 202, "NoContent": 204,
    "MovedPermanently": 301, "Found": 302, "SeeOther": 303, "NotModified": 304, "TemporaryRedirect": 307,
    "PermanentRedirect": 308, "BadRequest": 400, "Unauthorized": 401, "PaymentRequired": 402, "Forbidden": 403,
    "NotFound": 404, "MethodNotAllowed": 405, "Conflict": 409, "Gone": 410, "RequestEntityTooLarge": 413,
    "UnsupportedMediaType": 415, "UnprocessableEntity": 422, "TooManyRequests": 429,
    "InternalServerError": 500, "NotImplemented": 501, "BadGateway": 502, "ServiceUnavailable": 503,
}
_SNAKE = {re.sub(r"(?<!^)(?=[A-Z])", "_", k).upper(): v for k, v in _HTTP_STATUS.items()}
_CONSTANT = re.compile(
    r"^(?:(?:net\.)?http\.Status(?P<go>[A-Za-z]+)|(?:http\.)?HTTPStatus\.(?P<py>[A-Z_]+)|(?:\w+\.)?HTTP_(?P<num>\d{3})_[A-Z_]+|HttpStatus\.(?P<java>[A-Z_]+)(?:\.value\(\))?)$"
)


def constant_value(key: str) -> str:
    """Replace a well-known named constant by its number; anything else unchanged."""
    m = _CONSTANT.match(key)
    if not m:
        return key
    if m.group("num"):
        return m.group("num")
    if m.group("go") and m.group("go") in _HTTP_STATUS:
        return str(_HTTP_STATUS[m.group("go")])
    name = m.group("py") or m.group("java")
    if name and name in _SNAKE:
        return str(_SNAKE[name])
    return key


def comparison(left_key: str, op: str, right_key: str, left_text: str, right_text: str) -> Formula:
    """Canonical formula for `left op right` as written."""
    op = " ".join(op.split())
    left_key, right_key = constant_value(left_key), constant_value(right_key)
    canon, swap, negate = _CANON.get(op, (op, False, False))
    l_k, r_k, l_t, r_t = left_key, right_key, left_text, right_text
    if swap:
        l_k, r_k, l_t, r_t = r_k, l_k, r_t, l_t
    if canon in SYMMETRIC and r_k < l_k:
        l_k, r_k, l_t, r_t = r_k, l_k, r_t, l_t
    shown_op = {"==": "==", "is": "is", "in": "in", "<": "<", "<=": "<="}.get(canon, canon)
    atom = _Atom(
        key=f"{l_k}{canon}{r_k}" if canon not in ("is", "in") else f"{l_k} {canon} {r_k}",
        text=f"{l_t} {shown_op} {r_t}",
        kind="cmp",
        op=canon,
        left=l_k,
        right=r_k,
        linear=linear_of(l_k, canon, r_k),
    )
    return Not(atom) if negate else atom


def call_atom(callee: str, key: str, text: str) -> Atom:
    return _Atom(key=key, text=text, kind="call", callee=callee)


def name_atom(key: str, text: str) -> Atom:
    return _Atom(key=key, text=text, kind="name")


def expr_atom(key: str, text: str) -> Atom:
    return _Atom(key=key, text=text, kind="expr")


def squash_spaces(text: str) -> str:
    """Collapse runs of whitespace: for quoting code in messages, not for keys.
    (str.split() splits on the same characters as the regex class for whitespace, and is
    several times faster.)"""
    return " ".join(text.split())
