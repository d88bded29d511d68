"""Reading checked-out files, only for the working-tree comparison, only inside the root.

Every other mode reads git blobs. Here the new side is whatever is on disk, which a hostile
checkout can arrange: a symlink to /etc/shadow, a directory swapped for a symlink, a FIFO
that blocks forever. So every component is checked with lstat (no symlink anywhere on the
way), the file is opened with O_NOFOLLOW|O_NONBLOCK and must be a regular file, and at
most `max_bytes + 1` bytes are read.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Optional

from semdiff.source.paths import unsafe_reason


@dataclass(frozen=True)
class DiskRead:
    """`data` when the file could be read safely; else a NotAnalyzed reason and detail."""

    data: Optional[bytes] = None
    reason: str = ""
    detail: str = ""


def read_checked_out(root: str, rel: str, max_bytes: int) -> DiskRead:
    bad = unsafe_reason(rel)
    if bad:
        return DiskRead(reason="unsafe-path", detail=bad)
    real_root = os.path.realpath(root)
    parts = rel.split("/")
    current = real_root
    for part in parts[:-1]:
        current = os.path.join(current, part)
        try:
            st = os.lstat(current)
        except OSError as exc:
            return DiskRead(reason="unreadable", detail=f"{rel}: {exc.strerror}")
        if stat.S_ISLNK(st.st_mode):
            return DiskRead(reason="unsafe-path", detail=f"{rel}: directory {part!r} is a symlink; not followed")
        if not stat.S_ISDIR(st.st_mode):
            return DiskRead(reason="unreadable", detail=f"{rel}: {part!r} is not a directory")
    full = os.path.join(current, parts[-1])
    try:
        st = os.lstat(full)
    except OSError as exc:
        return DiskRead(reason="unreadable", detail=f"{rel}: {exc.strerror}")
    if stat.S_ISLNK(st.st_mode):
        return DiskRead(reason="symlink", detail=f"{rel} is a symlink; not followed")
    if not stat.S_ISREG(st.st_mode):
        return DiskRead(reason="not-a-file", detail=f"{rel} is not a regular file")
    if not os.path.realpath(full).startswith(real_root + os.sep):
        return DiskRead(reason="unsafe-path", detail=f"{rel} resolves outside the repository")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(full, flags)
    except OSError as exc:
        return DiskRead(reason="unreadable", detail=f"{rel}: {exc.strerror}")
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return DiskRead(reason="not-a-file", detail=f"{rel} is not a regular file")
        if st.st_size > max_bytes:
            return DiskRead(reason="too-large", detail=f"{rel}: {st.st_size} bytes > limit {max_bytes}")
        chunks, left = [], max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        return DiskRead(reason="too-large", detail=f"{rel}: more than {max_bytes} bytes")
    return DiskRead(data=data)
