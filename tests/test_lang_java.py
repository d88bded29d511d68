"""Java backend: the guard IR it produces, asserted directly (independent of the rules)."""
from __future__ import annotations

import textwrap

from semdiff.ir import Action, render
from semdiff.lang.registry import backend_for
from semdiff.lang.ts_java import JavaBackend


def parse(src: str, path: str = "src/main/java/com/example/AdminController.java"):
    return JavaBackend().parse(path, textwrap.dedent(src))


def unit(pf, qualname):
    found = [u for u in pf.units if u.qualname == qualname]
    assert found, f"no unit {qualname}; have {[u.qualname for u in pf.units]}"
    return found[0]


CONTROLLER = """\
package com.example;

import java.security.MessageDigest;
import org.springframework.security.access.prepost.PreAuthorize;

@RestController
public class AdminController {
    private static final String DIGEST = "SHA-256";
    private static final List<String> ROLES = List.of("ADMIN", "OPS");
    private int retries = 3;

    public AdminController(UserService users) {
        this.users = users;
    }

    @PreAuthorize("hasRole('ADMIN')")
    @DeleteMapping("/users/{id}")
    public ResponseEntity<Void> delete(User user, long id) {
        if (!user.isAdmin()) {
            throw new AccessDeniedException("admins only");
        }
        if (user.isLocked()) return ResponseEntity.status(HttpStatus.FORBIDDEN).build();
        try {
            MessageDigest md = MessageDigest.getInstance(DIGEST);
            audit(md, id);
        } catch (NoSuchAlgorithmException | IllegalStateException e) {
            log.warn("no digest", e);
        }
        return ResponseEntity.noContent().build();
    }

    boolean sameToken(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    class Inner {
        void check(Request req) {
            assert req.user() != null : "user";
        }
    }

    SecurityFilterChain chain(HttpSecurity http) throws Exception {
        http.csrf().disable().authorizeRequests().anyRequest().permitAll();
        return http.build();
    }
}
"""


def test_units_qualnames_and_constructor():
    pf = parse(CONTROLLER)
    assert [u.qualname for u in pf.units] == [
        "<module>", "AdminController", "AdminController.<init>", "AdminController.delete",
        "AdminController.sameToken", "AdminController.Inner", "AdminController.Inner.check", "AdminController.chain",
    ]
    d = unit(pf, "AdminController.delete")
    assert d.kind == "method" and d.params == ("user", "id") and d.parent == "AdminController"
    assert d.span.line == 16  # from the first annotation
    assert ("MessageDigest", "java.security.MessageDigest") in pf.imports


def test_annotations_are_decorators_and_preauthorize_guards():
    d = unit(parse(CONTROLLER), "AdminController.delete")
    assert [(x.name, x.args[0].literal) for x in d.decorators] == [
        ("PreAuthorize", "hasRole('ADMIN')"), ("DeleteMapping", "/users/{id}")]
    dec = [g for g in d.guards if g.action is Action.DECORATOR]
    assert len(dec) == 1 and dec[0].span.line == 16 and dec[0].kind == "decorator"


def test_throw_and_forbidden_response_guards():
    d = unit(parse(CONTROLLER), "AdminController.delete")
    branch = [(g.action, render(g.deny_when), g.span.line) for g in d.guards if g.kind == "branch"]
    assert branch == [
        (Action.RAISE, "not user.isAdmin()", 19),
        (Action.ABORT, "user.isAdmin() and user.isLocked()", 22),
    ]


def test_catch_handler_logs():
    d = unit(parse(CONTROLLER), "AdminController.delete")
    (h,) = d.handlers
    assert h.catches == ("NoSuchAlgorithmException", "IllegalStateException")
    assert h.action is Action.LOG
    assert h.guarded_calls == ("MessageDigest.getInstance", "audit")
    md = [c for c in d.calls if c.callee == "MessageDigest.getInstance"][0]
    assert md.in_try and md.args[0].value == "DIGEST"


def test_constant_time_and_assert():
    pf = parse(CONTROLLER)
    (g,) = unit(pf, "AdminController.sameToken").guards
    assert g.action is Action.PREDICATE and render(g.deny_when) == "not a == b"
    (a,) = unit(pf, "AdminController.Inner.check").guards
    assert a.action is Action.ASSERT and render(a.deny_when) == "req.user() == null"


def test_security_chain_calls_keep_the_chain():
    callees = [c.callee for c in unit(parse(CONTROLLER), "AdminController.chain").calls]
    assert "http.csrf().disable" in callees
    assert "http.csrf().disable().authorizeRequests().anyRequest().permitAll" in callees


def test_static_final_fields_are_settings():
    cls = unit(parse(CONTROLLER), "AdminController")
    settings = {s.key: (s.literal, s.scope) for s in cls.settings}
    assert settings["DIGEST"] == ("SHA-256", "assignment")
    assert settings["retries"] == (3, "field")
    (lit,) = [l for l in cls.literals if l.target == "ROLES"]
    assert lit.items == ("ADMIN", "OPS")


def test_overloads_get_distinct_qualnames():
    pf = parse("class A { boolean ok(int a) { return a > 0; } boolean ok(String s) { return s != null; } }")
    assert [u.qualname for u in pf.units] == ["<module>", "A", "A.ok", "A.ok#2"]


def test_syntax_error_and_deep_nesting_do_not_crash():
    pf = parse("class A { void f(User u) { if (!u.isAdmin() { throw new X(); } } void g() {} }")
    assert pf.partial and any(u.partial for u in pf.units)
    depth = 2500
    src = "class A { void deep(boolean x) {\n" + "if (x) {\n" * depth + "throw new X();\n" + "}\n" * depth + "} }\n"
    assert unit(parse(src), "A.deep").partial


def test_registry_maps_java():
    assert backend_for("src/A.java").language == "java"
