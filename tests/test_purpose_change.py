"""Purpose vs effect on real git ranges (commit messages are the stated purpose)."""
from __future__ import annotations

from pathlib import Path

from gitrepo import GitRepo

from semdiff.api import analyze
from semdiff.model import Severity
from semdiff.pipeline import AnalyzeOptions, analyze_texts
from semdiff.policy import exit_code
from semdiff.purpose import ai_authored, ai_policy_fail_on

AUTH = '''from app.errors import Forbidden


def require_admin(user):
    """Only administrators may continue."""
    if not (user.is_admin and user.active):
        raise Forbidden("admin only")
    return True


CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
'''
CART = "def total(items):\n    return sum(items)\n"


def change(tmp_path: Path, after: dict[str, str], message: str, purpose=None, **rule_options):
    repo = GitRepo(tmp_path / "repo")
    repo.write({"app/auth.py": AUTH, "app/cart.py": CART, "README.md": "demo\n"})
    base = repo.commit("init")
    repo.write(after)
    head = repo.commit(message)
    return analyze(f"{base}..{head}", repo=str(repo.root),
                   options=AnalyzeOptions(purpose_text=purpose, rule_options=rule_options))


def mismatches(report):
    return [f for f in report.findings if f.rule_id == "purpose-mismatch"]


def test_typo_claim_with_auth_change_is_flagged(tmp_path):
    after = AUTH.replace("user.is_admin and user.active", "user.is_admin").replace("admin only", "admins only")
    r = change(tmp_path, {"app/auth.py": after}, "fix typo in error message")
    [m] = mismatches(r)
    assert (m.unit, m.path, m.after.line, m.severity) == ("require_admin", "app/auth.py", 6, Severity.CRITICAL)
    assert '"typo"' in m.message and 'keyword "typo"' in m.message and "require_admin" in m.message
    assert any(f.rule_id == "widened-condition" for f in r.findings)
    assert r.purpose.claim == "typo" and r.purpose.exceeds
    assert r.purpose.verdict.startswith("exceeds its purpose in 1 security-relevant function")


def test_typo_claim_with_stricter_auth_change_is_high(tmp_path):
    after = AUTH.replace("user.is_admin and user.active", "user.is_admin and user.active and not user.locked")
    r = change(tmp_path, {"app/auth.py": after}, "docs: fix typo")
    [m] = mismatches(r)
    assert (m.unit, m.severity) == ("require_admin", Severity.HIGH)
    assert dict(r.purpose.effects) == {"security-behaviour-change": 1}


def test_honest_refactor_verified_equivalent(tmp_path):
    after = AUTH.replace(
        '''    if not (user.is_admin and user.active):
        raise Forbidden("admin only")
    return True
''', '''    _ensure_admin(user)
    return True


def _ensure_admin(account):
    if not account.is_admin or not account.active:
        raise Forbidden("admin only")
''')
    r = change(tmp_path, {"app/auth.py": after}, "refactor: extract admin check")
    assert mismatches(r) == []
    assert r.findings == ()
    assert r.purpose.claim == "refactor" and r.purpose.verdict == "matches its purpose" and not r.purpose.exceeds
    # the two functions are proved equivalent; the module only gains blank lines
    assert dict(r.purpose.effects) == {"behaviour-preserving": 2, "no-change-in-meaning": 1}


def test_formatter_only_change_of_auth_module(tmp_path):
    after = AUTH.replace('raise Forbidden("admin only")', "raise Forbidden(\n            'admin only',\n        )  # black").replace(
        "if not (user.is_admin and user.active):", "if not (\n        user.is_admin and user.active\n    ):")
    r = change(tmp_path, {"app/auth.py": after}, "style: run black")
    assert r.findings == ()
    assert r.purpose.claim == "format" and dict(r.purpose.effects) == {"no-change-in-meaning": 1}
    assert r.purpose.verdict == "matches its purpose"


def test_security_fix_that_also_widens_cors(tmp_path):
    after = AUTH.replace('["https://app.example.com"]', '["https://app.example.com", "*"]').replace(
        "user.is_admin and user.active", "user.is_admin and user.active and not user.banned")
    r = change(tmp_path, {"app/auth.py": after}, "security: deny banned administrators")
    [m] = mismatches(r)
    assert (m.unit, m.after.line, m.severity) == ("<module>", 11, Severity.HIGH)
    assert "widened-allowlist" in m.message and '"security-fix"' in m.message
    assert r.purpose.verdict.startswith("exceeds its purpose: it also weakens")


def test_security_fix_without_weakening_matches(tmp_path):
    after = AUTH.replace("user.is_admin and user.active", "user.is_admin and user.active and not user.banned")
    r = change(tmp_path, {"app/auth.py": after}, "security: deny banned administrators")
    assert mismatches(r) == [] and not r.purpose.exceeds


def test_feature_touching_auth_without_weakening_is_summary_only(tmp_path):
    after = AUTH.replace("    return True\n", "    audit(user)\n    return True\n")
    r = change(tmp_path, {"app/auth.py": after}, "feat: audit admin access")
    assert r.findings == ()
    assert r.purpose.claim == "feature"
    assert r.purpose.verdict == "matches its purpose (feature; changes behaviour in 1 security-relevant function)"


def test_bugfix_with_ordinary_behaviour_change_is_silent(tmp_path):
    r = change(tmp_path, {"app/auth.py": AUTH.replace("return True", "return user")}, "fix: return the user")
    assert mismatches(r) == []


def test_test_only_claim_touching_non_test_code(tmp_path):
    r = change(tmp_path, {"tests/test_cart.py": "def test_total():\n    assert total([1]) == 1\n",
                          "app/cart.py": "def total(items):\n    return sum(items) + 1\n"}, "test: cover cart total")
    [m] = mismatches(r)
    assert (m.unit, m.path, m.severity) == ("total", "app/cart.py", Severity.MEDIUM)
    assert "outside test code" in m.message


def test_test_only_claim_with_only_tests_is_silent(tmp_path):
    r = change(tmp_path, {"tests/test_cart.py": "def test_total():\n    assert total([1]) == 1\n"}, "test: cover cart total")
    assert mismatches(r) == [] and r.purpose.verdict == "matches its purpose"


def test_docs_claim_with_non_sensitive_behaviour_change_is_summary_only(tmp_path):
    r = change(tmp_path, {"app/cart.py": "def total(items):\n    return sum(items) + 1\n"}, "docs: clarify total")
    assert mismatches(r) == []
    assert r.purpose.exceeds and r.purpose.verdict == "exceeds its purpose in 1 function (not security-relevant)"


def test_purpose_option_overrides_commit_messages(tmp_path):
    after = AUTH.replace("user.is_admin and user.active", "user.is_admin and user.active and not user.locked")
    r = change(tmp_path, {"app/auth.py": after}, "feat: lock accounts", purpose="Fix typo in README")
    [m] = mismatches(r)
    assert "--purpose subject" in m.message


def test_no_stated_purpose_no_mismatch():
    after = AUTH.replace("user.is_admin and user.active", "user.is_admin")
    r = analyze_texts([("app/auth.py", AUTH, after)])
    assert mismatches(r) == [] and any(f.rule_id == "widened-condition" for f in r.findings)
    assert r.purpose.claim == "unknown" and r.purpose.verdict.startswith("no stated purpose")


def test_ai_coauthor_trailer_is_labelled_and_strict_policy_changes_the_exit_code(tmp_path):
    msg = "refactor: tidy cart\n\nCo-authored-by: Claude <noreply@anthropic.com>"
    after = {"app/cart.py": "def total(items):\n    return sum(items) + 1\n"}
    default = change(tmp_path / "a", after, msg)
    assert mismatches(default) == []
    assert len(ai_authored(default)) == 1 and "Co-authored-by: Claude" in ai_authored(default)[0]
    assert "AI/bot-authored commits: 1" in default.purpose.verdict
    assert exit_code(default, ai_policy_fail_on(default, Severity.HIGH, "default")) == 0

    strict = change(tmp_path / "b", after, msg, ai_policy="strict")
    [m] = mismatches(strict)
    assert (m.unit, m.severity) == ("total", Severity.HIGH)
    assert "(strict policy)" in strict.purpose.verdict
    assert exit_code(strict, ai_policy_fail_on(strict, Severity.HIGH, "strict")) == 1


def test_human_commit_is_not_labelled(tmp_path):
    r = change(tmp_path, {"app/cart.py": CART + "\n"}, "docs: x\n\nCo-authored-by: Claude Shannon <cs@example.org>")
    assert ai_authored(r) == ()
    assert ai_policy_fail_on(r, Severity.HIGH, "strict") is Severity.HIGH
