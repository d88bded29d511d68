"""Benchmark: repository call graph, cold and warm (blob cache), on a generated repository.

    python benchmarks/bench_graph.py [--files 1000] [--lines 100] [--runs 5]

Generates the repository (benchmarks/gen_repo.py) in a temporary directory, then times
`graph_for_revision` with an empty cache (cold) and with the cache the cold run filled (warm),
median of `--runs` runs each; peak memory is the process's max RSS and tracemalloc's peak for
one cold build. Targets (issue 4): cold < 5 s, warm < 0.5 s, < 500 MB.

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

from semdiff.relevance.cache import BlobCache  # noqa: E402
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
        # one file changed: no whole-revision snapshot, 1 parse, the rest from the blob cache
        changed = []
        target = repo / "app" / "pkg0" / "mod0.py"
        for i in range(args.runs):
            target.write_text(target.read_text() + f"# edit {i}\n")
            rev = git_commit_all(repo, f"edit {i}")
            t = time.perf_counter()
            g1 = graph_for_revision(str(repo), rev, cache=BlobCache(work / "cache0"))
            changed.append(time.perf_counter() - t)
            assert g1.stats.parsed == 1, g1.stats
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
        print(f"one file changed (blob cache, 1 parse): median {statistics.median(changed):.3f} s  runs {' '.join(f'{x:.3f}' for x in changed)}")
        print(f"warm PR (both sides of a {len(changed_paths)}-module change + relevance of its {len(units)} units): "
              f"median {statistics.median(pr):.3f} s  runs {' '.join(f'{x:.3f}' for x in pr)}; {reads} snapshot buckets read; "
              f"tracemalloc peak {pr_traced / 2**20:.1f} MB")
        print(f"relevance of all {scored} functions: {relevance_s:.3f} s")
        print(f"peak memory: max RSS {maxrss_mb:.0f} MB, tracemalloc peak of one cold build {traced_peak / 2**20:.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
