"""Malformed unified diffs on stdin: a clear error or a malformed-diff entry, never a silent pass.

Found by the session-4 attack table: unidiff skips an `@@` line it cannot read, and `+`/`-`
lines past the end of a hunk's counts, without a word, so a file could come out with fewer
(or no) hunks and no not-analysed entry.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from semdiff.source.diffparse import changes_from_diff

ROOT = Path(__file__).resolve().parents[1]
HEADER = "diff --git a/app/auth.py b/app/auth.py\n--- a/app/auth.py\n+++ b/app/auth.py\n"
HUNK = "@@ -1,4 +1,2 @@\n def f(r):\n-    if not r.ok:\n-        raise X()\n     go()\n"
OTHER = "--- a/app/other.py\n+++ b/app/other.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"


def _na(text: str) -> list[tuple[str, str, bool]]:
    return [(n.path, n.reason, n.security_relevant) for n in changes_from_diff(text).not_analyzed]


@pytest.mark.parametrize("body, detail", [
    ("@@ -1,-3 +1,1 @@\n x\n", "line 4: unreadable hunk header: '@@ -1,-3 +1,1 @@'"),
    ("@@@ -1,3 -1,3 +1,1 @@@\n  def f(r):\n- if x:\n", "combined (merge) diff hunks are not supported"),
    (HUNK + "+import os; os.system('x')\n", "line 9: a change line outside every hunk"),
    (HUNK + "-    audit()\n", "line 9: a change line outside every hunk"),
])
def test_hunk_lines_no_parser_reads_are_malformed(body: str, detail: str) -> None:
    changes = changes_from_diff(HEADER + body + OTHER)
    assert [(n.path, n.reason, n.security_relevant) for n in changes.not_analyzed] == [("app/auth.py", "malformed-diff", True)]
    assert detail in changes.not_analyzed[0].detail
    assert [f.path for f in changes.files] == ["app/other.py"]


def test_no_newline_markers_and_signature_are_not_stray_lines() -> None:
    text = HEADER + "@@ -1,4 +1,2 @@\n def f(r):\n-    if not r.ok:\n-        raise X()\n-    go()\n\\ No newline at end of file\n" \
        "+    go()\n\\ No newline at end of file\n-- \n2.39.5\n\n"
    changes = changes_from_diff(text)
    assert changes.not_analyzed == ()
    assert [(h.removed, h.added) for h in changes.files[0].hunks] == [((2, 3, 4), (2,))]


def test_format_patch_series_prose_between_messages_is_not_a_change() -> None:
    """The next message's header and body (bullets start with '-') follow the last hunk."""
    text = ("From abc Mon Sep 17 00:00:00 2001\nSubject: [PATCH 1/2] one\n\n---\n" + HEADER + HUNK +
            "-- \n2.39.5\n\nFrom def Mon Sep 17 00:00:00 2001\nSubject: [PATCH 2/2] two\n\n- a bullet\n+ another\n---\n"
            " app/other.py | 2 +-\n\n" + OTHER)
    changes = changes_from_diff(text)
    assert changes.not_analyzed == ()
    assert [f.path for f in changes.files] == ["app/auth.py", "app/other.py"]


def test_binary_patch_section_of_a_code_file_fails_closed() -> None:
    text = "diff --git a/app/a.py b/app/a.py\nindex 1..2 100644\nGIT binary patch\nliteral 5\nMcmZ?b\n\nliteral 0\nHcmV?d00001\n\n"
    assert _na(text) == [("app/a.py", "binary", False)]  # the pipeline marks code files relevant (tested in the CLI run)


@pytest.mark.parametrize("text, message", [
    (HEADER + "@@ -1,5 +1,3 @@\n def f(r):\n-    if not r.ok:\n", "Hunk is shorter than expected"),
    ("@@ -1,3 +1,1 @@\n def f(r):\n-    if not r.ok:\n", "no file headers"),
    ("--- /dev/null\n+++ /dev/null\n@@ -0,0 +1 @@\n+a\n", "no file names"),
    (HEADER + "@@ -1,-3 +1,1 @@\n x\n", "unreadable hunk header"),
])
def test_cli_malformed_diff_on_stdin_is_a_one_line_error(text: str, message: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "semdiff", "--diff", "-", "--format", "json", "--no-cache"],
                          input=text.encode(), capture_output=True, timeout=120, cwd=ROOT,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(ROOT)})
    lines = proc.stderr.decode().strip().splitlines()
    assert proc.returncode == 2
    assert len(lines) == 1 and lines[0].startswith("semdiff: error: could not parse the diff (stdin): ") and message in lines[0]


def test_cli_binary_patch_for_a_code_file_fails_closed_in_ci() -> None:
    text = "diff --git a/app/a.py b/app/a.py\nindex 1..2 100644\nGIT binary patch\nliteral 5\nMcmZ?b\n\nliteral 0\nHcmV?d00001\n\n"
    proc = subprocess.run([sys.executable, "-m", "semdiff", "--diff", "-", "--format", "json", "--no-cache"],
                          input=text.encode(), capture_output=True, timeout=120, cwd=ROOT,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(ROOT), "CI": "true"})
    import json

    doc = json.loads(proc.stdout)
    assert [(n["path"], n["reason"], n["security_relevant"]) for n in doc["not_analyzed"]] == [("app/a.py", "binary", True)]
    assert proc.returncode == 1
