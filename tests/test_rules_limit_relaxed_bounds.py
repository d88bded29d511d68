"""limit-relaxed, bounds the guard rules cannot see: slice caps and size checks that exit
with a plain return."""
from __future__ import annotations

import pytest

from semdiff.model import Confidence, Severity
from semdiff.rules.limit_relaxed import is_cap_name
from rulekit import findings_of

RULE = "limit-relaxed"


def run(before: str, after: str, path: str = "web/request.py"):
    return findings_of(RULE, before, after, path)


@pytest.mark.parametrize("name,expected", [
    ("MAX_PARAMS", True), ("self.MAX_PARAMS", True), ("max_items", True), ("self.field_limit", True),
    ("limit", True), ("maxlen", True),
    ("length", False), ("size", False), ("n", False), ("self.count", False), ("SESSION_MAX_AGE", False),
    ("max_retries", False),
])
def test_cap_names(name, expected):
    assert is_cap_name(name) is expected


QUERY = """
class Request:
    MAX_PARAMS = 100

    def query(self, qs):
        pairs = parse_qsl(qs, keep_blank_values=True)
        out = {}
        for key, value in pairs[:self.MAX_PARAMS]:
            out[key] = value
        return out
"""


def test_slice_cap_removed_from_a_request_method():
    (f,) = run(QUERY, QUERY.replace("pairs[:self.MAX_PARAMS]", "pairs"))
    assert f.unit == "Request.query" and f.before.line == 7
    assert "[:self.MAX_PARAMS]" in f.message
    assert f.severity == Severity.MEDIUM and f.confidence == Confidence.MEDIUM
    assert f.relevance.category == "dos"


def test_slice_cap_replaced_by_islice_with_the_same_cap_is_silent():
    after = QUERY.replace("pairs[:self.MAX_PARAMS]", "itertools.islice(pairs, self.MAX_PARAMS)")
    assert run(QUERY, after) == []


def test_slice_cap_moved_into_a_helper_is_silent():
    after = QUERY.replace("pairs[:self.MAX_PARAMS]", "self._capped(pairs)")
    after += "\n    def _capped(self, items):\n        return items[:self.MAX_PARAMS]\n"
    assert run(QUERY, after) == []


def test_slice_to_a_requested_length_is_not_a_cap():
    before = "def take(buf, length):\n    return buf[:length]\n"
    after = "def take(buf, length):\n    return bytes(buf)\n"
    assert run(before, after) == []


def test_slice_cap_outside_input_handling_is_reported_lower():
    before = "MAX_ROWS = 50\n\ndef render_rows(rows):\n    return [str(r) for r in rows[:MAX_ROWS]]\n"
    after = "MAX_ROWS = 50\n\ndef render_rows(rows):\n    return [str(r) for r in rows]\n"
    (f,) = run(before, after)
    assert f.unit == "render_rows" and f.severity < Severity.MEDIUM


HEAD = """
class Transport:
    def on_data(self, data):
        self.buf = self.buf + data
        if not self.seen_banner:
            if len(self.buf) > 8192:
                self.hang_up(b"banner too long")
                return
            if b"\\n" not in self.buf:
                return
            self.seen_banner = True
        self.dispatch()
"""


def test_size_check_with_plain_return_removed():
    after = HEAD.replace('            if len(self.buf) > 8192:\n                self.hang_up(b"banner too long")\n                return\n', "")
    (f,) = run(HEAD, after, "proto/transport.py")
    assert f.unit == "Transport.on_data" and f.before.line == 5
    assert "len(self.buf)" in f.message and "8192" in f.message
    assert f.severity == Severity.MEDIUM and f.relevance.category == "dos"


def test_size_check_tightened_is_silent():
    after = HEAD.replace("len(self.buf) > 8192", "len(self.buf) > 4096")
    assert run(HEAD, after, "proto/transport.py") == []


def test_size_check_turned_into_a_raise_is_silent():
    after = HEAD.replace('                self.hang_up(b"banner too long")\n                return\n',
                         '                raise ProtocolError("banner too long")\n')
    assert run(HEAD, after, "proto/transport.py") == []


def test_small_length_test_is_not_a_size_cap():
    before = "def handle(self, parts):\n    if len(parts) > 2:\n        return\n    self.go(parts)\n"
    after = "def handle(self, parts):\n    self.go(parts)\n"
    assert run(before, after) == []


WALK = '''
def iterate_text(tree, tags, stack_limit=1024):
    elements = [tree]
    while elements:
        el = elements.pop()
        if isinstance(el, str):
            yield el
            continue
        for child in el.iterchildren(reversed=True):
            if len(elements) > stack_limit:
                break
            elements.append(child)
'''
WALK_UNBOUNDED = WALK.replace(", stack_limit=1024", "").replace(
    "            if len(elements) > stack_limit:\n                break\n", "")


def _limit(before, after):
    from rulekit import findings_of
    return [(f.unit, f.before.line if f.before else None, f.severity.name)
            for f in findings_of("limit-relaxed", before, after, "app/preview.py")]


def test_loop_break_cap_removed_with_its_limit():
    assert _limit(WALK, WALK_UNBOUNDED) == [("iterate_text", 9, "MEDIUM")]


def test_loop_break_cap_quiet_cases():
    assert _limit(WALK, WALK.replace("reversed=True", "reversed=False")) == []  # kept
    assert _limit(WALK_UNBOUNDED, WALK) == []  # added
    # a break on a content test is no cap
    other = WALK.replace("len(elements) > stack_limit", "child.tag == 'script'")
    assert _limit(other, other.replace("            if child.tag == 'script':\n                break\n", "")) == []
    # the cap kept in another unit of the file still bounds the list
    helper = WALK_UNBOUNDED + "\n\ndef full(elements, stack_limit=1024):\n    return len(elements) > stack_limit\n"
    assert _limit(WALK, helper) == []
