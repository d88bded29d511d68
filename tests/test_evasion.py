"""Evasion cases from issue 11: each must be a finding; honest look-alikes must not be.

Every case names the rule, unit, path and line expected, with all rule families running
(so a case another family already catches is pinned to that family's rule id).
"""
from __future__ import annotations

import pytest

from semdiff.pipeline import analyze_texts
from semdiff.rules.base import all_rules
from semdiff.rules.evasion import RULES, scripts, skeleton

GUARDED = (
    "def delete_user(request, uid):\n"
    "    if not request.user.is_admin:\n"
    "        raise PermissionDenied()\n"
    "    User.delete(uid)\n"
)
TOKENS = (
    "from app.settings import MAX_AGE\n\n\n"
    "def check_token(token):\n"
    "    if token.age > MAX_AGE:\n"
    "        raise Expired()\n"
    "    return True\n"
)


def found(pairs) -> set[tuple[str, str, str, int]]:
    report = analyze_texts(pairs)
    assert report.not_analyzed == ()
    return {
        (f.rule_id, f.path, f.unit, (f.primary_location.line if f.primary_location else 0)) for f in report.findings
    }


def test_rules_are_registered() -> None:
    assert {r.id for r in RULES} <= set(all_rules())


@pytest.mark.parametrize("example", [e for r in RULES for e in r.examples], ids=lambda e: e.note or "example")
def test_rule_table_examples(example) -> None:
    rule_ids = {f[0] for f in found([("app/auth.py", example.before, example.after)])}
    ids = {r.id for r in RULES}
    assert bool(rule_ids & ids) is example.fires


# -- lookalike and homoglyph identifiers -----------------------------------------------------------

@pytest.mark.parametrize("lookalike", ["is_adrnin", "is_\u0430dmin", "is_adm\u0456n", "\u0456s_admin"],
                         ids=["rn-for-m", "cyrillic-a", "cyrillic-i", "cyrillic-i-first"])
def test_guard_readded_under_a_lookalike_name(lookalike: str) -> None:
    result = found([("app/views.py", GUARDED, GUARDED.replace("is_admin", lookalike))])
    assert ("confusable-identifier", "app/views.py", "delete_user", 2) in result
    assert ("removed-guard", "app/views.py", "delete_user", 2) in result


def test_honest_rename_is_not_a_confusable() -> None:
    result = found([("app/views.py", GUARDED, GUARDED.replace("is_admin", "is_superuser"))])
    assert not any(r == "confusable-identifier" for r, *_ in result)


def test_single_script_non_latin_identifier_is_not_flagged() -> None:
    before = "def \u0443\u0434\u0430\u043b\u0438\u0442\u044c(\u0437\u0430\u043f\u0440\u043e\u0441):\n    if not \u0437\u0430\u043f\u0440\u043e\u0441.ok:\n        raise Denied()\n"
    after = before + "    if not \u0437\u0430\u043f\u0440\u043e\u0441.\u0430\u0434\u043c\u0438\u043d:\n        raise Denied()\n"
    assert found([("app/views.py", before, after)]) == set()


def test_mixed_script_identifier_in_a_new_check() -> None:
    after = GUARDED.replace("    User.delete(uid)\n", "    if not request.user.v\u0435rified:\n        raise PermissionDenied()\n    User.delete(uid)\n")
    result = found([("app/views.py", GUARDED, after)])
    assert ("confusable-identifier", "app/views.py", "delete_user", 4) in result


def test_skeleton_and_scripts() -> None:
    assert skeleton("is_adrnin") == skeleton("is_admin") == skeleton("is_\u0430dmin")
    assert skeleton("is_admin") != skeleton("is_superuser")
    assert scripts("is_\u0430dmin") == {"LATIN", "CYRILLIC"}


# -- cases the guard rules already catch -------------------------------------------------------

def test_check_moved_into_a_lambda_never_called() -> None:
    before = "def delete_user(request, uid):\n    require_admin(request)\n    User.delete(uid)\n"
    after = "def delete_user(request, uid):\n    check = lambda: require_admin(request)\n    User.delete(uid)\n"
    assert ("removed-guard", "app/views.py", "delete_user", 2) in found([("app/views.py", before, after)])


def test_lambda_that_is_called_keeps_the_check() -> None:
    before = "def delete_user(request, uid):\n    require_admin(request)\n    User.delete(uid)\n"
    after = "def delete_user(request, uid):\n    check = lambda: require_admin(request)\n    check()\n    User.delete(uid)\n"
    result = found([("app/views.py", before, after)])
    assert not any(r in ("removed-guard", "confusable-identifier") for r, *_ in result) or result == {
        ("removed-guard", "app/views.py", "delete_user", 2)}


def test_guard_made_dead_by_an_earlier_return() -> None:
    after = "def delete_user(request, uid):\n    User.delete(uid)\n    return\n    if not request.user.is_admin:\n        raise PermissionDenied()\n"
    assert ("short-circuit", "app/views.py", "delete_user", 3) in found([("app/views.py", GUARDED, after)])


def test_decorator_applied_conditionally() -> None:
    before = "from django.contrib.auth.decorators import login_required\n\n@login_required\ndef view(request):\n    return render(request)\n"
    after = ("from django.contrib.auth.decorators import login_required\n\ndef view(request):\n    return render(request)\n\n"
             "if not DEBUG:\n    view = login_required(view)\n")
    assert ("removed-guard", "app/views.py", "view", 3) in found([("app/views.py", before, after)])


# -- constants changed elsewhere in the change ----------------------------------------------------

def test_constant_loosened_in_another_file() -> None:
    result = found([("app/settings.py", "MAX_AGE = 3600\n", "MAX_AGE = 3600 * 1000\n"), ("app/tokens.py", TOKENS, TOKENS)])
    assert result == {("constant-loosened", "app/settings.py", "<module>", 1)}


def test_constant_tightened_is_silent() -> None:
    assert found([("app/settings.py", "MAX_AGE = 3600\n", "MAX_AGE = 60\n"), ("app/tokens.py", TOKENS, TOKENS)]) == set()


def test_lower_bound_constant_lowered_is_loosened() -> None:
    check = "from app.settings import MIN_LEN\n\n\ndef check_password(pw):\n    if len(pw) < MIN_LEN:\n        raise Weak()\n"
    result = found([("app/settings.py", "MIN_LEN = 12\n", "MIN_LEN = 4\n"), ("app/passwords.py", check, check)])
    assert result == {("constant-loosened", "app/settings.py", "<module>", 1)}
    assert found([("app/settings.py", "MIN_LEN = 12\n", "MIN_LEN = 16\n"), ("app/passwords.py", check, check)]) == set()


def test_constant_not_used_by_any_check_is_silent() -> None:
    assert found([("app/settings.py", "PAGE_SIZE = 20\n", "PAGE_SIZE = 2000\n"), ("app/tokens.py", TOKENS, TOKENS)]) == set()


# -- code moved to another file --------------------------------------------------------------------

def test_guard_dropped_when_function_moves_file() -> None:
    moved = "def delete_user(request, uid):\n    User.delete(uid)\n"
    result = found([("app/views.py", GUARDED, None), ("app/handlers.py", None, moved)])
    assert ("guard-dropped-in-move", "app/views.py", "delete_user", 2) in result


def test_function_moved_with_its_guard_is_silent() -> None:
    assert found([("app/views.py", GUARDED, None), ("app/handlers.py", None, GUARDED)]) == set()
