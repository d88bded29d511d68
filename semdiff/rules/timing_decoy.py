"""timing-decoy-removed: the decoy check that kept a failed lookup as slow as a wrong password is gone.

Login code that finds no such user, or no stored secret, can answer at once; the answer then
comes back faster than a wrong password, whose hash takes tens of milliseconds to check, and
the response time tells an attacker which accounts exist. The usual defence is a decoy: run
the same password check against a stand-in hash and throw the result away (traefik's
`_ = goauth.CheckSecret(password, b.notFoundSecret)`, Spring Security's
`passwordEncoder.matches(presented, userNotFoundEncodedPassword)` in
`mitigateAgainstTimingAttack`, Django's `UserModel().set_password(password)` when the user
does not exist). Nothing reads the decoy's result, so no guard, comparison or data flow
changes when it is deleted, and every other rule is silent.

A decoy is a call whose result the unit discards (a statement call, `_ = ...`), whose name
says it checks or hashes a password (check/verify/compare/matches/hash, checkpw, hashpw,
make_password, set_password, CompareHashAndPassword...), which is given a credential
(an operand naming a password, secret, hash or token), and which says it is a stand-in: it
discards the result explicitly (Go/Python `_ =`), an operand or its receiver names a
stand-in (`dummy`, `fake`, `notFound`, `unknown`...), its receiver is built on the spot
(`User().set_password(p)`), or a comment just above it speaks of timing. A statement call to
a helper named for timing (`mitigateAgainstTimingAttack(auth)`) or to a helper holding a
decoy counts as the decoy too.

Silent when the new unit still makes the decoy: a discarded call of the same name, itself
or in a helper it calls (the decoy moved into a helper); the decoy's stand-in operand still
fed to the check (`if secret == "" { secret = b.notFoundSecret }` before one unconditional
check, or the decoy's result now used); a stand-in still named in the unit (a renamed dummy
hash); or the timing helper still called.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable, Mapping, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Call, Unit
from semdiff.model import Confidence, Finding, Severity
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, text_lines
from semdiff.rules.checked_call_removed import _helper

RULE_ID = "timing-decoy-removed"
LANGS = ("go", "java", "javascript", "python", "typescript")

# the last name segment of a call that checks or hashes a password (lower-cased, `_` dropped)
_CHECKER = re.compile(
    r"^(check|verify|compare|hash|matches$|checkpw$|hashpw$|makepassword$|setpassword$|generatefrompassword$)"
)
# an operand that carries a credential
_CREDENTIAL = re.compile(r"(?i)pass|pwd|secret|credential|hash|token|digest")
# a value (or receiver) named as a stand-in for the missing user's secret
_STAND_IN = re.compile(r"(?i)dummy|fake|decoy|not_?found|unknown|nonexist|placeholder|timing")
# stand-in names specific enough that their mention in the new unit means the decoy lives on
_STAND_IN_STRICT = re.compile(r"(?i)dummy|fake|decoy|not_?found|nonexist")
# a helper named for what the decoy does
_TIMING_HELPER = re.compile(r"(?i)timing")
_TIMING_COMMENT = re.compile(r"(?i)(#|//|/\*|\*).*\b(timing|enumerat\w*)")
_BLANK_ASSIGN = re.compile(r"^\s*_\s*(?:,\s*_\s*)*=\s*")

_BEFORE = (
    "package auth\n\n"
    "func (b *basicAuth) check(user, password string) bool {\n"
    "\tsecret := b.users[user]\n"
    "\tif secret == \"\" {\n"
    "\t\t_ = bcrypt.CompareHashAndPassword(b.dummyHash, []byte(password))\n"
    "\t\treturn false\n"
    "\t}\n"
    "\treturn bcrypt.CompareHashAndPassword([]byte(secret), []byte(password)) == nil\n"
    "}\n"
)
_REMOVED = _BEFORE.replace("\t\t_ = bcrypt.CompareHashAndPassword(b.dummyHash, []byte(password))\n", "")
_FOLDED = (
    "package auth\n\n"
    "func (b *basicAuth) check(user, password string) bool {\n"
    "\tsecret, known := b.users[user]\n"
    "\tif !known {\n"
    "\t\tsecret = string(b.dummyHash)\n"
    "\t}\n"
    "\treturn bcrypt.CompareHashAndPassword([]byte(secret), []byte(password)) == nil && known\n"
    "}\n"
)

RULES = (
    RuleSpec(
        RULE_ID, "Timing decoy for unknown users removed", Severity.HIGH,
        "A password check run against a stand-in hash, its result thrown away (`_ = CheckSecret(pw, notFoundSecret)`, "
        "`encoder.matches(pw, userNotFoundEncodedPassword)`, `User().set_password(pw)`), made a failed user lookup "
        "as slow as a wrong password. It is gone: the response time now tells which accounts exist.",
        (
            Example(_BEFORE, _REMOVED, True),
            Example(_BEFORE, _FOLDED, False, "the stand-in hash now feeds the one check every request makes"),
            Example(_BEFORE, _BEFORE.replace("_ = bcrypt.CompareHashAndPassword(b.dummyHash, []byte(password))",
                                             "b.burnHash(password)")
                    + "\nfunc (b *basicAuth) burnHash(password string) {\n"
                    "\t_ = bcrypt.CompareHashAndPassword(b.dummyHash, []byte(password))\n}\n", False, "moved into a helper"),
        ),
        languages=LANGS,
        intrinsic="auth",
    ),
)
EXAMPLE_PATHS = {RULE_ID: "auth/basic.go"}
SPEC = RULES[0]


def _tail(callee: str) -> str:
    return callee.rsplit(".", 1)[-1]


def _norm_tail(callee: str) -> str:
    return _tail(callee).lower().replace("_", "")


def _line(unit: Unit, line: int) -> str:
    lines = text_lines(unit.text)
    i = line - unit.span.line
    return lines[i] if 0 <= i < len(lines) else ""


def _discarded(unit: Unit, call: Call) -> bool:
    """The call's result is thrown away: a statement call, or `_ = call(...)`."""
    if call.statement:
        return True
    m = _BLANK_ASSIGN.match(_line(unit, call.span.line))
    return m is not None and _line(unit, call.span.line)[m.end():].lstrip().startswith(call.text[:40])


def _operands(call: Call) -> list[str]:
    receiver = call.callee.rpartition(".")[0]
    return [a.value for a in call.args] + ([receiver] if receiver else [])


def _is_decoy(unit: Unit, call: Call) -> bool:
    if not _CHECKER.match(_norm_tail(call.callee)) or not _discarded(unit, call):
        return False
    operands = _operands(call)
    if not any(_CREDENTIAL.search(o) for o in operands):
        return False
    if not call.statement:
        return True  # `_ = check(...)`: the result is thrown away on purpose
    receiver = call.callee.rpartition(".")[0]
    if any(_STAND_IN.search(o) for o in operands) or receiver.endswith(")"):
        return True
    first = call.span.line - unit.span.line
    above = text_lines(unit.text)[max(0, first - 3):max(0, first)]
    return any(_TIMING_COMMENT.search(line) for line in above)


def _equalisers(unit: Unit, units: Mapping[tuple[str, str], object]) -> list[tuple[Call, Optional[Call]]]:
    """(call, decoy) pairs: a decoy call of the unit (decoy is the call itself), or a statement
    call, with arguments, to a helper whose body holds a decoy (decoy: that one) or, when the helper is not
    among the analysed units, one named for timing that is handed an argument (decoy: None).
    A timing helper that is analysed and holds no decoy (`prepareTimingAttackProtection()`,
    which encodes the stand-in once) is not one."""
    out: list[tuple[Call, Optional[Call]]] = []
    for c in unit.calls:
        if _is_decoy(unit, c):
            out.append((c, c))
        elif c.statement and c.args:  # a decoy helper is handed the presented credential
            helper = _helper(unit, c.callee, units)  # type: ignore[arg-type]
            if helper is not None:
                inner = next((d for d in helper.calls if _is_decoy(helper, d)), None)
                if inner is not None:
                    out.append((c, inner))
            elif c.args and _TIMING_HELPER.search(_tail(c.callee)):
                out.append((c, None))  # not analysed: its name and the credential it is handed say it
    return out


def _calls_in_helpers(unit: Unit, found: Callable[[Unit, Call], bool], units: Mapping[tuple[str, str], object],
                      depth: int = 0) -> bool:
    """Does the unit, or a helper it calls (three levels down), make a call `found` accepts?"""
    if any(found(unit, c) for c in unit.calls):
        return True
    if depth >= 3:
        return False
    for c in unit.calls:
        h = _helper(unit, c.callee, units)  # type: ignore[arg-type]
        if h is not None and h is not unit and _calls_in_helpers(h, found, units, depth + 1):
            return True
    return False


def _makes_discarded(unit: Unit, tail: str, units: Mapping[tuple[str, str], object]) -> bool:
    """Does the unit, or a helper it calls, still throw away a call named `tail`?"""
    return _calls_in_helpers(unit, lambda u, c: _tail(c.callee) == tail and _discarded(u, c), units)


def _reaches(unit: Unit, tail: str, units: Mapping[tuple[str, str], object]) -> bool:
    """Does the unit, or a helper it calls, call `tail`?"""
    return _calls_in_helpers(unit, lambda _u, c: _tail(c.callee) == tail, units)


def _stand_ins(before: Unit, decoy: Call) -> list[str]:
    """The decoy's operands that are neither a parameter nor given to another call of the
    unit: the stand-in (`b.notFoundSecret`, `UserModel()`), not the presented password. Those
    named as a stand-in or built on the spot, when there are any."""
    others = {v for c in before.calls if c is not decoy and c.text not in decoy.text for v in _operands(c)}
    params = set(before.params)
    own = [o for o in _operands(decoy) if o not in others and o not in params and not o.startswith(("'", '"', "`"))]
    named = [o for o in own if _STAND_IN.search(o) or o.endswith(")")]
    return named or own


def _still_made(before: Unit, after: Unit, call: Call, decoy: Optional[Call], units: Mapping[tuple[str, str], object]) -> bool:
    if _equalisers(after, units):
        return True  # a decoy, or a call to a timing helper, is still there (renamed or moved)
    if decoy is not call:
        return _reaches(after, _tail(call.callee), units)  # the timing helper is still called
    if _makes_discarded(after, _tail(call.callee), units):
        return True
    if any(re.search(r"(?<![\w.])" + re.escape(o) + r"(?!\w)", after.text) for o in _stand_ins(before, call)):
        return True
    return any(_STAND_IN_STRICT.search(w) for w in re.findall(r"[A-Za-z_]\w*", after.text))


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    if before is None or after is None or not before.calls:
        return []
    out: list[Finding] = []
    for call, decoy in _equalisers(before, ctx.before_units):
        if _still_made(before, after, call, decoy, ctx.after_units):
            continue
        how = f"`{call.text}`" if decoy is call else f"`{call.text}` (which runs `{decoy.text}`)" if decoy else f"`{call.text}`"
        out.append(make_finding(
            SPEC, change, ctx,
            f"{change.qualname} no longer runs {how}, the password check against a stand-in that made a failed lookup "
            "take as long as a wrong password; without it the response time tells which users exist.",
            before_line=call.span.line, evidence_before=_line(before, call.span.line).strip() or call.text,
            confidence=Confidence.MEDIUM,
            witness="an unknown user: before, a password hash was checked; after, the answer comes back at once",
        ))
        break
    return out
