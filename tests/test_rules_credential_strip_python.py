"""credential-header-forwarded (Python strip steps): a `del ...headers["Authorization"]` or a
`...headers.pop("Proxy-Authorization", None)` that no longer runs (its function gone, the
step dropped), that drops fewer names, or whose trigger no longer tests one of its cases;
hard negatives: the step moved to a helper, the trigger widened or rewritten to cover the case."""
from __future__ import annotations

from rulekit import findings_of

RULE = "credential-header-forwarded"
PATH = "client/proxying.py"

BEFORE = '''
class ProxyStep:
    def process(self, request, proxy_url, creds):
        self._apply(request, proxy_url, creds)

    def _apply(self, request, proxy_url, creds):
        if creds:
            request.headers["Proxy-Authorization"] = creds
        elif "Proxy-Authorization" in request.headers:
            del request.headers["Proxy-Authorization"]
'''

GONE = '''
class ProxyStep:
    def process(self, request, proxy_url, creds):
        if creds:
            request.headers["Proxy-Authorization"] = creds
'''


def test_function_that_stripped_is_gone():
    hits = findings_of(RULE, BEFORE, GONE, PATH)
    assert [(f.unit, f.before.line) for f in hits] == [("ProxyStep._apply", 9)]
    assert "Proxy-Authorization" in hits[0].message


def test_function_gone_but_strip_kept_elsewhere_is_silent():
    after = GONE + '''        elif "Proxy-Authorization" in request.headers:
            del request.headers["Proxy-Authorization"]
'''
    assert findings_of(RULE, BEFORE, after, PATH) == []


LOOP = '''
def relay(request, location, build, same_host):
    new = build(location, headers=dict(request.headers))
    if not same_host:
        for name in ("Authorization", "Cookie"):
            new.headers.pop(name, None)
    return new
'''


def test_loop_loses_a_name():
    after = LOOP.replace('("Authorization", "Cookie")', '("Cookie",)')
    hits = findings_of(RULE, LOOP, after, PATH)
    assert [(f.unit, f.before.line) for f in hits] == [("relay", 5)]
    assert "authorization no longer stripped" in hits[0].message


def test_loop_gains_a_name_is_silent():
    after = LOOP.replace('("Authorization", "Cookie")', '("Authorization", "Cookie", "Proxy-Authorization")')
    assert findings_of(RULE, LOOP, after, PATH) == []


TRIGGER = '''
def redirected(old, new):
    if old.scheme != new.scheme or old.host != new.host:
        del new.headers["Authorization"]
    return new
'''


def test_trigger_widened_is_silent():
    after = TRIGGER.replace("old.host != new.host", "old.host != new.host or old.port != new.port")
    assert findings_of(RULE, TRIGGER, after, PATH) == []


def test_trigger_reworded_keeping_both_cases_is_silent():
    after = TRIGGER.replace("old.scheme != new.scheme or old.host != new.host",
                            "(old.scheme, old.host) != (new.scheme, new.host)")
    assert findings_of(RULE, TRIGGER, after, PATH) == []


def test_trigger_drops_the_scheme_case():
    after = TRIGGER.replace("old.scheme != new.scheme or old.host != new.host", "old.host != new.host")
    hits = findings_of(RULE, TRIGGER, after, PATH)
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("redirected", 2, 2)]
