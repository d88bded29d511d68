"""The JavaScript/TypeScript per-file memos (call text -> callee/Arguments/keys, callee text ->
callee, call text -> deny_call) and the walk pattern folded into the file-query pass must give
the IR the plain code gives. Each case parses a file twice -- as shipped, and with every memo
off and the walk query run on its own -- and compares the ParsedFile whole, then checks the
concrete facts a wrong memo would break (argument keys under different renames, callees after
imports, denials).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from tree_sitter import Node

from semdiff.ir import Action, ParsedFile
from semdiff.lang.ts_common import FileContext
from semdiff.lang.ts_javascript import JavaScriptBackend
from semdiff.lang.ts_typescript import TsxBackend, TypeScriptBackend


def _plain(cls: type) -> type:
    """The backend with the memos off and the walk query on its own pass."""

    class Plain(cls):  # type: ignore[misc, valid-type]
        UNIT_NODE_TYPES = frozenset()

        def _run_file_queries(self, root: Node, ctx: FileContext) -> None:
            ctx.call_memo = ctx.callee_memo = ctx.deny_memo = None
            super()._run_file_queries(root, ctx)

    return Plain


SAME_CALLS = """
const { verify: check } = require('jsonwebtoken');

function loadUser(req, res, next) {
  const item = db.users.find(req.params.id);
  if (!item) {
    return res.status(401).json({ error: 'unauthenticated' });
  }
  audit(item, req.user);
  check(item.token, secret);
  next(err);
}

function loadOrder(req, res, next) {
  const item = db.orders.find(req.params.id);
  if (!item) {
    return res.status(401).json({ error: 'unauthenticated' });
  }
  audit(item, req.user);
  check(item.token, secret);
  next(err);
}

router.get('/a', requireAuth, (req, res) => { audit(item, req.user); next(err); });
"""


def _both(cls: type, path: str, text: str) -> tuple[ParsedFile, ParsedFile]:
    return cls().parse(path, text), _plain(cls)().parse(path, text)


def _unit(parsed: ParsedFile, qualname: str):
    return next(u for u in parsed.units if u.qualname == qualname)


def _call(unit, callee: str):
    return next(c for c in unit.calls if c.callee == callee)


def test_repeated_calls_same_ir_as_without_memos() -> None:
    fast, plain = _both(JavaScriptBackend, "app.js", SAME_CALLS)
    assert repr(fast) == repr(plain)


def test_argument_keys_follow_each_units_renames() -> None:
    fast, _ = _both(JavaScriptBackend, "app.js", SAME_CALLS)
    user, order = _unit(fast, "loadUser"), _unit(fast, "loadOrder")
    a, b = _call(user, "audit"), _call(order, "audit")
    assert a.args == b.args  # same text, same Arguments
    # `item` is a local bound to different values: a different %name in each unit's key;
    # `req` is parameter 0 in both: $0
    assert a.arg_keys[0].startswith("%") and b.arg_keys[0].startswith("%")
    assert a.arg_keys[0] != b.arg_keys[0]
    assert a.arg_keys[1] == b.arg_keys[1] == "$0.user"
    module = _unit(fast, "<module>")
    assert _call(module, "audit").arg_keys == ("item", "req.user")  # module level: no renames


def test_callee_resolved_through_imports_in_every_unit() -> None:
    fast, _ = _both(JavaScriptBackend, "app.js", SAME_CALLS)
    for name in ("loadUser", "loadOrder"):
        assert _call(_unit(fast, name), "jsonwebtoken.verify").span.line in (10, 20)


def test_repeated_denial_read_in_every_unit() -> None:
    fast, _ = _both(JavaScriptBackend, "app.js", SAME_CALLS)
    for name, line in (("loadUser", 6), ("loadOrder", 16)):
        guards = _unit(fast, name).guards
        assert any(g.action is Action.ABORT and g.span.line == line for g in guards), name
        # `next(err)` (the same text in both units) denies in each
        assert any(g.action is Action.DENY_RETURN and g.span.line == line + 5 for g in guards), name


def test_typescript_and_tsx_same_ir_as_without_memos() -> None:
    ts = SAME_CALLS.replace("(req, res, next)", "(req: Request, res: Response, next: Next)")
    for cls, path in ((TypeScriptBackend, "app.ts"), (TsxBackend, "app.tsx")):
        fast, plain = _both(cls, path, ts)
        assert repr(fast) == repr(plain)
        assert [u.qualname for u in fast.units] == ["<module>", "loadUser", "loadOrder"]


def test_class_units_and_broken_tree_same_ir() -> None:
    text = """
class Guard {
  check(req) { if (!req.user) { return res.status(403).end(); } next(); }
}
const Other = class { run(x) { next(x); } };
function broken( { next(err);
"""
    fast, plain = _both(JavaScriptBackend, "g.js", text)
    assert repr(fast) == repr(plain)
    fast2, plain2 = _both(JavaScriptBackend, "g.js", text.rsplit("function broken", 1)[0])
    assert repr(fast2) == repr(plain2)
    assert {"Guard", "Guard.check", "Other", "Other.run"} <= {u.qualname for u in fast2.units}
