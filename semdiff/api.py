"""`semdiff.analyze`: the public entry point, the same pipeline the CLI runs."""
from __future__ import annotations

from typing import Optional

from semdiff.model import Report
from semdiff.pipeline import AnalyzeOptions, analyze_changeset
from semdiff.source import ChangeRequest, collect_changes


def analyze(
    revision: Optional[str] = None,
    *,
    repo: str = ".",
    staged: bool = False,
    diff_path: Optional[str] = None,
    diff_text: Optional[str] = None,
    options: Optional[AnalyzeOptions] = None,
) -> Report:
    """Analyse a git range (`A..B`, `A...B`, a single commit), the staged or working-tree
    changes (no revision), or a unified diff (`diff_path`, '-' for stdin, or `diff_text`).

    Raises `semdiff.errors.InputError` for unusable input (bad range, not a repository).
    """
    opts = options or AnalyzeOptions()
    request = ChangeRequest(
        repo=repo, revision=revision, staged=staged, diff_path=diff_path, diff_text=diff_text,
        max_file_bytes=opts.max_file_bytes,
    )
    return analyze_changeset(collect_changes(request), opts)
