"""Shared machinery of the call-graph extractors for JavaScript/TypeScript, Go and Java.

One tree-sitter parse and one query (grammars/<grammar>/callgraph.scm) per file; Python then
sweeps the matches once in byte order. The unit patterns at the top of each callgraph.scm
mirror the backend's units.scm, and `qualify` below mirrors semdiff.lang.ts_common's
`_open_unit` + `_unique_qualnames`, so a definition's qualname is exactly the qualname of the
unit the rules see (`Class.method`, Go `Receiver.Method`, `outer.<locals>.inner`, `f#2`).

The language subclasses only say what a call target, an import and a route look like. Call
targets are dotted names as written, with two rewrites that need the file only: a receiver or
variable whose declared type is known (`tokens.verify()` with a `TokenService tokens` field,
Go `s.auth.Check()` with `s *Server` and `auth *Auth` in the struct) becomes `Type.method`,
and a call on a computed receiver (`a.b().c()`) becomes `?.c`, an external nobody defines
whose last name still meets the seed tables (`?.permitAll`).
"""
from __future__ import annotations

import abc

import re
from pathlib import Path
from typing import Iterable, Optional

from tree_sitter import Language, Node, Parser, Query, QueryCursor

from semdiff.budget import parse_tree
from semdiff.relevance.extract_python import _token_soup, MAX_ERROR_WIDTH
from semdiff.relevance.facts import MODULE_SCOPE, CallSite, Definition, FileFacts, Import, RouteSite

DOTTED = re.compile(r"[\w$#]+(?:\.[\w$#]+)*\Z")
_WS = re.compile(r"\s+")
COMPUTED = "?"  # head of a call on a computed receiver


def query_text(grammar: str) -> str:
    from semdiff.relevance.seeds import grammars_dir

    return (grammars_dir() / grammar / "callgraph.scm").read_text(encoding="utf-8")


def text(data: bytes, node: Optional[Node]) -> str:
    if node is None:
        return ""
    return data[node.start_byte : node.end_byte].decode("utf-8", "replace")


def unquote(s: str) -> str:
    if len(s) >= 2 and s[0] in "'\"`" and s[-1] == s[0]:
        return s[1:-1]
    return s


def dotted(s: str) -> Optional[str]:
    s = _WS.sub("", s).replace("?.", ".")
    return s if DOTTED.match(s) else None


class Draft:
    """A definition before qualification: the unit node, its name, raw kind, receiver."""

    __slots__ = ("start", "end", "name", "raw", "node", "receiver")

    def __init__(self, node: Node, name: str, raw: str, receiver: Optional[str] = None):
        self.start, self.end = node.start_byte, node.end_byte
        self.name, self.raw, self.node, self.receiver = name, raw, node, receiver


class Site:
    """Something attached to the innermost enclosing definition by the sweep."""

    __slots__ = ("start", "what", "node", "scope", "extra")

    def __init__(self, node: Node, what: str, extra: object = None):
        self.start = node.start_byte
        self.what, self.node, self.extra = what, node, extra
        self.scope = MODULE_SCOPE


class TreeSitterExtractor(abc.ABC):
    """Base class: subclasses set language/version/grammar and implement `collect`."""

    language = ""
    version = 1
    grammar = ""

    def __init__(self) -> None:
        lang = self.ts_language()
        self._parser = Parser(lang)
        self._query = Query(lang, query_text(self.grammar))
        self._names = [self._query.capture_name(i) for i in range(self._query.capture_count)]

    @abc.abstractmethod
    def ts_language(self) -> Language:
        """The grammar; one per language subclass."""

    def extract(self, path: str, data: bytes) -> FileFacts:
        try:
            return self._extract(data)
        except (ValueError, RecursionError, UnicodeError, MemoryError, IndexError, KeyError):  # pragma: no cover - defensive
            return FileFacts(language=self.language, partial=True)

    # ------------------------------------------------------------------------------------
    def _extract(self, data: bytes) -> FileFacts:
        tree = parse_tree(self._parser, data)
        root = tree.root_node
        if root.has_error and _token_soup(root):
            return FileFacts(
                language=self.language, partial=True,
                error=f"parse-limit: syntax-error region of over {MAX_ERROR_WIDTH} bare tokens",
            )
        drafts: list[Draft] = []
        sites: list[Site] = []
        imports: list[Import] = []
        seen_units: set[int] = set()
        for _pattern, caps in QueryCursor(self._query).matches(root):
            unit = None
            for cap, nodes in caps.items():
                if cap.startswith("unit."):
                    unit = (cap[5:], nodes[0])
                    break
            if unit is not None:
                raw, node = unit
                if node.id in seen_units:
                    continue
                name_nodes = caps.get("name")
                d = self.draft(data, node, name_nodes[0] if name_nodes else None, raw)
                if d is not None:
                    seen_units.add(node.id)
                    drafts.append(d)
                continue
            self.collect(data, caps, sites, imports)
        definitions, spans = qualify(drafts, self.bases)
        data_ref = data
        attach(sites, spans)
        calls: list[CallSite] = []
        routes: list[RouteSite] = []
        self.finish(data_ref, sites, definitions, spans, imports, calls, routes)
        return FileFacts(
            language=self.language,
            definitions=tuple(definitions),
            imports=tuple(imports),
            calls=tuple(calls),
            routes=tuple(routes),
            partial=root.has_error,
        )

    # -- hooks ---------------------------------------------------------------------------
    def draft(self, data: bytes, node: Node, name_node: Optional[Node], raw: str) -> Optional[Draft]:
        name = text(data, name_node)
        return Draft(node, name, raw) if name else None

    def bases(self, node: Node) -> tuple[str, ...]:
        return ()

    @abc.abstractmethod
    def collect(self, data: bytes, caps: dict[str, list[Node]], sites: list[Site], imports: list[Import]) -> None:
        """Turn one match's captures into sites and imports."""

    @abc.abstractmethod
    def finish(self, data: bytes, sites: list[Site], definitions: list[Definition], spans: list[tuple[int, int, str, str]],
               imports: list[Import], calls: list[CallSite], routes: list[RouteSite]) -> None:
        """Resolve the swept sites into calls and routes, in the language's own terms."""


def qualify(drafts: list[Draft], bases_of) -> tuple[list[Definition], list[tuple[int, int, str, str]]]:
    """Qualnames as semdiff.lang.ts_common gives its units (see the module docstring)."""
    drafts.sort(key=lambda d: (d.start, -d.end))
    out: list[Definition] = []
    spans: list[tuple[int, int, str, str]] = []  # start, end, qualname, kind
    stack: list[tuple[int, str, str]] = []  # end, qualname, kind
    seen: dict[str, int] = {}
    for d in drafts:
        while stack and stack[-1][0] <= d.start:
            stack.pop()
        parent = stack[-1] if stack else None
        if d.raw == "class":
            kind, qual = "class", (d.name if parent is None else f"{parent[1]}.{d.name}")
        elif d.receiver:
            kind, qual = "method", f"{d.receiver}.{d.name}"
        elif parent is not None and parent[2] == "class":
            kind, qual = "method", f"{parent[1]}.{d.name}"
        elif parent is None:
            kind, qual = ("method" if d.raw == "method" else "function"), d.name
        else:
            kind, qual = "function", f"{parent[1]}.<locals>.{d.name}"
        n = seen.get(qual, 0) + 1
        seen[qual] = n
        if n > 1:
            qual = f"{qual}#{n}"
        node = d.node
        out.append(Definition(qual, kind, node.start_point[0] + 1, node.end_point[0] + 1,
                              bases_of(node) if kind == "class" else ()))
        spans.append((d.start, d.end, qual, kind))
        stack.append((d.end, qual, kind))
    return out, spans


def attach(sites: list[Site], spans: list[tuple[int, int, str, str]]) -> None:
    """Set each site's scope to its innermost enclosing definition (one sweep, no recursion)."""
    sites.sort(key=lambda s: s.start)
    open_defs: list[tuple[int, str]] = []
    di = 0
    for s in sites:
        while di < len(spans) and spans[di][0] <= s.start:
            while open_defs and open_defs[-1][0] <= spans[di][0]:
                open_defs.pop()
            open_defs.append((spans[di][1], spans[di][2]))
            di += 1
        while open_defs and open_defs[-1][0] <= s.start:
            open_defs.pop()
        s.scope = open_defs[-1][1] if open_defs else MODULE_SCOPE


class TypeTable:
    """Declared types of variables, parameters and fields, by (scope, name).

    Lookup walks outwards through the qualname (`Svc.handle` -> `Svc`), which is where a
    Java field or a Go struct field (scope = the type's name) lives.
    """

    def __init__(self) -> None:
        self.types: dict[tuple[str, str], str] = {}

    def add(self, scope: str, name: str, type_name: str) -> None:
        if name and type_name:
            self.types.setdefault((scope, name), type_name)

    def lookup(self, scope: str, name: str) -> Optional[str]:
        sc = scope
        while True:
            t = self.types.get((sc, name))
            if t is not None:
                return t
            if sc == MODULE_SCOPE:
                return None
            head = sc.rpartition(".")[0]
            head = head[: -len(".<locals>")] if head.endswith(".<locals>") else head
            sc = head or MODULE_SCOPE

    def rewrite(self, scope: str, target: str, self_names: Iterable[str] = ()) -> str:
        """`x.f.m` -> `T2.m` when x has type T and T.f type T2 (as far as it is known)."""
        if not self.types:
            return target
        parts = target.split(".")
        if len(parts) < 2:
            return target
        i = 0
        if parts[0] in self_names and len(parts) > 2:
            t = self.lookup(scope, parts[1])  # `this.field.m`
            i = 1
        else:
            t = self.lookup(scope, parts[0])
        if t is None:
            return target
        i += 1
        while i < len(parts) - 1:
            nxt = self.types.get((t, parts[i]))
            if nxt is None:
                break
            t, i = nxt, i + 1
        return ".".join([t] + parts[i:])


_GENERIC = re.compile(r"<.*>\Z", re.S)


def simple_type(s: str) -> str:
    """`List<String>` -> `List`, `*Server` -> `Server`, `final Foo` -> `Foo`; arrays/others -> ''."""
    s = _WS.sub("", _GENERIC.sub("", s.strip())).lstrip("*&")
    return s if DOTTED.match(s) and s not in ("var", "val") else ""


__all__ = ["TreeSitterExtractor", "Draft", "Site", "TypeTable", "dotted", "text", "unquote", "simple_type", "Path"]
