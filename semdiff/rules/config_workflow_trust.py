"""Workflow trust boundaries: untrusted pull-request code meeting secrets or a write token.

`pull_request_target` and `workflow_run` run with the base repository's secrets and a
write-capable token. That is safe until the job checks out the pull request's head and runs
it ("pwn request"), hands secrets to the steps that run it, or pastes attacker-controlled
event text (an issue title, a branch name) into a shell script.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Iterator, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Call, Unit
from semdiff.model import Finding, Severity
from semdiff.rules.base import Example, RuleContext, RuleSpec, family
from semdiff.rules.config_support import config_finding, settings_of, spec_table
from semdiff.rules.config_workflow_common import DANGEROUS_TRIGGERS, LANG, affected_jobs, arg, step_line, triggers

_PRT = "on: pull_request_target\njobs:\n  b:\n    steps:\n"
_HEAD = "      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n"

RULES = (
    RuleSpec(
        "workflow-untrusted-checkout", "Privileged workflow checks out untrusted pull-request code", Severity.CRITICAL,
        "A job triggered by pull_request_target/workflow_run (base secrets, write token) now checks out the "
        "pull request's head, so code from a fork runs with the repository's privileges.",
        (
            Example("on: pull_request\njobs:\n  b:\n    steps:\n" + _HEAD, _PRT + _HEAD, True),
            Example(_PRT + _HEAD, _PRT + _HEAD.replace("head.sha", "head.sha ") , False, "already so before"),
        ),
        (LANG, "config"),
    ),
    RuleSpec(
        "workflow-secrets-exposed", "Secrets passed to steps that run untrusted code", Severity.CRITICAL,
        "A secret is now available to steps that run after a checkout of untrusted pull-request code in a "
        "privileged workflow (step env/with, job env or workflow env).",
        (
            Example(_PRT + _HEAD + "      - run: make\n", _PRT + _HEAD + "      - run: make\n        env:\n          T: ${{ secrets.T }}\n", True),
            Example(_PRT + _HEAD + "      - run: make\n        env:\n          T: ${{ secrets.T }}\n", _PRT + _HEAD + "      - run: make\n", False, "secret removed"),
        ),
        (LANG, "config"),
    ),
    RuleSpec(
        "workflow-script-injection", "Attacker-controlled event text interpolated into a script", Severity.HIGH,
        "`${{ github.event.issue.title }}`, `${{ github.head_ref }}` and similar are pasted into `run:` before "
        "the shell sees them, so a crafted title or branch name runs as a command. Pass them through env instead.",
        (
            Example("on: issues\njobs:\n  b:\n    steps:\n      - run: echo hi\n",
                    "on: issues\njobs:\n  b:\n    steps:\n      - run: echo \"${{ github.event.issue.title }}\"\n", True),
            Example("on: issues\njobs:\n  b:\n    steps:\n      - run: echo \"${{ github.event.issue.title }}\"\n",
                    "on: issues\njobs:\n  b:\n    steps:\n      - run: echo \"$TITLE\"\n        env:\n          TITLE: ${{ github.event.issue.title }}\n", False, "moved to env"),
        ),
        (LANG, "config"),
    ),
)
SPECS = spec_table(RULES)
EXAMPLE_PATHS = {r.id: ".github/workflows/ci.yml" for r in RULES}

# refs and commands that fetch the pull request's own (untrusted) code
UNTRUSTED_REF = re.compile(
    r"github\.event\.pull_request\.head\.(sha|ref)|github\.head_ref|github\.event\.workflow_run\.head_(sha|branch)"
    r"|github\.event\.workflow_run\.head_commit\.id|github\.event\.pull_request\.merge_commit_sha"
    r"|github\.event\.pull_request\.head\.repo\.full_name|refs/pull/"
)
UNTRUSTED_RUN = re.compile(r"gh\s+pr\s+checkout|git\s+(fetch|checkout|pull)\b[^\n]*(" + UNTRUSTED_REF.pattern + ")")
# event fields any outsider controls (titles, bodies, branch names, commit messages, emails)
TAINTED = re.compile(
    r"github\.head_ref|github\.event\.("
    r"issue\.(title|body)|pull_request\.(title|body|head\.ref|head\.label|head\.repo\.default_branch)"
    r"|comment\.body|review\.body|review_comment\.body|pages\.[^}]*\.page_name"
    r"|commits\.[^}]*\.(message|author\.(email|name))|head_commit\.(message|author\.(email|name))"
    r"|discussion\.(title|body)|workflow_run\.(head_branch|display_title|head_commit\.(message|author\.(email|name)))"
    r"|release\.(name|body)|client_payload)"
)
EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)
SECRET = re.compile(r"secrets\.([A-Za-z_][A-Za-z0-9_]*)")


def _untrusted_checkouts(job: Unit) -> list[tuple[int, Call, str]]:
    """(step index, step, the matched text) for each step that fetches the PR's own code."""
    out = []
    for i, c in enumerate(job.calls):
        if c.callee == "actions/checkout":
            for key in ("with.ref", "with.repository"):
                v = arg(c, key) or ""
                m = UNTRUSTED_REF.search(v)
                if m:
                    out.append((i, c, m.group(0)))
                    break
        elif c.callee == "run":
            m = UNTRUSTED_RUN.search(arg(c, "run") or "")
            if m:
                out.append((i, c, m.group(0).split("\n")[0]))
    return out


def _privileged(workflow: Optional[Unit]) -> list[str]:
    return [t for t in triggers(workflow) if t in DANGEROUS_TRIGGERS]


def check_checkout(change: UnitChange, ctx: RuleContext) -> Iterator[Finding]:
    spec = SPECS["workflow-untrusted-checkout"]
    for jb, ja, wb, wa in affected_jobs(change, ctx):
        trig_a = _privileged(wa)
        if not trig_a:
            continue
        hits = _untrusted_checkouts(ja)
        if not hits:
            continue
        before_keys = {m for _, _, m in _untrusted_checkouts(jb)} if (jb is not None and _privileged(wb)) else set()
        for _, call, matched in hits:
            if matched in before_keys:
                continue
            line = step_line(ja, call, matched)
            yield config_finding(
                spec, change, ctx,
                f"job {ja.name} runs on {', '.join(trig_a)} (base secrets, write token) and checks out untrusted code ({matched})",
                after=line, evidence_after=f"on: {', '.join(trig_a)}; {matched}", unit=ja.qualname,
            )


def _exposed_secrets(job: Optional[Unit], workflow: Optional[Unit]) -> dict[str, tuple[int, str]]:
    """secret name -> (line, where) for secrets reachable by steps after an untrusted checkout."""
    if job is None or not _privileged(workflow):
        return {}
    hits = _untrusted_checkouts(job)
    if not hits:
        return {}
    first = hits[0][0]
    out: dict[str, tuple[int, str]] = {}
    for c in job.calls[first:]:
        for a in c.args:
            if a.name in (None, "@", "run", "name", "id", "if"):
                continue
            for m in SECRET.finditer(a.value):
                out.setdefault(m.group(1), (step_line(job, c, m.group(0)), f"{a.name}: {a.value}"))
    for scope_unit in (job, workflow):
        for key, s in settings_of(scope_unit).items():
            if key.startswith("env."):
                for m in SECRET.finditer(s.value):
                    out.setdefault(m.group(1), (s.span.line, s.text) if scope_unit is job else (-s.span.line, s.text))
    return out


def check_secrets(change: UnitChange, ctx: RuleContext) -> Iterator[Finding]:
    spec = SPECS["workflow-secrets-exposed"]
    for jb, ja, wb, wa in affected_jobs(change, ctx):
        after = _exposed_secrets(ja, wa)
        if not after:
            continue
        before = _exposed_secrets(jb, wb)
        for name, (line, text) in sorted(after.items()):
            if name in before:
                continue
            yield config_finding(
                spec, change, ctx,
                f"secret {name} is available to steps of job {ja.name} that run untrusted pull-request code",
                after=abs(line), evidence_after=text, unit=ja.qualname,
            )


def _tainted(job: Optional[Unit]) -> list[tuple[str, str, Call]]:
    """(normalised expression, raw text, step) for each tainted expression pasted into a script."""
    out = []
    for c in job.calls if job is not None else ():
        scripts = [arg(c, "run") or ""]
        if c.callee == "actions/github-script":
            scripts.append(arg(c, "with.script") or "")
        for script in scripts:
            for m in EXPR.finditer(script):
                inner = " ".join(m.group(1).split())
                if TAINTED.search(inner):
                    out.append((inner, m.group(0), c))
    return out


def check_injection(change: UnitChange, ctx: RuleContext) -> Iterator[Finding]:
    spec = SPECS["workflow-script-injection"]
    a = change.after
    if a is None or a.parent is None:
        return
    seen = Counter(inner for inner, _, _ in _tainted(change.before))
    for inner, raw, call in _tainted(a):
        if seen[inner] > 0:
            seen[inner] -= 1
            continue
        line = step_line(a, call, raw.split("\n")[0])
        yield config_finding(spec, change, ctx, f"`${{{{ {inner} }}}}` is pasted into a script; its text is attacker-controlled",
                             after=line, evidence_after=raw)


CHECKS = (check_checkout, check_secrets, check_injection)


@family("config-workflow-trust", RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.language != LANG:
        return []
    out: list[Finding] = []
    for fn in CHECKS:
        out.extend(fn(change, ctx))
    return out
