"""Go backend: the guard IR it produces, asserted directly (independent of the rules)."""
from __future__ import annotations

import textwrap

from semdiff.ir import Action, render
from semdiff.lang.registry import backend_for
from semdiff.lang.ts_go import GoBackend


def parse(src: str, path: str = "internal/api/handlers.go"):
    return GoBackend().parse(path, textwrap.dedent(src))


def unit(pf, qualname):
    found = [u for u in pf.units if u.qualname == qualname]
    assert found, f"no unit {qualname}; have {[u.qualname for u in pf.units]}"
    return found[0]


SERVER = """\
package api

import (
	"crypto/subtle"
	"crypto/tls"
	"log"
	"net/http"

	jwtlib "github.com/golang-jwt/jwt/v5"
)

const Debug = false

var AllowedOrigins = []string{"https://a.example", "https://b.example"}

func (s *Server) DeleteUser(w http.ResponseWriter, r *http.Request) {
	if !isAdmin(r) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	token, err := jwtlib.Parse(r.Header.Get("Authorization"), s.keyFunc)
	if err != nil {
		log.Println("bad token", err)
	}
	s.users.Delete(token)
}

func checkKey(given, want []byte) bool {
	return subtle.ConstantTimeCompare(given, want) == 1
}

func client() *http.Client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10}}
	return &http.Client{Transport: tr}
}

func validate(t *Token) error {
	if err := t.Verify(); err != nil {
		return err
	}
	if t.Expired() || t.Audience != "api" {
		return errors.New("invalid token")
	}
	return nil
}

func routes(mux *http.ServeMux, s *Server) {
	mux.Handle("/admin/users", RequireAuth(RequireAdmin(http.HandlerFunc(s.DeleteUser))))
	mux.HandleFunc("/healthz", health)
}
"""


def test_units_methods_are_named_after_their_receiver():
    pf = parse(SERVER)
    assert [u.qualname for u in pf.units] == ["<module>", "Server.DeleteUser", "checkKey", "client", "validate", "routes"]
    u = unit(pf, "Server.DeleteUser")
    assert u.kind == "method" and u.params == ("s", "w", "r")
    assert ("jwtlib", "github.com/golang-jwt/jwt/v5") in pf.imports


def test_http_error_then_return_is_one_abort_guard():
    u = unit(parse(SERVER), "Server.DeleteUser")
    denying = [g for g in u.guards if g.action.denies]
    assert [(g.action, render(g.deny_when), g.span.line, g.span.end_line) for g in denying] == [
        (Action.ABORT, "not isAdmin(r)", 17, 19)
    ]


def test_err_check_without_return_is_a_logging_handler():
    pf = parse(SERVER)
    u = unit(pf, "Server.DeleteUser")
    (h,) = u.handlers
    assert h.catches == ("error",) and h.action is Action.LOG
    # aliased imports are written with the package name
    assert h.guarded_calls == ("jwt.Parse", "r.Header.Get")
    soft = [g for g in u.guards if g.action is Action.LOG]
    assert len(soft) == 1 and soft[0].span.line == 22


def test_constant_time_compare_equals_one_is_an_equality_atom():
    (g,) = unit(parse(SERVER), "checkKey").guards
    assert g.action is Action.PREDICATE and render(g.deny_when) == "not given == want"


def test_struct_literals_are_calls_with_keyword_arguments():
    u = unit(parse(SERVER), "client")
    cfg = [c for c in u.calls if c.callee == "tls.Config"][0]
    assert cfg.kwarg("InsecureSkipVerify").literal is True
    assert cfg.kwarg("MinVersion").value == "tls.VersionTLS10"
    assert [c.callee for c in u.calls] == ["http.Transport", "tls.Config", "http.Client"]


def test_returned_errors_deny_and_propagating_handler_raises():
    u = unit(parse(SERVER), "validate")
    denying = [(g.action, render(g.deny_when)) for g in u.guards if g.action.denies]
    assert denying == [
        (Action.DENY_RETURN, "not err == nil"),
        (Action.DENY_RETURN, 'err == nil and (t.Expired() or not "api" == t.Audience)'),
    ]
    (h,) = u.handlers
    assert h.action is Action.RAISE and h.guarded_calls == ("t.Verify",)


def test_wrapping_middleware_are_decorators_and_auth_ones_guard():
    u = unit(parse(SERVER), "routes")
    assert [(d.name, d.args[0].literal) for d in u.decorators] == [("RequireAuth", "/admin/users"), ("RequireAdmin", "/admin/users")]
    assert sorted(render(g.deny_when) for g in u.guards if g.action is Action.DECORATOR) == [
        'not RequireAdmin on Handle("/admin/users")',
        'not RequireAuth on Handle("/admin/users")',
    ]


def test_settings_and_literals():
    mod = unit(parse(SERVER), "<module>")
    assert [(s.key, s.literal, s.scope) for s in mod.settings if s.key == "Debug"] == [("Debug", False, "assignment")]
    (lit,) = [l for l in mod.literals if l.target == "AllowedOrigins"]
    assert lit.items == ("https://a.example", "https://b.example")


def test_renamed_locals_keep_their_keys():
    src = "package x\nfunc f(r *Req) error {\n\tok, err := check(r)\n\tif err != nil || !ok {\n\t\treturn err\n\t}\n\treturn nil\n}\n"
    a = unit(parse(src), "f")
    b = unit(parse(src.replace("ok", "allowed").replace("err", "e")), "f")
    ka = sorted(c.atom.key for c in a.comparisons)
    kb = sorted(c.atom.key for c in b.comparisons)
    assert ka == kb and ka[0].startswith("%")


def test_syntax_error_and_deep_nesting_do_not_crash():
    pf = parse("package x\nfunc f() {\n\tif x {\n\t\treturn\n\n}\nfunc g() {}\n")
    assert pf.partial and any(u.partial for u in pf.units)
    depth = 2500
    src = "package x\nfunc deep(x bool) error {\n" + "if x {\n" * depth + "return errors.New(\"x\")\n" + "}\n" * depth + "return nil\n}\n"
    assert unit(parse(src), "deep").partial


def test_registry_maps_go():
    assert backend_for("cmd/main.go").language == "go"
