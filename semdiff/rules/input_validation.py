"""input-validation: protocol/input parsing stops rejecting or skipping malformed input in ways
the guard IR does not record.

Two shapes, both invisible to the removed-guard rules:

* filter-removed: a loop over headers/parameters/fields skipped items that failed a content
  test (`if '_' in name: continue`, `if not key.isascii(): continue`). `continue` is not a
  denial, so no `Guard` exists for it, yet dropping it lets a header spelled `X_Forwarded_For`
  be merged with `X-Forwarded-For` (header spoofing) or a malformed field through. Read from
  the unit's text: the test must compare against a literal or call a content predicate, the
  unit must handle input (header/param/cookie/... words), and the same test must be gone
  from the after unit altogether (turned into a `raise` it is stronger, not weaker).
* exact-match-relaxed: `ctype == 'application/json'` became `'application/json' in header`:
  an exact test of a structured token (media type, host, origin/URL) now accepts any value that
  merely contains it (`text/plain; x=application/json`, `evil.example.com.attacker.net`).
  Comparisons are in the IR; the literal must look like such a token so `x == 'a'` -> `'a' in x`
  on plain words stays silent.
* check-call-removed: a unit stopped calling a helper of the same file whose body rejects
  input that carries control characters, `..` components or framing-header conflicts (the
  guard-content table) - `_hval(value)` replaced by `str(value)`. Helpers named like escapers
  or sanitizers are the escaping rules' business and are left to them. A replacement helper
  that itself calls the checker, or an inlined check with the same content, keeps it silent.
* separator-widened: a query/form parser that split pairs on `&` alone now also splits on `;`
  (`qs.replace(';', '&').split('&')`, `re.split('[&;]', qs)`). A proxy or cache that splits on
  `&` only sees `a=1;admin=1` as one parameter, the application sees two: parameter cloaking
  and web-cache poisoning (the reason CPython's parse_qsl dropped `;` in 3.9.2). Only a
  separator made *equivalent* to `&` counts, so a cookie parser's own `split(';')` is silent.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Action, Unit, render
from semdiff.lang.normal import squash
from semdiff.model import Confidence, Finding, Relevance, Severity
from semdiff.rules._catalog2_ir import PY_STRING_LITERAL, name_words
from semdiff.rules._effective import find_helper, reaches
from semdiff.rules._guard_content import content_relevance
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

FAMILY = "input-validation"
FILTER_REMOVED = f"{FAMILY}/filter-removed"
CHECK_CALL_REMOVED = f"{FAMILY}/check-call-removed"
EXACT_MATCH_RELAXED = f"{FAMILY}/exact-match-relaxed"
SEPARATOR_WIDENED = f"{FAMILY}/separator-widened"

CODE_KINDS = ("function", "method", "lambda")
# words (of the unit's name, parameters, locals, or the loop line) saying the items are peer input
INPUT_WORDS = frozenset({
    "header", "headers", "param", "params", "parameter", "parameters", "query", "qs", "cookie", "cookies",
    "field", "fields", "form", "environ", "request", "req", "multipart", "mime", "upload", "uploads",
})
# ... and the words saying a unit parses a query or form string (separator-widened)
QUERY_WORDS = frozenset({"query", "qs", "qsl", "querystring", "urlencoded", "param", "params", "form", "args", "url"})
# `if <test>: continue` on one line or two
_SKIP_ONE = re.compile(r"^\s*if\s+(?P<cond>.+?):\s*continue\s*(?:#.*)?$")
_IF = re.compile(r"^\s*if\s+(?P<cond>.+?):\s*(?:#.*)?$")
_CONTINUE = re.compile(r"^\s*continue\s*(?:#.*)?$")
# the test looks at the item's content: a literal compared/contained, or a content predicate
_CONTENT_TEST = re.compile(
    r"""(?:\bnot\s+in\b|\bin\b|==|!=)|\.(?:startswith|endswith|isdigit|isdecimal|isalnum|isalpha|isascii|isprintable"""
    r"""|isidentifier|match|fullmatch|search)\s*\(""")
# helper names that escaping/sanitising rules already follow
ESCAPER_WORDS = frozenset({"escape", "sanitize", "sanitise", "quote", "scrub", "redact", "clean", "encode"})

_FILTER_BEFORE = (
    "def parse_headers(lines):\n"
    "    headers = {}\n"
    "    for line in lines:\n"
    "        name, _, value = line.partition(':')\n"
    "        if '_' in name:\n"
    "            continue\n"
    "        headers[name.upper().replace('-', '_')] = value.strip()\n"
    "    return headers\n"
)
_CHECK_BEFORE = (
    "def _header_value(v):\n"
    "    if '\\n' in v or '\\r' in v:\n"
    "        raise ValueError('control character in header')\n"
    "    return v\n\n"
    "class Response:\n"
    "    def set_header(self, name, value):\n"
    "        self.headers[name] = _header_value(str(value))\n"
)

_QS_BEFORE = (
    "def parse_query(qs):\n"
    "    pairs = []\n"
    "    for pair in qs.split('&'):\n"
    "        if not pair:\n"
    "            continue\n"
    "        name, _, value = pair.partition('=')\n"
    "        pairs.append((name, value))\n"
    "    return pairs\n"
)

# the family's rules, one table
RULES = (
    RuleSpec(
        FILTER_REMOVED, "Input filter removed", Severity.MEDIUM,
        "A loop over headers/parameters/fields no longer skips items that fail a content test "
        "(`if '_' in name: continue`), or a per-item callback that returns nothing no longer drops items with a "
        "bare early `return` (`if name.endswith(b'.path'): return`), and the test is gone from the unit: malformed "
        "or spoofed names now reach the parsed result (e.g. X_Forwarded_For merged with X-Forwarded-For).",
        (
            Example(_FILTER_BEFORE, _FILTER_BEFORE.replace("        if '_' in name:\n            continue\n", ""), True),
            Example(_FILTER_BEFORE, _FILTER_BEFORE.replace("            continue\n",
                                                           "            raise ValueError('bad header name')\n"),
                    False, "now rejected instead of skipped"),
            Example("def totals(rows):\n    out = 0\n    for r in rows:\n        if r == '':\n            continue\n"
                    "        out += int(r)\n    return out\n",
                    "def totals(rows):\n    out = 0\n    for r in rows:\n        out += int(r or 0)\n    return out\n",
                    False, "not input parsing"),
        ),
        languages=("python",),
    ),
    RuleSpec(
        CHECK_CALL_REMOVED, "Input check no longer called", Severity.MEDIUM,
        "A unit no longer calls a helper of the same file that rejects input carrying control characters "
        "(CR/LF/NUL), '..' path components or conflicting framing headers, and nothing it calls instead does: "
        "header/response splitting, traversal or smuggling protection lost at that call site.",
        (
            Example(_CHECK_BEFORE, _CHECK_BEFORE.replace("_header_value(str(value))", "str(value)"), True),
            Example(_CHECK_BEFORE, _CHECK_BEFORE.replace("_header_value(str(value))", "_header_value(value)"),
                    False, "still called"),
        ),
        languages=("python",),
    ),
    RuleSpec(
        EXACT_MATCH_RELAXED, "Exact match relaxed to substring", Severity.MEDIUM,
        "An equality test against a media type, host or origin/URL literal became a containment test "
        "(`'application/json' in content_type`): any value that merely contains the token now passes, so a "
        "cross-site form post or a look-alike host is accepted.",
        (
            Example("def is_json(req):\n    ctype = req.headers.get('Content-Type', '').split(';')[0].strip()\n"
                    "    return ctype == 'application/json'\n",
                    "def is_json(req):\n    return 'application/json' in req.headers.get('Content-Type', '')\n", True),
            Example("def is_admin(name):\n    return name == 'admin'\n",
                    "def is_admin(name):\n    return 'admin' in name\n", False, "not a structured token"),
            Example("def is_json(req):\n    return req.mimetype == 'application/json'\n",
                    "def is_json(req):\n    return req.mimetype in ('application/json', 'application/ld+json')\n",
                    False, "membership in a literal tuple is still exact"),
        ),
        languages=("python",),
    ),
    RuleSpec(
        SEPARATOR_WIDENED, "Query separator widened", Severity.MEDIUM,
        "A query/form-string parser that split pairs on `&` alone now treats `;` as a pair separator too "
        "(`replace(';', '&')`, a `[&;]` split): `a=1;admin=1` is one parameter to a proxy or cache that splits on "
        "`&` and two to the application (parameter cloaking, web-cache poisoning).",
        (
            Example(_QS_BEFORE, _QS_BEFORE.replace("qs.split('&')", "qs.replace(';', '&').split('&')"), True),
            Example(_QS_BEFORE, _QS_BEFORE.replace("qs.split('&')", "re.split(r'[&;]', qs)"), True, "regex split"),
            Example("def parse_cookie(header):\n    out = {}\n    for part in header.split(';'):\n"
                    "        k, _, v = part.strip().partition('=')\n        out[k] = v\n    return out\n",
                    "def parse_cookie(header):\n    out = {}\n    for part in header.replace(',', ';').split(';'):\n"
                    "        k, _, v = part.strip().partition('=')\n        out[k] = v\n    return out\n",
                    False, "cookie pairs are `;`-separated by definition"),
            Example(_QS_BEFORE.replace("qs.split('&')", "qs.replace(';', '&').split('&')"), _QS_BEFORE, False,
                    "`;` no longer a separator: narrower"),
        ),
        languages=("python",),
    ),
)
SPEC_FILTER, SPEC_CALL, SPEC_EXACT, SPEC_SEPARATOR = RULES
# a literal that names a media type, a host or an origin/URL: containment is not equality for these
STRUCTURED_TOKEN = re.compile(r"^(?:[a-z]+/[a-z0-9][\w.+-]*|[a-z][a-z0-9+.-]*://\S+|(?:[a-z0-9-]+\.)+[a-z]{2,})$", re.I)


# ------------------------------------------------------------------ filter-removed


def _norm(cond: str) -> str:
    return re.sub(r"\s+", "", cond)


class _Kept:
    """Whether a filter's test is still in the new unit's text or conditions, spacing aside
    and, for a formatter's rewrite, quote style aside too (normal.squash: `b'_'` is `b"_"`).
    The plain comparison stays first: squash pairs quotes over the whole text, which an
    apostrophe in a comment can throw off. The new unit's forms are made once per change."""

    def __init__(self, after: Unit) -> None:
        self.conds = tuple(render(g.condition) for g in after.guards)
        self.text = after.text
        self.plain = (_norm(self.text), {_norm(c) for c in self.conds})
        self.quoted: Optional[tuple[str, set[str]]] = None

    def __call__(self, cond: str) -> bool:
        text, conds = self.plain
        if _norm(cond) in text or _norm(cond) in conds:
            return True
        if self.quoted is None:
            self.quoted = (squash(self.text), {squash(c) for c in self.conds})
        text, conds = self.quoted
        return squash(cond) in text or squash(cond) in conds


def _skip_filters(unit: Unit) -> list[tuple[int, str]]:
    """(line, condition) of every `if <content test>: continue` in the unit's text."""
    lines = unit.text.splitlines()
    out = []
    for i, line in enumerate(lines):
        m = _SKIP_ONE.match(line)
        if m is None:
            m = _IF.match(line)
            if m is None:
                continue
            j = i + 1
            while j < len(lines) and (not lines[j].strip() or lines[j].strip().startswith("#")):
                j += 1  # comments between the test and its `continue`
            if j >= len(lines) or not _CONTINUE.match(lines[j]):
                continue
        cond = m.group("cond")
        bare = PY_STRING_LITERAL.sub('""', cond)
        if not _CONTENT_TEST.search(bare) or not (PY_STRING_LITERAL.search(cond) or re.search(r"\.is\w+\s*\(|\.(?:full)?match|\.search", bare)):
            continue
        out.append((unit.span.line + i, cond.strip()))
    return out


_VALUE_RETURN = re.compile(r"(?m)^[ \t]*return[ \t]+[^\s#]")
_BARE_RETURN_END = re.compile(r"(?:^|[\n;:])\s*return\s*$")


def _return_filters(unit: Unit) -> list[tuple[int, str]]:
    """(line, condition) of every `if <content test>: ...; return` of a unit that returns no
    value anywhere (a per-item callback: `_on_part_finish(part)`): its bare early return drops
    the item the way `continue` drops one in a loop. Read from the guard IR, so a condition
    over several lines counts; the test must compare with a literal or call a content predicate."""
    if "return" not in unit.text or _VALUE_RETURN.search(unit.text):
        return []
    out = []
    refusals = [g.span.line for g in unit.guards if g.reachable and g.action.denies]
    for g in unit.guards:
        if g.action is not Action.RETURN or g.kind != "branch" or not _BARE_RETURN_END.search(g.text.rstrip()):
            continue
        if any(line > g.span.line for line in refusals):
            continue  # a validator's early return lets the item past the checks below: a bypass, not a filter
        cond = render(g.condition)
        bare = PY_STRING_LITERAL.sub('""', cond)
        if not _CONTENT_TEST.search(bare) or not (PY_STRING_LITERAL.search(cond) or re.search(r"\.is\w+\s*\(|\.(?:full)?match|\.search", bare)):
            continue
        out.append((g.span.line, " ".join(cond.split())))
    return out


def _loop_line(unit: Unit, line: int) -> str:
    """The nearest `for` line above `line` in the unit (what the filter iterates over)."""
    lines = unit.text.splitlines()
    for j in range(line - unit.span.line, -1, -1):
        if re.match(r"^\s*(?:async\s+)?for\s", lines[j]):
            return lines[j]
    return ""


def _input_hit(unit: Unit, *texts: str, vocabulary: frozenset = INPUT_WORDS) -> Optional[str]:
    for n in (unit.qualname, *unit.params, *(name for name, _ in unit.locals), *texts):
        for w in name_words(n):
            if w in vocabulary:
                return w
    return None


def _filter_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    filters = [(ln, c, "continue") for ln, c in _skip_filters(before)] if "continue" in before.text else []
    filters += [(ln, c, "return") for ln, c in _return_filters(before)]
    if not filters:
        return
    touched = set(change.touched_before)
    kept = _Kept(after)
    for line, cond, exit_ in filters:
        if kept(cond):
            continue  # the test is still made (kept, moved, or now rejects)
        if touched and line not in touched:
            continue
        loop = _loop_line(before, line)
        # a callback is named for its event (`_on_part_finish`): its class names the input it handles
        owners = before.qualname.split(".")[:-1] if exit_ == "return" else []
        hit = _input_hit(before, loop, cond, *owners)
        if hit is None:
            continue
        base = ctx.relevance(change)
        rel = base if base.score >= 0.8 else Relevance(
            "validation", 0.8, base.why_path or (change.qualname,), f"the filter drops malformed input items ('{hit}')")
        yield make_finding(
            SPEC_FILTER, change, ctx, f"the filter `if {cond}: {exit_}` was removed from {change.qualname}: "
            "items it skipped now reach the parsed result",
            before_line=line, evidence_before=f"if {cond}: {exit_}", confidence=Confidence.MEDIUM,
            witness=f"an item where `{cond}` holds: skipped before, kept after", relevance=rel,
        )


# ------------------------------------------------------------------ check-call-removed


def _checker_relevance(helper: Unit) -> Optional[Relevance]:
    if helper.kind not in CODE_KINDS or name_words(helper.name) & ESCAPER_WORDS:
        return None
    denying = [g for g in helper.guards if g.reachable and g.action.denies]
    return content_relevance(denying) if denying else None


def _check_call_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    seen: set[str] = set()
    for c in before.calls:
        tail = c.callee.rsplit(".", 1)[-1]
        if tail in seen:
            continue
        seen.add(tail)
        helper = find_helper(before, c.callee, ctx.before_units)  # type: ignore[arg-type]
        if helper is None or helper.qualname == before.qualname:
            continue
        rel = _checker_relevance(helper)
        if rel is None or reaches(after, tail, ctx.after_units):
            continue
        if content_relevance([g for g in after.guards if g.reachable and g.action.denies]) is not None:
            continue  # the check was inlined
        base = ctx.relevance(change)
        if base.score < rel.score:
            rel = Relevance(rel.category, rel.score, base.why_path or (change.qualname, helper.qualname),
                            f"{helper.qualname}: {rel.reason}")
        yield make_finding(
            SPEC_CALL, change, ctx,
            f"{change.qualname} no longer calls {c.callee}(), which rejects input ({rel.reason})",
            before_line=c.span.line, evidence_before=c.text, confidence=Confidence.MEDIUM,
            witness=f"before: values pass through {c.callee}(); after: they do not", relevance=rel,
        )


# ------------------------------------------------------------------ exact-match-relaxed


def _literal(text: str) -> Optional[str]:
    m = re.fullmatch(r"""[bu]?(?:"([^"\\]*)"|'([^'\\]*)')""", text.strip(), re.I)
    return None if m is None else (m.group(1) if m.group(1) is not None else m.group(2))


def _exact_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    equal: dict[str, object] = {}
    for c in before.comparisons:
        if c.atom.op != "==" or c.negated:
            continue
        for side in (c.left_text, c.right_text):
            lit = _literal(side)
            if lit and STRUCTURED_TOKEN.match(lit):
                equal.setdefault(lit, c)
    if not equal:
        return
    def contained(unit: Unit) -> dict[str, object]:
        out: dict[str, object] = {}
        for c in unit.comparisons:
            if c.atom.op == "in" and not c.negated and _literal(c.left_text) is not None and _literal(c.right_text) is None:
                out.setdefault(_literal(c.left_text), c)  # type: ignore[arg-type]
        return out
    now, was = contained(after), contained(before)
    still_equal = {lit for c in after.comparisons if c.atom.op == "==" for lit in (_literal(c.left_text), _literal(c.right_text)) if lit}
    for lit, b in equal.items():
        a = now.get(lit)
        if a is None or lit in was or lit in still_equal:
            continue
        base = ctx.relevance(change)
        rel = base if base.score >= 0.8 else Relevance(
            "validation", 0.8, base.why_path or (change.qualname,), f"'{lit}' decides what input is accepted")
        yield make_finding(
            SPEC_EXACT, change, ctx,
            f"exact test `{b.left_text} {b.source_op} {b.right_text}` became `{a.left_text} in {a.right_text}`: "  # type: ignore[attr-defined]
            f"any value containing '{lit}' now passes",
            before_line=b.span.line, after_line=a.span.line,  # type: ignore[attr-defined]
            evidence_before=f"{b.left_text} {b.source_op} {b.right_text}",  # type: ignore[attr-defined]
            evidence_after=f"{a.left_text} in {a.right_text}",  # type: ignore[attr-defined]
            witness=f"a value such as 'x;{lit}' or '{lit}.x': rejected before, accepted after",
            confidence=Confidence.MEDIUM, relevance=rel,
        )


# ------------------------------------------------------------------ separator-widened

# `.split('&')`, `re.split(r"&", qs)`: pairs split on one separator
_SPLIT_ON = re.compile(r"""split\(\s*[rbuRBU]*(['"])(&|;)\1""")
# `.replace(';', '&')`: one separator rewritten into the other, so both split
_REPLACE_SEP = re.compile(r"""\.replace\(\s*[bu]?(['"])(;|&)\1\s*,\s*[bu]?(['"])(&|;)\3\s*\)""")
# a string literal holding a class or alternation of both: `[&;]`, `[;&]`, `&|;`
_BOTH_IN_PATTERN = re.compile(r"""\[[^\]]*(?:&[^\]]*;|;[^\]]*&)[^\]]*\]|&\|;|;\|&""")


def _code(unit: Unit) -> str:
    """The unit's text without comments (strings kept: the separators are in them)."""
    out = []
    for line in unit.text.splitlines():
        bare = PY_STRING_LITERAL.sub(lambda m: "_" * len(m.group(0)), line)
        j = bare.find("#")
        out.append(line if j < 0 else line[:j])
    return "\n".join(out)


def _separators(unit: Unit) -> tuple[set[str], Optional[tuple[int, str]]]:
    """(separators the unit splits on, (line, text) where `&` and `;` are made one separator)."""
    code = _code(unit)
    split_on = {m.group(2) for m in _SPLIT_ON.finditer(code)}
    for i, line in enumerate(code.splitlines()):
        m = _REPLACE_SEP.search(line)
        if m and m.group(2) != m.group(4) and m.group(4) in split_on:
            return split_on, (unit.span.line + i, line.strip())
        for lit in PY_STRING_LITERAL.finditer(line):
            if _BOTH_IN_PATTERN.search(lit.group(0)):
                return split_on, (unit.span.line + i, line.strip())
    return split_on, None


def _separator_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    if "&" not in before.text or "split" not in before.text:
        return  # b_split below needs a `split('&')` of the before text (_SPLIT_ON)
    b_split, b_merged = _separators(before)
    if b_merged is not None or "&" not in b_split:
        return  # `;` was already a separator, or the unit split no pairs on '&'
    _, a_merged = _separators(after)
    if a_merged is None:
        return
    hit = _input_hit(before, vocabulary=QUERY_WORDS) or _input_hit(after, vocabulary=QUERY_WORDS)
    if hit is None:
        return
    line, text = a_merged
    base = ctx.relevance(change)
    rel = base if base.score >= 0.8 else Relevance(
        "validation", 0.8, base.why_path or (change.qualname,), f"the separator decides which parameters a request carries ('{hit}')")
    yield make_finding(
        SPEC_SEPARATOR, change, ctx,
        f"{change.qualname} now splits pairs on ';' as well as '&' (`{text}`): a value like `a=1;b=2` is one "
        "parameter to anything that splits on '&' only, two here",
        after_line=line, evidence_after=text, confidence=Confidence.MEDIUM,
        witness="`x=1;admin=1`: one parameter before, two after", relevance=rel,
    )


@family(FAMILY, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.before is None or change.after is None:
        return []
    if change.before.kind not in CODE_KINDS or change.after.kind not in CODE_KINDS:
        return []
    return [*_filter_findings(change, ctx), *_check_call_findings(change, ctx), *_exact_findings(change, ctx),
            *_separator_findings(change, ctx)]
