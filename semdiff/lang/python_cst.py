"""Python backend: libcst tree -> units with guard IR.

libcst (not `ast`) because it keeps exact positions and source text for every node, which
the evidence in findings quotes. The walk over statements is explicit (not a visitor) so
that each guard can carry its *path condition*: the enclosing tests and the negation of
every earlier early exit, which is what lets the logic see a check made conditional or
moved behind a `return`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
import threading
from typing import Iterable, Optional, Sequence, Union

import libcst as cst
from libcst import CSTNode

from semdiff.ir import (
    FALSE,
    TRUE,
    Action,
    Argument,
    Call,
    Comparison,
    Const,
    Decorator,
    Formula,
    Guard,
    Handler,
    Literal,
    Not,
    ParsedFile,
    Setting,
    Span,
    Unit,
    conj,
    disj,
    neg,
)
from semdiff.lang import normal
from semdiff.lang.python_exprs import Exprs, Namer, is_boolish, is_deny_value, op_text, squash, unwalrus
from semdiff.lang.python_nodes import (
    ASSIGNED_GUARD_CALL,
    AUTH_DECORATOR,
    ERROR_LOG,
    ERROR_NAME,
    ERROR_RECORD,
    records_failure,
    EXEMPT_DECORATOR,
    GUARD_CALL,
    ModuleTokens,
    LOG_CALLEE,
    LOOKUP_ERROR,
    MAX_LOOKUPS,
    NOT_ASSIGNED_GUARD,
    REGEX_CALLEES,
    all_params,
    block,
    body_key,
    child_nodes,
    handler_action,
    handler_types,
    is_abort_call,
    is_bool_name,
    is_false,
    local_names,
    param_names,
    skip_docstring,
    source_positions,
    soft_kind,
    walk_nodes,
    with_in_try,
)
from semdiff.lang.unique_names import python_overload_stub, unique_qualnames

FuncNode = cst.FunctionDef
_DEFS = (cst.FunctionDef, cst.ClassDef)
_COLLECTED = frozenset({cst.Call, cst.Comparison})
_DEF_HOLDERS = frozenset({cst.If, cst.Else, cst.Try, cst.TryStar, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally,
                          cst.With, cst.For, cst.While, cst.Match, cst.MatchCase})

@dataclass
class _UnitBuilder:
    qualname: str
    name: str
    kind: str
    node: cst.CSTNode
    parent: Optional[str]
    namer: Namer
    params: tuple[str, ...] = ()
    guards: list[Guard] = field(default_factory=list)
    decorators: list[Decorator] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    handlers: list[Handler] = field(default_factory=list)
    literals: list[Literal] = field(default_factory=list)
    settings: list[Setting] = field(default_factory=list)


# libcst checks every node it builds (CSTNode.__post_init__ calls the node's _validate): checks
# meant for trees built by hand, which on a parse cost about a fifth of libcst's parse time.
# A text Python's own parser (`ast.parse`, run first for the nesting check) accepted is valid
# Python, so the tree libcst's parser builds from it needs no such checks; a text it refused
# is parsed with them, so everything malformed is answered exactly as before. Only the
# parsing thread skips them: while another thread exists, the hook tests a thread-local flag,
# so a node that thread builds meanwhile is still checked; in a process's only thread (a parse
# worker, a one-process run) it does nothing at all, which is cheaper still.
_VALIDATE = CSTNode.__dict__["__post_init__"]
_UNCHECKED_THREADS: set[int] = set()  # threads inside parse_valid_module (while any is, a hook is in)


class _ThisThread(threading.local):
    unchecked = False  # read for every node built: a thread-local attribute is the cheapest test


_THIS_THREAD = _ThisThread()


def _unchecked_here(node: CSTNode) -> None:
    if not _THIS_THREAD.unchecked:
        _VALIDATE(node)


def _unchecked(node: CSTNode) -> None:
    pass


# libcst's node classes are frozen slotted dataclasses: their generated __init__ stores each
# field with `object.__setattr__(self, name, value)` (a global, an attribute load and a generic
# setattr that looks the slot up again per field), then calls `self.__post_init__()`; building
# the nodes was a fifth of libcst's parse. While parse_valid_module runs, each node class's
# __init__ is one with the same signature and defaults that stores through the slot's own
# descriptor, and (alone in the process, see below) leaves out the call of the no-op check.
# A class's replacement is compiled when a parse first builds one of its nodes.
_INITS: Optional[dict[type, list]] = None  # class -> [libcst's, fast (or its stub), fast + check (or its stub)]


def _init_text(cls: type, check: bool) -> Optional[tuple[str, dict]]:
    """Source and globals of the replacement __init__ of `cls`, or None to keep libcst's: a
    field that is not a positional `__init__` parameter stored in a slot of the class (the
    unslotted class `add_slots` leaves behind has none) is not one this reproduces."""
    import dataclasses

    if "__init__" not in cls.__dict__ or not dataclasses.is_dataclass(cls):
        return None
    missing, factory = dataclasses.MISSING, dataclasses._HAS_DEFAULT_FACTORY  # type: ignore[attr-defined]
    params, lines, names = ["self"], [], {"_HAS_DEFAULT_FACTORY": factory}
    for i, f in enumerate(dataclasses.fields(cls)):
        slot = next((k.__dict__[f.name] for k in cls.__mro__ if f.name in k.__dict__), None)
        if not f.init or f.kw_only or type(slot).__name__ != "member_descriptor" or not f.name.isidentifier():
            return None
        names[f"_set{i}"] = slot.__set__
        value = f.name
        if f.default is not missing:
            names[f"_default{i}"] = f.default
            params.append(f"{f.name}=_default{i}")
        elif f.default_factory is not missing:
            names[f"_factory{i}"] = f.default_factory
            params.append(f"{f.name}=_HAS_DEFAULT_FACTORY")
            value = f"_factory{i}() if {f.name} is _HAS_DEFAULT_FACTORY else {f.name}"
        else:
            params.append(f.name)
        lines.append(f" _set{i}(self, {value})")
    if check:
        lines.append(" self.__post_init__()")
    return f"def __init__({', '.join(params)}):\n" + ("\n".join(lines) or " pass") + "\n", names


def _stub(cls: type, which: int):
    """The __init__ of `cls` until its replacement `which` is compiled: compiles it, puts it
    in place (unless the parse ended meanwhile) and builds the node with it."""

    def __init__(self, *args, **kwargs) -> None:
        text, names = _init_text(cls, which == 2)  # type: ignore[misc]
        exec(text, names)  # noqa: S102 - our own text, built from libcst's field declarations
        init = names["__init__"]
        init.__qualname__ = f"{cls.__qualname__}.__init__"
        entry = _INITS[cls]  # type: ignore[index]
        entry[which] = init
        if cls.__dict__.get("__init__") is __init__:
            cls.__init__ = init  # type: ignore[misc]
        init(self, *args, **kwargs)

    return __init__


def _inits() -> dict[type, list]:
    global _INITS
    if _INITS is None:
        found: dict[type, list] = {}
        todo = list(CSTNode.__subclasses__())
        while todo:
            cls = todo.pop()
            todo.extend(cls.__subclasses__())
            if cls not in found and _init_text(cls, False) is not None:
                found[cls] = [cls.__dict__["__init__"], _stub(cls, 1), _stub(cls, 2)]
        _INITS = found
    return _INITS


def _set_inits(which: int) -> None:
    for cls, inits in _inits().items():
        cls.__init__ = inits[which]  # type: ignore[misc]


def parse_valid_module(text: str) -> cst.Module:
    """cst.parse_module(text) without libcst's node checks; for text `ast.parse` accepted."""
    me = threading.get_ident()
    alone = threading.active_count() == 1 and not _UNCHECKED_THREADS  # no other thread can build nodes
    _UNCHECKED_THREADS.add(me)
    _THIS_THREAD.unchecked = True
    CSTNode.__post_init__ = _unchecked if alone else _unchecked_here  # type: ignore[method-assign]
    _set_inits(1 if alone else 2)  # another thread's nodes still go through __post_init__
    try:
        return cst.parse_module(text)
    finally:
        _THIS_THREAD.unchecked = False
        _UNCHECKED_THREADS.discard(me)
        if not _UNCHECKED_THREADS:
            _set_inits(0)
            CSTNode.__post_init__ = _VALIDATE  # type: ignore[method-assign]


class PythonBackend:
    language = "python"

    def parse(self, path: str, text: str) -> ParsedFile:
        from semdiff.budget import python_syntax_check

        deep, valid = python_syntax_check(text)  # libcst's native parser segfaults on deep nesting
        if deep:
            return ParsedFile(path, self.language, (), error=deep)
        try:
            module = parse_valid_module(text) if valid else cst.parse_module(text)
        except cst.ParserSyntaxError as exc:
            return ParsedFile(path, self.language, (), error=f"syntax error at line {exc.raw_line}: {exc.message}")
        except RecursionError:
            return ParsedFile(path, self.language, (), error="nesting too deep to parse")
        return _Extractor(path, text, module, source_positions(module, text)).run()


class _Extractor:
    def __init__(self, path: str, text: str, module: cst.Module, positions) -> None:
        self.path = path
        self.text = text
        self.lines = text.splitlines()
        self.module = module
        self.pos = positions
        self.imports: dict[str, str] = {}
        self._collect_imports()
        self.ex = Exprs(module, self.imports, positions)
        self.units: list[Unit] = []
        self.tokens: Optional[ModuleTokens] = None  # built for the first unit's body key

    # ------------------------------------------------------------------ helpers

    def line(self, node: cst.CSTNode) -> int:
        return self.pos.line(node)

    def end_line(self, node: cst.CSTNode) -> int:
        return self.pos.end_line(node)

    def span(self, node: cst.CSTNode) -> Span:
        return Span(self.line(node), self.end_line(node))

    def _def_span(self, node: Union[cst.FunctionDef, cst.ClassDef]) -> Span:
        """A definition starts at its first decorator: removing one changes the definition."""
        start = self.line(node.decorators[0]) if node.decorators else self.line(node)
        return Span(start, self.end_line(node))

    def src_line(self, n: int) -> str:
        return self.lines[n - 1].strip() if 0 < n <= len(self.lines) else ""

    def _collect_imports(self) -> None:
        for stmt in block(self.module.body):
            self._import(stmt)

    def _import(self, stmt: cst.CSTNode) -> None:
        if isinstance(stmt, cst.Import):
            for alias in stmt.names:
                full = Exprs(self.module, {}).dotted(alias.name)
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    self.imports[alias.asname.name.value] = full
                else:
                    head = full.split(".")[0]
                    self.imports.setdefault(head, head)
        elif isinstance(stmt, cst.ImportFrom) and not isinstance(stmt.names, cst.ImportStar):
            base = "." * len(stmt.relative) + (Exprs(self.module, {}).dotted(stmt.module) if stmt.module else "")
            for alias in stmt.names:
                name = Exprs(self.module, {}).dotted(alias.name)
                local = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else name
                self.imports[local] = f"{base}.{name}" if base and not base.endswith(".") else f"{base}{name}"

    # ------------------------------------------------------------------ units

    def run(self) -> ParsedFile:
        root = _UnitBuilder("<module>", "<module>", "module", self.module, None, Namer({}, {}))
        self._walk_container(root, block(self.module.body), level="module")
        self._finish(root, Span(1, max(1, len(self.lines))))
        return ParsedFile(self.path, "python", unique_qualnames(self.units, python_overload_stub), imports=tuple(sorted(self.imports.items())))

    def _walk_container(self, unit: _UnitBuilder, stmts: list[cst.CSTNode], level: str) -> None:
        """Module or class body: record settings, then analyse statements like a body."""
        for stmt in stmts:
            if isinstance(stmt, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                self._settings_from_assign(unit, stmt)
        self._walk(unit, stmts, TRUE, ())
        for stmt in stmts:
            self._nested_defs(unit, stmt)

    def _nested_defs(self, unit: _UnitBuilder, stmt: cst.CSTNode) -> None:
        """Find defs/classes anywhere under a statement (inside if/try/with too).

        `children` already lists a try's handlers and a match's cases; walking `handlers` and
        `cases` as well reported each def nested there twice."""
        kind = type(stmt)  # exact types: libcst's node classes are final, and ABC isinstance misses are slow
        if kind is cst.FunctionDef:
            self._function(unit, stmt)
        elif kind is cst.ClassDef:
            self._class(unit, stmt)
        elif kind in _DEF_HOLDERS:
            for child in child_nodes(stmt):
                if isinstance(child, cst.BaseSuite):
                    for s in block(child):
                        self._nested_defs(unit, s)
                elif isinstance(child, (cst.If, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally, cst.MatchCase)):
                    self._nested_defs(unit, child)

    def _child_qualname(self, parent: _UnitBuilder, name: str) -> str:
        if parent.kind == "module":
            return name
        if parent.kind == "class":
            return f"{parent.qualname}.{name}"
        return f"{parent.qualname}.<locals>.{name}"

    def _class(self, parent: _UnitBuilder, node: cst.ClassDef) -> None:
        qn = self._child_qualname(parent, node.name.value)
        unit = _UnitBuilder(qn, node.name.value, "class", node, parent.qualname, Namer({}, {}))
        self._decorators(unit, node.decorators)
        for base in node.bases:
            self._collect_exprs(unit, base.value, in_guard=False, in_try=False)
        self._walk_container(unit, block(node.body), level="class")
        self._finish(unit, self._def_span(node))

    def _function(self, parent: _UnitBuilder, node: cst.FunctionDef) -> None:
        qn = self._child_qualname(parent, node.name.value)
        params = param_names(node.params)
        namer = Namer({p: f"${i}" for i, p in enumerate(params)}, local_names(self.ex, node, set(params)))
        kind = "method" if parent.kind == "class" else "function"
        unit = _UnitBuilder(qn, node.name.value, kind, node, parent.qualname, namer, params=params)
        self._decorators(unit, node.decorators)
        for p in all_params(node.params):
            if p.default is not None:
                value = p.default
                unit.settings.append(Setting(p.name.value, squash(self.ex.code(value)), self.span(p), self.ex.code(p), self.ex.literal(value), "default"))
                self._literal_from(unit, p.name.value, value)
                self._collect_exprs(unit, value, in_guard=False, in_try=False)
        body = block(node.body)
        self._walk(unit, skip_docstring(body), TRUE, ())
        for stmt in body:
            self._nested_defs(unit, stmt)
        self._finish(unit, self._def_span(node))

    def _decorators(self, unit: _UnitBuilder, decorators: Sequence[cst.Decorator]) -> None:
        for dec in decorators:
            expr = dec.decorator
            target = expr.func if isinstance(expr, cst.Call) else expr
            name = self.ex.resolve(self.ex.dotted(target))
            args = self._arguments(expr.args) if isinstance(expr, cst.Call) else ()
            text = "@" + self.ex.code(expr)
            d = Decorator(name, args, self.span(dec), text)
            unit.decorators.append(d)
            self._collect_exprs(unit, expr, in_guard=False, in_try=False)
            last = name.rsplit(".", 1)[-1]
            if AUTH_DECORATOR.search(last) and not EXEMPT_DECORATOR.search(last):
                key = "@" + squash(name + (self.ex.code(expr)[len(self.ex.dotted(target)):] if isinstance(expr, cst.Call) else ""))
                atom = normal.call_atom(name, key, text)
                unit.guards.append(Guard(Not(atom), Not(atom), Action.DECORATOR, self.span(dec), text, True, "decorator"))

    def _body_key(self, text: str, span: Span, b: _UnitBuilder) -> str:
        if self.tokens is None:
            self.tokens = ModuleTokens(self.text)
        key = self.tokens.key(span.line, span.end_line, b.namer) if span.line else None
        return key if key is not None else body_key(text, b.namer)

    def _finish(self, b: _UnitBuilder, span: Span) -> None:
        text = "\n".join(self.lines[span.line - 1 : span.end_line]) if span.line else ""
        self.units.append(
            Unit(
                path=self.path,
                language="python",
                kind=b.kind,
                qualname=b.qualname,
                name=b.name,
                span=span,
                params=b.params,
                decorators=tuple(b.decorators),
                guards=tuple(b.guards),
                comparisons=tuple(b.comparisons),
                calls=tuple(b.calls),
                handlers=tuple(b.handlers),
                literals=tuple(b.literals),
                settings=tuple(b.settings),
                text=text,
                body_key=self._body_key(text, span, b) if b.kind != "module" else body_key(_module_own_text(self, b), b.namer),
                parent=b.parent,
                locals=tuple((n, k) for n, k in b.namer.mapping.items() if k.startswith("%")),
            )
        )

    # ------------------------------------------------------------------ statements

    def _walk(self, unit: _UnitBuilder, stmts: Iterable[cst.CSTNode], path: Formula,
              contributors: tuple[tuple[int, Formula], ...], owner: Optional[tuple[cst.CSTNode, Formula]] = None) -> Formula:
        """Walk a block under path condition `path`; return the condition to continue past it.

        `owner` is the enclosing `if` and its test when this block is that if's body, so a
        terminal raise/return is recorded as the guard of that `if`.
        """
        error_noted = False  # an earlier statement of this block recorded an error message
        error_logged = False  # ... or logged an error (counts for a bare `return` only)
        for stmt in stmts:
            reachable = not (isinstance(path, Const) and not path.value)
            kind = type(stmt)
            if kind is cst.FunctionDef or kind is cst.ClassDef:
                continue
            if kind is cst.If:
                path, contributors = self._if(unit, stmt, path, contributors, reachable)
            elif kind is cst.Raise or kind is cst.Return or is_abort_call(self.ex, stmt):
                bare = kind is cst.Return and stmt.value is None
                self._exit(unit, stmt, path, contributors, owner, reachable, error_noted or (error_logged and bare and owner is not None))
                path = FALSE
            elif kind is cst.Assert:
                self._collect_exprs(unit, stmt.test, in_guard=True, in_try=False)
                test = self.ex.formula(stmt.test, unit.namer)
                cond = neg(test)
                unit.guards.append(Guard(conj(path, cond), cond, Action.ASSERT, self.span(stmt), self.ex.code(stmt), reachable, "assert", contributors))
                path, contributors = conj(path, test), contributors + ((self.line(stmt), test),)
            elif kind is cst.Continue or kind is cst.Break:
                path = FALSE
            elif kind is cst.Try or kind is cst.TryStar:
                path = self._try(unit, stmt, path, contributors)
            elif kind is cst.For or kind is cst.While:
                head = stmt.iter if kind is cst.For else stmt.test
                self._collect_exprs(unit, head, in_guard=False, in_try=False)
                if kind is cst.For:
                    self._collect_exprs(unit, stmt.target, in_guard=False, in_try=False)
                self._walk(unit, block(stmt.body), path, contributors)
                if stmt.orelse is not None:
                    self._walk(unit, block(stmt.orelse.body), path, contributors)
            elif kind is cst.With:
                for item in stmt.items:
                    self._collect_exprs(unit, item.item, in_guard=False, in_try=False)
                path = self._walk(unit, block(stmt.body), path, contributors, owner)
            elif kind is cst.Match:
                self._collect_exprs(unit, stmt.subject, in_guard=False, in_try=False)
                for case in stmt.cases:
                    self._walk(unit, block(case.body), path, contributors)
            else:
                self._simple(unit, stmt, path, contributors, reachable)
                if kind is cst.Expr and isinstance(stmt.value, cst.Call):
                    callee = self.ex.callee(stmt.value)
                    error_noted = error_noted or bool(ERROR_RECORD.search(callee))
                    error_logged = error_logged or bool(ERROR_LOG.search(callee))
        return path

    def _if(self, unit: _UnitBuilder, stmt: cst.If, path: Formula, contributors, reachable: bool):
        self._collect_exprs(unit, stmt.test, in_guard=True, in_try=False)
        cond = self.ex.formula(stmt.test, unit.namer)
        line = self.line(stmt)
        body = block(stmt.body)
        inner = contributors + ((line, cond),)
        first = len(unit.guards)
        body_cont = self._walk(unit, body, conj(path, cond), inner, owner=(stmt, cond))
        recorded = any(g.span.line == line and g.action.denies for g in unit.guards[first:])
        if not recorded:
            self._record_error_state(unit, stmt, body, conj(path, cond), cond, inner, reachable)
        self._record_soft_guard(unit, stmt, body, conj(path, cond), cond, inner, reachable)
        else_path = conj(path, neg(cond))
        else_contrib = contributors + ((line, neg(cond)),)
        if isinstance(stmt.orelse, cst.If):
            else_cont, _ = self._if(unit, stmt.orelse, else_path, else_contrib, reachable)
        elif isinstance(stmt.orelse, cst.Else):
            else_body = block(stmt.orelse.body)
            else_cont = self._walk(unit, else_body, else_path, else_contrib, owner=(stmt, neg(cond)))
        else:
            else_cont = else_path
        body_exits = is_false(body_cont)
        else_exits = is_false(else_cont)
        if body_exits and else_exits:
            return FALSE, contributors
        if body_exits:
            return conj(path, neg(cond)), contributors + ((line, neg(cond)),)
        if else_exits:
            return conj(path, cond), contributors + ((line, cond),)
        return path, contributors

    def _record_error_state(self, unit, stmt: cst.If, body, deny_when, cond, contributors, reachable) -> None:
        """`if bad: self.error = BadRequest(...); break` denies as surely as a raise does:
        protocol parsers and state machines refuse input by recording an error, form
        validators by setting a failure flag (`if bad: failed = True`)."""
        for s in body:
            if isinstance(s, (cst.Assign, cst.AnnAssign)) and s.value is not None:
                targets = [t.target for t in s.targets] if isinstance(s, cst.Assign) else [s.target]
                dotted = " ".join(self.ex.dotted(t) for t in targets)
                names = dotted.lower()
                value = s.value
                callee = self.ex.callee(value).rsplit(".", 1)[-1] if isinstance(value, cst.Call) else ""
                if ERROR_NAME.search(callee) or ("error" in names and isinstance(value, cst.Call)) \
                        or (isinstance(value, cst.Name) and records_failure(dotted, value.value)):
                    text = f"if {normal.squash_spaces(self.ex.code(stmt.test))}: {normal.squash_spaces(self.ex.code(s))}"
                    unit.guards.append(Guard(deny_when, cond, Action.ABORT, Span(self.line(stmt), self.end_line(s)), text, reachable, "branch", contributors))
                    return

    def _record_soft_guard(self, unit, stmt: cst.If, body, deny_when, cond, contributors, reachable) -> None:
        """An `if` whose body only logs or passes: kept so a rule can say 'now only logs'."""
        kinds = {soft_kind(self.ex, s) for s in body}
        if kinds and kinds <= {"log", "pass"}:
            action = Action.LOG if "log" in kinds else Action.PASS
            text = f"if {normal.squash_spaces(self.ex.code(stmt.test))}: " + " ".join(normal.squash_spaces(self.ex.code(s)) for s in body[:2])
            unit.guards.append(Guard(deny_when, cond, action, self.span(stmt), text.strip(), reachable, "branch", contributors))

    def _exit(self, unit: _UnitBuilder, stmt: cst.CSTNode, path: Formula, contributors, owner, reachable: bool,
              error_noted: bool = False) -> None:
        """Record an exit; a return right after the block recorded an error message for the
        client (`form.errors.append(m); return render(form)`) refuses whatever it returns."""
        if isinstance(stmt, cst.Return):
            value = stmt.value
            if value is not None:
                self._collect_exprs(unit, value, in_guard=owner is not None or is_boolish(self.ex, value), in_try=False)
            if value is not None and is_boolish(self.ex, value) and not is_bool_name(value):
                cond = neg(self.ex.formula(value, unit.namer))
                unit.guards.append(Guard(conj(path, cond), cond, Action.PREDICATE, self.span(stmt), self.ex.code(stmt), reachable, "predicate", contributors))
                return
            call = value.expression if isinstance(value, cst.Await) else value
            if isinstance(call, cst.Call):  # `return use(validate_x(v))`: the validator still runs first
                self._argument_validators(unit, call, stmt, conj(path, owner[1]) if owner is not None else path, contributors, reachable)
            action = Action.DENY_RETURN if error_noted or is_deny_value(self.ex, value) else Action.RETURN
        elif isinstance(stmt, cst.Raise):
            if stmt.exc is not None:
                self._collect_exprs(unit, stmt.exc, in_guard=True, in_try=False)
            action = Action.RAISE
        else:
            assert isinstance(stmt, cst.Expr)
            self._collect_exprs(unit, stmt.value, in_guard=True, in_try=False, statement=True)
            action = Action.ABORT
        if owner is not None:
            if_node, cond = owner
            span = Span(self.line(if_node), self.end_line(stmt))
            text = f"if {normal.squash_spaces(self.ex.code(if_node.test))}: {normal.squash_spaces(self.ex.code(stmt))}"
            kind = "branch"
        else:
            cond, span, text, kind = TRUE, self.span(stmt), self.ex.code(stmt), "branch"
        if action is Action.RETURN and owner is None:
            kind = "exit"  # a plain return: not a check, but it ends every path (rules need its line)
        unit.guards.append(Guard(path, cond, action, span, text, reachable, kind, contributors))

    def _try(self, unit: _UnitBuilder, stmt: Union[cst.Try, cst.TryStar], path: Formula, contributors) -> Formula:
        """Walk a try statement; return the condition to continue past it.

        When every handler ends in a raise/return (or there is none: try/finally), only the
        normal path (body, then `else`) reaches the next statement, so `try: v = f() except E: raise ... else: if v: return ok`
        followed by `return None` denies under `not v`, as the same code without the try does.
        A handler that can fall through keeps the old, wider answer (`path`)."""
        body = block(stmt.body)
        before = len(unit.calls)
        body_cont = self._walk(unit, body, path, contributors)
        guarded = tuple(dict.fromkeys(c.callee for c in unit.calls[before:]))
        unit.calls[before:] = [with_in_try(c) for c in unit.calls[before:]]
        handlers_exit = True
        for handler in stmt.handlers:
            catches = handler_types(self.ex, handler.type)
            hbody = block(handler.body)
            action, returns = handler_action(self.ex, hbody)
            unit.handlers.append(Handler(catches, action, returns, guarded, self.span(handler), self.ex.code(handler).split("\n", 1)[0] + " " + " ".join(self.ex.code(s) for s in hbody[:2])))
            # "this exception was raised in the try body": an atom, so a deny inside the
            # handler is a check like any other (and is not confused with an unconditional one)
            # keyed by what the try body calls, not by the caught types: widening or narrowing
            # the caught types is the swallowed-exception family's question, not a guard change
            raised = disj(*(normal.expr_atom(f"raised({c})", f"{c}(...) raised") for c in guarded[:6])) if 0 < len(guarded) <= 6 \
                else normal.expr_atom("raised(*)", "the try body raised")
            if LOOKUP_ERROR in catches:
                missing = self._missing_keys(unit, body)
                # a body of nothing but lookups (no call) raises KeyError only for a missing key
                raised = disj(*missing) if missing and len(missing) == len(body) and not guarded else disj(raised, *missing)
            hcont = self._walk(unit, hbody, conj(path, raised), contributors + ((self.line(handler), raised),))
            handlers_exit = handlers_exit and is_false(hcont)
        normal_cont = body_cont
        if stmt.orelse is not None:
            normal_cont = self._walk(unit, block(stmt.orelse.body), body_cont, contributors)
        cont = normal_cont if handlers_exit else path
        if stmt.finalbody is not None:
            if is_false(self._walk(unit, block(stmt.finalbody.body), path, contributors)):
                cont = FALSE
        return cont

    def _missing_keys(self, unit: _UnitBuilder, body: list[cst.CSTNode]) -> list[Formula]:
        """`not (k in d)` for each `x = d[k]` / `return d[k]` statement of a try body whose
        handler catches KeyError: a mapping lookup raises it exactly when the key is missing,
        so `try: x = d[k] except KeyError: raise E` denies what `if k not in d: raise E`
        denied (EAFP for LBYL), and the guard rules see the same test."""
        out: list[Formula] = []
        for s in body:
            value = s.value if isinstance(s, (cst.Assign, cst.AnnAssign, cst.Return)) else None
            if isinstance(value, cst.Subscript) and len(value.slice) == 1 and isinstance(value.slice[0].slice, cst.Index) \
                    and value.slice[0].slice.star is None:
                out.append(neg(self.ex.comparison(value.slice[0].slice.value, "in", value.value, unit.namer)))
        return out[:MAX_LOOKUPS]

    def _simple(self, unit: _UnitBuilder, stmt: cst.CSTNode, path: Formula, contributors, reachable: bool) -> None:
        kind = type(stmt)  # exact types (libcst's node classes are final): ABC isinstance is slow
        if kind is cst.Expr:
            self._collect_exprs(unit, stmt.value, in_guard=False, in_try=False, statement=True)
            value = stmt.value
            if type(value) is cst.Await:
                value = value.expression
            if type(value) is cst.Call:
                callee = self.ex.callee(value)
                if GUARD_CALL.search(callee) and not LOG_CALLEE.search(callee):
                    self._call_guard(unit, value, callee, stmt, path, contributors, reachable)
                self._argument_validators(unit, value, stmt, path, contributors, reachable)
            return
        if kind is cst.Assign or kind is cst.AnnAssign or kind is cst.AugAssign:
            value = stmt.value
            if value is not None:
                self._collect_exprs(unit, value, in_guard=False, in_try=False)
                call = value.expression if isinstance(value, cst.Await) else value
                if isinstance(call, cst.Call) and not isinstance(stmt, cst.AugAssign):
                    callee = self.ex.callee(call)
                    if ASSIGNED_GUARD_CALL.search(callee) and not NOT_ASSIGNED_GUARD.search(callee) and not LOG_CALLEE.search(callee):
                        self._call_guard(unit, call, callee, stmt, path, contributors, reachable)
                if isinstance(call, cst.Call):
                    self._argument_validators(unit, call, stmt, path, contributors, reachable)
                targets = [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
                for t in targets:
                    self._literal_from(unit, self.ex.dotted(t), value)
                    # inside functions, assignments to attributes and keyed items configure
                    # something (`app.config["MAX_CONTENT_LENGTH"] = ...`, `self.timeout = ...`);
                    # plain names are locals (module/class level is handled by the container)
                    key = self._setting_key(t) if unit.kind in ("function", "method") and not isinstance(t, cst.Name) else None
                    if key is not None:
                        unit.settings.append(Setting(key, squash(self.ex.code(value)), self.span(stmt), self.ex.code(stmt), self.ex.literal(value), "assignment"))
            return
        for child in child_nodes(stmt):
            if isinstance(child, cst.BaseExpression):
                self._collect_exprs(unit, child, in_guard=False, in_try=False)

    def _call_guard(self, unit: _UnitBuilder, call: cst.Call, callee: str, stmt: cst.CSTNode, path: Formula, contributors, reachable: bool) -> None:
        """A checker call run for its exception (`check_x(...)`, `state = validate_state()`)."""
        text = self.ex.code(call)
        atom = normal.call_atom(callee, unit.namer.key(self.ex.resolve_text(text, call)), text)
        unit.guards.append(Guard(conj(path, Not(atom)), Not(atom), Action.RAISE, self.span(stmt), text, reachable, "call-guard", contributors))

    def _argument_validators(self, unit: _UnitBuilder, call: cst.Call, stmt: cst.CSTNode, path: Formula, contributors, reachable: bool) -> None:
        """`use(validate_x(v))`: a validator whose result is passed on still runs (and raises)
        first, so it is the same check as `x = validate_x(v); use(x)` (inlining is not removal)."""
        todo, seen = [call], 0
        while todo and seen < 200:
            node = todo.pop()
            seen += 1
            for arg in node.args:
                v = arg.value.expression if isinstance(arg.value, cst.Await) else arg.value
                if arg.star or not isinstance(v, cst.Call):
                    continue
                callee = self.ex.callee(v)
                if ASSIGNED_GUARD_CALL.search(callee) and not NOT_ASSIGNED_GUARD.search(callee) and not LOG_CALLEE.search(callee):
                    self._call_guard(unit, v, callee, stmt, path, contributors, reachable)
                todo.append(v)

    # ------------------------------------------------------------------ settings / literals

    def _setting_key(self, target: cst.BaseExpression) -> Optional[str]:
        """`X`, `obj.X` and `obj["X"]` name a setting; other targets do not."""
        if isinstance(target, (cst.Name, cst.Attribute)):
            return self.ex.dotted(target)
        if isinstance(target, cst.Subscript) and len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
            key = self.ex.literal(target.slice[0].slice.value)
            if isinstance(key, str):
                return f"{self.ex.dotted(target.value)}.{key}"
        return None

    def _settings_from_assign(self, unit: _UnitBuilder, stmt) -> None:
        value = stmt.value
        if value is None:
            return
        targets = [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
        for t in targets:
            key = self._setting_key(t)
            if key is None:
                continue
            unit.settings.append(Setting(key, squash(self.ex.code(value)), self.span(stmt), self.ex.code(stmt), self.ex.literal(value), "assignment"))
            if isinstance(value, cst.Dict):
                for el in value.elements:
                    if isinstance(el, cst.DictElement):
                        k = self.ex.literal(el.key)
                        if isinstance(k, str):
                            unit.settings.append(Setting(f"{key}.{k}", squash(self.ex.code(el.value)), self.span(el), self.ex.code(el), self.ex.literal(el.value), "config"))

    def _literal_from(self, unit: _UnitBuilder, target: str, value: cst.BaseExpression) -> None:
        items = self._collection_items(value)
        if items is None:
            return
        kind = {cst.List: "list", cst.Tuple: "tuple", cst.Set: "set", cst.Dict: "dict-keys"}.get(type(value), "list")
        unit.literals.append(Literal(target, items, self.span(value), self.ex.code(value), kind))

    def _collection_items(self, value: cst.BaseExpression) -> Optional[tuple[str, ...]]:
        if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
            out = []
            for el in value.elements:
                lit = self.ex.literal(el.value)
                out.append(lit if isinstance(lit, str) else squash(self.ex.code(el)))
            return tuple(str(x) for x in out)
        if isinstance(value, cst.Dict):
            out = []
            for el in value.elements:
                if isinstance(el, cst.DictElement):
                    lit = self.ex.literal(el.key)
                    out.append(lit if isinstance(lit, str) else squash(self.ex.code(el.key)))
                else:
                    out.append(squash(self.ex.code(el)))
            return tuple(str(x) for x in out)
        return None

    # ------------------------------------------------------------------ expressions

    def _arguments(self, args: Sequence[cst.Arg]) -> tuple[Argument, ...]:
        out = []
        for a in args:
            name = a.keyword.value if a.keyword is not None else (a.star if a.star else None)
            code = self.ex.code(a.value)
            out.append(Argument(name or None, squash(code), code, self.ex.literal(a.value)))
        return tuple(out)

    def _collect_exprs(self, unit: _UnitBuilder, expr: cst.CSTNode, *, in_guard: bool, in_try: bool, statement: bool = False) -> None:
        collector = _ExprCollector(self, unit, in_guard, in_try, expr if statement else None)
        for node in walk_nodes(expr, skip=_DEFS, want=_COLLECTED):
            if type(node) is cst.Call:
                collector.visit_Call(node)
            else:
                collector.visit_Comparison(node)


class _ExprCollector:
    """Calls, comparisons and literals inside one expression (not inside nested defs)."""

    def __init__(self, ext: _Extractor, unit: _UnitBuilder, in_guard: bool, in_try: bool, statement_node) -> None:
        self.ext, self.unit, self.in_guard, self.in_try, self.statement_node = ext, unit, in_guard, in_try, statement_node

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return True

    def visit_Call(self, node: cst.Call) -> bool:
        ex = self.ext.ex
        callee = ex.callee(node)
        args = self.ext._arguments(node.args)
        stmt = node is self.statement_node or (isinstance(self.statement_node, cst.Await) and self.statement_node.expression is node)
        arg_keys = tuple(self.unit.namer.key(ex.code(a.value)) for a in node.args if a.keyword is None and not a.star)
        self.unit.calls.append(Call(callee, args, self.ext.span(node), ex.code(node), stmt, self.in_try, arg_keys))
        for a in node.args:
            if a.keyword is not None:
                self.ext._literal_from(self.unit, a.keyword.value, a.value)
        if callee in REGEX_CALLEES or callee.rsplit(".", 1)[-1] in ("compile",) and callee.startswith("re"):
            first = [a for a in node.args if a.keyword is None and not a.star][:1] or [a for a in node.args if a.keyword is not None and a.keyword.value == "pattern"]
            if first:
                pattern = ex.literal(first[0].value)
                if isinstance(pattern, str):
                    self.unit.literals.append(Literal(callee, (pattern,), self.ext.span(first[0].value), ex.code(first[0].value), "regex"))
        return True

    def visit_Comparison(self, node: cst.Comparison) -> bool:
        ex = self.ext.ex
        left = node.left
        for target in node.comparisons:
            op = op_text(target.operator)
            f = ex.comparison(left, op, target.comparator, self.unit.namer)
            atom = f.arg if isinstance(f, Not) else f
            self.unit.comparisons.append(
                Comparison(atom, isinstance(f, Not), op, ex.code(unwalrus(left)), ex.code(unwalrus(target.comparator)),
                           self.ext.span(node), self.in_guard)
            )
            if op in ("in", "not in"):
                self.ext._literal_from(self.unit, squash(ex.code(unwalrus(left))), unwalrus(target.comparator))
            left = target.comparator
        return True


def _module_own_text(ext: _Extractor, b: _UnitBuilder) -> str:
    """Module text without the bodies of its functions and classes (they are units of their own)."""
    skip: set[int] = set()
    for u in ext.units:
        if u.parent == "<module>" or u.parent is None:
            skip.update(range(u.span.line, u.span.end_line + 1))
    return "\n".join(l for i, l in enumerate(ext.lines, 1) if i not in skip)
