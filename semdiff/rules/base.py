"""The contract every rule family implements.

A family is one module with a declarative `RULES` table of `RuleSpec` rows and a `check`
function from one `UnitChange` (plus what was computed once for the whole change) to
findings. Families register themselves with `@family`, so adding one is one module.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Optional, Protocol

from semdiff.align.units import UnitChange
from semdiff.model import Confidence, Evidence, Finding, Location, Relevance, Severity


@dataclass(frozen=True)
class Example:
    """A before/after pair shipped with the rule; tests run every example."""

    before: str
    after: str
    fires: bool
    note: str = ""


@dataclass(frozen=True)
class RuleSpec:
    id: str
    title: str
    severity: Severity  # severity in security-relevant code; lowered when relevance is weak
    description: str
    examples: tuple[Example, ...] = ()
    languages: tuple[str, ...] = ("*",)
    # the construct is security-relevant wherever it appears (verify=False, a ReDoS-prone
    # regex, shell=True): the unit's own relevance can raise severity but not lower it
    intrinsic: Optional[str] = None  # relevance category, e.g. "tls", "crypto", "dos", "injection"


class UnitTable(dict):  # type: ignore[type-arg]
    """Units by (path, qualname), with the lookups rules make for every change indexed
    once: a 10k-line change has thousands of units, and scanning them per lookup was the
    largest cost of the rules."""

    def children(self, path: str, parent: str) -> list[object]:
        index = self.__dict__.get("_children")
        if index is None:
            index = {}
            for (p, _q), u in self.items():
                index.setdefault((p, getattr(u, "parent", None)), []).append(u)
            self.__dict__["_children"] = index
        return list(index.get((path, parent), ()))

    def named(self, qualname: str) -> list[object]:
        index = self.__dict__.get("_named")
        if index is None:
            index = {}
            for (_p, q), u in self.items():
                index.setdefault(q, []).append(u)
            self.__dict__["_named"] = index
        return list(index.get(qualname, ()))

    def in_file(self, path: str) -> list[object]:
        index = self.__dict__.get("_in_file")
        if index is None:
            index = {}
            for (p, _q), u in self.items():
                index.setdefault(p, []).append(u)
            self.__dict__["_in_file"] = index
        return list(index.get(path, ()))

    def _forget(self) -> None:
        for name in ("_children", "_named", "_in_file"):
            self.__dict__.pop(name, None)

    def __setitem__(self, key, value) -> None:  # noqa: ANN001 - dict's own signature
        self._forget()
        super().__setitem__(key, value)

    def update(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        self._forget()
        super().update(*args, **kwargs)


def units_in_file(units: Mapping[tuple[str, str], object], path: str) -> list[object]:
    """The units of one file: indexed when `units` is a UnitTable, scanned otherwise."""
    if isinstance(units, UnitTable):
        return units.in_file(path)
    return [u for (p, _q), u in units.items() if p == path]


_LINES: dict[int, tuple[str, tuple[str, ...]]] = {}  # id(text) -> (text, its lines), the last few
_LINES_KEPT = 1024


def text_lines(text: str) -> tuple[str, ...]:
    """`tuple(text.splitlines())`, split once per text object in this process.

    Several families read the same unit's source line by line (and evasion the whole file's,
    once per unit of it): on a warm PR run the same few hundred texts were split ~1,800 times.
    The lines are remembered by the text object's identity (the entry holds the text, so the
    id is not reused while it is kept) for the last _LINES_KEPT texts."""
    hit = _LINES.get(id(text))
    if hit is not None and hit[0] is text:
        return hit[1]
    lines = tuple(text.splitlines())
    if len(_LINES) >= _LINES_KEPT:
        _LINES.clear()
    _LINES[id(text)] = (text, lines)
    return lines


class RelevanceLookup(Protocol):
    def relevance(self, change: UnitChange) -> Relevance: ...


@dataclass(frozen=True)
class RuleContext:
    """Computed once per run and handed to every rule (rules never recompute relevance)."""

    relevance: Callable[[UnitChange], Relevance]
    hunk_only: bool = False
    options: Mapping[str, object] = field(default_factory=dict)
    # units of the whole after/before file set, by (path, qualname), for cross-unit reasoning
    after_units: Mapping[tuple[str, str], object] = field(default_factory=dict)
    before_units: Mapping[tuple[str, str], object] = field(default_factory=dict)


CheckFn = Callable[[UnitChange, RuleContext], Iterable[Finding]]


@dataclass(frozen=True)
class Family:
    name: str
    rules: tuple[RuleSpec, ...]
    check: CheckFn


_FAMILIES: dict[str, Family] = {}


@dataclass(frozen=True)
class ChangeContext:
    """Everything a change-level check sees: the whole change, not one unit.

    Used by checks whose question is about the change as a whole (does its effect exceed
    its stated purpose?); per-unit rule families run first and their findings are here.
    """

    changes: object  # semdiff.model.ChangeSet
    unit_changes: tuple[UnitChange, ...]
    findings: tuple[Finding, ...]
    rule_context: RuleContext
    purpose_text: Optional[str] = None  # --purpose / SEMDIFF_PURPOSE; None = use commit messages


@dataclass(frozen=True)
class ChangeCheckResult:
    findings: tuple[Finding, ...] = ()
    purpose: object = None  # semdiff.model.PurposeSummary


ChangeCheckFn = Callable[[ChangeContext], ChangeCheckResult]
_CHANGE_CHECKS: dict[str, tuple[tuple[RuleSpec, ...], ChangeCheckFn]] = {}


def change_family(name: str, rules: Iterable[RuleSpec]) -> Callable[[ChangeCheckFn], ChangeCheckFn]:
    rules = tuple(rules)

    def register(fn: ChangeCheckFn) -> ChangeCheckFn:
        _CHANGE_CHECKS[name] = (rules, fn)
        return fn

    return register


def change_checks(languages: Optional[Iterable[str]] = None,
                  skip: Iterable[str] = ()) -> tuple[tuple[str, tuple[RuleSpec, ...], ChangeCheckFn], ...]:
    """Every change-level check; with `languages`, loading only the rule modules a change of
    those languages needs (see `families`)."""
    rows = tuple((n, r, f) for n, (r, f) in _registered(languages, _CHANGE_CHECKS, "CHECK_ORDER", skip).items())
    return rows


def family(name: str, rules: Iterable[RuleSpec]) -> Callable[[CheckFn], CheckFn]:
    rules = tuple(rules)

    def register(fn: CheckFn) -> CheckFn:
        _FAMILIES[name] = Family(name, rules, fn)
        return fn

    return register


def families(languages: Optional[Iterable[str]] = None, skip: Iterable[str] = ()) -> tuple[Family, ...]:
    """Every registered family. With `languages` (those of a change's units, plus "config"
    when it has configuration units) only the modules whose families can run on them are
    imported, less the modules in `skip` (whose triggers the change does not satisfy), and the
    families come in the order a full load registers them, so a run sees the same families, in
    the same order, that can apply to its units."""
    return tuple(_registered(languages, _FAMILIES, "FAMILY_ORDER", skip).values())


def _registered(languages: Optional[Iterable[str]], table: dict, order_name: str, skip: Iterable[str] = ()) -> dict:
    import semdiff.rules as package  # import side effects register families

    if languages is None or not package.load_for(languages, skip):
        package.load_all()
        return table
    rank = {name: i for i, name in enumerate(getattr(package, order_name))}
    if any(name not in rank for name in table):  # a family the order table does not know
        package.load_all()
        return table
    return {name: table[name] for name in sorted(table, key=rank.__getitem__)}


def all_rules() -> dict[str, RuleSpec]:
    rules = {r.id: r for fam in families() for r in fam.rules}
    rules.update({r.id: r for _, specs, _ in change_checks() for r in specs})
    return rules


def scaled_severity(base: Severity, relevance: Relevance) -> Severity:
    """Weakening in code with no path to anything sensitive is reported lower, never dropped."""
    if relevance.score >= 0.8:
        return base
    if relevance.score >= 0.3:
        return base.bumped(-1)
    return base.bumped(-2)


def make_finding(
    spec: RuleSpec,
    change: UnitChange,
    ctx: RuleContext,
    message: str,
    *,
    before_line: Optional[int] = None,
    after_line: Optional[int] = None,
    evidence_before: str = "",
    evidence_after: str = "",
    witness: str = "",
    confidence: Confidence = Confidence.HIGH,
    severity: Optional[Severity] = None,
    relevance: Optional[Relevance] = None,
) -> Finding:
    """One place that turns a rule's verdict into a `Finding`, so all rules agree on shape."""

    rel = relevance if relevance is not None else ctx.relevance(change)
    if spec.intrinsic and rel.score < 0.8:
        rel = Relevance(spec.intrinsic, 0.8, rel.why_path, f"{spec.id} is security-relevant wherever it occurs")
    sev = severity if severity is not None else scaled_severity(spec.severity, rel)
    conf = confidence.lowered() if ctx.hunk_only or change.hunk_only else confidence
    path = change.path
    before = Location(change.before.path, before_line) if (change.before and before_line) else None
    after = Location(change.after.path, after_line) if (change.after and after_line) else None
    return Finding(
        rule_id=spec.id,
        title=spec.title,
        severity=sev,
        confidence=conf,
        message=message,
        path=path,
        unit=change.qualname,
        before=before,
        after=after,
        evidence=Evidence(before=evidence_before, after=evidence_after, witness=witness),
        relevance=rel,
        hunk_only=ctx.hunk_only or change.hunk_only,
        language=change.language,
    )
