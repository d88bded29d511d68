"""Values that flow between pipeline stages and out of the public API.

Everything here is a frozen dataclass so a finding cannot be altered after a rule
produced it (reporters, policy and callers all see the same value), and so values
can be hashed, cached and compared in tests.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Optional

from semdiff import digests

SCHEMA_VERSION = "1.1"  # 1.1: optional `purpose` and `suppressed`


class Severity(enum.IntEnum):
    """Ordered so policy can compare with `>=` against a `--fail-on` threshold."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        return cls[text.strip().upper()]

    def bumped(self, steps: int) -> "Severity":
        return Severity(max(Severity.INFO, min(Severity.CRITICAL, self + steps)))


class Confidence(enum.IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Confidence":
        return cls[text.strip().upper()]

    def lowered(self, steps: int = 1) -> "Confidence":
        return Confidence(max(Confidence.LOW, self - steps))


class ChangeStatus(str, enum.Enum):
    ADDED = "added"
    DELETED = "deleted"
    MODIFIED = "modified"
    RENAMED = "renamed"
    COPIED = "copied"
    MODE_CHANGED = "mode-changed"
    BINARY = "binary"
    TYPE_CHANGED = "type-changed"  # e.g. file became a symlink or submodule


@dataclass(frozen=True)
class Hunk:
    """One diff hunk, with the exact line numbers it removed (old side) and added (new side)."""

    old_start: int
    old_length: int
    new_start: int
    new_length: int
    removed: tuple[int, ...] = ()
    added: tuple[int, ...] = ()
    removed_text: tuple[str, ...] = ()
    added_text: tuple[str, ...] = ()
    context_old: tuple[int, ...] = ()  # old line numbers of context lines
    context_new: tuple[int, ...] = ()
    context_text: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileChange:
    """A file as the change source saw it.

    `old_text`/`new_text` are the full blob texts when a repository is available (never the
    checked-out files of another revision); both are None in hunk-only mode, where analysis
    must make do with the hunk lines.
    """

    old_path: Optional[str]
    new_path: Optional[str]
    status: ChangeStatus
    hunks: tuple[Hunk, ...] = ()
    old_text: Optional[str] = None
    new_text: Optional[str] = None
    old_mode: Optional[str] = None
    new_mode: Optional[str] = None
    similarity: Optional[int] = None
    old_blob: Optional[str] = None
    new_blob: Optional[str] = None

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""

    @property
    def hunk_only(self) -> bool:
        return self.old_text is None and self.new_text is None


@dataclass(frozen=True)
class Commit:
    sha: str
    subject: str
    body: str = ""
    author: str = ""  # "Name <email>"
    committer: str = ""


@dataclass(frozen=True)
class NotAnalyzed:
    """A file or unit that could not be analysed. Reported, never silently dropped.

    `security_relevant` lets CI mode fail closed when what was skipped could matter.
    """

    path: str
    reason: str  # short machine-readable reason: binary, invalid-utf8, syntax-error, too-large, timeout, ...
    detail: str = ""
    security_relevant: bool = False


@dataclass(frozen=True)
class ChangeSet:
    """Output of the change-source stage."""

    files: tuple[FileChange, ...]
    base: Optional[str] = None
    head: Optional[str] = None
    commits: tuple[Commit, ...] = ()
    repo_root: Optional[str] = None
    description: str = ""  # human description of what was compared, e.g. "main..feature"
    not_analyzed: tuple[NotAnalyzed, ...] = ()


@dataclass(frozen=True)
class Location:
    path: str
    line: int
    end_line: Optional[int] = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Evidence:
    """The exact before/after snippets plus, when the logic found one, the separating case."""

    before: str = ""
    after: str = ""
    witness: str = ""  # plain-words assignment: "before: denied when ...; after: allowed when ..."


@dataclass(frozen=True)
class Relevance:
    """Why a unit counts as security-relevant: category, score in [0, 1], and the path."""

    category: str = "none"
    score: float = 0.0
    why_path: tuple[str, ...] = ()
    reason: str = ""

    @property
    def is_relevant(self) -> bool:
        return self.score >= 0.3


_WS = re.compile(r"\s+")


def _normalise_evidence(text: str) -> str:
    return _WS.sub(" ", text).strip()


@dataclass(frozen=True)
class Finding:
    rule_id: str
    title: str
    severity: Severity
    confidence: Confidence
    message: str
    path: str
    unit: str  # qualified name of the enclosing unit ("<module>" for module level)
    before: Optional[Location] = None
    after: Optional[Location] = None
    evidence: Evidence = field(default_factory=Evidence)
    relevance: Relevance = field(default_factory=Relevance)
    hunk_only: bool = False
    language: str = "python"

    @property
    def fingerprint(self) -> str:
        """Stable across unrelated line shifts: no line numbers, whitespace-normalised evidence."""
        parts = (
            self.rule_id,
            self.path,
            self.unit,
            _normalise_evidence(self.evidence.before),
            _normalise_evidence(self.evidence.after),
        )
        # surrogatepass: hostile input can carry undecodable bytes (as lone surrogates); a
        # fingerprint must never be the thing that crashes
        return digests.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]

    @property
    def primary_location(self) -> Optional[Location]:
        return self.after or self.before


@dataclass(frozen=True)
class PurposeSummary:
    """What the change says it does vs what it does (see semdiff.purpose)."""

    claim: str  # docs | typo | format | tests | deps | refactor | perf | bugfix | feature | security-fix | revert | mixed | unknown
    claim_evidence: tuple[str, ...] = ()  # the words/prefixes that decided the claim
    effects: tuple[tuple[str, int], ...] = ()  # (effect kind, number of units)
    verdict: str = ""  # one line: "matches its purpose" / "exceeds its purpose in 2 security-relevant functions"
    exceeds: bool = False


@dataclass(frozen=True)
class Report:
    """What `semdiff.analyze` returns and what reporters format."""

    findings: tuple[Finding, ...]
    not_analyzed: tuple[NotAnalyzed, ...] = ()
    files: tuple[FileChange, ...] = ()
    description: str = ""
    base: Optional[str] = None
    head: Optional[str] = None
    commits: tuple[Commit, ...] = ()
    units_analyzed: int = 0
    hunk_only: bool = False
    schema_version: str = SCHEMA_VERSION
    purpose: Optional[PurposeSummary] = None
    suppressed: tuple[tuple[Finding, str], ...] = ()  # (finding, reason) silenced by a suppression or baseline

    def at_or_above(self, severity: Severity, min_confidence: Confidence = Confidence.LOW) -> tuple[Finding, ...]:
        return tuple(
            f for f in self.findings if f.severity >= severity and f.confidence >= min_confidence
        )

    # Formatting for library callers: the same reporters the CLI uses. Imported inside the
    # methods because every reporter imports this module (a top-level import would be a cycle).

    def to_json(self) -> str:
        """The versioned JSON report (docs/json-schema.json)."""
        from semdiff.report.json_report import format_report

        return format_report(self)

    def to_sarif(self) -> str:
        """SARIF 2.1.0 for code scanning (docs/sarif.md)."""
        from semdiff.report.sarif import format_report

        return format_report(self)

    def to_markdown(self) -> str:
        """Markdown for a pull-request comment."""
        from semdiff.report.markdown import format_report

        return format_report(self)

    def to_text(self, *, color: bool = False, width: Optional[int] = None) -> str:
        """The human-readable text report (plain unless `color=True`)."""
        from semdiff.report.text import format_report

        return format_report(self, color=color, width=width)
