"""How fast this machine runs plain Python right now, printed next to a benchmark's figures.

The benchmark VM's speed drifts by up to ±30 % within minutes, with nothing else running
(the host's other guests), so a wall-clock figure means little without the machine's speed at
that moment. The reference is fixed work that does not depend on semdiff: ten million integer
additions in a Python loop inside a function (local variables; 0.40-0.71 s on this VM on
2026-11-29; the same loop at module level, with globals, takes about twice as long). It runs
in the processor's caches, so it does not show the slowdown other processes cause by sharing
memory bandwidth and caches: with other jobs running, a semdiff run's CPU time rose by ~40 %
while this figure stayed put. Compare figures taken at similar reference times, on an
otherwise idle machine.
"""
from __future__ import annotations

import time


def reference_seconds() -> float:
    """Seconds for 10^7 additions in a Python loop (one run; ~1 s)."""
    t0 = time.perf_counter()
    s = 0
    for i in range(10_000_000):
        s += i
    assert s == 49_999_995_000_000
    return time.perf_counter() - t0


def line(when: str) -> str:
    return f"machine speed {when}: 10^7 Python additions in {reference_seconds():.2f} s"
