"""Bytes of a file version -> the text the language stage reads, or why there is none.

One decision point for every source (git blobs, working-tree files), so a file is binary,
an LFS pointer, too large or undecodable for the same reasons whichever way it arrived.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Optional

LFS_POINTER_PREFIX = b"version https://git-lfs.github.com/spec/"

# PEP 263: the cookie must be on line 1 or 2, in a comment.
_CODING_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


@dataclass(frozen=True)
class Decoded:
    """`text` when usable; otherwise `reason` (binary, lfs-pointer, invalid-utf8) and detail."""

    text: Optional[str] = None
    reason: str = ""
    detail: str = ""
    lone_cr: bool = False  # a bare CR became a line break: git's line numbers no longer fit


def is_binary(data: bytes) -> bool:
    return b"\0" in data


_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32LE"), (codecs.BOM_UTF32_BE, "UTF-32BE"),
              (codecs.BOM_UTF16_LE, "UTF-16LE"), (codecs.BOM_UTF16_BE, "UTF-16BE"))


def binary_detail(data: Optional[bytes]) -> str:
    """Why bytes with NULs are not read, naming a UTF-16/32 byte-order mark when there is one
    (such a file is text to a browser or tsc, so say so instead of calling it binary data)."""
    for bom, name in _WIDE_BOMS:
        if data and data.startswith(bom):
            return f"{name} text (byte-order mark); only UTF-8 is read, convert it to analyse it"
    return "contains NUL bytes"


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def has_lone_cr(text: str) -> bool:
    return "\r" in text.replace("\r\n", "")


def python_cookie(data: bytes) -> Optional[str]:
    """The codec named by a PEP 263 cookie in the first two lines, if Python knows it."""
    for line in data.split(b"\n", 2)[:2]:
        match = _CODING_COOKIE.match(line)
        if match:
            name = match.group(1).decode("ascii", errors="replace")
            try:
                return codecs.lookup(name).name
            except LookupError:
                return None
        if line.strip() and not line.lstrip().startswith(b"#"):
            break  # a code line ends the region where a cookie may appear
    return None


def decode_source(path: str, data: bytes) -> Decoded:
    if is_binary(data):
        return Decoded(reason="binary", detail=binary_detail(data))
    if data.startswith(LFS_POINTER_PREFIX):
        return Decoded(reason="lfs-pointer", detail="Git LFS pointer; the real content is not in the repository")
    codec = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif path.endswith((".py", ".pyi", ".pyw")):
        codec = python_cookie(data) or "utf-8"
    try:
        text = data.decode(codec)
    except (UnicodeDecodeError, LookupError) as exc:
        return Decoded(reason="invalid-utf8", detail=f"cannot decode as {codec}: {exc}")
    return Decoded(text=normalise_newlines(text), lone_cr=has_lone_cr(text))
