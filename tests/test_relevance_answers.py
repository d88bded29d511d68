"""RepoRelevance's stored walk answers: a second run on the same graphs reads them and answers
exactly as walking does; other seeds or hop limits miss; a damaged file is ignored."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from semdiff.relevance import propagate
from semdiff.relevance.cache import BlobCache
from semdiff.relevance.propagate import RepoRelevance
from semdiff.relevance.repo import graph_for_revision
from semdiff.relevance.seeds import load_seeds

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gitrepo import GitRepo  # noqa: E402

APP = """\
from flask import Flask
import jwt

app = Flask(__name__)


def decode_token(raw):
    return jwt.decode(raw, "k", algorithms=["HS256"])


def load_user(raw):
    return decode_token(raw)


def helper(x):
    return x + 1


@app.route("/items")
def items(request):
    user = load_user(request.token)
    return helper(user)
"""
UNITS = [("app/main.py", q) for q in ("decode_token", "load_user", "helper", "items")]


@pytest.fixture
def setup(tmp_path: Path) -> tuple[str, str, Path]:
    repo = GitRepo(tmp_path / "repo")
    repo.write({"app/main.py": APP, "app/__init__.py": ""})
    sha = repo.commit("app")
    return str(repo.root), sha, tmp_path / "cache"


def _answers(cache: Path) -> list[Path]:
    return sorted((cache / "graph").glob(f"{propagate.ANSWERS_KIND}-v*/*/*.bin"))


def _all(rr: RepoRelevance) -> list:
    return [rr.relevance(p, q, side) for p, q in UNITS for side in ("before", "after")]


def _fresh_rr(root: str, sha: str, cache: Path, **kw) -> RepoRelevance:
    blobs = BlobCache(cache)
    g = graph_for_revision(root, sha, blobs)
    return RepoRelevance(g, g, kw.pop("seeds", None), answers=blobs, **kw)


def test_second_run_reads_the_answers_and_agrees_with_walking(setup, monkeypatch: pytest.MonkeyPatch) -> None:
    root, sha, cache = setup
    walked = _all(RepoRelevance(graph_for_revision(root, sha, None), graph_for_revision(root, sha, None)))
    first = _fresh_rr(root, sha, cache)
    assert _all(first) == walked
    assert (walked[0].category, walked[0].score) == ("token", 1.0)  # decode_token: a seed
    assert walked[4].score == 0.343 and walked[4].why_path == ("app.main.items", "app.main.helper")  # a backward walk
    first.save_answers()
    assert len(_answers(cache)) == 1

    def no_walks(*args, **kwargs):
        raise AssertionError("walked although the answer was stored")

    monkeypatch.setattr(RepoRelevance, "_backward", no_walks)
    monkeypatch.setattr(RepoRelevance, "_forward_next", no_walks)
    second = _fresh_rr(root, sha, cache)
    assert _all(second) == walked
    assert second._fresh == 0


@pytest.mark.parametrize("change", ["seeds", "hops", "decay", "code"])
def test_other_parameters_miss(setup, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    root, sha, cache = setup
    first = _fresh_rr(root, sha, cache)
    _all(first)
    first.save_answers()
    kw: dict = {}
    if change == "seeds":
        kw["seeds"] = load_seeds({"authz": {"names": ["helper"]}})
    elif change == "hops":
        kw["max_hops"] = 1
    elif change == "decay":
        kw["decay"] = 0.5
    else:
        monkeypatch.setattr(propagate, "_CODE", "other code")
    other = _fresh_rr(root, sha, cache, **kw)
    results = _all(other)
    assert other._fresh > 0  # walked: the stored answers were for other parameters
    if change == "seeds":
        assert results[4].category == "authz" and results[4].score >= 0.7  # helper is now a seed itself
    assert len(_answers(cache)) == 1  # nothing written yet for the new key


@pytest.mark.parametrize("damage", ["flip", "truncate", "wrong-types", "path-item-type"])
def test_damaged_answers_are_ignored(setup, damage: str) -> None:
    import marshal

    from semdiff.ir_codec import frame

    root, sha, cache = setup
    walked = _all(RepoRelevance(graph_for_revision(root, sha, None), graph_for_revision(root, sha, None)))
    first = _fresh_rr(root, sha, cache)
    _all(first)
    first.save_answers()
    (entry,) = _answers(cache)
    data = entry.read_bytes()
    if damage == "flip":
        entry.write_bytes(data[:-5] + bytes([data[-5] ^ 0x40]) + data[-4:])
    elif damage == "truncate":
        entry.write_bytes(data[:40])
    elif damage == "path-item-type":
        key = entry.parent.name + entry.stem
        forged = (key, (("app.main.helper", ("authz", 0.9, ("app.main.helper", 3), "forged")),), ())
        entry.write_bytes(frame(propagate._ANSWERS_MAGIC, marshal.dumps(forged, 4)))
    else:
        key = entry.parent.name + entry.stem
        forged = (key, (("app.main.helper", ("authz", "high", (), "forged")),), ())
        entry.write_bytes(frame(propagate._ANSWERS_MAGIC, marshal.dumps(forged, 4)))
    again = _fresh_rr(root, sha, cache)
    assert _all(again) == walked
    assert again._fresh > 0


def test_deferred_extractors_carry_the_real_language_and_version() -> None:
    """The cache keys read language/version without importing the extractor; they must be the
    real extractor's, for every built-in suffix."""
    from semdiff.relevance import facts

    for suffix in facts._BUILTIN:
        ex = facts.extractor_for("x" + suffix)
        real = ex.real()
        assert (ex.language, ex.version) == (real.language, real.version), suffix


def test_a_warm_graph_imports_no_extractor(setup) -> None:
    import subprocess

    root, sha, cache = setup
    graph_for_revision(root, sha, BlobCache(cache))
    code = (
        "import sys; from semdiff.relevance.cache import BlobCache; from semdiff.relevance.repo import graph_for_revision;"
        f"g = graph_for_revision({root!r}, {sha!r}, BlobCache({str(cache)!r}));"
        "print(len(list(g.successors('app.main.load_user'))), 'semdiff.relevance.extract_python' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout.split()
    assert out == ["1", "False"]
