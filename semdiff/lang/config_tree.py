"""A position-carrying tree shared by the YAML, JSON and TOML readers.

Configuration rules need two things the standard parsers do not give together: the value
and the line it sits on (a finding must point at the key a reviewer has to look at). Every
reader produces this one small tree, and `flatten` turns it into the guard IR's `Setting`s
and `Literal`s with dotted key paths (`permissions.contents`, `permissions.allow[]`), so
rules never care which syntax a file was written in.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Union

from semdiff import digests
from semdiff.ir import Literal, Setting, Span, Unit

Scalar = Union[str, int, float, bool, None]

# lists of mappings are keyed by one of these fields when present, so inserting an element
# does not renumber every key after it (`branches[main]` instead of `branches[3]`)
IDENTITY_FIELDS = ("name", "id", "pattern", "matcher")


class ConfigSyntaxError(ValueError):
    """The text is not valid in its format; the message is the parser's, with a line."""


@dataclass(frozen=True)
class Node:
    kind: str  # map | seq | scalar
    line: int
    end_line: int
    value: Scalar = None  # scalars only
    entries: tuple[tuple[str, int, "Node"], ...] = ()  # maps: (key, key line, value)
    items: tuple["Node", ...] = ()  # sequences

    def get(self, key: str) -> Optional["Node"]:
        """Last entry wins, as in every mainstream YAML/JSON loader."""
        found = None
        for k, _, v in self.entries:
            if k == key:
                found = v
        return found

    def key_line(self, key: str) -> Optional[int]:
        found = None
        for k, line, _ in self.entries:
            if k == key:
                found = line
        return found

    def scalar(self, key: str) -> Optional[str]:
        node = self.get(key)
        return scalar_text(node.value) if node is not None and node.kind == "scalar" else None

    @property
    def is_map(self) -> bool:
        return self.kind == "map"

    @property
    def is_seq(self) -> bool:
        return self.kind == "seq"


def last_wins(entries: Iterable[tuple[str, int, "Node"]]) -> tuple[tuple[str, int, "Node"], ...]:
    """A mapping's entries with repeated keys collapsed the way loaders resolve them: the
    last one counts (JSON.parse, json, PyYAML). Keeping both let `flatten` emit the shadowed
    value too, so `{"deps": {"x": "1.0"}, "deps": {"x": "*"}}` read as still pinned."""
    out: dict[str, tuple[str, int, Node]] = {}
    for entry in entries:
        out.pop(entry[0], None)
        out[entry[0]] = entry
    return tuple(out.values())


def scalar_text(value: Scalar) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return str(value)


def _identity(node: Node, index: int) -> str:
    if node.is_map:
        for f in IDENTITY_FIELDS:
            v = node.scalar(f)
            if v is not None and "[" not in v and "]" not in v:
                return v
    return str(index)


def flatten(node: Node, prefix: str = "", skip: Iterable[str] = ()) -> tuple[list[Setting], list[Literal]]:
    """Every scalar as a `Setting` keyed by its dotted path; every scalar list also as a `Literal`.

    Items of scalar lists become `Setting(key="<path>[]")`, one per item and each with its own
    line, so "an item was added to the allow list" can point at that item.
    """
    settings: list[Setting] = []
    literals: list[Literal] = []
    skipped = set(skip)

    def walk(n: Node, key: str, key_line: int) -> None:
        if n.kind == "scalar":
            text = scalar_text(n.value)
            settings.append(Setting(key, text, Span(key_line, n.end_line), f"{key}: {text}", n.value, "config"))
            return
        if n.is_map:
            if not n.entries:
                settings.append(Setting(key, "{}", Span(key_line, n.end_line), f"{key}: {{}}", None, "config"))
            for k, kl, v in n.entries:
                sub = f"{key}.{k}" if key else k
                if sub in skipped:
                    continue
                walk(v, sub, kl)
            return
        scalars = [i for i in n.items if i.kind == "scalar"]
        if len(scalars) == len(n.items):
            items = tuple(scalar_text(i.value) for i in scalars)
            literals.append(Literal(key, items, Span(key_line, n.end_line), f"{key}: {list(items)}", "list"))
            if not items:
                settings.append(Setting(key, "[]", Span(key_line, n.end_line), f"{key}: []", None, "config"))
            for i in scalars:
                t = scalar_text(i.value)
                settings.append(Setting(f"{key}[]", t, Span(i.line, i.end_line), f"{key}[]: {t}", i.value, "config"))
            return
        for idx, item in enumerate(n.items):
            walk(item, f"{key}[{_identity(item, idx)}]", item.line)

    if node.is_map:
        for k, kl, v in node.entries:
            sub = f"{prefix}.{k}" if prefix else k
            if sub not in skipped:
                walk(v, sub, kl)
    else:
        walk(node, prefix, node.line)
    return settings, literals


def lines_text(text: str, line: int, end_line: int) -> str:
    lines = text.splitlines()
    return "\n".join(lines[max(0, line - 1):max(line, end_line)])


def body_key(text: str) -> str:
    """Whitespace-insensitive structure key, so the alignment can follow a renamed job."""
    return " ".join(text.split())


def config_unit(
    path: str,
    language: str,
    qualname: str,
    span: Span,
    source: str,
    *,
    settings: Iterable[Setting] = (),
    literals: Iterable[Literal] = (),
    calls: Iterable = (),
    parent: Optional[str] = None,
    name: Optional[str] = None,
) -> Unit:
    text = lines_text(source, span.line, span.end_line)
    return Unit(
        path=path,
        language=language,
        kind="config",
        qualname=qualname,
        name=name or qualname.rsplit(".", 1)[-1],
        span=span,
        calls=tuple(calls),
        literals=tuple(literals),
        settings=tuple(settings),
        text=text,
        body_key=body_key(text),
        parent=parent,
    )


def line_count(text: str) -> int:
    return max(1, len(text.splitlines()))


def digest(text: str) -> str:
    return digests.sha256(text.encode("utf-8", "replace")).hexdigest()[:12]
