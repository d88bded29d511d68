"""escaping-removed (Python): `x.translate(T)` with a table named for control/unsafe characters
or escaping escapes x (the receiver, not the table), and `x = <escape>(x)` deleted outright is
reported at x's next use even when no added line mentions x (werkzeug's request-log escaping)."""
from __future__ import annotations

from semdiff.ir import Argument, Call, Span
from semdiff.rules.escaping_removed import RULE_ID, _py_escaped
from tests.rulekit import findings_of


def _call(callee: str, *args: str) -> Call:
    return Call(callee, tuple(Argument(None, a, a) for a in args), Span(1, 1), f"{callee}({', '.join(args)})")


def test_translate_with_a_control_table_escapes_its_receiver():
    assert _py_escaped(_call("msg.translate", "self._control_char_table")) == "msg"
    assert _py_escaped(_call("line.translate", "_CTRL_ESCAPES")) == "line"
    assert _py_escaped(_call("text.translate", "UNSAFE_MAP")) == "text"
    assert _py_escaped(_call("html.escape", "name")) == "name"  # escapers keep their first argument


def test_translate_with_another_table_escapes_nothing():
    assert _py_escaped(_call("name.translate", "self._case_table")) is None
    assert _py_escaped(_call("s.translate", "str.maketrans('ab', 'cd')")) is None
    assert _py_escaped(_call("gettext.translate", "domain", "localedir")) is None  # not the one-table form


BEFORE = """
import logging

CONTROL_TABLE = {i: None for i in range(0x20)}
log = logging.getLogger(__name__)


def log_request(path, agent):
    msg = f"{path} {agent}"
    msg = msg.translate(CONTROL_TABLE)
    log.info(msg)
"""


def test_translate_deleted_fires_at_the_next_use():
    hits = findings_of(RULE_ID, BEFORE, BEFORE.replace("    msg = msg.translate(CONTROL_TABLE)\n", ""), "app/serving.py")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("log_request", 9, 9)]
    assert "msg.translate(CONTROL_TABLE)" in hits[0].message


def test_translate_with_a_case_table_deleted_is_silent():
    before = BEFORE.replace("CONTROL_TABLE", "LOWER_TABLE")
    assert findings_of(RULE_ID, before, before.replace("    msg = msg.translate(LOWER_TABLE)\n", ""), "app/serving.py") == []


def test_translate_replaced_by_a_named_escaper_is_silent():
    after = BEFORE.replace("msg = msg.translate(CONTROL_TABLE)", "msg = escape_control_chars(msg)")
    assert findings_of(RULE_ID, BEFORE, after, "app/serving.py") == []


def test_deleted_escape_whose_value_is_no_longer_used_is_silent():
    after = BEFORE.replace("    msg = msg.translate(CONTROL_TABLE)\n    log.info(msg)\n", "    log.info(path)\n")
    assert findings_of(RULE_ID, BEFORE, after, "app/serving.py") == []


def test_deleted_named_escaper_fires_at_the_next_untouched_use():
    before = BEFORE.replace("msg = msg.translate(CONTROL_TABLE)", "msg = strip_control_chars(msg)")
    hits = findings_of(RULE_ID, before, before.replace("    msg = strip_control_chars(msg)\n", ""), "app/serving.py")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("log_request", 9, 9)]
