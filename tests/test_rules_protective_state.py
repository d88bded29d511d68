"""protective-state-dropped: flag vocabulary, moves and inversions."""
from __future__ import annotations

import pytest

from semdiff.model import Confidence, Severity
from semdiff.rules.protective_state import RULE_ID, flag_row
from rulekit import family_of, findings_of


def run(before: str, after: str, path: str = "server/http.py"):
    return findings_of(RULE_ID, before, after, path)


def test_rule_table_has_both_kinds_of_example():
    (rule,) = family_of(RULE_ID).rules
    assert rule.id == RULE_ID and rule.languages == ("python",)
    assert any(e.fires for e in rule.examples) and any(not e.fires for e in rule.examples)


@pytest.mark.parametrize("key,protective", [
    ("self.close_connection", "True"), ("self.connection_close", "True"), ("self.will_close", "True"),
    ("self._must_close", "True"), ("self.close_after_response", "True"), ("conn.keep_alive", "False"),
    ("self.keepalive", "False"), ("self.persistent", "False"), ("request.rejected", "True"),
])
def test_protective_flags(key, protective):
    row = flag_row(key)
    assert row is not None and row.protective == protective


@pytest.mark.parametrize("key", ["self.closed", "self.close", "self.chunked", "self.enclosed", "self.closure",
                                 "self.alive", "self.blocking", "self.connection"])
def test_not_protective_flags(key):
    assert flag_row(key) is None


BEFORE = """
class Reader:
    def on_headers(self, headers, version):
        if version == "1.0":
            self.keep_alive = False
        if "TRANSFER_ENCODING" in headers and "CONTENT_LENGTH" in headers:
            del headers["CONTENT_LENGTH"]
            self.keep_alive = False
        return headers
"""


def test_removed_keep_alive_reset_points_at_the_removed_line_with_smuggling_relevance():
    after = BEFORE.replace('            del headers["CONTENT_LENGTH"]\n            self.keep_alive = False\n',
                           '            del headers["CONTENT_LENGTH"]\n')
    (f,) = run(BEFORE, after)
    assert f.unit == "Reader.on_headers" and f.before.line == 7 and f.after is None
    assert f.severity == Severity.MEDIUM and f.confidence == Confidence.MEDIUM
    assert f.relevance.category == "request-smuggling"
    assert "removed" in f.message


def test_inverted_flag_is_reported_with_both_lines():
    after = BEFORE.replace('            del headers["CONTENT_LENGTH"]\n            self.keep_alive = False\n',
                           '            del headers["CONTENT_LENGTH"]\n            self.keep_alive = True\n')
    (f,) = run(BEFORE, after)
    assert f.before.line == 7 and f.after.line == 7 and "inverted" in f.message


def test_assignment_moved_to_a_helper_in_the_same_file_is_silent():
    after = BEFORE.replace('            del headers["CONTENT_LENGTH"]\n            self.keep_alive = False\n',
                           '            del headers["CONTENT_LENGTH"]\n            self._stop_reuse()\n')
    after += "\n    def _stop_reuse(self):\n        self.keep_alive = False\n"
    assert run(BEFORE, after) == []


def test_reordered_and_rewritten_branches_are_silent():
    after = """
class Reader:
    def on_headers(self, headers, version):
        if "TRANSFER_ENCODING" in headers and "CONTENT_LENGTH" in headers:
            del headers["CONTENT_LENGTH"]
            self.keep_alive = False
        if version == "1.0":
            self.keep_alive = False
        return headers
"""
    assert run(BEFORE, after) == []


def test_setting_a_flag_to_its_unprotective_value_removed_is_silent():
    before = "class C:\n    def reuse(self):\n        self.keep_alive = True\n        return self\n"
    after = "class C:\n    def reuse(self):\n        return self\n"
    assert run(before, after) == []


def test_module_level_constant_is_not_state():
    assert run("KEEP_ALIVE = False\n", "KEEP_ALIVE = True\n") == []
