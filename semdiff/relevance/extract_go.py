"""Call-graph facts for Go (tree-sitter).

Imports keep the import path (`github.com/golang-jwt/jwt/v5`) with the alias as local name
(empty when none: semdiff.relevance.resolve_go derives the package name). The file's
package clause is recorded as Import("<package>", name): every file of a directory shares
that package's namespace, which the resolver builds from all of them.

Receivers and parameters with a named type, and struct fields, feed the type table, so
`s.auth.Check()` in `func (s *Server)` with `auth *Auth` in Server becomes `Auth.Check`.
Route registrations (`http.HandleFunc("/x", h)`, `mux.Handle("/x", auth(h))`, gin/chi/echo
verbs) become RouteSites for the innermost handler; the functions wrapping it are
`decorator` sites of the handler when it is defined in the same file, else of the
registering scope; `r.Use(mw)` is a decorator site of the registering scope.
"""
from __future__ import annotations

from typing import Optional

from tree_sitter import Language, Node

from semdiff.relevance.extract_treesitter import (
    COMPUTED, Draft, Site, TreeSitterExtractor, TypeTable, dotted, simple_type, text, unquote,
)
from semdiff.relevance.facts import EXTRACTOR_VERSIONS, CallSite, Definition, Import, RouteSite

EXTRACTOR_VERSION = EXTRACTOR_VERSIONS["go"]  # bump it in semdiff.relevance.facts
PACKAGE = "<package>"
ROUTE_METHODS = {"Handle", "HandleFunc", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "Any",
                 "Get", "Post", "Put", "Delete", "Patch", "Head", "Options", "Method", "MethodFunc"}
MIDDLEWARE_METHODS = {"Use", "With"}
# conversions that wrap a handler without guarding it
_NOT_MIDDLEWARE = {"http.HandlerFunc", "HandlerFunc", "http.StripPrefix"}
_SELF: tuple[str, ...] = ()


def _string(data: bytes, node: Optional[Node]) -> Optional[str]:
    if node is None or node.type not in ("interpreted_string_literal", "raw_string_literal"):
        return None
    return unquote(text(data, node))


class GoExtractor(TreeSitterExtractor):
    language = "go"
    version = EXTRACTOR_VERSION
    grammar = "go"
    _LANG: Optional[Language] = None

    def ts_language(self) -> Language:
        cls = type(self)
        if cls._LANG is None:
            import tree_sitter_go

            cls._LANG = Language(tree_sitter_go.language())
        return cls._LANG

    def draft(self, data: bytes, node: Node, name_node: Optional[Node], raw: str) -> Optional[Draft]:
        name = text(data, name_node)
        if not name:
            return None
        receiver = None
        if node.type == "method_declaration":  # semdiff.lang.ts_go.receiver_of
            recv = node.child_by_field_name("receiver")
            stack = [recv] if recv is not None else []
            while stack:
                n = stack.pop()
                if n.type == "type_identifier":
                    receiver = text(data, n)
                    break
                stack.extend(reversed(n.named_children))
        return Draft(node, name, raw, receiver)

    def collect(self, data: bytes, caps: dict[str, list[Node]], sites: list[Site], imports: list[Import]) -> None:
        if "call" in caps:
            sites.append(Site(caps["call"][0], "call", caps["callee"][0]))
        elif "param" in caps:
            sites.append(Site(caps["param"][0], "param", caps["var.type"][0]))
        elif "struct.name" in caps:
            sites.append(Site(caps["struct.body"][0], "struct", text(data, caps["struct.name"][0])))
        elif "import" in caps:
            spec = caps["import"][0]
            path = _string(data, spec.child_by_field_name("path"))
            alias = spec.child_by_field_name("name")
            if path:
                imports.append(Import(text(data, alias) if alias is not None else "", path))
        elif "package" in caps:
            ident = next((c for c in caps["package"][0].named_children if c.type == "package_identifier"), None)
            if ident is not None:
                imports.append(Import(PACKAGE, text(data, ident)))

    def finish(self, data: bytes, sites: list[Site], definitions: list[Definition], spans: list[tuple[int, int, str, str]],
               imports: list[Import], calls: list[CallSite], routes: list[RouteSite]) -> None:
        types = TypeTable()
        for s in sites:
            if s.what == "param":
                t = simple_type(text(data, s.extra))  # type: ignore[arg-type]
                for name in s.node.children_by_field_name("name"):
                    types.add(s.scope, text(data, name), t)
            elif s.what == "struct":
                body = s.node.named_children[0] if s.node.named_child_count else None
                for field in body.named_children if body is not None else ():
                    if field.type != "field_declaration":
                        continue
                    t = simple_type(text(data, field.child_by_field_name("type")))
                    for name in field.children_by_field_name("name"):
                        types.add(str(s.extra), text(data, name), t)
        top_level = {d.qualname for d in definitions}
        for s in sites:
            if s.what != "call":
                continue
            node, callee = s.node, s.extra
            assert isinstance(callee, Node)
            line, col = node.start_point[0] + 1, node.start_point[1]
            target = dotted(text(data, callee)) if callee.type in ("identifier", "selector_expression") else None
            if target is None:
                if callee.type == "selector_expression":
                    field = callee.child_by_field_name("field")
                    if field is not None:
                        calls.append(CallSite(s.scope, f"{COMPUTED}.{text(data, field)}", line, col, "call"))
                continue
            if "." in target:
                target = types.rewrite(s.scope, target, _SELF)
            last = target.rpartition(".")[2]
            if last in ROUTE_METHODS and self._route(data, node, s.scope, types, top_level, calls, routes):
                continue
            if last in MIDDLEWARE_METHODS:
                args = node.child_by_field_name("arguments")
                for a in args.named_children if args is not None else ():
                    t = dotted(text(data, a)) if a.type in ("identifier", "selector_expression") else None
                    if t:
                        calls.append(CallSite(s.scope, types.rewrite(s.scope, t, _SELF), line, col, "decorator"))
            calls.append(CallSite(s.scope, target, line, col, "call"))

    def _route(self, data: bytes, call: Node, scope: str, types: TypeTable, top_level: set[str],
               calls: list[CallSite], routes: list[RouteSite]) -> bool:
        args_node = call.child_by_field_name("arguments")
        args = [a for a in args_node.named_children if a.type != "comment"] if args_node is not None else []
        if len(args) < 2:
            return False
        rule = _string(data, args[0])
        if rule is None:
            return False
        line, col = call.start_point[0] + 1, call.start_point[1]
        wrappers: list[str] = []
        for mw in args[1:-1]:  # gin/echo: r.GET("/x", AuthRequired, h)
            t = dotted(text(data, mw)) if mw.type in ("identifier", "selector_expression") else None
            if t:
                wrappers.append(types.rewrite(scope, t, _SELF))
        handler_node: Optional[Node] = args[-1]
        handler: Optional[str] = None
        while handler_node is not None:  # auth(http.HandlerFunc(h)) -> wrappers [auth], handler h
            if handler_node.type in ("identifier", "selector_expression"):
                h = dotted(text(data, handler_node))
                handler = types.rewrite(scope, h, _SELF) if h else None
                break
            if handler_node.type != "call_expression":
                break
            fn = handler_node.child_by_field_name("function")
            fname = dotted(text(data, fn)) if fn is not None else None
            inner = handler_node.child_by_field_name("arguments")
            if fname and fname not in _NOT_MIDDLEWARE:
                wrappers.append(types.rewrite(scope, fname, _SELF))
            handler_node = inner.named_children[-1] if inner is not None and inner.named_child_count else None
        local = handler is not None and handler in top_level
        owner = handler if local and handler is not None else scope
        for w in wrappers:
            calls.append(CallSite(owner, w, line, col, "decorator"))
        if handler:
            routes.append(RouteSite(scope, handler, rule, "net/http", line, local))
        # the wrapper calls themselves (`auth(h)`) are call sites of the registering scope too
        calls.append(CallSite(scope, dotted(text(data, call.child_by_field_name("function"))) or "?", line, col, "call"))
        return True
