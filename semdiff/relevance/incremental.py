"""A revision's graph derived from a nearby revision's graph plus the files that changed.

A pull request's first run finds the base revision's graph (snapshot) but not the head's, and
assembling the head from per-blob facts costs time proportional to the repository (1.2 s at
100k lines). The changed files must be Python files read whole, keep their route registrations
(line numbers aside), and none may be added, deleted, refused or cross the size
limit. When they also keep their definitions (qualname, kind, bases), nothing outside them
resolves differently: every symbol table, definition, class base and module name the resolver
reads is the same in both revisions. Then the head graph is the base graph with

- the changed modules' definition nodes given their new lines (and the module its `partial`);
- the edges out of the changed modules' scopes replaced by re-resolving their calls, decorators,
  `Depends` and routes (passes 2 and 3 of semdiff.relevance.graph) against the rest of the
  repository read lazily: definitions from the base graph, symbol tables from the per-blob
  cache, only for the modules a name actually leads into;
- the predecessor lists and incoming kinds of every target of an old or new edge updated, and
  nodes that only existed as the end of a removed edge dropped.

Definitions may also be added or removed (a PR's new helper, a rename): the head's resolution
then sees them, and `_check_nobody_else_sees` proves that no unchanged module's edges differ —
any walk reaching the new or removed name N lands on the same string N in both revisions, and
the ways a definition's mere existence changes other resolutions (a star import of its module,
an import of the same name in it, a subclass's or a routed class's member look-up, bases that
provide the member, a module named like it) are refused. A removed definition that something
still names becomes that name's external node. The snapshot records who star-imports what
(graph.CallGraph.star_imports), so this needs no other file's facts.

Imports may change when they only bind new names (`_check_new_bindings`): a walk reaching
`module.name` that found nothing bound there ended as an external node of that name, so the
snapshot also records every such name (graph.CallGraph.dangling); a new binding of one of them,
of a name in a star-imported module, or a binding removed or changed: NotIncremental.

Before trusting this, the same resolution is run on the base version of each changed file and
must reproduce the base graph's edges out of those scopes exactly (kinds and call sites), and
class bases and route handlers must resolve to the same nodes in both; anything else — a name
under two modules, a hook language reached, a class whose bases need member look-ups, a blob
not in the cache — raises `NotIncremental` and the caller assembles the whole revision as
before. tests/test_relevance_incremental.py compares derived graphs with from-scratch builds
over many kinds of edits, including a randomised chain of definition edits.
"""
from __future__ import annotations

import marshal
from typing import Any, Callable, Iterator, Mapping, Optional

from semdiff.model import NotAnalyzed
from semdiff.relevance.facts import MODULE_SCOPE, FileFacts
from semdiff.relevance.graph import (
    _VIEW_METHODS, BuildStats, CallGraph, DictStore, GraphStore, _Assembler, _Module, dangling_names, gc_paused, module_name,
    pack_dangling,
)

MAX_CHANGED_FILES = 200  # beyond this, assembling the whole revision is about as fast
FactsFor = Callable[[str], Optional[FileFacts]]  # path -> facts at the head (None: not available)


class NotIncremental(Exception):
    """The change is outside what the derivation proves safe; assemble the whole revision."""


def interface(f: FileFacts) -> tuple[Any, ...]:
    """What other modules' resolution can see of a file (everything but bodies and lines)."""
    return (
        f.language, f.error,
        tuple((d.qualname, d.kind, d.bases) for d in f.definitions),
        tuple(f.imports),
        tuple((r.scope, r.handler, r.rule, r.framework, r.local) for r in f.routes),
    )


# -- the rest of the repository, read on demand ------------------------------------------------------
class _LazyDefs:
    """node -> kind for definitions, from the base graph plus the definitions the changed files
    add, minus those they remove (none of them: the base revision itself)."""

    def __init__(self, store: GraphStore, added: Optional[Mapping[str, str]] = None, removed: Any = ()):
        self._store = store
        self._memo: dict[str, Optional[str]] = {n: None for n in removed}
        self._memo.update(added or {})

    def get(self, node: str, default: Any = None) -> Any:
        try:
            k = self._memo[node]
        except KeyError:
            k = self._store.kind(node)
            if k == "external":
                k = None
            self._memo[node] = k
        return default if k is None else k

    def __contains__(self, node: object) -> bool:
        return isinstance(node, str) and self.get(node) is not None

    def __setitem__(self, node: str, kind: str) -> None:
        raise NotIncremental("definitions are fixed")


class _LazyModules:
    """module name -> _Module, made (with its symbol table) when a look-up reaches it."""

    def __init__(self, asm: "_Derivation", names: Mapping[str, str]):
        self._asm = asm
        self._paths = names  # module name -> path, in the order the assembler creates them
        self._made: dict[str, _Module] = {}

    def __contains__(self, name: object) -> bool:
        return name in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def get(self, name: str, default: Any = None) -> Any:
        if name not in self._paths:
            return default
        return self[name]

    def __getitem__(self, name: str) -> _Module:
        mod = self._made.get(name)
        if mod is None:
            mod = self._made[name] = self._asm.load_module(name, self._paths[name])
        return mod

    def values(self) -> Any:
        raise NotIncremental("a resolver asked for every module")


class _LazyBases:
    """class node -> resolved bases, resolved when a member look-up first walks through it."""

    def __init__(self, asm: "_Derivation"):
        self._asm = asm
        self._known: dict[str, list[str]] = {}

    def get(self, cls: str, default: Any = ()) -> Any:
        if cls not in self._known:
            self._known[cls] = self._asm.bases_of(cls)
        return self._known[cls] or default

    def __setitem__(self, cls: str, bases: list[str]) -> None:
        self._known[cls] = bases

    def __getitem__(self, cls: str) -> list[str]:
        return self._known[cls]


class _Derivation(_Assembler):
    """The assembler's passes 2 and 3 for a few modules, everything else read lazily."""

    def __init__(self, base: GraphStore, modules: Mapping[str, str], facts_for: FactsFor,
                 added: Optional[Mapping[str, str]] = None, removed: Any = ()):
        super().__init__({})
        self._store = base
        self._facts_for = facts_for
        self.path_to_module = dict(modules)
        names: dict[str, str] = {}
        for path in sorted(modules):
            names.setdefault(modules[path], path)
        self._module_names = names
        self.defs = _LazyDefs(base, added, removed)  # type: ignore[assignment]
        self.modules = _LazyModules(self, names)  # type: ignore[assignment]
        self.bases = _LazyBases(self)  # type: ignore[assignment]
        self._in_bases = 0

    def load_module(self, name: str, path: str) -> _Module:
        f = self._facts_for(path)
        if f is None:
            raise NotIncremental(f"no facts for {path}")
        if f.language != "python":
            raise NotIncremental(f"{path}: {f.language} resolution is not derived incrementally")
        mod = _Module(name, path, f)
        for d in f.definitions:
            if "." not in d.qualname:
                mod.symbols[d.qualname] = f"{name}.{d.qualname}"
        self.bind(mod)
        return mod

    def owner(self, node: str) -> str:
        """The one module that makes `node` a definition or an edge source (NotIncremental when
        two do, or none: a package and its submodule can both spell `pkg.sub.f`)."""
        parts = node.split(".")
        hits = []
        for i in range(1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            if prefix in self._module_names and (i == len(parts) or ".".join(parts[i:]) in _scopes(self.modules[prefix].facts)):
                hits.append(prefix)
        if len(hits) != 1:
            raise NotIncremental(f"{node} is made by {len(hits)} modules")
        return hits[0]

    def bases_of(self, cls: str) -> list[str]:
        if self.defs.get(cls) != "class":
            return []
        mod = self.modules[self.owner(cls)]
        qual = cls[len(mod.name) + 1:]
        found: Optional[list[str]] = None
        # the full build resolves each class's bases with empty memos (graph._Assembler.
        # resolve_bases): nothing resolved for pass 3 may be reused here, nor the reverse
        self._forget()
        for d in mod.facts.definitions:
            if d.kind == "class" and d.bases and d.qualname == qual:
                self._in_bases += 1
                try:
                    resolved = [self.resolve(mod, d.qualname.rpartition(".")[0] or MODULE_SCOPE, b) for b in d.bases]
                finally:
                    self._in_bases -= 1
                found = [b for b in resolved if b != cls]
        self._forget()
        return found or []

    def _forget(self) -> None:
        self._canon.clear()
        for m in self.modules._made.values():  # type: ignore[attr-defined]
            m.memo.clear()

    def resolve_bases(self, mod: _Module) -> None:
        self._in_bases += 1
        try:
            super().resolve_bases(mod)
        finally:
            self._in_bases -= 1

    def member(self, cls: str, name: str, skip_self: bool = False) -> Optional[str]:
        if self._in_bases:
            # the full build resolves bases in module order, with later classes' bases unknown
            raise NotIncremental("a class base is resolved through a member look-up")
        return super().member(cls, name, skip_self)

    def edges_of(self, name: str, f: FileFacts) -> dict[tuple[str, str], dict[str, Any]]:
        """The edges the module `name` contributes when its file's facts are `f`."""
        self.edges = {}
        self._forget()
        mod = _Module(name, self._module_names[name], f)
        for d in f.definitions:
            if "." not in d.qualname:
                mod.symbols[d.qualname] = f"{name}.{d.qualname}"
        self.bind(mod)
        self.modules._made[name] = mod  # type: ignore[attr-defined]
        self.resolve_bases(mod)
        self.link(mod)
        return self.edge_data()


# -- the derived graph ----------------------------------------------------------------------------
_GONE = object()


PredEntries = tuple[tuple[str, tuple[str, ...], bool], ...]  # (source, kinds, source has routes)


def pred_entries(store: GraphStore, node: str) -> PredEntries:
    """A node's predecessors as plain rows, without making an edge dict per caller (a hub
    like `helper` has thousands)."""
    rows = getattr(store, "pred_entries", None)
    if rows is not None:
        return rows(node)  # type: ignore[no-any-return]
    out = []
    for u, d in store.pred(node).items():
        routed = d.get("source_routed")
        if routed is None:
            routed = bool((store.attrs(u) or {}).get("routes"))
        out.append((u, tuple(d["kinds"]), bool(routed)))
    return tuple(out)


class OverlayStore:
    """A base graph store with some nodes' attributes, successors and predecessors replaced."""

    def __init__(self, base: GraphStore, nodes: dict[str, Any], succ: dict[str, dict[str, Any]], pred: dict[str, PredEntries]):
        self.base = base
        self.over_nodes = nodes  # node -> attrs, or _GONE
        self.over_succ = succ
        self.over_pred = pred
        self._pred_made: dict[str, dict[str, Any]] = {}
        self.base_key: Optional[str] = None  # snapshot key of the revision derived from, when known

    def attrs(self, node: str) -> Optional[dict[str, Any]]:
        a = self.over_nodes.get(node)
        if a is None:
            return self.base.attrs(node)
        return None if a is _GONE else a  # type: ignore[return-value]

    def kind(self, node: str) -> Optional[str]:
        a = self.over_nodes.get(node)
        if a is None:
            return self.base.kind(node)
        return None if a is _GONE else a.get("kind", "external")

    def succ(self, node: str) -> Mapping[str, Mapping[str, Any]]:
        s = self.over_succ.get(node)
        return self.base.succ(node) if s is None else s

    def out_kinds(self, node: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        s = self.over_succ.get(node)
        return self.base.out_kinds(node) if s is None else tuple((v, d["kinds"]) for v, d in s.items())

    def pred(self, node: str) -> Mapping[str, Mapping[str, Any]]:
        rows = self.over_pred.get(node)
        if rows is None:
            return self.base.pred(node)
        made = self._pred_made.get(node)
        if made is None:
            made = self._pred_made[node] = {u: {"kinds": k, "source_routed": r} for u, k, r in rows}
        return made

    def pred_entries(self, node: str) -> PredEntries:
        rows = self.over_pred.get(node)
        return pred_entries(self.base, node) if rows is None else rows

    def pred_kinds(self, node: str) -> tuple[str, ...]:
        rows = self.over_pred.get(node)
        if rows is None:
            return self.base.pred_kinds(node)
        return tuple(sorted({k for _u, kinds, _r in rows for k in kinds}))

    def all_nodes(self) -> list[str]:
        base = self.base
        load_all = getattr(base, "load_all", None)
        if load_all is not None:
            load_all()
            fallback = getattr(base, "_fallback", None)
            names = list((fallback if fallback is not None else base).nodes)  # type: ignore[union-attr]
        else:
            names = list(base.nodes)  # type: ignore[attr-defined]
        out = [n for n in names if self.over_nodes.get(n) is not _GONE]
        seen = set(names)
        out += [n for n, a in self.over_nodes.items() if a is not _GONE and n not in seen]
        return out

    def as_dicts(self) -> DictStore:
        nodes = {n: dict(self.attrs(n) or {}) for n in self.all_nodes()}
        succ: dict[str, dict[str, Any]] = {}
        pred: dict[str, dict[str, Any]] = {}
        for u in nodes:
            for v, d in self.succ(u).items():
                e = {"kinds": tuple(d["kinds"]), "sites": tuple(d["sites"])}
                succ.setdefault(u, {})[v] = e
                pred.setdefault(v, {})[u] = e
        return DictStore(nodes, succ, pred)

    def to_networkx(self) -> Any:
        return self.as_dicts().to_networkx()


def derive(
    base: CallGraph, changed: Mapping[str, tuple[FileFacts, FileFacts]], facts_for: FactsFor,
    stats: BuildStats, not_analyzed: tuple[NotAnalyzed, ...],
) -> CallGraph:
    """The head graph from `base` and {path: (base facts, head facts)} of the changed files.

    `facts_for(path)` gives any other file's facts (the same at both revisions). Raises
    NotIncremental when the change is outside what this proves safe.
    """
    with gc_paused():
        return _derive(base, changed, facts_for, stats, not_analyzed)


def _derive(
    base: CallGraph, changed: Mapping[str, tuple[FileFacts, FileFacts]], facts_for: FactsFor,
    stats: BuildStats, not_analyzed: tuple[NotAnalyzed, ...],
) -> CallGraph:
    store = base._store
    added: dict[str, str] = {}  # node -> kind of definitions the head adds
    removed: dict[str, str] = {}  # node -> kind of definitions the head removes
    rebound: list[str] = []  # changed files whose imports change
    for path, (old, new) in changed.items():
        if path not in base.modules or base.modules[path] != module_name(path):
            raise NotIncremental(f"{path} is not a module of the base graph")
        if old.language != "python" or new.language != "python" or old.error or new.error:
            raise NotIncremental(f"{path}: not a Python file read whole")
        if interface(old) != interface(new):
            plus, minus = _definition_changes(path, old, new)
            name = base.modules[path]
            added.update((f"{name}.{q}", k) for q, k in plus.items())
            removed.update((f"{name}.{q}", k) for q, k in minus.items())
            if tuple(old.imports) != tuple(new.imports):
                rebound.append(path)
    if (added or removed or rebound) and base.star_imports is None:
        raise NotIncremental("the base graph does not say who star-imports what")
    if rebound and base.dangling is None:
        raise NotIncremental("the base graph does not say which names others look up in a module")
    heads = {p: new for p, (_old, new) in changed.items()}
    olds = {p: old for p, (old, _new) in changed.items()}
    others: dict[str, Optional[FileFacts]] = {}  # the unchanged files read, shared by both states

    def other(path: str) -> Optional[FileFacts]:
        try:
            return others[path]
        except KeyError:
            f = others[path] = facts_for(path)
            return f

    # the base revision (everything as the base graph has it) and the head (the changed files'
    # new facts, the definitions added and removed): each resolves in its own memos and modules
    before = _Derivation(store, base.modules, lambda p: olds[p] if p in olds else other(p))
    asm = _Derivation(store, base.modules, lambda p: heads[p] if p in heads else other(p), added, removed)
    over_nodes: dict[str, Any] = {}
    over_succ: dict[str, dict[str, Any]] = {}
    touched_targets: set[str] = set()
    new_edges: dict[str, dict[str, Any]] = {}  # source -> {target: edge}
    kept_edges: dict[tuple[str, str], tuple[str, ...]] = {}  # edges into a node that keep their source: kinds
    changed_names = {base.modules[p] for p in changed}
    for path in sorted(changed):
        name = base.modules[path]
        if asm._module_names.get(name) != path:
            raise NotIncremental(f"{path} is shadowed by another file of module {name}")
        for node in _own_nodes(name, olds[path]):
            before.owner(node)  # the changed module's names belong to it alone
            a = store.attrs(node)
            if a is None or a.get("path") != path:
                raise NotIncremental(f"{node} is not only {path}'s")
        for node in _own_nodes(name, heads[path]):
            asm.owner(node)
            if node in added and store.kind(node) not in (None, "external"):
                raise NotIncremental(f"{node} is a definition of the base already")
        # the base version must reproduce the base graph exactly
        old_edges = before.edges_of(name, olds[path])
        fresh = asm.edges_of(name, heads[path])
        old_by_src: dict[str, dict[str, Any]] = {}
        for (u, v), d in old_edges.items():
            old_by_src.setdefault(u, {})[v] = d
        new_by_src: dict[str, dict[str, Any]] = {}
        for (u, v), d in fresh.items():
            new_by_src.setdefault(u, {})[v] = d
        for u in set(old_by_src) | set(new_by_src):
            if u in old_by_src and u != name and before.owner(u) != name:
                raise NotIncremental(f"edge source {u} outside {name}")
            if u in new_by_src and u != name and asm.owner(u) != name:
                raise NotIncremental(f"edge source {u} outside {name}")
            if u in over_succ:
                raise NotIncremental(f"{u} is a source of two changed modules")
            have = store.succ(u)
            want = old_by_src.get(u, {})
            if set(have) != set(want) or any(
                tuple(have[v]["kinds"]) != d["kinds"] or tuple(have[v]["sites"]) != d["sites"] for v, d in want.items()
            ):
                raise NotIncremental(f"re-resolving {path} does not reproduce the base edges of {u}")
            got = new_by_src.get(u, {})
            if added or removed or rebound:
                if u not in added and u not in removed:  # an added or removed class: its bases are checked below
                    _same_structural_edges(u, want, got)
                for v, d in got.items():
                    kept_edges[(u, v)] = d["kinds"]
            touched_targets.update(have)
            touched_targets.update(got)
            over_succ[u] = got
            new_edges[u] = over_succ[u]
        # new lines of the definitions (routes carried over: the same registrations reach them)
        f = heads[path]
        for node, attrs in _own_attrs(name, path, f).items():
            routes = (store.attrs(node) or {}).get("routes")
            if routes:
                attrs["routes"] = list(routes)
            over_nodes[node] = attrs
    if added or removed:
        _check_nobody_else_sees(store, base, before, asm, added, removed, kept_edges, changed_names)
    for path in rebound:
        _check_new_bindings(base, before, asm, base.modules[path])
    sources = set(over_succ)
    over_pred: dict[str, PredEntries] = {}
    overlay = OverlayStore(store, over_nodes, over_succ, over_pred)
    added_rows: dict[str, list] = {}  # target -> rows of the changed sources, in source order
    for u in sorted(sources):
        routed = None
        for t, e in new_edges[u].items():
            if routed is None:
                routed = bool((overlay.attrs(u) or {}).get("routes"))
            added_rows.setdefault(t, []).append((u, e["kinds"], routed))
    for t in touched_targets:
        kept = [row for row in pred_entries(store, t) if row[0] not in sources]
        kept.extend(added_rows.get(t, ()))
        over_pred[t] = tuple(kept)
    # a node that only existed as an edge's end goes when its last edge does; a removed
    # definition that something still names stays as that name's external node
    for n in touched_targets | sources | set(removed):
        if n in over_nodes:
            continue  # a definition of a changed module
        a = store.attrs(n)
        has_edges = bool(overlay.pred_kinds(n)) or bool(overlay.out_kinds(n))
        if n in removed:
            routes = (a or {}).get("routes")
            over_nodes[n] = ({"routes": list(routes)} if routes else {"kind": "external"}) if has_edges else _GONE
        elif a is None:
            if has_edges:
                over_nodes[n] = {"kind": "external"}
        elif not has_edges and a.get("kind", "external") == "external" and not a.get("routes"):
            over_nodes[n] = _GONE
    if isinstance(store, OverlayStore):  # derived from a derived graph: one overlay, not a chain
        overlay = OverlayStore(
            store.base, {**store.over_nodes, **over_nodes}, {**store.over_succ, **over_succ}, {**store.over_pred, **over_pred},
        )
    cg = CallGraph(None, dict(base.modules), stats, not_analyzed, store=overlay)
    if base.star_imports is not None:
        stars = dict(base.star_imports)
        for name in changed_names:
            mod = asm.modules[name]
            if mod.stars:
                stars[name] = tuple(mod.stars)
            else:
                stars.pop(name, None)
        cg.star_imports = tuple(sorted(stars.items()))
    if base.dangling is not None:
        # the base's names plus the new external nodes' (a name that lost its last external node
        # stays listed: that only refuses a later derivation the whole assembly would not)
        dangling = {m: set(names) for m, names in base.dangling}
        modules = set(base.modules.values())
        dangling_names(((n, a) for n, a in over_nodes.items() if a is not _GONE), modules, into=dangling)
        cg.dangling = pack_dangling(dangling)
    return cg


def _check_new_bindings(base: CallGraph, before: "_Derivation", asm: "_Derivation", name: str) -> None:
    """A changed module's imports may only bind new names that nobody looks up in it: a walk that
    reached `name.x` and stopped there (an external node, recorded in `base.dangling`) would now
    follow the import. A binding removed or changed, a star import changed, a star import of the
    module, or one of its own star imports providing the name: NotIncremental."""
    was, now = before.modules[name], asm.modules[name]
    if was.stars != now.stars:
        raise NotIncremental(f"{name}: its star imports change")
    dangling = dict(base.dangling or ())
    for local in was.symbols.keys() | now.symbols.keys():
        if was.symbols.get(local) == now.symbols.get(local):
            continue
        if local in was.symbols:
            raise NotIncremental(f"{name}.{local}: a binding removed or changed")
        if local in dangling.get(name, ()):
            raise NotIncremental(f"{name}.{local}: looked up before it was bound")
        for importer, targets in base.star_imports or ():
            if any(t == name or asm._module_named(t) == name for t in targets):
                raise NotIncremental(f"{name}.{local}: {importer} star-imports {name}")
        for star in was.stars:
            smod = before.modules.get(before._module_named(star) or "")
            if smod is not None and local in smod.symbols:
                raise NotIncremental(f"{name}.{local}: a star import of {name} provides it")


def _definition_changes(path: str, old: FileFacts, new: FileFacts) -> tuple[dict[str, str], dict[str, str]]:
    """({qualname: kind} added, {qualname: kind} removed) when a file's interface differs only by
    definitions added or removed (and imports, checked by the caller); NotIncremental for
    anything else (routes, a definition's kind or bases). A qualname defined several times (a
    property and its setter) counts as one definition: all of its (kind, bases) in order, and
    the last one's kind, which is what the graph keeps."""
    if interface(old)[0:2] != interface(new)[0:2] or interface(old)[4:] != interface(new)[4:]:
        raise NotIncremental(f"{path}: routes changed")
    was: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for d in old.definitions:
        was.setdefault(d.qualname, []).append((d.kind, d.bases))
    now: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for d in new.definitions:
        now.setdefault(d.qualname, []).append((d.kind, d.bases))
    for q in was.keys() & now.keys():
        if was[q] != now[q]:
            raise NotIncremental(f"{path}: {q} changed kind or bases")
    return ({q: now[q][-1][0] for q in now.keys() - was.keys()}, {q: was[q][-1][0] for q in was.keys() - now.keys()})


_STRUCTURAL = ("inherits", "route")


def _same_structural_edges(u: str, want: Mapping[str, Any], got: Mapping[str, Any]) -> None:
    """A changed module's class bases and route handlers must resolve as before: other modules'
    member look-ups walk the former, and the latter decide which nodes carry routes."""
    for kind in _STRUCTURAL:
        if {v for v, d in want.items() if kind in d["kinds"]} != {v for v, d in got.items() if kind in d["kinds"]}:
            raise NotIncremental(f"{u}: its {kind} edges change")


def _check_nobody_else_sees(
    store: GraphStore, base: CallGraph, before: "_Derivation", asm: "_Derivation", added: Mapping[str, str],
    removed: Mapping[str, str], kept_edges: Mapping[tuple[str, str], tuple[str, ...]], changed_names: set[str],
) -> None:
    """Raise NotIncremental unless no unchanged module's edges can differ between the revision
    with and without each added or removed definition N (module M, qualname q, last name m).

    Any resolution that reaches the string N lands on N in both (a def in one, the external node
    N in the other), provided the walk stopped at N without it too: no module is named (or
    suffix-matched) N, and for a top-level q M does not bind q by an import or get it through a
    star import, and for a member q of class C, C's bases do not provide m. What reads a
    definition's existence other than by landing on it is ruled out name by name:
    - a star import of M (its importer's `q`, and `importer.q` walks, now reach M.q);
    - a subclass of C (its member look-up for m now finds C.m), a class inheriting from N
      (look-ups walk into it), a class N with bases in the repository (`N.x` walks now look
      them up), a route to N (a class-based view's methods) or to C when m is a view method;
    - a hook language's module named like a prefix of N (its own-module look-ups: `mod.x`).
    """
    stars = base.star_imports or ()
    for node, kind in list(added.items()) + list(removed.items()):
        without = before if node in added else asm  # the revision without the node
        mod = asm._module_names
        parts = node.split(".")
        for i in range(1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            p = mod.get(prefix)
            if p is not None and not p.endswith(".py"):
                raise NotIncremental(f"{node}: {p} (another language) is named like its prefix")
        if asm._module_named(node) is not None:
            raise NotIncremental(f"{node} is a module's name too")
        owner = asm.owner(node) if node in added else before.owner(node)
        qual = node[len(owner) + 1:]
        parent, _, last = qual.rpartition(".")
        if not parent:
            m = asm.modules[owner]
            if any(imp.local == last for imp in m.facts.imports):
                raise NotIncremental(f"{node}: {owner} imports a name {last}")
            for star in m.stars:
                smod = asm.modules.get(asm._module_named(star) or "")
                if smod is not None and last in smod.symbols:
                    raise NotIncremental(f"{node}: a star import of {owner} provides {last}")
            for importer, targets in stars:
                if any(t == owner or asm._module_named(t) == owner for t in targets):
                    raise NotIncremental(f"{node}: {importer} star-imports {owner}")
        else:
            cls = f"{owner}.{parent}"
            if without.defs.get(cls) == "class" or asm.defs.get(cls) == "class" or before.defs.get(cls) == "class":
                in_kinds = set(store.pred_kinds(cls)) | {k for (u, v), ks in kept_edges.items() if v == cls for k in ks}
                if "inherits" in in_kinds:
                    raise NotIncremental(f"{node}: {cls} has subclasses")
                if last in _VIEW_METHODS and "route" in in_kinds:
                    raise NotIncremental(f"{node}: a view method of routed {cls}")
                if without.member(cls, last) is not None:
                    raise NotIncremental(f"{node}: {cls}'s bases provide {last}")
        if kind == "class":
            in_kinds = set(store.pred_kinds(node)) | {k for (u, v), ks in kept_edges.items() if v == node for k in ks}
            if in_kinds & set(_STRUCTURAL):
                raise NotIncremental(f"{node}: a class something inherits from or routes to")
            with_it = asm if node in added else before
            if any(with_it.defs.get(b) == "class" for b in with_it.bases_of(node)):
                raise NotIncremental(f"{node}: a class with bases in the repository")


def _scopes(f: FileFacts) -> set[str]:
    """Within-file names a file makes nodes of: definitions and the scopes its edges leave."""
    out = {d.qualname for d in f.definitions}
    out.update(c.scope for c in f.calls)
    out.update(r.scope for r in f.routes)
    out.update(r.handler for r in f.routes if r.local)
    return out


def _own_nodes(name: str, f: FileFacts) -> list[str]:
    return [name] + [f"{name}.{d.qualname}" for d in f.definitions]


def _own_attrs(name: str, path: str, f: FileFacts) -> dict[str, dict[str, Any]]:
    """Pass 1's attributes for the module's nodes (a repeated qualname: the last one wins)."""
    out: dict[str, dict[str, Any]] = {name: {"kind": "module", "path": path, "qualname": MODULE_SCOPE, "line": 1, "partial": f.partial}}
    for d in f.definitions:
        out.setdefault(f"{name}.{d.qualname}", {}).update(kind=d.kind, path=path, qualname=d.qualname, line=d.line, end_line=d.end_line)
    return out


def encode_derived(cg: CallGraph, key: str, source: Any = None) -> Optional[bytes]:
    """The snapshot of a derived graph, copying every bucket of `source` (the snapshot of the
    revision it was derived from; default: its base store when that is one) it does not change.
    None when there is no such snapshot: encode the whole graph instead."""
    from semdiff.relevance import snapshot as snap

    overlay = cg._store
    if not isinstance(overlay, OverlayStore):
        return None
    base = source if source is not None else overlay.base
    if not isinstance(base, snap.LazyStore) or base._fallback is not None:
        return None
    buckets = base.buckets
    changed_nodes = set(overlay.over_nodes) | set(overlay.over_succ) | set(overlay.over_pred)
    node_slots: dict[int, list[str]] = {}
    for n in changed_nodes:
        node_slots.setdefault(snap.bucket_of(n, buckets), []).append(n)
    pred_slots: dict[int, list[str]] = {}
    for n in set(overlay.over_pred) | set(overlay.over_nodes):
        pred_slots.setdefault(snap.bucket_of(n, buckets), []).append(n)
    pool: dict[tuple[str, ...], tuple[str, ...]] = {}

    def kinds_of(k: Any) -> tuple[str, ...]:
        k = tuple(k)
        return pool.setdefault(k, k)

    def node_row(n: str) -> Optional[tuple[Any, ...]]:
        a = overlay.attrs(n)
        if a is None:
            return None
        out = overlay.succ(n)
        targets = tuple((v, kinds_of(d["kinds"])) for v, d in out.items())
        sites = marshal.dumps(tuple(tuple(tuple(s) for s in d["sites"]) for d in out.values()), 4) if out else b""
        return (n,) + tuple(a.get(k) for k in snap._NODE_KEYS) + (
            tuple(a.get("routes", ())), kinds_of(overlay.pred_kinds(n)), targets, sites)

    def pred_row(n: str) -> Optional[tuple[Any, ...]]:
        if overlay.attrs(n) is None:
            return None
        preds = overlay.pred_entries(n)
        if not preds:
            return None
        return (n, tuple((u, kinds_of(k), r) for u, k, r in preds))

    try:
        return _encode_over(cg, key, base, node_slots, pred_slots, node_row, pred_row)
    except snap._DAMAGE:
        return None  # the base snapshot is damaged: encode the whole graph


def _encode_over(cg: CallGraph, key: str, base: Any, node_slots: dict[int, list[str]], pred_slots: dict[int, list[str]],
                 node_row: Callable[[str], Any], pred_row: Callable[[str], Any]) -> bytes:
    import zlib

    from semdiff.relevance import snapshot as snap

    buckets = base.buckets
    parts = [snap._MAGIC]
    offset = len(snap._MAGIC)
    index = bytearray()
    raws = base.raw_buckets()
    for slot in range(2 * buckets):
        raw = raws[slot]
        is_pred = slot >= buckets
        names = (pred_slots if is_pred else node_slots).get(slot - buckets if is_pred else slot)
        if names:
            rows = {row[0]: row for row in marshal.loads(raw)}
            for n in names:
                row = pred_row(n) if is_pred else node_row(n)
                if row is None:
                    rows.pop(n, None)
                else:
                    rows[n] = row
            raw = marshal.dumps(tuple(rows.values()), 4)
        index += snap._ENTRY.pack(offset, len(raw), zlib.crc32(raw))
        parts.append(raw)
        offset += len(raw)
    meta = marshal.dumps((
        key, buckets, bytes(index), tuple(sorted(cg.modules.items())), (cg.stats.files, cg.stats.skipped),
        tuple((n.path, n.reason, n.detail) for n in cg.not_analyzed), cg.star_imports, cg.dangling,
    ), 4)
    parts.append(meta)
    parts.append(snap._FOOTER.pack(offset, len(meta), zlib.crc32(meta), snap._MAGIC))
    return b"".join(parts)
