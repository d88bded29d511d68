"""Language-neutral guard IR.

A language backend (libcst for Python, tree-sitter for the rest, a YAML/JSON reader for
configuration) turns source text into `Unit`s. Rules only ever see this IR, so one rule
serves every language and a new language is one backend.

Conditions are boolean formulas over normalised `Atom`s. Two atoms are the same atom
exactly when their `key`s are equal; backends are responsible for the normal form:
  * whitespace/formatting removed, parameters renamed to positional placeholders
    (`$0`, `$1`, ...) and locals to `%0`, `%1`, ... in order of first binding, so a
    consistent rename yields the same keys;
  * comparisons ordered canonically: `>`/`>=` are flipped to `<`/`<=`; `!=`, `is not`,
    `not in` are expressed as `Not` of `==`, `is`, `in`; operands of symmetric operators
    (`==`, `is`) are sorted;
  * numeric comparisons carry a `Linear` form (term op constant) so the logic can know
    that `age < 10` implies `age < 20`.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Optional, Union


# ---------------------------------------------------------------- formulas


@dataclass(frozen=True)
class Linear:
    """`term <op> constant`, e.g. `expiry - now < 3600`. `op` is one of < <= == (canonical)."""

    term: str
    op: str
    constant: float


@dataclass(frozen=True)
class Atom:
    """A normalised comparison, call or name. `kind`: cmp | call | name | expr | const-time."""

    key: str
    text: str
    kind: str = "expr"
    op: Optional[str] = None  # canonical operator for cmp atoms: == < <= is in
    left: Optional[str] = None
    right: Optional[str] = None
    linear: Optional[Linear] = None
    callee: Optional[str] = None  # for call atoms: normalised dotted callee name


@dataclass(frozen=True)
class Not:
    arg: "Formula"


@dataclass(frozen=True)
class And:
    args: tuple["Formula", ...]


@dataclass(frozen=True)
class Or:
    args: tuple["Formula", ...]


@dataclass(frozen=True)
class Const:
    value: bool


Formula = Union[Atom, Not, And, Or, Const]

TRUE = Const(True)
FALSE = Const(False)


def conj(*parts: Formula) -> Formula:
    flat: list[Formula] = []
    for p in parts:
        if isinstance(p, Const):
            if not p.value:
                return FALSE
            continue
        if isinstance(p, And):
            flat.extend(p.args)
        else:
            flat.append(p)
    if not flat:
        return TRUE
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def disj(*parts: Formula) -> Formula:
    flat: list[Formula] = []
    for p in parts:
        if isinstance(p, Const):
            if p.value:
                return TRUE
            continue
        if isinstance(p, Or):
            flat.extend(p.args)
        else:
            flat.append(p)
    if not flat:
        return FALSE
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def neg(f: Formula) -> Formula:
    """Negation pushed inwards (De Morgan), so equivalent rewrites share one shape."""
    if isinstance(f, Const):
        return Const(not f.value)
    if isinstance(f, Not):
        return f.arg
    if isinstance(f, And):
        return disj(*(neg(a) for a in f.args))
    if isinstance(f, Or):
        return conj(*(neg(a) for a in f.args))
    return Not(f)


def atoms_of(f: Formula) -> tuple[Atom, ...]:
    # the usual shapes first, without the walk (rules ask thousands of times per run): the
    # same tuples the walk below returns for them
    if isinstance(f, Not):
        if isinstance(f.arg, Atom):
            return (f.arg,)
    elif isinstance(f, Atom):
        return (f,)
    elif isinstance(f, Const):
        return ()
    seen: dict[str, Atom] = {}

    def walk(g: Formula) -> None:
        if isinstance(g, Atom):
            seen.setdefault(g.key, g)
        elif isinstance(g, Not):
            walk(g.arg)
        elif isinstance(g, (And, Or)):
            for a in g.args:
                walk(a)

    walk(f)
    return tuple(seen.values())


def render(f: Formula) -> str:
    """Human-readable form using the atoms' original text."""
    if isinstance(f, Const):
        return "True" if f.value else "False"
    if isinstance(f, Atom):
        return f.text
    if isinstance(f, Not):
        inner = render(f.arg)
        return f"not {inner}" if isinstance(f.arg, Atom) else f"not ({inner})"
    sep = " and " if isinstance(f, And) else " or "
    return sep.join(render(a) if isinstance(a, (Atom, Not, Const)) else f"({render(a)})" for a in f.args)


# ---------------------------------------------------------------- unit contents


class Action(str, enum.Enum):
    """What a guard does when its condition holds."""

    RAISE = "raise"  # raise / throw / panic
    DENY_RETURN = "deny-return"  # return False/None/403 response/error value
    ABORT = "abort"  # abort(403), res.status(401), http.Error(w, ..., 403), sys.exit
    ASSERT = "assert"
    PREDICATE = "predicate"  # `return <bool expr>`: denies when the expression is false
    DECORATOR = "decorator"  # an auth decorator / annotation / middleware in front of the unit
    LOG = "log"  # only logs or warns: no longer denies
    PASS = "pass"  # nothing
    RETURN = "return"  # a non-denying early exit (return value / return response)
    OTHER = "other"

    @property
    def denies(self) -> bool:
        return self in (Action.RAISE, Action.DENY_RETURN, Action.ABORT, Action.ASSERT, Action.PREDICATE, Action.DECORATOR)


@dataclass(frozen=True)
class Span:
    line: int
    end_line: int


@dataclass(frozen=True)
class Guard:
    """A place where the unit refuses to go on.

    `deny_when` already includes the conditions of enclosing branches and the negation of
    earlier early exits (the *path condition*), so comparing two units' guards is a pure
    formula comparison. `condition` is the guard's own test without the path.
    """

    deny_when: Formula
    condition: Formula
    action: Action
    span: Span
    text: str  # source of the guard statement (test + action), trimmed
    reachable: bool = True
    kind: str = "branch"  # branch | assert | predicate | decorator | call-guard
    # (line, formula) of each enclosing condition / earlier early exit that shapes the path,
    # so a rule can point at the line that made an unchanged check conditional
    path: tuple[tuple[int, "Formula"], ...] = ()


@dataclass(frozen=True)
class Comparison:
    """Every comparison in the unit, guard or not (for altered-comparison and timing rules)."""

    atom: Atom
    negated: bool  # True when the source operator was the negative form (!=, is not, not in, >, >=)
    source_op: str  # operator as written
    left_text: str
    right_text: str
    span: Span
    in_guard: bool = False


@dataclass(frozen=True)
class Argument:
    name: Optional[str]  # keyword name or None for positional
    value: str  # normalised source text
    text: str  # original text
    literal: Optional[Union[str, int, float, bool]] = None  # evaluated literal when it is one (never executed code)


@dataclass(frozen=True)
class Call:
    callee: str  # dotted name as written, normalised (`hashlib.sha256`, `self.check`, `jwt.decode`)
    args: tuple[Argument, ...]
    span: Span
    text: str
    statement: bool = False  # the call is a whole statement (its result is unused)
    in_try: bool = False  # inside a try body whose handlers are recorded in `handlers`
    arg_keys: tuple[str, ...] = ()  # positional arguments as atom keys (params/locals renamed)

    def kwarg(self, name: str) -> Optional[Argument]:
        for a in self.args:
            if a.name == name:
                return a
        return None

    @property
    def positional(self) -> tuple[Argument, ...]:
        return tuple(a for a in self.args if a.name is None)


@dataclass(frozen=True)
class Decorator:
    """Decorators (Python), annotations (Java), middleware in a route registration (JS/Go)."""

    name: str  # dotted name without arguments
    args: tuple[Argument, ...]
    span: Span
    text: str
    conditional: bool = False  # applied only under some condition


@dataclass(frozen=True)
class Handler:
    """An exception handler / error branch and what it does with the failure."""

    catches: tuple[str, ...]  # exception type names; () for a bare except / catch-all
    action: Action  # RAISE (re-raise or raise other), PASS, LOG, RETURN, DENY_RETURN, OTHER
    returns: Optional[str]  # normalised returned expression, if any
    guarded_calls: tuple[str, ...]  # callees called inside the protected try body
    span: Span
    text: str


@dataclass(frozen=True)
class Literal:
    """A collection literal (allow-list, deny-list, settings list) and where it is bound."""

    target: str  # assignment target / keyword name / enclosing call, e.g. ALLOWED_HOSTS, allow_origins
    items: tuple[str, ...]  # normalised item texts (strings keep their quotes off: plain values)
    span: Span
    text: str
    kind: str = "list"  # list | set | tuple | dict-keys | regex


@dataclass(frozen=True)
class Setting:
    """A named value: module constant, default parameter value, config key, struct field."""

    key: str  # e.g. DEBUG, verify (param default), SESSION_COOKIE_SECURE, permissions.contents
    value: str  # normalised value text
    span: Span
    text: str
    literal: Optional[Union[str, int, float, bool]] = None
    scope: str = "assignment"  # assignment | default | config | field


@dataclass(frozen=True)
class Unit:
    """A function, method, class body, module body or configuration document."""

    path: str
    language: str
    kind: str  # module | class | function | method | lambda | config
    qualname: str
    name: str
    span: Span
    params: tuple[str, ...] = ()
    decorators: tuple[Decorator, ...] = ()
    guards: tuple[Guard, ...] = ()
    comparisons: tuple[Comparison, ...] = ()
    calls: tuple[Call, ...] = ()
    handlers: tuple[Handler, ...] = ()
    literals: tuple[Literal, ...] = ()
    settings: tuple[Setting, ...] = ()
    text: str = ""
    body_key: str = ""  # normalised structure (formatting, comments, docstrings and local names removed)
    partial: bool = False  # parsed with errors: IR may be incomplete
    parent: Optional[str] = None  # qualname of the enclosing unit
    locals: tuple[tuple[str, str], ...] = ()  # (source name, placeholder used in atom keys)

    @property
    def deny_formula(self) -> Formula:
        """All that this unit refuses, as one formula (reachable denying guards only)."""
        return disj(*(g.deny_when for g in self.guards if g.reachable and g.action.denies))


@dataclass(frozen=True)
class ParsedFile:
    """What a language backend returns for one source text."""

    path: str
    language: str
    units: tuple[Unit, ...]
    error: Optional[str] = None  # set when nothing could be analysed (then units is empty)
    partial: bool = False
    imports: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (local name, imported dotted name)
    fallback: Optional[str] = None  # why the precise parser was not used (then the IR is the fallback's)
