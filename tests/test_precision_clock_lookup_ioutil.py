"""Session 16 precision: three causes of false alarms on benign commits, each a hard negative
(the benign shape is silent) next to the real weakening of the same shape (still found).

* an injected clock: `time.Now()` -> `ctx.GetClock().Now()` in an expiry check read as the
  check removed (semdiff.rules._effective.clock_unifier);
* a truthy `d.get(k)` tested again as `k in d`: `if d.get("url") and not ok(d.get("url"))`
  rewritten as `if "url" in d:` + `url = d.get("url")` read as wider (semdiff.logic._LOOKUP);
* io/ioutil's functions replaced by their io / os successors, as golint and `go fix` ask,
  read as behaviour changes under a "style" claim (semdiff.purpose.goequiv._ALIASES).

All code here is written for these tests.
"""
from __future__ import annotations

from rulekit import findings_of

from semdiff import logic
from semdiff.ir import Atom, Not, conj
from semdiff.purpose import goequiv

GUARD_RULES = ("removed-guard", "widened-condition", "altered-comparison", "short-circuit")


def _guard_findings(before: str, after: str, path: str) -> list:
    return [f for rule in GUARD_RULES for f in findings_of(rule, before, after, path)]


# ---------------------------------------------------------------- an injected clock

CACHE_GO = '''package auth

import (
	"crypto/hmac"
	"time"
)

func (c *CredentialCache) valid(username string, sum []byte) (valid, ok bool) {
	var entry CachedCredential
	if entry, ok = c.values[username]; ok {
		if entry.expires.Before(time.Now()) {
			delete(c.values, username)
			return false, false
		}
	}
	return hmac.Equal(sum, entry.value), true
}
'''

CLOCKED_GO = CACHE_GO.replace("valid(username string, sum []byte)", "valid(ctx Context, username string, sum []byte)")


def test_expiry_check_reading_an_injected_clock_is_the_same_check():
    after = CLOCKED_GO.replace("time.Now()", "ctx.GetClock().Now()")
    assert _guard_findings(CACHE_GO, after, "internal/auth/cached.go") == []


def test_expiry_check_that_moves_the_time_back_is_still_found():
    # the same swap, but the instant compared is now an hour earlier: expired entries stay valid
    after = CLOCKED_GO.replace("time.Now()", "ctx.GetClock().Now().Add(-time.Hour)")
    hits = _guard_findings(CACHE_GO, after, "internal/auth/cached.go")
    assert [(f.rule_id, f.unit, f.before.line) for f in hits] == [("removed-guard", "CredentialCache.valid", 11)]


SESSION_PY = '''
from datetime import datetime


class SessionStore:
    def load(self, sid):
        session = self.sessions[sid]
        if session.expires_at < datetime.now():
            raise SessionExpired(sid)
        return session
'''


def test_python_expiry_check_reading_the_stores_clock_is_the_same_check():
    after = SESSION_PY.replace("datetime.now()", "self.clock.now()")
    assert _guard_findings(SESSION_PY, after, "app/sessions.py") == []


def test_python_expiry_check_switched_to_utc_is_still_found():
    # `utcnow()` is another instant for a naive local expiry: not a clock swap
    after = SESSION_PY.replace("datetime.now()", "datetime.utcnow()")
    hits = _guard_findings(SESSION_PY, after, "app/sessions.py")
    assert [(f.rule_id, f.unit, f.before.line) for f in hits] == [("removed-guard", "SessionStore.load", 7)]


# ---------------------------------------------------------------- a lookup tested as membership

WATCH_PY = '''
class Watch(Resource):
    @auth.check_token
    def put(self, uuid):
        if request.json.get('url') and not is_safe_valid_url(request.json.get('url')):
            return "Invalid URL", 400
        self.store.update(uuid, request.json)
'''

WATCH_MEMBERSHIP_PY = '''
class Watch(Resource):
    @auth.check_token
    def put(self, uuid):
        if 'url' in request.json:
            new_url = request.json.get('url')
            if new_url is None:
                return "URL cannot be null", 400
            if not is_safe_valid_url(new_url):
                return "Invalid URL", 400
        self.store.update(uuid, request.json)
'''


def test_url_check_restated_under_a_membership_test_is_silent():
    assert _guard_findings(WATCH_PY, WATCH_MEMBERSHIP_PY, "app/api/watch.py") == []


def test_url_check_under_a_membership_test_of_another_container_is_still_found():
    # the url comes from the body, but the check now only runs when the query string has one
    after = WATCH_MEMBERSHIP_PY.replace("if 'url' in request.json:", "if 'url' in request.args:")
    hits = _guard_findings(WATCH_PY, after, "app/api/watch.py")
    assert [(f.rule_id, f.unit, f.before.line) for f in hits] == [("widened-condition", "Watch.put", 4)]


def _call(key: str) -> Atom:
    return Atom(key=key, text=key, kind="call", callee=key.split("(")[0])


def _member(key: str, container: str) -> Atom:
    return Atom(key=f"{key} in {container}", text=f"{key} in {container}", kind="cmp", op="in", left=key, right=container)


def test_truthy_lookup_means_the_key_is_there():
    get, member = _call('d.get("url")'), _member('"url"', "d")
    atoms = {get.key: get, member.key: member}
    assert not logic.consistent({get.key: True, member.key: False}, atoms)
    assert logic.consistent({get.key: False, member.key: True}, atoms)  # present, but empty or None
    assert logic.implies(get, member) is True
    assert logic.implies(member, get) is False


def test_lookup_with_a_default_or_of_another_key_says_nothing_about_membership():
    for get, member in (
        (_call('d.get("url", "x")'), _member('"url"', "d")),  # the default is truthy without the key
        (_call('d.get("url")'), _member('"uri"', "d")),
        (_call('d.get("url")'), _member('"url"', "e")),
    ):
        assert logic.consistent({get.key: True, member.key: False}, {get.key: get, member.key: member})


def test_truthy_map_lookup_means_has():
    get, has = _call('m.get(k)'), _call('m.has(k)')
    assert logic.implies(get, has) is True
    assert logic.implies(conj(get), Not(has)) is False


# ---------------------------------------------------------------- io/ioutil's successors

READ_GO = '''func readToken(resp *http.Response) (string, error) {
	defer resp.Body.Close()
	body, err := ioutil.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	return string(body), ioutil.WriteFile("token.cache", body, 0600)
}
'''


def test_ioutil_functions_and_their_successors_are_the_same_behaviour():
    after = READ_GO.replace("ioutil.ReadAll", "io.ReadAll").replace("ioutil.WriteFile", "os.WriteFile")
    proof = goequiv.same_behaviour(READ_GO, after)
    assert proof is not None and "ioutil.ReadAll is io.ReadAll" in proof and "ioutil.WriteFile is os.WriteFile" in proof


def test_ioutil_successor_with_another_argument_is_not_the_same_behaviour():
    # the same modernisation, but the cache file is now world-readable
    after = READ_GO.replace("ioutil.ReadAll", "io.ReadAll").replace("ioutil.WriteFile", "os.WriteFile").replace("0600", "0644")
    assert goequiv.same_behaviour(READ_GO, after) is None


def test_ioutil_read_dir_is_not_os_read_dir():
    # os.ReadDir returns []DirEntry sorted by name, not ioutil.ReadDir's []FileInfo
    before = "func list(d string) {\n\tentries, _ := ioutil.ReadDir(d)\n\tuse(entries)\n}\n"
    assert goequiv.same_behaviour(before, before.replace("ioutil.ReadDir", "os.ReadDir")) is None


JS_NEXT = '''
function redirectTarget(q) {
  if (q.get("next") && !isSafeUrl(q.get("next"))) {
    throw new Error("unsafe redirect");
  }
  return q.get("next");
}
'''


def test_js_property_test_on_a_map_is_not_a_key_test():
    # JavaScript's `"next" in q` asks for a property, which URLSearchParams never has: the check
    # under it no longer runs, and that is still found
    after = JS_NEXT.replace('if (q.get("next") && !isSafeUrl(q.get("next"))) {', 'if ("next" in q && !isSafeUrl(q.get("next"))) {')
    hits = _guard_findings(JS_NEXT, after, "src/redirect.js")
    assert [(f.rule_id, f.unit, f.before.line) for f in hits] == [("widened-condition", "redirectTarget", 2)]
    has = JS_NEXT.replace('if (q.get("next") && !isSafeUrl(q.get("next"))) {', 'if (q.has("next") && !isSafeUrl(q.get("next"))) {')
    assert _guard_findings(JS_NEXT, has, "src/redirect.js") == []
