"""cache-credential-bypass-removed: table examples and the check's edges (rule id, unit, line)."""
from __future__ import annotations

import pytest

from semdiff.model import Confidence
from semdiff.rules.cache_credentials import EXAMPLE_PATHS, RULE_ID, RULES
from rulekit import family_of, findings_of


def test_family_table_has_both_kinds_of_example():
    assert [r.id for r in family_of(RULE_ID).rules] == [r.id for r in RULES]
    for r in RULES:
        assert any(e.fires for e in r.examples) and any(not e.fires for e in r.examples), r.id


@pytest.mark.parametrize("rule_id,example", [
    pytest.param(r.id, ex, id=f"{r.id}-{i}-{'fires' if ex.fires else 'silent'}")
    for r in RULES for i, ex in enumerate(r.examples)
])
def test_table_example(rule_id, example):
    hits = findings_of(rule_id, example.before, example.after, EXAMPLE_PATHS[rule_id])
    assert bool(hits) == example.fires, [f.message for f in hits]


JAVA = """
class ResponseCacheFilter {
    void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain) throws Exception {
        if (req.getHeader("Authorization") != null || req.getHeader("Cookie") != null) {
            chain.doFilter(req, resp);
            return;
        }
        serveFromCache(req, resp, chain);
    }
}
"""


def test_java_cookie_test_dropped():
    after = JAVA.replace(' || req.getHeader("Cookie") != null', "")
    hits = findings_of(RULE_ID, JAVA, after, "src/main/java/ResponseCacheFilter.java")
    assert [(f.unit, f.before.line, f.confidence) for f in hits] == [("ResponseCacheFilter.doFilter", 3, Confidence.HIGH)]


def test_java_test_moved_to_cache_predicate_is_low_confidence():
    after = JAVA.replace('req.getHeader("Authorization") != null || req.getHeader("Cookie") != null', "!isCacheable(req)")
    hits = findings_of(RULE_ID, JAVA, after, "src/main/java/ResponseCacheFilter.java")
    assert [(f.unit, f.confidence) for f in hits] == [("ResponseCacheFilter.doFilter", Confidence.LOW)]


def test_credential_test_removed_outside_caching_code_is_silent():
    before = "function forward(req, next) {\n  if (req.headers.authorization) {\n    return next()\n  }\n  return deny()\n}\n"
    after = "function forward(req, next) {\n  return deny()\n}\n"
    assert findings_of(RULE_ID, before, after, "lib/forward.js") == []
