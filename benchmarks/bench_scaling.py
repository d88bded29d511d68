"""How semdiff's cost grows: PR-sized change, 10k-line change, and 1x/4x/16x change and repo size.

Each case is a synthetic repository from benchmarks/gen_repo.py (about 100 lines per module)
plus one commit that edits `files` modules in place (security weakenings mixed with ordinary
edits: a removed `check_role(...)` call, a JWT decode with verification off, a constant-time
compare turned into `==`, and plain value changes). The whole CLI runs as a subprocess, so
times include interpreter start-up, exactly what a user waits for.

- cold: a fresh, empty SEMDIFF_CACHE_DIR for every run (and the first run in a new repository);
- warm: the same cache directory, already filled by a previous run, with the report cache off
  (SEMDIFF_NO_REPORT_CACHE=1): the range is analysed again from cached parses and graphs;
- repeated: warm with the report cache on, i.e. the same range asked for again (a second
  output format, a re-run CI job): the stored report is read back.
- push (`--only push`): what a CI job of a pull request does on each new push. The PR-sized
  change is analysed once (cold), then each run adds one commit on top of the pull request
  (a small guarded function appended to two of its modules) and analyses BASE..new head with
  that cache: the base's graph, walks and parses are cached, the head is new (its graph is
  derived from the base's, its walks and the two edited files' parses are computed).
Peak memory is the semdiff process's maximum resident set (os.wait4), not counting git.

    python benchmarks/bench_scaling.py [--runs 5] [--quick]
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from installed import compile_semdiff  # noqa: E402
import gen_repo  # noqa: E402  (benchmarks/gen_repo.py, shared with the call-graph benchmark)
import machine_speed  # noqa: E402

SEMDIFF = [sys.executable, "-m", "semdiff"]
ROOT = HERE.parent


def machine() -> str:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {platform.system()} {platform.release()}"


def _edit_line(line: str, k: int) -> str:
    """One in-place edit; every 3rd one weakens something, the rest are ordinary."""
    stripped = line.strip()
    if stripped.startswith("check_role(") and k % 3 == 0:
        return line.replace("check_role(", "log_role(")  # the check is gone, a log call remains
    if "algorithms=['HS256']" in line and k % 3 == 0:
        return line.replace("algorithms=['HS256']", "options={'verify_signature': False}")
    if stripped.startswith("if not hmac.compare_digest"):
        return line.replace("not hmac.compare_digest(request.token, request.expected)", "request.token != request.expected")
    if stripped.startswith("return result"):
        return line.replace("return result", "return result if result is not None else {}")
    if stripped.startswith("data = helper_"):
        return line.replace("(request.args)", "(dict(request.args))")
    if stripped.startswith("value = self.fetch"):
        return line.replace("self.fetch(key)", "self.fetch(str(key))")
    if stripped.startswith("token = jwt.decode"):
        return line.replace("'k'", "'key'")
    if stripped.startswith("check_role("):
        return line.replace("'role", "'role_")
    return line


def make_change(repo: Path, files: int, edits_per_file: int) -> int:
    """Edit `edits_per_file` lines in each of the first `files` modules; returns changed lines."""
    modules = sorted((repo / "app").glob("pkg*/mod*.py"), key=lambda p: (int(p.parent.name[3:]), int(p.stem[3:])))
    # spread over packages: take modules round-robin across pkg0..pkg9
    by_pkg: dict[str, list[Path]] = {}
    for m in modules:
        by_pkg.setdefault(m.parent.name, []).append(m)
    order = [m for group in zip(*by_pkg.values()) for m in group]
    for path in order[:files]:
        lines = path.read_text().split("\n")
        done = 0
        for i, line in enumerate(lines):
            if done >= edits_per_file:
                break
            new = _edit_line(line, done)
            if new != line:
                lines[i] = new
                done += 1
        while done < edits_per_file:  # short module: add lines at the end
            lines.insert(len(lines) - 1, f"EXTRA_{done} = {done}")
            done += 1
        path.write_text("\n".join(lines))
    gen_repo.git_commit_all(repo, "change")
    stat = subprocess.run(["git", "-C", str(repo), "diff", "--numstat", "HEAD~1", "HEAD"], capture_output=True, text=True, check=True).stdout
    return sum(int(a) + int(d) for a, d, _ in (row.split("\t", 2) for row in stat.splitlines()))


def build_case(root: Path, repo_files: int, change_files: int, edits: int) -> tuple[Path, int, int]:
    repo = root / f"repo-{repo_files}-{change_files}-{edits}"
    lines = gen_repo.generate(repo, files=repo_files, lines=100, seed=1)
    gen_repo.git_commit_all(repo, "base")
    changed = make_change(repo, change_files, edits)
    return repo, lines, changed


def measure_pushes(repo: Path, runs: int, work: Path) -> dict[str, list[float]]:
    """The PR's range analysed once cold, then `runs` follow-up pushes, each timed (see the
    module docstring): seconds and peak RSS per push."""
    base = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD~1"], capture_output=True, text=True,
                          check=True).stdout.strip()
    changed = subprocess.run(["git", "-C", str(repo), "diff", "--name-only", "HEAD~1", "HEAD"], capture_output=True,
                             text=True, check=True).stdout.split()
    cache = work / f"cache-push-{repo.name}"
    run_semdiff(repo, cache, revision=f"{base}..HEAD")
    times, rss = [], []
    for i in range(runs):
        for path in (changed[i % len(changed)], changed[(i + len(changed) // 2) % len(changed)]):
            with open(repo / path, "a", encoding="utf-8") as fh:
                fh.write(f"\n\ndef push_hook_{i}(request):\n    check_role(request, 'admin')\n    return request\n")
        gen_repo.git_commit_all(repo, f"push {i}")
        secs, peak, _ = run_semdiff(repo, cache, revision=f"{base}..HEAD")
        times.append(secs)
        rss.append(peak / 1024)
    return {"push": times, "rss": rss}


def run_semdiff(repo: Path, cache: Path, report_cache: bool = False, revision: str = "HEAD~1..HEAD") -> tuple[float, int, int]:
    """(seconds, peak RSS in KiB, exit code) of one `semdiff HEAD~1..HEAD` run. The report
    cache is off unless asked for: with it a warm run of the same range reads the stored
    report and analyses nothing (reported apart, as 'repeated')."""
    env = dict(os.environ, SEMDIFF_CACHE_DIR=str(cache), CI="")
    if not report_cache:
        env["SEMDIFF_NO_REPORT_CACHE"] = "1"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    t0 = time.perf_counter()
    proc = subprocess.Popen([*SEMDIFF, revision, "--format", "json", "--fail-on", "critical"], cwd=repo, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    secs = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"semdiff failed ({proc.returncode}): {err.strip()[:300]}")
    return secs, usage.ru_maxrss, proc.returncode


def measure(repo: Path, runs: int, work: Path, cold_runs: bool = True) -> dict[str, list[float]]:
    cold, warm, repeated, rss = [], [], [], []
    for i in range(runs if cold_runs else 0):
        cache = work / f"cache-cold-{repo.name}-{i}"
        secs, peak, _ = run_semdiff(repo, cache)
        cold.append(secs)
        rss.append(peak / 1024)
        shutil.rmtree(cache, ignore_errors=True)
    cache = work / f"cache-warm-{repo.name}"
    run_semdiff(repo, cache)
    for _ in range(runs):
        secs, peak, _ = run_semdiff(repo, cache)
        warm.append(secs)
        rss.append(peak / 1024)
    run_semdiff(repo, cache, report_cache=True)
    for _ in range(runs):
        repeated.append(run_semdiff(repo, cache, report_cache=True)[0])
    return {"cold": cold, "warm": warm, "repeated": repeated, "rss": rss}


def fmt(xs: list[float]) -> str:
    return f"{statistics.median(xs):.3f} s (min {min(xs):.3f}, max {max(xs):.3f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="small repositories (a smoke run, not figures)")
    ap.add_argument("--only", choices=["pr", "big", "change", "repo", "push"], action="append")
    args = ap.parse_args()
    compile_semdiff(ROOT)  # time semdiff as installed (bytecode present), see installed.py
    only = set(args.only or ["pr", "big", "change", "repo", "push"])
    base_files = 100 if args.quick else 1000  # 1000 modules x 100 lines ~ 100k lines
    print(f"machine: {machine()}; runs per case: {args.runs}")
    print(machine_speed.line("before"), flush=True)
    work = Path(tempfile.mkdtemp(prefix="semdiff-bench-scaling-"))
    try:
        def case(name: str, repo_files: int, change_files: int, edits: int, cold: bool = True) -> dict[str, list[float]]:
            repo, lines, changed = build_case(work, repo_files, change_files, edits)
            res = measure(repo, args.runs, work, cold)
            print(f"{name}: repo {lines} lines / {repo_files} modules, change {changed} changed lines over {change_files} files")
            cold_text = f"cold {fmt(res['cold'])}   " if cold else ""
            print(f"    {cold_text}warm {fmt(res['warm'])}   repeated (report cache) {fmt(res['repeated'])}   "
                  f"peak RSS {max(res['rss']):.0f} MiB", flush=True)
            return res

        if "pr" in only:
            case("PR-sized", base_files, 20, 13)
        if "push" in only:
            repo, lines, changed = build_case(work, base_files, 20, 13)
            res = measure_pushes(repo, args.runs, work)
            print(f"PR re-push: repo {lines} lines / {base_files} modules, change {changed} changed lines over 20 files, "
                  f"then one push of 2 edited files per run\n    push {fmt(res['push'])}   peak RSS {max(res['rss']):.0f} MiB",
                  flush=True)
        if "big" in only:
            case("10k changed lines", base_files, 200, 25)
        if "change" in only:  # ~50, ~200, ~800 changed lines in a 100k-line repository, warm
            for k in (1, 4, 16):
                case(f"change x{k}", base_files, 2 * k, 13, cold=False)
        if "repo" in only:  # the same ~130-line change in 25k, 100k, 400k-line repositories, warm
            for k in (1, 4, 16):
                case(f"repo x{k}", (base_files // 4) * k, 5, 13, cold=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(machine_speed.line("after"))


if __name__ == "__main__":
    main()
