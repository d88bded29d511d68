"""On-disk cache of per-blob extraction results, keyed by git blob id.

A blob id names exact bytes, so an entry never goes stale; only the extractor's version can
change its meaning, and that is part of the directory name. Entries are JSON (never pickle:
a cache directory is not trusted enough to unpickle from). Writes go to a temporary file in
the same directory and are published with os.replace, so concurrent runs see either no
entry or a whole one; anything unreadable is treated as missing and rewritten.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

from semdiff.relevance.facts import FileFacts

CACHE_ENV = "SEMDIFF_CACHE_DIR"
_KEY = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?\Z")  # sha1/sha256 object ids, sha256 snapshot keys


def default_cache_dir() -> Path:
    """SEMDIFF_CACHE_DIR if set, else the platform's user cache dir for semdiff."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    from semdiff.user_cache import user_cache_dir

    return Path(user_cache_dir())


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    corrupt: int = 0
    writes: int = 0
    write_errors: int = 0


class BlobCache:
    """Extraction results by (language, extractor version, blob id)."""

    def __init__(self, root: Union[str, Path, None] = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.stats = CacheStats()

    def _path(self, language: str, version: int, blob_id: str, suffix: str = ".json") -> Optional[Path]:
        if not _KEY.match(blob_id) or not re.fullmatch(r"[a-z0-9_+-]+", language):
            return None  # never build a path from something that is not an object id
        return self.root / "graph" / f"{language}-v{version}" / blob_id[:2] / f"{blob_id[2:]}{suffix}"

    def get(self, language: str, version: int, blob_id: str) -> Optional[FileFacts]:
        data = self.get_document(language, version, blob_id)
        if data is None:
            return None
        try:
            facts = FileFacts.from_json(data)
        except (ValueError, KeyError, TypeError, AttributeError):
            self.stats.corrupt += 1
            self.stats.hits -= 1
            self.stats.misses += 1
            return None
        return facts

    def put(self, language: str, version: int, blob_id: str, facts: FileFacts) -> None:
        self.put_document(language, version, blob_id, facts.to_json())

    # -- generic documents (per-blob facts, whole-revision snapshots) --------------------------
    def get_document(self, kind: str, version: int, key: str) -> Optional[Any]:
        """The JSON document stored under `key`, or None when missing or unreadable."""
        path = self._path(kind, version, key)
        if path is None:
            return None
        try:
            raw = path.read_bytes()
        except OSError:
            self.stats.misses += 1
            return None
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("key") != key:
                raise ValueError("entry for another key")
            doc = data["doc"]
        except (ValueError, KeyError, TypeError, RecursionError):
            self.stats.corrupt += 1
            self.stats.misses += 1
            return None
        self.stats.hits += 1
        return doc

    def put_document(self, kind: str, version: int, key: str, doc: Any) -> None:
        """Best effort: a read-only or full cache dir only costs speed, never correctness."""
        path = self._path(kind, version, key)
        if path is None:
            return
        self._publish(path, json.dumps({"key": key, "doc": doc}, separators=(",", ":")).encode("utf-8"))

    # -- binary files (whole-revision snapshots, see semdiff.relevance.snapshot) ----------------
    def binary_path(self, kind: str, version: int, key: str) -> Optional[Path]:
        """Where the binary file `key` of `kind` lives (None for a key that is not an id)."""
        return self._path(kind, version, key, ".bin")

    def read_binary(self, kind: str, version: int, key: str, max_bytes: int, touch: bool = False) -> Optional[bytes]:
        """The binary file `key` of `kind`, read whole: None when missing or unreadable, b""
        (which no decoder accepts) when it is larger than `max_bytes`. `touch` marks it used
        now (its mtime), for caches evicted least recently used first (semdiff.parse_cache)."""
        path = self.binary_path(kind, version, key)
        if path is None:
            return None
        try:
            with open(path, "rb") as fh:
                data = fh.read(max_bytes + 1)
                if touch:
                    _touch(fh.fileno(), path)
        except OSError:
            return None
        return data if len(data) <= max_bytes else b""

    def put_binary(self, kind: str, version: int, key: str, payload: bytes) -> None:
        """Published whole (temporary file + os.replace), best effort like put_document."""
        path = self.binary_path(kind, version, key)
        if path is not None:
            self._publish(path, payload)

    def _publish(self, path: Path, payload: bytes) -> None:
        import tempfile  # on first write only: it pulls in shutil, random, bz2 and lzma

        tmp_name = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            os.replace(tmp_name, path)
            tmp_name = None
            self.stats.writes += 1
        except OSError:
            self.stats.write_errors += 1
        finally:
            if tmp_name is not None:
                try:
                    os.unlink(tmp_name)
                except OSError:
                    pass


def _touch(fd: int, path: Path) -> None:
    """Set a file's mtime to now; best effort (a read-only cache only loses recency)."""
    try:
        os.utime(fd if os.utime in os.supports_fd else path)
    except OSError:
        pass
