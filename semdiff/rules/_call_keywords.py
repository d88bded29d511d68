"""A checking call that only gained keyword arguments, or that follows its callee's own
signature change, is the same check.

Guards that are calls (`return key.verify(sig, msg, hashfunc=h)`) are atoms keyed by
their whole text, so adding `allow_truncate=False` makes a new atom and the old check
reads as removed. An added literal keyword usually tunes or hardens the call; the ones that
can loosen it (`verify=False`, `allow_unsigned=True`, `leeway=600`) and any computed value
(`options=opts`, `key=other`) are left as different checks, so the guard rules keep
reporting them (and the flag rules name them).
Likewise an argument dropped from the call because the callee, in the same change, dropped
that parameter (an unused argument cleaned up on both sides) leaves the check as it was.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable, Iterable, Mapping, Optional

from semdiff.ir import Atom, Guard, atoms_of
from semdiff.lang.normal import split_top
from semdiff.rules._effective import map_guard

_KEYWORD = re.compile(r"^([A-Za-z_]\w*)=(.+)$", re.S)
# words whose flag turned on loosens a call, and words whose flag turned off does
_LOOSENING = re.compile(r"(?i)allow|skip|disable|insecure|unsafe|ignore|trust|lax|permissive|bypass|unverified|no_?verify")
_TIGHTENING = re.compile(r"(?i)verif|check|validat|require|strict|secure|enforce|raise|safe")
# numbers whose direction is unknown (a longer leeway loosens), and values that carry options
_TUNED = re.compile(r"(?i)leeway|toleran|skew|max|min|limit|timeout|age|ttl|expir|option|config|setting|kwargs|params")
_FALSY = {"False", "false", "None", "null", "nil", "0", '""', "''", "[]", "{}", "()"}
_TRUTHY = {"True", "true", "1"}
_LITERAL = re.compile(r"""^(?:-?\d+(?:\.\d+)?|"[^"]*"|'[^']*'|True|False|None|true|false|null|nil)$""")


def _harmless(piece: str) -> bool:
    m = _KEYWORD.match(piece)
    if m is None:
        return False  # a new positional argument changes what is checked
    name, value = m.group(1), m.group(2)
    if _LITERAL.match(value):
        if value in _TRUTHY:
            return not _LOOSENING.search(name)
        if value in _FALSY:
            return not _TIGHTENING.search(name)
        return not _TUNED.search(name) and not _LOOSENING.search(name)
    return False  # a computed value (key=other, audience=aud, algorithms=algs) changes what is checked


def only_keywords_added(before_key: str, after_key: str) -> bool:
    """Is `after_key` the call `before_key` with harmless keyword arguments appended?"""
    if not (before_key.endswith(")") and after_key.endswith(")")) or len(after_key) <= len(before_key):
        return False
    head = before_key[:-1]
    if not after_key.startswith(head):
        return False
    rest = after_key[len(head):-1]
    if not head.endswith("("):
        if not rest.startswith(","):
            return False
        rest = rest[1:]
    pieces = split_top(rest, ",")
    return bool(pieces) and all(_harmless(p) for p in pieces)


def _args(key: str) -> Optional[tuple[str, list[str]]]:
    """(callee text, top-level arguments) of a call key ending in its own argument list."""
    if not key.endswith(")"):
        return None
    depth = 0
    for i in range(len(key) - 1, -1, -1):
        ch = key[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            depth -= 1
            if depth == 0:
                inner = key[i + 1:-1]
                return key[:i], (split_top(inner, ",") if inner else [])
    return None


def follows_signature(before_key: str, after_key: str, b_params: tuple[str, ...], a_params: tuple[str, ...]) -> bool:
    """Is `after_key` the call `before_key` without the arguments of parameters its callee dropped?"""
    removed = [i for i, p in enumerate(b_params) if p not in a_params]
    if not removed or tuple(p for p in b_params if p in a_params) != a_params:
        return False  # the callee must only have lost parameters, in place
    b, a = _args(before_key), _args(after_key)
    if b is None or a is None or b[0] != a[0]:
        return False
    offset = 1 if b_params and b_params[0] in ("self", "cls") and "." in b[0] else 0
    gone = {i - offset for i in removed if i >= offset}
    gone_names = {b_params[i] for i in removed}
    kept = [arg for i, arg in enumerate(b[1]) if i not in gone and _keyword_name(arg) not in gone_names]
    return kept == a[1]


def _keyword_name(arg: str) -> Optional[str]:
    m = _KEYWORD.match(arg)
    return m.group(1) if m else None


def signature_unifier(before: Iterable[Guard], after: Iterable[Guard],
                      callee_params: Callable[[str], Optional[tuple[tuple[str, ...], tuple[str, ...]]]]) -> dict[str, str]:
    """After-side call-atom keys -> the before-side key of the same call, when the callee
    (whose before/after parameters `callee_params` gives) dropped the missing arguments."""
    return _unify(before, after, lambda callee, bk, ak: (sig := callee_params(callee)) is not None
                  and follows_signature(bk, ak, sig[0], sig[1]))


def call_unifier(before: Iterable[Guard], after: Iterable[Guard]) -> dict[str, str]:
    """After-side call-atom keys -> the before-side key of the same call with fewer keywords."""
    return _unify(before, after, lambda callee, bk, ak: only_keywords_added(bk, ak))


def _unify(before: Iterable[Guard], after: Iterable[Guard], same: Callable[[str, str, str], bool]) -> dict[str, str]:
    b_calls: dict[str, list[str]] = {}
    b_keys: set[str] = set()
    for g in before:
        for a in atoms_of(g.deny_when):
            b_keys.add(a.key)
            if a.kind == "call" and a.callee:
                b_calls.setdefault(a.callee, []).append(a.key)
    if not b_calls:
        return {}
    mapping: dict[str, str] = {}
    for h in after:
        for a in atoms_of(h.deny_when):
            if a.kind != "call" or not a.callee or a.key in b_keys or a.key in mapping:
                continue
            for bk in b_calls.get(a.callee, ()):
                if same(a.callee, bk, a.key):
                    mapping[a.key] = bk
                    break
    return mapping


def rekey_calls(g: Guard, mapping: Mapping[str, str]) -> Guard:
    if not mapping:
        return g

    def atom(a: Atom) -> Atom:
        k = mapping.get(a.key)
        return a if k is None else replace(a, key=k)

    return map_guard(g, atom)
