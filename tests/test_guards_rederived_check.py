"""removed-guard when a check is re-made, with the same refusal, on a value a new helper derives.

`if (text.match(P) || text.includes(C)) throw KeyError('msg')` rewritten through a new helper
(`const { block, raw } = findBlock(text); if (raw) return ...; if (block.match(P) ||
block.startsWith(C)) throw KeyError('msg')`) tests the same operands once the helper's result
is read as its argument. Whether the derived value carries what the old test examined is not
provable, so it is reported low with the new check's line. A test dropped, another refusal,
or a new gate on something the helper did not return is still a weakening.
"""
from __future__ import annotations

from semdiff.model import Severity
from semdiff.pipeline import analyze_texts

BEFORE = """const publicPem = /^-----BEGIN PUBLIC KEY-----/
const privatePem = /^-----BEGIN (RSA|EC)? ?PRIVATE KEY-----/
const certHeader = '-----BEGIN CERTIFICATE-----'

function detectKind(key) {
  const text = key.trim()
  if (text.match(publicPem) || text.includes(certHeader)) {
    throw new KeyError('Public keys cannot sign.')
  }
  const found = text.match(privatePem)
  if (!found) {
    return 'HS256'
  }
  return found[1] || 'RS256'
}

module.exports = { detectKind }
"""

AFTER = """const publicPem = /^-----BEGIN PUBLIC KEY-----/
const privatePem = /^-----BEGIN (RSA|EC)? ?PRIVATE KEY-----/
const certHeader = '-----BEGIN CERTIFICATE-----'
const anyHeader = /-----BEGIN [A-Z ]+-----/

function findBlock(text) {
  const at = text.search(anyHeader)
  if (at === -1) {
    return { block: null, raw: true }
  }
  return { block: text.slice(at), raw: false }
}

function detectKind(key) {
  const text = key.trim()
  const { block, raw } = findBlock(text)
  if (raw) {
    return 'HS256'
  }
  if (block.match(publicPem) || block.startsWith(certHeader)) {
    throw new KeyError('Public keys cannot sign.')
  }
  const found = block.match(privatePem)
  if (!found) {
    throw new KeyError('Unsupported key.')
  }
  return found[1] || 'RS256'
}

module.exports = { detectKind }
"""

PATH = "src/keys.js"


def _found(after: str):
    r = analyze_texts([(PATH, BEFORE, after)])
    return [(f.rule_id, f.unit, f.before.line, f.severity) for f in r.findings if f.unit == "detectKind"], r


def test_same_refusal_on_a_value_derived_by_a_new_helper_is_low():
    found, r = _found(AFTER)
    assert found == [("removed-guard", "detectKind", 7, Severity.LOW)], found
    (f,) = [f for f in r.findings if f.unit == "detectKind"]
    assert f.after.line == 20 and "findBlock(text)" in f.message and "is re-made as" in f.message


def test_a_dropped_test_is_still_reported():
    after = AFTER.replace("if (block.match(publicPem) || block.startsWith(certHeader)) {", "if (block.match(publicPem)) {")
    found, _ = _found(after)
    assert [x for x in found if x[2] == 7 and x[3] >= Severity.MEDIUM], found


def test_another_refusal_is_not_the_same_check():
    after = AFTER.replace("throw new KeyError('Public keys cannot sign.')", "console.warn('public key used for signing')")
    found, _ = _found(after)
    assert [x for x in found if x[2] == 7 and x[3] >= Severity.MEDIUM], found


def test_a_new_gate_on_something_else_is_still_reported():
    after = AFTER.replace("  if (raw) {\n    return 'HS256'\n  }\n", "  if (raw || key.length < 64) {\n    return 'HS256'\n  }\n")
    found, _ = _found(after)
    assert [x for x in found if x[2] == 7 and x[3] >= Severity.MEDIUM], found


def test_the_same_operand_with_another_method_and_no_helper_is_still_reported():
    before = BEFORE
    after = BEFORE.replace("text.includes(certHeader)", "text.startsWith(certHeader)")
    r = analyze_texts([(PATH, before, after)])
    assert [f for f in r.findings if f.unit == "detectKind" and f.severity >= Severity.MEDIUM], r.findings


PY_BEFORE = '''PUBLIC = re.compile(r"^-----BEGIN PUBLIC KEY-----")
CERT = "-----BEGIN CERTIFICATE-----"


def detect_kind(key):
    text = key.strip()
    if PUBLIC.match(text) or text.startswith(CERT):
        raise KeyError("Public keys cannot sign.")
    return "RS256"
'''

PY_AFTER = '''PUBLIC = re.compile(r"^-----BEGIN PUBLIC KEY-----")
CERT = "-----BEGIN CERTIFICATE-----"
ANY = re.compile(r"-----BEGIN [A-Z ]+-----")


def find_block(text):
    m = ANY.search(text)
    if m is None:
        return None, True
    return text[m.start():], False


def detect_kind(key):
    text = key.strip()
    block, raw = find_block(text)
    if raw:
        return "HS256"
    if PUBLIC.match(block) or block.startswith(CERT):
        raise KeyError("Public keys cannot sign.")
    return "RS256"
'''


def test_python_same_refusal_on_a_derived_value_is_low():
    r = analyze_texts([("keys.py", PY_BEFORE, PY_AFTER)])
    found = [(f.rule_id, f.unit, f.before.line, f.severity) for f in r.findings if f.unit == "detect_kind"]
    assert found == [("removed-guard", "detect_kind", 7, Severity.LOW)], found


def test_python_a_dropped_test_is_still_reported():
    after = PY_AFTER.replace("if PUBLIC.match(block) or block.startswith(CERT):", "if PUBLIC.match(block):")
    r = analyze_texts([("keys.py", PY_BEFORE, after)])
    assert [f for f in r.findings if f.unit == "detect_kind" and f.before.line == 7 and f.severity >= Severity.MEDIUM], r.findings
