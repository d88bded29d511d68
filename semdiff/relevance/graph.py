"""The repository call graph at one revision, built from per-file facts.

Nodes are named `module.path.Class.func`; modules are named from their file path
(`app/views.py` -> `app.views`, `pkg/__init__.py` -> `pkg`). Every edge points from the
dependent to what it depends on, so "what does this reach" is a forward walk and "who relies
on this" a backward one:

- call:      caller -> callee (and enclosing function -> nested function, col -1)
- decorator: decorated function/class -> decorator
- depends:   FastAPI handler -> the `Depends(x)` target (the framework calls it first)
- inherits:  class -> base class
- route:     registering scope (module, urls.py) -> handler

Names that do not resolve to a definition in the repository become `external` nodes named
by their dotted target (`hashlib.md5`, `jwt.decode`), which is what the seed tables match.

An assembly produces plain adjacency dicts (`DictStore`); a networkx graph is made only when
something asks for the whole graph (`CallGraph.graph`: exports, `find`, tests), so importing
this module does not import networkx (≈ 0.09 s of every CLI run).
"""
from __future__ import annotations

import contextlib
import gc
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Container, Iterable, Iterator, Mapping, Optional, Protocol, Union

from semdiff import digests
from semdiff.model import NotAnalyzed
from semdiff.relevance.cache import BlobCache
from semdiff.relevance.facts import MODULE_SCOPE, FileFacts, extractor_for
from semdiff.relevance.resolve_common import language_hook

if TYPE_CHECKING:
    import networkx as nx

MAX_FILE_BYTES = 2 * 1024 * 1024
_MAX_ALIAS_HOPS = 12  # re-export chains longer than this are cycles (circular imports)

FileInput = Union[Mapping[str, tuple[str, str]], Iterable[tuple[str, Optional[str], Union[str, bytes]]]]


@dataclass(frozen=True)
class BuildStats:
    files: int = 0  # files with an extractor
    parsed: int = 0  # files parsed in this build (cache misses)
    cached: int = 0  # files whose facts came from the cache
    skipped: int = 0  # too large or otherwise not read


def git_blob_id(data: bytes) -> str:
    """The id git gives these bytes, for callers that have text but no blob id."""
    return digests.bulk("sha1", b"blob %d\0" % len(data) + data).hexdigest()


def module_name(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    if not parts:
        return ""
    last = parts[-1]
    last = last[: last.rfind(".")] if "." in last else last
    parts[-1] = last
    if last == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


class GraphStore(Protocol):
    """Where a CallGraph's nodes and edges live: plain dicts from an assembly, a networkx graph
    given by a caller, or a snapshot read lazily (semdiff.relevance.snapshot). Edge data is
    {"kinds": (...), "sites": (...)}; a predecessor's edge data carries at least "kinds".

    `kind`, `pred_kinds` and `out_kinds` are what relevance walks read: a snapshot answers
    them from a node's stored row without making its dicts or unpacking its call sites."""

    def attrs(self, node: str) -> Optional[dict[str, Any]]: ...

    def kind(self, node: str) -> Optional[str]: ...

    def succ(self, node: str) -> Mapping[str, Mapping[str, Any]]: ...

    def out_kinds(self, node: str) -> tuple[tuple[str, tuple[str, ...]], ...]: ...

    def pred(self, node: str) -> Mapping[str, Mapping[str, Any]]: ...

    def pred_kinds(self, node: str) -> tuple[str, ...]: ...

    def pred_entries(self, node: str) -> tuple[tuple[str, tuple[str, ...], bool], ...]: ...

    def to_networkx(self) -> "nx.DiGraph": ...


_NO_EDGES: Mapping[str, Mapping[str, Any]] = {}


class DictStore:
    """An assembled graph as plain dicts: node -> attrs, node -> {target: edge data}, node ->
    {source: edge data} (the same edge dict on both sides, as networkx keeps it)."""

    __slots__ = ("nodes", "succ_map", "pred_map", "_entries")

    def __init__(self, nodes: dict[str, dict[str, Any]], succ_map: dict[str, dict[str, Any]], pred_map: dict[str, dict[str, Any]]):
        self.nodes = nodes
        self.succ_map = succ_map
        self.pred_map = pred_map
        self._entries: dict[str, tuple[tuple[str, tuple[str, ...], bool], ...]] = {}

    def attrs(self, node: str) -> Optional[dict[str, Any]]:
        return self.nodes.get(node)

    def kind(self, node: str) -> Optional[str]:
        a = self.nodes.get(node)
        return None if a is None else a.get("kind", "external")

    def succ(self, node: str) -> Mapping[str, Mapping[str, Any]]:
        return self.succ_map.get(node, _NO_EDGES)

    def out_kinds(self, node: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return tuple((v, d["kinds"]) for v, d in self.succ_map.get(node, _NO_EDGES).items())

    def pred(self, node: str) -> Mapping[str, Mapping[str, Any]]:
        return self.pred_map.get(node, _NO_EDGES)

    def pred_kinds(self, node: str) -> tuple[str, ...]:
        return tuple(sorted({k for d in self.pred_map.get(node, _NO_EDGES).values() for k in d["kinds"]}))

    def pred_entries(self, node: str) -> tuple[tuple[str, tuple[str, ...], bool], ...]:
        hit = self._entries.get(node)
        if hit is None:
            nodes = self.nodes
            hit = self._entries[node] = tuple(
                (u, tuple(d["kinds"]), bool(nodes[u].get("routes"))) for u, d in self.pred_map.get(node, _NO_EDGES).items())
        return hit

    def to_networkx(self) -> "nx.DiGraph":
        import networkx as nx  # only exports, `find` and tests need the whole graph as networkx

        g = nx.DiGraph()
        g.add_nodes_from((n, dict(a)) for n, a in self.nodes.items())
        g.add_edges_from((u, v, dict(d)) for u, out in self.succ_map.items() for v, d in out.items())
        return g


class _NxStore(DictStore):
    """A networkx graph given by a caller, read through its own adjacency dicts."""

    __slots__ = ("g",)

    def __init__(self, g: "nx.DiGraph"):
        super().__init__(g._node, g._succ, g._pred)
        self.g = g

    def to_networkx(self) -> "nx.DiGraph":
        return self.g


class CallGraph:
    """A built graph plus the path<->module maps needed to name a unit's node.

    Queries go through `attrs`/`successors`/`predecessors`, which read either the networkx
    graph an assembly produced or a snapshot loaded piece by piece, so a warm run only reads
    the part of the graph it walks. `graph` is the whole networkx graph, made on first use
    (exports, `find`, tests).
    """

    def __init__(
        self, graph: Optional["nx.DiGraph"], modules: dict[str, str], stats: BuildStats,
        not_analyzed: tuple[NotAnalyzed, ...], store: Optional[GraphStore] = None,
    ):
        if store is None:
            if graph is None:
                raise ValueError("a CallGraph needs a graph or a store")
            store = _NxStore(graph)
        self._nx = graph
        self._store = store
        self.modules = modules  # file path -> module name
        self.stats = stats
        self.not_analyzed = not_analyzed
        self.snapshot_key: Optional[str] = None  # the cache's snapshot of this graph, once written or read
        # (module, star-imported module names) of every module with a star import, sorted; what
        # semdiff.relevance.incremental needs to know who sees a module's new top-level names
        # without reading every file's facts (None: not known, e.g. a graph given as networkx)
        self.star_imports: Optional[tuple[tuple[str, tuple[str, ...]], ...]] = None
        # (module, names) where an external node is named `module.name...`: the names other code
        # looks up in a module that does not bind them (dangling_names); a name an added import
        # binds must not be among them (None: not known)
        self.dangling: Optional[tuple[tuple[str, tuple[str, ...]], ...]] = None

    @property
    def graph(self) -> "nx.DiGraph":
        if self._nx is None:
            self._nx = self._store.to_networkx()
        return self._nx

    def __contains__(self, node: object) -> bool:
        return isinstance(node, str) and self._store.kind(node) is not None

    def attrs(self, node: str) -> dict[str, Any]:
        """The node's attributes (kind, path, qualname, line, ...); KeyError when absent."""
        a = self._store.attrs(node)
        if a is None:
            raise KeyError(node)
        return a

    def successors(self, node: str) -> Mapping[str, Mapping[str, Any]]:
        """What `node` depends on: {target: {"kinds": ..., "sites": ...}}."""
        return self._store.succ(node)

    def predecessors(self, node: str) -> Mapping[str, Mapping[str, Any]]:
        """What depends on `node`: {source: {"kinds": ...}}."""
        return self._store.pred(node)

    def predecessor_entries(self, node: str) -> tuple[tuple[str, tuple[str, ...], bool], ...]:
        """(source, edge kinds, whether the source has routes) of every edge into `node`: what
        a backward walk needs, without an edge dict per caller or reading each caller's row."""
        return self._store.pred_entries(node)

    def predecessor_kinds(self, node: str) -> tuple[str, ...]:
        """The kinds of all edges into `node`, sorted (without reading who the sources are:
        a hub like `jwt.decode` has callers all over the repository)."""
        return self._store.pred_kinds(node)

    def node_for(self, path: str, qualname: str) -> Optional[str]:
        """The node of a unit given its file path and within-file qualname (or `<module>`)."""
        mod = self.modules.get(path)
        if mod is None:
            return None
        name = mod if qualname in (MODULE_SCOPE, "") else f"{mod}.{qualname}"
        return name if name in self else None

    def find(self, name: str) -> Optional[str]:
        """A node by full name, or by a dotted suffix when exactly one node ends with it."""
        if name in self:
            return name
        suffix = "." + name
        g = self.graph
        hits = [n for n in g if n.endswith(suffix) and g.nodes[n].get("kind") != "external"]
        return hits[0] if len(hits) == 1 else None

    def kind(self, node: str) -> str:
        """The node's kind ("external" for a node nothing in the repository defines)."""
        k = self._store.kind(node)
        if k is None:
            raise KeyError(node)
        return k

    def out_kinds(self, node: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(target, edge kinds) of every edge out of `node`, without the call sites."""
        return self._store.out_kinds(node)

    def routes(self, node: str) -> tuple[str, ...]:
        return tuple(self.attrs(node).get("routes", ()))

    def edge_kinds(self, u: str, v: str) -> tuple[str, ...]:
        return tuple(self._store.succ(u)[v]["kinds"])

    def first_site(self, u: str, v: str, kinds: Iterable[str] = ("call",)) -> Optional[tuple[int, int]]:
        """(line, col) of the first site in `u` where it reaches `v` by one of `kinds`."""
        wanted = set(kinds)
        sites = [(line, col) for line, col, kind in self._store.succ(u)[v]["sites"] if kind in wanted and col >= 0]
        return min(sites) if sites else None


# --------------------------------------------------------------------------------------------
def _normalise_inputs(files: FileInput) -> list[tuple[str, Optional[str], Union[str, bytes]]]:
    if isinstance(files, Mapping):
        return [(p, blob, text) for p, (blob, text) in files.items()]
    return [(p, blob, text) for p, blob, text in files]


def collect_facts(
    files: FileInput, cache: Optional[BlobCache]
) -> tuple[dict[str, FileFacts], BuildStats, list[NotAnalyzed]]:
    """Facts for every file with an extractor: from the cache when possible, else parsed."""
    facts: dict[str, FileFacts] = {}
    not_analyzed: list[NotAnalyzed] = []
    parsed = cached = skipped = total = 0
    with cache.batch() if cache is not None else contextlib.nullcontext():  # one pack per shard (semdiff.relevance.cache)
        for path, blob, text in _normalise_inputs(files):
            extractor = extractor_for(path)
            if extractor is None:
                continue
            total += 1
            data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
            if len(data) > MAX_FILE_BYTES:
                skipped += 1
                not_analyzed.append(NotAnalyzed(path, "too-large", f"{len(data)} bytes; call graph skips files over {MAX_FILE_BYTES}"))
                continue
            blob_id = blob or git_blob_id(data)
            hit = cache.get(extractor.language, extractor.version, blob_id) if cache is not None else None
            if hit is not None:
                cached += 1
                facts[path] = hit
                continue
            result = extractor.extract(path, data)
            parsed += 1
            if cache is not None:
                cache.put(extractor.language, extractor.version, blob_id, result)
            facts[path] = result
    return facts, BuildStats(total, parsed, cached, skipped), not_analyzed


def build_graph(files: FileInput, *, cache: Optional[BlobCache] = None) -> CallGraph:
    """Graph of a whole revision from (path, blob id, text) triples or {path: (blob, text)}.

    `cache=None` parses everything (the `--no-cache` behaviour). A missing blob id is
    computed the way git would, so cache entries are shared with git-sourced builds.
    """
    from semdiff.relevance import snapshot  # snapshot needs CallGraph from this module

    with gc_paused():
        inputs = []
        for path, blob, text in _normalise_inputs(files):
            data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
            inputs.append((path, blob or git_blob_id(data), data))
        key = snapshot.revision_key((p, b) for p, b, _ in inputs if extractor_for(p) is not None)

        def rebuild() -> CallGraph:
            facts, stats, not_analyzed = collect_facts(inputs, cache)
            graph = assemble(facts, stats, tuple(not_analyzed))
            if cache is not None:
                snapshot.store(cache, key, graph)
                graph.snapshot_key = key
            return graph

        if cache is not None:
            whole = snapshot.load(cache, key, rebuild=rebuild)
            if whole is not None:
                return whole
        return rebuild()


def assemble(facts: Mapping[str, FileFacts], stats: BuildStats = BuildStats(), not_analyzed: tuple[NotAnalyzed, ...] = ()) -> CallGraph:
    refused = tuple(
        NotAnalyzed(path, f.error.partition(":")[0], f.error.partition(":")[2].strip())
        for path, f in sorted(facts.items()) if f.error
    )
    not_analyzed = not_analyzed + refused
    with gc_paused():
        return _Assembler(facts).run(stats, not_analyzed)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Building allocates ~10^5 small acyclic objects; cyclic GC passes over them are pure
    overhead (half the warm build time), so collection waits until the build is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def dangling_names(nodes: Iterable[tuple[str, Mapping[str, Any]]], modules: Container[str],
                   into: Optional[dict[str, set[str]]] = None) -> dict[str, set[str]]:
    """{module: {name}} for every external node `module.name[.more]` (any module prefix): a walk
    that reached `module.name` found nothing bound there, so binding the name would move it."""
    out: dict[str, set[str]] = {} if into is None else into
    for n, a in nodes:
        if a.get("kind", "external") != "external" or "." not in n:
            continue
        parts = n.split(".")
        prefix = parts[0]
        for i in range(1, len(parts)):
            if prefix in modules:
                names = out.get(prefix)
                if names is None:
                    names = out[prefix] = set()
                names.add(parts[i])
            prefix = f"{prefix}.{parts[i]}"
    return out


def pack_dangling(d: Mapping[str, Iterable[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((m, tuple(sorted(names))) for m, names in d.items()))


# --------------------------------------------------------------------------------------------
class _Module:
    __slots__ = ("name", "path", "package", "symbols", "stars", "facts", "nested", "memo")

    def __init__(self, name: str, path: str, facts: FileFacts):
        self.name = name
        self.path = path
        self.facts = facts
        is_pkg = path.endswith("/__init__.py") or path == "__init__.py"
        self.package = name if is_pkg else name.rpartition(".")[0]
        self.symbols: dict[str, str] = {}  # top-level local name -> absolute dotted target
        self.stars: list[str] = []  # absolute module names star-imported
        # names of functions nested in functions (the only non-module scopes a call can see)
        self.nested = {d.qualname.rpartition(".")[2] for d in facts.definitions if "." in d.qualname}
        self.memo: dict[str, str] = {}  # dotted -> node, for names resolved at module scope


class _Assembler:
    """Turns per-file facts into one graph; resolution results are memoised per build."""

    def __init__(self, facts: Mapping[str, FileFacts]):
        self.facts = facts
        self.nodes: dict[str, dict[str, Any]] = {}
        self.modules: dict[str, _Module] = {}  # module name -> module
        self.path_to_module: dict[str, str] = {}
        self.defs: dict[str, str] = {}  # node name -> kind (class/function/method/module)
        self.bases: dict[str, list[str]] = {}  # class node -> resolved base nodes
        self.edges: dict[tuple[str, str], tuple[set[str], list[tuple[int, int, str]]]] = {}
        self._canon: dict[str, str] = {}
        self._suffix: Optional[dict[str, list[str]]] = None

    # -- pass 1: definitions and symbol tables ----------------------------------------------
    def _add_node(self, name: str, **attrs: Any) -> None:
        a = self.nodes.get(name)
        if a is None:
            self.nodes[name] = attrs
        else:
            a.update(attrs)  # a module named like another module's definition: one node, as networkx would

    def run(self, stats: BuildStats, not_analyzed: tuple[NotAnalyzed, ...]) -> CallGraph:
        nodes = self.nodes
        for path in sorted(self.facts):
            self.define_module(path, self.facts[path])
        for mod in self.modules.values():
            self.bind(mod)
        star_imports = tuple(sorted((m.name, tuple(m.stars)) for m in self.modules.values() if m.stars))
        # -- pass 2: class bases (needed to resolve inherited methods) ------------------------
        for mod in self.modules.values():
            self.resolve_bases(mod)
        # -- pass 3: calls, decorators, depends, routes ---------------------------------------
        for mod in self.modules.values():
            self.link(mod)
        succ: dict[str, dict[str, Any]] = {}
        pred: dict[str, dict[str, Any]] = {}
        for (u, v), d in self.edge_data().items():
            if u not in nodes:
                nodes[u] = {}
            if v not in nodes:
                nodes[v] = {}
            out = succ.get(u)
            if out is None:
                out = succ[u] = {}
            out[v] = d
            into = pred.get(v)
            if into is None:
                into = pred[v] = {}
            into[u] = d
        for attrs in nodes.values():
            if not attrs:
                attrs["kind"] = "external"  # added by an edge: nothing in the repository defines it
        cg = CallGraph(None, dict(self.path_to_module), stats, not_analyzed, store=DictStore(nodes, succ, pred))
        cg.star_imports = star_imports
        cg.dangling = pack_dangling(dangling_names(nodes.items(), self.modules))
        return cg

    # -- the passes, one module at a time (semdiff.relevance.incremental re-runs 2 and 3 for the
    # changed modules of a revision against the rest of the repository read lazily) --------------
    def define_module(self, path: str, f: FileFacts) -> None:
        """Pass 1: the module's node, its definitions' nodes and its top-level symbols."""
        name = module_name(path)
        if not name or name in self.modules:
            return  # `a.py` next to `a/__init__.py`: the first wins, as Python's finder would
        mod = self.modules[name] = _Module(name, path, f)
        self.path_to_module[path] = name
        self._add_node(name, kind="module", path=path, qualname=MODULE_SCOPE, line=1, partial=f.partial)
        self.defs[name] = "module"
        for d in f.definitions:
            node = f"{name}.{d.qualname}"
            self._add_node(node, kind=d.kind, path=path, qualname=d.qualname, line=d.line, end_line=d.end_line)
            self.defs[node] = d.kind
            if "." not in d.qualname:
                mod.symbols[d.qualname] = node

    def bind(self, mod: _Module) -> None:
        """Pass 1, imports: what each imported local name stands for."""
        hook = language_hook(mod.facts.language)  # JS/TS, Go, Java: semdiff.relevance.resolve_*
        if hook is not None:
            hook.bind(self, mod)
            return
        for imp in mod.facts.imports:
            target = self._absolute(mod, imp.module, imp.level)
            if imp.local == "*":
                mod.stars.append(target)
            elif imp.name:
                mod.symbols.setdefault(imp.local, f"{target}.{imp.name}" if target else imp.name)
            else:
                mod.symbols.setdefault(imp.local, target)

    def resolve_bases(self, mod: _Module) -> None:
        """Pass 2: resolved bases of the module's classes, and their `inherits` edges.

        Resolution memos are dropped after each class: a base resolved while other classes'
        bases are still unknown must not be reused by later look-ups (pass 3 sees all bases), so
        every result depends only on the repository, never on the order classes were visited.
        """
        for d in mod.facts.definitions:
            if d.kind == "class" and d.bases:
                node = f"{mod.name}.{d.qualname}"
                resolved = [self.resolve(mod, d.qualname.rpartition(".")[0] or MODULE_SCOPE, b) for b in d.bases]
                self.bases[node] = [b for b in resolved if b != node]
                for line_base in self.bases[node]:
                    self._edge(node, line_base, "inherits", d.line, 0)
                self._canon.clear()
                mod.memo.clear()

    def link(self, mod: _Module) -> None:
        """Pass 3: the module's call, decorator, depends and route edges."""
        nodes = self.nodes
        # a closure runs when what its enclosing function returns is called (the decorator
        # pattern: `def guarded(f): def wrapper(...): check(); return f(...)`), so the
        # enclosing function depends on it; col -1 marks the edge as not a call site
        for d in mod.facts.definitions:
            parent = d.qualname.rpartition(".")[0]
            if parent and d.kind == "function" and self.defs.get(f"{mod.name}.{parent}") in ("function", "method"):
                self._edge(f"{mod.name}.{parent}", f"{mod.name}.{d.qualname}", "call", d.line, -1)
        for c in mod.facts.calls:
            src = mod.name if c.scope == MODULE_SCOPE else f"{mod.name}.{c.scope}"
            dst = self.resolve(mod, c.scope, c.target)
            if dst != src or c.kind != "call":
                self._edge(src, dst, c.kind, c.line, c.col)
        for r in mod.facts.routes:
            src = mod.name if r.scope == MODULE_SCOPE else f"{mod.name}.{r.scope}"
            handler = f"{mod.name}.{r.handler}" if r.local else self.resolve(mod, r.scope, r.handler)
            handlers = [handler]
            if self.defs.get(handler) == "class":  # class-based view: its HTTP methods handle it
                handlers += [f"{handler}.{m}" for m in _VIEW_METHODS if f"{handler}.{m}" in self.defs]
            for h in handlers:
                self._edge(src, h, "route", r.line, 0)
                # an unresolved handler: an external node that carries the route
                attrs = nodes.setdefault(h, {})
                attrs.setdefault("routes", [])
                label = f"{r.rule} ({r.framework})"
                if label not in attrs["routes"]:
                    attrs["routes"].append(label)

    def edge_data(self) -> dict[tuple[str, str], dict[str, Any]]:
        """The edges collected so far, as stored: {(u, v): {"kinds": sorted, "sites": in order}}."""
        return {(u, v): {"kinds": tuple(sorted(kinds)), "sites": tuple(sites)} for (u, v), (kinds, sites) in self.edges.items()}

    def _edge(self, u: str, v: str, kind: str, line: int, col: int) -> None:
        entry = self.edges.get((u, v))
        if entry is None:
            entry = self.edges[(u, v)] = (set(), [])
        entry[0].add(kind)
        entry[1].append((line, col, kind))

    @staticmethod
    def _absolute(mod: _Module, module: str, level: int) -> str:
        if level == 0:
            return module
        base = mod.package.split(".") if mod.package else []
        if level > 1:
            base = base[: len(base) - (level - 1)] if level - 1 <= len(base) else []
        parts = base + ([module] if module else [])
        return ".".join(p for p in parts if p)

    # -- resolution -----------------------------------------------------------------------------
    def _enclosing_class(self, mod: _Module, scope: str) -> Optional[str]:
        parts = scope.split(".") if scope != MODULE_SCOPE else []
        while parts:
            cand = f"{mod.name}.{'.'.join(parts)}"
            if self.defs.get(cand) == "class":
                return cand
            parts.pop()
        return None

    def member(self, cls: str, name: str, skip_self: bool = False) -> Optional[str]:
        """`name` looked up on class `cls` and its in-repository bases (breadth first)."""
        seen: set[str] = set()
        queue = [cls]
        while queue:
            c = queue.pop(0)
            if c in seen:
                continue
            seen.add(c)
            if not (skip_self and c == cls):
                cand = f"{c}.{name}"
                if cand in self.defs:
                    return cand
            queue.extend(b for b in self.bases.get(c, ()) if self.defs.get(b) == "class")
        return None

    def resolve(self, mod: _Module, scope: str, dotted: str) -> str:
        hook = language_hook(mod.facts.language)  # JS/TS, Go, Java: semdiff.relevance.resolve_*
        if hook is not None:
            return hook.resolve(self, mod, scope, dotted)  # type: ignore[no-any-return]
        parts = dotted.split(".")
        head = parts[0]
        if head in ("self", "cls", "super()") and len(parts) >= 2:
            cls = self._enclosing_class(mod, scope)
            if cls is not None:
                found = self.member(cls, parts[1], skip_self=head == "super()")
                if found is not None:
                    return self.canonical(".".join([found] + parts[2:]))
                if len(parts) == 2:
                    return f"{cls}.{parts[1]}"
            return dotted
        # enclosing function scopes (nested helpers), innermost first
        if scope != MODULE_SCOPE and head in mod.nested:
            sp = scope.split(".")
            while sp:
                cand = f"{mod.name}.{'.'.join(sp)}.{head}"
                if cand in self.defs and self.defs.get(f"{mod.name}.{'.'.join(sp)}") != "class":
                    return self.canonical(".".join([cand] + parts[1:]))
                sp.pop()
        memo = mod.memo.get(dotted)
        if memo is not None:
            return memo
        mod.memo[dotted] = result = self._resolve_module_scope(mod, head, parts, dotted)
        return result

    def _resolve_module_scope(self, mod: _Module, head: str, parts: list[str], dotted: str) -> str:
        target = mod.symbols.get(head)
        if target is None:
            for star in mod.stars:
                smod = self.modules.get(self._module_named(star) or "")
                if smod is not None and head in smod.symbols:
                    target = smod.symbols[head]
                    break
        if target is None:
            return dotted  # builtin, local variable or parameter: keep the name as written
        return self.canonical(".".join([target] + parts[1:]))

    def _module_named(self, name: str) -> Optional[str]:
        if name in self.modules:
            return name
        # src/ layouts and test roots: `pkg.mod` imported, `src.pkg.mod` on disk (unique match only)
        if self._suffix is None:
            self._suffix = {}
            for m in self.modules:
                ps = m.split(".")
                for i in range(1, len(ps)):
                    self._suffix.setdefault(".".join(ps[i:]), []).append(m)
        hits = self._suffix.get(name, ())
        return hits[0] if len(hits) == 1 else None

    def canonical(self, full: str) -> str:
        """Follow re-exports (`from .impl import check` in a package) to the defining node."""
        cached = self._canon.get(full)
        if cached is not None:
            return cached
        result = full
        current = full
        for _ in range(_MAX_ALIAS_HOPS):
            if current in self.defs:
                result = current
                break
            nxt = self._step(current)
            if nxt is None or nxt == current:
                result = current
                break
            current = nxt
        self._canon[full] = result
        return result

    def _step(self, full: str) -> Optional[str]:
        parts = full.split(".")
        for i in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:i])
            rest = parts[i:]
            kind = self.defs.get(prefix)
            if kind is None:
                alt = self._module_named(prefix)
                if alt is None or alt == prefix:
                    continue
                return ".".join([alt] + rest)
            if kind == "module":
                mod = self.modules[prefix]
                target = mod.symbols.get(rest[0])
                if target is None:
                    for star in mod.stars:
                        smod = self.modules.get(self._module_named(star) or "")
                        if smod is not None and rest[0] in smod.symbols:
                            target = smod.symbols[rest[0]]
                            break
                return ".".join([target] + rest[1:]) if target else None
            if kind == "class":
                found = self.member(prefix, rest[0])
                return ".".join([found] + rest[1:]) if found else None
            return None
        return None


_VIEW_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "dispatch")
