"""`semdiff.analyze`: the public entry point, the same pipeline the CLI runs."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Callable, Optional, Union

from semdiff.model import ChangeSet, NotAnalyzed, Report
from semdiff.pipeline import AnalyzeOptions, analyze_changeset
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
    report = _analyze(revision, repo, staged, diff_path, diff_text, opts)
    if config is None:
        return report
    from semdiff.suppress import apply_policy_files

    return apply_policy_files(report, config)[0]


def _analyze(
    revision: Optional[str], repo: str, staged: bool, diff_path: Optional[str], diff_text: Optional[str],
    opts: AnalyzeOptions,
) -> Report:
    request = ChangeRequest(
        repo=repo, revision=revision, staged=staged, diff_path=diff_path, diff_text=diff_text,
        max_file_bytes=opts.max_file_bytes,
    )
    changes = collect_changes(request)
    if opts.relevance is None and opts.use_graph:
        repo_rel = repository_relevance(changes, opts)
        if isinstance(repo_rel, _GraphFailure):
            note = NotAnalyzed("<call graph>", "call-graph-error", f"relevance fell back to names: {repo_rel.detail}")
            changes = replace(changes, not_analyzed=changes.not_analyzed + (note,))
        elif repo_rel is not None:
            opts = replace(opts, relevance=_combined(repo_rel),
                           rule_options={**dict(opts.rule_options), "repo_relevance": repo_rel})
    return analyze_changeset(changes, opts)


def repository_relevance(changes: ChangeSet, opts: AnalyzeOptions) -> Union["RepoRelevance", "_GraphFailure", None]:
    """The call graph at both ends of the range, when there is a repository and code changed.

    Returns a `RepoRelevance`, or None (bare diff, nothing graphable, git unreadable): then
    relevance falls back to names, and findings say so through their why-paths.
    """
    from semdiff.relevance.facts import extractor_for

    if not changes.repo_root or not any(extractor_for(fc.path) for fc in changes.files):
        return None
    from semdiff.relevance.cache import BlobCache
    from semdiff.relevance.propagate import RepoRelevance
    from semdiff.relevance.repo import GitReadError, graph_for_revision
    from semdiff.relevance.seeds import SeedError, load_seeds

    cache = BlobCache() if opts.use_cache else None
    base = changes.base or "HEAD"
    head = changes.head or "HEAD"
    try:
        before = graph_for_revision(changes.repo_root, base, cache)
        after = before if head == base else graph_for_revision(changes.repo_root, head, cache)
        seeds = load_seeds(opts.extra_seeds or None)
    except (GitReadError, SeedError, OSError):
        return None
    except Exception as exc:  # the graph refines relevance; its failure must not stop analysis
        return _GraphFailure(f"{type(exc).__name__}: {exc}")
    return RepoRelevance(before, after, seeds)


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
