"""The text reporter prints the change author's control characters as escapes.

A string literal holding an ESC sequence (clear screen, set window title), a CR, or a bidi
override reaches the evidence of a finding verbatim; printed raw, it rewrites the reviewer's
terminal or reorders what they read. The finding comes from a real analysis, so the test
covers the path from analysed text to printed line.
"""
from __future__ import annotations

from semdiff.pipeline import analyze_texts
from semdiff.report import text

BEFORE = '''import hmac


def check(token, expected):
    return hmac.compare_digest(token, expected + "\x1b[2J\x1b]0;ok\x07 no findings\r")
'''
AFTER = '''import hmac


def check(token, expected):
    return token == expected + "\x1b[2J\x1b]0;ok\x07 no findings\r"
'''


def test_evidence_with_terminal_controls_is_escaped() -> None:
    report = analyze_texts([("app/auth.py", BEFORE, AFTER)])
    assert [f.rule_id for f in report.findings if f.unit == "check"][:1] == ["altered-comparison"]
    out = text.format_report(report, color=True)
    assert "\x1b[2J" in report.findings[0].evidence.after  # the raw text reached the finding
    assert "\x1b[2J" not in out and "\x1b]0;" not in out and "\r" not in out
    assert "\\x1b[2J" in out and "\\r" in out
    plain = text.format_report(report)
    assert "altered-comparison" in plain


def test_safe_escapes_controls_and_keeps_ordinary_text() -> None:
    assert text._safe("a\x1b[31mb\rc\u202ed\te ü") == "a\\x1b[31mb\\rc\\u202ed\te ü"
