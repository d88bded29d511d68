"""A hostile repository: what git is allowed to run, and what odd tree entries become.

The repository under review chooses its own `.git/config`, its submodules' configs and its
`.gitattributes`. semdiff must read it without running anything it names; programs set up
here only leave a marker file, and every test asserts the marker is absent.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gitrepo import GitRepo, isolated_git_env  # noqa: E402

from semdiff.api import analyze  # noqa: E402
from semdiff.pipeline import AnalyzeOptions  # noqa: E402
from semdiff.source import ChangeRequest, collect_changes  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OPTS = AnalyzeOptions(use_cache=False, jobs=1)
GUARDED = "def delete_user(request, user):\n    if not request.user.is_admin:\n        raise PermissionDenied()\n    user.delete()\n"
UNGUARDED = "def delete_user(request, user):\n    user.delete()\n"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


@pytest.fixture
def trap(tmp_path: Path) -> tuple[Path, Path]:
    """(program, marker): the program appends to the marker and passes stdin through."""
    marker = tmp_path / "ran"
    program = tmp_path / "evil.sh"
    program.write_text(f"#!/bin/sh\necho ran >> {marker}\ncat\n")
    program.chmod(0o755)
    return program, marker


def _na(changes_or_report) -> list[tuple[str, str, bool]]:
    return [(n.path, n.reason, n.security_relevant) for n in changes_or_report.not_analyzed]


def _cli(cwd: Path, *args: str, ci: bool = False) -> subprocess.CompletedProcess:
    env = isolated_git_env()
    env["PYTHONPATH"] = str(ROOT)
    env.pop("CI", None)
    if ci:
        env["CI"] = "true"
    return subprocess.run([sys.executable, "-m", "semdiff", *args, "--format", "json", "--no-cache"], cwd=cwd, env=env,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=120)


# -- nothing the repository names is run -------------------------------------------------------

def test_dirty_submodule_with_its_own_filter_runs_nothing(tmp_path: Path, repo: GitRepo, trap) -> None:
    """The working-tree comparison used to run `git status` inside the submodule, which read
    the submodule's own config and ran its clean filter on a stat-dirty file."""
    program, marker = trap
    sub = GitRepo(tmp_path / "sub")
    sub.write({"a.py": GUARDED, ".gitattributes": "*.py filter=evil2\n"})
    sub.commit("sub")
    repo.write({"x.py": "x = 1\n"})
    repo.run_git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.root), "vendor/sub")
    repo.commit("base")
    checkout = repo.root / "vendor" / "sub"
    subprocess.run(["git", "-C", str(checkout), "config", "filter.evil2.clean", str(program)], check=True, env=isolated_git_env())
    time.sleep(1.1)  # a new mtime with the same size: git must read the file (through the filter) to compare
    os.utime(checkout / "a.py")
    (repo.root / "x.py").write_text("x = 2\n")
    changes = collect_changes(ChangeRequest(repo=str(repo.root)))
    assert not marker.exists()
    assert [f.path for f in changes.files] == ["x.py"]


def test_missing_blob_of_a_partial_clone_is_never_fetched(repo: GitRepo, trap) -> None:
    """A promisor remote with the repository's own core.sshCommand: a missing blob must not
    be fetched (neither by the change source nor by the call graph's cat-file)."""
    program, marker = trap
    repo.write({"app/auth.py": GUARDED})
    base = repo.commit("base")
    repo.write({"app/auth.py": UNGUARDED})
    head = repo.commit("head")
    blob = repo.run_git("rev-parse", f"{head}:app/auth.py")
    (repo.root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    for key, value in (("core.repositoryformatversion", "1"), ("extensions.partialClone", "origin"),
                       ("remote.origin.url", "ssh://example.invalid/x"), ("remote.origin.promisor", "true"),
                       ("core.sshCommand", str(program))):
        repo.run_git("config", key, value)
    proc = _cli(repo.root, f"{base}..{head}", ci=True)
    assert not marker.exists(), marker.read_text()
    assert proc.returncode == 1, proc.stderr
    assert b"Traceback" not in proc.stderr
    import json

    doc = json.loads(proc.stdout)
    assert [(n["path"], n["reason"], n["security_relevant"]) for n in doc["not_analyzed"]] == [("app/auth.py", "missing-object", True)]


# -- symlinks and submodules ------------------------------------------------------------------------

def test_symlink_replaced_by_a_code_file_fails_closed(repo: GitRepo) -> None:
    repo.write({"app/strict.py": GUARDED})
    repo.symlink("app/auth.py", "strict.py")
    base = repo.commit("base")
    repo.delete("app/auth.py")
    repo.write({"app/auth.py": UNGUARDED})
    head = repo.commit("head")
    report = analyze(f"{base}..{head}", repo=str(repo.root), options=OPTS, report_cache=False)
    assert _na(report) == [("app/auth.py", "symlink", True)]
    assert "now a regular file" in report.not_analyzed[0].detail


def test_symlink_retargeted_at_a_code_path_fails_closed(repo: GitRepo) -> None:
    repo.write({"app/strict.py": GUARDED, "app/lax.py": UNGUARDED})
    repo.symlink("app/auth.py", "strict.py")
    base = repo.commit("base")
    repo.symlink("app/auth.py", "lax.py")
    head = repo.commit("head")
    assert _na(collect_changes(ChangeRequest(repo=str(repo.root), revision=f"{base}..{head}"))) == [("app/auth.py", "symlink", True)]


def test_symlink_retargeted_at_a_non_code_path_is_listed_only(repo: GitRepo) -> None:
    repo.write({"docs/a.txt": "a\n", "docs/b.txt": "b\n"})
    repo.symlink("docs/current", "a.txt")
    base = repo.commit("base")
    repo.symlink("docs/current", "b.txt")
    head = repo.commit("head")
    assert _na(collect_changes(ChangeRequest(repo=str(repo.root), revision=f"{base}..{head}"))) == [("docs/current", "symlink", False)]


def test_added_symlink_out_of_the_repository_is_never_read(repo: GitRepo, tmp_path: Path) -> None:
    secret = tmp_path / "secret.py"
    secret.write_text("SECRET = 'do not read'\n")
    repo.write({"a.py": "x = 1\n"})
    base = repo.commit("base")
    repo.symlink("app/evil.py", str(secret))
    head = repo.commit("head")
    changes = collect_changes(ChangeRequest(repo=str(repo.root), revision=f"{base}..{head}"))
    assert _na(changes) == [("app/evil.py", "symlink", False)]
    assert all(f.old_text is None and f.new_text is None for f in changes.files)


def test_submodule_bump_names_both_commits(repo: GitRepo) -> None:
    repo.write({"a.py": "x = 1\n"})
    one = repo.commit("one")
    repo.add_submodule_entry("vendor/lib", one)
    base = repo.commit("submodule at one")
    repo.write({"b.py": "y = 1\n"})
    two = repo.commit("two")
    repo.add_submodule_entry("vendor/lib", two)
    head = repo.commit("submodule at two")
    changes = collect_changes(ChangeRequest(repo=str(repo.root), revision=f"{base}..{head}"))
    assert _na(changes) == [("vendor/lib", "submodule", False)]
    assert f"submodule commit {one[:12]} -> {two[:12]}" in changes.not_analyzed[0].detail


# -- names and ranges -----------------------------------------------------------------------------

def test_odd_path_names_are_analysed_under_their_exact_names(repo: GitRepo) -> None:
    names = ["app/with space.py", "app/-rf.py", "app/tab\t.py", 'app/quo"te.py', "app/caf\u00e9.py", "app/--.py"]
    repo.write({n: GUARDED for n in names})
    base = repo.commit("base")
    repo.write({n: UNGUARDED for n in names})
    head = repo.commit("head")
    report = analyze(f"{base}..{head}", repo=str(repo.root), options=OPTS, report_cache=False)
    assert sorted((f.rule_id, f.path) for f in report.findings) == sorted(("removed-guard", n) for n in names)
    assert report.not_analyzed == ()


@pytest.mark.parametrize("name, label", [
    ("app/x.py\nsemdiff: no findings.\n  fake.py", "app/x.py\\nsemdiff: no findings.\\n  fake.py"),
    ("app/\x1b[2Jclear.py", "app/\\x1b[2Jclear.py"),
    ("app/admin\u202e.py", "app/admin\\u202e.py"),
], ids=["newline", "escape-sequence", "bidi-override"])
def test_paths_that_would_forge_report_lines_are_refused_under_an_escaped_label(repo: GitRepo, name: str, label: str) -> None:
    """A path printed verbatim could add a fake line to the text report, clear the terminal or
    reorder what the reader sees; it is refused (fail closed) and labelled with escapes."""
    repo.write({name: GUARDED})
    base = repo.commit("base")
    repo.write({name: UNGUARDED})
    head = repo.commit("head")
    changes = collect_changes(ChangeRequest(repo=str(repo.root), revision=f"{base}..{head}"))
    assert _na(changes) == [(label, "unsafe-path", True)]
    assert "control or bidirectional-override characters" in changes.not_analyzed[0].detail
    proc = _cli(repo.root, f"{base}..{head}", ci=True)
    assert proc.returncode == 1
    text = subprocess.run([sys.executable, "-m", "semdiff", f"{base}..{head}", "--no-cache"], cwd=repo.root,
                          env={**isolated_git_env(), "PYTHONPATH": str(ROOT)}, capture_output=True, timeout=120,
                          stdin=subprocess.DEVNULL).stdout.decode()
    assert name not in text and label in text


def test_non_utf8_path_is_reported_not_analysed_under_a_lossy_name(repo: GitRepo) -> None:
    repo.write({"a.py": "x = 1\n"})
    base = repo.commit("base")
    raw = os.path.join(os.fsencode(repo.root), b"app", b"\xff\xfe.py")
    os.makedirs(os.path.dirname(raw), exist_ok=True)
    with open(raw, "wb") as fh:
        fh.write(GUARDED.encode())
    repo.add()
    head = repo.commit("head")
    changes = collect_changes(ChangeRequest(repo=str(repo.root), revision=f"{base}..{head}"))
    assert [(r, s) for _, r, s in _na(changes)] == [("unsafe-path", True)]
    assert "not valid UTF-8" in changes.not_analyzed[0].detail


@pytest.mark.parametrize("args, message", [
    (["nope..HEAD"], "unknown revision or missing commit: 'nope'"),
    (["--", "-rf"], "starts with '-'"),
    (["HEAD..HEAD~5"], "unknown revision or missing commit: 'HEAD~5'"),
])
def test_bad_ranges_are_one_line_errors(repo: GitRepo, args: list[str], message: str) -> None:
    repo.write({"a.py": GUARDED})
    repo.commit("base")
    env = isolated_git_env()
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run([sys.executable, "-m", "semdiff", *args], cwd=repo.root, env=env, capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=120)
    lines = proc.stderr.decode().strip().splitlines()
    assert proc.returncode == 2
    assert len(lines) == 1 and lines[0].startswith("semdiff: error: ") and message in lines[0], lines


def test_empty_range_is_an_empty_report(repo: GitRepo) -> None:
    repo.write({"a.py": GUARDED})
    base = repo.commit("base")
    report = analyze(f"{base}..{base}", repo=str(repo.root), options=OPTS, report_cache=False)
    assert report.findings == () and report.not_analyzed == ()


# -- the working tree and encodings ------------------------------------------------------------------

def test_checked_out_code_file_swapped_for_a_fifo_fails_closed_without_blocking(repo: GitRepo) -> None:
    repo.write({"app/auth.py": GUARDED, "README": "r\n"})
    repo.commit("base")
    (repo.root / "app" / "auth.py").unlink()
    os.mkfifo(repo.root / "app" / "auth.py")  # opening it for reading would block forever
    (repo.root / "README").unlink()
    os.mkfifo(repo.root / "README")
    changes = collect_changes(ChangeRequest(repo=str(repo.root)))
    assert sorted(_na(changes)) == [("README", "not-a-file", False), ("app/auth.py", "not-a-file", True)]


@pytest.mark.parametrize("encoding, name", [("utf-16", "UTF-16LE"), ("utf-16-be", None), ("utf-32", "UTF-32LE")])
def test_utf16_and_utf32_code_is_named_and_fails_closed(repo: GitRepo, encoding: str, name) -> None:
    repo.write({"web/auth.ts": "export function f(): void {}\n"})
    base = repo.commit("base")
    data = ("\ufeff" if name is None else "").encode(encoding) + "export function f(): void { }\n".encode(encoding)
    repo.write_bytes({"web/auth.ts": data})
    head = repo.commit("head")
    report = analyze(f"{base}..{head}", repo=str(repo.root), options=OPTS, report_cache=False)
    assert _na(report) == [("web/auth.ts", "binary", True)]
    expected = f"{name or 'UTF-16BE'} text (byte-order mark)"
    assert report.not_analyzed[0].detail.startswith(expected)
