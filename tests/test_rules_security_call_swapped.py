"""security-call-weakened: session rotation removed; keep-existing call swapped for an overwriting one."""
from __future__ import annotations

from semdiff.rules.security_call_swapped import OVERWRITE, ROTATION
from rulekit import findings_of




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
