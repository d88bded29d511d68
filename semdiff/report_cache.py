"""Whole analysis reports by everything that decides them: an exactly repeated analysis is read.

A CI job often runs semdiff twice on one pull request (once for SARIF, once for the PR
comment), and a re-run of a job analyses the same range again. Both ask for a Report that
is already known. The parse cache and the graph snapshots make such a run cheaper; this
cache skips it: the Report the pipeline returned (before policy and reporters, so
`--format sarif` and then `--format markdown` share one entry) is stored and read back.

Only git ranges between commits are cached: a working-tree, staged or diff-file analysis
has no content id to key it by. The key (sha256) covers:

- the revision text as given (it is the report's description), and for each commit it names
  (`A..B`, `A...B`: both ends; one commit: itself) its commit id and its tree id. Commit ids,
  not only trees: a report carries its commits' messages (the default stated purpose) and
  ids, which a rebase changes without changing a tree;
- every analysis option (`AnalyzeOptions`: budgets, disabled rules, seeds, purpose text,
  rule options such as the AI policy, focus, graph on/off), in a canonical form. Options that
  cannot be put in one (a caller's own relevance function) mean "do not cache". Options that
  decide only how or how long, never what (NEUTRAL_OPTIONS: `jobs`, `graph_timeout`), are left
  out: their only effect on a report is a transient outcome (a dead worker, a spent graph
  budget), and a report holding one is never stored;
- the effective configuration (the parsed `Config`) and the bytes of the file it came from;
- the code: a hash of every file of the semdiff package and its grammar/seed data, plus the
  parse cache's fingerprint (parser packages, Python version).

Storage and trust are those of the parse cache (semdiff/parse_cache.py): one file per key in
`<cache dir>/graph/report-v<VERSION>/`, published whole (temporary file + os.replace), and
decoded by semdiff.ir_codec.Codec: `MAGIC | CRC-32 | marshal((shape, key, report))`, every
field checked against `semdiff.model`'s declared types, never unpickled. A damaged, forged
or foreign entry is a miss and is overwritten by the recomputed report.

What is stored (`storable`): only a report the inputs decide. Not one holding an outcome of
the moment (TRANSIENT_REASONS: a timeout, the memory limit, an internal error, a nesting
refusal, a failed or cut-short call graph), nor one whose commits lack their author and
committer: AI-authorship labels are read from those identities, and a report built after
their lookup quietly failed would be answered forever without its labels.
"""
from __future__ import annotations

import dataclasses
import enum
import os
from pathlib import Path
from typing import Any, Mapping, Optional

from semdiff import digests, ir_codec, model

KIND = "report"  # parse_cache.REPORT_KIND: evicted with the parse entries, least recently used first
VERSION = 1
MAGIC = b"SDREPORT1\0"
MAX_ENTRY_BYTES = 64 * 1024 * 1024
_PACKAGE_DIR = Path(__file__).resolve().parent

_CODEC: Optional[ir_codec.Codec] = None
_CODE: Optional[str] = None


# AnalyzeOptions fields that decide how (processes) or how long (the graph build's budget) an
# analysis runs, never what a stored report says: not part of the key (a report whose run they
# did change holds a transient NotAnalyzed and is not stored)
NEUTRAL_OPTIONS = ("jobs", "graph_timeout")
# NotAnalyzed reasons that depend on the load, the stack or a bug, not on the inputs
TRANSIENT_REASONS = frozenset({"timeout", "out-of-memory", "internal-error", "too-deep", "call-graph-error", "graph-timeout"})


class Uncacheable(Exception):
    """An input the key cannot describe exactly (then the analysis simply runs)."""


def codec() -> ir_codec.Codec:
    global _CODEC
    if _CODEC is None:
        _CODEC = ir_codec.Codec(model.Report, model, MAGIC)
    return _CODEC


def code_fingerprint() -> str:
    """Every source and data file that can change a report, hashed once per process (and
    remembered in the cache dir under the files' stat identity, as the parse cache's code
    fingerprint is: a repeated run lists and stats the ~2.8 MB of files, and reads them only
    when one changed)."""
    global _CODE
    if _CODE is None:
        from semdiff import parse_cache
        from semdiff.resources import grammars_dir

        files = sorted(p for p in _PACKAGE_DIR.rglob("*") if "__pycache__" not in p.parts and p.is_file()
                       and p.suffix in (".py", ".toml", ".scm", ".json", ".txt"))
        grammars = grammars_dir()
        if not grammars.is_relative_to(_PACKAGE_DIR):
            files += sorted(p for p in grammars.rglob("*") if p.is_file())
        _CODE = parse_cache.remembered_digest(f"semdiff-report-code\0{parse_cache.code_fingerprint()}\0", files)
    return _CODE


def canonical(value: Any) -> str:
    """A text that is equal exactly when two option values are (sets sorted, dataclasses by
    field); Uncacheable for anything else (a function, an object of unknown state)."""
    return repr(_canon(value, 0))


def _canon(v: Any, depth: int) -> Any:
    if depth > 50:
        raise Uncacheable("options nest too deeply")
    if v is None or type(v) in (str, int, float, bool, bytes):
        return v
    if isinstance(v, enum.Enum):
        return (type(v).__name__, v.value)
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return (type(v).__name__, tuple((f.name, _canon(getattr(v, f.name), depth + 1)) for f in dataclasses.fields(v)))
    if isinstance(v, Mapping):
        return ("map", tuple(sorted(((repr(_canon(k, depth + 1)), _canon(x, depth + 1)) for k, x in v.items()), key=repr)))
    if isinstance(v, (set, frozenset)):
        return ("set", tuple(sorted((_canon(x, depth + 1) for x in v), key=repr)))
    if isinstance(v, (tuple, list)):
        return (type(v).__name__, tuple(_canon(x, depth + 1) for x in v))
    raise Uncacheable(f"cannot key an option of type {type(v).__name__}")


def _commit_ids(repo: str, revision: str) -> Optional[tuple[str, ...]]:
    """(commit, tree) ids of every commit `revision` names (semdiff.source.git.revision_ids)."""
    from semdiff.source.git import revision_ids

    return revision_ids(repo, revision)


def report_key(repo: str, revision: Optional[str], options: Any, config: Any = None) -> Optional[str]:
    """The cache key of analysing `revision` in `repo` with `options` (and `config`), or None
    when this analysis is not cacheable (no revision, not commits, uncanonical options)."""
    if revision is None or getattr(options, "relevance", None) is not None:
        return None
    try:
        opts = canonical(_without_neutral(options))
        cfg = canonical(config)
    except Uncacheable:
        return None
    ids = _commit_ids(repo, revision)
    if ids is None:
        return None
    from semdiff.lang.registry import python_parser

    # the primary Python parser ($SEMDIFF_PYTHON_PARSER) decides what was read: a report made
    # under one setting must never answer a run under the other
    h = digests.sha256(f"semdiff-report-v{VERSION}\0{code_fingerprint()}\0{codec().shape}\0{python_parser()}\0".encode())
    h.update("\0".join((revision, *ids, opts, cfg)).encode("utf-8", "surrogatepass"))
    source = getattr(config, "source", None)
    if source:
        try:
            h.update(b"\0config-file\0" + Path(source).read_bytes())
        except OSError:
            return None  # the file the options came from is gone: do not guess
    return h.hexdigest()


def _without_neutral(options: Any) -> Any:
    """`options` with NEUTRAL_OPTIONS at their defaults (so they key nothing)."""
    if not dataclasses.is_dataclass(options) or isinstance(options, type):
        return options
    defaults = {f.name: f.default for f in dataclasses.fields(options)
                if f.name in NEUTRAL_OPTIONS and f.default is not dataclasses.MISSING}
    return dataclasses.replace(options, **defaults) if defaults else options


def storable(report: model.Report) -> bool:
    """Whether `report` is what these inputs always give (see the module docstring)."""
    if any(n.reason in TRANSIENT_REASONS or "internal error" in n.detail for n in report.not_analyzed):
        return False
    return all(c.author and c.committer for c in report.commits)


class ReportCache:
    """Reports by key, in the shared cache directory (semdiff.relevance.cache.BlobCache)."""

    def __init__(self, root: Any = None, store: Any = None) -> None:
        if store is None:
            from semdiff.relevance.cache import BlobCache

            store = BlobCache(root)
        self.store = store
        self.hits = self.misses = self.corrupt = self.writes = 0

    def path(self, key: str) -> Optional[Path]:
        return self.store.binary_path(KIND, VERSION, key)  # type: ignore[no-any-return]

    def get(self, key: str) -> Optional[model.Report]:
        """The stored report, or None (missing, unreadable, damaged, another key: a miss)."""
        data = self.store.read_binary(KIND, VERSION, key, MAX_ENTRY_BYTES, touch=True)
        if data is None:
            self.misses += 1
            return None
        report = codec().decode(data, key)
        if report is None:
            self.corrupt += 1
            self.misses += 1
            return None
        self.hits += 1
        return report  # type: ignore[no-any-return]

    def put(self, key: str, report: model.Report) -> None:
        """Best effort: an unencodable report or a read-only cache dir only costs speed.
        A report that is not `storable` is not written."""
        if not storable(report):
            return
        try:
            data = codec().encode(report, key)
        except ir_codec.CodecError:
            return
        if len(data) > MAX_ENTRY_BYTES:
            return
        before = self.store.stats.writes
        from semdiff.parse_cache import put_bounded

        put_bounded(self.store, KIND, VERSION, key, data)  # under the cache's size bound
        self.writes += self.store.stats.writes - before


def enabled_by_env() -> bool:
    """SEMDIFF_NO_REPORT_CACHE=1 turns the report cache off without touching the command line."""
    return os.environ.get("SEMDIFF_NO_REPORT_CACHE", "") in ("", "0")
