"""security-call-weakened: session rotation removed; keep-existing call swapped for an overwriting one."""
from __future__ import annotations

import pytest

from semdiff.rules.security_call_swapped import FAMILY, OVERWRITE, ROTATION, RULES
from rulekit import family_of, findings_of


def test_family_table_has_both_kinds_of_example():
    assert [r.id for r in family_of(FAMILY).rules] == [r.id for r in RULES]
    for r in RULES:
        assert any(e.fires for e in r.examples) and any(not e.fires for e in r.examples), r.id


PATHS = {ROTATION: "lib/sessionmanager.js", OVERWRITE: "src/main/java/x/Redirector.java"}


@pytest.mark.parametrize("rule_id,example", [pytest.param(r.id, ex, id=f"{r.id}-{i}-{'fires' if ex.fires else 'silent'}")
                                             for r in RULES for i, ex in enumerate(r.examples)])
def test_table_example(rule_id, example):
    hits = findings_of(rule_id, example.before, example.after, PATHS[rule_id])
    assert bool(hits) == example.fires, [f.message for f in hits]


def brief(fs):
    return [(f.rule_id, f.unit, f.before.line if f.before else None, f.after.line if f.after else None,
             f.severity.label) for f in fs]


def test_django_cycle_key_removed_from_login_view():
    before = """
    def login_view(request, user):
        request.session.cycle_key()
        request.session['uid'] = user.pk
        return redirect('/')
    """
    after = """
    def login_view(request, user):
        request.session['uid'] = user.pk
        return redirect('/')
    """
    assert brief(findings_of(ROTATION, before, after, "accounts/views.py")) == [
        (ROTATION, "login_view", 2, None, "high")]


def test_rotation_moved_into_a_same_file_helper_is_silent():
    before = """
    def login_view(request, user):
        request.session.cycle_key()
        request.session['uid'] = user.pk

    def logout_view(request):
        request.session.flush()
    """
    after = """
    def _rotate(request):
        request.session.cycle_key()

    def login_view(request, user):
        _rotate(request)
        request.session['uid'] = user.pk

    def logout_view(request):
        request.session.flush()
    """
    assert findings_of(ROTATION, before, after, "accounts/views.py") == []


def test_generic_verb_needs_a_session_receiver():
    before = """
    function rebuild (cache, key) {
      cache.regenerate(key)
      return cache.get(key)
    }
    """
    after = """
    function rebuild (cache, key) {
      return cache.get(key)
    }
    """
    assert findings_of(ROTATION, before, after, "lib/cache.js") == []


def test_java_change_session_id_removed():
    before = """
    class LoginFilter {
      void onSuccess(HttpServletRequest req, User u) {
        req.changeSessionId();
        req.getSession().setAttribute("user", u);
      }
    }
    """
    after = """
    class LoginFilter {
      void onSuccess(HttpServletRequest req, User u) {
        req.getSession().setAttribute("user", u);
      }
    }
    """
    assert brief(findings_of(ROTATION, before, after, "src/main/java/x/LoginFilter.java")) == [
        (ROTATION, "LoginFilter.onSuccess", 3, None, "high")]


def test_header_if_absent_to_set_in_go_and_map_put_stays_quiet():
    before = """
    package proxy

    func copyAuth(dst Headers, src Headers) {
    	dst.SetHeaderIfAbsent("Authorization", src.Get("Authorization"))
    	seen.PutIfAbsent("Authorization", true)
    }
    """
    after = """
    package proxy

    func copyAuth(dst Headers, src Headers) {
    	dst.SetHeader("Authorization", src.Get("Authorization"))
    	seen.Put("Authorization", true)
    }
    """
    # `seen.PutIfAbsent` -> `seen.Put` mentions Authorization only in its argument: bookkeeping
    assert brief(findings_of(OVERWRITE, before, after, "proxy/auth.go")) == [
        (OVERWRITE, "copyAuth", 4, 4, "medium")]
