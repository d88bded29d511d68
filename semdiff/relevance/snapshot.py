"""Whole-graph snapshots: a built revision graph stored by the blobs it was built from.

The per-blob cache makes a second run skip parsing; resolving names and building the graph
still costs most of a warm run. When a revision's tree (every graph-relevant path and blob
id) has been seen before, the assembled graph is loaded instead. The key covers the paths,
blob ids, extractor versions and this format's version, so any change to any file falls back
to assembling from the per-blob facts.

Format: `marshal` of plain tuples (node rows, edges by node index), behind a magic string and
a CRC-32 of the payload, written atomically by BlobCache. marshal, not pickle: loading it
builds only strs/ints/tuples and never calls code, and every row is shape-checked, so a
tampered or torn file is reported corrupt and the graph is rebuilt. The file is read into a
plain-dict adjacency (no networkx on the hot path); networkx is built only when asked for.
"""
from __future__ import annotations

import hashlib
import marshal
import struct
import zlib
from typing import Any, Iterable, Mapping, Optional

import networkx as nx

from semdiff.model import NotAnalyzed
from semdiff.relevance.facts import extractor_for
from semdiff.relevance.graph import BuildStats, CallGraph

SNAPSHOT_VERSION = 2
_MAGIC = b"SDGSNAP2"
_NODE_KEYS = ("kind", "path", "qualname", "line", "end_line", "partial")
_NO_EDGES: Mapping[str, Mapping[str, Any]] = {}


class CorruptSnapshot(ValueError):
    """The file is not a whole snapshot of this version (torn, tampered, another format)."""


def revision_key(entries: Iterable[tuple[str, str]]) -> str:
    """Key of a revision's graph: sha256 over (path, blob id, extractor version), sorted."""
    h = hashlib.sha256(f"semdiff-graph-v{SNAPSHOT_VERSION}\0".encode())
    for path, blob in sorted(entries):
        ex = extractor_for(path)
        version = f"{ex.language}-{ex.version}" if ex is not None else "-"
        h.update(f"{path}\0{blob}\0{version}\0".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


class DictStore:
    """A graph as three plain dicts: node attributes, successors and predecessors."""

    __slots__ = ("nodes", "succ_map", "pred_map")

    def __init__(self, nodes: dict[str, dict[str, Any]], succ: dict[str, dict[str, Any]], pred: dict[str, dict[str, Any]]):
        self.nodes = nodes
        self.succ_map = succ
        self.pred_map = pred

    def attrs(self, node: str) -> Optional[dict[str, Any]]:
        return self.nodes.get(node)

    def succ(self, node: str) -> Mapping[str, Mapping[str, Any]]:
        return self.succ_map.get(node, _NO_EDGES)

    def pred(self, node: str) -> Mapping[str, Mapping[str, Any]]:
        return self.pred_map.get(node, _NO_EDGES)

    def to_networkx(self) -> nx.DiGraph:
        g = nx.DiGraph()
        g.add_nodes_from((n, dict(a)) for n, a in self.nodes.items())
        g.add_edges_from((u, v, dict(d)) for u, out in self.succ_map.items() for v, d in out.items())
        return g


def encode(cg: CallGraph, key: str) -> bytes:
    g = cg.graph
    index = {n: i for i, n in enumerate(g.nodes)}
    nodes = tuple(
        (n,) + tuple(a.get(k) for k in _NODE_KEYS) + (tuple(a.get("routes", ())),) for n, a in g.nodes(data=True)
    )
    kinds_pool: dict[tuple[str, ...], tuple[str, ...]] = {}  # one object per distinct kinds tuple
    edges = tuple(
        (index[u], index[v], kinds_pool.setdefault(tuple(d["kinds"]), tuple(d["kinds"])), tuple(tuple(s) for s in d["sites"]))
        for u, v, d in g.edges(data=True)
    )
    payload = marshal.dumps((
        key, nodes, edges, tuple(sorted(cg.modules.items())), (cg.stats.files, cg.stats.skipped),
        tuple((n.path, n.reason, n.detail) for n in cg.not_analyzed),
    ), 4)
    return _MAGIC + struct.pack("<I", zlib.crc32(payload)) + payload


def decode(raw: bytes, key: str) -> CallGraph:
    """Strict: anything but a whole snapshot of `key` raises CorruptSnapshot."""
    if raw[: len(_MAGIC)] != _MAGIC or len(raw) < len(_MAGIC) + 4:
        raise CorruptSnapshot("not a snapshot of this version")
    (crc,) = struct.unpack_from("<I", raw, len(_MAGIC))
    payload = memoryview(raw)[len(_MAGIC) + 4:]
    if zlib.crc32(payload) != crc:
        raise CorruptSnapshot("checksum mismatch")
    try:
        data = marshal.loads(payload)
        file_key, node_rows, edge_rows, module_items, (files, skipped), na_rows = data
        if file_key != key:
            raise CorruptSnapshot("snapshot of another revision")
        names: list[str] = []
        nodes: dict[str, dict[str, Any]] = {}
        for row in node_rows:
            name, kind, path, qualname, line, end_line, partial, routes = row
            if type(name) is not str:
                raise CorruptSnapshot("bad node row")
            attrs = {k: v for k, v in zip(_NODE_KEYS, (kind, path, qualname, line, end_line, partial)) if v is not None}
            if routes:
                attrs["routes"] = [str(r) for r in routes]
            names.append(name)
            nodes[name] = attrs
        succ: dict[str, dict[str, Any]] = {}
        pred: dict[str, dict[str, Any]] = {}
        for ui, vi, kinds, sites in edge_rows:
            u, v = names[ui], names[vi]
            if type(kinds) is not tuple or type(sites) is not tuple:
                raise CorruptSnapshot("bad edge row")
            d = {"kinds": kinds, "sites": sites}
            out = succ.get(u)
            if out is None:
                out = succ[u] = {}
            out[v] = d
            inn = pred.get(v)
            if inn is None:
                inn = pred[v] = {}
            inn[u] = d
        modules = {str(p): str(m) for p, m in module_items}
        not_analyzed = tuple(NotAnalyzed(str(p), str(r), str(d)) for p, r, d in na_rows)
        stats = BuildStats(files=int(files), parsed=0, cached=int(files) - int(skipped), skipped=int(skipped))
    except CorruptSnapshot:
        raise
    except (ValueError, EOFError, TypeError, IndexError, KeyError, AttributeError) as exc:
        raise CorruptSnapshot(f"malformed snapshot: {exc}") from exc
    return CallGraph(None, modules, stats, not_analyzed, store=DictStore(nodes, succ, pred))


def load(cache: Any, key: str) -> Optional[CallGraph]:
    """The snapshot of `key`, or None when missing or corrupt (counted in cache.stats)."""
    path = cache.binary_path("snapshot", SNAPSHOT_VERSION, key)
    if path is None:
        return None
    try:
        raw = path.read_bytes()
    except OSError:
        cache.stats.misses += 1
        return None
    try:
        cg = decode(raw, key)
    except CorruptSnapshot:
        cache.stats.corrupt += 1
        cache.stats.misses += 1
        return None
    cache.stats.hits += 1
    return cg


def store(cache: Any, key: str, cg: CallGraph) -> None:
    cache.put_binary("snapshot", SNAPSHOT_VERSION, key, encode(cg, key))
