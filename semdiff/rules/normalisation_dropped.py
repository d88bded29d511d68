"""normalisation-dropped: a value a function checks is no longer normalised before the check.

Checks compare a canonical form. A path is cleaned before it is matched against access rules
(`u.Path = path.Clean(u.Path)` before `IsMatching(rule, u.Path)`: `/admin/../public` and
`//admin` are not `/admin` to a string match), an e-mail address is NFKC-normalised before its
single `@` is counted (`email.normalize("NFKC")`: a fullwidth `＠` passes the count and becomes a
real `@` in a later parser). When the normalising call goes and the function still refuses
input and still uses the value, every refusal now reads the raw form, and the forms the
normaliser folded together are told apart by the attacker.

Read from the IR of JavaScript/TypeScript, Go and Java units: a call of a normaliser (table
below) present before and gone after -- no call of the same normaliser on the same value is
left, reformatted or moved -- while the after unit still names the value and still has a
check that refuses (a denying guard or a boolean verdict). A function without checks (a
display helper that stops normalising) and a value no longer used are silent; so is a
normaliser swapped for another normaliser of the table on the same value. Go's `path.Clean`
counts here whatever its argument (path-confinement-removed reads only a root-anchored Clean
for file joins: there an unanchored Clean keeps a leading `..`, but before a match it still
folds `//`, `/./` and inner `..`).
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Action, Call, Unit
from semdiff.model import Finding, Severity
from semdiff.rules._catalog2_ir import unit_line
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

RULE_ID = "normalisation-dropped"
LANGS = ("javascript", "typescript", "go", "java")

# (callee pattern, where the normalised value is: "arg" = first positional argument, "receiver")
NORMALISERS: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"^(?:path|filepath|posixpath|path\.posix|path\.win32|FilenameUtils)\.(?:Clean|normalize|normalizeNoEndSeparator)$"), "arg"),
    (re.compile(r"^(?:java\.text\.)?Normalizer\.normalize$"), "arg"),
    # `s.normalize("NFKC")`, `p.normalize()` (java.nio Path, java.net URI), `f.getCanonicalPath()`, `p.toRealPath()`
    (re.compile(r"^(?P<recv>.+)\.(?:normalize|getCanonicalPath|getCanonicalFile|toRealPath)$"), "receiver"),
)
_STATIC = re.compile(r"^(?:path|filepath|posixpath|path\.posix|path\.win32|FilenameUtils|Normalizer|Paths|Path|String)$")

_BEFORE = ("function normalizeEmail(email) {\n  const value = email.normalize('NFKC').trim()\n"
           "  if (value.split('@').length !== 2) {\n    throw new Error('invalid email')\n  }\n  return value\n}\n")
_AFTER = _BEFORE.replace("email.normalize('NFKC').trim()", "email.trim()")
_DISPLAY = "function label(name) {\n  return name.normalize('NFC').trim()\n}\n"

RULES = (
    RuleSpec(
        RULE_ID, "Value no longer normalised before it is checked", Severity.MEDIUM,
        "A normalising call (Go path.Clean/filepath.Clean, Node path.normalize, String.prototype.normalize('NFKC'), "
        "Java Normalizer.normalize / Path.normalize / getCanonicalPath) on a value the function goes on checking "
        "was removed: its checks now read the raw form, so `//admin`, `/a/../admin` or a fullwidth `＠` pass a "
        "test the normalised form failed.",
        (Example(_BEFORE, _AFTER, True), Example(_AFTER, _BEFORE, False, "normalisation added"),
         Example(_DISPLAY, _DISPLAY.replace(".normalize('NFC')", ""), False, "no check in the function")),
        languages=LANGS, intrinsic="validation",
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "lib/email.js"}


def _normalised_value(call: Call) -> Optional[tuple[str, str]]:
    """(normaliser kind, the text of the value it normalises) or None."""
    for pattern, where in NORMALISERS:
        m = pattern.match(call.callee)
        if m is None:
            continue
        if where == "arg":
            if not call.positional or call.positional[0].literal is not None:
                return None
            return call.callee.rsplit(".", 1)[-1], _squash(call.positional[0].text or call.positional[0].value)
        recv = m.group("recv")
        if _STATIC.match(recv):  # `Paths.normalize`, `String.normalize`: a static call, its argument is the value
            if not call.positional:
                return None
            return call.callee.rsplit(".", 1)[-1], _squash(call.positional[0].text or call.positional[0].value)
        return call.callee.rsplit(".", 1)[-1], _squash(recv)
    return None


def _squash(text: str) -> str:
    return "".join(text.split())


def _names(unit: Unit, value: str) -> Optional[int]:
    """First line of `unit`'s body (its signature line left out) that mentions `value` as a
    whole expression, or None."""
    pattern = re.compile(r"(?<![\w$.])" + re.escape(value) + r"(?![\w$])")
    for ln in range(unit.span.line + 1, unit.span.end_line + 1):
        if pattern.search(_squash(unit_line(unit, ln))):
            return ln
    return None


def _refuses(unit: Unit) -> bool:
    return any(g.reachable and g.action.denies and g.kind != "exit" for g in unit.guards) or any(
        g.action is Action.PREDICATE for g in unit.guards)


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    if before is None or after is None or change.language not in LANGS or not change.touched_before:
        return []
    lost: list[tuple[Call, str, str]] = []
    kept = {v for c in after.calls if (v := _normalised_value(c)) is not None}
    kept_values = {value for _, value in kept}
    for c in before.calls:
        found = _normalised_value(c)
        if found is None or c.span.line not in change.touched_before:
            continue
        kind, value = found
        if not value or value in kept_values:
            continue  # still normalised (moved, reformatted, or by another normaliser of the table)
        lost.append((c, kind, value))
    if not lost or not _refuses(after):
        return []
    out: list[Finding] = []
    for c, kind, value in lost:
        used = _names(after, value)
        if used is None:
            continue  # the value itself is gone from the function
        out.append(make_finding(
            SPEC, change, ctx,
            f"`{c.text.strip()}` was removed, but `{value}` is still used (line {used}) and the function still "
            "refuses input: its checks now see the value as sent, not its normalised form",
            before_line=c.span.line, after_line=used, evidence_before=c.text.strip(), evidence_after=unit_line(after, used).strip(),
        ))
        break  # one finding per function: the first normaliser lost
    return out
