"""`semdiff explain` and `semdiff graph`: the relevance graph, shown to people and tools.

Thin click commands over semdiff.relevance (graph building, explain, export); registered
on the main group in semdiff/cli.py.
"""
from __future__ import annotations

from typing import Optional

import click

from semdiff.errors import InputError


def _graph(repo: str, rev: str, no_cache: bool):
    from semdiff.relevance.cache import BlobCache
    from semdiff.relevance.repo import GitReadError, graph_for_revision
    from semdiff.source.git import open_repository

    root = open_repository(repo).root
    try:
        return graph_for_revision(root, rev, None if no_cache else BlobCache())
    except GitReadError as exc:
        raise InputError(f"cannot read revision '{rev}' in {root}: {exc}; pass an existing commit with --rev") from exc


@click.command("explain", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("qualname")
@click.option("--rev", default="HEAD", show_default=True, help="Revision whose call graph is used.")
@click.option("--repo", default=".", show_default=True, metavar="PATH", help="The git repository to read.")
@click.option("--path", "file_path", default=None, metavar="FILE", help="Treat QUALNAME as a within-file name (`Class.method`) in FILE.")
@click.option("--no-cache", is_flag=True, help="Do not use the parse cache.")
def explain_command(qualname: str, rev: str, repo: str, file_path: Optional[str], no_cache: bool) -> int:
    """Why a function is (or is not) considered security-relevant, with its path."""
    from semdiff.relevance.explain import explain
    from semdiff.relevance.propagate import RepoRelevance
    from semdiff.relevance.seeds import load_seeds

    graph = _graph(repo, rev, no_cache)
    click.echo(explain(RepoRelevance(None, graph, load_seeds()), qualname, "after", path=file_path))
    return 0


@click.command("graph", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--rev", default="HEAD", show_default=True, help="Revision to build the graph for.")
@click.option("--repo", default=".", show_default=True, metavar="PATH", help="The git repository to read.")
@click.option("--format", "fmt", type=click.Choice(["dot", "json"]), default="json", show_default=True)
@click.option("--output", "-o", default=None, metavar="FILE", help="Write to FILE instead of stdout.")
@click.option("--no-cache", is_flag=True, help="Do not use the parse cache.")
def graph_command(rev: str, repo: str, fmt: str, output: Optional[str], no_cache: bool) -> int:
    """Export the repository call graph (nodes, calls, decorators, routes) as dot or JSON."""
    from semdiff.relevance.explain import export_graph

    body = export_graph(_graph(repo, rev, no_cache), fmt)  # type: ignore[arg-type]
    if output:
        try:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(body)
        except OSError as exc:
            raise InputError(f"cannot write '{output}': {exc.strerror or exc}; choose a writable path") from exc
    else:
        click.echo(body, nl=not body.endswith("\n"))
    return 0
