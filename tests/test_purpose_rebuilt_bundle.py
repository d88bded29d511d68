"""A bundle rebuilt with its sources is not where a claim is judged.

A "chore: refactoring run, types, typos" commit of an HTML sanitiser rebuilt `dist/purify.min.js`
from `src/purify.ts`; the minifier's renaming and reshuffling read as nine removed checks in the
bundle (kept at low severity, as repeats of the sources), and those alone made the verdict
"weakening 9 functions" under a refactor claim. The sources' own units are judged instead; a
bundle edited with no source change (where a payload could hide) still counts."""
from __future__ import annotations

from semdiff.pipeline import AnalyzeOptions, analyze_texts
from semdiff.rules._generated import rebuilt_beside

SRC_BEFORE = "export function clean(html) {\n  const out = strip(html);\n  return out;\n}\n"
SRC_AFTER = "export function clean(html) {\n  const result = strip(html);\n  return result;\n}\n"
BUNDLE_BEFORE = ("function s(e){if(typeof e!=='string'){throw new TypeError('expected a string')}"
                 "if(e.length>1e6){throw new Error('too large')}return e.replace(/<script/gi,'')}\n")
BUNDLE_AFTER = "function s(e){return e.replace(/<script/gi,'')}\n"


def _effects(files, message="chore: refactoring, types and typos"):
    r = analyze_texts(files, AnalyzeOptions(purpose_text=message))
    assert r.purpose is not None
    return r


def test_bundle_rebuilt_with_its_sources_does_not_make_a_weakening():
    r = _effects([("src/purify.js", SRC_BEFORE, SRC_AFTER), ("dist/purify.min.js", BUNDLE_BEFORE, BUNDLE_AFTER)])
    assert [f.rule_id for f in r.findings if f.path == "dist/purify.min.js" and f.rule_id == "removed-guard"]  # still reported, low
    assert dict(r.purpose.effects).get("weakening", 0) == 0
    assert not [f for f in r.findings if f.rule_id == "purpose-mismatch"]


def test_bundle_edited_without_its_sources_still_weakens():
    r = _effects([("dist/purify.min.js", BUNDLE_BEFORE, BUNDLE_AFTER)])
    assert dict(r.purpose.effects).get("weakening", 0) == 1
    assert [f.rule_id for f in r.findings if f.rule_id == "purpose-mismatch"] == ["purpose-mismatch"]


def test_rebuilt_beside_needs_build_output_and_a_changed_source():
    assert rebuilt_beside("dist/a.min.js", "", {"src/a.ts", "dist/a.min.js"})
    assert not rebuilt_beside("dist/a.min.js", "", {"dist/a.min.js", "dist/a.js"})
    assert not rebuilt_beside("src/a.ts", "", {"src/a.ts", "src/b.ts"})
