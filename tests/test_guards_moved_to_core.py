"""removed-guard when checks move into a shared core the function now calls (H6's false-alarm hunt).

"Validate each token once": entry points lose their checks and call one new core that makes
them. Per unit each deleted check reads as removed (54 high findings on one real refactor).
A check whose exact test now runs in a callee is reported low, naming where it went; a check
that the core does not make, or makes differently, is still a removed check.
"""
from __future__ import annotations

from semdiff.model import Severity
from semdiff.pipeline import analyze_texts

ENTRY_BEFORE = """import { decrypt } from '../lib/crypto.js'

export async function compactDecrypt(jwe, key) {
  if (typeof jwe !== 'string') {
    throw new JWEInvalid('Compact JWE must be a string')
  }
  const parts = jwe.split('.')
  if (parts.length !== 5) {
    throw new JWEInvalid('Invalid Compact JWE')
  }
  return decrypt(parts, key)
}
"""
ENTRY_AFTER = """import { decryptCompactToken } from '../lib/jwe_core.js'

export async function compactDecrypt(jwe, key) {
  return decryptCompactToken(jwe, key)
}
"""
CORE = """import { decrypt } from './crypto.js'

function splitToken(jwe) {
  if (typeof jwe !== 'string') {
    throw new JWEInvalid('Compact JWE must be a string')
  }
  return jwe.split('.')
}

export async function decryptCompactToken(jwe, key) {
  const parts = splitToken(jwe)
  if (parts.length !== 5) {
    throw new JWEInvalid('Invalid Compact JWE')
  }
  return decrypt(parts, key)
}
"""


def removed(core: str):
    r = analyze_texts([("src/jwe/compact/decrypt.js", ENTRY_BEFORE, ENTRY_AFTER), ("src/lib/jwe_core.js", None, core)])
    return sorted((f.before.line, f.severity) for f in r.findings if f.rule_id == "removed-guard" and f.unit == "compactDecrypt")


def test_checks_moved_into_a_new_core_are_low():
    assert removed(CORE) == [(4, Severity.LOW), (8, Severity.LOW)]
    r = analyze_texts([("src/jwe/compact/decrypt.js", ENTRY_BEFORE, ENTRY_AFTER), ("src/lib/jwe_core.js", None, CORE)])
    msgs = [f.message for f in r.findings if f.rule_id == "removed-guard"]
    assert any("now runs in `splitToken` (src/lib/jwe_core.js)" in m for m in msgs)


def test_check_the_core_does_not_make_is_still_removed():
    core = CORE.replace("  if (parts.length !== 5) {\n    throw new JWEInvalid('Invalid Compact JWE')\n  }\n", "")
    got = dict(removed(core))
    assert got[4] == Severity.LOW and got[8] >= Severity.MEDIUM


def test_check_made_differently_in_the_core_is_still_removed():
    core = CORE.replace("parts.length !== 5", "parts.length < 3")
    assert dict(removed(core))[8] >= Severity.MEDIUM
