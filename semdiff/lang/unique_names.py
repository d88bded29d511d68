"""Units that share a qualname in one file get `#2`, `#3` ... in source order.

A property's getter and setter, `@overload` stubs and their implementation, Java/TS
overloads and conditional redefinitions share a name. Alignment pairs units by qualname, so
without this every before-unit of the name met the last after-unit: editing a setter
compared the getter's checks with the setter and reported them removed.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from semdiff.ir import Unit


def unique_qualnames(units: Iterable[Unit]) -> tuple[Unit, ...]:
    seen: dict[str, int] = {}
    out: list[Unit] = []
    for u in units:
        n = seen.get(u.qualname, 0) + 1
        seen[u.qualname] = n
        out.append(u if n == 1 else replace(u, qualname=f"{u.qualname}#{n}"))
    return tuple(out)
