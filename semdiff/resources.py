"""Where the data files shipped with semdiff live (tree-sitter queries, seed tables).

The data sits in `grammars/` at the repository root. A wheel (`pip install .`) carries it
inside the package as `semdiff/_grammars/`; a source checkout or an editable install
(`pip install -e .`) reads the repository copy, so edits to the queries take effect
without reinstalling. Callers ask here instead of guessing paths.
"""
from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_CANDIDATES = (
    _PACKAGE_DIR / "_grammars",  # installed from a wheel
    _PACKAGE_DIR.parent / "grammars",  # source checkout / editable install
)


def grammars_dir() -> Path:
    """The directory holding `grammars/<language>/...` data.

    Returns the first existing candidate; when none exists (a checkout before any grammar
    landed) returns the repository location, so callers get a clear missing-file error
    naming the path they expected.
    """
    for candidate in _CANDIDATES:
        if candidate.is_dir():
            return candidate
    return _CANDIDATES[-1]
