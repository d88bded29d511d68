"""security-call-weakened: a protective call removed, or swapped for a variant that protects less.

Some protections are one call, not a guard: rotating the session id when a user logs in
(`req.session.regenerate(...)`, Django `request.session.cycle_key()`, Java
`request.changeSessionId()`, Go scs `RenewToken`) is what stops session fixation, and its
removal leaves no `if` for the removed-guard rules to miss. Others are a call whose name
promises to keep what is there (`addCookieIfUnset`, `putHeaderIfAbsent`): swapping it for the
overwriting sibling (`addOrReplaceCookie`) on the same receiver and argument lets a value from
a less trusted source (a cookie store, a redirect target) replace the one the caller set.

Both are tables. A rotation call is reported when the unit made it before, makes it fewer
times after, and the file as a whole makes it fewer times too (a call moved into a helper
of the same file is no removal). A keep-call is reported when an added line of the unit calls
the overwriting variant on the same receiver with the same first argument and the file keeps
fewer of the keep-calls than before; both names must be about credentials or headers
(cookie, header, authorization, token, session, ...) by the method or receiver name —
`map.putIfAbsent(k, v)` becoming `map.put(k, v)` is ordinary code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Call, Unit
from semdiff.model import Confidence, Finding, Relevance, Severity
from semdiff.rules._catalog_facts import name_words
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, units_in_file

FAMILY = "security-call-weakened"
ROTATION = f"{FAMILY}/session-rotation-removed"
OVERWRITE = f"{FAMILY}/keep-existing-now-overwrites"
LANGS = ("python", "javascript", "typescript", "java", "go")
CODE_KINDS = ("function", "method", "lambda")


@dataclass(frozen=True)
class RotationRow:
    """Calls whose last name segment matches `name`; `receiver` (when set) must match the
    text before it, so a generic verb (`regenerate`, `invalidate`) counts only on a session."""

    name: re.Pattern[str]
    receiver: Optional[re.Pattern[str]]
    what: str


_SESSIONISH = re.compile(r"(?i)session")
ROTATIONS: tuple[RotationRow, ...] = (
    RotationRow(re.compile(r"^(?:regenerate|regenerateId|regenerate_id|rotate|rotateId)$"),
                _SESSIONISH, "rotates the session id"),
    RotationRow(re.compile(r"^(?:cycle_key|cycleKey|changeSessionId|change_session_id|RenewToken|renewToken"
                           r"|regenerateSession|regenerate_session|rotateSession|rotate_session|"
                           r"migrateSession|migrate_session)$"), None, "rotates the session id"),
    RotationRow(re.compile(r"^(?:invalidate|destroy)$"), _SESSIONISH, "ends the old session"),
    # ending a user's sessions when their password, role or permissions change: a session opened
    # with the old rights (or by whoever learnt the old password) keeps them otherwise
    RotationRow(re.compile(r"(?i)^(?:clear|invalidate|revoke|destroy|delete|expire|kill|terminate|flush|end|log_?out)"
                           r"_?(?:(?:all|other|user|users|active|existing)_?)*sessions$"), None,
                "ends the user's other sessions"),
)

# "keep what is there" calls and their overwriting siblings (last name segment)
_KEEP = re.compile(r"(?i)(?:if_?(?:unset|absent|missing|not_?(?:set|present|exists?)|none|empty)$|^setdefault$)")
_OVERWRITE = re.compile(r"(?i)(?:or_?replace|or_?overwrite|^replace|^overwrite|^set|^put|^add)")
SENSITIVE_WORDS = frozenset({
    "cookie", "cookies", "header", "headers", "authorization", "auth", "credential", "credentials", "token",
    "session", "csrf", "password", "secret", "bearer", "origin", "host",
})

_LOGIN_BEFORE = (
    "SessionManager.prototype.logIn = function (req, user, cb) {\n"
    "  const self = this\n"
    "  req.session.regenerate(function (err) {\n"
    "    if (err) { return cb(err) }\n"
    "    req.session[self._key] = { user: user.id }\n"
    "    cb()\n"
    "  })\n"
    "}\n"
)
_LOGIN_AFTER = (
    "SessionManager.prototype.logIn = function (req, user, cb) {\n"
    "  req.session[this._key] = { user: user.id }\n"
    "  cb()\n"
    "}\n"
)
_COOKIE_BEFORE = (
    "class Redirector {\n"
    "  void follow(Builder b, Store store, String uri) {\n"
    "    for (Cookie c : store.get(uri)) {\n"
    "      b.addCookieIfUnset(c);\n"
    "    }\n"
    "  }\n"
    "}\n"
)

RULES = (
    RuleSpec(
        ROTATION, "Session id no longer rotated", Severity.HIGH,
        "A login/privilege-change path stops rotating the session id (express-session `req.session.regenerate`, "
        "Django `cycle_key`/`rotate_token`, Java `changeSessionId`/`session.invalidate`, Go `RenewToken`) and no "
        "other unit of the file does it instead, or a password/role change stops ending the user's other sessions "
        "(`clear_all_user_sessions(name)`, `revokeAllSessions(user)`): a session id planted before login, or one "
        "opened with the old password or rights, stays valid after it "
        "(session fixation).",
        (Example(_LOGIN_BEFORE, _LOGIN_AFTER, True, "regenerate removed around login"),
         Example(_LOGIN_AFTER, _LOGIN_BEFORE, False, "rotation added"),
         Example(_LOGIN_BEFORE, _LOGIN_BEFORE.replace("user: user.id", "user: user.id, at: Date.now()"), False,
                 "rotation kept")),
        languages=LANGS, intrinsic="auth",
    ),
    RuleSpec(
        OVERWRITE, "Keep-existing call replaced by an overwriting one", Severity.MEDIUM,
        "A call that sets a cookie/header/credential only when it is absent (`addCookieIfUnset`, "
        "`setHeaderIfAbsent`, `setdefault`) became its overwriting sibling (`addOrReplaceCookie`, `setHeader`) "
        "on the same receiver and argument: a value from a less trusted source now replaces the one the caller "
        "set.",
        (Example(_COOKIE_BEFORE, _COOKIE_BEFORE.replace("addCookieIfUnset", "addOrReplaceCookie"), True),
         Example(_COOKIE_BEFORE.replace("addCookieIfUnset", "addOrReplaceCookie"), _COOKIE_BEFORE, False,
                 "the reverse is a hardening"),
         Example(_COOKIE_BEFORE.replace("b.addCookieIfUnset(c)", "b.cache.putIfAbsent(c.name(), c)"),
                 _COOKIE_BEFORE.replace("b.addCookieIfUnset(c)", "b.cache.put(c.name(), c)"), False,
                 "a map, not a credential")),
        languages=LANGS,
    ),
)
EXAMPLE_PATHS = {ROTATION: "lib/sessionmanager.js", OVERWRITE: "src/main/java/x/Redirector.java"}
SPECS = {r.id: r for r in RULES}


# ---------------------------------------------------------------- rotation


def _rotation(call: Call) -> Optional[RotationRow]:
    receiver, _, name = call.callee.rpartition(".")
    for row in ROTATIONS:
        if row.name.match(name) and (row.receiver is None or row.receiver.search(receiver)):
            return row
    return None


def _rotation_calls(unit: Unit) -> list[Call]:
    return [c for c in unit.calls if _rotation(c) is not None]


def _file_rotations(units: Mapping[tuple[str, str], object], path: Optional[str]) -> int:
    if not path:
        return 0
    return sum(len(_rotation_calls(u)) for u in units_in_file(units, path) if isinstance(u, Unit))


def _rotation_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    old = _rotation_calls(before)
    if not old or len(_rotation_calls(after)) >= len(old):
        return
    if ctx.before_units and ctx.after_units:
        if _file_rotations(ctx.after_units, after.path) >= _file_rotations(ctx.before_units, change.file.old_path):
            return  # moved into another unit of the file
    gone = next((c for c in old if c.span.line in set(change.touched_before)), old[0])
    row = _rotation(gone)
    assert row is not None
    spec = SPECS[ROTATION]
    yield make_finding(
        spec, change, ctx,
        f"`{gone.callee}(...)` was removed from {change.qualname}: the call {row.what}, so a session opened or fixed "
        "before this point stays valid after it",
        before_line=gone.span.line, evidence_before=gone.text.splitlines()[0][:200],
        witness=f"before: {gone.callee} on this path; after: no session rotation in the unit or the file",
        confidence=Confidence.MEDIUM,
    )


# ---------------------------------------------------------------- keep -> overwrite


def _words(call: Call) -> set[str]:
    """Words of the method and of its receiver's last segment (`headers.setdefault`,
    `builder.addCookieIfUnset`); not of the arguments: `seen.putIfAbsent("Authorization")`
    is bookkeeping about a header, not the header."""
    receiver, _, name = call.callee.rpartition(".")
    return name_words(name) | name_words(receiver.rpartition(".")[2])


def _first_arg(call: Call) -> str:
    return call.args[0].value if call.args else ""


def _keeps(units: Mapping[tuple[str, str], object], path: Optional[str], name: str) -> int:
    if not path:
        return 0
    return sum(1 for u in units_in_file(units, path) if isinstance(u, Unit)
               for c in u.calls if c.callee.rpartition(".")[2] == name)


def _overwrite_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    removed = set(change.touched_before)
    added = set(change.touched_after)
    for b in before.calls:
        receiver, _, name = b.callee.rpartition(".")
        if b.span.line not in removed or not _KEEP.search(name) or not (_words(b) & SENSITIVE_WORDS):
            continue
        for a in after.calls:
            a_receiver, _, a_name = a.callee.rpartition(".")
            if (a.span.line not in added or a_receiver != receiver or _KEEP.search(a_name)
                    or not _OVERWRITE.search(a_name) or _first_arg(a) != _first_arg(b)
                    or not (_words(a) & SENSITIVE_WORDS)):
                continue
            if ctx.before_units and ctx.after_units and \
                    _keeps(ctx.after_units, after.path, name) >= _keeps(ctx.before_units, change.file.old_path, name):
                continue
            base = ctx.relevance(change)
            rel = base if base.score >= 0.8 else Relevance(
                "auth", 0.8, base.why_path or (change.qualname,),
                "the call decides whether a credential/header the caller set can be replaced")
            yield make_finding(
                SPECS[OVERWRITE], change, ctx,
                f"`{b.callee}` (keeps an existing value) became `{a.callee}` (overwrites it) in {change.qualname}",
                before_line=b.span.line, after_line=a.span.line,
                evidence_before=b.text[:200], evidence_after=a.text[:200],
                witness=f"before: {name} leaves a value already set; after: {a_name} replaces it",
                confidence=Confidence.MEDIUM, relevance=rel,
            )
            break


@family(FAMILY, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.before is None or change.after is None or change.after.kind not in CODE_KINDS:
        return []
    if change.language not in LANGS:
        return []
    return [*_rotation_findings(change, ctx), *_overwrite_findings(change, ctx)]
