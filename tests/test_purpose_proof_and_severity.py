"""purpose-mismatch rests on what was proved and on how severe the weakening under it is.

* A unit whose code is proved equivalent before and after (Go canonical rewrites such as
  loop -> slices.Contains, Python truth-table or renaming proofs) is not a weakening of the
  claim even when a rule reported one there: the rule read one construct it could not follow
  through the rewrite, the proof compared the whole unit (chi a52c582b, "Bump minimum Go and
  use new features": a low removed-guard on the loop made it a CRITICAL deps mismatch).
* A narrow claim's mismatch is one level above the weakening it rests on (a low removed check
  in an example program was a CRITICAL refactor mismatch, chi 563ab118), and at least high
  when the unit is security-relevant.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from gitrepo import GitRepo

from semdiff.api import analyze
from semdiff.model import Severity
from semdiff.pipeline import AnalyzeOptions
from semdiff.purpose import goequiv
from semdiff.purpose.effects import Effect, UnitEffect
from semdiff.purpose.mismatch import narrow_claim_support


def change(tmp_path: Path, before: dict[str, str], after: dict[str, str], message: str):
    repo = GitRepo(tmp_path / "repo")
    repo.write(before)
    base = repo.commit("init")
    repo.write(after)
    head = repo.commit(message)
    return analyze(f"{base}..{head}", repo=str(repo.root), options=AnalyzeOptions())


def mismatches(report):
    return [f for f in report.findings if f.rule_id == "purpose-mismatch"]


CHARSET = '''package middleware

import "strings"

// allowedCharset reports whether the request's charset is one the handler accepts.
func allowedCharset(ce string, charsets ...string) bool {
	ce = strings.ToLower(ce)
	for _, c := range charsets {
		if ce == c {
			return true
		}
	}
	return false
}
'''
CONTAINS = CHARSET.replace('import "strings"', 'import (\n\t"slices"\n\t"strings"\n)').replace(
    "\tfor _, c := range charsets {\n\t\tif ce == c {\n\t\t\treturn true\n\t\t}\n\t}\n\treturn false",
    "\treturn slices.Contains(charsets, ce)")


# ---------------------------------------------------------------- the proof wins over a rule's reading


def test_loop_to_slices_contains_is_proved_and_outranks_the_removed_guard(tmp_path):
    r = change(tmp_path, {"middleware/charset.go": CHARSET}, {"middleware/charset.go": CONTAINS},
               "refactor: use slices.Contains")
    # the guard rule still reads a removed `return false` (its own finding, not the purpose check's)
    assert [(f.rule_id, f.unit) for f in r.findings] == [("removed-guard", "allowedCharset")]
    assert mismatches(r) == []
    assert r.purpose.verdict == "matches its purpose"
    assert "behaviour-preserving" in dict(r.purpose.effects) and "weakening" not in dict(r.purpose.effects)


def test_contains_rewrite_that_accepts_an_empty_list_is_still_a_weakening(tmp_path):
    after = CONTAINS.replace("return slices.Contains(charsets, ce)", "return len(charsets) == 0 || slices.Contains(charsets, ce)")
    r = change(tmp_path, {"middleware/charset.go": CHARSET}, {"middleware/charset.go": after},
               "refactor: use slices.Contains")
    [m] = mismatches(r)
    # removed-guard judged it high here (a unit named for what it allows); the claim hid it
    assert (m.unit, m.severity) == ("allowedCharset", Severity.CRITICAL)
    assert "weakens security-relevant code" in m.message


@pytest.mark.parametrize("before_cond,after_call,proved", [
    ("ce == c", "slices.Contains(charsets, ce)", True),
    ("c == ce", "slices.Contains(charsets, ce)", True),
    ("ce != c", "slices.Contains(charsets, ce)", False),  # another test
    ("strings.HasPrefix(ce, c)", "slices.Contains(charsets, ce)", False),  # not equality
    ("ce == c", "slices.Contains(ce, charsets)", False),  # arguments swapped
    ("f(ce) == c", "slices.Contains(charsets, f(ce))", False),  # evaluated once per element vs once
])
def test_slices_contains_rewrite_only_for_the_exact_loop(before_cond, after_call, proved):
    b = _function(CHARSET).replace("ce == c", before_cond)
    a = _function(CONTAINS).replace("slices.Contains(charsets, ce)", after_call)
    assert (goequiv.same_behaviour(b, a) is not None) is proved


def test_loop_that_answers_true_at_the_end_is_not_contains():
    b = _function(CHARSET).replace("\treturn false\n}", "\treturn true\n}")
    assert goequiv.same_behaviour(b, _function(CONTAINS)) is None


def _function(text: str) -> str:
    """The function unit's own text (what the pipeline hands the proof)."""
    return text[text.index("func "):]


PY_BEFORE = '''def require_admin(user):
    if not (user.is_admin and user.active):
        raise PermissionError("denied")
    return user
'''


def test_comment_only_change_keeps_a_rule_finding_as_a_weakening():
    """UNCHANGED (comments and formatting set aside) is not a proof that outranks a rule: what
    such a rule reads may be the very comment the proof ignored."""
    from semdiff.purpose.effects import PROVED_SAME_CODE

    assert Effect.UNCHANGED not in PROVED_SAME_CODE and Effect.WORDING not in PROVED_SAME_CODE
    assert Effect.MOVED not in PROVED_SAME_CODE
    assert PROVED_SAME_CODE == {Effect.EQUIVALENT, Effect.RENAMED}


def test_python_truth_table_rewrite_under_a_refactor_claim_is_silent(tmp_path):
    after = PY_BEFORE.replace("if not (user.is_admin and user.active):", "if not user.is_admin or not user.active:")
    r = change(tmp_path, {"app/auth.py": PY_BEFORE}, {"app/auth.py": after}, "refactor: simplify check")
    assert mismatches(r) == []


def test_python_rewrite_that_drops_a_conjunct_is_still_critical(tmp_path):
    after = PY_BEFORE.replace("if not (user.is_admin and user.active):", "if not user.is_admin:")
    r = change(tmp_path, {"app/auth.py": PY_BEFORE}, {"app/auth.py": after}, "refactor: simplify check")
    [m] = mismatches(r)
    weak = [f for f in r.findings if f.rule_id != "purpose-mismatch"]
    assert max(f.severity for f in weak) == Severity.HIGH
    assert (m.unit, m.severity) == ("require_admin", Severity.CRITICAL)


# ---------------------------------------------------------------- severity: the weakening plus the claim

GRACEFUL = '''package main

import (
	"context"
	"log"
	"time"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	waitForShutdown(ctx)
	if ctx.Err() == context.DeadlineExceeded {
		log.Fatal("shutdown timed out, forcing exit")
	}
}
'''


def test_low_weakening_in_an_example_program_is_a_medium_mismatch_not_critical(tmp_path):
    after = GRACEFUL.replace('\tif ctx.Err() == context.DeadlineExceeded {\n\t\tlog.Fatal("shutdown timed out, forcing exit")\n\t}\n', "")
    r = change(tmp_path, {"_examples/graceful/main.go": GRACEFUL}, {"_examples/graceful/main.go": after},
               "Refactor graceful shutdown example")
    weak = [f for f in r.findings if f.rule_id != "purpose-mismatch"]
    assert [(f.rule_id, f.unit, f.severity) for f in weak] == [("removed-guard", "main", Severity.LOW)]
    [m] = mismatches(r)
    assert (m.unit, m.severity) == ("main", Severity.MEDIUM)
    assert "judged low" in m.message


def _effect(effect: Effect, severity: Severity = Severity.INFO, relevant: bool = False) -> UnitEffect:
    return UnitEffect(change=None, effect=effect, relevant=relevant, weakening_severity=severity)  # type: ignore[arg-type]


@pytest.mark.parametrize("effect,severity,relevant,expected", [
    (Effect.WEAKENING, Severity.LOW, False, Severity.MEDIUM),
    (Effect.WEAKENING, Severity.LOW, True, Severity.HIGH),  # security-relevant code: high whatever the rule said
    (Effect.WEAKENING, Severity.MEDIUM, False, Severity.HIGH),
    (Effect.WEAKENING, Severity.HIGH, True, Severity.CRITICAL),
    (Effect.WEAKENING, Severity.CRITICAL, True, Severity.CRITICAL),
    (Effect.SECURITY, Severity.INFO, True, Severity.HIGH),
])
def test_narrow_claim_support(effect, severity, relevant, expected):
    assert narrow_claim_support(_effect(effect, severity, relevant)) == expected
