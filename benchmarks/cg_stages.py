"""Instruction counts of a warm PR-sized run, stage by stage (and rule family by family).

bench_peers.py --breakdown times the stages of bench_peers' warm run with the clock, which on
a shared, loaded machine is mostly noise. This runs the same command (`semdiff HEAD~1..HEAD
--format json --no-report-cache` on bench_peers' generated change, caches warm) once under
callgrind and has callgrind dump its counters at every stage boundary, so each stage gets its
own instruction count, comparable between two commits on the same machine whatever the load.

How: the harness (this module, imported by `python -c` so that its own code is not compiled
in the measured run, with only os and sys imported before semdiff.cli) wraps the stage
functions as bench_peers --stages does, to call `os.getppid()` on entry and exit, and
valgrind runs with `--dump-before=os_getppid`: a dump holds what ran since the previous one.
Labels in parentheses are what ran between two stages. The run is one process (SEMDIFF_NO_FAMILY_POOL=1): the
family pool's fork splits the same work over two processes, and a forked child's counters
would start from the parent's. PYTHONHASHSEED=0; the bytecode is compiled into a private
cache first (PYTHONPYCACHEPREFIX) so no run compiles anything.

--families adds a pass before the real families loop that runs each family over every unit
change, family by family, with a dump after each: what each family costs, in that order
(helpers memoised by an earlier family are charged to it; relevance answers are charged to
the first family that asks). The real loop then runs as usual.

    python benchmarks/cg_stages.py [--tree PATH] [--files 1000] [--families] [--keep DIR]

--tree: the semdiff checkout to measure (default: this one); --keep: where to build the
repository and leave the dumps (default: a temporary directory, removed).
"""
from __future__ import annotations

import os
import sys

# only os and sys at the top: the harness process must import what semdiff imports itself,
# when semdiff imports it, or the start-up imports would be counted short
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MARKS_ENV = "CG_STAGES_MARKS"
FAMILIES_ENV = "CG_STAGES_FAMILIES"


def harness(argv: list[str]) -> None:
    """Run `semdiff <argv>` in this process, calling the dump marker at stage boundaries."""
    marks: list[str] = []

    def mark(label: str) -> None:
        marks.append(label)
        os.getppid()  # callgrind dumps before this call (--dump-before=os_getppid)

    mark("interpreter start")
    sys.argv = ["semdiff", *argv]  # the command's own process: semdiff.cli reads its line at import
    import semdiff.cli as cli  # first, as `python -m semdiff` does: it sets up dataclasses and regexes for the rest

    import semdiff.api as api  # noqa: I001
    import semdiff.family_pool as family_pool
    import semdiff.parse_pool as parse_pool
    import semdiff.pipeline as pipeline
    import semdiff.suppress as suppress

    mark("imports at start-up (semdiff.cli, api, pipeline)")

    def wrap(mod: object, name: str, label: str) -> None:
        fn = getattr(mod, name)

        def wrapped(*a: object, **k: object) -> object:
            mark(f"(before {label})")
            try:
                return fn(*a, **k)
            finally:
                mark(label)

        setattr(mod, name, wrapped)

    wrap(api, "collect_changes", "git and diff reading")
    wrap(api, "start_parsing", "parse plan: focus, parse-cache reads and decoding")
    wrap(api, "repository_relevance", "call graphs opened")
    wrap(pipeline, "families", "rule modules imported")
    original_checks = pipeline.change_checks

    def change_checks(*a: object) -> list:
        out = []
        for name, specs, fn in original_checks(*a):
            def marked(c: object, fn=fn, name=name) -> object:  # noqa: ANN001
                mark(f"(before change-level check {name})")
                try:
                    return fn(c)
                finally:
                    mark(f"change-level check {name}")
            out.append((name, specs, marked))
        return out

    pipeline.change_checks = change_checks
    wrap(suppress, "apply_policy_files", "policy")
    wrap(cli, "_emit", "report formatted and written")
    original_start = parse_pool.start

    def start(*a: object, **k: object) -> object:
        pending = original_start(*a, **k)
        results = pending.results

        def marked_results() -> object:
            mark("(before parse results)")
            try:
                return results()
            finally:
                mark("parse results: units aligned")

        object.__setattr__(pending, "results", marked_results)
        return pending

    parse_pool.start = start
    original_map = family_pool.map_split

    def map_split(count: int, work, workers: int):  # noqa: ANN001
        if os.environ.get(FAMILIES_ENV):
            cells = dict(zip(work.__code__.co_freevars, (c.cell_contents for c in work.__closure__)))
            plan, changes, ctx = cells["plan"], cells["all_changes"], cells["ctx"]
            mark("(before the family-by-family pass)")
            for fam, langs, trigger in plan:
                for change in changes:
                    if pipeline._family_applies(fam, change, langs) and (trigger is None or trigger.admits(change)):
                        try:
                            list(fam.check(change, ctx))
                        except RecursionError:
                            pass
                mark(f"family {fam.name}")
        mark("(before rule families)")
        try:
            return original_map(count, work, workers)
        finally:
            mark("rule families" + (" (again, memos warm)" if os.environ.get(FAMILIES_ENV) else ""))

    family_pool.map_split = map_split
    try:
        cli.main(argv)
    except SystemExit:
        pass
    mark("(after the report)")
    with open(os.environ[MARKS_ENV], "w", encoding="utf-8") as f:
        f.write("\n".join(marks) + "\n")
    os._exit(0)


def summary(out_dir: "Path") -> list[tuple[str, int]]:
    """(stage label, instructions) in run order: each dump is labelled by the mark that ended it."""
    import glob

    marks = (out_dir / "marks.txt").read_text(encoding="utf-8").split("\n")
    files = sorted(glob.glob(str(out_dir / "cg.*")), key=lambda f: int(f.rsplit(".", 1)[1]))
    rows: list[tuple[str, int]] = []
    for i, f in enumerate(files):
        total = 0
        with open(f, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith(("summary:", "totals:")):
                    total = int(line.split()[1])
                    break
        label = marks[i] if i < len(marks) and marks[i] else "(after the last mark)"
        rows.append((label, total))
    return rows


def main() -> None:
    import argparse
    import re
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", default=ROOT, help="semdiff checkout to measure")
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--families", action="store_true", help="also count each rule family")
    ap.add_argument("--keep", help="directory for the repository, caches and dumps (kept)")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("cg_stages: valgrind is not installed")
    sys.path.insert(0, HERE)
    import bench_scaling

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="semdiff-cg-stages-"))
    try:
        work.mkdir(parents=True, exist_ok=True)
        repo = work / f"repo-{args.files}-20-13"
        if not repo.exists():
            bench_scaling.build_case(work, args.files, 20, 13)
        cmd = ["HEAD~1..HEAD", "--format", "json", "--no-report-cache"]
        env = dict(os.environ, PYTHONPATH=args.tree, SEMDIFF_CACHE_DIR=str(work / "cache"), CI="",
                   PYTHONHASHSEED="0", SEMDIFF_NO_FAMILY_POOL="1",
                   PYTHONPYCACHEPREFIX=str(work / "pyc"), PYTHONDONTWRITEBYTECODE="")
        if args.families:
            env[FAMILIES_ENV] = "1"
        out = work / "dumps"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        env[MARKS_ENV] = str(out / "marks.txt")
        # imported, not run as a script: a script's own code is compiled anew by every run
        python = [sys.executable, "-c", f"import sys; sys.path.insert(0, {HERE!r}); import cg_stages; cg_stages.harness(sys.argv[1:])"]
        for _ in range(2):  # fills the parse/graph caches and the bytecode cache
            subprocess.run([*python, *cmd], cwd=repo, env=env, capture_output=True)
        env.pop("PYTHONDONTWRITEBYTECODE")
        p = subprocess.run(["valgrind", "--tool=callgrind", "--dump-before=os_getppid",
                            f"--callgrind-out-file={out / 'cg'}", *python, *cmd],
                           cwd=repo, env=env, capture_output=True, text=True)
        collected = re.search(r"Collected : (\d+)", p.stderr)
        rows = summary(out)
        print(f"tree {args.tree}; total {int(collected.group(1)) if collected else sum(v for _, v in rows):,} instructions")
        for label, value in rows:
            if value >= 100_000 or not label.startswith("("):
                print(f"  {value:>14,}  {label}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
