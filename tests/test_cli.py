"""The `semdiff` command end to end, on real throw-away git repositories.

Each test builds the history it needs with `GitRepo`, runs the CLI through click's runner
(the same `cli` object the console script calls) and checks what a user sees: the rule ids,
units and lines found, the files listed, the exit code and the one-line errors.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Optional, Sequence

import jsonschema
import pytest
from click.testing import CliRunner, Result

import semdiff
from semdiff.cli import cli

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gitrepo import GitRepo  # noqa: E402
from python_parsers import python_parser  # noqa: E402,F401  (fixture)

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "json-schema.json").read_text(encoding="utf-8"))

VIEWS_BEFORE = '''\
from django.core.exceptions import PermissionDenied


def delete_user(request, user):
    if not request.user.is_admin:
        raise PermissionDenied()
    user.delete()
    return True


def list_users(request):
    return [u.name for u in request.users]


def user_count(request):
    return len(request.users)
'''
VIEWS_AFTER = VIEWS_BEFORE.replace(
    "    if not request.user.is_admin:\n        raise PermissionDenied()\n", ""
)
GUARD_LINE = 5  # `if not request.user.is_admin:` in VIEWS_BEFORE


def run(args: Sequence[str], input: Optional[str | bytes] = None, env: Optional[dict[str, Optional[str]]] = None) -> Result:
    """Run the CLI with CI mode off unless a test turns it on (the suite itself may run under CI=true)."""
    base_env: dict[str, Optional[str]] = {"CI": None, "SEMDIFF_DEBUG": None}
    base_env.update(env or {})
    return CliRunner().invoke(cli, list(args), input=input, env=base_env, catch_exceptions=False)


def as_json(result: Result) -> dict:
    doc = json.loads(result.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    return doc


def rule_units(doc: dict) -> list[tuple[str, str, str]]:
    return [(f["rule_id"], f["path"], f["unit"]) for f in doc["findings"]]


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


@pytest.fixture
def guarded(repo: GitRepo) -> tuple[GitRepo, str, str]:
    """base: delete_user checks is_admin; head: the check is gone."""
    repo.write({"app/views.py": VIEWS_BEFORE, "README.md": "demo\n"})
    base = repo.commit("add views")
    repo.write({"app/views.py": VIEWS_AFTER})
    head = repo.commit("simplify delete_user")
    return repo, base, head


def one_line_error(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert lines[0].startswith("semdiff: error: ")
    return lines[0]


# -- change sources --------------------------------------------------------------------------

def test_two_dot_range_finds_removed_guard(guarded: tuple[GitRepo, str, str]) -> None:
    repo, base, head = guarded
    result = run(["--repo", str(repo.root), f"{base}..{head}", "--format", "json", "--fail-on", "low"])
    doc = as_json(result)
    assert rule_units(doc) == [("removed-guard", "app/views.py", "delete_user")]
    finding = doc["findings"][0]
    assert finding["before"]["path"] == "app/views.py" and finding["before"]["line"] == GUARD_LINE
    assert "request.user.is_admin" in finding["evidence"]["before"]
    assert finding["hunk_only"] is False
    assert result.exit_code == 1
    assert doc["range"]["base"] == base and doc["range"]["head"] == head


def test_text_output_names_rule_and_location(guarded: tuple[GitRepo, str, str]) -> None:
    repo, base, head = guarded
    result = run(["--repo", str(repo.root), f"{base}..{head}", "--fail-on", "low"])
    assert result.exit_code == 1
    assert "removed-guard" in result.stdout
    assert f"app/views.py:{GUARD_LINE}" in result.stdout
    assert "in delete_user" in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: plain text
    assert "at or above severity 'low'" in result.stderr


def test_three_dot_range_is_from_merge_base(repo: GitRepo) -> None:
    repo.write({"app/views.py": VIEWS_BEFORE})
    base = repo.commit("add views")
    repo.checkout("feature", create=True)
    repo.write({"app/views.py": VIEWS_AFTER})
    repo.commit("drop the admin check")
    repo.checkout("main")
    repo.write({"app/other.py": "X = 1\n"})
    repo.commit("unrelated change on main")

    three = as_json(run(["--repo", str(repo.root), "main...feature", "--format", "json"]))
    assert rule_units(three) == [("removed-guard", "app/views.py", "delete_user")]
    assert [f["path"] for f in three["files"]] == ["app/views.py"]
    assert three["range"]["base"] == base

    two = as_json(run(["--repo", str(repo.root), "main..feature", "--format", "json"]))
    assert sorted(f["path"] for f in two["files"]) == ["app/other.py", "app/views.py"]
    assert rule_units(two) == [("removed-guard", "app/views.py", "delete_user")]


def test_two_dot_range_backwards_sees_the_reverse_change(guarded: tuple[GitRepo, str, str]) -> None:
    repo, base, head = guarded
    doc = as_json(run(["--repo", str(repo.root), f"{head}..{base}", "--format", "json"]))
    assert doc["findings"] == []  # adding a guard back is not a weakening


def test_single_commit_against_its_parent(guarded: tuple[GitRepo, str, str]) -> None:
    repo, _, head = guarded
    doc = as_json(run(["--repo", str(repo.root), head, "--format", "json"]))
    assert rule_units(doc) == [("removed-guard", "app/views.py", "delete_user")]
    doc = as_json(run(["--repo", str(repo.root), "HEAD~1", "--format", "json"]))
    assert rule_units(doc) == []  # the first commit only added code


def test_staged_changes_only(repo: GitRepo) -> None:
    repo.write({"app/views.py": VIEWS_BEFORE, "app/other.py": "X = 1\n"})
    repo.commit("add views")
    repo.write({"app/views.py": VIEWS_AFTER})  # staged
    repo.write({"app/other.py": "X = 2\n"}, stage=False)  # only in the working tree
    doc = as_json(run(["--repo", str(repo.root), "--staged", "--format", "json"]))
    assert rule_units(doc) == [("removed-guard", "app/views.py", "delete_user")]
    assert [f["path"] for f in doc["files"]] == ["app/views.py"]


def test_working_tree_against_head(repo: GitRepo) -> None:
    repo.write({"app/views.py": VIEWS_BEFORE})
    repo.commit("add views")
    repo.write({"app/views.py": VIEWS_AFTER}, stage=False)
    doc = as_json(run(["--repo", str(repo.root), "--format", "json"]))
    assert rule_units(doc) == [("removed-guard", "app/views.py", "delete_user")]


def test_diff_file_is_hunk_only(guarded: tuple[GitRepo, str, str], tmp_path: Path) -> None:
    repo, base, head = guarded
    patch = tmp_path / "change.patch"
    patch.write_text(repo.run_git("diff", "-U10", base, head) + "\n", encoding="utf-8")
    doc = as_json(run(["--diff", str(patch), "--format", "json"]))
    assert rule_units(doc) == [("removed-guard", "app/views.py", "delete_user")]
    assert doc["findings"][0]["hunk_only"] is True
    assert doc["range"]["hunk_only"] is True


def test_diff_from_stdin(guarded: tuple[GitRepo, str, str]) -> None:
    repo, base, head = guarded
    diff = repo.run_git("diff", "-U10", base, head) + "\n"
    doc = as_json(run(["--diff", "-", "--format", "json"], input=diff))
    assert rule_units(doc) == [("removed-guard", "app/views.py", "delete_user")]
    assert doc["findings"][0]["hunk_only"] is True


def test_shipped_example_patch_finds_the_removed_admin_check() -> None:
    result = run(["--diff", str(ROOT / "examples" / "weakened-admin-check.patch"), "--format", "json"])
    doc = as_json(result)
    assert rule_units(doc) == [
        ("removed-guard", "app/views.py", "delete_user"),
        ("widened-condition", "app/views.py", "change_password"),
    ]
    assert doc["findings"][0]["before"]["line"] == 10
    assert doc["findings"][1]["after"]["line"] == 18 and doc["findings"][1]["before"]["line"] == 20
    assert all(f["hunk_only"] for f in doc["findings"])
    assert result.exit_code == 1  # README promises a real finding and exit code 1


# -- file kinds ------------------------------------------------------------------------------

def test_rename_is_paired(repo: GitRepo) -> None:
    repo.write({"app/views.py": VIEWS_BEFORE})
    base = repo.commit("add views")
    repo.rename("app/views.py", "app/user_views.py")
    repo.write({"app/user_views.py": VIEWS_AFTER})
    head = repo.commit("move and simplify")
    doc = as_json(run(["--repo", str(repo.root), f"{base}..{head}", "--format", "json"]))
    assert [(f["old_path"], f["new_path"], f["status"]) for f in doc["files"]] == [
        ("app/views.py", "app/user_views.py", "renamed")
    ]
    assert rule_units(doc) == [("removed-guard", "app/user_views.py", "delete_user")]
    assert doc["findings"][0]["before"]["path"] == "app/views.py"


def test_binary_file_is_listed_not_analysed(repo: GitRepo) -> None:
    repo.write_bytes({"static/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x01"})
    base = repo.commit("logo")
    repo.write_bytes({"static/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x02"})
    head = repo.commit("new logo")
    result = run(["--repo", str(repo.root), f"{base}..{head}", "--format", "json"])
    doc = as_json(result)
    assert result.exit_code == 0
    assert [(f["path"], f["status"]) for f in doc["files"]] == [("static/logo.png", "binary")]
    assert doc["findings"] == []
    text = run(["--repo", str(repo.root), f"{base}..{head}"]).stdout
    assert "static/logo.png (binary)" in text


def test_deleted_file_is_listed(repo: GitRepo) -> None:
    repo.write({"app/views.py": VIEWS_BEFORE, "app/legacy.py": "def old():\n    return 1\n"})
    base = repo.commit("add")
    repo.delete("app/legacy.py")
    head = repo.commit("drop legacy")
    result = run(["--repo", str(repo.root), f"{base}..{head}", "--format", "json"])
    doc = as_json(result)
    assert [(f["old_path"], f["new_path"], f["status"]) for f in doc["files"]] == [("app/legacy.py", None, "deleted")]
    assert doc["findings"] == []
    assert result.exit_code == 0
    assert "app/legacy.py (deleted)" in run(["--repo", str(repo.root), f"{base}..{head}"]).stdout


@pytest.fixture
def broken_auth(repo: GitRepo) -> tuple[GitRepo, str, str]:
    """A security-relevant file that no longer parses after the change."""
    repo.write({"app/auth.py": "def check(user):\n    return user.is_admin\n"})
    base = repo.commit("auth")
    repo.write({"app/auth.py": "def check(user:\n    return True\n"})
    head = repo.commit("break auth")
    return repo, base, head


def test_syntax_error_is_reported_not_analysed(broken_auth: tuple[GitRepo, str, str], python_parser: str) -> None:
    repo, base, head = broken_auth
    result = run(["--repo", str(repo.root), f"{base}..{head}", "--format", "json"])
    doc = as_json(result)
    entries = [(n["path"], n["reason"], n["security_relevant"]) for n in doc["not_analyzed"]]
    # libcst refuses the file and the tree-sitter fallback reads it (noted); tree-sitter as the
    # primary parser reads it directly. Either way the broken unit is partial
    fallback = [("app/auth.py", "fallback-parse", False)] if python_parser == "libcst" else []
    assert entries == fallback + [("app/auth.py", "partial-parse", True)]
    assert "check" in doc["not_analyzed"][-1]["detail"]
    assert doc["findings"] == []
    assert result.exit_code == 0  # CI mode off, default threshold: reported, not failed
    assert "could not be analysed" in result.stderr


def test_syntax_error_exit_code_honours_fail_on(broken_auth: tuple[GitRepo, str, str], python_parser: str) -> None:
    repo, base, head = broken_auth
    rng = f"{base}..{head}"
    failed = run(["--repo", str(repo.root), rng, "--fail-on", "high"])  # explicit threshold: CI mode
    assert failed.exit_code == 1
    assert "failing closed" in failed.stderr and "app/auth.py" in failed.stderr
    # libcst: the fallback note and the partial unit; tree-sitter primary: the partial unit
    assert f"Not analysed ({2 if python_parser == 'libcst' else 1})" in failed.stdout
    assert run(["--repo", str(repo.root), rng, "--fail-on", "high", "--allow-unanalyzed"]).exit_code == 0
    assert run(["--repo", str(repo.root), rng, "--fail-on", "never"]).exit_code == 0
    assert run(["--repo", str(repo.root), rng], env={"CI": "true"}).exit_code == 1


def test_python2_file_is_read_by_the_fallback_and_its_removed_check_found(repo: GitRepo, python_parser: str) -> None:
    before = 'def delete(request):\n    if not request.user.is_admin:\n        abort(403)\n    print "deleting"\n    return 1\n'
    repo.write({"app/views.py": before})
    base = repo.commit("py2 view")
    repo.write({"app/views.py": before.replace("    if not request.user.is_admin:\n        abort(403)\n", "")})
    head = repo.commit("tidy")
    result = run(["--repo", str(repo.root), f"{base}..{head}", "--format", "json", "--fail-on", "high"])
    doc = as_json(result)
    assert ("removed-guard", "app/views.py", "delete") in rule_units(doc)
    # tree-sitter reads `print "x"` natively: as the primary parser it needs no fallback
    fallback = {("fallback-parse", False)} if python_parser == "libcst" else set()
    assert {(n["reason"], n["security_relevant"]) for n in doc["not_analyzed"]} == fallback
    assert result.exit_code == 1


def test_invalid_utf8_is_reported_not_analysed(repo: GitRepo) -> None:
    repo.write({"app/token.py": "SECRET = 'a'\n"})
    base = repo.commit("token")
    repo.write_bytes({"app/token.py": b"SECRET = '\xff\xfe'\n"})
    head = repo.commit("latin-1 bytes")
    result = run(["--repo", str(repo.root), f"{base}..{head}", "--format", "json"])
    doc = as_json(result)
    assert [(n["path"], n["reason"]) for n in doc["not_analyzed"]] == [("app/token.py", "invalid-utf8")]
    assert doc["findings"] == []
    text = run(["--repo", str(repo.root), f"{base}..{head}"])
    assert "app/token.py  invalid-utf8" in text.stdout


def test_empty_range_exits_0(guarded: tuple[GitRepo, str, str]) -> None:
    repo, _, head = guarded
    result = run(["--repo", str(repo.root), f"{head}..{head}"])
    assert result.exit_code == 0
    assert ": 0 findings; 0 files changed" in result.stdout


# -- errors ----------------------------------------------------------------------------------

def test_bad_range_is_one_line_exit_2(guarded: tuple[GitRepo, str, str]) -> None:
    repo, _, head = guarded
    line = one_line_error(run(["--repo", str(repo.root), f"no-such-branch..{head}"]))
    assert "no-such-branch" in line


def test_not_a_repository_is_one_line_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    one_line_error(run(["--repo", str(empty), "main..HEAD"]))


def test_usage_errors_are_one_line_exit_2(guarded: tuple[GitRepo, str, str], tmp_path: Path) -> None:
    repo, base, head = guarded
    assert "only one of" in one_line_error(run(["--repo", str(repo.root), "--staged", f"{base}..{head}"]))
    assert "--fail-on" in one_line_error(run(["--fail-on", "severe"]))
    assert "does not exist" in one_line_error(run(["--diff", str(tmp_path / "missing.patch")]))
    assert "--format" in one_line_error(run(["--format", "yaml"]))


def test_internal_error_is_one_line_and_debug_shows_traceback(monkeypatch: pytest.MonkeyPatch, guarded: tuple[GitRepo, str, str]) -> None:
    repo, base, head = guarded

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("backend exploded")

    monkeypatch.setattr("semdiff.api.analyze", boom)
    line = one_line_error(run(["--repo", str(repo.root), f"{base}..{head}"]))
    assert "internal error: RuntimeError: backend exploded" in line and "SEMDIFF_DEBUG=1" in line
    debug = run(["--repo", str(repo.root), f"{base}..{head}"], env={"SEMDIFF_DEBUG": "1"})
    assert debug.exit_code == 2 and "Traceback" in debug.stderr


# -- output and policy -----------------------------------------------------------------------

def test_output_file(guarded: tuple[GitRepo, str, str], tmp_path: Path) -> None:
    repo, base, head = guarded
    out = tmp_path / "report.json"
    result = run(["--repo", str(repo.root), f"{base}..{head}", "--format", "json", "--output", str(out), "--fail-on", "low"])
    assert result.exit_code == 1
    assert result.stdout == ""
    doc = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert rule_units(doc) == [("removed-guard", "app/views.py", "delete_user")]


def test_output_to_unwritable_path_is_exit_2(guarded: tuple[GitRepo, str, str], tmp_path: Path) -> None:
    repo, base, head = guarded
    line = one_line_error(run(["--repo", str(repo.root), f"{base}..{head}", "--output", str(tmp_path / "no" / "dir" / "r.txt")]))
    assert "cannot write report" in line


def test_min_confidence_hides_hunk_only_findings(guarded: tuple[GitRepo, str, str]) -> None:
    repo, base, head = guarded
    diff = repo.run_git("diff", "-U10", base, head) + "\n"
    shown = as_json(run(["--diff", "-", "--format", "json", "--fail-on", "low"], input=diff))
    confidence = shown["findings"][0]["confidence"]
    assert confidence != "high"  # hunk-only findings are less certain than full-text ones
    hidden = run(["--diff", "-", "--format", "json", "--fail-on", "low", "--min-confidence", "high"], input=diff)
    assert as_json(hidden)["findings"] == []
    assert hidden.exit_code == 0


def test_fail_on_never_and_thresholds(guarded: tuple[GitRepo, str, str]) -> None:
    repo, base, head = guarded
    rng = f"{base}..{head}"
    doc = as_json(run(["--repo", str(repo.root), rng, "--format", "json"]))
    severity = doc["findings"][0]["severity"]
    assert run(["--repo", str(repo.root), rng, "--fail-on", "never"]).exit_code == 0
    assert run(["--repo", str(repo.root), rng, "--fail-on", severity]).exit_code == 1
    assert run(["--repo", str(repo.root), rng, "--fail-on", "critical"]).exit_code == (1 if severity == "critical" else 0)


def test_removed_admin_check_fails_default_threshold(guarded: tuple[GitRepo, str, str]) -> None:
    repo, base, head = guarded
    result = run(["--repo", str(repo.root), f"{base}..{head}"])
    assert result.exit_code == 1  # an is_admin check in delete_user is high severity


# -- library and entry points ----------------------------------------------------------------

def test_library_gives_the_same_findings_as_the_cli(guarded: tuple[GitRepo, str, str]) -> None:
    repo, base, head = guarded
    report = semdiff.analyze(f"{base}..{head}", repo=str(repo.root))
    doc = as_json(run(["--repo", str(repo.root), f"{base}..{head}", "--format", "json"]))
    assert [(f.rule_id, f.path, f.unit, f.fingerprint) for f in report.findings] == [
        (f["rule_id"], f["path"], f["unit"], f["fingerprint"]) for f in doc["findings"]
    ]
    assert [f.rule_id for f in report.findings] == ["removed-guard"]


def test_explicit_analyze_subcommand_is_the_default(guarded: tuple[GitRepo, str, str]) -> None:
    repo, base, head = guarded
    implicit = run(["--repo", str(repo.root), f"{base}..{head}", "--format", "json"]).stdout
    explicit = run(["analyze", "--repo", str(repo.root), f"{base}..{head}", "--format", "json"]).stdout
    assert implicit == explicit


def test_help_and_version() -> None:
    helped = run(["--help"])
    assert helped.exit_code == 0
    assert "Usage: semdiff [OPTIONS] [REVISION]" in helped.stdout and "--fail-on" in helped.stdout
    assert "analyze" in helped.stdout  # the command list
    version = run(["--version"])
    assert version.exit_code == 0 and version.stdout.strip() == f"semdiff {semdiff.__version__}"


def test_python_dash_m(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "semdiff", "--version"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and proc.stdout.strip() == f"semdiff {semdiff.__version__}"
    proc = subprocess.run(
        [sys.executable, "-m", "semdiff", "--repo", str(tmp_path), "a..b"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


def test_jobs_option_gives_the_same_report(repo: GitRepo) -> None:
    """Ten changed files are parsed by two processes with --jobs 2 and in-process with --jobs 1."""
    repo.write({f"app/views{n}.py": VIEWS_BEFORE for n in range(10)})
    base = repo.commit("views")
    repo.write({f"app/views{n}.py": VIEWS_AFTER for n in range(10)})
    head = repo.commit("simplify")
    docs = [as_json(run(["--repo", str(repo.root), f"{base}..{head}", "--format", "json", "--jobs", jobs])) for jobs in ("1", "2")]
    assert rule_units(docs[0]) == rule_units(docs[1])
    assert sorted(rule_units(docs[1])) == sorted(("removed-guard", f"app/views{n}.py", "delete_user") for n in range(10))
