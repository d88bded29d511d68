"""JavaScript/TypeScript units compared as syntax trees, for what formatters change.

A unit's `body_key` is its text with layout, comments and names normalised, so it still holds
the parentheses a formatter adds or drops: Prettier writing `((flags & 8) === 8) ? a : b` as
`(flags & 8) === 8 ? a : b` made `decrypt` in a zip library read as changed behaviour in
crypto code under a "formatting" commit. The grouping is in the tree already, so the tree
with parenthesised-expression nodes replaced by their content, comments left out and the
tokens that only punctuate (quotes, `;`, `,`, parentheses) dropped is the same exactly when
the code is, up to those. Parsing only: the text is never run. Asked for units whose token
streams differ, when a narrow claim (formatting, a typo) is checked.
"""
from __future__ import annotations

from typing import Optional

from semdiff.ir import Unit

MAX_TEXT = 200_000
MAX_DEPTH = 400
_PUNCTUATION = frozenset({"(", ")", ";", ",", '"', "'"})
_WRAPPERS = frozenset({"parenthesized_expression"})
_COMMENTS = frozenset({"comment", "html_comment"})
_PATHS = {"javascript": "x.js", "typescript": "x.ts", "tsx": "x.tsx"}


def shape(unit: Unit) -> Optional[tuple]:
    """The unit's tree as nested tuples (None when it does not parse cleanly on its own)."""
    path = _PATHS.get(unit.language)
    if path is None or not unit.text or len(unit.text) > MAX_TEXT:
        return None
    from semdiff.lang.registry import backend_for

    backend = backend_for(path)
    parser = getattr(backend, "_parser", None)
    if parser is None:
        return None
    from semdiff.budget import FileTimeout, ParseTooSlow, parse_tree

    data = unit.text.encode("utf-8", "surrogatepass")
    try:
        tree = parse_tree(parser, data)
    except (FileTimeout, ParseTooSlow, ValueError):
        return None
    if tree is None or tree.root_node.has_error:
        return None
    try:
        return _node(tree.root_node, data, 0)
    except _TooDeep:
        return None


class _TooDeep(Exception):
    pass


def _node(node, data: bytes, depth: int):  # noqa: ANN001 - tree_sitter.Node
    if depth > MAX_DEPTH:
        raise _TooDeep
    while node.type in _WRAPPERS and node.named_child_count == 1:
        node = node.named_children[0]
    if node.child_count == 0:
        return data[node.start_byte:node.end_byte].decode("utf-8", "surrogatepass")
    parts = []
    loop = node.type.startswith("for")  # `for (a;;)` and `for (;a;)` differ only in where the `;` are
    for child in node.children:
        if child.type in _COMMENTS:
            continue
        if not child.is_named and child.type in _PUNCTUATION and not (loop and child.type == ";"):
            continue
        parts.append(_node(child, data, depth + 1))
    return (node.type, tuple(parts))


def same_code(before: Unit, after: Unit) -> bool:
    """Both units parse, and their trees are equal once parentheses, comments, quote style
    and punctuation are set aside. False is no proof of anything."""
    if before.language != after.language:
        return False
    a = shape(before)
    return a is not None and a == shape(after)
