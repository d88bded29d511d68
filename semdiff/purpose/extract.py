"""Extract-method and inline-method, proved by substitution.

When a change moves statements of `f` into a new helper `_h` and calls `_h(...)` where they
were, substituting the helper's body back at the call (parameters replaced by the call's
arguments) must give the old `f` again. The caller is then behaviour-preserving with
evidence ("`_h` inlined at line N gives the old body") and so is the helper itself. Inlining
(a deleted helper whose body now sits in its caller) is the same proof the other way round.

Only substitutions that cannot change meaning are made: arguments must be names, attributes
or constants (so nothing is evaluated twice or in another order), the helper must have no
decorators, defaults, *args/**kwargs, and `return` appears only where the call form allows:
  `_h(a)`        helper without any return;
  `x = _h(a)`    helper whose only return is its last statement;
  `return _h(a)` helper body taken as is (its returns become the caller's).
"""
from __future__ import annotations

import ast
import copy
from typing import Mapping, Optional

_SIMPLE_ARGS = (ast.Name, ast.Attribute, ast.Constant)


def _returns(stmts: list[ast.stmt]) -> list[ast.Return]:
    out = []
    stack: list[ast.AST] = list(stmts)
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Return):
            out.append(n)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(n))
    return out


class _Substitute(ast.NodeTransformer):
    def __init__(self, values: Mapping[str, ast.expr]) -> None:
        self.values = values

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.values and isinstance(node.ctx, ast.Load):
            return copy.deepcopy(self.values[node.id])
        return node


def _callee(call: ast.Call, helpers: Mapping[str, ast.FunctionDef]) -> Optional[tuple[str, bool]]:
    f = call.func
    if isinstance(f, ast.Name) and f.id in helpers:
        return f.id, False
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in ("self", "cls") and f.attr in helpers:
        return f.attr, True
    return None


def _bind(call: ast.Call, fn: ast.FunctionDef, bound_self: Optional[ast.expr]) -> Optional[dict[str, ast.expr]]:
    a = fn.args
    if fn.decorator_list or a.vararg or a.kwarg or a.defaults or a.kw_defaults or a.posonlyargs:
        return None
    params = [p.arg for p in [*a.args, *a.kwonlyargs]]
    values: dict[str, ast.expr] = {}
    if bound_self is not None:
        if not params:
            return None
        values[params[0]] = bound_self
        params = params[1:]
    if any(isinstance(x, ast.Starred) for x in call.args) or any(k.arg is None for k in call.keywords):
        return None
    positional = [p.arg for p in a.args][1 if bound_self is not None else 0:]
    if len(call.args) > len(positional):
        return None
    for name, arg in zip(positional, call.args):
        values[name] = arg
    for kw in call.keywords:
        if kw.arg in values or kw.arg not in params:
            return None
        values[kw.arg] = kw.value  # type: ignore[index]
    if set(values) != set(params) | ({[p.arg for p in a.args][0]} if bound_self is not None else set()):
        return None
    if not all(isinstance(v, _SIMPLE_ARGS) for v in values.values()):
        return None
    return values


def _body_of(fn: ast.FunctionDef) -> list[ast.stmt]:
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        body = body[1:]
    return body


def _inline_stmt(stmt: ast.stmt, helpers: Mapping[str, ast.FunctionDef], used: list[str]) -> Optional[list[ast.stmt]]:
    call: Optional[ast.Call] = None
    form = ""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call, form = stmt.value, "expr"
    elif isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Call):
        call, form = stmt.value, "return"
    elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, ast.Call):
        call, form = stmt.value, "assign"
    if call is None:
        return None
    hit = _callee(call, helpers)
    if hit is None:
        return None
    name, method = hit
    fn = helpers[name]
    values = _bind(call, fn, ast.Name(id=call.func.value.id, ctx=ast.Load()) if method else None)  # type: ignore[union-attr]
    if values is None:
        return None
    body = [_Substitute(values).visit(s) for s in copy.deepcopy(_body_of(fn))]
    rets = _returns(body)
    if form == "expr":
        if rets:
            return None
    elif form == "assign":
        if len(rets) != 1 or not body or body[-1] is not rets[0] or rets[0].value is None:
            return None
        body[-1] = ast.Assign(targets=stmt.targets, value=rets[0].value)  # type: ignore[attr-defined]
    used.append(name)
    return body


def _inline_block(stmts: list[ast.stmt], helpers: Mapping[str, ast.FunctionDef], used: list[str], top: bool) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for i, s in enumerate(stmts):
        is_last_top = top and i == len(stmts) - 1
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                setattr(s, field, _inline_block(inner, helpers, used, False))
        for h in getattr(s, "handlers", []) or []:
            h.body = _inline_block(h.body, helpers, used, False)
        inlined = _inline_stmt(s, helpers, used)
        if inlined is not None and isinstance(s, ast.Return) and not is_last_top:
            # `return _h()` mid-body: only when every path through the helper returns/raises
            if not inlined or not isinstance(inlined[-1], (ast.Return, ast.Raise)):
                used.pop()
                inlined = None
        out.extend(inlined if inlined is not None else [s])
    return out


def inline_helpers(fn: ast.AST, helpers: Mapping[str, ast.FunctionDef]) -> Optional[tuple[ast.AST, tuple[str, ...]]]:
    """`fn` with every call to one of `helpers` replaced by the helper's body, or None."""
    if not helpers or not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    tree = copy.deepcopy(fn)
    used: list[str] = []
    try:
        tree.body = _inline_block(tree.body, helpers, used, True)
    except RecursionError:
        return None
    if not used:
        return None
    return tree, tuple(dict.fromkeys(used))
