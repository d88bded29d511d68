"""Throw-away git repositories for tests.

Tests of the change source (and of anything downstream that wants a real range) need real
commits, not mocks: statuses, renames and blob ids only mean something when git made them.
This helper keeps every repository self-contained: identity, default branch and signing are
set locally and the global/system config is ignored, so results do not depend on the
machine running the tests.

    repo = GitRepo(tmp_path)
    repo.write({"app/auth.py": "def check(): ...\n"})
    base = repo.commit("add auth")
    repo.rename("app/auth.py", "app/authz.py")
    head = repo.commit("rename")
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Mapping, Optional, Union

PathLike = Union[str, Path]

_ISOLATED_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_AUTHOR_NAME": "Semdiff Test",
    "GIT_AUTHOR_EMAIL": "test@semdiff.invalid",
    "GIT_COMMITTER_NAME": "Semdiff Test",
    "GIT_COMMITTER_EMAIL": "test@semdiff.invalid",
    "LC_ALL": "C",
}


def isolated_git_env() -> dict[str, str]:
    """Environment for git that ignores the user's global and system configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(_ISOLATED_ENV)
    return env


class GitRepo:
    """A git repository in `root` (created if needed) with small, explicit helpers."""

    def __init__(self, root: PathLike, branch: str = "main", init: bool = True) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._tick = 0
        if init:
            self.run_git("init", "-q", "-b", branch)
            for key, value in (
                ("user.name", "Semdiff Test"),
                ("user.email", "test@semdiff.invalid"),
                ("commit.gpgsign", "false"),
                ("tag.gpgsign", "false"),
                ("core.autocrlf", "false"),
                ("core.symlinks", "true"),
                ("protocol.file.allow", "always"),
            ):
                self.run_git("config", key, value)

    # -- git ---------------------------------------------------------------------------------
    def run_git(self, *args: str, check: bool = True, input: Optional[bytes] = None) -> str:
        """Run git in the repository; returns stdout as text (stripped of the final newline)."""
        proc = subprocess.run(
            ["git", *args],
            cwd=self.root,
            env=isolated_git_env(),
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
        )
        if check and proc.returncode != 0:
            raise RuntimeError(
                f"git {' '.join(args)} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}"
            )
        return proc.stdout.decode("utf-8", errors="replace").rstrip("\n")

    # -- working tree ------------------------------------------------------------------------
    def path(self, rel: PathLike) -> Path:
        return self.root / rel

    def write(self, files: Mapping[str, str], stage: bool = True) -> None:
        """Write text files (UTF-8, newlines exactly as given) and, by default, stage them."""
        self.write_bytes({p: t.encode("utf-8") for p, t in files.items()}, stage=stage)

    def write_bytes(self, files: Mapping[str, bytes], stage: bool = True) -> None:
        for rel, data in files.items():
            target = self.root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink():
                target.unlink()
            target.write_bytes(data)
        if stage and files:
            self.run_git("add", "--", *files.keys())

    def read(self, rel: PathLike) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def symlink(self, rel: str, target: str, stage: bool = True) -> None:
        """Create (or replace) a symlink at `rel` pointing at `target` (not resolved)."""
        link = self.root / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink(target, link)
        if stage:
            self.run_git("add", "--", rel)

    def chmod(self, rel: str, mode: int, stage: bool = True) -> None:
        os.chmod(self.root / rel, mode)
        if stage:
            self.run_git("update-index", "--chmod=" + ("+x" if mode & 0o111 else "-x"), "--", rel)

    def delete(self, *rels: str, stage: bool = True) -> None:
        if stage:
            self.run_git("rm", "-q", "-r", "--", *rels)
        else:
            for rel in rels:
                (self.root / rel).unlink()

    def rename(self, old: str, new: str) -> None:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self.run_git("mv", "--", old, new)

    def add(self, *rels: str) -> None:
        self.run_git("add", "--", *(rels or (".",)))

    # -- history -----------------------------------------------------------------------------
    def commit(self, message: str = "change", allow_empty: bool = False) -> str:
        """Commit what is staged (with a deterministic, increasing date); returns the full sha."""
        self._tick += 1
        date = f"2024-01-01T00:{self._tick // 60:02d}:{self._tick % 60:02d}+00:00"
        args = ["commit", "-q", "--no-verify", "-m", message]
        if allow_empty:
            args.append("--allow-empty")
        proc_env_date = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        self._run_with_env(args, proc_env_date)
        return self.head()

    def _run_with_env(self, args: list[str], extra: Mapping[str, str]) -> str:
        env = isolated_git_env()
        env.update(extra)
        proc = subprocess.run(
            ["git", *args], cwd=self.root, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=60
        )
        if proc.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
        return proc.stdout.decode("utf-8", errors="replace").rstrip("\n")

    def head(self) -> str:
        return self.rev_parse("HEAD")

    def rev_parse(self, rev: str) -> str:
        return self.run_git("rev-parse", "--verify", "--end-of-options", rev + "^{commit}")

    def branch(self, name: str, start: str = "HEAD") -> None:
        """Create branch `name` at `start` without switching to it."""
        self.run_git("branch", "--", name, start)

    def checkout(self, ref: str, create: bool = False) -> None:
        if create:
            self.run_git("checkout", "-q", "-b", ref)
        else:
            self.run_git("checkout", "-q", ref)

    def tag(self, name: str, rev: str = "HEAD") -> None:
        self.run_git("tag", name, rev)

    def add_submodule_entry(self, rel: str, commit_sha: str) -> None:
        """Stage a gitlink (mode 160000) at `rel` without cloning anything."""
        self.run_git("update-index", "--add", "--cacheinfo", f"160000,{commit_sha},{rel}")
