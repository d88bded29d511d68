"""The `python_parser` fixture: runs a test once per primary Python parser.

$SEMDIFF_PYTHON_PARSER (semdiff.lang.registry) picks libcst (the default) or tree-sitter.
The registry makes the Python backend once per process, so the fixture drops the backends
made so far before and after the test; CLI runs in a subprocess inherit the variable.

The report cache is off in these tests: its key (semdiff.report_cache.report_key) does not
cover the setting yet, so within one test session a range analysed under one parser would
be answered from the other's stored report (same commits, same options). Until the key
covers `semdiff.lang.registry.python_parser()`, a user switching the setting must also pass
--no-cache or set SEMDIFF_NO_REPORT_CACHE=1."""
from __future__ import annotations

from typing import Iterator

import pytest

from semdiff.lang.registry import PYTHON_PARSER_ENV, forget_backends

PARSERS = ("libcst", "tree-sitter")


@pytest.fixture(params=PARSERS)
def python_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv(PYTHON_PARSER_ENV, request.param)
    monkeypatch.setenv("SEMDIFF_NO_REPORT_CACHE", "1")
    forget_backends()
    yield request.param
    forget_backends()
