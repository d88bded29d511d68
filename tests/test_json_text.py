"""semdiff.report.json_text writes exactly `json.dumps(value, indent=2, ensure_ascii=False)`.

The JSON and SARIF reporters use it instead of the standard library's pure-Python indenting
encoder; these tests compare the two texts on generated values (every JSON type, tuples,
non-str keys, surrogates, non-finite floats, nesting) and on a report, with and without the
surrogate cleaning json_report applies, and check that what the standard library refuses
(a cycle, an unknown type) is refused with its error."""
from __future__ import annotations

import json
import random
import re

import pytest

from semdiff.report import json_report
from semdiff.report.json_text import dumps_indent2
from tests.test_report_text_json import REPORT

_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean_text(s: str) -> str:
    return _SURROGATE.sub("\ufffd", s)


def _clean(value):  # json_report._clean's reach: dict values and list items, not keys, not tuples
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _value(r: random.Random, depth: int):
    c = r.randrange(14 if depth < 4 else 8)
    if c == 0:
        return r.choice(["", "a", "é\n\"\\\t", "\ud800x", "\x00\x1f\x7f", "日本", "\u2028", "</script>"])
    if c == 1:
        return r.randrange(-10**20, 10**20)
    if c == 2:
        return r.choice([0.0, -0.0, 1.5, 1e300, 3.14159, 1e-7, float("nan"), float("inf"), -float("inf")])
    if c in (3, 4, 5, 6):
        return r.choice([None, True, False, 0, 1, -1])
    if c == 7:
        return f"s{r.randrange(100)}"
    if c in (8, 9):
        return [_value(r, depth + 1) for _ in range(r.randrange(4))]
    if c == 10:
        return tuple(_value(r, depth + 1) for _ in range(r.randrange(4)))
    keys = [r.choice(["a", "b\ud801", 1, 2.5, True, None, False, "ключ", "c", float("nan")]) for _ in range(r.randrange(5))]
    return {k: _value(r, depth + 1) for k in keys}


def test_generated_values_give_the_standard_text() -> None:
    r = random.Random(10)
    for _ in range(3000):
        v = _value(r, 0)
        assert dumps_indent2(v) == json.dumps(v, indent=2, ensure_ascii=False)
        assert dumps_indent2(v, _clean_text) == json.dumps(_clean(v), indent=2, ensure_ascii=False)


def test_surrogates_in_tuples_and_keys_are_left_as_clean_leaves_them() -> None:
    v = {"k\ud800": ("\ud800", ["\ud801"]), "l": ["\ud802", {"m": "\ud803"}]}
    text = dumps_indent2(v, _clean_text)
    assert text == json.dumps(_clean(v), indent=2, ensure_ascii=False)
    assert '"\ud800"' in text and "\ud801" in text and "\ud802" not in text and "\ud803" not in text


def test_a_report_gives_the_standard_text() -> None:
    value = json_report.report_dict(REPORT)
    assert json_report.format_report(REPORT) == json.dumps(_clean(value), indent=2, ensure_ascii=False) + "\n"


def test_what_the_standard_library_refuses_is_refused_alike() -> None:
    cycle: list = []
    cycle.append(cycle)
    with pytest.raises(ValueError, match="Circular reference"):
        dumps_indent2({"a": cycle})

    class Unknown:
        pass

    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps_indent2([1, Unknown()])
    with pytest.raises(TypeError, match="keys must be"):
        dumps_indent2({(1, 2): 3})


def test_a_value_shared_but_not_cyclic_is_written_each_time() -> None:
    shared = {"x": [1, 2]}
    v = [shared, shared, {"y": shared}]
    assert dumps_indent2(v) == json.dumps(v, indent=2, ensure_ascii=False)
