"""Wall time of the whole CLI: the shipped example, and a synthetic 1,000-changed-line range.

Run:  python benchmarks/bench_pipeline.py [--runs 5]
Prints the median (and min/max) of N runs for each case and the machine it ran on.
Speed is measured here, never asserted in tests.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from installed import compile_semdiff  # noqa: E402
ROOT = Path(__file__).resolve().parents[1]
SEMDIFF = [sys.executable, "-m", "semdiff"]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def _module(i: int, weakened: bool) -> str:
    """One file of 10 view functions (~50 lines); the weakened variant edits every function."""
    out = ["from django.core.exceptions import PermissionDenied", "import hmac", ""]
    for f in range(10):
        cmp = "token == expected" if weakened and f % 3 == 0 else "hmac.compare_digest(token, expected)"
        cond = "request.user.is_staff or request.user.is_admin" if weakened and f % 3 == 1 else "request.user.is_admin"
        out += [
            f"def view_{i}_{f}(request, token, expected, item_id):",
            f"    \"\"\"View {f} of module {i}.\"\"\"",
            f"    if not ({cond}):",
            "        raise PermissionDenied('admins only')",
            f"    if not {cmp}:",
            "        raise PermissionDenied('bad token')",
            f"    total = item_id * {f + (7 if weakened else 1)}",
            f"    return {{'id': item_id, 'total': total, 'module': {i}}}",
            "",
        ]
    return "\n".join(out) + "\n"


def synthetic_repo(root: Path, files: int = 30) -> tuple[Path, int]:
    repo = root / "synthetic"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "bench@example.invalid")
    _git(repo, "config", "user.name", "bench")
    for i in range(files):
        (repo / f"app_{i}.py").write_text(_module(i, False))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    for i in range(files):
        (repo / f"app_{i}.py").write_text(_module(i, True))
    _git(repo, "commit", "-qam", "head")
    stat = subprocess.run(["git", "-C", str(repo), "diff", "--numstat", "HEAD~1", "HEAD"], capture_output=True, text=True, check=True).stdout
    changed = sum(int(a) + int(b) for a, b, _ in (line.split("\t") for line in stat.splitlines()))
    return repo, changed


def timed(cmd: list[str], cwd: Path, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        out.append(time.perf_counter() - t0)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"semdiff failed ({proc.returncode}): {proc.stderr}")
    return out


def report(name: str, times: list[float]) -> None:
    print(f"{name:45} median {statistics.median(times):6.2f}s  min {min(times):6.2f}s  max {max(times):6.2f}s  (n={len(times)})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    compile_semdiff(ROOT)  # time semdiff as installed (bytecode present), see installed.py
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, Python {platform.python_version()}")
    report("example patch (--diff, hunk-only)", timed(SEMDIFF + ["--diff", "examples/weakened-admin-check.patch", "--format", "json"], ROOT, args.runs))
    with tempfile.TemporaryDirectory() as tmp:
        repo, changed = synthetic_repo(Path(tmp))
        env_cmd = SEMDIFF + ["HEAD~1..HEAD", "--format", "json"]
        report(f"synthetic range ({changed} changed lines)", timed(env_cmd, repo, args.runs))


if __name__ == "__main__":
    main()
