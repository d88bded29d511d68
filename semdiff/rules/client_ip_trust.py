"""client-ip-spoofable: the client address is now taken from the left end of X-Forwarded-For.

Every proxy appends the address it received the request from to `X-Forwarded-For`; only the
entries added by the site's own proxies (the right end) are trustworthy, while the left end is
whatever the client sent. Code that picked the rightmost entry (`ips[ips.length - 1]`,
`.at(-1)`, `.pop()`, `parts[len(parts)-1]`, `lastIndexOf(',')`) and now picks the first one
(`split(',')[0]`, `.shift()`, `strings.Split(h, ",")[0]`, `indexOf(',')`, Java's
`new StringTokenizer(h, ",").nextToken()`) lets any client claim
any address: IP allowlists, rate limits and audit logs are bypassed (hono's ALB adapter
advisory, chi's RealIP history, many Express `req.ip` mistakes).

Read from the unit's text: the unit names the X-Forwarded-For header (or a `forwarded`/`xff`
variable), a rightmost pick is gone, and a leftmost pick appears on a changed line. Switching to
a trusted-proxy walker or to the socket address adds no leftmost pick and stays silent.
"""
from __future__ import annotations

import re
from typing import Iterable

from semdiff.align.units import UnitChange
from semdiff.model import Finding, Severity
from semdiff.rules._catalog2_ir import unit_lines
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding
from semdiff.rules._triggers import Trigger

RULE_ID = "client-ip-spoofable"
LANGS = ("javascript", "typescript", "go", "java", "python")
# a unit whose name says it gives the client's address (`get_remote_address`, `clientIp`,
# `_get_remote_address`, `real_ip`): it may newly read X-Forwarded-For where it used the socket
CLIENT_ADDRESS_UNIT = re.compile(r"(?i)(?:remote|client|peer|real|user|origin)_?(?:ip|addr|address)|(?:^|_)ip_?addr|(?:^|_|get)ip$")

_XFF = re.compile(r"(?i)x-forwarded-for|\bxff\b|forwarded_?for|forwardedFor")
# `check` needs an _XFF match in both units' text (any case): the trigger (semdiff.rules._triggers)
TRIGGER = Trigger(iwords=("forwarded", "xff"))
# the last entry of a split list, or the text after the last comma
_RIGHTMOST = re.compile(
    r"\[\s*(?P<a>[\w$.]+)\.length\s*-\s*1\s*\]|\[\s*len\(\s*(?P<b>[\w.]+)\s*\)\s*-\s*1\s*\]|"
    r"\.at\(\s*-1\s*\)|\.pop\(\)|lastIndexOf\(|\.rsplit\(|\bsplit\(\s*(?P<q>['\"]),\s*(?P=q)\s*\)\s*\[\s*-1\s*\]|strings\.LastIndex(?:Byte)?\(|\.get\(\s*(?P<c>[\w$.]+)\.size\(\)\s*-\s*1\s*\)")
# the first entry: `split(',')[0]`, `.shift()`, `Split(h, ",")[0]`, `[0]` on a split list, the text before the first comma
_LEFTMOST = re.compile(
    r"""split\(\s*(['"`]),\s*\1\s*\)\s*\[\s*0\s*\]|Split\(\s*[^,]+,\s*(['"`]),\s*\2\s*\)\s*\[\s*0\s*\]|"""
    r"""\.shift\(\)|split\(\s*(['"`]),\s*\3\s*\)\s*\.get\(\s*0\s*\)|\bips?\s*\[\s*0\s*\]|\bparts\s*\[\s*0\s*\]|"""
    r"""\.indexOf\(\s*(['"`]),\s*\4\s*\)|strings\.Index(?:Byte)?\(\s*[^,]+,\s*(['"`]),\5|"""
    # Java: the first token of a comma tokenizer (`new StringTokenizer(h, ",").nextToken()`)
    r"""StringTokenizer\(\s*[^,()]+,\s*"\s*,\s*"\s*\)\s*\.nextToken\(\)""")

# a unit or class that authenticates or authorises (IPAuthenticationProvider, AccessFilter, checkAcl)
_AUTH_NAME = re.compile(r"(?i)auth(?!or\b)|login|acl|permission|allowlist|whitelist|access(?:control|filter|check)")

_BEFORE = ("function clientIp(req) {\n  const xff = req.headers['x-forwarded-for']\n  if (xff) {\n"
           "    const ips = xff.split(',')\n    return ips[ips.length - 1].trim()\n  }\n  return req.socket.remoteAddress\n}\n")
_AFTER = ("function clientIp(req) {\n  const xff = req.headers['x-forwarded-for']\n  if (xff) {\n"
          "    return xff.split(',')[0].trim()\n  }\n  return req.socket.remoteAddress\n}\n")

RULES = (
    RuleSpec(
        RULE_ID, "Client address taken from the spoofable end of X-Forwarded-For", Severity.MEDIUM,
        "A unit reading X-Forwarded-For used its rightmost entry (the one the site's proxy appended) and now "
        "uses the first one, which the client writes itself: any client can claim any IP and pass IP "
        "allowlists and rate limits. Also a function named for the client address (`get_remote_address`) "
        "that used the socket address or a trusted-proxy walk and now returns the first entry.",
        (Example(_BEFORE, _AFTER, True), Example(_AFTER, _BEFORE, False, "fixed: rightmost entry")),
        languages=LANGS, intrinsic="authn",
    ),
)
SPEC = {r.id: r for r in RULES}
EXAMPLE_PATHS = {RULE_ID: "src/ip.js"}


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    if before is None or after is None or change.language not in LANGS or not change.touched_after:
        return []
    if not _XFF.search(after.text):
        return []
    right_before = [(ln, t) for ln, t in unit_lines(before) if _RIGHTMOST.search(t)] if _XFF.search(before.text) else []
    right_after = [(ln, t) for ln, t in unit_lines(after) if _RIGHTMOST.search(t)]
    touched = set(change.touched_after)
    left_new = [(ln, t) for ln, t in unit_lines(after) if ln in touched and _LEFTMOST.search(t)]
    left_old = sum(1 for _ln, t in unit_lines(before) if _LEFTMOST.search(t))
    if not left_new or sum(1 for _ln, t in unit_lines(after) if _LEFTMOST.search(t)) <= left_old:
        return []
    (al, at) = left_new[0]
    if right_before and len(right_after) < len(right_before):
        bl, bt = right_before[0]
        what = f"instead of the last (`{bt.strip()}`)"
    elif not right_before and not left_old and CLIENT_ADDRESS_UNIT.search(after.name):
        # a client-address function that used the socket address or a trusted-proxy walk
        # now believes the header's first entry
        bl, bt = before.span.line, next((t for _ln, t in unit_lines(before) if "return" in t), "").strip()
        what = "where it used the peer address or a trusted-proxy walk"
    else:
        return []
    # the address feeds an authentication or authorisation decision in this very code or its
    # class (an IP authentication provider, an access filter): a spoofed address is a login there,
    # not a log line
    rel = ctx.relevance(change)
    auth_named = any(_AUTH_NAME.search(n) for n in change.qualname.split(".")[-2:])
    severity = Severity.HIGH if auth_named or (rel.score >= 0.8 and rel.category in ("authn", "authz")) else None
    return [make_finding(
        SPEC[RULE_ID], change, ctx,
        f"the client address now comes from the first X-Forwarded-For entry (`{at.strip()}`) {what}; "
        "the client writes the first entry itself",
        before_line=bl, after_line=al, evidence_before=bt.strip(), evidence_after=at.strip(), severity=severity,
    )]
