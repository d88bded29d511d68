"""Shared engine of the weakening-catalog families: facts, pairing, verdicts.

A family turns each side of a `UnitChange` into `Fact`s: one observation of a security
knob at one place (this `requests.get` call verifies TLS; this `hashlib` call uses md5;
`DEBUG` is True). Facts of the two sides are then *paired*, because "weaker" only means
something between a before and an after of the same place:

1. an after fact on an unchanged line pairs with the before fact on the line it came from
   (a multi-line call whose keyword line changed still starts on an unchanged line);
2. an after fact on an added line pairs with a before fact on the removed lines of the
   same change block (the run of removed/added lines between two context lines);
3. what is left pairs by slot anywhere in the unit (code moved inside the unit).

Within each candidate group identical text pairs first, then identical value, then order,
so adding a second call next to a pre-existing risky one never blames the new one.
A paired after fact that is weaker is reported with high confidence. An after fact left
without a partner is new code: it is reported (medium confidence) only when the family
marked it as dangerous on its own (`born_weak`), and not when the same fact existed in the
before version of the file (the code merely moved between units).
"""
from __future__ import annotations

import ast
import re
import weakref
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Hashable, Iterable, Iterator, Mapping, Optional, Sequence

from semdiff.align.units import UnitChange
from semdiff.ir import Unit
from semdiff.model import Confidence, Finding, Relevance
from semdiff.rules.base import RuleContext, RuleSpec, UnitTable, make_finding, text_lines, units_in_file
from semdiff.lang.pyparse import parse_quietly


@dataclass(frozen=True)
class Fact:
    """One observation of a security knob in one unit.

    `slot` says which knob (pairing only happens within a rule and slot); `value` is what
    the comparison of that rule understands (a rank, a frozenset, a number of seconds).
    """

    rule: str
    slot: str
    value: Hashable
    line: int
    text: str
    born_weak: str = ""  # non-empty: dangerous on its own, with this reason
    only_in_existing_unit: bool = False  # born_weak applies only when the unit existed before
    report_line: int = 0  # line to report when it differs from the pairing line
    intrinsic: str = ""  # relevance category when the construct is security-relevant by itself


@dataclass(frozen=True)
class Verdict:
    after: Fact
    before: Optional[Fact]
    reason: str
    confidence: Confidence


Extractor = Callable[[Unit], Sequence[Fact]]
Comparator = Callable[[Fact, Fact], Optional[str]]  # (before, after) -> reason when after is weaker


# ---------------------------------------------------------------- line correspondence


@dataclass(frozen=True)
class LineMap:
    """Old/new line correspondence computed from the hunks of one file."""

    new_to_old: Mapping[int, int]  # context lines inside hunks
    added_block: Mapping[int, tuple[int, int]]  # added new line -> (hunk, gap)
    removed_block: Mapping[int, tuple[int, int]]  # removed old line -> (hunk, gap)
    shifts: tuple[tuple[int, int], ...]  # (first new line after a hunk, cumulative new-old delta)
    hunk_ranges: tuple[tuple[int, int], ...]  # new-side [start, end] of each hunk

    def old_of(self, new_line: int) -> Optional[int]:
        if new_line in self.added_block:
            return None
        if new_line in self.new_to_old:
            return self.new_to_old[new_line]
        delta = 0
        for start, d in self.shifts:
            if new_line >= start:
                delta = d
        return new_line - delta

    @classmethod
    def of(cls, change: UnitChange) -> "LineMap":
        """The map of the change's file: built once per file (every catalog family asks for
        every unit change of it), kept while that FileChange lives."""
        f = change.file
        hit = _LINE_MAPS.get(id(f))
        if hit is not None and hit[0]() is f:
            return hit[1]
        built = cls._build(change)
        key = id(f)
        _LINE_MAPS[key] = (weakref.ref(f, lambda _ref: _LINE_MAPS.pop(key, None)), built)
        return built

    @classmethod
    def _build(cls, change: UnitChange) -> "LineMap":
        n2o: dict[int, int] = {}
        added: dict[int, tuple[int, int]] = {}
        removed: dict[int, tuple[int, int]] = {}
        shifts: list[tuple[int, int]] = []
        ranges: list[tuple[int, int]] = []
        delta = 0
        for hi, h in enumerate(sorted(change.file.hunks, key=lambda h: h.new_start)):
            for o, n in zip(h.context_old, h.context_new):
                n2o[n] = o
            c_old, c_new = sorted(h.context_old), sorted(h.context_new)
            for r in h.removed:
                removed[r] = (hi, sum(1 for c in c_old if c < r))
            for a in h.added:
                added[a] = (hi, sum(1 for c in c_new if c < a))
            delta += len(h.added) - len(h.removed)
            end = h.new_start + max(h.new_length, 1) - 1
            shifts.append((h.new_start + h.new_length, delta))
            ranges.append((h.new_start, end))
        return cls(n2o, added, removed, tuple(shifts), tuple(ranges))


_LINE_MAPS: dict[int, tuple["weakref.ref", LineMap]] = {}


# ---------------------------------------------------------------- pairing


def _take(cands: list[Fact], fact: Fact) -> Optional[Fact]:
    for pred in (lambda b: b.text == fact.text, lambda b: b.value == fact.value, lambda b: True):
        for b in cands:
            if pred(b):
                cands.remove(b)
                return b
    return None


def pair_facts(
    before: Sequence[Fact], after: Sequence[Fact], lines: LineMap
) -> tuple[list[tuple[Fact, Optional[Fact]]], list[Fact]]:
    """Pair after facts with before facts of the same rule and slot (see module doc).

    Returns the pairs (after, before-or-None) and the before facts nobody paired with.
    """
    pool = list(before)
    pairs: list[tuple[Fact, Optional[Fact]]] = []
    pending: list[Fact] = []
    # 1. unchanged lines
    for a in after:
        old = lines.old_of(a.line)
        if old is None:
            pending.append(a)
            continue
        cands = [b for b in pool if b.line == old and (b.rule, b.slot) == (a.rule, a.slot)]
        b = _take(cands, a)
        if b is None:
            pending.append(a)
        else:
            pool.remove(b)
            pairs.append((a, b))
    # 2. same change block, 3. anywhere in the unit
    for scope in ("block", "unit"):
        still: list[Fact] = []
        for a in pending:
            blk = lines.added_block.get(a.line)
            if scope == "block":
                cands = [b for b in pool if (b.rule, b.slot) == (a.rule, a.slot)
                         and blk is not None and lines.removed_block.get(b.line) == blk]
            else:
                cands = [b for b in pool if (b.rule, b.slot) == (a.rule, a.slot)]
            b = _take(cands, a)
            if b is None:
                still.append(a)
            else:
                pool.remove(b)
                pairs.append((a, b))
        pending = still
    pairs.extend((a, None) for a in pending)
    return pairs, pool


def _fact_key(f: Fact) -> tuple[str, str, Hashable]:
    return (f.rule, f.slot, f.value)


def _file_fact_counts(units: Mapping[tuple[str, str], object], path: Optional[str], extract: Extractor) -> Counter:
    counts: Counter = Counter()
    if path is None:
        return counts
    for unit in units_in_file(units, path):
        if isinstance(unit, Unit):
            counts.update(_fact_key(f) for f in extract(unit))
    return counts


def verdicts(change: UnitChange, ctx: RuleContext, extract: Extractor, weaker: Comparator) -> list[Verdict]:
    """Every after fact that is weaker than its before partner, or new and dangerous."""
    after = list(extract(change.after)) if change.after else []
    if not after:
        return []
    before = list(extract(change.before)) if change.before else []
    pairs, _unpaired_before = pair_facts(before, after, LineMap.of(change))
    out: list[Verdict] = []
    new_weak: list[Fact] = []
    for a, b in pairs:
        if b is not None:
            if a.value == b.value:
                continue
            reason = weaker(b, a)
            if reason:
                out.append(Verdict(a, b, reason, Confidence.HIGH))
        elif a.born_weak and not (a.only_in_existing_unit and change.before is None):
            new_weak.append(a)
    if new_weak:
        # the same dangerous fact in the before file, as often as after: moved, not new
        old_path = change.file.old_path
        new_path = change.after.path if change.after else None
        before_counts = _file_fact_counts(ctx.before_units, old_path, extract)
        after_counts = _file_fact_counts(ctx.after_units, new_path, extract)
        for a in new_weak:
            key = _fact_key(a)
            if before_counts.get(key, 0) and after_counts.get(key, 0) <= before_counts[key]:
                continue
            out.append(Verdict(a, None, a.born_weak, Confidence.MEDIUM))
    return out


def to_findings(change: UnitChange, ctx: RuleContext, specs: Mapping[str, RuleSpec], found: Iterable[Verdict]) -> Iterator[Finding]:
    """One finding per verdict, through `make_finding` (severity scaling, hunk-only confidence)."""
    seen: set[tuple[str, int]] = set()
    for v in found:
        line = v.after.report_line or v.after.line
        if (v.after.rule, line) in seen:
            continue
        seen.add((v.after.rule, line))
        spec = specs[v.after.rule]
        rel = ctx.relevance(change)
        if v.after.intrinsic and rel.score < 0.8:
            rel = Relevance(v.after.intrinsic, 0.8, (change.qualname, v.after.text[:80]),
                            f"the construct itself controls {v.after.intrinsic}")
        before_line = (v.before.report_line or v.before.line) if v.before else None
        message = f"{spec.title}: {v.reason}"
        yield make_finding(
            spec, change, ctx, message,
            before_line=before_line, after_line=line,
            evidence_before=v.before.text if v.before else "",
            evidence_after=v.after.text,
            witness=v.reason,
            confidence=v.confidence,
            relevance=rel,
        )


# ---------------------------------------------------------------- small readers shared by families


def last(callee: str) -> str:
    return callee.rsplit(".", 1)[-1]


def tail(callee: str, n: int = 2) -> str:
    return ".".join(callee.split(".")[-n:])


_WORD_SPLIT = re.compile(r"[_\W]+|(?<=[a-z0-9])(?=[A-Z])")


def name_words(name: str) -> set[str]:
    return {w.lower() for w in _WORD_SPLIT.split(name) if w}


MAX_EXPR_CHARS = 4000
_STR_LIT = re.compile(r"""^[rRbBuU]{0,2}("|')""")


def looks_constant(value: str) -> bool:
    """A string/bytes literal, `bytes(16)`, `b"\\0" * 16`: the same value on every run."""
    v = value.strip()
    if _STR_LIT.match(v):
        return True
    try:
        node = parse_quietly(v, mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return False
    return _const_node(node)


def _const_node(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, bytes, int))
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Add)):
        return _const_node(node.left) and _const_node(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("bytes", "bytearray"):
        return all(_const_node(a) for a in node.args) and not node.keywords
    return False


def parse_expr(text: str) -> Optional[ast.AST]:
    """Parse (never evaluate) one expression of analysed source; None when it is not one.

    Values this long are not knobs a rule compares (a kwarg, a duration, an options dict);
    refusing them keeps hostile inputs from costing parse time.
    """
    if len(text) > MAX_EXPR_CHARS:
        return None
    try:
        return parse_quietly(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


# Literal readings by source text: a change repeats the same option texts (`['HS256']` in
# every token decode of a module), and each reading is a parse of the text (~40,000
# instructions). Both answers depend on the text alone; dicts are handed out as copies.
_LITERALS: dict[tuple[str, str], object] = {}
_LITERALS_MAX = 4096


def _remembered(kind: str, text: str, read: "Callable[[str], object]") -> object:
    key = (kind, text)
    try:
        return _LITERALS[key]
    except KeyError:
        pass
    value = read(text)
    if len(_LITERALS) >= _LITERALS_MAX:
        _LITERALS.clear()
    _LITERALS[key] = value
    return value


def dict_literal(text: str) -> Optional[dict[str, object]]:
    """String keys -> constant values of a dict literal's source; None when not a dict literal."""
    found = _remembered("dict", text, _dict_literal)
    return dict(found) if found is not None else None  # type: ignore[call-overload]


def _dict_literal(text: str) -> Optional[dict[str, object]]:
    node = parse_expr(text)
    if not isinstance(node, ast.Dict):
        return None
    out: dict[str, object] = {}
    for k, v in zip(node.keys, node.values):
        if isinstance(k, ast.Constant) and isinstance(k.value, str):
            out[k.value] = v.value if isinstance(v, ast.Constant) else ast.dump(v)
    return out


def string_items(text: str) -> Optional[frozenset[str]]:
    """Items of a list/tuple/set literal of strings, or None when it is not one."""
    return _remembered("strings", text, _string_items)  # type: ignore[return-value]


def _string_items(text: str) -> Optional[frozenset[str]]:
    node = parse_expr(text)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return frozenset({node.value})
    if not isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return None
    items = []
    for e in node.elts:
        if not (isinstance(e, ast.Constant) and isinstance(e.value, str)):
            return None
        items.append(e.value)
    return frozenset(items)


# ---------------------------------------------------------------- assignments the IR does not carry


_ASSIGN = re.compile(r"^(\s*)([A-Za-z_][\w.]*(?:\[\s*['\"][^'\"]+['\"]\s*\])?)\s*(?::[^=]+)?=(?!=)\s*(.+?)\s*(?:#.*)?$")
# What a line must start with for _ASSIGN's target to hold a `.` or a `[` (the only targets
# kept): a name, then at once one of them. _ASSIGN's target is the longest `[\w.]*` run after
# that name, so a line failing this cannot yield a kept target. It costs a few hundred
# instructions where _ASSIGN's lazy value and optional comment cost ~19,000 per line.
_ASSIGN_HEAD = re.compile(r"\s*[A-Za-z_]\w*[.\[]")
_SUB_KEY = re.compile(r"\[\s*['\"]([^'\"]+)['\"]\s*\]$")


@dataclass(frozen=True)
class Assignment:
    line: int
    target: str  # `ctx.verify_mode`, `app.config[DEBUG]` -> key `DEBUG`
    key: str  # last attribute or subscript key
    value: str
    text: str


def attribute_assignments(unit: Unit, nested: Iterable[Unit] = ()) -> list[Assignment]:
    """`obj.attr = value` and `obj["key"] = value` lines of the unit's own body.

    The IR records module/class constants and `self.X` in `__init__` as settings, but not
    attribute or subscript assignments inside functions (`ctx.check_hostname = False`,
    `app.config["DEBUG"] = True`); this reads them from the unit text, one line at a time,
    skipping lines that belong to nested units.
    """
    text = unit.text or ""
    if not text:
        return []
    inside = tuple(nested)
    hit = _ASSIGNMENTS.get(id(unit))
    if hit is not None and hit[0] is unit and len(hit[1]) == len(inside) and all(a is b for a, b in zip(hit[1], inside)):
        return list(hit[2])
    found = _attribute_assignments(unit, text, inside)
    if len(_ASSIGNMENTS) >= 2048:  # families ask about a change's units one change at a time
        _ASSIGNMENTS.clear()
    _ASSIGNMENTS[id(unit)] = (unit, inside, found)  # the unit is kept so its id is not reused
    return list(found)


# several families (disabled-verification, weakened-default) read the same unit's assignments,
# a line-by-line regex pass over its text each time; kept per unit object (and nested units)
_ASSIGNMENTS: dict[int, tuple[Unit, tuple, list[Assignment]]] = {}


def _attribute_assignments(unit: Unit, text: str, nested: tuple) -> list[Assignment]:
    lines = text_lines(text)
    first = unit.span.line
    # the unit text may start at a decorator line; align its last line with span.end_line
    if len(lines) and unit.span.end_line - unit.span.line + 1 != len(lines):
        first = unit.span.end_line - len(lines) + 1
    last_line = first + len(lines) - 1
    # lines of nested units, as a set (was a range test per line and nested unit)
    inner = {n for u in nested for n in range(max(u.span.line, first), min(u.span.end_line, last_line) + 1)}
    out: list[Assignment] = []
    for i, raw in enumerate(lines):
        n = first + i
        if n in inner or not _ASSIGN_HEAD.match(raw):
            continue
        m = _ASSIGN.match(raw)
        if not m:
            continue
        target = m.group(2)
        if "." not in target and "[" not in target:
            continue
        sub = _SUB_KEY.search(target)
        key = sub.group(1) if sub else last(target)
        out.append(Assignment(n, target, key, "".join(m.group(3).split()), raw.strip()))
    return out


def nested_units(unit: Unit, units: Mapping[tuple[str, str], object]) -> list[Unit]:
    if isinstance(units, UnitTable):
        return [u for u in units.children(unit.path, unit.qualname) if isinstance(u, Unit)]
    return [u for (p, _q), u in units.items() if isinstance(u, Unit) and p == unit.path and u.parent == unit.qualname]


# ---------------------------------------------------------------- numbers and durations


_DURATION_UNITS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1,
                   "milliseconds": 0.001, "microseconds": 0.000001}
NEVER = float("inf")


def seconds_of(text: str) -> Optional[float]:
    """Seconds of a literal duration: `300`, `86400*365`, `timedelta(days=30)`, `None` (never).

    Only literal arithmetic is folded; anything that names a variable is unknown (None).
    """
    node = parse_expr(text)
    if node is None:
        return None
    return _fold(node, depth=0)


def _fold(node: ast.AST, depth: int) -> Optional[float]:
    if depth > 20:
        return None
    if isinstance(node, ast.Constant):
        if node.value is None or node.value is False:
            return NEVER
        if isinstance(node.value, bool):
            return None
        if isinstance(node.value, (int, float)):
            return float(node.value)
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = _fold(node.operand, depth + 1)
        return -v if v is not None else None
    if isinstance(node, ast.BinOp):
        lv, rv = _fold(node.left, depth + 1), _fold(node.right, depth + 1)
        if lv is None or rv is None or NEVER in (lv, rv):
            return None
        if isinstance(node.op, ast.Add):
            return lv + rv
        if isinstance(node.op, ast.Sub):
            return lv - rv
        if isinstance(node.op, ast.Mult):
            return lv * rv if abs(lv * rv) < 1e15 else None
        if isinstance(node.op, (ast.Div, ast.FloorDiv)) and rv:
            return lv / rv
        return None
    if isinstance(node, ast.Call):
        fn = node.func
        name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
        if name != "timedelta":
            return None
        total = 0.0
        order = ("days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks")
        for i, a in enumerate(node.args):
            v = _fold(a, depth + 1)
            if v is None or v == NEVER or i >= len(order):
                return None
            total += v * _DURATION_UNITS[order[i]]
        for kw in node.keywords:
            v = _fold(kw.value, depth + 1)
            if v is None or v == NEVER or kw.arg not in _DURATION_UNITS:
                return None
            total += v * _DURATION_UNITS[kw.arg]
        return total
    return None


def int_of(text: str) -> Optional[int]:
    v = seconds_of(text)
    if v is None or v == NEVER or v != int(v):
        return None
    return int(v)


def argument(call, position: Optional[int], keyword: Optional[str]):
    """The argument at keyword `keyword` or positional `position`, else None."""
    if keyword:
        a = call.kwarg(keyword)
        if a is not None:
            return a
    if position is not None:
        pos = call.positional
        if len(pos) > position and not pos[position].value.startswith("*"):
            return pos[position]
    return None


__all__ = [
    "Fact", "Verdict", "LineMap", "pair_facts", "verdicts", "to_findings", "last", "tail", "name_words",
    "looks_constant", "parse_expr", "dict_literal", "string_items", "attribute_assignments", "nested_units",
    "seconds_of", "int_of", "NEVER", "argument", "Assignment",
]
