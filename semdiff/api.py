"""`semdiff.analyze`: the public entry point, the same pipeline the CLI runs."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Callable, Optional, Union

from semdiff.model import ChangeSet, NotAnalyzed, Report
from semdiff.pipeline import AnalyzeOptions, analyze_changeset, start_parsing
from semdiff.source import ChangeRequest, collect_changes

if TYPE_CHECKING:
    from semdiff.align.units import UnitChange
    from semdiff.config import Config
    from semdiff.model import Relevance
    from semdiff.relevance.propagate import RepoRelevance


def analyze(
    revision: Optional[str] = None,
    *,
    repo: str = ".",
    staged: bool = False,
    diff_path: Optional[str] = None,
    diff_text: Optional[str] = None,
    options: Optional[AnalyzeOptions] = None,
    purpose: Optional[str] = None,
    config: Optional["Config"] = None,
    report_cache: bool = True,
    cache_config: Optional["Config"] = None,
) -> Report:
    """Analyse a git range (`A..B`, `A...B`, a single commit), the staged or working-tree
    changes (no revision), or a unified diff (`diff_path`, '-' for stdin, or `diff_text`).

    `purpose` is the change's stated purpose (e.g. a pull request's title and body); without
    it the commit messages are used. `config` (a `semdiff.config.Config`, e.g. from
    `semdiff.config.load_for_repo(repo)`) sets the analysis options it covers (disabled rules,
    budgets, relevance seeds, `ai-policy`) and then its
    policy: severity overrides, enabled/disabled rules, path filters, inline and configured
    suppressions and its baseline file. Suppressed findings move to `Report.suppressed`, with
    their reasons; nothing is dropped silently. Without `config` no policy is applied: every
    finding is in `Report.findings`.

    An exactly repeated analysis of a range between commits is read from the report cache
    (semdiff/report_cache.py, docs/parse-cache.md) unless `report_cache=False`,
    `options.use_cache` is off or $SEMDIFF_NO_REPORT_CACHE=1. `cache_config` is the
    configuration `options` were derived from when the caller applies its policy itself (the
    CLI does); it only keys that cache. Policy is applied after the cache, never stored.

    Raises `semdiff.errors.InputError` for unusable input (bad range, not a repository, a
    malformed configured baseline).
    """
    opts = options or AnalyzeOptions()
    if config is not None:
        from semdiff.config import analyze_options

        opts = analyze_options(config, opts)
        if config.ai_policy and "ai_policy" not in opts.rule_options:
            opts = replace(opts, rule_options={**dict(opts.rule_options), "ai_policy": config.ai_policy})
    if purpose is not None:
        opts = replace(opts, purpose_text=purpose)
    report = _cached_analyze(revision, repo, staged, diff_path, diff_text, opts,
                             report_cache, config if config is not None else cache_config)
    if config is None:
        return report
    from semdiff.suppress import apply_policy_files

    return apply_policy_files(report, config)[0]


def _cached_analyze(
    revision: Optional[str], repo: str, staged: bool, diff_path: Optional[str], diff_text: Optional[str],
    opts: AnalyzeOptions, use_report_cache: bool, config: Optional["Config"],
) -> Report:
    """`_analyze`, answered from the report cache when this exact analysis was done before."""
    key = cache = None
    if use_report_cache and opts.use_cache and revision is not None and not staged and diff_path is None and diff_text is None:
        from semdiff import report_cache

        if report_cache.enabled_by_env() and report_cache.codec().available():
            key = report_cache.report_key(repo, revision, opts, config)
            cache = report_cache.ReportCache() if key is not None else None
    if cache is not None and key is not None:
        hit = cache.get(key)
        if hit is not None:
            return hit
    degraded: list[bool] = []
    report = _analyze(revision, repo, staged, diff_path, diff_text, opts, degraded)
    if cache is not None and key is not None and not degraded:
        cache.put(key, report)  # only what the inputs decide (report_cache.storable)
    return report


def _analyze(
    revision: Optional[str], repo: str, staged: bool, diff_path: Optional[str], diff_text: Optional[str],
    opts: AnalyzeOptions, degraded: Optional[list[bool]] = None,
) -> Report:
    request = ChangeRequest(
        repo=repo, revision=revision, staged=staged, diff_path=diff_path, diff_text=diff_text,
        max_file_bytes=opts.max_file_bytes,
    )
    changes = collect_changes(request)
    repo_rel = None
    parsing = None
    if opts.relevance is None and opts.use_graph:
        # a large change is parsed by forked workers while this process builds the graphs
        parsing = start_parsing(changes, opts)
        try:
            repo_rel = repository_relevance(changes, opts, degraded)
        except BaseException:
            parsing.pending.cancel()
            raise
        if isinstance(repo_rel, _GraphFailure):
            note = NotAnalyzed("<call graph>", "call-graph-error", f"relevance fell back to names: {repo_rel.detail}")
            changes = replace(changes, not_analyzed=changes.not_analyzed + (note,))
        elif repo_rel is not None:
            opts = replace(opts, relevance=_combined(repo_rel),
                           rule_options={**dict(opts.rule_options), "repo_relevance": repo_rel})
    report = analyze_changeset(changes, opts, parsing)
    if repo_rel is not None and not isinstance(repo_rel, _GraphFailure):
        report = _with_graph_timeouts(report, changes, repo_rel)
    save = getattr(repo_rel, "save_answers", None)
    if save is not None:
        save()  # the walks' answers, for the next run on these graphs
    return report


def repository_relevance(
    changes: ChangeSet, opts: AnalyzeOptions, degraded: Optional[list[bool]] = None,
) -> Union["RepoRelevance", "_GraphFailure", None]:
    """The call graph at both ends of the range, when there is a repository and code changed.

    Returns a `RepoRelevance`, or None (bare diff, nothing graphable, git unreadable): then
    relevance falls back to names, and findings say so through their why-paths. When it is
    None for a reason that may pass (git or the cache unreadable), True is appended to
    `degraded`, so that the report is not stored as the answer for these inputs.
    """
    from semdiff.relevance.facts import extractor_for

    if not changes.repo_root or not any(extractor_for(fc.path) for fc in changes.files):
        return None
    from semdiff.relevance.cache import BlobCache
    from semdiff.relevance.propagate import RepoRelevance
    from semdiff.relevance.repo import GitReadError, graph_for_revision
    from semdiff.relevance.seeds import SeedError, load_seeds

    from semdiff.budget import deadline_after, graph_timeout

    cache = BlobCache() if opts.use_cache else None
    base = changes.base or "HEAD"
    head = changes.head or "HEAD"
    deadline = deadline_after(graph_timeout(opts.graph_timeout))  # one budget for both graphs
    try:
        before = graph_for_revision(changes.repo_root, base, cache, deadline)
        after = before if head == base else graph_for_revision(changes.repo_root, head, cache, deadline)
        seeds = load_seeds(opts.extra_seeds or None)
    except (GitReadError, SeedError, OSError):
        if degraded is not None:
            degraded.append(True)
        return None
    except Exception as exc:  # the graph refines relevance; its failure must not stop analysis
        return _GraphFailure(f"{type(exc).__name__}: {exc}")
    return RepoRelevance(before, after, seeds, answers=cache)


def _with_graph_timeouts(report: Report, changes: ChangeSet, repo_rel: "RepoRelevance") -> Report:
    """The report, plus the files the call-graph builds left out when their whole budget ran
    out (budget.graph_timeout_report: changed or security-looking files fail CI closed)."""
    from semdiff.budget import GRAPH_TIMEOUT_REASON, graph_timeout_report
    from semdiff.pipeline import path_looks_sensitive

    graphs = {id(g): g for g in repo_rel.graphs.values() if g is not None}.values()  # one graph when base == head
    skipped = [n for g in graphs for n in g.not_analyzed if n.reason == GRAPH_TIMEOUT_REASON]
    if not skipped:
        return report
    changed = [p for fc in changes.files for p in (fc.old_path, fc.new_path) if p]
    return replace(report, not_analyzed=report.not_analyzed + graph_timeout_report(skipped, changed, path_looks_sensitive))


def _combined(repo_rel: "RepoRelevance") -> Callable[["UnitChange"], "Relevance"]:
    """Graph relevance, never below what the unit's own names and callees say."""
    from semdiff.relevance.names import name_relevance

    def relevance(change: "UnitChange") -> "Relevance":
        graph = repo_rel.for_change(change)
        unit = change.after or change.before
        if unit is None:  # a unit change always has a side; nothing to add if not
            return graph
        names = name_relevance(unit)
        return graph if graph.score >= names.score else names

    return relevance


class _GraphFailure:
    """Stands in for a RepoRelevance that could not be built; reported as not analysed."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
