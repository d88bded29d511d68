"""semdiff: does this change quietly weaken security?

Library entry points run the same pipeline as the CLI:

    import semdiff
    report = semdiff.analyze("main..feature", repo="path/to/repo")
    for finding in report.findings: ...
"""
from semdiff.model import (
    SCHEMA_VERSION,
    ChangeSet,
    ChangeStatus,
    Commit,
    Confidence,
    Evidence,
    FileChange,
    Finding,
    Hunk,
    Location,
    NotAnalyzed,
    Relevance,
    Report,
    Severity,
)
from semdiff.api import analyze
from semdiff.pipeline import AnalyzeOptions, analyze_changeset, analyze_texts

__version__ = "0.1.0"

__all__ = [
    "SCHEMA_VERSION", "AnalyzeOptions", "ChangeSet", "ChangeStatus", "Commit", "Confidence", "Evidence",
    "FileChange", "Finding", "Hunk", "Location", "NotAnalyzed", "Relevance", "Report", "Severity",
    "analyze", "analyze_changeset", "analyze_texts", "__version__",
]
