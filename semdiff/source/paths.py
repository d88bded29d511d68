"""Which paths from a diff or a tree may be used at all.

A path is only ever a label or a key below the repository root: an absolute path or one
that climbs with `..` could make a later stage (or a reviewer's tool) open a file outside
the repository, so such entries are reported and dropped, never opened.
"""
from __future__ import annotations

import re
from typing import Optional

_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_UNDECODABLE = re.compile("[\ud800-\udfff]")
# Characters that make a printed path say something else: line breaks start a fake report
# line ("x.py\nsemdiff: no findings."), ESC starts a terminal escape sequence, and the
# bidirectional overrides reorder what a reader sees (Trojan Source). Tab is only spacing.
_DECEPTIVE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def unsafe_reason(path: Optional[str]) -> str:
    """Why `path` must not be used ('' when it is a plain relative path)."""
    if path is None:
        return ""
    if not path:
        return "empty path"
    if "\0" in path:
        return f"path contains a NUL byte: {path!r}"
    if _DECEPTIVE.search(path):
        return f"path contains control or bidirectional-override characters: {display_path(path)}"
    if _UNDECODABLE.search(path):  # bytes kept by surrogateescape: not text any later stage can encode
        return f"path is not valid UTF-8: {path.encode('utf-8', 'surrogateescape')!r}"
    if path.startswith(("/", "\\")) or _DRIVE.match(path):
        return f"absolute path: {path}"
    parts = re.split(r"[\\/]", path)
    if any(part == ".." for part in parts):
        return f"path climbs out of the repository with '..': {path}"
    if parts and parts[0].lower() == ".git":
        return f"path inside the .git directory: {path}"
    return ""


def display_path(path: str) -> str:
    """`path` safe to print on one line: deceptive characters and undecodable bytes escaped
    (`app/x\\ny.py`), everything else as it is. Used as the label of an unsafe-path entry, which
    reporters print verbatim."""
    def escape(match: "re.Match[str]") -> str:
        ch = match.group(0)
        if "\udc80" <= ch <= "\udcff":
            return f"\\x{ord(ch) - 0xDC00:02x}"
        return ch.encode("unicode_escape").decode("ascii")

    return re.sub("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]",
                  escape, path)
