"""ParseCache.enclosing_names: the changed-names step of a warm run reads its answer instead of
a tree-sitter pass; other lines or texts miss; damaged entries are recomputed."""
from __future__ import annotations

from pathlib import Path

from semdiff import parse_cache
from semdiff.lang.python_focus import enclosing_statement_names

TEXT = "ALLOWED = (\n    'a',\n    'b',\n)\n\n\ndef f():\n    return ALLOWED\n"


def _counting() -> tuple[list, object]:
    calls: list = []

    def compute(text, lines):
        calls.append(tuple(lines))
        return enclosing_statement_names(text, lines)

    return calls, compute


def _entries(root: Path) -> list[Path]:
    return sorted((root / "graph").glob(f"{parse_cache.NAMES_KIND}-v*/*/*.bin"))


def test_second_ask_is_read(tmp_path: Path) -> None:
    calls, compute = _counting()
    first = parse_cache.ParseCache(tmp_path).enclosing_names(TEXT, [3], compute)
    assert first == frozenset({"ALLOWED"}) and calls == [(3,)]
    again = parse_cache.ParseCache(tmp_path).enclosing_names(TEXT, [3], compute)
    assert again == first and calls == [(3,)]
    other = parse_cache.ParseCache(tmp_path).enclosing_names(TEXT, [8], compute)
    assert other == frozenset() and calls == [(3,), (8,)]
    edited = parse_cache.ParseCache(tmp_path).enclosing_names(TEXT.replace("ALLOWED", "DENIED"), [3], compute)
    assert edited == frozenset({"DENIED"}) and len(calls) == 3


def test_damaged_entry_is_recomputed(tmp_path: Path) -> None:
    calls, compute = _counting()
    parse_cache.ParseCache(tmp_path).enclosing_names(TEXT, [3], compute)
    (entry,) = _entries(tmp_path)
    data = entry.read_bytes()
    entry.write_bytes(data[:-3] + b"\x00\x00\x00")
    assert parse_cache.ParseCache(tmp_path).enclosing_names(TEXT, [3], compute) == frozenset({"ALLOWED"})
    assert len(calls) == 2


def test_no_lines_or_no_text_is_not_stored(tmp_path: Path) -> None:
    calls, compute = _counting()
    assert parse_cache.ParseCache(tmp_path).enclosing_names(None, [3], compute) == frozenset()
    assert parse_cache.ParseCache(tmp_path).enclosing_names(TEXT, [], compute) == frozenset()
    assert _entries(tmp_path) == []
