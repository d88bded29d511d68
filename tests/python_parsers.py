"""The `python_parser` fixture: runs a test once per primary Python parser.

$SEMDIFF_PYTHON_PARSER (semdiff.lang.registry) picks libcst (the default) or tree-sitter.
The registry makes the Python backend once per process, so the fixture drops the backends
made so far before and after the test; CLI runs in a subprocess inherit the variable.

The report cache stays on: its key (semdiff.report_cache.report_key) covers the setting, so a
range analysed under one parser is never answered from the other's stored report."""
from __future__ import annotations

from typing import Iterator

import pytest

from semdiff.lang.registry import PYTHON_PARSER_ENV, forget_backends

PARSERS = ("libcst", "tree-sitter")


@pytest.fixture(params=PARSERS)
def python_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv(PYTHON_PARSER_ENV, request.param)
    forget_backends()
    yield request.param
    forget_backends()
