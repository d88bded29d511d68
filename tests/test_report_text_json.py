"""Reporters: the text and JSON forms of one fixed report, and the formatter registry.

The report is built by hand so these tests pin the reporters alone (they must only format).
"""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from semdiff import report as reporters
from semdiff.model import (
    ChangeStatus, Commit, Confidence, Evidence, FileChange, Finding, Hunk, Location, NotAnalyzed,
    Relevance, Report, Severity,
)
from semdiff.report import json_report, text

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "docs" / "json-schema.json").read_text(encoding="utf-8"))

REMOVED = Finding(
    rule_id="removed-guard",
    title="Authorization guard removed",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    message="The check that refused non-admins was removed.",
    path="app/views.py",
    unit="delete_user",
    before=Location("app/views.py", 10, 11),
    after=None,
    evidence=Evidence(
        before="if not request.user.is_admin:\n    raise PermissionDenied()",
        after="",
        witness="before: denied when request.user.is_admin is false; after: allowed",
    ),
    relevance=Relevance("authz", 0.9, ("delete_user", "require_admin"), "name 'require_admin' mentions 'admin'"),
)
WIDENED = Finding(
    rule_id="widened-condition",
    title="Condition lets more through",
    severity=Severity.MEDIUM,
    confidence=Confidence.LOW,
    message="`and` became `or`: [bold]any[/bold] signed-in user passes.",
    path="app/views.py",
    unit="change_password",
    before=Location("app/views.py", 20),
    after=Location("app/views.py", 18),
    evidence=Evidence(before="if a and b:", after="if a or b:", witness=""),
    relevance=Relevance("authn", 0.7, ("change_password",), ""),
    hunk_only=True,
)
FILES = (
    FileChange("app/views.py", "app/views.py", ChangeStatus.MODIFIED,
               hunks=(Hunk(8, 4, 8, 2, removed=(10, 11), added=(), removed_text=("a", "b")),)),
    FileChange("logo.png", "logo.png", ChangeStatus.BINARY),
    FileChange("old/auth.py", "new/auth.py", ChangeStatus.RENAMED, similarity=92),
    FileChange("run.sh", "run.sh", ChangeStatus.MODE_CHANGED, old_mode="100644", new_mode="100755"),
    FileChange("legacy.py", None, ChangeStatus.DELETED),
)
NOT_ANALYZED = (
    NotAnalyzed("app/auth.py", "syntax-error", "after: unexpected token at line 3", True),
    NotAnalyzed("logo.png", "binary", "contains NUL bytes"),
)
REPORT = Report(
    findings=(REMOVED, WIDENED),
    not_analyzed=NOT_ANALYZED,
    files=FILES,
    description="main..feature",
    base="a" * 40,
    head="b" * 40,
    commits=(Commit("b" * 40, "Simplify user views"),),
    units_analyzed=3,
)


# -- JSON -------------------------------------------------------------------------------------

def test_json_validates_and_carries_every_finding_field() -> None:
    doc = json.loads(json_report.format_report(REPORT))
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert doc["schema_version"] == "1.1"
    assert doc["purpose"] is None and doc["suppressed"] == []
    assert doc["tool"]["name"] == "semdiff"
    assert doc["range"]["description"] == "main..feature"
    assert doc["range"]["commits"][0]["subject"] == "Simplify user views"
    assert doc["summary"]["findings"] == 2
    assert doc["summary"]["by_severity"] == {"critical": 0, "high": 1, "medium": 1, "low": 0, "info": 0}
    assert doc["summary"]["security_relevant_not_analyzed"] == 1
    first = doc["findings"][0]
    assert first["rule_id"] == "removed-guard"
    assert first["severity"] == "high" and first["confidence"] == "high"
    assert first["fingerprint"] == REMOVED.fingerprint
    assert first["before"] == {"path": "app/views.py", "line": 10, "end_line": 11}
    assert first["after"] is None
    assert first["evidence"]["before"].startswith("if not request.user.is_admin:")
    assert first["relevance"] == {
        "category": "authz", "score": 0.9, "why_path": ["delete_user", "require_admin"],
        "reason": "name 'require_admin' mentions 'admin'",
    }
    assert doc["findings"][1]["hunk_only"] is True
    assert doc["findings"][1]["after"] == {"path": "app/views.py", "line": 18, "end_line": None}
    assert [n["reason"] for n in doc["not_analyzed"]] == ["syntax-error", "binary"]
    statuses = {f["path"]: f["status"] for f in doc["files"]}
    assert statuses == {"app/views.py": "modified", "logo.png": "binary", "new/auth.py": "renamed",
                        "run.sh": "mode-changed", "legacy.py": "deleted"}
    assert doc["files"][0]["lines_removed"] == 2


def test_json_of_empty_report_validates() -> None:
    doc = json.loads(json_report.format_report(Report(findings=())))
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert doc["findings"] == [] and doc["summary"]["findings"] == 0


def test_json_replaces_undecodable_bytes() -> None:
    hostile = Report(findings=(), not_analyzed=(NotAnalyzed("bad\udcff.py", "invalid-utf8", "byte \udcff"),))
    out = json_report.format_report(hostile)
    out.encode("utf-8")  # would raise on a lone surrogate
    assert json.loads(out)["not_analyzed"][0]["path"] == "bad\ufffd.py"


def test_schema_rejects_unknown_fields() -> None:
    doc = json.loads(json_report.format_report(REPORT))
    doc["findings"][0]["extra"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SCHEMA).validate(doc)


# -- text -------------------------------------------------------------------------------------

EXPECTED_TEXT = """\
semdiff: main..feature: 2 findings (1 high, 1 medium); 5 files changed, 3 units compared; 2 not analysed

HIGH  high confidence  removed-guard  Authorization guard removed
  at - (after), app/views.py:10-11 (before)  in delete_user
  The check that refused non-admins was removed.
  before:
    | if not request.user.is_admin:
    |     raise PermissionDenied()
  after:
    (nothing)
  witness: before: denied when request.user.is_admin is false; after: allowed
  relevance: authz (0.90) via delete_user -> require_admin: name 'require_admin' mentions 'admin'
  fingerprint: {fp1}

MEDIUM  low confidence  widened-condition  Condition lets more through
  at app/views.py:18 (after), app/views.py:20 (before)  in change_password
  `and` became `or`: [bold]any[/bold] signed-in user passes.
  before:
    | if a and b:
  after:
    | if a or b:
  relevance: authn (0.70) via change_password
  fingerprint: {fp2}  (hunk-only: analysed from the diff alone)

Not analysed (2)
  app/auth.py  syntax-error  after: unexpected token at line 3  [security-relevant]
  logo.png  binary  contains NUL bytes

Files: 1 binary, 1 deleted, 1 mode-changed, 1 modified, 1 renamed
  listed, not analysed as code (2):
    logo.png (binary)
    run.sh (mode 100644 -> 100755)
  old/auth.py -> new/auth.py (renamed, 92% similar)
  legacy.py (deleted)
"""


def test_text_snapshot() -> None:
    out = text.format_report(REPORT)
    assert out == EXPECTED_TEXT.format(fp1=REMOVED.fingerprint, fp2=WIDENED.fingerprint)
    assert "\x1b[" not in out  # plain: no control codes


def test_text_colour_for_terminals() -> None:
    out = text.format_report(REPORT, color=True)
    assert "\x1b[" in out and "removed-guard" in out


def test_text_empty_report() -> None:
    out = text.format_report(Report(findings=(), description="HEAD..HEAD"))
    assert out == "semdiff: HEAD..HEAD: 0 findings; 0 files changed, 0 units compared\n"


# -- registry ---------------------------------------------------------------------------------

def test_registry_offers_text_and_json() -> None:
    names = reporters.available()
    assert names[:2] == ["text", "json"]
    assert reporters.formatter("json") is json_report.format_report
    assert reporters.formatter("text") is text.format_report


def test_registry_skips_absent_modules_and_rejects_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(reporters.FORMATS, "ghost", "semdiff.report.ghost_format_not_installed")
    assert "ghost" not in reporters.available()
    with pytest.raises(reporters.UnknownFormat, match="unknown output format 'ghost'"):
        reporters.formatter("ghost")
    with pytest.raises(reporters.UnknownFormat):
        reporters.formatter("yaml")


def test_json_carries_purpose_and_suppressed_findings() -> None:
    from dataclasses import replace

    from semdiff.model import PurposeSummary

    purpose = PurposeSummary("typo", ("subject: 'fix typo'",), (("weakening", 1), ("no-change", 2)),
                             "exceeds its purpose in 1 security-relevant function", True)
    doc = json.loads(json_report.format_report(replace(REPORT, purpose=purpose, suppressed=((WIDENED, "baseline"),))))
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert doc["purpose"] == {"claim": "typo", "claim_evidence": ["subject: 'fix typo'"],
                              "effects": {"weakening": 1, "no-change": 2},
                              "verdict": "exceeds its purpose in 1 security-relevant function", "exceeds": True}
    assert doc["suppressed"][0]["reason"] == "baseline"
    assert doc["suppressed"][0]["finding"]["rule_id"] == WIDENED.rule_id
    rendered = text.format_report(replace(REPORT, purpose=purpose))
    assert "Purpose: typo -> exceeds its purpose in 1 security-relevant function" in rendered
