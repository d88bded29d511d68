"""`semdiff audit --resume` with a damaged record file: the damage is named, the commits it
covered are analysed again, and the run never ends in a traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gitrepo import GitRepo, isolated_git_env  # noqa: E402

from semdiff.audit.jsonl import done_keys, well_formed  # noqa: E402
from semdiff.errors import InputError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GUARDED = "def delete_user(request, user):\n    if not request.user.is_admin:\n        raise PermissionDenied()\n    user.delete()\n"
UNGUARDED = "def delete_user(request, user):\n    user.delete()\n"

GOOD = {"sha": "a" * 40, "parent": None, "counts": {"high": 1}, "subject": "s", "date": "2024-01-01",
        "findings": [{"rule_id": "removed-guard", "severity": "high"}], "not_analyzed": [], "elapsed": 0.1, "error": None}


@pytest.mark.parametrize("bad", [
    {**GOOD, "sha": 123},
    {**GOOD, "sha": "not hex!"},
    {**GOOD, "findings": "oops"},
    {**GOOD, "findings": [{"rule_id": "x", "severity": "apocalyptic"}]},
    {**GOOD, "findings": [["not", "a", "dict"]]},
    {**GOOD, "counts": {"high": "many"}},
    {**GOOD, "date": 20240101},
    {**GOOD, "not_analyzed": [1, 2]},
    {**GOOD, "elapsed": "fast"},
    ["a", "list"],
])
def test_records_of_the_wrong_shape_are_rejected(bad: object) -> None:
    assert well_formed(GOOD)
    assert not well_formed(bad)


def test_damaged_lines_are_skipped_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    lines = [json.dumps(GOOD), "garbage", json.dumps({**GOOD, "sha": "b" * 40, "findings": "oops"}), "[" * 100_000,
             "\udcff".encode("utf-8", "surrogateescape").decode("latin-1"), json.dumps({**GOOD, "sha": "c" * 40})]
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogateescape") + b'{"sha": "dd')
    rejected: list[int] = []
    keys, records = done_keys(str(path), rejected)
    assert keys == {("a" * 40, ""), ("c" * 40, "")}
    assert [r["sha"] for r in records] == ["a" * 40, "c" * 40]
    assert rejected == [2, 3, 4, 5]


def test_resume_from_something_that_is_not_a_file(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        done_keys(str(fifo))
    with pytest.raises(InputError, match="not a regular file"):
        done_keys(str(tmp_path))


def test_cli_resume_with_a_damaged_file_reanalyses_the_damaged_commits(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write({"app/auth.py": GUARDED})
    repo.commit("add auth")
    repo.write({"app/auth.py": UNGUARDED})
    weakened = repo.commit("drop the admin check")
    repo.write({"README": "x\n"})
    repo.commit("docs")
    out = tmp_path / "audit.jsonl"
    env = isolated_git_env()
    env["PYTHONPATH"] = str(ROOT)
    argv = [sys.executable, "-m", "semdiff", "audit", "--repo", str(repo.root), "-j", "1"]
    first = subprocess.run([*argv, "--jsonl", str(out)], env=env, capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
    assert first.returncode == 1, first.stderr
    records = out.read_text().splitlines()
    assert len(records) == 3
    # damage: the weakening commit's record is hand-edited into nonsense, another line is noise
    damaged = [("{\"sha\": \"%s\", \"findings\": 5}" % weakened) if json.loads(r)["sha"] == weakened else r for r in records]
    out.write_text("\n".join(damaged[:1] + ["not json at all"] + damaged[1:]) + "\n")
    second = subprocess.run([*argv, "--resume", str(out)], env=env, capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
    err = second.stderr.decode()
    assert "Traceback" not in err and "internal error" not in err, err
    assert "2 line(s) of" in err and "not audit records" in err and "analysed again" in err, err
    assert second.returncode == 1  # the weakening commit was analysed again and is flagged
    assert weakened[:10] in second.stdout.decode()
