"""Dataclass methods made without compiling source text, for the command's process.

`@dataclass` writes every method it adds as Python source and compiles it (`exec`): five or
six compiles per frozen class, about 500 in a warm PR run, which spent a sixth of the run's
CPU before it read the change. `__repr__`, `__eq__` (and the ordering methods), `__hash__`
and a frozen class's `__setattr__`/`__delattr__` need no generated code: the closures below
do exactly what the generated source does -- the same field tuples built in the same order
and compared or hashed the same way, the same messages and exceptions, the same
`__recursive_repr__` guard, the same names -- so instances compare, hash, print and refuse
assignment exactly as before (tests/test_dataclass_methods.py compares them method by method
with the stdlib's on every semdiff dataclass). `__init__` is still compiled by dataclasses:
its signature, defaults and error messages come from the generated code.

The docstring `@dataclass` writes for a class that has none (`Span(line: int, end_line: int)`,
from `inspect.signature(cls)`: ~0.1 ms each, 43 classes in a warm PR run) is made when it is
first read instead, by the same expression, so `cls.__doc__` and `help()` show the same text.

Only the command installs this (semdiff.cli: the process is ours; the library API never
does), only on the CPython version whose `dataclasses` internals it replaces (3.11), and not
with SEMDIFF_NO_FAST_DATACLASSES=1. Classes created before it is installed keep their
compiled methods; both kinds behave the same.
"""
from __future__ import annotations

import operator
import os
import sys
from typing import Any, Callable

ENV_OFF = "SEMDIFF_NO_FAST_DATACLASSES"
SUPPORTED = ((3, 11),)
_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_installed = False


class _FieldTuple(str):
    """What `dataclasses._tuple_str` returns (the same text), with the field names attached."""

    names: tuple[str, ...]


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple]:
    """`obj -> (obj.f1, obj.f2, ...)`, attributes read in field order, always a tuple."""
    if not names:
        return lambda obj: ()
    if len(names) == 1:
        name = names[0]
        return lambda obj: (getattr(obj, name),)
    return operator.attrgetter(*names)


def _named(fn: Any, name: str, globals: dict) -> Any:
    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = globals.get("__name__")  # as for a function exec'd in these globals
    return fn


class _LazyDoc:
    """A dataclass's generated docstring, made on first read with the expression of
    `dataclasses._process_class` (3.11), then stored in the class in place of this object.
    While the class is being made it reads as set (any text), so `_process_class` leaves it."""

    def __init__(self) -> None:
        self.making = True

    def __get__(self, obj: Any, cls: Any = None) -> str:
        if cls is None:
            cls = type(obj)
        if self.making:
            return "(made on first read)"
        import inspect

        try:
            text_sig = str(inspect.signature(cls)).replace(" -> None", "")
        except (TypeError, ValueError):
            text_sig = ""
        doc = cls.__name__ + text_sig
        if cls.__dict__.get("__doc__") is self:
            type.__setattr__(cls, "__doc__", doc)
        return doc


def install() -> bool:
    """Replace the source-generating helpers of `dataclasses` (once). False: not installed."""
    global _installed
    if _installed:
        return True
    if os.environ.get(ENV_OFF, "") not in ("", "0") or sys.implementation.name != "cpython" \
            or sys.version_info[:2] not in SUPPORTED:
        return False
    import dataclasses as dc

    needed = ("_tuple_str", "_cmp_fn", "_hash_fn", "_repr_fn", "_frozen_get_del_attr", "_recursive_repr",
              "FrozenInstanceError", "_hash_action", "_hash_add", "_process_class", "inspect")
    if not all(hasattr(dc, name) for name in needed):
        return False
    original_tuple_str, original_cmp_fn = dc._tuple_str, dc._cmp_fn
    recursive_repr, frozen_error = dc._recursive_repr, dc.FrozenInstanceError

    def _tuple_str(obj_name: str, fields: list) -> str:
        out = _FieldTuple(original_tuple_str(obj_name, fields))
        out.names = tuple(f.name for f in fields)
        return out

    def _cmp_fn(name: str, op: str, self_tuple: str, other_tuple: str, globals: dict) -> Any:
        names = getattr(self_tuple, "names", None)
        compare = _OPS.get(op)
        if names is None or compare is None or getattr(other_tuple, "names", None) != names:
            return original_cmp_fn(name, op, self_tuple, other_tuple, globals)
        get = _getter(names)

        def cmp(self: Any, other: Any) -> Any:
            if other.__class__ is self.__class__:
                return compare(get(self), get(other))
            return NotImplemented

        return _named(cmp, name, globals)

    def _hash_fn(fields: list, globals: dict) -> Any:
        get = _getter(tuple(f.name for f in fields))

        def __hash__(self: Any) -> int:
            return hash(get(self))

        return _named(__hash__, "__hash__", globals)

    def _repr_fn(fields: list, globals: dict) -> Any:
        parts = tuple((f"{f.name}=", f.name) for f in fields)

        def __repr__(self: Any) -> str:
            return self.__class__.__qualname__ + "(" + ", ".join(
                [label + repr(getattr(self, name)) for label, name in parts]) + ")"

        return recursive_repr(_named(__repr__, "__repr__", globals))

    def _frozen_get_del_attr(cls: type, fields: list, globals: dict) -> tuple[Any, Any]:
        names = tuple(f.name for f in fields)

        def __setattr__(self: Any, name: str, value: Any) -> None:
            if type(self) is cls or name in names:
                raise frozen_error(f"cannot assign to field {name!r}")
            super(cls, self).__setattr__(name, value)

        def __delattr__(self: Any, name: str) -> None:
            if type(self) is cls or name in names:
                raise frozen_error(f"cannot delete field {name!r}")
            super(cls, self).__delattr__(name)

        return _named(__setattr__, "__setattr__", globals), _named(__delattr__, "__delattr__", globals)

    original_process_class = dc._process_class

    def _process_class(cls: type, *args: Any) -> Any:
        if getattr(cls, "__doc__"):
            return original_process_class(cls, *args)
        doc = _LazyDoc()
        type.__setattr__(cls, "__doc__", doc)  # read as set while the class is made: no signature taken
        try:
            return original_process_class(cls, *args)
        finally:
            doc.making = False

    # dataclass() and _process_class look these up as module globals when a class is decorated
    dc._tuple_str, dc._cmp_fn, dc._hash_fn = _tuple_str, _cmp_fn, _hash_fn
    dc._repr_fn, dc._frozen_get_del_attr = _repr_fn, _frozen_get_del_attr
    dc._process_class = _process_class
    _installed = True
    return True
