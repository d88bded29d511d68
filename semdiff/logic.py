"""Deciding "weaker": is there a case the old guard denied that the new one lets through?

Guards are formulas over normalised atoms (semdiff.ir). With a dozen atoms or fewer a
truth table answers in microseconds; assignments that are impossible because of how atoms
on the same quantity relate (`age < 10` true but `age < 20` false; `key == "a"` true but
`key in ("a", "b")` false) are skipped, using the atoms' linear forms and literal operands. The separating assignment is kept: it is the finding's proof.
"""
from __future__ import annotations

import itertools
import math
import re
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


# A literal whose text is its identity: a string without escapes (normalised to double
# quotes) or a plain integer. Escaped strings and floats are left out, since two different
# texts could then be one value, and treating them as two could wrongly rule a case out.
_PLAIN_LITERAL = r'(?:"[^"\\]*"|-?(?:0|[1-9][0-9]*))'
_LITERAL = re.compile(_PLAIN_LITERAL)
# a literal collection: two or more items, or one with the tuple's trailing comma (`x in "ab"`
# alone is a substring test, not membership)
_LITERAL_SET = re.compile(rf"{_PLAIN_LITERAL}(?:,{_PLAIN_LITERAL})+,?|{_PLAIN_LITERAL},")


def _membership(atom: Atom) -> Optional[tuple[str, frozenset[str]]]:
    """(operand, literal values) for `x == "a"` / `"a" == x` / `x in ("a", "b")`, else None."""
    if atom.kind != "cmp" or atom.left is None or atom.right is None:
        return None
    if atom.op == "==":
        if _LITERAL.fullmatch(atom.left) and not _LITERAL.fullmatch(atom.right):
            return atom.right, frozenset((atom.left,))
        if _LITERAL.fullmatch(atom.right) and not _LITERAL.fullmatch(atom.left):
            return atom.left, frozenset((atom.right,))
    elif atom.op == "in" and _LITERAL_SET.fullmatch(atom.right) and not _LITERAL.fullmatch(atom.left):
        return atom.left, frozenset(_LITERAL.findall(atom.right))
    return None


def _members_feasible(constraints: list[tuple[frozenset[str], bool]]) -> bool:
    """Is there one value of the operand making every `operand in set` come out as given?
    Trying each literal named, plus one value none of them names, covers every case."""
    candidates = set().union(*(lits for lits, _ in constraints))
    candidates.add(None)  # a value equal to no literal named here
    return any(all((v in lits) == truth for lits, truth in constraints) for v in candidates)


_NULLS = frozenset({"None", "null", "undefined", "nil"})


def _null_operand(atom: Atom) -> Optional[str]:
    """`x` for `x is None` / `x == null` / `x === undefined` / `x == nil`, else None."""
    if atom.kind != "cmp" or atom.op not in ("is", "==") or atom.left is None or atom.right is None:
        return None
    if atom.right in _NULLS and atom.left not in _NULLS:
        return atom.left
    if atom.left in _NULLS and atom.right not in _NULLS:
        return atom.right
    return None


def consistent(values: Assignment, atoms: Mapping[str, Atom]) -> bool:
    """Can the atoms take these truth values together? A value tested null is not truthy.
    Numbers on the same term must fit one
    real value (`age < 10` true but `age < 20` false cannot); equality and membership tests of
    the same operand against literals must fit one value (`key == "a"` true but
    `key in ("a", "b")` false cannot)."""
    groups: dict[str, list[tuple[str, float]]] = defaultdict(list)
    members: dict[str, list[tuple[frozenset[str], bool]]] = defaultdict(list)
    for key, value in values.items():
        atom = atoms[key]
        if value:
            # a null value is falsy: `x is None` and `x` (truthiness) cannot both hold, so
            # `x is not None and ...` rewritten as `x and ...` is compared on real cases only
            null = _null_operand(atom)
            if null is not None and values.get(null) is True and atoms[null].kind == "name":
                return False
        lin: Optional[Linear] = atom.linear
        if lin is not None:
            groups[lin.term].append((lin.op if value else _NEGATED[lin.op], lin.constant))
        member = _membership(atom)
        if member is not None:
            members[member[0]].append((member[1], value))
    return all(_feasible(cons) for cons in groups.values() if len(cons) > 1) and all(
        _members_feasible(cons) for cons in members.values() if len(cons) > 1
    )


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
