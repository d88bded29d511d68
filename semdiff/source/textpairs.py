"""Build a `FileChange` from two full texts, with hunks computed by difflib.

This is how fixtures and library callers that already hold both versions enter the
pipeline without a repository; it is the same `FileChange` a git range produces.
"""
from __future__ import annotations

import difflib
from typing import Optional

from semdiff.model import ChangeStatus, FileChange, Hunk


def hunks_between(old: str, new: str) -> tuple[Hunk, ...]:
    a, b = old.splitlines(), new.splitlines()
    out: list[Hunk] = []
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in sm.get_grouped_opcodes(3):
        removed: list[int] = []
        added: list[int] = []
        rtext: list[str] = []
        atext: list[str] = []
        c_old: list[int] = []
        c_new: list[int] = []
        c_text: list[str] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                c_old.extend(range(i1 + 1, i2 + 1))
                c_new.extend(range(j1 + 1, j2 + 1))
                c_text.extend(a[i1:i2])
                continue
            if tag in ("replace", "delete"):
                removed.extend(range(i1 + 1, i2 + 1))
                rtext.extend(a[i1:i2])
            if tag in ("replace", "insert"):
                added.extend(range(j1 + 1, j2 + 1))
                atext.extend(b[j1:j2])
        first, last = group[0], group[-1]
        out.append(
            Hunk(
                old_start=first[1] + 1,
                old_length=last[2] - first[1],
                new_start=first[3] + 1,
                new_length=last[4] - first[3],
                removed=tuple(removed),
                added=tuple(added),
                removed_text=tuple(rtext),
                added_text=tuple(atext),
                context_old=tuple(c_old),
                context_new=tuple(c_new),
                context_text=tuple(c_text),
            )
        )
    return tuple(out)


def file_change_from_texts(path: str, before: Optional[str], after: Optional[str]) -> FileChange:
    if before is None and after is None:
        raise ValueError("file_change_from_texts needs at least one side")
    if before is None:
        status = ChangeStatus.ADDED
    elif after is None:
        status = ChangeStatus.DELETED
    else:
        status = ChangeStatus.MODIFIED
    return FileChange(
        old_path=path if before is not None else None,
        new_path=path if after is not None else None,
        status=status,
        hunks=hunks_between(before or "", after or ""),
        old_text=before if before is not None else ("" if after is None else None),
        new_text=after,
    )
