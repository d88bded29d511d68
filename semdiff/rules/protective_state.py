"""protective-state-dropped: a request/connection handler stops setting a protective flag.

Protocol code often protects itself not with an `if ...: raise` but by setting state that a
later stage obeys: `self.close_connection = True` when a request carries both
Transfer-Encoding and Content-Length (the next bytes must not be read as a new request),
`self.keep_alive = False` after a framing error, `request.rejected = True`. Such a line is
no guard in the IR, so the removed-guard rules cannot see it go; this family compares the
assignments themselves (`Setting`s of function units).

A finding needs the flag to be one of the table's protective flags (by the words of its
name), the protective value to be assigned fewer times in the unit than before (removed, or
inverted to the opposite literal), and the file as a whole to assign it fewer times too, so
an assignment moved into a helper is not a removal. A flag assigned from an expression
(`self.close_connection = cl is not None`) still counts as set.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Setting, Unit
from semdiff.model import Confidence, Finding, Relevance, Severity
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, units_in_file

RULE_ID = "protective-state-dropped"


@dataclass(frozen=True)
class FlagRow:
    """Flags whose last name segment matches `name`, and the literal that protects."""

    name: re.Pattern[str]
    protective: str  # "True" or "False"
    category: str
    score: float
    meaning: str


FLAGS: tuple[FlagRow, ...] = (
    FlagRow(re.compile(r"(?i)^_*(?:(?:will|should|must|force|pending|connection|conn)_?clos(?:e|ing)"
                       r"|clos(?:e|ing)_?(?:when\w*|after\w*|connection|conn))$"),
            "True", "request-smuggling", 0.8,
            "closes the connection after this message, so later bytes are not parsed as another request"),
    FlagRow(re.compile(r"(?i)^_*(?:keep_?alive|persistent(?:_?conn\w*)?|reuse_?conn\w*)$"),
            "False", "request-smuggling", 0.8,
            "stops reusing the connection, so later bytes are not parsed as another request"),
    FlagRow(re.compile(r"(?i)^_*(?:reject(?:ed)?|den(?:y|ied)|block(?:ed)?|forbidden|must_?reject)$"),
            "True", "validation", 0.8, "marks the request as refused"),
)
OPPOSITE = {"True": "False", "False": "True"}
# unit kinds whose assignments are state changes (module/class bodies are configuration: other families)
CODE_KINDS = ("function", "method", "lambda")

_BEFORE = (
    "class Parser:\n"
    "    def parse_headers(self, headers):\n"
    "        if 'TRANSFER_ENCODING' in headers:\n"
    "            self.chunked = True\n"
    "            if headers.pop('CONTENT_LENGTH', None) is not None:\n"
    "                self.connection_close = True\n"
    "        return headers\n"
)

RULES = (
    RuleSpec(
        id=RULE_ID,
        title="Protective connection/request state no longer set",
        severity=Severity.MEDIUM,
        description=(
            "A request/connection handler no longer sets a protective flag (close the connection after this "
            "message, stop keep-alive, mark the request rejected): the assignment was removed or inverted and is "
            "not made elsewhere in the file."
        ),
        examples=(
            Example(_BEFORE, _BEFORE.replace(
                "            if headers.pop('CONTENT_LENGTH', None) is not None:\n"
                "                self.connection_close = True\n", ""), True, "close-connection flag removed"),
            Example(_BEFORE, _BEFORE.replace("self.connection_close = True", "self.connection_close = False"),
                    True, "inverted"),
            Example(_BEFORE, _BEFORE.replace(
                "            if headers.pop('CONTENT_LENGTH', None) is not None:\n"
                "                self.connection_close = True\n",
                "            self.connection_close = headers.pop('CONTENT_LENGTH', None) is not None\n"),
                False, "computed instead of set under a branch"),
            Example(_BEFORE, _BEFORE.replace("self.chunked = True", "self.chunked = False"), False,
                    "not a protective flag"),
        ),
        languages=("python",),
    ),
)
SPEC = RULES[0]


def flag_row(key: str) -> Optional[FlagRow]:
    last = key.rsplit(".", 1)[-1]
    for row in FLAGS:
        if row.name.match(last):
            return row
    return None


def _sets(settings: Iterable[Setting], key: str, protective: str) -> int:
    """How many times `key` is given its protective value (or a computed one, which may be it)."""
    n = 0
    for s in settings:
        if s.key != key or s.scope in ("default", "field"):
            continue
        v = s.value.strip()
        if v == protective or v not in OPPOSITE:
            n += 1
    return n


def _file_sets(units: Mapping[tuple[str, str], object], path: Optional[str], key: str, protective: str) -> int:
    if not path:
        return 0
    return sum(_sets(u.settings, key, protective) for u in units_in_file(units, path) if isinstance(u, Unit))


def _findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    seen: set[str] = set()
    for b in before.settings:
        if b.key in seen or b.scope in ("default", "field") or b.value.strip() not in OPPOSITE:
            continue
        row = flag_row(b.key)
        if row is None or b.value.strip() != row.protective:
            continue
        seen.add(b.key)
        b_n = _sets(before.settings, b.key, row.protective)
        a_n = _sets(after.settings, b.key, row.protective)
        if a_n >= b_n:
            continue
        if ctx.before_units and ctx.after_units:
            fb = _file_sets(ctx.before_units, before.path, b.key, row.protective)
            fa = _file_sets(ctx.after_units, after.path, b.key, row.protective)
            if fa >= fb:
                continue  # moved to another unit of the file
        # point at an assignment the change removed, when one of them is
        touched = set(change.touched_before)
        b = next((s for s in before.settings if s.key == b.key and s.span.line in touched
                  and s.value.strip() == row.protective), b)
        inverted = [s for s in after.settings if s.key == b.key and s.value.strip() == OPPOSITE[row.protective]]
        how = f"inverted to {b.key} = {OPPOSITE[row.protective]}" if inverted else "removed"
        base = ctx.relevance(change)
        rel = base if base.score >= row.score else Relevance(
            row.category, row.score, base.why_path or (change.qualname,), f"the flag {row.meaning}")
        yield make_finding(
            SPEC, change, ctx,
            f"`{b.text.strip()}` {how} in {change.qualname}: the flag {row.meaning}",
            before_line=b.span.line, after_line=inverted[0].span.line if inverted else None,
            evidence_before=b.text.strip(), evidence_after=inverted[0].text.strip() if inverted else "",
            witness=f"before: {b.key} = {row.protective} on this path; after: not set",
            confidence=Confidence.MEDIUM, relevance=rel,
        )


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.before is None or change.after is None or change.after.kind not in CODE_KINDS:
        return []
    if not change.before.settings:
        return []
    return list(_findings(change, ctx))
