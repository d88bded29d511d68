"""null-prototype-dropped: a JavaScript/TypeScript lookup object created without a
prototype (`this.variables = Object.create(null)`) is now a plain object literal (`{}`).

An object made by `Object.create(null)` has no inherited keys: `obj['__proto__']`,
`obj.constructor`, `'toString' in obj` mean only what was stored. Written as `{}` it inherits
Object.prototype again, so keys chosen by the input (template variable names, parsed
property paths, header names) reach or read the shared prototype: prototype pollution and
lookups that find inherited members. Replaced by a Map, or the null-prototype object still
made elsewhere in the unit, is not reported.
"""
from __future__ import annotations

import re
from typing import Iterable

from semdiff.align.units import UnitChange
from semdiff.model import Finding, Severity
from semdiff.rules._catalog2_ir import unit_line
from semdiff.rules._web_protection import bundle_repeats_low
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

RULE_ID = "null-prototype-dropped"

RULES = (
    RuleSpec(
        RULE_ID, "Null-prototype object replaced by a plain object", Severity.MEDIUM,
        "A value that was created with Object.create(null) (no inherited keys) is now assigned a plain object "
        "literal `{}` (or `new Object()`): input-chosen keys such as '__proto__' or 'constructor' reach or read "
        "Object.prototype again (prototype pollution, inherited-member lookups). A Map instead is not reported.",
        (Example("class Frame {\n  constructor() {\n    this.vars = Object.create(null);\n  }\n}\n",
                 "class Frame {\n  constructor() {\n    this.vars = {};\n  }\n}\n", True),
         Example("class Frame {\n  constructor() {\n    this.vars = Object.create(null);\n  }\n}\n",
                 "class Frame {\n  constructor() {\n    this.vars = new Map();\n  }\n}\n", False, "a Map has no prototype keys either")),
        languages=("javascript", "typescript"), intrinsic="injection",
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "src/example.js"}

_NULL_PROTO = re.compile(r"(?P<target>[A-Za-z_$][\w$.]*)\s*(?::[^=]+)?=\s*Object\.create\(\s*null\s*\)")
_PLAIN = r"\s*(?::[^=]+)?=\s*(?:\{\s*\}|new\s+Object\(\s*\))"


def _null_proto_calls(unit) -> int:
    return sum(1 for c in unit.calls if c.callee == "Object.create" and len(c.positional) == 1
               and c.positional[0].value == "null")


def _dropped(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    if _null_proto_calls(after) >= _null_proto_calls(before):
        return
    for c in before.calls:
        if c.callee != "Object.create" or c.span.line not in change.touched_before:
            continue
        m = _NULL_PROTO.search(unit_line(before, c.span.line))
        if m is None:
            continue
        target = m.group("target")
        plain = re.compile(r"(?<![\w$.])" + re.escape(target) + _PLAIN)
        where = next((ln for ln in sorted(change.touched_after) if plain.search(unit_line(after, ln))), None)
        if where is None:
            continue
        yield make_finding(
            SPEC, change, ctx,
            f"`{target}` was created with Object.create(null) and is now a plain object: it inherits "
            "Object.prototype again, so input-chosen keys ('__proto__', 'constructor') reach or read the shared prototype",
            before_line=c.span.line, after_line=where,
            evidence_before=unit_line(before, c.span.line).strip(), evidence_after=unit_line(after, where).strip(),
        )


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.before is None or change.after is None or change.language not in ("javascript", "typescript"):
        return []
    return bundle_repeats_low(change, ctx, list(_dropped(change, ctx)))
