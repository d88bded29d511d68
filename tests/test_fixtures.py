"""Golden before/after cases: every folder `fixtures/<language>/<case>/` is one test.

A case holds `before.<ext>` and/or `after.<ext>` and an `expected.json` naming every finding
the change must produce. The comparison is strict both ways: a missing finding is a miss, an
extra one is a false alarm, so a negative case (empty `findings`) proves silence. The format
is described in fixtures/README.md; this module is the one place that reads it, so a new
language or rule only adds folders, never test code.
"""
from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

CASE_KEYS = {"description", "path", "findings", "not_analyzed"}
REQUIRED_CASE_KEYS = {"description", "findings"}
FINDING_KEYS = {"rule", "unit", "before_line", "after_line", "min_severity"}
REQUIRED_FINDING_KEYS = {"rule", "unit"}
SEVERITY_LABELS = ("info", "low", "medium", "high", "critical")
POSITIVE_MARK = "-pos-"
NEGATIVE_MARK = "-neg-"


class FixtureError(ValueError):
    """A case folder that does not follow the fixture format (the fixture is wrong, not semdiff)."""


@dataclass(frozen=True)
class ExpectedFinding:
    rule: str
    unit: str
    before_line: Optional[int] = None
    after_line: Optional[int] = None
    min_severity: Optional[str] = None

    def describe(self) -> str:
        lines = []
        if self.before_line is not None:
            lines.append(f"before_line={self.before_line}")
        if self.after_line is not None:
            lines.append(f"after_line={self.after_line}")
        if self.min_severity is not None:
            lines.append(f"min_severity={self.min_severity}")
        return f"{self.rule} in {self.unit}" + (f" ({', '.join(lines)})" if lines else "")


@dataclass(frozen=True)
class Case:
    language: str
    name: str
    folder: Path
    path: str
    before_text: Optional[str]
    after_text: Optional[str]
    description: str
    findings: tuple[ExpectedFinding, ...]
    not_analyzed: tuple[str, ...]

    @property
    def case_id(self) -> str:
        return f"{self.language}/{self.name}"


# ------------------------------------------------------------------ discovery and loading


def case_folders() -> list[Path]:
    if not FIXTURES.is_dir():
        return []
    return sorted(
        case
        for lang in FIXTURES.iterdir()
        if lang.is_dir() and not lang.name.startswith((".", "_"))
        for case in lang.iterdir()
        if case.is_dir() and not case.name.startswith((".", "_"))
    )


def _case_id(folder: Path) -> str:
    return f"{folder.parent.name}/{folder.name}"


def _side(folder: Path, stem: str) -> Optional[Path]:
    """The one file named `<stem>` or `<stem>.<ext>` in the folder, if any."""
    found = [p for p in folder.iterdir() if p.is_file() and (p.name == stem or p.name.startswith(stem + "."))]
    if len(found) > 1:
        raise FixtureError(f"more than one {stem} file: {sorted(p.name for p in found)}")
    return found[0] if found else None


def _ext(p: Path, stem: str) -> str:
    return p.name[len(stem) + 1:] if p.name != stem else ""


def _read_text(p: Path) -> str:
    try:
        return p.read_bytes().decode("utf-8")  # bytes as stored: CRLF and BOM cases stay exact
    except UnicodeDecodeError as exc:
        raise FixtureError(f"{p.name} is not valid UTF-8: {exc}") from exc


def _line_count(text: Optional[str]) -> int:
    return len(text.splitlines()) if text is not None else 0


def _check_keys(obj: Any, allowed: set[str], required: set[str], where: str) -> None:
    if not isinstance(obj, dict):
        raise FixtureError(f"{where} must be a JSON object, got {type(obj).__name__}")
    unknown = set(obj) - allowed
    if unknown:
        raise FixtureError(f"{where} has unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
    missing = required - set(obj)
    if missing:
        raise FixtureError(f"{where} lacks required keys {sorted(missing)}")


def _non_empty_str(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FixtureError(f"{where} must be a non-empty string")
    return value


def _line(value: Any, text: Optional[str], side: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FixtureError(f"{where}.{side}_line must be an integer >= 1, got {value!r}")
    if text is None:
        raise FixtureError(f"{where}.{side}_line given but the case has no {side} file")
    lines = text.splitlines()
    if value > len(lines):
        raise FixtureError(f"{where}.{side}_line={value} is past the end of {side} ({len(lines)} lines)")
    if not lines[value - 1].strip():
        raise FixtureError(f"{where}.{side}_line={value} points at a blank line in {side}")
    return value


def _logical_path(value: Any, ext: str, where: str) -> str:
    if value is None:
        if not ext:
            raise FixtureError(f"{where}: files without an extension need an explicit 'path'")
        return f"app/module.{ext}"
    path = _non_empty_str(value, f"{where}.path")
    if "\\" in path or path.startswith("/") or ".." in path.split("/") or posixpath.normpath(path) != path:
        raise FixtureError(f"{where}.path must be a normalised relative POSIX path, got {path!r}")
    return path


def load_case(folder: Path) -> Case:
    """Read and validate one case folder; every format mistake is a FixtureError naming it."""
    where = f"{_case_id(folder)}/expected.json"
    before_file = _side(folder, "before")
    after_file = _side(folder, "after")
    if before_file is None and after_file is None:
        raise FixtureError(f"{_case_id(folder)} has neither a before nor an after file")
    exts = {_ext(p, s) for p, s in ((before_file, "before"), (after_file, "after")) if p is not None}
    if len(exts) != 1:
        raise FixtureError(f"{_case_id(folder)}: before and after have different extensions {sorted(exts)}")
    ext = exts.pop()
    expected_file = folder / "expected.json"
    if not expected_file.is_file():
        raise FixtureError(f"{_case_id(folder)} has no expected.json")
    try:
        data = json.loads(_read_text(expected_file))
    except json.JSONDecodeError as exc:
        raise FixtureError(f"{where} is not valid JSON: {exc}") from exc
    _check_keys(data, CASE_KEYS, REQUIRED_CASE_KEYS, where)
    description = _non_empty_str(data["description"], f"{where}.description")
    path = _logical_path(data.get("path"), ext, where)
    before_text = _read_text(before_file) if before_file is not None else None
    after_text = _read_text(after_file) if after_file is not None else None
    if before_text == after_text:
        raise FixtureError(f"{_case_id(folder)}: before and after are identical, nothing to analyse")

    raw_findings = data["findings"]
    if not isinstance(raw_findings, list):
        raise FixtureError(f"{where}.findings must be a list")
    findings = []
    for i, raw in enumerate(raw_findings):
        fw = f"{where}.findings[{i}]"
        _check_keys(raw, FINDING_KEYS, REQUIRED_FINDING_KEYS, fw)
        sev = raw.get("min_severity")
        if sev is not None and sev not in SEVERITY_LABELS:
            raise FixtureError(f"{fw}.min_severity must be one of {SEVERITY_LABELS}, got {sev!r}")
        findings.append(
            ExpectedFinding(
                rule=_non_empty_str(raw["rule"], f"{fw}.rule"),
                unit=_non_empty_str(raw["unit"], f"{fw}.unit"),
                before_line=_line(raw["before_line"], before_text, "before", fw) if "before_line" in raw else None,
                after_line=_line(raw["after_line"], after_text, "after", fw) if "after_line" in raw else None,
                min_severity=sev,
            )
        )

    raw_na = data.get("not_analyzed", [])
    if not isinstance(raw_na, list) or not all(isinstance(r, str) and r for r in raw_na):
        raise FixtureError(f"{where}.not_analyzed must be a list of reason strings (e.g. 'syntax-error')")

    name = folder.name
    if POSITIVE_MARK in name and not findings:
        raise FixtureError(f"{_case_id(folder)} is named as a positive case but expects no findings")
    if NEGATIVE_MARK in name and findings:
        raise FixtureError(f"{_case_id(folder)} is named as a negative case but expects findings")

    return Case(
        language=folder.parent.name,
        name=name,
        folder=folder,
        path=path,
        before_text=before_text,
        after_text=after_text,
        description=description,
        findings=tuple(findings),
        not_analyzed=tuple(raw_na),
    )


# ------------------------------------------------------------------ matching


def _matches(expected: ExpectedFinding, actual: Any, path: str) -> bool:
    if actual.rule_id != expected.rule or actual.unit != expected.unit or actual.path != path:
        return False
    if expected.before_line is not None and (actual.before is None or actual.before.line != expected.before_line):
        return False
    if expected.after_line is not None and (actual.after is None or actual.after.line != expected.after_line):
        return False
    return True


def match_findings(expected: Sequence[ExpectedFinding], actual: Sequence[Any], path: str) -> dict[int, int]:
    """Maximum one-to-one matching expected -> actual (augmenting paths; cases are tiny).

    Greedy pairing could give a loose expectation (no line) the finding a stricter one needs,
    and then report a miss that is not there.
    """
    candidates = [[j for j, a in enumerate(actual) if _matches(e, a, path)] for e in expected]
    owner: dict[int, int] = {}  # actual index -> expected index

    def augment(i: int, seen: set[int]) -> bool:
        for j in candidates[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(expected)):
        augment(i, set())
    return {i: j for j, i in owner.items()}


def _loc(loc: Any) -> str:
    return str(loc.line) if loc is not None else "-"


def describe_actual(f: Any) -> str:
    return (
        f"{f.rule_id} in {f.unit} [{f.path}] before_line={_loc(f.before)} after_line={_loc(f.after)} "
        f"severity={f.severity.label} confidence={f.confidence.label}: {f.message}"
    )


def _failure_report(case: Case, report: Any, problems: list[str]) -> str:
    out = [f"{case.case_id}: {case.description}", *problems, "actual findings:"]
    out += [f"  - {describe_actual(f)}" for f in report.findings] or ["  (none)"]
    if report.not_analyzed:
        out.append("not analysed:")
        out += [f"  - {n.path}: {n.reason} {n.detail}" for n in report.not_analyzed]
    out.append(f"units analysed: {report.units_analyzed}")
    return "\n".join(out)


# ------------------------------------------------------------------ tests

CASE_FOLDERS = case_folders()


def _rules_named() -> list[tuple[str, str]]:
    """(rule id, language) pairs named anywhere; malformed files are left to the format test."""
    named: set[tuple[str, str]] = set()
    for folder in CASE_FOLDERS:
        try:
            data = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
            for f in data.get("findings", []):
                if isinstance(f, dict) and isinstance(f.get("rule"), str):
                    named.add((f["rule"], folder.parent.name))
        except (OSError, ValueError, AttributeError):
            continue
    return sorted(named)


RULES_NAMED = _rules_named()


def test_fixture_folders_exist() -> None:
    assert CASE_FOLDERS, f"no fixture cases found under {FIXTURES}"


@pytest.mark.parametrize("folder", CASE_FOLDERS, ids=_case_id)
def test_fixture_is_well_formed(folder: Path) -> None:
    try:
        load_case(folder)
    except FixtureError as exc:
        pytest.fail(str(exc))


@pytest.mark.parametrize("rule_id,language", RULES_NAMED, ids=lambda v: str(v))
def test_rule_named_in_fixtures_exists(rule_id: str, language: str) -> None:
    from semdiff.rules.base import all_rules

    rules = all_rules()
    assert rule_id in rules, f"fixtures expect rule {rule_id!r} but no rule family defines it; known: {sorted(rules)}"
    langs = rules[rule_id].languages
    assert "*" in langs or language in langs, f"rule {rule_id!r} is not declared for {language} (languages={langs})"


@pytest.mark.parametrize("folder", CASE_FOLDERS, ids=_case_id)
def test_fixture_findings(folder: Path) -> None:
    from semdiff.model import Severity
    from semdiff.pipeline import analyze_texts

    try:
        case = load_case(folder)
    except FixtureError as exc:
        pytest.fail(f"malformed fixture: {exc}")
    report = analyze_texts([(case.path, case.before_text, case.after_text)])
    actual = list(report.findings)
    matched = match_findings(case.findings, actual, case.path)

    problems: list[str] = []
    for i, exp in enumerate(case.findings):
        if i not in matched:
            problems.append(f"MISSING: {exp.describe()}")
        elif exp.min_severity is not None and actual[matched[i]].severity < Severity.parse(exp.min_severity):
            problems.append(f"TOO LOW: {exp.describe()} but got severity {actual[matched[i]].severity.label}")
    used = set(matched.values())
    problems += [f"UNEXPECTED: {describe_actual(f)}" for j, f in enumerate(actual) if j not in used]

    got_na = sorted(n.reason for n in report.not_analyzed)
    if got_na != sorted(case.not_analyzed):
        problems.append(f"NOT-ANALYSED mismatch: expected {sorted(case.not_analyzed)}, got {got_na}")
    if not case.not_analyzed and report.units_analyzed < 1:
        # a case that reaches no unit passes vacuously; that proves nothing about the rules
        problems.append("NO UNITS: the change reached no analysed unit (backend missing or alignment lost it)")

    assert not problems, _failure_report(case, report, problems)


# ------------------------------------------------------------------ the runner's own checks
# The runner decides what every fixture proves, so its format checks and its matching are
# tested here on throw-away cases rather than trusted.


def _write_case(root: Path, expected: Any, before: str = "x = 1\n\ny = 2\n", after: str = "x = 1\n\ny = 3\n") -> Path:
    folder = root / "python" / "demo-case"
    folder.mkdir(parents=True)
    (folder / "before.py").write_text(before, encoding="utf-8")
    (folder / "after.py").write_text(after, encoding="utf-8")
    (folder / "expected.json").write_text(json.dumps(expected), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "expected,complaint",
    [
        ({"description": "d", "findings": [], "severity": "high"}, "unknown keys ['severity']"),
        ({"findings": []}, "lacks required keys ['description']"),
        ({"description": "d", "findings": [{"rule": "removed-guard", "unit": "f", "line": 3}]}, "unknown keys ['line']"),
        ({"description": "d", "findings": [{"rule": "removed-guard"}]}, "lacks required keys ['unit']"),
        ({"description": "d", "findings": [{"rule": "r", "unit": "f", "before_line": 2}]}, "blank line"),
        ({"description": "d", "findings": [{"rule": "r", "unit": "f", "after_line": 9}]}, "past the end"),
        ({"description": "d", "findings": [{"rule": "r", "unit": "f", "before_line": True}]}, "integer >= 1"),
        ({"description": "d", "findings": [{"rule": "r", "unit": "f", "min_severity": "severe"}]}, "min_severity"),
        ({"description": "d", "path": "../x.py", "findings": []}, "normalised relative POSIX path"),
    ],
)
def test_load_case_rejects_malformed_expectations(tmp_path: Path, expected: Any, complaint: str) -> None:
    with pytest.raises(FixtureError, match=re.escape(complaint)):
        load_case(_write_case(tmp_path, expected))


def test_load_case_reads_defaults_and_lines(tmp_path: Path) -> None:
    case = load_case(_write_case(tmp_path, {"description": "d", "findings": [{"rule": "r", "unit": "<module>", "after_line": 3}]}))
    assert case.path == "app/module.py"
    assert case.findings == (ExpectedFinding("r", "<module>", after_line=3),)
    assert case.case_id == "python/demo-case"


def test_positive_and_negative_names_must_agree_with_findings(tmp_path: Path) -> None:
    folder = _write_case(tmp_path, {"description": "d", "findings": []})
    pos = folder.with_name("x-pos-thing")
    folder.rename(pos)
    with pytest.raises(FixtureError, match="positive"):
        load_case(pos)


def _finding(rule: str, unit: str, before: Optional[int] = None, after: Optional[int] = None) -> Any:
    from semdiff.model import Confidence, Finding, Location, Severity

    return Finding(
        rule_id=rule, title=rule, severity=Severity.HIGH, confidence=Confidence.HIGH, message="m",
        path="app/module.py", unit=unit,
        before=Location("app/module.py", before) if before else None,
        after=Location("app/module.py", after) if after else None,
    )


def test_matching_gives_the_line_specific_expectation_its_finding() -> None:
    # greedy pairing would hand the finding at line 7 to the loose expectation and miss one
    expected = [ExpectedFinding("removed-guard", "f"), ExpectedFinding("removed-guard", "f", before_line=7)]
    actual = [_finding("removed-guard", "f", before=7), _finding("removed-guard", "f", before=9)]
    assert match_findings(expected, actual, "app/module.py") == {1: 0, 0: 1}


def test_matching_is_strict_on_rule_unit_path_and_lines() -> None:
    expected = [ExpectedFinding("widened-condition", "C.m", after_line=4)]
    assert match_findings(expected, [_finding("widened-condition", "C.m", after=5)], "app/module.py") == {}
    assert match_findings(expected, [_finding("widened-condition", "m", after=4)], "app/module.py") == {}
    assert match_findings(expected, [_finding("altered-comparison", "C.m", after=4)], "app/module.py") == {}
    assert match_findings(expected, [_finding("widened-condition", "C.m", after=4)], "other.py") == {}
    # one finding satisfies at most one expectation: a duplicate expectation is a miss
    assert len(match_findings(expected * 2, [_finding("widened-condition", "C.m", after=4)], "app/module.py")) == 1
