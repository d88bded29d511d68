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


def unsafe_reason(path: Optional[str]) -> str:
    """Why `path` must not be used ('' when it is a plain relative path)."""
    if path is None:
        return ""
    if not path:
        return "empty path"
    if "\0" in path:
        return f"path contains a NUL byte: {path!r}"
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
