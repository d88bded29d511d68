"""checked-call-removed: a checking call whose failure the unit turned into a refusal is gone.

In Go a check is a call that returns an error, and the refusal is the `if err != nil {
return ..., err }` after it: `if err := xrv.Validate(body); err != nil { return nil, err }`.
The guard IR cannot tell one such test from another -- every one reads `err != nil` -- so
deleting the validation leaves a unit whose deny formula still holds an identical atom, and
the removed-guard rules see nothing. What does tell them apart is the error handler the
backend records for each test (`Handler`, with the calls whose error it handles). The same
shape in JavaScript, TypeScript and Java is a `try { verify(...) } catch { deny }`.

Fires when a before handler that refused (raised, returned an error, aborted) handled a call
that looks like a check (verify/validate/check/authenticate..., the check table shared with
swallowed-exception) and the after unit no longer makes that call, neither itself nor through
a same-file helper it calls. Silent when the call stays (its handling is swallowed-exception's
business), when it moved into a helper the unit still calls, or when the unit now refuses on
the error of a different check that it did not call before (a replaced validator).
"""
from __future__ import annotations

from typing import Iterable, Mapping, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Handler, Unit
from semdiff.model import Confidence, Finding, Severity
from semdiff.rules._effective import find_helper, reaches
from semdiff.rules.base import Example, RuleContext, RuleSpec, UnitTable, family, make_finding
from semdiff.rules.swallowed_exception import is_check

RULE_ID = "checked-call-removed"
# the backends that record a refusing error handler per checking call; Python's raising
# validators are the removed-guard and check-call-removed rules' business
LANGS = ("go", "javascript", "typescript", "java")

_BEFORE = ("package auth\n\n"
           "func Parse(raw []byte) (*Doc, error) {\n"
           "\tif err := xmlcheck.Validate(raw); err != nil {\n"
           "\t\treturn nil, err\n"
           "\t}\n"
           "\tdoc := &Doc{}\n"
           "\tif err := xml.Unmarshal(raw, doc); err != nil {\n"
           "\t\treturn nil, err\n"
           "\t}\n"
           "\treturn doc, nil\n"
           "}\n")
_REMOVED = _BEFORE.replace("\tif err := xmlcheck.Validate(raw); err != nil {\n\t\treturn nil, err\n\t}\n", "")

RULES = (
    RuleSpec(
        RULE_ID, "Checking call removed", Severity.HIGH,
        "A call that checks its input (verify/validate/check/authenticate...) and whose failure the unit turned "
        "into a refusal (`if err := Validate(x); err != nil { return err }`, `try { verify(t) } catch { deny }`) "
        "is no longer made, neither by the unit nor by a helper it calls: input that check refused now goes on.",
        (
            Example(_BEFORE, _REMOVED, True),
            Example(_BEFORE, _BEFORE.replace("return nil, err\n\t}\n\tdoc", "return nil, fmt.Errorf(\"invalid: %w\", err)\n\t}\n\tdoc"),
                    False, "still called and refused on"),
            Example(_BEFORE, _BEFORE.replace("xmlcheck.Validate(raw)", "xmlcheck.ValidateStrict(raw)"),
                    False, "a different check now refuses"),
        ),
        languages=LANGS,
    ),
)
EXAMPLE_PATHS = {RULE_ID: "auth/parse.go"}
SPEC = RULES[0]


def _refusing_checks(unit: Unit) -> dict[str, Handler]:
    """Checking callee -> the first refusing handler of its failure."""
    out: dict[str, Handler] = {}
    for h in unit.handlers:
        if not h.action.denies:
            continue
        for callee in h.guarded_calls:
            if is_check(callee):
                out.setdefault(callee, h)
    return out


def _tail(callee: str) -> str:
    return callee.rsplit(".", 1)[-1]


def _helper(unit: Unit, callee: str, units: Mapping[tuple[str, str], object]) -> Optional[Unit]:
    """The analysed unit a call goes to: `find_helper`'s lookup, then -- for a Go method, whose
    receiver has any name (`f.newRequest` is `Fosite.newRequest`) -- the one unit of the same
    file, else of the change, whose name is the callee's last segment."""
    found = find_helper(unit, callee, units)  # type: ignore[arg-type]
    if found is not None:
        return found
    tail = _tail(callee)
    if isinstance(units, UnitTable):
        same_file = [u for u in units.in_file(unit.path) if u.name == tail and u is not unit]
        if len(same_file) == 1:
            return same_file[0]  # type: ignore[return-value]
        if same_file:
            return None
    anywhere = [u for u in units.values() if getattr(u, "name", None) == tail and u is not unit]
    return anywhere[0] if len(anywhere) == 1 else None  # type: ignore[return-value]


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    if before is None or after is None or not before.handlers:
        return []
    was = _refusing_checks(before)
    if not was:
        return []
    before_tails = {_tail(c.callee) for c in before.calls}
    # a refusal on a check the unit did not make before: the validator was replaced
    if any(_tail(c) not in before_tails for c in _refusing_checks(after)):
        return []
    out: list[Finding] = []
    seen: set[str] = set()
    for callee, h in was.items():
        tail = _tail(callee)
        if tail in seen or reaches(after, tail, ctx.after_units, 3, _helper):  # type: ignore[arg-type]
            continue
        seen.add(tail)
        out.append(make_finding(
            SPEC, change, ctx,
            f"{change.qualname} no longer calls `{callee}`, whose failure it refused on (`{h.text.splitlines()[0].strip()}`)",
            before_line=h.span.line, evidence_before=h.text, confidence=Confidence.MEDIUM,
            witness=f"input `{callee}` rejects: refused before, goes on after",
        ))
    return out
