"""Go through tree-sitter-go.

What is Go-specific: errors are values (`return nil, err` denies, `if err != nil { log... }`
without a return swallows the error and is recorded as a Handler), HTTP handlers refuse with
`http.Error(w, ..., 403); return`, methods are named `Type.Method` after their receiver,
struct literals such as `tls.Config{InsecureSkipVerify: true}` are calls with keyword
arguments, and middleware wraps handlers (`mux.Handle("/admin", auth(h))`).
"""
from __future__ import annotations

import re
from typing import Optional

from tree_sitter import Language, Node

from semdiff.ir import Action, Argument

from semdiff.lang.ts_common import FileContext, LiteralValue, TreeSitterBackend, UnitDraft, fast_squash
from semdiff.lang.ts_guards import found_in

DENY_STATUS = re.compile(
    r"\b4\d\d\b|Status(BadRequest|Unauthorized|PaymentRequired|Forbidden|NotFound|MethodNotAllowed|NotAcceptable|"
    r"ProxyAuthRequired|RequestTimeout|Conflict|Gone|PreconditionFailed|UnprocessableEntity|Locked|TooManyRequests|"
    r"UnavailableForLegalReasons)\b"
)
ERR_VALUE = re.compile(r"^(err\w*|\w*Err\w*|\w*Error)$")
ERR_CONSTRUCTOR = re.compile(r"(^|\.)(New|Errorf|Wrap\w*|New\w*Error|\w*Err\w*|Error)$")
ERR_PACKAGE = re.compile(r"^(errors|errorsx|xerrors|pkgerrors|\w*errs?|oops|eris)$")
ERR_WRAPPER = re.compile(r"^(With\w*|Wrap\w*|Trace\w*|Annotate\w*|Stack\w*|Join)$")
DENY_WORDS = ("forbid", "unauthori", "denied", "deny", "reject", "invalid", "fail")
WRAP_ONLY = re.compile(r"(^|\.)(HandlerFunc|Handler|WrapF|WrapH|StripPrefix|TimeoutHandler)$")
ABORT_CALLS = re.compile(r"(^|\.)(Abort\w*|Redirect|Fatal\w*|Exit|Panic\w*)$")


# the values collection_items can read as a collection: a composite literal, or `&` of one
_COLLECTION_VALUE = frozenset({"composite_literal", "unary_expression"})
# name -> `\bname\b` (err_branch), compiled once
_WORD_PATTERNS: dict[str, re.Pattern] = {}


def _word_pattern(name: str) -> re.Pattern:
    found = _WORD_PATTERNS.get(name)
    if found is None:
        if len(_WORD_PATTERNS) >= 20_000:
            _WORD_PATTERNS.clear()
        found = _WORD_PATTERNS[name] = re.compile(rf"\b{re.escape(name)}\b")
    return found


# in a key (whitespace squashed out): `for k,_:=range`, `for_=range` (names never end in `for`
# before `_`: `range` only follows a for clause's assignment)
_BLANK_RANGE = re.compile(r"(?:,_)+(:?=)range|(?<![\w$%])for_:?=range")


def _unblank(m: re.Match) -> str:
    return f"{m.group(1)}range" if m.group(1) is not None else "forrange"


class GoBackend(TreeSitterBackend):
    language = "go"
    grammar = "go"

    STRING_TYPES = frozenset({"interpreted_string_literal", "raw_string_literal", "rune_literal"})
    COMMENT_TYPES = frozenset({"comment"})
    IDENT_TYPES = frozenset({"identifier"})
    FUNCTION_TYPES = frozenset({"function_declaration", "method_declaration", "func_literal"})
    CALL_TYPES = frozenset({"call_expression", "composite_literal"})
    LITERAL_TYPES = frozenset({"interpreted_string_literal", "raw_string_literal", "int_literal", "float_literal", "true", "false"})
    BLOCK_TYPES = frozenset({"block"})
    NULL_TYPES = frozenset({"nil"})
    THROW_TYPES: frozenset[str] = frozenset()
    EXIT_TYPES = frozenset({"break_statement", "continue_statement", "goto_statement"})
    CATCH_TYPES: frozenset[str] = frozenset()
    TRY_TYPES: frozenset[str] = frozenset()
    MEMBER_TYPES = frozenset({"selector_expression", "index_expression"})
    LOOP_TYPES = frozenset({"for_statement"})
    CASE_TYPES = frozenset({"expression_case", "default_case", "type_case", "communication_case"})
    CASE_CONTAINER_TYPES: frozenset[str] = frozenset()
    DECORATOR_TYPES: frozenset[str] = frozenset()
    SPREAD_TYPES = frozenset({"variadic_argument"})

    BOUND_TYPES = frozenset({"const_spec", "var_spec", "short_var_declaration", "assignment_statement", "keyed_element",
                             "field_declaration"})
    BINDING_TYPES = frozenset({"short_var_declaration", "var_spec", "range_clause"})
    # every @unit.* capture of grammars/go/units.scm: the walk pattern rides in the file queries' pass
    UNIT_NODE_TYPES = frozenset({"function_declaration", "method_declaration", "func_literal"})

    _LANG: Optional[Language] = None

    def ts_language(self) -> Language:
        cls = type(self)
        if cls._LANG is None:
            import tree_sitter_go

            cls._LANG = Language(tree_sitter_go.language())
        return cls._LANG

    def statements(self, block: Node) -> list[Node]:
        kinds = self._kinds
        if kinds[block.kind_id] == "block":
            out: list[Node] = []
            comments = self.COMMENT_TYPES
            for c in block.named_children:
                t = kinds[c.kind_id]
                if t == "statement_list":
                    out += self._uncommented(c.named_children)
                elif t not in comments:
                    out.append(c)
            return out
        return [block]

    # a case's statements sit in a statement_list (select's communication cases too); cases never
    # fall through unless they say `fallthrough`
    SWITCH_TYPES = frozenset({"expression_switch_statement", "type_switch_statement"})
    SWITCH_FALLS_THROUGH = False

    def case_statements(self, case: Node) -> list[Node]:
        out: list[Node] = []
        for c in case.named_children:
            if c.type == "statement_list":
                out.extend(x for x in c.named_children if x.type not in self.COMMENT_TYPES)
        return out

    def switch_parts(self, stmt: Node, ctx: FileContext) -> Optional[tuple[Optional[Node], list[tuple[Optional[list[Node]], list[Node], Node]]]]:
        """`switch x { case a, b: ... default: ... }`, tagless `switch { case x > 0: ... }`, and
        `switch v := x.(type) { case T: ... }` (a case tests `x == T`)."""
        subject = stmt.child_by_field_id(self._f_value)
        cases: list[tuple[Optional[list[Node]], list[Node], Node]] = []
        for c in stmt.named_children:
            ct = c.type
            if ct == "expression_case":
                value = c.child_by_field_id(self._f_value)
                vals = [x for x in value.named_children if x.type not in self.COMMENT_TYPES] if value is not None else []
                if not vals:
                    return None
                cases.append((vals, self.case_statements(c), c))
            elif ct == "type_case":
                vals = [x for x in c.children_by_field_name("type") if x.is_named]
                if not vals or subject is None:
                    return None
                cases.append((vals, self.case_statements(c), c))
            elif ct == "default_case":
                cases.append((None, self.case_statements(c), c))
        return subject, cases

    def top_statements(self, body: Node) -> list[Node]:
        if body.type == "source_file":
            return [c for c in body.named_children if c.type not in self.COMMENT_TYPES]
        return self.statements(body)

    def is_call(self, node: Node) -> bool:
        if node.type == "composite_literal":
            t = node.child_by_field_id(self._f_type)
            return t is not None and t.type in ("type_identifier", "qualified_type", "generic_type")
        return True

    # ---- names ----
    def dotted(self, node: Node, ctx: FileContext) -> str:
        suffix: list[str] = []
        for _ in range(10_000):
            t = node.type
            if t == "selector_expression":
                suffix.append("." + ctx.text(node.child_by_field_id(self._f_field)))
                node = node.child_by_field_id(self._f_operand) or node
                continue
            if t == "call_expression":
                suffix.append("()")
                node = node.child_by_field_id(self._f_function) or node
                continue
            if t == "index_expression":
                suffix.append("[]")
                node = node.child_by_field_id(self._f_operand) or node
                continue
            if t == "parenthesized_expression" and node.named_children:
                node = node.named_children[0]
                continue
            if t == "qualified_type":
                pkg, name = node.child_by_field_id(self._f_package), node.child_by_field_id(self._f_name)
                suffix.append("." + ctx.text(name))
                node = pkg or node
                if pkg is None:
                    break
                continue
            break
        head = ctx.text(node) if node.type in ("identifier", "package_identifier", "type_identifier", "field_identifier") else fast_squash(ctx.text(node))
        return head + "".join(reversed(suffix))

    def callee_name(self, call: Node, ctx: FileContext) -> str:
        if call.type == "composite_literal":
            t = call.child_by_field_id(self._f_type)
            return self.resolve(self.dotted(t, ctx), ctx) if t is not None else ""
        fn = call.child_by_field_id(self._f_function)
        if fn is None:
            return fast_squash(ctx.text(call))
        # the same callee text recurs through a file (`http.Error`, `h.log.Error`): its dotted,
        # resolved name is a function of that text (and of the file's imports, read before)
        memo = ctx.callee_memo
        if memo is None:
            return self.resolve(self.dotted(fn, ctx), ctx)
        text = ctx.text(fn)
        found = memo.get(text)
        if found is None:
            found = memo[text] = self.resolve(self.dotted(fn, ctx), ctx)
        return found

    def positional_nodes(self, call: Node) -> list[Node]:
        if call.type == "composite_literal":
            body = call.child_by_field_id(self._f_body)
            return [c for c in (body.named_children if body is not None else []) if c.type not in ("keyed_element", "comment")]
        return super().positional_nodes(call)

    def call_arguments(self, call: Node, ctx: FileContext) -> list[Argument]:
        if call.type == "composite_literal":
            return self._struct_fields(call, ctx)
        args = call.child_by_field_id(self._f_arguments)
        out: list[Argument] = []
        for a in args.named_children if args is not None else []:
            if a.type in self.COMMENT_TYPES:
                continue
            if a.type == "variadic_argument":
                out.append(self.argument("*", a.named_children[0] if a.named_children else a, ctx))
            else:
                out.append(self.argument(None, a, ctx))
        return out

    def call_parts(self, call: Node, d: UnitDraft, ctx: FileContext) -> tuple[tuple[Argument, ...], tuple[str, ...]]:
        """call_arguments and the positional keys in one pass over the arguments (a struct
        literal's fields take the generic way)."""
        if call.type == "composite_literal":
            return super().call_parts(call, d, ctx)
        node = call.child_by_field_id(self._f_arguments)
        args: list[Argument] = []
        keys: list[str] = []
        comments = self.COMMENT_TYPES
        for a in node.named_children if node is not None else []:
            t = a.type
            if t in comments:
                continue
            if t == "variadic_argument":
                args.append(self.argument("*", a.named_children[0] if a.named_children else a, ctx))
            else:
                self._plain_argument(a, t, d, ctx, args, keys)
        return tuple(args), tuple(keys)

    def _struct_fields(self, lit: Node, ctx: FileContext) -> list[Argument]:
        out: list[Argument] = []
        for key, value in self.config_pairs(lit, ctx):
            out.append(self.argument(key, value, ctx))
        for n in self.positional_in(lit, ctx):
            out.append(self.argument(None, _element(n), ctx))
        return out

    def config_pairs(self, value: Node, ctx: FileContext) -> list[tuple[str, Node]]:
        if value.type == "unary_expression" and value.named_children:
            value = value.named_children[-1]
        if value.type != "composite_literal":
            return []
        body = value.child_by_field_id(self._f_body)
        out: list[tuple[str, Node]] = []
        for c in body.named_children if body is not None else []:
            if c.type == "keyed_element":
                kids = [k for k in c.named_children if k.type not in self.COMMENT_TYPES]
                if len(kids) == 2:
                    out.append((_unquote_go(ctx.text(_element(kids[0]))), _element(kids[1])))
        return out

    def literal_of(self, node: Node, ctx: FileContext) -> LiteralValue:
        t = node.type
        text = ctx.text(node)
        if t in ("interpreted_string_literal", "raw_string_literal"):
            return _unquote_go(text)
        if t == "int_literal":
            try:
                return int(text.replace("_", ""), 0)
            except ValueError:
                try:
                    return int(text.replace("_", ""), 8)
                except ValueError:
                    return None
        if t == "float_literal":
            try:
                return float(text.replace("_", ""))
            except ValueError:
                return None
        if t == "true":
            return True
        if t == "false":
            return False
        return None

    # ---- units ----
    def receiver_of(self, node: Node, ctx: FileContext) -> Optional[str]:
        if node.type != "method_declaration":
            return None
        recv = node.child_by_field_id(self._f_receiver)
        if recv is None:
            return None
        stack = [recv]
        while stack:
            n = stack.pop()
            if n.type == "type_identifier":
                return ctx.text(n)
            stack.extend(reversed(n.named_children))
        return None

    def _param_decls(self, fn: Node) -> list[Node]:
        out: list[Node] = []
        recv = fn.child_by_field_id(self._f_receiver)
        params = fn.child_by_field_id(self._f_parameters)
        for plist in (recv, params):
            if plist is not None:
                out.extend(c for c in plist.named_children if c.type in ("parameter_declaration", "variadic_parameter_declaration"))
        return out

    def param_names(self, fn: Node, ctx: FileContext) -> list[str]:
        names: list[str] = []
        for decl in self._param_decls(fn):
            for c in decl.children:
                if c.type == "identifier":
                    names.append(ctx.text(c))
        return names

    def bindings(self, node: Node, ctx: FileContext) -> list[tuple[str, Optional[Node], str]]:
        t = node.type
        if t == "short_var_declaration":
            left, right = node.child_by_field_id(self._f_left), node.child_by_field_id(self._f_right)
            return [(ctx.text(c), right, "") for c in (left.named_children if left is not None else []) if c.type == "identifier" and ctx.text(c) != "_"]
        if t == "var_spec":
            value = node.child_by_field_id(self._f_value)
            return [(ctx.text(c), value, "") for c in node.children_by_field_name("name")]
        if t == "range_clause":
            left, right = node.child_by_field_id(self._f_left), node.child_by_field_id(self._f_right)
            return [(ctx.text(c), right, "for:") for c in (left.named_children if left is not None else []) if c.type == "identifier" and ctx.text(c) != "_"]
        return []

    def _body_key(self, d: UnitDraft, ctx: FileContext) -> str:
        """The key, with a range clause's blank variables written as `gofmt -s` writes them
        (`for k, _ := range m` is `for k := range m`, `for _ = range c` is `for range c`): the
        same loop, which a "gofmt -s" commit must not show as changed behaviour."""
        key = super()._body_key(d, ctx)
        return _BLANK_RANGE.sub(_unblank, key) if "_" in key and "range" in key else key

    def binding_key(self, node: Node, d: UnitDraft, ctx: FileContext) -> str:
        """`claims, err := h.verify(raw)` binds two names to one value: the second name's key is
        the first one's unless the name bound in between occurs in the value's text (renames
        only grow, so the key with one more rename differs only where that name is written)."""
        n = len(d.renames)
        memo = d.key_memo
        start, end = node.start_byte, node.end_byte
        found = memo.get((start, end, n))
        if found is None:
            before = memo.get((start, end, n - 1))
            if before is not None and n and next(reversed(d.renames)) not in ctx.text(node):
                found = memo[(start, end, n)] = before
            else:
                found = super().binding_key(node, d, ctx)
        return found

    # ---- imports ----
    def collect_imports(self, root: Node, ctx: FileContext) -> None:
        for _, caps in self.query_matches(root, ctx, "imports.scm"):
            for spec in caps.get("import", []):
                path_node = spec.child_by_field_id(self._f_path)
                name_node = spec.child_by_field_id(self._f_name)
                if path_node is None:
                    continue
                path = _unquote_go(ctx.text(path_node))
                pkg = path.rsplit("/", 1)[-1]
                if re.fullmatch(r"v\d+", pkg) and "/" in path:  # github.com/golang-jwt/jwt/v5 -> jwt
                    pkg = path.rsplit("/", 2)[-2]
                local = ctx.text(name_node) if name_node is not None else pkg
                if local in ("_", "."):
                    continue
                ctx.imports[local] = path
                ctx.aliases[local] = pkg

    def resolve(self, dotted: str, ctx: FileContext) -> str:
        head, sep, rest = dotted.partition(".")
        pkg = ctx.aliases.get(head)
        if sep and pkg and pkg != head:
            return f"{pkg}.{rest}"
        return dotted

    # ---- what denies ----
    def deny_call(self, call: Node, ctx: FileContext) -> Optional[Action]:
        if self._kinds[call.kind_id] != "call_expression":
            return None
        c = self.callee(call, ctx)
        if c == "http.Error" or c.endswith(".Error") and len(self.positional_in(call, ctx)) == 3:
            return Action.ABORT
        if c.endswith(("WriteHeader", ".JSON", ".String", ".XML", ".NoContent", ".Status")):
            args = self.positional_in(call, ctx)
            if args and DENY_STATUS.search(ctx.text(args[0])):
                return Action.ABORT
        if c in ("http.Redirect",) or found_in(ABORT_CALLS, c) and not c.endswith("Println"):
            return Action.ABORT
        return None

    def is_panic(self, stmt: Node, ctx: FileContext) -> bool:
        kinds = self._kinds
        expr = (stmt.named_child(0) or stmt) if kinds[stmt.kind_id] == "expression_statement" else stmt
        return kinds[expr.kind_id] == "call_expression" and self.callee(expr, ctx) == "panic"

    def deny_value(self, value: Node, ctx: FileContext) -> Optional[Action]:
        v = self.unparen(value)
        t = self._kinds[v.kind_id]
        if t == "false":
            return Action.DENY_RETURN
        if t == "identifier" and ERR_VALUE.match(ctx.text(v)):
            return Action.DENY_RETURN
        if t == "call_expression":
            c = self.callee(v, ctx)
            last = c.rsplit(".", 1)[-1]
            if c in ("errors.New", "fmt.Errorf") or found_in(ERR_CONSTRUCTOR, c) and ("err" in c.lower() or c.startswith(("errors.", "fmt.", "status."))):
                return Action.DENY_RETURN
            if any(w in last.lower() for w in DENY_WORDS) or DENY_STATUS.search(ctx.text(v)) and "Error" in c:
                return Action.DENY_RETURN
            # an error decorated or wrapped on its way out is still the error:
            # ErrInvalidRequest.WithHint(...), errorsx.WithStack(err), pkgerrors.WithMessage(err, ...)
            head = c.split(".", 1)[0]
            if "." in c and (ERR_VALUE.match(head) or ERR_PACKAGE.match(head)):
                return Action.DENY_RETURN
            args = self.positional_in(v, ctx)
            if args and self.deny_value(args[0], ctx) is Action.DENY_RETURN and ERR_WRAPPER.search(last):
                return Action.DENY_RETURN
        if t == "selector_expression" and ERR_VALUE.match(ctx.text(v.child_by_field_id(self._f_field))):
            return Action.DENY_RETURN
        return None

    def return_values(self, ret: Node) -> list[Node]:
        out: list[Node] = []
        kinds, comments = self._kinds, self.COMMENT_TYPES
        for c in ret.named_children:
            t = kinds[c.kind_id]
            if t == "expression_list":
                out += self._uncommented(c.named_children)
            elif t not in comments:
                out.append(c)
        return out

    def propagates(self, stmts: list[Node], ctx: FileContext) -> bool:
        kinds = self._kinds
        for s in stmts:
            if kinds[s.kind_id] == "return_statement":
                for v in self.return_values(s):
                    if self.deny_value(v, ctx) is not None and kinds[v.kind_id] != "false":
                        return True
        return False

    def err_branch(self, node: Node, cond: Node, ctx: FileContext) -> Optional[tuple[str, ...]]:
        """`if err != nil { ... }` handles the error of the call that produced `err`."""
        c = self.unparen(cond)
        if c.type != "binary_expression" or self.binary_op(c) != "!=":
            return None
        left, right = c.child_by_field_id(self._f_left), c.child_by_field_id(self._f_right)
        if left is None or right is None:
            return None
        if right.type != "nil":
            left, right = right, left
        if right.type != "nil" or left.type != "identifier" or "err" not in ctx.text(left).lower():
            return None
        name = ctx.text(left)
        init = node.child_by_field_id(self._f_initializer)
        source = init
        if source is None:
            prev = node.prev_named_sibling
            while prev is not None and prev.type == "comment":
                prev = prev.prev_named_sibling
            if prev is not None and prev.type in ("short_var_declaration", "assignment_statement", "var_declaration"):
                if _word_pattern(name).search(ctx.text(prev.child_by_field_id(self._f_left) or prev)):
                    source = prev
        return tuple(self._callees_in(source, ctx)) if source is not None else ()

    # ---- literals and settings ----
    def collection_items(self, node: Node, ctx: FileContext) -> Optional[tuple[str, tuple[str, ...]]]:
        if node.type == "unary_expression" and node.named_children:
            node = node.named_children[-1]
        if node.type != "composite_literal":
            return None
        t = node.child_by_field_id(self._f_type)
        body = node.child_by_field_id(self._f_body)
        if t is None or body is None:
            return None
        if t.type in ("slice_type", "array_type", "implicit_length_array_type"):
            return "list", tuple(self._item(_element(c), ctx) for c in body.named_children if c.type not in self.COMMENT_TYPES)
        if t.type == "map_type":
            return "dict-keys", tuple(k for k, _ in self._map_pairs(body, ctx))
        return None

    def _map_pairs(self, body: Node, ctx: FileContext) -> list[tuple[str, Node]]:
        out = []
        for c in body.named_children:
            if c.type == "keyed_element":
                kids = [k for k in c.named_children if k.type not in self.COMMENT_TYPES]
                if len(kids) == 2:
                    out.append((self._item(_element(kids[0]), ctx), _element(kids[1])))
        return out

    def _item(self, node: Node, ctx: FileContext) -> str:
        lit = self.literal_of(node, ctx)
        return lit if isinstance(lit, str) else fast_squash(ctx.text(node))

    def bound_values(self, node: Node, ctx: FileContext, unit: UnitDraft) -> list[tuple[str, Node, str]]:
        t = node.type
        if t in ("const_spec", "var_spec"):
            names = node.children_by_field_name("name")
            value = node.child_by_field_id(self._f_value)
            if value is None:
                return []
            if unit.kind == "module":
                return [(ctx.text(n), v, "assignment") for n, v in zip(names, value.named_children)]
            # a local binding is read for its literal collection alone (no scope: no Setting),
            # and only a composite literal, `&` of one or not, is a collection (collection_items)
            return [(ctx.text(n), v, "") for n, v in zip(names, value.named_children) if v.type in _COLLECTION_VALUE]
        if t in ("short_var_declaration", "assignment_statement"):
            left, right = node.child_by_field_id(self._f_left), node.child_by_field_id(self._f_right)
            if left is None or right is None:
                return []
            # (as a local const/var: only a pair whose value can be a collection yields anything)
            return [(fast_squash(ctx.text(n)), v, "") for n, v in zip(left.named_children, right.named_children)
                    if v.type in _COLLECTION_VALUE]
        if t == "field_declaration":
            # `type T struct { F *X }` at top level: Setting("T.F", "*X", scope="field"), so a
            # rule can see a field's type change (a nil check that cannot compile any more)
            if unit.kind != "module":
                return []  # (before the parents: each is found from the root down)
            owner = node.parent.parent if node.parent is not None else None  # field_declaration_list -> struct_type
            spec = owner.parent if owner is not None and owner.type == "struct_type" else None
            type_node = node.child_by_field_id(self._f_type)
            if unit.kind != "module" or spec is None or spec.type != "type_spec" or type_node is None:
                return []
            tname = spec.child_by_field_id(self._f_name)
            if tname is None:
                return []
            return [(f"{ctx.text(tname)}.{ctx.text(n)}", type_node, "field") for n in node.children_by_field_name("name")]
        if t == "keyed_element":
            kids = [k for k in node.named_children if k.type not in self.COMMENT_TYPES]
            if len(kids) == 2:
                value = _element(kids[1])
                if value.type in _COLLECTION_VALUE and self.collection_items(value, ctx) is not None:
                    return [(_unquote_go(ctx.text(_element(kids[0]))), value, "")]
        return []

    def regex_call(self, call: Node, ctx: FileContext) -> Optional[str]:
        if self._kinds[call.kind_id] == "call_expression" and self.callee(call, ctx) in ("regexp.MustCompile", "regexp.Compile", "regexp.MatchString", "regexp.MustCompilePOSIX"):
            args = self.call_arguments(call, ctx)
            if args and isinstance(args[0].literal, str):
                return args[0].literal
        return None

    # ---- middleware ----
    def route_middleware(self, call: Node, ctx: FileContext) -> list[tuple[str, str, Node]]:
        if call.type != "call_expression":
            return []
        c = self.callee(call, ctx)
        method = c.rsplit(".", 1)[-1]  # routes.scm chose the call
        args = self.positional_nodes(call)
        route = ""
        if args and args[0].type in ("interpreted_string_literal", "raw_string_literal"):
            route = ctx.text(args[0])
            args = args[1:]
        elif method not in ("Use", "With", "ListenAndServe", "ListenAndServeTLS", "Group"):
            return []
        out: list[tuple[str, str, Node]] = []
        if method in ("Use", "With"):
            middle, last = args, None
        else:
            middle, last = args[:-1], (args[-1] if args else None)
            if method.startswith("ListenAndServe"):
                middle = []
        for a in middle:
            name = self._handler_name(a, ctx)
            if name:
                out.append((name, route, a))
        node = last
        for _ in range(20):  # auth(logging(h)): unwrap the wrappers around the final handler
            if node is None or node.type != "call_expression":
                break
            callee = self.callee(node, ctx)
            inner = self.positional_nodes(node)
            if not inner:
                break
            if not found_in(WRAP_ONLY, callee):
                out.append((callee, route, node))
            node = inner[-1]
        return out

    def peel_conversion(self, node: Node) -> Node:
        for _ in range(4):
            if node.type == "type_conversion_expression":
                operand = node.child_by_field_id(self._f_operand)
                if operand is not None:
                    node = operand
                    continue
            if node.type == "call_expression":
                fn = node.child_by_field_id(self._f_function)
                args = self.positional_nodes(node)
                if fn is not None and len(args) == 1 and (fn.type == "slice_type" or (fn.type == "identifier" and fn.text in (b"string",))):
                    node = args[0]
                    continue
            if node.type == "slice_expression" and node.child_by_field_id(self._f_start) is None and node.child_by_field_id(self._f_end) is None:
                operand = node.child_by_field_id(self._f_operand)
                if operand is not None:
                    node = operand
                    continue
            break
        return node

    def _handler_name(self, node: Node, ctx: FileContext) -> str:
        if node.type in ("identifier", "selector_expression"):
            return self.resolve(self.dotted(node, ctx), ctx)
        if node.type == "call_expression":
            return self.callee(node, ctx)
        return ""


def _element(node: Node) -> Node:
    """`literal_element` wraps keys and values of composite literals."""
    if node.type == "literal_element" and node.named_children:
        return node.named_children[0]
    return node


def _unquote_go(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"`'":
        return text[1:-1]
    return text
