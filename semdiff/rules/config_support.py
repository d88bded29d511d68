"""Shared pieces of the configuration rule families (no family is registered here).

Configuration files are policy: relevance does not come from names in a call graph but
from the file kind itself, so every config finding carries the same `policy` relevance and
keeps its table severity. The key-table engine lets a family say "this key getting lower /
false / shorter is a weakening" as one row.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Setting, Unit
from semdiff.model import Confidence, Finding, Relevance, Severity
from semdiff.rules.base import RuleContext, RuleSpec, make_finding


def policy_relevance(change: UnitChange) -> Relevance:
    return Relevance(
        "policy", 1.0, (change.path, change.qualname),
        "configuration that decides what automation, assistants or reviewers may do",
    )


def config_finding(
    spec: RuleSpec,
    change: UnitChange,
    ctx: RuleContext,
    message: str,
    *,
    before: Optional[Setting | int] = None,
    after: Optional[Setting | int] = None,
    evidence_before: str = "",
    evidence_after: str = "",
    confidence: Confidence = Confidence.HIGH,
    severity: Optional[Severity] = None,
    unit: Optional[str] = None,
) -> Finding:
    """`make_finding` with policy relevance; `before`/`after` may be a Setting or a line."""

    def line(x: Optional[Setting | int]) -> Optional[int]:
        return x.span.line if isinstance(x, Setting) else x

    def ev(x: Optional[Setting | int], given: str) -> str:
        return given or (x.text if isinstance(x, Setting) else "")

    f = make_finding(
        spec, change, ctx, message,
        before_line=line(before), after_line=line(after),
        evidence_before=ev(before, evidence_before), evidence_after=ev(after, evidence_after),
        confidence=confidence, severity=severity or spec.severity, relevance=policy_relevance(change),
    )
    if unit is not None and unit != f.unit:
        from dataclasses import replace

        f = replace(f, unit=unit)
    return f


def spec_table(rules: Iterable[RuleSpec]) -> dict[str, RuleSpec]:
    return {r.id: r for r in rules}


def applies(change: UnitChange, languages: Iterable[str]) -> bool:
    return change.language in set(languages)


def settings_of(unit: Optional[Unit]) -> dict[str, Setting]:
    """Last value of each key (duplicate keys: the last one is what tools read)."""
    out: dict[str, Setting] = {}
    for s in unit.settings if unit is not None else ():
        if not s.key.endswith("[]"):
            out[s.key] = s
    return out


def items_of(unit: Optional[Unit], key: str) -> dict[str, Setting]:
    """Items of the scalar list at `key` (value -> its Setting, which has the item's line)."""
    out: dict[str, Setting] = {}
    for s in unit.settings if unit is not None else ():
        if s.key == f"{key}[]":
            out.setdefault(s.value, s)
    return out


def list_keys(unit: Optional[Unit]) -> set[str]:
    return {s.key[:-2] for s in (unit.settings if unit is not None else ()) if s.key.endswith("[]")}


def line_of(unit: Unit, needle: str, start: Optional[int] = None, end: Optional[int] = None) -> Optional[int]:
    """First line of the unit (within start..end) whose text contains `needle`."""
    first = unit.span.line
    for i, text in enumerate(unit.text.splitlines()):
        n = first + i
        if start is not None and n < start:
            continue
        if end is not None and n > end:
            break
        if needle in text:
            return n
    return None


def truthy(value: Optional[str]) -> bool:
    return value is not None and value.strip().lower() in ("true", "yes", "on", "1")


def as_number(value: Optional[str]) -> Optional[float]:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


# ------------------------------------------------------------------ key-table engine


@dataclass(frozen=True)
class KeyRow:
    """One weakening pattern over flattened keys.

    kind:
      * `list-grown`   – an item present after and not before (allow lists)
      * `list-shrunk`  – an item present before and not after (deny lists, required checks)
      * `value-in`     – the value became one of `values` (and was not one before)
      * `became-true`  – the value became true (absent counts as false)
      * `became-false` – the value was true before and is false or absent after
      * `lowered`      – a number went down (absent after counts as 0)
      * `new-value`    – a value under this key that was not there before (hook commands)
    `pattern` is an fnmatch pattern over the flattened key (`*` also crosses dots).
    """

    rule: str
    pattern: str
    kind: str
    message: str
    values: tuple[str, ...] = ()
    severity: Optional[Severity] = None
    covered: Optional[Callable[[str, Iterable[str]], bool]] = None  # list-grown: item already allowed by a before item


def key_matches(key: str, pattern: str) -> bool:
    """fnmatch where `[` and `]` are literal (they mark list elements in flattened keys)."""
    escaped = "".join("[[]" if ch == "[" else "[]]" if ch == "]" else ch for ch in pattern)
    return fnmatch.fnmatchcase(key, escaped)


def _matching(keys: Iterable[str], pattern: str) -> list[str]:
    return sorted(k for k in keys if key_matches(k, pattern))


def key_table_findings(
    rows: Iterable[KeyRow], specs: dict[str, RuleSpec], change: UnitChange, ctx: RuleContext
) -> Iterator[Finding]:
    before, after = change.before, change.after
    sb, sa = settings_of(before), settings_of(after)
    lb, la = list_keys(before), list_keys(after)
    for row in rows:
        spec = specs[row.rule]
        sev = row.severity
        if row.kind in ("list-grown", "list-shrunk"):
            for key in _matching(lb | la, row.pattern):
                ib, ia = items_of(before, key), items_of(after, key)
                if row.kind == "list-grown" and after is not None:
                    for item in sorted(ia.keys() - ib.keys()):
                        if row.covered is not None and row.covered(item, ib.keys()):
                            continue
                        yield config_finding(spec, change, ctx, row.message.format(key=key, value=item),
                                             after=ia[item], severity=sev)
                if row.kind == "list-shrunk" and before is not None:
                    for item in sorted(ib.keys() - ia.keys()):
                        yield config_finding(spec, change, ctx, row.message.format(key=key, value=item),
                                             before=ib[item], severity=sev)
            continue
        for key in _matching(sb.keys() | sa.keys(), row.pattern):
            b, a = sb.get(key), sa.get(key)
            bv, av = (b.value if b else None), (a.value if a else None)
            if bv == av:
                continue
            hit = False
            if row.kind == "value-in":
                hit = av in row.values and bv not in row.values
            elif row.kind == "became-true":
                hit = truthy(av) and not truthy(bv)
            elif row.kind == "became-false":
                hit = truthy(bv) and not truthy(av)
            elif row.kind == "lowered":
                nb, na = as_number(bv), as_number(av) if a is not None else 0.0
                hit = nb is not None and na is not None and na < nb
            elif row.kind == "new-value":
                hit = a is not None and av not in {s.value for s in sb.values() if key_matches(s.key, row.pattern)}
            if hit:
                yield config_finding(spec, change, ctx, row.message.format(key=key, value=av, before=bv),
                                     before=b, after=a, severity=sev)

