"""widened-allowlist: list kinds, allow-all flags and regex anchor cases."""
from __future__ import annotations

import pytest

from rulekit import family_of, findings_of

FAMILY = "widened-allowlist"


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


from semdiff.rules.widened_allowlist import list_kind  # noqa: E402


@pytest.mark.parametrize("name,kind", [
    ("ALLOWED_HOSTS", "allow"), ("CORS_ALLOWED_ORIGINS", "allow"), ("allow_origins", "allow"), ("SAFE_METHODS", "allow"),
    ("TRUSTED_PROXIES", "allow"), ("allowedExtensions", "allow"), ("DISALLOWED_HOSTS", "deny"), ("BLOCKED_IPS", "deny"),
    ("blacklist", "deny"), ("DATABASE_HOSTS", None), ("INSTALLED_APPS", None),
])
def test_list_kinds(name, kind):
    assert list_kind(name) == kind


def test_cors_allow_all_flag_turned_on():
    found = run("CORS_ORIGIN_ALLOW_ALL = False\nX = 1\n", "CORS_ORIGIN_ALLOW_ALL = True\nX = 1\n")
    assert [(f.unit, f.after.line) for f in found] == [("<module>", 1)]


def test_wildcard_origin_keyword_string():
    found = run(
        "from flask_cors import CORS\ndef init(app):\n    CORS(app, origins='https://a.example.com')\n",
        "from flask_cors import CORS\ndef init(app):\n    CORS(app, origins='*')\n",
    )
    assert [(f.unit, f.after.line) for f in found] == [("init", 3)]


def test_fullmatch_to_search_loses_both_implied_anchors():
    found = run(
        "import re\ndef ok(h):\n    return re.fullmatch(r'[a-z]+\\.example\\.com', h) is not None\n",
        "import re\ndef ok(h):\n    return re.search(r'[a-z]+\\.example\\.com', h) is not None\n",
    )
    assert len(found) == 1
    assert "start anchor dropped" in found[0].message and "end anchor dropped" in found[0].message


def test_new_allow_list_without_wildcard_is_silent_and_with_wildcard_fires():
    before = "from fastapi.middleware.cors import CORSMiddleware\ndef setup(app):\n    app.add_middleware(CORSMiddleware)\n"
    ok = before.replace("CORSMiddleware)", "CORSMiddleware, allow_origins=['https://a.example.com'])")
    wild = before.replace("CORSMiddleware)", "CORSMiddleware, allow_origins=['*'])")
    assert run(before, ok) == []
    assert [(f.unit, f.after.line) for f in run(before, wild)] == [("setup", 3)]


def test_redirect_validator_allowed_hosts_left_to_redirect_opened():
    before = (
        "from django.shortcuts import redirect\n"
        "def go(request, nxt):\n"
        "    ok = url_has_allowed_host_and_scheme(nxt, allowed_hosts={'a.example.com'})\n"
        "    return redirect(nxt if ok else '/')\n"
    )
    after = before.replace("{'a.example.com'}", "{'a.example.com', 'b.example.net'}")
    assert run(before, after) == []


def test_collection_tested_in_an_unsafe_unit_is_a_deny_list_by_use():
    before = ('_list_mutators = {"append", "clear", "pop"}\n\n\n'
              "def is_unsafe_call(obj, attr):\n    if isinstance(obj, list):\n        return attr in _list_mutators\n    return False\n")
    after = before.replace('"append", "clear", "pop"', '"append"')
    fs = [f for f in run(before, after, "tmpl/sandbox.py") if f.rule_id == "widened-allowlist"]
    assert [(f.unit, f.before.line, f.after.line) for f in fs] == [("<module>", 1, 1)]
    assert "'clear', 'pop'" in fs[0].message
    # grown (stricter): quiet
    assert [f for f in run(after, before, "tmpl/sandbox.py") if f.rule_id == "widened-allowlist"] == []


def test_unsafe_name_without_a_membership_check_is_not_a_deny_list():
    # hard negative: the name says unsafe, but nothing tests membership in it
    before = ('UNSAFE_CHARS = ["<", ">", "&"]\n\n\n'
              "def describe_unsafe(text):\n    return ' '.join(UNSAFE_CHARS) + text\n")
    after = before.replace('"<", ">", "&"', '"<"')
    assert [f for f in run(before, after, "app/text.py") if f.rule_id == "widened-allowlist"] == []
