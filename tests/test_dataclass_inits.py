"""semdiff.dataclass_inits: a table entry is exactly what `exec` of its text compiles, and a
class whose text the table lacks is compiled as before."""
from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys
from types import CodeType

import pytest

from semdiff import dataclass_inits

pytestmark = pytest.mark.skipif(sys.version_info[:2] not in dataclass_inits.SUPPORTED, reason="CPython 3.11 only")


_ATTRS = ("co_argcount", "co_posonlyargcount", "co_kwonlyargcount", "co_nlocals", "co_stacksize", "co_flags",
          "co_code", "co_names", "co_varnames", "co_freevars", "co_cellvars", "co_filename", "co_name",
          "co_qualname", "co_firstlineno", "co_linetable", "co_exceptiontable")


def _same(a: CodeType, b: CodeType) -> None:
    """Equal in every attribute, nested code included (`==` on code objects compares nested
    code by identity)."""
    for attr in _ATTRS:
        assert getattr(a, attr) == getattr(b, attr), attr
    assert a.co_filename == "<string>"
    assert list(a.co_positions()) == list(b.co_positions())
    assert len(a.co_consts) == len(b.co_consts)
    for x, y in zip(a.co_consts, b.co_consts):
        assert type(x) is type(y)
        if isinstance(x, CodeType):
            _same(x, y)
        else:
            assert x == y


def test_every_table_entry_is_the_code_exec_compiles():
    table = dataclass_inits._table()
    assert table, "semdiff/_dataclass_init_table.py is missing or not for this Python"
    for txt, code in table.items():
        module = compile(txt, "<string>", "exec", dont_inherit=True)  # as in dataclasses (no __future__ flags)
        fresh = next(c for c in module.co_consts if isinstance(c, CodeType))
        _same(dataclass_inits.as_exec_code(code), fresh)


def test_source_text_is_the_text_dataclasses_compiles(monkeypatch):
    seen: list[str] = []

    def spy(name, args, body, *, globals=None, locals=None, return_type=dataclasses.MISSING):
        seen.append(dataclass_inits.source_text(name, args, body, dict(locals or {}), return_type, dataclasses.MISSING))
        return original(name, args, body, globals=globals, locals=locals, return_type=return_type)

    compiled: list[str] = []
    real_exec = exec

    def exec_spy(src, g=None, l=None):  # noqa: A002
        compiled.append(src)
        return real_exec(src, g, l)

    original = dataclasses._create_fn
    monkeypatch.setattr(dataclasses, "_create_fn", spy)
    import builtins

    monkeypatch.setattr(builtins, "exec", exec_spy)

    @dataclasses.dataclass(frozen=True)
    class Probe:
        a: int
        b: str = "x"
        c: tuple = dataclasses.field(default_factory=tuple)

    assert seen and seen[0] in compiled


def _run(code: str, env_off: bool) -> str:
    env = {"PYTHONHASHSEED": "0"}
    if env_off:
        env[dataclass_inits.ENV_OFF] = "1"
    import os

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, **env}).stdout



def test_classes_from_the_table_behave_as_compiled_ones():
    code = """
import inspect, dataclasses, sys
from semdiff import dataclass_inits
print(dataclass_inits.install())
from semdiff.ir import Call, Argument, Span
from semdiff.model import NotAnalyzed

@dataclasses.dataclass(frozen=True)
class Fresh:  # not in the table: compiled as before
    zz_never_in_the_table: int
    yy: str = "d"

for cls in (Call, Argument, Span, NotAnalyzed, Fresh):
    init = cls.__init__
    print(cls.__name__, init.__qualname__, init.__module__, inspect.signature(init), init.__code__.co_filename,
          init.__code__.co_firstlineno, sorted(init.__annotations__), init.__defaults__, init.__kwdefaults__)
print(Fresh(1), Span(1, 2, 3, 4) if len(inspect.signature(Span).parameters) == 4 else Span.__init__.__code__.co_argcount)
try:
    Fresh()
except TypeError as e:
    print("TypeError", e)
try:
    NotAnalyzed()
except TypeError as e:
    print("TypeError", e)
"""
    on, off = _run(code, False), _run(code, True)
    assert on.splitlines()[0] == "True" and off.splitlines()[0] == "False"
    assert on.splitlines()[1:] == off.splitlines()[1:]
    assert "<string>" in on


def test_a_text_missing_from_the_table_is_compiled(monkeypatch):
    monkeypatch.setattr(dataclass_inits, "_installed", False)
    original = dataclasses._create_fn
    monkeypatch.setattr(dataclasses, "_create_fn", original)  # restored after the test
    monkeypatch.setattr(dataclass_inits, "_table", lambda: {})
    monkeypatch.delenv(dataclass_inits.ENV_OFF, raising=False)
    assert dataclass_inits.install()
    assert dataclasses._create_fn is not original

    @dataclasses.dataclass
    class Other:
        p: int
        q: list = dataclasses.field(default_factory=list)

    o = Other(3)
    assert (o.p, o.q) == (3, []) and Other.__init__.__code__.co_filename == "<string>"
    assert str(inspect.signature(Other.__init__)) == "(self, p: 'int', q: 'list' = <factory>) -> None"  # this module's annotations are strings
