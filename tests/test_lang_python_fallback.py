"""The tree-sitter Python fallback (semdiff.lang.ts_python) for file versions libcst rejects.

Three promises are pinned here: on code libcst can read, the fallback's IR is libcst's IR
(every fixture, both sides, unit for unit); on code libcst cannot read (Python 2, conflict
markers, syntax errors) it still yields units and guards, marking the damaged ones partial;
and hostile input never crashes it. The last test runs the rules end to end on Python 2
files through a small stand-in for the pipeline wiring (see `_with_fallback`).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from semdiff import pipeline
from semdiff.ir import Action, Atom, Not, ParsedFile, Unit
from semdiff.lang.python_cst import PythonBackend
from semdiff.lang.ts_python import MAX_UNIT_DEPTH, parse_python_fallback

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "python"
SIDES = sorted(p for d in FIXTURES.iterdir() if d.is_dir() for p in d.glob("*.py"))


def _libcst(text: str, path: str = "x.py") -> ParsedFile:
    return PythonBackend().parse(path, text)


def _unit(parsed: ParsedFile, qualname: str) -> Unit:
    return next(u for u in parsed.units if u.qualname == qualname)


# ------------------------------------------------------------------ equivalence with libcst


def test_defs_nested_in_handlers_and_cases_are_listed_once() -> None:
    """python_cst once reached a try's handlers and a match's cases both through `children`
    and through `handlers`/`cases`, listing their nested defs twice."""
    text = "try:\n    pass\nexcept E:\n    def f():\n        pass\nmatch x:\n    case 1:\n        def g():\n            pass\n"
    for parsed in (_libcst(text), parse_python_fallback(text, "x.py")):
        assert [u.qualname for u in parsed.units] == ["f", "g", "<module>"]


def test_fixture_sides_are_many() -> None:
    assert len(SIDES) >= 300  # every fixture's before.py and after.py


@pytest.mark.parametrize("path", SIDES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fallback_ir_equals_libcst_ir(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    ref = _libcst(text, str(path))
    assert ref.error is None
    got = parse_python_fallback(text, str(path))
    assert got.error is None and not got.partial
    assert got.imports == ref.imports
    ref_units, got_units = list(ref.units), list(got.units)
    assert [u.qualname for u in got_units] == [u.qualname for u in ref_units]
    for r, g in zip(ref_units, got_units):
        # the fields the rules read, one by one so a failure names the field
        assert [(x.kind, x.action, x.span, x.text, x.reachable) for x in g.guards] == \
               [(x.kind, x.action, x.span, x.text, x.reachable) for x in r.guards], r.qualname
        assert [(x.deny_when, x.condition, x.path) for x in g.guards] == [(x.deny_when, x.condition, x.path) for x in r.guards], r.qualname
        assert [(x.atom, x.source_op, x.negated, x.span, x.in_guard) for x in g.comparisons] == \
               [(x.atom, x.source_op, x.negated, x.span, x.in_guard) for x in r.comparisons], r.qualname
        assert g.calls == r.calls, r.qualname
        assert g.handlers == r.handlers, r.qualname
        assert g.decorators == r.decorators, r.qualname
        assert g.literals == r.literals, r.qualname
        assert g.settings == r.settings, r.qualname
        assert g == r  # and everything else: spans, params, body_key, locals, parent, text


ORDINARY = '''
import hashlib
import requests as rq
from flask import abort, request
from .perms import login_required

ALLOWED_HOSTS = ["example.com", "api.example.com"]
CONFIG = {"SESSION_COOKIE_SECURE": True, "PBKDF2_ITERATIONS": 100_000}
DEBUG = False


@login_required
@app.route("/admin/<int:uid>", methods=["POST"])
def delete(uid, force=False):
    """Delete a user."""
    user = request.user
    if not user.is_admin:
        abort(403)
    if user.tenant != uid and not force:
        raise PermissionError("other tenant")
    try:
        rq.post("https://x/hook", json={"id": uid}, verify=False, timeout=5)
    except:
        pass

    def audit(entry):
        return entry.level >= 3 and entry.kind in ("a", "b")

    return hashlib.sha256(str(uid).encode()).hexdigest()


class Service(Base):
    timeout = 30

    def check(self, token):
        if token is None:
            return False
        return hmac.compare_digest(token, self.secret)
'''


def test_ordinary_python_same_units_and_concrete_shapes() -> None:
    ref, got = _libcst(ORDINARY), parse_python_fallback(ORDINARY, "x.py")
    assert [u.qualname for u in got.units] == ["delete.<locals>.audit", "delete", "Service.check", "Service", "<module>"]
    assert list(got.units) == list(ref.units)
    delete = _unit(got, "delete")
    assert [(g.kind, g.action, g.span.line) for g in delete.guards] == [
        ("decorator", Action.DECORATOR, 12),  # @login_required (a route is not a check)
        ("branch", Action.ABORT, 17),
        ("branch", Action.RAISE, 19),
        ("exit", Action.RETURN, 29),
    ]
    abort_guard = delete.guards[1]
    assert abort_guard.text == "if not user.is_admin: abort(403)"
    assert isinstance(abort_guard.condition, Not) and isinstance(abort_guard.condition.arg, Atom)
    assert abort_guard.condition.arg.key.endswith(".is_admin") and abort_guard.condition.arg.key.startswith("%")
    tenant = next(c for c in delete.comparisons if c.source_op == "!=")
    assert (tenant.atom.op, tenant.negated, tenant.in_guard) == ("==", True, True)
    post = next(c for c in delete.calls if c.callee == "requests.post")
    assert post.kwarg("verify").literal is False and post.in_try
    assert [(h.catches, h.action) for h in delete.handlers] == [((), Action.PASS)]
    assert [(s.key, s.literal, s.scope, s.text) for s in delete.settings] == [("force", False, "default", "force")]
    module = _unit(got, "<module>")
    assert ("ALLOWED_HOSTS", ("example.com", "api.example.com")) in [(x.target, x.items) for x in module.literals]
    assert ("CONFIG.PBKDF2_ITERATIONS", 100_000) in [(s.key, s.literal) for s in module.settings]
    check = _unit(got, "Service.check")
    assert [(g.kind, g.action) for g in check.guards] == [("branch", Action.DENY_RETURN), ("predicate", Action.PREDICATE)]
    assert check.guards[1].condition.arg.op == "=="  # compare_digest is `==` in truth, as in libcst


# ------------------------------------------------------------------ Python 2 and broken files


PY2 = '''import os, sys
from flask import abort

def delete(user, path):
    print "deleting", path
    if not user.is_admin:
        abort(403)
    try:
        os.remove(path)
    except OSError, e:
        print >>sys.stderr, "failed: %s" % e
    mode = 0777
    shown = `mode`
    exec "x = 1"
    return True

class Admin(object):
    def check(self, req):
        if req.user is None:
            raise ValueError, "no user"
        return req.user.is_staff == True
'''


def test_python2_file_is_refused_by_libcst_and_read_by_the_fallback() -> None:
    assert _libcst(PY2).error is not None
    got = parse_python_fallback(PY2, "legacy.py")
    assert got.error is None and not got.partial
    assert [u.qualname for u in got.units] == ["delete", "Admin.check", "Admin", "<module>"]
    assert not any(u.partial for u in got.units)
    delete = _unit(got, "delete")
    guard = delete.guards[0]
    assert (guard.kind, guard.action, guard.span.line, guard.span.end_line) == ("branch", Action.ABORT, 6, 7)
    assert guard.text == "if not user.is_admin: abort(403)"
    assert guard.condition == Not(Atom("$0.is_admin", "user.is_admin", "name"))
    assert [(h.catches, h.action) for h in delete.handlers] == [(("OSError",), Action.LOG)]  # `except E, e` + print
    callees = [c.callee for c in delete.calls]
    assert callees == ["print", "flask.abort", "os.remove", "print", "exec"]  # statements become their calls
    assert delete.calls[3].kwarg("file").value == "sys.stderr"  # `print >>f` is print(file=f)
    assert _unit(got, "delete").calls[2].in_try
    check = _unit(got, "Admin.check")
    assert [(g.kind, g.action, g.span.line) for g in check.guards] == [("branch", Action.RAISE, 19), ("predicate", Action.PREDICATE, 21)]
    assert check.guards[0].text == 'if req.user is None: raise ValueError, "no user"'


def test_python2_file_matches_its_python3_port_on_the_guards() -> None:
    py3 = (PY2.replace('print "deleting", path', 'print("deleting", path)').replace("except OSError, e:", "except OSError as e:")
           .replace('print >>sys.stderr, "failed: %s" % e', 'print("failed: %s" % e, file=sys.stderr)')
           .replace("0777", "0o777").replace("`mode`", "repr(mode)").replace('exec "x = 1"', 'exec("x = 1")')
           .replace('raise ValueError, "no user"', 'raise ValueError("no user")'))
    ported = _libcst(py3)
    assert ported.error is None
    got = parse_python_fallback(PY2, "legacy.py")
    for qualname in ("delete", "Admin.check"):
        assert [(g.kind, g.action, g.span.line, g.deny_when) for g in _unit(got, qualname).guards] == \
               [(g.kind, g.action, g.span.line, g.deny_when) for g in _unit(ported, qualname).guards]
    assert [h.catches for h in _unit(got, "delete").handlers] == [h.catches for h in _unit(ported, "delete").handlers]


CONFLICT = '''class Accounts:
    def remove(self, user):
        if not user.is_admin:
            raise PermissionError("admin only")
<<<<<<< HEAD
        self.store.delete(user)
=======
        self.store.purge(user)
>>>>>>> feature

def unrelated():
    return 1
'''


def test_merge_conflict_marker_yields_partial_units_without_crash() -> None:
    assert _libcst(CONFLICT).error is not None
    got = parse_python_fallback(CONFLICT, "accounts.py")
    assert got.error is None and got.partial
    partial = {u.qualname: u.partial for u in got.units}
    # the marker at column 0 cut the method (and its class) short: both are partial
    assert partial == {"Accounts.remove": True, "Accounts": True, "unrelated": False, "<module>": True}
    remove = _unit(got, "Accounts.remove")
    assert [(g.action, g.span.line) for g in remove.guards] == [(Action.RAISE, 3)]


def test_syntax_error_marks_only_the_unit_that_holds_it() -> None:
    text = "def broken(user):\n    if not user.ok:\n        raise X()\n    total = (1 +\n\ndef fine(user):\n    if not user.ok:\n        raise X()\n"
    assert _libcst(text).error is not None
    got = parse_python_fallback(text, "b.py")
    assert got.partial
    assert {u.qualname: u.partial for u in got.units} == {"broken": True, "fine": False, "<module>": False}
    assert [(g.action, g.span.line) for g in _unit(got, "fine").guards] == [(Action.RAISE, 7)]
    assert [(g.action, g.span.line) for g in _unit(got, "broken").guards] == [(Action.RAISE, 2)]


# ------------------------------------------------------------------ hostile input


HOSTILE = {
    # name: (text, unit that must be partial)
    "parens-10k": ("x = " + "(" * 10_000 + "1" + ")" * 10_000 + "\n", "<module>"),
    "brackets-10k": ("x = " + "[" * 10_000 + "]" * 10_000 + "\n", "<module>"),
    "calls-10k": ("x = " + "f(" * 10_000 + ")" * 10_000 + "\n", "<module>"),
    "not-10k": ("def f(x):\n    if " + "not " * 10_000 + "x:\n        raise E\n", "f"),
    "and-20k": ("def f(a):\n    if " + " and ".join(["a"] * 20_000) + ":\n        raise E\n", "f"),
    "elif-10k": ("def f(a):\n    if a == 0:\n        raise E\n" + "".join(f"    elif a == {i}:\n        raise E\n" for i in range(1, 10_000)), "f"),
    "if-150-deep": ("def f(x):\n" + "".join(" " * (i + 1) + "if x:\n" for i in range(150)) + " " * 151 + "raise E\n", "f"),
    # tree-sitter's indentation scanner gives up long before this: the whole file is damaged
    "if-1000-deep": ("def f(x):\n" + "".join(" " * (i + 1) + "if x:\n" for i in range(1000)) + " " * 1001 + "raise E\n", "<module>"),
    "def-300-deep": ("".join(" " * i + f"def f{i}():\n" for i in range(300)) + " " * 300 + "pass\n",
                     ".<locals>.".join(f"f{i}" for i in range(MAX_UNIT_DEPTH))),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_nesting_is_partial_never_a_crash(name: str) -> None:
    text, partial_unit = HOSTILE[name]
    got = parse_python_fallback(text, "h.py")
    assert got.error is None
    assert got.units[-1].qualname == "<module>"
    assert _unit(got, partial_unit).partial


def test_shallow_nesting_is_read_whole() -> None:
    text = "def f(x):\n" + "".join(" " * (i + 1) + "if x:\n" for i in range(60)) + " " * 61 + "raise E\n"
    got = parse_python_fallback(text, "h.py")
    assert not any(u.partial for u in got.units)
    assert [(g.action, g.span.line) for g in _unit(got, "f").guards] == [(Action.RAISE, 61)]


def test_definitions_nested_past_the_limit_stay_in_their_parent() -> None:
    got = parse_python_fallback(HOSTILE["def-300-deep"][0], "h.py")
    assert len(got.units) == MAX_UNIT_DEPTH + 1  # 200 definitions and the module


def test_five_megabyte_line_is_not_analysed() -> None:
    text = "x = [" + "1, " * 1_700_000 + "]\n"
    assert len(text) > 5_000_000
    got = parse_python_fallback(text, "big.py")
    assert got.units == () and got.error == "line 1 is longer than 200000 characters"


def test_nul_bytes_give_partial_units() -> None:
    got = parse_python_fallback("def f(x):\n    if x\x00:\n        raise E\n\x00\x00\n", "nul.py")
    assert got.error is None and got.partial
    assert _unit(got, "f").partial


def test_invalid_surrogates_do_not_crash() -> None:
    got = parse_python_fallback("def f(x):\n    return '\udcff'\n", "s.py")
    assert [u.qualname for u in got.units] == ["f", "<module>"]


# ------------------------------------------------------------------ rules on fallback IR


BEFORE_PY2 = '''from flask import abort

def delete_user(user, target):
    print "deleting %s" % target
    if not user.is_admin:
        abort(403)
    try:
        target.delete()
    except OSError, e:
        print "failed", e
    return `target`
'''
AFTER_PY2 = BEFORE_PY2.replace("    if not user.is_admin:\n        abort(403)\n", "")
UNCHANGED_GUARD_PY2 = BEFORE_PY2.replace('print "deleting %s" % target', 'print "removing %s" % target')


def _with_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand-in for the pipeline wiring: when libcst refuses a Python file version, parse it
    with the fallback instead of reporting it NotAnalyzed (a no-op once pipeline._parse does
    this itself, since then nothing it returns carries an error)."""
    original = pipeline._parse

    def parse(path: str, text):
        parsed = original(path, text)
        if parsed is not None and parsed.error and parsed.language == "python" and text is not None:
            return parse_python_fallback(text, path)
        return parsed

    monkeypatch.setattr(pipeline, "_parse", parse)


def _fails_closed(report) -> list:
    return [n for n in report.not_analyzed if n.security_relevant or n.reason == "syntax-error"]


def test_libcst_alone_refuses_the_python2_pair() -> None:
    assert _libcst(BEFORE_PY2).error is not None and _libcst(AFTER_PY2).error is not None


def test_removed_guard_fires_on_python2_files_with_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_fallback(monkeypatch)
    report = pipeline.analyze_texts([("app/views.py", BEFORE_PY2, AFTER_PY2)])
    assert _fails_closed(report) == []  # at most a note that the fallback read the file
    hits = [(f.rule_id, f.unit, f.before.line) for f in report.findings if f.rule_id == "removed-guard"]
    assert hits == [("removed-guard", "delete_user", 5)]


def test_unchanged_guard_in_python2_files_is_quiet_with_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_fallback(monkeypatch)
    report = pipeline.analyze_texts([("app/views.py", BEFORE_PY2, UNCHANGED_GUARD_PY2)])
    assert _fails_closed(report) == []  # at most a note that the fallback read the file
    assert report.findings == ()


def test_python2_before_python3_after_is_no_change_on_the_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """A py2 -> py3 port (print/except/backtick syntax) aligns unit for unit: nothing fires."""
    _with_fallback(monkeypatch)
    ported = (BEFORE_PY2.replace('print "deleting %s" % target', 'print("deleting %s" % target)')
              .replace("except OSError, e:", "except OSError as e:").replace('print "failed", e', 'print("failed", e)')
              .replace("`target`", "repr(target)"))
    report = pipeline.analyze_texts([("app/views.py", BEFORE_PY2, ported)])
    assert _fails_closed(report) == []  # at most a note that the fallback read the file
    assert [f.rule_id for f in report.findings] == []


def test_fallback_units_are_plain_ir_values() -> None:
    got = parse_python_fallback(BEFORE_PY2, "app/views.py")
    for u in got.units:
        assert dataclasses.is_dataclass(u) and u.language == "python" and u.path == "app/views.py"
