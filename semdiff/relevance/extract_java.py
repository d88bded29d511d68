"""Call-graph facts for Java (tree-sitter).

Imports: `import a.b.C` -> Import("C", "a.b", "C"); `import static a.B.m` -> Import("m",
"a.B", "m"); `import a.b.*` -> Import("*", "a.b"); the package declaration ->
Import("<package>", "a.b"). semdiff.relevance.resolve_java turns these into fully qualified
class names, with same-package classes visible without import.

Field, local and parameter types feed the type table, so `tokens.verify()` on a
`TokenService tokens` field becomes `TokenService.verify`. Annotations on a method or class
are `decorator` sites (`@PreAuthorize`), except Spring's mapping annotations, which become
RouteSites (`@GetMapping("/x")` under a class `@RequestMapping("/api")` -> `GET /api/x`).
"""
from __future__ import annotations

import re
from typing import Optional

from tree_sitter import Language, Node

from semdiff.relevance.extract_treesitter import (
    COMPUTED, Draft, Site, TreeSitterExtractor, TypeTable, dotted, simple_type, text, unquote,
)
from semdiff.relevance.facts import EXTRACTOR_VERSIONS, CallSite, Definition, Import, RouteSite

EXTRACTOR_VERSION = EXTRACTOR_VERSIONS["java"]  # bump it in semdiff.relevance.facts
PACKAGE = "<package>"
MAPPINGS = {"GetMapping": "GET", "PostMapping": "POST", "PutMapping": "PUT", "DeleteMapping": "DELETE",
            "PatchMapping": "PATCH", "RequestMapping": "ANY"}
# java.lang annotations that say nothing about what runs
_INERT = {"Override", "Deprecated", "SuppressWarnings", "FunctionalInterface", "SafeVarargs"}
_DECLARATIONS = {"method_declaration", "constructor_declaration", "class_declaration", "interface_declaration",
                 "enum_declaration", "record_declaration"}
_SELF = ("this",)
_WS = re.compile(r"\s+")


def _first_string(data: bytes, args: Optional[Node]) -> Optional[str]:
    """The path of `@GetMapping("/x")`, `@RequestMapping(value = "/x")`, `(path = {"/x"})`."""
    if args is None:
        return None
    for c in args.named_children:
        if c.type == "element_value_pair":
            key = text(data, c.child_by_field_name("key"))
            if key not in ("value", "path"):
                continue
            c = c.child_by_field_name("value") or c
        if c.type == "element_value_array_initializer" and c.named_child_count:
            c = c.named_children[0]
        if c.type == "string_literal":
            return unquote(text(data, c))
    return None


class JavaExtractor(TreeSitterExtractor):
    language = "java"
    version = EXTRACTOR_VERSION
    grammar = "java"
    _LANG: Optional[Language] = None

    def ts_language(self) -> Language:
        cls = type(self)
        if cls._LANG is None:
            import tree_sitter_java

            cls._LANG = Language(tree_sitter_java.language())
        return cls._LANG

    def draft(self, data: bytes, node: Node, name_node: Optional[Node], raw: str) -> Optional[Draft]:
        if node.type in ("constructor_declaration", "compact_constructor_declaration"):
            return Draft(node, "<init>", raw)
        name = text(data, name_node)
        return Draft(node, name, raw) if name else None

    def bases(self, node: Node) -> tuple[str, ...]:
        out: list[str] = []
        for field in ("superclass", "interfaces"):
            part = node.child_by_field_name(field)
            stack = [part] if part is not None else []
            while stack:
                n = stack.pop()
                if n.type in ("type_identifier", "scoped_type_identifier"):
                    t = simple_type(n.text.decode("utf-8", "replace") if n.text else "")
                    if t:
                        out.append(t)
                    continue
                if n.type == "generic_type":
                    n = n.named_children[0] if n.named_child_count else n
                    t = simple_type(n.text.decode("utf-8", "replace") if n.text else "")
                    if t:
                        out.append(t)
                    continue
                stack.extend(reversed(n.named_children))
        return tuple(out)

    def collect(self, data: bytes, caps: dict[str, list[Node]], sites: list[Site], imports: list[Import]) -> None:
        if "call" in caps:
            sites.append(Site(caps["call"][0], "call", caps["callee"][0]))
        elif "new" in caps:
            sites.append(Site(caps["new"][0], "new", caps["callee"][0]))
        elif "mref" in caps:
            sites.append(Site(caps["mref"][0], "mref"))
        elif "annotation" in caps:
            sites.append(Site(caps["annotation"][0], "annotation"))
        elif "var" in caps:
            sites.append(Site(caps["var"][0], "var", caps["var.type"][0]))
        elif "param" in caps:
            sites.append(Site(caps["param"][0], "param", (caps["var.type"][0], caps["var.name"][0])))
        elif "import" in caps:
            self._import(data, caps["import"][0], imports)
        elif "package" in caps:
            name = next((c for c in caps["package"][0].named_children if c.type in ("identifier", "scoped_identifier")), None)
            if name is not None:
                imports.append(Import(PACKAGE, _WS.sub("", text(data, name))))

    def finish(self, data: bytes, sites: list[Site], definitions: list[Definition], spans: list[tuple[int, int, str, str]],
               imports: list[Import], calls: list[CallSite], routes: list[RouteSite]) -> None:
        types = TypeTable()
        for s in sites:
            if s.what == "var":
                t = simple_type(text(data, s.extra))  # type: ignore[arg-type]
                for decl in s.node.children_by_field_name("declarator"):
                    types.add(s.scope, text(data, decl.child_by_field_name("name")), t)
            elif s.what == "param":
                tnode, nnode = s.extra  # type: ignore[misc]
                types.add(s.scope, text(data, nnode), simple_type(text(data, tnode)))
        qual_at = {start: (qual, kind) for start, _end, qual, kind in spans}
        prefixes: dict[str, str] = {}  # class qualname -> its @RequestMapping path
        for s in sites:
            node = s.node
            line, col = node.start_point[0] + 1, node.start_point[1]
            if s.what == "call":
                name = text(data, s.extra)  # type: ignore[arg-type]
                obj = node.child_by_field_name("object")
                if obj is None:
                    target = name
                else:
                    head = dotted(text(data, obj)) if obj.type in ("identifier", "field_access", "this", "super") else None
                    target = types.rewrite(s.scope, f"{head}.{name}", _SELF) if head else f"{COMPUTED}.{name}"
                calls.append(CallSite(s.scope, target, line, col, "call"))
            elif s.what == "new":
                t = simple_type(text(data, s.extra))  # type: ignore[arg-type]
                if t:
                    calls.append(CallSite(s.scope, t, line, col, "call"))
            elif s.what == "mref":
                parts = [c for c in node.named_children]
                if len(parts) == 2:
                    head = dotted(text(data, parts[0])) if parts[0].type in ("identifier", "field_access", "this", "scoped_identifier") else None
                    name = text(data, parts[1])
                    if head and parts[1].type == "identifier":
                        calls.append(CallSite(s.scope, types.rewrite(s.scope, f"{head}.{name}", _SELF), line, col, "call"))
            elif s.what == "annotation":
                self._annotation(data, node, s.scope, qual_at, prefixes, calls, routes)

    @staticmethod
    def _annotation(data: bytes, node: Node, scope: str, qual_at: dict[int, tuple[str, str]], prefixes: dict[str, str],
                    calls: list[CallSite], routes: list[RouteSite]) -> None:
        mods = node.parent
        decl = mods.parent if mods is not None and mods.type == "modifiers" else None
        if decl is None or decl.type not in _DECLARATIONS:
            return  # parameter/field/local annotations (`@RequestBody`) do not run code
        owner = qual_at.get(decl.start_byte)
        if owner is None:
            return
        qual, kind = owner
        name = _WS.sub("", text(data, node.child_by_field_name("name")))
        last = name.rpartition(".")[2]
        line, col = node.start_point[0] + 1, node.start_point[1]
        if last in _INERT:
            return
        if last in MAPPINGS:
            path = _first_string(data, node.child_by_field_name("arguments")) or ""
            if kind == "class":
                prefixes[qual] = path
                return
            cls = qual.rpartition(".")[0]
            prefix = prefixes.get(cls, "")
            rule = "/" + "/".join(p.strip("/") for p in (prefix, path) if p.strip("/"))
            routes.append(RouteSite(cls or scope, qual, f"{MAPPINGS[last]} {rule}", "spring", line, True))
            return
        calls.append(CallSite(qual, name, line, col, "decorator"))

    @staticmethod
    def _import(data: bytes, node: Node, imports: list[Import]) -> None:
        is_static = any(c.type == "static" for c in node.children)
        wildcard = any(c.type == "asterisk" for c in node.children)
        name = next((c for c in node.named_children if c.type in ("identifier", "scoped_identifier")), None)
        if name is None:
            return
        full = _WS.sub("", text(data, name))
        if wildcard:
            imports.append(Import("*", full, "static" if is_static else ""))
            return
        module, _, last = full.rpartition(".")
        if last:
            imports.append(Import(last, module, last))
