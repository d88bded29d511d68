"""A call's callee counts for relevance only through its name (H6's false-alarm hunt).

An inline function called on the spot, `(() => {...})()` or `((state) => {...})({})`, has
its whole body as callee text; the words in that body (`state`, `token`, `key` locals) are
not the name of anything called, and reading them made feature-detection code in JS modules
look like token or crypto handling (medium removed-guard on ordinary refactors).
"""
from __future__ import annotations

from semdiff.lang.registry import backend_for
from semdiff.model import Severity
from semdiff.pipeline import analyze_texts
from semdiff.relevance.names import callee_name, name_relevance

ENV = """const env = ((state) => {
  state.kind = typeof window === 'undefined' ? 'node' : 'browser';
  return state;
})({});
const hasStreams = typeof ReadableStream === 'function';
"""
BEFORE = ENV + """
const supportsStreamBody = hasStreams && (() => {
  try {
    return isStream(new Response('').body);
  } catch (e) {
    return false;
  }
})();

export default supportsStreamBody;
"""
AFTER = ENV + """
const probe = (fn) => {
  try {
    return !!fn();
  } catch (e) {
    return false;
  }
};

const supportsStreamBody = hasStreams && probe(() => isStream(new Response('').body));

export default supportsStreamBody;
"""


def _module(text: str, path: str = "lib/features.js"):
    pf = backend_for(path).parse(path, text)
    return next(u for u in pf.units if u.qualname == "<module>")


def test_inline_function_body_is_not_a_callee_name():
    assert callee_name("(state)=>{state.kind=1;returnstate;}") == ""
    assert callee_name("function(token){returntoken;}") == ""
    rel = name_relevance(_module(AFTER))
    assert (rel.category, rel.score) == ("none", 0.1)


def test_feature_detection_refactor_is_below_medium():
    r = analyze_texts([("lib/features.js", BEFORE, AFTER)])
    assert r.findings, "the refactor still reaches the guards rule"
    assert all(f.severity < Severity.MEDIUM for f in r.findings), [(f.rule_id, f.severity, f.relevance) for f in r.findings]


def test_named_callees_still_count():
    assert callee_name("verifyToken") == "verifyToken"
    assert callee_name("newSession(req,{a:1}).checkCsrf") == "checkCsrf"
    assert callee_name("validate<User>") == "validate"
    text = "const ok = verifyToken(req.headers.authorization);\nif (!ok) { throw new Error('no'); }\n"
    rel = name_relevance(_module(text))
    assert (rel.category, rel.score, rel.why_path) == ("token", 0.6, ("<module>", "verifyToken"))


def test_removed_check_of_a_named_security_call_is_still_medium():
    before = "function handle(req) {\n  if (!verifyToken(req.token)) {\n    throw new Error('denied');\n  }\n  return run(req);\n}\n"
    after = "function handle(req) {\n  return run(req);\n}\n"
    r = analyze_texts([("lib/handler.js", before, after)])
    [f] = [f for f in r.findings if f.rule_id == "removed-guard"]
    assert (f.unit, f.before.line) == ("handle", 2) and f.severity >= Severity.MEDIUM
