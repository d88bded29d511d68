"""forwarded-header-ungated: a forwarded header is now believed whether or not the proxy is trusted.

`X-Forwarded-Proto`, `X-Forwarded-Host`, `X-Forwarded-For`, `X-Real-IP` and `Forwarded` are
written by whoever sends the request. Behind the site's own proxy they carry the original
scheme, host and address; without one, or when the request went round it, they say what the
client wants. Code that honours them only when a setting says a trusted proxy is in front
(`case trustForwardedHeaders && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")`,
`if trust_proxy and request.headers.get("X-Forwarded-Host")`) and now reads them whatever the
setting lets any client claim https (skipping a TLS-only rule), another host (poisoned links,
a host-based rule) or another address.

Read from the unit's text: before, every line that reads such a header is gated by a trust
word (an identifier with `trust` in it, or `behind_proxy`/`proxies`) in a condition on that
line or just above it, or -- a read stored in a variable -- in a condition just below that
tests the variable; after, the unit reads the same header and names no trust word in its
code at all. Silent when the header is no longer read (the socket's TLS state or a trusted-proxy
library took over), when a trust word still gates it (a renamed flag, an `isTrustedProxy(addr)`
call), and when a caller in the change now calls the unit only under a trust word (the gate
moved out).
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Unit
from semdiff.model import Confidence, Finding, Severity
from semdiff.rules._triggers import Trigger
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, text_lines, units_in_file

RULE_ID = "forwarded-header-ungated"
LANGS = ("go", "java", "javascript", "python", "typescript")
# a forwarded header read by name (quoted), or a WSGI/CGI environment key
_HEADER = re.compile(
    r"""(?i)["'](x-forwarded-(?:proto|protocol|host|for|port|prefix|ssl|scheme|server)|x-real-ip|forwarded)["']|"""
    r"""\bHTTP_(X_FORWARDED_(?:PROTO|HOST|FOR|PORT|PREFIX|SSL|SCHEME|SERVER)|X_REAL_IP|FORWARDED)\b"""
)
_TRUST = re.compile(r"(?i)\b\w*(?:trust|behind_?proxy|proxies)\w*\b")
_COMMENT = re.compile(r"""//.*$|#.*$|/\*.*?\*/""")
# `check` needs a forwarded header in both units' text: the trigger (semdiff.rules._triggers)
TRIGGER = Trigger(iwords=("forwarded", "x-real-ip", "x_real_ip"))
_ABOVE = 3  # lines above a read that may hold the condition gating it
_CONDITION = re.compile(r"\b(?:if|elif|case|when|unless|while)\b|&&|\band\b|\?")
# a read stored in a variable: `xff := r.Header.Get(...)`, `String xff = ...`, `const xff = ...`
_STORED = re.compile(r"^\s*(?:(?:var|let|const|final)\s+)?(?:[\w<>\[\].]+\s+)?([\w$]+)\s*:?=(?!=)")

_BEFORE = (
    "package proxy\n\n"
    "func Scheme(r *http.Request, trustForwardedHeaders bool) string {\n"
    "\tif trustForwardedHeaders && r.Header.Get(\"X-Forwarded-Proto\") == \"https\" {\n"
    "\t\treturn \"https\"\n"
    "\t}\n"
    "\tif r.TLS != nil {\n"
    "\t\treturn \"https\"\n"
    "\t}\n"
    "\treturn \"http\"\n"
    "}\n"
)
_UNGATED = (
    "package proxy\n\n"
    "func Scheme(r *http.Request) string {\n"
    "\tif r.TLS != nil || r.Header.Get(\"X-Forwarded-Proto\") == \"https\" {\n"
    "\t\treturn \"https\"\n"
    "\t}\n"
    "\treturn \"http\"\n"
    "}\n"
)

RULES = (
    RuleSpec(
        RULE_ID, "Forwarded header believed without a trusted proxy", Severity.HIGH,
        "A unit that read X-Forwarded-Proto/-Host/-For, X-Real-IP or Forwarded only when a trust setting said a "
        "trusted proxy was in front now reads it whatever the setting: any client can claim https, another host "
        "or another address.",
        (
            Example(_BEFORE, _UNGATED, True),
            Example(_BEFORE, _BEFORE.replace("trustForwardedHeaders", "trustProxyHeaders"), False, "flag renamed"),
            Example(_BEFORE, _UNGATED.replace(" || r.Header.Get(\"X-Forwarded-Proto\") == \"https\"", ""), False,
                    "the header is no longer read"),
        ),
        languages=LANGS,
        intrinsic="auth",
    ),
)
EXAMPLE_PATHS = {RULE_ID: "proxy/scheme.go"}
SPEC = RULES[0]


def _code_lines(unit: Unit) -> list[str]:
    return [_COMMENT.sub("", line) for line in text_lines(unit.text)]


def _reads(lines: list[str]) -> list[tuple[int, str]]:
    """(index, header) of every line that names a forwarded header."""
    out = []
    for i, line in enumerate(lines):
        m = _HEADER.search(line)
        if m:
            out.append((i, (m.group(1) or m.group(2)).lower().replace("_", "-")))
    return out


def _gated(lines: list[str], i: int) -> bool:
    """A trust word gates the read on line i: in a condition on that line or one of the few
    above it, or -- for a read stored in a variable -- in a condition just below that tests
    the variable (`String xff = req.getHeader(...); if (trustProxy && xff != null)`)."""
    if any(_TRUST.search(lines[j]) and _CONDITION.search(lines[j]) for j in range(max(0, i - _ABOVE), i + 1)):
        return True
    m = _STORED.match(lines[i])
    if m is None:
        return False
    var = re.compile(r"(?<![\w$.])" + re.escape(m.group(1)) + r"(?![\w$])")
    return any(_TRUST.search(lines[j]) and _CONDITION.search(lines[j]) and var.search(lines[j])
               for j in range(i + 1, min(len(lines), i + 1 + _ABOVE)))


def _caller_gates(change: UnitChange, ctx: RuleContext, name: str) -> bool:
    """A unit of the same file, after the change, calls `name` under a trust word."""
    assert change.after is not None
    call = re.compile(r"(?<![\w$])" + re.escape(name) + r"\s*\(")
    for u in units_in_file(ctx.after_units, change.after.path):
        if u is change.after or getattr(u, "kind", "") in ("module", "class"):
            continue
        lines = _code_lines(u)  # type: ignore[arg-type]
        if any(call.search(line) and _gated(lines, i) for i, line in enumerate(lines)):
            return True
    return False


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    if before is None or after is None or before.kind in ("module", "class") or not _HEADER.search(after.text):
        return []
    b_lines, a_lines = _code_lines(before), _code_lines(after)
    b_reads = _reads(b_lines)
    if not b_reads or not all(_gated(b_lines, i) for i, _h in b_reads):
        return []
    if any(_TRUST.search(line) for line in a_lines):
        return []  # a trust word still in the unit: the gate stays, renamed or reworded
    a_headers = {h for _i, h in _reads(a_lines)}
    hit: Optional[tuple[int, str]] = next(((i, h) for i, h in b_reads if h in a_headers), None)
    if hit is None or _caller_gates(change, ctx, after.name):
        return []
    i, header = hit
    gate = next(m.group(0) for j in range(max(0, i - _ABOVE), min(len(b_lines), i + 1 + _ABOVE))
                for m in [_TRUST.search(b_lines[j])] if m)
    line = before.span.line + i
    return [make_finding(
        SPEC, change, ctx,
        f"{change.qualname} read `{header}` only when `{gate}` said a trusted proxy was in front; it now reads it "
        "whatever the setting, so any client can set it.",
        before_line=line, evidence_before=text_lines(before.text)[i].strip(),
        confidence=Confidence.MEDIUM,
        witness=f"a request straight from a client with a forged `{header}`: ignored before, believed after",
    )]
