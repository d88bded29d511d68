"""Shared tree-sitter machinery: one walker turns any grammar's tree into the guard IR.

Each language backend (ts_javascript, ts_go, ts_java) is a subclass that names its node
types and answers a few questions (what is a call's callee, what denies, which names a
statement binds). Everything else -- units with qualified names, path conditions, formula
normal forms, renaming of parameters/locals in atom keys -- lives here once, so the rule
families see the same IR shapes as from the Python backend.

Where a unit starts is declared in `grammars/<language>/units.scm`; decorators/annotations
and route registrations are matched by the other query files in that folder. The walk
itself is iterative (explicit stacks) with depth limits on the few recursive helpers, so
hostile nesting yields a partial unit, never a RecursionError.
"""
from __future__ import annotations

import gc
import hashlib
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Optional, Union

from tree_sitter import Language, Node, Parser, Query, QueryCursor

from semdiff.ir import (
    FALSE,
    TRUE,
    Action,
    Argument,
    Atom,
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
from semdiff.lang.normal import NEGATIVE_OPS, call_atom, comparison, expr_atom, name_atom, squash

MAX_FORMULA_DEPTH = 60  # deeper boolean nesting becomes one opaque atom
MAX_BLOCK_DEPTH = 120  # deeper statement nesting is not walked for guards (unit marked partial)
MAX_TEXT = 300

Contributors = tuple[tuple[int, Formula], ...]

# strings (kept), comments (dropped), names (renamed unless after a dot) in C-family source
_TOKENS = re.compile(
    r"""(?P<s>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)"""
    r"""|(?P<c>//[^\n]*|/\*[\s\S]*?\*/)"""
    r"""|(?P<dot>\.\s*)?(?P<id>[A-Za-z_$][\w$]*)"""
)

# same vocabulary as the Python backend (semdiff/lang/python_cst.py), camelCase aware
GUARD_CALL = re.compile(
    r"(^|\.)_*(require|check|verify|ensure|assert|authorize|authorise|authenticate|validate|enforce|protect|deny|forbid|"
    r"loginRequired|permission|must)(?![a-z])\w*$|(^|\.)_*(require|check|verify|ensure|assert|authorize|authenticate|validate|enforce)$",
    re.IGNORECASE,
)
BOOLISH_CALL = re.compile(
    r"(^|\.)(is[A-Z_]|has[A-Z_]|can[A-Z_]|should[A-Z_]|check|verify|validate|valid|timingSafeEqual|ConstantTimeCompare|isEqual|"
    r"equals|Equal$|startsWith|endsWith|HasPrefix|HasSuffix|includes|contains|Contains|match|test$|allowed|permitted|"
    r"authenticate|authorized|some$|every$)"
)
# constant-time comparisons: same truth value as `a == b`; the timing rule looks at the calls
CONST_TIME_CALLEES = ("timingSafeEqual", "ConstantTimeCompare", "MessageDigest.isEqual", "hmac.Equal", "safeEqual",
                      "constantTimeEquals", "constantTimeAreEqual")

LiteralValue = Optional[Union[str, int, float, bool]]

# names that make a decorator / annotation / middleware an access check
AUTH_WORDS = re.compile(
    r"auth|login|loggedin|signedin|admin|role|permission|secured|guard|jwt|token|csrf|xsrf|acl|protect|"
    r"verify|privilege|scope|preauthorize|postauthorize|rolesallowed|denyall",
    re.IGNORECASE,
)
# ... unless they say the opposite
OPEN_WORDS = re.compile(r"permitall|anonymous|public|skipauth|noauth|allowany|optional", re.IGNORECASE)


def grammars_dir() -> Path:
    """Query files and seed tables: the repository's grammars/, else the packaged copy."""
    repo = Path(__file__).resolve().parents[2] / "grammars"
    if repo.is_dir():
        return repo
    return Path(__file__).resolve().parents[1] / "_grammars"


@lru_cache(maxsize=None)
def _query_text(folder: str, name: str) -> str:
    path = grammars_dir() / folder / name
    return path.read_text(encoding="utf-8") if path.is_file() else ""


_QUERIES: dict[tuple[int, str, str], Optional[Query]] = {}


def load_query(ts_language: Language, folder: str, name: str) -> Optional[Query]:
    key = (id(ts_language), folder, name)
    if key not in _QUERIES:
        text = _query_text(folder, name)
        _QUERIES[key] = Query(ts_language, text) if text.strip() else None
    return _QUERIES[key]


REQUIRE_WORD = re.compile(r"(?:^|[._])(?:require|ensure|must)[A-Z_]|(?:^|[._])is[A-Z]\w*(?:In|Authenticated|Authorized)\b")


def is_auth_name(name: str) -> bool:
    """`requireAuth`, `@PreAuthorize`, `passport.authenticate`, `csrfProtection` ... but not `permitAll`."""
    return bool(AUTH_WORDS.search(name) or REQUIRE_WORD.search(name)) and not OPEN_WORDS.search(name)


def span_of(node: Node) -> Span:
    return Span(node.start_point[0] + 1, node.end_point[0] + 1)


def clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


@dataclass
class UnitDraft:
    """A unit being collected: its node, names and the nodes that belong to it alone."""

    node: Node
    kind: str
    qualname: str
    name: str
    parent: Optional["UnitDraft"]
    params: list[str] = field(default_factory=list)
    renames: dict[str, str] = field(default_factory=dict)
    nodes: list[Node] = field(default_factory=list)  # own nodes in source order (not nested units)
    bodies: list[Node] = field(default_factory=list)  # statement containers walked for guards
    decorators: list[Decorator] = field(default_factory=list)
    guards: list[Guard] = field(default_factory=list)
    guard_ranges: list[tuple[int, int]] = field(default_factory=list)  # byte ranges of tested expressions
    local_counts: dict[str, int] = field(default_factory=dict)
    settings: list[Setting] = field(default_factory=list)
    partial: bool = False

    def bind(self, name: str, source_key: str) -> None:
        """Name a local after what it was first bound to (as the Python backend's Namer does):
        a consistent rename keeps every key, an unrelated new local shifts none.
        Module/class level names are globals and keep their names."""
        if not name or name in self.renames or self.kind in ("module", "class"):
            return
        base = "%" + hashlib.sha1(source_key.encode("utf-8")).hexdigest()[:6]
        n = self.local_counts.get(base, 0)
        self.local_counts[base] = n + 1
        self.renames[name] = base + (f"_{n}" if n else "")


@dataclass
class FileContext:
    path: str
    src: bytes
    imports: dict[str, str] = field(default_factory=dict)  # local name -> imported dotted name
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> name callees are written with
    unit_nodes: dict[int, tuple[str, str]] = field(default_factory=dict)  # node id -> (capture kind, name)
    callees: dict[int, str] = field(default_factory=dict)  # call node id -> callee
    registrations: set[int] = field(default_factory=set)  # route/middleware registration calls (routes.scm)

    def text(self, node: Optional[Node]) -> str:
        if node is None:
            return ""
        return self.src[node.start_byte : node.end_byte].decode("utf-8", "replace")


class TreeSitterBackend:
    """Template for one tree-sitter language; subclasses fill in the node vocabulary."""

    language = "?"
    grammar = "?"  # folder under grammars/

    # ---- node vocabulary (override) ----
    STRING_TYPES: frozenset[str] = frozenset()
    COMMENT_TYPES: frozenset[str] = frozenset({"comment", "line_comment", "block_comment"})
    IDENT_TYPES: frozenset[str] = frozenset({"identifier"})
    FUNCTION_TYPES: frozenset[str] = frozenset()  # anything with its own parameters and body
    CALL_TYPES: frozenset[str] = frozenset()
    IF_TYPES: frozenset[str] = frozenset({"if_statement"})
    RETURN_TYPES: frozenset[str] = frozenset({"return_statement"})
    THROW_TYPES: frozenset[str] = frozenset({"throw_statement"})
    EXIT_TYPES: frozenset[str] = frozenset({"break_statement", "continue_statement"})
    BLOCK_TYPES: frozenset[str] = frozenset({"statement_block", "block"})
    BINARY_TYPES: frozenset[str] = frozenset({"binary_expression"})
    UNARY_TYPES: frozenset[str] = frozenset({"unary_expression"})
    PAREN_TYPES: frozenset[str] = frozenset({"parenthesized_expression"})
    TRUE_TYPES: frozenset[str] = frozenset({"true"})
    FALSE_TYPES: frozenset[str] = frozenset({"false"})
    NULL_TYPES: frozenset[str] = frozenset({"null"})
    CATCH_TYPES: frozenset[str] = frozenset({"catch_clause"})
    ASSERT_TYPES: frozenset[str] = frozenset()
    BOUND_TYPES: frozenset[str] = frozenset()  # nodes `bound_values` reads
    BINDING_TYPES: frozenset[str] = frozenset()  # nodes `bindings` reads
    REGEX_TYPES: frozenset[str] = frozenset()  # nodes `regex_literal` reads
    SPREAD_TYPES: frozenset[str] = frozenset({"spread_element", "variadic_argument"})
    NEW_TYPES: frozenset[str] = frozenset({"new_expression", "object_creation_expression"})
    LOOP_TYPES: frozenset[str] = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement",
                                            "enhanced_for_statement"})
    CASE_TYPES: frozenset[str] = frozenset({"switch_case", "switch_default", "expression_case", "default_case",
                                            "type_case", "communication_case", "switch_block_statement_group", "switch_rule"})
    CASE_CONTAINER_TYPES: frozenset[str] = frozenset({"switch_body", "switch_block"})
    TRY_TYPES: frozenset[str] = frozenset({"try_statement"})
    COMPARE_OPS: frozenset[str] = frozenset({"==", "===", "!=", "!==", "<", "<=", ">", ">="})
    AND_OPS: frozenset[str] = frozenset({"&&"})
    OR_OPS: frozenset[str] = frozenset({"||"})
    LOG_CALLEE = re.compile(r"^(console|log|logger|logging|LOG|LOGGER|Log|slog|klog|glog|zap|fmt\.Print|System\.(out|err))|\.(log|debug|info|warn|warning|error|trace|Print\w*|Debug\w*|Info\w*|Warn\w*|Error\w*)$")

    def __init__(self) -> None:
        self._parser = Parser(self.ts_language())

    # ---- language hooks (override) ----
    def ts_language(self) -> Language:
        raise NotImplementedError

    def param_names(self, fn: Node, ctx: FileContext) -> list[str]:
        return []

    def param_defaults(self, fn: Node, ctx: FileContext) -> list[tuple[str, Node]]:
        return []

    def bindings(self, node: Node, ctx: FileContext) -> list[tuple[str, Optional[Node], str]]:
        """Local names a node binds (declarations, := , catch parameters): (name, bound value, prefix)."""
        return []

    def body_of(self, fn: Node) -> Optional[Node]:
        return fn.child_by_field_name("body")

    def callee(self, call: Node, ctx: FileContext) -> str:
        """Dotted callee as written (computed once per call node)."""
        cached = ctx.callees.get(call.id)
        if cached is None:
            cached = ctx.callees[call.id] = self.callee_name(call, ctx)
        return cached

    def callee_name(self, call: Node, ctx: FileContext) -> str:
        raise NotImplementedError

    def call_arguments(self, call: Node, ctx: FileContext) -> list[Argument]:
        raise NotImplementedError

    def statements(self, block: Node) -> list[Node]:
        """Statements of a block, or the statement itself when it is not a block."""
        if block.type in self.BLOCK_TYPES:
            return [c for c in block.named_children if c.type not in self.COMMENT_TYPES]
        return [block]

    def if_parts(self, node: Node) -> tuple[Optional[Node], Optional[Node], Optional[Node]]:
        """(condition, consequence, alternative) with the `else` wrapper removed."""
        cond = node.child_by_field_name("condition")
        cons = node.child_by_field_name("consequence")
        alt = node.child_by_field_name("alternative")
        if alt is not None and alt.type == "else_clause":
            inner = [c for c in alt.named_children if c.type not in self.COMMENT_TYPES]
            alt = inner[0] if inner else None
        return cond, cons, alt

    def return_values(self, ret: Node) -> list[Node]:
        return [c for c in ret.named_children if c.type not in self.COMMENT_TYPES]

    def deny_call(self, call: Node, ctx: FileContext) -> Optional[Action]:
        """Does this call refuse the request (403 response, abort, panic, next(err))?"""
        return None

    def deny_value(self, value: Node, ctx: FileContext) -> Optional[Action]:
        """Is `return <value>` a denial?"""
        return None

    def catch_types(self, clause: Node, ctx: FileContext) -> tuple[str, ...]:
        return ()

    def catch_body(self, clause: Node) -> Optional[Node]:
        return clause.child_by_field_name("body")

    DECORATOR_TYPES: frozenset[str] = frozenset({"decorator"})

    def decorator_nodes(self, unit: Node) -> list[Node]:
        """Decorator / annotation nodes applied to a unit node, in source order."""
        return []

    def decorator(self, node: Node, ctx: FileContext) -> Decorator:
        raise NotImplementedError

    def outer_decorator(self, node: Node) -> bool:
        """A decorator that sits outside the node of the unit it decorates (collected with that unit)."""
        return False

    def route_middleware(self, call: Node, ctx: FileContext) -> list[tuple[str, str, Node]]:
        """Middleware in a route registration: (middleware name, route text, middleware node)."""
        return []

    def collect_imports(self, root: Node, ctx: FileContext) -> None:
        return None

    def literal_of(self, node: Node, ctx: FileContext) -> LiteralValue:
        return None

    def collection_items(self, node: Node, ctx: FileContext) -> Optional[tuple[str, tuple[str, ...]]]:
        """(kind, items) when node is a list/set/map literal, else None."""
        return None

    def bound_values(self, node: Node, ctx: FileContext, unit: UnitDraft) -> list[tuple[str, Node, str]]:
        """(target name, value node, scope) for assignments/declarations worth recording."""
        return []

    def regex_literal(self, node: Node, ctx: FileContext) -> Optional[str]:
        return None

    def err_branch(self, node: Node, cond: Node, ctx: FileContext) -> Optional[tuple[str, ...]]:
        """Go: `if err != nil` is an error handler; returns the callees it guards."""
        return None

    def is_boolean_expr(self, node: Node) -> bool:
        node = self.unparen(node)
        if node.type in self.UNARY_TYPES:
            return self.unary_op(node) == "!"
        if node.type in self.BINARY_TYPES:
            op = self.binary_op(node)
            return op in self.COMPARE_OPS or op in self.AND_OPS or op in self.OR_OPS
        return False

    # ---- entry point ----
    def parse(self, path: str, text: str) -> ParsedFile:
        # the walk allocates many small acyclic objects; pausing the cycle collector for the
        # duration is a third of the time on large files and changes nothing else
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._parse(path, text)
        finally:
            if was_enabled:
                gc.enable()

    def _parse(self, path: str, text: str) -> ParsedFile:
        src = text.encode("utf-8", "replace")
        tree = self._parser.parse(src)
        root = tree.root_node
        ctx = FileContext(path, src)
        self.collect_imports(root, ctx)
        self._find_unit_nodes(root, ctx)
        self._find_registrations(root, ctx)
        drafts = self._assign_nodes(root, ctx)
        units = tuple(self._build_unit(d, ctx) for d in drafts)
        return ParsedFile(path, self.language, _unique_qualnames(units), partial=root.has_error,
                          imports=tuple(sorted(ctx.imports.items())))

    # ---- phase 1: units and their own nodes ----
    def _find_unit_nodes(self, root: Node, ctx: FileContext) -> None:
        query = load_query(self.ts_language(), self.grammar, "units.scm")
        if query is None:
            return
        for _, caps in QueryCursor(query).matches(root):
            name_nodes = caps.get("name", [])
            for cap, nodes in caps.items():
                if not cap.startswith("unit."):
                    continue
                for n in nodes:
                    name = self.unit_name(n, name_nodes[0] if name_nodes else None, ctx)
                    if name and n.id not in ctx.unit_nodes:
                        ctx.unit_nodes[n.id] = (cap[5:], name)

    def unit_name(self, node: Node, name_node: Optional[Node], ctx: FileContext) -> str:
        return ctx.text(name_node)

    def _find_registrations(self, root: Node, ctx: FileContext) -> None:
        query = load_query(self.ts_language(), self.grammar, "routes.scm")
        if query is None:
            return
        for node in QueryCursor(query).captures(root).get("registration", []):
            ctx.registrations.add(node.id)

    def receiver_of(self, node: Node, ctx: FileContext) -> Optional[str]:
        """Go methods name their type outside any class body."""
        return None

    def _assign_nodes(self, root: Node, ctx: FileContext) -> list[UnitDraft]:
        module = UnitDraft(root, "module", "<module>", "<module>", None, partial=root.has_error)
        module.bodies.append(root)
        drafts = [module]
        interesting = self.interesting_types()
        stack: list[tuple[Node, UnitDraft]] = [(c, module) for c in reversed(root.named_children) if c.type not in self.COMMENT_TYPES]
        while stack:
            node, owner = stack.pop()
            info = ctx.unit_nodes.get(node.id)
            if info is not None:
                owner = self._open_unit(node, info, owner, ctx)
                drafts.append(owner)
                if owner.kind in ("function", "method", "lambda"):
                    body = self.body_of(node)
                    if body is not None:
                        owner.bodies.append(body)
            elif node.type in self.FUNCTION_TYPES:
                # an anonymous callback: its code belongs to the enclosing unit, with its own path
                for name in self.param_names(node, ctx):
                    owner.bind(name, "param:" + name)
                body = self.body_of(node)
                if body is not None:
                    owner.bodies.append(body)
            t = node.type
            if t in interesting:
                owner.nodes.append(node)
            if t in self.BINDING_TYPES:
                for name, value, prefix in self.bindings(node, ctx):
                    owner.bind(name, prefix + (self.key(value, owner, ctx) if value is not None else ""))
            for child in reversed(node.named_children):
                ct = child.type
                if ct not in self.COMMENT_TYPES and not (ct in self.DECORATOR_TYPES and self.outer_decorator(child)):
                    stack.append((child, owner))
        return drafts

    def interesting_types(self) -> frozenset[str]:
        """Node types phase 2 looks at; everything else is only walked through."""
        cls = type(self)
        cached = cls.__dict__.get("_INTERESTING")
        if cached is None:
            cached = frozenset(self.CALL_TYPES | self.BINARY_TYPES | self.CATCH_TYPES | self.TRY_TYPES | self.IF_TYPES
                               | self.BOUND_TYPES | self.REGEX_TYPES)
            cls._INTERESTING = cached  # type: ignore[attr-defined]
        return cached

    def _open_unit(self, node: Node, info: tuple[str, str], parent: UnitDraft, ctx: FileContext) -> UnitDraft:
        kind, name = info
        receiver = self.receiver_of(node, ctx)
        if kind == "class":
            qual = name if parent.kind == "module" else f"{parent.qualname}.{name}"
        elif receiver:
            kind, qual = "method", f"{receiver}.{name}"
        elif parent.kind == "class":
            kind, qual = "method", f"{parent.qualname}.{name}"
        elif parent.kind == "module":
            kind, qual = ("function" if kind != "method" else "method"), name
        else:
            kind, qual = "function", f"{parent.qualname}.<locals>.{name}"
        draft = UnitDraft(node, kind, qual, name.rsplit(".", 1)[-1], parent, partial=node.has_error)
        if kind != "class":
            draft.params = self.param_names(node, ctx)
            for i, p in enumerate(draft.params):
                draft.renames.setdefault(p, f"${i}")
            for pname, value in self.param_defaults(node, ctx):
                draft.settings.append(self._setting(pname, value, ctx, "default"))
        for dec in self.decorator_nodes(node):
            draft.decorators.append(self.decorator(dec, ctx))
            if not (node.start_byte <= dec.start_byte < node.end_byte):
                # a decorator outside the unit node (`@Get() find() {}` in a class body) is its unit's code
                interesting = self.interesting_types()
                stack = [dec]
                while stack:
                    n = stack.pop()
                    if n.type in interesting:
                        draft.nodes.append(n)
                    stack.extend(reversed(n.named_children))
        return draft

    # ---- phase 2: IR for one unit ----
    def _build_unit(self, d: UnitDraft, ctx: FileContext) -> Unit:
        calls: list[Call] = []
        comparisons: list[Comparison] = []
        handlers: list[Handler] = []
        literals: list[Literal] = []
        for dec in d.decorators:  # annotations/decorators first, route middleware is added below
            if is_auth_name(dec.name):
                atom = call_atom(dec.name, "@" + squash(dec.text.lstrip("@")), dec.text)
                d.guards.append(Guard(Not(atom), Not(atom), Action.DECORATOR, dec.span, dec.text, kind="decorator"))
        for body in d.bodies:
            self._walk(d, ctx, self.top_statements(body), TRUE, (), None, 0)
        try_lines: list[tuple[int, int]] = []
        for node in d.nodes:
            t = node.type
            if t in self.CALL_TYPES and self.is_call(node):
                calls.append(self._call(node, d, ctx))
                if node.id in ctx.registrations:
                    for mw_name, route, mw_node in self.route_middleware(node, ctx):
                        self._middleware(d, mw_name, route, mw_node, node, ctx)
                pattern = self.regex_call(node, ctx)
                if pattern is not None:
                    literals.append(Literal(self.callee(node, ctx), (pattern,), span_of(node), clip(ctx.text(node)), "regex"))
            elif t in self.BINARY_TYPES and self.binary_op(node) in self.COMPARE_OPS:
                comparisons.append(self._comparison(node, d, ctx, any(a <= node.start_byte and node.end_byte <= b for a, b in d.guard_ranges)))
            elif t in self.CATCH_TYPES:
                handlers.append(self._catch_handler(node, d, ctx))
            elif t in self.TRY_TYPES:
                body = node.child_by_field_name("body")
                if body is not None:
                    try_lines.append((body.start_point[0] + 1, body.end_point[0] + 1))
            if t in self.IF_TYPES:
                h = self._err_handler(node, d, ctx)
                if h is not None:
                    handlers.append(h)
            if t in self.BOUND_TYPES:
                for target, value, scope in self.bound_values(node, ctx, d):
                    literals.extend(self._literals_for(target, value, ctx))
                    if scope:
                        d.settings.append(self._setting(target, value, ctx, scope))
                        if scope == "assignment":
                            d.settings.extend(self._config_settings(target, value, ctx))
            if t in self.REGEX_TYPES:
                rx = self.regex_literal(node, ctx)
                if rx is not None:
                    literals.append(Literal(self._regex_target(node, ctx), (rx,), span_of(node), clip(ctx.text(node)), "regex"))
        if try_lines:
            calls = [replace(c, in_try=True) if any(a <= c.span.line <= b for a, b in try_lines) else c for c in calls]
        node = d.node
        return Unit(
            path=ctx.path,
            language=self.language,
            kind=d.kind,
            qualname=d.qualname,
            name=d.name,
            span=Span(min([span_of(node).line] + [dec.span.line for dec in d.decorators]), span_of(node).end_line),
            params=tuple(d.params),
            decorators=tuple(d.decorators),
            guards=tuple(d.guards),
            comparisons=tuple(comparisons),
            calls=tuple(calls),
            handlers=tuple(handlers),
            literals=tuple(literals),
            settings=tuple(d.settings),
            text=ctx.text(node),
            body_key=self._body_key(d, ctx),
            partial=d.partial or node.has_error,
            parent=d.parent.qualname if d.parent else None,
            locals=tuple((n, k) for n, k in d.renames.items() if k.startswith("%")),
        )

    def regex_call(self, call: Node, ctx: FileContext) -> Optional[str]:
        return None

    def is_call(self, node: Node) -> bool:
        return True

    def _regex_target(self, node: Node, ctx: FileContext) -> str:
        parent = node.parent
        while parent is not None and parent.type in self.PAREN_TYPES:
            parent = parent.parent
        if parent is not None:
            name = parent.child_by_field_name("name") or parent.child_by_field_name("left") or parent.child_by_field_name("key")
            if name is not None and name.id != node.id:
                return ctx.text(name)
            if parent.type in ("arguments", "argument_list") and parent.parent is not None:
                return self.callee(parent.parent, ctx)
        return ""

    # ---- keys ----
    def key(self, node: Node, d: Optional[UnitDraft], ctx: FileContext) -> str:
        """Source without whitespace/comments, params -> $i, locals -> %hash (see semdiff.ir).

        Names are replaced on the raw text (tokens still apart), then squashed; a name right
        after `.` is a property, never a local. Strings keep their content.
        """
        renames = d.renames if d is not None else {}
        text = ctx.text(node)

        def sub(m: re.Match) -> str:
            if m.group("s") is not None:
                return m.group("s")
            if m.group("c") is not None:
                return " "
            name = m.group("id")
            if m.group("dot") is not None or not renames:
                return m.group(0)
            return renames.get(name, name)

        return fast_squash(_TOKENS.sub(sub, text))

    def renamable(self, ident: Node) -> bool:
        return True

    def _body_key(self, d: UnitDraft, ctx: FileContext) -> str:
        if d.kind == "module":
            return ""
        return self.key(d.node, d, ctx)

    # ---- formulas ----
    def unparen(self, node: Node) -> Node:
        for _ in range(MAX_FORMULA_DEPTH):
            if node.type not in self.PAREN_TYPES:
                return node
            inner = [c for c in node.named_children if c.type not in self.COMMENT_TYPES]
            if len(inner) != 1:
                return node
            node = inner[0]
        return node

    def binary_op(self, node: Node) -> str:
        op = node.child_by_field_name("operator")
        if op is not None:
            return op.type
        for c in node.children:
            if not c.is_named:
                return c.type
        return ""

    def unary_op(self, node: Node) -> str:
        op = node.child_by_field_name("operator")
        if op is not None:
            return op.type
        return node.children[0].type if node.children else ""

    def unary_operand(self, node: Node) -> Optional[Node]:
        return node.child_by_field_name("argument") or node.child_by_field_name("operand") or (
            node.named_children[-1] if node.named_children else None)

    def formula(self, node: Node, d: UnitDraft, ctx: FileContext, depth: int = 0) -> Formula:
        """Boolean formula of a test expression, atoms normalised (see semdiff.ir)."""
        node = self.unparen(node)
        t = node.type
        if depth > MAX_FORMULA_DEPTH:
            d.partial = True
            return expr_atom(self.key(node, d, ctx), clip(ctx.text(node)))
        if t in self.TRUE_TYPES:
            return TRUE
        if t in self.FALSE_TYPES:
            return FALSE
        if t in self.UNARY_TYPES and self.unary_op(node) == "!":
            inner = self.unary_operand(node)
            if inner is not None:
                return neg(self.formula(inner, d, ctx, depth + 1))
        if t in self.BINARY_TYPES:
            op = self.binary_op(node)
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None:
                if op in self.AND_OPS:
                    return conj(self.formula(left, d, ctx, depth + 1), self.formula(right, d, ctx, depth + 1))
                if op in self.OR_OPS:
                    return disj(self.formula(left, d, ctx, depth + 1), self.formula(right, d, ctx, depth + 1))
                if op in self.COMPARE_OPS:
                    lu, ru = self.unparen(left), self.unparen(right)
                    ct = self._const_time_compared(lu, ru, op, d, ctx)
                    if ct is not None:
                        return ct
                    return comparison(self.key(lu, d, ctx), op, self.key(ru, d, ctx), ctx.text(lu), ctx.text(ru))
        k = self.key(node, d, ctx)
        text = clip(ctx.text(node))
        if t in self.CALL_TYPES:
            callee = self.callee(node, ctx)
            pair = self._const_time_operands(node, callee)
            if pair is not None:
                a, b = pair
                return comparison(self.key(a, d, ctx), "==", self.key(b, d, ctx), ctx.text(a), ctx.text(b))
            return call_atom(callee, k, text)
        if t in self.IDENT_TYPES or t in self.MEMBER_TYPES:
            return name_atom(k, text)
        return expr_atom(k, text)

    def _const_time_operands(self, call: Node, callee: str) -> Optional[tuple[Node, Node]]:
        if not any(callee == n or callee.endswith("." + n) or callee == n.rsplit(".", 1)[-1] for n in CONST_TIME_CALLEES):
            return None
        args = self.positional_nodes(call)
        return (self.peel_conversion(args[0]), self.peel_conversion(args[1])) if len(args) == 2 else None

    def peel_conversion(self, node: Node) -> Node:
        """`[]byte(s)`, `Buffer.from(s)`, `s.getBytes()`: the value a constant-time compare really
        compares, so `ConstantTimeCompare([]byte(a), []byte(b)) == 1` and `a == b` share one atom."""
        return node

    def positional_nodes(self, call: Node) -> list[Node]:
        args = call.child_by_field_name("arguments")
        if args is None:
            return []
        return [a for a in args.named_children if a.type not in self.COMMENT_TYPES]

    def _const_time_compared(self, left: Node, right: Node, op: str, d: UnitDraft, ctx: FileContext) -> Optional[Formula]:
        """Go: `subtle.ConstantTimeCompare(a, b) == 1` is `a == b` in truth (`!= 1`, `== 0`: not)."""
        for call, other in ((left, right), (right, left)):
            if call.type not in self.CALL_TYPES or op not in ("==", "!=", "===", "!=="):
                continue
            pair = self._const_time_operands(call, self.callee(call, ctx))
            value = ctx.text(other).strip()
            if pair is None or value not in ("0", "1"):
                continue
            a, b = pair
            f = comparison(self.key(a, d, ctx), "==", self.key(b, d, ctx), ctx.text(a), ctx.text(b))
            positive = (value == "1") == (op in ("==", "==="))
            return f if positive else neg(f)
        return None

    MEMBER_TYPES: frozenset[str] = frozenset({"member_expression", "selector_expression", "field_access"})

    # ---- guards (mirrors the Python backend's walk: semdiff/lang/python_cst.py) ----
    def _walk(self, d: UnitDraft, ctx: FileContext, stmts: list[Node], path: Formula, contrib: Contributors,
              owner: Optional[tuple[Node, Formula]], depth: int) -> Formula:
        """Walk a block under path condition `path`; return the condition to continue past it.

        `owner` is the enclosing `if` and its test when this block is that if's body, so a
        terminal throw/return/abort is recorded as the guard of that `if`.
        """
        if depth > MAX_BLOCK_DEPTH:
            d.partial = True
            return path
        i = 0
        while i < len(stmts):
            stmt = stmts[i]
            i += 1
            t = stmt.type
            reachable = not (isinstance(path, Const) and not path.value)
            if stmt.id in ctx.unit_nodes or t in self.FUNCTION_TYPES:
                continue
            if t in self.IF_TYPES:
                path, contrib = self._if(d, ctx, stmt, path, contrib, reachable, depth)
            elif t in self.RETURN_TYPES or t in self.THROW_TYPES:
                self._exit(d, ctx, stmt, stmt, path, contrib, owner, reachable)
                path = FALSE
            elif self._statement_deny_call(stmt, ctx) is not None or self.is_panic(stmt, ctx):
                end = stmt
                # `res.status(403).send(); return;` / `http.Error(w, ..., 403); return` is one exit
                if i < len(stmts) and stmts[i].type in self.RETURN_TYPES and all(
                        v.type in self.NULL_TYPES for v in self.return_values(stmts[i])):
                    end = stmts[i]
                    i += 1
                self._exit(d, ctx, stmt, end, path, contrib, owner, reachable)
                path = FALSE
            elif t in self.EXIT_TYPES:
                path = FALSE
            elif t in self.ASSERT_TYPES:
                test = stmt.named_children[0] if stmt.named_children else None
                if test is not None:
                    self._mark_guard_expr(d, test)
                    f = self.formula(test, d, ctx)
                    cond = neg(f)
                    d.guards.append(Guard(conj(path, cond), cond, Action.ASSERT, span_of(stmt), clip(ctx.text(stmt)),
                                          reachable, "assert", contrib))
                    path, contrib = conj(path, f), contrib + ((line_of(stmt), f),)
            elif t in self.TRY_TYPES:
                self._try(d, ctx, stmt, path, contrib, depth)
            elif t in self.BLOCK_TYPES:
                path = self._walk(d, ctx, self.statements(stmt), path, contrib, owner, depth + 1)
            elif t == "labeled_statement" or t == "labeled_statement_block":
                inner = [c for c in stmt.named_children if c.type not in self.COMMENT_TYPES][1:]
                path = self._walk(d, ctx, inner, path, contrib, owner, depth + 1)
            else:
                nested = self.nested_blocks(stmt)
                if nested:
                    for block in nested:
                        self._walk(d, ctx, block, path, contrib, None, depth + 1)
                else:
                    self._simple(d, ctx, stmt, path, contrib, reachable)
        return path

    def nested_blocks(self, stmt: Node) -> list[list[Node]]:
        """Statement lists inside a loop / switch / select (walked with the same path)."""
        out: list[list[Node]] = []
        stack = [c for c in reversed(stmt.named_children)]
        while stack:
            c = stack.pop()
            if c.type in self.BLOCK_TYPES:
                out.append(self.statements(c))
            elif c.type in self.CASE_TYPES:
                out.append([s for s in c.named_children if c.child_by_field_name("value") is None or s.id != c.child_by_field_name("value").id])
            elif c.type in self.CASE_CONTAINER_TYPES:
                stack.extend(reversed(c.named_children))
            elif stmt.type in self.LOOP_TYPES and c.type not in self.COMMENT_TYPES and c.id == (stmt.child_by_field_name("body") or stmt).id:
                out.append([c])
        return out

    def text_without_functions(self, node: Node, ctx: FileContext) -> str:
        """Source of `node` with nested function bodies cut out (a route registration's text is
        not its handler's)."""
        cuts: list[tuple[int, int]] = []
        stack = list(node.named_children)
        while stack:
            n = stack.pop()
            if n.type in self.FUNCTION_TYPES:
                cuts.append((n.start_byte, n.end_byte))
            else:
                stack.extend(n.named_children)
        if not cuts:
            return ctx.text(node)
        out, pos = [], node.start_byte
        for a, b in sorted(cuts):
            out.append(ctx.src[pos:a])
            pos = b
        out.append(ctx.src[pos : node.end_byte])
        return b"<fn>".join(out).decode("utf-8", "replace")

    def top_statements(self, body: Node) -> list[Node]:
        if body.type in self.BLOCK_TYPES:
            return self.statements(body)
        if body.parent is None:
            return [c for c in body.named_children if c.type not in self.COMMENT_TYPES]
        return []  # an expression body (`x => x.ok`) holds no statements

    def _mark_guard_expr(self, d: UnitDraft, node: Node) -> None:
        d.guard_ranges.append((node.start_byte, node.end_byte))

    def _if(self, d: UnitDraft, ctx: FileContext, stmt: Node, path: Formula, contrib: Contributors, reachable: bool,
            depth: int) -> tuple[Formula, Contributors]:
        cond_node, cons, alt = self.if_parts(stmt)
        self.if_prelude(d, ctx, stmt, path, contrib, reachable)
        if cond_node is None or cons is None:
            return path, contrib
        self._mark_guard_expr(d, cond_node)
        cond = self.formula(cond_node, d, ctx)
        line = line_of(stmt)
        inner = contrib + ((line, cond),)
        body = self.statements(cons)
        body_cont = self._walk(d, ctx, body, conj(path, cond), inner, (stmt, cond), depth + 1)
        self._record_soft_guard(d, ctx, stmt, body, conj(path, cond), cond, inner, reachable)
        else_path = conj(path, neg(cond))
        else_contrib = contrib + ((line, neg(cond)),)
        if alt is not None and alt.type in self.IF_TYPES:
            else_cont, _ = self._if(d, ctx, alt, else_path, else_contrib, reachable, depth + 1)
        elif alt is not None:
            else_cont = self._walk(d, ctx, self.statements(alt), else_path, else_contrib, (stmt, neg(cond)), depth + 1)
        else:
            else_cont = else_path
        body_exits, else_exits = _is_false(body_cont), _is_false(else_cont)
        if body_exits and else_exits:
            return FALSE, contrib
        if body_exits:
            return conj(path, neg(cond)), contrib + ((line, neg(cond)),)
        if else_exits:
            return conj(path, cond), contrib + ((line, cond),)
        return path, contrib

    def if_prelude(self, d: UnitDraft, ctx: FileContext, stmt: Node, path: Formula, contrib: Contributors, reachable: bool) -> None:
        """Go's `if x, err := f(); err != nil`: the initializer runs first (may be a call-guard)."""
        return None

    def _record_soft_guard(self, d: UnitDraft, ctx: FileContext, stmt: Node, body: list[Node], deny_when: Formula,
                           cond: Formula, contrib: Contributors, reachable: bool) -> None:
        """An `if` whose body only logs or does nothing: kept so a rule can say 'now only logs'."""
        kinds = {self._soft_kind(s, ctx) for s in body} or {"pass"}
        if kinds <= {"log", "pass"}:
            action = Action.LOG if "log" in kinds else Action.PASS
            text = self._line_text(ctx, stmt) + " " + " ".join(squash_space(ctx.text(s)) for s in body[:2])
            d.guards.append(Guard(deny_when, cond, action, span_of(stmt), clip(text), reachable, "branch", contrib))

    def _soft_kind(self, stmt: Node, ctx: FileContext) -> str:
        if stmt.type == "empty_statement" or (stmt.type in self.BLOCK_TYPES and not self.statements(stmt)):
            return "pass"
        if self._is_log_statement(stmt, ctx):
            return "log"
        return "other"

    def _line_text(self, ctx: FileContext, node: Node) -> str:
        row = node.start_point[0]
        start = ctx.src.rfind(b"\n", 0, node.start_byte) + 1
        end = ctx.src.find(b"\n", node.start_byte)
        del row
        return ctx.src[start : end if end >= 0 else len(ctx.src)].decode("utf-8", "replace").strip()

    def _exit(self, d: UnitDraft, ctx: FileContext, stmt: Node, end: Node, path: Formula, contrib: Contributors,
              owner: Optional[tuple[Node, Formula]], reachable: bool) -> None:
        action: Optional[Action]
        if stmt.type in self.RETURN_TYPES:
            values = self.return_values(stmt)
            if owner is not None:
                for v in values:
                    self._mark_guard_expr(d, v)
            if len(values) == 1 and self.is_boolish(values[0], ctx):
                self._mark_guard_expr(d, values[0])
                cond = neg(self.formula(values[0], d, ctx))
                d.guards.append(Guard(conj(path, cond), cond, Action.PREDICATE, span_of(stmt), clip(ctx.text(stmt)),
                                      reachable, "predicate", contrib))
                return
            action = None
            for v in values:
                action = self.deny_value(v, ctx)
                if action is not None:
                    break
            action = action or Action.RETURN
        elif stmt.type in self.THROW_TYPES:
            action = Action.RAISE
        elif self.is_panic(stmt, ctx):
            action = Action.RAISE
        else:
            action = self._statement_deny_call(stmt, ctx) or Action.ABORT
        code = squash_space(ctx.text(stmt)) if end.id == stmt.id else squash_space(ctx.text(stmt)) + " " + squash_space(ctx.text(end))
        if owner is not None:
            if_node, cond = owner
            span = Span(line_of(if_node), end.end_point[0] + 1)
            text = f"{self._line_text(ctx, if_node)} {code}"
            kind = "branch"
        else:
            cond, span, text, kind = TRUE, Span(line_of(stmt), end.end_point[0] + 1), code, "branch"
        if action is Action.RETURN and owner is None:
            kind = "exit"  # a plain return: not a check, but it ends every path (rules need its line)
        d.guards.append(Guard(path, cond, action, span, clip(text), reachable, kind, contrib))

    def _try(self, d: UnitDraft, ctx: FileContext, stmt: Node, path: Formula, contrib: Contributors, depth: int) -> None:
        body = stmt.child_by_field_name("body")
        if body is not None:
            self._walk(d, ctx, self.statements(body), path, contrib, None, depth + 1)
        for clause in stmt.named_children:
            if clause.type in self.CATCH_TYPES:
                catches = self.catch_types(clause, ctx)
                raised = expr_atom("except(" + ",".join(catches) + ")", "except " + (", ".join(catches) or "(any)"))
                cbody = self.catch_body(clause)
                if cbody is not None:
                    self._walk(d, ctx, self.statements(cbody), conj(path, raised), contrib + ((line_of(clause), raised),),
                               None, depth + 1)
            elif clause.type in ("finally_clause",):
                for c in clause.named_children:
                    if c.type in self.BLOCK_TYPES:
                        self._walk(d, ctx, self.statements(c), path, contrib, None, depth + 1)

    def _simple(self, d: UnitDraft, ctx: FileContext, stmt: Node, path: Formula, contrib: Contributors, reachable: bool) -> None:
        """`checkPermission(user)` / `await verifyToken(req)` as a statement: a call that throws to deny."""
        if stmt.type != "expression_statement" or not stmt.named_children:
            return
        value = stmt.named_children[0]
        if value.type == "await_expression" and value.named_children:
            value = value.named_children[0]
        if value.type not in self.CALL_TYPES or value.type in self.NEW_TYPES:
            return
        callee = self.callee(value, ctx)
        if GUARD_CALL.search(callee) and not self.LOG_CALLEE.search(callee):
            text = clip(ctx.text(value))
            atom = call_atom(callee, self.key(value, d, ctx), text)
            d.guards.append(Guard(conj(path, Not(atom)), Not(atom), Action.RAISE, span_of(stmt), text, reachable,
                                  "call-guard", contrib))

    def is_boolish(self, node: Node, ctx: FileContext) -> bool:
        """Is `return <node>` a predicate whose truth is the function's verdict?"""
        node = self.unparen(node)
        if self.is_boolean_expr(node):
            return True
        if node.type in self.CALL_TYPES and node.type not in self.NEW_TYPES:
            return bool(BOOLISH_CALL.search(self.callee(node, ctx)))
        return False

    def _statement_deny_call(self, stmt: Node, ctx: FileContext) -> Optional[Action]:
        expr = stmt
        if stmt.type == "expression_statement" and stmt.named_children:
            expr = stmt.named_children[0]
        elif stmt.type != "expression_statement" and stmt.type not in self.CALL_TYPES:
            return None
        if expr.type == "await_expression" and expr.named_children:
            expr = expr.named_children[0]
        if expr.type in self.CALL_TYPES:
            return self.deny_call(expr, ctx)
        return None

    def deny_action(self, block: Node, ctx: FileContext) -> Optional[Action]:
        """Action when a block ends in a denial (used to classify handlers)."""
        stmts = self.statements(block)
        if not stmts:
            return None
        last = stmts[-1]
        if last.type in self.THROW_TYPES or self.is_panic(last, ctx):
            return Action.RAISE
        if last.type in self.RETURN_TYPES:
            for v in self.return_values(last):
                a = self.deny_value(v, ctx)
                if a is not None:
                    return a
            if not self.return_values(last):
                for prev in reversed(stmts[:-1]):
                    a = self._statement_deny_call(prev, ctx)
                    if a is not None:
                        return a
            return None
        return self._statement_deny_call(last, ctx)

    # ---- calls ----
    def _call(self, node: Node, d: UnitDraft, ctx: FileContext) -> Call:
        parent = node.parent
        statement = parent is not None and parent.type == "expression_statement"
        if parent is not None and parent.type == "await_expression" and parent.parent is not None:
            statement = parent.parent.type == "expression_statement"
        args = tuple(self.call_arguments(node, ctx))
        keys = tuple(self.key(n, d, ctx) for n in self.positional_nodes(node) if n.type not in self.SPREAD_TYPES and n.type != "object")
        return Call(self.callee(node, ctx), args, span_of(node), clip(ctx.text(node)), statement=statement, arg_keys=keys)

    def resolve(self, dotted: str, ctx: FileContext) -> str:
        head, sep, rest = dotted.partition(".")
        target = ctx.imports.get(head)
        if target and target != head:
            return target + sep + rest
        return dotted

    def argument(self, name: Optional[str], node: Node, ctx: FileContext) -> Argument:
        text = ctx.text(node)
        lit = self.literal_of(node, ctx)
        return Argument(name, fast_squash(text), text, lit)

    def _middleware(self, d: UnitDraft, name: str, route: str, mw: Node, call: Node, ctx: FileContext) -> None:
        args = (Argument(None, squash(route), route, _unquote(route)),) if route else ()
        text = clip(ctx.text(mw))
        d.decorators.append(Decorator(name, args, span_of(mw), text))
        if is_auth_name(name) or is_auth_name(text):
            where = f"{self.callee(call, ctx).rsplit('.', 1)[-1]}({squash(route)})" if route else self.callee(call, ctx).rsplit(".", 1)[-1]
            atom = call_atom(name, f"middleware:{where}:{name}", f"{name} on {where}")
            d.guards.append(Guard(Not(atom), Not(atom), Action.DECORATOR, span_of(mw), clip(ctx.text(call).split("\n", 1)[0]),
                                  kind="decorator"))

    # ---- comparisons ----
    def _comparison(self, node: Node, d: UnitDraft, ctx: FileContext, in_guard: bool) -> Comparison:
        op = self.binary_op(node)
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        lu = self.unparen(left) if left is not None else node
        ru = self.unparen(right) if right is not None else node
        f = comparison(self.key(lu, d, ctx), op, self.key(ru, d, ctx), ctx.text(lu), ctx.text(ru))
        atom = f.arg if isinstance(f, Not) else f
        assert isinstance(atom, Atom)
        return Comparison(atom, op in NEGATIVE_OPS, op, ctx.text(lu), ctx.text(ru), span_of(node), in_guard)

    # ---- handlers ----
    def classify_handler_body(self, block: Optional[Node], ctx: FileContext) -> tuple[Action, Optional[str]]:
        if block is None:
            return Action.PASS, None
        stmts = self.statements(block)
        if not stmts:
            return Action.PASS, None
        deny = self.deny_action(block, ctx)
        returned: Optional[str] = None
        has_throw = any(s.type in self.THROW_TYPES or self.is_panic(s, ctx) for s in stmts)
        for s in stmts:
            if s.type in self.RETURN_TYPES:
                vals = self.return_values(s)
                returned = squash(", ".join(ctx.text(v) for v in vals)) if vals else None
        if has_throw:
            return Action.RAISE, returned
        if self.propagates(stmts, ctx):
            return Action.RAISE, returned
        if deny is not None:
            return deny, returned
        if any(s.type in self.RETURN_TYPES for s in stmts):
            return Action.RETURN, returned
        if all(s.type in self.EXIT_TYPES or s.type == "empty_statement" for s in stmts):
            return Action.PASS, None
        if all(self._is_log_statement(s, ctx) for s in stmts):
            return Action.LOG, None
        return Action.OTHER, returned

    def propagates(self, stmts: list[Node], ctx: FileContext) -> bool:
        return False

    def is_panic(self, stmt: Node, ctx: FileContext) -> bool:
        return False

    def _is_log_statement(self, stmt: Node, ctx: FileContext) -> bool:
        expr = stmt.named_children[0] if stmt.type == "expression_statement" and stmt.named_children else stmt
        if expr.type in self.CALL_TYPES:
            return bool(self.LOG_CALLEE.search(self.callee(expr, ctx)))
        return False

    def _catch_handler(self, clause: Node, d: UnitDraft, ctx: FileContext) -> Handler:
        action, returns = self.classify_handler_body(self.catch_body(clause), ctx)
        guarded: list[str] = []
        try_node = clause.parent
        body = try_node.child_by_field_name("body") if try_node is not None else None
        if body is not None:
            guarded = self._callees_in(body, ctx)
        return Handler(self.catch_types(clause, ctx), action, returns, tuple(guarded), span_of(clause), clip(ctx.text(clause)))

    def _callees_in(self, node: Node, ctx: FileContext) -> list[str]:
        out: list[str] = []
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type in self.CALL_TYPES:
                c = self.callee(n, ctx)
                if c not in out:
                    out.append(c)
            if n.type in self.FUNCTION_TYPES and n.id != node.id:
                continue
            stack.extend(reversed(n.named_children))
        return out

    def _err_handler(self, node: Node, d: UnitDraft, ctx: FileContext) -> Optional[Handler]:
        cond, cons, _ = self.if_parts(node)
        if cond is None or cons is None:
            return None
        guarded = self.err_branch(node, cond, ctx)
        if guarded is None:
            return None
        action, returns = self.classify_handler_body(cons, ctx)
        return Handler(("error",), action, returns, guarded, span_of(node), clip(ctx.text(node)))

    # ---- literals and settings ----
    def _literals_for(self, target: str, value: Node, ctx: FileContext) -> list[Literal]:
        found = self.collection_items(value, ctx)
        if found is None:
            return []
        kind, items = found
        return [Literal(target, items, span_of(value), clip(ctx.text(value)), kind)]

    def _setting(self, key: str, value: Node, ctx: FileContext, scope: str) -> Setting:
        text = ctx.text(value)
        return Setting(key, squash(text), span_of(value), clip(ctx.text(value.parent) if value.parent else text),
                       self.literal_of(value, ctx), scope)

    def config_pairs(self, value: Node, ctx: FileContext) -> list[tuple[str, Node]]:
        return []

    def _config_settings(self, target: str, value: Node, ctx: FileContext) -> list[Setting]:
        out: list[Setting] = []
        work: list[tuple[str, Node, int]] = [(target, value, 0)]
        while work:
            prefix, node, depth = work.pop()
            if depth > 8:
                continue
            for key, v in self.config_pairs(node, ctx):
                full = f"{prefix}.{key}"
                if self.config_pairs(v, ctx):
                    work.append((full, v, depth + 1))
                else:
                    out.append(self._setting(full, v, ctx, "config"))
        return out


_NEEDS_SQUASH = re.compile(r"[\s'\"`,]")


def fast_squash(text: str) -> str:
    """squash() for the common case of a short token-like text with nothing to squash."""
    return squash(text) if _NEEDS_SQUASH.search(text) else text


def line_of(node: Node) -> int:
    return node.start_point[0] + 1


def _is_false(f: Formula) -> bool:
    return isinstance(f, Const) and not f.value


def squash_space(text: str) -> str:
    return " ".join(text.split())


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        return text[1:-1]
    return text


def unquote(text: str) -> str:
    return _unquote(text)


def _unique_qualnames(units: Iterable[Unit]) -> tuple[Unit, ...]:
    """Overloads and redefinitions share a name; later ones get `#2`, `#3` ..."""
    seen: dict[str, int] = {}
    out: list[Unit] = []
    renamed: dict[str, str] = {}
    for u in units:
        n = seen.get(u.qualname, 0) + 1
        seen[u.qualname] = n
        if n > 1:
            new = f"{u.qualname}#{n}"
            renamed[u.qualname] = new
            u = replace(u, qualname=new)
        out.append(u)
    return tuple(out)


def iter_children(node: Node) -> Iterator[Node]:
    return iter(node.named_children)


__all__ = [
    "TreeSitterBackend",
    "FileContext",
    "UnitDraft",
    "grammars_dir",
    "load_query",
    "is_auth_name",
    "span_of",
    "clip",
    "unquote",
    "Const",
]
