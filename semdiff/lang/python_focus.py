"""Blank out the Python definitions a change cannot reach, so libcst parses only what matters.

libcst (parse + position metadata) is the largest cost of a run, and a pull request touches
a few functions of each file it changes. Before the precise parse, one tree-sitter pass
(about a millisecond per file) finds the module's top-level functions and classes and the
methods of those classes. A definition is kept when a changed line falls inside it on
either side, or when a kept definition names it (a helper the rules may inline, a
decorator, a method called through `self.`); everything else is replaced by blank lines on
both sides. Line numbers do not move, so every span in the IR is exactly what a full parse
gives, and a definition outside the change would have produced no unit change anyway:
`align_units` drops units that no hunk touches.

Module-level statements and class-level statements other than definitions are always kept
(settings, allow-lists, imports). Anything unusual — a tree with syntax errors, lone
carriage returns, a definition sharing a line with another statement — makes the focus give
up and return the texts unchanged, so the worst case is the old cost, never a wrong answer.
"""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from typing import Iterable, Optional

from semdiff.budget import parse_tree

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | {"self", "cls"}
_PARSER = None


def _parser():
    global _PARSER
    if _PARSER is None:
        import tree_sitter_python
        from tree_sitter import Language, Parser

        _PARSER = Parser(Language(tree_sitter_python.language()))
    return _PARSER


@dataclass(frozen=True)
class _Def:
    qualname: str
    name: str
    start: int  # 0-based first line (first decorator)
    end: int  # 0-based last line
    parent: Optional[str]  # qualname of the enclosing class, None at module level
    is_function: bool


class _GiveUp(Exception):
    pass


def _definition(node):
    """(inner definition node, outer node incl. decorators) or None for other statements."""
    if node.type == "decorated_definition":
        inner = node.child_by_field_name("definition")
        return (inner, node) if inner is not None else None
    if node.type in ("function_definition", "class_definition"):
        return node, node
    return None


def _name(node, data: bytes) -> str:
    n = node.child_by_field_name("name")
    if n is None:
        raise _GiveUp
    return data[n.start_byte:n.end_byte].decode("utf-8", "surrogatepass")


def _span(outer, lines: list[bytes]) -> tuple[int, int]:
    """Whole lines of a definition, or give up when it shares a line with other code."""
    (r0, c0), (r1, c1) = outer.start_point, outer.end_point
    if c1 == 0 and r1 > r0:
        r1 -= 1
        c1 = len(lines[r1])
    if lines[r0][:c0].strip() or lines[r1][c1:].split(b"#", 1)[0].strip():
        raise _GiveUp
    return r0, r1


def _definitions(data: bytes, lines: list[bytes]) -> tuple[list[_Def], dict[str, list[tuple[int, int]]], list[tuple[int, int]]]:
    tree = parse_tree(_parser(), data)
    root = tree.root_node
    if root.has_error:
        raise _GiveUp
    defs: list[_Def] = []
    class_bodies: dict[str, list[tuple[int, int]]] = {}  # class qualname -> (row, column) of each body statement
    blocks: list[tuple[int, int]] = []  # rows of multi-line module/class-level statements
    stack = [(root.children, "", None)]
    while stack:
        children, prefix, parent = stack.pop()
        for child in children:
            found = _definition(child)
            if found is None:
                if child.end_point[0] > child.start_point[0] and child.type != "comment":
                    blocks.append((child.start_point[0], child.end_point[0]))
                continue
            inner, outer = found
            name = _name(inner, data)
            qual = prefix + name
            start, end = _span(outer, lines)
            defs.append(_Def(qual, name, start, end, parent, inner.type == "function_definition"))
            if inner.type == "class_definition":
                body = inner.child_by_field_name("body")
                if body is not None:
                    stmts = [c for c in body.named_children if c.type != "comment"]
                    class_bodies[qual] = [tuple(c.start_point) for c in stmts]  # no node kept: the tree can go
                    stack.append((stmts, qual + ".", qual))
    return defs, class_bodies, blocks


@dataclass
class _Side:
    data: bytes
    lines: list[bytes]
    defs: list[_Def]
    class_bodies: dict[str, list[tuple[int, int]]]
    blocks: list[tuple[int, int]]


# Sides read, by text, most recently used last. The changed-name pass reads every Python side
# of a change before any file is focused (semdiff.pipeline._changed_module_names), and the
# parse workers fork after it: when every side of the change is still here, neither they nor
# this process read one twice (a 32-entry LRU re-read all 400 sides of a 200-file change).
# A side holds its text's bytes and lines, not the tree, so the bound is on text bytes.
_SIDES: dict[str, _Side] = {}
_SIDES_BYTES = 0
MAX_SIDES_BYTES = 32 << 20
MAX_SIDES = 4096


def _side(text: str) -> _Side:
    """One tree-sitter read per text: the changed-name pass over a whole change and the focus
    of each file ask for the same sides (callers only read the result)."""
    global _SIDES_BYTES
    hit = _SIDES.pop(text, None)
    if hit is not None:
        _SIDES[text] = hit
        return hit
    if "\r" in text.replace("\r\n", ""):
        raise _GiveUp  # libcst counts a lone CR as a line break, tree-sitter does not
    data = text.encode("utf-8", "surrogatepass")
    lines = data.split(b"\n")
    defs, bodies, blocks = _definitions(data, lines)
    side = _Side(data, lines, defs, bodies, blocks)
    if len(data) <= MAX_SIDES_BYTES:
        while _SIDES and (_SIDES_BYTES + len(data) > MAX_SIDES_BYTES or len(_SIDES) >= MAX_SIDES):
            _SIDES_BYTES -= len(_SIDES.pop(next(iter(_SIDES))).data)
        _SIDES[text] = side
        _SIDES_BYTES += len(data)
    return side


def _head_names(side: _Side, rows: Iterable[int], top_level_only: bool = False) -> set[str]:
    """Names on the first line of each multi-line statement a changed row falls inside: an
    item changed in the middle of `UNSAFE = (` ... `)` changes what `UNSAFE` holds."""
    names: set[str] = set()
    for r in rows:
        for a, b in side.blocks:
            if a < r <= b and not (top_level_only and side.lines[a][:1].isspace()):
                names |= set(_IDENT.findall(side.lines[a].decode("utf-8", "surrogatepass")))
    return names


def _touched(side: _Side, changed: Iterable[int]) -> tuple[set[str], set[str]]:
    """Definitions a changed line falls in, and the names on changed lines outside functions."""
    rows = {n - 1 for n in changed}
    touched = {d.qualname for d in side.defs if any(d.start <= r <= d.end for r in rows)}
    in_function = [(d.start, d.end) for d in side.defs if d.is_function]
    names: set[str] = set()
    outside = [r for r in rows if 0 <= r < len(side.lines) and not any(a <= r <= b for a, b in in_function)]
    for r in outside:
        names |= set(_IDENT.findall(side.lines[r].decode("utf-8", "surrogatepass")))
    names |= _head_names(side, outside)
    return touched, names - _KEYWORDS


def _words(side: _Side, d: _Def) -> set[str]:
    """Names a definition uses; a class's own lines only, not its methods' bodies."""
    rows = set(range(d.start, d.end + 1))
    if not d.is_function:
        for m in side.defs:
            if m.parent == d.qualname:
                rows -= set(range(m.start, m.end + 1))
    text = b"\n".join(side.lines[r] for r in sorted(rows)).decode("utf-8", "surrogatepass")
    return set(_IDENT.findall(text))


def _keep(sides: list[_Side], touched: set[str], names: set[str]) -> set[str]:
    """Touched definitions; those that use a name a changed module- or class-level line binds
    (a constant, an import, a class attribute); their enclosing classes; and, transitively,
    whatever a kept definition names (helpers the rules may inline)."""
    words = {(id(side), d.qualname): _words(side, d) for side in sides for d in side.defs}
    frontier = set(touched)
    if names:
        frontier |= {d.qualname for side in sides for d in side.defs if words[(id(side), d.qualname)] & names}
    keep: set[str] = set()
    by_name: dict[str, set[str]] = {}
    for side in sides:
        for d in side.defs:
            by_name.setdefault(d.name, set()).add(d.qualname)
    while frontier:
        keep |= frontier
        named: set[str] = set()
        for side in sides:
            for d in side.defs:
                if d.qualname in frontier:
                    named |= words[(id(side), d.qualname)]
        new: set[str] = set()
        for w in named:
            new |= by_name.get(w, set())
        for q in list(keep | new):  # a kept method needs its class
            parts = q.split(".")
            new |= {".".join(parts[:i]) for i in range(1, len(parts))}
        frontier = new - keep
    return keep


def _blank(side: _Side, keep: set[str]) -> str:
    lines = list(side.lines)
    dropped = [d for d in side.defs if d.qualname not in keep and (d.parent is None or d.parent in keep)]
    rows = {r for d in dropped for r in range(d.start, d.end + 1)}
    for qual, starts in side.class_bodies.items():
        if qual in keep and starts and all(row in rows for row, _col in starts):
            row, col = starts[0]
            rows.discard(row)  # a class body must not end up empty
            lines[row] = lines[row][:col] + b"pass"
    for r in rows:
        lines[r] = b""
    return b"\n".join(lines).decode("utf-8", "surrogatepass")


def module_level_names(changed_lines: Iterable[str]) -> frozenset[str]:
    """Names on changed lines at indentation 0 of any file in the change: a constant or import
    changed in one module can loosen an unchanged check in another (rules/evasion)."""
    out: set[str] = set()
    for line in changed_lines:
        if line[:1].strip():
            out |= set(_IDENT.findall(line))
    return frozenset(out - _KEYWORDS)


def enclosing_statement_names(text: Optional[str], changed: Iterable[int]) -> frozenset[str]:
    """module_level_names for changed lines that sit inside a multi-line module-level statement
    (the name it binds is on its first line, not on the changed one); empty when unsure."""
    rows = [n - 1 for n in changed]
    if text is None or not rows:
        return frozenset()
    try:
        side = _side(text)
    except (_GiveUp, UnicodeError, ValueError):
        return frozenset()
    return frozenset(_head_names(side, rows, top_level_only=True) - _KEYWORDS)


def focus(
    old_text: Optional[str],
    new_text: Optional[str],
    removed: Iterable[int],
    added: Iterable[int],
    names: frozenset[str] = frozenset(),
) -> tuple[Optional[str], Optional[str]]:
    """Both sides with unreachable definitions blanked; the inputs unchanged if unsure.

    `names` are names changed elsewhere in the same change (module_level_names)."""
    removed, added = list(removed), list(added)
    if not removed and not added:
        return old_text, new_text  # a file given for context only: every unit may matter
    try:
        old = _side(old_text) if old_text is not None else None
        new = _side(new_text) if new_text is not None else None
    except (_GiveUp, UnicodeError, ValueError):
        return old_text, new_text
    touched: set[str] = set()
    local: set[str] = set()
    for side, lines in ((old, removed), (new, added)):
        if side is not None:
            t, n = _touched(side, lines)
            touched |= t
            local |= n
    sides = [s for s in (old, new) if s is not None]
    keep = _keep(sides, touched, local | names)
    try:
        return (_blank(old, keep) if old is not None else None, _blank(new, keep) if new is not None else None)
    except (UnicodeError, ValueError):
        return old_text, new_text
