"""prototype-key-check-removed: a JavaScript/TypeScript check that keeps `__proto__`,
`constructor` or `prototype` keys out of an object (`if (key === '__proto__') continue`) is
gone from the unit and checked less often in the whole change: attacker-chosen keys reach
Object.prototype. A check moved into a helper elsewhere in the change is not a removal.
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping

from semdiff.align.units import UnitChange
from semdiff.ir import Unit
from semdiff.model import Finding, Severity
from semdiff.rules._catalog2_ir import new_items
from semdiff.rules._web_protection import bundle_repeats_low
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

RULE_ID = "prototype-key-check-removed"

# prototype-pollution keys: a comparison against one of these is a pollution guard
POLLUTION_KEYS = ("__proto__", "constructor", "prototype")

RULES = (
    RuleSpec(
        RULE_ID, "Prototype-pollution key check removed", Severity.HIGH,
        "A check comparing a property key with '__proto__', 'constructor' or 'prototype' is gone from the file "
        "(and from every other unit of the change): attacker-chosen keys can reach Object.prototype.",
        (Example("function set(obj, key, v) {\n  if (key === '__proto__') return;\n  obj[key] = v;\n}\n",
                 "function set(obj, key, v) {\n  obj[key] = v;\n}\n", True),
         Example("function set(obj, key, v) {\n  if (key === '__proto__') return;\n  obj[key] = v;\n}\n",
                 "function set(obj, key, v) {\n  if (['__proto__', 'constructor'].includes(key)) return;\n  obj[key] = v;\n}\n",
                 False, "check rewritten, still there")),
        languages=("javascript", "typescript"), intrinsic="injection",
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "src/example.js"}


_POLLUTION = re.compile(r"""^["'`](%s)["'`]$""" % "|".join(re.escape(k) for k in POLLUTION_KEYS))


def _pollution_keys(unit: Unit) -> list[tuple[str, int, str]]:
    """(key, line, text) of every comparison with, or list item of, a pollution key."""
    out = []
    for c in unit.comparisons:
        for side in (c.left_text, c.right_text):
            m = _POLLUTION.match(side.strip())
            if m:
                out.append((m.group(1), c.span.line, f"{c.left_text} {c.source_op} {c.right_text}"))
    for lit in unit.literals:
        for item in lit.items:
            if item.strip("\"'`") in POLLUTION_KEYS and lit.kind in ("list", "set", "tuple"):
                out.append((item.strip("\"'`"), lit.span.line, lit.text))
    return out


def _file_keys(units: Mapping[tuple[str, str], object]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for u in units.values():
        if isinstance(u, Unit) and u.language in ("javascript", "typescript"):
            for k, _, _ in _pollution_keys(u):
                counts[k] = counts.get(k, 0) + 1
    return counts


def _prototype(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    b_keys, a_keys = _pollution_keys(before), _pollution_keys(after)
    lost = new_items([k for k, _, _ in a_keys], b_keys, key=lambda x: x[0])
    if not lost:
        return
    # the check may have moved into a helper: only report keys checked less often in the whole change
    b_all, a_all = _file_keys(ctx.before_units), _file_keys(ctx.after_units)
    for key, line, text in lost:
        if a_all.get(key, 0) >= b_all.get(key, 0) and b_all:
            continue
        yield make_finding(
            SPEC, change, ctx,
            f"the check `{text}` is gone: a '{key}' key now reaches the object unchecked (prototype pollution)",
            before_line=line, evidence_before=text,
        )
        return


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.before is None or change.after is None:
        return []
    return bundle_repeats_low(change, ctx, list(_prototype(change, ctx)))
