"""ir_codec.field_types: the same hints typing.get_type_hints gives, for every class the codecs encode."""
from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Optional

from semdiff import ir, ir_codec, model


def test_equal_to_get_type_hints_for_the_ir_and_the_model() -> None:
    seen = 0
    for module in (ir, model):
        memo: dict = {}
        for cls in vars(module).values():
            if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__:
                assert ir_codec.field_types(cls, vars(module), memo) == typing.get_type_hints(cls, vars(module)), cls
                seen += 1
    assert seen >= 25


Span = int  # a module-level name the class attribute below shadows


@dataclass(frozen=True)
class _Shadowed:
    span: "Optional[Span]" = None
    Span: type = str  # a class attribute named like a word of an annotation: get_type_hints reads it first


def test_class_namespace_shadowing_falls_back_to_get_type_hints() -> None:
    got = ir_codec.field_types(_Shadowed, globals())
    assert got == typing.get_type_hints(_Shadowed, globals())
    assert got["span"] == Optional[str]  # the class's Span, not the module's
