"""Workflow policy: token permissions, action pinning, checks that stop gating.

Each rule compares one job (or the workflow's top level) before and after. Only widening
counts: a permission going from write to read, a tag replaced by a SHA, a new test step are
all silent.
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator, Optional

from semdiff.align.units import ChangeKind, UnitChange
from semdiff.ir import Call, Setting, Unit
from semdiff.model import Confidence, Finding, Severity
from semdiff.rules.base import Example, RuleContext, RuleSpec, family
from semdiff.rules.config_support import config_finding, settings_of, spec_table, truthy
from semdiff.rules.config_workflow_common import (
    CHECK_WORDS, LANG, WORKFLOW, arg, job_looks_like_check, looks_like_check, sibling_jobs, step_identity, step_line,
    step_text_for_words,
)

WF = ".github/workflows/ci.yml"

RULES = (
    RuleSpec(
        "workflow-permissions-widened", "Workflow token permissions widened", Severity.HIGH,
        "The GITHUB_TOKEN of a workflow or job got more scopes or a higher level (write-all, "
        "contents: read -> write, id-token: write added), or an explicit permissions block was removed.",
        (
            Example("on: push\npermissions:\n  contents: read\njobs: {}\n", "on: push\npermissions:\n  contents: write\njobs: {}\n", True),
            Example("on: push\npermissions: write-all\njobs: {}\n", "on: push\npermissions:\n  contents: read\njobs: {}\n", False, "narrowed"),
        ),
        (LANG, "config"),
    ),
    RuleSpec(
        "workflow-action-unpinned", "Action no longer pinned to a commit SHA", Severity.MEDIUM,
        "A third-party action or reusable workflow moved from a full 40-hex commit SHA to a tag or "
        "branch, which its owner (or whoever takes over the owner's account) can move.",
        (
            Example("on: push\njobs:\n  b:\n    steps:\n      - uses: foo/bar@" + "a" * 40 + "\n",
                    "on: push\njobs:\n  b:\n    steps:\n      - uses: foo/bar@v1\n", True),
            Example("on: push\njobs:\n  b:\n    steps:\n      - uses: foo/bar@" + "a" * 40 + "\n",
                    "on: push\njobs:\n  b:\n    steps:\n      - uses: foo/bar@" + "b" * 40 + "\n", False, "SHA bump"),
        ),
        (LANG, "config"),
    ),
    RuleSpec(
        "workflow-check-weakened", "A CI check no longer gates", Severity.HIGH,
        "A test, lint or security job/step got `continue-on-error: true` or `|| true`, or a job that is "
        "a check (or that other jobs `needs:`) was removed.",
        (
            Example("on: push\njobs:\n  test:\n    steps:\n      - run: pytest\n",
                    "on: push\njobs:\n  test:\n    continue-on-error: true\n    steps:\n      - run: pytest\n", True),
            Example("on: push\njobs:\n  test:\n    steps:\n      - run: pytest\n",
                    "on: push\njobs:\n  test:\n    steps:\n      - run: pytest\n      - run: npm test\n", False, "more tests"),
        ),
        (LANG, "config"),
    ),
)
SPECS = spec_table(RULES)
EXAMPLE_PATHS = {r.id: WF for r in RULES}

# ------------------------------------------------------------------ permissions

LEVELS = {"none": 0, "read": 1, "write": 2}
SCOPES = (
    "actions", "attestations", "checks", "contents", "deployments", "discussions", "id-token", "issues",
    "models", "packages", "pages", "pull-requests", "repository-projects", "security-events", "statuses",
)
_WHOLE = {"write-all": 2, "read-all": 1, "{}": 0}


def permissions(unit: Optional[Unit]) -> Optional[tuple[dict[str, int], dict[str, Setting]]]:
    """Scope -> level and scope -> the setting that grants it; None when no block is written."""
    if unit is None:
        return None
    s = settings_of(unit)
    whole = s.get("permissions")
    if whole is not None:
        level = _WHOLE.get(whole.value.strip().lower())
        if level is None:  # an expression or an unknown word: assume the worst
            level = 2
        return {sc: level for sc in SCOPES}, {sc: whole for sc in SCOPES}
    scoped = {k[len("permissions."):]: v for k, v in s.items() if k.startswith("permissions.")}
    if not scoped:
        return None
    levels = {sc: 0 for sc in SCOPES}
    where: dict[str, Setting] = {}
    for sc, setting in scoped.items():
        levels[sc] = LEVELS.get(setting.value.strip().lower(), 2)
        where[sc] = setting
    return levels, where


def _name(level: int) -> str:
    return {0: "none", 1: "read", 2: "write"}[level]


def _widened(spec: RuleSpec, change: UnitChange, ctx: RuleContext, before, after, own_before, label: str,
             unit: Optional[str] = None) -> Iterator[Finding]:
    if after is None:
        if own_before is not None:
            setting = next(iter(own_before[1].values()))
            yield config_finding(
                spec, change, ctx,
                f"{label}: explicit permissions block removed; the token falls back to the repository default",
                before=setting, confidence=Confidence.MEDIUM, unit=unit,
            )
        return
    levels_a, where_a = after
    if before is None:  # repository default: unknown, so only write access counts as new
        grants = sorted({id(where_a[sc]): where_a[sc] for sc in SCOPES if levels_a[sc] == 2}.values(), key=lambda s: s.span.line)
        for setting in grants:
            conf = Confidence.HIGH if setting.value.strip().lower() == "write-all" or "id-token" in setting.key else Confidence.MEDIUM
            yield config_finding(spec, change, ctx, f"{label}: token granted write access ({setting.text})",
                                 after=setting, confidence=conf, unit=unit)
        return
    levels_b, _ = before
    wider = [sc for sc in SCOPES if levels_a[sc] > levels_b[sc]]
    by_setting: dict[int, tuple[Setting, list[str]]] = {}
    for sc in wider:
        st = where_a[sc]
        by_setting.setdefault(id(st), (st, []))[1].append(sc)
    for st, scopes in sorted(by_setting.values(), key=lambda x: x[0].span.line):
        if st.key == "permissions":
            detail = f"{st.value}: {len(scopes)} scopes raised"
        else:
            detail = ", ".join(f"{sc}: {_name(levels_b[sc])} -> {_name(levels_a[sc])}" for sc in scopes)
        yield config_finding(spec, change, ctx, f"{label}: token permissions widened ({detail})", after=st, unit=unit)


def _own_block_changed(b: Optional[Unit], a: Optional[Unit]) -> bool:
    def block(u: Optional[Unit]) -> dict[str, str]:
        return {k: s.value for k, s in settings_of(u).items() if k == "permissions" or k.startswith("permissions.")}

    return block(b) != block(a)


def check_permissions(change: UnitChange, ctx: RuleContext) -> Iterator[Finding]:
    spec = SPECS["workflow-permissions-widened"]
    b, a = change.before, change.after
    if a is None or not _own_block_changed(b, a):
        return
    if a.qualname == WORKFLOW or a.parent is None:
        yield from _widened(spec, change, ctx, permissions(b), permissions(a), permissions(b), "workflow")
        return
    old_path = change.file.old_path
    wf_b = ctx.before_units.get((old_path, WORKFLOW)) if old_path else None
    wf_a = ctx.after_units.get((a.path, WORKFLOW))
    own_b, own_a = permissions(b), permissions(a)
    eff_b = own_b or permissions(wf_b)
    eff_a = own_a or permissions(wf_a)
    yield from _widened(spec, change, ctx, eff_b, eff_a, own_b, f"job {a.name}")


# ------------------------------------------------------------------ pinning

SHA = re.compile(r"^[0-9a-f]{40}$")
FIRST_PARTY = {"actions", "github"}


def _uses(unit: Optional[Unit]) -> Iterator[tuple[str, str, Optional[Call]]]:
    if unit is None:
        return
    for c in unit.calls:
        ref = arg(c, "@")
        if ref is not None:
            yield c.callee, ref, c
    job_uses = settings_of(unit).get("uses")  # reusable workflow called by the job
    if job_uses is not None and "@" in job_uses.value:
        name, _, ref = job_uses.value.partition("@")
        yield name, ref, None


def _third_party(name: str) -> bool:
    if name.startswith(("./", "docker://")) or "/" not in name:
        return False
    return name.split("/", 1)[0].lower() not in FIRST_PARTY


def _pinned(ref: str) -> bool:
    return bool(SHA.match(ref.lower()))


def check_pinning(change: UnitChange, ctx: RuleContext) -> Iterator[Finding]:
    spec = SPECS["workflow-action-unpinned"]
    b, a = change.before, change.after
    if a is None or b is None:
        return
    pinned_before = {name: ref for name, ref, _ in _uses(b) if _pinned(ref)}
    for name, ref, call in _uses(a):
        if name in pinned_before and not _pinned(ref) and _third_party(name):
            line = step_line(a, call, f"{name}@") if call is not None else settings_of(a)["uses"].span.line
            bline = next((step_line(b, c, f"{name}@") if c is not None else settings_of(b)["uses"].span.line
                          for n, r, c in _uses(b) if n == name and _pinned(r)), None)
            yield config_finding(
                spec, change, ctx, f"{name} moved from commit {pinned_before[name][:12]} to the movable ref '{ref}'",
                before=bline, after=line, evidence_before=f"{name}@{pinned_before[name]}", evidence_after=f"{name}@{ref}",
            )


# ------------------------------------------------------------------ checks

_SWALLOW = re.compile(r"\|\|\s*(true|:|exit\s+0)\b|^\s*set\s+\+e\b", re.M)


def _steps_by_identity(unit: Optional[Unit]) -> dict[str, Call]:
    return {step_identity(c): c for c in (unit.calls if unit is not None else ())}


def check_gating(change: UnitChange, ctx: RuleContext) -> Iterator[Finding]:
    spec = SPECS["workflow-check-weakened"]
    b, a = change.before, change.after
    if a is None:
        if b is not None and b.parent == WORKFLOW and change.kind is ChangeKind.DELETED:
            yield from _removed_job(spec, change, ctx, b)
        return
    if a.parent is None and a.qualname != "runs":
        return
    is_check_job = job_looks_like_check(a) or any(looks_like_check(step_text_for_words(c)) for c in a.calls)
    sb, sa = settings_of(b), settings_of(a)
    coe_a = sa.get("continue-on-error")
    # a job added with continue-on-error never gated anything: nothing "no longer" fails
    if b is not None and is_check_job and coe_a is not None and truthy(coe_a.value) \
            and not truthy(sb.get("continue-on-error").value if sb.get("continue-on-error") else None):
        yield config_finding(spec, change, ctx, f"job {a.name} is a check but failures no longer fail the run (continue-on-error: true)", after=coe_a)
    before_steps = _steps_by_identity(b)
    for call in a.calls:
        old = before_steps.get(step_identity(call))
        if old is None or not looks_like_check(step_text_for_words(call)):
            continue
        label = arg(call, "name") or step_identity(call).split(":", 1)[1]
        if truthy(arg(call, "continue-on-error")) and not truthy(arg(old, "continue-on-error")):
            yield config_finding(spec, change, ctx, f"check step '{label}' no longer fails the job (continue-on-error: true)",
                                 after=step_line(a, call, "continue-on-error"), evidence_after=f"continue-on-error: true  # {label}")
        run_a, run_b = arg(call, "run") or "", arg(old, "run") or ""
        m = _SWALLOW.search(run_a)
        if m and not _SWALLOW.search(run_b):
            yield config_finding(spec, change, ctx, f"check step '{label}' swallows its failure ('{m.group(0).strip()}')",
                                 after=step_line(a, call, m.group(0).strip()), evidence_after=run_a.strip())


def _removed_job(spec: RuleSpec, change: UnitChange, ctx: RuleContext, job: Unit) -> Iterator[Finding]:
    needed_by = sorted(
        other.name for other in sibling_jobs(dict(ctx.before_units), job.path)
        if other.qualname != job.qualname and any(s.key in ("needs", "needs[]") and s.value == job.name for s in other.settings)
    )
    is_check = job_looks_like_check(job) or any(looks_like_check(step_text_for_words(c)) for c in job.calls)
    if not (needed_by or is_check):
        return
    if not needed_by and _check_moved(job, ctx):
        return
    why = f"other jobs needed it ({', '.join(needed_by)})" if needed_by else "it ran tests, linters or security scans"
    yield config_finding(spec, change, ctx, f"job {job.name} was removed; {why}", before=job.span.line,
                         evidence_before=job.text.splitlines()[0] if job.text else job.name,
                         confidence=Confidence.MEDIUM if not needed_by else Confidence.HIGH)


# words that name what a check does; "check", "verify" and the runners tox/nox say only that it is one
_GENERIC_CHECK_WORDS = {"check", "checks", "verify", "tox", "nox"}
_WORD_STEM = {"tests": "test", "linters": "lint", "linter": "lint", "scanner": "scan", "pytest": "test",
              "unittest": "test", "jest": "test", "mocha": "test", "vitest": "test"}


def _check_kinds(text: str, generic: bool = False) -> set[str]:
    found = {_WORD_STEM.get(w, w) for w in (m.group(0).lower() for m in CHECK_WORDS.finditer(text or ""))}
    return found if generic else found - _GENERIC_CHECK_WORDS


def _check_moved(job: Unit, ctx: RuleContext) -> bool:
    """Did the change re-create this check elsewhere? Consolidating per-version workflow files
    into one matrix job, or replacing one scanner job by a new scanner workflow, deletes jobs
    whose kind of check (tests, lint, security scan, ...) still runs in a job the same change
    adds or edits. A removed job that other jobs `needs:` is never judged moved."""
    kinds = _check_kinds(job.text)
    generic = not kinds  # a job known as a check only by its runner (`tox -e py38`)
    if generic:
        kinds = _check_kinds(job.text, generic=True)
    if not kinds:
        return False
    for (path, qualname), unit in ctx.after_units.items():
        if not isinstance(unit, Unit) or unit.language != LANG or unit.parent != WORKFLOW:
            continue
        if (path, qualname) == (job.path, job.qualname):
            continue
        was = ctx.before_units.get((path, qualname))
        if isinstance(was, Unit) and was.text == unit.text:
            continue  # a sibling the change left as it was: it ran before too
        if kinds & _check_kinds(unit.text, generic):
            return True
    return False


CHECKS = (check_permissions, check_pinning, check_gating)


@family("config-workflow-policy", RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.language != LANG:
        return []
    out: list[Finding] = []
    for fn in CHECKS:
        out.extend(fn(change, ctx))
    return out
