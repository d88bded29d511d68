"""allowlist-gate-removed: a request value is no longer limited to a literal set.

A value read from the request was stored or used only when it was one of a literal set
(`if direction in ('asc', 'desc'): orders[k] = (col, direction)`); now the same statement runs
unconditionally with the value as received, so anything (a SQL fragment in an ORDER BY, a
header, a template name) reaches where only the listed words did. The gated statement (same
assignment target) must be on a changed line of the new unit.

Only Python, read from text; a value that does not come from a request read (`request`,
`args`, `params`, `query`, `form`, `cookies`, `headers`, `environ`) stays silent, and so does a
gate whose words are still compared somewhere in the new unit (rewritten as a conditional
expression or a `not in ...: value = default`).
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.model import Finding, Relevance, Severity
from semdiff.rules._catalog2_ir import unit_lines
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

GATE_REMOVED = "allowlist-gate-removed"

_GATE_BEFORE = (
    "def order_args(request):\n"
    "    orders = {}\n"
    "    for name in request.args:\n"
    "        column = request.args.get(name)\n"
    "        direction = request.args.get('dir_' + name)\n"
    "        if direction in ('asc', 'desc'):\n"
    "            orders[name] = (column, direction)\n"
    "    return orders\n"
)

RULES = (
    RuleSpec(
        GATE_REMOVED, "Request value no longer limited to a literal set", Severity.MEDIUM,
        "A value read from the request was used only when it was one of a literal set "
        "(`if direction in ('asc', 'desc'): ...`); the statement now runs unconditionally with the value as "
        "received, so any text reaches where only the listed words did (an ORDER BY clause, a header, a path).",
        (
            Example(_GATE_BEFORE, _GATE_BEFORE.replace(
                "        if direction in ('asc', 'desc'):\n            orders[name] = (column, direction)\n",
                "        orders[name] = (column, direction)\n"), True),
            Example(_GATE_BEFORE, _GATE_BEFORE.replace("('asc', 'desc')", "('asc', 'desc', 'ASC', 'DESC')"), False,
                    "set grown, still a gate"),
            Example(_GATE_BEFORE, _GATE_BEFORE.replace(
                "        if direction in ('asc', 'desc'):\n            orders[name] = (column, direction)\n",
                "        orders[name] = (column, direction if direction in ('asc', 'desc') else 'asc')\n"), False,
                    "the set now picks a default"),
        ),
        languages=("python",),
    ),
)
SPEC_GATE = RULES[0]

_GATE = re.compile(r"^(?P<indent>\s*)(?:el)?if\s+(?P<v>[A-Za-z_][\w.]*)\s+in\s+(?P<set>[(\[{].*[)\]}])\s*:\s*(?:#.*)?$")
_LITERAL_ITEM = re.compile(r"""\s*(?:[bu]?(?:'[^'\\]*'|"[^"\\]*")|-?\d+)\s*""")
_TARGET = re.compile(r"^\s*(?P<lhs>[A-Za-z_][\w.]*(?:\[(?:[^\[\]]|\[[^\]]*\])*\])*)\s*=(?!=)")
# the value came from the request (its binding reads one of these)
_REQUEST_READ = re.compile(r"\b(?:request|req|params|query|args|form|GET|POST|cookies|headers|environ)\b")


def _literal_set(text: str) -> Optional[tuple[str, ...]]:
    inner = text[1:-1]
    items = [i for i in inner.split(",") if i.strip()]
    if len(items) < 2 or not all(_LITERAL_ITEM.fullmatch(i) for i in items):
        return None
    return tuple(sorted(i.strip() for i in items))


@family(GATE_REMOVED, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    return list(_gate_findings(change, ctx))


def _gate_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    if before is None or after is None or change.language != "python" or not change.touched_after:
        return
    b_lines = unit_lines(before)
    touched = set(change.touched_after)
    for i, (ln, text) in enumerate(b_lines):
        m = _GATE.match(text)
        if m is None:
            continue
        var, items = m.group("v"), _literal_set(m.group("set"))
        if items is None:
            continue
        body = next((t for _l, t in b_lines[i + 1:] if t.strip()), "")
        tm = _TARGET.match(body)
        if tm is None or len(body) - len(body.lstrip()) <= len(m.group("indent")) or not re.search(rf"(?<![\w.]){re.escape(var)}(?!\w)", body):
            continue
        bound = [t for _l, t in b_lines[:i] if re.match(rf"\s*{re.escape(var)}\s*=(?!=)", t)]
        if not (bound and _REQUEST_READ.search(bound[-1])):
            continue
        if all(any(it in c.left_text or it in c.right_text for c in after.comparisons) for it in items):
            continue  # the listed words are still tested somewhere in the unit (not merely mentioned)
        lhs = re.sub(r"\s+", "", tm.group("lhs"))
        hit = next(((al, at) for al, at in unit_lines(after)
                    if al in touched and (am := _TARGET.match(at)) and re.sub(r"\s+", "", am.group("lhs")) == lhs), None)
        if hit is None:
            continue
        rel = ctx.relevance(change)
        if rel.score < 0.8:
            rel = Relevance("validation", 0.8, rel.why_path or (change.qualname,),
                            f"a request value was limited to {', '.join(items)} before `{lhs}` was set")
        yield make_finding(
            SPEC_GATE, change, ctx,
            f"`{body.strip()}` ran only when {var} was one of {', '.join(items)}; now `{hit[1].strip()}` runs for any "
            f"value the request sends",
            before_line=ln, after_line=hit[0], evidence_before=f"{text.strip()} {body.strip()}", evidence_after=hit[1].strip(),
            witness=f"a request value outside {', '.join(items)}: dropped before, used after", relevance=rel,
        )

