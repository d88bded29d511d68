"""Python decorators apply bottom-up, and a route-registering decorator (`@app.route(...)`,
`@bp.get(...)`, `@router.post(...)`) registers the function it receives at that moment. An
auth decorator listed *above* the registration wraps the function only after it has been
registered: the framework calls the unwrapped view and the check never runs (Flask's own
documentation: the route decorator must be the outermost). This module finds the auth
decorators a change moved from below every registration of a view to above one of them; the
guards family reports each as a removed check."""
from __future__ import annotations

from typing import Optional

from semdiff.ir import Action, Decorator, Guard, Unit

# last name part of decorators that register the function they receive with a router/app
REGISTRARS = frozenset({
    "route", "get", "post", "put", "patch", "delete", "head", "options", "api_route", "websocket",
    "websocket_route", "add_route", "view", "endpoint",
})


def _registrar(d: Decorator) -> bool:
    receiver, _, last = d.name.rpartition(".")
    return bool(receiver) and last in REGISTRARS and d.text.rstrip().endswith(")")


def _auth_guards(unit: Unit) -> dict[int, Guard]:
    """The unit's auth-decorator guards by line (the backend made them from AUTH_DECORATOR names)."""
    return {g.span.line: g for g in unit.guards if g.kind == "decorator" and g.action is Action.DECORATOR}


def _effective(unit: Unit) -> tuple[set[str], dict[str, tuple[Decorator, Guard]], list[Decorator]]:
    """(auth decorators below every registration, auth decorators above one, the registrations)."""
    regs = [d for d in unit.decorators if _registrar(d)]
    guards = _auth_guards(unit)
    below: set[str] = set()
    above: dict[str, tuple[Decorator, Guard]] = {}
    if not regs:
        return below, above, regs
    top = max(d.span.line for d in regs)  # the lowest registration is the first to run
    for d in unit.decorators:
        g = guards.get(d.span.line)
        if g is None or _registrar(d):
            continue
        if d.span.line > top:
            below.add(d.text)
        else:
            above[d.text] = (d, g)
    return below, above, regs


def moved_above_registration(before: Unit, after: Unit) -> list[tuple[Guard, Decorator, Decorator]]:
    """(before guard, after decorator, the registration now below it) for each auth decorator
    that wrapped the registered view before and is now above a registration of it."""
    if after.language != "python" or not after.decorators or not before.decorators:
        return []
    b_below, _b_above, b_regs = _effective(before)
    if not b_regs or not b_below:
        return []
    _a_below, a_above, a_regs = _effective(after)
    b_guards = {g.text: g for g in _auth_guards(before).values()}
    out: list[tuple[Guard, Decorator, Decorator]] = []
    for text, (d, _g) in a_above.items():
        if text not in b_below:
            continue
        reg = next((r for r in a_regs if r.span.line > d.span.line), None)
        bg: Optional[Guard] = b_guards.get(text)
        if reg is not None and bg is not None:
            out.append((bg, d, reg))
    return out
