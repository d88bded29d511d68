"""redirect-to-referer: a redirect's target became the raw Referer header.

The Referer a browser sends names the page the user came from, and that page is the
attacker's when the user followed the attacker's link: `redirect(req.get('Referer'))` sends
the victim back to any site (open redirect, phishing, token leaks through the next hop).
"Back" redirects are therefore built from a helper that keeps only same-origin or relative
referrers; inlining the raw header in its place removes that check without leaving a guard to
see removed, because the helper only returned a value.

Read from the unit's text: a line added to a unit that redirects (calls a redirect function,
sets a Location header, or is itself named redirect/back) reads the Referer header and either
passes it to the redirect on that line or assigns it to a variable the unit redirects to. The
old unit must also redirect, must not have read the raw header for its target, and the new
unit must not compare the referrer's host/origin or test it for a relative path (that is the
check kept, in place).
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Unit
from semdiff.model import Finding, Severity
from semdiff.rules._catalog2_ir import mentions, unit_lines
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding
from semdiff.rules._triggers import Trigger

RULE_ID = "redirect-to-referer"
LANGS = ("python", "javascript", "typescript", "go", "java")

# a finding needs a touched after line matching _REFERER (case-insensitive, each alternative
# naming the header): the family's trigger (semdiff.rules._triggers)
TRIGGER = Trigger(iwords=("referer", "referrer"))
# the raw header, as frameworks spell the read
_REFERER = re.compile(
    r"""(?ix)
    (?:\.get|\.header|getHeader|Header\.Get|headers\.get|META\.get|\.get\w*Header)\s*\(\s*['"`](?:referr?er|http_referr?er)['"`]
    | headers\s*\[\s*['"`]referr?er['"`]\s*\]
    | META\s*\[\s*['"`]HTTP_REFERR?ER['"`]\s*\]
    | \b(?:req|request|r|ctx|c)\.(?:referr?er)\b(?!\s*=)
    | \.Referer\(\)
    """)
_REDIRECT = re.compile(r"""(?i)(?:\bredirect\w*\s*\(|['"`]location['"`]|\bLocation\s*=|\bsendRedirect\s*\(|\.location\s*\()""")
_REDIRECT_UNIT = re.compile(r"(?i)^_*(?:redirect\w*|\w*_redirect|back|go_?back|redirect_?back)$")
_ASSIGN = re.compile(r"^\s*(?:(?:const|let|var|final|String)\s+)?(?P<v>[A-Za-z_$][\w$]*)\s*(?::=|=(?!=)|\?\?=|\|\|=)")
# a same-origin / relative-path test kept in the unit
_ORIGIN_TEST = re.compile(r"""(?i)(?:\.host(?:name)?\b\s*[!=]==?|[!=]==?\s*\S*\.host(?:name)?\b|\.origin\b\s*[!=]==?|[!=]==?\s*\S*\.origin\b|"""
                          r"""\.netloc\b|startsWith\(\s*['"`]/['"`]\)|startswith\(\s*['"`]/['"`]\)|is_safe_url|url_has_allowed_host|sameOrigin|same_origin|isSameOrigin)""")


def _redirects(unit: Unit) -> bool:
    return bool(_REDIRECT_UNIT.match(unit.qualname.rsplit(".", 1)[-1])) or any(_REDIRECT.search(t) for _l, t in unit_lines(unit))


def _referer_targets(unit: Unit, lines: Optional[set[int]] = None) -> list[tuple[int, str]]:
    """Lines reading the raw Referer whose value is redirected to (on the line, or via a variable)."""
    out: list[tuple[int, str]] = []
    all_lines = unit_lines(unit)
    self_redirect = bool(_REDIRECT_UNIT.match(unit.qualname.rsplit(".", 1)[-1]))
    for i, (ln, text) in enumerate(all_lines):
        if (lines is not None and ln not in lines) or not _REFERER.search(text):
            continue
        if _REDIRECT.search(text):
            out.append((ln, text.strip()))
            continue
        m = _ASSIGN.match(text) or re.search(r"\b(?P<v>[A-Za-z_$][\w$]*)\s*=(?!=)\s*[^=]*$", text)
        if m is None:
            continue
        var = m.group("v")
        later = [t for _l, t in all_lines[i + 1:]]
        if any(_REDIRECT.search(t) and mentions(t, var) for t in later) or (self_redirect and any(mentions(t, var) for t in later)):
            out.append((ln, text.strip()))
    return out


_BEFORE = ("function goBack(req, res) {\n  const target = safeReferrer(req) || '/'\n  res.redirect(target)\n}\n")

RULES = (
    RuleSpec(
        RULE_ID, "Redirect target is the raw Referer header", Severity.MEDIUM,
        "A redirect whose target came from a helper, a constant or a checked value now sends the user to the "
        "Referer header as received: a link from another site redirects the user back to that site (open redirect).",
        (Example(_BEFORE, _BEFORE.replace("safeReferrer(req)", "req.get('Referer')"), True, "helper inlined as the raw header"),
         Example(_BEFORE, _BEFORE.replace("safeReferrer(req)", "sameOrigin(req.get('Referer'), req.host)"), False,
                 "read through a check"),
         Example(_BEFORE.replace("safeReferrer(req)", "req.get('Referer')"),
                 _BEFORE.replace("safeReferrer(req)", "req.get('Referer')").replace("'/'", "'/home'"), False,
                 "already raw before")),
        languages=LANGS, intrinsic="validation",
    ),
)
SPEC = {r.id: r for r in RULES}
EXAMPLE_PATHS = {RULE_ID: "src/routes/back.js"}


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    if before is None or after is None or change.language not in LANGS or not change.touched_after:
        return []
    new = _referer_targets(after, set(change.touched_after))
    if not new or _referer_targets(before) or not _redirects(before):
        return []
    if any(_ORIGIN_TEST.search(t) for _l, t in unit_lines(after)):
        return []
    ln, text = new[0]
    return [make_finding(
        SPEC[RULE_ID], change, ctx,
        f"the redirect target is now the Referer header as received (`{text}`); before it was not read raw, "
        f"and nothing here checks that it stays on this site",
        after_line=ln, evidence_after=text,
    )]
