"""credential-header-forwarded: a header-removal helper named for it (`stripHeaders(re, h)`)
whose regex of credential headers matches fewer names, and a stripping trigger that stops
testing one of its cases (the scheme disjunct) while the rest is rewritten; hard negatives."""
from __future__ import annotations

from rulekit import findings_of

RULE = "credential-header-forwarded"
PATH = "lib/follow.js"

REGEX = """
function follow(opts, next, here) {
  if (next.host !== here.host) {
    removeMatchingHeaders(/^(?:(?:proxy-)?authorization|cookie)$/i, opts.headers);
  }
  return next;
}
"""


def test_regex_loses_proxy_authorization():
    after = REGEX.replace("(?:(?:proxy-)?authorization|cookie)", "(?:authorization|cookie)")
    hits = findings_of(RULE, REGEX, after, PATH)
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("follow", 3, 3)]
    assert "proxy-authorization no longer stripped" in hits[0].message


def test_regex_loses_cookie():
    after = REGEX.replace("(?:(?:proxy-)?authorization|cookie)", "authorization")
    hits = findings_of(RULE, REGEX, after, PATH)
    assert [(f.unit, f.before.line) for f in hits] == [("follow", 3)]
    assert "cookie" in hits[0].message and "proxy-authorization" in hits[0].message


def test_regex_rewritten_to_match_the_same_headers_is_silent():
    after = REGEX.replace("(?:(?:proxy-)?authorization|cookie)", "(?:authorization|proxy-authorization|cookie)")
    assert findings_of(RULE, REGEX, after, PATH) == []


def test_regex_widened_is_silent():
    after = REGEX.replace("(?:(?:proxy-)?authorization|cookie)", "(?:(?:proxy-)?authorization|cookie|x-api-key)")
    assert findings_of(RULE, REGEX, after, PATH) == []


def test_non_credential_header_regex_narrowed_is_silent():
    before = REGEX.replace("(?:(?:proxy-)?authorization|cookie)", "(?:content-type|content-length)")
    after = REGEX.replace("(?:(?:proxy-)?authorization|cookie)", "content-type")
    assert findings_of(RULE, before, after, PATH) == []


def test_look_alike_helper_not_about_headers_is_silent():
    # removes matching *entries* of a map, not headers: not a stripping step
    before = REGEX.replace("removeMatchingHeaders", "removeMatchingEntries")
    after = before.replace("(?:(?:proxy-)?authorization|cookie)", "authorization")
    assert findings_of(RULE, before, after, PATH) == []


SCHEME = """
function follow(opts, next, here) {
  if (next.protocol !== here.protocol ||
      !sameOrSubdomain(next.host, here.host)) {
    removeMatchingHeaders(/^(?:authorization|cookie)$/i, opts.headers);
  }
  return next;
}
"""


def test_scheme_disjunct_dropped_while_host_test_rewritten():
    after = SCHEME.replace("""next.protocol !== here.protocol ||
      !sameOrSubdomain(next.host, here.host)""", "!(next.host === here.host || isSubdomain(next.host, here.host))")
    hits = findings_of(RULE, SCHEME, after, PATH)
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("follow", 2, 2)]
    assert "fewer cases" in hits[0].message


def test_scheme_test_kept_in_rewritten_condition_is_silent():
    after = SCHEME.replace("""next.protocol !== here.protocol ||
      !sameOrSubdomain(next.host, here.host)""",
                           "!(next.protocol === here.protocol && (next.host === here.host || isSubdomain(next.host, here.host)))")
    assert findings_of(RULE, SCHEME, after, PATH) == []


def test_rewritten_into_an_origin_test_is_silent():
    after = SCHEME.replace("""next.protocol !== here.protocol ||
      !sameOrSubdomain(next.host, here.host)""", "!isSameOrigin(next, here)")
    assert findings_of(RULE, SCHEME, after, PATH) == []


def test_disjunct_added_is_silent():
    after = SCHEME.replace("!sameOrSubdomain(next.host, here.host)", "!sameOrSubdomain(next.host, here.host) || next.port !== here.port")
    assert findings_of(RULE, SCHEME, after, PATH) == []
