"""Test-session set-up shared by every test module.

The suite never writes to the user's cache directory: a run would otherwise leave parse and
call-graph entries in ~/.cache/semdiff, and a stale entry there could make a run depend on
what an earlier run left behind. Each session gets its own empty cache directory (inherited
by the semdiff subprocesses the CLI tests start); tests that need a particular directory
still set SEMDIFF_CACHE_DIR themselves.
"""
from __future__ import annotations

import os
import shutil
import tempfile

_SESSION_CACHE = tempfile.mkdtemp(prefix="semdiff-test-cache-")


def pytest_configure(config: object) -> None:
    os.environ["SEMDIFF_CACHE_DIR"] = _SESSION_CACHE


def pytest_unconfigure(config: object) -> None:
    shutil.rmtree(_SESSION_CACHE, ignore_errors=True)
