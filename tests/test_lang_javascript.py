"""JavaScript backend: the guard IR it produces, asserted directly (independent of the rules)."""
from __future__ import annotations

import textwrap

import pytest

from semdiff.ir import Action, atoms_of, render
from semdiff.lang.registry import backend_for
from semdiff.lang.ts_javascript import JavaScriptBackend


def parse(src: str, path: str = "app/routes.js"):
    return JavaScriptBackend().parse(path, textwrap.dedent(src))


def unit(pf, qualname):
    found = [u for u in pf.units if u.qualname == qualname]
    assert found, f"no unit {qualname}; have {[u.qualname for u in pf.units]}"
    return found[0]


ROUTES = """\
const express = require('express');
const { timingSafeEqual } = require('crypto');
const jwt = require('jsonwebtoken');

const ALLOWED_ORIGINS = ['https://a.example', 'https://b.example'];
const config = { secure: true, tls: { rejectUnauthorized: false } };
const router = express.Router();

async function deleteUser(req, res) {
  if (!req.user.isAdmin && req.user.role !== 'owner') {
    return res.status(403).json({ error: 'forbidden' });
  }
  await User.remove(req.params.id);
  return res.status(204).end();
}

const verify = (token, key = 'dev') => {
  try {
    return jwt.verify(token, key);
  } catch (err) {
    console.error(err);
  }
};

class Tokens {
  check(a, b) {
    return timingSafeEqual(a, b);
  }
}

router.delete('/users/:id', requireAuth, deleteUser);
app.use(passport.authenticate('jwt', { session: false }));
https.request({ host: 'x', rejectUnauthorized: false });
"""


def test_units_and_qualnames():
    pf = parse(ROUTES)
    kinds = {u.qualname: u.kind for u in pf.units}
    assert kinds == {"<module>": "module", "deleteUser": "function", "verify": "function", "Tokens": "class", "Tokens.check": "method"}
    assert unit(pf, "deleteUser").params == ("req", "res")
    assert unit(pf, "Tokens.check").parent == "Tokens"
    assert unit(pf, "verify").span.line == 17
    assert pf.language == "javascript" and not pf.partial
    assert ("timingSafeEqual", "crypto.timingSafeEqual") in pf.imports
    assert ("jwt", "jsonwebtoken") in pf.imports


def test_403_guard_deny_formula_and_action():
    u = unit(parse(ROUTES), "deleteUser")
    guards = [g for g in u.guards if g.action is Action.ABORT]
    assert len(guards) == 1
    g = guards[0]
    assert render(g.deny_when) == "not req.user.isAdmin and not 'owner' == req.user.role"
    assert g.span.line == 10 and g.kind == "branch"
    # params renamed in atom keys, so renaming req is not a change
    keys = sorted(c.atom.key for c in u.comparisons)
    assert keys == ['"owner"==$0.user.role']
    assert all(c.in_guard for c in u.comparisons)
    # the final `return res.status(204)` is a plain exit, not a denial
    assert [g.action for g in u.guards if g.kind == "exit"] == [Action.RETURN]


def test_renamed_parameters_give_the_same_keys():
    before = unit(parse(ROUTES), "deleteUser")
    after = unit(parse(ROUTES.replace("(req, res)", "(request, response)").replace("req.", "request.").replace("res.", "response.")), "deleteUser")
    def keys(u):
        return [[a.key for a in atoms_of(g.deny_when)] for g in u.guards]

    assert keys(before) == keys(after) == [["$0.user.isAdmin", '"owner"==$0.user.role']] * 2
    assert before.body_key == after.body_key


def test_calls_with_object_literal_keywords():
    pf = parse(ROUTES)
    mod = unit(pf, "<module>")
    req = [c for c in mod.calls if c.callee == "https.request"][0]
    arg = req.kwarg("rejectUnauthorized")
    assert arg is not None and arg.value == "false" and arg.literal is False
    assert req.statement
    auth = [c for c in mod.calls if c.callee == "passport.authenticate"][0]
    assert auth.kwarg("session").literal is False
    assert auth.positional[0].literal == "jwt"
    verify = unit(pf, "verify")
    assert [c.callee for c in verify.calls] == ["jwt.verify", "console.error"]
    assert verify.calls[0].in_try and verify.calls[0].arg_keys == ("$0", "$1")
    # destructured imports are resolved to module.name
    assert unit(pf, "Tokens.check").calls[0].callee == "crypto.timingSafeEqual"


def test_constant_time_compare_is_an_equality_atom():
    u = unit(parse(ROUTES), "Tokens.check")
    (g,) = u.guards
    assert g.action is Action.PREDICATE
    assert render(g.deny_when) == "not a == b"


def test_middleware_are_decorators_and_auth_middleware_guards():
    mod = unit(parse(ROUTES), "<module>")
    decs = {(d.name, tuple(a.value for a in d.args)) for d in mod.decorators}
    assert ("requireAuth", ('"/users/:id"',)) in decs
    assert ("passport.authenticate", ()) in decs
    guards = [g for g in mod.guards if g.action is Action.DECORATOR]
    assert sorted(render(g.deny_when) for g in guards) == [
        "not passport.authenticate on use",
        'not requireAuth on delete("/users/:id")',
    ]
    assert all(g.span.line in (31, 32) for g in guards)


def test_handler_literals_settings():
    pf = parse(ROUTES)
    (h,) = unit(pf, "verify").handlers
    assert h.action is Action.LOG and h.catches == () and h.guarded_calls == ("jwt.verify",)
    mod = unit(pf, "<module>")
    lit = [l for l in mod.literals if l.target == "ALLOWED_ORIGINS"][0]
    assert lit.items == ("https://a.example", "https://b.example") and lit.kind == "list"
    settings = {s.key: s for s in mod.settings}
    assert settings["config.tls.rejectUnauthorized"].literal is False
    assert settings["config.secure"].literal is True and settings["config.secure"].scope == "config"
    default = [s for s in unit(pf, "verify").settings if s.scope == "default"]
    assert [(s.key, s.literal) for s in default] == [("key", "dev")]


def test_next_err_and_bare_return_after_deny_call():
    pf = parse("""\
    function requireAdmin(req, res, next) {
      if (!req.user) {
        return next(new UnauthorizedError('login'));
      }
      if (!req.user.roles.includes('admin')) {
        res.status(403).send('forbidden');
        return;
      }
      next();
    }
    """)
    u = unit(pf, "requireAdmin")
    denying = [g for g in u.guards if g.action.denies]
    assert [(g.action, render(g.deny_when)) for g in denying] == [
        (Action.DENY_RETURN, "not req.user"),
        (Action.ABORT, "req.user and not req.user.roles.includes('admin')"),
    ]
    assert denying[1].span == denying[1].span.__class__(5, 7)


def test_refusing_status_assignment_before_a_bare_return_denies():
    # Node's http / connect write the status as a property (`res.statusCode = 403`), Koa as
    # `ctx.status = 401`: the bare return after it ends a refused request, like `res.status(403)`
    pf = parse("""\
    function guard(req, res, next) {
      if (req.headers['sec-fetch-site'] === 'cross-site') {
        res.statusCode = 403;
        res.end('blocked');
        return;
      }
      next();
    }
    async function koaGuard(ctx, next) {
      if (!ctx.state.user) {
        ctx.status = 401;
        return;
      }
      await next();
    }
    """)
    g = [x for x in unit(pf, "guard").guards if x.action.denies]
    assert [(x.action, render(x.deny_when)) for x in g] == [(Action.ABORT, "'cross-site' == req.headers['sec-fetch-site']")]
    k = [x for x in unit(pf, "koaGuard").guards if x.action.denies]
    assert [(x.action, render(x.deny_when)) for x in k] == [(Action.ABORT, "not ctx.state.user")]


def test_success_status_or_a_compared_status_is_no_refusal():
    pf = parse("""\
    function cached(req, res) {
      if (req.headers['if-none-match'] === etag) {
        res.statusCode = 304;
        res.end();
        return;
      }
      if (upstream.statusCode === 403) {
        log('upstream refused');
        return;
      }
      res.end(body);
    }
    """)
    assert [x for x in unit(pf, "cached").guards if x.action.denies] == []


def test_negated_early_exit_is_in_the_path():
    u = unit(parse("""\
    function transfer(user, amount) {
      if (amount <= 0) throw new Error('bad amount');
      if (user.balance < amount) throw new Error('insufficient');
      return true;
    }
    """), "transfer")
    raises = [g for g in u.guards if g.action is Action.RAISE]
    assert render(raises[1].deny_when) == "not amount <= 0 and user.balance < amount"


def test_syntax_error_marks_unit_partial_without_crashing():
    pf = parse("function check(user) {\n  if (!user.isAdmin { throw new Error('x') }\n}\nfunction ok() { return 1; }\n")
    assert pf.partial
    assert any(u.partial for u in pf.units)


def test_deep_nesting_does_not_raise():
    depth = 3000
    src = "function deep(x) {\n" + "if (x) {\n" * depth + "throw new Error('x');\n" + "}\n" * depth + "}\n"
    pf = parse(src)
    assert unit(pf, "deep").partial
    expr = "function f(a) { return " + "!(" * 2000 + "a" + ")" * 2000 + "; }\n"
    pf = parse(expr)
    assert unit(pf, "f").guards


@pytest.mark.parametrize("path", ["a.js", "b.mjs", "c.cjs", "d.jsx"])
def test_registry_maps_javascript_extensions(path):
    b = backend_for(path)
    assert b is not None and b.language == "javascript"


def test_jsx_component_redirect_is_a_denial():
    u = unit(parse("""\
    export function Admin({ user }) {
      if (!user?.isAdmin) return <Navigate to="/login" />;
      return <Panel />;
    }
    """, "src/Admin.jsx"), "Admin")
    (g,) = [g for g in u.guards if g.action.denies]
    assert g.action is Action.ABORT and render(g.deny_when) == "not user?.isAdmin"


def test_lookups_that_look_like_routes_are_not_middleware():
    mod = unit(parse("""\
    const v = map.get('key', requireAuth);
    const h = res.get('X-Auth', checkAuth);
    app.use('/admin', requireAdmin, adminRouter);
    """), "<module>")
    assert [(d.name, d.args[0].literal) for d in mod.decorators] == [("requireAdmin", "/admin")]
    assert [render(g.deny_when) for g in mod.guards if g.action is Action.DECORATOR] == ['not requireAdmin on use("/admin")']


def test_value_returning_or_is_not_a_predicate():
    pf = parse("""\
    function options(opts) { return opts || {}; }
    function allowed(user) { return user.active && user.verified; }
    """)
    assert unit(pf, "options").guards[0].kind == "exit"
    (g,) = unit(pf, "allowed").guards
    assert g.action is Action.PREDICATE and render(g.deny_when) == "not user.active or not user.verified"


NON_ASCII_HANDLER = """\
function requireOwner(req, res, next) {
  // {note}
  const owner = req.params.owner;
  if (req.user.id !== owner) {
    return res.status(403).json({ error: 'forbidden' });
  }
  router.post('/x', (q, r) => { r.status(401).end(); });
  next();
}
"""


def test_non_ascii_file_gives_the_same_ir_as_its_ascii_twin():
    # ASCII files take node texts as slices of one decoded str and skip cutting functions out
    # of calls that hold no 4xx; other files decode per node: both must see the same code
    ascii_pf = parse(NON_ASCII_HANDLER.replace("{note}", "plain note"))
    other_pf = parse(NON_ASCII_HANDLER.replace("{note}", "ünïcödé ✓ 日本"))
    a, b = unit(ascii_pf, "requireOwner"), unit(other_pf, "requireOwner")
    assert [(g.action, render(g.deny_when), g.span.line) for g in a.guards] == \
        [(g.action, render(g.deny_when), g.span.line) for g in b.guards]
    assert [(c.callee, c.arg_keys, c.span.line) for c in a.calls] == [(c.callee, c.arg_keys, c.span.line) for c in b.calls]
    assert a.body_key == b.body_key  # comments are not part of a key
    deny = [g for g in a.guards if g.action is Action.ABORT]
    # the 401 is the nested handler's denial (its body is walked with the unit), not router.post's
    assert [(g.span.line, g.text.split("(", 1)[0].strip()) for g in deny] == [(4, "if"), (7, "r.status")]
