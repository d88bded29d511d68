"""Whole-graph snapshots: a built revision graph stored by the blobs it was built from.

The per-blob cache makes a second run skip parsing; resolving names and building the
networkx graph still costs most of a warm run. When a revision's tree (every graph-relevant
path and blob id) has been seen before, the assembled graph is loaded instead. The key covers
the paths, blob ids, extractor versions and this format's version, so any change to any file
falls back to assembling from the per-blob facts.
"""
from __future__ import annotations

import hashlib
from typing import Any, Iterable, Optional

import networkx as nx

from semdiff.model import NotAnalyzed
from semdiff.relevance.facts import extractor_for
from semdiff.relevance.graph import BuildStats, CallGraph

SNAPSHOT_VERSION = 1
_NODE_KEYS = ("kind", "path", "qualname", "line", "end_line", "partial")


def revision_key(entries: Iterable[tuple[str, str]]) -> str:
    """Key of a revision's graph: sha256 over (path, blob id, extractor version), sorted."""
    h = hashlib.sha256(f"semdiff-graph-v{SNAPSHOT_VERSION}\0".encode())
    for path, blob in sorted(entries):
        ex = extractor_for(path)
        version = f"{ex.language}-{ex.version}" if ex is not None else "-"
        h.update(f"{path}\0{blob}\0{version}\0".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def to_json(cg: CallGraph) -> dict[str, Any]:
    g = cg.graph
    index = {n: i for i, n in enumerate(g.nodes)}
    nodes = [[n] + [a.get(k) for k in _NODE_KEYS] + [list(a.get("routes", ()))] for n, a in g.nodes(data=True)]
    edges = [
        [index[u], index[v], list(d["kinds"]), [x for site in d["sites"] for x in site]]
        for u, v, d in g.edges(data=True)
    ]
    return {
        "nodes": nodes,
        "edges": edges,
        "modules": cg.modules,
        "stats": [cg.stats.files, cg.stats.skipped],
        "not_analyzed": [[n.path, n.reason, n.detail] for n in cg.not_analyzed],
    }


def from_json(data: dict[str, Any]) -> CallGraph:
    """Strict: any shape error raises ValueError/KeyError/TypeError (treated as corrupt)."""
    g = nx.DiGraph()
    names: list[str] = []
    node_rows = []
    for row in data["nodes"]:
        if len(row) != 2 + len(_NODE_KEYS) or type(row[0]) is not str:
            raise ValueError("bad node row")
        attrs = {k: v for k, v in zip(_NODE_KEYS, row[1:]) if v is not None}
        if row[-1]:
            attrs["routes"] = [str(r) for r in row[-1]]
        names.append(row[0])
        node_rows.append((row[0], attrs))
    g.add_nodes_from(node_rows)

    def edge(row: list[Any]) -> tuple[str, str, dict[str, Any]]:
        u, v, kinds, flat = row
        if len(flat) % 3:
            raise ValueError("bad edge sites")
        sites = tuple((flat[i], flat[i + 1], flat[i + 2]) for i in range(0, len(flat), 3))
        return names[u], names[v], {"kinds": tuple(kinds), "sites": sites}

    g.add_edges_from(edge(row) for row in data["edges"])
    modules = {str(k): str(v) for k, v in data["modules"].items()}
    files, skipped = (int(x) for x in data["stats"])
    not_analyzed = tuple(NotAnalyzed(str(p), str(r), str(d)) for p, r, d in data["not_analyzed"])
    return CallGraph(g, modules, BuildStats(files=files, parsed=0, cached=files - skipped, skipped=skipped), not_analyzed)


def load(cache: Any, key: str) -> Optional[CallGraph]:
    data = cache.get_document("snapshot", SNAPSHOT_VERSION, key)
    if data is None:
        return None
    try:
        return from_json(data)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        cache.stats.corrupt += 1
        return None


def store(cache: Any, key: str, cg: CallGraph) -> None:
    cache.put_document("snapshot", SNAPSHOT_VERSION, key, to_json(cg))
