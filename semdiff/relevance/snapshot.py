"""Whole-graph snapshots: a built revision graph stored by the blobs it was built from, read
piece by piece.

The per-blob cache makes a second run skip parsing; resolving names and building the graph
still costs most of a warm run. When a revision's tree (every graph-relevant path and blob
id) has been seen before, the assembled graph is loaded instead. The key covers the paths,
blob ids, extractor versions and this format's version, so any change to any file falls back
to assembling from the per-blob facts. A second, smaller memo maps a git tree id to that key
(`remember_tree`/`recall_tree`), so a warm run does not even list the tree.

Reading a whole snapshot grows with the repository (400k lines: ~1 s for both sides, most of
it building dicts for nodes no query touches). So the file is split into buckets by a hash of
the node name, and a query reads only the buckets of the nodes it asks about:

    MAGIC | node buckets ... | predecessor buckets ... | meta | footer

- node bucket: marshal of rows (name, kind, path, qualname, line, end_line, partial, routes,
  kinds of its incoming edges, ((target, kinds), ...), call sites as one nested marshal bytes
  object — a walk reads a bucket for one of its nodes, and the sites are most of the objects);
- predecessor bucket: marshal of rows (name, ((source, kinds, source has routes), ...)), apart
  from the node rows because a hub (`jwt.decode`) has callers all over the repository and most
  walks only go forward; the routes flag lets a backward walk skip reading the node row of
  every caller it passes (edge data "source_routed");
- meta: marshal of (key, bucket count, index, module map, stats, not-analysed rows, star
  imports, dangling names — each of the last two or None, see graph.CallGraph); the index is
  packed (offset, length, CRC-32) per bucket;
- footer: meta offset, length and CRC-32, then the magic again.

marshal, not pickle: loading builds only strs/ints/tuples and never calls code, and every row
is shape-checked. The footer and meta are checked when the file is opened (anything else is
"missing": the caller assembles the graph); a bucket is checked when first read, and a damaged
one makes the store rebuild the whole graph through the `rebuild` callback it was given and
answer from that from then on (the snapshot is written again by the rebuild).
"""
from __future__ import annotations

import marshal
import os
import struct
import weakref
import zlib
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Optional

from semdiff import digests
from semdiff.model import NotAnalyzed
from semdiff.relevance import facts as _facts
from semdiff.relevance.cache import mark_used
from semdiff.relevance.facts import extractor_for
from semdiff.relevance.graph import MAX_FILE_BYTES, BuildStats, CallGraph, DictStore

if TYPE_CHECKING:
    import networkx as nx

SNAPSHOT_VERSION = 7
TREE_MEMO_VERSION = 1
_MAGIC = b"SDGSNAP7"
_FOOTER = struct.Struct("<QII8s")
_ENTRY = struct.Struct("<QII")
_NODE_KEYS = ("kind", "path", "qualname", "line", "end_line", "partial")
_ATTR_TYPES = {"kind": str, "path": str, "qualname": str, "line": int, "end_line": int, "partial": bool}
_NO_EDGES: Mapping[str, Mapping[str, Any]] = {}
NODES_PER_BUCKET = 4  # a walk reads a bucket for one node: smaller buckets unpack fewer rows it never asks about


class CorruptSnapshot(ValueError):
    """The file is not a whole snapshot of this version (torn, tampered, another format)."""


def revision_key(entries: Iterable[tuple[str, str]]) -> str:
    """Key of a revision's graph: sha256 over (path, blob id, extractor version), sorted."""
    h = digests.sha256(f"semdiff-graph-v{SNAPSHOT_VERSION}\0".encode())
    for path, blob in sorted(entries):
        ex = extractor_for(path)
        version = f"{ex.language}-{ex.version}" if ex is not None else "-"
        h.update(f"{path}\0{blob}\0{version}\0".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


# -- tree id -> snapshot key ---------------------------------------------------------------------
def _suffix(path: str) -> str:
    dot = path.rfind(".")
    return path[dot:] if dot > path.rfind("/") else ""


def _registered_suffixes() -> list[str]:
    _facts._load_builtin()
    return sorted(_facts._FACTORIES)


def _memo_key(tree: str) -> str:
    return digests.sha256(f"semdiff-tree-v{SNAPSHOT_VERSION}\0{MAX_FILE_BYTES}\0{tree}".encode()).hexdigest()


def remember_tree(cache: Any, tree: str, key: str, paths: Iterable[str]) -> None:
    """Note that `tree` gave the snapshot `key`, with what decided which files were read.

    A snapshot key depends on which suffixes have an extractor and on the versions of the
    extractors of the files present, so both are stored and checked by `recall_tree`.
    """
    present: dict[str, str] = {}
    for path in paths:
        sfx = _suffix(path)
        if sfx not in present:
            ex = extractor_for(path)
            if ex is not None:
                present[sfx] = f"{ex.language}-{ex.version}"
    doc = {"snapshot": key, "suffixes": _registered_suffixes(), "extractors": present}
    cache.put_document("tree", TREE_MEMO_VERSION, _memo_key(tree), doc)


def recall_tree(cache: Any, tree: str) -> Optional[str]:
    """The snapshot key `tree` gave last time, if the extractors still read it the same way."""
    doc = cache.get_document("tree", TREE_MEMO_VERSION, _memo_key(tree))
    if doc is None:
        return None
    try:
        key, suffixes, present = doc["snapshot"], doc["suffixes"], doc["extractors"]
        if not isinstance(key, str) or not isinstance(present, dict) or suffixes != _registered_suffixes():
            return None
        for sfx, version in present.items():
            ex = extractor_for("x" + sfx) if isinstance(sfx, str) else None
            if ex is None or f"{ex.language}-{ex.version}" != version:
                return None
    except (KeyError, TypeError):
        cache.stats.corrupt += 1
        return None
    return key


# -- writing -------------------------------------------------------------------------------------
def bucket_count(nodes: int) -> int:
    """About NODES_PER_BUCKET nodes per bucket, rounded down to three significant bits, so the
    two ends of a change almost always get the same count: then their unchanged nodes sit in
    byte-identical buckets, which a run unpacks once for both (see `_decode`)."""
    n = max(1, nodes // NODES_PER_BUCKET)
    drop = max(0, n.bit_length() - 3)
    return (n >> drop) << drop


def bucket_of(node: str, buckets: int) -> int:
    return zlib.crc32(node.encode("utf-8", "surrogatepass")) % buckets


def _dicts_of(cg: CallGraph) -> DictStore:
    store = cg._store
    if isinstance(store, DictStore):
        return store
    as_dicts = getattr(store, "as_dicts", None)  # a derived graph (semdiff.relevance.incremental)
    if as_dicts is not None:
        return as_dicts()  # type: ignore[no-any-return]
    g = cg.graph  # anything else (a lazily read snapshot): its whole networkx graph
    return DictStore(g._node, g._succ, g._pred)


def encode(cg: CallGraph, key: str) -> bytes:
    g = _dicts_of(cg)
    buckets = bucket_count(len(g.nodes))
    node_rows: list[list[tuple[Any, ...]]] = [[] for _ in range(buckets)]
    pred_rows: list[list[tuple[Any, ...]]] = [[] for _ in range(buckets)]
    pool: dict[tuple[str, ...], tuple[str, ...]] = {}  # one object per distinct kinds tuple: marshal refs it

    def kinds_of(d: Mapping[str, Any]) -> tuple[str, ...]:
        k = tuple(d["kinds"])
        return pool.setdefault(k, k)

    routed = g.nodes
    for n, a in g.nodes.items():
        b = bucket_of(n, buckets)
        preds = g.pred_map.get(n, _NO_EDGES)
        in_kinds = kinds_of({"kinds": sorted({k for d in preds.values() for k in d["kinds"]})})
        out = g.succ_map.get(n, _NO_EDGES)
        targets = tuple((v, kinds_of(d)) for v, d in out.items())
        # call sites: one bytes object per node, unpacked only for a node a query asks about
        sites = marshal.dumps(tuple(tuple(tuple(s) for s in d["sites"]) for d in out.values()), 4) if out else b""
        node_rows[b].append((n,) + tuple(a.get(k) for k in _NODE_KEYS) + (tuple(a.get("routes", ())), in_kinds, targets, sites))
        if preds:
            pred_rows[b].append((n, tuple((u, kinds_of(d), bool(routed[u].get("routes"))) for u, d in preds.items())))
    parts = [_MAGIC]
    offset = len(_MAGIC)
    index = bytearray()
    for rows in node_rows + pred_rows:
        blob = marshal.dumps(tuple(rows), 4)
        index += _ENTRY.pack(offset, len(blob), zlib.crc32(blob))
        parts.append(blob)
        offset += len(blob)
    meta = marshal.dumps((
        key, buckets, bytes(index), tuple(sorted(cg.modules.items())), (cg.stats.files, cg.stats.skipped),
        tuple((n.path, n.reason, n.detail) for n in cg.not_analyzed), cg.star_imports, cg.dangling,
    ), 4)
    parts.append(meta)
    parts.append(_FOOTER.pack(offset, len(meta), zlib.crc32(meta), _MAGIC))
    return b"".join(parts)


def store(cache: Any, key: str, cg: CallGraph) -> None:
    put(cache, key, encode(cg, key))


def put(cache: Any, key: str, payload: bytes) -> None:
    """Store a snapshot; it counts toward the cache's size bound (semdiff.parse_cache)."""
    from semdiff.parse_cache import put_bounded

    put_bounded(cache, "snapshot", SNAPSHOT_VERSION, key, payload)


# -- reading -------------------------------------------------------------------------------------
def _pread(fd: int, length: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        data = os.pread(fd, length, offset)
    else:  # no pread (Windows): a store is used by one thread, so seek + read is enough
        os.lseek(fd, offset, os.SEEK_SET)
        data = os.read(fd, length)
    if len(data) != length:
        raise CorruptSnapshot("truncated")
    return data


def _str(x: Any) -> str:
    if type(x) is not str:
        raise CorruptSnapshot("bad name")
    return x


# what reading a damaged bucket can raise (CorruptSnapshot is a ValueError)
_DAMAGE = (OSError, ValueError, EOFError, TypeError, IndexError, KeyError, struct.error)


# Decoded buckets by content, shared by every store of the process: the two ends of a change
# (and a head derived from its base, see semdiff.relevance.incremental) mostly hold byte-identical
# buckets, so each is unpacked once. The bytes are compared, not just the checksum.
_DECODED: dict[tuple[int, int], tuple[bytes, tuple[Any, ...]]] = {}
_DECODED_MAX = 16384


def _decode(raw: bytes, crc: int) -> tuple[Any, ...]:
    key = (crc, len(raw))
    hit = _DECODED.get(key)
    if hit is not None and hit[0] == raw:
        return hit[1]
    rows = marshal.loads(raw)
    if type(rows) is not tuple:
        raise CorruptSnapshot("bad bucket")
    for row in rows:
        if type(row) is not tuple or not row:
            raise CorruptSnapshot("bad row")
        _str(row[0])
    if len(_DECODED) >= _DECODED_MAX:
        _DECODED.clear()
    _DECODED[key] = (raw, rows)
    return rows


def _check_kinds(kinds: Any) -> tuple[str, ...]:
    if type(kinds) is not tuple:
        raise CorruptSnapshot("bad edge kinds")
    for k in kinds:
        if type(k) is not str:
            raise CorruptSnapshot("bad edge kind")
    return kinds


class LazyStore:
    """A snapshot file read bucket by bucket, on first use of a node.

    A bucket read keeps its rows as marshal gave them. What a relevance walk reads of a node
    (its kind, the kinds of its incoming edges, its targets and their kinds) comes straight
    from the row; the node's attribute and edge dicts (with the call sites unpacked) are made
    only when those are asked about. Any damage found on the way (checksum, shape) switches
    the store to a rebuilt graph.
    """

    def __init__(self, fd: int, buckets: int, index: bytes, rebuild: Callable[[], CallGraph]):
        self._fd = fd
        self._finalizer = weakref.finalize(self, os.close, fd)
        self._buckets = buckets
        self._index = index
        self._rebuild = rebuild
        self._fallback: Any = None
        self._rows: dict[str, tuple[Any, ...]] = {}  # as read from the buckets
        self._pred_rows: dict[str, tuple[Any, ...]] = {}
        self._light: dict[str, tuple[str, tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]]] = {}
        self.nodes: dict[str, dict[str, Any]] = {}
        self.succ_map: dict[str, Mapping[str, Any]] = {}
        self.pred_map: dict[str, Mapping[str, Any]] = {}
        self._pred_entries: dict[str, tuple[tuple[str, tuple[str, ...], bool], ...]] = {}
        self._loaded: set[int] = set()  # node buckets in 0..n-1, predecessor buckets in n..2n-1
        self.bucket_reads = 0

    def close(self) -> None:
        self._finalizer()

    @property
    def buckets(self) -> int:
        return self._buckets

    # -- reading ------------------------------------------------------------------------------------
    def raw_buckets(self) -> list[bytes]:
        """Every bucket's checked bytes, read at once (a derived snapshot copies most of them)."""
        spans = [_ENTRY.unpack_from(self._index, slot * _ENTRY.size) for slot in range(2 * self._buckets)]
        start = min(off for off, _, _ in spans)
        end = max(off + length for off, length, _ in spans)
        region = _pread(self._fd, end - start, start)
        out = []
        for off, length, crc in spans:
            raw = region[off - start: off - start + length]
            if len(raw) != length or zlib.crc32(raw) != crc:
                raise CorruptSnapshot("checksum mismatch")
            out.append(raw)
        return out

    def _read(self, slot: int) -> Any:
        offset, length, crc = _ENTRY.unpack_from(self._index, slot * _ENTRY.size)
        raw = _pread(self._fd, length, offset)
        if zlib.crc32(raw) != crc:
            raise CorruptSnapshot("checksum mismatch")
        self.bucket_reads += 1
        return _decode(raw, crc)

    def _bucket(self, node: str, preds: bool) -> None:
        b = bucket_of(node, self._buckets)
        slot = self._buckets + b if preds else b
        if slot in self._loaded:
            return
        target = self._pred_rows if preds else self._rows
        for row in self._read(slot):
            target[row[0]] = row
        self._loaded.add(slot)

    def _row(self, node: str) -> Optional[tuple[Any, ...]]:
        row = self._rows.get(node)
        if row is None:
            self._bucket(node, False)
            row = self._rows.get(node)
        return row

    def _lite(self, node: str) -> Optional[tuple[str, tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]]]:
        """(kind, kinds of incoming edges, ((target, kinds), ...)) read from the row (None: no such node)."""
        lite = self._light.get(node)
        if lite is not None:
            return lite
        row = self._row(node)
        if row is None:
            return None
        if len(row) != 11:
            raise CorruptSnapshot("bad node row")
        kind, kinds_in, targets = row[1], row[8], row[9]
        if kind is None:
            kind = "external"
        elif type(kind) is not str:
            raise CorruptSnapshot("bad node attribute")
        _check_kinds(kinds_in)
        if type(targets) is not tuple:
            raise CorruptSnapshot("bad node row")
        for t in targets:
            if type(t) is not tuple or len(t) != 2 or type(t[0]) is not str:
                raise CorruptSnapshot("bad edge row")
            _check_kinds(t[1])
        lite = self._light[node] = (kind, kinds_in, targets)
        return lite

    def _make(self, node: str) -> bool:
        """Make the dicts of `node` (False: no such node)."""
        if node in self.nodes:
            return True
        lite = self._lite(node)
        if lite is None:
            return False
        row = self._rows[node]
        _name, kind, path, qualname, line, end_line, partial, routes, _kinds_in, targets, sites_blob = row
        attrs = {k: v for k, v in zip(_NODE_KEYS, (kind, path, qualname, line, end_line, partial)) if v is not None}
        for k, v in attrs.items():  # only plain values reach callers (marshal can build code objects)
            if type(v) is not _ATTR_TYPES[k]:
                raise CorruptSnapshot("bad node attribute")
        if routes:
            if type(routes) is not tuple:
                raise CorruptSnapshot("bad routes")
            attrs["routes"] = [_str(r) for r in routes]
        if type(sites_blob) is not bytes:
            raise CorruptSnapshot("bad node row")
        sites_all = marshal.loads(sites_blob) if targets else ()
        if type(sites_all) is not tuple or len(sites_all) != len(targets):
            raise CorruptSnapshot("bad call sites")
        out: dict[str, Any] = {}
        for (v, kinds), sites in zip(targets, sites_all):
            if type(sites) is not tuple:
                raise CorruptSnapshot("bad edge row")
            out[v] = {"kinds": kinds, "sites": sites}
        if out:
            self.succ_map[node] = out
        self.nodes[node] = attrs
        return True

    def _make_preds(self, node: str) -> Mapping[str, Any]:
        row = self._pred_rows.get(node)
        if row is None:
            self._bucket(node, True)
            row = self._pred_rows.get(node)
            if row is None:
                return _NO_EDGES
        _name, preds = row
        if type(preds) is not tuple:
            raise CorruptSnapshot("bad predecessor row")
        made: dict[str, Any] = {}
        for u, kinds, routed in preds:
            made[_str(u)] = {"kinds": _check_kinds(kinds), "source_routed": routed is True}
        self.pred_map[node] = made
        return made

    def _give_up(self) -> Any:
        self._fallback = self._rebuild()._store
        self._rows, self._pred_rows, self._light, self._pred_entries = {}, {}, {}, {}
        self.nodes, self.succ_map, self.pred_map = {}, {}, {}
        self.close()
        return self._fallback

    # -- GraphStore ---------------------------------------------------------------------------------
    def attrs(self, node: str) -> Optional[dict[str, Any]]:
        if self._fallback is None:
            a = self.nodes.get(node)
            if a is not None:
                return a
            try:
                return self.nodes[node] if self._make(node) else None
            except _DAMAGE:
                self._give_up()
        return self._fallback.attrs(node)  # type: ignore[no-any-return]

    def kind(self, node: str) -> Optional[str]:
        if self._fallback is None:
            try:
                lite = self._lite(node)
                return None if lite is None else lite[0]
            except _DAMAGE:
                self._give_up()
        return self._fallback.kind(node)  # type: ignore[no-any-return]

    def succ(self, node: str) -> Mapping[str, Mapping[str, Any]]:
        if self._fallback is None:
            if node in self.nodes:
                return self.succ_map.get(node, _NO_EDGES)
            try:
                self._make(node)
                return self.succ_map.get(node, _NO_EDGES)
            except _DAMAGE:
                self._give_up()
        return self._fallback.succ(node)  # type: ignore[no-any-return]

    def out_kinds(self, node: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        if self._fallback is None:
            try:
                lite = self._lite(node)
                return () if lite is None else lite[2]
            except _DAMAGE:
                self._give_up()
        return self._fallback.out_kinds(node)  # type: ignore[no-any-return]

    def pred_kinds(self, node: str) -> tuple[str, ...]:
        if self._fallback is None:
            try:
                lite = self._lite(node)
                return () if lite is None else lite[1]
            except _DAMAGE:
                self._give_up()
        return self._fallback.pred_kinds(node)  # type: ignore[no-any-return]

    def pred(self, node: str) -> Mapping[str, Mapping[str, Any]]:
        if self._fallback is None:
            p = self.pred_map.get(node)
            if p is not None:
                return p
            try:
                return self._make_preds(node)
            except _DAMAGE:
                self._give_up()
        return self._fallback.pred(node)  # type: ignore[no-any-return]

    def pred_entries(self, node: str) -> tuple[tuple[str, tuple[str, ...], bool], ...]:
        """(source, kinds, source has routes) of every edge into `node`, as stored."""
        if self._fallback is None:
            hit = self._pred_entries.get(node)
            if hit is not None:
                return hit
            try:
                row = self._pred_rows.get(node)
                if row is None:
                    self._bucket(node, True)
                    row = self._pred_rows.get(node)
                    if row is None:
                        return ()
                _name, preds = row
                if type(preds) is not tuple:
                    raise CorruptSnapshot("bad predecessor row")
                for u, kinds, _routed in preds:
                    _str(u)
                    _check_kinds(kinds)
                made = self._pred_entries[node] = tuple((u, k, r is True) for u, k, r in preds)
                return made
            except _DAMAGE:
                self._give_up()
        from semdiff.relevance.incremental import pred_entries

        return pred_entries(self._fallback, node)

    def load_all(self) -> None:
        """Read every node bucket and make every node (exports, `find`, networkx)."""
        if self._fallback is not None:
            return
        try:
            for b in range(self._buckets):
                if b not in self._loaded:
                    for row in self._read(b):
                        self._rows[row[0]] = row
                    self._loaded.add(b)
            for name in list(self._rows):
                self._make(name)
        except _DAMAGE:
            self._give_up()

    def to_networkx(self) -> "nx.DiGraph":
        self.load_all()
        if self._fallback is not None:
            return self._fallback.to_networkx()
        return DictStore(self.nodes, {u: dict(out) for u, out in self.succ_map.items()}, {}).to_networkx()


def _open(path: Any, key: str, rebuild: Callable[[], CallGraph]) -> CallGraph:
    """Check the footer and meta of the file at `path` and wrap it in a LazyStore."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        mark_used(fd, path)  # snapshots are evicted least recently used first
        size = os.fstat(fd).st_size
        if size < len(_MAGIC) + _FOOTER.size:
            raise CorruptSnapshot("too short")
        meta_off, meta_len, meta_crc, magic = _FOOTER.unpack(_pread(fd, _FOOTER.size, size - _FOOTER.size))
        if magic != _MAGIC or meta_off + meta_len != size - _FOOTER.size:
            raise CorruptSnapshot("not a snapshot of this version")
        meta = _pread(fd, meta_len, meta_off)
        if zlib.crc32(meta) != meta_crc:
            raise CorruptSnapshot("checksum mismatch")
        try:
            file_key, buckets, index, module_items, (files, skipped), na_rows, star_rows, dangling_rows = marshal.loads(meta)
            if file_key != key:
                raise CorruptSnapshot("snapshot of another revision")
            if type(buckets) is not int or buckets < 1 or type(index) is not bytes or len(index) != 2 * buckets * _ENTRY.size:
                raise CorruptSnapshot("bad index")
            modules = {_str(p): _str(m) for p, m in module_items}
            not_analyzed = tuple(NotAnalyzed(_str(p), _str(r), _str(d)) for p, r, d in na_rows)
            stats = BuildStats(files=int(files), parsed=0, cached=int(files) - int(skipped), skipped=int(skipped))
            star_imports = None if star_rows is None else tuple(
                (_str(m), tuple(_str(t) for t in targets)) for m, targets in star_rows)
            dangling = None if dangling_rows is None else tuple(
                (_str(m), tuple(_str(t) for t in names)) for m, names in dangling_rows)
        except CorruptSnapshot:
            raise
        except (ValueError, EOFError, TypeError, IndexError, KeyError, AttributeError) as exc:
            raise CorruptSnapshot(f"malformed snapshot: {exc}") from exc
    except BaseException:
        os.close(fd)
        raise
    cg = CallGraph(None, modules, stats, not_analyzed, store=LazyStore(fd, buckets, index, rebuild))
    cg.snapshot_key = key
    cg.star_imports = star_imports
    cg.dangling = dangling
    return cg


def load(cache: Any, key: str, rebuild: Optional[Callable[[], CallGraph]] = None) -> Optional[CallGraph]:
    """The snapshot of `key`, or None when missing or its header is corrupt (counted in
    cache.stats). A bucket found damaged later is counted too, and answered by `rebuild()`."""
    path = cache.binary_path("snapshot", SNAPSHOT_VERSION, key)
    if path is None:
        return None

    def on_damage() -> CallGraph:
        cache.stats.corrupt += 1
        if rebuild is None:
            raise CorruptSnapshot(f"snapshot {key} is damaged and there is nothing to rebuild it from")
        return rebuild()

    try:
        cg = _open(path, key, on_damage)
    except OSError:
        cache.stats.misses += 1
        return None
    except CorruptSnapshot:
        cache.stats.corrupt += 1
        cache.stats.misses += 1
        return None
    cache.stats.hits += 1
    return cg
