"""Units that share a qualname in one file get `#2`, `#3` ... in source order.

A property's getter and setter, `@overload` stubs and their implementation, Java/TS
overloads and conditional redefinitions share a name. Alignment pairs units by qualname, so
without this every before-unit of the name met the last after-unit: editing a setter
compared the getter's checks with the setter and reported them removed.

Units for which `secondary` holds (Python's `@overload` stubs) are numbered after the others,
so the implementation keeps the plain name: findings, relevance and call edges that name
`decode` mean the function that runs, not its first type stub.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterable, Optional

from semdiff.ir import Unit


def unique_qualnames(units: Iterable[Unit], secondary: Optional[Callable[[Unit], bool]] = None) -> tuple[Unit, ...]:
    units = list(units)
    late = [bool(secondary and secondary(u)) for u in units]
    seen: dict[str, int] = {}
    number: dict[int, int] = {}
    for rank in (False, True):
        for i, u in enumerate(units):
            if late[i] == rank:
                seen[u.qualname] = number[i] = seen.get(u.qualname, 0) + 1
    return tuple(u if number[i] == 1 else replace(u, qualname=f"{u.qualname}#{number[i]}") for i, u in enumerate(units))


OVERLOAD = frozenset({"overload", "typing.overload", "typing_extensions.overload"})


def python_overload_stub(unit: Unit) -> bool:
    return any(d.name in OVERLOAD for d in unit.decorators)
