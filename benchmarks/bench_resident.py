"""How close a long-lived semdiff process could come to the floor: the question behind #10's
"within 2x of the floor" target, answered by measuring rather than by building a server.

A warm CLI run (bench_peers.py's "semdiff" row) pays, in every fresh process, the interpreter
start, semdiff's imports, the rule modules' imports, the seeds and configuration read from disk,
and then the analysis. A resident design (a daemon or a fork server the CLI hands its argv to)
could only save the first group. This benchmark runs, on bench_peers' PR-sized change:

- cli:       `python -m semdiff HEAD~1..HEAD --format json --no-report-cache` as a fresh
             process (the warm figure of bench_peers)
- resident:  the same analysis repeated in ONE process that has already run it once:
             `semdiff.api.analyze(..., config=load_for_repo(repo), report_cache=False)` and the
             JSON report rendered, each repetition timed. Whatever a server keeps in memory
             between requests (imported modules, compiled regexes, memoised tables) is warm
             here; parse-cache and call-graph reads still go to disk, as in the CLI. This is a
             lower bound of what a resident semdiff would answer in, before any client start-up
             or socket cost.
- floor:     benchmarks/floor.py as a process (the figure bench_peers divides by)
- floor-resident: floor.floor() repeated in one process (the floor's own resident cost)

    python benchmarks/bench_resident.py [--runs 7] [--files 1000]

The ratios printed are resident/floor (what a server would be measured at by the issue's
criterion, client cost excluded) and resident/floor-resident (the analysis against a parse,
neither paying a process start).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from installed import compile_semdiff  # noqa: E402
import bench_scaling  # noqa: E402
import machine_speed  # noqa: E402

ROOT = HERE.parent

_RESIDENT = r"""
import json, sys, time
from semdiff.api import analyze
from semdiff.config import load_for_repo
from semdiff.report import formatter
repo, runs = sys.argv[1], int(sys.argv[2])
render = formatter("json")
times = []
for i in range(runs + 1):
    t = time.perf_counter()
    report = analyze("HEAD~1..HEAD", repo=repo, config=load_for_repo(repo), report_cache=False)
    body = render(report)
    if i:
        times.append(time.perf_counter() - t)
print(json.dumps({"times": times, "findings": len(report.findings), "bytes": len(body)}))
"""

_FLOOR_RESIDENT = r"""
import json, sys, time
sys.path.insert(0, sys.argv[3])
import floor
repo, runs = sys.argv[1], int(sys.argv[2])
times = []
for i in range(runs + 1):
    t = time.perf_counter()
    floor.floor(repo, "HEAD~1", "HEAD")
    if i:
        times.append(time.perf_counter() - t)
print(json.dumps({"times": times}))
"""


def _timed_process(cmd: list[str], cwd: Path, env: dict, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)
        times.append(time.perf_counter() - t)
        if p.returncode not in (0, 1):
            raise RuntimeError(f"{cmd} failed ({p.returncode}): {p.stderr.decode(errors='replace')[:300]}")
    return times


def _in_one_process(script: str, args: list[str], cwd: Path, env: dict) -> dict:
    p = subprocess.run([sys.executable, "-c", script, *args], cwd=cwd, env=env, capture_output=True, check=True)
    return json.loads(p.stdout.decode().strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--files", type=int, default=1000, help="modules in the generated repository (~100 lines each)")
    args = ap.parse_args()
    compile_semdiff(ROOT)
    print(f"machine: {bench_scaling.machine()}; runs: {args.runs}")
    print(machine_speed.line("before"), flush=True)
    work = Path(tempfile.mkdtemp(prefix="semdiff-bench-resident-"))
    repo, lines, changed = bench_scaling.build_case(work, args.files, 20, 13)
    print(f"change: {changed} changed lines over 20 files; repository {lines} lines in {args.files} modules")
    env = dict(os.environ, PYTHONPATH=str(ROOT), SEMDIFF_CACHE_DIR=str(work / "cache"), CI="")
    cli = [sys.executable, "-m", "semdiff", "HEAD~1..HEAD", "--format", "json", "--no-report-cache"]
    _timed_process(cli, repo, env, 1)  # fills the parse cache and call-graph snapshots
    rows = {
        "cli": _timed_process(cli, repo, env, args.runs),
        "resident": _in_one_process(_RESIDENT, [str(repo), str(args.runs)], repo, env)["times"],
        "floor": _timed_process([sys.executable, str(HERE / "floor.py"), str(repo), "HEAD~1", "HEAD"], repo, env,
                                args.runs),
        "floor-resident": _in_one_process(_FLOOR_RESIDENT, [str(repo), str(args.runs), str(HERE)], repo, env)["times"],
    }
    med = {k: statistics.median(v) for k, v in rows.items()}
    for k, v in rows.items():
        print(f"  {k:15s} median {1000 * med[k]:7.1f} ms  (min {1000 * min(v):7.1f}, max {1000 * max(v):7.1f})")
    print(f"  cli/floor {med['cli'] / med['floor']:.2f}x; resident/floor {med['resident'] / med['floor']:.2f}x;"
          f" resident/floor-resident {med['resident'] / med['floor-resident']:.2f}x")
    print(machine_speed.line("after"))


if __name__ == "__main__":
    main()
