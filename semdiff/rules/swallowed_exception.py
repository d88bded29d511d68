"""swallowed-exception: a verification/permission call whose failure used to stop the
request is now wrapped in a `try` whose handler passes, logs or returns a value.

Only the failure of *checks* matters, so the callee must look like one (the tables below).
An `if cond: raise` turned into `if cond: log(...)` is a widened guard, owned by the core
rules; this family only reads exception handlers (`Handler` in the IR).
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Action, Call, Handler, Unit
from semdiff.model import Finding, Severity
from semdiff.rules._catalog_facts import Fact, last, name_words, to_findings, verdicts
from semdiff.rules.base import Example, RuleContext, RuleSpec, family

FAMILY = "swallowed-exception"
FAIL_OPEN = f"{FAMILY}/check-failure-ignored"

# ---------------------------------------------------------------- tables

# words in the callee's last segment that make it a check (split on _ and camelCase)
CHECK_WORDS = frozenset({
    "verify", "check", "validate", "authenticate", "authorize", "authorise", "permission", "permissions",
    "perm", "perms", "require", "enforce", "unsign",
})
# names that contain a check word but are not checks of the caller's rights
NOT_CHECKS = frozenset({"check_output", "check_call", "checkout", "check_returncode", "validate_json_schema_file"})
# callees that are checks although their name is generic: exact tail match (last two segments)
CHECK_CALLEES = frozenset({
    "jwt.decode", "jwt.decode_complete", "jws.verify", "signing.loads", "signer.unsign", "serializer.loads",
    "Signer.unsign", "TimestampSigner.unsign", "URLSafeTimedSerializer.loads", "URLSafeSerializer.loads",
    "hmac.compare_digest", "PasswordHasher.verify", "ph.verify", "bcrypt.checkpw", "full_clean",
    "csrf.protect", "validate_csrf", "has_perm", "has_object_permission", "has_permission",
})
# receivers whose `.loads` / `.decode` verify a signature
SIGNING_RECEIVER_WORDS = frozenset({"signer", "signing", "serializer", "jwt", "jws", "token", "signature"})
SIGNING_METHODS = frozenset({"loads", "decode", "unsign", "load"})
# handler actions that no longer stop the request
SWALLOWING = frozenset({Action.PASS, Action.LOG, Action.RETURN})
# exceptions whose capture is about the environment, not the check's verdict
BENIGN_CATCHES = frozenset({"ImportError", "ModuleNotFoundError", "KeyboardInterrupt", "SystemExit", "StopIteration"})
FAIL_OPEN_RETURN = re.compile(r"^(True|1|['\"]ok['\"]|['\"]valid['\"])$")

_BEFORE = ("import jwt\n\nclass Denied(Exception):\n    pass\n\n"
           "def load_claims(token, key):\n"
           "    try:\n"
           "        return jwt.decode(token, key, algorithms=['HS256'])\n"
           "    except jwt.InvalidTokenError:\n"
           "        raise Denied('bad token')\n")

RULES = (
    RuleSpec(FAIL_OPEN, "Check failure now ignored", Severity.HIGH,
             "A verification/permission call is now wrapped in try/except whose handler passes, only logs, or "
             "returns a value (e.g. `except Exception: return True`), where before a failure re-raised or denied.",
             (Example(_BEFORE, _BEFORE.replace("raise Denied('bad token')", "return {}"), True),
              Example(_BEFORE.replace("raise Denied('bad token')", "return {}"), _BEFORE, False, "strengthened"),
              Example("import json\n\ndef parse(raw):\n    return json.loads(raw)\n",
                      "import json\n\ndef parse(raw):\n    try:\n        return json.loads(raw)\n    except ValueError:\n        return None\n",
                      False, "json.loads is not a check"))),
)
SPECS = {r.id: r for r in RULES}


# ---------------------------------------------------------------- extraction


def is_check(callee: str) -> bool:
    parts = callee.split(".")
    if parts[-1] in NOT_CHECKS:
        return False
    if ".".join(parts[-2:]) in CHECK_CALLEES or parts[-1] in CHECK_CALLEES:
        return True
    if name_words(parts[-1]) & CHECK_WORDS:
        return True
    if parts[-1] in SIGNING_METHODS and len(parts) >= 2:
        return bool(name_words(".".join(parts[:-1])) & SIGNING_RECEIVER_WORDS)
    return False


def _handlers_for(call: Call, unit: Unit) -> list[Handler]:
    """The except clauses of the innermost try that contains `call`."""
    if not call.in_try:
        return []
    cands = [h for h in unit.handlers if call.callee in h.guarded_calls and h.span.line > call.span.line]
    if not cands:
        return []
    nearest = min(cands, key=lambda h: h.span.line)
    return [h for h in cands if h.guarded_calls == nearest.guarded_calls]


def _swallows(h: Handler) -> bool:
    if h.catches and all(last(c) in BENIGN_CATCHES for c in h.catches):
        return False
    return h.action in SWALLOWING


def _facts(unit: Unit) -> list[Fact]:
    out: list[Fact] = []
    for call in unit.calls:
        if not is_check(call.callee):
            continue
        handlers = _handlers_for(call, unit)
        swallowing = [h for h in handlers if _swallows(h)]
        if not swallowing:
            out.append(Fact(FAIL_OPEN, call.callee, 1, call.span.line, call.text))
            continue
        h = swallowing[0]
        fail_open = h.action is Action.RETURN and bool(h.returns and FAIL_OPEN_RETURN.match(h.returns))
        what = {Action.PASS: "passes", Action.LOG: "only logs", Action.RETURN: f"returns {h.returns}"}[h.action]
        caught = ", ".join(h.catches) or "everything"
        out.append(Fact(FAIL_OPEN, call.callee, 0, call.span.line,
                        f"{call.text} ... {h.text}".strip(),
                        born_weak=f"`{call.callee}` fails open: the handler for {caught} {what}" if fail_open else "",
                        report_line=h.span.line, intrinsic="authz"))
    return out


def _weaker(before: Fact, after: Fact) -> Optional[str]:
    if after.value == 0 and before.value == 1:
        return f"a failure of `{after.slot}` used to stop the request and is now caught and ignored"
    return None


@family(FAMILY, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.after is None:
        return []
    # a verdict needs an after fact of value 0 (weaker than 1, or born weak), and only a call
    # under a swallowing handler of the after unit has one
    if not any(_swallows(h) for h in change.after.handlers):
        return []
    return list(to_findings(change, ctx, SPECS, verdicts(change, ctx, _facts, _weaker)))
