"""`gofmt -s` drops a range clause's blank variables (`for k, _ := range m` -> `for k :=
range m`, `for _ = range c` -> `for range c`): the same loop. A "gofmt -s" commit touching a
function named for hashes (a crypto seed by name) was reported as a change beyond its stated
purpose; the body keys now agree, while a loop that really changes still differs."""
from __future__ import annotations

from semdiff.lang.registry import backend_for
from semdiff.pipeline import AnalyzeOptions, analyze_texts

BEFORE = """package memory

func (o *ObjectStorage) ForEachObjectHash(fun func(Hash) error) error {
\tfor h, _ := range o.Objects {
\t\terr := fun(h)
\t\tif err != nil {
\t\t\treturn err
\t\t}
\t}
\tfor _ = range o.pending {
\t\to.flushed++
\t}
\treturn nil
}
"""
SIMPLIFIED = BEFORE.replace("for h, _ := range", "for h := range").replace("for _ = range", "for range")


def _key(src: str) -> str:
    parsed = backend_for("storage/memory/storage.go").parse("storage/memory/storage.go", src)
    return next(u.body_key for u in parsed.units if u.name == "ForEachObjectHash")


def test_blank_range_variables_do_not_change_the_key():
    assert _key(BEFORE) == _key(SIMPLIFIED)


def test_a_loop_over_values_instead_of_keys_still_changes_the_key():
    assert _key(BEFORE) != _key(BEFORE.replace("for h, _ := range", "for _, h := range"))


def test_gofmt_simplify_commit_is_within_its_purpose():
    r = analyze_texts([("storage/memory/storage.go", BEFORE, SIMPLIFIED)], AnalyzeOptions(purpose_text="gofmt -s"))
    assert [f.rule_id for f in r.findings] == []


def test_a_dropped_error_check_under_a_gofmt_message_is_still_reported():
    weakened = SIMPLIFIED.replace("\t\tif err != nil {\n\t\t\treturn err\n\t\t}\n", "\t\t_ = err\n")
    r = analyze_texts([("storage/memory/storage.go", BEFORE, weakened)], AnalyzeOptions(purpose_text="gofmt -s"))
    assert "purpose-mismatch" in {f.rule_id for f in r.findings}
