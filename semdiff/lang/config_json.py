"""JSON (and the JSONC that editors accept: comments, trailing commas) with line positions.

The standard `json` module gives values but not lines; this small recursive-descent
reader gives both. It is iterative in nothing and bounded in depth, so a hostile file
ends in `ConfigSyntaxError`, never in a crash.
"""
from __future__ import annotations

from typing import Optional

from semdiff.lang.config_tree import ConfigSyntaxError, Node, last_wins

MAX_DEPTH = 200
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class _Reader:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.line = 1

    def fail(self, what: str) -> ConfigSyntaxError:
        return ConfigSyntaxError(f"syntax error: {what} at line {self.line}")

    def skip(self) -> None:
        s, n = self.s, len(self.s)
        while self.i < n:
            c = s[self.i]
            if c == "\n":
                self.line += 1
                self.i += 1
            elif c in " \t\r\ufeff":
                self.i += 1
            elif s.startswith("//", self.i):
                end = s.find("\n", self.i)
                self.i = n if end < 0 else end
            elif s.startswith("/*", self.i):
                end = s.find("*/", self.i + 2)
                if end < 0:
                    raise self.fail("unterminated comment")
                self.line += s.count("\n", self.i, end)
                self.i = end + 2
            else:
                return

    def peek(self) -> str:
        self.skip()
        return self.s[self.i] if self.i < len(self.s) else ""

    def value(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(f"nested deeper than {MAX_DEPTH} levels")
        c = self.peek()
        start = self.line
        if c == "{":
            self.i += 1
            entries: list[tuple[str, int, Node]] = []
            while True:
                c = self.peek()
                if c == "}":
                    self.i += 1
                    return Node("map", start, self.line, entries=last_wins(entries))
                if c != '"':
                    raise self.fail("expected a quoted key or '}'")
                key_line = self.line
                key = self.string()
                if self.peek() != ":":
                    raise self.fail("expected ':'")
                self.i += 1
                entries.append((key, key_line, self.value(depth + 1)))
                c = self.peek()
                if c == ",":
                    self.i += 1
                elif c != "}":
                    raise self.fail("expected ',' or '}'")
        if c == "[":
            self.i += 1
            items: list[Node] = []
            while True:
                c = self.peek()
                if c == "]":
                    self.i += 1
                    return Node("seq", start, self.line, items=tuple(items))
                items.append(self.value(depth + 1))
                c = self.peek()
                if c == ",":
                    self.i += 1
                elif c != "]":
                    raise self.fail("expected ',' or ']'")
        if c == '"':
            return Node("scalar", start, start, value=self.string())
        for word, val in (("true", True), ("false", False), ("null", None)):
            if self.s.startswith(word, self.i):
                self.i += len(word)
                return Node("scalar", start, start, value=val)
        j = self.i
        while j < len(self.s) and self.s[j] in "+-0123456789.eE":
            j += 1
        if j == self.i:
            raise self.fail(f"unexpected {c!r}" if c else "unexpected end of input")
        raw = self.s[self.i:j]
        self.i = j
        try:
            num = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
        except ValueError:
            raise self.fail(f"bad number {raw!r}") from None
        return Node("scalar", start, start, value=num)

    def string(self) -> str:
        s, n = self.s, len(self.s)
        self.i += 1
        out: list[str] = []
        while True:
            if self.i >= n:
                raise self.fail("unterminated string")
            c = s[self.i]
            if c == '"':
                self.i += 1
                return "".join(out)
            if c == "\n":
                raise self.fail("newline in string")
            if c == "\\":
                e = s[self.i + 1:self.i + 2]
                if e == "u":
                    hexd = s[self.i + 2:self.i + 6]
                    try:
                        out.append(chr(int(hexd, 16)))
                    except ValueError:
                        raise self.fail("bad \\u escape") from None
                    self.i += 6
                    continue
                if e not in _ESCAPES:
                    raise self.fail("bad escape")
                out.append(_ESCAPES[e])
                self.i += 2
                continue
            out.append(c)
            self.i += 1


def read_json(text: str) -> Optional[Node]:
    """The document as a `Node` (None when the file is empty or only comments)."""
    r = _Reader(text)
    if not r.peek():
        return None
    node = r.value(0)
    if r.peek():
        raise r.fail("trailing data after the document")
    return node
