"""semdiff.regex_cache: stored regex programs give the same patterns as a fresh compile."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r'''
import re, sys
from semdiff import regex_cache
assert regex_cache.install(sys.argv[1])
pats = [(r"(?P<user>\w+)@(?P<host>[\w.]+)", 0), (r"verify\s*=\s*False", re.I), (rb"\x00+(ab|cd)*", 0),
        (r"^\s*#\s*(?:nosec|semdiff:\s*ignore)\b", re.M), (r"[", 0)]
out = []
for p, f in pats:
    try:
        c = re.compile(p, f)
    except re.error as exc:
        out.append(("error", str(exc)))
        continue
    out.append((c.pattern, c.flags, c.groups, dict(c.groupindex), bool(c.search(p if isinstance(p, bytes) else "a@b.c"))))
regex_cache.save()
print(repr(out), regex_cache._state.dirty, len(regex_cache._state.used))
'''


def _run(cache_dir: Path, env_extra: dict | None = None) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **(env_extra or {}))
    p = subprocess.run([sys.executable, "-c", PROBE, str(cache_dir)], capture_output=True, text=True, env=env, check=True)
    return p.stdout.strip()


def test_second_process_reads_the_programs_and_gets_equal_patterns(tmp_path: Path) -> None:
    first = _run(tmp_path)
    files = list((tmp_path / "startup").glob("regex-*.bin"))
    assert len(files) == 1
    second = _run(tmp_path)
    assert first.rsplit(" ", 2)[0] == second.rsplit(" ", 2)[0]  # same patterns, same matches, same error
    assert "('error'," in first
    # the second run compiled nothing new, so it did not rewrite the file
    assert second.split()[-2] == "False"


def test_damaged_file_is_a_miss(tmp_path: Path) -> None:
    first = _run(tmp_path)
    (path,) = (tmp_path / "startup").glob("regex-*.bin")
    path.write_bytes(b"SDREGEX3" + b"\x00garbage")
    assert _run(tmp_path).rsplit(" ", 2)[0] == first.rsplit(" ", 2)[0]


def test_forged_program_is_refused_by_sre_and_compiled_afresh(tmp_path: Path) -> None:
    import marshal

    first = _run(tmp_path)
    (path,) = (tmp_path / "startup").glob("regex-*.bin")
    entries, runs = marshal.loads(path.read_bytes()[8:])
    key = (r"verify\s*=\s*False", 2)
    flags, code, groups, groupindex, indexgroup = entries[key]
    entries[key] = (flags, b"\xff\xff\x0f\x00" + code, groups, groupindex, indexgroup)  # not a valid program
    path.write_bytes(b"SDREGEX3" + marshal.dumps((entries, runs)))
    assert _run(tmp_path).rsplit(" ", 2)[0] == first.rsplit(" ", 2)[0]


def test_switched_off_by_env(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), SEMDIFF_NO_REGEX_CACHE="1")
    p = subprocess.run([sys.executable, "-c", "import sys; from semdiff import regex_cache;"
                        " print(regex_cache.install(sys.argv[1]))", str(tmp_path)],
                       capture_output=True, text=True, env=env, check=True)
    assert p.stdout.strip() == "False"


ONE_OFF = r"""
import re, sys
from semdiff import regex_cache
assert regex_cache.install(sys.argv[1])
re.compile(r"fixed\s+pattern")
re.compile(sys.argv[2])  # like a rule's pattern built from an analysed name
regex_cache.save()
"""


def _keys(cache_dir: Path) -> set:
    import marshal

    (path,) = (cache_dir / "startup").glob("regex-*.bin")
    return {k[0] for k in marshal.loads(path.read_bytes()[8:])[0]}


def test_one_off_patterns_do_not_pile_up(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for name in ("alpha", "beta", "gamma"):
        subprocess.run([sys.executable, "-c", ONE_OFF, str(tmp_path), rf"\b{name}\b"], env=env, check=True)
    keys = _keys(tmp_path)
    assert r"fixed\s+pattern" in keys  # used by every writing run
    assert r"\bgamma\b" in keys  # the last run's own
    assert r"\balpha\b" not in keys and r"\bbeta\b" not in keys  # one-offs of earlier runs are gone
