"""Writing a report file so that a reader never sees half of it.

A CI step that is cancelled, or a disk that fills, while semdiff writes `-o report.sarif`
would otherwise leave a truncated file that the next step uploads as if it were a report.
The body is written to a temporary file beside the target and renamed over it, which is
atomic on one filesystem. Targets that are not regular files (`/dev/stdout`, a FIFO a CI
runner reads from) are written in place: renaming over them would replace the device.
"""
from __future__ import annotations

import os
import stat
import tempfile


def write_text(path: str, body: str) -> None:
    """Write `body` (UTF-8) to `path`; raises OSError like `open` would. A symlink is
    written through (its target replaced), as `open` would."""
    path = os.path.realpath(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(body)
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".semdiff-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
        if st is not None:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
