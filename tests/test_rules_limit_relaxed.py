"""limit-relaxed: value folding, key vocabulary and call keyword cases."""
from __future__ import annotations

import pytest

from semdiff.model import Confidence
from rulekit import family_of, findings_of

FAMILY = "limit-relaxed"


def _family():
    return family_of(FAMILY)


def run(before: str, after: str, path: str = "app/module.py"):
    """Findings of this family for one before/after pair, through the whole pipeline."""
    return findings_of(FAMILY, before, after, path)


def test_rule_ids_are_the_family_name_with_both_kinds_of_example():
    rules = _family().rules
    assert [r.id for r in rules] == [FAMILY]
    for r in rules:
        assert any(e.fires for e in r.examples) and any(not e.fires for e in r.examples)
        assert r.languages == ("python",)


from semdiff.rules.limit_relaxed import is_limit_key, limit_value, relaxed  # noqa: E402


@pytest.mark.parametrize("key,expected", [
    ("MAX_BODY_SIZE", True), ("max_headers", True), ("maxBodySize", True), ("DATA_UPLOAD_MAX_NUMBER_FIELDS", True),
    ("timeout", True), ("read_timeout", True), ("CONFIG.max_redirects", True), ("decompression_ratio", True),
    ("SESSION_MAX_AGE", False), ("max_retries", False), ("CACHE_SIZE", False), ("PAGE_SIZE", False),
    ("account_id", False), ("somebody", False), ("KEY_LENGTH", False), ("min_length", False),
])
def test_limit_vocabulary(key, expected):
    assert is_limit_key(key) is expected


def test_limit_values_and_relaxation():
    assert limit_value("16 * 1024 * 1024") == 16 * 1024 * 1024
    assert limit_value("None") == float("inf") and limit_value("-1") == float("inf") and limit_value("0") == float("inf")
    assert limit_value("float('inf')") == float("inf")
    assert limit_value("settings.LIMIT") is None
    assert relaxed(100, 1000) and relaxed(100, float("inf"))
    assert not relaxed(100, 999) and not relaxed(float("inf"), 5) and not relaxed(None, 10)


def test_keyword_raised_tenfold_on_a_call():
    found = run(
        "def parse(p, body):\n    return p.parse(body, max_fields=1000)\n",
        "def parse(p, body):\n    return p.parse(body, max_fields=100000)\n",
    )
    assert [(f.unit, f.after.line) for f in found] == [("parse", 2)]
    assert "100x" in found[0].message


def test_recursion_limit_raised():
    found = run("import sys\nsys.setrecursionlimit(1000)\n", "import sys\nsys.setrecursionlimit(100000)\n")
    assert [(f.unit, f.after.line) for f in found] == [("<module>", 2)]


def test_removed_module_limit_is_medium_confidence_on_before_line():
    found = run("MAX_UPLOAD_BYTES = 1024\nNAME = 'x'\n", "NAME = 'x'\n")
    assert [(f.unit, f.before.line, f.after) for f in found] == [("<module>", 1, None)]
    assert found[0].confidence == Confidence.MEDIUM


def test_timeout_removed_from_a_library_with_its_own_default_is_silent():
    assert run(
        "import httpx\ndef get(u):\n    return httpx.get(u, timeout=3)\n",
        "import httpx\ndef get(u):\n    return httpx.get(u)\n",
    ) == []


def test_pre_existing_unlimited_value_is_silent():
    assert run("MAX_BODY = None\nA = 1\n", "MAX_BODY = None\nA = 2\n") == []


def test_redos_bounded_made_unbounded_without_nesting():
    found = run(
        "import re\nTOKEN = re.compile(r'^[A-Za-z0-9]{1,64}=*$')\n",
        "import re\nTOKEN = re.compile(r'^[A-Za-z0-9]+=*$')\n",
    )
    assert len(found) == 1 and "unbounded" in found[0].message
