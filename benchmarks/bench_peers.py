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
- floor:     benchmarks/floor.py, a process of its own that imports only what it needs:
             `git diff --raw` plus reading both blobs of every changed file (`git cat-file
             --batch`) and a tree-sitter parse of each: the least any structural diff tool does.

    python benchmarks/bench_peers.py [--runs 5] [--files 1000] [--breakdown]

--breakdown: instead of the peers, where a warm semdiff run's time goes, stage by stage, in a
fresh process per run (min and median of --runs): start-up and imports, git (collect_changes),
the parse plan (focus, parse-cache reads), the call graphs, the rule families (each, and the
imports of their modules), the change-level checks (purpose), policy and the report. When
the families run in two processes (semdiff.family_pool), the per-family rows are this
process's share only; the "wall" row is the families' whole time. The
stages are timed by wrapping semdiff's functions in that process (perf_counter); nothing
else changes, and the report cache is off as in the warm figure.
"""
from __future__ import annotations

import sys
import time


def stages(argv: list[str]) -> None:
    """Run `semdiff <argv>` in this process with its stages timed; print them as JSON on stderr."""
    t_start = time.perf_counter()
    import json
    from collections import defaultdict
    from typing import Callable

    acc: dict[str, float] = defaultdict(float)

    def wrap(mod: object, name: str, label: str) -> None:
        fn = getattr(mod, name, None)
        if fn is None:
            return

        def timed_fn(*a: object, **k: object) -> object:
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                acc[label] += time.perf_counter() - t

        setattr(mod, name, timed_fn)

    t = time.perf_counter()
    sys.argv = ["semdiff", *argv]  # the command's own process: semdiff.cli reads its line at import (git read-ahead)
    import semdiff.cli as cli
    import semdiff.api as api
    import semdiff.pipeline as pipeline
    import semdiff.parse_pool as parse_pool
    import semdiff.suppress as suppress
    import semdiff.family_pool as family_pool

    acc["imports at start-up (semdiff.cli, api, pipeline)"] = time.perf_counter() - t
    wrap(api, "collect_changes", "git and diff reading (collect_changes)")
    wrap(api, "start_parsing", "parse plan: focus, parse-cache reads (start_parsing)")
    wrap(api, "repository_relevance", "call graphs opened (repository_relevance)")
    wrap(suppress, "apply_policy_files", "policy (suppressions, baseline)")
    wrap(cli, "_emit", "report formatted and written")
    wrap(family_pool, "map_split", "rule families, wall (this process and its forked child, if any)")
    original_families, original_checks, original_start = pipeline.families, pipeline.change_checks, parse_pool.start

    class Timed:
        def __init__(self, fam: object) -> None:
            self.fam, self.name, self.rules = fam, fam.name, fam.rules  # type: ignore[attr-defined]

            def check(change: object, ctx: object) -> list:
                t = time.perf_counter()
                try:
                    return list(fam.check(change, ctx))  # type: ignore[attr-defined]
                finally:
                    acc[f"  rule family {self.name}"] += time.perf_counter() - t
                    acc["rule families (all, in this process)"] += time.perf_counter() - t

            check.__module__ = fam.check.__module__  # type: ignore[attr-defined]  # its trigger is found by module
            self.check = check

    def families(*a: object) -> list:
        t = time.perf_counter()
        fams = [Timed(f) for f in original_families(*a)]
        acc["rule modules imported (families())"] += time.perf_counter() - t
        return fams

    def change_checks(*a: object) -> list:
        out = []
        for name, specs, fn in original_checks(*a):
            def timed_check(c: object, fn: Callable = fn, name: str = name) -> object:
                t = time.perf_counter()
                try:
                    return fn(c)
                finally:
                    acc[f"change-level check {name}"] += time.perf_counter() - t
            out.append((name, specs, timed_check))
        return out

    def start(*a: object, **k: object) -> object:
        pending = original_start(*a, **k)
        results = pending.results

        def timed_results() -> object:
            t = time.perf_counter()
            try:
                return results()
            finally:
                acc["parse results: cached IR decoded, units aligned"] += time.perf_counter() - t

        object.__setattr__(pending, "results", timed_results)
        return pending

    pipeline.families, pipeline.change_checks, parse_pool.start = families, change_checks, start
    wrap(api, "analyze_changeset", "analyze_changeset (parse results, rules, checks)")
    wrap(api, "analyze", "semdiff.api.analyze (all analysis)")
    try:
        cli.main(argv)  # the console entry point, as `python -m semdiff` runs it
    except SystemExit:
        pass
    acc["total in this process (after interpreter start)"] = time.perf_counter() - t_start
    print(json.dumps(acc), file=sys.stderr)


if __name__ == "__main__" and sys.argv[1:2] == ["--stages"]:
    # before this script's own imports: semdiff's imports are timed as a user's run pays them
    stages(sys.argv[2:])
    sys.exit(0)

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from installed import compile_semdiff  # noqa: E402
import bench_scaling  # noqa: E402
import peers_realworld  # noqa: E402
import machine_speed  # noqa: E402

ROOT = HERE.parent


def breakdown(repo: Path, env: dict, runs: int) -> None:
    """`stages` `runs` times, each in a fresh process; min and median per stage."""
    import json

    rows = []
    walls = []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, __file__, "--stages", "HEAD~1..HEAD", "--format", "json", "--no-report-cache"],
                           cwd=repo, env=env, capture_output=True)
        walls.append(time.perf_counter() - t0)
        rows.append(json.loads(p.stderr.decode().strip().splitlines()[-1]))
    keys = sorted({k for r in rows for k in r}, key=lambda k: -statistics.median(r.get(k, 0.0) for r in rows))
    print(f"warm run by stage, {runs} fresh processes (ms: min, median); whole process wall"
          f" {1000 * min(walls):.0f} / {1000 * statistics.median(walls):.0f} ms")
    for k in keys:
        xs = [1000 * r.get(k, 0.0) for r in rows]
        print(f"  {min(xs):7.1f} {statistics.median(xs):7.1f}  {k}")


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
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--files", type=int, default=1000, help="modules in the generated repository (~100 lines each)")
    ap.add_argument("--breakdown", action="store_true", help="time a warm semdiff run stage by stage instead of the peers")
    args = ap.parse_args()
    compile_semdiff(ROOT)  # time semdiff as installed (bytecode present), see installed.py
    print(f"machine: {bench_scaling.machine()}; runs per tool: {args.runs}")
    print(machine_speed.line("before"), flush=True)
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
        if args.breakdown:
            run([*semdiff_cmd, "--no-report-cache"], repo, env=env)  # fills the parse/graph caches
            breakdown(repo, env, args.runs)
            return
        cases: dict[str, Callable[[], None]] = {
            "semdiff": lambda: run([*semdiff_cmd, "--no-report-cache"], repo, env=env),
            "semdiff-rp": lambda: run(semdiff_cmd, repo, env=env),
            "floor": lambda: run([sys.executable, str(HERE / "floor.py"), str(repo), "HEAD~1", "HEAD"], repo, ok=(0,)),
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
        print(machine_speed.line("after"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
