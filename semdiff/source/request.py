from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class ChangeRequest:
    """What to compare. Exactly one of: `revision` (A..B, A...B, single rev), `staged`,
    `diff_path` ('-' = stdin), `diff_text`; none of them = the working tree against HEAD."""

    repo: str = "."
    revision: Optional[str] = None
    staged: bool = False
    diff_path: Optional[str] = None
    diff_text: Optional[str] = None
    max_file_bytes: int = 5_000_000
