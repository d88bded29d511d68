"""verified-flag-widened: a flag recording a passed check set true in more cases (a conjunct
dropped, an alternative ORed in, the condition removed with its tests gone); hard negatives:
stricter, tests kept elsewhere, a flag that is not a verification, an else branch."""
from __future__ import annotations

from rulekit import findings_of

RULE = "verified-flag-widened"

PY = '''def accept(token, key, now):
    trusted = False
    if verify_sig(token, key) and token.exp > now:
        trusted = True
    return trusted
'''


def test_python_conjunct_dropped():
    after = PY.replace(" and token.exp > now", "")
    hits = findings_of(RULE, PY, after, "auth/tokens.py")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("accept", 3, 3)]
    assert "token.exp > now" in hits[0].message


def test_python_condition_removed_with_tests_gone():
    after = '''def accept(token, key, now):
    trusted = False
    trusted = True
    return trusted
'''
    hits = findings_of(RULE, PY, after, "auth/tokens.py")
    assert [(f.unit, f.before.line) for f in hits] == [("accept", 3)]


def test_python_flag_not_named_for_verification_is_silent():
    before = PY.replace("trusted", "finished")
    assert findings_of(RULE, before, before.replace(" and token.exp > now", ""), "auth/tokens.py") == []


def test_python_else_branch_is_not_read():
    before = '''def accept(token, key, now):
    if not verify_sig(token, key) or token.exp <= now:
        trusted = False
    else:
        trusted = True
    return trusted
'''
    after = before.replace(" or token.exp <= now", "")
    assert findings_of(RULE, before, after, "auth/tokens.py") == []


TS = '''export function check(resp: Resp, certs: string[]): boolean {
  let validSignature = false;
  if (verifyXml(resp.xml, certs) && resp.roots.length === 1) {
    validSignature = true;
  }
  return validSignature;
}
'''


def test_typescript_conjunct_dropped():
    hits = findings_of(RULE, TS, TS.replace(" && resp.roots.length === 1", ""), "src/saml.ts")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("check", 3, 3)]


def test_typescript_comparison_rewritten_elsewhere_is_silent():
    after = TS.replace(" && resp.roots.length === 1", "").replace(
        "  let validSignature = false;\n", "  let validSignature = false;\n  if (resp.roots.length !== 1) return false;\n")
    assert findings_of(RULE, TS, after, "src/saml.ts") == []


def test_typescript_option_flag_without_a_test_is_silent():
    before = TS.replace("verifyXml(resp.xml, certs) && resp.roots.length === 1", "opts.strict && opts.signed")
    after = before.replace(" && opts.signed", "")
    assert findings_of(RULE, before, after, "src/saml.ts") == []


def test_typescript_test_replaced_by_another_is_silent():
    after = TS.replace("resp.roots.length === 1", "resp.issuer === expectedIssuer(resp)")
    assert findings_of(RULE, TS, after, "src/saml.ts") == []
