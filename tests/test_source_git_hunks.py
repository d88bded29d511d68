"""git's own patch of a plain file is read directly (diffparse.git_hunks): the same hunks as
unidiff gives for every segment it takes, and None for every other shape, which unidiff then
reads (and reports) as before."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gitrepo import GitRepo  # noqa: E402

from semdiff.source import collect, diffparse  # noqa: E402
from semdiff.source.collect import collect_changes  # noqa: E402
from semdiff.source.diffparse import Segment, git_hunks, hunks_of, parse_segment, split_segments  # noqa: E402
from semdiff.source.request import ChangeRequest  # noqa: E402

MODIFIED = (
    "diff --git a/app/auth.py b/app/auth.py\n"
    "index 1111111..2222222 100644\n"
    "--- a/app/auth.py\n"
    "+++ b/app/auth.py\n"
    "@@ -1,4 +1,3 @@ def check(user):\n"
    " def check(user):\n"
    "-    if not user.admin:\n"
    "-        raise PermissionError()\n"
    "+    pass\n"
    " \n"
    "@@ -10 +9,2 @@\n"
    "-x = 1\r\n"
    "+x = 2\r\n"
    "+y = 3\n"
    "\\ No newline at end of file\n"
)
ADDED = (
    "diff --git a/new.py b/new.py\n"
    "new file mode 100644\n"
    "index 0000000..3333333\n"
    "--- /dev/null\n"
    "+++ b/new.py\n"
    "@@ -0,0 +1,2 @@\n"
    "+a = 1\n"
    "+b = 2\n"
)
DELETED = (
    "diff --git a/old.py b/old.py\n"
    "deleted file mode 100644\n"
    "index 4444444..0000000\n"
    "--- a/old.py\n"
    "+++ /dev/null\n"
    "@@ -1 +0,0 @@\n"
    "-gone = True\n"
    "\\ No newline at end of file\n"
)


def _segment(text: str) -> Segment:
    (segment,) = split_segments(text)
    return segment


@pytest.mark.parametrize("text", [MODIFIED, ADDED, DELETED])
def test_plain_segments_read_as_unidiff_reads_them(text):
    segment = _segment(text)
    fast = git_hunks(segment)
    assert fast is not None and fast == hunks_of(parse_segment(segment))


def test_the_numbers_and_texts():
    first, second = git_hunks(_segment(MODIFIED))
    assert (first.removed, first.added, first.context_old, first.context_new) == ((2, 3), (2,), (1, 4), (1, 3))
    assert first.removed_text == ("    if not user.admin:", "        raise PermissionError()")
    assert (second.old_start, second.old_length, second.new_start, second.new_length) == (10, 1, 9, 2)
    assert second.added_text == ("x = 2", "y = 3")


@pytest.mark.parametrize("edit", [
    lambda t: t.replace("index 1111111..2222222 100644\n", "similarity index 90%\nrename from app/auth.py\nrename to app/authz.py\n"),
    lambda t: t.replace("a/app/auth.py", '"a/app/caf\\303\\251.py"'),
    lambda t: t.replace("app/auth.py b/app/auth.py", "app/auth.py b/app/other.py"),
    lambda t: t.replace("index 1111111..2222222 100644\n", "old mode 100644\nnew mode 100755\nindex 1111111..2222222\n"),
    lambda t: t.replace(" \n@@ -10", "\n@@ -10"),  # a bare blank line
    lambda t: t.replace("+y = 3\n", ""),  # shorter than its header
    lambda t: t.replace("+y = 3\n", "+y = 3\n+z = 4\n"),  # longer
    lambda t: t.replace("\\ No newline at end of file\n", "\\ something else\n"),
    lambda t: t.replace("@@ -10 +9,2 @@\n", "@@ -0,0 +0,0 @@\n@@ -10 +9,2 @@\n"),
    lambda t: t + "trailing words\n",
])
def test_any_other_shape_is_left_to_unidiff(edit):
    for segment in split_segments(edit(MODIFIED)):
        assert git_hunks(segment) is None


def test_mutated_segments_agree_with_unidiff_whenever_taken():
    extra = ["\\ No newline at end of file\n", "\n", "\r\n", " \n", "-\n", "+\n", "x\n", "@@ -1 +1 @@\n",
             "@@ -0,0 +0,0 @@\n", "\\ other\n", "--- a/x\n", "+++ b/x\n", "diff --git a/x b/x\n", "index 1..2\n"]
    rng = random.Random(14)
    bases = [_segment(t).lines for t in (MODIFIED, ADDED, DELETED)]
    taken = 0
    for _ in range(3000):
        lines = list(rng.choice(bases))
        for _ in range(rng.randint(1, 3)):
            k = rng.randrange(len(lines))
            roll = rng.random()
            if roll < 0.35:
                del lines[k]
            elif roll < 0.7:
                lines.insert(k, rng.choice(extra))
            else:
                lines.insert(k, lines[k])
        segment = Segment(tuple(lines), 1)
        fast = git_hunks(segment)
        if fast is None:
            continue
        taken += 1
        assert fast == hunks_of(parse_segment(segment)), lines
    assert taken > 50


def test_a_range_gives_the_same_change_set_either_way(tmp_path, monkeypatch):
    repo = GitRepo(tmp_path / "r")
    repo.write({"app/auth.py": "def check(user):\n    if not user.admin:\n        raise PermissionError()\n",
                "app/crlf.py": "a = 1\r\nb = 2\r\n", "app/tail.py": "x = 1", "app/moved.py": "M = 1\n" * 30,
                "gone.py": "G = 1\n", "app/café.py": "C = 1\n"})
    a = repo.commit("base")
    repo.write({"app/auth.py": "def check(user):\n    pass\n", "app/crlf.py": "a = 1\r\nb = 3\r\n",
                "app/tail.py": "x = 2", "new.py": "N = 1\n", "app/café.py": "C = 2\n"})
    repo.rename("app/moved.py", "app/moved2.py")
    repo.delete("gone.py")
    b = repo.commit("change")
    request = ChangeRequest(repo=str(repo.root), revision=f"{a}..{b}")
    taken = []
    monkeypatch.setattr(collect, "git_hunks", lambda segment: taken.append(git_hunks(segment)) or taken[-1])
    fast = collect_changes(request)
    monkeypatch.setattr(collect, "git_hunks", lambda segment: None)
    assert collect_changes(request) == fast
    assert len(fast.files) == 7 and sum(1 for fc in fast.files if fc.hunks) == 6  # the pure rename has none
    assert sum(h is not None for h in taken) == 5  # all but the rename and the quoted (non-ASCII) path

