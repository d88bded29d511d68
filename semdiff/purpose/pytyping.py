"""What only a type checker reads, set aside so that an annotation-only edit of a Python unit
is proved behaviour-preserving.

"Thoroughly test type annotations, and resolve errors" adds `-> None`, `key_obj: Any`,
`cast(dict[str, Any], payload)` and `signature: bytes = key.sign(...); return signature`
across a JWT library; each read as a behaviour change of a crypto unit under a "tests" claim
(held-out pyjwt). At run time:

* a function's parameter and return annotations are stored in `__annotations__` and read by
  nobody, unless a decorator reads them (web-framework routes, pydantic's validate_call,
  functools.singledispatch, typeguard, beartype): they are set aside only for functions
  whose decorators are all known not to read them;
* a local variable's annotation is never evaluated (PEP 526): `x: T = v` is `x = v`;
* `typing.cast(T, x)` returns x;
* a temporary bound once and returned or stored by the very next statement, and used nowhere
  else (`x = f(); return x`, `g = f(); self.g = g`), is its value: in both forms the value is
  the first thing that statement evaluates.

Class bodies keep their annotations (dataclasses, pydantic and attrs make fields and
validation of them), and bare `x: T` declarations stay (they make a name local).
"""
from __future__ import annotations

import ast
from typing import Iterator, Optional

# decorators known not to read the annotations of what they wrap
INERT_DECORATORS = frozenset({
    "property", "setter", "getter", "deleter", "staticmethod", "classmethod", "abstractmethod",
    "abstractproperty", "overload", "override", "final", "wraps", "cache", "lru_cache", "cached_property",
    "contextmanager", "asynccontextmanager", "deprecated", "total_ordering",
})
# a function that can see its locals by name: a temporary there is not only its value
_SEES_LOCALS = frozenset({"locals", "vars", "exec", "eval", "dir"})


def without_typing(tree: ast.AST) -> ast.AST:
    """`tree` (modified in place) with what only a type checker reads set aside."""
    return _Untyped().visit(tree)


def _decorator_name(d: ast.expr) -> str:
    if isinstance(d, ast.Call):
        d = d.func
    if isinstance(d, ast.Attribute):
        return d.attr
    return d.id if isinstance(d, ast.Name) else ""


def _is_cast(node: ast.Call) -> bool:
    f = node.func
    named = (isinstance(f, ast.Name) and f.id == "cast") or (
        isinstance(f, ast.Attribute) and f.attr == "cast" and isinstance(f.value, ast.Name) and f.value.id in ("typing", "t"))
    return named and len(node.args) == 2 and not node.keywords and not any(isinstance(a, ast.Starred) for a in node.args)


class _Untyped(ast.NodeTransformer):
    def __init__(self) -> None:
        self.scopes: list[str] = []

    def _function(self, node: ast.AST) -> ast.AST:
        if all(_decorator_name(d) in INERT_DECORATORS for d in node.decorator_list):  # type: ignore[attr-defined]
            node.returns = None  # type: ignore[attr-defined]
            a = node.args  # type: ignore[attr-defined]
            for arg in (*a.posonlyargs, *a.args, *a.kwonlyargs, *([a.vararg] if a.vararg else []), *([a.kwarg] if a.kwarg else [])):
                arg.annotation = None
                arg.type_comment = None
        node.type_comment = None  # type: ignore[attr-defined]
        self.scopes.append("function")
        self.generic_visit(node)
        self.scopes.pop()
        _inline_temporaries(node)
        return node

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.scopes.append("class")
        self.generic_visit(node)
        self.scopes.pop()
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        self.generic_visit(node)
        if node.value is None or not self.scopes or self.scopes[-1] != "function":
            return node
        return ast.copy_location(ast.Assign(targets=[node.target], value=node.value), node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        return node.args[1] if _is_cast(node) else node


def _blocks(fn: ast.AST) -> Iterator[list[ast.stmt]]:
    """Every statement list of the function, not entering nested functions or classes."""
    todo: list[ast.AST] = [fn]
    while todo:
        node = todo.pop()
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(node, field, None)
            if isinstance(stmts, list) and stmts and isinstance(stmts[0], ast.stmt):
                yield stmts
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.expr)):
                todo.append(child)


def _temporary(stmt: ast.stmt) -> Optional[tuple[str, ast.expr]]:
    if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
            and stmt.type_comment is None):
        return stmt.targets[0].id, stmt.value
    return None


def _takes(stmt: ast.stmt, name: str) -> bool:
    """Does `stmt` return or store exactly the name (`return x`, `self.x = x`, `d[k] = x`)?"""
    value = stmt.value if isinstance(stmt, (ast.Return, ast.Assign)) else None
    if not (isinstance(value, ast.Name) and value.id == name):
        return False
    if isinstance(stmt, ast.Assign):
        return len(stmt.targets) == 1 and isinstance(stmt.targets[0], (ast.Name, ast.Attribute, ast.Subscript))
    return True


def _inline_temporaries(fn: ast.AST) -> None:
    names: dict[str, int] = {}
    declared: set[str] = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Name):
            names[node.id] = names.get(node.id, 0) + 1
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
    if any(n in names for n in _SEES_LOCALS):
        return
    for stmts in _blocks(fn):
        i = 0
        while i + 1 < len(stmts):
            temp = _temporary(stmts[i])
            if temp is not None and names.get(temp[0]) == 2 and temp[0] not in declared and _takes(stmts[i + 1], temp[0]):
                nxt = stmts[i + 1]
                nxt.value = temp[1]  # type: ignore[attr-defined]
                del stmts[i]
                continue
            i += 1
