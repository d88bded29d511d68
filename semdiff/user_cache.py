"""The user cache directory for semdiff, without importing platformdirs when the answer is plain.

Every run that is not given SEMDIFF_CACHE_DIR asks for the user cache dir, and importing
platformdirs (its API module and the platform class) was about 35M instructions, ~2.5 % of a
warm PR run, for one path. On Linux (not an Android app) the answer is the XDG rule every
platformdirs version applies the same way: `$XDG_CACHE_HOME/semdiff` when that variable is an
absolute path, else `$HOME/.cache/semdiff` when HOME is an absolute path. Any other case -- other
platforms, a relative or blank XDG_CACHE_HOME (versions differ on those), no usable HOME, Android
-- is answered by platformdirs itself, as before.
"""
from __future__ import annotations

import os
import posixpath
import sys

APP = "semdiff"


def _plain_linux() -> bool:
    if sys.platform != "linux" or hasattr(sys, "getandroidapilevel"):
        return False
    return os.environ.get("ANDROID_DATA") is None and os.environ.get("ANDROID_ROOT") is None


def user_cache_dir() -> str:
    """platformdirs.user_cache_dir("semdiff")."""
    if _plain_linux():
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        if xdg and posixpath.isabs(xdg):
            return os.path.join(xdg, APP)
        home = os.environ.get("HOME", "")
        if not xdg and home and posixpath.isabs(home):
            return os.path.join(os.path.expanduser("~/.cache"), APP)
    import platformdirs

    return platformdirs.user_cache_dir(APP)
