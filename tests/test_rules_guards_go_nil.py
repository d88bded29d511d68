"""removed-guard, Go: a nil check of a struct field that the same change retyped to a
non-nillable type is downgraded to info (it could not compile any more); the Go backend
records struct fields as Setting(key="Type.Field", value=<type>, scope="field")."""
from __future__ import annotations

from semdiff.lang.registry import backend_for
from semdiff.model import Severity
from semdiff.pipeline import analyze_texts

PATH = "jws/sig.go"

BEFORE = """package jws

import "errors"

type rawSig struct {
	Payload *buffer `json:"payload"`
	Header  map[string]string
}

func (r *rawSig) sanitized() ([]byte, error) {
	if r.Payload == nil {
		return nil, errors.New("missing payload")
	}
	return r.Payload.bytes(), nil
}
"""


def _removed(after: str):
    """(rule, unit, line, downgraded to info) of the removed-guard findings."""
    return [(f.rule_id, f.unit, f.before.line if f.before else None, f.severity is Severity.INFO)
            for f in analyze_texts([(PATH, BEFORE, after)]).findings if f.rule_id == "removed-guard"]


def _after(field_type: str) -> str:
    return BEFORE.replace("Payload *buffer", f"Payload {field_type}").replace(
        "\tif r.Payload == nil {\n\t\treturn nil, errors.New(\"missing payload\")\n\t}\n", "").replace(
        "r.Payload.bytes()", "[]byte(r.Payload)")


def test_struct_fields_are_field_settings_of_the_module():
    pf = backend_for(PATH).parse(PATH, BEFORE)
    module = next(u for u in pf.units if u.kind == "module")
    assert [(s.key, s.value, s.scope, s.span.line) for s in module.settings] == [
        ("rawSig.Payload", "*buffer", "field", 6), ("rawSig.Header", "map[string]string", "field", 7)]
    method = next(u for u in pf.units if u.qualname == "rawSig.sanitized")
    assert method.settings == ()


def test_nil_check_of_field_retyped_to_string_is_info():
    assert _removed(_after("string")) == [("removed-guard", "rawSig.sanitized", 11, True)]


def test_nil_check_removed_while_field_stays_nillable_is_still_high():
    # hard negatives: retyped to another nillable type ([]byte can be nil), or not retyped
    assert _removed(_after("[]byte")) == [("removed-guard", "rawSig.sanitized", 11, False)]
    unchanged = BEFORE.replace("\tif r.Payload == nil {\n\t\treturn nil, errors.New(\"missing payload\")\n\t}\n", "")
    assert _removed(unchanged) == [("removed-guard", "rawSig.sanitized", 11, False)]


def test_named_field_type_is_not_assumed_non_nillable():
    # `buffer` may be an interface: no downgrade
    assert _removed(_after("buffer")) == [("removed-guard", "rawSig.sanitized", 11, False)]
