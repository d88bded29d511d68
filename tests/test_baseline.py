"""Baseline: write the current fingerprints, later runs move those findings to `suppressed`."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import semdiff
from semdiff.baseline import BaselineError, baseline_document, load_baseline, write_baseline
from semdiff.errors import InputError
from semdiff.model import Confidence, Evidence, Finding, Location, Report, Severity
from semdiff.suppress import BASELINE_REASON, apply_policy

from gitrepo import GitRepo

A = Finding("removed-guard", "t", Severity.HIGH, Confidence.HIGH, "m", "app/a.py", "f",
            before=Location("app/a.py", 3), evidence=Evidence(before="if not ok:\n    raise Denied()"))
B = Finding("widened-condition", "t", Severity.MEDIUM, Confidence.HIGH, "m", "app/b.py", "g",
            after=Location("app/b.py", 9), evidence=Evidence(before="if a and b:", after="if a or b:"))


def test_round_trip_and_line_shift(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    assert write_baseline(Report(findings=(B, A)), path) == 2
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["version"] == 1 and doc["tool"] == "semdiff"
    assert doc["findings"] == [
        {"fingerprint": A.fingerprint, "rule_id": "removed-guard", "path": "app/a.py", "unit": "f"},
        {"fingerprint": B.fingerprint, "rule_id": "widened-condition", "path": "app/b.py", "unit": "g"},
    ]
    known = load_baseline(path)
    assert known == {A.fingerprint, B.fingerprint}
    shifted = replace(B, after=Location("app/b.py", 90), evidence=Evidence(before="if a  and b:", after="if a or b:"))
    new = replace(B, unit="h")
    out = apply_policy(Report(findings=(shifted, new)), baseline=known)
    assert out.findings == (new,)
    assert out.suppressed == ((shifted, BASELINE_REASON),)


def test_update_keeps_still_present_and_drops_fixed(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(Report(findings=(A, B)), path)
    later = apply_policy(Report(findings=(A,)), baseline=load_baseline(path))  # B was fixed
    assert later.findings == ()
    write_baseline(later, path)
    assert load_baseline(path) == {A.fingerprint}


def test_document_is_sorted_and_deduplicated() -> None:
    doc = baseline_document(Report(findings=(B, A, B)))
    assert [e["rule_id"] for e in doc["findings"]] == ["removed-guard", "widened-condition"]


@pytest.mark.parametrize("body,message", [
    ("not json", "not valid JSON"),
    ('{"version": 2, "findings": []}', "not a semdiff baseline version 1"),
    ('["abc"]', "not a semdiff baseline version 1"),
    ('{"version": 1, "findings": [{"fingerprint": "XYZ"}]}', r"findings\[0\] has no valid fingerprint"),
    ('{"version": 1, "findings": ["0123"]}', r"findings\[0\] has no valid fingerprint"),
])
def test_malformed_baseline_is_an_error_never_empty(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(BaselineError, match=message) as info:
        load_baseline(path)
    assert isinstance(info.value, InputError)


def test_missing_baseline_and_unwritable_target_are_errors(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="cannot read baseline"):
        load_baseline(tmp_path / "missing.json")
    with pytest.raises(BaselineError, match="cannot write baseline"):
        write_baseline(Report(findings=(A,)), tmp_path / "no-such-dir" / "b.json")


BASE = "from errors import Denied\n\n\ndef delete_user(request, user):\n    if not request.user.is_admin:\n        raise Denied()\n    user.delete()\n"
HEAD = "from errors import Denied\n\n\ndef delete_user(request, user):\n    user.delete()\n"


def test_baseline_accepts_a_finding_across_an_unrelated_line_shift_in_a_real_repository(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write({"app/views.py": BASE})
    base = repo.commit("base")
    repo.write({"app/views.py": HEAD})
    head = repo.commit("drop admin check")
    first = semdiff.analyze(f"{base}..{head}", repo=str(repo.root))
    assert [(f.rule_id, f.unit) for f in first.findings] == [("removed-guard", "delete_user")]
    path = tmp_path / "baseline.json"
    write_baseline(first, path)

    # the same weakening, on a branch where unrelated lines moved it down
    repo.write({"app/views.py": "import os\nimport sys\n" + BASE})
    base2 = repo.commit("imports")
    repo.write({"app/views.py": "import os\nimport sys\n" + HEAD})
    head2 = repo.commit("drop admin check again")
    second = semdiff.analyze(f"{base2}..{head2}", repo=str(repo.root))
    assert [f.before.line for f in second.findings if f.before] == [7]
    accepted = apply_policy(second, baseline=load_baseline(path))
    assert accepted.findings == ()
    assert [(f.rule_id, why) for f, why in accepted.suppressed] == [("removed-guard", BASELINE_REASON)]


# -- through the command line -----------------------------------------------------------------------

def _cli(args: list[str]):
    from click.testing import CliRunner

    from semdiff.cli import cli

    return CliRunner().invoke(cli, args, env={"CI": None, "SEMDIFF_DEBUG": None}, catch_exceptions=False)


def test_cli_write_baseline_then_baseline_accepts_and_no_suppress_shows_again(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write({"app/views.py": BASE})
    base = repo.commit("base")
    repo.write({"app/views.py": HEAD})
    head = repo.commit("drop admin check")
    rng, root, bl = f"{base}..{head}", str(repo.root), str(tmp_path / "baseline.json")

    first = _cli(["--repo", root, rng, "--format", "json", "--write-baseline", bl])
    assert first.exit_code == 1
    assert f"wrote 1 fingerprint(s) to baseline '{bl}'" in first.stderr
    assert load_baseline(bl) == {f["fingerprint"] for f in json.loads(first.stdout)["findings"]}

    accepted = _cli(["--repo", root, rng, "--format", "sarif", "--baseline", bl])
    assert accepted.exit_code == 0
    results = json.loads(accepted.stdout)["runs"][0]["results"]
    assert [(r["ruleId"], r["suppressions"][0]["justification"]) for r in results] == [("removed-guard", "baseline")]

    audit = _cli(["--repo", root, rng, "--format", "json", "--baseline", bl, "--no-suppress"])
    assert audit.exit_code == 1
    assert [f["rule_id"] for f in json.loads(audit.stdout)["findings"]] == ["removed-guard"]


def test_cli_baseline_named_by_configuration_and_missing_baseline_error(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write({"app/views.py": BASE, ".semdiff.toml": 'baseline = "accepted.json"\nformat = "markdown"\n'})
    base = repo.commit("base")
    repo.write({"app/views.py": HEAD})
    head = repo.commit("drop admin check")
    rng, root = f"{base}..{head}", str(repo.root)

    missing = _cli(["--repo", root, rng])
    assert missing.exit_code == 2
    assert "cannot read baseline" in missing.stderr and "accepted.json" in missing.stderr

    created = _cli(["--repo", root, rng, "--write-baseline", str(repo.root / "accepted.json")])
    assert created.exit_code == 1 and created.stdout.startswith("<!-- semdiff-report -->")
    again = _cli(["--repo", root, rng])
    assert again.exit_code == 0
    assert "<details><summary>Suppressed (1)</summary>" in again.stdout
    assert "| removed-guard | `app/views.py:5` | baseline |" in again.stdout
