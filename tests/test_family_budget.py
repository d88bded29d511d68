"""Rule families have a time budget per unit change (the file budget's seconds): a family that
never finishes on one unit costs that unit -- reported as not analysed, security-relevant --
not the run, in this process and in the families' forked child alike."""
from __future__ import annotations

import dataclasses
import signal

import pytest

from semdiff import budget, family_pool, pipeline
from semdiff.pipeline import AnalyzeOptions, analyze_texts

GUARDED = "def delete_user{n}(request, uid):\n    if not request.user.is_admin:\n        raise PermissionError()\n    return uid\n"
OPEN = "def delete_user{n}(request, uid):\n    return uid\n"
STUCK = ("delete_user3", "delete_user4")  # neighbours: one in each process's share when forked


def _pairs(count: int) -> list[tuple[str, str, str]]:
    return [(f"app/views{n}.py", GUARDED.format(n=n), OPEN.format(n=n)) for n in range(count)]


def _stuck_on_one_unit(monkeypatch: pytest.MonkeyPatch) -> None:
    real = pipeline.families

    def families(languages, skip):
        out = []
        for fam in real(languages, skip):
            if fam.name == "guards":
                check = fam.check

                def stuck(change, ctx, check=check):
                    if change.qualname in STUCK:
                        while True:  # a family that never finishes on this unit
                            pass
                    return check(change, ctx)

                fam = dataclasses.replace(fam, check=stuck)
            out.append(fam)
        return out

    monkeypatch.setattr(pipeline, "families", families)


@pytest.mark.parametrize("jobs, count", [(1, 6), (2, 60)])  # 60 unit changes: the families fork a child
def test_a_family_that_never_finishes_costs_its_unit_only(monkeypatch: pytest.MonkeyPatch, jobs: int, count: int) -> None:
    # warmed up first: a process's first unit pays the rule modules' lazy set-up, and a budget
    # this short is meant for the endless family alone
    analyze_texts(_pairs(2), AnalyzeOptions(jobs=1, use_cache=False))
    _stuck_on_one_unit(monkeypatch)
    # threads earlier tests abandoned (deadline workers) would keep the families from forking
    monkeypatch.setattr(family_pool, "_other_threads", lambda: False)
    forks: list[object] = []
    real_fork = family_pool._fork_child
    monkeypatch.setattr(family_pool, "_fork_child", lambda *a: forks.append(real_fork(*a)) or forks[-1])
    before = signal.getsignal(signal.SIGALRM)
    report = analyze_texts(_pairs(count), AnalyzeOptions(jobs=jobs, use_cache=False, file_timeout=1.0))
    timeouts = [n for n in report.not_analyzed if n.reason == "timeout"]
    assert sorted((n.path, n.security_relevant) for n in timeouts) == [("app/views3.py", True), ("app/views4.py", True)]
    assert all(n.detail.startswith("delete_user") and "guards" in n.detail and "--file-timeout" in n.detail for n in timeouts)
    removed = sorted({f.path for f in report.findings if f.rule_id == "removed-guard"})
    assert removed == sorted(f"app/views{n}.py" for n in range(count) if n not in (3, 4))  # every other unit: as usual
    assert signal.getsignal(signal.SIGALRM) is before and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert len([f for f in forks if f is not None]) == (1 if jobs == 2 else 0)


def test_no_budget_no_entry_and_an_ordinary_run_has_none(monkeypatch: pytest.MonkeyPatch) -> None:
    report = analyze_texts(_pairs(6), AnalyzeOptions(jobs=1, use_cache=False, file_timeout=0.5))
    assert not [n for n in report.not_analyzed if n.reason == "timeout"]
    assert len([f for f in report.findings if f.rule_id == "removed-guard"]) == 6


def test_the_callers_own_timer_and_handler_are_put_back() -> None:
    fired: list[int] = []

    def mine(signum, frame):  # noqa: ANN001
        fired.append(signum)

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        signal.setitimer(signal.ITIMER_REAL, 30.0)
        with budget.ChangeAlarm(5.0) as alarm:
            assert alarm.call(lambda: 7) == 7
            assert signal.getsignal(signal.SIGALRM) is not mine
        assert signal.getsignal(signal.SIGALRM) is mine
        assert 25.0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 30.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert not fired


def test_the_alarm_interrupts_and_is_recognised() -> None:
    with budget.ChangeAlarm(0.2) as alarm:
        with pytest.raises(budget.FileTimeout) as caught:
            alarm.call(lambda: [None for _ in iter(int, 1)])  # an endless loop
    assert budget.timed_out(caught.value)
    assert budget.ChangeAlarm(0).seconds is None and budget.ChangeAlarm(None).seconds is None
