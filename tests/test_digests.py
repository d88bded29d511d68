"""semdiff.digests: the same digests as hashlib, whichever implementation computes them."""
from __future__ import annotations

import hashlib

import pytest

from semdiff import digests

SAMPLES = [b"", b"abc", "semdiff\0key ünïcode".encode(), bytes(range(256)) * 300]


@pytest.mark.parametrize("data", SAMPLES, ids=["empty", "abc", "unicode", "77KB"])
def test_same_digests_as_hashlib(data: bytes) -> None:
    assert digests.sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    assert digests.sha1(data).hexdigest() == hashlib.sha1(data).hexdigest()
    h = digests.sha256()
    h.update(data[:7])
    h.update(data[7:])
    assert h.digest() == hashlib.sha256(data).digest()
    for name in ("sha256", "sha1"):
        assert digests.bulk(name, data).hexdigest() == hashlib.new(name, data).hexdigest()
        assert digests.openssl(name, data).hexdigest() == hashlib.new(name, data).hexdigest()


def test_bulk_hashing_moves_to_openssl_past_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digests, "_bulk_bytes", 0)
    monkeypatch.setattr(digests, "_hashlib", None)
    small = b"x" * 1000
    assert type(digests.bulk("sha256", small)) is type(digests.sha256(b""))  # the builtin, below the threshold
    big = b"y" * (digests.BULK_BYTES + 1)
    after = digests.bulk("sha256", big)
    assert type(after) is type(hashlib.sha256(b""))  # OpenSSL's from here on
    assert after.hexdigest() == hashlib.sha256(big).hexdigest()
    assert type(digests.bulk("sha1", small)) is type(hashlib.sha1(b""))
