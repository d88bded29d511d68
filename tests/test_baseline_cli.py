"""`semdiff baseline create|update FILE [REVISION...]` on real throw-away repositories."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from semdiff.baseline import load_baseline

from gitrepo import GitRepo

VIEWS = (
    "from errors import Denied\n\n\n"
    "def delete_user(request, user):\n"
    "    if not request.user.is_admin:\n"
    "        raise Denied()\n"
    "    user.delete()\n\n\n"
    "def fetch(url):\n"
    "    return requests.get(url, verify=True)\n"
)
NO_GUARD = VIEWS.replace("    if not request.user.is_admin:\n        raise Denied()\n", "")
NO_VERIFY = VIEWS.replace("verify=True", "verify=False")


def _cli(args: list[str]) -> Result:
    from semdiff.cli import cli

    return CliRunner().invoke(cli, args, env={"CI": None, "SEMDIFF_DEBUG": None}, catch_exceptions=False)


def _history(tmp_path: Path) -> tuple[GitRepo, str, str, str]:
    """base -> guard removed (c1) -> verify=False too (c2)."""
    repo = GitRepo(tmp_path / "repo")
    repo.write({"app/views.py": VIEWS})
    base = repo.commit("base")
    repo.write({"app/views.py": NO_GUARD})
    c1 = repo.commit("drop admin check")
    repo.write({"app/views.py": NO_GUARD.replace("verify=True", "verify=False")})
    c2 = repo.commit("skip tls verification")
    return repo, base, c1, c2


def _rules_in(path: Path) -> list[tuple[str, str]]:
    return [(e["rule_id"], e["unit"]) for e in json.loads(path.read_text(encoding="utf-8"))["findings"]]


def test_create_then_analyze_with_baseline_accepts_everything(tmp_path: Path) -> None:
    repo, base, c1, _ = _history(tmp_path)
    bl = tmp_path / "baseline.json"
    created = _cli(["baseline", "create", str(bl), f"{base}..{c1}", "--repo", str(repo.root)])
    assert created.exit_code == 0, created.stderr
    assert f"wrote 1 fingerprint(s) to baseline '{bl}'" in created.stderr
    assert _rules_in(bl) == [("removed-guard", "delete_user")]

    plain = _cli(["--repo", str(repo.root), f"{base}..{c1}", "--format", "json"])
    assert plain.exit_code == 1
    accepted = _cli(["--repo", str(repo.root), f"{base}..{c1}", "--format", "json", "--baseline", str(bl)])
    assert accepted.exit_code == 0
    doc = json.loads(accepted.stdout)
    assert doc["findings"] == []
    assert load_baseline(bl) == {f["fingerprint"] for f in json.loads(plain.stdout)["findings"]}


def test_create_combines_several_revisions_and_refuses_to_overwrite(tmp_path: Path) -> None:
    repo, base, c1, c2 = _history(tmp_path)
    bl = tmp_path / "baseline.json"
    result = _cli(["baseline", "create", str(bl), f"{base}..{c1}", f"{c1}..{c2}", "--repo", str(repo.root)])
    assert result.exit_code == 0, result.stderr
    assert _rules_in(bl) == [("disabled-verification/tls-verify-off", "fetch"), ("removed-guard", "delete_user")]

    again = _cli(["baseline", "create", str(bl), f"{base}..{c1}", "--repo", str(repo.root)])
    assert again.exit_code == 2
    assert f"baseline '{bl}' already exists" in again.stderr and "baseline update" in again.stderr
    assert len(_rules_in(bl)) == 2  # untouched

    forced = _cli(["baseline", "create", str(bl), f"{base}..{c1}", "--repo", str(repo.root), "--force"])
    assert forced.exit_code == 0
    assert _rules_in(bl) == [("removed-guard", "delete_user")]


def test_update_adds_new_and_drops_fixed_findings(tmp_path: Path) -> None:
    repo, base, c1, c2 = _history(tmp_path)
    bl = tmp_path / "baseline.json"
    assert _cli(["baseline", "create", str(bl), f"{base}..{c1}", "--repo", str(repo.root)]).exit_code == 0

    # later the branch also disables TLS verification: update keeps the guard, adds verify=False
    grown = _cli(["baseline", "update", str(bl), f"{base}..{c2}", "--repo", str(repo.root)])
    assert grown.exit_code == 0, grown.stderr
    assert "wrote 2 fingerprint(s)" in grown.stderr and "(1 added, 0 dropped)" in grown.stderr
    assert _rules_in(bl) == [("disabled-verification/tls-verify-off", "fetch"), ("removed-guard", "delete_user")]

    # the admin check comes back: the removed-guard finding is fixed and drops out
    repo.write({"app/views.py": NO_VERIFY})
    c3 = repo.commit("restore admin check")
    shrunk = _cli(["baseline", "update", str(bl), f"{base}..{c3}", "--repo", str(repo.root)])
    assert shrunk.exit_code == 0, shrunk.stderr
    assert "(0 added, 1 dropped)" in shrunk.stderr
    assert _rules_in(bl) == [("disabled-verification/tls-verify-off", "fetch")]


def test_update_needs_an_existing_valid_baseline(tmp_path: Path) -> None:
    repo, base, c1, _ = _history(tmp_path)
    missing = tmp_path / "missing.json"
    result = _cli(["baseline", "update", str(missing), f"{base}..{c1}", "--repo", str(repo.root)])
    assert result.exit_code == 2
    assert "does not exist; create it with `semdiff baseline create" in result.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    result = _cli(["baseline", "update", str(bad), f"{base}..{c1}", "--repo", str(repo.root)])
    assert result.exit_code == 2 and "not a semdiff baseline version 1" in result.stderr
    assert bad.read_text(encoding="utf-8") == "[]"


def test_configuration_applies_disabled_rules_and_suppressions_are_not_baselined(tmp_path: Path) -> None:
    repo, base, _, c2 = _history(tmp_path)
    cfg = tmp_path / "semdiff.toml"
    cfg.write_text('disable = ["disabled-verification/tls-verify-off"]\n', encoding="utf-8")
    bl = tmp_path / "baseline.json"
    result = _cli(["baseline", "create", str(bl), f"{base}..{c2}", "--repo", str(repo.root), "--config", str(cfg)])
    assert result.exit_code == 0, result.stderr
    assert _rules_in(bl) == [("removed-guard", "delete_user")]


def test_bad_revision_is_a_one_line_error_and_writes_nothing(tmp_path: Path) -> None:
    repo, base, _, _ = _history(tmp_path)
    bl = tmp_path / "baseline.json"
    result = _cli(["baseline", "create", str(bl), f"{base}..no-such-branch", "--repo", str(repo.root)])
    assert result.exit_code == 2
    assert result.stderr.startswith("semdiff: error:") and result.stderr.count("\n") == 1
    assert not bl.exists()


def test_no_revision_means_the_working_tree(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write({"app/views.py": VIEWS})
    repo.commit("base")
    repo.write({"app/views.py": NO_GUARD}, stage=False)  # uncommitted: the admin check is gone
    bl = tmp_path / "baseline.json"
    result = _cli(["baseline", "create", str(bl), "--repo", str(repo.root)])
    assert result.exit_code == 0, result.stderr
    assert _rules_in(bl) == [("removed-guard", "delete_user")]
