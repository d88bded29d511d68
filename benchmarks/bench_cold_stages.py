"""Two stages of the 10k-changed-lines cold run, alone, for instruction counts (callgrind).

    python benchmarks/bench_cold_stages.py puts            # call-graph cache writes of both revisions
    python benchmarks/bench_cold_stages.py parse --stride 4  # PythonBackend.parse of the changed sides

The case is bench_scaling's "10k changed lines" (1,000 modules, 200 of them edited), built in
a temporary directory. `puts` extracts the facts of every graph file at both revisions first
(not timed), then stores them as one graph build does (inside BlobCache.batch() where the
cache has it) and prints the CPU seconds (user and system: creating files is kernel time,
which callgrind does not count) and how many files were written. `parse` parses every
`stride`-th side of the changed files. Compare two checkouts by running this file with
PYTHONPATH set to each.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench_scaling  # noqa: E402


def _changed_sides(repo: Path) -> list[str]:
    names = subprocess.run(["git", "-C", str(repo), "diff", "--name-only", "HEAD~1", "HEAD"],
                           capture_output=True, text=True, check=True).stdout.split()
    return [subprocess.run(["git", "-C", str(repo), "show", f"{rev}:{n}"], capture_output=True, text=True, check=True).stdout
            for rev in ("HEAD~1", "HEAD") for n in names]


def puts(repo: Path, work: Path) -> None:
    from semdiff.relevance import repo as git_graph
    from semdiff.relevance.cache import BlobCache
    from semdiff.relevance.facts import extractor_for

    items, seen = [], set()
    for rev in ("HEAD~1", "HEAD"):
        paths = {oid: p for p, oid, _ in git_graph.list_tree(str(repo), rev) if extractor_for(p)}
        wanted = [oid for oid in paths if oid not in seen]
        seen.update(wanted)
        for oid, data in git_graph.read_blobs(str(repo), wanted):
            ex = extractor_for(paths[oid])
            items.append((ex.language, ex.version, oid, ex.extract(paths[oid], data)))
    cache = BlobCache(work / "cache")
    t0 = os.times()
    with cache.batch() if hasattr(cache, "batch") else contextlib.nullcontext():
        for language, version, oid, facts in items:
            cache.put(language, version, oid, facts)
    t1 = os.times()
    files = sum(len(fs) for _, _, fs in os.walk(work / "cache"))
    print(f"{len(items)} puts: user {t1.user - t0.user:.3f} s, system {t1.system - t0.system:.3f} s, {files} files")


def parse(repo: Path, stride: int) -> None:
    from semdiff.lang.python_cst import PythonBackend

    sides = _changed_sides(repo)[::stride]
    backend = PythonBackend()
    t0 = os.times()
    for text in sides:
        backend.parse("m.py", text)
    t1 = os.times()
    print(f"{len(sides)} sides parsed: user {t1.user - t0.user:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stage", choices=["puts", "parse"])
    ap.add_argument("--stride", type=int, default=4)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="semdiff-bench-stages-"))
    try:
        repo, _, _ = bench_scaling.build_case(work, 1000, 200, 25)
        if args.stage == "puts":
            puts(repo, work)
        else:
            parse(repo, args.stride)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
