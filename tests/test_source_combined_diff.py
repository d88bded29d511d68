"""The raw diff and the patch read from one git process (semdiff.source.git.diff_raw_and_patch)
must be exactly what the two separate calls return, and anything that does not split cleanly
must fall back to them."""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from gitrepo import GitRepo  # noqa: E402
from semdiff.source import git  # noqa: E402
from semdiff.source.collect import collect_changes  # noqa: E402
from semdiff.source.request import ChangeRequest  # noqa: E402

BODY = "x = 1\ny = 2\nz = 3\n"


def _odd_change(tmp_path: Path) -> tuple[GitRepo, str, str]:
    repo = GitRepo(tmp_path / "repo")
    names = ["a b.py", "tab\there.py", "ü.py", 'q"uote.py', "plain.py", "moved_src.py"]
    repo.write({n: BODY for n in names})
    repo.write_bytes({"blob.dat": b"\0\1bin"})
    base = repo.commit("base")
    repo.write({n: BODY.replace("2", "5") for n in names if n != "moved_src.py"})
    repo.write_bytes({"blob.dat": b"\0\2bin"})
    repo.rename("moved_src.py", "moved_dst.py")
    repo.chmod("plain.py", 0o755)
    head = repo.commit("head")
    return repo, base, head


def test_one_process_gives_the_same_raw_diff_and_patch(tmp_path: Path) -> None:
    repo, base, head = _odd_change(tmp_path)
    r = git.open_repository(str(repo.root))
    endpoints = git.diff_args(base, head, False)
    both = git.diff_raw_and_patch(r, endpoints, {})
    assert both is not None
    raw, patch = both
    assert raw == git.diff_raw(r, endpoints, {})
    assert patch == git.diff_patch(r, endpoints, {})
    assert b"R100\0moved_src.py\0moved_dst.py\0" in raw
    assert b'"a/q\\"uote.py"' in patch  # quoted as the patch alone quotes it


def test_no_change_is_two_empty_parts(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write({"a.py": BODY})
    base = repo.commit("base")
    head = repo.commit("empty", allow_empty=True)
    r = git.open_repository(str(repo.root))
    assert git.diff_raw_and_patch(r, git.diff_args(base, head, False), {}) == (b"", b"")


def test_a_failing_call_falls_back(tmp_path: Path) -> None:
    repo, base, _head = _odd_change(tmp_path)
    r = git.open_repository(str(repo.root))
    assert git.diff_raw_and_patch(r, git.diff_args(base, "0" * 40, False), {}) is None


def test_collected_change_set_is_unchanged_by_the_single_call(tmp_path: Path, monkeypatch) -> None:
    repo, base, head = _odd_change(tmp_path)
    request = ChangeRequest(revision=f"{base}..{head}", repo=str(repo.root))
    together = collect_changes(request)
    monkeypatch.setattr(git, "diff_raw_and_patch", lambda *a, **k: None)  # the two-call path
    apart = collect_changes(request)
    assert together == apart
    assert {f.path for f in together.files} >= {"a b.py", "ü.py", "moved_dst.py", "plain.py"}
    assert all(f.hunks for f in together.files if f.path.endswith(".py") and f.path != "moved_dst.py")


def test_repository_and_range_resolved_in_one_call(tmp_path: Path) -> None:
    repo, base, head = _odd_change(tmp_path)
    (repo.root / "sub").mkdir()
    r, shas = git.open_with_commits(str(repo.root / "sub"), [base, "HEAD"])
    assert r == git.open_repository(str(repo.root))
    assert shas == [base, head]
    assert git.known_tree(r.root, head) == repo.run_git("rev-parse", "HEAD^{tree}").strip()


def test_anything_unusual_opens_the_repository_alone(tmp_path: Path) -> None:
    repo, base, _head = _odd_change(tmp_path)
    for revs in ([base, "no-such-branch"], [base, "-x"], [base, "HEAD:plain.py"]):
        r, shas = git.open_with_commits(str(repo.root), revs)
        assert r == git.open_repository(str(repo.root)) and shas is None
    bare = tmp_path / "bare.git"
    repo.run_git("clone", "-q", "--bare", str(repo.root), str(bare))
    r, shas = git.open_with_commits(str(bare), ["HEAD~1", "HEAD"])
    assert r.bare and shas is None
