"""semdiff: does this change quietly weaken security?

Library entry points run the same pipeline as the CLI:

    import semdiff
    report = semdiff.analyze("main..feature", repo="path/to/repo")
    for finding in report.findings: ...

The names below are imported on first use (PEP 562): `import semdiff.cli` (the command)
then does not pay for the model, the pipeline and the API before it has read its
arguments, and the command can set up its process first (semdiff.regex_cache).
"""
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "SCHEMA_VERSION", "AnalyzeOptions", "ChangeSet", "ChangeStatus", "Commit", "Confidence", "Evidence",
    "FileChange", "Finding", "Hunk", "Location", "NotAnalyzed", "Relevance", "Report", "Severity",
    "analyze", "analyze_changeset", "analyze_texts", "__version__",
]

_MODEL_NAMES = frozenset({
    "SCHEMA_VERSION", "ChangeSet", "ChangeStatus", "Commit", "Confidence", "Evidence", "FileChange", "Finding",
    "Hunk", "Location", "NotAnalyzed", "Relevance", "Report", "Severity",
})
_PIPELINE_NAMES = frozenset({"AnalyzeOptions", "analyze_changeset", "analyze_texts"})

if TYPE_CHECKING:
    from semdiff.api import analyze
    from semdiff.model import (
        SCHEMA_VERSION, ChangeSet, ChangeStatus, Commit, Confidence, Evidence, FileChange, Finding, Hunk, Location,
        NotAnalyzed, Relevance, Report, Severity,
    )
    from semdiff.pipeline import AnalyzeOptions, analyze_changeset, analyze_texts


def __getattr__(name: str) -> Any:
    if name in _MODEL_NAMES:
        from semdiff import model as source
    elif name in _PIPELINE_NAMES:
        from semdiff import pipeline as source  # type: ignore[no-redef]
    elif name == "analyze":
        from semdiff import api as source  # type: ignore[no-redef]
    else:
        raise AttributeError(f"module 'semdiff' has no attribute {name!r}")
    value = getattr(source, name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted({*globals(), *__all__})
