"""The one pipeline that the CLI, the library API and the tests all run.

change source -> languages -> alignment -> relevance -> rules -> findings (-> policy/reporters,
which live outside analysis).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Optional, Union

from semdiff import budget as _budget
from semdiff import family_pool, parse_pool
from semdiff.align.units import UnitChange, align_units
from semdiff.ir import ParsedFile, Unit
from semdiff.lang.registry import backend_for
from semdiff.model import ChangeSet, ChangeStatus, FileChange, Finding, NotAnalyzed, Relevance, Report, Severity
from semdiff.relevance.names import name_relevance
from semdiff.rules import _triggers
from semdiff.rules.base import ChangeContext, RuleContext, UnitTable, change_checks, families

if TYPE_CHECKING:
    from semdiff.parse_cache import ParseCache

SENSITIVE_PATH_WORDS = ("auth", "login", "session", "token", "jwt", "crypto", "security", "permission", "acl", "csrf", "password", "secret", "sign", "verify", "tls", "ssl", "oauth", "saml", "policy")


@dataclass(frozen=True)
class AnalyzeOptions:
    """Knobs of the analysis itself (policy such as --fail-on lives with the CLI/policy)."""

    max_file_bytes: int = 5_000_000
    file_timeout: Optional[float] = 10.0  # seconds per file (parse + align); None = no limit (issue 11)
    rule_options: Mapping[str, object] = field(default_factory=dict)
    # hook for the repository call graph (issue 4): maps a UnitChange to its Relevance
    relevance: Optional[Callable[[UnitChange], Relevance]] = None
    disabled_rules: frozenset[str] = frozenset()
    purpose_text: Optional[str] = None  # stated purpose (PR title/body); None = commit messages
    use_graph: bool = True  # build the repository call graph when a repository is available
    use_cache: bool = True  # reuse parsed blobs from the user cache dir (--no-cache turns it off)
    extra_seeds: Mapping[str, object] = field(default_factory=dict)  # [tool.semdiff.seeds] tables
    focus: bool = True  # parse only the Python definitions a change reaches (lang/python_focus)
    jobs: int = 0  # processes for parsing a large change and running its rule families: 0 = one per CPU, 1 = this process only
    graph_timeout: Optional[float] = None  # seconds for building both call graphs; None = $SEMDIFF_GRAPH_TIMEOUT or 120, <= 0 = no limit (budget.graph_timeout)


_TEST_DIRS = re.compile(r"(^|/)(tests?|testing|__tests__|spec|specs|testdata|fixtures)/|(^|/)src/test/")
_TEST_FILES = re.compile(r"(^|/)(test_[^/]*\.py|[^/]*_test\.(py|go)|conftest\.py|[^/]*\.(test|spec)\.[cm]?[jt]sx?|[^/]*Tests?\.java)$")


def is_test_path(path: str) -> bool:
    """Test code: a weakened assertion there is not a weakened defence of the product."""
    return bool(_TEST_DIRS.search(path) or _TEST_FILES.search(path))


def _in_test_code(f: Finding) -> Finding:
    return replace(f, severity=Severity.INFO, relevance=replace(f.relevance, score=min(f.relevance.score, 0.1), reason="test code: " + f.relevance.reason))


def path_looks_sensitive(path: str) -> bool:
    low = path.lower()
    return any(w in low for w in SENSITIVE_PATH_WORDS) or _budget.policy_file(path)


def _parse(path: str, text: Optional[str]) -> Optional[ParsedFile]:
    if text is None:
        return None
    backend = backend_for(path, text.split("\n", 1)[0] if text else "")
    if backend is None:
        return None
    try:
        parsed = backend.parse(path, text)
        if parsed.error and parsed.error.startswith("syntax error") and getattr(backend, "language", "") == "python":
            return _python_fallback(path, text, parsed.error) or parsed
        return parsed
    except RecursionError:
        return ParsedFile(path, getattr(backend, "language", "?"), (), error="nesting too deep to analyse")
    except MemoryError:
        raise  # the file's budget reports it as out-of-memory (and nothing is cached)
    except Exception as exc:  # a backend bug must become a reported entry, never a crash
        return ParsedFile(path, getattr(backend, "language", "?"), (), error=f"internal error: {type(exc).__name__}: {exc}")


def _parse_cached(path: str, text: Optional[str], cache: Optional["ParseCache"]) -> Optional[ParsedFile]:
    """`_parse`, answered from the parse cache when this exact text was parsed before.

    The key is the text as parsed (after focus blanking). Only deterministic results are
    stored (ParseCache.put decides); a timeout or the memory limit raises through `_parse`
    and leaves nothing behind."""
    if cache is None or text is None:
        return _parse(path, text)
    key = _cache_key(cache, path, text)
    if key is None:
        return _parse(path, text)
    hit = cache.get(key)
    if hit is not None:
        return hit
    parsed = _parse(path, text)
    if parsed is not None:
        cache.put(key, parsed)
    return parsed


def _cache_key(cache: "ParseCache", path: str, text: str) -> Optional[str]:
    backend = backend_for(path, text.split("\n", 1)[0] if text else "")
    if backend is None:
        return None
    backend_id = getattr(backend, "cache_id", None) or f"{type(backend).__module__}.{type(backend).__qualname__}"
    return cache.key(f"{getattr(backend, 'language', '?')}\0{backend_id}", path, text)


def _parse_cache(options: AnalyzeOptions) -> Optional["ParseCache"]:
    """The on-disk parse cache, unless --no-cache (AnalyzeOptions.use_cache=False)."""
    if not options.use_cache:
        return None
    from semdiff import parse_cache

    return parse_cache.ParseCache() if parse_cache.ir_codec.available() else None


def _python_fallback(path: str, text: str, why: str) -> Optional[ParsedFile]:
    """libcst refuses a whole file over one bad token (Python 2, a conflict marker); the
    error-tolerant tree-sitter walk still reads its functions, marking broken ones partial."""
    from semdiff.lang.ts_python import parse_python_fallback

    parsed = parse_python_fallback(text, path)
    if parsed.error:
        return None
    why = why.split(": expected one of", 1)[0][:160]
    return replace(parsed, fallback=f"libcst rejected it ({why}); read with the error-tolerant tree-sitter parser")


def _hunk_lines(fc: FileChange) -> tuple[list[int], list[int]]:
    removed: list[int] = []
    added: list[int] = []
    for h in fc.hunks:
        removed.extend(h.removed)
        added.extend(h.added)
    return removed, added


def _hunk_texts(fc: FileChange, indent_headers: bool = False) -> tuple[str, str]:
    """Rebuild old/new sides from hunks alone, padded with blank lines so line numbers hold."""
    old_lines: dict[int, str] = {}
    new_lines: dict[int, str] = {}
    for h in fc.hunks:
        for n, t in zip(h.removed, h.removed_text):
            old_lines[n] = t
        for n, t in zip(h.added, h.added_text):
            new_lines[n] = t
        cold = list(h.context_old)
        cnew = list(h.context_new)
        for n_old, n_new, t in zip(cold, cnew, h.context_text):
            old_lines[n_old] = t
            new_lines[n_new] = t

    def build(lines: dict[int, str]) -> str:
        if not lines:
            return ""
        if indent_headers:
            _add_block_headers(lines)
        top = max(lines)
        return "\n".join(lines.get(i, "").rstrip("\r\n") for i in range(1, top + 1)) + "\n"

    return build(old_lines), build(new_lines)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _add_block_headers(lines: dict[int, str]) -> None:
    """Make indented hunk fragments parse: before each fragment that starts inside a block,
    put `if _semdiff_hunk_:` headers (one per indentation level it later returns to) on the blank
    padding lines above it, so line numbers are unchanged."""
    numbers = sorted(lines)
    fragments: list[list[int]] = []
    for n in numbers:
        if fragments and n == fragments[-1][-1] + 1:
            fragments[-1].append(n)
        else:
            fragments.append([n])
    for frag in fragments:
        body = [n for n in frag if lines[n].strip()]
        if not body:
            continue
        code = [n for n in body if not lines[n].lstrip().startswith("#")]
        last = code[-1] if code else body[-1]
        after = frag[-1] + 1
        if after not in lines:
            if lines[last].rstrip().endswith(":"):
                lines[after] = " " * (_indent(lines[last]) + 4) + "pass"  # a block cut off by the hunk's end
            elif lines[last].lstrip().startswith("@"):
                lines[after] = " " * _indent(lines[last]) + "def _semdiff_cut_(): pass"  # a decorator cut off
        first = _indent(lines[body[0]])
        if first == 0:
            continue
        lower = sorted({_indent(lines[n]) for n in body if _indent(lines[n]) < first} | {0})
        start = frag[0]
        room = [start - k for k in range(len(lower), 0, -1)]
        if room[0] < 1 or any(r in lines for r in room):
            continue  # no blank padding to use: leave it, the parser will report the fragment
        for line_no, level in zip(room, lower):
            lines[line_no] = " " * level + "if _semdiff_hunk_:"  # opaque, so exits inside do not end the file


def _partial_entry(fc: FileChange, side: str, parsed: ParsedFile, unchanged_errors: bool = False) -> NotAnalyzed:
    """A tree with syntax errors still yields units, but a check inside a broken part may be
    missing from them: that is reported, and CI fails closed on it as on an unparsable file.
    A unit the reader cut short at one of its bounds (nesting past them, in a tree without
    errors) is partial the same way, so the message names both causes.

    When both sides fail to parse at the same code, and none of it is changed
    (`unchanged_errors`, see `_same_unchanged_errors`), whatever the reader missed there is
    missing from both sides alike: the comparison loses nothing by it, so the entry is kept
    but does not make CI fail closed."""
    broken = [u.qualname for u in parsed.units if u.partial]
    names = ", ".join(broken[:5]) + (f" and {len(broken) - 5} more" if len(broken) > 5 else "")
    if unchanged_errors:
        return NotAnalyzed(fc.path, "partial-parse", f"{side}: syntax errors in {names or 'the file'}, the same unchanged code on "
                           "both sides and outside the change (a construct the grammar does not read); the change itself was analysed", False)
    relevant = path_looks_sensitive(fc.path) or _budget.guards_likely(fc.old_text)
    return NotAnalyzed(fc.path, "partial-parse", f"{side}: syntax errors (or nesting past the reader's bounds) in {names or 'the file'}; checks there may be missing", relevant)


_MAX_REREAD = 1 << 20  # characters: a side longer than this is not parsed again to place its errors


def _same_unchanged_errors(s: "_Sides", before: Optional[ParsedFile], after: Optional[ParsedFile]) -> bool:
    """Do both sides have syntax errors only at the same code, on lines the change did not
    touch? (A valid construct the grammar misreads, `let as: T` in TypeScript, sits unchanged
    in a file whose other lines changed.) Tree-sitter backends only, whole files only."""
    if before is None or after is None or not (before.partial and after.partial) or before.error or after.error:
        return False
    if s.old_text is None or s.new_text is None or len(s.old_text) > _MAX_REREAD or len(s.new_text) > _MAX_REREAD:
        return False
    backend = backend_for(s.new_path, s.new_text.split("\n", 1)[0])
    if backend is None or not hasattr(backend, "error_regions") or backend_for(s.old_path, s.old_text.split("\n", 1)[0]) is not backend:
        return False
    regions_b, regions_a = backend.error_regions(s.old_text), backend.error_regions(s.new_text)
    if not regions_b or regions_a is None or [r[2] for r in regions_b] != [r[2] for r in regions_a]:
        return False
    removed, added = set(s.removed), set(s.added)
    touched = lambda regions, lines: any(ln in lines for first, last, _ in regions for ln in range(first, last + 1))  # noqa: E731
    if touched(regions_b, removed) or touched(regions_a, added):
        return False
    # a unit cut short at the reader's bounds is partial without an ERROR node: not this case
    return all(any(first <= u.span.end_line and u.span.line <= last for first, last, _ in regions)
               for parsed, regions in ((before, regions_b), (after, regions_a)) for u in parsed.units if u.partial)


def _analyzable(fc: FileChange) -> bool:
    return fc.status in (ChangeStatus.MODIFIED, ChangeStatus.RENAMED, ChangeStatus.COPIED, ChangeStatus.ADDED, ChangeStatus.DELETED)


def _is_python(path: str, text: Optional[str]) -> bool:
    backend = backend_for(path, text.split("\n", 1)[0] if text else "")
    return backend is not None and getattr(backend, "language", "") == "python"


@dataclass(frozen=True)
class _Sides:
    """The two texts of a file as they will be parsed (hunk-rebuilt, focus-blanked)."""

    old_path: str
    old_text: Optional[str]
    new_path: str
    new_text: Optional[str]
    removed: list[int]
    added: list[int]


def _sides(fc: FileChange, focus: Optional[frozenset[str]], cache: Optional["ParseCache"] = None) -> _Sides:
    if fc.hunk_only:
        old_text, new_text = _hunk_texts(fc, indent_headers=fc.path.endswith((".py", ".pyi")))
        if fc.status is ChangeStatus.ADDED:
            old_text = None
        if fc.status is ChangeStatus.DELETED:
            new_text = None
    else:
        old_text, new_text = fc.old_text, fc.new_text
    old_path = fc.old_path or fc.path
    new_path = fc.new_path or fc.path
    removed, added = _hunk_lines(fc)
    if focus is not None and not fc.hunk_only and _is_python(new_path if new_text is not None else old_path, new_text if new_text is not None else old_text):
        key = cache.focus_key((old_path, new_path), (old_text, new_text), removed, added, focus) if cache is not None else None
        hit = cache.get_focus(key, (old_text, new_text)) if cache is not None and key is not None else None
        if hit is not None:
            old_text, new_text = hit
        else:
            from semdiff.lang.python_focus import focus as _focus

            old_text, new_text = _focus(old_text, new_text, removed, added, focus)
            if cache is not None and key is not None:
                cache.put_focus(key, (old_text, new_text))
    return _Sides(old_path, old_text, new_path, new_text, removed, added)


def _cache_hits(sides: _Sides, cache: "ParseCache") -> bool:
    """Whether every side that will be parsed is in the parse cache (decoded once, here)."""
    for path, text in ((sides.old_path, sides.old_text), (sides.new_path, sides.new_text)):
        if text is None:
            continue
        key = _cache_key(cache, path, text)
        if key is not None and not cache.contains(key):
            return False
    return True


def unit_changes_for(fc: FileChange, not_analyzed: list[NotAnalyzed], focus: Optional[frozenset[str]] = frozenset(),
                     cache: Optional["ParseCache"] = None, sides: Optional[_Sides] = None) -> tuple[list[UnitChange], list[Unit], list[Unit]]:
    """Parse both sides of one file and align its units; failures become NotAnalyzed.

    `cache` answers sides parsed before; `sides` are the texts already prepared by the caller."""
    s = sides if sides is not None else _sides(fc, focus, cache)
    removed, added = s.removed, s.added
    before = _parse_cached(s.old_path, s.old_text, cache) if s.old_text is not None else None
    after = _parse_cached(s.new_path, s.new_text, cache) if s.new_text is not None else None
    if before is None and after is None:
        return [], [], []
    for side, parsed in (("before", before), ("after", after)):
        if parsed is not None and parsed.error:
            not_analyzed.append(
                NotAnalyzed(fc.path, "too-deep" if parsed.error.startswith("nesting too deep") else "syntax-error" if "syntax" in parsed.error.lower() else "parse-error",
                            f"{side}: {parsed.error}", path_looks_sensitive(fc.path) or _budget.guards_likely(fc.old_text))
            )
    same_errors = not fc.hunk_only and _same_unchanged_errors(s, before, after)
    for side, parsed in (("before", before), ("after", after)):
        if parsed is not None and parsed.fallback and not parsed.error:
            not_analyzed.append(NotAnalyzed(fc.path, "fallback-parse", f"{side}: {parsed.fallback}", False))
        if parsed is not None and parsed.partial and not parsed.error:
            not_analyzed.append(_partial_entry(fc, side, parsed, same_errors))
    if (before is not None and before.error) or (after is not None and after.error):
        if not fc.hunk_only:
            return [], [], []
    b_units = list(before.units) if before and not before.error else []
    a_units = list(after.units) if after and not after.error else []
    return align_units(fc, b_units, a_units, removed, added), b_units, a_units


def _changed_module_names(changes: ChangeSet, max_bytes: Optional[int] = None, cache: Optional["ParseCache"] = None) -> frozenset[str]:
    from semdiff.lang.python_focus import enclosing_statement_names, module_level_names

    # shebang scripts included, as in unit_changes_for: a name bound by a changed line of
    # `bin/manage` must keep the definitions that use it, as one in `manage.py` does
    python = [fc for fc in changes.files if _is_python(fc.path, fc.new_text if fc.new_text is not None else fc.old_text)]
    names = module_level_names(t for fc in python for h in fc.hunks for t in (*h.removed_text, *h.added_text))
    # a changed item inside a multi-line `UNSAFE = (...)` changes UNSAFE, named on another line
    for fc in python:
        if fc.hunk_only or any(t is not None and max_bytes is not None and len(t) > max_bytes for t in (fc.old_text, fc.new_text)):
            continue  # hunk-only sides are fragments; oversized files are never parsed
        removed, added = _hunk_lines(fc)
        if cache is not None:  # stored like parses: a warm run reads no tree
            names |= cache.enclosing_names(fc.old_text, removed, enclosing_statement_names) | cache.enclosing_names(fc.new_text, added, enclosing_statement_names)
        else:
            names |= enclosing_statement_names(fc.old_text, removed) | enclosing_statement_names(fc.new_text, added)
    return names


@dataclass(frozen=True)
class ParseJob:
    """The files of a change, already being parsed (forked workers for a large change).

    Started by `start_parsing` before the repository call graphs are built (semdiff.api), so
    that the graphs are built while the workers parse; `analyze_changeset` collects it."""

    todo: tuple[FileChange, ...]
    pending: parse_pool.Pending


def _todo(changes: ChangeSet) -> list[FileChange]:
    skipped_paths = {n.path for n in changes.not_analyzed}
    return [fc for fc in changes.files if fc.path not in skipped_paths and _analyzable(fc)]


def _parse_plan(changes: ChangeSet, options: AnalyzeOptions, todo: list[FileChange]):
    """(one_file, workers, crashed, local): how each file of `todo` is parsed and aligned."""
    file_budget = _budget.FileBudget(options.max_file_bytes, options.file_timeout)
    cache = _parse_cache(options)
    focus_names = _changed_module_names(changes, options.max_file_bytes, cache) if options.focus else None
    prepared: dict[int, _Sides] = {}

    def one_file(fc: FileChange) -> tuple[object, object, list[NotAnalyzed]]:
        found_na: list[NotAnalyzed] = []
        sides = prepared.pop(id(fc), None)
        done, skipped = _budget.analyse_within(fc, lambda: unit_changes_for(fc, found_na, focus_names, cache, sides), file_budget)
        return done, skipped, found_na

    def crashed(fc: FileChange) -> tuple[object, object, list[NotAnalyzed]]:
        return None, _budget.Skipped("internal-error", "the process parsing this file died"), []

    def cached(fc: FileChange) -> bool:
        """Both sides in the parse cache: computed here, not worth a worker. The prepared texts
        are kept for whichever process parses the file (workers inherit them)."""
        if cache is None or _budget.size_problem(fc, file_budget.max_file_bytes):
            return False
        try:
            sides = prepared[id(fc)] = _sides(fc, focus_names, cache)
            return _cache_hits(sides, cache)
        except Exception:  # noqa: BLE001 - the file's own run (inside its budget) will report it
            prepared.pop(id(fc), None)
            return False

    backend_for("x.py")  # load the registry once, before any forking, so workers inherit it
    local = parse_pool.split_cached(todo, cached, options.jobs) if cache is not None else frozenset()
    workers = parse_pool.workers_for(len(todo) - len(local), options.jobs)
    if workers > 1:
        getattr(backend_for("x.py"), "backend", lambda: None)()  # import libcst once, not in every worker
    return one_file, workers, crashed, local


def start_parsing(changes: ChangeSet, options: AnalyzeOptions = AnalyzeOptions()) -> ParseJob:
    """Begin parsing `changes` (workers forked now for a large change); pass the job to
    `analyze_changeset` with the same changes, or `job.pending.cancel()` it."""
    todo = _todo(changes)
    one_file, workers, crashed, local = _parse_plan(changes, options, todo)
    return ParseJob(tuple(todo), parse_pool.start(todo, one_file, workers, crashed, local))


def analyze_changeset(changes: ChangeSet, options: AnalyzeOptions = AnalyzeOptions(),
                      parsing: Optional[ParseJob] = None) -> Report:
    """`parsing`: the job `start_parsing` began for these changes (used when it covers exactly
    the same files; otherwise it is cancelled and the files are parsed here)."""
    # a code file that turned binary (a NUL byte) is how one hides a change from review
    not_analyzed: list[NotAnalyzed] = [
        replace(n, security_relevant=True) if n.reason == "binary" and backend_for(n.path) is not None else n
        for n in changes.not_analyzed
    ]
    all_changes: list[UnitChange] = []
    before_units: dict[tuple[str, str], Unit] = UnitTable()
    after_units: dict[tuple[str, str], Unit] = UnitTable()
    todo = _todo(changes)
    known: dict[int, tuple[UnitChange, Relevance]] = {}

    def relevance(change: UnitChange) -> Relevance:
        """Once per unit change: several families ask, and a graph walk is not free."""
        hit = known.get(id(change))
        if hit is not None and hit[0] is change:
            return hit[1]
        if options.relevance is not None:
            rel = options.relevance(change)
        else:
            unit = change.after or change.before
            assert unit is not None
            rel = name_relevance(unit)
        known[id(change)] = (change, rel)
        return rel

    if parsing is not None and len(parsing.todo) == len(todo) and all(a is b for a, b in zip(parsing.todo, todo)):
        if options.relevance is not None and family_pool.workers_for(family_pool.MIN_ITEMS, options.jobs) > 1:
            # the families' child inherits the answers, so they are computed here first; doing
            # it as each file comes in, while the parse workers still run, keeps the second
            # CPU busy (afterwards it would wait: 0.4 s of 10,000 changed lines on 2 CPUs)
            parsing.pending.meanwhile = lambda result: _ask_relevance(result, relevance)
        results = parsing.pending.results()
    else:
        if parsing is not None:
            parsing.pending.cancel()
        results = parse_pool.map_files(todo, *_parse_plan(changes, options, todo))
    for fc, (done, skipped, found_na) in zip(todo, results):
        not_analyzed.extend(found_na)
        if done is None:
            why = skipped.detail if skipped else "not analysed"
            relevant = path_looks_sensitive(fc.path) or _budget.guards_likely(fc.old_text) or fc.hunk_only
            not_analyzed.append(NotAnalyzed(fc.path, skipped.reason if skipped else "not-analyzed", why, relevant))
            continue
        ucs, bu, au = done
        all_changes.extend(ucs)
        before_units.update(((u.path, u.qualname), u) for u in bu)
        after_units.update(((u.path, u.qualname), u) for u in au)

    hunk_only = any(fc.hunk_only for fc in changes.files)
    ctx = RuleContext(
        relevance=relevance,
        hunk_only=False,
        options=options.rule_options,
        after_units=after_units,
        before_units=before_units,
    )
    findings: list[Finding] = []
    languages = _languages_present(all_changes)
    # a family whose trigger no unit change satisfies cannot report here: not even imported
    skip = _triggers.skipped_modules(all_changes)
    plan = [(fam, _family_languages(fam), _triggers.module_trigger(fam.check.__module__))
            for fam in families(languages, skip)]

    # the families that apply to a unit change depend only on its language and whether it is a
    # configuration unit (_family_applies): listed once per such pair
    by_kind: dict[tuple[str, bool], list[tuple[int, object, object]]] = {}

    alarm = _budget.ChangeAlarm(options.file_timeout)

    def run_change(i: int) -> list[tuple[int, FamilyOutcome]]:
        """Every family that applies to change i, in family order: (family index, its
        findings, None when it recursed too deep, or TIMED_OUT when the change's families ran
        out of time in it); families that found nothing are left out."""
        change = all_changes[i]
        unit = change.after or change.before
        key = (change.language, unit is not None and unit.kind == "config")
        applies = by_kind.get(key)
        if applies is None:
            applies = by_kind[key] = [(k, fam, trigger) for k, (fam, langs, trigger) in enumerate(plan)
                                      if _family_applies(fam, change, langs)]
        out: list[tuple[int, FamilyOutcome]] = []
        running = [-1]

        def run_families() -> None:
            for k, fam, trigger in applies:
                if trigger is not None and not trigger.admits(change):
                    continue
                running[0] = k
                try:
                    found = list(fam.check(change, ctx))
                except RecursionError:
                    out.append((k, None))
                    continue
                if found:  # most (family, change) pairs find nothing: nothing to send back or merge
                    out.append((k, found))

        try:
            alarm.call(run_families)
        except BaseException as exc:
            if not _budget.timed_out(exc):
                raise
            # this family and the ones after it did not finish
            out.append((running[0] if running[0] >= 0 else applies[0][0], TIMED_OUT))
        return out

    workers = family_pool.workers_for(len(all_changes), options.jobs) if plan else 1
    if workers > 1:
        for change in all_changes:  # computed here, so the forked workers inherit the answers
            relevance(change)
    by_family: list[list[tuple[int, FamilyOutcome]]] = [[] for _ in plan]
    with alarm:
        per_change = family_pool.map_split(len(all_changes), run_change, workers)
    for i, results in enumerate(per_change):
        for k, found in results:
            by_family[k].append((i, found))
    # family by family, change by change: the order of a single process's loop, whoever ran them
    for (fam, _langs, _trigger), results in zip(plan, by_family):
        for i, found in results:
            change = all_changes[i]
            if found is None:
                not_analyzed.append(NotAnalyzed(change.path, "too-deep", f"{change.qualname}: nesting too deep for rule family {fam.name}", True))
                continue
            if isinstance(found, str):  # TIMED_OUT (a copy of it, when it crossed a pipe)
                not_analyzed.append(NotAnalyzed(
                    change.path, "timeout",
                    f"{change.qualname}: rule families stopped in {fam.name} after {alarm.seconds:g}s; it and the "
                    "families after it did not finish (raise it with --file-timeout)", True))
                continue
            if not found:
                continue
            if is_test_path(change.path):
                found = [_in_test_code(f) for f in found]
            findings.extend(f for f in found if f.rule_id not in options.disabled_rules)
    purpose = None
    for name, _specs, fn in change_checks(languages, skip):
        result = fn(ChangeContext(changes, tuple(all_changes), tuple(findings), ctx, options.purpose_text))
        findings.extend(f for f in result.findings if f.rule_id not in options.disabled_rules)
        purpose = result.purpose if result.purpose is not None else purpose
    return Report(
        findings=tuple(_dedupe_sorted(findings)),
        not_analyzed=tuple(_dedupe_na(not_analyzed)),
        files=changes.files,
        description=changes.description,
        base=changes.base,
        head=changes.head,
        commits=changes.commits,
        units_analyzed=len(all_changes),
        hunk_only=hunk_only,
        purpose=purpose,
    )


TIMED_OUT = "timed-out"  # a family outcome: the change's families ran past their time budget
FamilyOutcome = Union[list[Finding], None, str]


def _ask_relevance(result: tuple[object, object, list[NotAnalyzed]], relevance: Callable[[UnitChange], Relevance]) -> None:
    """Ask `relevance` about each unit change of one file's parse result (answers memoised)."""
    done = result[0]
    if done is not None:
        for change in done[0]:  # type: ignore[index]
            relevance(change)


def _languages_present(changes: Iterable[UnitChange]) -> frozenset[str]:
    """The languages `_family_applies` can match for these changes: only the rule modules
    whose families run on them need importing (semdiff.rules.load_for)."""
    out: set[str] = set()
    for change in changes:
        unit = change.after or change.before
        if unit is not None:
            out.add(unit.language)
            if unit.kind == "config":
                out.add("config")
    return frozenset(out)


def _family_languages(fam) -> frozenset[str]:
    return frozenset(lang for rule in fam.rules for lang in rule.languages)


def _family_applies(fam, change: UnitChange, langs: Optional[frozenset[str]] = None) -> bool:
    """A family runs on the languages its rules declare ("*" = every language)."""
    if langs is None:
        langs = _family_languages(fam)
    if "*" in langs or change.language in langs:
        return True
    unit = change.after or change.before
    return "config" in langs and unit is not None and unit.kind == "config"


# Families that catch a construct generically; when a specific family reports the same
# line, the specific finding says more and the generic one is noise.
GENERIC_FAMILIES = ("weakened-default",)


def _at(f: Finding) -> tuple:
    loc = f.after or f.before
    return (f.path, f.unit, loc.line if loc else 0)


def _drop_generic_overlaps(findings: list[Finding]) -> list[Finding]:
    specific = {_at(f) for f in findings if not f.rule_id.startswith(GENERIC_FAMILIES)}
    return [f for f in findings if not (f.rule_id.startswith(GENERIC_FAMILIES) and _at(f) in specific)]


def _dedupe_sorted(findings: Iterable[Finding]) -> list[Finding]:
    findings = _drop_generic_overlaps(list(findings))
    seen: dict[str, Finding] = {}
    for f in findings:
        prev = seen.get(f.fingerprint)
        if prev is None or (f.severity, f.confidence) > (prev.severity, prev.confidence):
            seen[f.fingerprint] = f
    return sorted(
        seen.values(),
        key=lambda f: (-f.severity, -f.confidence, f.path, (f.primary_location.line if f.primary_location else 0), f.rule_id),
    )


def _dedupe_na(items: Iterable[NotAnalyzed]) -> list[NotAnalyzed]:
    out: dict[tuple[str, str, str], NotAnalyzed] = {}
    for n in items:
        out.setdefault((n.path, n.reason, n.detail), n)
    return list(out.values())


def analyze_texts(
    pairs: Iterable[tuple[str, Optional[str], Optional[str]]],
    options: AnalyzeOptions = AnalyzeOptions(),
) -> Report:
    """Analyse (path, before_text, after_text) triples as a full-text change (no repository).

    Used by fixtures and by tools that already hold both versions of a file.
    """
    from semdiff.source.textpairs import file_change_from_texts

    files = tuple(file_change_from_texts(p, b, a) for p, b, a in pairs)
    return analyze_changeset(ChangeSet(files=files, description="texts"), options)
