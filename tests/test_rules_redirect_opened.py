"""redirect-opened: validator arguments and helper-moved checks."""
from __future__ import annotations

from rulekit import family_of, findings_of

FAMILY = "redirect-opened"


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


VIEW = """
from django.shortcuts import redirect
def go(request):
    nxt = request.GET.get('next', '/')
    ok = url_has_allowed_host_and_scheme(nxt, allowed_hosts={'a.example.com'}, require_https=True)
    return redirect(nxt if ok else '/')
"""


def test_allowed_hosts_wildcard():
    found = run(VIEW, VIEW.replace("{'a.example.com'}", "{'*'}"))
    assert [(f.unit, f.after.line) for f in found] == [("go", 4)]


def test_require_https_dropped():
    found = run(VIEW, VIEW.replace(", require_https=True", ""))
    assert [(f.unit, f.after.line) for f in found] == [("go", 4)]
    assert "require_https" in found[0].message


def test_validator_removed_points_at_the_redirect():
    after = VIEW.replace("    ok = url_has_allowed_host_and_scheme(nxt, allowed_hosts={'a.example.com'}, require_https=True)\n", "    ok = True\n")
    found = run(VIEW, after)
    assert [(f.unit, f.before.line, f.after.line) for f in found] == [("go", 4, 5)]


def test_method_calling_a_helper_method_that_validates_is_silent():
    before = """
class Login:
    def done(self, request):
        nxt = request.GET['next']
        if not is_safe_url(nxt):
            nxt = '/'
        return self.redirect(nxt)
"""
    after = """
class Login:
    def safe_next(self, nxt):
        return nxt if is_safe_url(nxt) else '/'

    def done(self, request):
        nxt = self.safe_next(request.GET['next'])
        return self.redirect(nxt)
"""
    assert run(before, after) == []


def test_unit_without_a_redirect_is_silent():
    before = "def check(u):\n    if u.startswith('//'):\n        u = '/'\n    return u\n"
    assert run(before, "def check(u):\n    return u\n") == []


def test_leading_slash_collapse_removed():
    """jupyter_server GHSA (505140f9 reversed): `'/' + path.strip('/')` kept `//evil` on site."""
    before = """
class TrailingSlashHandler:
    def get(self):
        path, sep, rest = self.request.uri.partition("?")
        path = "/" + path.strip("/")
        self.redirect(path + sep + rest)
"""
    after = """
class TrailingSlashHandler:
    def get(self):
        uri = self.request.path.rstrip("/")
        if uri:
            self.redirect("?".join((uri, self.request.query)))
"""
    found = run(before, after)
    assert [(f.unit, f.after.line) for f in found] == [("TrailingSlashHandler.get", 5)]
    assert run(after, before) == []
