"""Call-graph facts for JavaScript/JSX and TypeScript/TSX (tree-sitter).

Imports keep the module specifier as written (`./auth`, `jsonwebtoken`, `node:crypto`);
semdiff.relevance.resolve_js turns it into a repository module or a package name. A default
import binds name `default`, a namespace import or plain `require` the whole module.
Exports are recorded as imports of the file itself with local `export:<name>` (module empty)
or, for re-exports, with the source module: `export default verify` ->
Import("export:default", "", "verify"), `module.exports = {check}` -> Import("export:check",
"", "check"), `export * from './x'` -> Import("export:*", "./x").

Express-style registrations (`app.get('/x', requireAuth, handler)`) become a RouteSite for the
handler and `decorator` call sites for the middleware: from the handler when it is defined in
the same file (the middleware runs before it, like a Python decorator), else from the
registering scope; `app.use(mw)` is a decorator site of the registering scope.
"""
from __future__ import annotations

import re
from typing import Optional

from tree_sitter import Language, Node

from semdiff.relevance.extract_treesitter import (
    COMPUTED, Draft, Site, TreeSitterExtractor, TypeTable, dotted, simple_type, text, unquote,
)
from semdiff.relevance.facts import EXTRACTOR_VERSIONS, MODULE_SCOPE, CallSite, Definition, Import, RouteSite

EXTRACTOR_VERSION = EXTRACTOR_VERSIONS["javascript"]  # bump it in semdiff.relevance.facts
ROUTE_VERBS = {"get", "post", "put", "delete", "patch", "all", "options", "head"}
# receivers whose `.get(...)` is plainly not a router (as grammars/javascript/routes.scm)
NOT_ROUTERS = re.compile(
    r"(res|req|request|response|ctx\.(request|response)|map|cache|params|headers|searchParams|store|localStorage"
    r"|sessionStorage|Object|Array|Reflect|JSON|Math|Promise|URLSearchParams|this\.\w+"
    # HTTP clients: `axios.post('/foo', data)` sends a request, it registers nothing
    r"|axios|\w*[cC]lient|http|https|api|instance|agent|fetch|got|ky|superagent|\$http|HttpClient)\Z"
)
_EXPORTS = re.compile(r"(module\.)?exports\.")
_SELF = ("this",)


def _string(data: bytes, node: Optional[Node]) -> Optional[str]:
    if node is None or node.type not in ("string", "template_string"):
        return None
    s = text(data, node)
    return None if "${" in s else unquote(s)


class JavaScriptExtractor(TreeSitterExtractor):
    language = "javascript"
    version = EXTRACTOR_VERSION
    grammar = "javascript"
    _LANG: Optional[Language] = None

    def ts_language(self) -> Language:
        cls = type(self)
        if cls._LANG is None:
            import tree_sitter_javascript

            cls._LANG = Language(tree_sitter_javascript.language())
        return cls._LANG

    # -- definitions (semdiff.lang.ts_javascript.unit_name) -------------------------------
    def draft(self, data: bytes, node: Node, name_node: Optional[Node], raw: str) -> Optional[Draft]:
        if name_node is None:
            return None
        name = unquote(text(data, name_node))
        parent = node.parent
        if parent is not None and (parent.type == "pair" or (node.type == "method_definition" and parent.type == "object")):
            obj = parent.parent if parent.type == "pair" else parent
            holder = obj.parent if obj is not None else None
            if holder is not None and holder.type == "variable_declarator":
                name = f"{text(data, holder.child_by_field_name('name'))}.{name}"
        elif name_node.type == "member_expression":
            name = re.sub(r"^(module\.)?exports\.", "", re.sub(r"\s+", "", name)).replace(".prototype.", ".")
        return Draft(node, name, raw) if name else None

    def bases(self, node: Node) -> tuple[str, ...]:
        for child in node.children:
            if child.type == "class_heritage":
                stack = list(reversed(child.named_children))
                while stack:
                    n = stack.pop()
                    if n.type in ("identifier", "member_expression", "type_identifier", "nested_type_identifier"):
                        d = dotted(n.text.decode("utf-8", "replace") if n.text is not None else "")
                        return (d,) if d else ()
                    stack.extend(reversed(n.named_children))
        return ()

    # -- sites ---------------------------------------------------------------------------
    def collect(self, data: bytes, caps: dict[str, list[Node]], sites: list[Site], imports: list[Import]) -> None:
        if "call" in caps:
            sites.append(Site(caps["call"][0], "call", caps["callee"][0]))
        elif "import" in caps:
            self._import(data, caps["import"][0], imports)
        elif "export" in caps:
            self._export(data, caps["export"][0], imports)
        elif "assign" in caps:
            self._commonjs_export(data, caps["lhs"][0], caps["rhs"][0], imports)
        elif "var" in caps:
            sites.append(Site(caps["var"][0], "var", (caps["var.name"][0], caps["var.type"][0])))

    def finish(self, data: bytes, sites: list[Site], definitions: list[Definition], spans: list[tuple[int, int, str, str]],
               imports: list[Import], calls: list[CallSite], routes: list[RouteSite]) -> None:
        types = TypeTable()
        for s in sites:
            if s.what == "var":
                name_node, type_node = s.extra  # type: ignore[misc]
                scope = s.scope
                if s.node.type == "required_parameter":
                    # a constructor parameter property (`private auth: Auth`) is a field of the class
                    if not any(c.type == "accessibility_modifier" for c in s.node.children):
                        pass
                    elif scope.endswith(".constructor"):
                        scope = scope[: -len(".constructor")]
                types.add(scope, text(data, name_node), simple_type(text(data, type_node).lstrip(":")))
        top_level = {d.qualname for d in definitions if "." not in d.qualname}
        for s in sites:
            if s.what != "call":
                continue
            node, callee = s.node, s.extra
            assert isinstance(callee, Node)
            line, col = node.start_point[0] + 1, node.start_point[1]
            ctext = text(data, callee)
            if ctext == "require":
                self._require(data, node, imports)
                continue
            target = dotted(ctext) if callee.type in ("identifier", "member_expression") else None
            if target is None:
                if callee.type == "member_expression":
                    prop = callee.child_by_field_name("property")
                    if prop is not None:
                        calls.append(CallSite(s.scope, f"{COMPUTED}.{text(data, prop)}", line, col, "call"))
                continue
            head, _, last = target.rpartition(".")
            if head and last in ROUTE_VERBS | {"use"} and not NOT_ROUTERS.match(head) and node.type == "call_expression":
                if self._route(data, node, s.scope, last, top_level, calls, routes):
                    continue
            if "." in target:
                target = types.rewrite(s.scope, target, _SELF)
            calls.append(CallSite(s.scope, target, line, col, "call"))

    def _route(self, data: bytes, call: Node, scope: str, verb: str, top_level: set[str],
               calls: list[CallSite], routes: list[RouteSite]) -> bool:
        args_node = call.child_by_field_name("arguments")
        args = [a for a in args_node.named_children if a.type != "comment"] if args_node is not None else []
        if not args:
            return False
        line, col = call.start_point[0] + 1, call.start_point[1]
        rule = _string(data, args[0])
        rest = args[1:] if rule is not None else args
        if verb == "use":
            for mw in rest:
                t = dotted(text(data, mw)) if mw.type in ("identifier", "member_expression") else None
                if t:
                    calls.append(CallSite(scope, t, line, col, "decorator"))
            return bool(rest)
        if rule is None or not rest:
            return False
        handler_node, middleware = rest[-1], rest[:-1]
        handler = dotted(text(data, handler_node)) if handler_node.type in ("identifier", "member_expression") else None
        owner = handler if handler in top_level else scope
        for mw in middleware:
            t = dotted(text(data, mw)) if mw.type in ("identifier", "member_expression") else None
            if t:
                calls.append(CallSite(owner, t, line, col, "decorator"))
        if handler:
            routes.append(RouteSite(scope, handler, f"{verb.upper()} {rule}", "express", line, handler in top_level))
        return True

    # -- imports and exports -------------------------------------------------------------
    @staticmethod
    def _import(data: bytes, node: Node, imports: list[Import]) -> None:
        source = _string(data, node.child_by_field_name("source"))
        if source is None:
            return
        for clause in node.children:
            if clause.type != "import_clause":
                continue
            for c in clause.named_children:
                if c.type == "identifier":
                    imports.append(Import(text(data, c), source, "default"))
                elif c.type == "namespace_import":
                    ident = next((x for x in c.named_children if x.type == "identifier"), None)
                    if ident is not None:
                        imports.append(Import(text(data, ident), source, ""))
                elif c.type == "named_imports":
                    for spec in c.named_children:
                        if spec.type != "import_specifier":
                            continue
                        name = unquote(text(data, spec.child_by_field_name("name")))
                        alias = spec.child_by_field_name("alias")
                        if name:
                            imports.append(Import(text(data, alias) if alias is not None else name, source, name))

    @staticmethod
    def _export(data: bytes, node: Node, imports: list[Import]) -> None:
        source = _string(data, node.child_by_field_name("source"))
        decl = node.child_by_field_name("declaration")
        value = node.child_by_field_name("value")
        second = node.child(1)
        is_default = second is not None and second.type == "default"
        if decl is not None and not is_default:
            return  # `export function f` / `export class C`: a top-level definition like any other
        if is_default:
            target = decl if decl is not None else value
            if target is not None:
                name_node = target.child_by_field_name("name") if target.type != "identifier" else target
                if name_node is not None:
                    imports.append(Import("export:default", "", text(data, name_node)))
            return
        clause = next((c for c in node.named_children if c.type == "export_clause"), None)
        if clause is None:
            if source is not None and any(c.type == "*" for c in node.children):
                imports.append(Import("export:*", source, ""))
            return
        for spec in clause.named_children:
            if spec.type != "export_specifier":
                continue
            name = unquote(text(data, spec.child_by_field_name("name")))
            alias = spec.child_by_field_name("alias")
            if name:
                imports.append(Import("export:" + (unquote(text(data, alias)) if alias is not None else name), source or "", name))

    @staticmethod
    def _commonjs_export(data: bytes, lhs: Node, rhs: Node, imports: list[Import]) -> None:
        left = re.sub(r"\s+", "", text(data, lhs))
        if left in ("module.exports", "exports"):
            if rhs.type == "identifier":
                imports.append(Import("export:default", "", text(data, rhs)))
            elif rhs.type == "object":
                for c in rhs.named_children:
                    if c.type == "shorthand_property_identifier":
                        n = text(data, c)
                        imports.append(Import("export:" + n, "", n))
                    elif c.type == "pair":
                        k, v = c.child_by_field_name("key"), c.child_by_field_name("value")
                        vd = dotted(text(data, v)) if v is not None and v.type in ("identifier", "member_expression") else None
                        if k is not None and vd:
                            imports.append(Import("export:" + unquote(text(data, k)), "", vd))
            elif rhs.type == "call_expression" and text(data, rhs.child_by_field_name("function")) == "require":
                args = rhs.child_by_field_name("arguments")
                spec = _string(data, args.named_children[0]) if args is not None and args.named_child_count else None
                if spec is not None:
                    imports.append(Import("export:*", spec, ""))
        elif _EXPORTS.match(left) and rhs.type in ("identifier", "member_expression"):
            name = _EXPORTS.sub("", left, count=1)
            vd = dotted(text(data, rhs))
            if "." not in name and vd:
                imports.append(Import("export:" + name, "", vd))

    @staticmethod
    def _require(data: bytes, call: Node, imports: list[Import]) -> None:
        args = call.child_by_field_name("arguments")
        spec = _string(data, args.named_children[0]) if args is not None and args.named_child_count else None
        if spec is None:
            return
        parent = call.parent
        while parent is not None and parent.type in ("await_expression", "parenthesized_expression"):
            parent = parent.parent
        if parent is None or parent.type != "variable_declarator":
            return
        name = parent.child_by_field_name("name")
        if name is None:
            return
        if name.type == "identifier":
            imports.append(Import(text(data, name), spec, ""))
        elif name.type == "object_pattern":
            for c in name.named_children:
                if c.type == "shorthand_property_identifier_pattern":
                    n = text(data, c)
                    imports.append(Import(n, spec, n))
                elif c.type == "pair_pattern":
                    k, v = c.child_by_field_name("key"), c.child_by_field_name("value")
                    if k is not None and v is not None and v.type == "identifier":
                        imports.append(Import(text(data, v), spec, unquote(text(data, k))))


class TypeScriptExtractor(JavaScriptExtractor):
    language = "typescript"
    grammar = "typescript"
    _LANG: Optional[Language] = None

    def ts_language(self) -> Language:
        cls = type(self)
        if cls._LANG is None:
            import tree_sitter_typescript

            cls._LANG = Language(tree_sitter_typescript.language_typescript())
        return cls._LANG


class TsxExtractor(TypeScriptExtractor):
    """Same facts as TypeScript (same language for the cache and seeds); JSX grammar."""

    _LANG: Optional[Language] = None

    def ts_language(self) -> Language:
        cls = type(self)
        if cls._LANG is None:
            import tree_sitter_typescript

            cls._LANG = Language(tree_sitter_typescript.language_tsx())
        return cls._LANG


__all__ = ["JavaScriptExtractor", "TypeScriptExtractor", "TsxExtractor", "MODULE_SCOPE"]
