"""sha256 and sha1 without importing hashlib, for the command's start-up.

`import hashlib` loads OpenSSL's `_hashlib` and initialises it: about 11M instructions (~0.8 %
of a warm PR run), spent before the change is read, for a few dozen digests of short texts
(cache keys, fingerprints, placeholder names). CPython's own implementations (`_sha2` from
3.12, `_sha256`/`_sha1` before) give the same digests; where they are missing (a build
without them), hashlib is imported as before. Nothing here is used for anything but naming
and keying: the algorithms are the ones the callers always used.
"""
from __future__ import annotations

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

__all__ = ["sha1", "sha256"]
