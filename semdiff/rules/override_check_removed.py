"""override-check-removed: a method that refused before handing on to the inherited one
(`attemptAuthentication(...) { if (!validCrumb) throw ...; return super.attemptAuthentication(...); }`)
was deleted outright, in Java, JavaScript/TypeScript or Python.

Such an override exists to add a check in front of the parent's behaviour. Deleting it does
not fail to compile and leaves no unit behind for the per-unit guard rules to compare: calls
simply reach the parent method, which never made the check. Reported when the class is still
there, no unit of the same name was added anywhere in the change (a move is evasion's
business), the deleted method made a denying check and called `super` (the check may come
after the call: a request hook such as tornado's `prepare` lets the parent set up the user,
then refuses), and no unit of the file still refuses on the same test (moved to another hook
or a helper).
"""
from __future__ import annotations

import re
from typing import Iterable

from semdiff.align.units import UnitChange
from semdiff.ir import Action, Unit
from semdiff.model import Finding, Severity
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

RULE_ID = "override-check-removed"
LANGS = ("java", "javascript", "typescript", "python")

_JAVA_BEFORE = (
    "class LoginFilter extends BaseFilter {\n"
    "    @Override\n"
    "    public Auth attempt(Request request) {\n"
    "        if (!crumbs.validate(request)) {\n"
    "            throw new InsufficientAuthenticationException(\"no valid crumb\");\n"
    "        }\n"
    "        return super.attempt(request);\n"
    "    }\n"
    "\n"
    "    void log() {\n"
    "    }\n"
    "}\n"
)
_JAVA_AFTER = "class LoginFilter extends BaseFilter {\n    void log() {\n    }\n}\n"

RULES = (
    RuleSpec(
        RULE_ID, "Checking override deleted", Severity.HIGH,
        "A method that made a denying check and then called the inherited method of the same name "
        "(`super.m(...)`) was deleted while its class stays: every call now reaches the parent's method, which "
        "never made the check (a CSRF crumb, permission or input check in front of the framework's behaviour).",
        (Example(_JAVA_BEFORE, _JAVA_AFTER, True),
         Example(_JAVA_BEFORE.replace("if (!crumbs.validate(request)) {\n            throw new InsufficientAuthenticationException(\"no valid crumb\");\n        }\n", "log();\n"),
                 _JAVA_AFTER, False, "the override checked nothing")),
        languages=LANGS,
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "src/main/java/LoginFilter.java"}

_DENYING = (Action.RAISE, Action.DENY_RETURN, Action.ABORT)


def _super_call_line(unit: Unit) -> int:
    """Line of the unit's call to the inherited method of its own name, or 0."""
    own = (f"super.{unit.name}", f"super().{unit.name}", f"super(){unit.name}")
    for c in unit.calls:
        if c.callee in own or re.fullmatch(r"super(?:\(.*\))?\." + re.escape(unit.name), c.callee):
            return c.span.line
    return 0


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before = change.before
    if before is None or change.after is not None or before.kind != "method" or before.language not in LANGS:
        return []
    if not before.parent or (before.path, before.parent) not in ctx.after_units:
        return []  # the whole class went: nothing inherits the gap
    if any(getattr(u, "name", None) == before.name and getattr(u, "parent", None) == before.parent
           for u in ctx.after_units.values()):
        return []  # still there (renamed file, moved): not deleted
    at = _super_call_line(before)
    if not at:
        return []
    # a refusal before the super call guards the parent's behaviour; one after it (`super().prepare();
    # if not self.current_user: raise HTTPError(403)`) still refuses the call the parent let through
    refusals = [g for g in before.guards if g.reachable and g.action in _DENYING and g.kind == "branch"]
    if not refusals:
        return []
    from semdiff.ir import atoms_of
    from semdiff.rules.base import units_in_file

    def tests(g) -> frozenset[str]:
        return frozenset(a.text for a in atoms_of(g.condition))

    elsewhere = {tests(h) for u in units_in_file(ctx.after_units, before.path) if isinstance(u, Unit)
                 for h in u.guards if h.action in _DENYING}
    refusals = [g for g in refusals if tests(g) not in elsewhere]
    if not refusals:
        return []  # the refusal moved to another hook or helper of the file
    from semdiff.rules.guards import _relevance

    g = refusals[0]
    rel = _relevance(change, ctx, refusals)
    return [make_finding(
        SPEC, change, ctx,
        f"`{before.qualname}` was deleted: it refused (`{g.text}`) {'before' if g.span.line < at else 'after'} calling `super.{before.name}`; "
        f"calls now reach the inherited method, which does not make that check",
        before_line=g.span.line, evidence_before=g.text, relevance=rel,
    )]
