"""Python syntax-tree helpers shared by the backend: statement shapes, handler and exit
classification, local naming, and the formatting-free body key.

Separate from semdiff.lang.python_cst so the backend module reads as the walk itself.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from bisect import bisect_left, bisect_right
from itertools import accumulate
from typing import Callable, Iterable, Optional, Sequence, Union

import libcst as cst
from libcst._nodes.expression import _BaseParenthesizedNode

from semdiff.ir import Action, Call, Const, Formula
from semdiff.lang import normal
from semdiff.lang.python_exprs import Exprs, Namer, is_deny_value, squash
from semdiff.lang.pyparse import parse_quietly

AUTH_DECORATOR = re.compile(
    r"(auth|login|permission|perm_|role|admin|staff|superuser|csrf|require|protect|secure|token|scope|access|authenticated|allow|guard|restrict|verified|signed)",
    re.I,
)
EXEMPT_DECORATOR = re.compile(r"(exempt|allow_any|public|no_auth|skip_auth|permit_all|anonymous|unauthenticated)", re.I)
ABORT_CALLEES = re.compile(r"(^|\.)(abort|exit|_exit|quit|send_error|fail|deny|forbid|throw|raise_for_status|raise_\w+)$")
LOG_CALLEE = re.compile(r"(^|\.)(log|logger|logging|warn|warning|warnings|info|debug|error|exception|critical|print|trace|audit)(\.|$)", re.I)
GUARD_CALL = re.compile(
    r"(^|\.)_*(require|check|verify|ensure|assert|authorize|authorise|authenticate|validate|enforce|protect|deny|forbid|login_required|permission|must_)\w*$",
    re.I,
)
# a validator whose result is kept (`state = self.validate_state()`): it raises when the
# input is bad, so it is the same check as the bare call. Narrower than GUARD_CALL: an
# assigned `require_x()`/`ensure_x()` more often fetches or creates than checks, and
# subprocess's `check_output`/`check_call` run commands
ASSIGNED_GUARD_CALL = re.compile(r"(^|\.)_*(validate|verify|check)(_\w+)?$", re.I)
NOT_ASSIGNED_GUARD = re.compile(r"(^|\.)(check_output|check_call)$")
ERROR_NAME = re.compile(r"(Error|Exception|BadRequest|Forbidden|Unauthori[sz]ed|Denied|Invalid\w*|Refused|Rejected)$")
# a validation outcome recorded in a flag the caller reads later (`if bad: failed = True`,
# `if bad: valid = False`): form validators and multi-error checks refuse this way
FAILURE_FLAG = re.compile(r"^_*(?:failed|failure|fail|invalid|is_invalid|has_errors?|errors_found|rejected|denied|forbidden)$", re.I)
SUCCESS_FLAG = re.compile(r"^_*(?:valid|is_valid|ok|success|succeeded|allowed|authori[sz]ed|authenticated|verified)$", re.I)


# a statement that records an error message for the client (`form.errors.append(m)`,
# `form.add_error(None, m)`, `messages.error(request, m)`): a return after it refuses
ERROR_RECORD = re.compile(r"(?:^|\.)(?:errors|form_errors|non_field_errors|_errors)\.(?:append|extend|add)$"
                          r"|(?:^|\.)add_error$|(?:^|\.)messages\.(?:error|warning)$")


# an error logged just before a bare `return` (`log.error("requires Admin role"); return`): the
# procedure refuses to go on (a bare return alone is too often a harmless skip to count)
ERROR_LOG = re.compile(r"(?:^|\.)(?:log|logger|logging|_log|_logger|LOG|LOGGER)\.(?:error|warning|warn|critical)$")


def records_failure(targets: str, value: str) -> bool:
    """`failed = True` / `self.valid = False`: a failure recorded in a flag (targets as dotted text)."""
    names = [t.rsplit(".", 1)[-1] for t in targets.split()]
    if not names:
        return False
    if value == "True":
        return all(FAILURE_FLAG.match(n) for n in names)
    if value == "False":
        return all(SUCCESS_FLAG.match(n) for n in names)
    return False


REGEX_CALLEES = ("re.compile", "re.match", "re.search", "re.fullmatch", "re.sub", "re.subn", "re.split", "re.findall", "re.finditer")


def block(body: Union[cst.BaseSuite, Sequence[cst.CSTNode]]) -> list[cst.CSTNode]:
    """Flatten a suite into statements; `x; y` on one line become two small statements."""
    kind = type(body)  # exact types (libcst's node classes are final): ABC isinstance is slow
    items = body.body if kind is cst.IndentedBlock or kind is cst.SimpleStatementSuite else body
    out: list[cst.CSTNode] = []
    line = cst.SimpleStatementLine
    for s in items:
        if type(s) is line:
            out.extend(s.body)
        else:
            out.append(s)
    return out


_FIELDS: dict[type, tuple[str, ...]] = {}  # fields that can hold a node to walk, last first
_KINDS: dict[type, int] = {}  # 0: not a node, 1: trivia (no expression inside), 2: node to walk


def _trivia_types() -> tuple[type, ...]:
    """Nodes that hold only whitespace and punctuation: no walk consumer wants them or
    anything under them, and they are most of a tree's nodes."""
    from libcst._nodes import op, whitespace

    kinds: list[type] = [
        cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket,
        cst.LeftCurlyBrace, cst.RightCurlyBrace,
    ]
    for module in (op, whitespace):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, cst.CSTNode) and value.__module__ == module.__name__:
                kinds.append(value)
    return tuple(kinds)


_TRIVIA: Optional[tuple[type, ...]] = None


def _trivia() -> tuple[type, ...]:
    global _TRIVIA
    if _TRIVIA is None:
        _TRIVIA = _trivia_types()
    return _TRIVIA


def _kind(t: type) -> int:
    kind = 0 if not issubclass(t, cst.CSTNode) else 1 if issubclass(t, _trivia()) else 2
    _KINDS[t] = kind
    return kind


def may_hold_node(annotation: object) -> bool:
    """Whether a libcst field declared with this type can hold a node the walk enters.

    The declaration is read, not trusted to be simple: anything this does not recognise
    (a forward reference, a type variable, `Any`) counts as able to hold one. A field
    declared only with trivia nodes (whitespace, punctuation, operators), sentinels,
    strings, booleans or literal strings cannot, and is never read by the walk."""
    import typing

    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return False
    if origin is not None:
        return any(may_hold_node(a) for a in typing.get_args(annotation))
    if not isinstance(annotation, type) or annotation is typing.Any or annotation is object:
        return True
    if not issubclass(annotation, cst.CSTNode):
        return False
    return not issubclass(annotation, _trivia())


def node_fields(t: type) -> tuple[str, ...]:
    """The fields of node type `t` that can hold a node to walk (from libcst's own
    declarations, see may_hold_node), in field order."""
    import dataclasses

    return tuple(f.name for f in dataclasses.fields(t) if may_hold_node(f.type))


_CHILD_FIELDS: dict[type, Optional[tuple[str, ...]]] = {}  # node_fields in libcst's visiting order


def _child_fields(t: type) -> Optional[tuple[str, ...]]:
    """node_fields(t) in the order libcst visits them (`children` lists children in that
    order): the order their names first appear among the constants of the class's
    `_visit_and_replace_children`, where each field is visited as `visit_*(self, "name", ...)`.
    None when not every such field is named there (the caller then asks libcst)."""
    fields = set(node_fields(t))
    visit = getattr(t, "_visit_and_replace_children", None)
    code = getattr(visit, "__code__", None)
    order: Optional[tuple[str, ...]] = None
    if code is not None:
        names = tuple(dict.fromkeys(c for c in code.co_consts if type(c) is str and c in fields))
        order = names if len(names) == len(fields) else None
    _CHILD_FIELDS[t] = order
    return order


def child_nodes(node: cst.CSTNode) -> list:
    """`node.children` less whitespace and punctuation, in the same order, without what
    `children` costs: libcst collects them by visiting the node, which builds a copy of it
    (and checks the copy). Fields declared to hold only whitespace or punctuation are not
    read (node_fields); the callers look for statements, suites and expressions only."""
    kind = type(node)
    names = _CHILD_FIELDS[kind] if kind in _CHILD_FIELDS else _child_fields(kind)
    if names is None:
        return list(node.children)
    out: list = []
    node_type = cst.CSTNode
    for name in names:
        value = getattr(node, name)
        t = type(value)
        if t is tuple or t is list:
            out.extend(v for v in value if isinstance(v, node_type))
        elif isinstance(value, node_type):
            out.append(value)
    return out


def walk_nodes(root: cst.CSTNode, skip: tuple[type, ...] = (), want: Optional[frozenset] = None) -> Iterable[cst.CSTNode]:
    """Pre-order walk without libcst's visitor machinery: iterative (no recursion limit on
    deeply nested hostile input) and several times faster, since nothing is rebuilt.

    `want` (exact node types) yields only those nodes; whitespace and punctuation nodes
    are never yielded nor entered (they hold no expression), and a node's fields that are
    declared to hold only those are not even read (node_fields). `skip` prunes subtrees."""
    kinds = _KINDS
    fields = _FIELDS
    skipped = frozenset(skip)
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        kind = type(node)
        if want is None or kind in want:
            yield node
        names = fields.get(kind)
        if names is None:
            names = fields[kind] = node_fields(kind)[::-1]
        for name in names:  # pushed last field first, so popped in field order
            value = getattr(node, name)
            t = type(value)
            if t is tuple or t is list:
                for v in reversed(value):
                    tv = type(v)
                    k = kinds.get(tv)
                    if k is None:
                        k = _kind(tv)
                    if k == 2 and tv not in skipped:
                        push(v)
            else:
                k = kinds.get(t)
                if k is None:
                    k = _kind(t)
                if k == 2 and t not in skipped:
                    push(value)


def is_false(f: Formula) -> bool:
    return isinstance(f, Const) and not f.value


def is_bool_name(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value in ("True", "False", "None")


def is_abort_call(ex: Exprs, stmt: cst.CSTNode) -> bool:
    if not isinstance(stmt, cst.Expr):
        return False
    value = stmt.value
    if isinstance(value, cst.Await):
        value = value.expression
    return isinstance(value, cst.Call) and bool(ABORT_CALLEES.search(ex.callee(value))) and not LOG_CALLEE.search(ex.callee(value).rsplit(".", 1)[0] + ".")


def soft_kind(ex: Exprs, stmt: cst.CSTNode) -> str:
    if isinstance(stmt, cst.Pass):
        return "pass"
    if isinstance(stmt, cst.Expr):
        v = stmt.value
        if isinstance(v, cst.Ellipsis):
            return "pass"
        if isinstance(v, cst.Call) and LOG_CALLEE.search(ex.callee(v)):
            return "log"
    return "other"


def handler_types(ex: Exprs, node: Optional[cst.BaseExpression]) -> tuple[str, ...]:
    if node is None:
        return ()
    if isinstance(node, cst.Tuple):
        return tuple(ex.resolve(ex.dotted(e.value)) for e in node.elements)
    return (ex.resolve(ex.dotted(node)),)


def handler_action(ex: Exprs, body: list[cst.CSTNode]) -> tuple[Action, Optional[str]]:
    for s in body:
        if isinstance(s, cst.Raise):
            return Action.RAISE, None
    last = body[-1] if body else None
    if isinstance(last, cst.Return):
        text = squash(ex.code(last.value)) if last.value is not None else None
        return (Action.DENY_RETURN if is_deny_value(ex, last.value) or last.value is None and False else Action.RETURN), text
    if last is not None and is_abort_call(ex, last):
        return Action.ABORT, None
    kinds = {soft_kind(ex, s) for s in body if not isinstance(s, cst.Continue)}
    if not kinds or kinds == {"pass"}:
        return Action.PASS, None
    if kinds <= {"log", "pass"}:
        return Action.LOG, None
    return Action.OTHER, None


# a handler catching this runs when a mapping lookup `d[k]` of its try body finds no key
LOOKUP_ERROR = "KeyError"
MAX_LOOKUPS = 6  # lookups of one try body read as key tests (as for the calls' raised atoms)


def with_in_try(call: Call) -> Call:
    from dataclasses import replace

    return replace(call, in_try=True)


def all_params(params: cst.Parameters) -> list[cst.Param]:
    out = list(params.posonly_params) + list(params.params)
    if isinstance(params.star_arg, cst.Param):
        out.append(params.star_arg)
    out += list(params.kwonly_params)
    if params.star_kwarg is not None:
        out.append(params.star_kwarg)
    return out


def param_names(params: cst.Parameters) -> tuple[str, ...]:
    return tuple(p.name.value for p in all_params(params))


_BINDER_SKIP = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
_BINDINGS = frozenset({cst.Assign, cst.AnnAssign, cst.For, cst.WithItem, cst.NamedExpr})


class _Binder:
    """local_names' visitor (a class of the module: one made per function cost a class
    build per function)."""

    __slots__ = ("ex", "params", "param_map", "aliases", "found", "counts")

    def __init__(self, ex: Exprs, params: set[str], param_map: dict[str, str], aliases: dict[str, str]) -> None:
        self.ex, self.params, self.param_map, self.aliases = ex, params, param_map, aliases
        self.found: dict[str, str] = {}
        self.counts: dict[str, int] = {}

    def _bind(self, target: cst.CSTNode, source: str) -> None:
        found, counts, params, param_map, aliases = self.found, self.counts, self.params, self.param_map, self.aliases
        names = [target] if isinstance(target, cst.Name) else [
            e.value for e in getattr(target, "elements", ()) if isinstance(getattr(e, "value", None), cst.Name)
        ]
        source = Namer(param_map, found).key(source)
        for n in names:
            if isinstance(n, cst.Name) and n.value in aliases and n.value not in found:
                same = param_map.get(aliases[n.value]) or found.get(aliases[n.value])
                if same is not None:
                    found[n.value] = same  # the very value of a parameter or local
                    continue
            if isinstance(n, cst.Name) and n.value not in params and n.value not in found:
                base = Namer.local_name(source, 0)
                counts[base] = counts.get(base, 0) + 1
                found[n.value] = Namer.local_name(source, counts[base] - 1)

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._bind(t.target, self.ex.code(node.value))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target, self.ex.code(node.value) if node.value is not None else self.ex.code(node.annotation))

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target, "for:" + self.ex.code(node.iter))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name, "with:" + self.ex.code(node.item))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, self.ex.code(node.value))


_BINDER_VISITS = {t: getattr(_Binder, "visit_" + t.__name__) for t in _BINDINGS}


def local_names(ex: Exprs, fn: cst.FunctionDef, params: set[str]) -> dict[str, str]:
    """Locals named after their first binding (see Namer), the binding itself read with
    parameters and earlier locals already renamed, so renames do not leak into names."""
    param_map = {p: f"${i}" for i, p in enumerate(param_names(fn.params))}
    aliases = dict(identity_aliases(ex.code(fn), ex.resolve))
    binder = _Binder(ex, params, param_map, aliases)
    visits = _BINDER_VISITS
    for node in walk_nodes(fn.body, skip=_BINDER_SKIP, want=_BINDINGS):
        visits[type(node)](binder, node)
    return binder.found


# `typing.cast(T, x)` returns x itself: a local bound to it is the value x
IDENTITY_CALLEES = frozenset({"typing.cast", "typing_extensions.cast"})
# a line binding a bare name to a bare name or to a `cast(...)` call: the cheap test that
# decides whether a function's text is parsed again for aliases at all
_ALIAS_LINE = re.compile(
    r"(?m)^[ \t]+[A-Za-z_]\w*[ \t]*(?::[^=\n]+)?=[ \t]*"
    r"(?:(?!(?:None|True|False)\b)[A-Za-z_]\w*[ \t]*(?:#.*)?$|(?:[A-Za-z_]\w*\.)?cast[ \t]*\()"
)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.comprehension)


def identity_aliases(text: str, resolve: Callable[[str], str]) -> list[tuple[str, str]]:
    """(alias, source) for locals of the function in `text` that are the very value of a
    parameter or of another such local: `k = key` or `k = cast(T, key)` (typing.cast is
    the identity), where the alias is bound exactly once and the source never re-bound in
    the function. Then every use of the alias reads the source's value, so a check
    rewritten from `validate(key)` to `validate(k)` tests the same thing.

    Sound only under these conditions, hence strict: any other binding of either name
    (assignment, augmented assignment, loop/with/except/import target, `del`, a nested
    definition of the name, `global`/`nonlocal` anywhere inside) disqualifies it; a local
    source must be bound outside loops, before the alias. `text` is the function's own
    source (it starts at `def`/`async`), parsed with `ast` (never executed); a text that
    does not parse (Python 2) has no aliases. Result in binding order.
    """
    if not _ALIAS_LINE.search(text):
        return []
    try:
        tree = parse_quietly(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    if len(tree.body) != 1 or not isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    fn = tree.body[0]
    a = fn.args
    params = {p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg) if p is not None}
    stores: dict[str, int] = {}
    first: dict[str, tuple[int, int]] = {}  # name -> position of its first binding
    in_loop: set[str] = set()
    candidates: list[tuple[str, str, tuple[int, int]]] = []
    poisoned: set[str] = set()

    def store(name: str, node: ast.AST, loop: bool) -> None:
        stores[name] = stores.get(name, 0) + 1
        pos = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
        first[name] = min(first.get(name, pos), pos)
        if loop:
            in_loop.add(name)

    stack: list[tuple[ast.AST, bool, bool]] = [(n, False, False) for n in reversed(fn.body)]
    while stack:
        node, loop, nested = stack.pop()
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            poisoned.update(node.names)
        if not nested:
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                store(node.id, node, loop)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                store(node.name, node, loop)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                store(node.name, node, loop)
            elif isinstance(node, ast.alias):
                store((node.asname or node.name).split(".")[0], node, loop)
            elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
                store(node.name, node, loop)
            elif isinstance(node, ast.MatchMapping) and node.rest:
                store(node.rest, node, loop)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                source = _alias_value(node.value, resolve)
                if len(targets) == 1 and isinstance(targets[0], ast.Name) and source is not None:
                    candidates.append((targets[0].id, source, (targets[0].lineno, targets[0].col_offset)))
        inner_nested = nested or isinstance(node, _SCOPES)
        inner_loop = loop or isinstance(node, _LOOPS)
        for child in reversed(list(ast.iter_child_nodes(node))):
            stack.append((child, inner_loop, inner_nested))
    out: list[tuple[str, str]] = []
    for alias, source, at in sorted(candidates, key=lambda c: c[2]):
        if alias in params or alias in poisoned or source in poisoned or stores.get(alias) != 1 or alias == source:
            continue
        if source in params:
            ok = source not in stores
        else:
            ok = stores.get(source) == 1 and first[source] < at and source not in in_loop and alias not in in_loop
        if ok:
            out.append((alias, source))
    return out


def _alias_value(value: ast.expr, resolve: Callable[[str], str]) -> Optional[str]:
    """The name a bound value is the identity of: `x` or `cast(T, x)`, else None."""
    if isinstance(value, ast.Name):
        return None if value.id in ("None", "True", "False") else value.id
    if isinstance(value, ast.Call) and len(value.args) == 2 and not value.keywords:
        func, parts = value.func, []
        while isinstance(func, ast.Attribute):
            parts.append(func.attr)
            func = func.value
        if not isinstance(func, ast.Name):
            return None
        dotted = ".".join([func.id, *reversed(parts)])
        arg = value.args[1]
        if resolve(dotted) in IDENTITY_CALLEES and isinstance(arg, ast.Name):
            return arg.id
    return None


def skip_docstring(body: list[cst.CSTNode]) -> list[cst.CSTNode]:
    if body and isinstance(body[0], cst.Expr) and isinstance(body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
        return body[1:]
    return body


def body_key(text: str, namer: Namer) -> str:
    """Formatting-, comment- and docstring-free token stream with locals/params renamed."""
    import textwrap

    try:
        toks = list(tokenize.generate_tokens(io.StringIO(textwrap.dedent(text)).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return squash(text)
    return key_from_tokens(toks, namer) or ""  # never None with multi-line strings allowed


_SKIPPED_TOKENS = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER})
_TRAILING_COMMA = re.compile(r",([)\]}])")


def key_from_tokens(toks: Sequence[tuple], namer: Namer, multiline_strings: bool = True) -> Optional[str]:
    """The body key of a token list (see body_key); None when `multiline_strings` is False
    and a string spanning lines (other than a docstring, which is dropped) is kept."""
    out: list[str] = []
    mapping = namer.mapping
    prev_significant = None
    for i, tok in enumerate(toks):  # TokenInfo or fast_tokens' plain tuples: indexed alike
        kind = tok[0]
        if kind in _SKIPPED_TOKENS:
            continue
        if kind == tokenize.STRING and prev_significant in (None, ":") and next_is_line_end(toks, i):
            prev_significant = "<doc>"
            continue  # docstring
        s = tok[1]
        if kind == tokenize.NAME and s in mapping and not (out and out[-1] == "."):
            s = mapping[s]
        if kind == tokenize.STRING:
            if not multiline_strings and tok[2][0] != tok[3][0]:
                return None
            s = normalise_string_token(s)
        out.append(s)
        prev_significant = tok[1]
    # trailing commas are formatting, not meaning
    return _TRAILING_COMMA.sub(r"\1", " ".join(out))


def next_is_line_end(toks, i: int) -> bool:
    for j in range(i + 1, len(toks)):
        kind = toks[j][0]
        if kind == tokenize.COMMENT:
            continue
        return kind in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER)
    return True


def _token_pattern() -> re.Pattern:
    """tokenize's own pieces, ordered as in its PseudoToken, matched over the whole text:
    a string is one match even across lines (tokenize continues it line by line)."""
    prefix = tokenize.StringPrefix
    return re.compile(
        r"[ \t]*(?:"
        r"(?P<cont>\\\r?\n)"
        r"|(?P<comment>#[^\r\n]*)"
        r"|(?=[rRbBuUfF]{0,2}['\"])(?:"  # strings first: their prefixes are names too
        rf"(?P<string3>{prefix}(?:'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\"))"
        rf"|(?P<string>{prefix}(?:'(?:[^\n'\\]|\\\r?\n|\\.)*'|\"(?:[^\n\"\\]|\\\r?\n|\\.)*\")))"
        rf"|(?=[0-9.])(?P<number>{tokenize.Number})"  # before names (digits) and `.`
        r"|(?P<name>\w+)"
        r"|(?P<newline>\r?\n)"
        rf"|(?P<op>{tokenize.Special})"
        r"|(?P<end>\Z))",
        re.S,
    )


_TOKEN: Optional[re.Pattern] = None
_TOKEN_TYPES = {"comment": tokenize.COMMENT, "string3": tokenize.STRING, "string": tokenize.STRING, "number": tokenize.NUMBER,
                "newline": tokenize.NEWLINE, "op": tokenize.OP, "name": tokenize.NAME}


def fast_tokens(text: str) -> Optional[list[tuple]]:
    """The tokens body keys read (strings, types, start and end lines), several times
    faster than `tokenize`, for text libcst has parsed. Line ends are all NEWLINE (the
    key treats NL and NEWLINE alike) and INDENT/DEDENT are not produced (the key skips
    them). None for anything tokenize would call an error token: the caller then
    tokenizes as before."""
    global _TOKEN
    if _TOKEN is None:
        _TOKEN = _token_pattern()
    match, types = _TOKEN.match, _TOKEN_TYPES
    out: list[tuple] = []  # (type, string, (start line, 0), (end line, 0)), as TokenInfo indexes
    pos, line, size = 0, 1, len(text)
    while True:
        m = match(text, pos)
        if m is None:
            return None
        kind = m.lastgroup
        if kind == "end":
            if m.end() < size:
                return None
            out.append((tokenize.ENDMARKER, "", (line, 0), (line, 0)))
            return out
        value = m.group(kind)
        pos = m.end()
        if kind == "newline":
            out.append((tokenize.NEWLINE, value, (line, 0), (line, 0)))
            line += 1
            continue
        if kind == "cont":
            line += 1
            continue
        if kind == "name" and not value[0].isidentifier():
            return None
        last = line + value.count("\n") if kind in ("string", "string3") else line
        out.append((types[kind], value, (line, 0), (last, 0)))
        line = last


class ModuleTokens:
    """One tokenization of the whole module, sliced per unit for its body key.

    A class's key used to tokenize the class text, then each method's key its own text
    again. A unit's own tokenization yields the same token strings as the module's tokens
    on its lines (indentation and comments are dropped either way), except inside a
    multi-line string that is not a docstring (dedenting the unit's text changes it) or where a tab-indented text
    dedents differently; those units (and any text with form feeds, lone carriage
    returns or other line breaks that `splitlines` and the tokenizer count differently)
    use body_key on their own text, as before.
    """

    _ODD_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]|\r(?!\n)")
    _TAB_INDENT = re.compile(r"^[ ]*\t", re.M)

    def __init__(self, text: str) -> None:
        self.toks: Optional[list] = None
        if self._ODD_BREAKS.search(text) or self._TAB_INDENT.search(text):
            return
        self.toks = fast_tokens(text)
        if self.toks is None:
            try:
                self.toks = list(tokenize.generate_tokens(io.StringIO(text).readline))
            except (tokenize.TokenError, IndentationError, SyntaxError):
                return
        self.lines = [t[2][0] for t in self.toks]

    def key(self, first: int, last: int, namer: Namer) -> Optional[str]:
        """Body key of lines first..last (1-based, inclusive), or None: use body_key."""
        toks = self.toks
        if toks is None:
            return None
        lo = bisect_left(self.lines, first)
        hi = bisect_right(self.lines, last)
        if lo > 0 and toks[lo - 1][3][0] >= first:
            return None  # a token from before runs into the unit
        part = toks[lo:hi]
        for tok in part:
            if tok[3][0] > last or tok[0] == tokenize.ERRORTOKEN:
                return None
        # a multi-line string's text is what dedenting the unit changes: only a docstring
        # (dropped from the key) may span lines here
        return key_from_tokens(part, namer, multiline_strings=False)


def normalise_string_token(s: str) -> str:
    """'x' and "x" are the same string: formatters swap quotes."""
    m = re.match(r"^([rbuRBU]{0,2})('''|\"\"\"|'|\")(.*)\2$", s, re.S)
    if not m or "f" in m.group(1).lower():
        return s
    prefix, body = m.group(1).lower(), m.group(3)
    return f'{prefix}"{body}"' if '"' not in body else s


# ---------------------------------------------------------------- positions

_NEWLINE = re.compile(r"\r\n?|\n")


class _Recorder:
    """`with state.record_syntactic_position(node, ...)` without a generator per node."""

    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(self, state: "_TokenCountState", node, start_node, end_node) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.start = len(self.state.tokens)

    def __exit__(self, *exc) -> bool:
        if exc[0] is not None:
            # an error inside the node's codegen (a RecursionError on a deep tree) left its
            # children unrecorded: let that error through instead of a KeyError that hides it
            return False
        ranges = self.state.ranges
        start = ranges[id(self.start_node)][0] if self.start_node is not None else self.start
        end = ranges[id(self.end_node)][1] if self.end_node is not None else len(self.state.tokens)
        ranges[id(self.node)] = (start, end)
        return False


class _TokenCountState:
    """A libcst codegen state that records where each node's tokens start and end.

    libcst's PositionProvider regenerates the module through a state that splits every
    token on newlines and builds two position objects per node, behind a metadata
    wrapper that also walks the whole tree once more with no visitor; that was half the
    cost of a parse. This state only appends tokens (`add_token` is the list's own
    append) and keeps, per node, token indices under the same syntactic start/end rules
    (whitespace-owning nodes hoist their range from the first and last child exactly as
    libcst does); indices become character offsets, and offsets lines, only for the
    nodes a unit asks about.
    """

    __slots__ = ("default_indent", "default_newline", "provider", "indent_tokens", "tokens", "ranges", "_stack",
                 "add_token", "popped")

    def __init__(self, default_indent: str, default_newline: str) -> None:
        self.default_indent = default_indent
        self.default_newline = default_newline
        self.provider = None
        self.indent_tokens: list[str] = []
        self.tokens: list[str] = []
        self.add_token = self.tokens.append
        self.ranges: dict = {}
        self._stack: list[int] = []
        self.popped: list[str] = []

    def increase_indent(self, value: str) -> None:
        self.indent_tokens.append(value)

    def decrease_indent(self) -> None:
        self.indent_tokens.pop()

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)

    def before_codegen(self, node) -> None:
        self._stack.append(len(self.tokens))

    def after_codegen(self, node) -> None:
        start = self._stack.pop()
        key = id(node)  # nodes live as long as the module; CSTNode.__hash__ is Python code
        if key not in self.ranges:
            self.ranges[key] = (start, len(self.tokens))

    def pop_trailing_newline(self) -> None:
        if self.tokens:
            self.popped.append(self.tokens.pop())  # ranges recorded before still index it

    def record_syntactic_position(self, node, *, start_node=None, end_node=None) -> _Recorder:
        return _Recorder(self, node, start_node, end_node)


_CODEGEN = cst.CSTNode.__dict__["_codegen"]


def _counting_codegen(self, state, **kwargs) -> None:
    """CSTNode._codegen while SourcePositions regenerates a module: the state's
    before_codegen/after_codegen inlined (two method calls per node were a tenth of the
    pass). Another thread's code generation meanwhile (any other state) runs libcst's own;
    a node regenerated by either records the same range, so the swap back to libcst's
    while a pass is under way (another thread's pass ending) changes nothing."""
    if type(state) is not _TokenCountState:
        return _CODEGEN(self, state, **kwargs)
    tokens = state.tokens
    start = len(tokens)
    self._codegen_impl(state, **kwargs)
    ranges = state.ranges
    key = id(self)  # nodes live as long as the module; CSTNode.__hash__ is Python code
    if key not in ranges:
        ranges[key] = (start, len(tokens))


_PARENTHESIZED = _BaseParenthesizedNode
_PARENTHESIZE = _BaseParenthesizedNode.__dict__["_parenthesize"]


class _Parens:
    """`with node._parenthesize(state):` while SourcePositions regenerates a module, without
    the generator and context-manager objects libcst's @contextmanager makes per expression:
    the left parentheses, then the node's range recorded as record_syntactic_position
    records it, then the right parentheses; an error inside records nothing and is raised,
    as there."""

    __slots__ = ("node", "state", "start")

    def __init__(self, node, state: "_TokenCountState") -> None:
        self.node, self.state = node, state

    def __enter__(self) -> None:
        state = self.state
        for lpar in self.node.lpar:
            lpar._codegen(state)
        self.start = len(state.tokens)

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            return False
        state, node = self.state, self.node
        state.ranges[id(node)] = (self.start, len(state.tokens))
        for rpar in node.rpar:
            rpar._codegen(state)
        return False


def _counting_parenthesize(self, state):
    """_BaseParenthesizedNode._parenthesize during a SourcePositions pass (see
    _counting_codegen for other threads and states)."""
    if type(state) is not _TokenCountState:
        return _PARENTHESIZE(self, state)
    return _Parens(self, state)


def _value_codegen(self, state, **kwargs) -> None:
    """`_codegen` of SimpleWhitespace and Comment during a SourcePositions pass: their token
    (BaseValueToken._codegen_impl), no range (see _pass_codegens)."""
    if type(state) is not _TokenCountState:
        return _CODEGEN(self, state, **kwargs)
    state.add_token(self.value)


def _newline_codegen(self, state, **kwargs) -> None:
    """`_codegen` of Newline during a SourcePositions pass (Newline._codegen_impl, no range)."""
    if type(state) is not _TokenCountState:
        return _CODEGEN(self, state, **kwargs)
    value = self.value
    state.add_token(state.default_newline if value is None else value)


def _bare_codegen(self, state, **kwargs) -> None:
    """`_codegen` of the other whitespace nodes during a SourcePositions pass: no range."""
    if type(state) is not _TokenCountState:
        return _CODEGEN(self, state, **kwargs)
    self._codegen_impl(state, **kwargs)


def _leaf_codegen(self, state, **kwargs) -> None:
    """`_codegen` of a name, number or plain string during a SourcePositions pass: its
    `_codegen_impl` is `with self._parenthesize(state): state.add_token(self.value)`, so
    without parentheses its range is its one token (what _Parens records); five calls and a
    context manager less for the commonest nodes. With parentheses, the generic path."""
    if type(state) is not _TokenCountState or self.lpar or self.rpar:
        return _counting_codegen(self, state, **kwargs)
    tokens = state.tokens
    start = len(tokens)
    tokens.append(self.value)
    state.ranges[id(self)] = (start, start + 1)


_PASS_CODEGENS: Optional[dict[type, Callable]] = None


def _pass_codegens() -> dict[type, Callable]:
    """Node class -> its `_codegen` during a SourcePositions pass (set on the class itself).

    Whitespace nodes (libcst's whitespace module: spaces, newlines, comments, empty lines)
    are over half of a module's nodes, and no range of theirs is ever asked: the walk never
    enters them (walk_nodes) and libcst's codegen never records a node's range from a
    whitespace start or end node. They get their tokens and no range: a call and a range
    less per node. Names, numbers and plain strings get _leaf_codegen (when their
    `_codegen_impl` is still Name's). A class that defines its own `_codegen` keeps it."""
    global _PASS_CODEGENS
    if _PASS_CODEGENS is None:
        import inspect

        from libcst._nodes import base, whitespace

        value_impl = base.BaseValueToken.__dict__["_codegen_impl"]
        table: dict[type, Callable] = {}
        for value in vars(whitespace).values():
            if not (isinstance(value, type) and issubclass(value, cst.CSTNode) and value.__module__ == whitespace.__name__) \
                    or inspect.isabstract(value) or any("_codegen" in k.__dict__ for k in value.__mro__ if k is not cst.CSTNode):
                continue
            impl = getattr(value, "_codegen_impl")
            table[value] = _value_codegen if impl is value_impl else \
                _newline_codegen if value is whitespace.Newline and "_codegen_impl" in value.__dict__ else _bare_codegen
        leaf = cst.Name.__dict__["_codegen_impl"].__code__
        if leaf.co_names == ("_parenthesize", "add_token", "value"):
            for kind in (cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString):
                impl = kind.__dict__.get("_codegen_impl")
                if impl is not None and impl.__code__.co_code == leaf.co_code and impl.__code__.co_names == leaf.co_names \
                        and not any("_codegen" in k.__dict__ for k in kind.__mro__ if k is not cst.CSTNode):
                    table[kind] = _leaf_codegen
        _PASS_CODEGENS = table
    return _PASS_CODEGENS


def unranged_kinds() -> frozenset:
    """The node classes a SourcePositions pass records no range for (whitespace)."""
    return frozenset(k for k, codegen in _pass_codegens().items() if codegen is not _leaf_codegen)


class SourcePositions:
    """Node -> source range and text, as libcst's PositionProvider would give them.

    Lines are counted the way libcst counts them (`\\r\\n`, `\\r` and `\\n` each end a
    line), so `line`/`end_line` equal `PositionProvider`'s; the source of a node is a
    slice of the text itself. `valid` is False when the regenerated text does not
    match the text (libcst round-trips exactly, except that it may drop a trailing lone
    `\\r`, which moves no offset); callers then use libcst's own provider.
    """

    __slots__ = ("text", "ranges", "offsets", "starts", "valid")

    def __init__(self, module: cst.Module, text: str) -> None:
        state = _TokenCountState(module.default_indent, module.default_newline)
        swapped = _pass_codegens()
        cst.CSTNode._codegen = _counting_codegen  # type: ignore[method-assign]
        _PARENTHESIZED._parenthesize = _counting_parenthesize  # type: ignore[method-assign]
        for kind, codegen in swapped.items():
            kind._codegen = codegen  # type: ignore[attr-defined]
        try:
            module._codegen(state)
        finally:
            for kind, codegen in swapped.items():
                if kind.__dict__.get("_codegen") is codegen:  # another thread's pass may have ended first
                    try:
                        del kind._codegen  # type: ignore[attr-defined]
                    except AttributeError:
                        pass
            cst.CSTNode._codegen = _CODEGEN  # type: ignore[method-assign]
            _PARENTHESIZED._parenthesize = _PARENTHESIZE  # type: ignore[method-assign]
        code = "".join(state.tokens)
        self.text = text
        self.ranges = state.ranges
        self.offsets = list(accumulate(map(len, state.tokens + state.popped), initial=0))
        self.valid = text.startswith(code) and not text[len(code) :].strip()
        self.starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]

    def line(self, node) -> int:
        rng = self.ranges.get(id(node))
        return bisect_right(self.starts, self.offsets[rng[0]]) if rng is not None else 0

    def end_line(self, node) -> int:
        rng = self.ranges.get(id(node))
        return bisect_right(self.starts, self.offsets[rng[1]]) if rng is not None else 0

    def code(self, node) -> Optional[str]:
        rng = self.ranges.get(id(node))
        return self.text[self.offsets[rng[0]] : self.offsets[rng[1]]].strip() if rng is not None else None


class ProviderPositions:
    """The same interface over libcst's PositionProvider and line-sliced text (the
    original path, kept for a text the offset state cannot reproduce)."""

    __slots__ = ("pos", "lines")

    def __init__(self, positions, text: str) -> None:
        self.pos = positions
        self.lines = text.split("\n")

    def line(self, node) -> int:
        try:
            return self.pos[node].start.line
        except KeyError:
            return 0

    def end_line(self, node) -> int:
        try:
            return self.pos[node].end.line
        except KeyError:
            return 0

    def code(self, node) -> Optional[str]:
        try:
            rng = self.pos[node]
        except KeyError:
            return None
        (l1, c1), (l2, c2) = (rng.start.line, rng.start.column), (rng.end.line, rng.end.column)
        if l1 == l2:
            return self.lines[l1 - 1][c1:c2].strip()
        parts = [self.lines[l1 - 1][c1:]] + self.lines[l1 : l2 - 1] + [self.lines[l2 - 1][:c2]]
        return "\n".join(parts).strip()


def source_positions(module: cst.Module, text: str):
    fast = SourcePositions(module, text)
    if fast.valid:
        return fast
    from libcst.metadata import MetadataWrapper, PositionProvider

    return ProviderPositions(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider), text)
