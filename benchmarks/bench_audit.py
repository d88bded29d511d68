"""`semdiff audit` throughput: commits per second over a generated history, 1 and 2 workers.

The history is built on a small generated repository (benchmarks/gen_repo.py): each commit
edits one module in place, cycling through the edits of bench_scaling (one in three weakens
something: a removed `check_role`, JWT verification off, `!=` for `compare_digest`). It is written
with one `git fast-import`, so building 1,000 commits takes seconds. Each run audits the whole
history from scratch (new JSONL file) through the CLI, as a user would, with one shared
SEMDIFF_CACHE_DIR that an untimed priming run has filled (so every measured run, whatever its
order, sees the same warm blob cache):

    semdiff audit --repo R --jobs N --jsonl out.jsonl --quiet

    python benchmarks/bench_audit.py [--commits 1000] [--runs 5] [--jobs 1,2]
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from installed import compile_semdiff  # noqa: E402
import bench_scaling  # noqa: E402
import gen_repo  # noqa: E402

ROOT = HERE.parent


def build_history(root: Path, commits: int, files: int = 40, lines: int = 60) -> Path:
    """A repository with `commits` commits after the generated base, via git fast-import."""
    repo = root / "history"
    gen_repo.generate(repo, files=files, lines=lines, seed=2)
    gen_repo.git_commit_all(repo, "base")
    modules = sorted(str(p.relative_to(repo)) for p in (repo / "app").glob("pkg*/mod*.py"))
    texts = {m: (repo / m).read_text().split("\n") for m in modules}
    cursor = {m: 0 for m in modules}
    stream: list[bytes] = []
    for c in range(commits):
        path = modules[c % len(modules)]
        lines_ = texts[path]
        k = cursor[path]
        for i in range(len(lines_)):  # the next line that an edit changes, starting after the last edited one
            j = (k + i) % len(lines_)
            new = bench_scaling._edit_line(lines_[j], c)
            if new == lines_[j]:
                new = lines_[j] + f"  # rev {c}" if lines_[j].strip().startswith(("return", "value =", "data =")) else new
            if new != lines_[j]:
                lines_[j] = new
                cursor[path] = j + 1
                break
        data = "\n".join(lines_).encode()
        msg = f"change {c}: edit {path}".encode()
        stream += [b"commit refs/heads/main\n", f"mark :{c + 1}\n".encode(),
                   f"committer bench <bench@invalid> {1700000000 + c} +0000\n".encode(),
                   f"data {len(msg)}\n".encode(), msg, b"\n"]
        if c == 0:
            stream.append(b"from refs/heads/main^0\n")
        stream += [f"M 100644 inline {path}\n".encode(), f"data {len(data)}\n".encode(), data, b"\n"]
    subprocess.run(["git", "-C", str(repo), "fast-import", "--quiet", "--force"], input=b"".join(stream), check=True,
                   capture_output=True)
    subprocess.run(["git", "-C", str(repo), "reset", "-q", "--hard", "main"], check=True, capture_output=True)
    return repo


def audit_once(repo: Path, jobs: int, work: Path) -> tuple[float, int]:
    out = work / f"audit-{jobs}.jsonl"
    out.unlink(missing_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT), SEMDIFF_CACHE_DIR=str(work / "cache"), CI="")
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "semdiff", "audit", "--repo", str(repo), "--jobs", str(jobs),
                        "--jsonl", str(out), "--quiet"], capture_output=True, env=env)
    secs = time.perf_counter() - t0
    if p.returncode not in (0, 1):
        raise RuntimeError(f"audit failed ({p.returncode}): {p.stderr.decode(errors='replace')[:300]}")
    return secs, sum(1 for _ in open(out, encoding="utf-8"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commits", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--jobs", default="1,2")
    args = ap.parse_args()
    compile_semdiff(ROOT)  # time semdiff as installed (bytecode present), see installed.py
    print(f"machine: {bench_scaling.machine()}; runs per case: {args.runs}")
    work = Path(tempfile.mkdtemp(prefix="semdiff-bench-audit-"))
    try:
        t0 = time.perf_counter()
        repo = build_history(work, args.commits)
        print(f"history: {args.commits} commits on a generated base, built in {time.perf_counter() - t0:.1f} s")
        secs, _ = audit_once(repo, max(int(j) for j in args.jobs.split(",")), work)
        print(f"priming run (fills the blob cache, not counted): {secs:.1f} s")
        for jobs in (int(j) for j in args.jobs.split(",")):
            rates, times = [], []
            for _ in range(args.runs):
                secs, n = audit_once(repo, jobs, work)
                times.append(secs)
                rates.append(n / secs)
            print(f"  jobs={jobs}: {n} records, median {statistics.median(times):.1f} s,"
                  f" {statistics.median(rates):.2f} commits/s (min {min(rates):.2f}, max {max(rates):.2f})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
