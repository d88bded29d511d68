"""Report files are replaced whole: a failed or interrupted write leaves the old file."""
from __future__ import annotations

import os
import stat

import pytest

from semdiff.outfile import write_text


def test_new_file_written(tmp_path) -> None:
    target = tmp_path / "r.sarif"
    write_text(str(target), "{}\n")
    assert target.read_text(encoding="utf-8") == "{}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.sarif"]


def test_failed_write_keeps_old_content_and_leaves_no_temp(tmp_path) -> None:
    target = tmp_path / "r.json"
    target.write_text("old report\n", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_text(str(target), "new \udcff report")  # cannot be encoded half-way through
    assert target.read_text(encoding="utf-8") == "old report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_mode_kept_and_symlink_written_through(tmp_path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("x", encoding="utf-8")
    os.chmod(real, 0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_text(str(link), "y")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "y"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640


def test_device_written_in_place() -> None:
    write_text(os.devnull, "discarded")  # renaming over /dev/null would replace the device
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_unwritable_directory_raises_oserror(tmp_path) -> None:
    with pytest.raises(OSError):
        write_text(str(tmp_path / "missing-dir" / "r.json"), "{}")
