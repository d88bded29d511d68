"""Human and machine views of the graph: `semdiff explain` text and `semdiff graph` exports."""
from __future__ import annotations

import json
from typing import Literal, Optional

from semdiff.relevance.facts import MODULE_SCOPE
from semdiff.relevance.graph import CallGraph
from semdiff.relevance.propagate import RepoRelevance, Side


def _locate(cg: CallGraph, qualname: str, path: Optional[str]) -> Optional[str]:
    if path is not None:
        return cg.node_for(path, qualname)
    return cg.find(qualname)


def explain(rel: RepoRelevance, qualname: str, side: Side = "after", path: Optional[str] = None) -> str:
    """Why a function is (or is not) considered sensitive, with the path that decides it.

    `qualname` is a full node name (`app.views.delete_user`), a unique dotted suffix of one
    (`views.delete_user`), or, with `path`, the within-file qualname.
    """
    cg = rel.graph(side)
    if cg is None:
        return f"{qualname}: no call graph for the {side} revision"
    node = _locate(cg, qualname, path)
    if node is None:
        return f"{qualname}: not found in the {side} call graph (name-only score: {rel_name(qualname)})"
    attrs = cg.attrs(node)
    file_path = attrs.get("path")
    within = attrs.get("qualname", MODULE_SCOPE)
    lines = [f"{node} ({attrs.get('kind', 'external')}" + (f", {file_path}:{attrs.get('line')}" if file_path else "") + ")"]
    if file_path is None:
        hit = rel.seed(side, node)
        lines.append(f"  external; seed: {hit.category} ({hit.reason})" if hit else "  external, not a seed")
        return "\n".join(lines)
    r = rel.relevance(file_path, within, side)
    verdict = "sensitive" if r.is_relevant else "not sensitive"
    lines.append(f"  {verdict}: {r.category}, score {r.score:.2f}")
    lines.append(f"  why: {r.reason}")
    lines.append(f"  path: {' -> '.join(r.why_path)}")
    routes = cg.routes(node)
    if routes:
        lines.append(f"  route: {', '.join(routes)}")
    callers = rel.callers(file_path, within, side)
    if callers:
        lines.append(f"  callers: {', '.join(callers)}")
    dependents = [d for d in rel.dependent_routes(file_path, within, side) if d != node]
    if dependents:
        lines.append(f"  routes that rely on it: {', '.join(dependents)}")
    return "\n".join(lines)


def rel_name(qualname: str) -> str:
    from semdiff.relevance.propagate import name_floor

    r = name_floor(qualname)
    return f"{r.category} {r.score:.2f}"


def export_graph(graph: CallGraph, fmt: Literal["dot", "json"] = "json") -> str:
    """The graph as Graphviz dot or JSON (nodes and edges sorted, so output is stable)."""
    g = graph.graph
    if fmt == "json":
        nodes = []
        for n in sorted(g.nodes):
            a = g.nodes[n]
            item = {"id": n, "kind": a.get("kind", "external")}
            for key in ("path", "qualname", "line", "end_line"):
                if key in a:
                    item[key] = a[key]
            if a.get("routes"):
                item["routes"] = list(a["routes"])
            nodes.append(item)
        edges = [
            {"source": u, "target": v, "kinds": list(d["kinds"]), "lines": sorted({s[0] for s in d["sites"]})}
            for u, v, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[1]))
        ]
        return json.dumps({"nodes": nodes, "edges": edges}, indent=2, sort_keys=True)
    if fmt == "dot":
        def q(s: str) -> str:
            return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

        shapes = {"module": "folder", "class": "box", "external": "ellipse", "function": "oval", "method": "oval"}
        out = ["digraph semdiff {", "  rankdir=LR;"]
        for n in sorted(g.nodes):
            kind = g.nodes[n].get("kind", "external")
            style = ', style=dashed' if kind == "external" else ""
            out.append(f"  {q(n)} [shape={shapes.get(kind, 'oval')}{style}];")
        for u, v, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[1])):
            out.append(f"  {q(u)} -> {q(v)} [label={q(','.join(d['kinds']))}];")
        out.append("}")
        return "\n".join(out) + "\n"
    raise ValueError(f"unknown graph format {fmt!r} (dot or json)")
