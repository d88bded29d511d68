"""The tree-sitter backends' speed work must not change the IR.

tests/data/ts_ir_golden.json holds repr(ParsedFile) of a few fixture files per language as
the backends produced them before the issue-7 speed changes (regenerate it only for an
intended IR change, and say so in the commit). Each file is parsed again and compared
whole: units, guards with their formulas and paths, calls with argument keys, comparisons,
handlers, literals, settings.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from semdiff import ir_codec
from semdiff.ir import Argument, Call, Span
from semdiff.lang.registry import backend_for
from semdiff.lang.ts_common import fast_constructor

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = json.loads((ROOT / "tests" / "data" / "ts_ir_golden.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", sorted(GOLDEN))
def test_ir_equals_pre_change_ir(path: str) -> None:
    text = (ROOT / path).read_text(encoding="utf-8")
    backend = backend_for(path, text.split("\n", 1)[0])
    assert backend is not None
    parsed = backend.parse(path, text)
    assert parsed.units, path
    assert repr(parsed) == GOLDEN[path]


def test_golden_covers_every_tree_sitter_language() -> None:
    suffixes = {Path(p).suffix for p in GOLDEN}
    assert {".js", ".ts", ".tsx", ".go", ".java"} <= suffixes


def test_fast_constructor_builds_equal_instances() -> None:
    make_call, make_arg = fast_constructor(Call), fast_constructor(Argument)
    assert make_call is not Call and make_arg is not Argument
    arg = make_arg(None, "x", "x")
    assert arg == Argument(None, "x", "x") and hash(arg) == hash(Argument(None, "x", "x"))
    call = make_call("jwt.verify", (arg,), Span(3, 4), "jwt.verify(x)", True, False, ("$0",))
    expected = Call("jwt.verify", (arg,), Span(3, 4), "jwt.verify(x)", statement=True, arg_keys=("$0",))
    assert call == expected and repr(call) == repr(expected) and hash(call) == hash(expected)
    assert make_call("f", (), Span(1, 1), "f()") == Call("f", (), Span(1, 1), "f()")
    with pytest.raises(dataclasses.FrozenInstanceError):
        call.callee = "other"  # type: ignore[misc]


def test_fast_constructor_ir_survives_the_codec() -> None:
    path = "fixtures/javascript/lang-pos-reject-unauthorized-false/before.js"
    text = (ROOT / path).read_text(encoding="utf-8")
    parsed = backend_for(path, "").parse(path, text)
    assert ir_codec.decode(ir_codec.encode(parsed)) == parsed


@dataclasses.dataclass(frozen=True)
class _Checked:
    value: int

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValueError("negative")


@dataclasses.dataclass
class _Mutable:
    value: int


@dataclasses.dataclass(frozen=True)
class _WithFactory:
    items: list = dataclasses.field(default_factory=list)


def test_fast_constructor_falls_back_where_the_dict_fill_would_skip_work() -> None:
    assert fast_constructor(_Checked) is _Checked
    assert fast_constructor(_Mutable) is _Mutable
    # default factories are called per instance (semdiff.ir_construct, shared with ir_codec)
    make = fast_constructor(_WithFactory)
    a, b = make(), make()
    assert a == _WithFactory() and a.items == [] and a.items is not b.items
