"""What the two workflow families share: reading steps, refs, triggers and jobs from the IR.

Not a family itself (nothing is registered here); kept apart so each family module stays a
table plus the few functions that decide its rows.
"""
from __future__ import annotations

import re
from typing import Iterator, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Call, Unit
from semdiff.rules.base import RuleContext

LANG = "github-actions"
WORKFLOW = "<workflow>"

# names or commands that say a job or step is a check somebody relies on
CHECK_WORDS = re.compile(
    r"(?i)(?<![a-z])(tests?|pytest|unittest|jest|mocha|vitest|tox|nox|lint|linters?|eslint|flake8|ruff|pylint|mypy|"
    r"tsc|clippy|golangci|go vet|security|scan|scanner|codeql|semgrep|bandit|trivy|snyk|gosec|audit|sast|dast|"
    r"checks?|verify|coverage|gitleaks|trufflehog|dependency-review|zap|semdiff)(?![a-z])"
)
DANGEROUS_TRIGGERS = ("pull_request_target", "workflow_run")


def arg(call: Call, name: str) -> Optional[str]:
    a = call.kwarg(name)
    return a.value if a is not None else None


def step_identity(call: Call) -> str:
    """What a reviewer would call this step; stable when steps are inserted around it."""
    for key in ("id", "name"):
        v = arg(call, key)
        if v:
            return f"{key}:{v}"
    if call.callee not in ("run", "step"):
        return f"uses:{call.callee}"
    run = (arg(call, "run") or "").strip().split()
    return f"run:{run[0] if run else ''}"


def step_text_for_words(call: Call) -> str:
    return " ".join(filter(None, (arg(call, "name"), arg(call, "id"), arg(call, "run"), call.callee if call.callee not in ("run", "step") else "")))


def looks_like_check(text: str) -> bool:
    return bool(CHECK_WORDS.search(text or ""))


def job_looks_like_check(job: Unit) -> bool:
    name = next((s.value for s in job.settings if s.key == "name"), "")
    return looks_like_check(job.name) or looks_like_check(name)


def triggers(workflow: Optional[Unit]) -> tuple[str, ...]:
    if workflow is None:
        return ()
    for lit in workflow.literals:
        if lit.target == "on":
            return lit.items
    return ()


def sibling_jobs(units: dict, path: str) -> list[Unit]:
    return [u for (p, _), u in units.items() if p == path and getattr(u, "parent", None) == WORKFLOW and getattr(u, "language", "") == LANG]


def affected_jobs(change: UnitChange, ctx: RuleContext) -> Iterator[tuple[Optional[Unit], Unit, Optional[Unit], Optional[Unit]]]:
    """(job before, job after, workflow before, workflow after) for every job the change can affect.

    A job change affects that job; a change to the workflow's top level (a trigger added)
    affects every job in it, even the ones no hunk touched.
    """
    b, a = change.before, change.after
    old_path = change.file.old_path
    if a is None:
        return
    if a.qualname == WORKFLOW:
        for job in sibling_jobs(dict(ctx.after_units), a.path):
            jb = ctx.before_units.get((old_path, job.qualname)) if old_path else None
            yield jb, job, b, a
    elif a.parent == WORKFLOW:
        wb = ctx.before_units.get((old_path, WORKFLOW)) if old_path else None
        wa = ctx.after_units.get((a.path, WORKFLOW))
        yield b, a, wb, wa


def step_line(unit: Unit, call: Call, needle: str) -> int:
    from semdiff.rules.config_support import line_of

    return line_of(unit, needle, call.span.line, call.span.end_line) or call.span.line
