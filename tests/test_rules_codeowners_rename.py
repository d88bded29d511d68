"""codeowners-weakened: a team renamed on the same rule (held-out java-jwt "Update codeowner
file with new GitHub team name": `@org/dx-sdks-engineer` -> `@org/project-dx-sdks-engineer-codeowner`
was HIGH) is reported low, with the pairing; any other replacement stays high."""
from __future__ import annotations

import pytest

from semdiff.model import Severity
from semdiff.pipeline import analyze_texts
from semdiff.rules.config_ownership import renamed_teams

BEFORE = "# owners\n*                 @acme/platform-core\n/src/auth/        @acme/identity-security\n"


def owners_findings(after: str):
    r = analyze_texts([(".github/CODEOWNERS", BEFORE, after)])
    return [f for f in r.findings if f.rule_id == "codeowners-weakened"]


def test_catch_all_team_renamed_is_low_and_says_so():
    [f] = owners_findings(BEFORE.replace("@acme/platform-core", "@acme/project-platform-core-codeowner"))
    assert (f.unit, f.severity, f.before.line, f.after.line) == ("<codeowners>", Severity.LOW, 2, 2)
    assert "@acme/platform-core -> @acme/project-platform-core-codeowner" in f.message


@pytest.mark.parametrize("replacement", ["@acme/interns", "@other-org/identity-security", "@mallory", "@acme/core"])
def test_auth_owner_replaced_otherwise_stays_high(replacement):
    [f] = owners_findings(BEFORE.replace("@acme/identity-security", replacement))
    assert (f.unit, f.severity, f.before.line, f.after.line) == ("<codeowners>", Severity.HIGH, 3, 3)


def test_rename_dropping_a_second_owner_is_not_a_rename():
    after = BEFORE.replace("@acme/identity-security", "@acme/identity-security-team").replace(
        "@acme/platform-core", "@acme/platform-core-team")
    before = BEFORE.replace("/src/auth/        @acme/identity-security", "/src/auth/        @acme/identity-security @acme/appsec")
    r = analyze_texts([(".github/CODEOWNERS", before, after)])
    sev = {f.before.line: f.severity for f in r.findings if f.rule_id == "codeowners-weakened"}
    assert sev == {2: Severity.LOW, 3: Severity.HIGH}


def test_renamed_teams_pairs_one_to_one():
    assert renamed_teams(frozenset({"@a/x-y"}), frozenset({"@a/x-y-z"})) == "@a/x-y -> @a/x-y-z"
    assert renamed_teams(frozenset({"@a/x-y", "@a/x"}), frozenset({"@a/x-y-z"})) is None
    assert renamed_teams(frozenset({"@bob"}), frozenset({"@bobby"})) is None
