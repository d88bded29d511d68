"""code_fingerprint is remembered in the cache dir by the stat identity of what it hashes:
the same value as hashing, and any change to the hashed inputs is a miss."""
from __future__ import annotations

from pathlib import Path

import pytest

from semdiff import parse_cache


def _fresh(monkeypatch: pytest.MonkeyPatch, cache: Path) -> None:
    monkeypatch.setenv("SEMDIFF_CACHE_DIR", str(cache))
    monkeypatch.setattr(parse_cache, "_FINGERPRINT", None)


def test_remembered_fingerprint_equals_the_hash_and_skips_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh(monkeypatch, tmp_path)
    hashed = parse_cache.code_fingerprint()
    assert len(list((tmp_path / "graph" / "fingerprint-v1").rglob("*.bin"))) == 1

    def no_hash(*_: object) -> str:
        raise AssertionError("sources hashed although their stat identity is remembered")

    _fresh(monkeypatch, tmp_path)
    monkeypatch.setattr(parse_cache, "_hash_sources", no_hash)
    assert parse_cache.code_fingerprint() == hashed


def test_a_changed_input_is_hashed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh(monkeypatch, tmp_path)
    before = parse_cache.code_fingerprint()
    calls: list[int] = []
    real = parse_cache._hash_sources
    monkeypatch.setattr(parse_cache, "_hash_sources", lambda *a: calls.append(1) or real(*a))
    _fresh(monkeypatch, tmp_path)
    monkeypatch.setattr(parse_cache, "SOURCES", parse_cache.SOURCES + ("model.py",))
    assert parse_cache.code_fingerprint() != before
    assert calls == [1]


def test_a_damaged_entry_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh(monkeypatch, tmp_path)
    hashed = parse_cache.code_fingerprint()
    (entry,) = (tmp_path / "graph" / "fingerprint-v1").rglob("*.bin")
    entry.write_bytes(b"z" * 64)
    _fresh(monkeypatch, tmp_path)
    assert parse_cache.code_fingerprint() == hashed
