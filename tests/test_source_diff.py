"""Change source over diff files, diff text and stdin: hunk-only FileChanges."""
from __future__ import annotations

import io
import sys

import pytest

from semdiff.errors import InputError
from semdiff.model import ChangeStatus
from semdiff.source.collect import collect_changes
from semdiff.source.request import ChangeRequest

MODIFY = """\
diff --git a/app/auth.py b/app/auth.py
index 1111111..2222222 100644
--- a/app/auth.py
+++ b/app/auth.py
@@ -10,5 +10,3 @@ class Views:
 def delete_user(user):
-    if not user.is_admin:
-        raise PermissionDenied()
     db.delete(user)
     return True
@@ -30,2 +28,3 @@ def other():
 x = 1
+y = 2
 z = 3
"""

ADD_DELETE = """\
diff --git a/new.py b/new.py
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/new.py
@@ -0,0 +1,2 @@
+a = 1
+b = 2
diff --git a/old.py b/old.py
deleted file mode 100644
index 3333333..0000000
--- a/old.py
+++ /dev/null
@@ -1 +0,0 @@
-gone = 1
"""

RENAME_BINARY_MODE = """\
diff --git a/x.py b/y.py
similarity index 90%
rename from x.py
rename to y.py
index 1111111..2222222 100644
--- a/x.py
+++ b/y.py
@@ -3 +3 @@
--- old comment
+++ new comment
diff --git a/same.py b/moved/same.py
similarity index 100%
rename from same.py
rename to moved/same.py
diff --git a/logo.png b/logo.png
index 1111111..2222222 100644
Binary files a/logo.png and b/logo.png differ
diff --git a/run.sh b/run.sh
old mode 100644
new mode 100755
"""

PLAIN = """\
--- settings.py\t2024-01-01 00:00:00
+++ settings.py\t2024-01-02 00:00:00
@@ -1,3 +1,3 @@
 A = 1
-VERIFY = True
+VERIFY = False
 B = 2
"""


def from_text(text: str):
    return collect_changes(ChangeRequest(diff_text=text))


def by_path(cs):
    return {f.path: f for f in cs.files}


def test_normal_patch_gives_hunk_only_changes_with_line_numbers():
    cs = from_text(MODIFY)
    (fc,) = cs.files
    assert fc.status is ChangeStatus.MODIFIED
    assert (fc.old_path, fc.new_path) == ("app/auth.py", "app/auth.py")
    assert fc.old_text is None and fc.new_text is None and fc.hunk_only
    first, second = fc.hunks
    assert (first.old_start, first.old_length, first.new_start, first.new_length) == (10, 5, 10, 3)
    assert first.removed == (11, 12)
    assert first.removed_text == ("    if not user.is_admin:", "        raise PermissionDenied()")
    assert first.context_old == (10, 13, 14) and first.context_new == (10, 11, 12)
    assert first.context_text == ("def delete_user(user):", "    db.delete(user)", "    return True")
    assert second.added == (29,) and second.added_text == ("y = 2",)
    assert cs.not_analyzed == () and cs.base is None and cs.repo_root is None


def test_dev_null_marks_added_and_deleted_files():
    files = by_path(from_text(ADD_DELETE))
    added, deleted = files["new.py"], files["old.py"]
    assert added.status is ChangeStatus.ADDED
    assert (added.old_path, added.new_path, added.new_mode) == (None, "new.py", "100644")
    assert added.hunks[0].added == (1, 2) and added.hunks[0].added_text == ("a = 1", "b = 2")
    assert deleted.status is ChangeStatus.DELETED
    assert (deleted.old_path, deleted.new_path) == ("old.py", None)
    assert deleted.hunks[0].removed == (1,) and deleted.hunks[0].removed_text == ("gone = 1",)


def test_rename_binary_and_mode_headers():
    cs = from_text(RENAME_BINARY_MODE)
    files = by_path(cs)
    renamed = files["y.py"]
    assert renamed.status is ChangeStatus.RENAMED
    assert (renamed.old_path, renamed.new_path, renamed.similarity) == ("x.py", "y.py", 90)
    # removed/added lines that look like file headers stay hunk lines
    assert renamed.hunks[0].removed_text == ("-- old comment",)
    assert renamed.hunks[0].added_text == ("++ new comment",)
    pure = files["moved/same.py"]
    assert (pure.status, pure.old_path, pure.similarity, pure.hunks) == (ChangeStatus.RENAMED, "same.py", 100, ())
    binary = files["logo.png"]
    assert binary.status is ChangeStatus.BINARY and binary.hunks == ()
    mode = files["run.sh"]
    assert (mode.status, mode.old_mode, mode.new_mode) == (ChangeStatus.MODE_CHANGED, "100644", "100755")
    assert {(n.path, n.reason) for n in cs.not_analyzed} == {("logo.png", "binary")}


def test_plain_unified_diff_without_git_headers():
    (fc,) = from_text(PLAIN).files
    assert fc.path == "settings.py" and fc.status is ChangeStatus.MODIFIED
    assert fc.hunks[0].removed == (2,) and fc.hunks[0].removed_text == ("VERIFY = True",)
    assert fc.hunks[0].added == (2,) and fc.hunks[0].added_text == ("VERIFY = False",)


def test_plain_diff_keeps_paths_without_git_prefixes():
    text = "--- a/x.py\n+++ other/x.py\n@@ -1 +1 @@\n-a\n+b\n"
    (fc,) = from_text(text).files
    assert (fc.old_path, fc.new_path) == ("a/x.py", "other/x.py")


def test_truncated_diff_keeps_the_complete_files():
    truncated = MODIFY + ADD_DELETE.split("@@ -1 +0,0 @@")[0] + "@@ -1,3 +0,0 @@\n-gone = 1\n"
    cs = from_text(truncated)
    assert set(by_path(cs)) == {"app/auth.py", "new.py"}
    (na,) = cs.not_analyzed
    assert (na.path, na.reason, na.security_relevant) == ("old.py", "malformed-diff", True)
    assert "shorter" in na.detail


def test_garbage_inside_a_hunk_costs_only_that_file():
    broken = "--- a/b.py\n+++ b/b.py\n@@ -1,2 +1,2 @@\n-x\n*** junk\n" + PLAIN
    cs = from_text(broken)
    assert [f.path for f in cs.files] == ["settings.py"]
    assert [(n.path, n.reason) for n in cs.not_analyzed] == [("b.py", "malformed-diff")]


def test_nothing_parseable_is_an_input_error():
    with pytest.raises(InputError, match="could not parse the diff"):
        from_text("this is not a diff\njust words\n")
    with pytest.raises(InputError, match="could not parse the diff"):
        from_text("--- a/x.py\n+++ b/x.py\n@@ -1,5 +1,5 @@\n-only\n")


def test_empty_diff_is_an_empty_changeset():
    cs = from_text("")
    assert cs.files == () and cs.not_analyzed == ()


@pytest.mark.parametrize("path", ["../etc/passwd", "a/../../etc/passwd", "/etc/passwd", ".git/config"])
def test_traversal_and_absolute_paths_are_unsafe(path):
    text = f"--- {path}\n+++ {path}\n@@ -1 +1 @@\n-root\n+evil\n" + PLAIN
    cs = from_text(text)
    assert [f.path for f in cs.files] == ["settings.py"]
    (na,) = cs.not_analyzed
    assert na.reason == "unsafe-path" and na.security_relevant


def test_git_header_traversal_is_unsafe():
    text = (
        "diff --git a/../etc/passwd b/../etc/passwd\nindex 1..2 100644\n"
        "--- a/../etc/passwd\n+++ b/../etc/passwd\n@@ -1 +1 @@\n-root\n+evil\n"
    )
    cs = from_text(text)
    assert cs.files == ()
    assert [(n.path, n.reason) for n in cs.not_analyzed] == [("../etc/passwd", "unsafe-path")]


def test_crlf_diff_lines_are_normalised():
    text = PLAIN.replace("\n", "\r\n")
    (fc,) = from_text(text).files
    assert fc.hunks[0].added_text == ("VERIFY = False",)
    assert fc.hunks[0].context_text == ("A = 1", "B = 2")


def test_quoted_git_paths_are_unquoted():
    text = (
        'diff --git "a/caf\\303\\251.py" "b/caf\\303\\251.py"\nindex 1..2 100644\n'
        '--- "a/caf\\303\\251.py"\n+++ "b/caf\\303\\251.py"\n@@ -1 +1 @@\n-a = 1\n+a = 2\n'
    )
    (fc,) = from_text(text).files
    assert fc.path == "caf\u00e9.py"


def test_symlink_entry_in_diff_is_type_changed():
    text = (
        "diff --git a/link b/link\nnew file mode 120000\nindex 0000000..1111111\n"
        "--- /dev/null\n+++ b/link\n@@ -0,0 +1 @@\n+/etc/passwd\n\\ No newline at end of file\n"
    )
    cs = from_text(text)
    (fc,) = cs.files
    assert fc.status is ChangeStatus.TYPE_CHANGED and fc.hunks == ()


def test_diff_file_path_and_missing_file(tmp_path):
    patch = tmp_path / "change.patch"
    patch.write_text(MODIFY)
    cs = collect_changes(ChangeRequest(diff_path=str(patch)))
    assert cs.description == str(patch)
    assert cs.files[0].hunks[0].removed == (11, 12)
    with pytest.raises(InputError, match="cannot read diff file"):
        collect_changes(ChangeRequest(diff_path=str(tmp_path / "nope.patch")))


def test_invalid_utf8_in_diff_file_is_reported(tmp_path):
    patch = tmp_path / "latin.patch"
    patch.write_bytes(b"--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-n = 'caf\xe9'\n+n = 'the'\n")
    cs = collect_changes(ChangeRequest(diff_path=str(patch)))
    assert [f.path for f in cs.files] == ["x.py"]
    assert [(n.path, n.reason) for n in cs.not_analyzed] == [("x.py", "invalid-utf8")]


def test_stdin_text_stream(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(ADD_DELETE))
    cs = collect_changes(ChangeRequest(diff_path="-"))
    assert cs.description == "stdin"
    assert {f.path: f.status for f in cs.files} == {"new.py": ChangeStatus.ADDED, "old.py": ChangeStatus.DELETED}


def test_stdin_binary_buffer(monkeypatch):
    stream = io.TextIOWrapper(io.BytesIO(PLAIN.encode("utf-8")), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stream)
    (fc,) = collect_changes(ChangeRequest(diff_path="-")).files
    assert fc.hunks[0].added_text == ("VERIFY = False",)


def test_lfs_pointer_in_diff_is_not_analyzed():
    text = (
        "--- a/model.bin\n+++ b/model.bin\n@@ -1,3 +1,3 @@\n version https://git-lfs.github.com/spec/v1\n"
        "-oid sha256:aaaa\n+oid sha256:bbbb\n size 12\n"
    )
    cs = from_text(text)
    assert [(n.path, n.reason) for n in cs.not_analyzed] == [("model.bin", "lfs-pointer")]


def test_form_feed_line_in_diff_is_one_line():
    text = "--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,3 @@\n \x0c\n-a = 1\n+a = 2\n b = '\u2028'\n"
    (fc,) = from_text(text).files
    assert fc.hunks[0].context_text == ("\x0c", "b = '\u2028'")
    assert fc.hunks[0].added == (2,)
