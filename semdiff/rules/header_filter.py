"""header-filter-removed: a loop over request or response headers no longer drops the
headers a test picks out.

Headers are copied wholesale into CGI/FastCGI environments, upstream requests and logs, so
the loops that copy them skip the dangerous ones (`if name == "Proxy" { continue }`: HTTPoxy,
a client setting HTTP_PROXY for the backend) and sanitising passes delete them
(`if strings.ContainsRune(k, '_') { delete(r.Header, k) }`: an underscore alias of a trusted
header). Either test gone from the unit, with no unit of the file doing the same test, lets
the header through again. A skip filter only matters while the loop still copies headers;
a deleting filter is the protection by itself.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Unit
from semdiff.lang.quoted import quoted_strings
from semdiff.model import Finding, Severity
from semdiff.rules._catalog2_ir import tail
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, units_in_file

RULE_ID = "header-filter-removed"

# loops whose variable is a header name, per language
HEADER_LOOPS: dict[str, tuple[re.Pattern[str], ...]] = {
    "go": (re.compile(r"\bfor\s+(\w+)(?:\s*,\s*\w+)?\s*:?=\s*range\s+(?:[\w.]+\.)?Header\b"),),
    "java": (re.compile(r"\bfor\s*\(\s*(?:final\s+)?(?:String|HttpString|var)\s+(\w+)\s*:\s*[^;{]*?getHeaderNames\s*\("),
             re.compile(r"\bfor\s*\(\s*(?:final\s+)?(?:String|HttpString|var)\s+(\w+)\s*:\s*[^;{]*?\b\w*[hH]eaders?\w*\s*(?:\.\s*keySet\s*\(\s*\))?\s*\)")),
    "javascript": (re.compile(r"\bfor\s*\(\s*(?:const|let|var)\s+(?:\[\s*(\w+)[^\]]*\]|(\w+))\s+(?:of|in)\s+[^)]*\b\w*[hH]eaders\b"),),
}
HEADER_LOOPS["typescript"] = HEADER_LOOPS["javascript"]
# what a filter does when its test holds
_SKIP = re.compile(r"^\s*(?:\{\s*)?continue\b")
_INLINE_SKIP = re.compile(r"(?:\)|\{)\s*\{?\s*continue\b")
_DELETE = re.compile(r"\bdelete\s*\(\s*[\w.]*Header\b|\.(?:Del|remove|removeHeader|delete)\s*\(|\bdelete\s+[\w.]*headers\s*\[")
_WS = re.compile(r"\s+")

RULES = (
    RuleSpec(
        RULE_ID, "Header filter removed", Severity.MEDIUM,
        "A test inside a loop over header names that skipped (`continue`) or deleted the headers it matched "
        "(`if name == \"Proxy\" { continue }`, `if strings.ContainsRune(k, '_') { delete(r.Header, k) }`) is gone "
        "and no unit of the file does the same test: the header reaches the environment or upstream again.",
        (
            Example("package cgi\n\nfunc env(r *http.Request, e map[string]string) {\n\tfor k, v := range r.Header {\n"
                    "\t\tif k == \"Proxy\" {\n\t\t\tcontinue\n\t\t}\n\t\te[\"HTTP_\"+k] = v[0]\n\t}\n}\n",
                    "package cgi\n\nfunc env(r *http.Request, e map[string]string) {\n\tfor k, v := range r.Header {\n"
                    "\t\te[\"HTTP_\"+k] = v[0]\n\t}\n}\n", True, "skip filter removed"),
            Example("package cgi\n\nfunc env(r *http.Request, e map[string]string) {\n\tfor k, v := range r.Header {\n"
                    "\t\tif k == \"Proxy\" {\n\t\t\tcontinue\n\t\t}\n\t\te[\"HTTP_\"+k] = v[0]\n\t}\n}\n",
                    "package cgi\n\nfunc env(r *http.Request, e map[string]string) {\n\tfor name, v := range r.Header {\n"
                    "\t\tif name == \"Proxy\" {\n\t\t\tcontinue // httpoxy\n\t\t}\n\t\te[\"HTTP_\"+name] = v[0]\n\t}\n}\n",
                    False, "loop variable renamed"),
        ),
        languages=("go", "java", "javascript", "typescript"), intrinsic="injection",
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "cgi/env.go"}


@dataclass(frozen=True)
class Filter:
    key: str  # the test with the loop variable written as $V, whitespace removed
    line: int
    text: str
    deletes: bool


def _loop_vars(unit: Unit) -> set[str]:
    out: set[str] = set()
    for pat in HEADER_LOOPS.get(unit.language, ()):
        for m in pat.finditer(unit.text):
            out.update(g for g in m.groups() if g)
    return out


def _action(lines: list[str], i: int) -> Optional[str]:
    """'skip' or 'delete' for the body of the `if` whose test is on lines[i]: the statement
    after the test on the same line, or the first statement of the next three lines."""
    line = lines[i]
    if _INLINE_SKIP.search(line):
        return "skip"
    if _DELETE.search(line):
        return "delete"
    if not line.rstrip().endswith(("{", ")")):
        return None  # the test does not end its line here: not an `if` we can read
    for piece in lines[i + 1:i + 4]:
        body = piece.strip().lstrip("{").strip()
        if not body:
            continue
        if _SKIP.match(body):
            return "skip"
        if _DELETE.search(body):
            return "delete"
        return None
    return None


def _tests(unit: Unit) -> list[tuple[int, str]]:
    """(line, text) of the unit's comparisons and calls (equals, EqualFold, a helper
    predicate): the ones that test the loop variable are picked by the caller."""
    out = [(c.span.line, f"{c.left_text} {c.source_op} {c.right_text}") for c in unit.comparisons]
    out += [(c.span.line, c.text) for c in unit.calls if not _DELETE.search(c.text)]
    return out


def _literals(text: str) -> list[str]:
    return [text[q.start:q.end] for q in quoted_strings(text, nonempty=True)]


def filters(unit: Optional[Unit]) -> list[Filter]:
    if unit is None or unit.language not in HEADER_LOOPS:
        return []
    names = _loop_vars(unit)
    if not names:
        return []
    lines = unit.text.splitlines()
    out: list[Filter] = []
    seen: set[int] = set()
    for line, text in _tests(unit):
        if line in seen:
            continue  # one test per line: the comparison, not the calls inside it
        used = [n for n in names if re.search(rf"(?<![\w$.]){re.escape(n)}(?![\w$])", text)]
        i = line - unit.span.line
        if len(used) != 1 or not 0 <= i < len(lines):
            continue
        action = _action(lines, i)
        if action is None:
            continue
        key = _WS.sub("", re.sub(rf"(?<![\w$.]){re.escape(used[0])}(?![\w$])", "$V", text))
        seen.add(line)
        out.append(Filter(key, line, text, action == "delete"))
    return out


def _file_keys(units: Mapping[tuple[str, str], object], path: str, skip: str) -> set[str]:
    return {f.key for u in units_in_file(units, path) if isinstance(u, Unit) and u.qualname != skip for f in filters(u)}


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    if before is None or after is None:
        return []
    b_filters = filters(before)
    if not b_filters:
        return []
    a_keys = {f.key for f in filters(after)}
    still_loops = bool(_loop_vars(after))
    lost = [f for f in b_filters if f.key not in a_keys and (f.deletes or still_loops)]
    if not lost:
        return []
    elsewhere = _file_keys(ctx.after_units, after.path, after.qualname)
    a_filters = filters(after)
    file_text = "\n".join(u.text for u in units_in_file(ctx.after_units, after.path) if isinstance(u, Unit)) or after.text
    out: list[Finding] = []
    for f in lost:
        if f.key in elsewhere:
            continue  # the same test now runs in another unit of the file (a helper)
        lits = _literals(f.text)
        if lits and all(lit in file_text for lit in lits) and any(a.deletes == f.deletes for a in a_filters):
            continue  # the loop still filters the same way, through a predicate that names the same header
        what = "deleted" if f.deletes else "skipped"
        out.append(make_finding(
            SPEC, change, ctx,
            f"headers matching `{f.text}` were {what} in a loop over header names; that filter is gone"
            + ("" if f.deletes else " while the loop still copies the headers"),
            before_line=f.line, evidence_before=f.text,
            witness=f"a request carrying a header that matches `{f.text}`",
        ))
    return out
