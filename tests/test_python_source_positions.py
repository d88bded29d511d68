"""SourcePositions (python_nodes) regenerates a module through its own codegen state, with
libcst's CSTNode._codegen and _parenthesize swapped for inlined versions while it runs. Every
node's lines and text must be what libcst's PositionProvider gives, on every fixture side, except
that whitespace nodes (which nobody asks about) have none, and libcst's own methods must be back
once the pass is over (also when it fails)."""
from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst._nodes.expression import _BaseParenthesizedNode
from libcst.metadata import MetadataWrapper, PositionProvider

from semdiff.lang import python_nodes
from semdiff.lang.python_nodes import ProviderPositions, SourcePositions

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "python"


def _module(path: Path):
    text = path.read_text(encoding="utf-8")
    try:
        return text, cst.parse_module(text)
    except cst.ParserSyntaxError:  # a few fixture sides are malformed on purpose
        return text, None


SIDES = [p for p in sorted(p for d in FIXTURES.iterdir() if d.is_dir() for p in d.glob("*.py")) if _module(p)[1] is not None]
CODEGEN = cst.CSTNode.__dict__["_codegen"]
PARENTHESIZE = _BaseParenthesizedNode.__dict__["_parenthesize"]


@pytest.mark.parametrize("side", SIDES[::3], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_same_positions_as_libcst(side: Path) -> None:
    text, module = _module(side)
    fast = SourcePositions(module, text)
    assert fast.valid
    provider = ProviderPositions(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider), text)
    nodes = list(provider.pos.keys())
    assert nodes
    whitespace = python_nodes.unranged_kinds()
    assert any(type(node) in whitespace for node in nodes)
    for node in nodes:
        if type(node) in whitespace:
            assert (fast.line(node), fast.end_line(node), fast.code(node)) == (0, 0, None), node
            continue
        assert (fast.line(node), fast.end_line(node)) == (provider.line(node), provider.end_line(node)), node
        assert fast.code(node) == provider.code(node), node


def test_whitespace_nodes_are_never_asked_about() -> None:
    """What lets the pass record no range for whitespace nodes: the backend asks only about
    nodes the walk reaches, never about a whitespace one (checked on every fixture side)."""
    from semdiff.lang.python_cst import PythonBackend

    asked: set[type] = set()
    real = {name: getattr(SourcePositions, name) for name in ("line", "end_line", "code")}

    def recording(name):
        def method(self, node):
            asked.add(type(node))
            return real[name](self, node)
        return method

    with pytest.MonkeyPatch.context() as patch:
        for name in real:
            patch.setattr(SourcePositions, name, recording(name))
        for side in SIDES:
            PythonBackend().parse("x.py", side.read_text(encoding="utf-8"))
    assert asked and not asked & python_nodes.unranged_kinds()


def test_libcst_methods_restored() -> None:
    module = cst.parse_module("x = (a + (b))\nf((1), [2])\n")
    SourcePositions(module, module.code)
    assert cst.CSTNode.__dict__["_codegen"] is CODEGEN
    assert _BaseParenthesizedNode.__dict__["_parenthesize"] is PARENTHESIZE
    assert not any("_codegen" in kind.__dict__ for kind in python_nodes._pass_codegens())
    assert module.code_for_node(module.body[0]) == "x = (a + (b))\n"


def test_libcst_methods_restored_after_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    module = cst.parse_module("x = (a)\n")

    def broken(self, state) -> None:
        raise RuntimeError("codegen failed")

    monkeypatch.setattr(cst.Name, "_codegen_impl", broken)
    with pytest.raises(RuntimeError):
        SourcePositions(module, module.code)
    monkeypatch.undo()
    assert not any("_codegen" in kind.__dict__ for kind in python_nodes._pass_codegens())
    assert cst.CSTNode.__dict__["_codegen"] is CODEGEN
    assert _BaseParenthesizedNode.__dict__["_parenthesize"] is PARENTHESIZE
    assert python_nodes._CODEGEN is CODEGEN
