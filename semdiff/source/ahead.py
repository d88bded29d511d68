"""The command's git questions, asked before the command has imported what reads the answers.

A warm analysis of a pull request waits ~40 ms for git (rev-parse, diff, log, two cat-file)
and spends ~100 ms importing and reading its arguments before it asks the first question.
`semdiff.cli` calls `start` first thing, with the raw command line: when the line plainly
asks to analyse a revision, the commands `collect_changes` will run for it are started on a
thread at once (semdiff.source.git.read_ahead), and the analysis takes their answers.

The line is read here only to guess; click reads it for real afterwards. A guess can only
waste work, never change a result: an answer is handed to the one later git call with the
very same command, directory, environment and input. So anything this reader does not
understand exactly as click does (an unknown or abbreviated option, `--`, another command,
a value that looks like an option) means no guess. OPTIONS and FLAGS must list the analyse
command's options (tests/test_git_read_ahead.py checks them against click's).
"""
from __future__ import annotations

import os
import sys
from typing import Optional, Sequence

# the analyse command's options that take a value, and its flags
OPTIONS = frozenset({
    "--diff", "--repo", "--format", "--output", "-o", "--fail-on", "--min-confidence", "--max-file-bytes",
    "--file-timeout", "--graph-timeout", "--max-memory", "--config", "--baseline", "--write-baseline",
    "--purpose", "--purpose-file", "--jobs", "--ai-policy", "--attest",
})
FLAGS = frozenset({"--staged", "--allow-unanalyzed", "--no-suppress", "--no-cache", "--no-report-cache", "--no-graph"})
DEFAULT_COMMAND = "analyze"
DEFAULT_MAX_MEMORY_MB = 4096


def parse(args: Sequence[str]) -> Optional[dict[str, object]]:
    """{option: value} (flags: True) and "revision" of a command line that analyses a
    revision, read as click reads it; None when it is anything else or not plainly that."""
    args = list(args)
    if args and args[0] == DEFAULT_COMMAND:
        args = args[1:]
    values: dict[str, object] = {}
    positional: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        i += 1
        if not token.startswith("-") or token == "-":
            positional.append(token)
            continue
        name, eq, value = token.partition("=") if token.startswith("--") else (token, "", "")
        if name in FLAGS and not eq:
            values[name] = True
        elif name in OPTIONS:
            if not eq:
                if i >= len(args):
                    return None
                value = args[i]
                i += 1
            if value.startswith("-"):
                return None
            values["--output" if name == "-o" else name] = value
        else:
            return None  # help, version, `--`, another option, a short form: click's business
    if len(positional) != 1 or not positional[0] or values.get("--staged") or "--diff" in values:
        return None
    values["revision"] = positional[0]
    return values


def _size(text: object, least: int) -> Optional[int]:
    try:
        number = int(str(text))  # click's int type
    except ValueError:
        return None
    return number if number >= least else None


def start(args: Sequence[str], commands: Sequence[str]) -> object:
    """The read-ahead (semdiff.source.git.ReadAhead) started for this command line, or None.

    `commands`: the group's command names other than the default one (a first word naming
    one of them is that command, not a revision)."""
    if args and args[0] in commands:
        return None
    values = parse(args)
    if values is None:
        return None
    max_memory = _size(values.get("--max-memory", DEFAULT_MAX_MEMORY_MB), 0)
    max_file_bytes = _size(values["--max-file-bytes"], 1) if "--max-file-bytes" in values else None
    if max_memory is None or ("--max-file-bytes" in values and max_file_bytes is None):
        return None
    from semdiff.budget import limit_memory
    from semdiff.source import collect, git
    from semdiff.source.request import ChangeRequest

    # the cap the command sets before it runs git (cli._budgeted): git inherits it, as before
    limit_memory(max_memory * 1024 * 1024)
    request = ChangeRequest(repo=str(values.get("--repo", ".")), revision=str(values["revision"]))
    if max_file_bytes is not None:
        request = ChangeRequest(repo=request.repo, revision=request.revision, max_file_bytes=max_file_bytes)
    report_ids = not values.get("--no-cache") and not values.get("--no-report-cache")
    return git.read_ahead(lambda: collect.read_ahead(request, report_ids=report_ids))


def is_the_command() -> bool:
    """Whether this process is the `semdiff` command (`python -m semdiff` or the console
    script), whose command line sys.argv is; not a program that imports semdiff.cli."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and getattr(spec, "name", "") == "semdiff.__main__":
        return True
    return bool(sys.argv) and os.path.basename(sys.argv[0]) == "semdiff"
