"""`json.dumps(value, indent=2, ensure_ascii=False)`, the same text, without the pure-Python encoder.

With `indent` set, the standard library encodes through `json.encoder._make_iterencode`: a
generator per container and a `yield` per token, ~10,000 generator steps for a PR-sized JSON
report (the C encoder is only used without indent). `dumps_indent2` writes the same text with
one recursive function that appends to a list; strings still go through the standard library's
C string encoder (`json.encoder.encode_basestring`), numbers through `int.__repr__` /
`float.__repr__` exactly as the standard encoder does. Anything it does not know how to write
the way the standard library does (a type that needs `default`, a float that is not finite, a
key of another type than str, int, float, bool or None, a container met twice on the path:
a cycle) makes it hand the whole value to `json.dumps` itself, so the result and any error
are always the standard library's. tests/test_json_text.py compares the two on reports and on
generated values.

`clean` (json_report's surrogate replacement) is applied to strings on the way, with the same
reach as `json_report._clean`: values in dicts and lists, not dict keys and not inside tuples.
"""
from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any, Callable, Optional

_INT_REPR = int.__repr__
_FLOAT_REPR = float.__repr__
_INF = float("inf")


class _Fallback(Exception):
    pass


def dumps_indent2(value: Any, clean: Optional[Callable[[str], str]] = None) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)`; with `clean`, of the value with
    `clean` applied to every string `json_report._clean` would reach."""
    out: list[str] = []
    try:
        _write(value, out, "\n", clean, set())
    except _Fallback:
        if clean is not None:
            value = _cleaned(value, clean)
        return json.dumps(value, indent=2, ensure_ascii=False)
    return "".join(out)


def _cleaned(value: Any, clean: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {k: _cleaned(v, clean) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v, clean) for v in value]
    return value


def _key(k: Any) -> str:
    # as json.encoder._make_iterencode's _iterencode_dict (skipkeys off)
    if isinstance(k, str):
        return k
    if isinstance(k, float):
        if k != k or k == _INF or k == -_INF:
            raise _Fallback()
        return _FLOAT_REPR(k)
    if k is True:
        return "true"
    if k is False:
        return "false"
    if k is None:
        return "null"
    if isinstance(k, int):
        return _INT_REPR(k)
    raise _Fallback()


def _write(o: Any, out: list, nl: str, clean: Optional[Callable[[str], str]], path: set) -> None:
    """Append the encoding of `o` at the indentation `nl` ("\\n" plus the current indent)."""
    if isinstance(o, str):
        out.append(encode_basestring(clean(o) if clean is not None else o))
    elif o is None:
        out.append("null")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    elif isinstance(o, int):
        out.append(_INT_REPR(o))
    elif isinstance(o, float):
        if o != o or o == _INF or o == -_INF:
            raise _Fallback()
        out.append(_FLOAT_REPR(o))
    elif isinstance(o, (list, tuple)):
        if not o:
            out.append("[]")
            return
        if id(o) in path:
            raise _Fallback()
        path.add(id(o))
        inner = nl + "  "
        sep = "," + inner
        sub = clean if isinstance(o, list) else None
        out.append("[")
        for i, v in enumerate(o):
            out.append(sep if i else inner)
            _write(v, out, inner, sub, path)
        out.append(nl + "]")
        path.discard(id(o))
    elif isinstance(o, dict):
        if not o:
            out.append("{}")
            return
        if id(o) in path:
            raise _Fallback()
        path.add(id(o))
        inner = nl + "  "
        sep = "," + inner
        out.append("{")
        for i, (k, v) in enumerate(o.items()):
            head = (sep if i else inner) + encode_basestring(k if type(k) is str else _key(k)) + ": "
            t = type(v)
            if t is str:  # the common values in line (same text as _write's)
                out.append(head + encode_basestring(clean(v) if clean is not None else v))
            elif t is int:
                out.append(head + _INT_REPR(v))
            elif v is None:
                out.append(head + "null")
            elif v is True:
                out.append(head + "true")
            elif v is False:
                out.append(head + "false")
            else:
                out.append(head)
                _write(v, out, inner, clean, path)
        out.append(nl + "}")
        path.discard(id(o))
    else:
        raise _Fallback()
