"""Attestation: the in-toto Statement (v1) `--attest` writes about the head commit."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import semdiff
from semdiff.model import Confidence, Finding, Location, NotAnalyzed, PurposeSummary, Report, Severity
from semdiff.report.attest import (
    PREDICATE_TYPE, STATEMENT_TYPE, AttestationError, build_statement, findings_summary, format_statement, rule_set_hash,
)
from semdiff.rules.base import RuleSpec, all_rules

from gitrepo import GitRepo

HEAD = "a" * 40
BASE = "b" * 40
F_HIGH = Finding("removed-guard", "t", Severity.HIGH, Confidence.HIGH, "m", "app/a.py", "f", after=Location("app/a.py", 3))
F_LOW = Finding("widened-condition", "t", Severity.LOW, Confidence.HIGH, "m", "app/b.py", "g", after=Location("app/b.py", 9))


def _report(**kw: object) -> Report:
    values: dict[str, object] = dict(findings=(F_HIGH, F_LOW, F_LOW), base=BASE, head=HEAD, description=f"{BASE}..{HEAD}")
    values.update(kw)
    return Report(**values)  # type: ignore[arg-type]


def test_statement_structure_subject_and_predicate() -> None:
    purpose = PurposeSummary(claim="typo", verdict="exceeds its purpose in 1 security-relevant function", exceeds=True)
    report = _report(not_analyzed=(NotAnalyzed("x.bin", "binary"), NotAnalyzed("auth.py", "syntax-error", security_relevant=True)),
                     purpose=purpose, suppressed=((F_LOW, "baseline"),))
    st = build_statement(report, 1, repo_name="shop", fail_on=Severity.HIGH)
    assert set(st) == {"_type", "subject", "predicateType", "predicate"}
    assert st["_type"] == STATEMENT_TYPE == "https://in-toto.io/Statement/v1"
    assert st["predicateType"] == PREDICATE_TYPE == "https://semdiff.dev/attestation/v1"
    assert st["subject"] == [{"name": f"shop/{HEAD}", "digest": {"gitCommit": HEAD}}]
    p = st["predicate"]
    assert p["range"] == {"base": BASE, "head": HEAD, "description": f"{BASE}..{HEAD}"}
    assert p["semdiff"]["version"] == semdiff.__version__
    assert p["semdiff"]["ruleSetHash"] == rule_set_hash()
    assert p["findings"] == {
        "total": 3, "suppressed": 1,
        "bySeverity": {"critical": 0, "high": 1, "medium": 0, "low": 2, "info": 0},
    }
    assert p["notAnalyzed"] == {"total": 2, "securityRelevant": 1}
    assert p["purpose"] == {"claim": "typo", "verdict": purpose.verdict, "exceeds": True}
    assert p["policy"] == {"failOn": "high"}
    assert p["verdict"] == "fail"
    json.loads(format_statement(st))  # plain JSON, nothing exotic


def test_verdict_follows_the_exit_decision_and_no_purpose_is_null() -> None:
    st = build_statement(_report(findings=()), 0)
    assert st["predicate"]["verdict"] == "pass"
    assert st["predicate"]["purpose"] is None
    assert st["predicate"]["policy"] == {"failOn": "never"}
    assert st["predicate"]["findings"]["bySeverity"] == findings_summary(Report(findings=()))


@pytest.mark.parametrize("head", [None, "", "HEAD", "abc123", "g" * 40])
def test_no_head_commit_no_attestation(head: object) -> None:
    with pytest.raises(AttestationError, match="needs a commit range"):
        build_statement(_report(head=head), 0)


def test_head_digest_is_normalised_lowercase() -> None:
    st = build_statement(_report(head=HEAD.upper()), 0, repo_name="r")
    assert st["subject"][0]["digest"] == {"gitCommit": HEAD}


def test_rule_set_hash_is_stable_order_independent_and_sensitive_to_severity() -> None:
    rules = all_rules()
    assert rule_set_hash() == rule_set_hash() == rule_set_hash(rules)
    assert rule_set_hash().startswith("sha256:") and len(rule_set_hash()) == len("sha256:") + 64
    reordered = dict(reversed(list(rules.items())))
    assert rule_set_hash(reordered) == rule_set_hash(rules)
    rid, spec = next(iter(rules.items()))
    other = Severity.INFO if spec.severity != Severity.INFO else Severity.LOW
    changed = {**rules, rid: RuleSpec(rid, spec.title, other, spec.description)}
    assert rule_set_hash(changed) != rule_set_hash(rules)
    fewer = {k: v for k, v in rules.items() if k != rid}
    assert rule_set_hash(fewer) != rule_set_hash(rules)


def test_format_is_byte_stable() -> None:
    st = build_statement(_report(), 1, repo_name="r")
    assert format_statement(st) == format_statement(build_statement(_report(), 1, repo_name="r"))
    assert format_statement(st).endswith("}\n")


# -- through the command line -----------------------------------------------------------------------

VIEWS = "from errors import Denied\n\n\ndef delete_user(request, user):\n    if not request.user.is_admin:\n        raise Denied()\n    user.delete()\n"
VIEWS_AFTER = "from errors import Denied\n\n\ndef delete_user(request, user):\n    user.delete()\n"


def _cli(args: list[str]):
    from semdiff.cli import cli

    return CliRunner().invoke(cli, args, env={"CI": None, "SEMDIFF_DEBUG": None}, catch_exceptions=False)


def test_cli_attest_writes_statement_for_the_head_commit(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "shop")
    repo.write({"app/views.py": VIEWS})
    base = repo.commit("base")
    repo.write({"app/views.py": VIEWS_AFTER})
    head = repo.commit("drop admin check")
    out = tmp_path / "semdiff.intoto.json"
    result = _cli(["--repo", str(repo.root), f"{base}..{head}", "--format", "json", "--attest", str(out)])
    assert result.exit_code == 1
    st = json.loads(out.read_text(encoding="utf-8"))
    assert st["subject"] == [{"name": f"shop/{head}", "digest": {"gitCommit": head}}]
    p = st["predicate"]
    assert (p["range"]["base"], p["range"]["head"]) == (base, head)
    assert p["findings"]["bySeverity"]["high"] + p["findings"]["bySeverity"]["critical"] >= 1
    assert p["findings"]["total"] == len(json.loads(result.stdout)["findings"])
    assert (p["verdict"], p["policy"]["failOn"]) == ("fail", "high")

    passing = _cli(["--repo", str(repo.root), f"{base}..{head}", "--fail-on", "never", "--attest", str(out)])
    assert passing.exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["predicate"]["verdict"] == "pass"


def test_cli_attest_without_revision_is_a_usage_error(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    repo.write({"a.py": "x = 1\n"})
    repo.commit("init")
    result = _cli(["--repo", str(repo.root), "--staged", "--attest", str(tmp_path / "a.json")])
    assert result.exit_code == 2
    assert "--attest needs a REVISION" in result.stderr
    assert not (tmp_path / "a.json").exists()
