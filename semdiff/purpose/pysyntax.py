"""Normalised Python syntax trees: the proof that two versions of a unit mean the same.

Both sides are parsed with the standard `ast` parser (parsing only: nothing is compiled or
run) and compared as trees, never as lines. Layers of normalisation are switched on one at
a time, so the first layer that makes the trees equal names what the change is:

* plain      - comments, docstrings, formatting, parentheses, quote style and trailing
               commas are not in the tree at all, and a run of imports is taken in sorted
               order (isort): equal here means "no change in meaning";
* renamed    - parameters and locals renamed canonically by first binding (alpha-renaming),
               and private helpers renamed elsewhere in the change mapped to their new name;
* boolean    - every condition (and every bool-valued expression) becomes a placeholder whose
               formula is compared by truth table (`semdiff.logic.equivalent`): a De Morgan
               rewrite or swapped comparison operands are equal here, with the formulas as
               evidence;
* wording    - strings that are only messages (exception arguments, log/print calls,
               `msg=`/`detail=` keywords) become placeholders;
* typing     - what only a type checker reads is set aside (semdiff.purpose.pytyping):
               parameter and return annotations of functions no decorator reads them from,
               local variable annotations, `typing.cast(T, x)`, and a typed temporary that
               is returned or stored at once (`x: bytes = f(); return x`).
"""
from __future__ import annotations

import ast
import copy
import weakref
import textwrap
from dataclasses import dataclass
from typing import Mapping, Optional

from semdiff import logic
from semdiff.ir import Atom, Const, Formula, conj, disj, neg
from semdiff.purpose import pytyping
from semdiff.lang.pyparse import parse_quietly

MESSAGE_CALLS = frozenset({
    "debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print", "echo",
    "secho", "flash", "gettext", "ngettext", "_", "gettext_lazy", "abort_message",
})
MESSAGE_KEYWORDS = frozenset({"msg", "message", "detail", "details", "help", "description", "reason", "text", "title"})
MAX_SOURCE = 400_000


@dataclass(frozen=True)
class Shape:
    """A normalised tree (as a dump) plus the formulas of its conditions, in order."""

    dump: str
    formulas: tuple[Formula, ...] = ()
    texts: tuple[str, ...] = ()  # source of each condition, for evidence


def parse_unit(text: str, kind: str) -> Optional[ast.AST]:
    """The unit's own syntax tree (nested functions/classes of a class or module removed:
    they are units of their own), or None when it does not parse on its own."""
    if not text or len(text) > MAX_SOURCE:
        return None
    try:
        tree = parse_quietly(textwrap.dedent(text))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if kind in ("function", "method", "lambda"):
        defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        return defs[0] if len(defs) == 1 else None
    if kind == "class":
        defs = [n for n in tree.body if isinstance(n, ast.ClassDef)]
        if len(defs) != 1:
            return None
        cls = copy.copy(defs[0])
        cls.body = [s for s in cls.body if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        return cls
    if kind == "module":
        tree.body = [s for s in tree.body if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        return tree
    return None


def _strip_docstrings(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                node.body = body[1:] or [ast.Pass()]


def bound_names(fn: ast.AST) -> dict[str, str]:
    """Canonical names for parameters ($0, $1, ...) and locals (%0, %1, ...) by first binding."""
    mapping: dict[str, str] = {}
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return mapping
    a = fn.args
    params = [*a.posonlyargs, *a.args, *([a.vararg] if a.vararg else []), *a.kwonlyargs, *([a.kwarg] if a.kwarg else [])]
    for i, p in enumerate(params):
        mapping.setdefault(p.arg, f"${i}")
    declared = {n for node in ast.walk(fn) if isinstance(node, (ast.Global, ast.Nonlocal)) for n in node.names}
    count = 0

    def bind(name: str) -> None:
        nonlocal count
        if name not in mapping and name not in declared:
            mapping[name] = f"%{count}"
            count += 1

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bind(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bind(node.name)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not fn:
            bind(node.name)
        elif isinstance(node, ast.alias) and node is not fn:
            bind((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.arg) and node not in params:
            bind(node.arg)
        for child in ast.iter_child_nodes(node):
            visit(child)

    for stmt in fn.body:
        visit(stmt)
    return mapping


class _Renamer(ast.NodeTransformer):
    def __init__(self, names: Mapping[str, str], helpers: Mapping[str, str]) -> None:
        self.names, self.helpers = names, helpers

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self.names.get(node.id, self.helpers.get(node.id, node.id))
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self.names.get(node.arg, node.arg)
        self.generic_visit(node)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls", "$0"):
            node.attr = self.helpers.get(node.attr, node.attr)
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.AST:
        if node.name:
            node.name = self.names.get(node.name, node.name)
        self.generic_visit(node)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.name = self.names.get(node.name, node.name)
        self.generic_visit(node)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]


def _key(node: ast.AST) -> str:
    return ast.dump(node, annotate_fields=False, include_attributes=False)


_CMP = {ast.Lt: ("<", False, False), ast.LtE: ("<=", False, False), ast.Gt: ("<", True, False),
        ast.GtE: ("<=", True, False), ast.Eq: ("==", False, False), ast.NotEq: ("==", False, True),
        ast.Is: ("is", False, False), ast.IsNot: ("is", False, True), ast.In: ("in", False, False),
        ast.NotIn: ("in", False, True)}


def _unparse(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse of a tree ast.parse produced
        return "<expr>"


def formula_of(e: ast.expr) -> Formula:
    """A boolean formula over normalised atoms (comparisons ordered canonically)."""
    if isinstance(e, ast.BoolOp):
        parts = [formula_of(v) for v in e.values]
        return conj(*parts) if isinstance(e.op, ast.And) else disj(*parts)
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
        return neg(formula_of(e.operand))
    if isinstance(e, ast.Constant) and isinstance(e.value, bool):
        return Const(e.value)
    if isinstance(e, ast.Compare):
        parts = []
        left = e.left
        for op, right in zip(e.ops, e.comparators):
            sym, swap, negate = _CMP[type(op)]
            lk, rk = _key(left), _key(right)
            if swap:
                lk, rk = rk, lk
            if sym in ("==", "is") and rk < lk:
                lk, rk = rk, lk
            atom: Formula = Atom(key=f"{sym}|{lk}|{rk}", text=_unparse(ast.Compare(left, [op], [right])), kind="cmp", op=sym)
            parts.append(neg(atom) if negate else atom)
            left = right
        return conj(*parts)
    return Atom(key=_key(e), text=_unparse(e))


def _bool_valued(e: ast.AST) -> bool:
    if isinstance(e, (ast.Compare,)) or (isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not)):
        return True
    if isinstance(e, ast.Constant) and isinstance(e.value, bool):
        return True
    return isinstance(e, ast.BoolOp) and all(_bool_valued(v) for v in e.values)


class _Conditions(ast.NodeTransformer):
    """Replace conditions by placeholders, recording their formulas in order."""

    def __init__(self) -> None:
        self.formulas: list[Formula] = []
        self.texts: list[str] = []

    def _hole(self, e: ast.expr, text: str) -> ast.expr:
        self.formulas.append(formula_of(e))
        self.texts.append(text)
        return ast.Name(id=f"__cond{len(self.formulas) - 1}__", ctx=ast.Load())

    def _test(self, node: ast.AST, field: str, original: Mapping[int, str]) -> None:
        e = getattr(node, field)
        setattr(node, field, self._hole(e, original.get(id(e), "")))

    def visit(self, node: ast.AST) -> ast.AST:  # type: ignore[override]
        if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)):
            texts = {id(node.test): _unparse(node.test)}
            self.generic_visit(node)  # inner expressions first (nested IfExp etc.)
            self._test(node, "test", texts)
            return node
        if isinstance(node, ast.comprehension):
            self.generic_visit(node)
            node.ifs = [self._hole(c, _unparse(c)) for c in node.ifs]
            return node
        if isinstance(node, ast.expr) and _bool_valued(node):
            return self._hole(node, _unparse(node))
        return super().visit(node)


class _Messages(ast.NodeTransformer):
    """Replace strings that are only messages by one placeholder."""

    def _blank(self, e: ast.AST) -> ast.AST:
        if isinstance(e, ast.Constant) and isinstance(e.value, str):
            return ast.Constant("<message>")
        if isinstance(e, ast.JoinedStr):
            return ast.JoinedStr([ast.Constant("<message>")] + [v for v in e.values if isinstance(v, ast.FormattedValue)])
        return e

    def visit_Raise(self, node: ast.Raise) -> ast.AST:
        if isinstance(node.exc, ast.Call):
            node.exc.args = [self._blank(a) for a in node.exc.args]  # type: ignore[misc]
            for kw in node.exc.keywords:
                kw.value = self._blank(kw.value)  # type: ignore[assignment]
        self.generic_visit(node)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        if name in MESSAGE_CALLS:
            node.args = [self._blank(a) for a in node.args]  # type: ignore[misc]
        for kw in node.keywords:
            if kw.arg in MESSAGE_KEYWORDS:
                kw.value = self._blank(kw.value)  # type: ignore[assignment]
        self.generic_visit(node)
        return node


_SHAPES: "weakref.WeakKeyDictionary[ast.AST, dict[tuple, Optional[Shape]]]" = weakref.WeakKeyDictionary()


def shape(tree: ast.AST, *, rename: bool = False, helpers: Mapping[str, str] = {},
          booleans: bool = False, messages: bool = False, typing: bool = False) -> Optional[Shape]:
    """The normalised form of a unit tree under the chosen layers (the tree is not modified).

    Memoised per tree and layers: effect proofs ask for the same shapes several times."""
    key = (rename, tuple(sorted(helpers.items())), booleans, messages, typing)
    try:
        memo = _SHAPES.setdefault(tree, {})
    except TypeError:  # not weak-referenceable: compute without the memo
        return _shape(tree, rename=rename, helpers=helpers, booleans=booleans, messages=messages, typing=typing)
    if key not in memo:
        memo[key] = _shape(tree, rename=rename, helpers=helpers, booleans=booleans, messages=messages, typing=typing)
    return memo[key]


def _shape(tree: ast.AST, *, rename: bool = False, helpers: Mapping[str, str] = {},
           booleans: bool = False, messages: bool = False, typing: bool = False) -> Optional[Shape]:
    try:
        t = copy.deepcopy(tree)
        _strip_docstrings(t)
        if isinstance(t, ast.Module):
            _sort_import_runs(t)
        if typing:
            t = pytyping.without_typing(t)
        if isinstance(t, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            t.name = "_"  # the unit's own name is compared separately (rename / move)
        if rename or helpers:
            t = _Renamer(bound_names(t) if rename else {}, helpers).visit(t)
        if messages:
            t = _Messages().visit(t)
        formulas: tuple[Formula, ...] = ()
        texts: tuple[str, ...] = ()
        if booleans:
            plain = copy.deepcopy(tree)  # the same conditions in source names, for evidence
            _strip_docstrings(plain)
            if typing:
                plain = pytyping.without_typing(plain)
            named = _Conditions()
            named.visit(_Messages().visit(plain) if messages else plain)
            cond = _Conditions()
            t = cond.visit(t)
            formulas = tuple(cond.formulas)
            texts = tuple(named.texts) if len(named.texts) == len(formulas) else tuple(cond.texts)
        return Shape(_key(t), formulas, texts)
    except (RecursionError, MemoryError):
        return None


def _sort_import_runs(module: ast.Module) -> None:
    """Each run of consecutive import statements in a canonical order (isort, ruff's `I`
    rules): which module is imported first is not what a change of meaning is made of. A run
    that binds one name twice is left as written (there the order decides which one wins), and
    `from __future__` imports stay first."""
    body, out, run = module.body, [], []

    def flush() -> None:
        names = [a.asname or a.name.split(".")[0] for stmt in run for a in stmt.names]
        if len(names) == len(set(names)) and "*" not in names:
            run.sort(key=lambda stmt: (not (isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"), ast.dump(stmt)))
        out.extend(run)
        run.clear()

    for stmt in body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            run.append(stmt)
            continue
        flush()
        out.append(stmt)
    flush()
    module.body = out


def same_shape(a: Optional[Shape], b: Optional[Shape]) -> tuple[bool, tuple[str, ...]]:
    """Equal trees with pairwise-equivalent conditions; the evidence names rewritten conditions."""
    if a is None or b is None or a.dump != b.dump or len(a.formulas) != len(b.formulas):
        return False, ()
    evidence = []
    for fa, fb, ta, tb in zip(a.formulas, b.formulas, a.texts, b.texts):
        if fa == fb:
            if ta != tb:
                evidence.append(f"`{ta}` == `{tb}` (same normal form)")
            continue
        try:
            eq = logic.equivalent(fa, fb)
        except RecursionError:
            eq = None
        if not eq:
            return False, ()
        evidence.append(f"`{ta}` == `{tb}` (equivalent by truth table)")
    return True, tuple(evidence)
