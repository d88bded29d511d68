"""Benchmark: encoding and decoding the IR of the bench corpora (semdiff/ir_codec.py).

    python benchmarks/bench_codec.py [--lines 100000] [--runs 5] [--languages javascript,go] [--gc cli|default]

Every file of `bench_languages.corpus(lang, lines)` is parsed once (untimed), then the figure
is the median over `--runs` passes of `[ir_codec.encode(p) for p in parsed]` (what a cold run
pays writing the parse cache and what each parse-pool worker pays sending a file's IR back),
and of decoding those bytes again. `--gc cli` sets the collector thresholds the command sets
(semdiff/cli.py GC_THRESHOLDS); `--gc default` keeps the interpreter's (a library caller).
One untimed pass of each comes first.
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_languages  # noqa: E402
from semdiff import ir_codec  # noqa: E402
from semdiff.lang.registry import backend_for  # noqa: E402

CLI_GC_THRESHOLDS = (100_000, 10, 10)  # semdiff/cli.py GC_THRESHOLDS (not imported: it sets them)


def main() -> None:
    ap = argparse.ArgumentParser(description="ir_codec: encode and decode the bench corpora's IR")
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--languages", default=",".join(bench_languages.LANGUAGES))
    ap.add_argument("--gc", choices=("cli", "default"), default="default")
    args = ap.parse_args()
    if args.gc == "cli":
        gc.set_threshold(*CLI_GC_THRESHOLDS)
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, gc {args.gc} {gc.get_threshold()}, load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"{'language':<11} {'files':>6} {'lines':>8} {'bytes':>10} {'encode s':>9} {'decode s':>9}  encode runs")
    for lang in [x for x in args.languages.split(",") if x]:
        files = bench_languages.corpus(lang, args.lines)
        parsed = []
        for path, text in files:
            backend = backend_for(path, text.split("\n", 1)[0])
            assert backend is not None, path
            parsed.append(backend.parse(path, text))
        blobs = [ir_codec.encode(p) for p in parsed]  # warm-up
        assert [ir_codec.decode(b) for b in blobs] == parsed
        enc, dec = [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            blobs = [ir_codec.encode(p) for p in parsed]
            enc.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            back = [ir_codec.decode(b) for b in blobs]
            dec.append(time.perf_counter() - t0)
            del back
        lines = sum(t.count("\n") for _, t in files)
        print(f"{lang:<11} {len(files):>6} {lines:>8} {sum(map(len, blobs)):>10} {statistics.median(enc):>9.3f} "
              f"{statistics.median(dec):>9.3f}  " + " ".join(f"{t:.3f}" for t in enc), flush=True)
    print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
