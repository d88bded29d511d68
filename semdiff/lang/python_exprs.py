"""Python expressions -> keys, formulas, literal values and callee names (libcst).

Nothing here evaluates analysed code: literal values are read from literal nodes only,
and constant arithmetic (`1024 * 1024`, `86400 * 365`) is folded by hand with bounds.
"""
from __future__ import annotations

import re
from typing import Mapping, Optional, Union

import libcst as cst

from semdiff import digests
from semdiff.ir import TRUE, FALSE, Formula, conj, disj, neg
from semdiff.lang import normal
from semdiff.lang.pyparse import string_value

LiteralValue = Optional[Union[str, int, float, bool]]

_OPS: dict[type, str] = {
    cst.LessThan: "<",
    cst.LessThanEqual: "<=",
    cst.GreaterThan: ">",
    cst.GreaterThanEqual: ">=",
    cst.Equal: "==",
    cst.NotEqual: "!=",
    cst.In: "in",
    cst.NotIn: "not in",
    cst.Is: "is",
    cst.IsNot: "is not",
}

# constant-time comparisons: same truth value as `a == b` (so the logic sees no change when
# they replace each other) — the timing rule looks at calls, not atoms
CONST_TIME_CALLEES = frozenset({
    "hmac.compare_digest", "secrets.compare_digest", "compare_digest",
    "django.utils.crypto.constant_time_compare", "constant_time_compare",
    "werkzeug.security.safe_str_cmp", "safe_str_cmp",
})

# strings are skipped when renaming, except f-strings, whose braces hold code
_IDENT_OR_STRING = re.compile(r"""(?<![fF])("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')|(\.?)([A-Za-z_][A-Za-z0-9_]*)""")


_NEEDS_SQUASH = re.compile(r"""[\s'"`,]""")


def squash(text: str) -> str:
    """normal.squash, returning a text with no whitespace, quote or comma as it is (most
    expression texts: names, dotted paths, calls without arguments), which is exactly what
    normal.squash gives for those, without its three regular-expression passes."""
    return normal.squash(text) if _NEEDS_SQUASH.search(text) else text


def op_text(op: cst.BaseCompOp) -> str:
    return _OPS.get(type(op), "?")


class Namer:
    """Renames parameters to `$i` and locals to `%<hash of first binding>` inside keys.

    Naming a local after what it was bound to (not after its position) means adding an
    unrelated local does not shift every other key, while a consistent rename of the
    variable leaves every key unchanged.
    """

    def __init__(self, params: Mapping[str, str], locals_: Mapping[str, str]):
        self.mapping = {**locals_, **params}

    def key(self, text: str) -> str:
        squashed = squash(text)
        if not self.mapping:
            return squashed

        def sub(m: re.Match) -> str:
            if m.group(1):
                return m.group(1)
            dot, name = m.group(2), m.group(3)
            if dot:
                return m.group(0)
            return self.mapping.get(name, name)

        return _IDENT_OR_STRING.sub(sub, squashed)

    @staticmethod
    def local_name(binding_text: str, ordinal: int) -> str:
        digest = digests.sha1(squash(binding_text).encode("utf-8")).hexdigest()[:6]
        return f"%{digest}" + (f"_{ordinal}" if ordinal else "")


class Exprs:
    """Expression helpers bound to one module (for source text) and its import table."""

    def __init__(self, module: cst.Module, imports: Mapping[str, str], positions=None):
        self.module = module
        self.imports = imports
        self.positions = positions  # python_nodes.SourcePositions (or ProviderPositions)

    def code(self, node: cst.CSTNode) -> str:
        """Source of a node: sliced from the text by position (fast), else regenerated."""
        if self.positions is not None:
            text = self.positions.code(node)
            if text is not None:
                return text
        try:
            return self.module.code_for_node(node).strip()
        except Exception:  # code generation never fails on parsed trees; be safe anyway
            return "<?>"

    # ------------------------------------------------------------------ names

    def dotted(self, node: cst.BaseExpression) -> str:
        """`a.b.c` as written; calls and subscripts keep a marker so they are not confused."""
        kind = type(node)  # exact types (libcst's node classes are final): ABC isinstance is slow
        if kind is cst.Name:
            return node.value
        if kind is cst.Attribute:
            return f"{self.dotted(node.value)}.{node.attr.value}"
        if kind is cst.Call:
            return f"{self.dotted(node.func)}()"
        if kind is cst.Subscript:
            return f"{self.dotted(node.value)}[]"
        return squash(self.code(node))

    def resolve(self, dotted: str) -> str:
        """Map the first segment through the import table (`h.sha1` -> `hashlib.sha1`)."""
        head, sep, rest = dotted.partition(".")
        target = self.imports.get(head)
        if target is None:
            return dotted
        return f"{target}{sep}{rest}" if sep else target

    def callee(self, call: cst.Call) -> str:
        return self.resolve(self.dotted(call.func))

    # ------------------------------------------------------------------ literals

    def literal(self, node: cst.BaseExpression, depth: int = 0) -> LiteralValue:
        if depth > 20:
            return None
        kind = type(node)  # exact types, as in dotted
        if kind is cst.SimpleString or kind is cst.ConcatenatedString:
            try:
                value = string_value(node)
            except Exception:
                return None
            if isinstance(value, bytes):
                return value.decode("latin-1")
            return value if isinstance(value, str) else None
        if kind is cst.Integer:
            try:
                return int(node.value.replace("_", ""), 0)
            except ValueError:
                return None
        if kind is cst.Float:
            try:
                return float(node.value.replace("_", ""))
            except ValueError:
                return None
        if kind is cst.Name and node.value in ("True", "False"):
            return node.value == "True"
        if kind is cst.UnaryOperation and type(node.operator) is cst.Minus:
            inner = self.literal(node.expression, depth + 1)
            if isinstance(inner, (int, float)) and not isinstance(inner, bool):
                return -inner
            return None
        if kind is cst.BinaryOperation:
            left = self.literal(node.left, depth + 1)
            right = self.literal(node.right, depth + 1)
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right)):
                return None
            return _fold(type(node.operator), left, right)  # type: ignore[arg-type]
        return None

    # ------------------------------------------------------------------ formulas

    def formula(self, node: cst.BaseExpression, namer: Namer, depth: int = 0) -> Formula:
        """Boolean formula of a test expression, atoms normalised (see semdiff.ir)."""
        node = unwalrus(node)
        if depth > 200:
            return normal.expr_atom(namer.key(self.code(node)), self.code(node))
        if isinstance(node, cst.BooleanOperation):
            left = self.formula(node.left, namer, depth + 1)
            right = self.formula(node.right, namer, depth + 1)
            return conj(left, right) if isinstance(node.operator, cst.And) else disj(left, right)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            return neg(self.formula(node.expression, namer, depth + 1))
        if isinstance(node, cst.Name) and node.value in ("True", "False"):
            return TRUE if node.value == "True" else FALSE
        if isinstance(node, cst.Comparison):
            parts: list[Formula] = []
            left = node.left
            for target in node.comparisons:
                parts.append(self.comparison(left, op_text(target.operator), target.comparator, namer))
                left = target.comparator
            return conj(*parts)
        if isinstance(node, cst.Call):
            callee = self.callee(node)
            positional = [a for a in node.args if not a.keyword and not a.star]
            if callee == "getattr" and len(positional) in (2, 3) and isinstance(self.literal(positional[1].value), str):
                # `getattr(user, "is_admin", False)` tests the same fact as `user.is_admin`
                text = f"{self.code(positional[0].value)}.{self.literal(positional[1].value)}"
                return normal.name_atom(namer.key(text), self.code(node))
            if callee in CONST_TIME_CALLEES and len(positional) == 2:
                return self.comparison(positional[0].value, "==", positional[1].value, namer)
            text = self.code(node)
            return normal.call_atom(callee, namer.key(self.resolve_text(text, node)), text)
        text = self.code(node)
        if isinstance(node, (cst.Name, cst.Attribute)):
            return normal.name_atom(namer.key(self.resolve_text(text, node)), text)
        return normal.expr_atom(namer.key(text), text)

    def resolve_text(self, text: str, node: cst.BaseExpression) -> str:
        """Key text with the callee/name head resolved through imports."""
        target = node.func if isinstance(node, cst.Call) else node
        raw = self.dotted(target)
        resolved = self.resolve(raw)
        if resolved != raw and text.startswith(raw):
            return resolved + text[len(raw):]
        return text

    def comparison(self, left: cst.BaseExpression, op: str, right: cst.BaseExpression, namer: Namer) -> Formula:
        left, right = unwalrus(left), unwalrus(right)
        lt, rt = self.code(left), self.code(right)
        return normal.comparison(namer.key(lt), op, namer.key(rt), lt, rt)


def unwalrus(node: cst.BaseExpression) -> cst.BaseExpression:
    """The value of a named expression: `(m := f(x)) is None` tests `f(x) is None`, the
    binding only names the value for later use, so a test gaining or losing a walrus is
    the same test (and keys/texts must not differ for it)."""
    for _ in range(200):
        if not isinstance(node, cst.NamedExpr):
            return node
        node = node.value
    return node


def _fold(op: type, a: float, b: float) -> LiteralValue:
    try:
        if op is cst.Add:
            return a + b
        if op is cst.Subtract:
            return a - b
        if op is cst.Multiply:
            return a * b
        if op is cst.Divide:
            return a / b if b else None
        if op is cst.FloorDivide:
            return a // b if b else None
        if op is cst.Power:
            if abs(b) > 64 or abs(a) > 1e6:
                return None
            return a**b
        if op is cst.LeftShift:
            return int(a) << int(b) if 0 <= b <= 64 else None
    except (OverflowError, ValueError, TypeError):
        return None
    return None


# words that make a returned value a denial rather than a normal exit
_DENY_WORDS = ("forbid", "unauthori", "denied", "deny", "reject", "refuse", "invalid", "fail", "error", "bad_request", "badrequest", "not_allowed", "notallowed", "login", "abort")
_DENY_STATUS = re.compile(r"\b(40[0-9]|429)\b|HTTP_40[0-9]|status\.HTTP_4")
# a call that performs a login (`self.login(request)`, `login_user(user)`, `do_login()`) grants;
# only a call that sends the client to log in (`redirect_to_login`, `login_required_response`) refuses
_LOGIN_ACTION = re.compile(r"^_*(?:do_|perform_|complete_|process_|handle_)?log_?in(?:_user)?$")


def deny_callee(last: str) -> bool:
    """Does a called function's last name (lower case) say the call refuses?"""
    if _LOGIN_ACTION.match(last):
        return any(w in last for w in _DENY_WORDS if w != "login")
    return any(w in last for w in _DENY_WORDS)


def is_deny_value(ex: Exprs, value: Optional[cst.BaseExpression]) -> bool:
    """`return False/None/403 response/error` denies; `return True/user/response` does not."""
    if value is None:
        return False
    if isinstance(value, cst.Name):
        if value.value in ("False", "None"):
            return True
        return any(w in value.value.lower() for w in _DENY_WORDS)
    if isinstance(value, cst.Tuple):
        # `return jsonify(...), 403` / `return None, error`
        return any(is_deny_value(ex, e.value) for e in value.elements if isinstance(e, cst.Element)) or bool(
            _DENY_STATUS.search(ex.code(value))
        )
    if isinstance(value, cst.Call):
        name = ex.callee(value).lower()
        last = name.rsplit(".", 1)[-1]
        if deny_callee(last):
            return True
        if "redirect" in last and "login" in ex.code(value).lower():
            return True
        for arg in value.args:
            if arg.keyword is not None and arg.keyword.value in ("status", "status_code", "code") and _DENY_STATUS.search(ex.code(arg.value)):
                return True
        return bool(_DENY_STATUS.search(ex.code(value))) and any(w in last for w in ("response", "json", "error", "abort", "status"))
    return False


_BOOLISH_CALL = re.compile(r"(^|\.)(is_|has_|can_|should_|check|verify|validate|valid|compare_digest|constant_time_compare|safe_str_cmp|isinstance|issubclass|startswith|endswith|match|fullmatch|allowed|permitted|authenticate|authorized|any$|all$)")


_VALUE_LITERALS = (cst.Dict, cst.List, cst.Set, cst.Tuple, cst.SimpleString, cst.ConcatenatedString, cst.FormattedString,
                   cst.Integer, cst.Float, cst.DictComp, cst.ListComp, cst.SetComp, cst.GeneratorExp)
_VALUE_LITERAL_TYPES = frozenset(_VALUE_LITERALS)


def is_boolish(ex: Exprs, node: cst.BaseExpression) -> bool:
    """Is `return <node>` a predicate whose truth is the function's verdict?"""
    kind = type(node)  # exact types, as in Exprs.dotted
    if kind is cst.Comparison:
        return True
    if kind is cst.BooleanOperation:
        # `spec or {}` / `name and name.strip()` return values, not verdicts
        return not any(type(side) in _VALUE_LITERAL_TYPES or (type(side) is cst.Name and side.value == "None")
                       for side in (node.left, node.right))
    if kind is cst.UnaryOperation and type(node.operator) is cst.Not:
        return True
    if kind is cst.Call:
        return bool(_BOOLISH_CALL.search(ex.callee(node)))
    return False
