"""limit-disabled: table examples, the bound reader, and the quiet cases (0, a variable,
a name that is no size limit, Python left to limit-relaxed)."""
from __future__ import annotations

import pytest

from rulekit import findings_of
from semdiff.rules.limit_disabled import RULE_ID, bound_of


@pytest.mark.parametrize("text,value", [
    ("2097152", 2097152.0), ("2 * 1024 * 1024", 2097152.0), ("0x4000L", 16384.0), ("1 << 20", 1048576.0),
    ("-1", -1.0), ("-1L", -1.0), ("Long.MAX_VALUE", float("inf")), ("Infinity", float("inf")),
    ("limit * 2", None), ("Integer.getInteger(\"x\", 10)", None),
])
def test_bound_of(text, value):
    assert bound_of(text) == value


JS = "const MAX_BODY_LENGTH = 1024 * 1024;\n\nfunction body(req) {\n  return read(req, MAX_BODY_LENGTH);\n}\n"


def test_js_limit_made_infinite():
    hits = findings_of(RULE_ID, JS, JS.replace("1024 * 1024", "Infinity"), "src/body.js")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("<module>", 1, 1)]
    assert hits[0].severity.name == "MEDIUM"


def test_js_limit_set_to_zero_stays_silent():
    assert findings_of(RULE_ID, JS, JS.replace("1024 * 1024", "0"), "src/body.js") == []


def test_js_limit_read_from_a_variable_stays_silent():
    assert findings_of(RULE_ID, JS, JS.replace("1024 * 1024", "config.maxBody"), "src/body.js") == []


def test_js_unlimited_limit_made_finite_stays_silent():
    before = JS.replace("1024 * 1024", "-1")
    assert findings_of(RULE_ID, before, JS, "src/body.js") == []


def test_java_negative_count_that_is_not_a_size_stays_silent():
    before = "class Pool {\n    static final int MAX_IDLE_CONNECTIONS = 8;\n}\n"
    assert findings_of(RULE_ID, before, before.replace("= 8", "= -1"), "src/Pool.java") == []


def test_python_limit_is_left_to_limit_relaxed():
    before = "MAX_UPLOAD_SIZE = 1024 * 1024\n"
    assert findings_of(RULE_ID, before, "MAX_UPLOAD_SIZE = -1\n", "app/settings.py") == []
