"""cache-credential-bypass-removed: a cache stops skipping requests that carry credentials.

A response to a request with `Authorization` or a session `Cookie` belongs to that user. A
shared or middleware cache therefore passes such requests through (`if (req.headers.has(
'Authorization')) return next()`, `if r.Header.Get("Authorization") != "" { next.ServeHTTP(w,
r); return }`). When that test disappears, the first user's private response is stored under
the URL and served to everyone who asks for it next (hono's cache middleware advisory; the
same mistake in CDN and reverse-proxy configurations).

Read from the unit's text: the unit is about caching (its file path, its name, or a `cache` word
on its own lines, before and after), a condition line of the old unit tests for an Authorization, Cookie
or Proxy-Authorization header, and the new unit has fewer such tests. Skipping is not a denial,
so the guard rules do not see it; moving the test to a helper named like a cache predicate
(`isCacheable(req)`) is a rewrite the check cannot follow and is reported at low confidence.
"""
from __future__ import annotations

import re
from typing import Iterable

from semdiff.align.units import UnitChange
from semdiff.ir import Unit
from semdiff.model import Confidence, Finding, Severity
from semdiff.rules._catalog2_ir import unit_lines
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

RULE_ID = "cache-credential-bypass-removed"
LANGS = ("javascript", "typescript", "go", "java")

_CACHE = re.compile(r"(?i)cach")
# a condition line that tests for a credential header
_COND = re.compile(r"^\s*(?:\}\s*else\s+)?(?:if|else\s+if|case|return|when)\b|\?\s*|&&|\|\|")
_CRED_TEST = re.compile(
    r"""(?i)(?:\.has|\.get|getHeader|Header\.Get|headers?\[?)\s*\(?\s*(['"`])(?:authorization|proxy-authorization|cookie)\1|"""
    r"""headers\.(?:authorization|cookie)\b""")
# a predicate helper that may have taken the test over
_HELPER = re.compile(r"(?i)(?:is|should|can)\w*cach\w*\(|\w*(?:private|personal|credential)\w*\(")

_BEFORE = ("export function cache(store) {\n  return async (c, next) => {\n"
           "    if (c.req.method !== 'GET' || c.req.raw.headers.has('Authorization')) {\n      return next()\n    }\n"
           "    const hit = await store.match(c.req.url)\n    if (hit) return hit\n    await next()\n"
           "    await store.put(c.req.url, c.res.clone())\n  }\n}\n")
_AFTER = _BEFORE.replace(" || c.req.raw.headers.has('Authorization')", "")

RULES = (
    RuleSpec(
        RULE_ID, "Cache stores responses to requests with credentials", Severity.MEDIUM,
        "A caching unit no longer passes requests carrying Authorization / Cookie / Proxy-Authorization "
        "through: one user's private response is stored under the URL and served to the next caller.",
        (Example(_BEFORE, _AFTER, True),
         Example(_BEFORE, _BEFORE.replace("c.req.raw.headers.has('Authorization')",
                                          "c.req.raw.headers.has('authorization') || c.req.raw.headers.has('cookie')"),
                 False, "tests more credential headers")),
        languages=LANGS, intrinsic="session",
    ),
)
SPEC = {r.id: r for r in RULES}
EXAMPLE_PATHS = {RULE_ID: "src/middleware/cache.ts"}


def _cred_tests(unit: Unit) -> list[tuple[int, str]]:
    return [(ln, t) for ln, t in unit_lines(unit) if _CRED_TEST.search(t) and _COND.search(t)]


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    if before is None or after is None or change.language not in LANGS or not change.touched_before:
        return []
    if not (_CACHE.search(change.path + before.qualname + before.text) and _CACHE.search(change.path + after.qualname + after.text)):
        return []
    old, new = _cred_tests(before), _cred_tests(after)
    touched = set(change.touched_before)
    gone = [(ln, t) for ln, t in old if ln in touched]
    count = lambda tests: sum(len(_CRED_TEST.findall(t)) for _ln, t in tests)  # noqa: E731
    if not gone or count(new) >= count(old):
        return []
    helper = any(_HELPER.search(t) for ln, t in unit_lines(after) if ln in set(change.touched_after))
    ln, text = gone[0]
    return [make_finding(
        SPEC[RULE_ID], change, ctx,
        f"the test `{text.strip()}` that kept requests with credentials out of the cache is gone; "
        f"a private response can now be cached and served to other users",
        before_line=ln, evidence_before=text.strip(),
        confidence=Confidence.LOW if helper else Confidence.HIGH,
    )]
