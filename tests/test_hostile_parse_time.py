"""Time spent in native parsers is bounded, and a budget overrun is reported as what it is.

Found by the session-4 attack table: a few MB of unclosed brackets keep tree-sitter's error
recovery busy for seconds inside one native call, which SIGALRM cannot interrupt (the focus
pre-pass, outside every file budget, took 8 s on one such file, the file's own parse 7 s
more); and a file that ran past its budget was reported as "parse-error: internal error:
FileTimeout" because the pipeline's `except Exception` around a backend swallowed it. These
tests use small inputs and short budgets: they check the outcome, not the speed.
"""
from __future__ import annotations

import pytest
import tree_sitter_javascript
import tree_sitter_python
from tree_sitter import Language, Parser

from semdiff import budget, pipeline
from semdiff.lang.registry import backend_for
from semdiff.pipeline import AnalyzeOptions, analyze_texts

HOSTILE = b"x=(" * 300_000  # ~0.9 MB of unclosed brackets: seconds of error recovery

GUARDED_JS = (
    "function deleteUser(req, user) {\n"
    "  if (!req.user.isAdmin) {\n"
    "    throw new Error('forbidden');\n"
    "  }\n"
    "  user.remove();\n"
    "}\n"
)
UNGUARDED_JS = "function deleteUser(req, user) {\n  user.remove();\n}\n"


def _python_parser() -> Parser:
    return Parser(Language(tree_sitter_python.language()))


@pytest.fixture(autouse=True)
def _forget_slow_texts():
    budget._TOO_SLOW.clear()
    yield
    budget._TOO_SLOW.clear()


def test_a_tree_sitter_parse_stops_at_the_file_deadline() -> None:
    with pytest.raises(budget.FileTimeout, match="ran out of time"):
        budget.call_with_deadline(lambda: budget.parse_tree(_python_parser(), HOSTILE), 0.2)


def test_a_tree_sitter_parse_outside_any_budget_is_capped_and_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget, "UNBUDGETED_PARSE_SECONDS", 0.2)
    with pytest.raises(budget.ParseTooSlow, match="ran out of time"):
        budget.parse_tree(_python_parser(), HOSTILE)
    # the same text is refused at once afterwards: inside a budget as a timeout
    with pytest.raises(budget.ParseTooSlow, match="already ran out"):
        budget.parse_tree(_python_parser(), HOSTILE)
    with pytest.raises(budget.FileTimeout, match="already ran out"):
        budget.call_with_deadline(lambda: budget.parse_tree(_python_parser(), HOSTILE), 5)
    assert isinstance(budget.ParseTooSlow("x"), ValueError)  # callers' "give up" handlers catch it


def test_chunked_parse_gives_the_same_tree() -> None:
    src = (GUARDED_JS * 2000).encode()
    assert len(src) > budget.PARSE_CHUNK_BYTES
    parser = Parser(Language(tree_sitter_javascript.language()))
    assert str(budget.parse_tree(parser, src).root_node) == str(parser.parse(src).root_node)


def test_file_timeout_is_not_an_exception_a_backend_can_swallow() -> None:
    assert not issubclass(budget.FileTimeout, Exception)
    try:
        budget.call_with_deadline(lambda: budget.parse_tree(_python_parser(), HOSTILE), 0.1)
    except Exception:  # noqa: BLE001 - what a backend's own handler would do
        pytest.fail("FileTimeout was caught by `except Exception`")
    except budget.FileTimeout:
        pass


def test_nested_functions_past_the_budget_are_a_timeout_not_a_parse_error() -> None:
    """10k nested JavaScript functions: each is a unit holding all the others (quadratic)."""
    deep = "function f(){" * 10_000 + "}" * 10_000 + "\n"
    report = analyze_texts([("web/views.js", GUARDED_JS, UNGUARDED_JS + deep)],
                           AnalyzeOptions(file_timeout=1.0, use_cache=False, jobs=1))
    assert [(n.path, n.reason, n.security_relevant) for n in report.not_analyzed] == [("web/views.js", "timeout", True)]
    assert "internal error" not in report.not_analyzed[0].detail
    assert report.findings == ()


def test_megabytes_of_unclosed_brackets_in_python_are_refused_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    """The focus pre-pass (outside the budget) gives up after UNBUDGETED_PARSE_SECONDS; the
    file's own pass is refused at once for the same text (it was 16 s before, unbounded)."""
    monkeypatch.setattr(budget, "UNBUDGETED_PARSE_SECONDS", 0.3)
    guarded = "def delete_user(request, user):\n    if not request.user.is_admin:\n        raise PermissionDenied()\n    user.delete()\n"
    unguarded = "def delete_user(request, user):\n    user.delete()\n"
    report = analyze_texts([("app/views.py", guarded, unguarded + "x=(" * 300_000 + "\n")],
                           AnalyzeOptions(file_timeout=2.0, use_cache=False, jobs=1))
    assert [(n.path, n.reason, n.security_relevant) for n in report.not_analyzed] == [("app/views.py", "timeout", True)]
    assert report.not_analyzed[0].detail.startswith("parse and analysis stopped: refused: this text already ran out of parse time")


def test_memory_error_inside_a_backend_is_out_of_memory_not_a_parse_error(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = backend_for("web/views.js")

    def hungry(path: str, text: str):
        raise MemoryError()

    monkeypatch.setattr(backend, "parse", hungry)
    report = analyze_texts([("web/views.js", GUARDED_JS, UNGUARDED_JS)], AnalyzeOptions(use_cache=False, jobs=1))
    assert [(n.path, n.reason, n.security_relevant) for n in report.not_analyzed] == [("web/views.js", "out-of-memory", True)]
    assert pipeline  # the module whose `_parse` must let MemoryError through


def test_functions_nested_past_the_unit_depth_limit_are_too_deep() -> None:
    """10k nested JS functions cost quadratic unit building (the whole file budget, then a
    timeout); past MAX_UNIT_DEPTH levels the file is refused as too deep, and 150 levels
    (deeper than any real code) still parse."""
    from semdiff.lang.registry import backend_for
    from semdiff.lang.ts_common import MAX_UNIT_DEPTH

    def nested(n: int) -> str:
        return "".join(f"function f{i}() {{\n" for i in range(n)) + "return 1;\n" + "}\n" * n

    backend = backend_for("src/deep.js")
    deep = backend.parse("src/deep.js", nested(MAX_UNIT_DEPTH + 50))
    assert deep.error.startswith("nesting too deep") and deep.units == ()
    ok = backend.parse("src/ok.js", nested(150))
    assert ok.error is None and len(ok.units) == 151
