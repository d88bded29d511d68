"""`semdiff audit`: every commit of a range, analysed against its parent with its own message as
purpose, streamed as JSON Lines and summarised as a ranking of the flagged commits.

Registered on the main `semdiff` group by semdiff/cli.py; errors follow the group's contract
(one line on stderr, exit code 2). Exit code 1 when some commit is flagged at --flag-at or
above, 0 otherwise.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Optional

import click

from semdiff.model import Severity
from semdiff.outfile import write_text

SEVERITIES = [s.label for s in sorted(Severity, reverse=True)]
_REPORT_FORMATS = ("sarif", "markdown", "json")


def _formats() -> list[str]:
    from semdiff.report import available

    return ["summary", "jsonl", *[f for f in _REPORT_FORMATS if f in available()]]


def _default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@click.command(
    "audit",
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=(
        "REV_RANGE is A..B (the commits reachable from B and not from A) or a revision (its whole"
        " history); default HEAD. Each commit is analysed against its first parent (--all-parents:"
        " every commit, and a merge against each parent), with the commit message as its stated purpose."
        " Exit codes: 0 no commit flagged, 1 some commit flagged at --flag-at or above, 2 usage or input error."
    ),
)
@click.argument("rev_range", required=False)
@click.option("--repo", default=".", show_default=True, metavar="PATH", help="The git repository to audit.")
@click.option("--since", metavar="DATE", help="Only commits after DATE (anything `git log --since` takes).")
@click.option("--until", metavar="DATE", help="Only commits before DATE.")
@click.option("--paths", "paths", multiple=True, metavar="GLOB",
              help="Only commits touching files matching GLOB (git glob: ** crosses directories); findings outside are dropped. Repeatable.")
@click.option("--all-parents", is_flag=True, help="Analyse every commit, and each merge against each of its parents.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the CPUs available), or Dask workers with --scheduler local.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Run on a Dask cluster: tcp://host:8786, or 'local' for a LocalCluster (needs semdiff[distributed]).")
@click.option("--jsonl", "jsonl_path", metavar="FILE", help="Stream one JSON record per commit to FILE (flushed per record).")
@click.option("--resume", "resume_path", metavar="FILE",
              help="Append to the JSONL FILE of an earlier run, skipping the commits already in it.")
@click.option("--format", "fmt", default="summary", show_default=True,
              type=click.Choice(_formats(), case_sensitive=False),
              help="Final output: summary table, all records as jsonl, or a report of the flagged commits.")
@click.option("--output", "-o", metavar="FILE", help="Write the final output to FILE instead of stdout.")
@click.option("--flag-at", type=click.Choice(SEVERITIES, case_sensitive=False), default="medium", show_default=True,
              help="A commit is flagged when a finding is at or above this severity.")
@click.option("--progress-interval", type=click.FloatRange(min=0.0), default=10.0, show_default=True,
              help="Seconds between progress lines when stderr is not a terminal.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
def audit_command(
    rev_range: Optional[str], repo: str, since: Optional[str], until: Optional[str], paths: tuple[str, ...],
    all_parents: bool, jobs: Optional[int], scheduler: Optional[str], jsonl_path: Optional[str],
    resume_path: Optional[str], fmt: str, output: Optional[str], flag_at: str, progress_interval: float, quiet: bool,
) -> int:
    """Which commits of a history weakened security? One record per commit, flagged ones ranked."""
    from semdiff.audit import jsonl, summary
    from semdiff.audit.progress import progress_for
    from semdiff.audit.run import AuditOptions, plan_audit, run_audit

    if jsonl_path and resume_path and os.path.abspath(jsonl_path) != os.path.abspath(resume_path):
        raise click.UsageError("--jsonl and --resume name different files; --resume FILE already appends to FILE")
    fmt = fmt.lower()
    threshold = Severity.parse(flag_at)
    options = AuditOptions(rev_range, since, until, tuple(paths), all_parents, jobs or _default_jobs(), scheduler)

    rejected: list[int] = []
    done, previous = jsonl.done_keys(resume_path, rejected)
    if rejected and not quiet:
        shown = ", ".join(str(n) for n in rejected[:5]) + (", ..." if len(rejected) > 5 else "")
        click.echo(f"semdiff audit: {len(rejected)} line(s) of {resume_path} are not audit records (line {shown});"
                   " ignored, their commits are analysed again", err=True)
    tasks, skipped = plan_audit(repo, options, frozenset(done))

    writers: list[jsonl.RecordWriter] = []
    stream_path = resume_path or jsonl_path
    if stream_path:
        writers.append(jsonl.RecordWriter.open(stream_path, resume=bool(resume_path)))
    if fmt == "jsonl":
        if output:
            writers.append(jsonl.RecordWriter.open(output, resume=False))
        else:
            writers.append(jsonl.RecordWriter(sys.stdout, owned=False))
        for record in previous:
            writers[-1].write(record)

    if skipped and not quiet:
        click.echo(f"semdiff audit: resuming, {skipped} commit(s) already in {resume_path}", err=True)
    progress = progress_for(len(tasks), sys.stderr, progress_interval, quiet)
    records: list[dict[str, Any]] = list(previous)
    try:
        for record in run_audit(tasks, options):
            records.append(record)
            for w in writers:
                w.write(record)
            if progress is not None:
                progress.advance(summary.is_flagged(record, threshold))
    finally:
        if progress is not None:
            progress.close()
        for w in writers:
            w.close()

    if fmt != "jsonl":
        _emit_report(records, fmt, threshold, output, rev_range or "HEAD")
    return 1 if any(summary.is_flagged(r, threshold) for r in records) else 0


def _emit_report(records: list[dict[str, Any]], fmt: str, threshold: Severity, output: Optional[str], rev: str) -> None:
    from semdiff.audit import summary
    from semdiff.errors import InputError

    if fmt == "summary":
        body = summary.format_summary(records, threshold)
    else:
        from semdiff.report import formatter

        body = formatter(fmt)(summary.flagged_report(records, threshold, f"audit {rev}"))
    if output:
        try:
            write_text(output, body)
        except OSError as exc:
            raise InputError(f"cannot write report to '{output}': {exc.strerror or exc}; choose a writable path") from exc
    else:
        click.echo(body, nl=False)
