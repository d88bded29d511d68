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
import zlib
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


def mirror_files(root: Path, only: Optional[set[str]] = None, stride: int = 1) -> Iterator[tuple[str, str]]:
    for repo in sorted(root.glob("*/repo")):
        if only is not None and repo.parent.name not in only:
            continue  # a mirror fetched after the dump: nothing to compare it with
        listing = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "-z", "HEAD"],
                                 capture_output=True, check=False).stdout.split(b"\0")
        wanted: list[tuple[str, str]] = []  # (name, blob id): regular files only, no submodules
        for entry in listing:
            meta, _, raw = entry.partition(b"\t")
            name = raw.decode("utf-8", "surrogateescape")
            parts = meta.split()
            if len(parts) == 3 and parts[1] == b"blob" and name.endswith(EXTS):
                wanted.append((name, parts[2].decode()))
        wanted = wanted[::stride]  # --stride: every n-th file of each repository's listing
        if not wanted:
            continue
        if os.environ.get("TS_IR_PROGRESS"):
            sys.stderr.write(f"{repo.parent.name}: {len(wanted)} files\n"); sys.stderr.flush()
        # one `git cat-file --batch` per repository instead of a `git show` per file (70k files)
        with subprocess.Popen(["git", "-C", str(repo), "cat-file", "--batch"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE) as proc:
            assert proc.stdin is not None and proc.stdout is not None
            for name, oid in wanted:
                proc.stdin.write(oid.encode() + b"\n")
                proc.stdin.flush()
                header = proc.stdout.readline().split()
                if len(header) != 3:
                    continue  # missing object
                blob = proc.stdout.read(int(header[2]))
                proc.stdout.read(1)  # the newline after the contents
                yield f"{repo.parent.name}:{name}", blob.decode("utf-8", "replace")
            proc.stdin.close()


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
    ap.add_argument("--stride", type=int, default=1,
                    help="only every n-th JS/TS/Go/Java file of each mirror (same files at --dump and --check)")
    ap.add_argument("--no-bench", action="store_true", help="leave out fixtures and the generated bench inputs")
    ap.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"),
                    help="compare two dumps (e.g. made at the same time by the old and the new code) instead of parsing")
    args = ap.parse_args()
    t0 = time.perf_counter()
    if args.compare:
        before_file, after_file = args.compare
        report(pickle.loads(Path(before_file).read_bytes()), pickle.loads(Path(after_file).read_bytes()), t0)
    out: dict[str, bytes] = {}
    before: dict[str, bytes] = pickle.loads(Path(args.check).read_bytes()) if args.check else {}
    only = {k.split(":", 1)[0] for k in before if ":" in k} if args.check else None
    sources = [mirror_files(Path(args.mirrors), only, max(1, args.stride))]
    if not args.no_bench:
        sources[:0] = [fixture_files(), bench_files(args.lines)]
    for source in sources:
        for path, text in source:
            key = path + "@" + hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()[:12]
            # compressed: the reprs of 70k mirror files would not fit in memory as text;
            # equal reprs compress to equal bytes (same zlib, same level)
            out[key] = zlib.compress(parse(path, text).encode("utf-8", "surrogatepass"), 6)
    if args.dump:
        Path(args.dump).write_bytes(pickle.dumps(out))
        print(f"{len(out)} files dumped ({sum(1 for k in out if ':' in k.split('@')[0])} from mirrors) in {time.perf_counter() - t0:.1f} s")
    if args.check:
        report(before, out, t0)


def report(before: dict[str, bytes], out: dict[str, bytes], t0: float) -> None:
    """Print the files whose IR differs (the first 20 in full) and the counts; exit 1 on a difference."""
    both = sorted(set(before) & set(out))
    diff = [k for k in both if before[k] != out[k]]
    for k in diff[:20]:
        b, a = (zlib.decompress(x).decode("utf-8", "surrogatepass") for x in (before[k], out[k]))
        i = next((n for n, (x, y) in enumerate(zip(b, a)) if x != y), min(len(a), len(b)))
        print(f"DIFF {k}\n  before: ...{b[max(0, i - 150):i + 150]}\n  after:  ...{a[max(0, i - 150):i + 150]}")
    langs: dict[str, int] = {}
    for k in both:
        ext = k.split("@")[0].rsplit(".", 1)[-1]
        lang = {"go": "Go", "java": "Java"}.get(ext, "TS" if "ts" in ext else "JS")
        langs[lang] = langs.get(lang, 0) + 1
    mirrored = sum(1 for k in both if ":" in k.split("@")[0])
    print("compared by language: " + ", ".join(f"{n} {lang}" for lang, n in sorted(langs.items()))
          + f"; {mirrored} of them from mirrors")
    print(f"{len(both)} files compared, {len(diff)} differ; {len(set(out) - set(before))} new and "
          f"{len(set(before) - set(out))} gone since the dump (not compared) ({time.perf_counter() - t0:.1f} s)")
    sys.exit(1 if diff else 0)


if __name__ == "__main__":
    main()
