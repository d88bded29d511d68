"""Suppressions that must say why, configuration filters, and head-line mapping for removed code."""
from __future__ import annotations

from dataclasses import replace

import pytest

from semdiff.config import Config, PathSuppression
from semdiff.model import (
    ChangeStatus, Confidence, Evidence, FileChange, Finding, Hunk, Location, NotAnalyzed, Relevance, Report, Severity,
)
from semdiff.suppress import (
    SUPPRESSION_WITHOUT_REASON, apply_policy, head_line, map_old_line, parse_inline, path_matches,
)

NEW_TEXT = "\n".join([
    "def transfer(request):",                                            # 1  (base 1)
    "    # semdiff: ignore[widened-condition] reason: staff may move funds",  # 2  added
    "    if request.user.is_admin or request.user.is_staff:",            # 3  added (replaces base 2)
    "        move()",                                                    # 4  (base 3)
    "    requests.get(url, verify=False)  // semdiff: ignore[disabled-verification]",  # 5  added (replaces base 4)
    "    log()",                                                         # 6  (base 5)
    "    audit()  # semdiff: ignore[removed-guard, altered-comparison] reason: moved to middleware",  # 7  (base 8)
    "",
])
# base lines 6-7 were a guard between `log()` and `audit()`; nothing replaced it
FILE = FileChange(
    "app/pay.py", "app/pay.py", ChangeStatus.MODIFIED, new_text=NEW_TEXT,
    hunks=(Hunk(1, 8, 1, 7, removed=(2, 4, 6, 7), added=(2, 3, 5),
                context_old=(1, 3, 5, 8), context_new=(1, 4, 6, 7)),),
)


def finding(rule: str, after: int | None, before: int | None = None, path: str = "app/pay.py", unit: str = "transfer") -> Finding:
    return Finding(
        rule_id=rule, title=rule, severity=Severity.HIGH, confidence=Confidence.HIGH, message=f"{rule} here",
        path=path, unit=unit, before=Location(path, before) if before else None,
        after=Location(path, after) if after else None, evidence=Evidence(before=f"{rule} before", after=f"{rule} after"),
        relevance=Relevance("authz", 0.9, (unit,)),
    )


# -- parsing -----------------------------------------------------------------------------------

@pytest.mark.parametrize("line,rules,reason", [
    ("x = 1  # semdiff: ignore[removed-guard] reason: checked upstream", ("removed-guard",), "checked upstream"),
    ("x = 1  // semdiff: ignore[a, b] reason: both fine", ("a", "b"), "both fine"),
    ("/* semdiff: ignore[a] reason: legacy */", ("a",), "legacy"),
    ("<!-- semdiff: ignore[a] reason: docs only -->", ("a",), "docs only"),
    ("# SEMDIFF: Ignore[a] because the proxy checks it", ("a",), "because the proxy checks it"),
    ("# semdiff: ignore[a]", ("a",), ""),
    ("# semdiff: ignore[a] reason:", ("a",), ""),
    ("# semdiff: ignore[a] reason: --", ("a",), ""),
])
def test_parse_inline(line: str, rules: tuple[str, ...], reason: str) -> None:
    s = parse_inline(line, 9)
    assert s is not None and s.rules == rules and s.reason == reason and s.line == 9


@pytest.mark.parametrize("line", ["x = 'semdiff: ignore[a] reason: in a string'", "# semdiff ignore a", "plain code"])
def test_parse_inline_needs_a_comment_marker(line: str) -> None:
    assert parse_inline(line, 1) is None


# -- inline suppressions ---------------------------------------------------------------------------

def test_reasoned_suppression_on_line_above_moves_finding_to_suppressed() -> None:
    f = finding("widened-condition", after=3, before=3)
    out = apply_policy(Report(findings=(f,), files=(FILE,)))
    assert out.findings == ()
    assert out.suppressed == ((f, "inline (line 2): staff may move funds"),)


def test_suppression_naming_another_rule_does_not_apply() -> None:
    f = finding("altered-comparison", after=3)
    out = apply_policy(Report(findings=(f,), files=(FILE,)))
    assert out.findings == (f,) and out.suppressed == ()


def test_suppression_without_reason_does_not_suppress_and_is_reported() -> None:
    f = finding("disabled-verification", after=5)
    out = apply_policy(Report(findings=(f,), files=(FILE,)))
    assert out.suppressed == ()
    assert [x.rule_id for x in out.findings] == ["disabled-verification", SUPPRESSION_WITHOUT_REASON]
    extra = out.findings[1]
    assert extra.severity is Severity.LOW and extra.after == Location("app/pay.py", 5) and extra.unit == "transfer"
    assert "gives no reason" in extra.message and "disabled-verification" in extra.message
    assert extra.evidence.after.endswith("// semdiff: ignore[disabled-verification]")


def test_removed_code_finding_is_suppressed_at_its_mapped_head_line() -> None:
    f = finding("removed-guard", after=None, before=6)
    assert head_line(Report(findings=(f,), files=(FILE,)), f) == 7  # the next surviving line, `audit()`
    out = apply_policy(Report(findings=(f,), files=(FILE,)))
    assert out.suppressed == ((f, "inline (line 7): moved to middleware"),)


def test_no_suppress_shows_everything() -> None:
    f = finding("widened-condition", after=3)
    cfg = Config(suppress=(PathSuppression("widened-condition", "app/*", "reviewed"),))
    out = apply_policy(Report(findings=(f,), files=(FILE,)), cfg, baseline={f.fingerprint}, use_suppressions=False)
    assert out.findings == (f,) and out.suppressed == ()


def test_hunk_only_reports_use_hunk_lines() -> None:
    hunk_only = FileChange(
        "a.py", "a.py", ChangeStatus.MODIFIED,
        hunks=(Hunk(10, 1, 10, 2, removed=(10,), added=(10, 11),
                    added_text=("# semdiff: ignore[widened-condition] reason: feature flag", "if a or b:")),),
    )
    f = finding("widened-condition", after=11, path="a.py")
    out = apply_policy(Report(findings=(f,), files=(hunk_only,)))
    assert out.suppressed == ((f, "inline (line 10): feature flag"),)


# -- configuration ---------------------------------------------------------------------------------

def test_config_suppression_by_rule_and_glob_with_reason() -> None:
    a = finding("disabled-verification", after=3, path="scripts/seed.py")
    b = finding("disabled-verification", after=3, path="app/client.py")
    cfg = Config(suppress=(PathSuppression("disabled-verification", "scripts/*.py", "local test server"),))
    out = apply_policy(Report(findings=(a, b)), cfg)
    assert out.findings == (b,)
    assert out.suppressed == ((a, "configuration (disabled-verification on scripts/*.py): local test server"),)


def test_exclude_include_disable_enable_and_severity_override() -> None:
    vendored = finding("removed-guard", after=1, path="src/vendor/lib.py")
    outside = finding("removed-guard", after=1, path="docs/conf.py")
    disabled = finding("weakened-default", after=1, path="src/app.py")
    not_enabled = finding("crypto-downgrade", after=1, path="src/app.py")
    kept = finding("widened-condition", after=1, path="src/app.py")
    cfg = Config(
        include=("src/**",), exclude=("src/vendor/",), disable=frozenset({"weakened-default"}),
        enable=frozenset({"removed-guard", "widened-condition", "weakened-default"}),
        severity=(("widened-condition", Severity.CRITICAL),),
    )
    report = Report(
        findings=(vendored, outside, disabled, not_enabled, kept),
        not_analyzed=(NotAnalyzed("src/vendor/x.py", "syntax-error", security_relevant=True), NotAnalyzed("src/y.py", "binary")),
    )
    out = apply_policy(report, cfg)
    assert out.findings == (replace(kept, severity=Severity.CRITICAL),)
    assert out.suppressed == (
        (vendored, "path excluded by configuration (src/vendor/)"),
        (outside, "path outside the configuration's include globs"),
    )
    assert [n.path for n in out.not_analyzed] == ["src/y.py"]


@pytest.mark.parametrize("path,glob,matches", [
    ("src/a/b.py", "src/**", True), ("src/a/b.py", "src/", True), ("tests/test_x.py", "**/test_*.py", True),
    ("a/tests/test_x.py", "**/test_*.py", True), ("src/a.py", "tests/", False), ("srcx/a.py", "src/", False),
])
def test_path_globs(path: str, glob: str, matches: bool) -> None:
    assert path_matches(path, glob) is matches


def test_existing_suppressed_entries_are_kept() -> None:
    old = (finding("removed-guard", after=1), "inline (line 1): earlier")
    out = apply_policy(Report(findings=(), suppressed=(old,)))
    assert out.suppressed == (old,)


# -- mapping base lines to head lines ------------------------------------------------------------------

GUARD = FileChange(
    "v.py", "v.py", ChangeStatus.MODIFIED,
    hunks=(
        Hunk(3, 4, 3, 2, removed=(4, 5), context_old=(3, 6), context_new=(3, 4)),  # guard removed
        Hunk(20, 2, 18, 3, removed=(21,), added=(19, 20), context_old=(20,), context_new=(18,)),  # replaced
        Hunk(30, 0, 30, 2, added=(31, 32)),  # pure insertion after base line 30
    ),
)


@pytest.mark.parametrize("old,new", [
    (1, 1),     # before any hunk
    (4, 4),     # removed: the next surviving line (base 6 -> head 4)
    (5, 4),
    (6, 4),     # context line
    (10, 8),    # between hunks: shifted by -2
    (21, 19),   # removed and replaced: the first replacing line
    (25, 24),   # after the second hunk: -2 + 1
    (30, 29),   # the insertion comes after base line 30
    (31, 32),   # ... and shifts what follows by 2
])
def test_map_old_line(old: int, new: int) -> None:
    assert map_old_line(GUARD, old) == new


def test_head_line_is_none_for_deleted_files_and_unknown_files() -> None:
    deleted = FileChange("gone.py", None, ChangeStatus.DELETED)
    f = finding("removed-guard", after=None, before=3, path="gone.py")
    assert head_line(Report(findings=(f,), files=(deleted,)), f) is None
    g = finding("removed-guard", after=None, before=3, path="other.py")
    assert head_line(Report(findings=(g,)), g) is None


# -- through the command line -----------------------------------------------------------------------

GUARDED = "from errors import Denied\n\n\ndef delete_user(request, user):\n    if not request.user.is_admin:\n        raise Denied()\n    user.delete()\n"


def _cli(args: list[str]):
    from click.testing import CliRunner

    from semdiff.cli import cli

    return CliRunner().invoke(cli, args, env={"CI": None, "SEMDIFF_DEBUG": None}, catch_exceptions=False)


def _repo_with(tmp_path, head_line: str, config: str = ""):
    from gitrepo import GitRepo

    repo = GitRepo(tmp_path / "repo")
    files = {"app/views.py": GUARDED}
    if config:
        files[".semdiff.toml"] = config
    repo.write(files)
    base = repo.commit("base")
    repo.write({"app/views.py": GUARDED.replace(
        "    if not request.user.is_admin:\n        raise Denied()\n    user.delete()\n", head_line)})
    head = repo.commit("head")
    return str(repo.root), f"{base}..{head}"


def test_cli_inline_suppression_with_reason_is_listed_as_suppressed(tmp_path) -> None:
    import json

    root, rng = _repo_with(tmp_path, "    user.delete()  # semdiff: ignore[removed-guard] reason: middleware checks admin\n")
    doc = json.loads(_cli(["--repo", root, rng, "--format", "sarif"]).stdout)
    results = doc["runs"][0]["results"]
    guard = [r for r in results if r["ruleId"] == "removed-guard"]
    assert len(guard) == 1
    assert guard[0]["suppressions"][0]["justification"] == "inline (line 5): middleware checks admin"
    assert guard[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
    assert not [r for r in results if r["ruleId"] == SUPPRESSION_WITHOUT_REASON]


def test_cli_inline_suppression_without_reason_keeps_finding_and_adds_one(tmp_path) -> None:
    import json

    root, rng = _repo_with(tmp_path, "    user.delete()  # semdiff: ignore[removed-guard]\n")
    result = _cli(["--repo", root, rng, "--format", "json"])
    assert result.exit_code == 1
    rules = [f["rule_id"] for f in json.loads(result.stdout)["findings"]]
    assert "removed-guard" in rules and SUPPRESSION_WITHOUT_REASON in rules


def test_cli_configuration_from_repository_and_explicit_config(tmp_path) -> None:
    import json

    root, rng = _repo_with(tmp_path, "    user.delete()\n", config='disable = ["removed-guard"]\n')
    from_repo = json.loads(_cli(["--repo", root, rng, "--format", "json"]).stdout)
    assert "removed-guard" not in [f["rule_id"] for f in from_repo["findings"]]
    trusted = tmp_path / "base-config.toml"
    trusted.write_text('fail-on = "critical"\n[severity]\nremoved-guard = "critical"\n', encoding="utf-8")
    explicit = _cli(["--repo", root, rng, "--format", "json", "--config", str(trusted)])
    assert explicit.exit_code == 1
    assert [f["severity"] for f in json.loads(explicit.stdout)["findings"] if f["rule_id"] == "removed-guard"] == ["critical"]
