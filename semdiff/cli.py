"""The `semdiff` command: a thin click layer over `semdiff.api.analyze`, policy and reporters.

`semdiff main..HEAD` runs the default `analyze` command; the group exists so later
commands (`explain`, `graph`, `audit`) can be added without changing how the default one
is called. Exit codes: 0 = nothing at/above the threshold, 1 = findings at/above it (or a
fail-closed stop in CI mode), 2 = usage or input error, always as one line on stderr.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Optional, Sequence

import gc

from semdiff import dataclass_inits, dataclass_methods, regex_cache

# the command's process is ours: set it up before the model, the pipeline and the rule modules
# build their dataclasses and compile their patterns (see those two modules and _tune_gc)
GC_THRESHOLDS = (100_000, 10, 10)
gc.set_threshold(*GC_THRESHOLDS)
dataclass_methods.install()
dataclass_inits.install()
if "--no-cache" not in sys.argv[1:]:
    regex_cache.install()

from semdiff.source import ahead as _ahead  # noqa: E402

# the command's own process (sys.argv is its command line): a range's git commands start
# now, on a thread, and run while the imports below go on (semdiff.source.ahead)
SUBCOMMANDS = ("audit", "baseline", "explain", "graph")  # besides `analyze` (lazy_commands)
_reading_ahead = _ahead.start(sys.argv[1:], SUBCOMMANDS) if _ahead.is_the_command() else None

import re  # noqa: E402

import click  # noqa: E402

from semdiff import __version__, policy  # noqa: E402
from semdiff.errors import InputError  # noqa: E402
from semdiff.report import available as available_formats  # noqa: E402
from semdiff.report import formatter  # noqa: E402

DEFAULT_COMMAND = "analyze"
DEBUG_ENV = "SEMDIFF_DEBUG"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _fail(message: str) -> int:
    click.echo(f"semdiff: error: {_one_line(message)}", err=True)
    return policy.EXIT_USAGE


class DefaultCommandGroup(click.Group):
    """A group whose first argument, when it is not a command name, goes to `analyze`.

    Also owns the error contract: usage and input errors become one line on stderr and
    exit code 2; an unexpected exception too (with the traceback when SEMDIFF_DEBUG=1).
    """

    default_command = DEFAULT_COMMAND
    # name -> (module, attribute): imported only when that command runs or help lists it, so
    # `semdiff A..B` does not pay for the audit, baseline and graph commands' imports
    lazy_commands: dict[str, tuple[str, str]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> Optional[click.Command]:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            import importlib

            module, attr = self.lazy_commands[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return self.commands.get(cmd_name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        group_only = ("--help", "-h", "--version")
        known = args and (args[0] in self.commands or args[0] in self.lazy_commands)
        if not args or (not known and args[0] not in group_only):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """`semdiff --help` shows the default command's options, then the command list."""
        cmd = self.commands[self.default_command]
        with cmd.make_context(ctx.info_name, [], resilient_parsing=True) as sub_ctx:
            cmd.format_help(sub_ctx, formatter)
        self.format_commands(ctx, formatter)

    def main(  # type: ignore[override]
        self,
        args: Optional[Sequence[str]] = None,
        prog_name: Optional[str] = None,
        complete_var: Optional[str] = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        code = self._run(args, prog_name, complete_var, **extra)
        if standalone_mode:
            sys.exit(code)
        return code

    def _run(self, args: Optional[Sequence[str]], prog_name: Optional[str], complete_var: Optional[str], **extra: Any) -> int:
        try:
            rv = super().main(args, prog_name or "semdiff", complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # pragma: no cover - not configured
            click.echo(exc.format_message(), err=True)
            return policy.EXIT_USAGE
        except click.UsageError as exc:
            hint = " (see `semdiff --help`)"
            return _fail(exc.format_message() + hint)
        except click.Abort:
            return _fail("aborted")
        except InputError as exc:
            return _fail(str(exc))
        except click.ClickException as exc:
            return _fail(exc.format_message())
        except BrokenPipeError:
            return policy.EXIT_USAGE
        except Exception as exc:  # anything else is a semdiff bug: say so in one line
            if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
                import traceback

                traceback.print_exc()
            return _fail(
                f"internal error: {type(exc).__name__}: {exc}. This is a bug in semdiff;"
                f" rerun with {DEBUG_ENV}=1 for the traceback and report it"
            )
        return rv if isinstance(rv, int) else policy.EXIT_OK


@click.group(cls=DefaultCommandGroup, name="semdiff", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="semdiff", message="%(prog)s %(version)s")
def cli() -> None:
    """semdiff: does this change quietly weaken security?"""


@cli.command(
    DEFAULT_COMMAND,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=(
        "REVISION is A..B (the two endpoint trees, as `git diff A..B`), A...B (from the merge base),"
        " or a single commit (that commit against its parent). Without REVISION, --staged or --diff,"
        " the working tree is compared with HEAD. Exit codes: 0 nothing at/above --fail-on,"
        " 1 findings at/above it, 2 usage or input error."
    ),
)
@click.argument("revision", required=False)
@click.option("--staged", is_flag=True, help="Compare the staged changes (index) with HEAD.")
@click.option("--diff", "diff_path", metavar="FILE", help="Analyse a unified diff file instead of a repository ('-' = stdin).")
@click.option("--repo", default=".", show_default=True, metavar="PATH", help="The git repository to read.")
@click.option(
    "--format", "fmt", default=None,
    type=click.Choice(available_formats(), case_sensitive=False),
    help="Output format [default: the configuration's `format`, else text].",
)
@click.option("--output", "-o", "output", metavar="FILE", help="Write the report to FILE instead of stdout.")
@click.option(
    "--fail-on", type=click.Choice(policy.FAIL_ON_CHOICES, case_sensitive=False), default=None,
    help="Exit 1 when a finding is at or above this severity [default: high]. Setting it also turns on CI mode.",
)
@click.option(
    "--min-confidence", type=click.Choice(policy.CONFIDENCE_CHOICES, case_sensitive=False), default=None,
    help="Hide findings below this confidence; hidden findings do not count for --fail-on [default: low].",
)
@click.option(
    "--allow-unanalyzed", is_flag=True,
    help="In CI mode, do not fail when a security-relevant file could not be analysed.",
)
@click.option("--max-file-bytes", type=click.IntRange(min=1), default=None,
              help="Files larger than this are reported as not analysed (too-large) [default: 5000000].")
@click.option("--file-timeout", type=click.FloatRange(min=0), default=None,
              help="Seconds of parse and analysis per file before it is reported as not analysed (timeout); 0 = no limit [default: 10].")
@click.option("--graph-timeout", type=click.FloatRange(min=0), default=None,
              help="Seconds for building both repository call graphs; files left out are reported as not analysed"
                   " (graph-timeout); 0 = no limit [default: $SEMDIFF_GRAPH_TIMEOUT, else 120].")
@click.option("--max-memory", type=click.IntRange(min=0), default=4096, show_default=True, metavar="MB",
              help="Cap on the process address space in MB (0 = no cap); a file that needs more is not analysed.")
@click.option(
    "--config", "config_path", metavar="FILE",
    help="Read [tool.semdiff] settings from FILE instead of the repository's .semdiff.toml / pyproject.toml.",
)
@click.option("--baseline", "baseline_path", metavar="FILE", help="Suppress findings whose fingerprint is in this baseline file.")
@click.option("--write-baseline", "write_baseline_path", metavar="FILE", help="Write the current findings' fingerprints to FILE.")
@click.option("--no-suppress", is_flag=True, help="Ignore inline and configured suppressions and the baseline: show everything.")
@click.option("--purpose", "purpose_text", metavar="TEXT",
              help="The change's stated purpose (e.g. the pull request title and body); default: the commit messages, or $SEMDIFF_PURPOSE.")
@click.option("--purpose-file", metavar="FILE", help="Read the stated purpose from FILE.")
@click.option("--no-cache", is_flag=True,
              help="Do not read or write the parse, call-graph and report caches (user cache dir; $SEMDIFF_CACHE_DIR).")
@click.option("--no-report-cache", is_flag=True,
              help="Analyse again even when this exact range, configuration and semdiff version were analysed before"
                   " (the other caches stay on; also $SEMDIFF_NO_REPORT_CACHE=1).")
@click.option("--no-graph", is_flag=True, help="Skip the repository call graph: judge relevance by names only (faster, less precise).")
@click.option("--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Processes that parse a large change (8+ files): 0 = one per CPU, 1 = no extra processes.")
@click.option("--ai-policy", type=click.Choice(["default", "strict"], case_sensitive=False), default=None,
              help="strict: judge AI-authored changes more strictly (purpose mismatches one level higher, fail threshold one level lower)"
                   " [default: the configuration's `ai-policy`, else default].")
@click.option("--attest", "attest_path", metavar="FILE",
              help="Also write an in-toto Statement (v1) about the head commit to FILE: range, semdiff version, rule-set hash,"
                   " findings summary and verdict. Sign it with cosign/sigstore (docs/integrations.md).")
def analyze_command(
    revision: Optional[str],
    staged: bool,
    diff_path: Optional[str],
    repo: str,
    fmt: str,
    output: Optional[str],
    fail_on: Optional[str],
    min_confidence: str,
    allow_unanalyzed: bool,
    max_file_bytes: Optional[int],
    file_timeout: Optional[float],
    graph_timeout: Optional[float],
    max_memory: int,
    config_path: Optional[str],
    baseline_path: Optional[str],
    write_baseline_path: Optional[str],
    no_suppress: bool,
    purpose_text: Optional[str],
    purpose_file: Optional[str],
    no_cache: bool,
    no_report_cache: bool,
    no_graph: bool,
    jobs: int,
    ai_policy: Optional[str],
    attest_path: Optional[str],
) -> int:
    """Report what a change makes weaker: removed guards, widened conditions, altered comparisons."""
    global _ran_analyze
    _ran_analyze = True
    from semdiff.api import analyze

    sources = [name for name, given in (("REVISION", revision), ("--staged", staged), ("--diff", diff_path)) if given]
    if len(sources) > 1:
        raise click.UsageError(f"give only one of REVISION, --staged, --diff (got {' and '.join(sources)})")
    if diff_path not in (None, "-") and not os.path.isfile(diff_path):
        raise click.UsageError(f"diff file '{diff_path}' does not exist; pass an existing file or '-' for stdin")
    if attest_path is not None and not revision:
        raise click.UsageError("--attest needs a REVISION (A..B or a commit): the attestation's subject is the head commit")

    from semdiff import config as semdiff_config
    from semdiff.suppress import apply_policy_files

    cfg = semdiff_config.load_for_repo(repo, config_path)
    fmt = fmt or cfg.format or "text"
    ai_policy = (ai_policy or cfg.ai_policy or "default").lower()
    threshold = policy.parse_fail_on(fail_on or cfg.fail_on or policy.DEFAULT_FAIL_ON)
    confidence = (
        policy.parse_confidence(min_confidence) if min_confidence
        else cfg.min_confidence or policy.parse_confidence(policy.DEFAULT_MIN_CONFIDENCE)
    )
    ci = policy.ci_mode(fail_on_explicit=fail_on is not None)

    from dataclasses import replace as _replace

    from semdiff import purpose as semdiff_purpose

    options = _budgeted(semdiff_config.analyze_options(cfg), max_file_bytes, file_timeout, max_memory)
    options = _replace(
        options,
        purpose_text=semdiff_purpose.purpose_from_cli(purpose_text, purpose_file),
        rule_options={**dict(options.rule_options), "ai_policy": ai_policy.lower()},
        use_cache=not no_cache,
        use_graph=not no_graph,
        jobs=jobs,
    )
    if graph_timeout is not None:
        options = _replace(options, graph_timeout=graph_timeout)
    if not no_cache:
        _use_seed_table_cache()
    report = analyze(revision, repo=repo, staged=staged, diff_path=diff_path, options=options,
                     report_cache=not no_report_cache, cache_config=cfg)
    threshold = semdiff_purpose.ai_policy_fail_on(report, threshold, ai_policy.lower())
    report, written = apply_policy_files(
        report, cfg, baseline_path=baseline_path, write_baseline_path=write_baseline_path, use_suppressions=not no_suppress,
    )
    if written is not None:
        click.echo(f"semdiff: wrote {written} fingerprint(s) to baseline '{write_baseline_path}'", err=True)
    shown = policy.visible(report, confidence)
    decision = policy.decide(shown, threshold, confidence, fail_on_unanalyzed=ci and not allow_unanalyzed)

    _emit(shown, fmt.lower(), output)
    if attest_path is not None:
        _attest(shown, decision.exit_code, threshold, repo, attest_path)
    for reason in decision.reasons:
        click.echo(f"semdiff: {reason}", err=True)
    unanalyzed = policy.security_relevant_unanalyzed(shown)
    if unanalyzed and not any(r.startswith("failing closed") for r in decision.reasons):
        click.echo(
            f"semdiff: note: {len(unanalyzed)} security-relevant item(s) could not be analysed"
            " (listed under 'not analysed')", err=True,
        )
    return decision.exit_code


def _use_seed_table_cache() -> None:
    """Parsed seed tables from the cache dir, like the regex programs (semdiff.relevance.seeds)."""
    from semdiff.relevance import seeds

    try:
        seeds.use_table_cache(regex_cache.default_cache_dir())
    except Exception:  # noqa: BLE001 - no usable cache dir: the tables are parsed as usual
        seeds.use_table_cache(None)


def _budgeted(options: Any, max_file_bytes: Optional[int], file_timeout: Optional[float], max_memory: int) -> Any:
    """The per-file budgets from the command line (issue 11), and the process memory cap."""
    from dataclasses import replace

    from semdiff.budget import limit_memory

    limit_memory(max_memory * 1024 * 1024)
    if max_file_bytes is not None:
        options = replace(options, max_file_bytes=max_file_bytes)
    if file_timeout is not None:
        options = replace(options, file_timeout=file_timeout or None)
    return options


def _attest(report: Any, exit_code: int, threshold: Any, repo: str, path: str) -> None:
    """Write the in-toto Statement (semdiff.report.attest) for the decision just taken."""
    from semdiff.report.attest import build_statement, format_statement

    name = os.path.basename(os.path.abspath(repo)) or "repository"
    body = format_statement(build_statement(report, exit_code, repo_name=name, fail_on=threshold))
    try:
        write_text(path, _safe(body))
    except OSError as exc:
        raise InputError(f"cannot write attestation to '{path}': {exc.strerror or exc}; choose a writable path") from exc


def write_text(path: str, body: str) -> None:
    """semdiff.outfile.write_text, imported on first use: it pulls in tempfile (and random),
    which a report written to stdout never needs."""
    from semdiff.outfile import write_text as write

    write(path, body)


def _safe(text: str) -> str:
    """Hostile input can carry undecodable bytes; never let them crash the output."""
    return _SURROGATE.sub("\ufffd", text)


def _emit(report: Any, fmt: str, output: Optional[str]) -> None:
    if output is not None:
        body = _safe(formatter(fmt)(report))
        try:
            write_text(output, body)
        except OSError as exc:
            raise InputError(f"cannot write report to '{output}': {exc.strerror or exc}; choose a writable path") from exc
        return
    isatty = getattr(sys.stdout, "isatty", None)
    if fmt == "text" and isatty is not None and isatty():
        import shutil

        from semdiff.report import text

        body = text.format_report(report, color=True, width=shutil.get_terminal_size().columns)
    else:
        body = formatter(fmt)(report)
    click.echo(_safe(body), nl=False)


# subcommand modules register here (imported when the command is used, see lazy_commands;
# SUBCOMMANDS names them for the read-ahead at the top)
DefaultCommandGroup.lazy_commands.update({
    "audit": ("semdiff.audit.cli", "audit_command"),
    "baseline": ("semdiff.baseline_cli", "baseline_command"),
    "explain": ("semdiff.relevance.cli", "explain_command"),
    "graph": ("semdiff.relevance.cli", "graph_command"),
})


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Console-script entry point (`semdiff = semdiff.cli:main`)."""
    _tune_gc()
    _room_for_native_recursion()
    args = list(argv) if argv is not None else None
    try:
        cli.main(args=args, prog_name="semdiff")
    except SystemExit as exc:
        _end(args)
        if argv is None:
            _exit_now(exc.code)
        raise
    except BaseException:
        _end(args)
        raise
    _end(args)


_ran_analyze = False
FAST_EXIT_ENV_OFF = "SEMDIFF_NO_FAST_EXIT"


def _end(args: Optional[list]) -> None:
    global _reading_ahead
    if _reading_ahead is not None:
        _reading_ahead.close()  # type: ignore[attr-defined]  # answers not taken are dropped
        _reading_ahead = None
    if "--no-cache" not in (args if args is not None else sys.argv[1:]):
        regex_cache.save()  # only when this run compiled a pattern the cache did not hold
    # the process ends: its exit-time collection need not walk all the run built (~3 % of a
    # warm run's instructions). Python does not promise __del__ for objects alive at exit;
    # what semdiff writes is closed by `with` blocks before this point.
    gc.freeze()


def _exit_now(code: object) -> None:
    """End the process of a finished `analyze` run without the interpreter's teardown.

    Tearing the modules down frees what the run built (~26,000 objects) and collects it once
    more: ~1.2 % of a warm PR run's instructions, for a process that is about to end. Only for
    the `semdiff`/`python -m semdiff` process itself (this module's `main` is `__main__`'s),
    only after `analyze` (its report is written and its files closed by `with` blocks), and
    only when nothing else would still run at exit: no other non-daemon thread (Python would
    wait for it), no multiprocessing/process pool (its exit hooks stop the workers). The exit
    hooks registered with `atexit` still run, then stdout and stderr are flushed; a flush that
    fails leaves the exit to Python as before. Off with SEMDIFF_NO_FAST_EXIT=1."""
    if not _ran_analyze or os.environ.get(FAST_EXIT_ENV_OFF, "") not in ("", "0"):
        return
    if code is None:
        code = 0
    if type(code) is not int or not 0 <= code <= 255:
        return
    if getattr(sys.modules.get("__main__"), "main", None) is not main:
        return  # called from other code (tests, a wrapper): it owns the process
    if "multiprocessing" in sys.modules or "concurrent.futures.process" in sys.modules:
        return
    import threading

    if any(t is not threading.main_thread() and not t.daemon and t.is_alive() for t in threading.enumerate()):
        return
    try:
        import atexit

        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except BaseException:
        return
    os._exit(code)


def _tune_gc() -> None:
    """The command's process is ours (the library API never does this): what the imports
    built (modules, classes, rule tables) lives as long as the process, so it is frozen out of
    the collector's scans, and the youngest generation is collected every 100,000 allocations
    instead of 700 (from this module's import on, GC_THRESHOLDS). A warm PR run allocates a few
    hundred thousand objects that stay alive and little cyclic garbage; Python's defaults spent
    ~2 % of its instructions (one full collection included) re-scanning them, and 10,000 still
    ~16 collections (~4 % of the run: every one walks the young objects the IR decoding and the
    rules just built), against ~1 with 100,000 for ~3 MB more peak memory. Garbage cycles are
    still collected, every 100,000 allocations."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)  # also set when this module was imported: the imports allocate too


NATIVE_STACK_BYTES = 256 * 1024 * 1024


def _room_for_native_recursion() -> None:
    """Let the main thread's stack grow to 256 MiB (the soft limit, never above the hard one).

    tree-sitter walks a syntax tree recursively in native code; a large minified bundle
    nests deeply enough to overflow the usual 8 MiB and kill the process with SIGSEGV, where
    no Python handler can turn it into a "not analysed" entry. Stack pages are only used as
    the recursion needs them; the command's process is ours (the library API never does this)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
        want = NATIVE_STACK_BYTES if hard == resource.RLIM_INFINITY else min(NATIVE_STACK_BYTES, hard)
        if soft != resource.RLIM_INFINITY and soft < want:
            resource.setrlimit(resource.RLIMIT_STACK, (want, hard))
    except (ImportError, ValueError, OSError):  # not POSIX, or not allowed: keep the limit
        pass


if __name__ == "__main__":  # pragma: no cover
    main()
