"""Analysed Python with an invalid escape ("\\P") parses the same whatever the caller's warning
filters: under `-W error` it must not become "does not parse", nor print anything otherwise."""
from __future__ import annotations

import warnings

import pytest

from semdiff.lang.pyparse import parse_quietly
from semdiff.pipeline import AnalyzeOptions, analyze_texts
from semdiff.purpose.pysyntax import parse_unit
from semdiff.rules._catalog_facts import looks_constant

ESCAPES = 'PATTERN = "C:\\Program Files\\y"\n'  # "\P": an invalid escape the compiler warns about
BEFORE = ESCAPES + "def delete_user(request, uid):\n    if not request.user.is_admin:\n        raise PermissionError()\n    return uid\n"
AFTER = ESCAPES + "def delete_user(request, uid):\n    return uid\n"


def test_parse_quietly_under_warnings_as_errors() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(SyntaxError):
            import ast
            ast.parse(ESCAPES)  # what a bare ast.parse does under -W error
        assert parse_quietly(ESCAPES) is not None
        assert parse_unit(ESCAPES, "module") is not None
        assert looks_constant('"C:\\Program"')


def test_a_file_with_invalid_escapes_is_analysed_the_same_under_W_error() -> None:
    plain = analyze_texts([("app/views.py", BEFORE, AFTER)], AnalyzeOptions(jobs=1, use_cache=False))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("error")
        strict = analyze_texts([("app/views.py", BEFORE, AFTER)], AnalyzeOptions(jobs=1, use_cache=False))
    assert not seen
    key = lambda r: (sorted((f.rule_id, f.path, f.unit) for f in r.findings), sorted((n.path, n.reason) for n in r.not_analyzed))  # noqa: E731
    assert key(strict) == key(plain)
    assert ("removed-guard", "app/views.py", "delete_user") in key(strict)[0]
    assert not strict.not_analyzed


def test_string_literals_with_invalid_escapes_keep_their_value_under_W_error() -> None:
    import libcst as cst

    from semdiff.lang.pyparse import literal_quietly, string_value

    node = cst.parse_expression('"C:\\Program Files"')
    joined = cst.parse_expression('"C:\\Program" " Files"')
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(SyntaxError):
            node.evaluated_value  # libcst's own reading: ast.literal_eval under the caller's filters
        assert string_value(node) == "C:\\Program Files"
        assert string_value(joined) == "C:\\Program Files"
        assert string_value(cst.parse_expression('"plain"')) == "plain"
        assert literal_quietly('"a\\Pb"') == "a\\Pb"
