"""limit-disabled: a size/length/depth limit constant or default of Go, Java or
JavaScript/TypeScript code went from a positive bound to "no limit".

`DEFAULT_MAX_ENTITY_SIZE = 2097152` -> `-1`, `maxBodyLength = 1 << 20` -> `Infinity`: request
bodies, uploads, header counts or nesting are unbounded from then on (denial of service).
Python's limits are limit-relaxed's; this family reads the same shape in the other languages.

A limit is a name with a limit word (max, maximum, limit) and a size word (size, length,
body, entity, depth, ...); "no limit" is a negative sentinel (-1 means unlimited almost
everywhere) or the largest integer. 0 is left out: it is "unlimited" for some options and
"nothing allowed" for others. A raised but still finite bound is not reported here.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Setting, Unit
from semdiff.model import Finding, Severity
from semdiff.rules._catalog2_ir import name_words, pair_by_key
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

RULE_ID = "limit-disabled"

LIMIT_WORDS = frozenset({"max", "maximum", "limit"})
SIZE_WORDS = frozenset({
    "size", "length", "len", "bytes", "entity", "body", "upload", "depth", "nesting", "parameters", "params",
    "headers", "fields", "parts", "memory", "payload", "content",
})
# the largest integers of each language: a bound that bounds nothing
UNBOUNDED = frozenset({
    "Long.MAX_VALUE", "Integer.MAX_VALUE", "math.MaxInt64", "math.MaxInt", "math.MaxInt32", "math.MaxUint32",
    "math.MaxUint64", "Number.MAX_SAFE_INTEGER", "Number.MAX_VALUE", "Number.POSITIVE_INFINITY", "Infinity",
})
SCOPES = ("assignment", "field", "default")
_FACTOR = re.compile(r"^\(?\s*(-?)\s*(0[xX][0-9a-fA-F_]+|\d[\d_]*)[lLuUnN]*\s*\)?$")
_SHIFT = re.compile(r"^\(?\s*(\d+)\s*<<\s*(\d+)\s*\)?$")
INF = float("inf")

_JAVA_BEFORE = "class Options {\n    public static final long DEFAULT_MAX_ENTITY_SIZE = 2 * 1024 * 1024;\n}\n"
RULES = (
    RuleSpec(
        RULE_ID, "Size limit disabled", Severity.MEDIUM,
        "A size/length/depth limit constant or default (a name with max/limit and size/length/body/entity/depth/...) "
        "went from a positive bound to unlimited: a negative sentinel such as -1, or the largest integer "
        "(Long.MAX_VALUE, math.MaxInt64, Infinity). Request bodies, uploads or nesting are unbounded from then on.",
        (
            Example(_JAVA_BEFORE, _JAVA_BEFORE.replace("2 * 1024 * 1024", "-1"), True, "limit disabled"),
            Example(_JAVA_BEFORE, _JAVA_BEFORE.replace("2 * 1024 * 1024", "Long.MAX_VALUE"), True, "largest integer"),
            Example(_JAVA_BEFORE, _JAVA_BEFORE.replace("2 * 1024 * 1024", "8 * 1024 * 1024"), False,
                    "raised, still bounded"),
            Example(_JAVA_BEFORE.replace("DEFAULT_MAX_ENTITY_SIZE", "DEFAULT_MAX_RETRY_DELAY"),
                    _JAVA_BEFORE.replace("DEFAULT_MAX_ENTITY_SIZE", "DEFAULT_MAX_RETRY_DELAY").replace("2 * 1024 * 1024", "-1"),
                    False, "not a size limit"),
        ),
        languages=("go", "java", "javascript", "typescript"), intrinsic="dos",
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "src/main/java/org/example/Options.java"}


def bound_of(value: str) -> Optional[float]:
    """A literal bound: `2097152`, `2 * 1024 * 1024`, `1 << 20`, `0x4000L`, `-1`; the largest
    integer constants are infinite; anything naming a variable is unknown (None)."""
    text = value.strip().rstrip(";").strip()
    if text in UNBOUNDED:
        return INF
    if len(text) > 80:
        return None
    m = _SHIFT.match(text)
    if m:
        return float(int(m.group(1)) << min(int(m.group(2)), 62))
    total = 1.0
    for factor in text.split("*"):
        f = _FACTOR.match(factor.strip())
        if f is None:
            return None
        digits = f.group(2).replace("_", "")
        n = int(digits, 16) if digits[:2].lower() == "0x" else int(digits)
        total *= -n if f.group(1) else n
    return total


def _is_limit(name: str) -> bool:
    ws = name_words(name)
    return bool(ws & LIMIT_WORDS and ws & SIZE_WORDS)


def _limits(unit: Optional[Unit]) -> list[Setting]:
    if unit is None:
        return []
    return [s for s in unit.settings if s.scope in SCOPES and _is_limit(s.key) and bound_of(s.value) is not None]


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.before is None or change.after is None:
        return []
    out: list[Finding] = []
    for b, a in pair_by_key(_limits(change.before), _limits(change.after), key=lambda s: (s.key, s.scope),
                            text=lambda s: s.text):
        if a is None or b is None:
            continue
        was, now = bound_of(b.value), bound_of(a.value)
        if was is None or now is None or not (0 < was < INF) or not (now < 0 or now == INF):
            continue
        out.append(make_finding(
            SPEC, change, ctx,
            f"limit {a.key} no longer bounds anything: {b.value} -> {a.value}",
            before_line=b.span.line, after_line=a.span.line, evidence_before=b.text, evidence_after=a.text,
            witness=f"{a.key} = {a.value}",
        ))
    return out
