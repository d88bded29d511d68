"""sanitizer-flag-dropped: an escaping or sanitising call still made on the same value lost a
literal `true` it was given positionally (`sanitizeShellString(iface, true)` ->
`sanitizeShellString(iface)`), or that `true` became `false`.

A positional `true` handed to a sanitiser selects a mode of it (strict, also quote, the full
character set); without it the parameter falls back to its default, and a sanitiser's
default is usually its lax mode (the strict one being opt-in is why the caller passed it).
The escaper itself is still called, on the same first argument, so escaping-removed has
nothing to say. When the sanitiser's definition is in the change and that parameter
defaults to a true value (or it is a library escaper whose flag defaults on, `html.escape`'s
quote), the argument was redundant and nothing is reported; when it defaults to a false value
or has no default the finding is certain; when the definition is not in the change, the
finding asks to check what the default selects (medium confidence).
"""
from __future__ import annotations

from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Call, Unit
from semdiff.model import Confidence, Finding, Severity
from semdiff.rules._catalog2_ir import tail, unit_line
from semdiff.rules._triggers import Trigger
from semdiff.rules._web_protection import WEB_AND_PYTHON, bundle_repeats_low
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding
from semdiff.rules.escaping_removed import is_escaper

RULE_ID = "sanitizer-flag-dropped"
_FLAG_EX_BEFORE = (
    "function sanitize(s, strict = false) {\n  return strict ? s.replace(/[^\\w.-]/g, '') : s.replace(/[;&|`$]/g, '');\n}\n"
    "function scan(iface) {\n  const name = sanitize(iface, true);\n  return exec('iw ' + name + ' scan');\n}\n"
)
_FLAG_EX_AFTER = _FLAG_EX_BEFORE.replace("sanitize(iface, true)", "sanitize(iface)")
_FLAG_EX_DEFAULT_ON = _FLAG_EX_BEFORE.replace("strict = false", "strict = true")
RULES = (
    RuleSpec(
        RULE_ID, "Sanitiser's strict mode dropped", Severity.MEDIUM,
        "A call of an escaping/sanitising function still made on the same value lost a literal `true` argument "
        "(or it became `false`), so the parameter it set falls back to its default: "
        "`sanitizeShellString(iface, true)` -> `sanitizeShellString(iface)` where `strict` defaults to false. "
        "Silent when the function's definition is in the change and that parameter defaults to true.",
        (
            Example(_FLAG_EX_BEFORE, _FLAG_EX_AFTER, True),
            Example(_FLAG_EX_DEFAULT_ON, _FLAG_EX_DEFAULT_ON.replace("sanitize(iface, true)", "sanitize(iface)"), False,
                    "the parameter defaults to true: the argument was redundant"),
            Example(_FLAG_EX_AFTER, _FLAG_EX_BEFORE, False, "strict mode turned on"),
        ),
        languages=WEB_AND_PYTHON, intrinsic="injection",
    ),
)
SPEC = RULES[0]
# path the table examples are read as (`Example` has no path field)
EXAMPLE_PATHS = {RULE_ID: "src/example.js"}
# the old call passed a literal `true` (`True` in Python)
TRIGGER = Trigger(iwords=("true",))


# library escapers whose positional flag defaults to on (callee, argument index): dropping a
# `True` there changes nothing (`html.escape(s, True)` -> `html.escape(s)`, quote=True)
_LIBRARY_FLAGS_ON = frozenset({("html.escape", 1), ("markupsafe.escape", 1), ("xml.sax.saxutils.quoteattr", 1)})


def _param_default(change: UnitChange, ctx: RuleContext, call: Call, index: int) -> tuple[Optional[Unit], Optional[object]]:
    """(the called function's definition when the change holds it, the literal default of its
    parameter at `index`: None when it has none or it is not a literal)."""
    from semdiff.rules._effective import find_helper  # late: _effective imports the rule helpers

    if (call.callee, index) in _LIBRARY_FLAGS_ON:
        return None, True
    for unit, units in ((change.before, ctx.before_units), (change.after, ctx.after_units)):
        if unit is None:
            continue
        helper = find_helper(unit, call.callee, units)  # type: ignore[arg-type]
        if helper is None or helper.kind not in ("function", "method"):
            continue
        params = helper.params[1:] if helper.params[:1] in (("self",), ("cls",)) and "." in call.callee else helper.params
        if index >= len(params):
            return helper, None
        name = params[index].lstrip("*").split("=", 1)[0].strip()
        default = next((st for st in helper.settings if st.scope == "default" and st.key == name), None)
        return helper, (default.literal if default is not None else None)
    return None, None


def _flags_dropped(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    lang = change.language
    touched_b, touched_a = set(change.touched_before), set(change.touched_after)
    after_calls: dict[tuple[str, str], list[Call]] = {}
    for c in after.calls:
        if c.positional and is_escaper(c.callee, lang):
            after_calls.setdefault((tail(c.callee), c.positional[0].value), []).append(c)
    reported: set[tuple[str, str, int]] = set()
    for b in before.calls:
        pos = b.positional
        if len(pos) < 2 or b.span.line not in touched_b or not is_escaper(b.callee, lang):
            continue
        key = (tail(b.callee), pos[0].value)
        same = after_calls.get(key)
        if not same:
            continue  # the call is gone (escaping-removed's question) or escapes another value now
        for i in range(1, len(pos)):
            if pos[i].literal is not True or (*key, i) in reported:
                continue
            if any(len(a.positional) > i and a.positional[i].literal is True for a in same):
                continue  # still made with the flag somewhere in the unit
            lost = [a for a in same if a.span.line in touched_a and (len(a.positional) <= i or a.positional[i].literal is False)]
            if not lost:
                continue
            a = lost[0]
            helper, default = _param_default(change, ctx, b, i)
            if default not in (None, False, 0, "", "false", "False"):
                continue  # the parameter defaults to a true value: the argument was redundant
            reported.add((*key, i))
            turned = "is now `false`" if len(a.positional) > i else "is gone"
            if helper is None:
                tail_msg = (f"so that parameter now takes its default; `{tail(b.callee)}` is not defined in the change: "
                            "check what its default selects")
                confidence = Confidence.MEDIUM
            else:
                shown = "no default (undefined)" if default is None else f"default `{default}`"
                tail_msg = f"so that parameter now takes its {shown} in `{helper.qualname}`: the sanitiser runs in its laxer mode"
                confidence = Confidence.HIGH
            yield make_finding(
                SPEC, change, ctx,
                f"`{b.text.strip()}` became `{a.text.strip()}`: the literal `true` passed as argument {i + 1} {turned}, {tail_msg}.",
                before_line=b.span.line, after_line=a.span.line,
                evidence_before=unit_line(before, b.span.line).strip(), evidence_after=unit_line(after, a.span.line).strip(),
                confidence=confidence,
            )


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.before is None or change.after is None or not change.touched_before:
        return []
    found = list(_flags_dropped(change, ctx))
    if change.language == "python" or not found:
        return found
    return bundle_repeats_low(change, ctx, found)
