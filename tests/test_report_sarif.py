"""SARIF reporter: valid against the official OASIS 2.1.0 schema, shaped for GitHub code scanning,
anchored on head lines for removed code, and within GitHub's upload limits.

Reports are built by hand so the reporter is tested alone (it must only format).
"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from semdiff.model import (
    ChangeStatus, Confidence, Evidence, FileChange, Finding, Hunk, Location, NotAnalyzed, PurposeSummary,
    Relevance, Report, Severity,
)
from semdiff.report import formatter, sarif

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft4Validator(SCHEMA)

# base: 1 def delete_user(request, user):   head: 1 def delete_user(request, user):
#       2     if not request.user.is_admin:       2     user.delete()
#       3         raise PermissionDenied()
#       4     user.delete()
VIEWS = FileChange(
    "app/views.py", "app/views.py", ChangeStatus.MODIFIED,
    hunks=(Hunk(1, 4, 1, 2, removed=(2, 3), added=(), context_old=(1, 4), context_new=(1, 2),
                removed_text=("    if not request.user.is_admin:", "        raise PermissionDenied()"),
                context_text=("def delete_user(request, user):", "    user.delete()")),),
    new_text="def delete_user(request, user):\n    user.delete()\n",
)
REMOVED = Finding(
    rule_id="removed-guard", title="Security check removed", severity=Severity.HIGH, confidence=Confidence.HIGH,
    message="The check that refused non-admins was removed.", path="app/views.py", unit="delete_user",
    before=Location("app/views.py", 2, 3), after=None,
    evidence=Evidence(before="if not request.user.is_admin:\n    raise PermissionDenied()", after="",
                      witness="before: denied when request.user.is_admin is false; after: allowed"),
    relevance=Relevance("authz", 0.9, ("delete_user", "require_admin"), "name"),
)
WIDENED = Finding(
    rule_id="widened-condition", title="Security check lets more through", severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM, message="`and` became `or`.", path="app/auth.py", unit="login",
    before=Location("app/auth.py", 20), after=Location("app/auth.py", 18),
    evidence=Evidence(before="if a and b:", after="if a or b:"), relevance=Relevance("authn", 0.7, ("login",)),
)
INFO = replace(WIDENED, rule_id="weakened-default", severity=Severity.INFO, unit="settings", after=Location("app/auth.py", 40))
REPORT = Report(
    findings=(WIDENED, REMOVED, INFO),
    not_analyzed=(NotAnalyzed("app/perm.py", "syntax-error", "line 3", True), NotAnalyzed("logo.png", "binary")),
    files=(VIEWS,), description="main..feature", base="a" * 40, head="b" * 40, units_analyzed=3,
    purpose=PurposeSummary("refactor", verdict="exceeds its purpose in 1 security-relevant function", exceeds=True),
    suppressed=((replace(WIDENED, unit="logout"), "inline (line 7): logout needs no CSRF token"),),
)


def doc_of(report: Report) -> dict:
    return json.loads(sarif.format_report(report))


def test_registered_and_valid_against_oasis_schema() -> None:
    text = formatter("sarif")(REPORT)
    doc = json.loads(text)
    VALIDATOR.validate(doc)
    assert doc["version"] == "2.1.0"
    assert len(doc["runs"]) == 1


def test_rules_carry_ids_text_security_severity_and_tags() -> None:
    run = doc_of(REPORT)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["removed-guard", "weakened-default", "widened-condition"]
    by_id = {r["id"]: r for r in rules}
    assert by_id["removed-guard"]["properties"]["security-severity"] == "8.0"
    assert by_id["widened-condition"]["properties"]["security-severity"] == "5.5"
    assert by_id["weakened-default"]["properties"]["security-severity"] == "1.0"
    for r in rules:
        assert r["name"] and r["shortDescription"]["text"] and r["fullDescription"]["text"] and r["help"]["text"]
        assert "security" in r["properties"]["tags"] and len(r["properties"]["tags"]) <= 10
    assert "authz" in by_id["removed-guard"]["properties"]["tags"]
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]


@pytest.mark.parametrize("severity,level,score", [
    (Severity.CRITICAL, "error", "9.5"), (Severity.HIGH, "error", "8.0"), (Severity.MEDIUM, "warning", "5.5"),
    (Severity.LOW, "note", "3.0"), (Severity.INFO, "note", "1.0"),
])
def test_levels_and_scores_per_severity(severity: Severity, level: str, score: str) -> None:
    run = doc_of(Report(findings=(replace(WIDENED, severity=severity),)))["runs"][0]
    assert run["results"][0]["level"] == level
    assert run["tool"]["driver"]["rules"][0]["properties"]["security-severity"] == score


def test_changed_line_finding_points_at_head_line_with_base_as_related() -> None:
    res = next(r for r in doc_of(REPORT)["runs"][0]["results"] if r["ruleId"] == "widened-condition" and "suppressions" not in r)
    phys = res["locations"][0]["physicalLocation"]
    assert phys == {"artifactLocation": {"uri": "app/auth.py"}, "region": {"startLine": 18}}
    assert res["locations"][0]["logicalLocations"] == [{"fullyQualifiedName": "login"}]
    assert res["relatedLocations"][0]["physicalLocation"]["region"] == {"startLine": 20}
    assert res["partialFingerprints"] == {"semdiff/v1": WIDENED.fingerprint}


def test_removed_code_is_anchored_on_surviving_head_line_and_quotes_removed_lines() -> None:
    res = next(r for r in doc_of(REPORT)["runs"][0]["results"] if r["ruleId"] == "removed-guard")
    # base lines 2-3 were removed; `user.delete()` (base 4) is head line 2 and now runs unguarded
    assert res["locations"][0]["physicalLocation"]["region"] == {"startLine": 2}
    assert "    if not request.user.is_admin:\n        raise PermissionDenied()" in res["message"]["text"]
    assert "Removed from base app/views.py:2" in res["message"]["text"]
    related = res["relatedLocations"][0]
    assert related["physicalLocation"]["region"] == {"startLine": 2, "endLine": 3}
    assert "base version" in related["message"]["text"]


def test_removed_code_without_known_hunks_falls_back_to_base_line_and_says_so() -> None:
    report = Report(findings=(replace(REMOVED, before=Location("app/views.py", 30)),))
    res = doc_of(report)["runs"][0]["results"][0]
    assert res["locations"][0]["physicalLocation"]["region"] == {"startLine": 30}
    assert "could not be mapped" in res["message"]["text"]


def test_fingerprints_survive_a_rebase_that_moves_lines() -> None:
    moved = replace(WIDENED, before=Location("app/auth.py", 120), after=Location("app/auth.py", 118))
    a = doc_of(Report(findings=(WIDENED,)))["runs"][0]["results"][0]["partialFingerprints"]
    b = doc_of(Report(findings=(moved,)))["runs"][0]["results"][0]["partialFingerprints"]
    assert a == b


def test_automation_details_notifications_and_suppressions() -> None:
    run = doc_of(REPORT)["runs"][0]
    assert run["automationDetails"]["id"] == "semdiff/" + "b" * 40
    inv = run["invocations"][0]
    assert inv["executionSuccessful"] is True
    notes = inv["toolExecutionNotifications"]
    assert [(n["descriptor"]["id"], n["level"]) for n in notes] == [
        ("not-analyzed/syntax-error", "warning"), ("not-analyzed/binary", "note")]
    assert notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/perm.py"
    suppressed = [r for r in run["results"] if "suppressions" in r]
    assert len(suppressed) == 1
    assert suppressed[0]["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": "inline (line 7): logout needs no CSRF token"}]
    assert run["results"][-1] is suppressed[0]  # shown findings first
    assert run["properties"]["purpose"]["exceeds"] is True


def test_results_are_ordered_most_severe_first_and_output_is_deterministic() -> None:
    run = doc_of(REPORT)["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["removed-guard", "widened-condition", "weakened-default", "widened-condition"]
    assert sarif.format_report(REPORT) == sarif.format_report(REPORT)


def test_hostile_paths_are_uri_encoded_and_lone_surrogates_replaced() -> None:
    f = replace(WIDENED, path="src/my file#1.py", after=Location("src/my file#1.py", 3), before=None,
                message="bad \udcff byte")
    doc = doc_of(Report(findings=(f,)))
    VALIDATOR.validate(doc)
    res = doc["runs"][0]["results"][0]
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/my%20file%231.py"
    assert "\ufffd" in res["message"]["text"]


def test_github_limits_are_the_documented_ones() -> None:
    assert sarif.MAX_RESULTS == 25_000
    assert sarif.MAX_GZIP_BYTES == 10 * 1024 * 1024


def _many(n: int, evidence_bytes: int = 0) -> Report:
    import hashlib

    out = []
    for i in range(n):
        noise = "".join(hashlib.sha256(f"{i}-{k}".encode()).hexdigest() for k in range(evidence_bytes // 64))
        out.append(replace(WIDENED, unit=f"f{i}", severity=Severity.HIGH if i % 2 else Severity.LOW,
                           after=Location("app/auth.py", i + 1), message=f"`and` became `or` {noise}"))
    return Report(findings=tuple(out))


def test_more_than_25000_results_are_truncated_with_a_notification() -> None:
    doc = sarif.to_sarif(_many(25_001))
    run = doc["runs"][0]
    assert len(run["results"]) == 25_000
    assert run["results"][0]["level"] == "error"  # the most severe are kept
    note = run["invocations"][0]["toolExecutionNotifications"][-1]
    assert note["descriptor"]["id"] == "results-truncated"
    assert "1 of 25001 results were left out" in note["message"]["text"]


def test_upload_size_limit_truncates_to_fit_with_a_notification() -> None:
    report = _many(200, evidence_bytes=2000)
    full = sarif.to_sarif(report)
    assert sarif.gzip_size(json.dumps(full, indent=2, ensure_ascii=False) + "\n") > 60_000
    doc = sarif.to_sarif(report, max_gzip_bytes=60_000)
    VALIDATOR.validate(doc)
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    assert sarif.gzip_size(text) <= 60_000
    kept = len(doc["runs"][0]["results"])
    assert 0 < kept < 200
    note = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"][-1]
    assert note["descriptor"]["id"] == "results-truncated"
    assert f"{200 - kept} of 200 results were left out" in note["message"]["text"]
    assert all(r["level"] == "error" for r in doc["runs"][0]["results"][: min(kept, 100)])


def test_empty_report_is_valid() -> None:
    doc = doc_of(Report(findings=()))
    VALIDATOR.validate(doc)
    assert doc["runs"][0]["results"] == [] and doc["runs"][0]["tool"]["driver"]["rules"] == []
