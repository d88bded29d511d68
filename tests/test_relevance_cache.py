"""Blob cache: warm runs re-parse only changed blobs; corrupt entries and races are harmless."""
from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from semdiff.relevance.cache import CACHE_ENV, MAX_PACKS_PER_SHARD, BlobCache, _encode_pack, _read_pack_index, default_cache_dir
from semdiff.relevance.explain import export_graph
from semdiff.relevance.extract_python import EXTRACTOR_VERSION
from semdiff.relevance.graph import build_graph, git_blob_id
from semdiff.relevance.repo import graph_for_revision, list_tree
from tests.gitrepo import GitRepo

FILES = {
    "app/__init__.py": "",
    "app/auth.py": "def check_role(user, role):\n    if role not in user.roles:\n        raise PermissionError(role)\n",
    "app/views.py": "from app.auth import check_role\n\ndef view(u):\n    check_role(u, 'admin')\n",
    "app/util.py": "def helper(x):\n    return x\n",
}


def make_repo(tmp_path: Path) -> tuple[GitRepo, str]:
    repo = GitRepo(tmp_path / "repo")
    repo.write(FILES)
    return repo, repo.commit("one")


def blob_of(repo: GitRepo, rev: str, path: str) -> str:
    return {p: oid for p, oid, _ in list_tree(str(repo.root), rev)}[path]


def entry_bytes(cache_dir: Path, blob: str) -> bytes:
    path, offset, length = BlobCache(cache_dir)._shard_index("python", EXTRACTOR_VERSION, blob[0])[blob]
    return Path(path).read_bytes()[offset:offset + length]


def replace_entry(cache_dir: Path, blob: str, raw: bytes) -> None:
    """Overwrite one blob's entry inside the pack that holds it (damage, as a disk or a hand would)."""
    path = BlobCache(cache_dir)._shard_index("python", EXTRACTOR_VERSION, blob[0])[blob][0]
    whole = Path(path).read_bytes()
    entries = {b: whole[o:o + n] for b, (o, n) in _read_pack_index(path, whole).items()}
    entries[blob] = raw
    Path(path).write_bytes(_encode_pack(entries))


def stored_blobs(cache_dir: Path) -> set[str]:
    cache = BlobCache(cache_dir)
    return {b for shard in "0123456789abcdef" for b in cache._shard_index("python", EXTRACTOR_VERSION, shard)}


def test_second_run_parses_only_changed_blobs(tmp_path):
    repo, one = make_repo(tmp_path)
    cache_dir = tmp_path / "cache"
    cold = graph_for_revision(str(repo.root), one, cache=BlobCache(cache_dir))
    assert (cold.stats.files, cold.stats.parsed, cold.stats.cached) == (4, 4, 0)

    same = graph_for_revision(str(repo.root), one, cache=BlobCache(cache_dir))
    assert same.stats.parsed == 0
    assert export_graph(same, "json") == export_graph(cold, "json")

    repo.write({"app/util.py": "def helper(x):\n    return x + 1\n", "app/new.py": "def g():\n    return 2\n"})
    two = repo.commit("two")
    warm = graph_for_revision(str(repo.root), two, cache=BlobCache(cache_dir))
    assert (warm.stats.files, warm.stats.parsed, warm.stats.cached) == (5, 2, 3)
    assert warm.graph.has_edge("app.views.view", "app.auth.check_role")
    assert "app.new.g" in warm.graph

    nocache = graph_for_revision(str(repo.root), two, cache=None)
    assert nocache.stats.parsed == 5
    assert export_graph(nocache, "json") == export_graph(warm, "json")


def test_build_graph_from_texts_shares_the_blob_cache(tmp_path):
    repo, one = make_repo(tmp_path)
    cache_dir = tmp_path / "cache"
    graph_for_revision(str(repo.root), one, cache=BlobCache(cache_dir))
    # texts without blob ids get git's ids, so they hit entries written from git objects
    triples = [(p, None, t) for p, t in FILES.items()] + [("README.md", None, "# not python")]
    g = build_graph(triples, cache=BlobCache(cache_dir))
    assert (g.stats.files, g.stats.parsed) == (4, 0)
    assert blob_of(repo, one, "app/auth.py") == git_blob_id(FILES["app/auth.py"].encode())
    g2 = build_graph({p: (git_blob_id(t.encode()), t) for p, t in FILES.items()}, cache=None)
    assert export_graph(g2, "json") == export_graph(g, "json")


def test_corrupt_entries_are_ignored_and_rebuilt(tmp_path):
    repo, one = make_repo(tmp_path)
    cache_dir = tmp_path / "cache"
    reference = export_graph(graph_for_revision(str(repo.root), one, cache=None), "json")
    graph_for_revision(str(repo.root), one, cache=BlobCache(cache_dir))

    auth_blob = blob_of(repo, one, "app/auth.py")
    views_blob = blob_of(repo, one, "app/views.py")
    util_blob = blob_of(repo, one, "app/util.py")
    replace_entry(cache_dir, auth_blob, b"\x00garbage{")  # not JSON
    entry = json.loads(entry_bytes(cache_dir, views_blob))
    entry["doc"]["calls"][0][2] = "seven"  # valid JSON, wrong type
    replace_entry(cache_dir, views_blob, json.dumps(entry).encode())
    entry = json.loads(entry_bytes(cache_dir, util_blob))
    entry["key"] = auth_blob  # an entry for another blob
    replace_entry(cache_dir, util_blob, json.dumps(entry).encode())
    snaps = list((cache_dir / "graph").glob("snapshot-v*/*/*.bin"))
    assert len(snaps) == 1
    for snap in snaps:
        raw = bytearray(snap.read_bytes())
        raw[-3] ^= 0xFF  # the whole-revision snapshot too: one flipped byte (checksum catches it)
        snap.write_bytes(bytes(raw))

    cache = BlobCache(cache_dir)
    rebuilt = graph_for_revision(str(repo.root), one, cache=cache)
    assert rebuilt.stats.parsed == 3 and rebuilt.stats.cached == 1
    assert cache.stats.corrupt == 4
    assert export_graph(rebuilt, "json") == reference
    # the entries were written again, in newer packs, which are the ones read
    fresh = BlobCache(cache_dir)
    assert all(fresh.get("python", EXTRACTOR_VERSION, b) is not None for b in (auth_blob, views_blob, util_blob))
    again = graph_for_revision(str(repo.root), one, cache=fresh)
    assert again.stats.parsed == 0 and fresh.stats.corrupt == 0


def test_cache_rejects_keys_that_are_not_object_ids(tmp_path):
    cache = BlobCache(tmp_path / "c")
    assert cache.get("python", 1, "../../etc/passwd") is None
    assert cache.get("../x", 1, "a" * 40) is None
    assert not (tmp_path / "c").exists()  # nothing was created from those names


def test_unwritable_cache_dir_only_costs_speed(tmp_path):
    repo, one = make_repo(tmp_path)
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    cache = BlobCache(blocker)
    g = graph_for_revision(str(repo.root), one, cache=cache)
    # 4 blobs, the snapshot and the tree memo
    assert g.stats.parsed == 4 and cache.stats.writes == 0 and cache.stats.write_errors == 6


def test_cache_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "env-cache"))
    assert default_cache_dir() == tmp_path / "env-cache"
    assert BlobCache().root == tmp_path / "env-cache"
    monkeypatch.delenv(CACHE_ENV)
    assert "semdiff" in str(default_cache_dir())


def _build_in_child(args: tuple[str, str, str]) -> str:
    root, rev, cache_dir = args
    return export_graph(graph_for_revision(root, rev, cache=BlobCache(cache_dir)), "json")


def test_two_processes_writing_at_once_stay_correct(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    many = {f"pkg/m{i}.py": f"from pkg.m{(i + 1) % 60} import f{(i + 1) % 60}\n\ndef f{i}(x):\n    return f{(i + 1) % 60}(x)\n" for i in range(60)}
    repo.write({**many, "pkg/__init__.py": ""})
    rev = repo.commit("many")
    reference = export_graph(graph_for_revision(str(repo.root), rev, cache=None), "json")
    cache_dir = str(tmp_path / "shared-cache")
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        results = pool.map(_build_in_child, [(str(repo.root), rev, cache_dir)] * 6, chunksize=1)
    assert all(r == reference for r in results)
    assert len(stored_blobs(Path(cache_dir))) == 61
    assert not [p for p in Path(cache_dir).rglob(".tmp-*")]  # no temporary file left behind
    assert all(json.loads(entry_bytes(Path(cache_dir), b))["key"] == b for b in stored_blobs(Path(cache_dir)))
    warm = graph_for_revision(str(repo.root), rev, cache=BlobCache(cache_dir))
    assert warm.stats.parsed == 0 and export_graph(warm, "json") == reference


def test_snapshot_round_trip_answers_like_a_fresh_build(tmp_path):
    from semdiff.relevance.propagate import RepoRelevance

    repo, one = make_repo(tmp_path)
    cache = BlobCache(tmp_path / "cache")
    fresh = graph_for_revision(str(repo.root), one, cache=cache)
    loaded = graph_for_revision(str(repo.root), one, cache=BlobCache(tmp_path / "cache"))
    assert loaded.stats.parsed == 0 and loaded._nx is None  # read from the snapshot, networkx not built
    assert export_graph(loaded, "json") == export_graph(fresh, "json")
    assert loaded.successors("app.views.view")["app.auth.check_role"]["kinds"] == ("call",)
    assert "app.views.view" in loaded.predecessors("app.auth.check_role")
    assert loaded.first_site("app.views.view", "app.auth.check_role") == (4, 4)
    a, b = RepoRelevance(None, fresh), RepoRelevance(None, loaded)
    assert a.relevance("app/views.py", "view", "after") == b.relevance("app/views.py", "view", "after")
    assert a.callers("app/auth.py", "check_role", "after") == b.callers("app/auth.py", "check_role", "after") == ("app.views.view",)


def test_snapshot_of_another_format_is_rebuilt(tmp_path):
    repo, one = make_repo(tmp_path)
    cache_dir = tmp_path / "cache"
    reference = export_graph(graph_for_revision(str(repo.root), one, cache=BlobCache(cache_dir)), "json")
    (snap,) = (cache_dir / "graph").glob("snapshot-v*/*/*.bin")
    snap.write_bytes(b"SDGSNAP2\x00\x00\x00\x00not marshal")
    cache = BlobCache(cache_dir)
    again = graph_for_revision(str(repo.root), one, cache=cache)
    assert cache.stats.corrupt == 1 and again.stats.parsed == 0 and again.stats.cached == 4
    assert export_graph(again, "json") == reference
    assert BlobCache(cache_dir).binary_path("snapshot", 2, "../x") is None


# -- tree memo and bucketed snapshots --------------------------------------------------------------
def _listing_counter(monkeypatch) -> list[str]:
    """Count `git ls-tree` listings made by graph_for_revision."""
    from semdiff.relevance import repo as repo_mod

    calls: list[str] = []
    real = repo_mod.list_tree

    def spy(root: str, rev: str, tree=None):
        calls.append(rev)
        return real(root, rev, tree)

    monkeypatch.setattr(repo_mod, "list_tree", spy)
    return calls


def test_warm_run_does_not_list_the_tree(tmp_path, monkeypatch):
    repo, one = make_repo(tmp_path)
    cache_dir = tmp_path / "cache"
    reference = export_graph(graph_for_revision(str(repo.root), one, cache=BlobCache(cache_dir)), "json")
    listings = _listing_counter(monkeypatch)
    warm = graph_for_revision(str(repo.root), one, cache=BlobCache(cache_dir))
    assert listings == [] and warm.stats.parsed == 0
    assert export_graph(warm, "json") == reference
    # another commit with the same tree (an empty commit) is the same graph, still unlisted
    two = repo.commit("empty", allow_empty=True)
    assert export_graph(graph_for_revision(str(repo.root), two, cache=BlobCache(cache_dir)), "json") == reference
    assert listings == []


def test_tree_memo_is_ignored_when_the_extractor_version_changes(tmp_path, monkeypatch):
    from semdiff.relevance.facts import extractor_for

    repo, one = make_repo(tmp_path)
    cache_dir = tmp_path / "cache"
    graph_for_revision(str(repo.root), one, cache=BlobCache(cache_dir))
    listings = _listing_counter(monkeypatch)
    # the version the cache keys see (facts.EXTRACTOR_VERSIONS, carried by the deferred extractor)
    monkeypatch.setattr(extractor_for("x.py"), "version", EXTRACTOR_VERSION + 1000)
    again = graph_for_revision(str(repo.root), one, cache=BlobCache(cache_dir))
    assert len(listings) == 1 and again.stats.parsed == 4  # new version: no memo, no snapshot, no facts
    third = graph_for_revision(str(repo.root), one, cache=BlobCache(cache_dir))
    assert len(listings) == 1 and third.stats.parsed == 0  # and the new version's memo is used next time


def test_tree_memo_is_ignored_when_a_suffix_gains_an_extractor(tmp_path, monkeypatch):
    from semdiff.relevance import facts
    from semdiff.relevance.extract_python import PythonExtractor

    repo = GitRepo(tmp_path / "repo")
    repo.write({**FILES, "app/extra.pyx": "from app.auth import check_role\n\ndef g(u):\n    check_role(u, 'x')\n"})
    one = repo.commit("with a .pyx file")
    cache_dir = tmp_path / "cache"
    first = graph_for_revision(str(repo.root), one, cache=BlobCache(cache_dir))
    assert "app.extra.g" not in first and first.stats.files == 4
    facts.extractor_for("x.py")  # built-in table loaded before it is patched
    monkeypatch.setattr(facts, "_FACTORIES", {**facts._FACTORIES, ".pyx": PythonExtractor})
    monkeypatch.setattr(facts, "_INSTANCES", dict(facts._INSTANCES))
    listings = _listing_counter(monkeypatch)
    second = graph_for_revision(str(repo.root), one, cache=BlobCache(cache_dir))
    assert len(listings) == 1 and second.stats.files == 5
    assert "app.extra.g" in second.predecessors("app.auth.check_role")


def _bucket_span(snap: Path, node: str) -> tuple[int, int]:
    """(offset, length) of the node bucket holding `node` in a snapshot file."""
    import marshal
    import struct

    from semdiff.relevance.snapshot import bucket_of

    raw = snap.read_bytes()
    meta_off, meta_len, _crc, _magic = struct.unpack("<QII8s", raw[-24:])
    _key, buckets, index, *_ = marshal.loads(raw[meta_off: meta_off + meta_len])
    offset, length, _ = struct.unpack_from("<QII", index, 16 * bucket_of(node, buckets))
    return offset, length


def _chain_repo(tmp_path: Path) -> tuple[GitRepo, str]:
    repo = GitRepo(tmp_path / "repo")
    many = {f"pkg/m{i}.py": f"from pkg.m{(i + 1) % 60} import f{(i + 1) % 60}\n\ndef f{i}(x):\n    return f{(i + 1) % 60}(x)\n" for i in range(60)}
    repo.write({**many, "pkg/__init__.py": "", "pkg/auth.py": FILES["app/auth.py"],
                "pkg/views.py": "from pkg.auth import check_role\nfrom pkg.m3 import f3\n\ndef view(u):\n    check_role(u, 'admin')\n    return f3(u)\n"})
    return repo, repo.commit("many")


def test_a_warm_query_reads_only_the_buckets_it_touches(tmp_path):
    from semdiff.relevance.propagate import RepoRelevance

    repo, rev = _chain_repo(tmp_path)
    fresh = graph_for_revision(str(repo.root), rev, cache=BlobCache(tmp_path / "cache"))
    lazy = graph_for_revision(str(repo.root), rev, cache=BlobCache(tmp_path / "cache"))
    store = lazy._store
    assert store.bucket_reads == 0  # opening reads the footer and index only
    got = RepoRelevance(None, lazy).relevance("pkg/views.py", "view", "after")
    assert got == RepoRelevance(None, fresh).relevance("pkg/views.py", "view", "after")
    assert got.category == "authz" and got.why_path[-1] == "pkg.auth.check_role"
    from semdiff.relevance.snapshot import bucket_count

    total = 2 * bucket_count(fresh.graph.number_of_nodes())
    assert 0 < store.bucket_reads < total // 2 and lazy._nx is None


def test_lazy_snapshot_answers_every_node_like_a_fresh_build(tmp_path):
    repo, rev = _chain_repo(tmp_path)
    fresh = graph_for_revision(str(repo.root), rev, cache=BlobCache(tmp_path / "cache"))
    lazy = graph_for_revision(str(repo.root), rev, cache=BlobCache(tmp_path / "cache"))
    for node in fresh.graph.nodes:
        assert lazy.attrs(node) == fresh.attrs(node)
        assert dict(lazy.successors(node)) == dict(fresh.successors(node))
        assert {p: tuple(e["kinds"]) for p, e in lazy.predecessors(node).items()} == {
            p: tuple(e["kinds"]) for p, e in fresh.predecessors(node).items()}
        assert lazy.predecessor_kinds(node) == fresh.predecessor_kinds(node)
        assert all(e["source_routed"] == bool(fresh.routes(p)) for p, e in lazy.predecessors(node).items())
    assert "pkg.nowhere" not in lazy and lazy.predecessors("pkg.nowhere") == {}
    assert lazy._nx is None


def test_a_damaged_bucket_is_found_on_first_use_and_the_graph_rebuilt(tmp_path):
    repo, rev = _chain_repo(tmp_path)
    cache_dir = tmp_path / "cache"
    reference = export_graph(graph_for_revision(str(repo.root), rev, cache=None), "json")
    graph_for_revision(str(repo.root), rev, cache=BlobCache(cache_dir))
    (snap,) = (cache_dir / "graph").glob("snapshot-v*/*/*.bin")
    offset, length = _bucket_span(snap, "pkg.m7.f7")
    raw = bytearray(snap.read_bytes())
    raw[offset + length // 2] ^= 0xFF
    snap.write_bytes(bytes(raw))

    cache = BlobCache(cache_dir)
    lazy = graph_for_revision(str(repo.root), rev, cache=cache)
    assert cache.stats.corrupt == 0  # header and index are whole; the bucket is not read yet
    assert "pkg.m8.f8" in lazy.successors("pkg.m7.f7")  # reading it finds the damage ...
    assert cache.stats.corrupt == 1 and lazy._store._fallback is not None  # ... and answers from a rebuild
    assert export_graph(lazy, "json") == reference
    fresh = BlobCache(cache_dir)  # the rebuild wrote the snapshot again
    again = graph_for_revision(str(repo.root), rev, cache=fresh)
    assert export_graph(again, "json") == reference and fresh.stats.corrupt == 0


def _facts_for(blob: str):
    from semdiff.relevance.facts import CallSite, FileFacts

    return FileFacts("python", calls=(CallSite("<module>", f"f_{blob[:6]}", 1, 0),))


def test_a_run_killed_before_its_batch_ends_leaves_nothing_behind(tmp_path):
    # a run killed mid-build: its puts are only in memory, so the cache holds no pack, no
    # temporary file, nothing a later run could misread
    import os

    cache_dir = tmp_path / "cache"
    BlobCache(cache_dir).put("python", EXTRACTOR_VERSION, "1" * 40, _facts_for("1" * 40))
    pid = os.fork()
    if pid == 0:  # the child dies inside the batch, as a killed run would
        cache = BlobCache(cache_dir)
        with cache.batch():
            for i in range(20):
                blob = f"{i:x}" * 40
                cache.put("python", EXTRACTOR_VERSION, blob[:40], _facts_for(blob))
            os._exit(0)
    os.waitpid(pid, 0)
    assert stored_blobs(cache_dir) == {"1" * 40}
    assert not list(cache_dir.rglob(".tmp-*"))
    assert BlobCache(cache_dir).get("python", EXTRACTOR_VERSION, "1" * 40) == _facts_for("1" * 40)


def test_a_damaged_or_foreign_pack_is_a_miss_and_its_blobs_are_extracted_again(tmp_path):
    repo, one = make_repo(tmp_path)
    cache_dir = tmp_path / "cache"
    reference = export_graph(graph_for_revision(str(repo.root), one, cache=None), "json")
    graph_for_revision(str(repo.root), one, cache=BlobCache(cache_dir))
    packs = sorted((cache_dir / "graph").glob("facts-p*/python-v*/*/*.pack"))
    assert packs and len({p.parent for p in packs}) == len(packs)  # one pack per shard touched
    packs[0].write_bytes(packs[0].read_bytes()[:30])  # cut inside the index
    if len(packs) > 1:
        packs[1].write_bytes(b"semdiff-facts-pack 999 2\n{}")  # another layout's pack
    for snap in (cache_dir / "graph").glob("snapshot-v*/*/*.bin"):
        snap.unlink()  # make the next run assemble from per-blob facts
    for memo in (cache_dir / "graph").glob("tree-v*/*/*"):
        memo.unlink()
    cache = BlobCache(cache_dir)
    rebuilt = graph_for_revision(str(repo.root), one, cache=cache)
    lost = len(_read_pack_index(str(packs[0]))) + (len(_read_pack_index(str(packs[1]))) if len(packs) > 1 else 0)
    assert lost == 0  # neither pack is readable any more ...
    assert rebuilt.stats.parsed >= 1 and rebuilt.stats.parsed + rebuilt.stats.cached == 4
    assert export_graph(rebuilt, "json") == reference  # ... and the graph is the same
    assert len(stored_blobs(cache_dir)) == 4  # the blobs are stored again, in new packs


def test_a_shard_with_too_many_packs_is_merged_and_keeps_every_blob(tmp_path):
    cache_dir = tmp_path / "cache"
    blobs = [f"a{i:039x}" for i in range(MAX_PACKS_PER_SHARD + 3)]  # one shard ("a")
    for blob in blobs:  # one put outside a batch: one pack each
        BlobCache(cache_dir).put("python", EXTRACTOR_VERSION, blob, _facts_for(blob))
    shard = BlobCache(cache_dir).facts_dir("python", EXTRACTOR_VERSION, "a")
    assert 1 <= len(list(shard.glob("*.pack"))) < MAX_PACKS_PER_SHARD
    fresh = BlobCache(cache_dir)
    assert all(fresh.get("python", EXTRACTOR_VERSION, b) == _facts_for(b) for b in blobs)
    assert fresh.stats.hits == len(blobs) and fresh.stats.corrupt == 0
    # the same blob written again (say, after damage) is read from the newest pack
    newer = _facts_for("f" * 40)
    BlobCache(cache_dir).put("python", EXTRACTOR_VERSION, blobs[0], newer)
    assert BlobCache(cache_dir).get("python", EXTRACTOR_VERSION, blobs[0]) == newer


def test_a_batch_writes_one_pack_per_shard_and_reads_its_own_puts(tmp_path):
    cache = BlobCache(tmp_path / "cache")
    blobs = [f"{i % 4:x}{i:039x}" for i in range(40)]  # 4 shards
    with cache.batch():
        for blob in blobs:
            cache.put("python", EXTRACTOR_VERSION, blob, _facts_for(blob))
        assert cache.get("python", EXTRACTOR_VERSION, blobs[5]) == _facts_for(blobs[5])  # before it is written
        assert not (tmp_path / "cache").exists()
    assert cache.stats.writes == 40
    assert len(list((tmp_path / "cache").rglob("*.pack"))) == 4
    assert stored_blobs(tmp_path / "cache") == set(blobs)
