"""input-validation: skip filters removed from input loops, checking helpers no longer called."""
from __future__ import annotations

from semdiff.model import Confidence, Severity
from rulekit import family_of, findings_of

FILTER = "input-validation/filter-removed"
CALL = "input-validation/check-call-removed"
EXACT = "input-validation/exact-match-relaxed"


def test_rule_table_has_both_kinds_of_example():
    rules = family_of("input-validation").rules
    assert [r.id for r in rules] == [FILTER, CALL, EXACT, "input-validation/separator-widened"]
    for r in rules:
        assert r.languages == ("python",)
        assert any(e.fires for e in r.examples) and any(not e.fires for e in r.examples)


PARSER = """
class Parser:
    def read_fields(self, raw):
        fields = {}
        for line in raw.split(b"\\r\\n"):
            name, sep, value = line.partition(b":")
            if not sep:
                continue
            if not name.isascii():
                continue
            fields[name.lower()] = value.strip()
        return fields
"""


def test_content_filter_removed_from_a_field_loop():
    after = PARSER.replace("            if not name.isascii():\n                continue\n", "")
    (f,) = findings_of(FILTER, PARSER, after, "proto/parser.py")
    assert f.unit == "Parser.read_fields" and f.before.line == 8
    assert "name.isascii()" in f.message
    assert f.severity == Severity.MEDIUM and f.confidence == Confidence.MEDIUM


def test_one_line_filter_removed():
    before = PARSER.replace("            if not name.isascii():\n                continue\n",
                            "            if b'_' in name: continue\n")
    after = PARSER.replace("            if not name.isascii():\n                continue\n", "")
    (f,) = findings_of(FILTER, before, after, "proto/parser.py")
    assert f.before.line == 8


def test_filter_without_content_test_is_not_reported():
    after = PARSER.replace("            if not sep:\n                continue\n", "")
    assert findings_of(FILTER, PARSER, after, "proto/parser.py") == []


def test_filter_kept_in_a_combined_condition_is_silent():
    after = PARSER.replace("            if not sep:\n                continue\n            if not name.isascii():\n",
                           "            if not sep or not name.isascii():\n")
    assert findings_of(FILTER, PARSER, after, "proto/parser.py") == []


def test_filter_in_a_loop_over_non_input_is_silent():
    before = "def tally(rows):\n    n = 0\n    for row in rows:\n        if row.startswith('#'):\n            continue\n        n += 1\n    return n\n"
    after = "def tally(rows):\n    n = 0\n    for row in rows:\n        n += 1\n    return n\n"
    assert findings_of(FILTER, before, after) == []


CHECKER = """
def _path_part(part):
    if part in ("..", ".") or "/" in part:
        raise ValueError("bad path component")
    return part


class Store:
    def open_item(self, root, name):
        return open(root + "/" + _path_part(name), "rb")

    def describe(self, name):
        return "item " + name
"""


def test_call_to_a_traversal_checker_removed():
    after = CHECKER.replace('_path_part(name), "rb"', 'name, "rb"')
    (f,) = findings_of(CALL, CHECKER, after, "store/items.py")
    assert f.unit == "Store.open_item" and f.before.line == 9
    assert "_path_part" in f.message and f.relevance.category == "path-traversal"


def test_checker_reached_through_a_new_helper_is_silent():
    after = CHECKER.replace('_path_part(name), "rb"', 'self._safe(name), "rb"')
    after += "\n    def _safe(self, name):\n        return _path_part(name.strip())\n"
    assert findings_of(CALL, CHECKER, after, "store/items.py") == []


def test_check_inlined_is_silent():
    after = CHECKER.replace(
        '        return open(root + "/" + _path_part(name), "rb")\n',
        '        if name in ("..", ".") or "/" in name:\n            raise ValueError("bad")\n'
        '        return open(root + "/" + name, "rb")\n')
    assert findings_of(CALL, CHECKER, after, "store/items.py") == []


def test_helper_without_content_check_is_not_a_checker():
    before = "def _num(v):\n    if v is None:\n        raise ValueError('missing')\n    return int(v)\n\ndef f(x):\n    return _num(x)\n"
    after = "def _num(v):\n    if v is None:\n        raise ValueError('missing')\n    return int(v)\n\ndef f(x):\n    return int(x)\n"
    assert findings_of(CALL, before, after) == []


def test_escaper_helpers_are_left_to_the_escaping_rules():
    before = ("def sanitize_header(v):\n    if '\\r' in v or '\\n' in v:\n        raise ValueError('crlf')\n    return v\n\n"
              "def put(h, v):\n    h['X'] = sanitize_header(v)\n")
    after = before.replace("h['X'] = sanitize_header(v)", "h['X'] = v")
    assert findings_of(CALL, before, after) == []


JSON_BODY = """
class Req:
    def json_body(self):
        kind = self.headers.get("Content-Type", "").lower().split(";")[0].strip()
        if kind == "application/json" and self.length < self.MAX_BODY:
            return decode(self.read())
        return None
"""


def test_media_type_equality_relaxed_to_containment():
    after = JSON_BODY.replace(
        '        kind = self.headers.get("Content-Type", "").lower().split(";")[0].strip()\n'
        '        if kind == "application/json" and',
        '        if "application/json" in self.headers.get("Content-Type", "") and')
    (f,) = findings_of(EXACT, JSON_BODY, after)
    assert f.unit == "Req.json_body" and f.before.line == 4 and f.after.line == 3
    assert f.severity == Severity.MEDIUM and "application/json" in f.message


def test_host_equality_relaxed_to_containment():
    before = "def trusted(host):\n    return host == 'api.example.com'\n"
    after = "def trusted(host):\n    return 'api.example.com' in host\n"
    (f,) = findings_of(EXACT, before, after)
    assert f.unit == "trusted" and f.before.line == 2


def test_containment_that_was_already_there_is_silent():
    before = "def f(h):\n    if 'text/html' in h:\n        return 1\n    return h == 'text/html'\n"
    after = "def f(h):\n    if 'text/html' in h:\n        return 1\n    return 0\n"
    assert findings_of(EXACT, before, after) == []


def test_equality_kept_alongside_a_new_containment_is_silent():
    before = "def f(h):\n    return h == 'application/json'\n"
    after = "def f(h):\n    if 'application/json' in h:\n        log(h)\n    return h == 'application/json'\n"
    assert findings_of(EXACT, before, after) == []


# ---------------------------------------------------------------- guard content read through enclosing conditions

from semdiff.lang.registry import backend_for  # noqa: E402
from semdiff.rules._guard_content import content_relevance  # noqa: E402


def _guard(src: str, line: int):
    pf = backend_for("proto/p.py").parse("proto/p.py", src)
    return next(g for u in pf.units for g in u.guards if g.span.line == line)


def test_enclosing_framing_header_branch_makes_a_check_relevant():
    src = ("def choose(name, value):\n"
           "    if name == b'content-length':\n"
           "        if not value.isdigit():\n"
           "            raise BadRequest()\n"
           "    return True\n")
    rel = content_relevance([_guard(src, 3)])
    assert rel is not None and rel.category == "request-smuggling"


def test_earlier_exit_on_control_characters_does_not_make_a_later_check_relevant():
    src = ("def parse(line, seen):\n"
           "    if b'\\r' in line or b'\\n' in line:\n"
           "        raise BadRequest()\n"
           "    if line in seen:\n"
           "        raise BadRequest()\n"
           "    return line\n")
    assert content_relevance([_guard(src, 4)]) is None


PART_CALLBACK = '''
class UploadHandler:
    def _on_part_finish(self, part):
        name = part["name"]
        if any(
            name.endswith(b"." + suffix)
            for suffix in self._suffixes.values()
        ):
            self._logger.debug("Throwing away part %s", name)
            self._close(part)
            return
        self._parts[name] = part
        if "file" in part:
            self._files.append(part["path"])
'''
PART_UNFILTERED = PART_CALLBACK.replace('''        if any(
            name.endswith(b"." + suffix)
            for suffix in self._suffixes.values()
        ):
            self._logger.debug("Throwing away part %s", name)
            self._close(part)
            return
''', "")


def _filter_findings(before, after, path="app/upload.py"):
    return [(f.unit, f.before.line if f.before else None) for f in findings_of(FILTER, before, after, path)]


def test_callback_early_return_filter_removed():
    assert _filter_findings(PART_CALLBACK, PART_UNFILTERED) == [("UploadHandler._on_part_finish", 4)]


def test_callback_early_return_filter_quiet_cases():
    # the filter kept, reformatted
    kept = PART_CALLBACK.replace('            self._logger.debug("Throwing away part %s", name)\n', "")
    assert _filter_findings(PART_CALLBACK, kept) == []
    # a unit that returns a value: its bare return is one outcome among others, not a dropped item
    valued = PART_CALLBACK.replace('            self._files.append(part["path"])', '            return self._files.append(part["path"])')
    assert _filter_findings(valued, PART_UNFILTERED.replace('            self._files.append(part["path"])',
                                                            '            return self._files.append(part["path"])')) == []
    # an emptiness test is no content test
    empty = PART_CALLBACK.replace('''        if any(
            name.endswith(b"." + suffix)
            for suffix in self._suffixes.values()
        ):''', "        if not name:")
    assert _filter_findings(empty, PART_UNFILTERED) == []
    # nothing names the items as input
    other = PART_CALLBACK.replace("UploadHandler", "Renderer").replace("part", "item")
    assert _filter_findings(other, PART_UNFILTERED.replace("UploadHandler", "Renderer").replace("part", "item")) == []


def test_validator_early_return_is_a_bypass_not_a_filter():
    before = '''
def validate_csrf_request(request):
    session = request.session
    if len(session) == 0 or session.get("login_mechanism") == "apikey":
        return
    if request.headers.get("X-CSRF-Token") != session.get("csrf"):
        abort(400)
'''
    after = before.replace('len(session) == 0 or session.get("login_mechanism") == "apikey"',
                           'session and session.get("login_mechanism") == "apikey"')
    assert findings_of(FILTER, before, after, "app/csrf.py") == []
