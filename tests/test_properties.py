"""Property-based tests: random edits of real fixtures never break the reader or the pipeline.

The only exceptions allowed out are the documented ones (`ValueError` from
`changes_from_diff` for a text with no usable file, `InputError` from `semdiff.analyze`);
everything else must come back as a report whose JSON matches docs/json-schema.json.
"""
from __future__ import annotations

import difflib
import json
from pathlib import Path

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from semdiff.api import analyze
from semdiff.errors import InputError
from semdiff.pipeline import AnalyzeOptions, analyze_texts
from semdiff.report import formatter
from semdiff.source.diffparse import changes_from_diff

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "json-schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
CASES = sorted(p for p in (ROOT / "fixtures" / "python").iterdir() if (p / "before.py").exists())
TEXTS = [(c.name, (c / "before.py").read_text(encoding="utf-8"), (c / "after.py").read_text(encoding="utf-8")) for c in CASES]
OPTIONS = AnalyzeOptions(file_timeout=30.0)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def edited(draw, text: str) -> str:
    """`text` after a few random line deletions, duplications, character flips or a truncation."""
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["delete", "duplicate", "flip", "truncate", "insert"]))
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "flip" and lines[i]:
            j = draw(st.integers(0, len(lines[i]) - 1))
            ch = draw(st.characters(blacklist_categories=("Cs",)))
            lines[i] = lines[i][:j] + ch + lines[i][j + 1:]
        elif kind == "truncate":
            cut = draw(st.integers(0, len(lines[i])))
            lines = lines[:i] + [lines[i][:cut]]
        elif kind == "insert":
            lines.insert(i, draw(st.sampled_from(["\r", "\0", "(" * 50, "    return\n", "if x:\n", "\\\n", "'''\n", "\ufeff"])))
    return "".join(lines)


@st.composite
def fixture_pair(draw):
    name, before, after = draw(st.sampled_from(TEXTS))
    return name, draw(edited(before)), draw(edited(after))


def _valid(report) -> dict:
    doc = json.loads(formatter("json")(report))
    VALIDATOR.validate(doc)
    return doc


@SETTINGS
@given(fixture_pair())
def test_pipeline_survives_random_edits(pair) -> None:
    name, before, after = pair
    report = analyze_texts([(f"app/{name}/auth.py", before, after)], OPTIONS)
    doc = _valid(report)
    assert doc["summary"]["findings"] == len(report.findings)


def _unified(name: str, before: str, after: str) -> str:
    body = "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        f"a/app/{name}.py", f"b/app/{name}.py"))
    return f"diff --git a/app/{name}.py b/app/{name}.py\n" + body


@SETTINGS
@given(st.sampled_from(TEXTS), st.data())
def test_diff_reader_survives_random_edits(case, data) -> None:
    name, before, after = case
    text = data.draw(edited(_unified(name, before, after)))
    try:
        changes_from_diff(text)
    except ValueError:
        pass  # documented: nothing in the text is a usable file
    try:
        report = analyze(diff_text=text, options=OPTIONS)
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    _valid(report)
