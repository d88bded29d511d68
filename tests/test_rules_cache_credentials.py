"""cache-credential-bypass-removed: the check's edges (rule id, unit, line)."""
from __future__ import annotations

from semdiff.model import Confidence
from semdiff.rules.cache_credentials import RULE_ID
from rulekit import findings_of


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
