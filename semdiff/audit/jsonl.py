"""The audit's output stream: one JSON object per line, flushed after every record.

A killed run therefore keeps every record it wrote; at most the last line is cut off. Resuming
reads the file back, keeps the whole records, drops a cut-off tail (truncating the file to the
last complete line, so appended records start on a line of their own) and reports which
commits are done.
"""
from __future__ import annotations

import json
import os
from typing import IO, Any, Iterator, Optional

from semdiff.errors import InputError

RecordKey = tuple[str, str]


def record_key(record: dict[str, Any]) -> RecordKey:
    return (str(record.get("sha", "")), str(record.get("parent") or ""))


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def read_records(path: str) -> Iterator[dict[str, Any]]:
    """Complete records of a JSONL file; unparsable or cut-off lines are skipped."""
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                return
            try:
                value = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                continue
            if isinstance(value, dict) and value.get("sha"):
                yield value


def _truncate_partial_tail(path: str) -> None:
    with open(path, "rb+") as fh:
        data = fh.read()
        if data and not data.endswith(b"\n"):
            fh.truncate(data.rfind(b"\n") + 1)


class RecordWriter:
    """Appends records to a file (or writes to a stream), flushing each one."""

    def __init__(self, stream: IO[str], owned: bool) -> None:
        self._stream = stream
        self._owned = owned
        self.written = 0

    @classmethod
    def open(cls, path: str, *, resume: bool) -> "RecordWriter":
        try:
            if resume and os.path.exists(path):
                _truncate_partial_tail(path)
                return cls(open(path, "a", encoding="utf-8"), owned=True)
            return cls(open(path, "w", encoding="utf-8"), owned=True)
        except OSError as exc:
            raise InputError(f"cannot write audit records to '{path}': {exc.strerror or exc}; choose a writable path") from exc

    def write(self, record: dict[str, Any]) -> None:
        self._stream.write(dumps(record) + "\n")
        self._stream.flush()
        self.written += 1

    def close(self) -> None:
        if self._owned:
            self._stream.close()


def done_keys(path: Optional[str]) -> tuple[set[RecordKey], list[dict[str, Any]]]:
    """Keys and records already in `path` (nothing when it does not exist yet)."""
    if not path or not os.path.exists(path):
        return set(), []
    try:
        records = list(read_records(path))
    except OSError as exc:
        raise InputError(f"cannot read '{path}' to resume: {exc.strerror or exc}") from exc
    return {record_key(r) for r in records}, records
