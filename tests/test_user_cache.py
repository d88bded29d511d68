"""semdiff.user_cache: the same directory platformdirs gives, with or without importing it."""
from __future__ import annotations

import subprocess
import sys

import platformdirs
import pytest

from semdiff import user_cache

CASES = [
    {"HOME": "/home/alice"},
    {"HOME": "/home/alice/"},
    {"HOME": "/"},
    {"HOME": "/home/alice", "XDG_CACHE_HOME": "/var/tmp/xdg"},
    {"HOME": "/home/alice", "XDG_CACHE_HOME": "/var/tmp/xdg/"},
    {"HOME": "/home/alice", "XDG_CACHE_HOME": ""},
    {"HOME": "/home/alice", "XDG_CACHE_HOME": "   "},
    {"HOME": "/home/alice", "XDG_CACHE_HOME": "relative/cache"},
    {"HOME": "relative-home"},
    {"HOME": "/home/alice", "ANDROID_DATA": "/elsewhere"},
]


@pytest.mark.parametrize("env", CASES, ids=[repr(c) for c in CASES])
def test_same_directory_as_platformdirs(monkeypatch: pytest.MonkeyPatch, env: dict) -> None:
    for name in ("HOME", "XDG_CACHE_HOME", "ANDROID_DATA", "ANDROID_ROOT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        expected = platformdirs.user_cache_dir("semdiff")
    except RuntimeError:  # platformdirs refuses (no usable home): so must we
        with pytest.raises(RuntimeError):
            user_cache.user_cache_dir()
        return
    assert user_cache.user_cache_dir() == expected


def test_the_plain_linux_case_does_not_import_platformdirs() -> None:
    plain = sys.platform == "linux"  # elsewhere platformdirs answers, as before
    code = ("import sys; from semdiff.user_cache import user_cache_dir; d = user_cache_dir(); "
            "print('platformdirs' in sys.modules, d)")
    env = {"HOME": "/home/alice", "PATH": "/usr/bin:/bin"}
    import os

    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == str(not plain)
    if plain:
        assert out[1] == "/home/alice/.cache/semdiff"
