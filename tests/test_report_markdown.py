"""Markdown reporter: the pull-request comment, pinned by a snapshot, deterministic, and safe
against hostile text from the analysed change."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from semdiff.model import (
    Confidence, Evidence, Finding, Location, NotAnalyzed, PurposeSummary, Relevance, Report, Severity,
)
from semdiff.report import formatter, markdown

SNAPSHOT = Path(__file__).parent / "data" / "markdown-report.md"

REMOVED = Finding(
    rule_id="removed-guard", title="Security check removed", severity=Severity.HIGH, confidence=Confidence.HIGH,
    message="The check that refused non-admins was removed.", path="app/views.py", unit="delete_user",
    before=Location("app/views.py", 10, 11), after=None,
    evidence=Evidence(before="if not request.user.is_admin:\n    raise PermissionDenied()", after="",
                      witness="before: denied when request.user.is_admin is false; after: allowed"),
    relevance=Relevance("authz", 0.9, ("delete_user", "require_admin"), "name 'require_admin'"),
)
WIDENED = Finding(
    rule_id="widened-condition", title="Security check lets more through", severity=Severity.MEDIUM,
    confidence=Confidence.LOW, message="`and` became `or`: any signed-in user passes.", path="app/auth.py",
    unit="change_password", before=Location("app/auth.py", 20), after=Location("app/auth.py", 18),
    evidence=Evidence(before="if a and b:", after="if a or b:"), relevance=Relevance("authn", 0.7, ("change_password",)),
    hunk_only=True,
)
REPORT = Report(
    findings=(WIDENED, REMOVED),
    not_analyzed=(NotAnalyzed("logo.png", "binary", "contains NUL bytes"),
                  NotAnalyzed("app/perm.py", "syntax-error", "after: line 3", True)),
    description="main..feature", units_analyzed=3,
    purpose=PurposeSummary("refactor", verdict="exceeds its purpose in 1 security-relevant function", exceeds=True),
    suppressed=((replace(WIDENED, unit="logout", after=Location("app/auth.py", 40)), "inline (line 39): logout is public"),),
)


def test_snapshot() -> None:
    assert formatter("markdown")(REPORT) == SNAPSHOT.read_text(encoding="utf-8")


def test_marker_first_and_output_deterministic_under_reordering() -> None:
    text = markdown.format_report(REPORT)
    assert text.splitlines()[0] == "<!-- semdiff-report -->"
    shuffled = replace(REPORT, findings=tuple(reversed(REPORT.findings)), not_analyzed=tuple(reversed(REPORT.not_analyzed)))
    assert markdown.format_report(shuffled) == text


def test_table_is_ordered_by_severity_and_sections_present() -> None:
    text = markdown.format_report(REPORT)
    rows = [ln for ln in text.splitlines() if ln.startswith("| ") and "removed-guard" in ln or "widened-condition |" in ln]
    assert rows[0].startswith("| 🟧 high | removed-guard | – | `app/views.py:10-11` | `delete_user` | high |")
    assert "**Purpose vs effect:** ⚠️ exceeds its purpose in 1 security-relevant function (stated purpose: refactor)" in text
    assert "<details><summary>Suppressed (1)</summary>" in text
    assert "| widened-condition | `app/auth.py:40` | inline (line 39): logout is public |" in text
    assert text.index("`app/perm.py` — syntax-error (security-relevant)") < text.index("`logo.png` — binary")
    assert "**Why it matters:** authz: `delete_user` → `require_admin`" in text


def test_clean_report_says_so() -> None:
    text = markdown.format_report(Report(findings=(), description="a..b"))
    assert "semdiff: this change does not weaken security that semdiff can see: **0 findings** in `a..b`" in text
    assert "<details>" not in text


def test_hostile_text_cannot_forge_marker_ping_or_break_fences() -> None:
    evil = replace(
        WIDENED,
        message="<!-- semdiff-report --> @octocat </details> | x",
        unit="f`x`",
        evidence=Evidence(before="s = '```'\n</details>", after="s = '````'"),
    )
    text = markdown.format_report(Report(findings=(evil,)))
    assert text.count("<!-- semdiff-report -->") == 1
    assert "&lt;!-- semdiff-report --&gt; @\u200boctocat &lt;/details&gt; \\| x" in text
    assert "`````python\ns = '````'\n`````" in text
    assert "````python\ns = '```'\n</details>\n````" in text
    assert "`` f`x` ``" in text


def test_long_reports_fit_in_a_comment_with_the_table_whole() -> None:
    many = tuple(
        replace(REMOVED, unit=f"f{i}", evidence=Evidence(before="x = 1\n" * 400, after=""))
        for i in range(60)
    )
    text = markdown.format_report(Report(findings=many))
    assert len(text) <= markdown.MAX_COMMENT_CHARS
    assert sum(1 for ln in text.splitlines() if ln.startswith("| 🟧 high | removed-guard")) == 60
    shown = text.count("<details><summary>🟧")
    assert 0 < shown < 60
    assert f"_Evidence for {60 - shown} more finding(s) left out to fit a comment;" in text
