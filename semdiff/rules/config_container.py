"""Container images: who the process runs as and what the build pipes into a shell.

Docker runs as root unless a `USER` says otherwise, so deleting the last `USER` line is as
much a widening as writing `USER root`. `curl ... | sh` runs whatever the server returns at
build time, unreviewed.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Iterator

from semdiff.align.units import UnitChange
from semdiff.model import Finding, Severity
from semdiff.rules.base import Example, RuleContext, RuleSpec, family
from semdiff.rules.config_support import config_finding, settings_of, spec_table

RULES = (
    RuleSpec(
        "container-privilege-widened", "Container runs with more privilege or runs downloaded scripts", Severity.HIGH,
        "The final image now runs as root (`USER root`, or the last non-root `USER` removed), a build step "
        "asks for `--privileged`/`--security=insecure`/extra capabilities, or pipes a download into a shell.",
        (
            Example("FROM python:3.12\nUSER app\nCMD [\"app\"]\n", "FROM python:3.12\nUSER root\nCMD [\"app\"]\n", True),
            Example("FROM python:3.12\nCMD [\"app\"]\n", "FROM python:3.12\nUSER app\nCMD [\"app\"]\n", False, "dropped root"),
        ),
        ("dockerfile", "config"),
    ),
)
SPECS = spec_table(RULES)
EXAMPLE_PATHS = {"container-privilege-widened": "Dockerfile"}

ROOT = re.compile(r"^(root|0)(:(root|0))?$")
PIPE_TO_SHELL = re.compile(r"\b(curl|wget)\b[^|;&]*\|\s*(sudo\s+)?(ba|z|da)?sh\b")
PRIVILEGE = re.compile(r"--privileged\b|--security=insecure\b|--cap-add[= ](ALL|SYS_ADMIN|NET_ADMIN|SYS_PTRACE)\b")


def _findings_in(unit, pattern: re.Pattern) -> list[tuple[str, object]]:
    out = []
    for c in unit.calls if unit is not None else ():
        for m in pattern.finditer(c.args[0].value if c.args else ""):
            out.append((" ".join(m.group(0).split()), c))
    return out


def check_container(change: UnitChange, ctx: RuleContext) -> Iterator[Finding]:
    spec = SPECS["container-privilege-widened"]
    b, a = change.before, change.after
    if a is None:
        return
    ua, ub = settings_of(a).get("final.user"), settings_of(b).get("final.user")
    if ua is not None and ROOT.match(ua.value) and (b is None and any(c.callee == "USER" for c in a.calls) or (ub is not None and not ROOT.match(ub.value))):
        how = "USER root" if any(c.callee == "USER" and c.span == ua.span for c in a.calls) else "its non-root USER was removed"
        yield config_finding(spec, change, ctx, f"final image now runs as root ({how})", before=ub if b is not None else None, after=ua)
    for pattern, what in ((PIPE_TO_SHELL, "pipes a download into a shell"), (PRIVILEGE, "asks for elevated privilege")):
        seen = Counter(t for t, _ in _findings_in(b, pattern))
        for text, call in _findings_in(a, pattern):
            if seen[text] > 0:
                seen[text] -= 1
                continue
            yield config_finding(spec, change, ctx, f"{call.callee} step {what}: {text}", after=call.span.line, evidence_after=call.text.strip())


@family("config-container", RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.language != "dockerfile":
        return []
    return list(check_container(change, ctx))
