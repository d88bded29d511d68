"""redirect-opened, client side: a call building the request sent to a redirect target
(`build_redirect_request(req, url)`) whose scheme/host test is gone; hard negatives."""
from __future__ import annotations

from rulekit import findings_of

RULE = "redirect-opened"
PATH = "client/follow.py"

BEFORE = '''from urllib.parse import urlsplit


def follow(session, request, location):
    if urlsplit(location).netloc not in session.allowed_hosts:
        return None
    return session.send(build_redirect_request(request, location))
'''


def test_host_check_removed_before_following():
    after = BEFORE.replace("    if urlsplit(location).netloc not in session.allowed_hosts:\n        return None\n", "")
    hits = findings_of(RULE, BEFORE, after, PATH)
    assert [(f.unit, f.before.line) for f in hits] == [("follow", 5)]
    assert "following a redirect" in hits[0].message and "netloc" in hits[0].message


def test_call_not_named_for_a_redirect_request_is_silent():
    before = BEFORE.replace("build_redirect_request", "build_request")
    after = before.replace("    if urlsplit(location).netloc not in session.allowed_hosts:\n        return None\n", "")
    assert findings_of(RULE, before, after, PATH) == []


def test_literal_target_is_silent():
    before = BEFORE.replace("build_redirect_request(request, location)", "build_redirect_request(request, '/home')")
    after = before.replace("    if urlsplit(location).netloc not in session.allowed_hosts:\n        return None\n", "")
    assert findings_of(RULE, before, after, PATH) == []
