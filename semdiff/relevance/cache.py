"""On-disk cache of per-blob extraction results, keyed by git blob id.

A blob id names exact bytes, so an entry never goes stale; only the extractor's version can
change its meaning, and that is part of the directory name. Entries are JSON (never pickle:
a cache directory is not trusted enough to unpickle from). Every file is written to a
temporary file in the same directory and published with os.replace, so concurrent runs see
either no file or a whole one, and a run killed half-way leaves nothing half-written;
anything unreadable is treated as missing and written again.

Call-graph facts (get/put) are stored in packs, many blobs to a file: a cold run of a large
change extracts facts for every file of a revision, and one file per blob made that run
create, write, close and rename some 1,200 files (about 0.4 s of CPU, most of it in the
kernel). Entries are still per blob, so a later run of another revision finds every blob it
shares with this one. Layout (FACTS_PACK_LAYOUT, in the directory name):

    <dir>/graph/facts-p<layout>/<language>-v<extractor version>/<first hex digit>/<name>.pack

A pack is one header line `semdiff-facts-pack <layout> <index length>`, a JSON index
{blob id: [offset, length]}, then the entries, each the JSON document {"key", "doc"} that
was one file before. A batch of puts (`with cache.batch():`, one graph build) writes at most
one pack per shard when it ends; a put outside a batch writes its own. Pack names start with
the time they were written, and a blob in several packs is read from the newest (so an entry
found damaged and extracted again supersedes the damaged one). When a shard holds
MAX_PACKS_PER_SHARD packs, the next write merges them into its own pack and then deletes
them; a reader that finds a pack gone meanwhile counts a miss and extracts the blob again.
"""
from __future__ import annotations

import json
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Union

from semdiff.relevance.facts import FileFacts

CACHE_ENV = "SEMDIFF_CACHE_DIR"
_KEY = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?\Z")  # sha1/sha256 object ids, sha256 snapshot keys
_LANGUAGE = re.compile(r"[a-z0-9_+-]+\Z")

FACTS_PACK_LAYOUT = 1  # bump when the pack format or the directory layout changes
MAX_PACKS_PER_SHARD = 16
_PACK_HEADER = f"semdiff-facts-pack {FACTS_PACK_LAYOUT} ".encode()
_MAX_HEADER = 64
STALE_TMP_SECONDS = 3600.0  # a temporary file this old is a writer that died before publishing


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
        self._batches = 0  # open batch() contexts
        self._pending: dict[tuple[str, int], dict[str, FileFacts]] = {}  # put in the open batch
        # (language, version, shard) -> {blob id: (pack path, offset, length)}, read once per shard
        self._indexes: dict[tuple[str, int, str], dict[str, tuple[str, int, int]]] = {}

    def _path(self, language: str, version: int, blob_id: str, suffix: str = ".json") -> Optional[Path]:
        if not _KEY.match(blob_id) or not _LANGUAGE.match(language):
            return None  # never build a path from something that is not an object id
        return self.root / "graph" / f"{language}-v{version}" / blob_id[:2] / f"{blob_id[2:]}{suffix}"

    # -- call-graph facts, in packs (see the module docstring) ----------------------------------
    def facts_dir(self, language: str, version: int, shard: str) -> Path:
        return self.root / "graph" / f"facts-p{FACTS_PACK_LAYOUT}" / f"{language}-v{version}" / shard

    def get(self, language: str, version: int, blob_id: str) -> Optional[FileFacts]:
        if not _KEY.match(blob_id) or not _LANGUAGE.match(language):
            return None
        pending = self._pending.get((language, version))
        if pending is not None and blob_id in pending:
            self.stats.hits += 1
            return pending[blob_id]
        where = self._shard_index(language, version, blob_id[0]).get(blob_id)
        if where is None:
            self.stats.misses += 1
            return None
        path, offset, length = where
        try:
            with open(path, "rb") as fh:
                fh.seek(offset)
                raw = fh.read(length)
        except OSError:  # merged into a newer pack by another process since the index was read
            self.stats.misses += 1
            return None
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("key") != blob_id:
                raise ValueError("entry for another key")
            facts = FileFacts.from_json(data["doc"])
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            self.stats.corrupt += 1
            self.stats.misses += 1
            return None
        self.stats.hits += 1
        return facts

    def put(self, language: str, version: int, blob_id: str, facts: FileFacts) -> None:
        """Stored when the open batch ends (a pack of its own outside a batch); best effort."""
        if not _KEY.match(blob_id) or not _LANGUAGE.match(language):
            return
        self._pending.setdefault((language, version), {})[blob_id] = facts
        if not self._batches:
            self.flush()

    @contextmanager
    def batch(self) -> Iterator["BlobCache"]:
        """Puts inside are written together when the outermost batch ends (also on an exception:
        what was extracted is valid), one pack per shard instead of one file per blob."""
        self._batches += 1
        try:
            yield self
        finally:
            self._batches -= 1
            if not self._batches:
                self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, {}
        for (language, version), entries in pending.items():
            shards: dict[str, dict[str, FileFacts]] = {}
            for blob_id, facts in entries.items():
                shards.setdefault(blob_id[0], {})[blob_id] = facts
            for shard, group in sorted(shards.items()):
                self._write_pack(language, version, shard, group)

    def _shard_index(self, language: str, version: int, shard: str) -> dict[str, tuple[str, int, int]]:
        key = (language, version, shard)
        index = self._indexes.get(key)
        if index is None:
            index = self._indexes[key] = {}
            for path in _pack_paths(self.facts_dir(language, version, shard)):  # oldest first: newest wins
                for blob_id, (offset, length) in _read_pack_index(path).items():
                    index[blob_id] = (path, offset, length)
        return index

    def _write_pack(self, language: str, version: int, shard: str, entries: dict[str, FileFacts]) -> None:
        directory = self.facts_dir(language, version, shard)
        raw = {blob_id: json.dumps({"key": blob_id, "doc": facts.to_json()}, separators=(",", ":")).encode("utf-8")
               for blob_id, facts in entries.items()}
        existing = _pack_paths(directory, clean=True)
        merged: list[str] = []
        if len(existing) + 1 > MAX_PACKS_PER_SHARD:
            for path in reversed(existing):  # newest first: the first copy of a blob kept is the newest
                try:
                    with open(path, "rb") as fh:
                        whole = fh.read()
                except OSError:
                    continue  # merged by another process meanwhile
                for blob_id, (offset, length) in _read_pack_index(path, whole).items():
                    if blob_id not in raw:
                        raw[blob_id] = whole[offset:offset + length]
                merged.append(path)
        name = f"{time.time_ns():016x}-{os.getpid()}-{os.urandom(4).hex()}.pack"
        if self._publish(directory / name, _encode_pack(raw), count=len(entries)):
            for path in merged:
                try:
                    os.unlink(path)
                except OSError:
                    pass  # merged by another process too: harmless, its copy holds the same entries
        self._indexes.pop((language, version, shard), None)  # read again, with the new pack, when asked

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
                    mark_used(fh.fileno(), path)
        except OSError:
            return None
        return data if len(data) <= max_bytes else b""

    def put_binary(self, kind: str, version: int, key: str, payload: bytes) -> None:
        """Published whole (temporary file + os.replace), best effort like put_document."""
        path = self.binary_path(kind, version, key)
        if path is not None:
            self._publish(path, payload)

    def _publish(self, path: Path, payload: bytes, count: int = 1) -> bool:
        """Write `payload` whole at `path`; `count` is how many entries it holds (the stats)."""
        import tempfile  # on first write only: it pulls in shutil, random, bz2 and lzma

        tmp_name = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            os.replace(tmp_name, path)
            tmp_name = None
            self.stats.writes += count
            return True
        except OSError:
            self.stats.write_errors += count
            return False
        finally:
            if tmp_name is not None:
                try:
                    os.unlink(tmp_name)
                except OSError:
                    pass


def mark_used(fd: int, path: Union[str, Path]) -> None:
    """Set an open cache file's mtime to now: entries are evicted least recently used first
    (semdiff.parse_cache.evict). Best effort: a read-only cache only loses recency."""
    try:
        os.utime(fd if os.utime in os.supports_fd else path)
    except OSError:
        pass


def _pack_paths(directory: Path, clean: bool = False) -> list[str]:
    """The packs in a shard directory, oldest first (names start with the time written);
    `clean` also deletes temporary files left by writers that died before publishing."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    if clean:
        now = time.time()
        for name in names:
            if name.startswith(".tmp-"):
                try:
                    if now - os.stat(directory / name).st_mtime > STALE_TMP_SECONDS:
                        os.unlink(directory / name)
                except OSError:
                    pass
    return [os.path.join(directory, n) for n in sorted(names) if n.endswith(".pack") and not n.startswith(".")]


def _encode_pack(raw: dict[str, bytes]) -> bytes:
    index: dict[str, list[int]] = {}
    offset = 0
    for blob_id in sorted(raw):
        index[blob_id] = [offset, len(raw[blob_id])]
        offset += len(raw[blob_id])
    head = json.dumps(index, separators=(",", ":")).encode("utf-8")
    return b"".join([_PACK_HEADER, str(len(head)).encode(), b"\n", head, *(raw[b] for b in sorted(raw))])


def _read_pack_index(path: str, whole: Optional[bytes] = None) -> dict[str, tuple[int, int]]:
    """{blob id: (offset in the file, length)} of a pack; {} for one that is unreadable or not
    a pack of this layout (its entries are then misses). `whole`: the pack's bytes, when read."""
    try:
        if whole is None:
            with open(path, "rb") as fh:
                line = fh.readline(_MAX_HEADER)
                size = _header_size(line)
                head = fh.read(size) if size is not None else b""
        else:
            line = whole[:whole.find(b"\n", 0, _MAX_HEADER) + 1]
            size = _header_size(line)
            head = whole[len(line):len(line) + size] if size is not None else b""
        if size is None or len(head) != size:
            return {}
        index = json.loads(head)
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(index, dict):
        return {}
    start = len(line) + size
    out: dict[str, tuple[int, int]] = {}
    for blob_id, where in index.items():
        if (type(where) is list and len(where) == 2 and type(where[0]) is int and type(where[1]) is int
                and where[0] >= 0 and where[1] >= 0 and _KEY.match(blob_id)):
            out[blob_id] = (start + where[0], where[1])
    return out


def _header_size(line: bytes) -> Optional[int]:
    if not line.startswith(_PACK_HEADER) or not line.endswith(b"\n"):
        return None
    digits = line[len(_PACK_HEADER):-1]
    return int(digits) if digits.isdigit() else None
