"""Change source over real throw-away repositories: ranges, index, working tree, odd files."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from gitrepo import GitRepo  # noqa: E402

from semdiff.errors import InputError  # noqa: E402
from semdiff.model import ChangeStatus  # noqa: E402
from semdiff.source.collect import collect_changes  # noqa: E402
from semdiff.source.request import ChangeRequest  # noqa: E402

AUTH_V1 = "def delete_user(user):\n    if not user.is_admin:\n        raise PermissionDenied()\n    db.delete(user)\n"
AUTH_V2 = "def delete_user(user):\n    db.delete(user)\n"


def changes(repo: GitRepo, **kw):
    return collect_changes(ChangeRequest(repo=str(repo.root), **kw))


def by_path(cs):
    return {f.path: f for f in cs.files}


def reasons(cs):
    return {(n.path, n.reason) for n in cs.not_analyzed}


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


@pytest.fixture
def two_commits(repo: GitRepo):
    repo.write({"app/auth.py": AUTH_V1, "app/other.py": "x = 1\n"})
    a = repo.commit("add auth")
    repo.write({"app/auth.py": AUTH_V2})
    b = repo.commit("drop the admin check\n\nIt was slow.")
    return repo, a, b


def test_range_compares_endpoint_trees_with_texts_hunks_and_commits(two_commits):
    repo, a, b = two_commits
    cs = changes(repo, revision=f"{a}..{b}")
    assert cs.base == a and cs.head == b
    assert cs.description == f"{a}..{b}"
    assert cs.repo_root == os.path.realpath(repo.root)
    assert [c.sha for c in cs.commits] == [b]
    assert cs.commits[0].subject == "drop the admin check"
    assert cs.commits[0].body == "It was slow."
    (fc,) = cs.files
    assert fc.status is ChangeStatus.MODIFIED
    assert (fc.old_path, fc.new_path) == ("app/auth.py", "app/auth.py")
    assert fc.old_text == AUTH_V1 and fc.new_text == AUTH_V2
    (h,) = fc.hunks
    assert (h.old_start, h.old_length, h.new_start, h.new_length) == (1, 4, 1, 2)
    assert h.removed == (2, 3)
    assert h.removed_text == ("    if not user.is_admin:", "        raise PermissionDenied()")
    assert h.added == ()
    assert h.context_old == (1, 4) and h.context_new == (1, 2)
    assert h.context_text == ("def delete_user(user):", "    db.delete(user)")
    assert len(fc.old_blob) == 40 and len(fc.new_blob) == 40


def test_reversed_range_swaps_sides_and_has_no_commits(two_commits):
    repo, a, b = two_commits
    cs = changes(repo, revision=f"{b}..{a}")
    (fc,) = cs.files
    assert fc.old_text == AUTH_V2 and fc.new_text == AUTH_V1
    assert fc.hunks[0].added == (2, 3)
    assert fc.hunks[0].added_text[0] == "    if not user.is_admin:"
    assert cs.commits == ()


def test_branch_names_resolve_to_full_shas(two_commits):
    repo, a, b = two_commits
    repo.branch("feature", b)
    repo.tag("v1", a)
    cs = changes(repo, revision="v1..feature")
    assert (cs.base, cs.head) == (a, b)
    assert cs.description == "v1..feature"


def test_three_dots_compare_merge_base_to_head_on_diverged_branches(repo):
    repo.write({"app/auth.py": AUTH_V1})
    base = repo.commit("base")
    repo.checkout("feature", create=True)
    repo.write({"app/auth.py": AUTH_V2})
    feat = repo.commit("feature weakens auth")
    repo.checkout("main")
    repo.write({"app/views.py": "def index():\n    return 'hi'\n"})
    main = repo.commit("main adds a view")
    three = changes(repo, revision="main...feature")
    assert three.base == base and three.head == feat
    assert [f.path for f in three.files] == ["app/auth.py"]
    assert [c.subject for c in three.commits] == ["feature weakens auth"]
    two = changes(repo, revision="main..feature")
    assert two.base == main
    assert by_path(two)["app/views.py"].status is ChangeStatus.DELETED
    assert by_path(two)["app/auth.py"].status is ChangeStatus.MODIFIED


def test_single_commit_is_compared_to_its_first_parent(two_commits):
    repo, a, b = two_commits
    cs = changes(repo, revision=b[:10])
    assert cs.base == a and cs.head == b
    assert [c.sha for c in cs.commits] == [b]
    assert [f.path for f in cs.files] == ["app/auth.py"]


def test_root_commit_is_compared_to_the_empty_tree(two_commits):
    repo, a, _ = two_commits
    cs = changes(repo, revision=a)
    assert cs.base is None and cs.head == a
    files = by_path(cs)
    assert set(files) == {"app/auth.py", "app/other.py"}
    auth = files["app/auth.py"]
    assert auth.status is ChangeStatus.ADDED
    assert auth.old_path is None and auth.old_text is None and auth.new_text == AUTH_V1
    assert auth.hunks[0].added == (1, 2, 3, 4)
    assert [c.subject for c in cs.commits] == ["add auth"]


def test_empty_range_gives_no_files(two_commits):
    repo, _, b = two_commits
    cs = changes(repo, revision=f"{b}..{b}")
    assert cs.files == () and cs.commits == () and cs.not_analyzed == ()


def test_staged_compares_index_to_head(two_commits):
    repo, _, b = two_commits
    repo.write({"app/other.py": "x = 2\n"})  # staged
    repo.write({"app/auth.py": AUTH_V1}, stage=False)  # only in the working tree
    cs = changes(repo, staged=True)
    assert cs.base == b and cs.head is None
    (fc,) = cs.files
    assert fc.path == "app/other.py"
    assert (fc.old_text, fc.new_text) == ("x = 1\n", "x = 2\n")
    assert fc.hunks[0].removed == (1,) and fc.hunks[0].added == (1,)


def test_staged_without_any_commit_uses_the_empty_tree(repo):
    repo.write({"first.py": "a = 1\n"})
    cs = changes(repo, staged=True)
    assert cs.base is None
    (fc,) = cs.files
    assert fc.status is ChangeStatus.ADDED and fc.new_text == "a = 1\n"


def test_working_tree_compares_checked_out_files_to_head(two_commits):
    repo, _, b = two_commits
    repo.write({"app/auth.py": AUTH_V1}, stage=False)
    repo.write({"app/other.py": "x = 3\n"})  # staged and in the working tree
    cs = changes(repo)
    assert cs.base == b and cs.description == "working tree vs HEAD"
    files = by_path(cs)
    assert files["app/auth.py"].old_text == AUTH_V2
    assert files["app/auth.py"].new_text == AUTH_V1
    assert files["app/auth.py"].hunks[0].added == (2, 3)
    assert files["app/other.py"].new_text == "x = 3\n"


def test_working_tree_ignores_touched_but_unchanged_files(two_commits):
    repo, _, _ = two_commits
    path = repo.path("app/other.py")
    os.utime(path, (1_000_000_000, 1_000_000_000))
    path.write_text("x = 1\n")
    assert changes(repo).files == ()


def test_working_tree_symlink_outside_repo_is_not_followed(two_commits, tmp_path):
    repo, _, _ = two_commits
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET\n")
    # a tracked file replaced on disk by a symlink that leaves the repository
    repo.path("app/other.py").unlink()
    os.symlink(secret, repo.path("app/other.py"))
    cs = changes(repo)
    (fc,) = cs.files
    assert fc.status is ChangeStatus.TYPE_CHANGED
    assert fc.new_mode == "120000"
    assert fc.old_text is None and fc.new_text is None
    assert all("TOP SECRET" not in t for h in fc.hunks for t in h.added_text)
    assert ("app/other.py", "symlink") in reasons(cs)


def test_working_tree_directory_swapped_for_symlink_is_not_read(two_commits, tmp_path):
    repo, _, _ = two_commits
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "auth.py").write_text("STOLEN = 1\n")
    (outside / "other.py").write_text("STOLEN = 2\n")
    for name in ("auth.py", "other.py"):
        repo.path(f"app/{name}").unlink()
    repo.path("app").rmdir()
    os.symlink(outside, repo.path("app"))
    cs = changes(repo)
    for fc in cs.files:
        assert fc.new_text is None or "STOLEN" not in fc.new_text
    assert {f.status for f in cs.files if f.path.startswith("app/")} <= {ChangeStatus.DELETED, ChangeStatus.TYPE_CHANGED}


def test_committed_symlink_to_outside_is_type_changed_and_never_read(repo):
    repo.write({"conf/settings.py": "DEBUG = False\n"})
    a = repo.commit("settings")
    repo.symlink("conf/link.py", "/etc/passwd")
    b = repo.commit("link")
    cs = changes(repo, revision=f"{a}..{b}")
    (fc,) = cs.files
    assert fc.status is ChangeStatus.TYPE_CHANGED
    assert fc.new_text is None and fc.old_text is None
    assert ("conf/link.py", "symlink") in reasons(cs)


def test_rename_is_paired_with_similarity_and_both_texts(repo):
    body = "".join(f"line{i} = {i}\n" for i in range(20))
    repo.write({"app/auth.py": body})
    a = repo.commit("add")
    repo.rename("app/auth.py", "app/authz.py")
    repo.write({"app/authz.py": body.replace("line5 = 5", "line5 = 50")})
    b = repo.commit("rename and tweak")
    (fc,) = changes(repo, revision=f"{a}..{b}").files
    assert fc.status is ChangeStatus.RENAMED
    assert (fc.old_path, fc.new_path) == ("app/auth.py", "app/authz.py")
    assert fc.similarity is not None and 80 <= fc.similarity < 100
    assert fc.old_text == body and "line5 = 50" in fc.new_text
    (h,) = fc.hunks
    assert h.removed == (6,) and h.added == (6,)
    assert h.removed_text == ("line5 = 5",) and h.added_text == ("line5 = 50",)


def test_pure_rename_has_texts_and_no_hunks(repo):
    repo.write({"a.py": AUTH_V1})
    a = repo.commit("add")
    repo.rename("a.py", "b.py")
    b = repo.commit("move")
    (fc,) = changes(repo, revision=f"{a}..{b}").files
    assert fc.status is ChangeStatus.RENAMED and fc.similarity == 100
    assert fc.old_text == fc.new_text == AUTH_V1 and fc.hunks == ()


def test_copy_is_detected(repo):
    body = "".join(f"value_{i} = {i}\n" for i in range(30))
    repo.write({"src/orig.py": body})
    a = repo.commit("add")
    repo.write({"src/orig.py": body + "extra = 1\n", "src/copy.py": body})
    b = repo.commit("copy")
    files = by_path(changes(repo, revision=f"{a}..{b}"))
    copy = files["src/copy.py"]
    assert copy.status is ChangeStatus.COPIED
    assert copy.old_path == "src/orig.py" and copy.similarity == 100
    assert copy.old_text == body and copy.new_text == body
    assert files["src/orig.py"].status is ChangeStatus.MODIFIED


def test_binary_file_is_flagged_and_not_decoded(repo):
    repo.write({"keep.py": "a = 1\n"})
    a = repo.commit("one")
    repo.write_bytes({"img/logo.png": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"})
    b = repo.commit("logo")
    cs = changes(repo, revision=f"{a}..{b}")
    (fc,) = cs.files
    assert fc.status is ChangeStatus.BINARY
    assert fc.new_path == "img/logo.png" and fc.new_text is None and fc.hunks == ()
    assert ("img/logo.png", "binary") in reasons(cs)


def test_text_file_marked_binary_by_gitattributes_still_gets_hunks(repo):
    repo.write({".gitattributes": "*.py -diff\n", "auth.py": AUTH_V1})
    a = repo.commit("one")
    repo.write({"auth.py": AUTH_V2})
    b = repo.commit("two")
    (fc,) = changes(repo, revision=f"{a}..{b}").files
    assert fc.status is ChangeStatus.MODIFIED
    assert fc.hunks and fc.hunks[0].removed == (2, 3)


def test_deleted_and_added_files(two_commits):
    repo, _, b = two_commits
    repo.delete("app/other.py")
    repo.write({"app/new.py": "y = 1\n"})
    c = repo.commit("delete and add")
    files = by_path(changes(repo, revision=f"{b}..{c}"))
    deleted, added = files["app/other.py"], files["app/new.py"]
    assert deleted.status is ChangeStatus.DELETED
    assert (deleted.old_path, deleted.new_path, deleted.old_text, deleted.new_text) == ("app/other.py", None, "x = 1\n", None)
    assert deleted.hunks[0].removed == (1,)
    assert added.status is ChangeStatus.ADDED
    assert (added.old_path, added.new_path, added.old_text, added.new_text) == (None, "app/new.py", None, "y = 1\n")


def test_mode_only_change(two_commits):
    repo, _, b = two_commits
    repo.chmod("app/other.py", 0o755)
    c = repo.commit("make executable")
    (fc,) = changes(repo, revision=f"{b}..{c}").files
    assert fc.status is ChangeStatus.MODE_CHANGED
    assert (fc.old_mode, fc.new_mode) == ("100644", "100755")
    assert fc.hunks == ()


def test_submodule_entry_is_type_changed_not_read(two_commits):
    repo, a, b = two_commits
    repo.add_submodule_entry("vendor/lib", a)
    c = repo.commit("add submodule")
    cs = changes(repo, revision=f"{b}..{c}")
    (fc,) = cs.files
    assert fc.status is ChangeStatus.TYPE_CHANGED and fc.new_mode == "160000"
    assert fc.new_text is None
    assert ("vendor/lib", "submodule") in reasons(cs)


def test_invalid_utf8_is_listed_without_texts_and_reported(repo):
    repo.write_bytes({"bad.py": b"x = 1\n"})
    a = repo.commit("one")
    repo.write_bytes({"bad.py": b"x = '\xff\xfe'\n"})
    b = repo.commit("two")
    cs = changes(repo, revision=f"{a}..{b}")
    (fc,) = cs.files
    assert fc.path == "bad.py" and fc.old_text is None and fc.new_text is None
    (na,) = cs.not_analyzed
    assert (na.path, na.reason) == ("bad.py", "invalid-utf8")
    assert na.detail.startswith("after:")


def test_pep263_latin1_file_is_decoded_with_its_cookie(repo):
    repo.write_bytes({"legacy.py": b"# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n"})
    a = repo.commit("one")
    repo.write_bytes({"legacy.py": b"# -*- coding: latin-1 -*-\nNAME = 'na\xefve'\n"})
    b = repo.commit("two")
    cs = changes(repo, revision=f"{a}..{b}")
    (fc,) = cs.files
    assert cs.not_analyzed == ()
    assert fc.old_text.endswith("NAME = 'café'\n")
    assert fc.new_text.endswith("NAME = 'naïve'\n")
    assert fc.hunks[0].removed_text == ("NAME = 'café'",)
    assert fc.hunks[0].added_text == ("NAME = 'naïve'",)


def test_unknown_coding_cookie_falls_back_to_utf8(repo):
    repo.write_bytes({"odd.py": b"# coding: no-such-codec\nA = 1\n"})
    a = repo.commit("one")
    repo.write_bytes({"odd.py": b"# coding: no-such-codec\nA = 2\n"})
    b = repo.commit("two")
    (fc,) = changes(repo, revision=f"{a}..{b}").files
    assert fc.new_text == "# coding: no-such-codec\nA = 2\n"


def test_utf8_bom_is_stripped(repo):
    repo.write_bytes({"bom.py": b"\xef\xbb\xbfA = 1\n"})
    a = repo.commit("one")
    repo.write_bytes({"bom.py": b"\xef\xbb\xbfA = 2\n"})
    b = repo.commit("two")
    (fc,) = changes(repo, revision=f"{a}..{b}").files
    assert fc.old_text == "A = 1\n" and fc.new_text == "A = 2\n"


def test_crlf_is_normalised_in_texts_and_hunks(repo):
    repo.write_bytes({"win.py": b"a = 1\r\nb = 2\r\nc = 3\r\n"})
    a = repo.commit("one")
    repo.write_bytes({"win.py": b"a = 1\r\nb = 20\r\nc = 3\r\n"})
    b = repo.commit("two")
    (fc,) = changes(repo, revision=f"{a}..{b}").files
    assert fc.old_text == "a = 1\nb = 2\nc = 3\n"
    assert fc.new_text == "a = 1\nb = 20\nc = 3\n"
    (h,) = fc.hunks
    assert h.removed == (2,) and h.removed_text == ("b = 2",)
    assert h.added == (2,) and h.added_text == ("b = 20",)
    assert h.context_text == ("a = 1", "c = 3")


def test_lone_cr_renumbers_hunks_to_match_texts(repo):
    repo.write_bytes({"mac.py": b"a = 1\rb = 2\rc = 3\r"})
    a = repo.commit("one")
    repo.write_bytes({"mac.py": b"a = 1\rb = 20\rc = 3\r"})
    b = repo.commit("two")
    (fc,) = changes(repo, revision=f"{a}..{b}").files
    assert fc.new_text == "a = 1\nb = 20\nc = 3\n"
    (h,) = fc.hunks
    assert h.removed == (2,) and h.added == (2,) and h.added_text == ("b = 20",)


def test_file_over_size_limit_is_not_analyzed(repo):
    repo.write({"big.py": "x = 1\n"})
    a = repo.commit("one")
    repo.write({"big.py": "x = 1\n" + "y = 2\n" * 100})
    b = repo.commit("two")
    cs = collect_changes(ChangeRequest(repo=str(repo.root), revision=f"{a}..{b}", max_file_bytes=100))
    (fc,) = cs.files
    assert fc.old_text is None and fc.new_text is None
    assert fc.hunks  # git's hunks are kept for the record
    (na,) = cs.not_analyzed
    assert (na.path, na.reason, na.security_relevant) == ("big.py", "too-large", True)


def test_working_tree_file_over_size_limit_is_not_read(two_commits):
    repo, _, _ = two_commits
    repo.write({"app/other.py": "z = 1\n" * 100}, stage=False)
    cs = collect_changes(ChangeRequest(repo=str(repo.root), max_file_bytes=200))
    assert ("app/other.py", "too-large") in reasons(cs)
    assert by_path(cs)["app/other.py"].new_text is None


def test_lfs_pointer_is_not_analyzed(repo):
    pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize 12\n"
    repo.write({"model.py": pointer.format("a" * 64)})
    a = repo.commit("one")
    repo.write({"model.py": pointer.format("b" * 64)})
    b = repo.commit("two")
    cs = changes(repo, revision=f"{a}..{b}")
    assert ("model.py", "lfs-pointer") in reasons(cs)
    assert cs.files[0].new_text is None


def test_bad_revision_is_an_input_error(two_commits):
    repo, _, _ = two_commits
    with pytest.raises(InputError, match="unknown revision"):
        changes(repo, revision="nope..HEAD")
    with pytest.raises(InputError, match="unknown revision"):
        changes(repo, revision="0123456789abcdef0123456789abcdef01234567")


@pytest.mark.parametrize("rev", ["-rf", "--output=/tmp/x", "HEAD..--exec=sh", "HEAD...-x"])
def test_option_like_revision_is_refused(two_commits, rev):
    repo, _, _ = two_commits
    with pytest.raises(InputError, match="starts with '-'"):
        changes(repo, revision=rev)


def test_not_a_repository_is_an_input_error(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(InputError, match="not a git repository"):
        collect_changes(ChangeRequest(repo=str(plain), revision="HEAD"))
    with pytest.raises(InputError, match="does not exist"):
        collect_changes(ChangeRequest(repo=str(tmp_path / "missing")))


def test_missing_base_in_shallow_clone_is_an_input_error(two_commits, tmp_path):
    repo, a, b = two_commits
    shallow = tmp_path / "shallow"
    repo.run_git("clone", "-q", "--depth=1", f"file://{repo.root}", str(shallow))
    with pytest.raises(InputError, match="unknown revision"):
        collect_changes(ChangeRequest(repo=str(shallow), revision=f"{a}..{b}"))


def test_unrelated_histories_have_no_merge_base(repo):
    repo.write({"a.py": "a = 1\n"})
    repo.commit("main root")
    repo.run_git("checkout", "-q", "--orphan", "other")
    repo.write({"b.py": "b = 1\n"})
    repo.commit("other root")
    with pytest.raises(InputError, match="no merge base"):
        changes(repo, revision="main...other")


def test_two_inputs_at_once_are_refused(two_commits):
    repo, _, _ = two_commits
    with pytest.raises(InputError, match="choose one input"):
        changes(repo, revision="HEAD", staged=True)


def test_repository_config_cannot_run_programs(two_commits, tmp_path):
    repo, a, b = two_commits
    repo.write({".gitattributes": "*.py diff=evil\n"})
    c = repo.commit("attributes")
    marker = tmp_path / "ran"
    evil = f"sh -c 'touch {marker}'"
    for key in ("diff.external", "core.pager", "core.fsmonitor", "diff.evil.textconv", "core.hooksPath"):
        repo.run_git("config", key, evil)
    repo.write({"app/other.py": "x = 5\n"}, stage=False)  # give the working-tree mode work to do
    cs = changes(repo, revision=f"{a}..{c}")
    changes(repo)
    changes(repo, staged=True)
    assert not marker.exists()
    assert by_path(cs)["app/auth.py"].new_text == AUTH_V2


def test_odd_file_names_are_kept_exactly(repo):
    repo.write({"dir with space/caf\u00e9 \"q\".py": "a = 1\n"})
    a = repo.commit("one")
    repo.write({"dir with space/caf\u00e9 \"q\".py": "a = 2\n"})
    b = repo.commit("two")
    (fc,) = changes(repo, revision=f"{a}..{b}").files
    assert fc.path == "dir with space/caf\u00e9 \"q\".py"
    assert fc.hunks[0].added_text == ("a = 2",)


def test_form_feed_and_unicode_separators_do_not_split_hunk_lines(repo):
    repo.write({"ff.py": "a = 1\n\x0c\nb = '\u2028'\nc = 3\n"})
    a = repo.commit("one")
    repo.write({"ff.py": "a = 1\n\x0c\nb = '\u2028'\nc = 4\n"})
    b = repo.commit("two")
    (fc,) = changes(repo, revision=f"{a}..{b}").files
    (h,) = fc.hunks
    assert h.removed == (4,) and h.added == (4,) and h.added_text == ("c = 4",)
    assert h.context_text == ("a = 1", "\x0c", "b = '\u2028'")


# -- run_bounded / one-call resolution (speed changes that must not change answers) -----------

def test_run_bounded_matches_subprocess_run_and_feeds_stdin():
    import subprocess

    from semdiff.source.git import run_bounded

    argv = [sys.executable, "-c", "import sys; d = sys.stdin.read(); print(d.upper()); print('e', file=sys.stderr); sys.exit(3)"]
    got = run_bounded(argv, input=b"abc", timeout=60)
    want = subprocess.run(argv, input=b"abc", capture_output=True, timeout=60)
    assert (got.returncode, got.stdout, got.stderr) == (want.returncode, want.stdout, want.stderr) == (3, b"ABC\n", b"e\n")
    assert run_bounded([sys.executable, "-c", "import sys; print(sys.stdin.read() == '')"], timeout=60).stdout == b"True\n"


def test_run_bounded_kills_a_child_that_outlives_its_timeout():
    import subprocess

    from semdiff.source.git import run_bounded

    with pytest.raises(subprocess.TimeoutExpired):
        run_bounded([sys.executable, "-c", "import time; print('started', flush=True); time.sleep(60)"], timeout=0.5)


def test_range_resolved_in_one_call_gives_the_same_commits_and_errors(repo):
    from semdiff.source import git

    repo.write({"x.py": "x = 1\n"})
    a = repo.commit("one")
    repo.write({"x.py": "x = 2\n"})
    b = repo.commit("two")
    r = git.open_repository(str(repo.root))
    assert r.root == str(repo.root.resolve()) and not r.bare
    assert git.require_commits(r, ["HEAD~1", "HEAD"]) == [git.require_commit(r, "HEAD~1"), git.require_commit(r, "HEAD")] == [a, b]
    assert git.known_tree(r.root, b) == repo.run_git("rev-parse", "HEAD^{tree}").strip()
    with pytest.raises(InputError, match="unknown revision or missing commit: 'nope'"):
        git.require_commits(r, ["HEAD", "nope"])
    with pytest.raises(InputError, match="starts with '-'"):
        git.require_commits(r, ["HEAD", "--all"])


def test_run_bounded_large_input_and_output_and_a_child_that_does_not_read():
    from semdiff.source.git import run_bounded

    data = b"x" * 2_000_000
    both = run_bounded([sys.executable, "-c", "import sys; d = sys.stdin.buffer.read(); sys.stdout.buffer.write(d * 2); sys.stderr.write('e' * 70000)"],
                       input=data, timeout=60)
    assert (both.returncode, both.stdout, both.stderr) == (0, data * 2, b"e" * 70000)
    deaf = run_bounded([sys.executable, "-c", "print('hi')"], input=b"y" * 1_000_000, timeout=60)
    assert (deaf.returncode, deaf.stdout) == (0, b"hi\n")


def test_run_bounded_times_out_a_child_that_closed_its_pipes_but_keeps_running():
    import subprocess

    from semdiff.source.git import run_bounded

    with pytest.raises(subprocess.TimeoutExpired):
        run_bounded([sys.executable, "-c", "import os, time; os.close(1); os.close(2); time.sleep(60)"], timeout=0.5)
