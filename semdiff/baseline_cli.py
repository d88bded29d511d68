"""`semdiff baseline create|update FILE [REVISION...]`: adopt semdiff on an existing history.

A team turning semdiff on meets findings it has already accepted. `create` analyses the given
revisions (ranges or single commits; the working tree against HEAD when none is given) and
writes every finding's fingerprint to FILE; later runs with `--baseline FILE` (or the
configuration's `baseline`) report those findings as suppressed ("baseline"), not as new.

`update` re-runs the analysis with the existing baseline applied and rewrites FILE with what
is still true (semdiff.baseline): accepted findings that are still there stay, fixed ones
drop out, and new findings of the given revisions are added. It says how many were added and
dropped, so an update that silently accepts new weakenings shows up in review.

The configuration (`--config`, else the repository's file) applies as in `analyze`: disabled
rules are not baselined, and findings already silenced by an inline or configured
suppression are not written (their reason is the record). The configuration's own `baseline`
path is ignored here: FILE is the baseline being written.
"""
from __future__ import annotations

import os
from dataclasses import replace
from typing import Any, Callable, Optional, Sequence, TypeVar

import click

from semdiff.errors import InputError
from semdiff.model import Finding, Report

_F = TypeVar("_F", bound=Callable[..., Any])


def _analyse_all(
    revisions: Sequence[str], repo: str, config_path: Optional[str], baseline: Optional[str], use_graph: bool,
) -> Report:
    """One report holding the findings (and baseline-suppressed findings) of every revision."""
    from semdiff import config as semdiff_config
    from semdiff.api import analyze
    from semdiff.pipeline import AnalyzeOptions

    cfg = replace(semdiff_config.load_for_repo(repo, config_path), baseline=baseline)
    options = AnalyzeOptions(use_graph=use_graph)
    findings: list[Finding] = []
    suppressed: list[tuple[Finding, str]] = []
    targets: list[Optional[str]] = [*revisions] or [None]
    for revision in targets:
        report = analyze(revision, repo=repo, config=cfg, options=options)
        findings.extend(report.findings)
        suppressed.extend(report.suppressed)
    return Report(findings=tuple(findings), suppressed=tuple(suppressed))


def _write(report: Report, path: str) -> frozenset[str]:
    from semdiff.baseline import baseline_document, write_baseline

    write_baseline(report, path)
    return frozenset(e["fingerprint"] for e in baseline_document(report)["findings"])


@click.group("baseline", context_settings={"help_option_names": ["-h", "--help"]})
def baseline_command() -> None:
    """Create or update a baseline file of accepted findings (see `semdiff --baseline`)."""


_REVISIONS_HELP = (
    " REVISION is A..B, A...B or a single commit, as for `semdiff`; several may be given (their"
    " findings are combined); none = the working tree against HEAD. Update with the same revisions"
    " the baseline was created from: an accepted finding they no longer show is dropped."
)


def _common(fn: _F) -> _F:
    """The arguments and options both commands take."""
    fn = click.option("--no-graph", is_flag=True, help="Judge relevance by names only (faster, less precise).")(fn)
    fn = click.option("--config", "config_path", metavar="FILE",
                      help="Read [tool.semdiff] settings from FILE instead of the repository's file.")(fn)
    fn = click.option("--repo", default=".", show_default=True, metavar="PATH", help="The git repository to read.")(fn)
    fn = click.argument("revisions", nargs=-1, metavar="[REVISION]...")(fn)
    fn = click.argument("file")(fn)
    return fn


@baseline_command.command("create", epilog=_REVISIONS_HELP)
@_common
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists (accepted findings not found again are lost).")
def create_command(file: str, revisions: tuple[str, ...], repo: str, config_path: Optional[str], no_graph: bool,
                   force: bool) -> int:
    """Write the fingerprints of the current findings to FILE."""
    if os.path.exists(file) and not force:
        raise InputError(
            f"baseline '{file}' already exists; use `semdiff baseline update {file} ...` to keep what it"
            " accepts, or --force to replace it"
        )
    report = _analyse_all(revisions, repo, config_path, None, not no_graph)
    written = _write(report, file)
    click.echo(f"semdiff: wrote {len(written)} fingerprint(s) to baseline '{file}'", err=True)
    return 0


@baseline_command.command("update", epilog=_REVISIONS_HELP)
@_common
def update_command(file: str, revisions: tuple[str, ...], repo: str, config_path: Optional[str], no_graph: bool) -> int:
    """Rewrite FILE: keep accepted findings still present, drop fixed ones, add new ones."""
    from semdiff.baseline import load_baseline

    if not os.path.exists(file):
        raise InputError(f"baseline '{file}' does not exist; create it with `semdiff baseline create {file} ...`")
    before = load_baseline(file)
    report = _analyse_all(revisions, repo, config_path, file, not no_graph)
    after = _write(report, file)
    added, dropped = len(after - before), len(before - after)
    click.echo(
        f"semdiff: wrote {len(after)} fingerprint(s) to baseline '{file}' ({added} added, {dropped} dropped)",
        err=True,
    )
    return 0


__all__ = ["baseline_command", "create_command", "update_command"]
