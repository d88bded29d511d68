"""JS/TS/Go callee words need context to make a unit security-relevant (session 5, H5).

A JavaScript module that calls `Math.random()` (the non-cryptographic generator),
`key.slice(...)` (a value's method) or `utils.findKey(...)` (a generic helper) was crypto
relevant at 0.4, so any module-level check it dropped was a medium removed-guard (axios
feature detection and its regenerated bundles). In these languages a callee counts through
the name called, built-ins are neutral, and weak words (key, random, hash, state) count only
beside a cryptographic word or on a security library (`crypto.getRandomValues`,
`subtle.importKey`, `generateKeyPair`). Python keeps its reading (receivers there are modules).
"""
from __future__ import annotations

import pytest

from semdiff.lang.registry import backend_for
from semdiff.model import Severity
from semdiff.pipeline import analyze_texts
from semdiff.relevance.names import _callee_hit, name_relevance

MODULE = """import utils from './utils.js';

const seed = {CALL};
const header = utils.findKey(defaults, 'content-type');
const prefix = name.slice(0, 2);

if (typeof TextEncoder !== 'function') {
  throw new Error('TextEncoder is required');
}

export default { seed, header, prefix };
"""


def _pair(call: str):
    before = MODULE.replace("{CALL}", call)
    after = before.replace("if (typeof TextEncoder !== 'function') {\n  throw new Error('TextEncoder is required');\n}\n\n", "")
    r = analyze_texts([("lib/helpers/formData.js", before, after)])
    return [(f.unit, f.before.line, f.severity, f.relevance.category) for f in r.findings if f.rule_id == "removed-guard"]


def test_incidental_callees_do_not_make_a_module_relevant():
    assert _pair("Math.random()") == [("<module>", 7, Severity.LOW, "none")]
    assert _pair("key.slice(0, 8)") == [("<module>", 7, Severity.LOW, "none")]


def test_twin_a_cryptographic_call_still_makes_it_relevant():
    got = _pair("crypto.getRandomValues(new Uint8Array(8))")
    assert got == [("<module>", 7, Severity.MEDIUM, "crypto")]
    got = _pair("subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt'])")
    assert got == [("<module>", 7, Severity.MEDIUM, "crypto")]


@pytest.mark.parametrize("callee,hit", [
    ("Math.random", None), ("key.slice", None), ("utils.findKey", None), ("typ.Key", None),
    ("location.hash", None), ("this.setState", None), ("token.split", None),
    ("crypto.getRandomValues", ("crypto", "random")), ("subtle.importKey", ("crypto", "key")),
    ("generateKeyPair", ("crypto", "key")), ("createHash", ("crypto", "hash")), ("hmac.New", ("signature", "hmac")),
    ("jwt.verify", ("tls", "verify")), ("isAllowed", ("authz", "allowed")),
])
def test_callee_words_in_receiver_languages(callee, hit):
    assert _callee_hit(callee, True) == hit


def test_python_callees_keep_their_reading():
    assert _callee_hit("random.random", False) == ("crypto", "random")
    pf = backend_for("app/ids.py").parse("app/ids.py", "def make_id():\n    return key.hex()\n")
    unit = next(u for u in pf.units if u.qualname == "make_id")
    assert name_relevance(unit).category == "crypto"


def test_jose_key_words_are_token_words():
    from semdiff.relevance.names import categorise

    assert categorise("isUsableJWK") == ("token", "jwk")
    assert categorise("fetch_jwks") == ("token", "jwks")
    assert categorise("isUsable") is None
