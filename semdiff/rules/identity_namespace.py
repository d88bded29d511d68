"""identity-namespace-removed: an identity value (username, user_id, uid, login, principal,
subject) that was built with a literal namespace prefix (`'github_' + login`, f'ldap:{uid}')
is now the bare value, in Python or JavaScript/TypeScript: an account from one provider or
realm can take the name of an account from another. A prefix replaced by another prefix (the
provider's name), or kept anywhere for the same value, is not a removal.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Unit
from semdiff.lang.normal import leading_expression, squash
from semdiff.lang.quoted import quoted_then
from semdiff.model import Confidence, Finding, Severity
from semdiff.rules._catalog2_ir import unit_line
from semdiff.rules._web_protection import bundle_repeats_low
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, text_lines

RULE_ID = "identity-namespace-removed"

_NS_BEFORE = ("def user_info(provider, me):\n"
              "    if provider == 'github':\n"
              "        return {'username': 'github_' + me['login'], 'email': me['email']}\n"
              "    return {}\n")
RULES = (
    RuleSpec(
        RULE_ID, "Identity namespace prefix removed", Severity.MEDIUM,
        "An identity value (username, user_id, uid, login, principal, subject) that was built with a literal "
        "namespace prefix (`'github_' + login`, f'ldap:{uid}') is now the bare value: an account from one "
        "provider or realm can take the name of an account from another (account takeover by name collision).",
        (Example(_NS_BEFORE, _NS_BEFORE.replace("'github_' + me['login']", "me['login']"), True, "prefix dropped"),
         Example(_NS_BEFORE, _NS_BEFORE.replace("'github_' + me['login']", "f\"{provider}_{me['login']}\""), False,
                 "still namespaced, by the provider's name")),
        languages=("python", "javascript", "typescript"), intrinsic="authn",
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "app/oauth.py"}


_IDENTITY_KEY = r"(?:user_?name|userName|user_?id|userId|uid|login|principal|subject|account_?id|accountId|remote_?user)"
_IDENTITY_SITE = re.compile(r"""(?<![\w$.])(?:(['"])""" + _IDENTITY_KEY + r"""\1|""" + _IDENTITY_KEY + r""")\s*(?::(?!:)|=(?!=)|\]\s*=(?!=))\s*""")
# what follows the string of `'prefix' + rest`; the whole is read as the regex
# `^[bu]?(["'])((?:\\.|(?!\1).)+)\1\s*\+\s*(.+)$` (re.S) would, in linear time (semdiff.lang.quoted)
_CONCAT_REST = re.compile(r"\s*\+\s*(.+)$", re.S)
_FSTRING_PREFIX = re.compile(r"""^[fF](["'])([^{}"']+)\{([^{}]+)\}\1$""")
_TEMPLATE_PREFIX = re.compile(r"""^`([^`$]+)\$\{([^{}]+)\}`$""")


def _concat_prefix(value: str) -> Optional[tuple[str, str]]:
    """(prefix, rest) of `'prefix' + rest` (a `b`/`u` string prefix allowed), or None."""
    start = 1 if value[:1] in ("b", "u") else 0
    found = quoted_then(value, start, _CONCAT_REST, "'\"", dotall=True, nonempty=True)
    return (found[0].body, found[1].group(1)) if found else None


def _identity_values(unit: Unit) -> list[tuple[int, str, str, str]]:
    """(line, key, prefix, rest) for each identity value in the unit; prefix is '' when bare."""
    out = []
    for off, src in enumerate(text_lines(unit.text)):
        for m in _IDENTITY_SITE.finditer(src):
            key = re.sub(r"['\"_]", "", m.group(0).split(":")[0].split("=")[0].split("]")[0]).strip().lower()
            value = leading_expression(src[m.end():])
            if not value:
                continue
            prefix, rest = "", value
            concat = _concat_prefix(value)
            if concat:
                prefix, rest = concat
            else:
                for rx in (_FSTRING_PREFIX, _TEMPLATE_PREFIX):
                    pm = rx.match(value)
                    if pm:
                        prefix, rest = (pm.group(2), pm.group(3)) if rx is not _TEMPLATE_PREFIX else (pm.group(1), pm.group(2))
                        break
            out.append((unit.span.line + off, key, prefix, squash(rest)))
    return out


def _identity_namespace(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    """`'github_' + login` -> `login` for the same identity key: the provider/realm prefix that
    kept external accounts apart from each other (and from local ones) is gone. A prefix
    replaced by another prefix, or kept anywhere for the same value, is not a removal."""
    before, after = change.before, change.after
    assert before is not None and after is not None
    b_vals = _identity_values(before)
    if not any(p for _l, _k, p, _r in b_vals):
        return
    a_vals = _identity_values(after)
    a_prefixed = {(k, r) for _l, k, p, r in a_vals if p}
    a_bare = {(k, r): ln for ln, k, p, r in a_vals if not p}
    dropped = [(ln, k, p, r) for ln, k, p, r in b_vals if p and (k, r) in a_bare and (k, r) not in a_prefixed]
    if not dropped:
        return
    ln, key, prefix, rest = dropped[0]
    prefixes = sorted({p for _l, _k, p, _r in dropped})
    yield make_finding(
        SPEC, change, ctx,
        f"the {key} is no longer namespaced: `{prefix}` + {rest} became the bare {rest}"
        + (f" (prefixes dropped: {', '.join(prefixes)})" if len(prefixes) > 1 else "")
        + ": accounts from different providers or realms can now share a name",
        before_line=ln, after_line=a_bare[(key, rest)], evidence_before=unit_line(before, ln).strip(),
        evidence_after=unit_line(after, a_bare[(key, rest)]).strip(), confidence=Confidence.MEDIUM,
    )


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.before is None or change.after is None:
        return []
    return bundle_repeats_low(change, ctx, list(_identity_namespace(change, ctx)))
