"""semdiff.source.collect runs a range's `git log` beside the diff: the same commits for each
kind of revision, no thread left behind, and the log's error still comes first."""
from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gitrepo import GitRepo  # noqa: E402

from semdiff.errors import InputError  # noqa: E402
from semdiff.source import collect, git  # noqa: E402
from semdiff.source.collect import collect_changes  # noqa: E402
from semdiff.source.request import ChangeRequest  # noqa: E402


@pytest.fixture
def history(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write({"app/auth.py": "def check(user):\n    if not user.admin:\n        raise PermissionError()\n"})
    a = repo.commit("base")
    repo.write({"app/auth.py": "def check(user):\n    pass\n"})
    b = repo.commit("drop the admin check\n\nIt was slow.")
    repo.write({"app/auth.py": "def check(user):\n    return None\n"})
    c = repo.commit("tidy")
    return repo, a, b, c


def _collect(repo, revision):
    return collect_changes(ChangeRequest(repo=str(repo.root), revision=revision))


def test_commits_of_every_revision_kind(history):
    repo, a, b, c = history
    assert [x.subject for x in _collect(repo, f"{a}..{c}").commits] == ["tidy", "drop the admin check"]
    assert [x.sha for x in _collect(repo, f"{a}...{c}").commits] == [c, b]
    single = _collect(repo, b)
    assert [(x.sha, x.body) for x in single.commits] == [(b, "It was slow.")]
    assert [f.path for f in single.files] == ["app/auth.py"]
    assert not [t for t in threading.enumerate() if t.name == "semdiff-git-log"]


def test_log_error_is_raised(history, monkeypatch):
    repo, a, _b, c = history

    def failing_log(*_a, **_k):
        raise InputError("git log failed: boom")

    monkeypatch.setattr(git, "log_commits", failing_log)
    with pytest.raises(InputError, match="git log failed: boom"):
        _collect(repo, f"{a}..{c}")


def test_log_error_wins_over_a_later_diff_error(history, monkeypatch):
    """As when the log ran before the diff: its error is the one reported."""
    repo, a, _b, c = history

    def failing_log(*_a, **_k):
        raise InputError("git log failed: first")

    def failing_diff(*_a, **_k):
        raise InputError("git diff failed: second")

    monkeypatch.setattr(git, "log_commits", failing_log)
    monkeypatch.setattr(collect, "_collect_git_files", failing_diff)
    with pytest.raises(InputError, match="first"):
        _collect(repo, f"{a}..{c}")
    assert not [t for t in threading.enumerate() if t.name == "semdiff-git-log"]


def test_diff_error_raised_when_the_log_succeeded(history, monkeypatch):
    repo, a, _b, c = history

    def failing_diff(*_a, **_k):
        raise InputError("git diff failed: only")

    monkeypatch.setattr(collect, "_collect_git_files", failing_diff)
    with pytest.raises(InputError, match="only"):
        _collect(repo, f"{a}..{c}")
