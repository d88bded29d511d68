"""identity-claim-mutable: a user's unique id is now taken from a claim the user can change.

An OAuth/OIDC provider integration maps the identity provider's answer to the local account
with one function (`extract_uid`, `get_user_id`, `uid`). The `sub` claim (or the provider's
numeric `id`, Azure's `oid`) is assigned by the provider and never reused; `preferred_username`,
`email`, `login`, `name` are chosen or changed by the user (or a tenant admin), so an
account keyed on them can be claimed by whoever takes that name next (account takeover,
"nOAuth"). Nothing is denied, so the guard families do not see it.

Reported, in Python, when a unit whose name says it returns the user's id named an immutable
id claim as a string literal before (`data["sub"]`, `settings.get("uid_field", "sub")`), no
longer names one after, and names a mutable claim it did not name before.
"""
from __future__ import annotations

import re
from typing import Iterable

from semdiff.align.units import UnitChange
from semdiff.model import Confidence, Finding, Severity
from semdiff.rules._catalog2_ir import unit_lines
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

RULE_ID = "identity-claim-mutable"

_BEFORE = ("class ExampleProvider(OAuth2Provider):\n"
           "    def extract_uid(self, data):\n"
           "        return str(data['sub'])\n")
RULES = (
    RuleSpec(
        RULE_ID, "User id taken from a mutable claim", Severity.MEDIUM,
        "A function that returns the user's unique id for an identity provider (`extract_uid`, `get_user_id`) "
        "used an immutable id claim (`sub`, `oid`, the provider's `id`) and now uses a claim the user or a tenant "
        "can change (`preferred_username`, `email`, `login`, `name`): whoever takes that name next owns the account.",
        (Example(_BEFORE, _BEFORE.replace("data['sub']", "data['preferred_username']"), True, "sub -> preferred_username"),
         Example(_BEFORE, _BEFORE.replace("str(data['sub'])", "str(data.get('sub') or data['oid'])"), False,
                 "still an immutable claim")),
        languages=("python",), intrinsic="authn",
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "accounts/providers/example/provider.py"}

# a unit returning the local key of an external account
_UID_UNIT = re.compile(r"(?i)^(?:_*(?:extract|get|make|build|compute)_?)?(?:uid|user_?id|unique_?id|subject_?id|external_?id|account_?id)$")
_IMMUTABLE = frozenset({"sub", "oid", "id", "uid", "user_id", "userid", "guid", "object_id", "objectid"})
_MUTABLE = frozenset({"preferred_username", "email", "mail", "username", "login", "name", "nickname", "upn",
                      "unique_name", "display_name", "displayname", "given_name", "screen_name"})
_LITERAL = re.compile(r"""(?<![\w\\])[rbu]?(['"])([A-Za-z_]{2,40})\1""")


def _claims(lines: list[tuple[int, str]]) -> set[str]:
    out: set[str] = set()
    for _ln, line in lines:
        code = line.split("#", 1)[0]
        out.update(m.group(2).lower() for m in _LITERAL.finditer(code))
    return out


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    if before is None or after is None or after.language != "python" or not _UID_UNIT.match(after.name):
        return []
    b, a = _claims(unit_lines(before)), _claims(unit_lines(after))
    lost = sorted((b & _IMMUTABLE) - a)
    gained = sorted((a & _MUTABLE) - b)
    if not lost or not gained or a & _IMMUTABLE:
        return []
    line = next((ln for ln, t in unit_lines(after) if any(f"'{g}'" in t.lower() or f'"{g}"' in t.lower() for g in gained)),
                after.span.line)
    b_line = next((ln for ln, t in unit_lines(before) if any(f"'{x}'" in t.lower() or f'"{x}"' in t.lower() for x in lost)),
                  before.span.line)
    return [make_finding(
        SPEC, change, ctx,
        f"`{after.qualname}` no longer keys the account on the immutable `{lost[0]}` claim but on `{gained[0]}`, "
        "which the user or the provider's tenant can change: a later holder of that name gets this account",
        before_line=b_line, after_line=line,
        evidence_before=next(t for ln, t in unit_lines(before) if ln == b_line).strip(),
        evidence_after=next(t for ln, t in unit_lines(after) if ln == line).strip(),
        confidence=Confidence.MEDIUM,
    )]
