"""regex-anchor-dropped: a fully anchored regex literal (`/^data-[\\w.]+$/`) in
JavaScript/TypeScript or Java lost an anchor, or gained the multiline flag.

A pattern anchored at both ends says what the whole input must look like: the usual shape of
a validator (an attribute name, an id, a host). Dropping its end anchor turns "is" into
"starts with" (`data-x" onload="...` passes `/^data-[\\w]/`), dropping the start anchor turns
it into "ends with", and the `m` flag makes `^`/`$` match at every line break, so a second
line can carry anything. Only the edit is read: the new pattern must be the old one minus the
anchor (and whatever followed the kept part), or the same pattern with `m` added.

Left out: patterns used to rewrite text (`.replace`/`.split`: dropping an anchor there changes
what is stripped, not what is let through) and patterns named as deny-lists (a deny pattern
that matches more refuses more).
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Literal, Unit
from semdiff.model import Finding, Severity
from semdiff.rules._catalog2_ir import name_words, tail
from semdiff.rules._web_protection import bundle_repeats_low
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

RULE_ID = "regex-anchor-dropped"
LANGS = ("javascript", "typescript", "java")

RULES = (
    RuleSpec(
        RULE_ID, "Anchored regex loosened", Severity.MEDIUM,
        "A regex literal anchored at both ends (`^...$`: the whole input must match) lost its end or start "
        "anchor (the new pattern is the old one cut short), or gained the multiline flag `m` (`^`/`$` then match "
        "at any line break): a validator that read 'is' now reads 'starts with', 'ends with' or 'has a line "
        "that is'. Patterns handed to replace/split and patterns named as deny-lists are left out.",
        (Example("const ID = /^[a-z0-9-]+$/;\nfunction ok(s) {\n  return ID.test(s);\n}\n",
                 "const ID = /^[a-z0-9-]+/;\nfunction ok(s) {\n  return ID.test(s);\n}\n", True),
         Example("const ID = /^[a-z0-9-]+/;\nfunction ok(s) {\n  return ID.test(s);\n}\n",
                 "const ID = /^[a-z0-9-]+$/;\nfunction ok(s) {\n  return ID.test(s);\n}\n", False, "anchor added")),
        languages=LANGS, intrinsic="validation",
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "src/example.js"}

# rewriting uses: the anchor decides what is stripped, not what is accepted
_REWRITING = frozenset({"replace", "replaceAll", "split", "replaceFirst"})
_DENY_WORDS = frozenset({"deny", "denied", "denylist", "blocked", "blocklist", "blacklist", "forbidden",
                         "banned", "disallow", "disallowed", "reject", "illegal", "unsafe", "dangerous", "invalid",
                         "bad", "malicious"})
_FLAGS = re.compile(r"/([a-z]*)$")


def _ends_anchored(p: str) -> bool:
    """`p` ends with a `$` that is an anchor (not escaped `\\$`, not inside a class)."""
    if not p.endswith("$"):
        return False
    backslashes = len(p[:-1]) - len(p[:-1].rstrip("\\"))
    return backslashes % 2 == 0 and not _in_class(p, len(p) - 1)


def _in_class(p: str, i: int) -> bool:
    depth, j = False, 0
    while j < i:
        ch = p[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "[" and not depth:
            depth = True
        elif ch == "]" and depth:
            depth = False
        j += 1
    return depth


def _top_level_alternation(p: str) -> bool:
    """A `|` outside groups and classes: `^a|b$` anchors each side only once."""
    level, cls, j = 0, False, 0
    while j < len(p):
        ch = p[j]
        if ch == "\\":
            j += 2
            continue
        if cls:
            cls = ch != "]"
        elif ch == "[":
            cls = True
        elif ch == "(":
            level += 1
        elif ch == ")":
            level -= 1
        elif ch == "|" and level == 0:
            return True
        j += 1
    return False


def _fully_anchored(p: str) -> bool:
    return p.startswith("^") and _ends_anchored(p) and len(p) > 3 and not _top_level_alternation(p)


def _flags(lit: Literal) -> str:
    m = _FLAGS.search(lit.text.strip())
    return m.group(1) if m and lit.text.strip().startswith("/") else ""


def _loosened(b: str, a: str, b_flags: str, a_flags: str) -> Optional[str]:
    """How the anchored pattern `b` became `a`, or None if it did not lose an anchor."""
    if not _fully_anchored(b):
        return None
    if a == b and "m" in a_flags and "m" not in b_flags:
        return "gained the multiline flag `m`: `^` and `$` now match at every line break"
    core = b[:-1]
    if a.startswith("^") and not _ends_anchored(a) and core.startswith(a) and len(a) >= max(4, len(core) // 2):
        return "lost its end anchor `$`: it now accepts any input that merely starts with a match"
    rest = b[1:]
    if not a.startswith("^") and _ends_anchored(a) and rest.endswith(a) and len(a) >= max(4, len(rest) // 2):
        return "lost its start anchor `^`: it now accepts any input that merely ends with a match"
    return None


def _name_of(unit: Unit, lit: Literal) -> str:
    """The name a regex literal is bound to (`const DATA_ATTR = seal(/.../)`), else its call target."""
    for st in unit.settings:
        if st.span.line == lit.span.line:
            return st.key
    return lit.target


def _sites(unit: Unit) -> list[tuple[Literal, str, str]]:
    out = []
    for lit in unit.literals:
        if lit.kind != "regex" or not lit.items or tail(lit.target) in _REWRITING:
            continue
        out.append((lit, lit.items[0], _flags(lit)))
    return out


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    if before is None or after is None or change.language not in LANGS:
        return []
    b_sites, a_sites = _sites(before), _sites(after)
    if not b_sites or not a_sites:
        return []
    kept = {(p, f) for _lit, p, f in b_sites}
    gone = [(lit, p, f) for lit, p, f in b_sites if (p, f) not in {(q, g) for _l, q, g in a_sites}]
    out: list[Finding] = []
    used: set[int] = set()
    for a_lit, a_p, a_f in a_sites:
        if (a_p, a_f) in kept or a_lit.span.line not in change.touched_after:
            continue
        for i, (b_lit, b_p, b_f) in enumerate(gone):
            if i in used:
                continue
            how = _loosened(b_p, a_p, b_f, a_f)
            if how is None:
                continue
            name = _name_of(after, a_lit)
            if set(name_words(name)) & _DENY_WORDS:
                continue
            used.add(i)
            out.append(make_finding(
                SPEC, change, ctx, f"regex {a_lit.text.strip()} (was {b_lit.text.strip()}) {how}",
                before_line=b_lit.span.line, after_line=a_lit.span.line,
                evidence_before=b_lit.text.strip(), evidence_after=a_lit.text.strip(),
            ))
            break
    return bundle_repeats_low(change, ctx, out)
