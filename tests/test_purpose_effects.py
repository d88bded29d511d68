"""Semantic effect per unit: behaviour-preserving changes are proved on syntax trees."""
from __future__ import annotations

from semdiff.pipeline import unit_changes_for
from semdiff.relevance.names import name_relevance
from semdiff.purpose.effects import Effect, classify_effects
from semdiff.source.textpairs import file_change_from_texts


def effects(before: str, after: str, path: str = "app/auth.py", findings=()):
    fc = file_change_from_texts(path, before, after)
    ucs, _, _ = unit_changes_for(fc, [])
    return {e.qualname: e for e in classify_effects(ucs, findings, lambda uc: name_relevance(uc.after or uc.before))}


GUARD = '''def require_admin(user):
    """Only admins."""
    if not (user.is_admin and user.active):
        raise PermissionError("admins only")
    return user
'''


def test_black_style_reformatting_and_comments_are_no_change():
    after = '''def require_admin(user):
    # only admins may pass
    if not (
        user.is_admin
        and user.active
    ):
        raise PermissionError('admins only',)
    return user
'''
    e = effects(GUARD, after)["require_admin"]
    assert e.effect is Effect.UNCHANGED
    assert "same syntax tree" in e.evidence[0]


def test_de_morgan_rewrite_is_behaviour_preserving_with_evidence():
    after = GUARD.replace("if not (user.is_admin and user.active):", "if not user.is_admin or not user.active:")
    e = effects(GUARD, after)["require_admin"]
    assert e.effect is Effect.EQUIVALENT
    assert "not (user.is_admin and user.active)" in e.evidence[0] and "not user.is_admin or not user.active" in e.evidence[0]


def test_swapped_operands_are_equivalent():
    before = "def limit_ok(n, top):\n    if n > top:\n        raise ValueError('too many')\n"
    after = "def limit_ok(n, top):\n    if top < n:\n        raise ValueError('too many')\n"
    assert effects(before, after)["limit_ok"].effect is Effect.EQUIVALENT


def test_parameter_and_local_renames_are_rename_only():
    after = GUARD.replace("(user)", "(account)").replace("user.", "account.").replace("return user", "return account")
    assert effects(GUARD, after)["require_admin"].effect is Effect.RENAMED


def test_private_helper_rename_across_the_change():
    before = "def _norm(x):\n    return x.strip()\n\n\ndef load(name):\n    return _norm(name)\n"
    after = "def _normalise(x):\n    return x.strip()\n\n\ndef load(name):\n    return _normalise(name)\n"
    got = effects(before, after, "app/io.py")
    assert got["load"].effect is Effect.RENAMED
    assert got["_normalise"].effect is Effect.RENAMED


def test_extract_method_with_identical_body():
    after = '''def require_admin(user):
    """Only admins."""
    _ensure_admin(user)
    return user


def _ensure_admin(u):
    if not (u.is_admin and u.active):
        raise PermissionError("admins only")
'''
    got = effects(GUARD, after)
    assert got["require_admin"].effect is Effect.EQUIVALENT
    assert "extract-method" in got["require_admin"].evidence[0]
    assert got["_ensure_admin"].effect is Effect.EQUIVALENT


def test_extract_method_that_changes_the_body_is_not_equivalent():
    after = '''def require_admin(user):
    _ensure_admin(user)
    return user


def _ensure_admin(u):
    if not u.is_admin:
        raise PermissionError("admins only")
'''
    got = effects(GUARD, after)
    assert got["require_admin"].effect is Effect.SECURITY
    assert got["_ensure_admin"].effect is Effect.SECURITY


def test_inline_of_a_deleted_helper():
    before = "def _clean(s):\n    s2 = s.strip()\n    return s2\n\n\ndef title(s):\n    t = _clean(s)\n    return t.title()\n"
    after = "def title(s):\n    s2 = s.strip()\n    t = s2\n    return t.title()\n"
    got = effects(before, after, "app/text.py")
    assert got["title"].effect is Effect.EQUIVALENT and "inline-method" in got["title"].evidence[0]
    assert got["_clean"].effect is Effect.EQUIVALENT


def test_message_wording_only():
    after = GUARD.replace("admins only", "administrators only")
    assert effects(GUARD, after)["require_admin"].effect is Effect.WORDING


def test_string_in_a_comparison_is_behaviour_not_wording():
    before = "def is_admin(user):\n    return user.role == 'admin'\n"
    after = "def is_admin(user):\n    return user.role == 'admin '\n"
    assert effects(before, after)["is_admin"].effect is Effect.SECURITY


def test_pure_move_to_another_file_keeps_its_body():
    from semdiff.source.textpairs import file_change_from_texts
    from semdiff.pipeline import unit_changes_for

    body = "def render(page):\n    return page.title + '!'\n"
    ucs = []
    for path, b, a in (("app/old.py", body, ""), ("app/new.py", "", body)):
        ucs.extend(unit_changes_for(file_change_from_texts(path, b, a), [])[0])
    got = classify_effects(ucs, (), lambda uc: name_relevance(uc.after or uc.before))
    assert [(e.qualname, e.effect) for e in got if e.qualname == "render"] == [("render", Effect.MOVED)]


def test_behaviour_change_in_non_sensitive_code():
    before = "def total(items):\n    return sum(items)\n"
    after = "def total(items):\n    return sum(items) + 1\n"
    e = effects(before, after, "app/cart.py")["total"]
    assert e.effect is Effect.BEHAVIOUR and not e.relevant


def test_stricter_guard_is_security_behaviour_not_weakening():
    after = GUARD.replace("user.active):", "user.active and not user.locked):")
    e = effects(GUARD, after)["require_admin"]
    assert e.effect is Effect.SECURITY and e.relevant


def test_a_finding_on_the_unit_makes_it_a_weakening():
    from semdiff.model import Confidence, Finding, Severity

    f = Finding("removed-guard", "t", Severity.HIGH, Confidence.HIGH, "m", "app/auth.py", "require_admin")
    after = GUARD.replace("admins only", "administrators only")
    e = effects(GUARD, after, findings=(f,))["require_admin"]
    assert e.effect is Effect.WEAKENING and e.rules == ("removed-guard",)


def test_non_python_falls_back_to_the_normalised_key():
    before = "function check(user) {\n  if (!user.admin) { throw new Error('no'); }\n}\n"
    after = "function check(user) {\n  // only admins\n  if (!user.admin) {\n    throw new Error('no');\n  }\n}\n"
    got = effects(before, after, "web/auth.js")
    assert got["check"].effect is Effect.UNCHANGED
