"""match-loosened: the readers behind each rule (regex method order,
path containment operands, character-class sets)."""
from __future__ import annotations

import pytest

from rulekit import family_of, findings_of

FAMILY = "match-loosened"


def test_rule_ids_have_both_kinds_of_example():
    rules = family_of(FAMILY).rules
    assert [r.id for r in rules] == ["match-loosened/regex-method", "match-loosened/path-prefix", "match-loosened/char-class"]
    for r in rules:
        assert any(e.fires for e in r.examples) and any(not e.fires for e in r.examples)


CORS = """
class Cors:
    def allowed(self, origin):
        ok = self.allow_origin_regex.{method}(origin)
        if not ok:
            raise PermissionError(origin)
        return True
"""


@pytest.mark.parametrize("before,after,fires", [
    ("fullmatch", "match", True),
    ("fullmatch", "search", True),
    ("match", "search", True),
    ("match", "fullmatch", False),
    ("search", "match", False),
])
def test_regex_method_order(before, after, fires):
    found = findings_of("match-loosened/regex-method", CORS.format(method=before), CORS.format(method=after))
    assert [(f.unit, f.after.line) for f in found] == ([("Cors.allowed", 3)] if fires else [])


def test_regex_method_on_other_input_is_silent():
    before = CORS.format(method="fullmatch")
    after = before.replace("fullmatch(origin)", "match(origin.lower())")
    assert findings_of("match-loosened/regex-method", before, after) == []


def test_re_module_calls_are_left_to_widened_allowlist():
    before = "import re\ndef ok(p, s):\n    return re.fullmatch(p, s) is not None\n"
    assert findings_of("match-loosened/regex-method", before, before.replace("fullmatch", "search")) == []


def test_commonpath_to_commonprefix_names_both_lines():
    before = """
import os
def inside(root, p):
    same = os.path.commonpath([root, p])
    if same != root:
        raise PermissionError(p)
"""
    found = findings_of("match-loosened/path-prefix", before, before.replace("commonpath", "commonprefix"))
    assert [(f.unit, f.before.line, f.after.line) for f in found] == [("inside", 3, 3)]


def test_startswith_on_other_operands_is_silent():
    before = """
def inside(root, p, name):
    if not p.is_relative_to(root):
        raise PermissionError(p)
    return name
"""
    after = before.replace("    return name", "    return name.startswith('.')").replace("p.is_relative_to(root)", "p.resolve().is_relative_to(root)")
    assert findings_of("match-loosened/path-prefix", before, after) == []


HEADER = 'import re\n{name} = re.compile(r"{pattern}")\n'


@pytest.mark.parametrize("name,before,after,fires", [
    ("_FORBIDDEN_HEADER_CHARS_RE", r"[\x00-\x1f]", r"[\x00-\x09\x0b-\x1f]", True),
    ("_FORBIDDEN_HEADER_CHARS_RE", r"[\x00-\x09\x0b-\x1f]", r"[\x00-\x1f]", False),
    ("INVALID_NAME_CHARS", r"[^a-z0-9]", r"[^a-z0-9/]", True),  # negated class: '/' no longer refused
    ("VALID_TOKEN", r"^[a-z]+$", r"^[a-z0-9]+$", True),
    ("VALID_TOKEN", r"^[a-z0-9]+$", r"^[a-z]+$", False),
    ("VALID_TOKEN", r"^[a-z]+$", r"[a-z0-9]+", False),  # anchors changed too: not a class-only change
    ("FORBIDDEN_RE", r"[\d\s]", r"[\d]", False),  # categories are not expanded
    ("FORBIDDEN_RE", r"[abc]", r"[ab", False),  # unreadable after
])
def test_char_class_direction(name, before, after, fires):
    found = findings_of("match-loosened/char-class", HEADER.format(name=name, pattern=before),
                        HEADER.format(name=name, pattern=after))
    assert [(f.unit, f.after.line) for f in found] == ([("<module>", 2)] if fires else [])
