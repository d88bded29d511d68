"""JavaScript (and JSX) through tree-sitter-javascript.

What is JavaScript-specific: Express/Koa/Fastify ways of refusing a request
(`res.status(403)`, `next(err)`, `ctx.throw(401)`, `<Navigate to="/login"/>`), object
literal arguments read as keyword arguments (`{rejectUnauthorized: false}`), `require`/
`import` bindings, and route registrations whose middleware act as decorators.
TypeScript reuses all of it (ts_typescript.py).
"""
from __future__ import annotations

import re
from functools import lru_cache
from operator import itemgetter
from typing import Optional

from tree_sitter import Language, Node

from semdiff.ir import Action, Argument, Decorator, Setting

from semdiff.lang.ts_common import FileContext, LiteralValue, TreeSitterBackend, UnitDraft, _query_text, fast_squash, clip, span_of, unquote

# a 4xx status in a response-building call: res.status(403), sendStatus(401), {status: 401}
DENY_STATUS = re.compile(r"(?:\.(?:status|sendStatus|code|writeHead|setStatus|withStatus)\s*\(\s*|status(?:Code)?\s*:\s*|\b(?:HttpError|createError|httpErrors|HTTPException)\s*\(\s*)(4\d\d)\b")
DENY_JSX = re.compile(r"^(Navigate|Redirect|Forbidden|Unauthori[sz]ed|AccessDenied|NotAuthori[sz]ed|Login\w*|SignIn\w*|NotFound\w*)$")
HTTP_STATUS_DENY = re.compile(r"\bHttpStatus\.(UNAUTHORIZED|FORBIDDEN)\b")
STATUS_DIGITS = re.compile(r"4\d\d")
# a callee is `RegExp` only where the source spells it (dotted() squashes a head's whitespace)
REGEXP_CALLEE = re.compile(r"R\s*e\s*g\s*E\s*x\s*p")
ERR_CALLBACKS = {"next", "done", "cb", "callback"}
# JavaScriptBackend.dotted: what a member's object may be for the chain to go on, and heads kept as written
_CHAIN_TYPES = frozenset({"member_expression", "call_expression", "subscript_expression", "non_null_expression",
                          "parenthesized_expression", "await_expression"})
_PLAIN_HEADS = frozenset({"identifier", "this", "super", "property_identifier", "import"})


# closing the peer's connection: `session.close()`, `socket.destroy()`, `ws.terminate()`
CLOSE_CONNECTION = re.compile(r"(?:^|\.)(?:session|socket|sock|conn|connection|ws|websocket|transport|stream|client|channel)\."
                              r"(?:close|destroy|terminate|end|disconnect)$", re.IGNORECASE)


def _query_string(body: str) -> str:
    """A tree-sitter query string literal's value: `\\n`, `\\r`, `\\t`, `\\0` are control
    characters, any other escaped character is itself (as ts_query__parse_string_literal)."""
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r", "t": "\t", "0": "\0"}.get(m.group(1), m.group(1)), body,
                  flags=re.DOTALL)


_FIRST = itemgetter(0)
_ROUTE_PREDICATE = re.compile(r'\(#(not-)?match\?\s+@(\w+)\s+"((?:[^"\\]|\\.)*)"\s*\)')


# grammar folder -> callee -> does the part after its last dot match routes.scm's @method
# regex (JavaScriptBackend.is_registration's first test, a pure function of the two)
_ROUTE_CALLEES: dict[str, dict[str, bool]] = {}
_ROUTE_CALLEES_MAX = 20_000


@lru_cache(maxsize=None)
def route_predicates(folder: str) -> tuple[re.Pattern, re.Pattern]:
    """The `#match? @method` and `#not-match? @router` regexes of grammars/<folder>/routes.scm
    (JavaScriptBackend.is_registration applies them as the query does: `search` on the
    captured node's text)."""
    found = {(bool(neg), cap): re.compile(_query_string(body)) for neg, cap, body in _ROUTE_PREDICATE.findall(_query_text(folder, "routes.scm"))}
    return found[(False, "method")], found[(True, "router")]


# grammars/typescript/units.scm as a table, for the walk's nodes (JavaScriptBackend.walk_unit_matches):
# (parent type, @unit.<kind>, name field, its types, unit field (None: the parent is the unit),
# its types); types None = any named node (`(_)`). tests/test_ts_walk_routes.py checks the
# query and the table agree.
_FUNCTION_VALUES = frozenset({"arrow_function", "function_expression"})
_COMMON_UNITS: tuple[tuple[str, str, str, Optional[frozenset[str]], Optional[str], Optional[frozenset[str]]], ...] = (
    ("function_declaration", "function", "name", frozenset({"identifier"}), None, None),
    ("generator_function_declaration", "function", "name", frozenset({"identifier"}), None, None),
    ("class_declaration", "class", "name", None, None, None),
    ("method_definition", "method", "name", None, None, None),
    ("variable_declarator", "function", "name", frozenset({"identifier"}), "value", _FUNCTION_VALUES | {"generator_function"}),
    ("variable_declarator", "class", "name", frozenset({"identifier"}), "value", frozenset({"class"})),
    ("assignment_expression", "function", "left", frozenset({"identifier", "member_expression"}), "right", _FUNCTION_VALUES),
    ("pair", "function", "key", frozenset({"property_identifier", "string"}), "value", _FUNCTION_VALUES),
)
# (JavaScript's own units.scm stays a query: compiling it is cheap for that grammar, and the
# table measured no faster there)
UNIT_PATTERNS = {
    "typescript": _COMMON_UNITS + (
        ("abstract_class_declaration", "class", "name", None, None, None),
        ("public_field_definition", "function", "name", frozenset({"property_identifier"}), "value", _FUNCTION_VALUES)),
}


_UNIT_TABLES: dict[tuple[str, int], dict[str, list[tuple[str, int, Optional[frozenset[str]], Optional[int], Optional[frozenset[str]]]]]] = {}


def _unit_patterns(folder: str, backend: "JavaScriptBackend") -> dict:
    """UNIT_PATTERNS[folder] by parent type, with field ids of the backend's grammar."""
    key = (folder, id(backend.ts_language()))
    table = _UNIT_TABLES.get(key)
    if table is None:
        lang = backend.ts_language()
        table = {}
        for parent, kind, name_field, name_types, unit_field, unit_types in UNIT_PATTERNS[folder]:
            table.setdefault(parent, []).append(
                ("unit." + kind, lang.field_id_for_name(name_field), name_types,
                 lang.field_id_for_name(unit_field) if unit_field is not None else None, unit_types))
        _UNIT_TABLES[key] = table
    return table


class JavaScriptBackend(TreeSitterBackend):
    language = "javascript"
    grammar = "javascript"

    STRING_TYPES = frozenset({"string", "template_string", "regex"})
    COMMENT_TYPES = frozenset({"comment", "html_comment"})
    IDENT_TYPES = frozenset({"identifier"})
    FUNCTION_TYPES = frozenset({"function_declaration", "function_expression", "function", "arrow_function", "method_definition",
                                "generator_function_declaration", "generator_function"})
    CALL_TYPES = frozenset({"call_expression", "new_expression"})
    BLOCK_TYPES = frozenset({"statement_block"})
    NULL_TYPES = frozenset({"null", "undefined"})
    MEMBER_TYPES = frozenset({"member_expression", "subscript_expression", "this"})
    PAREN_TYPES = frozenset({"parenthesized_expression", "non_null_expression", "as_expression", "satisfies_expression"})

    BOUND_TYPES = frozenset({"variable_declarator", "assignment_expression", "field_definition", "public_field_definition", "pair", "call_expression"})
    BINDING_TYPES = frozenset({"variable_declarator", "catch_clause", "for_in_statement"})
    REGEX_TYPES = frozenset({"regex"})
    BOUND_CALL_START = b"["  # bound_values reads only calls on an array literal
    LITERAL_TYPES = frozenset({"string", "template_string", "number", "true", "false", "unary_expression"})
    # every @unit.* capture of units.scm in grammars/javascript and grammars/typescript
    UNIT_NODE_TYPES = frozenset({"function_declaration", "generator_function_declaration", "class_declaration",
                                 "abstract_class_declaration", "method_definition", "arrow_function",
                                 "function_expression", "generator_function", "class"})

    _LANG: Optional[Language] = None

    def ts_language(self) -> Language:
        cls = type(self)
        if cls._LANG is None:
            import tree_sitter_javascript

            cls._LANG = Language(tree_sitter_javascript.language())
        return cls._LANG

    def unparen(self, node: Node) -> Node:
        # `x as T` / `x!` / `(x)` all mean x for a condition
        kinds, parens = self._kinds, self.PAREN_TYPES
        for _ in range(60):
            if kinds[node.kind_id] not in parens:
                return node
            comments = self.COMMENT_TYPES
            inner = [c for c in node.named_children if kinds[c.kind_id] not in comments]
            if not inner:
                return node
            node = inner[0]
        return node

    # ---- names ----
    def dotted(self, node: Node, ctx: FileContext) -> str:
        """`res.status(403).json` -> `res.status().json`; iterative so long chains are fine."""
        suffix: list[str] = []
        kinds = self._kinds
        for _ in range(10_000):
            t = kinds[node.kind_id]
            if t == "member_expression":
                prop = node.child_by_field_id(self._f_property)
                suffix.append("." + ctx.text(prop))
                node = node.child_by_field_id(self._f_object) or node
                if kinds[node.kind_id] in _CHAIN_TYPES:
                    continue
            elif t == "call_expression":
                suffix.append("()")
                node = node.child_by_field_id(self._f_function) or node
                continue
            elif t == "subscript_expression":
                suffix.append("[]")
                node = node.child_by_field_id(self._f_object) or node
                continue
            elif t in ("non_null_expression", "parenthesized_expression", "await_expression") and node.named_children:
                node = node.named_children[0]
                continue
            break
        head = ctx.text(node) if kinds[node.kind_id] in _PLAIN_HEADS else fast_squash(ctx.text(node))
        return head + "".join(reversed(suffix))

    def callee_name(self, call: Node, ctx: FileContext) -> str:
        fn = call.child_by_field_id(self._f_function) if self._kinds[call.kind_id] == "call_expression" else call.child_by_field_id(self._f_constructor)
        if fn is None:
            return fast_squash(ctx.text(call))
        memo = ctx.callee_memo
        if memo is None:
            return self.resolve(self.dotted(fn, ctx), ctx)
        # dotted() reads only the callee's own subtree and resolve() the file's imports (all
        # read by now): an equal text in a tree without errors has the same callee
        text = ctx.text(fn)
        found = memo.get(text)
        if found is None:
            found = memo[text] = self.resolve(self.dotted(fn, ctx), ctx)
        return found

    def call_arguments(self, call: Node, ctx: FileContext) -> list[Argument]:
        args = call.child_by_field_id(self._f_arguments)
        if args is None or self._kinds[args.kind_id] == "template_string":
            return [self.argument(None, args, ctx)] if args is not None else []
        out: list[Argument] = []
        for a in args.named_children:
            if self._kinds[a.kind_id] in self.COMMENT_TYPES:
                continue
            if self._kinds[a.kind_id] == "object":
                out.extend(self._object_arguments(a, ctx))
            elif self._kinds[a.kind_id] == "spread_element":
                out.append(self.argument("*", a.named_children[0] if a.named_children else a, ctx))
            else:
                out.append(self.argument(None, a, ctx))
        return out

    def call_parts(self, call: Node, d: UnitDraft, ctx: FileContext) -> tuple[tuple[Argument, ...], tuple[str, ...]]:
        """call_arguments and the positional keys in one pass over the arguments (a tagged
        template's one argument takes the generic way)."""
        node = call.child_by_field_id(self._f_arguments)
        if node is None or self._kinds[node.kind_id] == "template_string":
            return super().call_parts(call, d, ctx)
        args: list[Argument] = []
        keys: list[str] = []
        comments, kinds = self.COMMENT_TYPES, self._kinds
        for a in node.named_children:
            t = kinds[a.kind_id]
            if t in comments:
                continue
            if t == "object":
                args.extend(self._object_arguments(a, ctx))
            elif t == "spread_element":
                args.append(self.argument("*", a.named_children[0] if a.named_children else a, ctx))
            else:
                self._plain_argument(a, t, d, ctx, args, keys)
        return tuple(args), tuple(keys)

    def _object_arguments(self, obj: Node, ctx: FileContext) -> list[Argument]:
        """`{rejectUnauthorized: false, tls: {minVersion: 'TLSv1'}}` -> named arguments (nested as a.b)."""
        out: list[Argument] = []
        work: list[tuple[str, Node, int]] = [("", obj, 0)]
        while work:
            prefix, node, depth = work.pop(0)
            for key, value in self.config_pairs(node, ctx):
                name = prefix + key
                out.append(self.argument(name, value, ctx))
                if self._kinds[value.kind_id] == "object" and depth < 6:
                    work.append((name + ".", value, depth + 1))
            if not prefix:
                for c in node.named_children:
                    if self._kinds[c.kind_id] == "spread_element" and c.named_children:
                        out.append(self.argument("**", c.named_children[0], ctx))
        return out

    # calls that hand back the object they are given, only frozen: `Object.freeze({...})`
    FREEZING_CALLS = frozenset({"Object.freeze", "Object.seal", "Object.preventExtensions"})

    def _config_settings(self, target: str, value: Node, ctx: FileContext) -> list[Setting]:
        """Settings of a top-level object assigned frozen or typed (`Object.freeze({cors:
        false} satisfies ServerOptions)`) are the object's own, as for a plain `{...}`."""
        for _ in range(6):
            value = self.unparen(value)
            if self._kinds[value.kind_id] != "call_expression" or self.callee(value, ctx) not in self.FREEZING_CALLS:
                break
            args = value.child_by_field_id(self._f_arguments)
            inner = [c for c in args.named_children if self._kinds[c.kind_id] not in self.COMMENT_TYPES] if args is not None else []
            if len(inner) != 1:
                break
            value = inner[0]
        return super()._config_settings(target, value, ctx)

    def config_pairs(self, value: Node, ctx: FileContext) -> list[tuple[str, Node]]:
        if self._kinds[value.kind_id] != "object":
            return []
        out: list[tuple[str, Node]] = []
        for c in value.named_children:
            if self._kinds[c.kind_id] == "pair":
                k, v = c.child_by_field_id(self._f_key), c.child_by_field_id(self._f_value)
                if k is not None and v is not None:
                    out.append((unquote(ctx.text(k)), v))
            elif self._kinds[c.kind_id] == "shorthand_property_identifier":
                out.append((ctx.text(c), c))
        return out

    def literal_of(self, node: Node, ctx: FileContext) -> LiteralValue:
        return self.literal_of_text(node, self._kinds[node.kind_id], ctx.text(node), ctx)

    def literal_of_text(self, node: Node, t: str, text: str, ctx: FileContext) -> LiteralValue:
        if t == "string":
            return unquote(text)
        if t == "template_string" and "${" not in text:
            return unquote(text)
        if t == "number":
            return _number(text)
        if t == "true":
            return True
        if t == "false":
            return False
        if t == "unary_expression" and text.startswith("-") and node.named_children and node.named_children[0].type == "number":
            n = _number(ctx.text(node.named_children[0]))
            return -n if isinstance(n, (int, float)) else None
        return None

    def peel_conversion(self, node: Node) -> Node:
        if self._kinds[node.kind_id] == "call_expression":
            fn = node.child_by_field_id(self._f_function)
            args = self.positional_nodes(node)
            if fn is not None and self._kinds[fn.kind_id] == "member_expression" and fn.text == b"Buffer.from" and 1 <= len(args) <= 2:
                return args[0]
        return node

    # ---- parameters and bindings ----
    def pattern_names(self, node: Optional[Node], ctx: FileContext) -> list[str]:
        out: list[str] = []
        stack = [node] if node is not None else []
        while stack:
            n = stack.pop()
            t = self._kinds[n.kind_id]
            if t in ("identifier", "shorthand_property_identifier_pattern"):
                out.append(ctx.text(n))
            elif t in ("required_parameter", "optional_parameter"):
                p = n.child_by_field_id(self._f_pattern)
                if p is not None:
                    stack.append(p)
            elif t in ("assignment_pattern", "object_assignment_pattern"):
                left = n.child_by_field_id(self._f_left)
                if left is not None:
                    stack.append(left)
            elif t == "pair_pattern":
                v = n.child_by_field_id(self._f_value)
                if v is not None:
                    stack.append(v)
            elif t in ("object_pattern", "array_pattern", "rest_pattern", "formal_parameters"):
                stack.extend(reversed(n.named_children))
        return out

    def param_names(self, fn: Node, ctx: FileContext) -> list[str]:
        params = fn.child_by_field_id(self._f_parameters)
        if params is None:
            single = fn.child_by_field_id(self._f_parameter)
            return self.pattern_names(single, ctx)
        return self.pattern_names(params, ctx)

    def param_defaults(self, fn: Node, ctx: FileContext) -> list[tuple[str, Node]]:
        params = fn.child_by_field_id(self._f_parameters)
        out: list[tuple[str, Node]] = []
        if params is None:
            return out
        for p in params.named_children:
            if self._kinds[p.kind_id] == "assignment_pattern":
                left, right = p.child_by_field_id(self._f_left), p.child_by_field_id(self._f_right)
                if left is not None and right is not None and self._kinds[left.kind_id] == "identifier":
                    out.append((ctx.text(left), right))
            elif self._kinds[p.kind_id] in ("required_parameter", "optional_parameter"):
                pat, value = p.child_by_field_id(self._f_pattern), p.child_by_field_id(self._f_value)
                if pat is not None and value is not None and self._kinds[pat.kind_id] == "identifier":
                    out.append((ctx.text(pat), value))
        return out

    def bindings(self, node: Node, ctx: FileContext) -> list[tuple[str, Optional[Node], str]]:
        t = self._kinds[node.kind_id]
        if t == "variable_declarator":
            value = node.child_by_field_id(self._f_value)
            return [(n, value, "") for n in self.pattern_names(node.child_by_field_id(self._f_name), ctx)]
        if t == "catch_clause":
            return [(n, None, "catch:") for n in self.pattern_names(node.child_by_field_id(self._f_parameter), ctx)]
        if t == "for_in_statement" and node.child_by_field_id(self._f_kind) is not None:
            return [(n, node.child_by_field_id(self._f_right), "for:") for n in self.pattern_names(node.child_by_field_id(self._f_left), ctx)]
        return []

    def unit_name(self, node: Node, name_node: Optional[Node], ctx: FileContext) -> str:
        if name_node is None:
            return ""
        name = unquote(ctx.text(name_node))
        parent = node.parent
        if parent is not None and self._kinds[parent.kind_id] == "pair" or (self._kinds[node.kind_id] == "method_definition" and parent is not None and self._kinds[parent.kind_id] == "object"):
            obj = parent.parent if self._kinds[parent.kind_id] == "pair" else parent
            holder = obj.parent if obj is not None else None
            if holder is not None and self._kinds[holder.kind_id] == "variable_declarator":
                return f"{ctx.text(holder.child_by_field_id(self._f_name))}.{name}"
            return name
        if self._kinds[name_node.kind_id] == "member_expression":
            name = re.sub(r"^(module\.)?exports\.", "", fast_squash(name))
            name = name.replace(".prototype.", ".")
        return name

    # ---- imports ----
    def collect_imports(self, root: Node, ctx: FileContext) -> None:
        matches = self.query_matches(root, ctx, "imports.scm")
        if ctx.walk_captured is not None:
            # requires.scm left out of the pass: its matches from the walk's declarators, put in
            # among the import statements' as the pass finds them (in source order: an import
            # statement holds no declarator, nor a declarator an import statement)
            requires = self.require_matches(ctx.walk_captured, ctx)
            if requires:
                matches = sorted([(caps["source"][0].start_byte if caps.get("source") else -1, caps) for _, caps in matches] + requires,
                                 key=_FIRST)
        for _, caps in matches:
            source = caps.get("source")
            if not source:
                continue
            module = unquote(ctx.text(source[0]))
            for n in caps.get("default", []):
                ctx.imports[ctx.text(n)] = module
            for n in caps.get("named", []):
                self._named_import(n, module, ctx)

    def require_matches(self, nodes: list[Node], ctx: FileContext) -> list[tuple[int, dict[str, list[Node]]]]:
        """requires.scm's matches among `nodes` (the walk's, which hold every variable_declarator),
        as (start byte, captures) in source order: a declarator whose value is a call of the
        identifier `require` whose first named argument is a string (@source), binding an
        identifier (@default) or an object pattern (one match per shorthand or pair child of it,
        @named). The query's `.` anchor counts every named node, comments too, as named_child(0)
        does. tests/test_ts_walk_routes.py checks the query agrees."""
        kinds = self._kinds
        f_name, f_value, f_function, f_arguments = self._f_name, self._f_value, self._f_function, self._f_arguments
        src = ctx.src
        out: list[tuple[int, dict[str, list[Node]]]] = []
        for n in nodes:
            if kinds[n.kind_id] != "variable_declarator":
                continue
            value = n.child_by_field_id(f_value)
            if value is None or kinds[value.kind_id] != "call_expression":
                continue
            fn = value.child_by_field_id(f_function)
            if fn is None or kinds[fn.kind_id] != "identifier" or src[fn.start_byte : fn.end_byte] != b"require":
                continue
            args = value.child_by_field_id(f_arguments)
            if args is None or kinds[args.kind_id] != "arguments":
                continue
            source = args.named_child(0)
            name = n.child_by_field_id(f_name)
            if source is None or kinds[source.kind_id] != "string" or name is None:
                continue
            t = kinds[name.kind_id]
            if t == "identifier":
                out.append((source.start_byte, {"default": [name], "source": [source]}))
            elif t == "object_pattern":
                for c in name.named_children:
                    if kinds[c.kind_id] in ("shorthand_property_identifier_pattern", "pair_pattern"):
                        out.append((source.start_byte, {"named": [c], "source": [source]}))
        out.sort(key=_FIRST)  # (stable: a pattern's children keep their order)
        return out

    def _named_import(self, node: Node, module: str, ctx: FileContext) -> None:
        """`{ verify as v }` / `{ timingSafeEqual }` bind names that lose their module: resolve them."""
        if self._kinds[node.kind_id] in ("import_specifier",):
            name = node.child_by_field_id(self._f_name)
            alias = node.child_by_field_id(self._f_alias) or name
            if name is not None and alias is not None:
                ctx.imports[ctx.text(alias)] = f"{module}.{ctx.text(name)}"
        elif self._kinds[node.kind_id] == "shorthand_property_identifier_pattern":
            ctx.imports[ctx.text(node)] = f"{module}.{ctx.text(node)}"
        elif self._kinds[node.kind_id] == "pair_pattern":
            k, v = node.child_by_field_id(self._f_key), node.child_by_field_id(self._f_value)
            if k is not None and v is not None and self._kinds[v.kind_id] == "identifier":
                ctx.imports[ctx.text(v)] = f"{module}.{ctx.text(k)}"

    def resolve(self, dotted: str, ctx: FileContext) -> str:
        # only destructured/named imports are resolved; `jwt.verify` stays as conventionally written
        head, sep, rest = dotted.partition(".")
        target = ctx.imports.get(head)
        if target and "." in target and not target.startswith("."):
            return target + sep + rest
        return dotted

    # ---- what denies ----
    def deny_call(self, call: Node, ctx: FileContext) -> Optional[Action]:
        memo = ctx.deny_memo
        if memo is None:
            return self._deny_call(call, ctx)
        # the answer reads only the call's own subtree (callee, arguments, text without its
        # functions): `next(err)` / `res.status(404).send(...)` recur in a file
        text = ctx.text(call)
        if text in memo:
            return memo[text]
        found = memo[text] = self._deny_call(call, ctx)
        return found

    def _deny_call(self, call: Node, ctx: FileContext) -> Optional[Action]:
        c = self.callee(call, ctx)
        if self._may_deny_by_status(call, ctx):
            text = self.text_without_functions(call, ctx)
            if DENY_STATUS.search(text) or HTTP_STATUS_DENY.search(text):
                return Action.ABORT
        last = c.rsplit(".", 1)[-1]
        if c in ERR_CALLBACKS:
            args = self.call_arguments(call, ctx)
            if args and args[0].value not in ("null", "undefined", "'route'", '"route"', "'router'", '"router"', "false"):
                return Action.DENY_RETURN
            return None
        if last in ("redirect", "sendStatus") or c in ("process.exit", "abort", "forbidden", "unauthorized", "notFound", "redirect"):
            return Action.ABORT
        if last == "throw" or c == "Promise.reject":
            return Action.RAISE
        return None

    @staticmethod
    def _may_deny_by_status(call: Node, ctx: FileContext) -> bool:
        r"""Can the call's text without its functions match DENY_STATUS or HTTP_STATUS_DENY?
        Both need `4\d\d` or `HttpStatus.` in one piece of that text (the `<fn>` put in for a
        cut function holds neither and breaks any run across it), so the call's whole text
        must hold them too: when it does not, cutting the functions out is skipped."""
        src = ctx.ascii_src
        if src is None:
            return True
        start, end = call.start_byte, call.end_byte
        return STATUS_DIGITS.search(src, start, end) is not None or src.find("HttpStatus.", start, end) >= 0

    def deny_value(self, value: Node, ctx: FileContext) -> Optional[Action]:
        v = self.unparen(value)
        if self._kinds[v.kind_id] == "await_expression" and v.named_children:
            v = v.named_children[0]
        if self._kinds[v.kind_id] in ("false",) or self._kinds[v.kind_id] in self.NULL_TYPES:
            return Action.DENY_RETURN
        if self._kinds[v.kind_id] in self.CALL_TYPES:
            return self.deny_call(v, ctx)
        if self._kinds[v.kind_id] in ("jsx_element", "jsx_self_closing_element"):
            opening = v if self._kinds[v.kind_id] == "jsx_self_closing_element" else (v.named_children[0] if v.named_children else v)
            name = opening.child_by_field_id(self._f_name)
            if name is not None and DENY_JSX.match(ctx.text(name)):
                return Action.ABORT
        return None

    def refusing_return(self, value: Node, ctx: FileContext) -> bool:
        """`if (!sid || !known(sid)) { return session.close() }`: the handshake or request is
        refused by dropping the connection (a returned close in a branch, not a close among
        clean-up statements)."""
        v = self.unparen(value)
        if self._kinds[v.kind_id] == "await_expression" and v.named_children:
            v = v.named_children[0]
        return self._kinds[v.kind_id] in self.CALL_TYPES and bool(CLOSE_CONNECTION.search(self.callee(v, ctx)))

    # is_panic: the common layer's "no" (JavaScript has no panic statement), inherited so the
    # guard walk can skip asking it (ts_guards asks only a backend that defines its own)

    # ---- handlers ----
    def catch_types(self, clause: Node, ctx: FileContext) -> tuple[str, ...]:
        t = clause.child_by_field_id(self._f_type)
        return (fast_squash(ctx.text(t)).lstrip(":"),) if t is not None else ()

    # ---- literals and settings ----
    def collection_items(self, node: Node, ctx: FileContext) -> Optional[tuple[str, tuple[str, ...]]]:
        node = self.unparen(node)
        if self._kinds[node.kind_id] == "array":
            return "list", tuple(self._item(c, ctx) for c in node.named_children if self._kinds[c.kind_id] not in self.COMMENT_TYPES)
        if self._kinds[node.kind_id] == "object":
            return "dict-keys", tuple(k for k, _ in self.config_pairs(node, ctx))
        if self._kinds[node.kind_id] == "new_expression":
            ctor = node.child_by_field_id(self._f_constructor)
            args = node.child_by_field_id(self._f_arguments)
            if ctor is not None and ctx.text(ctor) == "Set" and args is not None and args.named_children:
                inner = args.named_children[0]
                if self._kinds[inner.kind_id] == "array":
                    return "set", tuple(self._item(c, ctx) for c in inner.named_children if self._kinds[c.kind_id] not in self.COMMENT_TYPES)
        return None

    def _item(self, node: Node, ctx: FileContext) -> str:
        lit = self.literal_of(node, ctx)
        return lit if isinstance(lit, str) else fast_squash(ctx.text(node))

    def bound_values(self, node: Node, ctx: FileContext, unit: UnitDraft) -> list[tuple[str, Node, str]]:
        t = self._kinds[node.kind_id]
        if t == "call_expression" and ctx.src[node.start_byte : node.start_byte + 1] != b"[":
            return []  # only `[...].includes(x)` below: a call on an array literal starts with its `[`
        top = unit.kind == "module"
        if t == "variable_declarator":
            name, value = node.child_by_field_id(self._f_name), node.child_by_field_id(self._f_value)
            if name is None or value is None or self._kinds[name.kind_id] != "identifier" or self._kinds[value.kind_id] in self.FUNCTION_TYPES:
                return []
            scope = ""
            if top:
                # (each parent read walks down from the root: the declaration's parent read once)
                decl = node.parent
                holder = decl.parent if decl is not None else None
                if holder is not None and self._kinds[holder.kind_id] in ("program", "export_statement"):
                    scope = "assignment"
            return [(ctx.text(name), value, scope)]
        if t == "assignment_expression":
            left, right = node.child_by_field_id(self._f_left), node.child_by_field_id(self._f_right)
            if left is None or right is None or self._kinds[right.kind_id] in self.FUNCTION_TYPES:
                return []
            key = fast_squash(ctx.text(left))
            scope = "assignment" if top or key.startswith("this.") else ""
            return [(key, right, scope)]
        if t in ("field_definition", "public_field_definition"):
            name = node.child_by_field_id(self._f_property) or node.child_by_field_id(self._f_name)
            value = node.child_by_field_id(self._f_value)
            if name is None or value is None or self._kinds[value.kind_id] in self.FUNCTION_TYPES:
                return []
            return [(ctx.text(name), value, "field")]
        if t == "pair":
            k, v = node.child_by_field_id(self._f_key), node.child_by_field_id(self._f_value)
            if k is not None and v is not None and self._kinds[v.kind_id] in ("array", "new_expression"):
                return [(unquote(ctx.text(k)), v, "")]
        if t == "call_expression":
            # ['a', 'b'].includes(x)  ~  x in ['a', 'b']
            fn = node.child_by_field_id(self._f_function)
            if fn is not None and self._kinds[fn.kind_id] == "member_expression":
                obj = fn.child_by_field_id(self._f_object)
                if obj is None or self._kinds[obj.kind_id] != "array":
                    return []  # (most calls: the other fields need not be read)
                prop = fn.child_by_field_id(self._f_property)
                args = node.child_by_field_id(self._f_arguments)
                if prop is not None and ctx.text(prop) in ("includes", "indexOf", "some") and args is not None and args.named_children:
                    return [(fast_squash(ctx.text(args.named_children[0])), obj, "")]
        return []

    def regex_literal(self, node: Node, ctx: FileContext) -> Optional[str]:
        if self._kinds[node.kind_id] == "regex":
            pat = node.child_by_field_id(self._f_pattern)
            return ctx.text(pat) if pat is not None else None
        return None

    def may_build_regexes(self, ctx: FileContext) -> bool:
        """Does the source spell `RegExp` (or is it not ASCII)? Settled once per file (kept in
        backend_memos, not the context's __dict__, whose first read makes every later attribute
        read of the context slower)."""
        memos = ctx.backend_memos
        absent = memos.get("_no_regexp_callee")
        if absent is None:
            src = ctx.ascii_src
            absent = memos["_no_regexp_callee"] = src is not None and REGEXP_CALLEE.search(src) is None
        return not absent

    def regex_call(self, call: Node, ctx: FileContext) -> Optional[str]:
        if not self.may_build_regexes(ctx):
            return None
        if self._kinds[call.kind_id] == "new_expression" or self._kinds[call.kind_id] == "call_expression":
            if self.callee(call, ctx) == "RegExp":
                args = self.call_arguments(call, ctx)
                if args and isinstance(args[0].literal, str):
                    return args[0].literal
        return None

    # ---- decorators and middleware ----
    DECORATOR_MARK = b"@"  # `@Injectable()`, `@Get(':id')`: every decorator starts with it

    def decorator_nodes(self, unit: Node) -> list[Node]:
        nodes: list[Node] = [c for c in unit.children if self._kinds[c.kind_id] == "decorator"]
        parent = unit.parent
        if parent is not None and self._kinds[parent.kind_id] == "export_statement":
            return [c for c in parent.children if self._kinds[c.kind_id] == "decorator"] + nodes
        before: list[Node] = []
        prev = unit.prev_named_sibling
        while prev is not None and (self._kinds[prev.kind_id] == "decorator" or self._kinds[prev.kind_id] in self.COMMENT_TYPES):
            if self._kinds[prev.kind_id] == "decorator":
                before.append(prev)
            prev = prev.prev_named_sibling
        return list(reversed(before)) + nodes

    def outer_decorator(self, node: Node) -> bool:
        parent = node.parent
        return parent is not None and self._kinds[parent.kind_id] in ("class_body", "export_statement")

    def decorator(self, node: Node, ctx: FileContext) -> Decorator:
        inner = node.named_children[0] if node.named_children else node
        if self._kinds[inner.kind_id] == "call_expression":
            fn = inner.child_by_field_id(self._f_function)
            name = self.dotted(fn, ctx) if fn is not None else fast_squash(ctx.text(inner))
            args = tuple(self.call_arguments(inner, ctx))
        else:
            name, args = self.dotted(inner, ctx), ()
        return Decorator(name, args, span_of(node), clip(ctx.text(node)))

    WALK_LEAVE_OUT: tuple[str, ...] = ("requires.scm", "routes.scm")

    def walk_unit_matches(self, nodes: list[Node], ctx: FileContext) -> list[tuple[int, dict[str, list[Node]]]]:
        """units.scm's matches read from the walk's nodes (which hold every parent type of its
        patterns) by UNIT_PATTERNS (TypeScript, whose WALK_LEAVE_OUT names units.scm: there
        its patterns were most of the file query's compile, 92M of 121M per grammar). Each node is a unit of
        at most one match (the patterns' parents differ or their values do), so the order the
        query would find them in does not matter to _find_unit_nodes."""
        by_parent = _unit_patterns(self.grammar, self)
        kinds = self._kinds
        out: list[tuple[int, dict[str, list[Node]]]] = []
        for n in nodes:
            patterns = by_parent.get(kinds[n.kind_id])
            if patterns is None:
                continue
            for cap, name_field, name_types, unit_field, unit_types in patterns:
                name = n.child_by_field_id(name_field)
                if name is None or not (name.is_named if name_types is None else kinds[name.kind_id] in name_types):
                    continue
                if unit_field is None:
                    unit = n
                else:
                    unit = n.child_by_field_id(unit_field)
                    if unit is None or not (unit.is_named if unit_types is None else kinds[unit.kind_id] in unit_types):
                        continue
                out.append((0, {"name": [name], cap: [unit]}))
        return out

    def is_registration(self, call: Node, callee: str, ctx: FileContext) -> bool:
        """routes.scm's pattern, read from a call node instead of run as a query (its one pattern
        through call_expression and member_expression made the file queries a third dearer to
        compile and to run): a call whose `function` is a member_expression with a named
        `object` (@router, whose text must not match the #not-match? regex) and a
        property_identifier `property` (@method, whose text must match the #match? regex), and
        whose `arguments` is an `arguments` node. Such a call's callee ends in `.` and the
        property's text (dotted() ends with it, resolve() rewrites only the head), so most calls
        are answered from their callee. tests/test_ts_walk_routes.py checks the query agrees."""
        # (the callee's part is settled once per callee text and grammar: most calls' callees
        # recur -- `res.status().json`, `next` -- and most end in no route method)
        verbs = _ROUTE_CALLEES.get(self.grammar)
        if verbs is None:
            verbs = _ROUTE_CALLEES[self.grammar] = {}
        ok = verbs.get(callee)
        if ok is None:
            method_ok = route_predicates(self.grammar)[0]
            dot = callee.rfind(".")
            ok = dot >= 0 and method_ok.search(callee[dot + 1:]) is not None  # (a slice: `^` ignores search's pos)
            if len(verbs) >= _ROUTE_CALLEES_MAX:
                verbs.clear()
            verbs[callee] = ok
        if not ok:
            return False
        method_ok, router_bad = route_predicates(self.grammar)
        kinds = self._kinds
        if kinds[call.kind_id] != "call_expression":
            return False
        fn = call.child_by_field_id(self._f_function)
        if fn is None or kinds[fn.kind_id] != "member_expression":
            return False
        prop = fn.child_by_field_id(self._f_property)
        if prop is None or kinds[prop.kind_id] != "property_identifier" or method_ok.search(ctx.text(prop)) is None:
            return False
        args = call.child_by_field_id(self._f_arguments)
        if args is None or kinds[args.kind_id] != "arguments":
            return False
        obj = fn.child_by_field_id(self._f_object)
        return obj is not None and obj.is_named and router_bad.search(ctx.text(obj)) is None

    def route_middleware(self, call: Node, ctx: FileContext) -> list[tuple[str, str, Node]]:
        if self._kinds[call.kind_id] != "call_expression":
            return []
        fn = call.child_by_field_id(self._f_function)
        if fn is None or self._kinds[fn.kind_id] != "member_expression":
            return []
        method = ctx.text(fn.child_by_field_id(self._f_property))  # routes.scm chose the call
        args_node = call.child_by_field_id(self._f_arguments)
        args = [a for a in (args_node.named_children if args_node is not None else []) if self._kinds[a.kind_id] not in self.COMMENT_TYPES]
        route = ""
        if args and args[0].type in ("string", "template_string", "regex", "array") and args[0].type != "array" or (args and args[0].type == "array" and all(self._kinds[c.kind_id] == "string" for c in args[0].named_children)):
            route = ctx.text(args[0])
            args = args[1:]
        elif method != "use":
            return []  # `map.get(key)` is not a route
        if method != "use" or (route and len(args) > 1):
            args = args[:-1]  # the last one is the handler (or the router mounted at the path)
        out: list[tuple[str, str, Node]] = []
        flat: list[Node] = []
        for a in args:
            flat.extend(a.named_children if self._kinds[a.kind_id] == "array" else [a])
        for a in flat:
            if self._kinds[a.kind_id] in ("identifier", "member_expression"):
                out.append((self.resolve(self.dotted(a, ctx), ctx), route, a))
            elif self._kinds[a.kind_id] == "call_expression":
                out.append((self.callee(a, ctx), route, a))
        return out


def _number(text: str) -> LiteralValue:
    t = text.replace("_", "").rstrip("n")
    try:
        return int(t, 0)
    except ValueError:
        try:
            return float(t)
        except ValueError:
            return None
