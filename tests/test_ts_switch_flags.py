"""Guard IR of the tree-sitter backends for switch/case, followed boolean locals, `continue`
skip guards and early returns on failed check calls (Go, JavaScript, Java), asserted on the IR."""
from __future__ import annotations

import textwrap

from semdiff.ir import Action, render
from semdiff.lang.ts_go import GoBackend
from semdiff.lang.ts_java import JavaBackend
from semdiff.lang.ts_javascript import JavaScriptBackend


def guards(backend, path: str, src: str, qualname: str):
    pf = backend.parse(path, textwrap.dedent(src))
    found = [u for u in pf.units if u.qualname == qualname]
    assert found, [u.qualname for u in pf.units]
    return found[0].guards


def go(src: str, qualname: str):
    return guards(GoBackend(), "p/p.go", "package p\n" + textwrap.dedent(src), qualname)


def js(src: str, qualname: str):
    return guards(JavaScriptBackend(), "lib/m.js", src, qualname)


def java(src: str, qualname: str):
    return guards(JavaBackend(), "src/main/java/T.java", src, qualname)


def shown(gs):
    return [(g.span.line, g.action, render(g.condition)) for g in gs]


# ---- switch / case ----

def test_go_case_bodies_are_walked_and_default_denies_other_values():
    gs = go("""
    func f(x string) error {
    	switch x {
    	case "a", "b":
    	default:
    		return fmt.Errorf("bad %q", x)
    	}
    	return nil
    }
    """, "f")
    deny = [g for g in gs if g.action is Action.DENY_RETURN]
    # several values are one membership test, so the guards after the switch carry one atom
    assert [render(g.condition) for g in deny] == ['not x in ("a", "b")']
    # what runs past the switch is the allowed values only
    assert render([g for g in gs if g.kind == "exit"][0].deny_when) == 'x in ("a", "b")'


def test_single_value_case_is_the_equality_an_if_would_test():
    gs = go("""
    func f(x string) error {
    	switch x {
    	case "a":
    	default:
    		return errors.New("denied")
    	}
    	return nil
    }
    """, "f")
    assert [render(g.condition) for g in gs if g.action is Action.DENY_RETURN] == ['not "a" == x']


def test_subject_reassigned_in_a_case_leaves_no_test_on_the_path_after():
    gs = go("""
    func f(u *URL) error {
    	switch u.Scheme {
    	case "ws":
    		u.Scheme = "http"
    	default:
    		return errMalformed
    	}
    	if u.User != nil {
    		return errMalformed
    	}
    	return nil
    }
    """, "f")
    assert render([g for g in gs if "u.User" in g.text][0].deny_when) == "not u.User == nil"


def test_go_tagless_switch_case_excludes_earlier_cases():
    gs = go("""
    func f(a, b bool) error {
    	switch {
    	case a:
    		return nil
    	case b:
    		return errors.New("denied")
    	}
    	return nil
    }
    """, "f")
    deny = [g for g in gs if g.action is Action.DENY_RETURN]
    assert [render(g.condition) for g in deny] == ["b and not a"]


def test_go_select_case_bodies_are_walked_with_the_switch_path():
    gs = go("""
    func f(ch chan int) error {
    	select {
    	case <-ch:
    		panic("closed")
    	}
    	return nil
    }
    """, "f")
    assert [g.action for g in gs if g.action is Action.RAISE] == [Action.RAISE]


def test_js_fallthrough_cases_share_one_branch_and_break_leaves_the_switch():
    gs = js("""
    function f(x) {
      switch (x) {
        case 'a':
        case 'b':
          break;
        default:
          throw new Error('bad');
      }
      return 2;
    }
    """, "f")
    raise_ = [g for g in gs if g.action is Action.RAISE]
    assert [render(g.condition) for g in raise_] == ["not x in ('a', 'b')"]
    assert render([g for g in gs if g.span.line == 10][0].deny_when) == "x in ('a', 'b')"


def test_js_switch_true_cases_are_their_own_tests():
    gs = js("""
    function f(n) {
      switch (true) {
        case n > 10:
          throw new Error('too many');
      }
      return n;
    }
    """, "f")
    assert [render(g.condition) for g in gs if g.action is Action.RAISE] == ["10 < n"]


def test_java_arrow_rules_and_pattern_labels():
    gs = java("""
    class T {
        void f(String s) {
            switch (s) {
                case "r", "w" -> { }
                default -> throw new SecurityException("no");
            }
        }
        void g(Object o) {
            switch (o) {
                case String str -> throw new SecurityException("no");
                default -> { }
            }
        }
    }
    """, "T.f")
    assert [render(g.condition) for g in gs if g.action is Action.RAISE] == ['not s in ("r", "w")']
    # a type-pattern switch is not mapped to value tests: its throw keeps the switch's path
    pat = java("""
    class T {
        void g(Object o) {
            switch (o) {
                case String str -> throw new SecurityException("no");
                default -> { }
            }
        }
    }
    """, "T.g")
    assert [render(g.condition) for g in pat if g.action is Action.RAISE] == ["True"]


# ---- boolean locals ----

def test_go_flag_returned_is_the_formula_of_its_assignments():
    gs = go("""
    func (c *client) allowed(td string) bool {
    	allowed := true
    	if c.leaf {
    		allowed = c.leafAllowed(td)
    	} else if c.perms != nil && !c.pubAllowed(td) {
    		allowed = false
    	}
    	return allowed
    }
    """, "client.allowed")
    pred = [g for g in gs if g.action is Action.PREDICATE]
    assert len(pred) == 1 and pred[0].span.line == 10
    atoms = render(pred[0].condition)
    assert "c.leafAllowed(td)" in atoms and "c.pubAllowed(td)" in atoms


def test_java_flag_handed_to_set_authorized_is_a_predicate():
    gs = java("""
    class H {
        void handle(AuthorizeCallback ac) {
            boolean ok = false;
            ok = ac.getAuthenticationID().equals(ac.getAuthorizationID());
            ac.setAuthorized(ok);
        }
    }
    """, "H.handle")
    assert [(g.action, render(g.condition)) for g in gs] == [
        (Action.PREDICATE, "not ac.getAuthenticationID().equals(ac.getAuthorizationID())")]


def test_js_compound_assignments_fold_into_the_flag():
    gs = js("function f() { let a = true; a = false; a &&= y; a ||= z; return a; }\n", "f")
    assert [render(g.condition) for g in gs] == ["not z"]


def test_flag_assigned_once_stays_a_name():
    gs = go("""
    func f(s string) (*T, bool) {
    	ok := len(s) == 3
    	if !ok {
    		return nil, false
    	}
    	return &T{}, true
    }
    """, "f")
    assert render(gs[0].condition) == "not ok"


def test_flag_redeclared_from_a_tuple_restarts_from_its_own_name():
    gs = go("""
    func f() bool {
    	ok := true
    	ok, err := g()
    	if err != nil {
    		ok = false
    	}
    	return ok
    }
    """, "f")
    assert [render(g.condition) for g in gs if g.action is Action.PREDICATE] == ["not err == nil or not ok"]


# ---- continue as a skip guard ----

def test_continue_after_a_failure_mark_is_a_guard_and_a_plain_skip_is_not():
    gs = go("""
    func f(subs []*sub) {
    	for _, s := range subs {
    		if s.name == "" {
    			continue
    		}
    		if strings.HasPrefix(s.name, internal) {
    			s.qos = subAckFailure
    			continue
    		}
    		if bad(s) {
    			log.Printf("skipping %s: denied", s)
    			continue
    		}
    		use(s)
    	}
    }
    """, "f")
    assert [(g.span.line, g.action, render(g.condition)) for g in gs] == [
        (8, Action.ABORT, "strings.HasPrefix(s.name, internal)")]


# ---- early return on a failed check ----

def test_bare_return_after_a_failed_check_call_refuses():
    gs = go("""
    func (c *Api) AddKey() {
    	if !c.checkKeyPermission(&key) {
    		return
    	}
    	if !c.isEmpty() {
    		return
    	}
    	c.save()
    }
    """, "Api.AddKey")
    assert [(g.span.line, g.action) for g in gs] == [(4, Action.ABORT), (7, Action.RETURN)]


def test_awaited_check_and_allowed_predicates_refuse_in_javascript():
    gs = js("""
    async function h(req, res) {
      if (!(await checkAuth(req, res))) return;
      if (!strategy.isRedirectAllowed(a, b)) return res.end();
      if (!isEmpty(x)) return;
      go();
    }
    """, "h")
    assert [g.action for g in gs] == [Action.ABORT, Action.ABORT, Action.RETURN]


def test_returned_close_of_a_connection_refuses_only_in_a_branch():
    gs = js("""
    function onSession(session, sid) {
      if (!sid) {
        return session.close();
      }
      if (sid === 'x') {
        return render(sid);
      }
      return session.close();
    }
    """, "onSession")
    assert [(g.action, g.kind) for g in gs] == [(Action.ABORT, "branch"), (Action.RETURN, "branch"), (Action.RETURN, "exit")]


def test_logged_error_before_continue_is_no_skip_guard():
    gs = go("""
    func f(items []string) {
    	for _, it := range items {
    		v, err := parse(it)
    		if err != nil {
    			log.Errorf("failed to parse %s: %v", it, err)
    			continue
    		}
    		use(v)
    	}
    }
    """, "f")
    assert [g for g in gs if g.action is Action.ABORT] == []


def test_flag_from_a_tuple_reassigned_later_is_followed_from_its_own_name():
    # `user, pass, ok := r.BasicAuth(); if ok { if bad { ok = false } }; if !ok { deny }` reads
    # the same as a flag declared alone: its own name until assigned again
    gs = go("""
    func (b *basicAuth) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
    	user, password, ok := req.BasicAuth()
    	if ok {
    		if !check(user, password) {
    			ok = false
    		}
    	}
    	if !ok {
    		http.Error(rw, "unauthorized", 401)
    		return
    	}
    }
    """, "basicAuth.ServeHTTP")
    deny = [g for g in gs if g.action is Action.ABORT]
    assert [render(g.condition) for g in deny] == ["(ok and not check(user, password)) or not ok"]
