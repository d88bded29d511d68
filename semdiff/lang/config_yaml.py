"""YAML with line positions, read safely.

PyYAML's `compose` gives the node graph with marks and constructs nothing, so no tag in a
hostile file can build an object (we never call a constructor; unknown tags stay text).
Aliases are shared nodes in that graph; expanding them naively is the "billion laughs"
attack, so conversion counts every node it emits and stops at a budget.
"""
from __future__ import annotations

from typing import Optional

import yaml

from semdiff.lang.config_tree import ConfigSyntaxError, Node, last_wins

MAX_NODES = 200_000
MAX_DEPTH = 200

_BOOL_TRUE = {"yes", "true", "on", "y"}


def _blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _end_line(node: yaml.Node, lines: list[str]) -> int:
    """Last line that holds the node's own text.

    A block node's end mark sits on the next token (`- ` of the next item, the next key), so
    when only indentation or a dash precedes the mark the node ended on an earlier line;
    trailing blank and comment lines are not part of the node either.
    """
    start, end = node.start_mark, node.end_mark
    last = end.line + 1 if end.column > 0 else end.line
    if end.column > 0 and end.line < len(lines) and lines[end.line][: end.column].strip() in ("", "-"):
        last = end.line
    while last > start.line + 1 and last <= len(lines) and _blank_or_comment(lines[last - 1]):
        last -= 1
    return max(start.line + 1, last)


def _scalar_value(node: yaml.ScalarNode):
    tag, raw = node.tag, node.value
    if tag == "tag:yaml.org,2002:bool":
        return raw.lower() in _BOOL_TRUE
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:int":
        try:
            return int(raw.replace("_", ""), 0)
        except ValueError:
            return raw
    if tag == "tag:yaml.org,2002:float":
        try:
            return float(raw.replace("_", ""))
        except ValueError:
            return raw
    return raw


class _Converter:
    def __init__(self, text: str) -> None:
        self.count = 0
        self.lines = text.splitlines()

    def convert(self, node: yaml.Node, depth: int = 0) -> Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise ConfigSyntaxError(f"syntax error: more than {MAX_NODES} YAML nodes (alias expansion bomb?)")
        if depth > MAX_DEPTH:
            raise ConfigSyntaxError(f"syntax error: YAML nested deeper than {MAX_DEPTH} levels")
        line, end = node.start_mark.line + 1, _end_line(node, self.lines)
        if isinstance(node, yaml.ScalarNode):
            return Node("scalar", line, end, value=_scalar_value(node))
        if isinstance(node, yaml.SequenceNode):
            return Node("seq", line, end, items=tuple(self.convert(i, depth + 1) for i in node.value))
        entries: list[tuple[str, int, Node]] = []
        merged: list[tuple[str, int, Node]] = []
        for k, v in node.value:
            value = self.convert(v, depth + 1)
            if isinstance(k, yaml.ScalarNode):
                key = k.value  # raw text: `on:` stays "on", not YAML 1.1's True
            else:
                key = "<complex-key>"
            if key == "<<" and (value.is_map or value.is_seq):
                # merge key: the merged entries count as written here, but an explicit key
                # wins wherever it is written, and of several merged maps the first wins
                for source in (value,) if value.is_map else reversed(value.items):
                    if source.is_map:
                        merged.extend(source.entries)
                continue
            entries.append((key, k.start_mark.line + 1, value))
        explicit = {k for k, _, _ in entries}
        return Node("map", line, end, entries=last_wins([e for e in merged if e[0] not in explicit] + entries))


def read_yaml(text: str) -> Optional[Node]:
    """The first document of `text` as a `Node` (None for an empty file).

    Raises `ConfigSyntaxError` with the parser's message for malformed input.
    """
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_node() if loader.check_node() else None
        if root is not None and loader.check_node():
            # which document a consumer reads is not ours to guess: refuse, fail closed
            raise ConfigSyntaxError("syntax error: more than one YAML document in the file")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigSyntaxError(f"syntax error: {exc.problem or exc.context}{where}") from None
    except yaml.YAMLError as exc:
        raise ConfigSyntaxError(f"syntax error: {exc}") from None
    except RecursionError:
        raise ConfigSyntaxError("syntax error: YAML nested too deeply") from None
    finally:
        loader.dispose()
    if root is None:
        return None
    return _Converter(text).convert(root)
