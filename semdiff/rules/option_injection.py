"""option-injection-check-removed: a value that still becomes an argument of an external
command is no longer refused when it starts with `-`.

`git checkout <ref>`, `ssh <host>`, `curl <url>`: a value beginning with a dash is read by the
program as an option (`--upload-pack=...`, `-oProxyCommand=...`), which runs attacker-chosen
commands. The protection is a refusing check on the leading dash
(`strings.HasPrefix(ref, "-")`, `host.startsWith("-")`, `ref[0] == '-'`); when it is gone from
the unit while the same value is still handed to a process-spawning call, the injection is
open again. A check moved to another unit of the same file (a helper) is not a removal.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Unit
from semdiff.model import Finding, Severity
from semdiff.rules._catalog2_ir import tail
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, units_in_file

RULE_ID = "option-injection-check-removed"

# prefix tests, by callee tail; the value is the receiver (methods) or the first argument (functions)
PREFIX_TESTS = frozenset({"HasPrefix", "startsWith", "startswith", "hasPrefix", "StartsWith"})
DASHES = frozenset({"-", "--"})
# process-spawning calls, by callee tail (Go, Java, Python, JavaScript/TypeScript)
SPAWNERS = frozenset({
    "Command", "CommandContext", "ProcessBuilder", "exec", "execFile", "execFileSync", "spawn", "spawnSync",
    "run", "call", "check_call", "check_output", "Popen", "execa", "execaSync", "StartProcess", "ForkExec",
})
# `ref[0] == '-'`, `host.charAt(0) == '-'`
_FIRST_CHAR = re.compile(r"^\s*([A-Za-z_$][\w.$]*)\s*(?:\[\s*0\s*\]|\.charAt\(\s*0\s*\))\s*$")
_DASH_LITERAL = re.compile(r"""^\s*(['"`])-{1,2}\1\s*$""")

_GO_BEFORE = ('package getter\n\nfunc checkout(ctx context.Context, dir, ref string) error {\n'
              '\tif strings.HasPrefix(ref, "-") {\n\t\treturn fmt.Errorf("invalid ref %q", ref)\n\t}\n'
              '\tcmd := exec.CommandContext(ctx, "git", "checkout", ref)\n\tcmd.Dir = dir\n\treturn cmd.Run()\n}\n')
RULES = (
    RuleSpec(
        RULE_ID, "Option-injection check removed", Severity.HIGH,
        "A refusing check that a value does not start with '-' is gone while the value is still an argument of "
        "a process-spawning call (exec.Command, ProcessBuilder, Runtime.exec, subprocess, child_process): the "
        "value can be read as a command-line option.",
        (
            Example(_GO_BEFORE, _GO_BEFORE.replace('\tif strings.HasPrefix(ref, "-") {\n\t\treturn fmt.Errorf("invalid ref %q", ref)\n\t}\n', ""),
                    True, "leading-dash check removed"),
            Example(_GO_BEFORE, _GO_BEFORE.replace('return fmt.Errorf("invalid ref %q", ref)', 'return errInvalidRef'),
                    False, "check reworded"),
            Example(_GO_BEFORE, _GO_BEFORE.replace('\tif strings.HasPrefix(ref, "-") {\n\t\treturn fmt.Errorf("invalid ref %q", ref)\n\t}\n', "")
                    .replace("cmd := exec.CommandContext(ctx, \"git\", \"checkout\", ref)", "cmd := exec.CommandContext(ctx, \"git\", \"checkout\", \"main\")"),
                    False, "the value no longer reaches the command"),
        ),
        languages=("go", "java", "javascript", "python", "typescript"), intrinsic="injection",
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "get_git.go"}


def _dash_checked(unit: Unit) -> dict[str, tuple[int, str]]:
    """Values the unit tests for a leading dash: value -> (line, test text)."""
    out: dict[str, tuple[int, str]] = {}
    for c in unit.calls:
        if tail(c.callee) not in PREFIX_TESTS:
            continue
        lits = [a.literal for a in c.positional]
        if "." in c.callee and len(lits) == 1 and lits[0] in DASHES:
            value = c.callee.rsplit(".", 1)[0]
        elif len(lits) == 2 and lits[1] in DASHES and lits[0] is None:
            value = c.positional[0].value
        else:
            continue
        out.setdefault(value, (c.span.line, c.text))
    for cmp in unit.comparisons:
        if cmp.source_op not in ("==", "===", "!=", "!=="):
            continue
        for subject, other in ((cmp.left_text, cmp.right_text), (cmp.right_text, cmp.left_text)):
            m = _FIRST_CHAR.match(subject)
            if m and _DASH_LITERAL.match(other):
                out.setdefault(m.group(1), (cmp.span.line, f"{cmp.left_text} {cmp.source_op} {cmp.right_text}"))
    return out


def _refusing(unit: Unit, line: int) -> Optional[str]:
    """The first line of a denying guard of `unit` whose test is on `line` (a test that only
    logs is no protection to lose)."""
    for g in unit.guards:
        if g.span.line == line and g.action.denies and g.text.strip():
            return g.text.strip().splitlines()[0]
    return None


def _spawn_with(unit: Unit, value: str) -> Optional[tuple[int, str]]:
    """The first process-spawning call that takes `value` as an argument, unless an
    end-of-options `--` comes before it there (then it cannot be read as an option)."""
    word = re.compile(r"(?<![\w$.])" + re.escape(value) + r"(?![\w$])")
    for c in unit.calls:
        if tail(c.callee) not in SPAWNERS:
            continue
        at = next((i for i, a in enumerate(c.args) if word.search(a.value)), None)
        if at is None or any(a.literal == "--" for a in c.args[:at]):
            continue
        return c.span.line, c.text
    return None


def _checked_elsewhere(ctx: RuleContext, unit: Unit) -> bool:
    """Another unit of the after file tests some value for a leading dash that its before
    version did not: the check moved into a helper."""
    before = {u.qualname: u for u in units_in_file(ctx.before_units, unit.path) if isinstance(u, Unit)}
    for u in units_in_file(ctx.after_units, unit.path):
        if not isinstance(u, Unit) or u.qualname == unit.qualname:
            continue
        now = _dash_checked(u)
        if now and len(now) > len(_dash_checked(before[u.qualname]) if u.qualname in before else {}):
            return True
    return False


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    if before is None or after is None:
        return []
    lost = {v: site for v, site in _dash_checked(before).items() if v not in _dash_checked(after)}
    out: list[Finding] = []
    for value, (line, test) in lost.items():
        guard = _refusing(before, line)
        spawn = _spawn_with(after, value) if guard else None
        if spawn is None or _checked_elsewhere(ctx, after):
            continue
        out.append(make_finding(
            SPEC, change, ctx,
            f"`{value}` is no longer refused when it starts with '-' (`{test}` removed) but still reaches "
            f"`{spawn[1]}`: a value like `--upload-pack=...` is read as an option",
            before_line=line, after_line=spawn[0], evidence_before=guard, evidence_after=spawn[1],
            witness=f"{value} = \"--option=...\"",
        ))
    return out
