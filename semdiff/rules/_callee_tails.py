"""What a unit calls, by the last part of each callee name: a cheap test a family can make
before reading a unit change whose units call nothing its tables name.

A table row `os.chmod` matches a callee that is the row itself or ends in `.chmod`
(`_catalog2_ir.callee_is`), so a callee can only match a row whose last dotted part is the
callee's own last part. A unit whose set of last parts shares none with a family's table
cannot match any of its rows: the family's call readers would find nothing in it. The set is
built once per unit (several families ask, for both sides of every unit change).
"""
from __future__ import annotations

from typing import Iterable, Optional

from semdiff.ir import Unit

_MEMO: dict[int, tuple[Unit, frozenset[str]]] = {}
_MEMO_MAX = 8192  # units remembered (a long-lived library process clears and starts again)


def callee_tails(unit: Unit) -> frozenset[str]:
    """The last dotted part of every callee `unit` calls (also of its stripped name)."""
    hit = _MEMO.get(id(unit))
    if hit is not None and hit[0] is unit:
        return hit[1]
    tails = frozenset(t for c in unit.calls for t in _tails(c.callee))
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.clear()
    _MEMO[id(unit)] = (unit, tails)
    return tails


def _tails(callee: str) -> tuple[str, ...]:
    """The last part, as written and of the stripped name (a reader that strips the callee
    first sees the second)."""
    raw = callee.rsplit(".", 1)[-1]
    stripped = callee.strip().rsplit(".", 1)[-1]
    return (raw,) if raw == stripped else (raw, stripped)


def table_tails(names: Iterable[str]) -> frozenset[str]:
    """The last dotted part of every table name (build once, at import)."""
    return frozenset(n.rsplit(".", 1)[-1] for n in names)


def may_call(unit: Optional[Unit], tails: frozenset[str]) -> bool:
    """False only when `unit` calls nothing a table with these last parts could match."""
    return unit is not None and not callee_tails(unit).isdisjoint(tails)
