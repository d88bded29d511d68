"""Stated-purpose classifier: prefixes, keywords, unions and the --purpose input."""
from __future__ import annotations

import pytest

from semdiff.errors import InputError
from semdiff.model import Commit
from semdiff.purpose import purpose_from_cli
from semdiff.purpose.claims import classify_change, classify_message


@pytest.mark.parametrize(
    "subject, kinds",
    [
        ("docs: explain the session lifetime", {"docs"}),
        ("style: run black", {"format"}),
        ("refactor(auth): extract helper", {"refactor"}),
        ("test: cover the login view", {"tests"}),
        ("chore(deps): update requests", {"deps"}),
        ("chore(deps): bump urllib3 from 1.26 to 2.2", {"deps"}),
        ("perf: avoid a query per row", {"perf"}),
        ("fix: handle empty header", {"bugfix"}),
        ("feat: single sign-on", {"feature"}),
        ('revert: "feat: single sign-on"', {"revert"}),
        ("security: escape the title", {"security-fix"}),
        ("sec: escape the title", {"security-fix"}),
        ("fix(security): reject unsigned tokens", {"security-fix"}),
        ("fix typo in error message", {"typo"}),
        ("fix: typo in error message", {"typo"}),  # a generic prefix gives way to its keywords
        ("Fix typo in docs", {"typo", "docs"}),
        ("Reformat the auth module", {"format"}),
        ("Fix login bypass via empty password", {"security-fix"}),
        ("Fix crash on empty token", {"bugfix"}),
        ("Fix the thing", {"bugfix"}),  # only the weak verb
        ("wip", {"unknown"}),
        ("simplify delete_user", {"unknown"}),  # "simplify" may change behaviour: not a refactor claim
        ("refactor!: drop the legacy API", {"refactor", "breaking"}),
    ],
)
def test_message_claims(subject, kinds):
    mc = classify_message(subject, "", "commit x")
    assert mc is not None
    assert set(mc.kinds) == kinds
    assert mc.evidence  # every claim says why


def test_merge_commits_are_ignored():
    assert classify_message("Merge branch 'main' into feature", "") is None
    claim = classify_change(None, [Commit("a" * 40, "Merge pull request #1 from x/y"), Commit("b" * 40, "docs: readme")])
    assert claim.label == "docs" and claim.narrow


def test_body_only_counts_when_the_subject_says_nothing():
    assert classify_message("docs: readme", "Also fixes the login bypass.").kinds == {"docs"}
    assert classify_message("update things", "This fixes a security bypass.").kinds == {"security-fix"}
    # trailers are not prose
    assert classify_message("update things", "Body.\n\nTests: none\nSigned-off-by: A <a@b.c>").kinds == {"unknown"}


def test_range_of_narrow_claims_stays_narrow():
    claim = classify_change(None, [Commit("a" * 40, "docs: readme"), Commit("b" * 40, "fix typo in error text")])
    assert claim.narrow and claim.kinds == {"docs", "typo"} and claim.label == "docs+typo"
    assert any("docs:" in e for e in claim.evidence) and any('"typo"' in e for e in claim.evidence)


def test_range_with_a_broad_claim_is_mixed():
    claim = classify_change(None, [Commit("a" * 40, "docs: readme"), Commit("b" * 40, "feat: sso")])
    assert claim.label == "mixed" and not claim.narrow


def test_unknown_commit_makes_the_range_not_narrow():
    claim = classify_change(None, [Commit("a" * 40, "docs: readme"), Commit("b" * 40, "wip")])
    assert claim.label == "mixed" and not claim.narrow


def test_purpose_text_replaces_commit_messages():
    claim = classify_change("Refactor: extract permission helper\n\nNo behaviour change.", [Commit("a" * 40, "feat: x")])
    assert claim.label == "refactor" and claim.evidence[0].startswith("--purpose subject")


def test_nothing_stated():
    claim = classify_change(None, [])
    assert not claim.stated and not claim.narrow and claim.label == "unknown"
    assert not classify_change("   ", []).stated


def test_purpose_from_cli(tmp_path):
    assert purpose_from_cli("docs: x", None, environ={}) == "docs: x"
    f = tmp_path / "pr.md"
    f.write_text("\ufefffix typo\n\nbody\n", encoding="utf-8")
    assert purpose_from_cli(None, str(f), environ={}) == "fix typo\n\nbody\n"
    assert purpose_from_cli(None, None, environ={"SEMDIFF_PURPOSE": "style: black"}) == "style: black"
    assert purpose_from_cli(None, None, environ={"SEMDIFF_PURPOSE": "  "}) is None
    assert purpose_from_cli(None, None, environ={}) is None
    with pytest.raises(InputError):
        purpose_from_cli("a", str(f), environ={})
    with pytest.raises(InputError):
        purpose_from_cli(None, str(tmp_path / "missing.md"), environ={})
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputError):
        purpose_from_cli(None, str(bad), environ={})


def test_code_named_in_a_message_claims_nothing() -> None:
    """A function or identifier the message names (`sanitized()`, `escape`) is code, not a
    claim; the same word in prose still is."""
    from semdiff.purpose.claims import classify_message

    body = "This commit delays the base64 decoding to the sanitized() function."
    assert classify_message("jws: unencoded payload serialization", body).kinds == frozenset({"unknown"})
    assert classify_message("rename `sanitize` helper").kinds == frozenset({"refactor"})
    assert classify_message("Fix XSS in render()").kinds == frozenset({"security-fix"})
    assert classify_message("sanitize header values before logging").kinds == frozenset({"security-fix"})
