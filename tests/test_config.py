"""Configuration: `[tool.semdiff]` / `.semdiff.toml`, read as data, every key checked."""
from __future__ import annotations

from pathlib import Path

import pytest

from semdiff import config as cfgmod
from semdiff.config import Config, ConfigError, PathSuppression, SeedExtension
from semdiff.errors import InputError
from semdiff.model import Confidence, Severity
from semdiff.relevance.seeds import load_seeds

FULL = """
[tool.semdiff]
fail-on = "medium"
min-confidence = "medium"
enable = ["removed-guard", "widened-condition"]
disable = ["weakened-default"]
include = ["src/**"]
exclude = ["src/vendor/", "**/test_*.py"]
baseline = ".semdiff-baseline.json"
format = "sarif"

[tool.semdiff.severity]
widened-condition = "critical"

[tool.semdiff.seeds.authz]
names = ["ensure_tenant_owner"]
decorators = ["tenant_admin_only"]

[tool.semdiff.budgets]
max-file-bytes = 200000

[[tool.semdiff.suppress]]
rule = "disabled-verification"
path = "scripts/*.py"
reason = "scripts talk to a local test server"
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_pyproject_table_is_read_into_a_typed_config(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[project]\nname = 'x'\n" + FULL)
    cfg = cfgmod.load_for_repo(tmp_path)
    assert cfg.fail_on == "medium"
    assert cfg.min_confidence is Confidence.MEDIUM
    assert cfg.enable == {"removed-guard", "widened-condition"} and cfg.disable == {"weakened-default"}
    assert cfg.severity == (("widened-condition", Severity.CRITICAL),)
    assert cfg.severity_for("widened-condition") is Severity.CRITICAL and cfg.severity_for("removed-guard") is None
    assert cfg.include == ("src/**",) and cfg.exclude == ("src/vendor/", "**/test_*.py")
    assert cfg.seeds == (SeedExtension("authz", names=("ensure_tenant_owner",), decorators=("tenant_admin_only",)),)
    assert cfg.max_file_bytes == 200_000
    assert cfg.baseline == str(tmp_path / ".semdiff-baseline.json")
    assert cfg.suppress == (PathSuppression("disabled-verification", "scripts/*.py", "scripts talk to a local test server"),)
    assert cfg.format == "sarif"
    assert cfg.source == str(tmp_path / "pyproject.toml")
    assert cfg.rule_enabled("removed-guard") and not cfg.rule_enabled("weakened-default")
    assert not cfg.rule_enabled("crypto-downgrade")  # not in `enable`


def test_dotfile_wins_over_pyproject_and_takes_top_level_keys(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.semdiff]\nfail-on = "low"\n')
    write(tmp_path, ".semdiff.toml", 'fail-on = "critical"\n')
    assert cfgmod.discover(tmp_path) == tmp_path / ".semdiff.toml"
    assert cfgmod.load_for_repo(tmp_path).fail_on == "critical"


def test_pyproject_without_table_and_no_files_give_defaults(tmp_path: Path) -> None:
    assert cfgmod.load_for_repo(tmp_path) == Config()
    write(tmp_path, "pyproject.toml", "[tool.black]\nline-length = 100\n")
    assert cfgmod.discover(tmp_path) is None
    assert cfgmod.load_for_repo(tmp_path) == Config()


def test_explicit_file_is_used_and_must_exist(tmp_path: Path) -> None:
    other = write(tmp_path, "base-config.toml", '[tool.semdiff]\ndisable = ["removed-guard"]\n')
    write(tmp_path, ".semdiff.toml", 'fail-on = "low"\n')
    assert cfgmod.load_for_repo(tmp_path, explicit=other).disable == {"removed-guard"}
    with pytest.raises(ConfigError, match="does not exist"):
        cfgmod.load_for_repo(tmp_path, explicit=tmp_path / "missing.toml")


@pytest.mark.parametrize("body,message", [
    ('disabel = ["x"]', r"unknown key 'disabel' \(allowed: fail-on, "),
    ('fail-on = "sometimes"', r"fail-on = 'sometimes' is not one of: low, medium, high, critical, never"),
    ("fail-on = 3", "fail-on must be a non-empty string"),
    ('disable = "removed-guard"', "disable must be a list of non-empty strings"),
    ('[severity]\nremoved-guard = "huge"', r"severity.removed-guard = 'huge' is not one of"),
    ('[seeds.authz]\nnames = ["a"]\nweight = 2', r"seeds.authz: unknown key 'weight'"),
    ("[budgets]\nmax-file-bytes = -1", "max-file-bytes must be a positive integer"),
    ("[budgets]\nmax-file-bytes = true", "max-file-bytes must be a positive integer"),
    ('[[suppress]]\nrule = "removed-guard"\npath = "a.py"', r"suppress\[0\]: missing 'reason' \(a suppression must say why\)"),
    ('[[suppress]]\nrule = "removed-guard"\npath = "a.py"\nreason = " - "', r"suppress\[0\].reason must say why"),
    ('[[suppress]]\nrule = "r"\npath = "a"\nreason = "ok"\nexpires = 1', r"suppress\[0\]: unknown key 'expires'"),
    ('suppress = {rule = "r"}', "must be an array of tables"),
    ("fail-on = ", "invalid TOML"),
])
def test_bad_configuration_is_a_clear_error(tmp_path: Path, body: str, message: str) -> None:
    p = write(tmp_path, ".semdiff.toml", body + "\n")
    with pytest.raises(ConfigError, match=message) as info:
        cfgmod.load(p)
    assert str(p) in str(info.value)
    assert isinstance(info.value, InputError)  # the CLI turns it into exit code 2


def test_unknown_key_in_pyproject_names_the_table(tmp_path: Path) -> None:
    p = write(tmp_path, "pyproject.toml", '[tool.semdiff]\nfail_on = "high"\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml: \[tool.semdiff\]: unknown key 'fail_on'"):
        cfgmod.load(p)


def test_invalid_utf8_and_oversized_files_are_errors(tmp_path: Path) -> None:
    bad = tmp_path / ".semdiff.toml"
    bad.write_bytes(b'fail-on = "\xff"\n')
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        cfgmod.load(bad)
    bad.write_bytes(b"#" * (cfgmod.MAX_CONFIG_BYTES + 1))
    with pytest.raises(ConfigError, match="limit"):
        cfgmod.load(bad)


def test_config_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    p = write(tmp_path, ".semdiff.toml", f'format = "__import__(\'os\').system(\'touch {marker}\')"\n')
    with pytest.raises(ConfigError, match="format"):
        cfgmod.load(p)
    assert not marker.exists()


def test_seed_extensions_feed_the_seed_tables(tmp_path: Path) -> None:
    p = write(tmp_path, "pyproject.toml", FULL)
    seeds = load_seeds(extra=cfgmod.load(p).seeds_extra())
    hit = seeds.match("app.ensure_tenant_owner", "external")
    assert hit is not None and hit.category == "authz"


def test_analyze_options_carry_disabled_rules_and_budget() -> None:
    opts = cfgmod.analyze_options(Config(disable=frozenset({"weakened-default"}), max_file_bytes=1234))
    assert opts.disabled_rules == {"weakened-default"}
    assert opts.max_file_bytes == 1234
    assert cfgmod.analyze_options(Config()).max_file_bytes == 5_000_000


# -- the GitHub Action reads the configuration from the base revision ------------------------------------
# These run the action's own shell steps (from action.yml) in throw-away repositories: a shallow
# clone like actions/checkout makes, an origin to fetch from, and GITHUB_OUTPUT as a file.

import subprocess  # noqa: E402

import yaml  # noqa: E402

from gitrepo import GitRepo, isolated_git_env  # noqa: E402

ACTION = yaml.safe_load((Path(__file__).resolve().parents[1] / "action.yml").read_text(encoding="utf-8"))


def _step(step_id: str) -> str:
    return next(s["run"] for s in ACTION["runs"]["steps"] if s.get("id") == step_id)


def _run_step(step_id: str, cwd: Path, tmp_path: Path, **env: str) -> dict[str, str]:
    out = tmp_path / f"output-{step_id}"
    out.write_text("", encoding="utf-8")
    full = {**isolated_git_env(), "GITHUB_OUTPUT": str(out), "RUNNER_TEMP": str(tmp_path), **env}
    proc = subprocess.run(["bash", "-c", _step(step_id)], cwd=cwd, env=full, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return dict(line.split("=", 1) for line in out.read_text(encoding="utf-8").splitlines() if "=" in line)


def _pull_request(tmp_path: Path) -> tuple[Path, str, str, str]:
    """origin: main moved on after the feature branch forked; the feature has 60 commits."""
    origin = GitRepo(tmp_path / "origin")
    origin.write({"app.py": "x = 1\n", ".semdiff.toml": 'fail-on = "medium"\n'})
    fork_point = origin.commit("fork point")
    origin.run_git("checkout", "-q", "-b", "feature")
    for i in range(60):
        origin.write({"app.py": f"x = {i}\n", ".semdiff.toml": 'disable = ["removed-guard"]\n'})
        origin.commit(f"feature {i}")
    head = origin.run_git("rev-parse", "HEAD").strip()
    origin.run_git("checkout", "-q", "main")
    origin.write({"other.py": "y = 2\n"})
    base = origin.commit("main moved on")
    origin.run_git("config", "uploadpack.allowAnySHA1InWant", "true")  # as GitHub allows fetching by SHA
    clone = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{origin.root}", str(clone)],
                   env=isolated_git_env(), check=True, capture_output=True)
    return clone, base, head, fork_point


def test_action_range_step_deepens_a_shallow_clone_to_the_merge_base(tmp_path: Path) -> None:
    clone, base, head, fork_point = _pull_request(tmp_path)
    out = _run_step("range", clone, tmp_path, BASE=base, HEAD=head, RANGE_MODE="merge-base")
    assert out["revision"] == f"{fork_point}..{head}"
    two_dot = _run_step("range", clone, tmp_path, BASE=base, HEAD=head, RANGE_MODE="two-dot")
    assert two_dot["revision"] == f"{base}..{head}"


def test_action_config_step_uses_the_base_revision_not_the_pull_requests_file(tmp_path: Path) -> None:
    clone, base, head, _ = _pull_request(tmp_path)
    _run_step("range", clone, tmp_path, BASE=base, HEAD=head, RANGE_MODE="merge-base")
    out = _run_step("config", clone, tmp_path, BASE=base)
    cfg = cfgmod.load(out["file"])
    assert cfg.fail_on == "medium" and cfg.disable == frozenset()  # the head's `disable` is ignored
    assert (clone / ".semdiff.toml").read_text(encoding="utf-8") == 'disable = ["removed-guard"]\n'


def test_action_pins_third_party_actions_and_keeps_inputs_out_of_scripts() -> None:
    import re

    steps = ACTION["runs"]["steps"]
    uses = [s["uses"] for s in steps if "uses" in s]
    assert uses == ["github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e"]
    for s in steps:
        assert not re.search(r"\$\{\{", s.get("run", "")), s.get("name")  # values only via env


# -- ai-policy: the configuration's default for --ai-policy ---------------------------------------

@pytest.mark.parametrize("body,expected", [('ai-policy = "strict"', "strict"), ('ai-policy = "Default"', "default"), ("", None)])
def test_ai_policy_key_is_read(tmp_path: Path, body: str, expected: object) -> None:
    assert cfgmod.load(write(tmp_path, ".semdiff.toml", body + "\n")).ai_policy == expected


@pytest.mark.parametrize("body,message", [
    ('ai-policy = "paranoid"', r"ai-policy = 'paranoid' is not one of: default, strict"),
    ("ai-policy = 1", "ai-policy must be a non-empty string"),
    ('ai_policy = "strict"', "unknown key 'ai_policy'"),
])
def test_bad_ai_policy_is_a_clear_error(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        cfgmod.load(write(tmp_path, ".semdiff.toml", body + "\n"))


def _ai_authored_change(tmp_path: Path, config: str) -> tuple[str, str]:
    """An AI-co-authored 'refactor' that changes a function: a purpose mismatch only under strict."""
    from gitrepo import GitRepo

    repo = GitRepo(tmp_path / "repo")
    repo.write({"app/cart.py": "def total(items):\n    return sum(items)\n", "README.md": "demo\n"})
    base = repo.commit("init")
    repo.write({"app/cart.py": "def total(items):\n    return sum(items) + 1\n"})
    head = repo.commit("refactor: tidy cart\n\nCo-authored-by: Claude <noreply@anthropic.com>")
    if config:
        (repo.root / ".semdiff.toml").write_text(config + "\n", encoding="utf-8")
    return str(repo.root), f"{base}..{head}"


@pytest.mark.parametrize("config,extra,code,mismatch", [
    ("", [], 0, False),
    ('ai-policy = "strict"', [], 1, True),  # the configuration makes strict the default
    ('ai-policy = "strict"', ["--ai-policy", "default"], 0, False),  # the command line wins
    ('ai-policy = "default"', ["--ai-policy", "strict"], 1, True),
])
def test_ai_policy_from_configuration_is_the_default_of_the_option(
    tmp_path: Path, config: str, extra: list[str], code: int, mismatch: bool,
) -> None:
    import json

    from click.testing import CliRunner

    from semdiff.cli import cli

    root, rng = _ai_authored_change(tmp_path, config)
    result = CliRunner().invoke(cli, ["--repo", root, rng, "--format", "json", *extra],
                                env={"CI": None, "SEMDIFF_DEBUG": None}, catch_exceptions=False)
    assert result.exit_code == code, result.stderr
    rules = [(f["rule_id"], f["unit"]) for f in json.loads(result.stdout)["findings"]]
    assert (("purpose-mismatch", "total") in rules) is mismatch
