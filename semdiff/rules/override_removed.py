"""override-check-removed: a method that added a refusal on top of its base class's is deleted.

`def check_allowed(self, name, model): if not model["email_verified"]: raise HTTPError(403);
return await super().check_allowed(name, model)` in a subclass is how framework plugins
(authenticators, permission classes, form/view mixins) tighten an inherited hook. Deleting
the whole method leaves no guard to compare: the unit is gone, and the guard families only
compare a unit with its new version. Yet every caller now gets the base class's answer
without the subclass's refusal.

Reported when, in Python:

* the deleted unit is a method of a class that still exists after the change;
* it delegated to the same method of its base (`super().<name>(...)` or
  `super(Cls, self).<name>(...)`), so it was an override that tightened, not a replacement;
* it refused on some path (a reachable raise / deny-return / abort that is not its last
  plain exit);
* the refusal's test does not reappear in another unit of the same file after the change
  (a check moved to another hook or a helper is a move, not a removal).
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Action, Guard, Unit
from semdiff.lang.normal import squash
from semdiff.model import Confidence, Finding, Severity
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, units_in_file

RULE_ID = "override-check-removed"

_BEFORE = (
    "class VerifiedEmailAuth(BaseAuth):\n"
    "    def other(self):\n"
    "        return 1\n\n"
    "    def check_allowed(self, username, model):\n"
    "        if not model['info'].get('email_verified'):\n"
    "            raise Forbidden('unverified email')\n"
    "        return super().check_allowed(username, model)\n"
)
_AFTER = (
    "class VerifiedEmailAuth(BaseAuth):\n"
    "    def other(self):\n"
    "        return 1\n"
)
_AFTER_MOVED = (
    "class VerifiedEmailAuth(BaseAuth):\n"
    "    def other(self):\n"
    "        return 1\n\n"
    "    def check_blocked(self, username, model):\n"
    "        if not model['info'].get('email_verified'):\n"
    "            raise Forbidden('unverified email')\n"
    "        return super().check_blocked(username, model)\n"
)

RULES = (
    RuleSpec(
        RULE_ID, "Overriding method with an extra refusal deleted", Severity.MEDIUM,
        "A subclass method that refused some case and then delegated to the same method of its base "
        "(`if not verified: raise Forbidden(); return super().check_allowed(...)`) was deleted while the class "
        "stays: callers now get the base class's answer without that refusal. A refusal whose test reappears "
        "in another unit of the same file (moved to another hook or a helper) is not reported.",
        (Example(_BEFORE, _AFTER, True, "override deleted"),
         Example(_BEFORE, _AFTER_MOVED, False, "refusal moved to another hook")),
        languages=("python",), intrinsic="authz",
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "app/auth.py"}

_DENIES = frozenset({Action.RAISE, Action.DENY_RETURN, Action.ABORT})


def _delegates_to_base(unit: Unit) -> bool:
    name = re.escape(unit.name)
    return re.search(r"\bsuper\s*\([^)]*\)\s*\.\s*" + name + r"\s*\(", unit.text) is not None


def _refusals(unit: Unit) -> list[Guard]:
    return [g for g in unit.guards if g.reachable and g.action in _DENIES and g.kind != "exit"
            and not (g.kind == "call-guard")]


def _test_text(g: Guard) -> str:
    """The refusal's own test (`if <test>: raise ...` -> `<test>`), squashed."""
    text = g.text
    if text.startswith("if ") and ":" in text:
        text = text[3:].split(":", 1)[0]
    return squash(text)


def _still_tested(g: Guard, after_units: Iterable[Unit]) -> bool:
    test = _test_text(g)
    return any(test and test in squash(u.text) for u in after_units)


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before = change.before
    if before is None or change.after is not None or before.kind != "method" or before.language != "python":
        return []
    cls: Optional[str] = before.parent
    if not cls or (before.path, cls) not in ctx.after_units:
        return []  # the whole class went: a different question
    if not _delegates_to_base(before):
        return []
    refusals = _refusals(before)
    if not refusals:
        return []
    after_units = [u for u in units_in_file(ctx.after_units, before.path) if isinstance(u, Unit)]
    gone = [g for g in refusals if not _still_tested(g, after_units)]
    if not gone:
        return []
    g = gone[0]
    more = f" (and {len(gone) - 1} more)" if len(gone) > 1 else ""
    return [make_finding(
        SPEC, change, ctx,
        f"`{before.qualname}` was deleted: it refused `{g.text}`{more} before delegating to the base class's "
        f"`{before.name}`, and `{cls}` now inherits the base's answer without that refusal",
        before_line=g.span.line, evidence_before=g.text, evidence_after="",
        confidence=Confidence.MEDIUM,
    )]
