"""The command's cache of parsed seed tables (semdiff.relevance.seeds.use_table_cache):
the same seeds as parsing, an entry read instead of parsing, damaged or forged entries
ignored, and a table that does not parse raises as before and leaves nothing behind."""
import marshal
import os
import sys
from pathlib import Path
import tomllib

import pytest

from semdiff.relevance import seeds

TABLE = '[categories.authz]\nscore = 0.9\nnames = ["check_role", "require_admin"]\nwords = ["Role"]\n'


@pytest.fixture
def cache_dir(tmp_path):
    seeds.use_table_cache(str(tmp_path / "cache"))
    yield tmp_path / "cache"
    seeds.use_table_cache(None)


def _entries(cache_dir):
    return sorted((cache_dir / "startup").glob("seeds-*.bin")) if (cache_dir / "startup").exists() else []


def test_cached_seeds_equal_parsed_seeds(cache_dir):
    seeds.use_table_cache(None)
    parsed = seeds.load_seeds()
    seeds.use_table_cache(str(cache_dir))
    first = seeds.load_seeds()
    assert len(_entries(cache_dir)) == 4  # python.toml and the three tables it takes imports from
    second = seeds.load_seeds()
    assert first == parsed and second == parsed


def test_entry_is_read_instead_of_parsing(cache_dir, tmp_path, monkeypatch):
    table = tmp_path / "mine.toml"
    table.write_text(TABLE)
    first = seeds.load_seeds(path=table)

    def refuse(_text):
        raise AssertionError("parsed again")

    monkeypatch.setattr(seeds, "_toml_loads", refuse)
    again = seeds.load_seeds(path=table)
    assert again == first
    assert again.match("app.check_role", "function") == seeds.SeedHit("authz", 0.9, "name 'check_role'")


def test_changed_text_is_parsed_afresh(cache_dir, tmp_path):
    table = tmp_path / "mine.toml"
    table.write_text(TABLE)
    seeds.load_seeds(path=table)
    table.write_text(TABLE.replace("0.9", "0.5"))
    assert seeds.load_seeds(path=table).categories[0].score == 0.5
    assert len(_entries(cache_dir)) == 2


@pytest.mark.parametrize("payload", [b"not marshal", marshal.dumps({"categories": {"authz": {"names": {"a"}}}}),
                                     marshal.dumps(["a list"]), marshal.dumps({"categories": (lambda: 0).__code__})])
def test_damaged_or_forged_entry_is_ignored(cache_dir, tmp_path, payload):
    table = tmp_path / "mine.toml"
    table.write_text(TABLE)
    expected = seeds.load_seeds(path=table)
    (entry,) = _entries(cache_dir)
    entry.write_bytes(payload)
    assert seeds.load_seeds(path=table) == expected
    assert marshal.loads(entry.read_bytes()) == tomllib.loads(TABLE)  # rewritten from the parse


def test_bad_table_raises_and_stores_nothing(cache_dir, tmp_path):
    table = tmp_path / "bad.toml"
    table.write_text("[categories.authz\nnames = [")
    with pytest.raises(seeds.SeedError):
        seeds.load_seeds(path=table)
    with pytest.raises(seeds.SeedError):
        seeds.load_seeds(path=table)
    assert _entries(cache_dir) == []


def test_off_by_default_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMDIFF_CACHE_DIR", str(tmp_path / "c"))
    seeds.use_table_cache(None)
    table = tmp_path / "mine.toml"
    table.write_text(TABLE)
    seeds.load_seeds(path=table)
    assert not (tmp_path / "c").exists()


def test_purpose_tables_read_through_the_cache_equal_parsed_ones(cache_dir):
    from semdiff.purpose import tables
    from semdiff.resources import grammars_dir

    for name in ("claims.toml", "reviewer.toml", "ai_authors.toml"):
        with open(grammars_dir() / "purpose" / name, "rb") as fh:
            parsed = tomllib.load(fh)
        assert tables._load(name) == parsed  # parsed, then stored
        assert tables._load(name) == parsed  # read back
    assert len(_entries(cache_dir)) == 3


def test_cached_tables_and_no_configuration_never_import_tomllib(cache_dir, tmp_path):
    """tomllib is imported when TOML is parsed, not before: a warm run of the command reads
    its tables from this cache and a repository without a configuration file has none to read;
    a table that does not parse is still an error naming the file."""
    import subprocess

    seeds.load_seeds()  # fills the cache for the fresh process below
    (tmp_path / "bad.toml").write_text("[categories\n")
    script = (
        "import sys\n"
        "from semdiff import config\n"
        "from semdiff.relevance import seeds\n"
        "from semdiff.purpose import tables\n"
        f"seeds.use_table_cache({str(cache_dir)!r})\n"
        f"config.load_for_repo({str(tmp_path / 'empty')!r}, None)\n"
        "seeds.load_seeds()\n"
        "print('tomllib' in sys.modules)\n"
        "try:\n"
        f"    seeds.load_seeds(path=__import__('pathlib').Path({str(tmp_path / 'bad.toml')!r}))\n"
        "except seeds.SeedError as exc:\n"
        "    print('bad.toml' in str(exc), 'tomllib' in sys.modules)\n"
    )
    (tmp_path / "empty").mkdir()
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert out.stdout.split() == ["False", "True", "True"], out.stderr
