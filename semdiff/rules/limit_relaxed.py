"""limit-relaxed: limits that protect against denial of service removed or raised a lot.

Size, count, depth and time caps (body/header/field sizes, redirects, recursion, timeouts,
decompression ratios) are values: settings, parameter defaults, keyword arguments. Raising
one by an order of magnitude or setting it to "unlimited" (None, 0, -1, inf) is what turns
a bounded request into an unbounded one. Regexes are limits too: a bounded quantifier made
unbounded, or a nested quantifier introduced, opens catastrophic backtracking (ReDoS).

Removed `if len(x) > LIMIT: raise` guards are the core removed-guard rule's business; this
family only looks at values, keyword arguments and regex patterns.
"""
from __future__ import annotations

import math
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Call
from semdiff.model import Confidence, Finding, Relevance, Severity
from semdiff.rules._catalog2_ir import (
    callee_is,
    name_words,
    number,
    pair_by_key,
    pair_calls,
    pair_regex_sites,
    regex_profile,
)
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

RULE_ID = "limit-relaxed"

# a key means a protective limit when one of its words (snake/camel split) is one of these,
# or a word starts with "max" (maxlen) or ends with "limit"/"timeout" (setrecursionlimit)
LIMIT_WORDS = ("max", "limit", "limits", "size", "length", "len", "count", "depth", "timeout", "recursion",
               "redirects", "headers", "body", "fields", "parts", "bomb", "ratio", "bytes")
LIMIT_PREFIXES = ("max",)
LIMIT_SUFFIXES = ("limit", "timeout")
# ... unless it is one of these (lifetimes, retries and floors are other rules' business or not limits)
NOT_LIMIT_WORDS = ("age", "lifetime", "expire", "expires", "expiry", "expiration", "ttl", "retries", "retry", "min",
                   "minimum", "backoff", "workers", "threads", "pool", "cache", "delay", "interval", "sleep",
                   "iterations", "rounds", "bits", "keysize", "version", "prefix", "step", "offset", "page",
                   "session", "cookie", "token", "key", "salt", "password", "lockout", "ban", "chunk", "font")
# values meaning "no limit" when they replace a finite one
UNLIMITED_TEXT = ("None", "math.inf", "inf", "float('inf')", 'float("inf")', "sys.maxsize")
UNLIMITED_NUMBERS = (0.0, -1.0)
FACTOR = 10.0
# calls whose timeout is unlimited when the keyword is left out
NO_DEFAULT_TIMEOUT = ("requests.get", "requests.post", "requests.put", "requests.patch", "requests.delete",
                      "requests.head", "requests.options", "requests.request", "session.get", "session.post",
                      "session.request", "urllib.request.urlopen", "urlopen", "socket.create_connection",
                      "http.client.HTTPConnection", "http.client.HTTPSConnection", "ftplib.FTP", "smtplib.SMTP",
                      "telnetlib.Telnet", "subprocess.run", "subprocess.check_output", "subprocess.check_call",
                      "communicate", "asyncio.wait_for")
# positional limits: callee -> index of the limit argument
POSITIONAL_LIMITS = {"sys.setrecursionlimit": 0, "resource.setrlimit": 1, "signal.alarm": 0}

RULES = (
    RuleSpec(
        id=RULE_ID,
        title="Resource limit relaxed",
        severity=Severity.MEDIUM,
        description=(
            "A denial-of-service limit (max size/length/count/depth/redirects/headers/fields/parts, decompression "
            "ratio, timeout, recursion limit) was removed, set to unlimited (None, 0, -1, inf) or raised at least "
            "tenfold; or a regex quantifier was made unbounded or nested (ReDoS)."
        ),
        examples=(
            Example("MAX_BODY_SIZE = 1024 * 1024\n", "MAX_BODY_SIZE = None\n", True, "limit removed"),
            Example("MAX_HEADERS = 100\n", "MAX_HEADERS = 10000\n", True, "raised 100x"),
            Example("MAX_HEADERS = 100\n", "MAX_HEADERS = 150\n", False, "small raise"),
            Example("MAX_HEADERS = 10000\n", "MAX_HEADERS = 100\n", False, "tightened"),
            Example(
                "import requests\ndef fetch(u):\n    return requests.get(u, timeout=10)\n",
                "import requests\ndef fetch(u):\n    return requests.get(u)\n",
                True,
                "timeout removed",
            ),
            Example(
                "import re\nNAME = re.compile(r'^[a-z]{1,64}$')\n",
                "import re\nNAME = re.compile(r'^([a-z]+)+$')\n",
                True,
                "ReDoS",
            ),
            Example("SESSION_MAX_AGE = 3600\n", "SESSION_MAX_AGE = 360000\n", False, "a lifetime, not a DoS limit"),
        ),
        languages=("python",),
    ),
)
SPEC = RULES[0]


def is_limit_key(key: str) -> bool:
    ws = name_words(key)
    if ws & set(NOT_LIMIT_WORDS):
        return False
    return bool(ws & set(LIMIT_WORDS)) or any(w.startswith(LIMIT_PREFIXES) or w.endswith(LIMIT_SUFFIXES) for w in ws)


def limit_value(text: Optional[str]) -> Optional[float]:
    """The limit a value text denotes: a positive number, UNLIMITED, or None (unknown)."""
    if text is None:
        return None
    t = text.strip()
    if t in UNLIMITED_TEXT:
        return math.inf
    v = number(t)
    if v is None:
        return None
    if v in UNLIMITED_NUMBERS or v == math.inf:
        return math.inf
    return v if v > 0 else None


def relaxed(before: Optional[float], after: Optional[float]) -> bool:
    if before is None or after is None or before == math.inf:
        return False
    return after == math.inf or after >= before * FACTOR


def _show(v: float) -> str:
    if v == math.inf:
        return "unlimited"
    return str(int(v)) if v == int(v) else str(v)


def _setting_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    b_set = [s for s in (change.before.settings if change.before else ()) if is_limit_key(s.key)]
    a_set = [s for s in (change.after.settings if change.after else ()) if is_limit_key(s.key)]
    for b, a in pair_by_key(b_set, a_set, key=lambda s: (s.key, s.scope), text=lambda s: s.text):
        if b is None:
            continue
        bv = limit_value(b.value)
        if a is None:
            if b.scope != "default" and bv is not None and bv != math.inf and change.after is not None:
                yield make_finding(
                    SPEC, change, ctx, f"limit {b.key} = {b.value} removed",
                    before_line=b.span.line, evidence_before=b.text, confidence=Confidence.MEDIUM,
                )
            continue
        av = limit_value(a.value)
        if relaxed(bv, av):
            yield _raised(change, ctx, b.key, bv, av, b.span.line, a.span.line, b.text, a.text)  # type: ignore[arg-type]


def _raised(change, ctx, key, bv: float, av: float, b_line, a_line, b_text, a_text) -> Finding:
    how = "made unlimited" if av == math.inf else f"raised {av / bv:g}x"
    return make_finding(
        SPEC, change, ctx, f"limit {key} {how} ({_show(bv)} -> {_show(av)})",
        before_line=b_line, after_line=a_line, evidence_before=b_text, evidence_after=a_text,
        witness=f"before: {key}={_show(bv)}; after: {key}={_show(av)}",
    )


def _call_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    b_calls = change.before.calls if change.before else ()
    a_calls = change.after.calls if change.after else ()
    for b, a in pair_calls(b_calls, a_calls):
        if b is None or a is None:
            continue
        yield from _kwarg_findings(change, ctx, b, a)
        pos = callee_is(a.callee, POSITIONAL_LIMITS)
        if pos is not None:
            i = POSITIONAL_LIMITS[pos]
            if i < len(b.positional) and i < len(a.positional):
                bv, av = limit_value(b.positional[i].value), limit_value(a.positional[i].value)
                if relaxed(bv, av):
                    yield _raised(change, ctx, a.callee, bv, av, b.span.line, a.span.line, b.text, a.text)  # type: ignore[arg-type]


def _kwarg_findings(change: UnitChange, ctx: RuleContext, b: Call, a: Call) -> Iterable[Finding]:
    for barg in b.args:
        if not barg.name or barg.name in ("*", "**") or not is_limit_key(barg.name):
            continue
        bv = limit_value(barg.value)
        aarg = a.kwarg(barg.name)
        if aarg is None:
            if any(x.name == "**" for x in a.args) or bv is None or bv == math.inf:
                continue
            if "timeout" in barg.name.lower() and not callee_is(a.callee, NO_DEFAULT_TIMEOUT):
                continue  # the library's own default timeout still applies
            yield make_finding(
                SPEC, change, ctx, f"{barg.name}={barg.value} removed from {a.callee}()",
                before_line=b.span.line, after_line=a.span.line, evidence_before=b.text, evidence_after=a.text,
                witness=f"before: {barg.name}={barg.value}; after: no {barg.name} (unlimited)",
            )
            continue
        av = limit_value(aarg.value)
        if relaxed(bv, av):
            yield _raised(change, ctx, f"{a.callee}({barg.name}=)", bv, av, b.span.line, a.span.line, b.text, a.text)  # type: ignore[arg-type]


def _redos_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    for b, a in pair_regex_sites(change.before, change.after):
        bp, ap = regex_profile(b.pattern), regex_profile(a.pattern)
        if bp is None or ap is None:
            continue
        reasons = []
        if ap.nested_unbounded and not bp.nested_unbounded:
            reasons.append("nested quantifier introduced (catastrophic backtracking)")
        if ap.unbounded_repeats > bp.unbounded_repeats and ap.bounded_repeats < bp.bounded_repeats:
            reasons.append("bounded quantifier made unbounded")
        if reasons:
            rel = ctx.relevance(change)
            if ap.nested_unbounded and not bp.nested_unbounded and rel.score < 0.8:
                # catastrophic backtracking is a denial of service wherever the regex meets input,
                # so a module-level pattern is not "far from anything sensitive"
                rel = Relevance("dos", 0.8, rel.why_path or (change.qualname,), "a nested unbounded quantifier backtracks catastrophically (ReDoS)")
            yield make_finding(
                SPEC, change, ctx, f"regex {a.pattern!r}: " + "; ".join(reasons),
                before_line=b.line, after_line=a.line, evidence_before=b.pattern, evidence_after=a.pattern,
                relevance=rel,
            )


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.after is None or change.before is None:
        return []
    return [*_setting_findings(change, ctx), *_call_findings(change, ctx), *_redos_findings(change, ctx)]
