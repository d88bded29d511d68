"""The Python backend's tree walk reads only the fields of a node that can hold a node it
enters (python_nodes.node_fields), a table derived from libcst's own field declarations.

Two promises: the table agrees with libcst's node classes as installed (every field it leaves
out is declared with whitespace, punctuation, operators, sentinels, strings or literals only,
so a libcst upgrade that adds an expression field is walked, not silently skipped), and on
real trees (every fixture side) the walk yields exactly the nodes a walk of every field yields.
"""
from __future__ import annotations

import dataclasses
import inspect
import typing
from pathlib import Path

import libcst as cst
import pytest

from semdiff.lang import python_nodes
from semdiff.lang.python_nodes import may_hold_node, node_fields, walk_nodes

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "python"


def _parses(path: Path) -> bool:
    try:
        cst.parse_module(path.read_text(encoding="utf-8"))
    except cst.ParserSyntaxError:  # a few fixture sides are malformed on purpose
        return False
    return True


SIDES = [p for p in sorted(p for d in FIXTURES.iterdir() if d.is_dir() for p in d.glob("*.py")) if _parses(p)]


def _node_classes() -> list[type]:
    seen: set[type] = set()
    todo = [cst.CSTNode]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return sorted((c for c in seen if dataclasses.is_dataclass(c) and not inspect.isabstract(c)
                   and c.__module__.startswith("libcst.")), key=lambda c: c.__qualname__)


def _leaves(annotation: object) -> list[object]:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return []
    if origin is not None:
        return [leaf for a in typing.get_args(annotation) for leaf in _leaves(a)]
    return [annotation]


def test_left_out_fields_hold_trivia_only() -> None:
    trivia = python_nodes._trivia()
    classes = _node_classes()
    assert len(classes) > 150
    left_out = 0
    for cls in classes:
        kept = set(node_fields(cls))
        for f in dataclasses.fields(cls):
            if f.name in kept:
                continue
            left_out += 1
            for leaf in _leaves(f.type):
                assert isinstance(leaf, type), (cls, f.name, leaf)
                assert not issubclass(leaf, cst.CSTNode) or issubclass(leaf, trivia), (cls, f.name, leaf)
    assert left_out > 300  # whitespace, parentheses, commas: most fields


@pytest.mark.parametrize("cls, kept, dropped", [
    (cst.Call, ("func", "args"), ("lpar", "rpar", "whitespace_after_func", "whitespace_before_args")),
    (cst.Arg, ("value", "keyword"), ("equal", "comma", "star", "whitespace_after_star")),
    (cst.Name, (), ("value", "lpar", "rpar")),
    (cst.If, ("test", "body", "orelse"), ("leading_lines", "whitespace_before_test")),
    (cst.CompFor, ("target", "iter", "ifs", "inner_for_in", "asynchronous"), ("whitespace_before",)),
    (cst.Comparison, ("left", "comparisons"), ("lpar",)),
    (cst.ComparisonTarget, ("comparator",), ("operator",)),
])
def test_known_fields(cls: type, kept: tuple[str, ...], dropped: tuple[str, ...]) -> None:
    fields = node_fields(cls)
    assert set(kept) <= set(fields)
    assert not set(dropped) & set(fields)


def test_unknown_declarations_count_as_nodes() -> None:
    assert may_hold_node(typing.Any)
    assert may_hold_node(typing.ForwardRef("CompFor"))
    assert may_hold_node(typing.Optional[cst.BaseExpression])
    assert may_hold_node(typing.Sequence[typing.Union[cst.SimpleStatementLine, cst.BaseCompoundStatement]])
    assert not may_hold_node(typing.Union[cst.Comma, cst.MaybeSentinel])
    assert not may_hold_node(typing.Literal["", "*", "**"])
    assert not may_hold_node(cst.BaseParenthesizableWhitespace)
    assert not may_hold_node(typing.Sequence[cst.LeftParen])
    assert not may_hold_node(str)


def _full_walk(root: cst.CSTNode) -> list[cst.CSTNode]:
    """Every field of every node, trivia nodes neither yielded nor entered (walk_nodes' contract)."""
    trivia = python_nodes._trivia()
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        out.append(node)
        children = []
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            for v in (value if isinstance(value, (tuple, list)) else (value,)):
                if isinstance(v, cst.CSTNode) and not isinstance(v, trivia):
                    children.append(v)
        stack.extend(reversed(children))
    return out


@pytest.mark.parametrize("side", SIDES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_walk_equals_walk_of_every_field(side: Path) -> None:
    module = cst.parse_module(side.read_text(encoding="utf-8"))
    got = list(walk_nodes(module))
    want = _full_walk(module)
    assert [id(n) for n in got] == [id(n) for n in want]


def test_every_node_class_has_its_children_order() -> None:
    """child_nodes reads node_fields in libcst's visiting order, taken from the constants of
    each class's `_visit_and_replace_children`: it must find every such field there."""
    classes = _node_classes()
    assert [c.__qualname__ for c in classes if python_nodes._child_fields(c) is None] == []
    assert python_nodes._child_fields(cst.If) == ("test", "body", "orelse")
    assert python_nodes._child_fields(cst.Try) == ("body", "handlers", "orelse", "finalbody")


@pytest.mark.parametrize("side", SIDES[::2], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_child_nodes_are_libcsts_children(side: Path) -> None:
    """child_nodes(n) is `n.children` less whitespace and punctuation, in the same order, for
    every node of the side."""
    trivia = python_nodes._trivia()
    stack = [cst.parse_module(side.read_text(encoding="utf-8"))]
    while stack:
        node = stack.pop()
        children = node.children
        stack.extend(children)
        want = [id(c) for c in children if not isinstance(c, trivia)]
        assert [id(c) for c in python_nodes.child_nodes(node) if not isinstance(c, trivia)] == want, node


# -- the nesting check's walk over Python's own tree (budget._ast_depth) ----------------------

def test_ast_fields_from_the_asdl_signatures() -> None:
    """Every ast node class's docstring reads as its signature, and only fields declared as
    names, strings, constants or numbers are left out."""
    import ast

    from semdiff.budget import _AST_SCALARS, _ast_fields

    classes = [c for c in vars(ast).values() if isinstance(c, type) and issubclass(c, ast.AST) and c._fields]
    assert len(classes) > 60
    unread = []
    for cls in classes:
        kept = _ast_fields(cls)
        if not cls.__doc__.startswith(cls.__name__ + "("):  # ast.Num and the like: every field walked
            assert kept == cls._fields
            unread.append(cls.__name__)
            continue
        doc = cls.__doc__[len(cls.__name__) + 1:-1]
        kinds = {name: kind for kind, name in (d.split() for d in doc.split(","))}
        assert set(kinds) == set(cls._fields), cls
        for name in cls._fields:
            assert (name in kept) == (kinds[name].rstrip("?*") not in _AST_SCALARS), (cls, name)
    assert set(unread) <= {"Num", "Str", "Bytes", "NameConstant", "Ellipsis"}  # deprecated, never parsed
    assert _ast_fields(ast.Name) == ("ctx",)
    assert _ast_fields(ast.Call) == ("func", "args", "keywords")


def _reference_depth(tree, limit: int) -> int:
    import ast

    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        below = depth + (len(node.values) - 1 if isinstance(node, ast.BoolOp) and len(node.values) > 2 else 1)
        stack.extend((child, below) for child in ast.iter_child_nodes(node))
    return deepest


@pytest.mark.parametrize("text", [
    "x = " + "[" * 150 + "]" * 150, "y = " + " and ".join(["a"] * 600), "z = " + "+".join(["a"] * 900),
    "def f():\n" + "".join("    " * (i + 1) + "if x:\n" for i in range(90)) + "    " * 91 + "pass\n",
    "w = " + "-" * 380 + "1", "v = f(" + "g(" * 180 + ")" * 181,
    "class A(B, metaclass=M):\n    @d(k=1)\n    def f(self, *a, b: int = 2, **k) -> 'T':\n"
    "        return {i: [j async for j in g if j] for i in range(3)}, f'{x!r:>{w}}', lambda q=1: q\n",
])
def test_depth_as_every_child_walk(text: str) -> None:
    import ast

    from semdiff.budget import _ast_depth

    tree = ast.parse(text)
    for limit in (400, 100, 3):
        got, want = _ast_depth(tree, limit), _reference_depth(tree, limit)
        assert (got > limit) == (want > limit)
        if want <= limit:
            assert got == want
