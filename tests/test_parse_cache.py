"""semdiff.parse_cache wired into the pipeline: a warm run parses nothing, says exactly what a
cold run says, forks nothing and imports no libcst; --no-cache writes nothing; damaged
entries are misses; results that depend on more than the text are never stored."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from semdiff import budget, parse_cache, parse_pool, pipeline
from semdiff.ir import ParsedFile
from semdiff.pipeline import AnalyzeOptions, analyze_texts

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_fixtures import case_folders, load_case  # noqa: E402
from python_parsers import python_parser  # noqa: E402,F401  (fixture)

ROOT = Path(__file__).resolve().parents[1]
GUARDED = "def delete_user{n}(request, uid):\n    if not request.user.is_admin:\n        raise PermissionError()\n    return uid\n"
OPEN = "def delete_user{n}(request, uid):\n    return uid\n"


def _pairs(count: int) -> list[tuple[str, str, str]]:
    return [(f"app/views{n}.py", GUARDED.format(n=n), OPEN.format(n=n)) for n in range(count)]


def _key(report) -> tuple:
    return (tuple((f.fingerprint, f.rule_id, f.path, f.unit, int(f.severity), int(f.confidence), f.message,
                   f.before, f.after) for f in report.findings),
            tuple((n.path, n.reason, n.detail, n.security_relevant) for n in report.not_analyzed), report.units_analyzed)


def _entries(root: Path) -> list[Path]:
    return sorted((root / "graph").glob(f"{parse_cache.KIND}-v*/*/*.bin"))


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SEMDIFF_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    from semdiff.lang import python_focus

    def refuse(path, text):
        raise AssertionError(f"parsed {path} although it was cached")

    def refuse_focus(*args):
        raise AssertionError("focused a file change although its blanked texts were cached")

    monkeypatch.setattr(pipeline, "_parse", refuse)
    monkeypatch.setattr(python_focus, "focus", refuse_focus)


# -- the fixture suite, warm ------------------------------------------------------------------------

def test_every_fixture_case_reports_the_same_from_a_warm_cache(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = [load_case(folder) for folder in case_folders()]
    assert len(cases) > 300
    cold = [_key(analyze_texts([(c.path, c.before_text, c.after_text)], AnalyzeOptions(jobs=1))) for c in cases]
    assert len(_entries(cache_dir)) > len(cases)
    _no_parsing(monkeypatch)  # every side of every case must come from the cache now
    warm = [_key(analyze_texts([(c.path, c.before_text, c.after_text)], AnalyzeOptions(jobs=1))) for c in cases]
    differ = [c.case_id for c, a, b in zip(cases, cold, warm) if a != b]
    assert differ == []


def test_cold_cached_run_equals_an_uncached_run(cache_dir: Path, python_parser: str) -> None:
    pairs = _pairs(3) + [("legacy/views.py", "def f(u):\n    if not u.ok:\n        abort(403)\n    print 'x'\n", "def f(u):\n    print 'x'\n")]
    uncached = analyze_texts(pairs, AnalyzeOptions(use_cache=False))
    assert _entries(cache_dir) == []
    cold = analyze_texts(pairs)
    warm = analyze_texts(pairs)
    assert _key(uncached) == _key(cold) == _key(warm)
    assert [(f.rule_id, f.path, f.unit) for f in warm.findings if f.path == "app/views1.py"] == [("removed-guard", "app/views1.py", "delete_user1")]
    assert ("removed-guard", "legacy/views.py", "f") in [(f.rule_id, f.path, f.unit) for f in warm.findings]
    # under libcst the Python 2 file is read by the fallback, cached as such; tree-sitter as
    # the primary parser reads it directly
    assert any(n.reason == "fallback-parse" for n in warm.not_analyzed) == (python_parser == "libcst")


# -- what is keyed -------------------------------------------------------------------------------------

def test_focused_and_unfocused_parses_of_one_text_do_not_share_an_entry(cache_dir: Path) -> None:
    before = GUARDED.format(n=1) + "\n\n" + GUARDED.format(n=2)
    after = GUARDED.format(n=1) + "\n\n" + OPEN.format(n=2)
    focused = analyze_texts([("app/v.py", before, after)])
    whole = analyze_texts([("app/v.py", before, after)], AnalyzeOptions(focus=False))
    assert len(_entries(cache_dir)) == 4  # two sides, each as blanked by the focus and as a whole
    assert _key(focused) == _key(whole)
    assert [(f.rule_id, f.unit) for f in whole.findings if f.rule_id == "removed-guard"] == [("removed-guard", "delete_user2")]


def test_the_key_names_path_backend_text_and_code() -> None:
    k = parse_cache.ParseCache.key
    base = k("python\0x", "a.py", "x = 1\n")
    assert len({base, k("python\0y", "a.py", "x = 1\n"), k("python\0x", "b.py", "x = 1\n"), k("python\0x", "a.py", "x = 2\n")}) == 4


def test_a_code_change_changes_every_key(monkeypatch: pytest.MonkeyPatch) -> None:
    before = parse_cache.ParseCache.key("python\0x", "a.py", "x = 1\n")
    monkeypatch.setattr(parse_cache, "_FINGERPRINT", None)
    monkeypatch.setattr(parse_cache, "SOURCES", parse_cache.SOURCES + ("model.py",))
    assert parse_cache.ParseCache.key("python\0x", "a.py", "x = 1\n") != before


# -- what is not stored --------------------------------------------------------------------------------

def test_only_deterministic_results_are_cacheable() -> None:
    assert parse_cache.cacheable(ParsedFile("a.py", "python", ()))
    assert parse_cache.cacheable(ParsedFile("a.json", "config", (), error="syntax error: expected ',' at line 3"))
    assert not parse_cache.cacheable(ParsedFile("a.py", "python", (), error="internal error: RuntimeError: boom"))
    assert not parse_cache.cacheable(ParsedFile("a.py", "python", (), error="nesting too deep to analyse"))


def test_a_backend_failure_is_not_stored(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from semdiff.lang.registry import backend_for

    real = backend_for("x.py").backend()

    def boom(path, text):
        raise RuntimeError("backend bug")

    monkeypatch.setattr(real, "parse", boom)
    report = analyze_texts([("app/a.py", "x = 1\n", "x = 2\n")])
    assert [(n.reason, n.detail.split(":")[0]) for n in report.not_analyzed] == [("parse-error", "before"), ("parse-error", "after")]
    assert _entries(cache_dir) == []


def test_a_timeout_leaves_no_entry(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(path, text):
        raise budget.FileTimeout("more than 1s")  # what the SIGALRM handler raises mid-parse

    monkeypatch.setattr(pipeline, "_parse", slow)
    report = analyze_texts(_pairs(1))
    assert [n.reason for n in report.not_analyzed] == ["timeout"]
    assert _entries(cache_dir) == []


def test_no_cache_neither_reads_nor_writes(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    analyze_texts(_pairs(2), AnalyzeOptions(use_cache=False))
    assert _entries(cache_dir) == []
    analyze_texts(_pairs(2))
    assert len(_entries(cache_dir)) == 4
    calls: list[str] = []
    real = pipeline._parse
    monkeypatch.setattr(pipeline, "_parse", lambda path, text: calls.append(path) or real(path, text))
    analyze_texts(_pairs(2), AnalyzeOptions(use_cache=False))
    assert sorted(calls) == ["app/views0.py", "app/views0.py", "app/views1.py", "app/views1.py"]


def test_cli_no_cache_flag_reaches_the_parse_cache(tmp_path: Path, cache_dir: Path) -> None:
    from click.testing import CliRunner

    from semdiff.cli import cli

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from gitrepo import GitRepo

    repo = GitRepo(tmp_path / "repo")
    repo.write({"app/views.py": GUARDED.format(n=0)})
    repo.commit("base")
    repo.write({"app/views.py": OPEN.format(n=0)})
    repo.commit("open")
    runner = CliRunner()
    args = ["HEAD~1..HEAD", "--repo", str(repo.root), "--format", "json"]
    off = runner.invoke(cli, [*args, "--no-cache"])
    assert off.exit_code in (0, 1), off.output
    assert _entries(cache_dir) == []
    on = runner.invoke(cli, args)
    assert len(_entries(cache_dir)) == 2 and on.output == off.output


# -- damaged entries ------------------------------------------------------------------------------------

def test_damaged_entries_are_misses_and_are_rewritten(cache_dir: Path) -> None:
    first = analyze_texts(_pairs(2))
    entries = _entries(cache_dir)
    good = [p.read_bytes() for p in entries]
    entries[0].write_bytes(good[0][: len(good[0]) // 2])  # torn
    entries[1].write_bytes(b"\x80\x04\x95garbage")  # not ours (a pickle header)
    entries[2].write_bytes(good[3])  # another key's entry under this name
    again = analyze_texts(_pairs(2))
    assert _key(first) == _key(again)
    assert [p.read_bytes() for p in _entries(cache_dir)] == good


def test_an_unreadable_cache_dir_costs_nothing_but_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("SEMDIFF_CACHE_DIR", str(blocker))
    assert _key(analyze_texts(_pairs(2))) == _key(analyze_texts(_pairs(2), AnalyzeOptions(use_cache=False)))


# -- workers and imports -----------------------------------------------------------------------------------

def test_workers_write_entries_and_a_warm_run_forks_nothing(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pairs = _pairs(12)
    cold = analyze_texts(pairs, AnalyzeOptions(jobs=2))
    assert len(_entries(cache_dir)) == 24  # written by the forked workers

    def no_pool(workers):
        raise AssertionError("forked although every file was cached")

    monkeypatch.setattr(parse_pool, "_executor", no_pool)
    _no_parsing(monkeypatch)
    warm = analyze_texts(pairs, AnalyzeOptions(jobs=2))
    assert _key(cold) == _key(warm)
    assert len([f for f in warm.findings if f.rule_id == "removed-guard"]) == 12


def test_only_the_misses_go_to_workers(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    analyze_texts(_pairs(12), AnalyzeOptions(jobs=1))
    seen: list[frozenset[int]] = []
    real = parse_pool.map_files

    def spy(items, work, workers, crashed, local=frozenset()):
        seen.append(frozenset(local))
        return real(items, work, workers, crashed, local)

    monkeypatch.setattr(parse_pool, "map_files", spy)
    more = _pairs(12) + [(f"app/new{n}.py", GUARDED.format(n=n), OPEN.format(n=n)) for n in range(10)]
    report = analyze_texts(more, AnalyzeOptions(jobs=2))
    assert seen == [frozenset(range(12))]
    assert len([f for f in report.findings if f.rule_id == "removed-guard"]) == 22


def test_a_warm_run_does_not_import_libcst(cache_dir: Path) -> None:
    script = (
        "import sys\n"
        "from semdiff.pipeline import analyze_texts\n"
        f"pairs = {_pairs(2)!r}\n"
        "r = analyze_texts(pairs)\n"
        "print(len(r.findings), 'libcst' in sys.modules, 'concurrent.futures.process' in sys.modules)\n"
    )
    env = dict(os.environ, SEMDIFF_CACHE_DIR=str(cache_dir), PYTHONPATH=str(ROOT))
    cold = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    warm = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert cold.stdout.split() == ["2", "True", "False"]
    assert warm.stdout.split() == ["2", "False", "False"]  # and nothing of process pools either


def test_a_cold_cache_is_not_asked_about_every_file(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    real = pipeline._cache_hits

    def spy(sides, cache):
        asked.append(sides.new_path)
        return real(sides, cache)

    monkeypatch.setattr(pipeline, "_cache_hits", spy)
    report = analyze_texts(_pairs(20), AnalyzeOptions(jobs=2))
    assert len(asked) == parse_pool.MIN_FILES  # all missed: the rest go to the workers unasked
    assert len(_entries(cache_dir)) == 40 and len([f for f in report.findings if f.rule_id == "removed-guard"]) == 20



def test_a_focus_entry_that_does_not_fit_the_texts_is_recomputed(cache_dir: Path) -> None:
    before = GUARDED.format(n=1) + "\n\n" + GUARDED.format(n=2)
    after = GUARDED.format(n=1) + "\n\n" + OPEN.format(n=2)
    first = analyze_texts([("app/v.py", before, after)])
    focus_entries = sorted((cache_dir / "graph").glob(f"{parse_cache.FOCUS_KIND}-v*/*/*.bin"))
    assert len(focus_entries) == 1
    key = focus_entries[0].parent.name + focus_entries[0].stem
    store = parse_cache.ParseCache()
    assert store.get_focus(key, (before, after)) is not None
    store.put_focus(key, ("x = 1\n", after))  # a forged entry: one line where the file has ten
    assert store.get_focus(key, (before, after)) is None
    focus_entries[0].write_bytes(focus_entries[0].read_bytes()[:-3])
    assert store.get_focus(key, (before, after)) is None
    again = analyze_texts([("app/v.py", before, after)])
    assert _key(first) == _key(again)
    assert store.get_focus(key, (before, after)) is not None  # rewritten by the run


def test_text_digest_is_the_texts_sha256_for_every_object_and_keeps_few() -> None:
    import hashlib

    from semdiff import parse_cache

    texts = [f"x = {i}\n\ud800" for i in range(parse_cache._DIGESTS_KEPT + 10)]
    for text in texts + texts:
        assert parse_cache.text_digest(text) == hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    equal = "".join(["x = 1", "\n\ud800"])  # another object, the same text
    assert parse_cache.text_digest(equal) == parse_cache.text_digest(texts[1])
    assert len(parse_cache._DIGESTS) <= parse_cache._DIGESTS_KEPT
