"""Fast, error-tolerant Python pass for the repository call graph (tree-sitter).

libcst stays the precise parser for the changed files; this pass reads every file of the
repository, so it only collects what the graph needs: definitions, imports, call sites,
decorators, `Depends(...)` and route registrations. One tree-sitter query finds them all in
C; Python then does a single sweep in byte order to attach each site to its enclosing
definition, so nesting depth never turns into recursion depth.
"""
from __future__ import annotations

import re
from typing import Optional

import tree_sitter_python as tsp
from tree_sitter import Language, Node, Parser, Query, QueryCursor

from semdiff.budget import parse_tree
from semdiff.relevance.facts import EXTRACTOR_VERSIONS, MODULE_SCOPE, CallSite, Definition, FileFacts, Import, RouteSite

EXTRACTOR_VERSION = EXTRACTOR_VERSIONS["python"]  # bump it in semdiff.relevance.facts
# tree-sitter's query cursor is quadratic on a flat ERROR node made of very many tiny tokens
# (50k unclosed `(` or `lambda:` take seconds, a hostile file minutes), so such trees are
# refused. A real file with an unclosed bracket also yields a wide ERROR node, but of whole
# statements (tens of bytes per child), which queries quickly and is still extracted.
MAX_ERROR_WIDTH = 2000
MIN_ERROR_CHILD_BYTES = 6

_QUERY = """
(function_definition name: (identifier) @name) @function
(class_definition name: (identifier) @name) @class
(call function: (_) @func) @call
(import_statement) @import
(import_from_statement) @import_from
(decorator) @decorator
"""
_P_FUNCTION, _P_CLASS, _P_CALL, _P_IMPORT, _P_IMPORT_FROM, _P_DECORATOR = range(6)

_DOTTED = re.compile(r"[^\W\d]\w*(?:\.[^\W\d]\w*)*\Z")
_WS = re.compile(r"\s+")
_STRING_PREFIX = re.compile(r"^[rRbBuUfF]*('''|\"\"\"|'|\")")

# `@app.route("/x")`, `@bp.get("/x")`, `@router.post("/x")`: decorator methods that register a route
ROUTE_METHODS = {
    "route": "flask",
    "get": "flask/fastapi",
    "post": "flask/fastapi",
    "put": "flask/fastapi",
    "patch": "flask/fastapi",
    "delete": "flask/fastapi",
    "head": "flask/fastapi",
    "options": "flask/fastapi",
    "api_route": "fastapi",
    "websocket": "fastapi",
}
DJANGO_URL_FUNCS = {"path", "re_path", "url"}
DEPENDS_FUNCS = {"Depends", "Security"}


def _dotted(data: bytes, node: Node) -> Optional[str]:
    """`a.b.c` for identifier/attribute chains; None for anything computed (`f().g`, `x[0].y`)."""
    if node.type == "identifier":
        return data[node.start_byte : node.end_byte].decode("utf-8", "replace")
    if node.type != "attribute":
        return None
    text = _WS.sub("", data[node.start_byte : node.end_byte].decode("utf-8", "replace"))
    if text.startswith("super()."):
        rest = text[len("super().") :]
        return "super()." + rest if _DOTTED.match(rest) else None
    return text if _DOTTED.match(text) else None


def _string_value(data: bytes, node: Node) -> Optional[str]:
    if node.type != "string":
        return None
    text = data[node.start_byte : node.end_byte].decode("utf-8", "replace")
    m = _STRING_PREFIX.match(text)
    if not m:
        return None
    quote = m.group(1)
    body = text[m.end() :]
    return body[: -len(quote)] if body.endswith(quote) else body


def _token_soup(root: Node) -> bool:
    """Is there an ERROR node with very many, very small children? (iterative walk)"""
    cursor = root.walk()
    while True:
        node = cursor.node
        if node is not None and node.type == "ERROR" and node.child_count > MAX_ERROR_WIDTH:
            if (node.end_byte - node.start_byte) < MIN_ERROR_CHILD_BYTES * node.child_count:
                return True
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return False


def _arguments(call: Node) -> tuple[list[Node], dict[str, Node]]:
    args = call.child_by_field_name("arguments")
    positional: list[Node] = []
    keywords: dict[str, Node] = {}
    if args is None or args.type != "argument_list":
        return positional, keywords
    for child in args.named_children:
        if child.type == "keyword_argument":
            name = child.child_by_field_name("name")
            value = child.child_by_field_name("value")
            if name is not None and value is not None and name.text is not None:
                keywords[name.text.decode("utf-8", "replace")] = value
        elif child.type != "comment":
            positional.append(child)
    return positional, keywords


def _view_target(data: bytes, node: Node) -> Optional[str]:
    """`views.delete_user` or `views.DeleteUser.as_view()` -> the dotted view (class)."""
    if node.type == "call":
        func = node.child_by_field_name("function")
        dotted = _dotted(data, func) if func is not None else None
        if dotted and dotted.endswith(".as_view"):
            return dotted[: -len(".as_view")]
        return None
    return _dotted(data, node)


class PythonExtractor:
    language = "python"
    version = EXTRACTOR_VERSION

    def __init__(self) -> None:
        lang = Language(tsp.language())
        self._parser = Parser(lang)
        self._query = Query(lang, _QUERY)

    def extract(self, path: str, data: bytes) -> FileFacts:
        try:
            return self._extract(path, data)
        except (ValueError, RecursionError, UnicodeError, MemoryError) as exc:  # pragma: no cover - defensive
            del exc
            return FileFacts(language=self.language, partial=True)

    # ------------------------------------------------------------------------------------
    def _extract(self, path: str, data: bytes) -> FileFacts:
        tree = parse_tree(self._parser, data)
        root = tree.root_node
        if root.has_error and _token_soup(root):
            return FileFacts(
                language=self.language, partial=True,
                error=f"parse-limit: syntax-error region of over {MAX_ERROR_WIDTH} bare tokens",
            )

        # (start_byte, order, payload) events swept in byte order
        defs: list[tuple[int, int, str, str, Node]] = []  # start, end, name, raw kind, node
        sites: list[tuple[int, str, Node]] = []  # start, what, node
        imports: list[Import] = []
        decorator_calls: set[int] = set()
        decorators: list[Node] = []

        for pattern, caps in QueryCursor(self._query).matches(root):
            if pattern == _P_FUNCTION or pattern == _P_CLASS:
                node = caps["function" if pattern == _P_FUNCTION else "class"][0]
                name_node = caps["name"][0]
                name = data[name_node.start_byte : name_node.end_byte].decode("utf-8", "replace")
                defs.append((node.start_byte, node.end_byte, name, "function" if pattern == _P_FUNCTION else "class", node))
            elif pattern == _P_CALL:
                node = caps["call"][0]
                sites.append((node.start_byte, "call", node))
            elif pattern == _P_IMPORT:
                imports.extend(self._imports(data, caps["import"][0]))
            elif pattern == _P_IMPORT_FROM:
                imports.extend(self._imports_from(data, caps["import_from"][0]))
            elif pattern == _P_DECORATOR:
                dec = caps["decorator"][0]
                decorators.append(dec)
                expr = dec.named_children[0] if dec.named_child_count else None
                if expr is not None and expr.type == "call":
                    decorator_calls.add(expr.start_byte)

        defs.sort(key=lambda d: d[0])
        # definitions: qualnames from a stack of open definitions (iterative, any depth)
        definitions: list[Definition] = []
        qual_by_start: dict[int, str] = {}
        spans: list[tuple[int, int, str]] = []  # start, end, qualname (sorted by start)
        stack: list[tuple[int, str, str]] = []  # end, qualname, raw kind
        for start, end, name, raw, node in defs:
            while stack and stack[-1][0] <= start:
                stack.pop()
            parent = stack[-1] if stack else None
            qual = f"{parent[1]}.{name}" if parent else name
            kind = "class" if raw == "class" else ("method" if parent and parent[2] == "class" else "function")
            bases: tuple[str, ...] = ()
            if raw == "class":
                sup = node.child_by_field_name("superclasses")
                if sup is not None:
                    bases = tuple(b for b in (_dotted(data, c) for c in sup.named_children) if b)
            definitions.append(Definition(qual, kind, node.start_point[0] + 1, node.end_point[0] + 1, bases))
            qual_by_start[start] = qual
            spans.append((start, end, qual))
            stack.append((end, qual, raw))

        calls: list[CallSite] = []
        routes: list[RouteSite] = []
        django_routes: list[tuple[str, RouteSite]] = []  # kept only if the name comes from django

        # decorators belong to the definition they decorate
        for dec in decorators:
            owner = dec.parent.child_by_field_name("definition") if dec.parent is not None else None
            handler = qual_by_start.get(owner.start_byte) if owner is not None else None
            if handler is None or not dec.named_child_count:
                continue
            expr = dec.named_children[0]
            func = expr.child_by_field_name("function") if expr.type == "call" else expr
            target = _dotted(data, func) if func is not None else None
            if not target:
                continue
            line = dec.start_point[0] + 1
            head, _, last = target.rpartition(".")
            if head and last in ROUTE_METHODS and expr.type == "call":
                positional, keywords = _arguments(expr)
                rule_node = positional[0] if positional else keywords.get("rule") or keywords.get("path")
                rule = _string_value(data, rule_node) if rule_node is not None else None
                if rule is not None:
                    scope = handler.rpartition(".")[0] or MODULE_SCOPE
                    routes.append(RouteSite(scope, handler, rule, ROUTE_METHODS[last], line, True))
                    continue
            calls.append(CallSite(handler, target, line, dec.start_point[1], "decorator"))

        # call sites, attached to the innermost enclosing definition by one sweep
        sites.sort(key=lambda s: s[0])
        open_defs: list[tuple[int, str]] = []  # end, qualname
        di = 0
        for start, _what, node in sites:
            while di < len(spans) and spans[di][0] <= start:
                while open_defs and open_defs[-1][0] <= spans[di][0]:
                    open_defs.pop()
                open_defs.append((spans[di][1], spans[di][2]))
                di += 1
            while open_defs and open_defs[-1][0] <= start:
                open_defs.pop()
            scope = open_defs[-1][1] if open_defs else MODULE_SCOPE
            if start in decorator_calls:
                continue
            func = node.child_by_field_name("function")
            target = _dotted(data, func) if func is not None else None
            if not target:
                continue
            line, col = node.start_point[0] + 1, node.start_point[1]
            calls.append(CallSite(scope, target, line, col, "call"))
            last = target.rpartition(".")[2]
            if last in DEPENDS_FUNCS:
                positional, keywords = _arguments(node)
                dep = positional[0] if positional else keywords.get("dependency")
                dep_target = _dotted(data, dep) if dep is not None else None
                if dep_target:
                    calls.append(CallSite(scope, dep_target, line, col, "depends"))
            elif target in DJANGO_URL_FUNCS or last == "add_url_rule":
                positional, keywords = _arguments(node)
                rule = _string_value(data, positional[0]) if positional else None
                if last == "add_url_rule":
                    view = keywords.get("view_func") or (positional[2] if len(positional) > 2 else None)
                    framework = "flask"
                else:
                    view = positional[1] if len(positional) > 1 else keywords.get("view")
                    framework = "django"
                handler = _view_target(data, view) if view is not None else None
                if handler and rule is not None:
                    site = RouteSite(scope, handler, rule, framework, line, False)
                    if framework == "django":
                        django_routes.append((target, site))
                    else:
                        routes.append(site)

        # `path(...)` is only a URL pattern when `path` was imported from django (the result
        # must not depend on the file name: the cache shares it between identical blobs)
        from_django = {i.local for i in imports if i.module.startswith("django")}
        routes.extend(site for name, site in django_routes if name in from_django)

        return FileFacts(
            language=self.language,
            definitions=tuple(definitions),
            imports=tuple(imports),
            calls=tuple(calls),
            routes=tuple(routes),
            partial=root.has_error,
        )

    # ------------------------------------------------------------------------------------
    @staticmethod
    def _imports(data: bytes, node: Node) -> list[Import]:
        out: list[Import] = []
        for child in node.children_by_field_name("name"):
            if child.type == "dotted_name":
                module = _WS.sub("", data[child.start_byte : child.end_byte].decode("utf-8", "replace"))
                out.append(Import(module.split(".")[0], module.split(".")[0]))
            elif child.type == "aliased_import":
                name = child.child_by_field_name("name")
                alias = child.child_by_field_name("alias")
                if name is not None and alias is not None:
                    module = _WS.sub("", data[name.start_byte : name.end_byte].decode("utf-8", "replace"))
                    out.append(Import(data[alias.start_byte : alias.end_byte].decode("utf-8", "replace"), module))
        return out

    @staticmethod
    def _imports_from(data: bytes, node: Node) -> list[Import]:
        mod_node = node.child_by_field_name("module_name")
        if mod_node is None:
            return []
        level = 0
        module = ""
        if mod_node.type == "relative_import":
            for c in mod_node.children:
                if c.type == "import_prefix":
                    level = (c.end_byte - c.start_byte)
                elif c.type == "dotted_name":
                    module = _WS.sub("", data[c.start_byte : c.end_byte].decode("utf-8", "replace"))
        else:
            module = _WS.sub("", data[mod_node.start_byte : mod_node.end_byte].decode("utf-8", "replace"))
        out: list[Import] = []
        if any(c.type == "wildcard_import" for c in node.children):
            return [Import("*", module, "", level)]
        for child in node.children_by_field_name("name"):
            if child.type == "dotted_name":
                name = _WS.sub("", data[child.start_byte : child.end_byte].decode("utf-8", "replace"))
                out.append(Import(name.split(".")[0], module, name, level))
            elif child.type == "aliased_import":
                name_node = child.child_by_field_name("name")
                alias = child.child_by_field_name("alias")
                if name_node is not None and alias is not None:
                    name = _WS.sub("", data[name_node.start_byte : name_node.end_byte].decode("utf-8", "replace"))
                    out.append(Import(data[alias.start_byte : alias.end_byte].decode("utf-8", "replace"), module, name, level))
        return out
