"""_regex_risk additions: a length cap (`.{0,1024}?`) made unbounded, and ambiguous
alternatives reported when both patterns nest quantifiers (the nesting said nothing new).
Python through limit-relaxed, JavaScript through redos-introduced; hard negatives."""
from __future__ import annotations

import pytest
from rulekit import findings_of

from semdiff.rules._regex_risk import backtracking_reasons, dropped_length_caps


@pytest.mark.parametrize("before,after,dropped", [
    (r"<x>.{,1024}?</x>", r"<x>.*?</x>", [1024]),
    (r"^(.{0,200})<tag", r"^(.+)<tag", [200]),
    (r"^\d{1,3}\.\d{1,3}$", r"^\d+\.\d+$", []),           # a format, not a length cap
    (r"<x>.*?</x>", r"<x>.{,1024}?</x>", []),              # the cap added
    (r"<x>.{,1024}?</x>", r"<x>.{,4096}?</x>", []),        # raised, still bounded: not this check's
    (r"<x>.{,1024}?</x>", r"<x>[^<]{,1024}</x>", []),      # rewritten, still capped
])
def test_dropped_length_caps(before, after, dropped):
    assert dropped_length_caps(before, after) == dropped


def test_ambiguity_reported_when_both_patterns_nest():
    before = r"""^([/:,.\s\w]|\w-\w|'[\s\w]+'\s*)*$"""
    after = r"""^([-/:,.'\s\w]|\w-\w|'[\s\w]+'\s*)*$"""
    (reason,) = backtracking_reasons(before, after)
    assert "alternatives that can match the same text" in reason
    assert backtracking_reasons(after, before) == []


def test_disjoint_character_added_is_silent():
    before = r"""^([/:,.\s\w]|\w-\w|'[\s\w]+'\s*)*$"""
    assert backtracking_reasons(before, before.replace("[/:,.", "[/:,.%")) == []


PY = '''import re


def tags(text, name):
    rx = re.compile(r"<%s>.{0,2048}?</%s>" % (name, name), re.S)
    return rx.findall(text)
'''


def test_python_template_cap_removed():
    hits = findings_of("limit-relaxed", PY, PY.replace(".{0,2048}?", ".*?"), "feeds/tags.py")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("tags", 5, 5)]
    assert "length cap {,2048} made unbounded" in hits[0].message
    assert hits[0].severity.name in ("MEDIUM", "HIGH")


def test_python_template_placeholder_renamed_is_silent():
    after = PY.replace('% (name, name)', '% (tag, tag)').replace("(text, name)", "(text, tag)")
    assert findings_of("limit-relaxed", PY, after, "feeds/tags.py") == []


JS = '''function valid(v) {
  return /^(?:[a-z0-9.]|[a-z]_[a-z]|"[a-z ]+")*$/.test(v);
}
'''


def test_javascript_alternatives_made_ambiguous_under_nesting():
    hits = findings_of("redos-introduced", JS, JS.replace("[a-z0-9.]", "[a-z0-9._]"), "src/valid.js")
    assert [(f.unit, f.after.line) for f in hits] == [("valid", 2)]


def test_javascript_disjoint_character_is_silent():
    assert findings_of("redos-introduced", JS, JS.replace("[a-z0-9.]", "[a-z0-9.:]"), "src/valid.js") == []
