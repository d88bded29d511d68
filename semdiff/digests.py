"""sha256 and sha1 without importing hashlib, for the command's start-up.

`import hashlib` loads OpenSSL's `_hashlib` and initialises it: about 11M instructions (~0.8 %
of a warm PR run, ~2-3 ms), spent before the change is read, for a few dozen digests of short
texts (cache keys, fingerprints, placeholder names). CPython's own implementations (`_sha2`
from 3.12, `_sha256`/`_sha1` before) give the same digests, but per byte they are ~6x slower
than OpenSSL's on a CPU with SHA extensions (4.9 vs 0.8 ms per MB here). So short texts use
them (`sha256`, `sha1`), and callers that may hash much in one process (file texts, sources)
use `bulk`: CPython's until BULK_BYTES have gone through it, then OpenSSL's (hashlib imported
then, once it pays for itself). Where CPython's modules are missing (a build without them),
hashlib is used throughout. The algorithms are the ones the callers always used.
"""
from __future__ import annotations

from typing import Any

try:
    from _sha2 import sha256  # type: ignore[import-not-found]  # CPython >= 3.12
except ImportError:
    try:
        from _sha256 import sha256  # type: ignore[import-not-found, no-redef]  # CPython <= 3.11
    except ImportError:
        from hashlib import sha256  # type: ignore[no-redef]
try:
    from _sha1 import sha1  # type: ignore[import-not-found]
except ImportError:
    from hashlib import sha1  # type: ignore[no-redef]

__all__ = ["BULK_BYTES", "bulk", "openssl", "sha1", "sha256"]

BULK_BYTES = 1 << 20  # past this much in one process, hashlib's import is cheaper than the builtins' slower bytes
_BUILTIN = {"sha256": sha256, "sha1": sha1}
_bulk_bytes = 0
_hashlib: Any = None


def openssl(name: str, data: bytes = b"") -> Any:
    """`hashlib.new(name, data)`: for hashing that is known to be large (whole source trees)."""
    global _hashlib
    if _hashlib is None:
        import hashlib

        _hashlib = hashlib
    return _hashlib.new(name, data)


def bulk(name: str, data: bytes) -> Any:
    """The `name` ("sha256" or "sha1") hash object of `data`: CPython's implementation while
    this process has hashed at most BULK_BYTES here, OpenSSL's after."""
    global _bulk_bytes
    if _hashlib is None:
        _bulk_bytes += len(data)
        if _bulk_bytes <= BULK_BYTES:
            return _BUILTIN[name](data)
    return openssl(name, data)
