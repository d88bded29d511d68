"""The rule catalogue in docs/ is generated from the rule tables and must match them."""
from pathlib import Path

from semdiff.report.rules_doc import render
from semdiff.rules.base import all_rules

DOC = Path(__file__).resolve().parents[1] / "docs" / "rules" / "README.md"


def test_committed_catalogue_matches_the_rule_tables() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "regenerate: python -m semdiff.report.rules_doc > docs/rules/README.md"


def test_every_rule_id_is_documented_with_severity() -> None:
    text = DOC.read_text(encoding="utf-8")
    for rid, spec in all_rules().items():
        assert f"| `{rid}` |" in text
        assert spec.severity.label in text
