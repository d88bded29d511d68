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
MAX_AMBIGUOUS = 16  # units one bare callee name may stand for before it is not followed
MAX_REACH = 500  # units searched from one function; a shared core is a few hops, not the codebase
_DENYING = {Action.RAISE, Action.DENY_RETURN, Action.ABORT, Action.ASSERT, Action.PREDICATE}
_SPACE = re.compile(r"\s+")


def _text(g: Guard) -> str:
    return _SPACE.sub(" ", g.text).strip()


def _atoms(g: Guard) -> frozenset[str]:
    return frozenset(a.key for a in atoms_of(g.condition))


def _memo(units: Mapping[tuple[str, str], object]) -> dict:
    """Per unit table: the name index, each unit's denying tests and each start's reach; a
    change with hundreds of removed checks asks from the same units again and again."""
    cache = getattr(units, "__dict__", None)
    if cache is None:
        return {"reach": {}, "tests": {}}
    return cache.setdefault("_moved_checks_memo", {"reach": {}, "tests": {}})


def _by_name(units: Mapping[tuple[str, str], object], memo: dict) -> dict[str, list[Unit]]:
    index = memo.get("by_name")
    if index is None:
        index = memo["by_name"] = {}
        for u in units.values():
            if isinstance(u, Unit) and u.kind in ("function", "method", "lambda"):
                index.setdefault(u.name, []).append(u)
    return index


def _reach(start: Unit, units: Mapping[tuple[str, str], object], memo: dict) -> list[Unit]:
    """Units reached from `start` by calls within MAX_HOPS, in breadth-first discovery order
    (the first one that makes the check is the one named)."""
    hit = memo["reach"].get(id(start))
    if hit is not None:
        return hit[1]
    by_name = _by_name(units, memo)
    seen = {id(start)}
    order: list[Unit] = []
    frontier = [start]
    for _hop in range(MAX_HOPS):
        nxt: list[Unit] = []
        for u in frontier:
            for c in u.calls:
                for v in _targets(u, by_name.get(c.callee.rsplit(".", 1)[-1], ())):
                    if id(v) not in seen:
                        seen.add(id(v))
                        nxt.append(v)
        order.extend(nxt)
        if len(order) >= MAX_REACH:
            del order[MAX_REACH:]
            break
        frontier = nxt
    memo["reach"][id(start)] = (start, order)  # the unit is kept so its id is not reused
    return order


def _targets(caller: Unit, named: list[Unit]) -> list[Unit]:
    """Where a call by bare name goes: the caller's own file's unit of that name, else the
    name's units elsewhere when there are not too many. A name defined in hundreds of modules (`helper`,
    `check`) says nothing about which one runs, and following all of them made a 200-file
    change walk every unit of the change from each removed check (9 s of a 10k-line change)."""
    if len(named) <= 1:
        return named
    local = [v for v in named if v.path == caller.path]
    if local:
        return local
    return named if len(named) <= MAX_AMBIGUOUS else []


def _tests(u: Unit, memo: dict) -> tuple[frozenset[str], frozenset[frozenset[str]]]:
    """The normalised texts and atom sets of `u`'s reachable denying checks."""
    hit = memo["tests"].get(id(u))
    if hit is None:
        denying = [h for h in u.guards if h.action in _DENYING and h.reachable]
        hit = memo["tests"][id(u)] = (u, frozenset(_text(h) for h in denying), frozenset(_atoms(h) for h in denying))
    return hit[1], hit[2]


def moved_into_callee(g: Guard, after: Unit, after_units: Mapping[tuple[str, str], object]) -> Optional[Unit]:
    """A unit reached from `after` by calls that denies on the same test as `g`, or None."""
    if g.action not in _DENYING or g.kind in ("decorator", "exit"):
        return None
    text, atoms = _text(g), _atoms(g)
    memo = _memo(after_units)
    for v in _reach(after, after_units, memo):
        texts, atom_sets = _tests(v, memo)
        if text in texts or (atoms and atoms in atom_sets):
            return v
    return None
