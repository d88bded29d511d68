"""Hostile policy files (workflows, assistant settings, manifests, semdiff's own config).

Every case states the concrete outcome: a finding, or a not-analysed entry with its reason
and whether CI fails closed on it. Inputs are generated here and kept small.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gitrepo import GitRepo, isolated_git_env  # noqa: E402

from semdiff.pipeline import AnalyzeOptions, analyze_texts  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OPTS = AnalyzeOptions(use_cache=False, jobs=1)
DEEP = 10_000

SETTINGS = '{"permissions": {"deny": ["Bash(curl:*)"], "allow": []}}\n'
WORKFLOW = (
    "on: pull_request\npermissions:\n  contents: read\n"
    "jobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n"
)
PYPROJECT = "[project]\nname = 'x'\ndependencies = ['requests==2.31.0']\n"


def _outcome(path: str, before: str, after: str) -> tuple[list[tuple[str, str]], list[tuple[str, str, bool]]]:
    report = analyze_texts([(path, before, after)], OPTS)
    return ([(f.rule_id, f.message) for f in report.findings],
            [(n.path, n.reason, n.security_relevant) for n in report.not_analyzed])


# -- duplicate and merge keys: read the value the consumer reads ------------------------------------

def test_duplicate_json_key_counts_the_last_value() -> None:
    """JSON.parse keeps the last `permissions`: the deny rule is gone. The shadowed first copy
    used to be flattened too, so the removal of the deny rule went unreported."""
    after = SETTINGS.rstrip("\n")[:-1] + ', "permissions": {"deny": [], "allow": []}}\n'
    findings, skipped = _outcome(".claude/settings.json", SETTINGS, after)
    assert findings == [("assistant-permissions-widened", "deny rule 'Bash(curl:*)' removed")]
    assert skipped == []


def test_duplicate_json_key_shadowed_value_is_not_reported() -> None:
    """Hard negative: the weaker copy comes first and is shadowed by the unchanged one."""
    after = '{"permissions": {"deny": [], "allow": ["Bash(*)"]}, "permissions": {"deny": ["Bash(curl:*)"], "allow": []}}\n'
    assert _outcome(".claude/settings.json", SETTINGS, after) == ([], [])


def test_yaml_explicit_key_beats_merged_one_wherever_it_is_written() -> None:
    after = WORKFLOW.replace("permissions:\n  contents: read\n",
                             "defaults_: &d {contents: read}\npermissions:\n  contents: write\n  <<: *d\n")
    findings, skipped = _outcome(".github/workflows/ci.yml", WORKFLOW, after)
    assert [r for r, _ in findings] == ["workflow-permissions-widened"]
    assert skipped == []


def test_yaml_merge_of_several_maps_takes_the_first() -> None:
    after = WORKFLOW.replace("permissions:\n  contents: read\n",
                             "w_: &w {contents: write}\nr_: &r {contents: read}\npermissions:\n  <<: [*w, *r]\n")
    findings, _ = _outcome(".github/workflows/ci.yml", WORKFLOW, after)
    assert [r for r, _ in findings] == ["workflow-permissions-widened"]
    negative = WORKFLOW.replace("permissions:\n  contents: read\n",
                                "w_: &w {contents: write}\nr_: &r {contents: read}\npermissions:\n  <<: [*r, *w]\n")
    assert _outcome(".github/workflows/ci.yml", WORKFLOW, negative) == ([], [])


def test_second_yaml_document_is_refused_not_ignored() -> None:
    after = WORKFLOW + "---\n" + WORKFLOW.replace("read", "write")
    assert _outcome(".github/workflows/ci.yml", WORKFLOW, after) == (
        [], [(".github/workflows/ci.yml", "syntax-error", True)])


# -- nesting and bombs: refused quickly, and CI fails closed on a policy file ------------------------

@pytest.mark.parametrize("path, before, after", [
    ("package.json", '{"name": "x"}\n', '{"name": "x", "x": ' + "[" * DEEP + "]" * DEEP + "}\n"),
    ("package.json", '{"name": "x"}\n', '{"name": "x", "x": ' + '{"a":' * DEEP + "1" + "}" * DEEP + "}\n"),
    (".mcp.json", '{"mcpServers": {}}\n', '{"mcpServers": {"x": ' + "[" * DEEP + "]" * DEEP + "}}\n"),
    (".github/workflows/ci.yml", WORKFLOW, WORKFLOW + "env:\n  X: " + "[" * DEEP + "]" * DEEP + "\n"),
    (".github/workflows/ci.yml", WORKFLOW, WORKFLOW + "env:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(300)) + " " * 301 + "v\n"),
    (".github/workflows/ci.yml", WORKFLOW, "a: &a [*a]\n"),
], ids=["json-arrays", "json-objects", "mcp-arrays", "yaml-flow", "yaml-block", "yaml-self-alias"])
def test_deeply_nested_policy_files_fail_closed(path: str, before: str, after: str) -> None:
    findings, skipped = _outcome(path, before, after)
    assert findings == []
    assert skipped == [(path, "syntax-error", True)]


def test_yaml_billion_laughs() -> None:
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join(["*" + chr(97 + i)] * 9) + "]\n" for i in range(9)
    ) + "on: *j\npermissions: *j\njobs: *j\n"
    report = analyze_texts([(".github/workflows/ci.yml", WORKFLOW, bomb)], OPTS)
    assert [(n.reason, n.security_relevant) for n in report.not_analyzed] == [("syntax-error", True)]
    assert "alias expansion bomb" in report.not_analyzed[0].detail


def test_deeply_nested_pyproject_is_too_deep_and_fails_closed() -> None:
    after = PYPROJECT + "x = " + "[" * DEEP + "]" * DEEP + "\n"
    assert _outcome("pyproject.toml", PYPROJECT, after) == ([], [("pyproject.toml", "too-deep", True)])


def test_yaml_tags_construct_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    after = WORKFLOW.replace("contents: read", f"contents: !!python/object/apply:os.system ['touch {marker}']")
    findings, _ = _outcome(".github/workflows/ci.yml", WORKFLOW, after)
    assert not marker.exists()
    assert [r for r, _ in findings] == ["workflow-permissions-widened"]  # the tag's text is not `read`


# -- semdiff's own configuration in the analysed repository --------------------------------------

def _cli(repo: GitRepo, *args: str) -> subprocess.CompletedProcess:
    env = isolated_git_env()
    env["PYTHONPATH"] = str(ROOT)
    env.pop("CI", None)
    return subprocess.run([sys.executable, "-m", "semdiff", *args, "--format", "json", "--no-cache"], cwd=repo.root,
                          env=env, capture_output=True, stdin=subprocess.DEVNULL, timeout=120)


def test_deeply_nested_pyproject_in_the_repository_is_a_clear_error(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write({"a.py": "x = 1\n", "pyproject.toml": "[tool.semdiff]\nx = " + "[" * DEEP + "]" * DEEP + "\n"})
    base = repo.commit("base")
    proc = _cli(repo, f"{base}~0")
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert err.strip().splitlines() == ["semdiff: error: pyproject.toml: invalid TOML: nested too deeply"]


def test_configuration_symlinked_out_of_the_repository_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.toml"
    outside.write_text("disable = ['removed-guard']\n")
    repo = GitRepo(tmp_path / "repo")
    repo.write({"a.py": "x = 1\n"})
    base = repo.commit("base")
    os.symlink(outside, repo.root / ".semdiff.toml")
    proc = _cli(repo, base)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "is a symlink to outside the repository; not followed" in err
    assert len(err.strip().splitlines()) == 1
