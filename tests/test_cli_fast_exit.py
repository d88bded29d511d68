"""semdiff.cli._exit_now: `python -m semdiff` ends a finished analyze run without the
interpreter's teardown, with the same output, files and exit code as a normal exit."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from semdiff import cli

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gitrepo import GitRepo  # noqa: E402
from test_cli import VIEWS_AFTER, VIEWS_BEFORE  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _semdiff(args: list[str], tmp_path: Path, fast: bool) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), SEMDIFF_CACHE_DIR=str(tmp_path / "cache"), CI="")
    env.pop("SEMDIFF_DEBUG", None)
    env[cli.FAST_EXIT_ENV_OFF] = "" if fast else "1"
    return subprocess.run([sys.executable, "-m", "semdiff", *args], capture_output=True, timeout=120, env=env)


@pytest.mark.parametrize("fmt", ["json", "sarif", "text"])
def test_fast_exit_gives_the_same_output_and_code(tmp_path: Path, fmt: str) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write({"app/views.py": VIEWS_BEFORE})
    base = repo.commit("views")
    repo.write({"app/views.py": VIEWS_AFTER})
    head = repo.commit("drop the admin check")
    args = ["--repo", str(repo.root), f"{base}..{head}", "--format", fmt, "--no-report-cache"]
    slow, fast = _semdiff(args, tmp_path, fast=False), _semdiff(args, tmp_path, fast=True)
    assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout, slow.stderr)
    assert fast.returncode == 1 and b"delete_user" in fast.stdout
    out_slow, out_fast = tmp_path / "slow.out", tmp_path / "fast.out"
    _semdiff([*args, "--output", str(out_slow)], tmp_path, fast=False)
    _semdiff([*args, "--output", str(out_fast)], tmp_path, fast=True)
    assert out_fast.read_bytes() == out_slow.read_bytes() != b""
    clean = _semdiff(["--repo", str(repo.root), f"{base}..{base}", "--format", fmt], tmp_path, fast=True)
    assert clean.returncode == 0


def test_in_process_callers_keep_system_exit(tmp_path: Path) -> None:
    """main(argv) from other code raises SystemExit as before: the process is the caller's."""
    import gc

    thresholds = gc.get_threshold()
    try:
        with pytest.raises(SystemExit) as exc:
            cli.main(["--repo", str(tmp_path), "a..b", "--no-cache"])
    finally:  # main tunes the collector for the command's process: give pytest's back
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    assert exc.value.code == 2


def test_no_fast_exit_unless_semdiff_is_main(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_ran_analyze", True)
    monkeypatch.delenv(cli.FAST_EXIT_ENV_OFF, raising=False)
    exits: list[int] = []
    monkeypatch.setattr(cli.os, "_exit", exits.append)
    import atexit

    monkeypatch.setattr(atexit, "_run_exitfuncs", lambda: None)  # not pytest's own exit hooks
    for name in ("multiprocessing", "concurrent.futures.process"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    cli._exit_now(1)  # __main__ here is pytest's
    assert exits == []
    monkeypatch.setattr(sys.modules["__main__"], "main", cli.main, raising=False)
    cli._exit_now("a message")  # Python prints it: left to Python
    cli._exit_now(1)
    assert exits == [1]
    monkeypatch.setattr(cli, "_ran_analyze", False)  # another command (audit, graph): normal exit
    cli._exit_now(0)
    assert exits == [1]
