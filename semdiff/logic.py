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
from typing import Iterable, Mapping, Optional, Sequence, Union

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
# quotes), a plain integer, or a boolean (`verified === false` and `verified === true` cannot
# both hold, so `if (ok === false) throw` rewritten as `if (ok === true) {...} else throw`
# denies the same case). Escaped strings and floats are left out, since two different
# texts could then be one value, and treating them as two could wrongly rule a case out.
# (Python's `1 == True` is such a pair; a test of one operand against both is not met in
# checks, and wrongly ruling that case out can only hide a finding, never raise one.)
_PLAIN_LITERAL = r'(?:"[^"\\]*"|-?(?:0|[1-9][0-9]*)|true|false|True|False)'
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


def literal_test(atom: Atom) -> Optional[str]:
    """The operand of `x == <literal>` / `x in (<literals>)`, else None: tests of one operand
    against literals constrain one value together."""
    member = _membership(atom)
    return member[0] if member is not None else None


def _members_feasible(constraints: list[tuple[frozenset[str], bool]],
                      tokens: Sequence[tuple[str, str, bool]] = (), null: Optional[bool] = None) -> bool:
    """Is there one value of the operand making every `operand in set` come out as given?
    Trying each literal named, plus one value none of them names, covers every case.

    `tokens` are `"t" in split(operand)` tests (see token_test) with their truth: for a
    literal value that is one plain token, the split holds exactly that token. `null`: the
    operand is tested null (`x is None` true), so it equals no literal."""
    candidates: set = set().union(*(lits for lits, _ in constraints), *({f'"{t}"'} for t, _, _ in tokens))
    candidates.add(None)  # a value equal to no literal named here (null among them)
    for v in candidates:
        if null and v is not None:
            continue
        if not all((v in lits) == truth for lits, truth in constraints):
            continue
        if isinstance(v, str) and not all(_token_member(t, v, sep, truth) for t, sep, truth in tokens):
            continue
        return True
    return False


# Calls that split a header/list value on a separator into its tokens: for a value that is a
# single plain token (no separator, space or quote) the result holds exactly that token, so
# `v == "chunked"` and `"chunked" in parse_set_header(v)` hold together (a rewrite from an
# equality test to a token test is stricter, never wider). Case-insensitive containers
# (HeaderSet) make tokens that differ only in case undecided, never unequal. Only these
# list parsers: other `X.from_header` classes (Authorization, ETags, Range) parse into
# objects whose `in` tests something else.
_TOKEN_SPLITTERS = r"(?:[A-Za-z_][\w.]*\.)?(?:parse_set_header|parse_list_header|parse_http_list|HeaderSet\.from_header)"
_TOKEN_CALL = re.compile(rf"^{_TOKEN_SPLITTERS}\((?P<a>[^(),]+)\)$|^(?P<b>[^(),]+)\.split\((?P<sep>\"[^\"\\]\")?\)$")
_PLAIN_TOKEN = re.compile(r'"([A-Za-z0-9!#$%&*+.^_`|~-]+)"')


def token_test(atom: Atom) -> Optional[tuple[str, str, str]]:
    """(operand, token, separator) for `"tok" in splitter(operand)`, else None."""
    if atom.kind != "cmp" or atom.op != "in" or atom.left is None or atom.right is None:
        return None
    lit, call = _PLAIN_TOKEN.fullmatch(atom.left), _TOKEN_CALL.fullmatch(atom.right)
    if lit is None or call is None:
        return None
    operand = call.group("a") or call.group("b")
    sep = call.group("sep")
    return operand, lit.group(1), (sep[1:-1] if sep else ("," if call.group("a") else " "))


def _token_member(token: str, value: str, sep: str, truth: bool) -> bool:
    """Can `token in split(value)` be `truth` for the literal `value` (a quoted text)?"""
    plain = _PLAIN_TOKEN.fullmatch(value)
    if plain is None or sep in plain.group(1):
        return True  # not one plain token: the split is not known here
    v = plain.group(1)
    if v == token:
        return truth
    if v.lower() == token.lower():
        return True  # a case-insensitive container may hold it
    return not truth


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


# `d.get(k)` (no default) or `m.get(k)`: a lookup that is truthy only when the key is there, so
# it cannot hold while `k in d` (Python) or `m.has(k)` (a JS Map, URLSearchParams, Headers) fails.
# `if d.get("url") and not ok(d.get("url"))` rewritten as `if "url" in d: ...` tests the same
# cases. A default argument (`d.get(k, x)`) can be truthy without the key: not matched. Only
# Python's `in` is a cmp atom: JavaScript's `k in m` tests properties, not a Map's keys (an
# expr atom, never read here).
_LOOKUP = re.compile(r"(?P<obj>[^()]+)\.get\((?P<key>[^,()]+)\)")
_HAS = re.compile(r"(?P<obj>[^()]+)\.has\((?P<key>[^,()]+)\)")


def consistent(values: Assignment, atoms: Mapping[str, Atom]) -> bool:
    """Can the atoms take these truth values together? A value tested null is not truthy; a
    key looked up truthy is in its container (see _LOOKUP). Numbers on the same term must fit one
    real value (`age < 10` true but `age < 20` false cannot); equality and membership tests of
    the same operand against literals must fit one value (`key == "a"` true but
    `key in ("a", "b")` false cannot)."""
    groups: dict[str, list[tuple[str, float]]] = defaultdict(list)
    members: dict[str, list[tuple[frozenset[str], bool]]] = defaultdict(list)
    tokens: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
    nulls: dict[str, bool] = {}
    found: set[tuple[str, str]] = set()  # (container, key) of a truthy lookup
    absent: set[tuple[str, str]] = set()  # (container, key) tested absent
    for key, value in values.items():
        atom = atoms[key]
        if atom.kind == "call":
            if value and ".get(" in key:
                m = _LOOKUP.fullmatch(key)
                if m is not None:
                    found.add((m.group("obj"), m.group("key")))
            elif not value and ".has(" in key:
                m = _HAS.fullmatch(key)
                if m is not None:
                    absent.add((m.group("obj"), m.group("key")))
        elif not value and atom.op == "in" and atom.kind == "cmp" and atom.left is not None and atom.right is not None:
            absent.add((atom.right, atom.left))
        null = _null_operand(atom)
        if null is not None and value:
            nulls[null] = True  # tested null (a value tested non-null may be any other value)
        if value:
            # a null value is falsy: `x is None` and `x` (truthiness) cannot both hold, so
            # `x is not None and ...` rewritten as `x and ...` is compared on real cases only
            if null is not None and values.get(null) is True and atoms[null].kind == "name":
                return False
        lin: Optional[Linear] = atom.linear
        if lin is not None:
            groups[lin.term].append((lin.op if value else _NEGATED[lin.op], lin.constant))
        member = _membership(atom)
        if member is not None:
            members[member[0]].append((member[1], value))
        token = token_test(atom)
        if token is not None:
            tokens[token[0]].append((token[1], token[2], value))
    if found and absent and found & absent:
        return False
    if not all(_feasible(cons) for cons in groups.values() if len(cons) > 1):
        return False
    for operand in set(members) | set(tokens):
        cons, toks, null = members.get(operand, []), tokens.get(operand, []), nulls.get(operand)
        if len(cons) + len(toks) + (null is not None) > 1 and cons and not _members_feasible(cons, toks, null):
            return False
    return True


def witness(holds: Formula, fails: Formula, max_atoms: int = MAX_ATOMS) -> Union[dict[str, bool], Unknown, None]:
    """An assignment where `holds` is true and `fails` is false, or None if there is none."""
    table = {a.key: a for a in atoms_of(holds) + atoms_of(fails)}
    keys = sorted(table)
    if len(keys) > max_atoms:
        # too many for the table: what can still be decided exactly is that every case
        # `holds` covers is inside one of `fails`'s cases, atom for atom. A unit with many
        # checks in a row carries every earlier check in each later one's path condition (two
        # dozen atoms), and a formatting-only rewrite of it leaves exactly that
        return None if _subsumed(holds, fails) else Unknown(len(keys))
    for bits in itertools.product((False, True), repeat=len(keys)):
        values = dict(zip(keys, bits))
        if evaluate(holds, values) and not evaluate(fails, values) and consistent(values, table):
            return values
    return None


def _shape(f: Formula) -> object:
    """A formula as nested tuples of its atoms' keys: equal shapes are the same formula,
    whatever the atoms' source texts (quotes, spacing, line breaks)."""
    if isinstance(f, Atom):
        return f.key
    if isinstance(f, Not):
        return ("not", _shape(f.arg))
    if isinstance(f, (And, Or)):
        return ("and" if isinstance(f, And) else "or", tuple(_shape(a) for a in f.args))
    return f


def _cases(f: Formula) -> tuple[Formula, ...]:
    return f.args if isinstance(f, Or) else (f,)


def _conjuncts(f: Formula) -> frozenset[object]:
    return frozenset(_shape(a) for a in (f.args if isinstance(f, And) else (f,)))


def _subsumed(holds: Formula, fails: Formula) -> bool:
    """Whether `holds` implies `fails` by its shape alone: each of its cases (disjuncts) has
    every conjunct of one of `fails`'s cases among its own conjuncts. Sound, not complete:
    False says nothing."""
    targets = [_conjuncts(d) for d in _cases(fails)]
    return all(any(t <= own for t in targets) for own in map(_conjuncts, _cases(holds)))


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
