"""credential-header-forwarded, Python strip-lists: a named set of credential headers to
remove on redirect that loses a header (the set itself stays)."""
from __future__ import annotations

from rulekit import findings_of

RULE = "credential-header-forwarded"
BEFORE = '''
class Retry:
    DEFAULT_REMOVE_HEADERS_ON_REDIRECT = frozenset(
        ["Cookie", "Authorization", "Proxy-Authorization"]
    )
'''
AFTER = '''
class Retry:
    DEFAULT_REMOVE_HEADERS_ON_REDIRECT = frozenset(["Cookie", "Authorization"])
'''


def test_strip_list_lost_a_header():
    found = findings_of(RULE, BEFORE, AFTER, "net/retry.py")
    assert [(f.unit, f.before.line, f.after.line) for f in found] == [("Retry", 2, 2)]
    assert "proxy-authorization" in found[0].message


def test_strip_list_grown_is_silent():
    assert findings_of(RULE, AFTER, BEFORE, "net/retry.py") == []


def test_list_named_for_forwarding_is_silent():
    rename = lambda s: s.replace("DEFAULT_REMOVE_HEADERS_ON_REDIRECT", "HEADERS_TO_FORWARD")
    assert findings_of(RULE, rename(BEFORE), rename(AFTER), "net/retry.py") == []


def test_list_literal_strip_list_lost_a_header():
    before = 'def strip(h):\n    redact = ["authorization", "cookie", "x-api-key"]\n    return {k: v for k, v in h.items() if k not in redact}\n'
    found = findings_of(RULE, before, before.replace(', "x-api-key"', ""), "net/proxy.py")
    assert [(f.unit, f.after.line) for f in found] == [("strip", 2)]


def test_set_of_two_reduced_to_one_is_reported_once():
    before = 'REMOVE_ON_REDIRECT = frozenset(["Cookie", "Authorization"])\n'
    found = findings_of(RULE, before, 'REMOVE_ON_REDIRECT = frozenset(["Authorization"])\n', "net/retry.py")
    assert len(found) == 1 and found[0].unit == "<module>"
