"""JavaScript/TypeScript own-property tests written another way.

`obj.hasOwnProperty(key)`, `Object.prototype.hasOwnProperty.call(obj, key)`,
`{}.hasOwnProperty.call(obj, key)`, `Object.hasOwn(obj, key)` and a call of a helper of the same
file whose whole body is one of these (`function hasOwn(o, k) { return
Object.prototype.hasOwnProperty.call(o, k); }`) all ask whether `obj` has its own property
`key`. "use hasOwn() everywhere" swaps one for another; the forms through `Object` give the
same verdict and cannot be fooled by an object's own `hasOwnProperty` key, so the rewrite keeps
(or tightens) the unit's behaviour. Each form is rewritten to `obj.hasOwnProperty(key)` on both
sides, comments and layout are set aside, and the texts compared: equal is a proof, anything
else is no proof (never a guess).
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.lang.normal import call_arguments

_COMMENTS = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|`[^`]*`|(?P<c>//[^\n]*|/\*.*?\*/)', re.S)
_IDENT = r"[A-Za-z_$][\w$]*"
_TYPE = r"(?:\s*:\s*[\w$.<>\[\]|, ]+?)?"
# `function NAME(a, b) { return BODY; }` and `const NAME = (a, b) => BODY`
_HELPER = re.compile(
    r"function\s+(?P<n1>" + _IDENT + r")\s*\(\s*(?P<a1>" + _IDENT + r")" + _TYPE + r"\s*,\s*(?P<b1>" + _IDENT + r")" + _TYPE
    + r"\s*\)" + _TYPE + r"\s*\{\s*return\s+(?P<e1>[^;{}]+?)\s*;?\s*\}"
    r"|(?:const|let|var)\s+(?P<n2>" + _IDENT + r")\s*=\s*\(\s*(?P<a2>" + _IDENT + r")" + _TYPE + r"\s*,\s*(?P<b2>"
    + _IDENT + r")" + _TYPE + r"\s*\)" + _TYPE + r"\s*=>\s*(?P<e2>[^;{}\n]+?)\s*(?:;|\n)"
)
# the call forms that take (obj, key)
_CALL_FORMS = ("Object.prototype.hasOwnProperty.call", "{}.hasOwnProperty.call", "Object.hasOwn")
MAX_TEXT = 200_000


def _strip_comments(text: str) -> str:
    return _COMMENTS.sub(lambda m: " " if m.group("c") else m.group(0), text)


def own_property_helpers(file_texts: Iterable[Optional[str]]) -> frozenset[str]:
    """Names of the files' two-parameter helpers whose whole body is an own-property test of
    their parameters, in order (`hasOwn(o, k)`)."""
    names = set()
    for text in file_texts:
        if not text or len(text) > MAX_TEXT:
            continue
        for m in _HELPER.finditer(_strip_comments(text)):
            name, a, b, body = (m.group("n1"), m.group("a1"), m.group("b1"), m.group("e1")) if m.group("n1") else \
                (m.group("n2"), m.group("a2"), m.group("b2"), m.group("e2"))
            if _canonical("return " + body, frozenset()) in (f"return {a}.hasOwnProperty({b})",):
                names.add(name)
    return frozenset(names)


def _canonical(text: str, helpers: frozenset[str]) -> str:
    out = " ".join(_strip_comments(text).split())
    forms = tuple(_CALL_FORMS) + tuple(helpers)
    pattern = re.compile(r"(?<![\w$.])(" + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)) + r")\s*\(")
    for _ in range(64):  # one rewrite per pass, innermost-last; a bound against pathological input
        m = pattern.search(out)
        if m is None:
            break
        got = call_arguments(out, m.end() - 1)
        if got is None or len(got[0]) != 2 or not all(got[0]):
            break
        (obj, key), end = got
        if not re.fullmatch(r"[\w$.\[\]]+", obj):
            obj = f"({obj})"
        out = out[:m.start()] + f"{obj}.hasOwnProperty({key})" + out[end:]
    return " ".join(out.replace("( ", "(").replace(" )", ")").split())


def same_own_property_tests(before: str, after: str, helpers: frozenset[str]) -> bool:
    """Are the two unit texts the same once every own-property test is written one way?"""
    if before == after or len(before) > MAX_TEXT or len(after) > MAX_TEXT:
        return False
    if "hasOwn" not in before and "hasOwn" not in after and not helpers:
        return False
    return _canonical(before, helpers) == _canonical(after, helpers)
