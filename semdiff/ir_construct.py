"""Fast constructors for the frozen IR dataclasses (one mechanism, used where IR is built in bulk).

A frozen dataclass's own __init__ sets every field through object.__setattr__ (its
__setattr__ refuses), about twice the cost of filling the fresh instance's __dict__. The
parse cache's decoder (semdiff.ir_codec) rebuilds tens of thousands of IR objects per warm
run, and the tree-sitter backends build as many per file, so both want the dict fill.

`fast_constructor(cls)` returns a function with the class's own signature (positional and
keyword arguments, defaults) that creates the instance and fills its __dict__ field by field;
instances compare, hash, print and pickle exactly like ones built by `cls(...)`. Anything the
dict fill would skip -- __post_init__, slots, a class that is not frozen, init=False fields --
gets the class itself back, so calling the result is always correct. A default factory is
called when its argument is left out, as __init__ would.

The function is generated from the class's own field names (identifiers, checked) with
`exec`: no analysed text ever reaches it. semdiff/lang/ts_guards.py has its own copy for now
(its backends are being reworked); it is meant to import this one.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

from semdiff import generated_code


_ABSENT = object()  # a default-factory argument that was not given


def fast_constructor(cls: type) -> Callable[..., object]:
    """`cls`'s constructor that fills the new instance's __dict__ (or `cls` itself when it cannot)."""
    if (not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__") or "__slots__" in cls.__dict__
            or not getattr(cls, "__dataclass_params__").frozen):
        return cls
    params, body = [], []
    defaults: dict[str, object] = {}
    for f in dataclasses.fields(cls):
        if not f.init or not f.name.isidentifier():
            return cls
        if f.default_factory is not dataclasses.MISSING:
            defaults[f"_factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_absent")
            body.append(f"    d[{f.name!r}] = _factory_{f.name}() if {f.name} is _absent else {f.name}")
            continue
        if f.default is dataclasses.MISSING:
            if defaults:
                return cls
            params.append(f.name)
        else:
            defaults[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        body.append(f"    d[{f.name!r}] = {f.name}")
    source = f"def make({', '.join(params)}):\n    o = _new(_cls)\n    d = o.__dict__\n" + "\n".join(body) + "\n    return o\n"
    namespace: dict[str, object] = {"_new": object.__new__, "_cls": cls, "_absent": _ABSENT, **defaults}
    generated_code.run(source, f"<fast_constructor {cls.__name__}>", namespace)  # our own field names only
    return namespace["make"]  # type: ignore[return-value]
