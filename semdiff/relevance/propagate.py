"""Relevance on the call graph: seeds, propagation with decay, and why-paths.

A node is relevant when it is a seed (score of its category), when it reaches a seed within
`max_hops` dependency edges (score x decay per hop), or when a *protected* route — a route
handler that itself reaches a seed — reaches it within `max_hops` (the route's score x decay
per hop). The best of these wins and carries its path. The graph only ever adds to the
name-only floor of semdiff.relevance.names: when it knows nothing, the name decides.
"""
from __future__ import annotations

import marshal
from collections import deque
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping, Optional

from semdiff import digests
from semdiff.model import Relevance
from semdiff.relevance.cache import mark_used
from semdiff.relevance.facts import MODULE_SCOPE
from semdiff.relevance.graph import CallGraph
from semdiff.relevance.names import categorise
from semdiff.relevance.seeds import Seeds, SeedHit, load_seeds

Side = Literal["before", "after"]
DECAY = 0.7
MAX_HOPS = 3
# edge kinds that mean "depends on" for forward propagation (route edges point at handlers)
_FORWARD = {"call", "decorator", "depends", "inherits"}
# categories whose decorator on a caller counts as an enforced guard
GUARD_CATEGORIES = {"authn", "authz", "session", "token", "csrf"}
_STRONG = {"authn", "authz", "session", "token", "csrf", "tls"}
# Walk answers stored next to a graph snapshot (see RepoRelevance.save_answers)
ANSWERS_KIND = "relevance"
ANSWERS_VERSION = 1
_ANSWERS_MAGIC = b"SDRELANS1\0"
MAX_ANSWERS = 200_000  # entries per file; a graph queried more than this keeps the first ones
_ANSWER_SOURCES = ("propagate.py", "seeds.py", "names.py", "graph.py", "snapshot.py", "facts.py")
_CODE: Optional[str] = None


def name_floor(qualname: str) -> Relevance:
    """The name-only score (as semdiff.relevance.names.name_relevance gives a unit's own name)."""
    last = qualname.rpartition(".")[2]
    for candidate in (last, qualname):
        hit = categorise(candidate)
        if hit:
            cat, word = hit
            return Relevance(cat, 0.9 if cat in _STRONG else 0.7, (qualname,), f"name '{candidate}' mentions '{word}'")
    return Relevance("none", 0.1, (qualname,), "no security-relevant name or call")


def _matches_guard(node: str, guards: Iterable[str]) -> bool:
    last = node.rpartition(".")[2]
    for g in guards:
        if node == g or node.endswith("." + g) or last == g.rpartition(".")[2]:
            return True
    return False


def _may_route(cg: CallGraph, node: str, edge: Mapping[str, object]) -> bool:
    """Whether `node` (reached backwards over `edge`) is a route handler. A snapshot's
    predecessor edges say so ("source_routed"), which spares reading the node's own row."""
    flag = edge.get("source_routed")
    return bool(cg.routes(node)) if flag is None else bool(flag)


class RepoRelevance:
    """Relevance of units at the two revisions of a change (either graph may be missing)."""

    def __init__(
        self,
        before: Optional[CallGraph],
        after: Optional[CallGraph],
        seeds: Optional[Seeds] = None,
        *,
        max_hops: int = MAX_HOPS,
        decay: float = DECAY,
        answers: Any = None,
    ) -> None:
        """`answers`: a semdiff.relevance.cache.BlobCache holding walk results of earlier runs
        on the same graphs (save_answers writes them); None = walk everything."""
        self.graphs: Mapping[str, Optional[CallGraph]] = {"before": before, "after": after}
        self.seeds = seeds if seeds is not None else load_seeds()
        self.max_hops = max_hops
        self.decay = decay
        # memos for the whole run: a change asks about both sides of many units whose walks
        # cross the same nodes, and most nodes are the same on both sides
        self._seed_memo: dict[tuple[str, str], Optional[SeedHit]] = {}
        self._match_memo: dict[tuple[str, str, bool], Optional[SeedHit]] = {}
        self._fwd_memo: dict[tuple[str, str], Optional[Relevance]] = {}
        self._bwd_memo: dict[tuple[str, str], Optional[Relevance]] = {}
        self._rel_memo: dict[tuple[str, str, str], Relevance] = {}
        self._next_memo: dict[tuple[str, str], tuple[str, ...]] = {}
        self._answers = answers
        self._answer_keys: dict[str, Optional[str]] = {}  # side -> key of its stored answers (None: none)
        # stored answers read but not yet asked for, as checked rows (see _decode_answers):
        # a file holds ~800 per graph and a change asks about a few of them
        self._stored_fwd: dict[tuple[str, str], Optional[tuple]] = {}
        self._stored_bwd: dict[tuple[str, str], Optional[tuple]] = {}
        self._seeds_text: Optional[str] = None  # canonical(self.seeds), made once: both sides' keys hold it
        self._fresh = 0  # walks computed this run (nothing to write when 0)

    # -- lookup ---------------------------------------------------------------------------------
    def graph(self, side: Side) -> Optional[CallGraph]:
        if side not in self.graphs:
            raise ValueError(f"side must be 'before' or 'after', not {side!r}")
        return self.graphs[side]

    def node(self, path: str, qualname: str, side: Side) -> Optional[str]:
        cg = self.graph(side)
        return cg.node_for(path, qualname) if cg is not None else None

    def seed(self, side: Side, node: str) -> Optional[SeedHit]:
        key = (side, node)
        try:
            return self._seed_memo[key]
        except KeyError:
            pass
        cg = self.graph(side)
        assert cg is not None
        kind = cg.kind(node)
        # whether it is used as a decorator only matters for a decorator seed's name
        as_decorator = self.seeds.decorator_name(node) and "decorator" in cg.predecessor_kinds(node)
        mkey = (node, kind, as_decorator)
        try:
            hit = self._match_memo[mkey]
        except KeyError:
            hit = self._match_memo[mkey] = self.seeds.match(node, kind, as_decorator)
        self._seed_memo[key] = hit
        return hit

    def _forward_next(self, side: Side, cg: CallGraph, node: str) -> tuple[str, ...]:
        """The targets of `node`'s dependency edges, sorted (what a forward walk expands)."""
        key = (side, node)
        nxt = self._next_memo.get(key)
        if nxt is None:
            nxt = self._next_memo[key] = tuple(sorted(m for m, kinds in cg.out_kinds(node) if not _FORWARD.isdisjoint(kinds)))
        return nxt

    # -- propagation ------------------------------------------------------------------------------
    def _own(self, side: Side, node: str) -> Optional[Relevance]:
        hit = self.seed(side, node)
        if hit is None:
            return None
        return Relevance(hit.category, round(hit.score, 4), (node,), f"{node} is a {hit.category} seed ({hit.reason})")

    def forward(self, side: Side, node: str) -> Optional[Relevance]:
        """Best seed reachable from `node` within max_hops (the node itself counts, at 0 hops)."""
        key = (side, node)
        if key in self._fwd_memo:
            return self._fwd_memo[key]
        if side not in self._answer_keys:
            self._load_answers(side)
        if key in self._stored_fwd:
            result = self._fwd_memo[key] = _stored_relevance(self._stored_fwd[key])
            return result
        self._fresh += 1
        cg = self.graph(side)
        assert cg is not None
        best: Optional[tuple[float, int, str, SeedHit]] = None
        parent: dict[str, Optional[str]] = {node: None}
        frontier = [node]
        for depth in range(self.max_hops + 1):
            for n in frontier:
                hit = self.seed(side, n)
                if hit is not None:
                    score = hit.score * self.decay**depth
                    if best is None or score > best[0] + 1e-12:
                        best = (score, depth, n, hit)
            if depth == self.max_hops:
                break
            nxt: list[str] = []
            for n in frontier:
                for m in self._forward_next(side, cg, n):
                    if m not in parent:
                        parent[m] = n
                        nxt.append(m)
            frontier = nxt
        result: Optional[Relevance] = None
        if best is not None:
            score, depth, target, hit = best
            path = [target]
            while parent[path[-1]] is not None:
                path.append(parent[path[-1]])  # type: ignore[arg-type]
            path.reverse()
            if depth == 0:
                reason = f"{node} is a {hit.category} seed ({hit.reason})"
            else:
                reason = f"reaches {hit.category} seed {target} ({hit.reason}) in {depth} hop{'s' if depth > 1 else ''}"
            result = Relevance(hit.category, round(score, 4), tuple(path), reason)
        self._fwd_memo[key] = result
        return result

    def backward(self, side: Side, node: str) -> Optional[Relevance]:
        """Best protected route that reaches `node` within max_hops."""
        key = (side, node)
        if key in self._bwd_memo:
            return self._bwd_memo[key]
        if side not in self._answer_keys:
            self._load_answers(side)
        if key in self._stored_bwd:
            result = self._bwd_memo[key] = _stored_relevance(self._stored_bwd[key])
            return result
        self._fresh += 1
        result = self._bwd_memo[key] = self._backward(side, node)
        return result

    # -- stored walk answers ----------------------------------------------------------------------
    # forward/backward depend only on the graph (named by its snapshot key), the seeds, the
    # hop limit, the decay and this code; a warm run on the same graphs reads them instead of
    # walking ~thousands of nodes, and another change against the same base reuses the base's.
    def _answers_key(self, side: Side) -> Optional[str]:
        cg = self.graphs.get(side)
        snap = getattr(cg, "snapshot_key", None) if cg is not None else None
        if self._answers is None or not snap:
            return None
        seeds = self._seeds_text
        if seeds is None:
            try:
                from semdiff.report_cache import Uncacheable, canonical

                seeds = self._seeds_text = canonical(self.seeds)
            except Uncacheable:
                return None
        h = digests.sha256(f"semdiff-relevance-answers\0{_code()}\0{snap}\0{self.max_hops}\0{self.decay!r}\0".encode())
        h.update(seeds.encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def _load_answers(self, side: Side) -> None:
        key = self._answer_keys[side] = self._answers_key(side)
        if key is None:
            return
        path = self._answers.binary_path(ANSWERS_KIND, ANSWERS_VERSION, key)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
                mark_used(fh.fileno(), path)  # evicted least recently used first
        except (OSError, TypeError):
            return
        loaded = _decode_answers(data, key)
        if loaded is None:
            self._answers.stats.corrupt += 1
            return
        fwd, bwd = loaded
        for stored, got in ((self._stored_fwd, fwd), (self._stored_bwd, bwd)):
            for node, row in got.items():
                stored[(side, node)] = row

    def save_answers(self) -> None:
        """Store this run's walk answers (with those read) per graph, best effort."""
        if self._answers is None or not self._fresh:
            return
        by_key: dict[str, list[str]] = {}
        for side in ("before", "after"):
            key = self._answer_keys[side] if side in self._answer_keys else self._answers_key(side)  # type: ignore[arg-type]
            if key is not None:
                by_key.setdefault(key, []).append(side)
        for key, sides in by_key.items():
            # the answers read first (in the file's order), then those walked this run
            fwd = {node: _stored_relevance(row) for (s, node), row in self._stored_fwd.items() if s in sides}
            fwd.update((node, rel) for (s, node), rel in self._fwd_memo.items() if s in sides and node not in fwd)
            bwd = {node: _stored_relevance(row) for (s, node), row in self._stored_bwd.items() if s in sides}
            bwd.update((node, rel) for (s, node), rel in self._bwd_memo.items() if s in sides and node not in bwd)
            if len(fwd) + len(bwd) <= MAX_ANSWERS:
                from semdiff.parse_cache import put_bounded

                put_bounded(self._answers, ANSWERS_KIND, ANSWERS_VERSION, key, _encode_answers(fwd, bwd, key))

    def _backward(self, side: Side, node: str) -> Optional[Relevance]:
        cg = self.graph(side)
        assert cg is not None
        best: Optional[Relevance] = None
        parent: dict[str, Optional[str]] = {node: None}
        frontier = [node]
        for depth in range(1, self.max_hops + 1):
            nxt: list[str] = []
            for n in frontier:
                for p, kinds, routed in sorted(cg.predecessor_entries(n)):
                    if p in parent or _FORWARD.isdisjoint(kinds):
                        continue
                    parent[p] = n
                    nxt.append(p)
                    if not routed:
                        continue
                    protected = self.forward(side, p)
                    if protected is None:
                        continue
                    score = protected.score * self.decay**depth
                    if best is None or score > best.score + 1e-12:
                        path = [p]
                        while parent[path[-1]] is not None:
                            path.append(parent[path[-1]])  # type: ignore[arg-type]
                        reason = (
                            f"route {p} [{', '.join(cg.routes(p))}] reaches it in {depth} hop{'s' if depth > 1 else ''}"
                            f" and is protected: {protected.reason} (via {' -> '.join(protected.why_path)})"
                        )
                        best = Relevance(protected.category, round(score, 4), tuple(path), reason)
            frontier = nxt
        return best

    def relevance(self, path: str, qualname: str, side: Side) -> Relevance:
        """Category, score and why-path of the unit `qualname` in `path` at `side`."""
        key = (path, qualname, side)
        hit = self._rel_memo.get(key)
        if hit is None:
            hit = self._rel_memo[key] = self._relevance(path, qualname, side)
        return hit

    def _relevance(self, path: str, qualname: str, side: Side) -> Relevance:
        floor = name_floor(qualname if qualname != MODULE_SCOPE else path)
        node = self.node(path, qualname, side)
        if node is None:
            return floor
        candidates = [r for r in (self.forward(side, node), self.backward(side, node)) if r is not None]
        if not candidates:
            return Relevance(floor.category, floor.score, (node,), floor.reason + "; no path to a seed in the call graph")
        best = max(candidates, key=lambda r: r.score)
        return best if best.score >= floor.score else Relevance(floor.category, floor.score, (node,), floor.reason)

    def for_change(self, change: object) -> Relevance:
        """Pipeline hook for a UnitChange: the more relevant of its before and after sides."""
        results = []
        for side, unit in (("before", getattr(change, "before", None)), ("after", getattr(change, "after", None))):
            if unit is not None:
                results.append(self.relevance(unit.path, unit.qualname, side))  # type: ignore[arg-type]
        return max(results, key=lambda r: r.score) if results else Relevance()

    # -- structure queries ------------------------------------------------------------------------
    def callers(self, path: str, qualname: str, side: Side) -> tuple[str, ...]:
        """Nodes that call (or decorate with, or Depends on) the unit, sorted."""
        cg = self.graph(side)
        node = self.node(path, qualname, side)
        if cg is None or node is None:
            return ()
        return tuple(sorted(p for p, e in cg.predecessors(node).items() if {"call", "depends", "decorator"} & set(e["kinds"])))

    def dependent_routes(self, path: str, qualname: str, side: Side, max_hops: Optional[int] = None) -> tuple[str, ...]:
        """Route handlers that reach the unit (itself included when it is one), sorted."""
        cg = self.graph(side)
        node = self.node(path, qualname, side)
        if cg is None or node is None:
            return ()
        limit = max_hops if max_hops is not None else 2 * self.max_hops
        seen = {node}
        queue: deque[tuple[str, int, Mapping[str, object]]] = deque([(node, 0, {})])
        found = []
        while queue:
            n, d, via = queue.popleft()
            if _may_route(cg, n, via) and cg.routes(n):
                found.append(n)
            if d == limit:
                continue
            for p, e in cg.predecessors(n).items():
                if p not in seen and _FORWARD.intersection(e["kinds"]):
                    seen.add(p)
                    queue.append((p, d + 1, e))
        return tuple(sorted(found))

    def guard_path(self, path: str, qualname: str, guards: Iterable[str], side: Side) -> Optional[tuple[str, ...]]:
        """Path from the unit to a guard (by name, as in enforced_by_all_callers) within max_hops.

        Lets a rule see that a guard moved into a decorator or helper is still enforced.
        """
        cg = self.graph(side)
        node = self.node(path, qualname, side)
        if cg is None or node is None:
            return None
        wanted = list(guards)
        parent: dict[str, Optional[str]] = {node: None}
        queue = deque([(node, 0)])
        while queue:
            n, d = queue.popleft()
            if n != node and _matches_guard(n, wanted):
                out = [n]
                while parent[out[-1]] is not None:
                    out.append(parent[out[-1]])  # type: ignore[arg-type]
                return tuple(reversed(out))
            if d == self.max_hops:
                continue
            succ = cg.successors(n)
            for m in sorted(succ):
                if m not in parent and _FORWARD.intersection(succ[m]["kinds"]):
                    parent[m] = n
                    queue.append((m, d + 1))
        return None

    def _reaches(self, side: Side, start: str, guards: Iterable[str]) -> bool:
        cg = self.graph(side)
        assert cg is not None
        wanted = list(guards)
        seen = {start}
        frontier = [start]
        for _ in range(self.max_hops):
            nxt = []
            for n in frontier:
                for m, e in cg.successors(n).items():
                    if m in seen or not _FORWARD.intersection(e["kinds"]):
                        continue
                    if _matches_guard(m, wanted):
                        return True
                    seen.add(m)
                    nxt.append(m)
            frontier = nxt
        return False

    def enforced_by_all_callers(
        self, path: str, qualname: str, guard_callees: set[str], side: Side = "after", max_hops: int = 3, max_nodes: int = 64,
    ) -> bool:
        """True when every caller guards before calling: a guard moved into the callers.

        A caller counts when it calls one of `guard_callees` (matched by full name, dotted
        suffix or last name component) at an earlier position than its first call to the unit,
        or is decorated with one of them, with a decorator that reaches one of them, or with an
        authn/authz/session/token/csrf seed decorator ("applies an auth decorator"). A caller
        that does none of this still counts when, in turn, all of *its* callers do (a check
        hoisted to the entry points a few calls up), within `max_hops` levels of callers and
        `max_nodes` callers in all. False when the unit has no callers or is itself a route
        (the framework calls it unguarded), and likewise for any unguarded caller up the way.
        """
        cg = self.graph(side)
        node = self.node(path, qualname, side)
        if cg is None or node is None:
            return False
        budget = [max_nodes]

        def guarded_callers(n: str, depth: int, chain: frozenset[str]) -> bool:
            if cg.routes(n) or depth > max_hops:
                return False
            callers = [p for p, e in cg.predecessors(n).items() if {"call", "depends"} & set(e["kinds"])]
            if not callers:
                return False
            for caller in sorted(callers):
                budget[0] -= 1
                if budget[0] < 0 or caller in chain:
                    return False
                if self._guards_call(side, cg, caller, n, guard_callees):
                    continue
                if not guarded_callers(caller, depth + 1, chain | {caller}):
                    return False
            return True

        return guarded_callers(node, 1, frozenset({node}))

    def _guards_call(self, side: Side, cg: CallGraph, caller: str, node: str, guard_callees: set[str]) -> bool:
        """Does `caller` apply one of the guards before its call to `node`?"""
        call_at = cg.first_site(caller, node, ("call", "depends"))
        for m, e in cg.successors(caller).items():
            if m == node:
                continue
            kinds = e["kinds"]
            if "decorator" in kinds:
                hit = self.seed(side, m)
                if (
                    _matches_guard(m, guard_callees)
                    or (hit is not None and hit.category in GUARD_CATEGORIES)
                    or self._reaches(side, m, guard_callees)
                ):
                    return True
            if "call" in kinds and _matches_guard(m, guard_callees):
                guard_at = cg.first_site(caller, m, ("call",))
                if guard_at is not None and call_at is not None and guard_at < call_at:
                    return True
        return False

def _code() -> str:
    """Hash of the code a walk answer depends on (once per process; remembered in the cache
    dir under the sources' stat identity, as the parse cache's code fingerprint is, so a warm
    run does not read and hash ~100 KB of sources)."""
    global _CODE
    if _CODE is None:
        from semdiff.parse_cache import remembered_digest

        here = Path(__file__).resolve().parent
        _CODE = remembered_digest("semdiff-relevance-answers-code\0", [here / name for name in _ANSWER_SOURCES])
    return _CODE


def _rel_row(rel: Optional[Relevance]) -> Optional[tuple[str, float, tuple[str, ...], str]]:
    return None if rel is None else (rel.category, rel.score, tuple(rel.why_path), rel.reason)


def _encode_answers(fwd: Mapping[str, Optional[Relevance]], bwd: Mapping[str, Optional[Relevance]], key: str) -> bytes:
    from semdiff.ir_codec import frame

    payload = marshal.dumps((key, tuple((n, _rel_row(r)) for n, r in fwd.items()), tuple((n, _rel_row(r)) for n, r in bwd.items())), 4)
    return frame(_ANSWERS_MAGIC, payload)


def _decode_answers(data: bytes, key: str) -> Optional[tuple[dict[str, Optional[tuple]], dict[str, Optional[tuple]]]]:
    """The stored answers as checked rows (`_stored_relevance` makes each one's Relevance when it
    is asked for), or None for anything that is not an intact file of `key` (marshal of plain
    values under a CRC, every row type-checked: the cache directory is not trusted)."""
    from semdiff.ir_codec import unframe

    payload = unframe(_ANSWERS_MAGIC, data)
    if payload is None:
        return None
    join = "".join
    try:
        value = marshal.loads(payload)
        if type(value) is not tuple or len(value) != 3 or value[0] != key:
            return None
        out: list[dict[str, Optional[Relevance]]] = []
        for rows in value[1:]:
            if type(rows) is not tuple:
                return None
            got: dict[str, Optional[tuple]] = {}
            for node, row in rows:
                if type(node) is not str:
                    return None
                if row is None:
                    got[node] = None
                    continue
                category, score, path, reason = row
                if (type(category) is not str or type(score) not in (float, int) or type(path) is not tuple
                        or type(reason) is not str):
                    return None
                join(path)  # TypeError (not an intact file) unless every item is a str
                got[node] = row
            out.append(got)
    except (ValueError, EOFError, TypeError):
        return None
    return out[0], out[1]


def _stored_relevance(row: Optional[tuple]) -> Optional[Relevance]:
    """The Relevance of a row `_decode_answers` checked (None stays None)."""
    return None if row is None else _relevance_maker()(*row)


_MAKE_RELEVANCE: Optional[Any] = None


def _relevance_maker() -> Any:
    """Relevance's constructor filling the instance's fields directly (semdiff.ir_construct):
    a stored file holds ~800 answers per graph, each built anew every warm run."""
    global _MAKE_RELEVANCE
    if _MAKE_RELEVANCE is None:
        from semdiff.ir_construct import fast_constructor

        _MAKE_RELEVANCE = fast_constructor(Relevance)
    return _MAKE_RELEVANCE
