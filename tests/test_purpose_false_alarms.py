"""Ordinary commit messages on ordinary changes must not fail CI (H6's false-alarm hunt).

Each case is a shape seen over and over in real histories, written small: a hard negative
(silent) next to the closest positive that must still be reported.
"""
from __future__ import annotations

from pathlib import Path

from gitrepo import GitRepo

from semdiff.api import analyze
from semdiff.model import Severity
from semdiff.pipeline import AnalyzeOptions

CART = "def total(items):\n    return sum(items)\n"
WORKFLOW = """name: CI
on:
  pull_request:
permissions:
  contents: read
jobs:
  unit:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pytest -q
"""
URLJS = "export default function isAbsolute(url) {\n  return /^([a-z][a-z\\d+\\-.]*:)?\\/\\//i.test(url);\n}\n"
PYPROJECT = """[project]
name = "shop"
version = "1.0"
dependencies = ["requests>=2.31"]

[project.optional-dependencies]
test = ["pytest>=7"]
"""


def change(tmp_path: Path, after: dict[str, str], message: str):
    repo = GitRepo(tmp_path / "repo")
    repo.write({"app/cart.py": CART, ".github/workflows/ci.yml": WORKFLOW, "pyproject.toml": PYPROJECT,
                "tests/test_cart.py": "def test_total():\n    assert total([]) == 0\n", "lib/url.js": URLJS})
    base = repo.commit("init")
    repo.write(after)
    head = repo.commit(message)
    return analyze(f"{base}..{head}", repo=str(repo.root), options=AnalyzeOptions())


def mismatches(report):
    return [f for f in report.findings if f.rule_id == "purpose-mismatch"]


# ---------------------------------------------------------------- tests claim vs test tooling

def test_tests_claim_changing_the_ci_trigger_is_silent(tmp_path):
    after = WORKFLOW.replace("  pull_request:\n", "  pull_request:\n  push:\n    branches: [main]\n")
    r = change(tmp_path, {".github/workflows/ci.yml": after}, "Run tests on push as well")
    assert mismatches(r) == []
    assert r.purpose.claim == "tests" and not r.purpose.exceeds


def test_tests_claim_pinning_the_test_runner_is_silent(tmp_path):
    r = change(tmp_path, {"pyproject.toml": PYPROJECT.replace("pytest>=7", "pytest>=8.2")},
               "Update pytest requirement in the test group")
    assert mismatches(r) == []


def test_tests_claim_widening_the_ci_token_still_exceeds(tmp_path):
    after = WORKFLOW.replace("contents: read", "contents: write")
    r = change(tmp_path, {".github/workflows/ci.yml": after}, "Run tests on push as well")
    [m] = mismatches(r)
    assert (m.path, m.unit, m.severity) == (".github/workflows/ci.yml", "<workflow>", Severity.CRITICAL)
    assert any(f.rule_id == "workflow-permissions-widened" for f in r.findings)


def test_tests_claim_changing_product_code_still_medium(tmp_path):
    r = change(tmp_path, {"app/cart.py": "def total(items):\n    return sum(items) + 1\n",
                          ".github/workflows/ci.yml": WORKFLOW.replace("pytest -q", "pytest -q -x")},
               "test: cover cart total")
    [m] = mismatches(r)
    assert (m.path, m.unit, m.severity) == ("app/cart.py", "total", Severity.MEDIUM)
    assert ".github/workflows" not in m.message


# ---------------------------------------------------------------- security fix vs its own rewrite


def test_security_fix_rewriting_a_predicate_is_not_also_weakening(tmp_path):
    after = URLJS.replace(":)?\\/", ":)\\/")
    r = change(tmp_path, {"lib/url.js": after},
               "fix(sec): protocol-relative URLs are not absolute")
    low = [f for f in r.findings if f.rule_id == "removed-guard"]
    assert low and all(f.severity < Severity.MEDIUM for f in low), "the rule still reports its own low finding"
    assert mismatches(r) == []


def test_security_fix_that_also_drops_a_real_check_is_high(tmp_path):
    guard = ("def delete_user(request, uid):\n    if not request.user.is_admin:\n        raise PermissionDenied()\n"
             "    return remove(uid)\n")
    repo = GitRepo(tmp_path / "repo")
    repo.write({"app/views.py": guard, "lib/url.js": URLJS})
    base = repo.commit("init")
    repo.write({"app/views.py": "def delete_user(request, uid):\n    return remove(uid)\n",
                "lib/url.js": URLJS.replace(":)?\\/", ":)\\/")})
    head = repo.commit("fix(sec): protocol-relative URLs are not absolute")
    r = analyze(f"{base}..{head}", repo=str(repo.root), options=AnalyzeOptions())
    [m] = mismatches(r)
    assert (m.path, m.unit, m.severity) == ("app/views.py", "delete_user", Severity.HIGH)
    assert "isAbsolute" not in m.message


# ---------------------------------------------------------------- comment-only edits of Go/JS modules

CSRF_GO = """package middleware

// CSRFConfig defines the config for the CSRF middleware.
type CSRFConfig struct {
	// TokenLength is the length of the generated token.
	TokenLength uint8
	// Generator defines a function to generate token.
	// Optional. Defaults tp randomString(TokenLength).
	Generator func() string
}

// DefaultCSRFConfig is the default CSRF middleware config.
var DefaultCSRFConfig = CSRFConfig{TokenLength: 32}

func verifyToken(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
"""


def go_change(tmp_path: Path, after: str, message: str):
    repo = GitRepo(tmp_path / "repo")
    repo.write({"middleware/csrf.go": CSRF_GO})
    base = repo.commit("init")
    repo.write({"middleware/csrf.go": after})
    head = repo.commit(message)
    return analyze(f"{base}..{head}", repo=str(repo.root), options=AnalyzeOptions())


def test_typo_fixed_in_a_go_doc_comment_is_silent(tmp_path):
    r = go_change(tmp_path, CSRF_GO.replace("Defaults tp", "Defaults to"), "docs(csrf): fix godoc typo")
    assert mismatches(r) == []
    assert r.purpose.verdict == "matches its purpose"


def test_docs_claim_that_changes_a_go_module_value_is_still_flagged(tmp_path):
    after = CSRF_GO.replace("Defaults tp", "Defaults to").replace("TokenLength: 32", "TokenLength: 8")
    r = go_change(tmp_path, after, "docs(csrf): fix godoc typo")
    [m] = mismatches(r)
    assert (m.path, m.unit, m.severity) == ("middleware/csrf.go", "<module>", Severity.HIGH)


def test_go_build_directive_is_code_not_comment(tmp_path):
    r = go_change(tmp_path, CSRF_GO.replace("package middleware\n", "//go:build ignore\n\npackage middleware\n"),
                  "docs(csrf): fix godoc typo")
    assert [m.unit for m in mismatches(r)] == ["<module>"]


# ---------------------------------------------------------------- minified build output

BUNDLE = ("export function encryptPayload(e,t){if(!t)throw new TypeError(\"key\");return seal(e,t)}"
          + ";".join(f"function h{i}(e){{return e+{i}}}" for i in range(40)) + "\n")


def test_cleanup_deleting_a_minified_bundle_is_silent(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.write({"dist/web/index.bundle.min.js": BUNDLE, "src/encrypt.js": "export function encryptPayload(e, t) {\n  return seal(e, t);\n}\n"})
    base = repo.commit("release")
    repo.delete("dist/web/index.bundle.min.js")
    head = repo.commit("chore: cleanup after release")
    r = analyze(f"{base}..{head}", repo=str(repo.root), options=AnalyzeOptions())
    assert r.purpose.claim == "refactor"
    assert mismatches(r) == []


def test_cleanup_that_changes_security_source_is_still_flagged(tmp_path):
    src = "export function encryptPayload(e, t) {\n  return seal(e, t);\n}\n"
    repo = GitRepo(tmp_path / "repo")
    repo.write({"dist/web/index.bundle.min.js": BUNDLE, "src/encrypt.js": src})
    base = repo.commit("release")
    repo.write({"src/encrypt.js": src.replace("seal(e, t)", "seal(e, t || DEFAULT_KEY)")})
    head = repo.commit("chore: cleanup after release")
    r = analyze(f"{base}..{head}", repo=str(repo.root), options=AnalyzeOptions())
    [m] = mismatches(r)
    assert (m.path, m.unit, m.severity) == ("src/encrypt.js", "encryptPayload", Severity.HIGH)


# ---------------------------------------------------------------- narrow words in a commit body

def test_body_mentioning_its_tests_is_not_a_tests_claim(tmp_path):
    r = change(tmp_path, {"app/cart.py": "def total(items):\n    return sum(items or [])\n",
                          "tests/test_cart.py": "def test_total():\n    assert total(None) == 0\n"},
               "Handle a missing item list in total()\n\n* Handle None\n\n* Add test for total with no items")
    assert r.purpose.claim == "unknown"
    assert mismatches(r) == []


def test_narrow_subject_is_still_held_to_its_promise(tmp_path):
    r = change(tmp_path, {"app/cart.py": "def total(items):\n    return sum(items or [])\n"},
               "Add test for total with no items")
    [m] = mismatches(r)
    assert (m.unit, m.severity) == ("total", Severity.MEDIUM)


def test_broad_body_claim_still_counts():
    from semdiff.purpose.claims import classify_message
    assert classify_message("update things", "This fixes a security bypass. Adds a test.").kinds == {"security-fix"}


def test_cleanup_deleting_bundled_dist_output_is_silent(tmp_path):
    sign = "export async function sign(payload, key) {\n  if (!key) {\n    throw new TypeError('key required')\n  }\n  return seal(payload, key)\n}\n"
    repo = GitRepo(tmp_path / "repo")
    repo.write({"dist/webapi/jws/sign.js": sign, "src/jws/sign.ts": sign})
    base = repo.commit("release")
    repo.delete("dist/webapi/jws/sign.js")
    head = repo.commit("chore: cleanup after release")
    r = analyze(f"{base}..{head}", repo=str(repo.root), options=AnalyzeOptions())
    assert r.purpose.claim == "refactor" and mismatches(r) == []
