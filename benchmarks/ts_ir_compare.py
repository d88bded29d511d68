"""Same IR before and after a change to the tree-sitter backends (a speed change must not
alter what they extract).

    python benchmarks/ts_ir_compare.py --dump /tmp/ir-before.pickle   # with the old code
    python benchmarks/ts_ir_compare.py --check /tmp/ir-before.pickle  # with the new code

Files: fixtures/{javascript,typescript,go,java}, the generated inputs of bench_languages.py,
and every JS/TS/Go/Java file at HEAD of the mirrors under $SEMDIFF_MIRROR_ROOT (default
/work/.mirror; bare repositories `<owner>+<name>/repo`, read with `git show`). Each file's
ParsedFile is compared as repr() (units, guards, calls, keys ... everything the IR holds).
Mirror code is only parsed, never executed.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from semdiff.lang.registry import backend_for  # noqa: E402

EXTS = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".go", ".java")


def fixture_files() -> Iterator[tuple[str, str]]:
    for lang in ("javascript", "typescript", "go", "java"):
        for p in sorted((ROOT / "fixtures" / lang).rglob("*")):
            if p.is_file() and p.suffix in EXTS:
                yield str(p.relative_to(ROOT)), p.read_text(encoding="utf-8", errors="replace")


def bench_files(lines: int) -> Iterator[tuple[str, str]]:
    import bench_languages

    for lang in bench_languages.LANGUAGES:
        yield from bench_languages.corpus(lang, lines)


def mirror_files(root: Path, only: Optional[set[str]] = None) -> Iterator[tuple[str, str]]:
    for repo in sorted(root.glob("*/repo")):
        if only is not None and repo.parent.name not in only:
            continue  # a mirror fetched after the dump: nothing to compare it with
        names = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "HEAD"],
                               capture_output=True, text=True, check=False).stdout.splitlines()
        for name in names:
            if name.endswith(EXTS):
                blob = subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{name}"], capture_output=True, check=False).stdout
                yield f"{repo.parent.name}:{name}", blob.decode("utf-8", "replace")


def parse(path: str, text: str) -> str:
    if os.environ.get("TS_IR_TRACE"):
        sys.stderr.write(path + "\n"); sys.stderr.flush()
    backend = backend_for(path.split(":", 1)[-1], text.split("\n", 1)[0])
    if backend is None:
        return "<no backend>"
    try:
        return repr(backend.parse(path, text))
    except Exception as e:  # noqa: BLE001 - a crash is a result to compare too
        return f"<crash {type(e).__name__}: {e}>"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump")
    ap.add_argument("--check")
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--mirrors", default=os.environ.get("SEMDIFF_MIRROR_ROOT", "/work/.mirror"))
    args = ap.parse_args()
    t0 = time.perf_counter()
    out: dict[str, str] = {}
    before: dict[str, str] = pickle.loads(Path(args.check).read_bytes()) if args.check else {}
    only = {k.split(":", 1)[0] for k in before if ":" in k} if args.check else None
    for source in (fixture_files(), bench_files(args.lines), mirror_files(Path(args.mirrors), only)):
        for path, text in source:
            key = path + "@" + hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()[:12]
            out[key] = parse(path, text)
    if args.dump:
        Path(args.dump).write_bytes(pickle.dumps(out))
        print(f"{len(out)} files dumped in {time.perf_counter() - t0:.1f} s")
    if args.check:
        both = sorted(set(before) & set(out))
        diff = [k for k in both if before[k] != out[k]]
        for k in diff[:20]:
            b, a = before[k], out[k]
            i = next((n for n, (x, y) in enumerate(zip(b, a)) if x != y), min(len(a), len(b)))
            print(f"DIFF {k}\n  before: ...{b[max(0, i - 150):i + 150]}\n  after:  ...{a[max(0, i - 150):i + 150]}")
        print(f"{len(both)} files compared, {len(diff)} differ; {len(set(out) - set(before))} new and "
              f"{len(set(before) - set(out))} gone since the dump (not compared) ({time.perf_counter() - t0:.1f} s)")
        sys.exit(1 if diff else 0)


if __name__ == "__main__":
    main()
