"""Reporters: one module per output format, each exposing `format_report(report) -> str`.

Reporters only format a `Report`; they never re-parse code or re-run rules. The table maps
a format name to the module that implements it; modules are imported on first use, and a
format whose module is not installed (yet) is simply not offered.
"""
from __future__ import annotations

import importlib
import importlib.util
from typing import Callable

from semdiff.model import Report

Formatter = Callable[[Report], str]

FORMATS: dict[str, str] = {
    "text": "semdiff.report.text",
    "json": "semdiff.report.json_report",
    "sarif": "semdiff.report.sarif",
    "markdown": "semdiff.report.markdown",
}


class UnknownFormat(LookupError):
    """The requested format has no reporter (unknown name, or its module is absent)."""


def _load(name: str) -> Formatter | None:
    module_name = FORMATS.get(name)
    if module_name is None:
        return None
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:  # the reporter itself is absent: not offered
            return None
        raise  # the reporter exists but is broken: that is a bug, not an absent format
    return getattr(module, "format_report", None)


def formatter(name: str) -> Formatter:
    fn = _load(name)
    if fn is None:
        raise UnknownFormat(f"unknown output format '{name}' (available: {', '.join(available())})")
    return fn


def available() -> list[str]:
    """Formats whose reporter module is present, in table order.

    Found without importing them: the CLI lists the formats on every start-up, and importing
    the text reporter pulls in rich (~30 ms) even for `--format json`. A present but broken
    module still fails loudly when `formatter()` loads it."""
    return [name for name in FORMATS if importlib.util.find_spec(FORMATS[name]) is not None]


__all__ = ["FORMATS", "Formatter", "UnknownFormat", "available", "formatter"]
