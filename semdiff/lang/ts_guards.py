"""Guard extraction for the tree-sitter backends: formulas and the path-condition walk.

This mirrors the Python backend's walk (semdiff/lang/python_cst.py) statement for
statement, so both produce the same guard shapes: every exit (`throw`, `return`, an abort
call such as `res.status(403)` or `http.Error(w, ..., 403)`) becomes a Guard whose
`deny_when` is its path condition; an `if` whose body only logs is kept as a soft guard;
early exits add their negated test to the path of what follows; `return <boolean>` is a
predicate. The walk recurses per nested block with a depth limit, and formulas per
operator with another, so hostile nesting marks the unit partial instead of raising.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from types import MappingProxyType
from typing import TYPE_CHECKING, Callable, Optional

from tree_sitter import Node

from semdiff.ir import FALSE, TRUE, Action, And, Atom, Const, Formula, Guard, Not, Or, Span, atoms_of, conj, disj, neg, render
from semdiff.ir_construct import fast_constructor  # noqa: F401 (ts_common imports it from here)
from semdiff.lang.normal import call_atom, comparison, expr_atom, name_atom
from semdiff.lang.normal import squash_spaces as squash_space

if TYPE_CHECKING:  # pragma: no cover
    from semdiff.lang.ts_common import FileContext, UnitDraft

MAX_FORMULA_DEPTH = 60  # deeper boolean nesting becomes one opaque atom
MAX_BLOCK_DEPTH = 120  # deeper statement nesting is not walked for guards (unit marked partial)

Contributors = tuple[tuple[int, Formula], ...]

# same vocabulary as the Python backend (semdiff/lang/python_cst.py), camelCase aware: the
# verb in any case (`CheckAccess`, `requireAuth`), then a word boundary that is case-sensitive
# (`requireAdmin`, `check_user` and `verify` yes; `checkout`, `validator`, `requires` no). The
# flag is scoped to the verb: a global IGNORECASE made `(?![a-z])` refuse every capital too,
# so no camelCase checker call was a call-guard.
_GUARD_VERB = r"(?i:require|check|verify|ensure|assert|authorize|authorise|authenticate|validate|enforce|protect|deny|forbid|loginRequired|permission|must)"
GUARD_CALL = re.compile(
    r"(^|\.)_*" + _GUARD_VERB + r"(?![a-z])\w*$|"
    r"(^|\.)_*(?i:require|check|verify|ensure|assert|authorize|authenticate|validate|enforce)$|"
    # assertion classes whose methods throw on failure: Validate.isTrue / notNull (commons,
    # jsoup), Assert.state / hasText (Spring), Guard.notEmpty
    r"(^|\.)(?:Validate|Assert|Guard|Ensure)\.(?:is[A-Z]\w*|not[A-Z]\w*|has[A-Z]\w*|state|that|noNullElements)$"
)
# checkers whose trailing string arguments are only the failure message
ASSERTION_CALL = re.compile(
    r"(^|\.)(?:Validate|Assert|Guard|Ensure)\.\w+$|(^|\.)(?:Preconditions\.)?check(?:Argument|State|NotNull|ElementIndex|PositionIndex)$|"
    r"(^|\.)(?:Objects\.)?requireNonNull$|(^|\.)(?:invariant|assert)$"
)
# a call handed a function is a builder or a registration (`http.authorizeHttpRequests(auth ->
# ...)`, `ensureIndexes(() => ...)`), configured by its callback, not a check run for its throw
_CALLBACK_TYPES = frozenset({"arrow_function", "function_expression", "function", "lambda_expression", "func_literal"})


# id(pattern) -> (pattern, {text -> does the pattern search() find something in it}): the
# callee tests below (GUARD_CALL, LOG_CALLEE ...) are asked of every expression statement's
# callee, a few microseconds each, and the same callees (`next`, `res.status().json`,
# `h.log.Error`) recur through a file and from file to file. A pure function of the two: kept
# for the process, each pattern's dict emptied when it reaches _FOUND_IN_MAX texts. (Keyed by
# id: a compiled pattern's hash is not kept, each lookup by the pattern hashed its source
# again; the entry holds the pattern, so its id cannot be reused while the entry lives.)
_FOUND_IN: dict[int, tuple[re.Pattern, dict[str, bool]]] = {}
_FOUND_IN_MAX = 20_000


def found_in(pattern: re.Pattern, text: str) -> bool:
    """`pattern.search(text) is not None`, remembered."""
    entry = _FOUND_IN.get(id(pattern))
    if entry is None:
        entry = _FOUND_IN[id(pattern)] = (pattern, {})
    memo = entry[1]
    found = memo.get(text)
    if found is None:
        if len(memo) >= _FOUND_IN_MAX:
            memo.clear()
        found = memo[text] = pattern.search(text) is not None
    return found


def _takes_callback(call: Node) -> bool:
    args = call.child_by_field_name("arguments")
    return args is not None and any(a.type in _CALLBACK_TYPES for a in args.named_children)


BOOLISH_CALL = re.compile(
    r"(^|\.)(is[A-Z_]|has[A-Z_]|can[A-Z_]|should[A-Z_]|check|verify|validate|valid|timingSafeEqual|ConstantTimeCompare|isEqual|"
    r"equals|Equal$|startsWith|endsWith|HasPrefix|HasSuffix|includes|contains|Contains|match|test$|allowed|permitted|"
    r"authenticate|authorized|some$|every$)"
)
# constant-time comparisons: same truth value as `a == b`; the timing rule looks at the calls
CONST_TIME_CALLEES = ("timingSafeEqual", "ConstantTimeCompare", "MessageDigest.isEqual", "hmac.Equal", "safeEqual",
                      "constantTimeEquals", "constantTimeAreEqual")
# a callee is one of them when it is one, ends in `.` and one, or is one's last part
_CONST_TIME_NAMES = frozenset(CONST_TIME_CALLEES) | frozenset(n.rsplit(".", 1)[-1] for n in CONST_TIME_CALLEES)
_CONST_TIME_SUFFIXES = tuple("." + n for n in CONST_TIME_CALLEES)



# the throw/return/panic statements inside a block's text (what ERROR_STATE must not read there)
_EXITS = re.compile(r"\b(?:throw|return|panic)\b[^;\n]*")
ERROR_STATE = re.compile(r"\bErr[A-Z]\w*|\w*Error\s*\(|ErrorHandler|\.Error\s*\(|\bsetError\b|\berrors?\s*=")
# a refusing status set on the response before a plain return: `res.statusCode = 403;
# res.end(...); return;` (Node's http, connect), `ctx.status = 401; return;` (Koa),
# `response.status_code = 403` -- the same refusal as `res.status(403)`, written as an
# assignment (`(?!=)`: a comparison `res.statusCode === 403` sets nothing)
DENY_STATUS_SET = re.compile(r"\.(?:statusCode|status|status_code|StatusCode)\s*=(?!=)\s*4\d\d\b")


_Guard = fast_constructor(Guard)
_Span = fast_constructor(Span)
_Not = fast_constructor(Not)


def span_of(node: Node) -> Span:
    """Span of a node's lines. Span is frozen, so equal spans are one shared object (remembered
    for the file being parsed: TreeSitterBackend.parse empties SPANS)."""
    key = (node.start_point[0], node.end_point[0])
    span = SPANS.get(key)
    if span is None:
        span = SPANS[key] = _Span(key[0] + 1, key[1] + 1)
    return span


SPANS: dict[tuple[int, int], Span] = {}


def file_comparison(left_key: str, op: str, right_key: str, left_text: str, right_text: str) -> Formula:
    """normal.comparison(), remembered for the file being parsed: a tested comparison is
    normalised for its guard's formula and again for its Comparison record, with the same
    arguments (comparison() is a pure function of them, and its atoms are frozen).
    TreeSitterBackend.parse empties COMPARISONS at each file's start and end."""
    args = (left_key, op, right_key, left_text, right_text)
    found = COMPARISONS.get(args)
    if found is None:
        found = COMPARISONS[args] = comparison(left_key, op, right_key, left_text, right_text)
    return found


COMPARISONS: dict[tuple[str, str, str, str, str], Formula] = {}


def file_memo(ctx: FileContext, name: str) -> Optional[dict]:
    """A dict kept for the file being parsed, or None when its tree has errors (then equal
    texts need not be equal subtrees). FileContext has no field per backend memo: the dicts
    live in its `backend_memos` by name, so they go with the file (never shared by two files,
    nor by a timed-out parse still running in its worker thread). (Not in the context's
    `__dict__`: reading that turns the instance's attributes into a dict of their own, and
    every later attribute read of the context slower.)"""
    if ctx.walk_nodes is None:  # set by phase 1 only for a tree without errors
        return None
    memos = ctx.backend_memos
    found = memos.get(name)
    if found is None:
        found = memos[name] = {}
    return found


def clip(text: str, limit: int = 300) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def line_of(node: Node) -> int:
    return node.start_point[0] + 1


# a predicate whose false result means "refused": a checker (GUARD_CALL) or an is/has/can
# question about permission, authentication or validity
CHECK_PREDICATE = re.compile(
    r"(^|\.)_*(?:is|has|can)[A-Z_]\w*(?:Allow(?:ed)?|Authori[sz]ed?|Authenticated|Permitted|Permissions?|Access|Valid|Trusted|Safe|Admin)\w*$")


_AWAITED_CALL = re.compile(r"^(?:await|yield)\s+([\w$.]+)\s*\(")


def _failed_check(cond: Formula) -> bool:
    """Is `cond` the failure of a check call: `!check(...)`, `!isAllowed(...)`, or an `||` of
    negated tests one of which is such a call?"""
    parts = cond.args if isinstance(cond, Or) else (cond,)
    found = False
    for p in parts:
        if not isinstance(p, Not):
            return False
        atom = p.arg
        if not isinstance(atom, Atom):
            continue
        callee = atom.callee if atom.kind == "call" else None
        if callee is None:  # `!(await checkAuth(req, res))`
            m = _AWAITED_CALL.match(atom.text)
            callee = m.group(1) if m else None
        if callee and (GUARD_CALL.search(callee) or CHECK_PREDICATE.search(callee)):
            found = True
    return found


LOG_LINE = re.compile(r"^\s*(?:\w+\.)*(?:log|logger|Log|LOG|slog|klog|glog|console|fmt)\.\w*\(")

# statements that may declare or assign a boolean local (GuardWalk._track_flags)
FLAG_STATEMENTS = frozenset({"lexical_declaration", "variable_declaration", "local_variable_declaration",
                             "expression_statement", "short_var_declaration", "assignment_statement", "var_declaration"})
# statements that only declare or assign: no call of their own to deny with (_statement_deny_call
# and is_panic say no), no block among their children (nested_blocks finds none) and not an
# expression statement (_simple does nothing): the walk only tracks their flags
DECLARATIONS = frozenset({"lexical_declaration", "variable_declaration", "local_variable_declaration",
                          "short_var_declaration", "assignment_statement", "var_declaration"})
# node types that assign a local again (`ok = check()`, `ok &&= x`; a declaration only starts a
# flag): without one in a unit, no flag of it is ever expanded (GuardWalk._flags_followed)
REASSIGN_TYPES = ("assignment_statement", "assignment_expression", "augmented_assignment_expression")
# the flags of a unit whose flags the walk does not follow: empty and read-only
_UNFOLLOWED: dict = MappingProxyType({})  # type: ignore[assignment]
# a call that hands a verdict to the framework: `ac.setAuthorized(ok)`, `result.setValid(valid)`
VERDICT_SINK = re.compile(r"(^|\.)set(?:Authori[sz]ed|Authenticated|Allowed|Permitted|Valid|Verified|Trusted|Granted)$")


# a statement that records that the current item failed (a failure code, an error state)
_FAILURE_WORD = re.compile(r"(?<![A-Za-z])(?:\w*(?:Fail(?:ure|ed)?|Denied|Forbidden|Reject(?:ed)?|Unauthori[sz]ed)\w*|"
                           r"\w*[a-z_](?:FAIL(?:URE|ED)?|DENIED|FORBIDDEN|REJECTED))\b|\b(?:fail(?:ure|ed)?|denied|rejected|forbidden)\b")
_STRING_LITERAL = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')


def _marks_failure(text: str) -> bool:
    """A failure code or state recorded for the item (`f.qos = subAckFailure`, `status =
    DENIED`); words in strings and logged errors do not count (`if err != nil { log.Error(err);
    continue }` skips a broken item, it refuses no one)."""
    bare = _STRING_LITERAL.sub('""', text)
    return bool(_FAILURE_WORD.search(bare)) and not LOG_LINE.search(bare)


# an assignment's `=` (not `==`, `!=`, `<=`, `>=`, `:=`, `=>`), and `&=`/`|=` (`&&=`, `||=`)
_ASSIGNS = re.compile(r"(?<![=!<>:])=(?![=>])")
_AUGMENTED_SETS = re.compile(r"[&|]=")


def ctx_text_is_bool(node: Node) -> bool:
    """Go's `var ok bool`: the declared type is bool (starts false)."""
    return node.type == "type_identifier" and node.text == b"bool"


_UNSET = object()  # a memo's "not computed yet" (None is an answer)


def _is_false(f: Formula) -> bool:
    return f is FALSE or (isinstance(f, Const) and not f.value)


_And = fast_constructor(And)
_Or = fast_constructor(Or)


def conj2(a: Formula, b: Formula) -> Formula:
    """conj(a, b), the same value, without the general case's lists when both are the usual
    shapes: a path (true, an atom, a negation, a disjunction or a conjunction) and a test."""
    cb = b.__class__
    if cb is Atom or cb is Not or cb is Or:
        ca = a.__class__
        if ca is Const:
            if a.value:
                return b
        elif ca is And:
            return _And(a.args + (b,))
        elif ca is Atom or ca is Not or ca is Or:
            return _And((a, b))
    return conj(a, b)


def disj2(a: Formula, b: Formula) -> Formula:
    """disj(a, b), the same value, without the general case's lists for the usual shapes."""
    cb = b.__class__
    if cb is Atom or cb is Not or cb is And:
        ca = a.__class__
        if ca is Or:
            return _Or(a.args + (b,))
        if ca is Atom or ca is Not or ca is And:
            return _Or((a, b))
    return disj(a, b)


def neg1(f: Formula) -> Formula:
    """neg(f), the same value; an atom's negation built by the fast constructor."""
    cf = f.__class__
    if cf is Atom:
        return _Not(f)
    if cf is Not:
        return f.arg
    return neg(f)


# the walk's branches for a statement type, and the kinds of formula of an expression type
# (GuardWalk._prepare_walk)
_K_OTHER, _K_SKIP, _K_IF, _K_EXIT, _K_JUMP, _K_ASSERT, _K_TRY, _K_SWITCH, _K_BLOCK, _K_LABEL, _K_EXPR = range(11)
_F_OTHER, _F_TRUE, _F_FALSE, _F_UNARY, _F_BINARY, _F_CALL, _F_NAME = range(7)


class _FollowedFlags(dict):
    """UnitDraft.flags of a unit whose flags the walk follows (decided at its first statement
    that may set one, see GuardWalk._walk); a plain dict there is not decided yet."""

    __slots__ = ()


class GuardWalk:
    """Mixin of TreeSitterBackend: formulas of conditions and the guards of a unit."""

    # grammar field ids, set per backend by TreeSitterBackend.__init__ (read with child_by_field_id)
    _f_alias: int
    _f_alternative: int
    _f_argument: int
    _f_arguments: int
    _f_array: int
    _f_body: int
    _f_condition: int
    _f_consequence: int
    _f_constructor: int
    _f_end: int
    _f_field: int
    _f_function: int
    _f_initializer: int
    _f_key: int
    _f_kind: int
    _f_left: int
    _f_name: int
    _f_object: int
    _f_operand: int
    _f_operator: int
    _f_package: int
    _f_parameter: int
    _f_parameters: int
    _f_path: int
    _f_pattern: int
    _f_property: int
    _f_receiver: int
    _f_right: int
    _f_start: int
    _f_type: int
    _f_value: int

    # ---- formulas ----
    def unparen(self, node: Node) -> Node:
        kinds, parens = self._kinds, self.PAREN_TYPES
        for _ in range(MAX_FORMULA_DEPTH):
            if kinds[node.kind_id] not in parens:
                return node
            comments = self.COMMENT_TYPES
            inner = [c for c in node.named_children if kinds[c.kind_id] not in comments]
            if len(inner) != 1:
                return node
            node = inner[0]
        return node

    def binary_op(self, node: Node) -> str:
        op = node.child_by_field_id(self._f_operator)
        if op is not None:
            return op.type
        for c in node.children:
            if not c.is_named:
                return c.type
        return ""

    def unary_op(self, node: Node) -> str:
        op = node.child_by_field_id(self._f_operator)
        if op is not None:
            return op.type
        return node.children[0].type if node.children else ""

    def unary_operand(self, node: Node) -> Optional[Node]:
        return node.child_by_field_id(self._f_argument) or node.child_by_field_id(self._f_operand) or (
            node.named_children[-1] if node.named_children else None)

    def formula(self, node: Node, d: UnitDraft, ctx: FileContext, depth: int = 0) -> Formula:
        """Boolean formula of a test expression, atoms normalised (see semdiff.ir).

        A whole test's formula is a function of its text and of what the names in it are
        renamed to (keys, callees and comparisons are read from the text alone, the file's
        imports aside): in a tree without errors (equal texts are equal subtrees) it is
        built once per text for a unit while its renames stay as they are (they only grow)
        -- `if err != nil` recurs through a Go function. (Keyed by the renames of the text's
        names instead, a memo for the whole file costs JavaScript more than its hits save.)"""
        memo = ctx.formula_memo
        if depth or memo is None:
            return self._formula(node, d, ctx, depth)
        # (the drafts live until the file is built: id(d) names one unit for the memo's life)
        memo_key = (id(d), len(d.renames), ctx.span_text(node.start_byte, node.end_byte))
        found = memo.get(memo_key)
        if found is None:
            was = d.partial
            d.partial = False
            f = self._formula(node, d, ctx, 0)
            found = memo[memo_key] = (f, d.partial)
            d.partial = was or d.partial
        elif found[1]:
            d.partial = True
        return found[0]

    def _formula(self, node: Node, d: UnitDraft, ctx: FileContext, depth: int = 0) -> Formula:
        try:
            fkinds, parens = self._w_formula, self._w_parens
        except AttributeError:
            self._prepare_walk()
            fkinds, parens = self._w_formula, self._w_parens
        kinds = self._kinds
        # (unparen returns a node of no parenthesis type as it is: asked only of the others)
        t = kinds[node.kind_id]
        if t in parens:
            node = self.unparen(node)
            t = kinds[node.kind_id]
        if depth > MAX_FORMULA_DEPTH:
            d.partial = True
            return expr_atom(self.key(node, d, ctx), clip(ctx.text(node)))
        kind = fkinds.get(t, _F_OTHER)
        if kind == _F_TRUE:
            return TRUE
        if kind == _F_FALSE:
            return FALSE
        if kind == _F_UNARY and self.unary_op(node) == "!":
            inner = self.unary_operand(node)
            if inner is not None:
                return neg1(self._formula(inner, d, ctx, depth + 1))
        elif kind == _F_BINARY:
            op = self.binary_op(node)
            left, right = node.child_by_field_id(self._f_left), node.child_by_field_id(self._f_right)
            if left is not None and right is not None:
                and_ops, or_ops, compare_ops = self._w_ops
                if op in and_ops:
                    return conj2(self._formula(left, d, ctx, depth + 1), self._formula(right, d, ctx, depth + 1))
                if op in or_ops:
                    return disj2(self._formula(left, d, ctx, depth + 1), self._formula(right, d, ctx, depth + 1))
                if op in compare_ops:
                    lu = self.unparen(left) if kinds[left.kind_id] in parens else left
                    ru = self.unparen(right) if kinds[right.kind_id] in parens else right
                    calls = self.CALL_TYPES
                    if kinds[lu.kind_id] in calls or kinds[ru.kind_id] in calls:
                        ct = self._const_time_compared(lu, ru, op, d, ctx)
                        if ct is not None:
                            return ct
                    return file_comparison(self.key(lu, d, ctx), op, self.key(ru, d, ctx), ctx.text(lu), ctx.text(ru))
        k = self.key(node, d, ctx)
        text = clip(ctx.text(node))
        if kind == _F_UNARY or kind == _F_BINARY:
            # of no form above (`-x`, `a + b`): an expression -- unless the grammar's type is a
            # call or a name too (those checks, in their order)
            kind = _F_CALL if t in self.CALL_TYPES else _F_NAME if t in self.IDENT_TYPES or t in self.MEMBER_TYPES else _F_OTHER
        if kind == _F_CALL:
            callee = self.callee(node, ctx)
            pair = self._const_time_operands(node, callee)
            if pair is not None:
                a, b = pair
                return file_comparison(self.key(a, d, ctx), "==", self.key(b, d, ctx), ctx.text(a), ctx.text(b))
            return call_atom(callee, k, text)
        if kind == _F_NAME:
            return name_atom(k, text)
        return expr_atom(k, text)

    def _const_time_operands(self, call: Node, callee: str) -> Optional[tuple[Node, Node]]:
        if callee not in _CONST_TIME_NAMES and not callee.endswith(_CONST_TIME_SUFFIXES):
            return None
        args = self.positional_nodes(call)
        return (self.peel_conversion(args[0]), self.peel_conversion(args[1])) if len(args) == 2 else None

    def peel_conversion(self, node: Node) -> Node:
        """`[]byte(s)`, `Buffer.from(s)`, `s.getBytes()`: the value a constant-time compare really
        compares, so `ConstantTimeCompare([]byte(a), []byte(b)) == 1` and `a == b` share one atom."""
        return node

    def positional_in(self, call: Node, ctx: FileContext) -> list[Node]:
        """positional_nodes(call), kept per call node for the file (a call's arguments are read
        for its Argument list and again for its argument keys). Callers must not change the list."""
        memo = ctx.positional
        found = memo.get(call.id)
        if found is None:
            found = memo[call.id] = self.positional_nodes(call)
        return found

    def positional_nodes(self, call: Node) -> list[Node]:
        args = call.child_by_field_id(self._f_arguments)
        if args is None:
            return []
        return self._uncommented(args.named_children)

    def _const_time_compared(self, left: Node, right: Node, op: str, d: UnitDraft, ctx: FileContext) -> Optional[Formula]:
        """Go: `subtle.ConstantTimeCompare(a, b) == 1` is `a == b` in truth (`!= 1`, `== 0`: not)."""
        if op not in ("==", "!=", "===", "!=="):
            return None
        kinds, calls = self._kinds, self.CALL_TYPES
        if kinds[left.kind_id] not in calls and kinds[right.kind_id] not in calls:
            return None
        for call, other in ((left, right), (right, left)):
            if kinds[call.kind_id] not in calls:
                continue
            pair = self._const_time_operands(call, self.callee(call, ctx))
            if pair is None:
                continue
            value = ctx.text(other).strip()
            if value not in ("0", "1"):
                continue
            a, b = pair
            f = file_comparison(self.key(a, d, ctx), "==", self.key(b, d, ctx), ctx.text(a), ctx.text(b))
            positive = (value == "1") == (op in ("==", "==="))
            return f if positive else neg(f)
        return None

    MEMBER_TYPES: frozenset[str] = frozenset({"member_expression", "selector_expression", "field_access"})

    # ---- guards (mirrors the Python backend's walk: semdiff/lang/python_cst.py) ----
    def _prepare_walk(self) -> None:
        """Tables the walk reads instead of a dozen class attributes per statement or test, set
        on the backend instance at its first walk from its class's type sets:
        `_w_dispatch` statement type -> _K_* branch of the walk; `_w_may_deny` the statement
        types that may be a denying call or a panic; `_w_soft` those _soft_kind may find passing
        or logging; `_w_prelude` does the backend override if_prelude; `_w_panics` may is_panic
        say yes; `_w_formula` expression
        type -> _F_* kind of formula; `_w_ops` (AND_OPS, OR_OPS, COMPARE_OPS); `_w_parens`
        PAREN_TYPES."""
        dispatch: dict[str, int] = {}
        # (lowest priority first: a type in two sets takes the branch the elif chain met first)
        for code, types in ((_K_EXPR, ("expression_statement",)), (_K_LABEL, ("labeled_statement", "labeled_statement_block")),
                            (_K_BLOCK, self.BLOCK_TYPES), (_K_SWITCH, self.SWITCH_TYPES), (_K_TRY, self.TRY_TYPES),
                            (_K_ASSERT, self.ASSERT_TYPES), (_K_JUMP, self.EXIT_TYPES), (_K_EXIT, self.THROW_TYPES),
                            (_K_EXIT, self.RETURN_TYPES), (_K_IF, self.IF_TYPES), (_K_SKIP, self.FUNCTION_TYPES)):
            for t in types:
                dispatch[t] = code
        # _statement_deny_call answers None for any other statement (not an expression
        # statement, not a call) and is_panic False (GoBackend's reads the same two shapes)
        self._w_may_deny = frozenset(t for t in {"expression_statement"} | self.CALL_TYPES
                                     if dispatch.get(t, _K_OTHER) not in (_K_SKIP, _K_IF, _K_EXIT))
        # _soft_kind finds "other" for a statement of no other type: _is_log_statement reads only
        # an expression statement's call or a call
        self._w_soft = frozenset({"empty_statement", "expression_statement"}) | self.BLOCK_TYPES | self.CALL_TYPES
        self._w_prelude = type(self).if_prelude is not GuardWalk.if_prelude
        # is_panic is asked only of a backend that defines its own (the common layer's says no)
        definer = next(k for k in type(self).__mro__ if "is_panic" in k.__dict__)
        self._w_panics = definer.__module__ != "semdiff.lang.ts_common"
        # an `if` the walk reads is read again by _err_handler only in a backend with err_branch
        definer = next(k for k in type(self).__mro__ if "err_branch" in k.__dict__)
        self._w_keep_ifs = definer.__module__ != "semdiff.lang.ts_common"
        kinds: dict[str, int] = {}
        for code, types in ((_F_NAME, self.IDENT_TYPES | self.MEMBER_TYPES), (_F_CALL, self.CALL_TYPES),
                            (_F_BINARY, self.BINARY_TYPES), (_F_UNARY, self.UNARY_TYPES), (_F_FALSE, self.FALSE_TYPES),
                            (_F_TRUE, self.TRUE_TYPES)):
            for t in types:
                kinds[t] = code
        self._w_formula = kinds
        self._w_ops = (self.AND_OPS, self.OR_OPS, self.COMPARE_OPS)
        self._w_parens = self.PAREN_TYPES
        self._w_dispatch = dispatch  # (last: _walk takes its presence for all of them)

    def _walk(self, d: UnitDraft, ctx: FileContext, stmts: list[Node], path: Formula, contrib: Contributors,
              owner: Optional[tuple[Node, Formula]], depth: int) -> Formula:
        """Walk a block under path condition `path`; return the condition to continue past it.

        `owner` is the enclosing `if` and its test when this block is that if's body, so a
        terminal throw/return/abort is recorded as the guard of that `if`.
        """
        if depth > MAX_BLOCK_DEPTH:
            d.partial = True
            return path
        try:
            dispatch = self._w_dispatch
        except AttributeError:
            self._prepare_walk()
            dispatch = self._w_dispatch
        kinds, may_deny, panics = self._kinds, self._w_may_deny, self._w_panics
        i = 0
        n = len(stmts)
        unit_types, unit_nodes = ctx.unit_types, ctx.unit_nodes
        while i < n:
            stmt = stmts[i]
            i += 1
            t = kinds[stmt.kind_id]
            code = dispatch.get(t, _K_OTHER)
            # (a unit node's type is one of ctx.unit_types: only those are looked up by id)
            if code == _K_SKIP or (t in unit_types and stmt.id in unit_nodes):
                continue
            if t in FLAG_STATEMENTS:
                flags = d.flags
                if flags is not _UNFOLLOWED:
                    if flags.__class__ is dict:
                        # the unit's first such statement: does it need its flags followed at
                        # all? (asked here, not per unit: most units' walks never meet one)
                        flags = d.flags = _FollowedFlags() if self._flags_followed(d, ctx) else _UNFOLLOWED
                    if flags is not _UNFOLLOWED:
                        self._track_flags(d, ctx, stmt, t, contrib)
                if t in DECLARATIONS:
                    continue
            reachable = not (isinstance(path, Const) and not path.value)
            if code == _K_IF:
                path, contrib = self._if(d, ctx, stmt, path, contrib, reachable, depth)
            elif code == _K_EXIT:
                # `r = envError(r, ErrBadOrigin); handler.ServeHTTP(w, r); return`: the block
                # reported an error before its plain return, so the return denies
                # (an error an earlier `if` throws or returns is that branch's own exit: `return
                # true` after `if (!ok) { throw new Error() }` is the allow path)
                reported = owner is not None and i > 1 and self._reported_error(stmts, i - 1, ctx)
                self._exit(d, ctx, stmt, stmt, path, contrib, owner, reachable, reported)
                path = FALSE
            elif t in may_deny and (self._statement_deny_call(stmt, ctx) is not None or (panics and self.is_panic(stmt, ctx))):
                end = stmt
                # `res.status(403).send(); return;` / `http.Error(w, ..., 403); return` is one exit
                if i < n and kinds[stmts[i].kind_id] in self.RETURN_TYPES and all(
                        kinds[v.kind_id] in self.NULL_TYPES for v in self.return_values(stmts[i])):
                    end = stmts[i]
                    i += 1
                self._exit(d, ctx, stmt, end, path, contrib, owner, reachable)
                path = FALSE
            elif code == _K_JUMP:
                if owner is not None and t == "continue_statement" and stmt.named_child_count == 0 and any(
                        _marks_failure(ctx.text(p)) for p in stmts[: i - 1] if kinds[p.kind_id] not in self.IF_TYPES):
                    # `if bad(item) { item.status = Failure; continue }`: the item is refused, the
                    # loop goes on with the next one -- a skip guard
                    self._exit(d, ctx, stmt, stmt, path, contrib, owner, reachable)
                path = FALSE
            elif code == _K_EXPR and not stmt.has_error:
                # an expression statement's only named children are its expression and comments
                # (no block, case or loop body): nested_blocks() would find nothing
                self._simple(d, ctx, stmt, path, contrib, reachable)
            elif code == _K_ASSERT:
                test = stmt.named_child(0)
                if test is not None:
                    d.guard_ranges.append((test.start_byte, test.end_byte))
                    f = self.formula(test, d, ctx)
                    cond = neg(f)
                    d.guards.append(_Guard(conj(path, cond), cond, Action.ASSERT, span_of(stmt), clip(ctx.text(stmt)),
                                          reachable, "assert", contrib))
                    path, contrib = conj(path, f), contrib + ((line_of(stmt), f),)
            elif code == _K_TRY:
                self._try(d, ctx, stmt, path, contrib, depth)
            elif code == _K_SWITCH:
                path, contrib = self._switch(d, ctx, stmt, path, contrib, reachable, depth)
            elif code == _K_BLOCK:
                path = self._walk(d, ctx, self.statements(stmt), path, contrib, owner, depth + 1)
            elif code == _K_LABEL:
                comments = self.COMMENT_TYPES
                inner = [c for c in stmt.named_children if kinds[c.kind_id] not in comments][1:]
                path = self._walk(d, ctx, inner, path, contrib, owner, depth + 1)
            else:
                nested = self.nested_blocks(stmt)
                if nested:
                    loop = t in self.LOOP_TYPES
                    d.loop_depth += loop
                    for block in nested:
                        self._walk(d, ctx, block, path, contrib, None, depth + 1)
                    d.loop_depth -= loop
                else:
                    self._simple(d, ctx, stmt, path, contrib, reachable)
        return path

    def _reported_error(self, stmts: list[Node], k: int, ctx: FileContext) -> bool:
        """Does one of the first `k` statements report an error (ERROR_STATE, or set a refusing
        status: DENY_STATUS_SET; an `if`'s own throws and returns left out)?"""
        kinds, if_types = self._kinds, self.IF_TYPES
        for p in stmts[:k]:
            text = ctx.text(p)
            if kinds[p.kind_id] in if_types:
                text = _EXITS.sub("", text)
            if ERROR_STATE.search(text) or DENY_STATUS_SET.search(text):
                return True
        return False

    def nested_blocks(self, stmt: Node) -> list[list[Node]]:
        """Statement lists inside a loop / switch / select (walked with the same path)."""
        out: list[list[Node]] = []
        kinds = self._kinds
        blocks, cases, containers = self.BLOCK_TYPES, self.CASE_TYPES, self.CASE_CONTAINER_TYPES
        loop = kinds[stmt.kind_id] in self.LOOP_TYPES
        stack = stmt.named_children[::-1]
        while stack:
            c = stack.pop()
            ct = kinds[c.kind_id]
            if ct in blocks:
                out.append(self.statements(c))
            elif ct in cases:
                out.append(self.case_statements(c))
            elif ct in containers:
                stack.extend(reversed(c.named_children))
            elif loop and ct not in self.COMMENT_TYPES and c.id == (stmt.child_by_field_id(self._f_body) or stmt).id:
                out.append([c])
        return out

    # ---- boolean locals: `allowed := true; if leaf { allowed = c.leafAllowed(td) }; return allowed` ----
    MAX_FLAG_ATOMS = 16  # a flag whose value grows past this many atoms stays an opaque name
    # a flag declared once as a compound test (`const ok = a && b || c`) is read as its value
    # when it has at most this many atoms (its own atoms join every guard it gates)
    MAX_COMPOUND_ATOMS = 8

    def _flags_followed(self, d: UnitDraft, ctx: FileContext) -> bool:
        """Need the walk follow the boolean locals of unit `d`? A flag is expanded where it is
        read when it was assigned again after its declaration, or declared as a compound test
        (`&&`/`||`); any other declared one reads as its own name. So a unit with no `&&`/`||`
        that assigns no local again needs none of _track_flags' work -- most units:
        `x := f()`, `String s = ...` only declare. It needs it when the unit's text holds `&&`
        or `||`, when one of the unit's own nodes
        is an assignment (phase 1 lists the types `interesting_types` holds: a nested
        function's nodes are its own, and the walk skips it), or -- for an assignment type not
        listed -- when its text holds what could be one (`ok &&= x`: `&=`, `|=`; any `=` when
        a plain assignment type is not listed), or when a flag's declared value could be nested
        deeper than MAX_FORMULA_DEPTH (its formula makes the unit partial: that takes more `!`,
        `&&` and `||` than that in the text)."""
        listed, unlisted = self._reassign_types()
        types = d.types
        node = d.node
        src = ctx.ascii_src
        # a compound test held in a local: `&&` / `||` anywhere in the unit (a declaration
        # of one is read as its value, see _track_flags)
        if src is not None:
            if src.find("&&", node.start_byte, node.end_byte) >= 0 or src.find("||", node.start_byte, node.end_byte) >= 0:
                return True
        else:
            text = ctx.text(node)
            if "&&" in text or "||" in text:
                return True
        for t in listed:  # (one or two types: a list's `in` compares the shared names by identity)
            if t in types:
                return True
        if src is not None and (unlisted is None or unlisted is _AUGMENTED_SETS):
            # (the same counts and search on the file's text within the unit's range, without
            # its copy: `[&|]=` has no look-around or anchor to see past the range)
            a, b = node.start_byte, node.end_byte
            if unlisted is not None and unlisted.search(src, a, b):
                return True
            return src.count("!", a, b) + src.count("&&", a, b) + src.count("||", a, b) > MAX_FORMULA_DEPTH
        text = ctx.text(node)
        if unlisted is not None and unlisted.search(text):
            return True
        return text.count("!") + text.count("&&") + text.count("||") > MAX_FORMULA_DEPTH

    def _reassign_types(self) -> tuple[frozenset[str], Optional[re.Pattern]]:
        """(the grammar's REASSIGN_TYPES that phase 1 lists in a unit's types, the text pattern
        standing in for the others: None when all are listed)."""
        cls = type(self)
        found = cls.__dict__.get("_REASSIGN")
        if found is None:
            lang = self.ts_language()
            present = frozenset(t for t in REASSIGN_TYPES if lang.id_for_node_kind(t, True) is not None)
            listed = present & self.interesting_types()
            unlisted = present - listed
            if not unlisted:
                found = (listed, None)
            elif unlisted == {"augmented_assignment_expression"}:
                # of the augmented operators only `&=`, `|=` (`&&=`, `||=`) set a flag's value; the
                # others give it up, which matters only after an assignment that sets one
                found = (listed, _AUGMENTED_SETS)
            else:
                found = (listed, _ASSIGNS)
            cls._REASSIGN = found  # type: ignore[attr-defined]
        return found

    def _flag_pairs(self, stmt: Node, t: str) -> Optional[list[tuple[Node, Optional[Node], str]]]:
        """(target, value, operator) of each simple `name = value` the statement makes; the
        operator is "decl" for a declaration ("decl" with no value: Go's `var ok bool`). None
        when the statement assigns in a shape the walk does not follow (tuples, calls)."""
        out: list[tuple[Node, Optional[Node], str]] = []
        kinds = self._kinds
        if t in ("lexical_declaration", "variable_declaration", "local_variable_declaration"):
            boolean = "boolean_type" in [kinds[c.kind_id] for c in stmt.children]
            for c in stmt.named_children:
                if kinds[c.kind_id] == "variable_declarator":
                    name, value = c.child_by_field_id(self._f_name), c.child_by_field_id(self._f_value)
                    if name is not None and kinds[name.kind_id] == "identifier" and (value is not None or boolean):
                        out.append((name, value, "decl"))
            return out
        if t == "expression_statement":
            e = stmt.named_child(0)
            if e is None or kinds[e.kind_id] not in ("assignment_expression", "augmented_assignment_expression"):
                return None
            left, right = e.child_by_field_id(self._f_left), e.child_by_field_id(self._f_right)
            op = e.child_by_field_id(self._f_operator)
            op_text = op.type if op is not None else "="
            if left is None or right is None or left.type != "identifier":
                return None
            return [(left, right, op_text)]
        if t in ("short_var_declaration", "assignment_statement"):
            left, right = stmt.child_by_field_id(self._f_left), stmt.child_by_field_id(self._f_right)
            if left is None or right is None:
                return None
            ls, rs = left.named_children, right.named_children
            op = stmt.child_by_field_id(self._f_operator)
            op_text = "decl" if t == "short_var_declaration" else (op.type if op is not None else "=")
            if len(ls) != len(rs):  # `user, pass, ok := r.BasicAuth()`: values the walk cannot read
                return [(n, None, "opaque" if op_text == "decl" else "poison") for n in ls if n.type == "identifier"]
            return [(n, v, op_text) for n, v in zip(ls, rs) if n.type == "identifier"]
        if t == "var_declaration":
            for spec in stmt.named_children:
                if spec.type != "var_spec":
                    continue
                names = spec.children_by_field_name("name")
                value = spec.child_by_field_id(self._f_value)
                typ = spec.child_by_field_id(self._f_type)
                if value is not None and len(value.named_children) == len(names):
                    out.extend((n, v, "decl") for n, v in zip(names, value.named_children))
                elif value is None and typ is not None and ctx_text_is_bool(typ):
                    out.extend((n, None, "decl") for n in names)
            return out
        return None

    def _track_flags(self, d: UnitDraft, ctx: FileContext, stmt: Node, t: str, contrib: Contributors) -> None:
        """Follow boolean locals through their assignments: a flag's value at a point is the
        formula of what was assigned on which path since it was declared, so `return allowed`,
        `if (!allowed) deny` and `ac.setAuthorized(allowed)` are judged on what `allowed` holds.
        A flag assigned again after its declaration is expanded where it is read (a verdict
        accumulated over branches), and so is one declared once as a compound test of at most
        MAX_COMPOUND_ATOMS atoms (`const isValid = (allowIP && isIP(h)) || h === 'localhost'`:
        two versions of it are compared by what they admit, not by the name they share); a
        one-time single test `ok := len(f) == 3` stays its name, so a check re-derived into a
        local keeps the atom it had. An assignment in a loop counts as made
        once, under the path of the loop's statement (whether a side follows a flag must not
        hang on how it iterates: a flag followed on one side and not the other reads as a
        removed check). A flag assigned on a path that does not extend its declaration's, or to
        a value past MAX_FLAG_ATOMS, is given up (None): it stays an opaque name, as before."""
        pairs = self._flag_pairs(stmt, t)
        if not pairs:
            return
        flags = d.flags
        kinds = self._kinds
        # (a target's key is read only where it is needed: while no flag is followed, a value
        # that starts none and any assignment leave the flags as they are)
        for target, value, op in pairs:
            if op == "opaque":
                # its own name is its value until it is assigned again (`if bad { ok = false }`),
                # so both sides of a change read such a flag the same way
                k = self.key(target, d, ctx)
                flags[k] = (name_atom(k, ctx.text(target)), contrib, d.loop_depth, False)
                continue
            if op == "decl":
                if value is None:
                    flags[self.key(target, d, ctx)] = (FALSE, contrib, d.loop_depth, False)
                    continue
                v = self.unparen(value)
                vt = kinds[v.kind_id]
                if vt in self.TRUE_TYPES:
                    f: Formula = TRUE
                elif vt in self.FALSE_TYPES:
                    f = FALSE
                elif self.is_boolish(v, ctx):
                    f = self.expand_flags(self.formula(v, d, ctx), d, every=True)
                else:
                    if flags:
                        k = self.key(target, d, ctx)
                        if k in flags:
                            flags[k] = None
                    continue
                n_atoms = len(atoms_of(f))
                # a compound test is read as its value where the flag is read: two versions of
                # `const isValid = (allowIP && isIP(h)) || h === 'localhost'` are then compared
                # by what they admit, not by the name they share (a one-atom flag stays its name)
                compound = isinstance(f, (And, Or)) and n_atoms <= self.MAX_COMPOUND_ATOMS
                flags[self.key(target, d, ctx)] = (f, contrib, d.loop_depth, compound) if n_atoms <= self.MAX_FLAG_ATOMS else None
                continue
            if not flags:
                continue  # not a flag the walk follows
            k = self.key(target, d, ctx)
            state = flags.get(k, 0)
            if state == 0:
                continue  # not a flag the walk follows
            if state is None or op == "poison" or value is None:
                flags[k] = None
                continue
            old, at, loops, _ = state
            if len(contrib) < len(at) or any(a is not b for a, b in zip(at, contrib)):
                flags[k] = None
                continue
            v = self.expand_flags(self.formula(value, d, ctx), d, every=True)
            if op in ("&=", "&&="):
                v = conj(old, v)
            elif op in ("|=", "||="):
                v = disj(old, v)
            elif op != "=":
                flags[k] = None
                continue
            local = conj(*(f for _, f in contrib[len(at):]))
            new = v if isinstance(local, Const) and local.value else disj(conj(local, v), conj(neg(local), old))
            flags[k] = (new, at, loops, True) if len(atoms_of(new)) <= self.MAX_FLAG_ATOMS else None

    def _flag_value(self, node: Node, d: UnitDraft, ctx: FileContext) -> Optional[Formula]:
        """The followed value of a flag named by `node` (an identifier), else None."""
        node = self.unparen(node)
        if node.type not in self.IDENT_TYPES:
            return None
        state = d.flags.get(self.key(node, d, ctx))
        return state[0] if state and state[3] else None

    def expand_flags(self, f: Formula, d: UnitDraft, every: bool = False) -> Formula:
        """`f` with the name atoms of followed flags replaced by their values (of those assigned
        again since their declaration, or `every` one: a flag's new value is written in terms of
        the values it is built from)."""
        if isinstance(f, Atom):
            if f.kind == "name":
                state = d.flags.get(f.key)
                if state and (every or state[3]):
                    return state[0]
            return f
        if isinstance(f, Not):
            inner = self.expand_flags(f.arg, d, every)
            return f if inner is f.arg else neg(inner)
        if isinstance(f, (And, Or)):
            args = [self.expand_flags(a, d, every) for a in f.args]
            if all(a is b for a, b in zip(args, f.args)):
                return f
            return conj(*args) if isinstance(f, And) else disj(*args)
        return f

    def case_statements(self, case: Node) -> list[Node]:
        """The statements of one switch case (its values, labels and comments left out)."""
        value = case.child_by_field_id(self._f_value)
        return [s for s in case.named_children
                if (value is None or s.id != value.id) and s.type not in self.COMMENT_TYPES and s.type != "switch_label"]

    # ---- switch / case: each case is a branch whose test is `subject == value` ----
    SWITCH_TYPES: frozenset[str] = frozenset({"switch_statement", "switch_expression"})
    SWITCH_FALLS_THROUGH = True  # a case with no statements runs the next one's (JavaScript, Java `case a:`)
    MAX_SWITCH_PRECEDENCE = 16  # tagless cases beyond this many are not conjoined with the negation of all earlier ones

    def switch_parts(self, stmt: Node, ctx: FileContext) -> Optional[tuple[Optional[Node], list[tuple[Optional[list[Node]], list[Node], Node]]]]:
        """(subject or None for a tagless switch, [(case values or None for `default`, statements,
        case node)]), or None for a switch the walk does not map (its blocks are then walked with
        the switch's own path, as before). JavaScript/TypeScript (`switch_case` with a `value`,
        `switch_default`) and Java (`case a, b:` groups and `case a ->` rules; pattern labels are
        not mapped) here; Go overrides."""
        subject = stmt.child_by_field_id(self._f_value) or stmt.child_by_field_id(self._f_condition)
        body = stmt.child_by_field_id(self._f_body)
        if subject is None or body is None:
            return None
        subject = self.unparen(subject)
        if subject.type in self.TRUE_TYPES:
            subject = None  # `switch (true) { case a > b: ... }`: each case is its own test
        cases: list[tuple[Optional[list[Node]], list[Node], Node]] = []
        for c in body.named_children:
            ct = c.type
            if ct == "switch_case":
                value = c.child_by_field_id(self._f_value)
                if value is None:
                    return None
                cases.append(([value], self.case_statements(c), c))
            elif ct == "switch_default":
                cases.append((None, self.case_statements(c), c))
            elif ct in ("switch_block_statement_group", "switch_rule"):
                labels = [x for x in c.named_children if x.type == "switch_label"]
                if not labels:
                    return None
                vals: list[Node] = []
                default = False
                for label in labels:
                    named = [x for x in label.named_children if x.type not in self.COMMENT_TYPES]
                    if any(x.type.endswith("pattern") or x.type == "guard" for x in named):
                        return None  # `case Foo f when ...`: a type test, not a value
                    if not named or ctx.text(label).lstrip().startswith("default"):
                        default = True
                    vals.extend(x for x in named if x.type not in self.NULL_TYPES or not default)
                stmts = self.case_statements(c)
                if ct == "switch_rule" and len(stmts) == 1 and stmts[0].type in self.BLOCK_TYPES:
                    # an arrow rule never falls through: an empty `case a -> { }` keeps its block
                    stmts = self.statements(stmts[0]) or stmts
                if default:
                    cases.append((None, [] if vals else stmts, c))
                    if vals:  # `case null, default ->`: its values share the default's statements
                        cases[-1] = (vals, [], c)
                        cases.append((None, stmts, c))
                else:
                    cases.append((vals, stmts, c))
            elif ct not in self.COMMENT_TYPES:
                return None
        return subject, cases

    def _switch(self, d: UnitDraft, ctx: FileContext, stmt: Node, path: Formula, contrib: Contributors, reachable: bool,
                depth: int) -> tuple[Formula, Contributors]:
        """A switch is an if/else-if chain: a case's statements run under `subject == value` (any of
        its values; a tagless switch's case under its own test and no earlier one), `default` under
        none of the cases, so `default: return err` in an allow-list switch is the guard it is.
        Cases are exclusive, so what continues past the switch is the path without the cases that
        exit; a trailing `break` only leaves the switch. A test of several values (`case a, b:`,
        `default:` of a valued switch, what continues past it) is one membership atom
        `subject in (a, b)`: later guards carry it in their path, and one atom per value would
        soon pass what the logic decides exactly (a single-value `case a:` stays `subject == a`,
        the same atom as `if (subject == a)`)."""
        parts = self.switch_parts(stmt, ctx)
        if parts is None:
            for block in self.nested_blocks(stmt):
                self._walk(d, ctx, block, path, contrib, None, depth + 1)
            return path, contrib
        subject, cases = parts
        groups: list[tuple[list[Node], bool, list[Node], Node]] = []
        values: list[Node] = []
        has_default = False
        for k, (vals, body, node) in enumerate(cases):
            if vals is None:
                has_default = True
            else:
                values.extend(vals)
            if not body and self.SWITCH_FALLS_THROUGH and k + 1 < len(cases):
                continue  # `case a: case b: ...` is one case of two values
            groups.append((values, has_default, body, node))
            values, has_default = [], False
        if subject is not None:
            self._mark_guard_expr(d, subject)
        tests: list[Optional[Formula]] = []
        earlier: list[Formula] = []
        for vals, _, _, _ in groups:
            if not vals:
                tests.append(None)
                continue
            if subject is not None and len(vals) > 1:
                own = self._membership(subject, vals, d, ctx)  # `case a, b:` is one test
            else:
                own = disj(*(self._case_test(subject, v, d, ctx) for v in vals))
            if subject is None and earlier and len(earlier) <= self.MAX_SWITCH_PRECEDENCE:
                tests.append(conj(own, neg(disj(*earlier))))
            else:
                tests.append(own)
            earlier.append(own)
        if subject is not None and sum(len(v) for v, _, _, _ in groups) > 1:
            # `default:` is one atom, not one per value: the guards after it carry it in their
            # path, and every atom counts against what the logic decides exactly
            explicit = self._membership(subject, [v for vals, _, _, _ in groups for v in vals], d, ctx)
        else:
            explicit = disj(*earlier) if earlier else FALSE
        exiting: list[Formula] = []
        exit_values: list[Node] = []
        stay_values: list[Node] = []
        default_exits = False
        any_default = False
        for (vals, is_default, body, node), test in zip(groups, tests):
            if is_default:
                any_default = True
                cond = neg(explicit) if test is None else disj(test, neg(explicit))
            else:
                cond = test if test is not None else FALSE
            if body and body[-1].type == "break_statement" and body[-1].named_child_count == 0:
                body = body[:-1]  # leaves the switch, not the function
            if not body:
                stay_values.extend(vals)
                continue
            inner = contrib + ((line_of(node), cond),)
            body_path = conj(path, cond)
            cont = self._walk(d, ctx, body, body_path, inner, (node, cond), depth + 1)
            self._record_soft_guard(d, ctx, node, body, body_path, cond, inner, reachable)
            if _is_false(cont):
                exiting.append(cond)
                exit_values.extend(vals)
                default_exits = default_exits or is_default
            else:
                stay_values.extend(vals)
        if not exiting:
            return path, contrib
        if any_default and len(exiting) == len(groups):
            return FALSE, contrib
        if subject is not None and self._assigns(ctx.text(subject), [s for _, _, b, _ in groups for s in b], ctx):
            # `switch u.Scheme { case "ws": u.Scheme = "http" ... default: return err }`: past
            # the switch the subject holds another value; its old cases say nothing of it
            return path, contrib
        if subject is None:
            stays = neg(disj(*exiting))
        elif default_exits:  # what goes on is one of the values whose cases do not exit
            stays = self._membership(subject, stay_values, d, ctx)
        else:
            stays = neg(self._membership(subject, exit_values, d, ctx))
        return conj(path, stays), contrib + ((line_of(stmt), stays),)

    def _membership(self, subject: Node, values: list[Node], d: UnitDraft, ctx: FileContext) -> Formula:
        """`subject in (v1, v2, ...)` as one atom: what a switch leaves on the path of the code
        after it (one atom, not one per value: every later guard carries it)."""
        if not values:
            return FALSE
        s = self.unparen(subject)
        keys = sorted({self.key(self.unparen(v), d, ctx) for v in values})
        texts = sorted({ctx.text(v) for v in values})
        return expr_atom(f"{self.key(s, d, ctx)} in [{', '.join(keys)}]", clip(f"{ctx.text(s)} in ({', '.join(texts)})"))

    @staticmethod
    def _assigns(target: str, stmts: list[Node], ctx: FileContext) -> bool:
        pattern = re.compile(r"(?<![\w$.])" + re.escape(target.strip()) + r"\s*(?:[-+*/|&^]|&&|\|\||\?\?)?:?=(?!=)")
        return any(pattern.search(ctx.text(s)) for s in stmts)

    def _case_test(self, subject: Optional[Node], value: Node, d: UnitDraft, ctx: FileContext) -> Formula:
        if subject is None:
            self._mark_guard_expr(d, value)
            return self.formula(value, d, ctx)
        s, v = self.unparen(subject), self.unparen(value)
        return file_comparison(self.key(s, d, ctx), "==", self.key(v, d, ctx), ctx.text(s), ctx.text(v))

    def text_without_functions(self, node: Node, ctx: FileContext) -> str:
        """Source of `node` with nested function bodies cut out (a route registration's text is
        not its handler's)."""
        cuts: list[tuple[int, int]] = []
        spans = ctx.fn_spans
        if spans is not None:
            # every function node of the file, pre-order: the outermost ones inside the node
            start, end = node.start_byte, node.end_byte
            k = bisect_left(spans, (start, -1))
            last = -1
            while k < len(spans) and spans[k][0] < end:
                a, b = spans[k]
                k += 1
                if a >= last and b <= end and (a, b) != (start, end):
                    cuts.append((a, b))
                    last = b
        else:
            stack = list(node.named_children)
            while stack:
                n = stack.pop()
                if n.type in self.FUNCTION_TYPES:
                    cuts.append((n.start_byte, n.end_byte))
                else:
                    stack.extend(n.named_children)
        if not cuts:
            return ctx.text(node)
        src = ctx.ascii_src
        if src is not None:
            parts, pos = [], node.start_byte
            for a, b in sorted(cuts):
                parts.append(src[pos:a])
                pos = b
            parts.append(src[pos : node.end_byte])
            return "<fn>".join(parts)
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
        if self._w_prelude:  # (set by _walk, which calls this)
            self.if_prelude(d, ctx, stmt, path, contrib, reachable)
        if cond_node is None or cons is None:
            return path, contrib
        d.guard_ranges.append((cond_node.start_byte, cond_node.end_byte))  # (_mark_guard_expr)
        cond = self.formula(cond_node, d, ctx)
        if d.flags:
            cond = self.expand_flags(cond, d)
        line = stmt.start_point[0] + 1
        inner = contrib + ((line, cond),)
        body = self.statements(cons)
        if self._w_keep_ifs:
            ctx.walked_ifs[stmt.id] = (cond_node, cons, body)
        body_path = conj2(path, cond)
        body_cont = self._walk(d, ctx, body, body_path, inner, (stmt, cond), depth + 1)
        self._record_soft_guard(d, ctx, stmt, body, body_path, cond, inner, reachable)
        # the negated test is needed up to four times: built once (an equal value each time)
        not_cond = neg1(cond)
        else_path = conj2(path, not_cond)
        else_contrib = contrib + ((line, not_cond),)
        if alt is None:
            else_cont = else_path
        elif self._kinds[alt.kind_id] in self.IF_TYPES:
            else_cont, _ = self._if(d, ctx, alt, else_path, else_contrib, reachable, depth + 1)
        else:
            else_cont = self._walk(d, ctx, self.statements(alt), else_path, else_contrib, (stmt, not_cond), depth + 1)
        body_exits, else_exits = _is_false(body_cont), _is_false(else_cont)
        if body_exits and else_exits:
            return FALSE, contrib
        if body_exits:
            return else_path, else_contrib
        if else_exits:
            return body_path, inner
        return path, contrib

    def if_prelude(self, d: UnitDraft, ctx: FileContext, stmt: Node, path: Formula, contrib: Contributors, reachable: bool) -> None:
        """Go's `if x, err := f(); err != nil`: the initializer runs first (may be a call-guard)."""
        return None

    def _record_soft_guard(self, d: UnitDraft, ctx: FileContext, stmt: Node, body: list[Node], deny_when: Formula,
                           cond: Formula, contrib: Contributors, reachable: bool) -> None:
        """An `if` whose body only logs or does nothing: kept so a rule can say 'now only logs'."""
        logs = False
        soft, kinds = self._w_soft, self._kinds
        for s in body:  # the first statement that does something else settles it
            if kinds[s.kind_id] not in soft:
                return  # (_soft_kind would find "other")
            kind = self._soft_kind(s, ctx)
            if kind == "other":
                return
            logs = logs or kind == "log"
        action = Action.LOG if logs else Action.PASS
        text = self._line_text(ctx, stmt) + " " + " ".join(squash_space(ctx.text(s)) for s in body[:2])
        d.guards.append(_Guard(deny_when, cond, action, span_of(stmt), clip(text), reachable, "branch", contrib))

    def _soft_kind(self, stmt: Node, ctx: FileContext) -> str:
        if stmt.type == "empty_statement" or (stmt.type in self.BLOCK_TYPES and not self.statements(stmt)):
            return "pass"
        if self._is_log_statement(stmt, ctx):
            return "log"
        return "other"

    def _line_text(self, ctx: FileContext, node: Node) -> str:
        at = node.start_byte
        src = ctx.ascii_src
        if src is not None:  # byte offsets are str offsets: the same line without a decode
            end = src.find("\n", at)
            return src[src.rfind("\n", 0, at) + 1 : end if end >= 0 else len(src)].strip()
        start = ctx.src.rfind(b"\n", 0, at) + 1
        end = ctx.src.find(b"\n", at)
        return ctx.src[start : end if end >= 0 else len(ctx.src)].decode("utf-8", "replace").strip()

    def _exit(self, d: UnitDraft, ctx: FileContext, stmt: Node, end: Node, path: Formula, contrib: Contributors,
              owner: Optional[tuple[Node, Formula]], reachable: bool, reported: bool = False) -> None:
        action: Optional[Action]
        st = self._kinds[stmt.kind_id]
        if st in self.RETURN_TYPES:
            values = self.return_values(stmt)
            ranges = d.guard_ranges  # (_mark_guard_expr)
            if owner is not None:
                for v in values:
                    ranges.append((v.start_byte, v.end_byte))
            one = len(values) == 1
            flag = self._flag_value(values[0], d, ctx) if one and d.flags else None
            if flag is not None or (one and self.is_boolish(values[0], ctx)):
                ranges.append((values[0].start_byte, values[0].end_byte))
                if flag is None:
                    raw = self.formula(values[0], d, ctx)
                    flag = self.expand_flags(raw, d) if d.flags else raw
                    # (the flags' values spelled out: the statement's text alone reads the same)
                    text = ctx.text(stmt) if flag is raw else f"{ctx.text(stmt)} (that is: {render(flag)})"
                else:
                    text = f"{ctx.text(stmt)} ({ctx.text(values[0])}: {render(flag)})"
                cond = neg1(flag)
                d.guards.append(_Guard(conj2(path, cond), cond, Action.PREDICATE, span_of(stmt), clip(text),
                                      reachable, "predicate", contrib))
                return
            action = None
            for v in values:
                action = self.deny_value(v, ctx)
                if action is not None:
                    break
            if action is None and owner is not None and (
                    _failed_check(owner[1]) or any(self.refusing_return(v, ctx) for v in values)):
                # `if (!checkKeyPermission(req, res)) return;`, `if (!strategy.isRedirectAllowed(...))
                # return callback.handleResponse(r)`: the check wrote the refusal or the caller
                # stops here because it failed
                action = Action.ABORT
            action = action or (Action.ABORT if reported else Action.RETURN)
        elif st in self.THROW_TYPES:
            action = Action.RAISE
        elif self.is_panic(stmt, ctx):
            action = Action.RAISE
        else:
            action = self._statement_deny_call(stmt, ctx) or Action.ABORT
        # (`end` is `stmt` itself unless the walk joined the return after it)
        code = squash_space(ctx.text(stmt)) if end is stmt else squash_space(ctx.text(stmt)) + " " + squash_space(ctx.text(end))
        if owner is not None:
            if_node, cond = owner
            span = _Span(if_node.start_point[0] + 1, end.end_point[0] + 1)
            head = self._line_text(ctx, if_node)
            text = head if self._kinds[if_node.kind_id] in self.CASE_TYPES and code in head else f"{head} {code}"
            kind = "branch"
        else:
            cond, span, text, kind = TRUE, _Span(line_of(stmt), end.end_point[0] + 1), code, "branch"
        if action is Action.RETURN and owner is None:
            kind = "exit"  # a plain return: not a check, but it ends every path (rules need its line)
        d.guards.append(_Guard(path, cond, action, span, clip(text), reachable, kind, contrib))

    def _try(self, d: UnitDraft, ctx: FileContext, stmt: Node, path: Formula, contrib: Contributors, depth: int) -> None:
        body = stmt.child_by_field_id(self._f_body)
        if body is not None:
            self._walk(d, ctx, self.statements(body), path, contrib, None, depth + 1)
        kinds = self._kinds
        for clause in stmt.named_children:
            ct = kinds[clause.kind_id]
            if ct in self.CATCH_TYPES:
                catches = self.catch_types(clause, ctx)
                raised = expr_atom("except(" + ",".join(catches) + ")", "except " + (", ".join(catches) or "(any)"))
                cbody = self.catch_body(clause)
                if cbody is not None:
                    self._walk(d, ctx, self.statements(cbody), conj(path, raised), contrib + ((line_of(clause), raised),),
                               None, depth + 1)
            elif ct == "finally_clause":
                for c in clause.named_children:
                    if kinds[c.kind_id] in self.BLOCK_TYPES:
                        self._walk(d, ctx, self.statements(c), path, contrib, None, depth + 1)

    def _simple(self, d: UnitDraft, ctx: FileContext, stmt: Node, path: Formula, contrib: Contributors, reachable: bool) -> None:
        """`checkPermission(user)` / `await verifyToken(req)` as a statement: a call that throws to deny."""
        # (named_child(0): one node, where named_children builds the list of them all)
        kinds = self._kinds
        value = stmt.named_child(0) if kinds[stmt.kind_id] == "expression_statement" else None
        if value is None:
            return
        vt = kinds[value.kind_id]
        if vt == "await_expression":
            inner = value.named_child(0)
            if inner is not None:
                value, vt = inner, kinds[inner.kind_id]
        if vt not in self.CALL_TYPES or vt in self.NEW_TYPES:
            return
        callee = self.callee(value, ctx)
        if d.flags and VERDICT_SINK.search(callee):
            args = self.positional_in(value, ctx)
            flag = self._flag_value(args[0], d, ctx) if len(args) == 1 else None
            if flag is not None:
                # `ac.setAuthorized(authzFlag)`: the flag is the verdict, as `return authzFlag` is
                cond = neg(flag)
                self._mark_guard_expr(d, args[0])
                text = f"{ctx.text(stmt)} ({ctx.text(args[0])}: {render(flag)})"
                d.guards.append(_Guard(conj(path, cond), cond, Action.PREDICATE, span_of(stmt), clip(text),
                                      reachable, "predicate", contrib))
                return
        if found_in(GUARD_CALL, callee) and not found_in(self.LOG_CALLEE, callee) and not _takes_callback(value):
            text = clip(ctx.text(value))
            atom = call_atom(callee, self._assertion_key(value, callee, d, ctx), text)
            d.guards.append(_Guard(conj(path, _Not(atom)), _Not(atom), Action.RAISE, span_of(stmt), text, reachable,
                                  "call-guard", contrib))

    def _assertion_key(self, call: Node, callee: str, d: UnitDraft, ctx: FileContext) -> str:
        """An assertion's failure message is not its check: `Validate.isTrue(ok, "msg")` and
        `checkArgument(ok, "other msg")` keep one key when only the trailing strings differ."""
        if not found_in(ASSERTION_CALL, callee):
            return self.key(call, d, ctx)
        args = self.positional_in(call, ctx)
        if len(args) < 2 or any(a.type not in self.STRING_TYPES and a.type != "template_string" for a in args[1:]):
            return self.key(call, d, ctx)
        # assertion classes and functions are static names: the callee is its own key
        return f"{callee}({self.key(args[0], d, ctx)},<message>)"

    def refusing_return(self, value: Node, ctx: FileContext) -> bool:
        """Does `return <value>` in a branch refuse (a backend's own idioms)?"""
        return False

    def is_boolish(self, node: Node, ctx: FileContext) -> bool:
        """Is `return <node>` a predicate whose truth is the function's verdict?"""
        node = self.unparen(node)
        if self.is_boolean_expr(node):
            return True
        t = self._kinds[node.kind_id]
        if t in self.CALL_TYPES and t not in self.NEW_TYPES:
            return found_in(BOOLISH_CALL, self.callee(node, ctx))
        return False

    def _statement_deny_call(self, stmt: Node, ctx: FileContext) -> Optional[Action]:
        """deny_call of an expression statement's call; the walk, the exit it records and the
        handler classification ask about the same statements, so the answer is kept per node."""
        memo = ctx.statement_denies
        key = stmt.id
        action = memo.get(key, _UNSET)
        if action is _UNSET:
            action = memo[key] = self._statement_deny_call_uncached(stmt, ctx)
        return action

    def _statement_deny_call_uncached(self, stmt: Node, ctx: FileContext) -> Optional[Action]:
        expr = stmt
        kinds = self._kinds
        st = kinds[stmt.kind_id]
        if st == "expression_statement":
            expr = stmt.named_child(0) or stmt  # (a Node is always true: `or` only replaces None)
        elif st not in self.CALL_TYPES:
            return None
        et = kinds[expr.kind_id]
        if et == "await_expression":
            inner = expr.named_child(0)
            if inner is not None:
                expr, et = inner, kinds[inner.kind_id]
        if et in self.CALL_TYPES:
            return self.deny_call(expr, ctx)
        return None

    def deny_action(self, block: Node, ctx: FileContext, stmts: Optional[list[Node]] = None,
                    last_values: Optional[list[Node]] = None) -> Optional[Action]:
        """Action when a block ends in a denial (used to classify handlers). `stmts`: the
        block's statements, `last_values`: the last one's return_values() when it is a return
        (the caller's, when it has them)."""
        if stmts is None:
            stmts = self.statements(block)
        if not stmts:
            return None
        last = stmts[-1]
        lt = self._kinds[last.kind_id]
        if lt in self.THROW_TYPES or self.is_panic(last, ctx):
            return Action.RAISE
        if lt in self.RETURN_TYPES:
            vals = last_values if last_values is not None else self.return_values(last)
            for v in vals:
                a = self.deny_value(v, ctx)
                if a is not None:
                    return a
            if not vals:
                for prev in reversed(stmts[:-1]):
                    a = self._statement_deny_call(prev, ctx)
                    if a is not None:
                        return a
            return None
        return self._statement_deny_call(last, ctx)
