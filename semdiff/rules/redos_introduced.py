"""redos-introduced: a regex literal edited into a catastrophic-backtracking form in
JavaScript/TypeScript or Java (nested unbounded quantifiers, or an unanchored leading `x+`
before a suffix that can fail: quadratic on every search).

Only the edit is reported: the old pattern lacked the reason the new one has
(semdiff/rules/_regex_risk.py, shared with limit-relaxed). Go is left out on purpose: its
`regexp` package (RE2) matches in linear time, so no Go pattern backtracks.
"""
from __future__ import annotations

from typing import Iterable

from semdiff.align.units import UnitChange
from semdiff.model import Finding, Severity
from semdiff.rules._catalog2_ir import pair_regex_sites
from semdiff.rules._regex_risk import backtracking_reasons
from semdiff.rules._web_protection import bundle_repeats_low
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

RULE_ID = "redos-introduced"
BACKTRACKING_LANGS = ("javascript", "typescript", "java")  # Go's RE2 never backtracks

RULES = (
    RuleSpec(
        RULE_ID, "Regex made catastrophic (ReDoS)", Severity.MEDIUM,
        "A regex literal was edited into a backtracking-prone form: a nested unbounded quantifier (`(a+)+`, "
        "`(.+\\.)*`) or an unanchored leading unbounded repeat followed by a suffix that can fail (`/\\/+$/`, "
        "`/\\s+$/`), which is quadratic on every failed search, or a chain of three or more unbounded repeats with "
        "overlapping characters before a part that can fail (`^\\s*(.*?)\\s*$`-like, O(n^k)); the reasons are shared "
        "with limit-relaxed (semdiff/rules/_regex_risk.py). Not Go: RE2 does not backtrack.",
        (Example("function trim(s) {\n  return s.replace(/\\/?\\/$/, '');\n}\n", "function trim(s) {\n  return s.replace(/\\/+$/, '');\n}\n", True),
         Example("function trim(s) {\n  return s.replace(/\\/+$/, '');\n}\n", "function trim(s) {\n  return s.replace(/\\/?\\/$/, '');\n}\n", False, "fixed")),
        languages=BACKTRACKING_LANGS, intrinsic="dos",
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "src/example.js"}


def _redos(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    for b, a in pair_regex_sites(change.before, change.after):
        reasons = backtracking_reasons(b.pattern, a.pattern, quadratic_prefix=True)
        if reasons:
            yield make_finding(
                SPEC, change, ctx, f"regex /{a.pattern}/ (was /{b.pattern}/): " + "; ".join(reasons),
                before_line=b.line, after_line=a.line, evidence_before=b.pattern, evidence_after=a.pattern,
            )


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.before is None or change.after is None:
        return []
    return bundle_repeats_low(change, ctx, list(_redos(change, ctx)))
