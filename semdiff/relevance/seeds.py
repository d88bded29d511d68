"""Seed tables: what marks a call-graph node as security-relevant, as data.

The tables live in grammars/seeds/<language>.toml (see python.toml for the format) and can
be extended from configuration with `load_seeds(extra=...)`, which adds entries to existing
categories or creates new ones. Matching is by node name only, so it needs nothing but the
graph.
"""
from __future__ import annotations

import marshal
import os
import re
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping, Optional

from semdiff import digests
from semdiff.relevance.names import words as name_words

TABLE_KEYS = ("names", "words", "decorators", "imports", "calls")
_DEFINED_KINDS = {"function", "method", "class"}


class SeedError(ValueError):
    """A seed table is malformed (bad TOML, wrong types)."""


def toml_error() -> type:
    """`tomllib.TOMLDecodeError`, importing tomllib only now: a warm run reads its tables
    from the table cache and never parses TOML, and the import was ~1 % of such a run. An
    `except (..., toml_error())` clause evaluates it only when an exception reaches it."""
    import tomllib

    return tomllib.TOMLDecodeError


def _toml_loads(text: str) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(text)


# Parsed seed tables kept between runs of the command: `tomllib` takes about 0.7 ms per
# table and a warm PR run reads four, more than the rest of building the seeds. Only the
# command turns this on (`use_table_cache`, not with --no-cache); the library API parses.
TABLE_CACHE_VERSION = 1
_table_cache_dir: Optional[str] = None


def use_table_cache(cache_dir: Optional[str]) -> None:
    """Keep parsed tables under `<cache_dir>/startup/` (None: parse every table every time).

    An entry is named by a digest of the table's exact text (and the interpreter), holds only
    plain data (never code), and is stored only after `tomllib` parsed that text: the same
    table comes back as parsing the text would give, and a text that does not parse never has
    an entry, so its error is raised as before."""
    global _table_cache_dir
    _table_cache_dir = cache_dir


def _plain(value: Any, depth: int = 0) -> bool:
    """Only what `tomllib` returns for a seed table: tables, arrays, strings, numbers, booleans."""
    if depth > 32:
        return False
    if type(value) is dict:
        return all(type(k) is str and _plain(v, depth + 1) for k, v in value.items())
    if type(value) is list:
        return all(_plain(v, depth + 1) for v in value)
    return type(value) in (str, int, float, bool)


def parse_table(source: Path) -> dict[str, Any]:
    """`tomllib.loads` of the file's text, read from the table cache when this text was parsed
    before (the seed tables, and the purpose tables: semdiff.purpose.tables)."""
    text = source.read_text(encoding="utf-8")
    if _table_cache_dir is None:
        return _toml_loads(text)
    digest = digests.sha256(f"semdiff-seeds\0{TABLE_CACHE_VERSION}\0{sys.version}\0".encode())
    digest.update(text.encode("utf-8", "surrogatepass"))
    path = os.path.join(_table_cache_dir, "startup", f"seeds-{digest.hexdigest()}.bin")
    try:
        with open(path, "rb") as fh:
            data = marshal.loads(fh.read())
        if type(data) is dict and _plain(data):
            return data
    except (OSError, ValueError, EOFError, TypeError):
        pass
    data = _toml_loads(text)
    try:
        payload = marshal.dumps(data, 4) if _plain(data) else None
    except ValueError:
        payload = None
    if payload is not None:
        _store(path, payload)
    return data


def _store(path: str, payload: bytes) -> None:
    """Best effort, published whole (a temporary file, then os.replace)."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def grammars_dir() -> Path:
    """Where grammar data lives: the repository's grammars/ or the packaged semdiff/_grammars."""
    here = Path(__file__).resolve()
    top = here.parents[2] / "grammars"
    return top if top.is_dir() else here.parents[1] / "_grammars"


@dataclass(frozen=True)
class Category:
    name: str
    score: float = 1.0
    names: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    decorators: frozenset[str] = frozenset()
    imports: tuple[str, ...] = ()
    calls: frozenset[str] = frozenset()
    call_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SeedHit:
    category: str
    score: float
    reason: str  # e.g. "name word 'role'", "external call under 'jwt'"


@dataclass(frozen=True)
class Seeds:
    categories: tuple[Category, ...]

    @cached_property
    def _decorator_names(self) -> frozenset[str]:
        return frozenset(d for cat in self.categories for d in cat.decorators)

    def decorator_name(self, name: str) -> bool:
        """Whether `match` could depend on its `as_decorator` argument for this node name
        (spares a caller finding out how the node is used)."""
        return name.rpartition(".")[2] in self._decorator_names

    def match(self, name: str, kind: str, as_decorator: bool = False) -> Optional[SeedHit]:
        """The best seed hit for a node (`name` is its full dotted name), or None."""
        last = name.rpartition(".")[2]
        best: Optional[SeedHit] = None
        ws: Optional[list[str]] = None
        for cat in self.categories:
            reason = None
            if last in cat.names:
                reason = f"name '{last}'"
            elif as_decorator and last in cat.decorators:
                reason = f"decorator '{last}'"
            elif kind == "external":
                if name in cat.calls or any(name.startswith(p) for p in cat.call_prefixes):
                    reason = f"call to '{name}'"
                else:
                    for mod in cat.imports:
                        if name.startswith(mod) and (len(name) == len(mod) or name[len(mod)] == "."):
                            reason = f"external call under '{mod}'"
                            break
            elif kind in _DEFINED_KINDS and cat.words:
                if ws is None:
                    ws = name_words(last)
                hit = next((w for w in ws if w in cat.words), None)
                if hit is not None:
                    reason = f"name word '{hit}'"
            if reason is not None and (best is None or cat.score > best.score):
                best = SeedHit(cat.name, cat.score, reason)
        return best


def _as_strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SeedError(f"{where} must be a list of strings")
    return value


def _merge(base: dict[str, dict[str, Any]], extra: Mapping[str, Any], where: str) -> None:
    cats = extra.get("categories", extra)
    if not isinstance(cats, Mapping):
        raise SeedError(f"{where}: categories must be a table")
    for cat, table in cats.items():
        if not isinstance(table, Mapping):
            raise SeedError(f"{where}: category {cat!r} must be a table")
        into = base.setdefault(str(cat), {})
        for key, value in table.items():
            if key == "score":
                if not isinstance(value, (int, float)) or not 0 < value <= 1:
                    raise SeedError(f"{where}: {cat}.score must be a number in (0, 1]")
                into["score"] = float(value)
            elif key in TABLE_KEYS:
                into.setdefault(key, []).extend(_as_strings(value, f"{where}: {cat}.{key}"))
            else:
                raise SeedError(f"{where}: unknown key {cat}.{key}")


# The repository graph mixes languages, and a node does not say which one it is. The other
# languages' `imports` name externals in forms only their resolvers produce (npm package
# names, Go import paths, Java packages: `jsonwebtoken.verify`, `crypto/subtle.X`,
# `java.security.MessageDigest.getInstance`), so they join the default table without touching
# Python nodes; `calls` (written as the rule backends write callees, `jwt.verify`) and
# `names`/`words`/`decorators` stay out (Go's `New`, Java's `getInstance` would mark Python code).
OTHER_LANGUAGES = ("javascript", "go", "java")


def _merge_external_names(merged: dict[str, dict[str, Any]]) -> None:
    for other in OTHER_LANGUAGES:
        source = grammars_dir() / "seeds" / f"{other}.toml"
        try:
            cats = parse_table(source).get("categories", {})
        except (OSError, toml_error(), UnicodeDecodeError) as exc:
            raise SeedError(f"{source}: {exc}") from exc
        if isinstance(cats, Mapping):
            _merge(merged, {c: {k: v for k, v in t.items() if k == "imports"}
                            for c, t in cats.items() if isinstance(t, Mapping)}, str(source))


def load_seeds(extra: Optional[Mapping[str, Any]] = None, language: str = "python", path: Optional[Path] = None) -> Seeds:
    """Seeds for `language` from grammars/seeds/<language>.toml plus configuration `extra`.

    `extra` has the same shape as the file (`{"categories": {"authz": {"names": [...]}}}`, or
    the categories table directly); its lists are appended to the file's.
    """
    if not re.fullmatch(r"[a-z0-9_+-]+", language):
        raise SeedError(f"bad language name {language!r}")
    source = path or grammars_dir() / "seeds" / f"{language}.toml"
    try:
        data = parse_table(source)
    except (OSError, toml_error(), UnicodeDecodeError) as exc:
        raise SeedError(f"{source}: {exc}") from exc
    merged: dict[str, dict[str, Any]] = {}
    _merge(merged, data.get("categories", {}), str(source))
    if path is None and language == "python":
        _merge_external_names(merged)
    if extra:
        _merge(merged, extra, "configuration")
    cats = []
    for name, table in merged.items():
        calls = table.get("calls", [])
        cats.append(
            Category(
                name=name,
                score=table.get("score", 1.0),
                names=frozenset(table.get("names", [])),
                words=frozenset(w.lower() for w in table.get("words", [])),
                decorators=frozenset(table.get("decorators", [])),
                imports=tuple(table.get("imports", [])),
                calls=frozenset(c for c in calls if not c.endswith(".*")),
                call_prefixes=tuple(c[:-1] for c in calls if c.endswith(".*")),
            )
        )
    return Seeds(tuple(cats))
