"""Quoted strings found in source text in linear time, with the exact result of the backtracking
regex several rules used to spell out, `(["'`])((?:\\\\.|(?!\\1).)*)\\1`.

That regex is ambiguous: a backslash can be read as the start of an escape (`\\\\.`) or as a
plain character (`.`), so a run of n backslashes in a string that never closes (a literal cut
short by the IR's text limit, a raw regex in backticks) splits 2^(n/2) ways, and `re` tries
every one before giving up: a 300-character email regex took minutes. Whether the body can
still reach a closing quote from a given position does not depend on how it got there, so a
depth-first search that remembers the positions it has exhausted visits each one once and
finds the same match, in the same preference order (escape, then plain character, then the
closing quote), that `re` finds.
"""
from __future__ import annotations

import re
from typing import Callable, NamedTuple, Optional


class Quoted(NamedTuple):
    start: int  # the opening quote
    end: int    # just after the closing quote
    body: str   # the text between the quotes, escapes as written


def _body_end(text: str, first: int, quote: str, dotall: bool, nonempty: bool,
              accept: Optional[Callable[[int], bool]], dead: set[int]) -> int:
    """Where the body that starts at `first` ends (the index of its closing quote), or -1.
    `dead` holds positions from which no accepted closing quote is reachable; it may be shared
    between calls with the same quote, text and `accept`."""
    n = len(text)
    stack = [[first, 0]]
    while stack:
        top = stack[-1]
        p = top[0]
        if top[1] == 0:  # an escape: a backslash and the character after it
            top[1] = 1
            if (p + 1 < n and text[p] == "\\" and (dotall or text[p + 1] != "\n")
                    and p + 2 not in dead):
                stack.append([p + 2, 0])
                continue
        if top[1] == 1:  # any other character but the quote
            top[1] = 2
            if p < n and text[p] != quote and (dotall or text[p] != "\n") and p + 1 not in dead:
                stack.append([p + 1, 0])
                continue
        stack.pop()
        may_close = p > first or not nonempty
        if may_close and p < n and text[p] == quote and (accept is None or accept(p + 1)):
            return p
        if may_close:  # the start of a nonempty body is a different state: never shared
            dead.add(p)
    return -1


def quoted_strings(text: str, quotes: str = "\"'`", *, dotall: bool = False,
                   nonempty: bool = False) -> list[Quoted]:
    """The non-overlapping quoted strings of `text`, left to right, as
    `re.finditer(r'([QUOTES])((?:\\\\.|(?!\\1).)*)\\1', text)` finds them (`+` for `*` when
    `nonempty`; `.` matches a newline only when `dotall`)."""
    opener = re.compile("[" + re.escape(quotes) + "]")
    dead: dict[str, set[int]] = {q: set() for q in quotes}
    out: list[Quoted] = []
    pos = 0
    while True:
        m = opener.search(text, pos)
        if m is None:
            return out
        s = m.start()
        q = text[s]
        e = _body_end(text, s + 1, q, dotall, nonempty, None, dead[q])
        if e < 0:
            pos = s + 1
            continue
        out.append(Quoted(s, e + 1, text[s + 1:e]))
        pos = e + 1


def quoted_then(text: str, start: int, rest: re.Pattern, quotes: str = "\"'`", *,
                dotall: bool = False, nonempty: bool = False) -> Optional[tuple[Quoted, re.Match]]:
    """The quoted string opening at `start` followed by a match of `rest` (`rest.match` at
    the closing quote's end), the pair a backtracking `quoted-string` + `rest` regex anchored
    at `start` would find; None when there is none."""
    if start >= len(text) or text[start] not in quotes:
        return None
    tails: dict[int, Optional[re.Match]] = {}

    def accept(end: int) -> bool:
        if end not in tails:
            tails[end] = rest.match(text, end)
        return tails[end] is not None

    q = text[start]
    e = _body_end(text, start + 1, q, dotall, nonempty, accept, set())
    if e < 0:
        return None
    tail = tails[e + 1]
    assert tail is not None
    return Quoted(start, e + 1, text[start + 1:e]), tail
