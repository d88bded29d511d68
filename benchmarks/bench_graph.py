"""Benchmark: repository call graph, cold and warm (blob cache), on a generated repository.

    python benchmarks/bench_graph.py [--files 1000] [--lines 100] [--runs 5]

Generates the repository (benchmarks/gen_repo.py) in a temporary directory, then times
`graph_for_revision` with an empty cache (cold) and with the cache the cold run filled (warm),
median of `--runs` runs each; peak memory is the process's max RSS and tracemalloc's peak for
one cold build. Targets (issue 4): cold < 5 s, warm < 0.5 s, < 500 MB.

"One file changed" edits a function body in one module and is timed twice: derived from the
previous revision's graph still open in the process (semdiff.relevance.incremental; the last
one is compared with a fresh build, node by node and edge by edge) and assembled whole.

A warm open reads only the snapshot's footer and index (semdiff.relevance.snapshot), so the
figure that matters for a pull request is "warm PR": both sides of a 5-module change opened
from a warm cache plus what the pipeline asks of them (relevance of every unit of the changed
modules on both sides, and the route/caller walks the guard rules make for a few of them),
checked against the answers of a fresh build. Issue 10 asks it to stay nearly flat from 1x to
16x repository size: run with --files 250, 1000 and 4000.
"""
from __future__ import annotations

import argparse
import gc
import os
import subprocess
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_repo import generate, git_commit_all  # noqa: E402

from semdiff.relevance import repo as repo_mod  # noqa: E402
from semdiff.relevance.cache import BlobCache  # noqa: E402
from semdiff.relevance.incremental import OverlayStore  # noqa: E402
from semdiff.relevance.propagate import RepoRelevance  # noqa: E402
from semdiff.relevance.repo import graph_for_revision  # noqa: E402


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description="call-graph benchmark")
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--lines", type=int, default=100)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="semdiff-bench-"))
    try:
        repo = work / "repo"
        total = generate(repo, args.files, args.lines)
        sha = git_commit_all(repo)
        cold, warm = [], []
        graph = None
        for i in range(args.runs):
            cache_dir = work / f"cache{i}"
            t = time.perf_counter()
            graph = graph_for_revision(str(repo), sha, cache=BlobCache(cache_dir))
            cold.append(time.perf_counter() - t)
            t = time.perf_counter()
            warm_graph = graph_for_revision(str(repo), sha, cache=BlobCache(cache_dir))
            warm.append(time.perf_counter() - t)
            assert warm_graph.stats.parsed == 0, warm_graph.stats
        assert graph is not None
        # one file changed: no whole-revision snapshot, 1 parse. "derived": the previous
        # revision's graph is open in the process (as a range's base is when its head is read),
        # so the head is derived from it (semdiff.relevance.incremental); "whole": nothing open,
        # the revision is assembled from the per-blob facts
        changed, changed_whole = [], []
        target = repo / "app" / "pkg0" / "mod0.py"
        g1 = graph
        for i in range(args.runs):
            for label, times in (("derived", changed), ("whole", changed_whole)):
                # an edit inside a function body (the interface stays: derivable)
                text = target.read_text()
                text = text.replace("\n    return ", f"\n    _edit = {i}  # {label}\n    return ", 1)
                target.write_text(text)
                rev = git_commit_all(repo, f"edit {i} {label}")
                if label == "whole":
                    repo_mod._RECENT.clear()
                t = time.perf_counter()
                g2 = graph_for_revision(str(repo), rev, cache=BlobCache(work / "cache0"))
                times.append(time.perf_counter() - t)
                assert g2.stats.parsed == 1, g2.stats
                assert isinstance(g2._store, OverlayStore) == (label == "derived"), label
                g1 = g2
        # the last derived head (as the snapshot it wrote) against a fresh build of that revision
        fresh_rev = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD~1"], capture_output=True, text=True, check=True).stdout.strip()
        derived = graph_for_revision(str(repo), fresh_rev, cache=BlobCache(work / "cache0"))
        fresh = graph_for_revision(str(repo), fresh_rev, cache=None)
        assert derived.stats.parsed == 0
        fnodes = {n: dict(a) for n, a in fresh.graph.nodes(data=True)}
        fedges = {(u, v): (tuple(d["kinds"]), tuple(map(tuple, d["sites"]))) for u, v, d in fresh.graph.edges(data=True)}
        assert {n: dict(a) for n, a in derived.graph.nodes(data=True)} == fnodes
        assert {(u, v): (tuple(d["kinds"]), tuple(map(tuple, d["sites"]))) for u, v, d in derived.graph.edges(data=True)} == fedges
        del derived, fresh, fnodes, fedges, g1
        rev = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        # warm PR: a 5-module change; both sides' snapshots are in the cache already
        base_rev = rev  # the last "one file changed" commit, already in cache0
        modules = sorted((repo / "app").glob("pkg*/mod1.py"))[:5]
        for m in modules:
            m.write_text(m.read_text() + "\n\ndef added(request):\n    return helper_0(request)\n")
        head_rev = git_commit_all(repo, "PR")
        cache_pr = BlobCache(work / "cache0")
        graph_for_revision(str(repo), base_rev, cache=cache_pr)
        graph_for_revision(str(repo), head_rev, cache=cache_pr)
        changed_paths = subprocess.run(["git", "-C", str(repo), "diff", "--name-only", base_rev, head_rev],
                                       capture_output=True, text=True, check=True).stdout.split()
        fresh_b = graph_for_revision(str(repo), base_rev, cache=None)
        fresh_a = graph_for_revision(str(repo), head_rev, cache=None)
        units = sorted((a["path"], a["qualname"]) for _, a in fresh_a.graph.nodes(data=True)
                       if a.get("path") in changed_paths and a.get("kind") in ("function", "method", "class"))

        def pr_queries(before, after):
            rel = RepoRelevance(before, after)
            out = [rel.relevance(p, q, side) for p, q in units for side in ("before", "after")]
            for p, q in units[:: max(1, len(units) // 3)][:3]:  # guards.py asks these for removed guards
                out.append(rel.dependent_routes(p, q, "after"))
                out.append(rel.enforced_by_all_callers(p, q, {"check_role"}, "after"))
            return out

        expected = pr_queries(fresh_b, fresh_a)
        del fresh_b, fresh_a
        gc.collect()
        pr, reads = [], 0
        for i in range(args.runs):
            t = time.perf_counter()
            c = BlobCache(work / "cache0")
            b = graph_for_revision(str(repo), base_rev, cache=c)
            a = graph_for_revision(str(repo), head_rev, cache=c)
            got = pr_queries(b, a)
            pr.append(time.perf_counter() - t)
            assert got == expected, "warm answers differ from a fresh build"
            reads = sum(getattr(g._store, "bucket_reads", 0) for g in (b, a))
        tracemalloc.start()
        c = BlobCache(work / "cache0")
        pr_queries(graph_for_revision(str(repo), base_rev, cache=c), graph_for_revision(str(repo), head_rev, cache=c))
        _, pr_traced = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        t = time.perf_counter()
        rel = RepoRelevance(None, graph)
        scored = 0
        for node, attrs in graph.graph.nodes(data=True):
            if attrs.get("kind") in ("function", "method"):
                rel.relevance(attrs["path"], attrs["qualname"], "after")
                scored += 1
        relevance_s = time.perf_counter() - t

        tracemalloc.start()
        graph_for_revision(str(repo), sha, cache=None)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        print(f"machine: {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
        print(f"repository: {total} lines in {graph.stats.files} files; graph {graph.graph.number_of_nodes()} nodes, {graph.graph.number_of_edges()} edges")
        print(f"cold build (empty cache): median {statistics.median(cold):.3f} s  runs {' '.join(f'{x:.3f}' for x in cold)}")
        print(f"warm open (lazy snapshot): median {statistics.median(warm):.3f} s  runs {' '.join(f'{x:.3f}' for x in warm)}")
        print(f"one file changed, derived from the open base graph: median {statistics.median(changed):.3f} s  runs {' '.join(f'{x:.3f}' for x in changed)}"
              " (equal to a fresh build: checked)")
        print(f"one file changed, whole assembly (blob cache, 1 parse): median {statistics.median(changed_whole):.3f} s  runs {' '.join(f'{x:.3f}' for x in changed_whole)}")
        print(f"warm PR (both sides of a {len(changed_paths)}-module change + relevance of its {len(units)} units): "
              f"median {statistics.median(pr):.3f} s  runs {' '.join(f'{x:.3f}' for x in pr)}; {reads} snapshot buckets read; "
              f"tracemalloc peak {pr_traced / 2**20:.1f} MB")
        print(f"relevance of all {scored} functions: {relevance_s:.3f} s")
        print(f"peak memory: max RSS {maxrss_mb:.0f} MB, tracemalloc peak of one cold build {traced_peak / 2**20:.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
