"""relevance.repo.read_blobs: blobs from one `git cat-file --batch`, asked a window ahead of
the reader; every blob comes back in order, and a reader that stops early leaves no git behind."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from semdiff.relevance import repo as relevance_repo


def _repo_with_blobs(root: Path, count: int) -> tuple[Path, list[str], dict[str, bytes]]:
    root.mkdir()
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    subprocess.run(["git", "-C", str(root), "init", "-q"], check=True, env=env)
    datas = [(f"def f{n}():\n    return {n}\n" * (3000 if n % 50 == 0 else 1)).encode() for n in range(count)]
    # some blobs larger than a pipe's buffer, so git blocks on its output while we read
    files = []
    for n, data in enumerate(datas):
        (root / f"f{n}.py").write_bytes(data)
        files.append(str(root / f"f{n}.py"))
    out = subprocess.run(["git", "-C", str(root), "hash-object", "-w", "--stdin-paths"], input="\n".join(files) + "\n",
                         capture_output=True, text=True, check=True, env=env).stdout.split()
    contents = dict(zip(out, datas))
    return root, list(contents), contents


def test_every_blob_in_order_missing_ones_none(tmp_path: Path) -> None:
    root, oids, contents = _repo_with_blobs(tmp_path / "r", 150)  # more than two windows
    missing = "0" * 40
    asked = oids[:70] + [missing] + oids[70:]
    got = list(relevance_repo.read_blobs(str(root), asked))
    assert [oid for oid, _ in got] == asked
    assert all(data == contents[oid] for oid, data in got if oid != missing)
    assert dict(got)[missing] is None


def test_a_reader_that_stops_early_ends_git_at_once(tmp_path: Path) -> None:
    root, oids, contents = _repo_with_blobs(tmp_path / "r", 120)
    blobs = relevance_repo.read_blobs(str(root), oids)
    first = next(blobs)
    assert first == (oids[0], contents[oids[0]])  # a large blob; 63 more asked, unread
    t0 = time.monotonic()
    blobs.close()
    assert time.monotonic() - t0 < 10  # not git's timeout (120 s): its pipe was closed
