"""A predicate named for validity (`isPayloadValid`, `is_valid_origin`, `invalidRequest`) is a
validator: a check removed or widened in it is reported at a validation check's severity,
not as code with no security meaning (its name had no vocabulary word: `validate` and
`validator` were listed, `valid` was not)."""
from __future__ import annotations

import textwrap

import pytest

from semdiff.model import Severity
from semdiff.pipeline import analyze_texts
from semdiff.relevance.names import categorise


@pytest.mark.parametrize("name", ["isPayloadValid", "is_valid_origin", "validPacket", "rejectInvalid"])
def test_validity_names_are_validation(name):
    assert categorise(name)[0] == "validation"


@pytest.mark.parametrize("name", ["parsePayload", "formatDate", "evaluate", "validity_period"])
def test_other_names_stay_out(name):
    # `evaluate` and `validity` are other words: only `valid`/`invalid` themselves count
    hit = categorise(name)
    assert hit is None or hit[0] != "validation"


BEFORE = textwrap.dedent("""\
    function isObject(value) {
      return Object.prototype.toString.call(value) === "[object Object]";
    }
    export function isPayloadValid(type, payload) {
      switch (type) {
        case CONNECT:
          return isObject(payload);
        case DISCONNECT:
          return payload === undefined;
      }
      return false;
    }
    """)


def test_weakened_validity_predicate_is_at_least_medium():
    after = BEFORE.replace("return isObject(payload);", 'return typeof payload === "object";')
    report = analyze_texts([("lib/parser.ts", BEFORE, after)])
    found = [f for f in report.findings if f.unit == "isPayloadValid"]
    assert found and max(f.severity for f in found) >= Severity.MEDIUM
    assert any(f.rule_id == "removed-guard" and f.before.line == 7 for f in found)


def test_unchanged_validity_predicate_reports_nothing():
    after = BEFORE.replace("export function isPayloadValid(type, payload) {",
                           "// the packet's payload must match its type\nexport function isPayloadValid(type, payload) {")
    report = analyze_texts([("lib/parser.ts", BEFORE, after)])
    assert report.findings == ()
