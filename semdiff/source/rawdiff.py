"""Parse `git diff --raw -z --no-abbrev` output into typed entries.

`-z` output is the only form whose paths need no unquoting: every path is the exact byte
string from the tree, so odd names (spaces, quotes, newlines, non-UTF-8) cannot confuse it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

ABSENT_MODE = "000000"
SYMLINK_MODE = "120000"
GITLINK_MODE = "160000"


@dataclass(frozen=True)
class RawEntry:
    """One changed path pair as git reported it."""

    old_mode: str
    new_mode: str
    old_sha: str
    new_sha: str
    letter: str  # A C D M R T U X
    score: Optional[int]  # similarity for R/C
    old_path: Optional[str]
    new_path: Optional[str]

    @property
    def key(self) -> str:
        """The destination path (source path for deletions): unique within one diff."""
        return self.new_path or self.old_path or ""

    def has_mode(self, mode: str) -> bool:
        return self.old_mode == mode or self.new_mode == mode


def _is_null_sha(sha: str) -> bool:
    return not sha.strip("0")


def parse_raw(data: bytes) -> list[RawEntry]:
    fields = data.split(b"\0")
    entries: list[RawEntry] = []
    i = 0
    while i < len(fields):
        meta = fields[i]
        i += 1
        if not meta.startswith(b":"):
            continue
        parts = meta[1:].decode("ascii", errors="replace").split()
        if len(parts) < 5:
            continue
        old_mode, new_mode, old_sha, new_sha, status = parts[:5]
        letter = status[:1]
        score = int(status[1:]) if status[1:].isdigit() else None
        first = os.fsdecode(fields[i]) if i < len(fields) else ""
        i += 1
        second: Optional[str] = None
        if letter in ("R", "C"):
            second = os.fsdecode(fields[i]) if i < len(fields) else ""
            i += 1
        if letter in ("R", "C"):
            old_path, new_path = first, second
        elif letter == "A":
            old_path, new_path = None, first
        elif letter == "D":
            old_path, new_path = first, None
        else:
            old_path = new_path = first
        entries.append(RawEntry(
            old_mode=old_mode, new_mode=new_mode,
            old_sha="" if _is_null_sha(old_sha) else old_sha,
            new_sha="" if _is_null_sha(new_sha) else new_sha,
            letter=letter, score=score, old_path=old_path, new_path=new_path,
        ))
    return entries
