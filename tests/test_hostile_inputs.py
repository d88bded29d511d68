"""Hostile input: every case must end with a clear message or a not-analysed entry.

Each case runs the real command (`python -m semdiff ...`) in a subprocess whose address
space is capped with RLIMIT_AS and whose wall time is capped by the subprocess timeout;
these are limits (a hang or a blow-up fails the test), not timing measurements. Every run
must exit 0, 1 or 2, print no traceback, and (for JSON output) match docs/json-schema.json.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import jsonschema
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gitrepo import GitRepo, isolated_git_env  # noqa: E402
from python_parsers import python_parser  # noqa: E402,F401  (fixture)

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "json-schema.json").read_text(encoding="utf-8"))
MEMORY_LIMIT = 1536 * 1024 * 1024  # address space of one semdiff run
TIME_LIMIT = 120  # seconds: a hang, not slowness, is what this catches

GUARDED = (
    "from django.core.exceptions import PermissionDenied\n\n\n"
    "def delete_user(request, user):\n"
    "    if not request.user.is_admin:\n"
    "        raise PermissionDenied()\n"
    "    user.delete()\n"
)
UNGUARDED = GUARDED.replace("    if not request.user.is_admin:\n        raise PermissionDenied()\n", "")


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def doc(self) -> dict:
        doc = json.loads(self.stdout)
        jsonschema.Draft202012Validator(SCHEMA).validate(doc)
        return doc

    def reasons(self) -> dict[str, tuple[str, bool]]:
        return {n["path"]: (n["reason"], n["security_relevant"]) for n in self.doc["not_analyzed"]}

    def rules(self) -> list[tuple[str, str]]:
        return [(f["rule_id"], f["unit"]) for f in self.doc["findings"]]


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def semdiff(args: Sequence[str], cwd: Path, stdin: Optional[bytes] = None, ci: bool = False,
            fmt: Optional[str] = "json") -> Run:
    """Run the command under the harness limits and check the contract every run must keep."""
    env = isolated_git_env()
    env.pop("CI", None)
    env.pop("SEMDIFF_DEBUG", None)
    if ci:
        env["CI"] = "true"
    env["PYTHONPATH"] = str(ROOT)
    argv = [sys.executable, "-m", "semdiff", *args] + (["--format", fmt] if fmt else [])
    proc = subprocess.run(argv, cwd=cwd, env=env, input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
                          capture_output=True, timeout=TIME_LIMIT, preexec_fn=_limits)
    run = Run(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))
    assert run.code in (0, 1, 2), run
    assert "Traceback" not in run.stderr, run.stderr
    assert "internal error" not in run.stderr, run.stderr
    if run.code == 2:
        lines = [l for l in run.stderr.splitlines() if l.strip()]
        assert len(lines) == 1 and lines[0].startswith("semdiff: error: "), run.stderr
    return run


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


def _two_commits(repo: GitRepo, before: dict, after: dict, binary: bool = False) -> str:
    (repo.write_bytes if binary else repo.write)(before)
    base = repo.commit("base")
    (repo.write_bytes if binary else repo.write)(after)
    head = repo.commit("head")
    return f"{base}..{head}"


# -- encodings and bytes ------------------------------------------------------------------------

def test_nul_bytes_in_a_code_file_are_not_analysed_and_fail_closed(repo: GitRepo) -> None:
    rng = _two_commits(repo, {"app/views.py": GUARDED.encode()}, {"app/views.py": UNGUARDED.encode() + b"\0\0"}, binary=True)
    run = semdiff([rng], repo.root)
    assert run.reasons() == {"app/views.py": ("binary", True)}
    assert semdiff([rng], repo.root, ci=True).code == 1


def test_binary_asset_is_listed_but_not_security_relevant(repo: GitRepo) -> None:
    rng = _two_commits(repo, {"logo.png": b"\x89PNG\0\1"}, {"logo.png": b"\x89PNG\0\2"}, binary=True)
    run = semdiff([rng], repo.root, ci=True)
    assert run.reasons() == {"logo.png": ("binary", False)}
    assert run.code == 0


def test_invalid_utf8_is_reported(repo: GitRepo) -> None:
    rng = _two_commits(repo, {"app/views.py": GUARDED.encode()}, {"app/views.py": UNGUARDED.encode() + b"# \xff\xfe\n"}, binary=True)
    assert semdiff([rng], repo.root).reasons() == {"app/views.py": ("invalid-utf8", True)}


def test_mixed_encodings_in_one_file_are_reported(repo: GitRepo) -> None:
    mixed = "# caf\u00e9\n".encode("utf-8") + "# caf\u00e9\n".encode("latin-1") + UNGUARDED.encode()
    rng = _two_commits(repo, {"app/views.py": GUARDED.encode()}, {"app/views.py": mixed}, binary=True)
    assert semdiff([rng], repo.root).reasons() == {"app/views.py": ("invalid-utf8", True)}


def test_pep263_cookie_is_honoured(repo: GitRepo) -> None:
    cookie = "# -*- coding: latin-1 -*-\n# caf\u00e9\n"
    rng = _two_commits(repo, {"app/views.py": (cookie + GUARDED).encode("latin-1")},
                       {"app/views.py": (cookie + UNGUARDED).encode("latin-1")}, binary=True)
    run = semdiff([rng], repo.root)
    assert run.doc["not_analyzed"] == []
    assert ("removed-guard", "delete_user") in run.rules()


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "lone-cr"])
def test_crlf_and_lone_cr_line_endings(repo: GitRepo, newline: str) -> None:
    rng = _two_commits(repo, {"app/views.py": GUARDED.replace("\n", newline).encode()},
                       {"app/views.py": UNGUARDED.replace("\n", newline).encode()}, binary=True)
    run = semdiff([rng], repo.root)
    found = [f for f in run.doc["findings"] if f["rule_id"] == "removed-guard"]
    assert [(f["unit"], f["before"]["line"]) for f in found] == [("delete_user", 5)]


# -- size and shape -----------------------------------------------------------------------------

def test_fifty_megabyte_file_is_too_large(repo: GitRepo) -> None:
    big = GUARDED + ("x = 1  # padding padding padding padding\n" * 1_250_000)
    assert len(big) > 50_000_000
    rng = _two_commits(repo, {"app/auth.py": GUARDED}, {"app/auth.py": big})
    run = semdiff([rng], repo.root)
    assert run.reasons() == {"app/auth.py": ("too-large", True)}
    assert semdiff([rng], repo.root, ci=True).code == 1
    assert semdiff([rng, "--allow-unanalyzed"], repo.root, ci=True).code == 0


def test_max_file_bytes_flag_is_applied(repo: GitRepo) -> None:
    rng = _two_commits(repo, {"app/views.py": GUARDED}, {"app/views.py": UNGUARDED})
    run = semdiff([rng, "--max-file-bytes", "50"], repo.root)
    assert run.reasons() == {"app/views.py": ("too-large", True)}
    assert run.doc["findings"] == []


def test_million_character_line(repo: GitRepo, python_parser: str) -> None:
    long_line = "BLOB = '" + "a" * 1_000_000 + "'\n"
    rng = _two_commits(repo, {"app/views.py": long_line + GUARDED}, {"app/views.py": long_line + UNGUARDED})
    run = semdiff([rng], repo.root)
    assert ("removed-guard", "delete_user") in run.rules()
    # tree-sitter refuses lines over ts_python.MAX_LINE: as the primary parser it hands the
    # file to libcst, and says so
    details = sorted(n["detail"] for n in run.doc["not_analyzed"])
    if python_parser == "libcst":
        assert details == []
    else:
        assert [d.split(":", 1)[0] for d in details] == ["after", "before"]
        assert all("line 1 is longer than" in d and "read with libcst" in d for d in details)
        assert run.reasons() == {"app/views.py": ("fallback-parse", False)}


@pytest.mark.parametrize("expr", [
    "(" * 10_000 + "1" + ")" * 10_000,
    "1" + "+1" * 10_000,
    "not " * 10_000 + "x",
    "f" + "(1)" * 10_000,
    "[" * 10_000 + "]" * 10_000,
    "x" + " and x" * 10_000,
    "x" + " or x" * 500,
], ids=["parens", "operator-chain", "not-chain", "call-chain", "lists", "and-chain", "or-chain-500"])
def test_expressions_nested_ten_thousand_deep(repo: GitRepo, expr: str, python_parser: str) -> None:
    # tree-sitter reads these trees, but past its bounds; as the primary parser it hands the
    # file to libcst, which refuses it as too deep: the same answer under both settings
    rng = _two_commits(repo, {"app/auth.py": GUARDED}, {"app/auth.py": UNGUARDED + f"\nDEEP = {expr}\n"})
    run = semdiff([rng], repo.root)
    assert run.reasons() == {"app/auth.py": ("too-deep", True)}
    assert semdiff([rng], repo.root, ci=True).code == 1


def test_deep_nesting_in_javascript_does_not_crash(repo: GitRepo) -> None:
    js = "function f(x) { return " + "(" * 10_000 + "x" + ")" * 10_000 + "; }\n"
    rng = _two_commits(repo, {"web/auth.js": "function f(x) { return x; }\n"}, {"web/auth.js": js})
    semdiff([rng], repo.root)


@pytest.mark.parametrize("side", ["before", "after"])
def test_syntax_error_on_either_side(repo: GitRepo, side: str, python_parser: str) -> None:
    broken = "def delete_user(request, user:\n    pass\n"
    before, after = (broken, UNGUARDED) if side == "before" else (GUARDED, broken)
    rng = _two_commits(repo, {"app/views.py": before}, {"app/views.py": after})
    run = semdiff([rng], repo.root)
    # libcst refuses the broken side; the tree-sitter fallback reads what it can and says so.
    # tree-sitter as the primary parser reads it directly: no fallback note, same partial entry
    entries = {(n["reason"], n["security_relevant"]) for n in run.doc["not_analyzed"]}
    fallback = {("fallback-parse", False)} if python_parser == "libcst" else set()
    assert entries == fallback | {("partial-parse", side == "after")}  # the old version had a guard: fail closed
    assert semdiff([rng], repo.root, ci=True).code == (1 if side == "after" else 0)


# -- diff input ---------------------------------------------------------------------------------

def _diff(repo: GitRepo, text: str) -> Run:
    path = repo.root.parent / "change.diff"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return semdiff(["--diff", str(path)], repo.root.parent)


GOOD_DIFF = (
    "diff --git a/app/views.py b/app/views.py\n--- a/app/views.py\n+++ b/app/views.py\n"
    "@@ -4,4 +4,2 @@\n def delete_user(request, user):\n-    if not request.user.is_admin:\n"
    "-        raise PermissionDenied()\n     user.delete()\n"
)


def test_hunks_that_do_not_apply(repo: GitRepo) -> None:
    """Counts that disagree with the body, and a hunk far beyond any plausible file."""
    bad_counts = GOOD_DIFF.replace("@@ -4,4 +4,2 @@", "@@ -4,9 +4,7 @@")
    run = _diff(repo, bad_counts + "diff --git a/ok.py b/ok.py\n--- a/ok.py\n+++ b/ok.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n")
    assert run.reasons()["app/views.py"][0] == "malformed-diff"
    far = GOOD_DIFF.replace("@@ -4,4 +4,2 @@", "@@ -1999999999,4 +1999999999,2 @@")
    run = _diff(repo, far)
    assert run.reasons() == {"app/views.py": ("too-large", True)}


def test_truncated_diff(repo: GitRepo) -> None:
    run = _diff(repo, GOOD_DIFF[: GOOD_DIFF.index("raise")])
    assert run.code == 2 or run.reasons()["app/views.py"][0] == "malformed-diff"


@pytest.mark.parametrize("text", ["garbage\n\0\xff", "--- a\n+++ b\n@@ -x +y @@\n", "@@ -1 +1 @@\n-a\n+b\n", ""],
                         ids=["garbage", "bad-hunk-header", "hunk-without-file", "empty"])
def test_malformed_diff(repo: GitRepo, text: str) -> None:
    run = _diff(repo, text)
    if run.code == 0:
        assert run.doc["findings"] == []


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/passwd", "app/../../x.py"])
def test_path_traversal_in_diff_headers(repo: GitRepo, path: str) -> None:
    text = GOOD_DIFF.replace("a/app/views.py", f"a/{path}").replace("b/app/views.py", f"b/{path}")
    text = text.replace("a//", "/").replace("b//", "/")
    run = _diff(repo, text)
    assert [n["reason"] for n in run.doc["not_analyzed"]] == ["unsafe-path"]
    assert run.doc["files"] == []


def test_zero_percent_similarity_rename_in_a_diff(repo: GitRepo) -> None:
    text = (
        "diff --git a/app/views.py b/app/other.py\nsimilarity index 0%\nrename from app/views.py\nrename to app/other.py\n"
        "--- a/app/views.py\n+++ b/app/other.py\n@@ -1,7 +1,1 @@\n"
        + "".join("-" + l + "\n" for l in GUARDED.splitlines()) + "+x = 1\n"
    )
    run = _diff(repo, text)
    assert [f["path"] for f in run.doc["files"]] == ["app/other.py"]


# -- repository shapes --------------------------------------------------------------------------

def test_symlink_pointing_outside_is_never_followed(repo: GitRepo, tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("SECRET_MARKER_4711 = 1\n")
    repo.write({"app/views.py": GUARDED})
    base = repo.commit("base")
    repo.symlink("app/link.py", str(outside))
    repo.symlink("app/up.py", "../../outside.py")
    head = repo.commit("links")
    for args in ([f"{base}..{head}"], []):
        run = semdiff(args, repo.root)
        assert "SECRET_MARKER_4711" not in run.stdout
    assert {p: r for p, (r, _) in semdiff([f"{base}..{head}"], repo.root).reasons().items()} == {
        "app/link.py": "symlink", "app/up.py": "symlink"}


def test_submodule_entry(repo: GitRepo) -> None:
    repo.write({"a.py": "x = 1\n"})
    base = repo.commit("base")
    repo.add_submodule_entry("vendor/lib", base)
    head = repo.commit("submodule")
    assert semdiff([f"{base}..{head}"], repo.root).reasons() == {"vendor/lib": ("submodule", False)}


def test_lfs_pointer(repo: GitRepo) -> None:
    pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + "a" * 64 + "\nsize 12345\n"
    rng = _two_commits(repo, {"app/auth.py": GUARDED}, {"app/auth.py": pointer})
    assert semdiff([rng], repo.root).reasons() == {"app/auth.py": ("lfs-pointer", True)}


def test_rename_with_zero_similarity_keeps_the_removed_guard(repo: GitRepo) -> None:
    repo.write({"app/views.py": GUARDED})
    base = repo.commit("base")
    repo.rename("app/views.py", "app/handlers.py")
    repo.write({"app/handlers.py": "def delete_user(request, user):\n    user.remove()\n"})
    head = repo.commit("rewrite")
    run = semdiff([f"{base}..{head}"], repo.root)
    assert {f["path"] for f in run.doc["files"]} == {"app/views.py", "app/handlers.py"}
    assert run.rules() == [("guard-dropped-in-move", "delete_user")]


def test_empty_commit(repo: GitRepo) -> None:
    repo.write({"a.py": "x = 1\n"})
    repo.commit("base")
    empty = repo.commit("nothing", allow_empty=True)
    run = semdiff([empty], repo.root)
    assert (run.code, run.doc["files"], run.doc["findings"]) == (0, [], [])


def _merge(repo: GitRepo, branches: list[str]) -> str:
    repo.run_git("merge", "-q", "--no-edit", "--no-ff", *branches)
    return repo.head()


def test_merge_commit_compares_with_first_parent(repo: GitRepo) -> None:
    repo.write({"app/views.py": GUARDED})
    repo.commit("base")
    repo.checkout("feature", create=True)
    repo.write({"app/views.py": UNGUARDED})
    repo.commit("drop check")
    repo.checkout("main")
    repo.write({"README.md": "x\n"})
    repo.commit("docs")
    merge = _merge(repo, ["feature"])
    assert ("removed-guard", "delete_user") in semdiff([merge], repo.root).rules()


def test_octopus_merge(repo: GitRepo) -> None:
    repo.write({"app/views.py": GUARDED})
    repo.commit("base")
    for name in ("one", "two", "three"):
        repo.checkout("main")
        repo.checkout(name, create=True)
        repo.write({f"{name}.py": f"{name.upper()} = 1\n"} if name != "two" else {"app/views.py": UNGUARDED})
        repo.commit(name)
    repo.checkout("main")
    merge = _merge(repo, ["one", "two", "three"])
    assert len(repo.run_git("rev-list", "--no-walk", "--parents", merge).split()) == 5
    assert ("removed-guard", "delete_user") in semdiff([merge], repo.root).rules()


def test_nonexistent_range(repo: GitRepo) -> None:
    repo.write({"a.py": "x = 1\n"})
    repo.commit("base")
    run = semdiff(["nope..main"], repo.root)
    assert run.code == 2 and "unknown revision" in run.stderr


def test_shallow_clone_missing_base(repo: GitRepo, tmp_path: Path) -> None:
    repo.write({"app/views.py": GUARDED})
    base = repo.commit("base")
    repo.write({"app/views.py": UNGUARDED})
    repo.commit("head")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)], check=True,
                   env=isolated_git_env(), capture_output=True, timeout=60)
    run = semdiff([f"{base}..HEAD"], clone)
    assert run.code == 2 and "shallow" in run.stderr
    run = semdiff(["HEAD"], clone)  # the parent is missing: compared with the empty tree, not a crash
    assert run.code in (0, 1)


def test_repository_path_that_is_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    run = semdiff(["HEAD~1..HEAD", "--repo", str(plain)], tmp_path)
    assert run.code == 2 and "not a git repository" in run.stderr
    run = semdiff(["HEAD~1..HEAD", "--repo", str(tmp_path / "missing")], tmp_path)
    assert run.code == 2 and "does not exist" in run.stderr


def test_recursion_inside_position_recording_is_never_an_internal_error() -> None:
    # a long `and` chain under the flat-AST depth limit, parsed with a low recursion limit:
    # libcst's codegen recursion fails inside a node's position record; the recorder lets that
    # RecursionError through to the budget's handling (it used to raise a KeyError that hid it,
    # reported as "internal error: KeyError: <id>", and only on some stacks: a flaky result)
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from semdiff.pipeline import analyze_texts\n"
        "body = 'if ' + ' and '.join(['a'] * 390) + ':\\n    raise PermissionError()\\nreturn 1\\n'\n"
        "text = 'class A:\\n  class B:\\n    def check(a):\\n' + ''.join('      ' + l + '\\n' for l in body.splitlines())\n"
        "sys.setrecursionlimit(700)\n"
        "r = analyze_texts([('app/auth.py', text, text.replace('raise PermissionError()', 'pass'))])\n"
        "print(sorted({f.rule_id for f in r.findings}), [n.detail for n in r.not_analyzed])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "internal error" not in out.stdout and "KeyError" not in out.stdout, out.stdout
