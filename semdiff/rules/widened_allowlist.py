"""widened-allowlist: what is let through by name, pattern or prefix grew.

Allow-lists (hosts, origins, methods, file types, schemes) are data: an added item or a
wildcard is a widening, and so is an item dropped from a deny-list. The same holds for the
checks that apply them: a regex that lost its `^`/`$` anchors or a `\\.` escape, a
`startswith`/`==` test on a host or path replaced by a substring (`in`) or `endswith` test,
and a path prefix check that no longer normalises the path first (`../` walks out).
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Call, Literal, Unit, atoms_of
from semdiff.lang.quoted import quoted_strings
from semdiff.model import Finding, Relevance, Severity
from semdiff.rules._catalog2_ir import (
    PATH_NORMALISERS,
    PREFIX_CHECKS,
    REDIRECT_VALIDATORS,
    calls_to,
    name_words,
    new_items,
    pair_by_key,
    pair_calls,
    pair_regex_sites,
    regex_profile,
    tail,
)
from semdiff.relevance.names import words
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, scaled_severity, units_in_file

RULE_ID = "widened-allowlist"

# a name/keyword is an allow-list when one of its words is here ...
ALLOW_WORDS = ("allow", "allowed", "allows", "whitelist", "whitelisted", "allowlist", "allowlisted", "safe",
               "trusted", "permitted", "origins", "accepted", "accept")
# ... and a deny-list when one of these is (checked first: DISALLOWED_HOSTS is a deny-list)
DENY_WORDS = ("deny", "denied", "denylist", "block", "blocked", "blocklist", "blacklist", "blacklisted",
              "forbidden", "banned", "disallow", "disallowed", "reject", "rejected", "invalid", "illegal")
# well-known allow-list names whose words alone would not say so
ALLOW_NAMES = ("ALLOWED_HOSTS", "CORS_ALLOWED_ORIGINS", "CORS_ORIGIN_WHITELIST", "CSRF_TRUSTED_ORIGINS",
               "SAFE_METHODS", "allow_origins", "allow_methods", "allow_headers", "allowed_extensions",
               "ALLOWED_EXTENSIONS", "origins", "expose_headers")
# items that let everything through
WILDCARDS = ("*", "*.*", ".*", "0.0.0.0/0", "::/0", "__all__", "all", "ALL", "any")
# boolean settings/keywords that mean "allow every origin"
ALLOW_ALL_FLAGS = ("CORS_ORIGIN_ALLOW_ALL", "CORS_ALLOW_ALL_ORIGINS", "allow_all_origins", "CORS_ALLOW_ALL")

# operands that are hosts, origins, URLs or paths (prefix vs substring checks)
LOCATION_WORDS = ("host", "hostname", "netloc", "domain", "origin", "referer", "referrer", "url", "uri", "path",
                  "location", "redirect", "next", "target", "dest", "destination", "filename", "filepath", "dir",
                  "directory", "prefix")
STRICT_CALLS = ("startswith", "fullmatch")
LOOSE_CALLS = ("endswith", "find", "index", "__contains__", "count")

RULES = (
    RuleSpec(
        id=RULE_ID,
        title="Allow-list widened",
        severity=Severity.HIGH,
        description=(
            "Items or a wildcard added to an allow-list (ALLOWED_HOSTS, CORS origins, allowed methods/extensions, "
            "any name meaning allow/safe/trusted/permitted), items removed from a deny-list, regex anchors or "
            "escapes dropped, a startswith/== host or path check replaced by a substring or endswith check, or "
            "path normalisation removed before a prefix check."
        ),
        examples=(
            Example("ALLOWED_HOSTS = ['example.com']\n", "ALLOWED_HOSTS = ['example.com', '*']\n", True, "wildcard"),
            Example("ALLOWED_HOSTS = ['example.com', '*']\n", "ALLOWED_HOSTS = ['example.com']\n", False, "narrowed"),
            Example("BLOCKED_EXTENSIONS = {'exe', 'sh'}\n", "BLOCKED_EXTENSIONS = {'exe'}\n", True, "deny-list shrank"),
            Example("DATABASE_HOSTS = ['db1']\n", "DATABASE_HOSTS = ['db1', 'db2']\n", False, "not an allow-list"),
            Example(
                "import re\nHOST = re.compile(r'^api\\.example\\.com$')\n",
                "import re\nHOST = re.compile(r'api.example.com')\n",
                True,
                "anchors and escapes dropped",
            ),
            Example(
                "def trusted(host):\n    return host.endswith('.example.com')\n",
                "def trusted(host):\n    return host == 'example.com' or host.endswith('.example.com')\n",
                False,
            ),
        ),
        languages=("python",),
    ),
)
SPEC = RULES[0]


_LIST_KINDS: dict[str, Optional[str]] = {}  # name -> list_kind: the same names come back on every call
_LIST_KINDS_MAX = 16384  # names remembered (a long-lived library process clears and starts again)


def list_kind(name: str) -> Optional[str]:
    """'allow', 'deny' or None for a list's target name."""
    try:
        return _LIST_KINDS[name]
    except KeyError:
        pass
    ws = name_words(name)
    if ws & set(DENY_WORDS):
        kind: Optional[str] = "deny"
    elif name.rsplit(".", 1)[-1] in ALLOW_NAMES or ws & set(ALLOW_WORDS):
        kind = "allow"
    else:
        kind = None
    if len(_LIST_KINDS) >= _LIST_KINDS_MAX:
        _LIST_KINDS.clear()
    _LIST_KINDS[name] = kind
    return kind


def _is_wild(item: str) -> bool:
    return item in WILDCARDS or item.startswith("*.") or item.endswith(".*") or item.endswith("/*")


def _validator_kwarg_targets(unit: Optional[Unit]) -> set[str]:
    """Literal keyword arguments of redirect validators (redirect-opened reports those)."""
    out: set[str] = set()
    for c in calls_to(unit, REDIRECT_VALIDATORS):
        out.update(a.name for a in c.args if a.name)
    return out


def _named_lists(unit: Optional[Unit]) -> list[Literal]:
    if unit is None:
        return []
    skip = _validator_kwarg_targets(unit)
    return [l for l in unit.literals
            if l.kind in ("list", "tuple", "set", "dict-keys") and l.target not in skip and list_kind(l.target)]


# ---------------------------------------------------------------- deny-lists known by their use

# A name like UNSAFE_ATTRIBUTES or _mutable_spec does not say "deny-list" reliably; the use
# does: the file tests membership in the collection (or in a loop variable drawn from it),
# and what is tested against (that name or the loop variable) or the testing unit is called
# unsafe (`if attr in UNSAFE_X: return True`; `for t, unsafe in _spec: return attr in unsafe`).
# `is_safe_*` units are not a hint: `scheme in SCHEMES` there is an allow-list.
UNSAFE_HINT = re.compile(r"(?i)(unsafe|insecure|dangerous|forbidden|disallow|blocked|denied|blacklist|denylist)")
_MEMBERSHIP = re.compile(r"\s(?:not\s+)?in\s+([\w.]+)\s*$")


def _loop_bound(unit_text: str, var: str, target: str) -> bool:
    """`for a, var in target` (or `in target.items()` ...) somewhere in the unit."""
    return re.search(rf"\bfor\s+[^:\n]*\b{re.escape(var)}\b[^:\n]*\s+in\s+(?:\w+\.)*{re.escape(target)}\b", unit_text) is not None


def _used_as_deny_list(target: str, path: str, units) -> Optional[str]:
    last = target.rsplit(".", 1)[-1]
    for u in units_in_file(units, path):
        if not isinstance(u, Unit):
            continue
        for g in u.guards:
            for a in atoms_of(g.condition):
                if a.kind != "cmp" or a.op not in ("in", "not in"):
                    continue
                m = _MEMBERSHIP.search(a.text)
                if m is None:
                    continue
                right = m.group(1)
                named = right == target or right.rsplit(".", 1)[-1] == last
                if not (named or (right.isidentifier() and _loop_bound(u.text, right, last))):
                    continue
                if UNSAFE_HINT.search(u.qualname) or UNSAFE_HINT.search(right):
                    return u.qualname
    return None


def _strings_by_item(items: Iterable[str]) -> list[tuple[str, str]]:
    """(item head, string) pairs: a plain item is its own string; a structured item such as
    `(abc.MutableSequence, frozenset(["append", "pop"]))` contributes each string literal it
    holds, grouped by the text before its first string."""
    out: list[tuple[str, str]] = []
    for item in items:
        found = quoted_strings(item, "'\"")
        if not found:
            out.append(("", item))
            continue
        head = item[:found[0].start]
        out.extend((head, q.body) for q in found)
    return out


def _use_deny_lists(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    if before is None or after is None:
        return
    b_lists = [l for l in before.literals if l.kind in ("list", "tuple", "set", "dict-keys") and list_kind(l.target) is None]
    a_lists = [l for l in after.literals if l.kind in ("list", "tuple", "set", "dict-keys") and list_kind(l.target) is None]
    for b, a in pair_by_key(b_lists, a_lists, key=lambda l: l.target, text=lambda l: l.text):
        if a is None or b is None or b.text == a.text:
            continue
        dropped = new_items(_strings_by_item(a.items), _strings_by_item(b.items), key=lambda x: x)
        checker = _used_as_deny_list(a.target, after.path, ctx.after_units) if dropped else None
        if checker is None:
            continue
        names = ", ".join(repr(s) for _h, s in dropped)
        # the unsafe-marking check is the evidence that the list matters, whatever the
        # module's own name says: judged with that check's relevance floor
        rel = ctx.relevance(change)
        rel = Relevance(rel.category if rel.category != "none" else "validation", max(rel.score, 0.8),
                        rel.why_path or (checker,), rel.reason or f"membership is tested as unsafe in {checker}")
        yield make_finding(
            SPEC, change, ctx,
            f"{a.target} is checked as a deny-list (membership in it marks a value unsafe in `{checker}`) and shrank: removed {names}",
            before_line=b.span.line, after_line=a.span.line, evidence_before=b.text, evidence_after=a.text,
            severity=scaled_severity(Severity.MEDIUM, rel), relevance=rel,
        )


def _sev(change: UnitChange, ctx: RuleContext, wild: bool) -> Severity:
    return scaled_severity(Severity.HIGH if wild else Severity.MEDIUM, ctx.relevance(change))


def _list_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    for b, a in pair_by_key(_named_lists(change.before), _named_lists(change.after), key=lambda l: l.target, text=lambda l: l.text):
        if a is None:
            continue
        kind = list_kind(a.target)
        if b is None:
            wild = [i for i in a.items if _is_wild(i)]
            if kind == "allow" and wild:
                yield make_finding(SPEC, change, ctx, f"{a.target} now allows everything ({', '.join(wild)})",
                                   after_line=a.span.line, evidence_after=a.text, severity=_sev(change, ctx, True))
            continue
        if kind == "allow":
            grown = new_items(b.items, a.items, key=lambda i: i)
            if grown:
                wild = any(_is_wild(i) for i in grown)
                yield make_finding(
                    SPEC, change, ctx,
                    f"allow-list {a.target} widened: added {', '.join(map(repr, grown))}" + (" (wildcard)" if wild else ""),
                    before_line=b.span.line, after_line=a.span.line, evidence_before=b.text, evidence_after=a.text,
                    severity=_sev(change, ctx, wild),
                )
        else:
            dropped = new_items(a.items, b.items, key=lambda i: i)
            if dropped:
                refuser = _refusing_guard(change.after, a.target)
                rel = ctx.relevance(change)
                if refuser is not None and rel.score < 0.8:
                    # the unit refuses a value that holds one of the items: that refusal is the
                    # evidence the list is a check, whatever the unit is called (as for deny-lists
                    # known by their use, below)
                    rel = Relevance(rel.category if rel.category != "none" else "validation", 0.8,
                                    rel.why_path or (change.qualname,),
                                    rel.reason or f"the unit refuses input that matches {a.target}: `{refuser}`")
                yield make_finding(
                    SPEC, change, ctx, f"deny-list {a.target} shrank: removed {', '.join(map(repr, dropped))}"
                    + (f" (checked by `{refuser}`)" if refuser else ""),
                    before_line=b.span.line, after_line=a.span.line, evidence_before=b.text, evidence_after=a.text,
                    severity=scaled_severity(Severity.MEDIUM, rel), relevance=rel,
                )


def _refusing_guard(unit: Optional[Unit], target: str) -> Optional[str]:
    """The first line of a guard of `unit` (a place it refuses to go on: raise, error return)
    whose own test names the list `target`, or None."""
    if unit is None:
        return None
    last = target.rsplit(".", 1)[-1]
    pat = re.compile(r"(?<![\w$])(?:[\w$]+\.)*" + re.escape(last) + r"(?![\w$])")
    for g in unit.guards:
        head = g.text.strip().splitlines()[0] if g.text.strip() else ""
        if pat.search(head):
            head = head.strip()
            return head if len(head) <= 90 else head[:87] + "..."
    return None


def _wild_value(value: Optional[object]) -> bool:
    return isinstance(value, str) and _is_wild(value)


def _allow_all(key: str, literal: object) -> bool:
    return (key.rsplit(".", 1)[-1] in ALLOW_ALL_FLAGS and literal is True) or (list_kind(key) == "allow" and _wild_value(literal))


def _scalar_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    """`ALLOWED_HOSTS = '*'`, `CORS(app, origins='*')`, `CORS_ORIGIN_ALLOW_ALL = True`."""
    b_set = change.before.settings if change.before else ()
    a_set = change.after.settings if change.after else ()
    for b, a in pair_by_key(b_set, a_set, key=lambda s: (s.key, s.scope), text=lambda s: s.text):
        if a is not None and _allow_all(a.key, a.literal) and not (b is not None and _allow_all(b.key, b.literal)):
            yield make_finding(SPEC, change, ctx, f"{a.key} = {a.value} allows every host/origin",
                               before_line=b.span.line if b else None, after_line=a.span.line,
                               evidence_before=b.text if b else "", evidence_after=a.text, severity=_sev(change, ctx, True))
    b_calls = change.before.calls if change.before else ()
    a_calls = change.after.calls if change.after else ()
    if not any(arg.name and _allow_all(arg.name, arg.literal if arg.literal is not None else (True if arg.value == "True" else None))
               for a in a_calls for arg in a.args):
        return  # a finding is an after call's allow-all argument: none here, so nothing to pair
    for b, a in pair_calls(b_calls, a_calls):
        if a is None:
            continue
        for arg in a.args:
            if not arg.name or not _allow_all(arg.name, arg.literal if arg.literal is not None else (True if arg.value == "True" else None)):
                continue
            prev = b.kwarg(arg.name) if b else None
            if prev is not None and _allow_all(prev.name or "", prev.literal if prev.literal is not None else (True if prev.value == "True" else None)):
                continue
            yield make_finding(SPEC, change, ctx, f"{a.callee}({arg.name}={arg.value}) allows every host/origin",
                               before_line=b.span.line if b else None, after_line=a.span.line,
                               evidence_before=b.text if b else "", evidence_after=a.text, severity=_sev(change, ctx, True))


def _may_have_regex_site(unit: Optional[Unit]) -> bool:
    """False only when `regex_sites(unit)` is empty (it reads regex/list/tuple/set literals and
    string settings only)."""
    return unit is not None and (any(lit.kind in ("regex", "list", "tuple", "set") for lit in unit.literals)
                                 or any(isinstance(st.literal, str) for st in unit.settings))


def _regex_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if not (_may_have_regex_site(change.before) and _may_have_regex_site(change.after)):
        return  # a pair is a changed after pattern and a gone before one
    for b, a in pair_regex_sites(change.before, change.after):
        bp, ap = regex_profile(b.pattern), regex_profile(a.pattern)
        if bp is None or ap is None:
            continue
        reasons = []
        if (bp.starts_anchored or b.implied_start) and not (ap.starts_anchored or a.implied_start):
            reasons.append("start anchor dropped")
        if (bp.ends_anchored or b.implied_end) and not (ap.ends_anchored or a.implied_end):
            reasons.append("end anchor dropped")
        if ap.escaped_dots < bp.escaped_dots and ap.any_chars > bp.any_chars:
            reasons.append("escaped '.' now matches any character")
        if reasons:
            yield make_finding(
                SPEC, change, ctx, f"pattern {a.pattern!r} accepts more: " + "; ".join(reasons),
                before_line=b.line, after_line=a.line, evidence_before=b.pattern, evidence_after=a.pattern,
                witness=f"before: {b.pattern!r}; after: {a.pattern!r}",
            )


# ---------------------------------------------------------------- anchors around a built pattern

# `re.search(allowed + "$", email)`: the pattern is built at run time, so the anchors are the
# literal pieces concatenated around it (or the match function's own implied anchors)
REGEX_CALLS = ("re.match", "re.search", "re.fullmatch", "re.compile", "regex.match", "regex.search", "regex.fullmatch",
               "regex.compile")
_LEAD = re.compile(r"""^\s*[rbuRBU]*(['"])(?:\^|\\A)\1\s*\+\s*""")
_TRAIL = re.compile(r"""\s*\+\s*[rbuRBU]*(['"])(?:\$|\\Z|\\z)\1\s*$""")
_OPEN_ANCHOR = re.compile(r"""^(\s*[rbufRBUF]*['"])(?:\^|\\A)""")
_CLOSE_ANCHOR = re.compile(r"""(?:\$|\\Z|\\z)(['"]\s*)$""")


def _built_anchors(call: Call) -> Optional[tuple[str, str, bool, bool]]:
    """(core pattern text, subject text, anchored at start, anchored at end) for an re call
    whose pattern is not a literal; None for literal patterns (the regex sites cover those)."""
    if not call.positional or call.positional[0].literal is not None:
        return None
    text = call.positional[0].text.strip()
    start, end = IMPLIED_ANCHORS_BY_TAIL.get(tail(call.callee), (False, False))
    core = text
    if _LEAD.search(core):
        core, start = _LEAD.sub("", core), True
    if _TRAIL.search(core):
        core, end = _TRAIL.sub("", core), True
    if _OPEN_ANCHOR.search(core):
        core, start = _OPEN_ANCHOR.sub(r"\1", core), True
    if _CLOSE_ANCHOR.search(core):
        core, end = _CLOSE_ANCHOR.sub(r"\1", core), True
    subject = call.positional[1].text.strip() if len(call.positional) > 1 else ""
    return re.sub(r"\s+", "", core), re.sub(r"\s+", "", subject), start, end


IMPLIED_ANCHORS_BY_TAIL = {"fullmatch": (True, True), "match": (True, False)}


def _built_pattern_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    b_calls = [(c, _built_anchors(c)) for c in calls_to(change.before, REGEX_CALLS)]
    a_calls = [(c, _built_anchors(c)) for c in calls_to(change.after, REGEX_CALLS)]
    b_calls = [(c, k) for c, k in b_calls if k is not None]
    a_calls = [(c, k) for c, k in a_calls if k is not None]
    for b, (core, subject, b_start, b_end) in b_calls:
        same = [(a, k) for a, k in a_calls if k[0] == core and k[1] == subject]
        if not same or any(k[2] >= b_start and k[3] >= b_end for _, k in same):
            continue  # the pattern is gone (another rule's business) or still as anchored
        a, (_, _, a_start, a_end) = same[0]
        lost = [side for side, was, now in (("start", b_start, a_start), ("end", b_end, a_end)) if was and not now]
        yield make_finding(
            SPEC, change, ctx,
            f"pattern built in `{a.text}` is no longer anchored at the {' and '.join(lost)}: "
            f"input that merely contains an allowed value now matches",
            before_line=b.span.line, after_line=a.span.line, evidence_before=b.text, evidence_after=a.text,
            witness=f"before: {b.text}; after: {a.text}",
        )


# ---------------------------------------------------------------- prefix vs substring checks


def _receiver(call: Call) -> str:
    return call.callee.rsplit(".", 1)[0] if "." in call.callee else ""


def _locationish(text: str) -> bool:
    return bool(set(words(text)) & set(LOCATION_WORDS))


def _quoted(text: str) -> bool:
    t = text.lstrip("rRbBuU")
    return len(t) >= 2 and t[0] in "'\"" and t[-1] == t[0]


def _strict_checks(unit: Optional[Unit]) -> list[tuple[str, int, str]]:
    """(subject, line, text) of prefix/equality checks on hosts and paths."""
    if unit is None:
        return []
    out = [(_receiver(c), c.span.line, c.text) for c in unit.calls
           if tail(c.callee) in STRICT_CALLS and _locationish(_receiver(c))]
    for cmp in unit.comparisons:
        if cmp.source_op in ("==", "!="):
            for subj, other in ((cmp.left_text, cmp.right_text), (cmp.right_text, cmp.left_text)):
                if _locationish(subj) and _quoted(other):
                    out.append((subj, cmp.span.line, f"{cmp.left_text} {cmp.source_op} {cmp.right_text}"))
    return out


def _loose_checks(unit: Optional[Unit]) -> list[tuple[str, int, str]]:
    """(subject, line, text) of substring/suffix checks on hosts and paths."""
    if unit is None:
        return []
    out = [(_receiver(c), c.span.line, c.text) for c in unit.calls
           if tail(c.callee) in LOOSE_CALLS and _locationish(_receiver(c))]
    for cmp in unit.comparisons:
        if cmp.source_op in ("in", "not in") and _quoted(cmp.left_text) and _locationish(cmp.right_text):
            lit = cmp.left_text.strip("rRbBuU'\"")
            if any(ch.isalnum() for ch in lit):
                out.append((cmp.right_text, cmp.span.line, f"{cmp.left_text} {cmp.source_op} {cmp.right_text}"))
    return out


def _substring_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    b_strict, a_strict = _strict_checks(change.before), _strict_checks(change.after)
    if len(a_strict) >= len(b_strict):
        return
    lost = new_items(a_strict, b_strict, key=lambda t: (t[0], t[2]))
    gained = new_items(_loose_checks(change.before), _loose_checks(change.after), key=lambda t: (t[0], t[2]))
    lost_subjects = {s for s, _, _ in lost}
    for subj, line, text in gained:
        match = next((l for l in lost if l[0] == subj), lost[0] if len(lost_subjects) == 1 else None)
        if match is None:
            continue
        yield make_finding(
            SPEC, change, ctx, f"exact/prefix check `{match[2]}` replaced by substring/suffix check `{text}`",
            before_line=match[1], after_line=line, evidence_before=match[2], evidence_after=text,
            witness=f"before: {match[2]}; after: {text} (also true for look-alike hosts/paths)",
        )


_BOUND = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(?::[^=]+)?=[^=]")


def _bound_name(unit: Optional[Unit], line: int) -> Optional[str]:
    """The name assigned on `line` (`path = os.path.realpath(...)` -> `path`)."""
    if unit is None:
        return None
    lines = unit.text.splitlines()
    i = line - unit.span.line
    m = _BOUND.match(lines[i]) if 0 <= i < len(lines) else None
    return m.group(1) if m else None


def _checked(unit: Optional[Unit], name: str) -> list[Call]:
    """Prefix checks applied to `name` (receiver of startswith, or an argument of commonpath)."""
    return [c for c in calls_to(unit, PREFIX_CHECKS)
            if _receiver(c) == name or any(a.value == name or f"({name}" in a.value for a in c.args)]


def _normalisation_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    b_norm, a_norm = calls_to(change.before, PATH_NORMALISERS), calls_to(change.after, PATH_NORMALISERS)
    if not b_norm or len(a_norm) >= len(b_norm):
        return
    for removed in new_items(a_norm, b_norm, key=lambda c: c.callee):
        name = _bound_name(change.before, removed.span.line)
        if not name or not _checked(change.before, name):
            continue  # the normalised value was not what the prefix check tested
        a_prefix = _checked(change.after, name)
        if not a_prefix:
            continue
        yield make_finding(
            SPEC, change, ctx,
            f"{removed.callee}() removed before the prefix check `{a_prefix[0].text}`: '../' now passes",
            before_line=removed.span.line, after_line=a_prefix[0].span.line,
            evidence_before=removed.text, evidence_after=a_prefix[0].text,
        )
        return


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.after is None:
        return []
    return [
        *_list_findings(change, ctx),
        *_use_deny_lists(change, ctx),
        *_scalar_findings(change, ctx),
        *_regex_findings(change, ctx),
        *_built_pattern_findings(change, ctx),
        *_substring_findings(change, ctx),
        *_normalisation_findings(change, ctx),
    ]
