"""How fast this machine runs plain Python right now, printed next to a benchmark's figures.

The benchmark VM's speed drifts by up to ±30 % within minutes, with nothing else running
(the host's other guests), so a wall-clock figure means little without the machine's speed at
that moment. The reference is fixed work that does not depend on semdiff: ten million integer
additions in a Python loop (0.45 s on session 9's machine; 0.86-1.51 s on the same VM on
2026-11-29). Compare figures taken at similar reference times, or scale by the ratio.
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
