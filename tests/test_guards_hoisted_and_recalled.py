"""removed-guard hard negatives from ordinary history (session 5, H5), each with a weakening twin.

1. A check hoisted to the entry points: removed from a helper, now made by every caller
   (transitively, up to the entry points, before the call). Reported low, naming where.
   Twins: a second entry point that does not check; the check made after the call.
2. The same check function still called, its arguments re-expressed
   (`checkKeyType(alg, key, 'sign')` -> `checkKeyType(entry, key, 'sign')` after
   `const entry = lookup(alg)`), or its result now kept (`const x = validateOption(o)`).
   Twins: a changed literal argument ('sign' -> 'verify'), an unrelated value, a call moved
   under a condition.
"""
from __future__ import annotations

from semdiff.model import Severity
from semdiff.pipeline import analyze_texts

HOIST_BEFORE = """export function decodePart(part) {
  if (typeof part !== 'string') {
    throw new InvalidTokenError('part must be a string')
  }
  return base64url(part)
}

export function readHeader(token) {
  const raw = decodePart(token)
  return JSON.parse(raw)
}

export function verifyCompact(token, key) {
  const header = readHeader(token)
  return verifySignature(header, key)
}
"""
HOIST_AFTER = """export function decodePart(part) {
  return base64url(part)
}

export function readHeader(token) {
  const raw = decodePart(token)
  return JSON.parse(raw)
}

export function verifyCompact(token, key) {
  if (typeof token !== 'string') {
    throw new InvalidTokenError('part must be a string')
  }
  const header = readHeader(token)
  return verifySignature(header, key)
}
"""
UNCHECKED_ENTRY = "\nexport function peekHeader(token) {\n  return readHeader(token)\n}\n"


def _removed(before: str, after: str, path: str = "src/lib/jws.js"):
    r = analyze_texts([(path, before, after)])
    return [f for f in r.findings if f.rule_id == "removed-guard"]


def test_check_hoisted_two_hops_up_is_low_and_names_the_entry_point():
    got = _removed(HOIST_BEFORE, HOIST_AFTER)
    assert [(f.unit, f.before.line, f.severity) for f in got] == [("decodePart", 2, Severity.LOW)]
    assert "now makes the same check before calling it: `verifyCompact`" in got[0].message


def test_twin_an_entry_point_without_the_check_still_fires():
    got = _removed(HOIST_BEFORE, HOIST_AFTER + UNCHECKED_ENTRY)
    assert [(f.unit, f.before.line, f.severity) for f in got] == [("decodePart", 2, Severity.HIGH)]


def test_twin_the_check_made_after_the_call_still_fires():
    late = HOIST_AFTER.replace(
        "  if (typeof token !== 'string') {\n    throw new InvalidTokenError('part must be a string')\n  }\n  const header = readHeader(token)\n",
        "  const header = readHeader(token)\n  if (typeof token !== 'string') {\n    throw new InvalidTokenError('part must be a string')\n  }\n",
    )
    assert late != HOIST_AFTER
    got = _removed(HOIST_BEFORE, late)
    assert [(f.unit, f.severity) for f in got] == [("decodePart", Severity.HIGH)]


def test_twin_a_different_check_at_the_entry_point_still_fires():
    other = HOIST_AFTER.replace("typeof token !== 'string'", "token.length > 8192")
    got = _removed(HOIST_BEFORE, other)
    assert [(f.unit, f.severity) for f in got] == [("decodePart", Severity.HIGH)]


SIGN_BEFORE = """import { checkKeyType } from './check_key_type.js'

export async function createSignature(alg, key, options) {
  if (typeof alg !== 'string' || !alg) {
    throw new JWSInvalid('JWS "alg" (Algorithm) Header Parameter missing or invalid')
  }
  checkKeyType(alg, key, 'sign')
  validateExtractableOption(options.extractable)
  return sign(alg, key)
}
"""
SIGN_AFTER = """import { checkKeyType } from './check_key_type.js'

export async function createSignature(alg, key, options) {
  if (typeof alg !== 'string' || !alg) {
    throw new JWSInvalid('JWS "alg" (Algorithm) Header Parameter missing or invalid')
  }
  const entry = jwsAlgorithm(alg)
  checkKeyType(entry, key, 'sign')
  const extractable = validateExtractableOption(options.extractable)
  return sign(entry, key, extractable)
}
"""


def _sign(after: str):
    return sorted((f.before.line, f.severity, f.evidence.after) for f in _removed(SIGN_BEFORE, after, "src/lib/jws_sign.ts"))


def test_same_check_call_with_rederived_arguments_is_low():
    assert _sign(SIGN_AFTER) == [
        (7, Severity.LOW, "checkKeyType(entry, key, 'sign')"),
        (8, Severity.LOW, "validateExtractableOption(options.extractable)"),
    ]


def test_twin_changed_literal_argument_still_fires():
    got = _sign(SIGN_AFTER.replace("checkKeyType(entry, key, 'sign')", "checkKeyType(entry, key, 'verify')"))
    assert (7, Severity.HIGH, "") in got


def test_twin_unrelated_argument_still_fires():
    got = _sign(SIGN_AFTER.replace("checkKeyType(entry, key, 'sign')", "checkKeyType(entry, defaultKey, 'sign')"))
    assert (7, Severity.HIGH, "") in got


def test_twin_check_call_moved_under_a_condition_still_fires():
    got = _sign(SIGN_AFTER.replace(
        "  checkKeyType(entry, key, 'sign')\n",
        "  if (options.strict) {\n    checkKeyType(entry, key, 'sign')\n  }\n",
    ))
    assert (7, Severity.HIGH, "") in got


def test_twin_kept_result_under_a_condition_still_fires():
    got = _sign(SIGN_AFTER.replace(
        "  const extractable = validateExtractableOption(options.extractable)\n",
        "  let extractable\n  if (options.check) {\n    extractable = validateExtractableOption(options.extractable)\n  }\n",
    ))
    assert (8, Severity.HIGH, "") in got


# 3. A check call moved into a callee that makes it on what it was passed:
# `checkKeyType(entry, key, 'sign')` -> `prepareKey(entry, key, 'sign')` whose body runs
# `checkKeyType(entry, key, usage)`. Twin: the callee checks for another usage.
CALLER_BEFORE = """export async function createSignature(alg, key, data) {
  const entry = jwsAlgorithm(alg)
  checkKeyType(entry, key, 'sign')
  const k = await normalizeKey(key, entry)
  return sign(entry, k, data)
}
"""
CALLER_AFTER = """export async function createSignature(alg, key, data) {
  const entry = jwsAlgorithm(alg)
  const k = await prepareKey(entry, key, 'sign')
  return sign(entry, k, data)
}
"""
PREPARE = """export async function prepareKey(entry, key, usage) {
  checkKeyType(entry, key, usage)
  return normalizeKey(key, entry)
}
"""


def _into_callee(helper: str):
    r = analyze_texts([("src/lib/jws_sign.ts", CALLER_BEFORE, CALLER_AFTER), ("src/lib/normalize_key.ts", None, helper)])
    return [(f.unit, f.before.line, f.severity, f.message) for f in r.findings if f.rule_id == "removed-guard"]


def test_check_moved_into_a_callee_in_the_callers_terms_is_low():
    [(unit, line, sev, msg)] = _into_callee(PREPARE)
    assert (unit, line, sev) == ("createSignature", 3, Severity.LOW)
    assert "now runs in `prepareKey` (src/lib/normalize_key.ts)" in msg


def test_twin_callee_checks_another_usage_still_fires():
    [(unit, line, sev, _msg)] = _into_callee(PREPARE.replace("checkKeyType(entry, key, usage)", "checkKeyType(entry, key, 'verify')"))
    assert (unit, line, sev) == ("createSignature", 3, Severity.HIGH)


def test_check_call_whose_result_the_callee_keeps_is_low():
    kept = PREPARE.replace("  checkKeyType(entry, key, usage)\n  return normalizeKey(key, entry)", "  const tagged = checkKeyType(entry, key, usage)\n  return normalizeKey(tagged, entry)")
    assert kept != PREPARE
    [(unit, line, sev, msg)] = _into_callee(kept)
    assert (unit, line, sev) == ("createSignature", 3, Severity.LOW) and "`prepareKey`" in msg


def test_twin_kept_result_of_another_usage_still_fires():
    kept = PREPARE.replace("  checkKeyType(entry, key, usage)\n  return normalizeKey(key, entry)", "  const tagged = checkKeyType(entry, key, 'verify')\n  return normalizeKey(tagged, entry)")
    [(unit, line, sev, _msg)] = _into_callee(kept)
    assert (unit, line, sev) == ("createSignature", 3, Severity.HIGH)
