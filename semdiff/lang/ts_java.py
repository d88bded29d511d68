"""Java through tree-sitter-java.

What is Java-specific: annotations are decorators (`@PreAuthorize`, `@Secured`,
`@RolesAllowed`), Spring refuses with `throw new AccessDeniedException(...)` or
`ResponseEntity.status(HttpStatus.FORBIDDEN)`, servlets with `response.sendError(403)`,
`assert` is a guard, and method chains (`http.csrf().disable()`) are calls whose callee
keeps the chain (`http.csrf().disable`) so rules can read a security configuration.
"""
from __future__ import annotations

import re
from typing import Optional

from tree_sitter import Language, Node

from semdiff.ir import Action, Argument, Decorator

from semdiff.lang.ts_common import FileContext, LiteralValue, TreeSitterBackend, UnitDraft, fast_squash, clip, span_of, unquote
from semdiff.lang.ts_guards import fast_constructor, file_memo, found_in

DENY_STATUS = re.compile(
    r"\b4\d\d\b|HttpStatus\.(BAD_REQUEST|UNAUTHORIZED|PAYMENT_REQUIRED|FORBIDDEN|NOT_FOUND|METHOD_NOT_ALLOWED|CONFLICT|"
    r"PRECONDITION_FAILED|UNPROCESSABLE_ENTITY|TOO_MANY_REQUESTS)|SC_(BAD_REQUEST|UNAUTHORIZED|FORBIDDEN|NOT_FOUND|"
    r"METHOD_NOT_ALLOWED|CONFLICT|PRECONDITION_FAILED)|Status\.(BAD_REQUEST|UNAUTHORIZED|FORBIDDEN|NOT_FOUND)|"
    r"ResponseEntity\.(badRequest|notFound|unprocessableEntity)\b"
)
DENY_WORDS = ("forbid", "unauthori", "denied", "deny", "reject", "invalid", "fail", "error")
COLLECTION_FACTORIES = re.compile(r"^(List|Set|Arrays|Collections|ImmutableList|ImmutableSet|Stream)\.(of|asList|copyOf|unmodifiableList|unmodifiableSet|singletonList|singleton)$")
MAP_FACTORIES = re.compile(r"^(Map|ImmutableMap)\.of$")
_Decorator = fast_constructor(Decorator)  # (fills the frozen instance's fields directly: same object)


class JavaBackend(TreeSitterBackend):
    language = "java"
    grammar = "java"

    STRING_TYPES = frozenset({"string_literal", "text_block", "character_literal"})
    COMMENT_TYPES = frozenset({"line_comment", "block_comment", "comment"})
    IDENT_TYPES = frozenset({"identifier"})
    FUNCTION_TYPES = frozenset({"method_declaration", "constructor_declaration", "lambda_expression", "compact_constructor_declaration"})
    CALL_TYPES = frozenset({"method_invocation", "object_creation_expression"})
    LITERAL_TYPES = frozenset({"string_literal", "text_block", "decimal_integer_literal", "hex_integer_literal", "octal_integer_literal",
                               "binary_integer_literal", "decimal_floating_point_literal", "true", "false"})
    BLOCK_TYPES = frozenset({"block", "constructor_body"})
    NULL_TYPES = frozenset({"null_literal"})
    ASSERT_TYPES = frozenset({"assert_statement"})
    TRY_TYPES = frozenset({"try_statement", "try_with_resources_statement"})
    MEMBER_TYPES = frozenset({"field_access", "array_access", "this"})
    EXIT_TYPES = frozenset({"break_statement", "continue_statement", "yield_statement"})
    DECORATOR_TYPES = frozenset({"annotation", "marker_annotation"})
    SPREAD_TYPES: frozenset[str] = frozenset()

    BOUND_TYPES = frozenset({"variable_declarator", "assignment_expression"})
    BINDING_TYPES = frozenset({"variable_declarator", "enhanced_for_statement", "catch_formal_parameter", "resource"})
    # every @unit.* capture of grammars/java/units.scm: the walk pattern rides in the file queries' pass
    UNIT_NODE_TYPES = frozenset({"class_declaration", "interface_declaration", "enum_declaration", "record_declaration",
                                 "method_declaration", "constructor_declaration", "compact_constructor_declaration"})

    _LANG: Optional[Language] = None

    def ts_language(self) -> Language:
        cls = type(self)
        if cls._LANG is None:
            import tree_sitter_java

            cls._LANG = Language(tree_sitter_java.language())
        return cls._LANG

    def renamable(self, ident: Node) -> bool:
        parent = ident.parent
        if parent is None:
            return True
        if parent.type == "method_invocation":
            name = parent.child_by_field_id(self._f_name)
            return name is None or name.id != ident.id
        if parent.type == "field_access":
            field = parent.child_by_field_id(self._f_field)
            return field is None or field.id != ident.id
        return True

    # ---- names ----
    def dotted(self, node: Node, ctx: FileContext) -> str:
        suffix: list[str] = []
        for _ in range(10_000):
            t = node.type
            if t == "method_invocation":
                suffix.append("." + ctx.text(node.child_by_field_id(self._f_name)) + "()")
                obj = node.child_by_field_id(self._f_object)
                if obj is None:
                    suffix[-1] = suffix[-1][1:]
                    node = None  # type: ignore[assignment]
                    break
                node = obj
                continue
            if t == "field_access":
                suffix.append("." + ctx.text(node.child_by_field_id(self._f_field)))
                node = node.child_by_field_id(self._f_object) or node
                continue
            if t == "array_access":
                suffix.append("[]")
                node = node.child_by_field_id(self._f_array) or node
                continue
            if t == "parenthesized_expression" and node.named_children:
                node = node.named_children[0]
                continue
            break
        head = "" if node is None else (ctx.text(node) if node.type in ("identifier", "this", "super", "scoped_identifier", "type_identifier") else fast_squash(ctx.text(node)))
        return head + "".join(reversed(suffix))

    def callee_name(self, call: Node, ctx: FileContext) -> str:
        if call.type == "object_creation_expression":
            t = call.child_by_field_id(self._f_type)
            name = ctx.text(t) if t is not None else ""
            return re.sub(r"<.*>$", "", fast_squash(name))
        name = ctx.text(call.child_by_field_id(self._f_name))
        obj = call.child_by_field_id(self._f_object)
        if obj is None:
            return self.resolve(name, ctx)
        # a receiver chain recurs through a file (`response.sendError`, `log.info`): its dotted,
        # resolved name is a function of its text (and of the file's imports, read before)
        memo = file_memo(ctx, "java_receivers")
        if memo is None:
            return self.resolve(self.dotted(obj, ctx), ctx) + "." + name
        text = ctx.text(obj)
        found = memo.get(text)
        if found is None:
            found = memo[text] = self.resolve(self.dotted(obj, ctx), ctx)
        return found + "." + name

    def call_arguments(self, call: Node, ctx: FileContext) -> list[Argument]:
        return [self.argument(None, a, ctx) for a in self.positional_in(call, ctx)]

    def call_parts(self, call: Node, d: UnitDraft, ctx: FileContext) -> tuple[tuple[Argument, ...], tuple[str, ...]]:
        """call_arguments and the positional keys in one pass (every positional argument is one
        Argument and has a key: Java has no spreads or object literals)."""
        args: list[Argument] = []
        keys: list[str] = []
        for a in self.positional_in(call, ctx):
            self._plain_argument(a, a.type, d, ctx, args, keys)
        return tuple(args), tuple(keys)

    def literal_of(self, node: Node, ctx: FileContext) -> LiteralValue:
        t = node.type
        text = ctx.text(node)
        if t == "string_literal":
            return unquote(text)
        if t == "text_block":
            return text[3:-3] if len(text) >= 6 else text
        if t in ("decimal_integer_literal", "hex_integer_literal", "octal_integer_literal", "binary_integer_literal"):
            try:
                return int(text.replace("_", "").rstrip("lL"), 0)
            except ValueError:
                try:
                    return int(text.replace("_", "").rstrip("lL"), 8)
                except ValueError:
                    return None
        if t in ("decimal_floating_point_literal",):
            try:
                return float(text.replace("_", "").rstrip("fFdD"))
            except ValueError:
                return None
        if t == "true":
            return True
        if t == "false":
            return False
        return None

    def peel_conversion(self, node: Node) -> Node:
        if node.type == "method_invocation":
            name, obj = node.child_by_field_id(self._f_name), node.child_by_field_id(self._f_object)
            if name is not None and name.text == b"getBytes" and obj is not None:
                return obj
        return node

    # ---- units ----
    def unit_name(self, node: Node, name_node: Optional[Node], ctx: FileContext) -> str:
        if node.type in ("constructor_declaration", "compact_constructor_declaration"):
            return "<init>"
        return ctx.text(name_node)

    def param_names(self, fn: Node, ctx: FileContext) -> list[str]:
        params = fn.child_by_field_id(self._f_parameters)
        if params is None:
            return []
        if params.type == "identifier":
            return [ctx.text(params)]
        out: list[str] = []
        for p in params.named_children:
            if p.type == "identifier":
                out.append(ctx.text(p))
            elif p.type == "formal_parameter":
                name = p.child_by_field_id(self._f_name)
                if name is not None:
                    out.append(ctx.text(name))
            elif p.type == "spread_parameter":
                for c in p.named_children:
                    if c.type == "variable_declarator":
                        name = c.child_by_field_id(self._f_name)
                        if name is not None:
                            out.append(ctx.text(name))
        return out

    def bindings(self, node: Node, ctx: FileContext) -> list[tuple[str, Optional[Node], str]]:
        t = node.type
        if t == "variable_declarator" and node.parent is not None and node.parent.type == "local_variable_declaration":
            name = node.child_by_field_id(self._f_name)
            return [(ctx.text(name), node.child_by_field_id(self._f_value), "")] if name is not None else []
        if t == "enhanced_for_statement":
            name = node.child_by_field_id(self._f_name)
            return [(ctx.text(name), node.child_by_field_id(self._f_value), "for:")] if name is not None else []
        if t == "catch_formal_parameter":
            name = node.child_by_field_id(self._f_name)
            return [(ctx.text(name), None, "catch:")] if name is not None else []
        if t == "resource":
            name = node.child_by_field_id(self._f_name)
            return [(ctx.text(name), node.child_by_field_id(self._f_value), "")] if name is not None else []
        return []

    # ---- imports ----
    def collect_imports(self, root: Node, ctx: FileContext) -> None:
        for _, caps in self.query_matches(root, ctx, "imports.scm"):
            for decl in caps.get("import", []):
                text = fast_squash(ctx.text(decl))
                static = text.startswith("importstatic")
                m = re.match(r"^import(?:static)?([\w.$]+?)(\.\*)?;?$", text)
                if not m or m.group(2):
                    continue
                target = m.group(1)
                local = target.rsplit(".", 1)[-1]
                ctx.imports[local] = target
                if static and "." in target:
                    ctx.aliases[local] = ".".join(target.rsplit(".", 2)[-2:])

    def resolve(self, dotted: str, ctx: FileContext) -> str:
        head, sep, rest = dotted.partition(".")
        target = ctx.aliases.get(head)
        if target:
            return target + sep + rest
        return dotted

    # ---- what denies ----
    def deny_call(self, call: Node, ctx: FileContext) -> Optional[Action]:
        c = self.callee(call, ctx)
        last = c.rsplit(".", 1)[-1]
        if last in ("sendError", "sendRedirect") or (last == "setStatus" and DENY_STATUS.search(self.text_without_functions(call, ctx))):
            return Action.ABORT
        if c in ("System.exit", "Runtime.getRuntime().halt"):
            return Action.ABORT
        return None

    def deny_value(self, value: Node, ctx: FileContext) -> Optional[Action]:
        v = self.unparen(value)
        t = v.type
        if t in ("false", "null_literal"):
            return Action.DENY_RETURN
        if t in self.CALL_TYPES:
            c = self.callee(v, ctx)
            text = self.text_without_functions(v, ctx)
            if ("ResponseEntity" in text or "Response" in c or "status" in text) and DENY_STATUS.search(text):
                return Action.ABORT
            if c.endswith("AuthorizationDecision") and "false" in text:
                return Action.DENY_RETURN
            last = c.rsplit(".", 1)[-1].lower()
            if any(w in last for w in DENY_WORDS):
                return Action.DENY_RETURN
        if t == "identifier" and any(w in ctx.text(v).lower() for w in DENY_WORDS):
            return Action.DENY_RETURN
        return None

    # ---- handlers ----
    def catch_types(self, clause: Node, ctx: FileContext) -> tuple[str, ...]:
        out: list[str] = []
        for p in clause.named_children:
            if p.type == "catch_formal_parameter":
                for c in p.named_children:
                    if c.type == "catch_type":
                        out.extend(fast_squash(ctx.text(x)) for x in c.named_children)
        return tuple(out)

    def _is_log_statement(self, stmt: Node, ctx: FileContext) -> bool:
        expr = (stmt.named_child(0) or stmt) if stmt.type == "expression_statement" else stmt
        if expr.type == "method_invocation":
            c = self.callee(expr, ctx)
            return found_in(self.LOG_CALLEE, c) or c.endswith("printStackTrace")
        return False

    # ---- decorators (annotations) ----
    def decorator_nodes(self, unit: Node) -> list[Node]:
        for c in unit.children:
            if c.type == "modifiers":
                return [a for a in c.named_children if a.type in self.DECORATOR_TYPES]
        return []

    def decorator(self, node: Node, ctx: FileContext) -> Decorator:
        # the same annotation recurs through a file (`@Override`, `@PreAuthorize("isAuthenticated()")`):
        # its name, arguments and clipped text are a function of its text; only the span is its own
        memo = file_memo(ctx, "java_annotations")
        if memo is None:
            return self._decorator(node, ctx)
        text = ctx.text(node)
        found = memo.get(text)
        if found is None:
            found = memo[text] = self._decorator(node, ctx)
            return found
        return _Decorator(found.name, found.args, span_of(node), found.text)

    def _decorator(self, node: Node, ctx: FileContext) -> Decorator:
        name_node = node.child_by_field_id(self._f_name)
        name = fast_squash(ctx.text(name_node)) if name_node is not None else fast_squash(ctx.text(node)).lstrip("@")
        args: list[Argument] = []
        arg_list = node.child_by_field_id(self._f_arguments)
        for a in arg_list.named_children if arg_list is not None else []:
            if a.type == "element_value_pair":
                k, v = a.child_by_field_id(self._f_key), a.child_by_field_id(self._f_value)
                if k is not None and v is not None:
                    args.append(self.argument(ctx.text(k), v, ctx))
            elif a.type not in self.COMMENT_TYPES:
                args.append(self.argument(None, a, ctx))
        return _Decorator(name, tuple(args), span_of(node), clip(ctx.text(node)))

    # ---- literals and settings ----
    def collection_items(self, node: Node, ctx: FileContext) -> Optional[tuple[str, tuple[str, ...]]]:
        if node.type == "array_creation_expression":
            for c in node.named_children:
                if c.type == "array_initializer":
                    node = c
        if node.type == "array_initializer":
            return "list", tuple(self._item(c, ctx) for c in node.named_children if c.type not in self.COMMENT_TYPES)
        if node.type == "method_invocation":
            c = self.callee(node, ctx)
            items = self.positional_nodes(node)
            if COLLECTION_FACTORIES.match(c):
                return ("set" if c.startswith(("Set", "ImmutableSet")) else "list"), tuple(self._item(i, ctx) for i in items)
            if MAP_FACTORIES.match(c):
                return "dict-keys", tuple(self._item(i, ctx) for i in items[::2])
        return None

    def _item(self, node: Node, ctx: FileContext) -> str:
        lit = self.literal_of(node, ctx)
        return lit if isinstance(lit, str) else fast_squash(ctx.text(node))

    def bound_values(self, node: Node, ctx: FileContext, unit: UnitDraft) -> list[tuple[str, Node, str]]:
        t = node.type
        if t == "variable_declarator":
            name, value = node.child_by_field_id(self._f_name), node.child_by_field_id(self._f_value)
            if name is None or value is None:
                return []
            parent = node.parent
            scope = ""
            if parent is not None and parent.type in ("field_declaration", "constant_declaration"):
                mods = next((c for c in parent.children if c.type == "modifiers"), None)
                words = set(ctx.text(mods).split()) if mods is not None else set()
                scope = "assignment" if ({"static", "final"} <= words or parent.type == "constant_declaration") else "field"
            return [(ctx.text(name), value, scope)]
        if t == "assignment_expression":
            left, right = node.child_by_field_id(self._f_left), node.child_by_field_id(self._f_right)
            if left is not None and right is not None:
                return [(fast_squash(ctx.text(left)), right, "")]
        return []

    def regex_call(self, call: Node, ctx: FileContext) -> Optional[str]:
        if call.type == "method_invocation" and self.callee(call, ctx) in ("Pattern.compile", "Pattern.matches"):
            args = self.call_arguments(call, ctx)
            if args and isinstance(args[0].literal, str):
                return args[0].literal
        return None
