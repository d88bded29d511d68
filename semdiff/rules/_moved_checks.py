"""Was a removed check moved into code the function now calls?

"Route every operation through one shared core so each token is validated once" deletes the
same checks from a dozen entry points and writes them once in a new module that each entry
point calls. Per unit, every deleted check reads as removed. Here a removed check counts as
moved when a unit the function reaches through its calls (a few hops, any file of the
change) makes a denying check with the same test: the same normalised text, or the same
canonical atoms. That only says the check still runs somewhere on the way, not on every path,
so callers report it at low severity with the place it moved to, never silently.
"""
from __future__ import annotations

import re
from typing import Mapping, Optional

from semdiff.ir import Action, Guard, Unit, atoms_of

MAX_HOPS = 3
_DENYING = {Action.RAISE, Action.DENY_RETURN, Action.ABORT, Action.ASSERT, Action.PREDICATE}
_SPACE = re.compile(r"\s+")


def _text(g: Guard) -> str:
    return _SPACE.sub(" ", g.text).strip()


def _atoms(g: Guard) -> frozenset[str]:
    return frozenset(a.key for a in atoms_of(g.condition))


def _by_name(units: Mapping[tuple[str, str], object]) -> dict[str, list[Unit]]:
    cache = getattr(units, "__dict__", None)
    if cache is not None and "_h6_by_name" in cache:
        return cache["_h6_by_name"]
    index: dict[str, list[Unit]] = {}
    for u in units.values():
        if isinstance(u, Unit) and u.kind in ("function", "method", "lambda"):
            index.setdefault(u.name, []).append(u)
    if cache is not None:
        cache["_h6_by_name"] = index
    return index


def moved_into_callee(g: Guard, after: Unit, after_units: Mapping[tuple[str, str], object]) -> Optional[Unit]:
    """A unit reached from `after` by calls that denies on the same test as `g`, or None."""
    if g.action not in _DENYING or g.kind in ("decorator", "exit"):
        return None
    text, atoms = _text(g), _atoms(g)
    by_name = _by_name(after_units)
    seen = {id(after)}
    frontier = [after]
    for _hop in range(MAX_HOPS):
        nxt: list[Unit] = []
        for u in frontier:
            for c in u.calls:
                for v in by_name.get(c.callee.rsplit(".", 1)[-1], ()):
                    if id(v) in seen:
                        continue
                    seen.add(id(v))
                    nxt.append(v)
                    for h in v.guards:
                        if h.action in _DENYING and h.reachable and (_text(h) == text or (atoms and _atoms(h) == atoms)):
                            return v
        frontier = nxt
    return None
