"""Large changes are parsed by forked workers; the report must not depend on it."""
from __future__ import annotations

import os

import pytest

from semdiff import parse_pool, pipeline
from semdiff.pipeline import AnalyzeOptions, analyze_texts

GUARDED = "def delete_user{n}(request, uid):\n    if not request.user.is_admin:\n        raise PermissionError()\n    return uid\n"
OPEN = "def delete_user{n}(request, uid):\n    return uid\n"


def _pairs(count: int) -> list[tuple[str, str, str]]:
    return [(f"app/views{n}.py", GUARDED.format(n=n), OPEN.format(n=n) if n % 2 else GUARDED.format(n=n).replace("uid\n", "uid + 0\n"))
            for n in range(count)]


def _key(report) -> tuple:
    return (sorted((f.fingerprint, f.rule_id, f.path, f.unit, int(f.severity)) for f in report.findings),
            sorted((n.path, n.reason) for n in report.not_analyzed), report.units_analyzed)


def test_workers_are_used_only_for_large_changes_in_a_main_process() -> None:
    assert parse_pool.workers_for(3) == 1
    assert parse_pool.workers_for(100, jobs=1) == 1
    assert parse_pool.workers_for(100, jobs=2) == 2


def test_parallel_and_serial_reports_are_identical() -> None:
    pairs = _pairs(12)
    serial = analyze_texts(pairs, AnalyzeOptions(jobs=1, use_cache=False))
    parallel = analyze_texts(pairs, AnalyzeOptions(jobs=2, use_cache=False))  # a warm parse cache would fork nothing
    assert _key(serial) == _key(parallel)
    removed = sorted(f.path for f in parallel.findings if f.rule_id == "removed-guard")
    assert removed == sorted(f"app/views{n}.py" for n in range(12) if n % 2)


def _until_a_worker_claims(path: str, seconds: float = 60.0) -> None:
    """Wait until a forked worker has marked `path` as its own in the pool's shared claims."""
    import time

    assert parse_pool._STATE is not None
    items, _work, claims, _order = parse_pool._STATE
    index = next(i for i, fc in enumerate(items) if fc.path == path)
    deadline = time.monotonic() + seconds
    while claims[index] <= 0 and time.monotonic() < deadline:
        time.sleep(0.005)


def test_a_worker_that_dies_costs_files_not_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    real = pipeline.unit_changes_for

    def dies_on_one(fc, na, *args):
        if os.getpid() != parent:
            if fc.path == "app/views5.py":
                os._exit(3)  # a native parser crash takes the whole worker down
        else:
            _until_a_worker_claims("app/views5.py")
        return real(fc, na, *args)

    parent = os.getpid()
    monkeypatch.setattr(pipeline, "unit_changes_for", dies_on_one)
    # the largest file is queued first, so a worker takes it first; this process waits for that
    # before it computes anything (else, with a worker slow to start on a loaded machine, this
    # process would take every file, that one included, and nothing would be lost)
    pairs = [(p, b + "# padding\n" * 200, a) if p == "app/views5.py" else (p, b, a) for p, b, a in _pairs(12)]
    report = analyze_texts(pairs, AnalyzeOptions(jobs=2, use_cache=False))  # cached files are not forked
    lost = {n.path: n for n in report.not_analyzed if n.reason == "internal-error"}
    assert "app/views5.py" in lost and "died" in lost["app/views5.py"].detail
    assert report.units_analyzed + len(lost) >= 12 - 1
