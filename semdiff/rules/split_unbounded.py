"""split-unbounded: a bounded split of a value replaced by an unbounded split of the same value.

Token and header parsers split a peer's value into a known number of parts: a JWT into three,
`Basic user:pass` at its first colon, `key=value` at its first `=`. Written with a bound
(`strings.SplitN(s, sep, 3)`, `strings.Cut`, Python `s.split(sep, 2)` / `s.partition(sep)`,
JavaScript `s.split(sep, 3)`, Java `s.split(regex, 3)`), the work and the parts allocated stop
at the bound. Written without one (`strings.Split`, `s.split(sep)`), a value made of thousands
of separators allocates a part per separator before the parser notices the count is wrong:
the memory/CPU amplification of CVE-2025-30204 (a JWT of dots). The bound is a resource limit
that no guard or setting shows, so `limit-relaxed` cannot see it go; this rule compares the
splits themselves.

Reported when a line added to a unit splits a value without a bound, and the old unit split
the same value (same text) on the same separator with a bound, either itself or through a
same-file helper it called with that value (a `splitToken(s)` built on `Cut`). Silent when the
bounded split is still there, when the value was already split unbounded before, and when the
new unit measures the value (`len(s)`, `s.length`, `strings.Count(s, ...)`, `s.count(...)`):
a size or separator-count check caps the cost the bound capped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Call, Unit
from semdiff.model import Finding, Relevance, Severity
from semdiff.rules._callee_tails import may_call, table_tails
from semdiff.rules._triggers import Trigger
from semdiff.rules._catalog2_ir import mentions
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, units_in_file
from semdiff.relevance.names import words

RULE_ID = "split-unbounded"
LANGS = ("python", "javascript", "typescript", "go", "java")

# Go package functions: (value, separator[, n]) -> bounded?
GO_UNBOUNDED = ("strings.Split", "strings.SplitAfter", "bytes.Split", "bytes.SplitAfter")
GO_COUNTED = ("strings.SplitN", "strings.SplitAfterN", "bytes.SplitN", "bytes.SplitAfterN")
GO_CUT = ("strings.Cut", "bytes.Cut")
# method splits of a value (receiver): `s.split(sep[, n])`; Python also rsplit and partition
SPLIT_METHODS = ("split", "rsplit")
PARTITION_METHODS = ("partition", "rpartition")
# receivers that are modules, not values (`re.split(p, s)`, `os.path.split(p)`)
MODULE_RECEIVERS = ("re", "regex", "os.path", "posixpath", "ntpath", "shlex", "path", "Pattern", "String", "strings", "bytes")
# words naming a value a peer sends: splitting it without a bound is a DoS wherever it happens
PEER_WORDS = frozenset({
    "token", "jwt", "jws", "jwe", "header", "headers", "cookie", "cookies", "authorization", "auth", "bearer",
    "credentials", "request", "req", "query", "qs", "param", "params", "body", "payload", "input", "raw", "tokenstring",
    "signature", "assertion", "ticket", "form", "message", "msg", "data",
})
# the value measured: a length or separator-count check caps what the bound capped
_MEASURE = r"(?:len\(\s*{v}\s*\)|{v}\.length\b|(?:strings|bytes)\.Count\(\s*{v}\s*,|{v}\.count\(|utf8\.RuneCountInString\(\s*{v}\s*\))"


@dataclass(frozen=True)
class SplitSite:
    value: str  # text of the value split
    sep: Optional[str]  # separator (literal, or constant resolved to its literal); None = whitespace
    bounded: bool
    line: int
    text: str


def _int(text: str) -> Optional[int]:
    t = text.strip()
    return int(t) if re.fullmatch(r"-?\d+", t) else None


def _sep(arg, consts: dict[str, str]) -> str:
    if isinstance(arg.literal, str):
        return arg.literal
    return consts.get(arg.value.strip(), arg.value.strip())


def split_site(call: Call, consts: dict[str, str], language: str = "") -> Optional[SplitSite]:
    """The split a call makes, with its value, separator and whether a bound stops it; None for
    any other call and for splits whose bound is not a literal (unknown either way). A limit of
    0 splits nothing in Python and returns nothing in JavaScript, but is unbounded in Java."""
    pos = call.positional
    callee = call.callee.strip()
    if callee in GO_UNBOUNDED + GO_COUNTED + GO_CUT:
        if len(pos) < 2:
            return None
        bounded = callee in GO_CUT
        if callee in GO_COUNTED:
            n = _int(pos[2].value) if len(pos) > 2 else None
            if n is None or n == 0:
                return None
            bounded = n > 0
        return SplitSite(pos[0].value.strip(), _sep(pos[1], consts), bounded, call.span.line, call.text)
    receiver, _, method = callee.rpartition(".")
    if not receiver or receiver in MODULE_RECEIVERS:
        return None
    if method in PARTITION_METHODS:
        return SplitSite(receiver, _sep(pos[0], consts) if pos else None, True, call.span.line, call.text) if pos else None
    if method not in SPLIT_METHODS:
        return None
    sep_arg = pos[0] if pos else call.kwarg("sep")
    limit_arg = pos[1] if len(pos) > 1 else call.kwarg("maxsplit")
    if sep_arg is not None and sep_arg.value.strip() == "None":
        sep_arg = None
    if limit_arg is None:
        bounded = False
    else:
        n = _int(limit_arg.value)
        if n is None or (n == 0 and language != "java"):
            return None  # a computed bound, or 0 (no split in Python, nothing in JS)
        bounded = n > 0
    return SplitSite(receiver, None if sep_arg is None else _sep(sep_arg, consts), bounded, call.span.line, call.text)


def _constants(units, path: str) -> dict[str, str]:
    """Module-level string constants of a file (`tokenDelimiter = "."`): a separator by name."""
    return {s.key: s.literal for u in units_in_file(units, path) if isinstance(u, Unit) and u.kind == "module"
            for s in u.settings if isinstance(s.literal, str)}


def _sites(unit: Unit, consts: dict[str, str]) -> list[SplitSite]:
    return [s for c in unit.calls if (s := split_site(c, consts, unit.language)) is not None]


def _helper(units, path: str, callee: str) -> Optional[Unit]:
    name = callee.rsplit(".", 1)[-1]
    if "." in callee and callee.rsplit(".", 1)[0] not in ("self", "this", "cls"):
        return None
    found = [u for u in units_in_file(units, path) if isinstance(u, Unit) and u.name == name
             and u.kind in ("function", "method")]
    return found[0] if len(found) == 1 else None


def _helper_splits(change: UnitChange, ctx: RuleContext, consts: dict[str, str]) -> list[tuple[SplitSite, str]]:
    """Bounded splits the old unit made through a same-file helper it called with a value:
    (site rewritten to the caller's value and call line, helper name). The helper must split
    one of its parameters with a bound and make no unbounded split itself."""
    before, after = change.before, change.after
    assert before is not None and after is not None
    after_callees = {c.callee for c in after.calls}
    out: list[tuple[SplitSite, str]] = []
    for call in before.calls:
        if call.callee in after_callees:
            continue  # the helper is still called: its bound still applies
        helper = _helper(ctx.before_units, before.path, call.callee)
        if helper is None or helper.qualname == before.qualname:
            continue
        sites = _sites(helper, consts)
        if any(not s.bounded for s in sites):
            continue
        offset = 1 if helper.kind == "method" and helper.language in ("python", "go") else 0
        for s in sites:
            if s.value not in helper.params:
                continue
            i = helper.params.index(s.value) - offset
            if 0 <= i < len(call.positional):
                value = call.positional[i].value.strip()
                out.append((SplitSite(value, s.sep, True, call.span.line, call.text), helper.qualname))
    return out


def _measured(unit: Unit, value: str) -> bool:
    pat = re.compile(_MEASURE.format(v=re.escape(value)))
    return any(pat.search(c.left_text) or pat.search(c.right_text) for c in unit.comparisons) or \
        any(pat.search(c.text) for c in unit.calls if c.callee in ("strings.Count", "bytes.Count"))


def _relevance(change: UnitChange, ctx: RuleContext, value: str) -> Relevance:
    base = ctx.relevance(change)
    if base.score >= 0.8:
        return base
    hit = next((w for w in words(value.rsplit(".", 1)[-1]) if w in PEER_WORDS), None)
    if hit is None:
        return base
    return Relevance("dos", 0.8, base.why_path or (change.qualname,),
                     f"the value split is input from a peer ('{hit}'): one request with many separators costs unbounded work")


_GO_BEFORE = ('package jwt\n\nimport "strings"\n\nfunc Segments(tokenString string) []string {\n'
              '\treturn strings.SplitN(tokenString, ".", 4)\n}\n')

RULES = (
    RuleSpec(
        RULE_ID, "Bounded split replaced by an unbounded one", Severity.MEDIUM,
        "A value that was split with a bound (strings.SplitN/Cut, Python split(sep, n)/partition, JavaScript or Java "
        "split(sep, n)), itself or through a same-file helper, is now split without one on the same separator, and "
        "nothing measures it first: a value made of many separators allocates a part for each (CVE-2025-30204).",
        (Example(_GO_BEFORE, _GO_BEFORE.replace('strings.SplitN(tokenString, ".", 4)', 'strings.Split(tokenString, ".")'),
                 True, "bound dropped"),
         Example(_GO_BEFORE, _GO_BEFORE.replace('strings.SplitN(tokenString, ".", 4)',
                                                'strings.Split(tokenString[:min(len(tokenString), 8192)], ".")'),
                 False, "a different (capped) value is split"),
         Example(_GO_BEFORE, _GO_BEFORE.replace('strings.SplitN(tokenString, ".", 4)', 'strings.Split(tokenString, ",")'),
                 False, "a different separator")),
        languages=LANGS,
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "jwt/parser.go"}


# the callees split_site can read as an unbounded split, by last part: Go's Split/SplitAfter and
# SplitN/SplitAfterN (a negative count), any receiver's split/rsplit
_UNBOUNDED_TAILS = table_tails((*GO_UNBOUNDED, *GO_COUNTED, *SPLIT_METHODS))
TRIGGER = Trigger(calls=_UNBOUNDED_TAILS)  # the early return of `check` (semdiff.rules._triggers)


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    if before is None or after is None or change.language not in LANGS or not change.touched_after:
        return []
    if not may_call(after, _UNBOUNDED_TAILS):
        return []  # a finding needs an unbounded split call of the after unit (split_site)
    b_consts = _constants(ctx.before_units, before.path)
    a_consts = _constants(ctx.after_units, after.path)
    b_sites = _sites(before, b_consts)
    a_sites = _sites(after, a_consts)
    touched = set(change.touched_after)
    new = [s for s in a_sites if not s.bounded and s.line in touched]
    if not new:
        return []
    bounded_before = [(s, "") for s in b_sites if s.bounded] + _helper_splits(change, ctx, b_consts)
    found: list[Finding] = []
    seen: set[tuple[str, Optional[str]]] = set()
    for s in new:
        key = (s.value, s.sep)
        if key in seen:
            continue
        old = next(((b, via) for b, via in bounded_before if (b.value, b.sep) == key), None)
        if old is None:
            continue
        if any((x.value, x.sep) == key for x in b_sites if not x.bounded):
            continue  # already split without a bound before
        if any((x.value, x.sep) == key for x in a_sites if x.bounded):
            continue  # the bounded split is still made
        if _measured(after, s.value):
            continue
        seen.add(key)
        b, via = old
        how = f" through {via}()" if via else ""
        found.append(make_finding(
            SPEC, change, ctx,
            f"`{s.value}` is now split on {s.sep!r} without a bound (`{s.text.strip()}`); before it was split with one"
            f"{how} (`{b.text.strip()}`): a value of many separators now costs a part each",
            before_line=b.line, after_line=s.line, evidence_before=b.text.strip(), evidence_after=s.text.strip(),
            witness=f"{s.value} = {(s.sep or ' ') * 3}... (many separators): bounded parts before, one per separator after",
            relevance=_relevance(change, ctx, s.value),
        ))
    return found
