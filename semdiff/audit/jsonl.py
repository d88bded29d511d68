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


_HEX = frozenset("0123456789abcdefABCDEF")
_SEVERITIES = frozenset({"critical", "high", "medium", "low", "info"})


def well_formed(value: Any) -> bool:
    """Whether `value` has the shape of an audit record, as far as resuming and the final
    report read it. A damaged or hand-edited line (a `findings` that is not a list, a numeric
    sha) used to reach the summary and end the run with a traceback."""
    if not isinstance(value, dict):
        return False
    sha = value.get("sha")
    if not (isinstance(sha, str) and 4 <= len(sha) <= 64 and set(sha) <= _HEX):
        return False
    for key in ("parent", "date", "subject", "error"):
        if value.get(key) is not None and not isinstance(value[key], str):
            return False
    counts = value.get("counts", {})
    if not (isinstance(counts, dict) and all(isinstance(k, str) and type(v) is int for k, v in counts.items())):
        return False
    findings = value.get("findings", [])
    if not (isinstance(findings, list) and all(
            isinstance(f, dict) and isinstance(f.get("rule_id"), str) and str(f.get("severity")).lower() in _SEVERITIES
            for f in findings)):
        return False
    skipped = value.get("not_analyzed", [])
    if not (isinstance(skipped, list) and all(isinstance(n, dict) for n in skipped)):
        return False
    return value.get("elapsed") is None or type(value["elapsed"]) in (int, float)


def read_records(path: str, rejected: Optional[list[int]] = None) -> Iterator[dict[str, Any]]:
    """Complete, well-formed records of a JSONL file; a cut-off last line is dropped, and any
    other line that is not a record is skipped (its line number appended to `rejected`), so
    its commit counts as not done and is analysed again."""
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, 1):
            if not raw.endswith(b"\n"):
                return
            if not raw.strip():
                continue
            try:
                value = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError):
                value = None
            if well_formed(value):
                yield value
            elif rejected is not None:
                rejected.append(number)


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


def done_keys(path: Optional[str], rejected: Optional[list[int]] = None) -> tuple[set[RecordKey], list[dict[str, Any]]]:
    """Keys and records already in `path` (nothing when it does not exist yet); line numbers
    of lines that are not records go to `rejected`."""
    if not path or not os.path.lexists(path):
        return set(), []
    if not os.path.isfile(path):  # a FIFO would block the read forever, a directory cannot be appended to
        raise InputError(f"cannot resume from '{path}': not a regular file; pass the JSONL file of an earlier run")
    try:
        records = list(read_records(path, rejected))
    except OSError as exc:
        raise InputError(f"cannot read '{path}' to resume: {exc.strerror or exc}") from exc
    return {record_key(r) for r in records}, records
