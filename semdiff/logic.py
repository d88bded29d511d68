"""Deciding "weaker": is there a case the old guard denied that the new one lets through?

Guards are formulas over normalised atoms (semdiff.ir). With a dozen atoms or fewer a
truth table answers in microseconds; assignments that are impossible because of how atoms
on the same quantity relate (`age < 10` true but `age < 20` false) are skipped, using the
atoms' linear forms. The separating assignment is kept: it is the finding's proof.
"""
from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional, Union

from semdiff.ir import And, Atom, Const, Formula, Linear, Not, Or, atoms_of

MAX_ATOMS = 12


@dataclass(frozen=True)
class Unknown:
    """Too many atoms to decide exactly."""

    atoms: int


Assignment = Mapping[str, bool]


def evaluate(f: Formula, values: Assignment) -> bool:
    if isinstance(f, Atom):
        return values[f.key]
    if isinstance(f, Not):
        return not evaluate(f.arg, values)
    if isinstance(f, And):
        return all(evaluate(a, values) for a in f.args)
    if isinstance(f, Or):
        return any(evaluate(a, values) for a in f.args)
    if isinstance(f, Const):
        return f.value
    raise TypeError(f"not a formula: {f!r}")


_NEGATED = {"<": ">=", "<=": ">", "==": "!=", ">": "<=", ">=": "<", "!=": "=="}


def _feasible(constraints: Iterable[tuple[str, float]]) -> bool:
    """Is there a real v with `v op c` for every (op, c)?"""
    lo, lo_strict = -math.inf, False
    hi, hi_strict = math.inf, False
    eq: Optional[float] = None
    neq: set[float] = set()
    for op, c in constraints:
        if op == "==":
            if eq is not None and eq != c:
                return False
            eq = c
        elif op == "!=":
            neq.add(c)
        elif op in ("<", "<="):
            if c < hi or (c == hi and op == "<"):
                hi, hi_strict = c, op == "<"
        elif op in (">", ">="):
            if c > lo or (c == lo and op == ">"):
                lo, lo_strict = c, op == ">"
    if eq is not None:
        above = eq > lo or (eq == lo and not lo_strict)
        below = eq < hi or (eq == hi and not hi_strict)
        return above and below and eq not in neq
    if lo < hi:
        return True
    return lo == hi and not lo_strict and not hi_strict and lo not in neq


def consistent(values: Assignment, atoms: Mapping[str, Atom]) -> bool:
    groups: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for key, value in values.items():
        lin: Optional[Linear] = atoms[key].linear
        if lin is None:
            continue
        groups[lin.term].append((lin.op if value else _NEGATED[lin.op], lin.constant))
    return all(_feasible(cons) for cons in groups.values() if len(cons) > 1)


def witness(holds: Formula, fails: Formula, max_atoms: int = MAX_ATOMS) -> Union[dict[str, bool], Unknown, None]:
    """An assignment where `holds` is true and `fails` is false, or None if there is none."""
    table = {a.key: a for a in atoms_of(holds) + atoms_of(fails)}
    keys = sorted(table)
    if len(keys) > max_atoms:
        return Unknown(len(keys))
    for bits in itertools.product((False, True), repeat=len(keys)):
        values = dict(zip(keys, bits))
        if evaluate(holds, values) and not evaluate(fails, values) and consistent(values, table):
            return values
    return None


def implies(a: Formula, b: Formula) -> Optional[bool]:
    w = witness(a, b)
    if isinstance(w, Unknown):
        return None
    return w is None


def equivalent(a: Formula, b: Formula) -> Optional[bool]:
    x, y = implies(a, b), implies(b, a)
    if x is None or y is None:
        return None
    return x and y


def describe(values: Assignment, formulas: Iterable[Formula]) -> str:
    """Plain words for an assignment, naming atoms by their source text."""
    table: dict[str, Atom] = {}
    for f in formulas:
        for a in atoms_of(f):
            table.setdefault(a.key, a)
    parts = [f"`{table[k].text}` is {'true' if v else 'false'}" for k, v in sorted(values.items()) if k in table]
    return ", ".join(parts)
