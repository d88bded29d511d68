"""The command asks a range's git questions ahead (semdiff.source.ahead, git.read_ahead): the
analysis then takes the recorded answers, and gets exactly what its own git calls give,
errors included; a command line the reader does not plainly understand starts nothing."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import click
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gitrepo import GitRepo  # noqa: E402

from semdiff import cli  # noqa: E402
from semdiff.errors import InputError  # noqa: E402
from semdiff.source import ahead, collect, git  # noqa: E402
from semdiff.source.request import ChangeRequest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

VIEWS_BEFORE = "def delete(user):\n    if not user.is_admin:\n        raise PermissionError()\n    return 1\n"
VIEWS_AFTER = "def delete(user):\n    return 1\n"


@pytest.fixture
def history(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write({"app/views.py": VIEWS_BEFORE, "app/util.py": "X = 1\n"})
    a = repo.commit("views")
    repo.write({"app/views.py": VIEWS_AFTER, "app/util.py": "X = 2\n", "app/new.py": "Y = 3\n"})
    b = repo.commit("drop the admin check")
    return repo, a, b


# -- reading the command line --------------------------------------------------------------------

@pytest.mark.parametrize("args, revision, options", [
    (["A..B"], "A..B", {}),
    (["analyze", "A..B", "--format", "json"], "A..B", {"--format": "json"}),
    (["--repo=r", "A...B", "-o", "out.json", "--no-report-cache"], "A...B",
     {"--repo": "r", "--output": "out.json", "--no-report-cache": True}),
    (["--max-file-bytes", "10", "HEAD", "--max-memory=0"], "HEAD", {"--max-file-bytes": "10", "--max-memory": "0"}),
])
def test_a_plain_range_is_read_as_click_reads_it(args, revision, options):
    values = ahead.parse(args)
    assert values is not None
    assert values.pop("revision") == revision
    assert values == options


@pytest.mark.parametrize("args", [
    [], ["--staged"], ["A..B", "--staged"], ["--diff", "x.diff"], ["A..B", "--help"], ["-h"], ["--version"],
    ["--", "A..B"], ["A..B", "--unknown"], ["A..B", "--form", "json"], ["A..B", "C..D"], ["A..B", "--repo"],
    ["A..B", "--repo", "--no-cache"], ["A..B", "-ojson"], ["A..B", "--no-cache=1"], [""],
])
def test_anything_else_is_not_guessed(args):
    assert ahead.parse(args) is None


def test_other_commands_and_bad_sizes_start_nothing():
    assert ahead.start(["graph", "A..B"], cli.SUBCOMMANDS) is None
    assert ahead.start(["A..B", "--max-file-bytes", "0"], cli.SUBCOMMANDS) is None
    assert ahead.start(["A..B", "--max-memory", "lots"], cli.SUBCOMMANDS) is None


def test_the_option_tables_are_clicks():
    command = cli.cli.commands[cli.DEFAULT_COMMAND]
    flags, options = set(), set()
    for param in command.params:
        if not isinstance(param, click.Option):
            continue
        names = {*param.opts, *param.secondary_opts}
        (flags if param.is_flag else options).update(names)
    assert flags - {"-h", "--help"} == ahead.FLAGS
    assert options == ahead.OPTIONS
    assert set(cli.SUBCOMMANDS) == ({*cli.cli.commands, *cli.DefaultCommandGroup.lazy_commands} - {cli.DEFAULT_COMMAND})


# -- the answers ---------------------------------------------------------------------------------

def _main_thread_runs(monkeypatch) -> list:
    """The git commands started by this (the analysing) thread."""
    started: list = []
    real = git.run_bounded

    def counting(argv, **kw):
        if threading.current_thread() is threading.main_thread():
            started.append(argv)
        return real(argv, **kw)

    monkeypatch.setattr(git, "run_bounded", counting)
    return started


def _asked_ahead(request: ChangeRequest, report_ids: bool = False):
    reading = git.read_ahead(lambda: collect.read_ahead(request, report_ids=report_ids))
    assert reading is not None
    return reading


@pytest.mark.parametrize("kind", ["..", "...", "single"])
def test_the_analysis_takes_every_answer_and_gets_the_same_change_set(history, monkeypatch, kind):
    repo, a, b = history
    revision = b if kind == "single" else f"{a}{kind}{b}"
    request = ChangeRequest(repo=str(repo.root), revision=revision)
    expected = collect.collect_changes(request)
    started = _main_thread_runs(monkeypatch)
    reading = _asked_ahead(request, report_ids=True)
    try:
        assert git.revision_ids(str(repo.root), revision) is not None
        got = collect.collect_changes(request)
    finally:
        reading.close()
    assert got == expected
    assert started == []  # nothing run twice: every command was answered ahead


def test_errors_are_the_same_errors(history, monkeypatch):
    repo, a, _b = history
    request = ChangeRequest(repo=str(repo.root), revision=f"{a}..nosuchbranch")
    with pytest.raises(InputError) as plain:
        collect.collect_changes(request)
    started = _main_thread_runs(monkeypatch)
    reading = _asked_ahead(request)
    try:
        with pytest.raises(InputError) as ahead_err:
            collect.collect_changes(request)
    finally:
        reading.close()
    assert str(ahead_err.value) == str(plain.value)
    assert started == []  # the failing commands' answers were recorded too


def test_a_different_question_is_run_after_the_thread_ended(history, monkeypatch):
    """Another file-size limit reads other blobs: the analysis reads them itself."""
    repo, a, b = history
    request = ChangeRequest(repo=str(repo.root), revision=f"{a}..{b}", max_file_bytes=10)
    expected = collect.collect_changes(request)
    started = _main_thread_runs(monkeypatch)
    reading = _asked_ahead(ChangeRequest(repo=str(repo.root), revision=f"{a}..{b}"))
    try:
        got = collect.collect_changes(request)
    finally:
        reading.close()
    assert got == expected
    assert [argv[argv.index("cat-file") + 1] for argv in started] == ["--batch"]  # only the one that differs


def test_closed_answers_are_never_taken(history, monkeypatch):
    repo, a, b = history
    request = ChangeRequest(repo=str(repo.root), revision=f"{a}..{b}")
    reading = _asked_ahead(request)
    reading.take(("nothing", (), (), None, 0.0))  # waits for the thread to end
    reading.close()
    started = _main_thread_runs(monkeypatch)
    collect.collect_changes(request)
    assert len(started) >= 4


def _semdiff(args: list[str], tmp_path: Path, ahead_on: bool) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), SEMDIFF_CACHE_DIR=str(tmp_path / "cache"), CI="")
    env.pop("SEMDIFF_DEBUG", None)
    env[git.READ_AHEAD_ENV_OFF] = "" if ahead_on else "1"
    return subprocess.run([sys.executable, "-m", "semdiff", *args], capture_output=True, timeout=120, env=env)


@pytest.mark.parametrize("fmt", ["json", "sarif", "text"])
def test_the_command_gives_the_same_output_with_and_without(history, tmp_path, fmt):
    repo, a, b = history
    for revision in (f"{a}..{b}", f"{a}..nosuch", b):
        args = ["--repo", str(repo.root), revision, "--format", fmt, "--no-report-cache"]
        on, off = _semdiff(args, tmp_path, True), _semdiff(args, tmp_path, False)
        assert (on.returncode, on.stdout, on.stderr) == (off.returncode, off.stdout, off.stderr)
        assert on.returncode in (0, 1, 2)
