"""Per-file memos of the Go/Java backends and the guard walk (issue 7 speed work) give the IR the
unmemoised code gives: a value bound to two names, a callee or receiver text met twice, an
annotation repeated on two methods, an `if` line read from a non-ASCII file."""
from __future__ import annotations

import textwrap

from semdiff.lang.ts_common import TreeSitterBackend
from semdiff.lang.ts_go import GoBackend
from semdiff.lang.ts_java import JavaBackend


class PlainGo(GoBackend):
    """The backend with the generic binding key (no reuse of the first name's key)."""

    def binding_key(self, node, d, ctx):  # type: ignore[no-untyped-def]
        return TreeSitterBackend.binding_key(self, node, d, ctx)


def unit(pf, qualname):
    found = [u for u in pf.units if u.qualname == qualname]
    assert found, f"no unit {qualname}; have {[u.qualname for u in pf.units]}"
    return found[0]


GO_PAIRS = textwrap.dedent("""\
    package api

    var tok = "t"

    func pair(raw string) error {
    	claims, err := verify(raw)
    	use(claims, err)
    	return nil
    }

    func reuse(raw string) error {
    	tok, err := parse(tok, raw)
    	use(tok, err)
    	return nil
    }
    """)


def test_go_two_names_one_value_share_the_key_base():
    pf = GoBackend().parse("api/pairs.go", GO_PAIRS)
    names = dict(unit(pf, "pair").locals)
    assert names["err"] == names["claims"] + "_1"  # same key, second local of that key


def test_go_second_name_rekeyed_when_the_first_occurs_in_the_value():
    pf = GoBackend().parse("api/pairs.go", GO_PAIRS)
    names = dict(unit(pf, "reuse").locals)
    # `tok` is renamed inside `parse(tok, raw)` once bound: err's key is not tok's
    assert not names["err"].startswith(names["tok"])
    assert names["err"].count("_") == 0


def test_go_binding_reuse_matches_the_generic_key():
    assert repr(GoBackend().parse("api/pairs.go", GO_PAIRS)) == repr(PlainGo().parse("api/pairs.go", GO_PAIRS))


GO_CALLEES = textwrap.dedent("""\
    package api

    import (
    	"net/http"

    	j "github.com/golang-jwt/jwt/v5"
    )

    func a(w http.ResponseWriter, raw string) {
    	if _, err := j.Parse(raw, nil); err != nil {
    		http.Error(w, "no", 401)
    		return
    	}
    }

    func b(w http.ResponseWriter, raw string) {
    	t, err := j.Parse(raw, nil)
    	if err != nil {
    		http.Error(w, "no", 401)
    		return
    	}
    	use(t)
    }
    """)


def test_go_repeated_callee_text_resolves_the_alias_each_time():
    pf = GoBackend().parse("api/callees.go", GO_CALLEES)
    for name, line in (("a", 10), ("b", 17)):
        calls = {(c.callee, c.span.line) for c in unit(pf, name).calls}
        assert ("jwt.Parse", line) in calls
        assert any(c == "http.Error" for c, _ in calls)


def test_go_callees_in_a_tree_with_errors_are_still_resolved():
    broken = GO_CALLEES.replace("func b(", "func b((")
    pf = GoBackend().parse("api/callees.go", broken)
    assert pf.partial
    assert ("jwt.Parse", 10) in {(c.callee, c.span.line) for c in unit(pf, "a").calls}


JAVA = textwrap.dedent("""\
    package demo;

    import static org.springframework.http.ResponseEntity.status;

    class Admin {
        @PreAuthorize("hasRole('ADMIN')")
        void one(HttpServletResponse response) throws IOException {
            response.sendError(403);
        }

        @PreAuthorize("hasRole('ADMIN')")
        void two(HttpServletResponse response) throws IOException {
            if (denied()) {
                response.sendError(403);
                return;
            }
            status(403);
        }
    }
    """)


def test_java_repeated_annotation_keeps_its_own_line():
    pf = JavaBackend().parse("src/Admin.java", JAVA)
    one, two = unit(pf, "Admin.one"), unit(pf, "Admin.two")
    assert [(d.name, d.span.line) for d in one.decorators] == [("PreAuthorize", 6)]
    assert [(d.name, d.span.line) for d in two.decorators] == [("PreAuthorize", 11)]
    assert one.decorators[0].args == two.decorators[0].args
    assert one.decorators[0].args[0].literal == "hasRole('ADMIN')"


def test_java_repeated_receiver_text_gives_each_call_its_callee():
    pf = JavaBackend().parse("src/Admin.java", JAVA)
    assert [(c.callee, c.span.line) for c in unit(pf, "Admin.one").calls] == [("response.sendError", 8)]
    calls = [(c.callee, c.span.line) for c in unit(pf, "Admin.two").calls]
    assert ("response.sendError", 14) in calls
    assert ("ResponseEntity.status", 17) in calls  # a static import resolves with or without receiver


def test_branch_text_is_the_if_line_in_a_non_ascii_file():
    src = GO_CALLEES.replace("package api\n", "package api\n\n// vérifié\n")
    pf = GoBackend().parse("api/callees.go", src)
    texts = [g.text for g in unit(pf, "b").guards if g.kind == "branch"]
    assert texts and texts[0].startswith("if err != nil {")
