"""semdiff next to its peers and the floor, on the same PR-sized change, in the same run.

The change is bench_scaling's PR-sized case: about 500 changed lines over 20 files in a
generated repository of about 100k lines. Every tool runs as a subprocess from the repository
at HEAD, in turn, `--runs` times; the table gives medians and the ratio semdiff/tool.

- semdiff:   semdiff HEAD~1..HEAD --format json --no-report-cache: the warm figure (parse cache,
             call-graph snapshots and focus results filled by an earlier run; the analysis runs)
- semdiff-rp: semdiff HEAD~1..HEAD --format json, repeated: the report cache holds this exact
             analysis (a CI job's second format, a re-run of the job), so it is read, not redone
- bandit:    bandit -f json -q <changed .py files at HEAD>
- bandit-bl: baseline mode: the changed files at HEAD~1 (git archive) scanned to a baseline,
             then `bandit -b baseline.json` on them at HEAD (both scans timed)
- semgrep:   semgrep scan --config benchmarks/peers/semgrep-rules.yml --metrics=off
             --disable-version-check --baseline-commit HEAD~1 --json -q
- diffguard: diffguard scan --base HEAD~1 --head HEAD --format json --fail-on never
- floor:     `git diff --raw` plus reading both blobs of every changed file (`git cat-file
             --batch`) and a tree-sitter parse of each: the least any structural diff tool does.

    python benchmarks/bench_peers.py [--runs 5] [--files 1000]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from installed import compile_semdiff  # noqa: E402
import bench_scaling  # noqa: E402
import peers_realworld  # noqa: E402

ROOT = HERE.parent


def floor(repo: str, base: str, head: str) -> int:
    """git diff + tree-sitter parse of both sides of the changed files; returns files parsed."""
    import tree_sitter
    import tree_sitter_python

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language()))
    raw = subprocess.run(["git", "-C", repo, "diff", "--raw", "-z", "--no-abbrev", base, head, "--"],
                         capture_output=True, check=True).stdout.split(b"\0")
    blobs: list[str] = []
    for i in range(0, len(raw) - 1, 2):
        meta, path = raw[i].split(), raw[i + 1]
        if path.endswith(b".py"):
            blobs += [b.decode() for b in meta[2:4] if set(b) != {ord("0")}]
    out = subprocess.run(["git", "-C", repo, "cat-file", "--batch"], input="\n".join(blobs).encode() + b"\n",
                         capture_output=True, check=True).stdout
    pos = n = 0
    while pos < len(out):
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        parser.parse(out[header_end + 1: header_end + 1 + size])
        pos = header_end + 1 + size + 1
        n += 1
    return n


def timed(fn: Callable[[], None], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def run(cmd: list[str], cwd: Path, ok: tuple[int, ...] = (0, 1), env: dict | None = None) -> None:
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, env=env)
    if p.returncode not in ok:
        raise RuntimeError(f"{cmd[0]} failed ({p.returncode}): {p.stderr.decode(errors='replace')[:300]}")


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--floor":
        floor(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--files", type=int, default=1000, help="modules in the generated repository (~100 lines each)")
    args = ap.parse_args()
    compile_semdiff(ROOT)  # time semdiff as installed (bytecode present), see installed.py
    print(f"machine: {bench_scaling.machine()}; runs per tool: {args.runs}")
    work = Path(tempfile.mkdtemp(prefix="semdiff-bench-peers-"))
    try:
        repo, lines, changed = bench_scaling.build_case(work, args.files, 20, 13)
        print(f"change: {changed} changed lines over 20 files; repository {lines} lines in {args.files} modules")
        files = subprocess.run(["git", "-C", str(repo), "diff", "--name-only", "HEAD~1", "HEAD"], capture_output=True,
                               text=True, check=True).stdout.split()
        env = dict(os.environ, PYTHONPATH=str(ROOT), SEMDIFF_CACHE_DIR=str(work / "cache"), CI="")
        tool = peers_realworld.tool

        def bandit_baseline() -> None:
            base_dir = work / "bandit-base"
            shutil.rmtree(base_dir, ignore_errors=True)
            base_dir.mkdir()
            tar = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", "HEAD~1", "--", *files],
                                 capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(base_dir)], input=tar, check=True)
            run([tool("bandit"), "-f", "json", "-q", "-o", str(work / "baseline.json"), *files], base_dir)
            run([tool("bandit"), "-f", "json", "-q", "-b", str(work / "baseline.json"), *files], repo)

        semdiff_cmd = [sys.executable, "-m", "semdiff", "HEAD~1..HEAD", "--format", "json"]
        cases: dict[str, Callable[[], None]] = {
            "semdiff": lambda: run([*semdiff_cmd, "--no-report-cache"], repo, env=env),
            "semdiff-rp": lambda: run(semdiff_cmd, repo, env=env),
            "floor": lambda: run([sys.executable, __file__, "--floor", str(repo), "HEAD~1", "HEAD"], repo, ok=(0,)),
            "bandit": lambda: run([tool("bandit"), "-f", "json", "-q", *files], repo),
            "bandit-bl": bandit_baseline,
            "semgrep": lambda: run([tool("semgrep"), "scan", "--config", str(HERE / "peers" / "semgrep-rules.yml"),
                                    "--metrics=off", "--disable-version-check", "--baseline-commit", "HEAD~1", "--json", "-q"], repo),
            "diffguard": lambda: run([tool("diffguard"), "scan", "--base", "HEAD~1", "--head", "HEAD", "--format", "json",
                                      "--fail-on", "never"], repo),
        }
        cases["semdiff-rp"]()  # one warm-up run: fills the parse/graph caches and stores the report
        medians = {}
        for name, fn in cases.items():
            times = timed(fn, args.runs)
            medians[name] = statistics.median(times)
            print(f"  {name:<10} median {medians[name]:7.3f} s  (min {min(times):.3f}, max {max(times):.3f})")
        s = medians["semdiff"]
        print("ratios semdiff/tool (warm, the headline): "
              + ", ".join(f"{k} {s / v:.2f}" for k, v in medians.items() if k not in ("semdiff", "semdiff-rp")))
        print(f"semdiff/floor: warm {s / medians['floor']:.2f}, repeated (report cache hit)"
              f" {medians['semdiff-rp'] / medians['floor']:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
