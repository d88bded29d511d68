"""limit-relaxed: limits that protect against denial of service removed or raised a lot.

Size, count, depth and time caps (body/header/field sizes, redirects, recursion, timeouts,
decompression ratios) are values: settings, parameter defaults, keyword arguments. Raising
one by an order of magnitude or setting it to "unlimited" (None, 0, -1, inf) is what turns
a bounded request into an unbounded one. Regexes are limits too: a bounded quantifier made
unbounded, or a nested quantifier introduced, opens catastrophic backtracking (ReDoS).

Removed `if len(x) > LIMIT: raise` guards are the core removed-guard rule's business; this
family looks at values, keyword arguments and regex patterns, and at the bounds the guard
rules cannot see: a slice that caps a count (`pairs[:self.MAX_PARAMS]`) and a size check
whose exit is a plain `return` (drop the connection, stop reading) or a loop's `break` (stop
growing a work list: `if len(stack) > stack_limit: break`) rather than a denial.
When the bounded thing is input from a peer (request, header, query, body, buffer, received
data) the bound is DoS protection wherever it sits, so those two keep medium severity.

Regex risk (nested quantifiers, chains of overlapping unbounded repeats) is read by
`_regex_risk`, shared with the JavaScript check. Besides a pattern edited in place, a function
whose own regexes were replaced by a module-level compiled pattern it now uses is compared
pattern set against pattern set, with patterns built by `%`/`.format` read as templates.
"""
from __future__ import annotations

import difflib
import math
import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Action, Call, Unit
from semdiff.model import Confidence, Finding, Relevance, Severity
from semdiff.rules._catalog2_ir import (
    PY_STRING_LITERAL,
    REGEX_NAME_WORDS,
    callee_is,
    name_words,
    number,
    pair_by_key,
    pair_calls,
    IMPLIED_ANCHORS,
    RegexSite,
    pair_regex_sites,
    regex_profile,
    regex_sites,
)
from semdiff.rules._regex_risk import (
    RegexRisk,
    backtracking_reasons,
    dropped_length_caps,
    regex_risk,
    risk_reasons,
    shown,
    template_pattern,
)
from semdiff.rules._callee_tails import callee_tails, may_call, table_tails
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, units_in_file
from semdiff.lang.pyparse import literal_quietly

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
            Example(
                "MAX_PARAMS = 100\ndef parse_query(qs):\n    return dict(parse_qsl(qs)[:MAX_PARAMS])\n",
                "MAX_PARAMS = 100\ndef parse_query(qs):\n    return dict(parse_qsl(qs))\n",
                True,
                "count cap by slicing removed",
            ),
            Example(
                "def read_head(conn, data):\n    conn.buf += data\n    if len(conn.buf) > 8192:\n        conn.drop()\n"
                "        return\n    conn.parse()\n",
                "def read_head(conn, data):\n    conn.buf += data\n    conn.parse()\n",
                True,
                "size check with a plain return removed",
            ),
            Example(
                "def head(lines, size):\n    return lines[:size]\n",
                "def head(lines, size):\n    return list(lines)\n",
                False,
                "a slice to a requested length is not a limit",
            ),
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
    # a finding reads a before call's limit-named keyword or an after call of POSITIONAL_LIMITS:
    # without either, the calls are not paired at all
    if not may_call(change.after, _POSITIONAL_TAILS) and not any(
            a.name and a.name not in ("*", "**") and _is_limit_name(a.name)
            for c in (change.before.calls if change.before else ()) for a in c.args):
        return
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


_POSITIONAL_TAILS = table_tails(POSITIONAL_LIMITS)
_LIMIT_NAMES: dict[str, bool] = {}  # keyword name -> is_limit_key (the same names on every call)


def _is_limit_name(name: str) -> bool:
    hit = _LIMIT_NAMES.get(name)
    if hit is None:
        if len(_LIMIT_NAMES) >= 8192:
            _LIMIT_NAMES.clear()
        hit = _LIMIT_NAMES[name] = is_limit_key(name)
    return hit


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


# `re.VERBOSE`/`re.X` in a regex call: whitespace and `#` comments in the pattern are not pattern
_VERBOSE_FLAG = re.compile(r"\bre\.(?:VERBOSE|X)\b")
_VERBOSE_NOISE = re.compile(r"(?<!\\)#[^\n]*|\s+")


def _call_sites(unit: Optional[Unit]) -> list[RegexSite]:
    """The patterns a unit's own `re.*` calls run, a `%`/`.format` template read with unknown
    parts, and a verbose pattern (`re.VERBOSE` in the call) marked `(?x)` so that its layout
    and comments are read as the engine reads them."""
    if unit is None:
        return []
    out: list[RegexSite] = []
    for c in unit.calls:
        if not _is_regex_call(c.callee, PATTERN_METHODS + _COMPILE_TAILS):
            continue
        pattern = _call_pattern(c)
        if pattern is None:
            continue
        if _VERBOSE_FLAG.search(c.text) and not pattern.startswith("(?x)"):
            pattern = "(?x)" + pattern
        last = c.callee.rpartition(".")[2]
        start, end = IMPLIED_ANCHORS.get(last, (False, False))
        out.append(RegexSite(last, pattern, c.span.line, start, end))
    return out


def _compact(pattern: str) -> str:
    """A pattern's text for similarity: a verbose one without its layout and comments."""
    return _VERBOSE_NOISE.sub("", pattern[4:]) if pattern.startswith("(?x)") else pattern


def _call_site_pairs(before: Optional[Unit], after: Optional[Unit],
                     seen: list[tuple[RegexSite, RegexSite]]) -> list[tuple[RegexSite, RegexSite]]:
    """Edited patterns of the unit's own regex calls the shared pairing does not read (templates,
    verbose patterns whose comments were rewritten): each new one paired with the most similar
    gone one of the same call (compared without layout), when no pair already covers its line."""
    taken_b = {b.line for b, _ in seen}
    taken_a = {a.line for _, a in seen}
    b_sites = [x for x in _call_sites(before) if x.line not in taken_b]
    a_sites = [x for x in _call_sites(after) if x.line not in taken_a]
    b_pats = {x.pattern for x in _call_sites(before)}
    a_pats = {x.pattern for x in _call_sites(after)}
    gone = [x for x in b_sites if x.pattern not in a_pats]
    pairs: list[tuple[RegexSite, RegexSite]] = []
    for a in (x for x in a_sites if x.pattern not in b_pats):
        best_i, best = -1, 0.0
        for i, b in enumerate(gone):
            if b.key != a.key:
                continue
            score = difflib.SequenceMatcher(None, _compact(b.pattern), _compact(a.pattern), autojunk=False).ratio()
            if score > best:
                best_i, best = i, score
        if best_i >= 0 and best >= 0.5:
            pairs.append((gone.pop(best_i), a))
    return pairs


def _may_have_regex_site(unit: Optional[Unit]) -> bool:
    """False only when `regex_sites` and `_call_sites` of `unit` are both empty: no regex call
    by its last part, no regex/list/tuple/set literal, no setting with a string value."""
    if unit is None:
        return False
    if not callee_tails(unit).isdisjoint(_REGEX_CALL_TAILS):
        return True
    return any(lit.kind in ("regex", "list", "tuple", "set") for lit in unit.literals) or \
        any(isinstance(st.literal, str) for st in unit.settings)


def _redos_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    # every pair has a site on each side (a changed pattern paired with a gone one)
    if not (_may_have_regex_site(change.before) and _may_have_regex_site(change.after)):
        return
    pairs = pair_regex_sites(change.before, change.after)
    for b, a in [*pairs, *_call_site_pairs(change.before, change.after, pairs)]:
        bp, ap = regex_profile(b.pattern), regex_profile(a.pattern)
        if bp is None or ap is None:
            continue
        risky = backtracking_reasons(b.pattern, a.pattern, before_anchored=b.implied_start, after_anchored=a.implied_start)
        reasons = list(risky)
        caps = dropped_length_caps(b.pattern, a.pattern)
        if caps:
            reasons.append(f"length cap {{,{caps[0]}}} made unbounded (one match may now scan the whole input)")
        elif ap.unbounded_repeats > bp.unbounded_repeats and ap.bounded_repeats < bp.bounded_repeats:
            reasons.append("bounded quantifier made unbounded")
        if reasons:
            rel = ctx.relevance(change)
            if (risky or caps) and rel.score < 0.8:
                # catastrophic backtracking is a denial of service wherever the regex meets input,
                # so a module-level pattern is not "far from anything sensitive"; so is a length
                # cap removed, since each failed start then rescans the rest of the input
                why = "the pattern backtracks catastrophically (ReDoS)" if risky else "a regex length cap was removed"
                rel = Relevance("dos", 0.8, rel.why_path or (change.qualname,), why)
            yield make_finding(
                SPEC, change, ctx, f"regex {a.pattern!r}: " + "; ".join(reasons),
                before_line=b.line, after_line=a.line, evidence_before=b.pattern, evidence_after=a.pattern,
                relevance=rel,
            )


# a raw string constant (`IPV6 = r"..."`) is how Python writes a regex piece that is later
# formatted into a bigger pattern; its name need not say "regex"
_RAW_STRING_ASSIGNMENT = re.compile(r"""=\s*[bB]?[rR][bB]?["']""")


def _raw_string_patterns(unit: Optional[Unit]) -> dict[str, tuple[str, int]]:
    if unit is None:
        return {}
    return {st.key: (st.literal, st.span.line) for st in unit.settings
            if isinstance(st.literal, str) and st.scope == "assignment" and not name_words(st.key) & set(REGEX_NAME_WORDS)
            and _RAW_STRING_ASSIGNMENT.search(st.text)}


def _raw_string_redos_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    """A raw-string constant not named like a regex (regex sites cover those) edited into a
    catastrophically backtracking pattern: only the backtracking reasons count here, since
    the name does not say the string is a regex."""
    before = _raw_string_patterns(change.before)
    for key, (a_pat, a_line) in _raw_string_patterns(change.after).items():
        if key not in before or before[key][0] == a_pat:
            continue
        b_pat, b_line = before[key]
        if regex_profile(b_pat) is None or regex_profile(a_pat) is None:
            continue
        reasons = backtracking_reasons(b_pat, a_pat)
        if not reasons:
            continue
        rel = ctx.relevance(change)
        if rel.score < 0.8:
            rel = Relevance("dos", 0.8, rel.why_path or (change.qualname,), "the pattern backtracks catastrophically (ReDoS)")
        yield make_finding(
            SPEC, change, ctx, f"regex piece {key} = {a_pat!r}: " + "; ".join(reasons),
            before_line=b_line, after_line=a_line, evidence_before=b_pat, evidence_after=a_pat, relevance=rel,
        )


# ------------------------------------------------------------------ regexes a function runs

# methods of a compiled pattern: `NAME.match(s)` runs the pattern bound to NAME
PATTERN_METHODS = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer")
_COMPILE_TAILS = ("compile",)
_REGEX_CALL_TAILS = frozenset(PATTERN_METHODS + _COMPILE_TAILS)
_REGEX_MODULES = ("re", "regex")
# a formatting template: a string literal followed by `%` or `.format(`
_TEMPLATE = re.compile(r"""^\s*(?P<lit>[rRuUbB]{0,2}(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'))\s*(?:%|\.format\()""")


def _call_pattern(call: Call) -> Optional[str]:
    """The pattern of a regex call: a literal, or a `%`/`.format` template read with unknown parts."""
    first = next((a for a in call.args if a.name is None), None) or call.kwarg("pattern")
    if first is None:
        return None
    if isinstance(first.literal, str):
        return first.literal
    m = _TEMPLATE.match(first.text)
    if m is None:
        return None
    try:
        lit = literal_quietly(m.group("lit"))  # a string literal only: never evaluates code
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return template_pattern(lit) if isinstance(lit, str) else None


def _is_regex_call(callee: str, tails: tuple[str, ...]) -> bool:
    head, _, last = callee.rpartition(".")
    return head in _REGEX_MODULES and last in tails


def _named_patterns(units, path: str) -> dict[str, tuple[str, int]]:
    """Module-level `NAME = re.compile(...)` of a file: name -> (pattern, line)."""
    out: dict[str, tuple[str, int]] = {}
    for u in units_in_file(units, path):
        if not isinstance(u, Unit) or u.kind != "module":
            continue
        compiled = {c.span.line: c for c in u.calls if _is_regex_call(c.callee, _COMPILE_TAILS)}
        for st in u.settings:
            call = compiled.get(st.span.line)
            if call is None or not (st.value or "").lstrip().startswith(call.callee):
                continue
            pattern = _call_pattern(call)
            if pattern is not None:
                out[st.key] = (pattern, st.span.line)
    return out


def _used_names(unit: Unit, named: dict[str, tuple[str, int]]) -> set[str]:
    return {head for c in unit.calls for head, _, last in [c.callee.rpartition(".")]
            if last in PATTERN_METHODS and head in named}


def _run_patterns(unit: Unit, named: dict[str, tuple[str, int]], names: set[str]) -> dict[str, tuple[int, bool, str]]:
    """Patterns a function runs itself or through the given module-level names:
    pattern -> (line, anchored at the start, where it is written)."""
    out: dict[str, tuple[int, bool, str]] = {}
    for site in regex_sites(unit):
        out.setdefault(site.pattern, (site.line, site.implied_start, site.key))
    for c in unit.calls:
        if _is_regex_call(c.callee, PATTERN_METHODS + _COMPILE_TAILS):
            pattern = _call_pattern(c)
            if pattern is not None:
                out.setdefault(pattern, (c.span.line, c.callee.endswith(("match", "fullmatch")), c.callee))
    for c in unit.calls:
        head, _, last = c.callee.rpartition(".")
        if head in names:
            pattern, _line = named[head]
            out.setdefault(pattern, (c.span.line, last in ("match", "fullmatch"), head))
    return out


def _worst(risks: list[RegexRisk]) -> RegexRisk:
    return RegexRisk(any(r.nested_unbounded for r in risks), any(r.quadratic_prefix for r in risks),
                     max((r.degree for r in risks), default=1), any(r.ambiguous_repeat for r in risks))


def _pattern_swap_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    """A function's regexes replaced by ones that backtrack worse, inline or through a
    module-level compiled pattern it started using (the in-place edit is `_redos_findings`'s)."""
    before, after = change.before, change.after
    assert before is not None and after is not None
    if not any(c.callee.rpartition(".")[2] in PATTERN_METHODS for c in after.calls):
        return  # no pattern method called through a name: nothing newly reached (the file's module units unread)
    b_named, a_named = _named_patterns(ctx.before_units, before.path), _named_patterns(ctx.after_units, after.path)
    b_uses, a_uses = _used_names(before, b_named), _used_names(after, a_named)
    if not (a_uses - b_uses):
        return  # no pattern newly reached by name: pairs inside the unit are `_redos_findings`' business
    was = _run_patterns(before, b_named, b_uses - a_uses)
    now = _run_patterns(after, a_named, a_uses - b_uses)
    gone = [p for p in was if p not in now]
    if not gone:
        return  # patterns added to what the function already ran: new code, not a weaker replacement
    b_risks = [r for p in gone if (r := regex_risk(p, was[p][1])) is not None]
    if len(b_risks) != len(gone):
        return
    prior = _worst(b_risks)
    for pattern, (line, anchored, where) in now.items():
        if pattern in was or where not in a_uses - b_uses:
            continue
        risk = regex_risk(pattern, anchored)
        reasons = [] if risk is None else risk_reasons(prior, risk)
        if not reasons:
            continue
        base = ctx.relevance(change)
        rel = base if base.score >= 0.8 else Relevance(
            "dos", 0.8, base.why_path or (change.qualname,), "the pattern backtracks catastrophically (ReDoS)")
        gone_text = ", ".join(repr(p) for p in gone[:3])
        yield make_finding(
            SPEC, change, ctx, f"{change.qualname} now runs {where} = {shown(pattern)!r} in place of {gone_text}: " + "; ".join(reasons),
            before_line=was[gone[0]][0], after_line=line, evidence_before=gone[0], evidence_after=shown(pattern),
            relevance=rel, confidence=Confidence.MEDIUM,
            witness=f"input that almost matches {where}: linear before, super-linear after",
        )


# ------------------------------------------------------------------ bounds the guard rules cannot see

# `x[:LIMIT]`, `x[0:self.max_items]`: slicing to a named cap
SLICE_BOUND = re.compile(r"\[\s*(?:0\s*)?:\s*([A-Za-z_][\w.]*)\s*\]")
# a size check's other side: a number at least this large, or a limit-named constant
SIZE_CHECK_MIN = 1000
LEN_TERM = re.compile(r"^len\((.+)\)$")
# words saying the bounded thing came from a peer: the bound is DoS protection wherever it sits
INPUT_WORDS = frozenset({
    "request", "req", "query", "qs", "param", "params", "cookie", "cookies", "header", "headers", "form",
    "forms", "post", "body", "environ", "buf", "buffer", "payload", "packet", "received", "recv", "multipart",
    "upload", "message", "msg", "input", "stream", "socket", "conn", "connection", "data", "peer", "chunk",
})


def is_cap_name(name: str) -> bool:
    """A name that can only mean a cap (MAX_PARAMS, max_items, self.limit), not a length to read."""
    last = name.rsplit(".", 1)[-1]
    ws = name_words(last)
    if not is_limit_key(last):
        return False
    return any(w.startswith(LIMIT_PREFIXES) or w.endswith(LIMIT_SUFFIXES) or w in ("limit", "limits") for w in ws)


def _code_lines(unit: Unit) -> list[tuple[int, str]]:
    """(absolute line, code without strings and trailing comment) for the unit's own text."""
    out = []
    for i, line in enumerate(unit.text.splitlines()):
        code = PY_STRING_LITERAL.sub('""', line)
        j = code.find("#")
        out.append((unit.span.line + i, code if j < 0 else code[:j]))
    return out


def _mentions(unit: Unit, name: str) -> int:
    pat = re.compile(r"(?<![\w])" + re.escape(name.rsplit(".", 1)[-1]) + r"(?!\w)")
    return sum(len(pat.findall(code)) for _, code in _code_lines(unit))


def _input_relevance(change: UnitChange, ctx: RuleContext, *texts: str) -> Relevance:
    base = ctx.relevance(change)
    if base.score >= 0.8:
        return base
    unit = change.before or change.after
    names = [unit.qualname, *unit.params, *texts]  # type: ignore[union-attr]
    hit = next((w for n in names for w in name_words(n) if w in INPUT_WORDS), None)
    if hit is None:
        return base
    return Relevance("dos", 0.8, base.why_path or (change.qualname,),
                     f"the bound caps input from a peer ('{hit}'): without it one request costs unbounded work")


def _file_units(units, path: str) -> list[Unit]:
    return [u for u in units_in_file(units, path) if isinstance(u, Unit) and u.kind in ("function", "method", "lambda")]


def _file_slices(units, path: str, name: str) -> int:
    return sum(1 for u in _file_units(units, path) for _, code in _code_lines(u)
               for m in SLICE_BOUND.finditer(code) if m.group(1) == name)


def _slice_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    if not SLICE_BOUND.search(before.text):
        return  # a slice bound of the code lines is one of the raw text (strings only became "")
    sites: dict[str, list[tuple[int, str]]] = {}
    for line, code in _code_lines(before):
        for m in SLICE_BOUND.finditer(code):
            if is_cap_name(m.group(1)):
                sites.setdefault(m.group(1), []).append((line, code.strip()))
    if not sites:
        return
    kept = {m.group(1) for _, code in _code_lines(after) for m in SLICE_BOUND.finditer(code)}
    touched = set(change.touched_before)
    for name, where in sites.items():
        if name in kept or _mentions(after, name) >= _mentions(before, name):
            continue  # still sliced, or the cap is still applied some other way (islice, a len check)
        if _file_slices(ctx.after_units, after.path, name) >= _file_slices(ctx.before_units, before.path, name) > 0:
            continue  # the slicing moved to a helper of the same file
        line, code = next(((ln, c) for ln, c in where if ln in touched), where[0])
        yield make_finding(
            SPEC, change, ctx, f"count/size cap `[:{name}]` removed: `{code}` no longer bounds what it slices",
            before_line=line, evidence_before=code, confidence=Confidence.MEDIUM,
            witness=f"before: at most {name} items; after: all of them",
            relevance=_input_relevance(change, ctx, code),
        )


def _len_side(left: str, right: str) -> Optional[tuple[str, str]]:
    """(len term, bound text) when one side is len(...) and the other a big number or a cap name."""
    for term, bound in ((left, right), (right, left)):
        t, b = term.replace(" ", ""), bound.strip()
        if not LEN_TERM.match(t):
            continue
        v = number(b)
        if (v is not None and v >= SIZE_CHECK_MIN) or (v is None and re.fullmatch(r"[A-Za-z_][\w.]*", b) and is_cap_name(b)):
            return t, b
    return None


def _after_size_terms(after: Unit, ctx: RuleContext) -> set[str]:
    """What the after side still compares: its own size terms and operands, and the size terms
    of the other units of its file (a size check moved into a helper still caps the same
    thing). Every unit of the file is read, so this is built only when a candidate needs it."""
    after_terms = {s[0] for c in after.comparisons if (s := _len_side(c.left_text, c.right_text))}
    after_terms |= {c.left_text.replace(" ", "") for c in after.comparisons} | {c.right_text.replace(" ", "") for c in after.comparisons}
    after_terms |= {s[0] for u in _file_units(ctx.after_units, after.path) if u.qualname != after.qualname
                    for c in u.comparisons if (s := _len_side(c.left_text, c.right_text))}
    return after_terms


_IF_LINE = re.compile(r"^\s*(?:el)?if\b(?P<rest>.*):\s*(?P<tail>break)?\s*$")
_BREAK_LINE = re.compile(r"^\s*break\s*$")


def _break_caps(unit: Unit) -> list[tuple[int, int, str]]:
    """(line, line, text) of each `if <test>: break` of the unit: a loop that stops growing a
    work list once it is too long (`if len(stack) > stack_limit: break`) is bounded by that
    test, as a check with a plain `return` is. Read from the text: a `break` makes no guard."""
    if "break" not in unit.text:
        return []
    lines = _code_lines(unit)
    out = []
    for i, (ln, code) in enumerate(lines):
        m = _IF_LINE.match(code)
        if m is None:
            continue
        if m.group("tail") or next((c for _l, c in lines[i + 1:] if c.strip()), "").strip() == "break":
            out.append((ln, ln, f"if{m.group('rest')}: break"))
    return out


def _size_check_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    """`if len(buf) > 4096: disconnect(); return` removed: the exit is not a denial, so the
    removed-guard rule leaves it alone, yet it is what stopped an unbounded read."""
    before, after = change.before, change.after
    assert before is not None and after is not None
    after_terms: Optional[set[str]] = None  # read once, and only for a removed size check candidate
    exits: list[tuple[int, int, str]] = [(g.span.line, max(g.span.line, g.span.end_line), g.text) for g in before.guards
                                         if not g.action.denies and g.action in (Action.RETURN, Action.OTHER) and g.reachable]
    exits += _break_caps(before)
    for start, end, text in exits:
        for c in before.comparisons:
            if not (start <= c.span.line <= end):
                continue
            side = _len_side(c.left_text, c.right_text)
            if side is None:
                continue
            if after_terms is None:
                after_terms = _after_size_terms(after, ctx)
            if side[0] in after_terms:
                continue
            term, bound = side
            rel = _input_relevance(change, ctx, term)
            if rel.score < 0.8 and is_cap_name(bound) and not _mentions(after, bound):
                # the named cap itself is gone from the unit (a `stack_limit=1024` parameter with its
                # test): the bound was removed on purpose, not moved, whatever the data is
                rel = Relevance("dos", 0.8, rel.why_path or (change.qualname,),
                                f"the cap {bound} was removed with its test: {term} grows without bound")
            yield make_finding(
                SPEC, change, ctx, f"size check `{c.left_text} {c.source_op} {c.right_text}` removed: {term} is no longer capped at {bound}",
                before_line=start, evidence_before=text, confidence=Confidence.MEDIUM,
                witness=f"before: stops once {term} exceeds {bound}; after: no cap on {term}",
                relevance=rel,
            )
            break


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.after is None or change.before is None:
        return []
    found = [*_setting_findings(change, ctx), *_call_findings(change, ctx), *_redos_findings(change, ctx),
             *_raw_string_redos_findings(change, ctx)]
    if change.before.kind in ("function", "method", "lambda") and change.after.kind in ("function", "method", "lambda"):
        found += [*_slice_findings(change, ctx), *_size_check_findings(change, ctx), *_pattern_swap_findings(change, ctx)]
    return found
