"""Pair before/after units and keep the pairs a hunk touches.

Pairing is by qualified name first; what is left is paired by structural similarity
(same body_key, or same name in another class/file), so a rename or move is followed
rather than seen as a deletion plus an addition (GumTree's "moved"/"updated" kinds).
"""
from __future__ import annotations

import difflib
import enum
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Iterable, Optional

from semdiff.ir import Unit
from semdiff.model import FileChange


class ChangeKind(str, enum.Enum):
    MODIFIED = "modified"
    ADDED = "added"
    DELETED = "deleted"
    MOVED = "moved"  # same body, other name/place
    RENAMED = "renamed"  # paired by similarity, name differs


@dataclass(frozen=True)
class UnitChange:
    before: Optional[Unit]
    after: Optional[Unit]
    kind: ChangeKind
    file: FileChange
    touched_before: tuple[int, ...] = ()  # removed line numbers within the before unit
    touched_after: tuple[int, ...] = ()  # added line numbers within the after unit

    @property
    def path(self) -> str:
        return self.file.path

    @property
    def qualname(self) -> str:
        return (self.after or self.before).qualname  # type: ignore[union-attr]

    @property
    def language(self) -> str:
        return (self.after or self.before).language  # type: ignore[union-attr]

    @property
    def hunk_only(self) -> bool:
        return self.file.hunk_only


def _lines_in(unit: Unit, lines: tuple[int, ...]) -> tuple[int, ...]:
    """The lines of `lines` (sorted, no repeats) within the unit's span: a slice, found by bisection."""
    return lines[bisect_left(lines, unit.span.line):bisect_right(lines, unit.span.end_line)]


def _children(units: list[Unit]) -> dict[Optional[str], list[Unit]]:
    """Units by the qualname of their enclosing unit, in order (read once per side of a file)."""
    out: dict[Optional[str], list[Unit]] = {}
    for u in units:
        out.setdefault(u.parent, []).append(u)
    return out


def _own_lines(unit: Unit, children: dict[Optional[str], list[Unit]], lines: tuple[int, ...]) -> tuple[int, ...]:
    """Lines inside `unit` but not inside a nested unit (a method's change is not its class's)."""
    nested = children.get(unit.qualname)
    if not nested or not lines:
        return lines
    return tuple(n for n in lines if not any(c.span.line <= n <= c.span.end_line for c in nested))


def _similarity(a: Unit, b: Unit) -> float:
    if a.body_key and a.body_key == b.body_key:
        return 1.0
    return difflib.SequenceMatcher(None, a.body_key or a.text, b.body_key or b.text, autojunk=False).quick_ratio()


def align_units(
    file: FileChange,
    before: Iterable[Unit],
    after: Iterable[Unit],
    removed_lines: Iterable[int],
    added_lines: Iterable[int],
) -> list[UnitChange]:
    before_l, after_l = list(before), list(after)
    removed, added = tuple(sorted(set(removed_lines))), tuple(sorted(set(added_lines)))
    by_name_after = {u.qualname: u for u in after_l}
    pairs: list[tuple[Optional[Unit], Optional[Unit], ChangeKind]] = []
    unmatched_before: list[Unit] = []
    used_after: set[str] = set()
    for b in before_l:
        a = by_name_after.get(b.qualname)
        if a is not None and a.kind == b.kind:
            pairs.append((b, a, ChangeKind.MODIFIED))
            used_after.add(a.qualname)
        else:
            unmatched_before.append(b)
    unmatched_after = [a for a in after_l if a.qualname not in used_after]
    for b in unmatched_before:
        best, score = None, 0.0
        for a in unmatched_after:
            if a.kind != b.kind:
                continue
            s = _similarity(b, a)
            if s > score:
                best, score = a, s
        if best is not None and score >= 0.75:
            unmatched_after.remove(best)
            pairs.append((b, best, ChangeKind.MOVED if score == 1.0 else ChangeKind.RENAMED))
        else:
            pairs.append((b, None, ChangeKind.DELETED))
    pairs.extend((None, a, ChangeKind.ADDED) for a in unmatched_after)

    out: list[UnitChange] = []
    before_children, after_children = _children(before_l), _children(after_l)
    for b, a, kind in pairs:
        tb = _own_lines(b, before_children, _lines_in(b, removed)) if b else ()
        ta = _own_lines(a, after_children, _lines_in(a, added)) if a else ()
        if not tb and not ta:
            # untouched by any hunk; a pure move of an unchanged body is still not a change
            continue
        out.append(UnitChange(b, a, kind, file, tb, ta))
    return out
