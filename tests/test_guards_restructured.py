"""Checks restructured without being weakened: a test of a value against one literal read
against a test of it against another (`ok === false` vs `ok === true`), a deny that moved into
an else branch, a callback-style check become a synchronous call whose result is tested, a
value tested through a local bound to it."""
from __future__ import annotations

from pathlib import Path

from semdiff import logic
from semdiff.ir import Atom, Not, conj
from semdiff.model import Severity
from semdiff.pipeline import analyze_texts

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "javascript" / "core-neg-check-restructured-into-else-deny"

CALLBACK_BEFORE = '''class SignedDocument {
  checkSignature(xml, callback) {
    const signer = this.findSigner(this.algorithm);
    if (callback) {
      signer.verifySignature(xml, this.key, this.signatureValue, callback);
    } else {
      const verified = signer.verifySignature(xml, this.key, this.signatureValue);
      if (verified === false) {
        throw new Error('invalid signature');
      }
      return true;
    }
  }
}

module.exports = SignedDocument;
'''

CALLBACK_AFTER = '''class SignedDocument {
  checkSignature(xml, callback) {
    const signer = this.findSigner(this.algorithm);
    const valid = signer.verifySignature(xml, this.key, this.signatureValue);
    if (valid === true) {
      if (callback) {
        callback(null, true);
      } else {
        return true;
      }
    } else {
      if (callback) {
        callback(new Error('invalid signature'));
        return;
      } else {
        throw new Error('invalid signature');
      }
    }
  }
}

module.exports = SignedDocument;
'''


def _eq(operand: str, literal: str) -> Atom:
    return Atom(f"{operand}=={literal}", f"{operand} == {literal}", "cmp", "==", operand, literal)


def test_a_value_equal_to_false_is_not_equal_to_true():
    is_false, is_true = _eq("%ab12cd", "false"), _eq("%ab12cd", "true")
    # denied when it is false; after: denied when it is not true -- no case slips through
    assert logic.witness(is_false, Not(is_true)) is None
    # the other way round there is one: a value neither true nor false (undefined, 0, "")
    assert logic.witness(Not(is_true), is_false) is not None
    assert not logic.consistent({is_false.key: True, is_true.key: True}, {a.key: a for a in (is_false, is_true)})


def test_callback_check_become_a_tested_result_stays_low():
    report = analyze_texts([("lib/signed-document.js", CALLBACK_BEFORE, CALLBACK_AFTER)])
    found = [(f.rule_id, f.severity) for f in report.findings]
    # the old call-guard is reported only as a note that the same check is still made
    assert found == [("removed-guard", Severity.LOW)], found
    (f,) = report.findings
    assert "is still made as" in f.message and f.before.line == 5 and f.after.line == 4


def test_else_deny_fixture_reads_the_same_case_denied():
    before = (FIXTURE / "before.js").read_text()
    after = (FIXTURE / "after.js").read_text()
    assert analyze_texts([("lib/signed-document.js", before, after)]).findings == ()


def _guard(cond, path, line):
    from semdiff.ir import Action, Guard, Span

    return Guard(deny_when=conj(*(f for _, f in path)), condition=cond, action=Action.RAISE, span=Span(line, line),
                 text=f"check at {line}", path=tuple(path))


def test_a_later_check_behind_the_old_exit_is_not_the_old_check_restructured():
    from semdiff.rules.guards import _related

    is_a, is_b, later = _eq("%ab12cd", '"a"'), _eq("%ab12cd", '"b"'), Atom("%ff0011", "other", "name")
    old = _guard(is_a, [(3, is_a)], 3)
    # after: the old test still exits first; a later check has its negation in its path
    behind = _guard(later, [(3, Not(is_a)), (7, later)], 7)
    assert _related(old, [behind]) == []
    # an else-branch deny whose path holds whenever the old test denies (x == "a" -> x != "b") is related
    else_deny = _guard(later, [(3, Not(is_b)), (7, later)], 7)
    assert _related(old, [else_deny]) == [else_deny]
