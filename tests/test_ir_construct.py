"""semdiff.ir_construct.fast_constructor: the dict-filling constructor builds instances equal to
the class's own, with its signature, and falls back to the class where the fill would be wrong."""
from __future__ import annotations

import dataclasses
import pickle
from typing import Optional

import pytest

from semdiff import ir
from semdiff.ir_construct import fast_constructor


def test_builds_equal_frozen_instances_with_the_classes_signature() -> None:
    make = fast_constructor(ir.Span)
    assert make is not ir.Span
    a, b = make(3, 7), ir.Span(3, 7)
    assert a == b and hash(a) == hash(b) and repr(a) == repr(b) and type(a) is ir.Span
    assert pickle.loads(pickle.dumps(a)) == b
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.start = 1  # type: ignore[misc]


def test_defaults_and_keywords_as_the_class_has_them() -> None:
    @dataclasses.dataclass(frozen=True)
    class Row:
        name: str
        count: int = 1
        tags: tuple[str, ...] = ()

    make = fast_constructor(Row)
    assert make is not Row
    assert make("x") == Row("x") and make("x", tags=("a",)) == Row("x", 1, ("a",))
    assert make(count=4, name="y") == Row("y", 4)
    with pytest.raises(TypeError):
        make()


def test_default_factories_are_called_when_left_out() -> None:
    @dataclasses.dataclass(frozen=True)
    class Bag:
        name: str
        items: list = dataclasses.field(default_factory=list)

    make = fast_constructor(Bag)
    assert make is not Bag
    one, two = make("a"), make("a")
    assert one == Bag("a") and one.items == [] and one.items is not two.items
    given = [1]
    assert make("b", given).items is given
    pf = fast_constructor(ir.ParsedFile)("a.py", "python", ())
    assert pf == ir.ParsedFile("a.py", "python", ()) and pf.imports == ()


def test_classes_the_fill_would_get_wrong_get_the_class_back() -> None:
    @dataclasses.dataclass(frozen=True)
    class Checked:
        n: int

        def __post_init__(self) -> None:
            if self.n < 0:
                raise ValueError("negative")

    @dataclasses.dataclass
    class Mutable:
        n: int

    @dataclasses.dataclass(frozen=True)
    class Hidden:
        n: int
        cached: Optional[int] = dataclasses.field(default=None, init=False)

    @dataclasses.dataclass(frozen=True, slots=True)
    class Slotted:
        n: int

    for cls in (Checked, Mutable, Hidden, Slotted, int):
        assert fast_constructor(cls) is cls
    with pytest.raises(ValueError):
        fast_constructor(Checked)(-1)
