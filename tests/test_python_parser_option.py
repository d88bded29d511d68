"""$SEMDIFF_PYTHON_PARSER: which parser reads Python first, and what tree-sitter-primary
changes (semdiff.lang.registry, semdiff.lang.ts_python.PythonTreeSitterBackend)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from semdiff import parse_cache, pipeline
from semdiff.errors import InputError
from semdiff.lang import registry
from semdiff.lang.python_cst import PythonBackend
from semdiff.lang.ts_python import MAX_LINE, PythonTreeSitterBackend, parse_python_fallback
from semdiff.pipeline import AnalyzeOptions, analyze_texts

sys.path.insert(0, str(Path(__file__).resolve().parent))
from python_parsers import python_parser  # noqa: E402,F401  (fixture)

GUARDED = (
    "def delete_user(request, user):\n"
    "    if not request.user.is_admin:\n"
    "        raise PermissionDenied()\n"
    "    user.delete()\n"
)
UNGUARDED = GUARDED.replace("    if not request.user.is_admin:\n        raise PermissionDenied()\n", "")


@pytest.fixture
def setting(monkeypatch: pytest.MonkeyPatch):
    """Set $SEMDIFF_PYTHON_PARSER (None: unset) and make the registry read it again."""
    def apply(value):
        if value is None:
            monkeypatch.delenv(registry.PYTHON_PARSER_ENV, raising=False)
        else:
            monkeypatch.setenv(registry.PYTHON_PARSER_ENV, value)
        registry.forget_backends()
        return registry.backend_for("app/views.py")

    yield apply
    registry.forget_backends()


# -- the setting -----------------------------------------------------------------------------------

def test_default_is_libcst(setting) -> None:
    backend = setting(None)
    assert backend.cache_id == "semdiff.lang.python_cst.PythonBackend"
    assert setting("").cache_id == "semdiff.lang.python_cst.PythonBackend"
    assert isinstance(setting("libcst").backend(), PythonBackend)


def test_tree_sitter_setting_and_its_cache_id_differs(setting) -> None:
    ts = setting("tree-sitter")
    assert ts.language == "python" and ts.cache_id == "semdiff.lang.ts_python.PythonTreeSitterBackend"
    assert isinstance(ts.backend(), PythonTreeSitterBackend)
    assert setting(" Tree-Sitter ").cache_id == ts.cache_id  # spaces and case do not matter
    assert setting("libcst").cache_id != ts.cache_id
    # shebang scripts and stubs follow the setting too
    setting("tree-sitter")
    assert registry.backend_for("bin/manage", "#!/usr/bin/env python3").cache_id == ts.cache_id
    assert registry.backend_for("app/views.pyi").cache_id == ts.cache_id


def test_unknown_setting_is_an_input_error_not_a_silent_default(setting) -> None:
    with pytest.raises(InputError, match="SEMDIFF_PYTHON_PARSER must be one of libcst, tree-sitter, not 'ast'"):
        setting("ast")


def test_cached_parses_never_cross_settings(setting, tmp_path: Path) -> None:
    cache = parse_cache.ParseCache(tmp_path / "cache")
    setting("libcst")
    libcst_key = pipeline._cache_key(cache, "app/views.py", GUARDED)
    setting("tree-sitter")
    ts_key = pipeline._cache_key(cache, "app/views.py", GUARDED)
    assert libcst_key is not None and ts_key is not None and libcst_key != ts_key


def test_a_run_under_one_setting_then_the_other_reads_its_own_parses(setting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Python 2 side is cached with its `fallback` note under libcst; the same text under
    tree-sitter is parsed again (no note), not answered from the libcst entry."""
    monkeypatch.setenv("SEMDIFF_CACHE_DIR", str(tmp_path / "cache"))
    before = GUARDED + "    print 'deleted'\n"
    after = UNGUARDED + "    print 'deleted'\n"
    reasons = {}
    for value in ("libcst", "tree-sitter", "libcst"):
        setting(value)
        report = analyze_texts([("app/views.py", before, after)])
        assert [(f.rule_id, f.unit, f.before.line) for f in report.findings if f.rule_id == "removed-guard"] == [("removed-guard", "delete_user", 2)]
        reasons.setdefault(value, []).append(sorted(n.reason for n in report.not_analyzed))
    assert reasons == {"libcst": [["fallback-parse", "fallback-parse"]] * 2, "tree-sitter": [[]]}


# -- tree-sitter as the primary parser ----------------------------------------------------------------

def test_ordinary_code_same_ir_as_libcst() -> None:
    text = "import os\n\nclass A:\n    def f(self, x):\n        if not x.ok:\n            raise E()\n        return os.path.join(x.a, 'b')\n"
    got, ref = PythonTreeSitterBackend().parse("a.py", text), PythonBackend().parse("a.py", text)
    assert got == ref and got.fallback is None and not got.partial


def test_syntax_error_is_read_with_the_broken_unit_partial_and_no_fallback_note() -> None:
    got = PythonTreeSitterBackend().parse("a.py", "def check(user:\n    return True\n\ndef ok(u):\n    if not u.admin:\n        abort(403)\n")
    assert got.error is None and got.fallback is None and got.partial
    assert [(u.qualname, u.partial) for u in got.units if u.qualname == "ok"] == [("ok", False)]
    assert [g.span.line for g in next(u for u in got.units if u.qualname == "ok").guards if g.kind == "branch"] == [5]


def test_long_line_is_handed_to_libcst_and_noted() -> None:
    text = "BLOB = '" + "a" * (MAX_LINE + 1) + "'\n" + GUARDED
    got = PythonTreeSitterBackend().parse("a.py", text)
    assert got.error is None and got.fallback == (
        f"tree-sitter could not read it whole (line 1 is longer than {MAX_LINE} characters); read with libcst")
    assert got.units == PythonBackend().parse("a.py", text).units
    # hard negative: a line at the bound is tree-sitter's own
    short = "BLOB = '" + "a" * (MAX_LINE - 10) + "'\n" + GUARDED
    assert PythonTreeSitterBackend().parse("a.py", short).fallback is None


@pytest.mark.parametrize("deep", ["f" + "(1)" * 2_000, "[" * 1_500 + "requests.get(u, verify=False)" + "]" * 1_500,
                                  "f" + "(1)" * 450], ids=["call-chain", "call-under-lists", "call-chain-past-libcsts-depth"])
def test_nesting_past_the_bounds_gets_libcsts_too_deep_answer(deep: str) -> None:
    text = GUARDED + f"DEEP = {deep}\n"
    got = PythonTreeSitterBackend().parse("a.py", text)
    assert got.units == () and got.error is not None and got.error.startswith("nesting too deep")
    assert got.error == PythonBackend().parse("a.py", text).error


def test_the_fallback_walk_reads_deeper_than_the_primary() -> None:
    """The fallback reads files libcst refused over a syntax error: there nothing better
    exists, so its expression bound stays MAX_COLLECT_DEPTH (1000)."""
    got = parse_python_fallback("print 'py2'\nDEEP = f" + "(1)" * 450 + "\n", "a.py")
    assert got.error is None and not got.partial
    assert len([c for u in got.units for c in u.calls]) == 451  # print and the 450 links


def test_nesting_within_the_bounds_is_tree_sitters_own() -> None:
    text = GUARDED + "DEEP = " + "[" * 150 + "requests.get(u, verify=False)" + "]" * 150 + "\n"
    got = PythonTreeSitterBackend().parse("a.py", text)
    assert got.error is None and got.fallback is None and not got.partial
    module = next(u for u in got.units if u.qualname == "<module>")
    assert [(c.callee, c.span.line) for c in module.calls] == [("requests.get", 5)]


# -- the fallback walk: a bound hit is a partial file -------------------------------------------------

def test_a_bound_hit_marks_the_file_partial_not_only_the_unit() -> None:
    """The pipeline reports a partial file only when ParsedFile.partial is set: a call nested
    past MAX_COLLECT_DEPTH that is not read must not pass silently."""
    text = "x = 1\nprint 'py2'\nDEEP = " + "[" * 1_500 + "requests.get(u, verify=False)" + "]" * 1_500 + "\n"
    got = parse_python_fallback(text, "a.py")
    module = next(u for u in got.units if u.qualname == "<module>")
    assert got.partial and module.partial and [c.callee for c in module.calls] == ["print"]  # requests.get not read
    # hard negative: the same call within the bounds, file not partial
    ok = parse_python_fallback("x = 1\nprint 'py2'\nDEEP = [[requests.get(u, verify=False)]]\n", "a.py")
    assert not ok.partial and [c.callee for u in ok.units for c in u.calls] == ["print", "requests.get"]


def test_deep_file_gives_a_security_relevant_entry_under_both_settings(python_parser: str) -> None:
    after = UNGUARDED + "DEEP = " + "[" * 1_500 + "requests.get(u, verify=False)" + "]" * 1_500 + "\n"
    report = analyze_texts([("app/auth.py", GUARDED, after)], AnalyzeOptions(use_cache=False))
    assert [(n.reason, n.security_relevant) for n in report.not_analyzed] == [("too-deep", True)]


def test_unknown_setting_is_a_one_line_usage_error_of_the_cli(tmp_path: Path, setting) -> None:
    from click.testing import CliRunner

    from gitrepo import GitRepo
    from semdiff.cli import cli

    repo = GitRepo(tmp_path / "repo")
    repo.write({"app/views.py": GUARDED})
    base = repo.commit("guarded")
    repo.write({"app/views.py": UNGUARDED})
    head = repo.commit("open")
    registry.forget_backends()
    result = CliRunner().invoke(cli, ["--repo", str(repo.root), f"{base}..{head}", "--no-cache"],
                                env={"CI": None, "SEMDIFF_DEBUG": None, registry.PYTHON_PARSER_ENV: "ast"}, catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr.strip() == "semdiff: error: $SEMDIFF_PYTHON_PARSER must be one of libcst, tree-sitter, not 'ast'"
