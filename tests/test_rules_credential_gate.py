"""credential-attach-widened: the condition around an unchanged credential-header statement."""
from __future__ import annotations

import pytest

from rulekit import family_of, findings_of

RULE = "credential-attach-widened"
TEMPLATE = """
def attach(req, token, host, home, opt_in):
    {cond}
        req.headers["Authorization"] = "Bearer " + token
    return req
"""


def test_table_has_both_kinds():
    rules = family_of(RULE).rules
    assert [r.id for r in rules] == [RULE]
    assert any(e.fires for e in rules[0].examples) and any(not e.fires for e in rules[0].examples)


@pytest.mark.parametrize("before,after,fires", [
    ("if host == home and token:", "if token:", True),
    ("if host == home and token:", "if (host == home or opt_in) and token:", True),
    ("if host == home:", "if home == host:", False),
    ("if host == home:", "if not (host != home):", False),
    ("if token and host == home:", "if host == home and token:", False),
    ("if token:", "if token and host == home:", False),
])
def test_condition_comparison(before, after, fires):
    found = findings_of(RULE, TEMPLATE.format(cond=before), TEMPLATE.format(cond=after), "client/auth.py")
    assert [(f.unit, f.after.line) for f in found] == ([("attach", 3)] if fires else [])


def test_condition_removed_with_its_test_is_reported():
    before = TEMPLATE.format(cond="if host == home:")
    after = before.replace("    if host == home:\n        req", "    req")
    found = findings_of(RULE, before, after, "client/auth.py")
    assert [(f.unit, f.before.line, f.after.line) for f in found] == [("attach", 3, 2)]


def test_non_credential_header_is_silent():
    before = TEMPLATE.format(cond="if host == home and token:").replace('"Authorization"', '"Accept-Language"')
    after = TEMPLATE.format(cond="if token:").replace('"Authorization"', '"Accept-Language"')
    assert findings_of(RULE, before, after, "client/auth.py") == []
