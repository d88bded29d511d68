"""What a change actually does, unit by unit.

Every aligned `UnitChange` gets one `Effect`. The behaviour-preserving ones are proved on
normalised syntax trees (semdiff.purpose.pysyntax for Python; the backend's `body_key`,
a formatting- and comment-free token stream, for other languages), never guessed from
lines; whatever cannot be proved is a behaviour change. A unit that a rule family found
weaker is a weakening unless its code is proved equivalent (PROVED_SAME_CODE): the proof
compares the whole unit, the rule one construct it could not follow through a rewrite.
"""
from __future__ import annotations

import ast
import functools
import enum
import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional, Sequence

from semdiff import logic
from semdiff.align.units import UnitChange
from semdiff.ir import Unit
from semdiff.model import Finding, Severity
from semdiff.purpose import cmessages

# semdiff.purpose.pysyntax, extract, goequiv and release are imported where they are used:
# the syntax-tree proofs run only for a narrow claim or a security fix (`precise`), Go's
# only for Go units, so most runs never need them (their import is ~2 % of a warm run)
from semdiff.purpose.tables import ClaimTables, claim_tables
from semdiff.rules._generated import BUILD_NAME


class Effect(str, enum.Enum):
    UNCHANGED = "no-change-in-meaning"  # whitespace, comments, docstrings, formatting
    WORDING = "message-wording"  # only message strings (exception/log text) changed
    RENAMED = "rename-only"  # alpha-equivalent after renaming locals/params/private helpers
    MOVED = "pure-move"  # same body under another name, class or file
    EQUIVALENT = "behaviour-preserving"  # equivalent conditions, extracted/inlined helper
    BEHAVIOUR = "behaviour-change"
    SECURITY = "security-behaviour-change"
    WEAKENING = "weakening"

    @property
    def preserving(self) -> bool:
        return self in PRESERVING


PRESERVING = frozenset({Effect.UNCHANGED, Effect.WORDING, Effect.RENAMED, Effect.MOVED, Effect.EQUIVALENT})
# Proofs that outrank a rule's finding on the same unit: the unit's own code, in the same
# place, compared whole (conditions by truth table, helpers inlined, Go rewrites made
# canonical, locals renamed). Not the proofs that set something aside a rule may be about:
# comments and formatting (UNCHANGED: an added `# nosec`), message strings (WORDING: a log
# line now carrying a secret), the place a body moved to (MOVED: the checks around it).
PROVED_SAME_CODE = frozenset({Effect.EQUIVALENT, Effect.RENAMED})
ORDER = tuple(Effect)


@dataclass(frozen=True)
class UnitEffect:
    change: UnitChange
    effect: Effect
    evidence: tuple[str, ...] = ()
    relevant: bool = False  # security-relevant: relevance lookup, or its guards changed
    area: str = "code"  # code | tests | deps | docs
    rules: tuple[str, ...] = ()  # rule ids of the weakening findings on this unit
    relevance_score: float = 0.0
    # the highest severity those findings were given (what a purpose mismatch resting on them may claim)
    weakening_severity: Severity = Severity.INFO

    @property
    def qualname(self) -> str:
        return self.change.qualname

    @property
    def path(self) -> str:
        return self.change.path

    @property
    def line(self) -> Optional[int]:
        c = self.change
        if c.touched_after:
            return c.touched_after[0]
        if c.after is not None:
            return c.after.span.line
        if c.touched_before:
            return c.touched_before[0]
        return c.before.span.line if c.before is not None else None


_MINIFIED_LINE = 500


def minified(uc: UnitChange) -> bool:
    """Build output: a minifier's (`app.min.js`, a unit on a line longer than anyone writes)
    or a bundler's (JavaScript under `dist/` or `build/`). Release commits rebuild or delete
    these; a unit in one called
    `setAdditionalAuthenticatedData` is not security-relevant code a narrow claim promised
    to leave alone (the sources it is built from are)."""
    if BUILD_NAME.search(uc.path):
        return True
    unit = uc.after or uc.before
    # a text no longer than the limit has no line longer than it: not split (most units)
    return unit is not None and len(unit.text) > _MINIFIED_LINE and any(
        len(line) > _MINIFIED_LINE for line in unit.text.splitlines())


def _rebuilt_beside(path: str, text: str, changed_paths: set[str]) -> bool:
    from semdiff.rules._generated import rebuilt_beside

    return rebuilt_beside(path, text, changed_paths)


def area_of(path: str, tables: Optional[ClaimTables] = None) -> str:
    if tables is None:
        return _area_with_default_tables(path)  # asked once per unit change: a file's units share it
    return _area(path, tables)


@functools.lru_cache(maxsize=4096)
def _area_with_default_tables(path: str) -> str:
    return _area(path, claim_tables())


def _area(path: str, t: ClaimTables) -> str:
    for area in ("tests", "deps", "docs"):
        if any(p.search(path) for p in t.paths.get(area, ())):
            return area
    return "code"


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _tree(unit: Optional[Unit]) -> Optional[ast.AST]:
    # module and class units span their methods, which are units of their own: their own
    # statements are compared by body_key (cheap, already free of nested units and formatting)
    if unit is None or unit.language != "python" or unit.partial or unit.kind in ("module", "class"):
        return None
    from semdiff.purpose import pysyntax

    return pysyntax.parse_unit(unit.text, unit.kind)


def guards_changed(before: Optional[Unit], after: Optional[Unit]) -> bool:
    """Did what the unit refuses, or the decorators in front of it, change at all?"""
    if before is None or after is None:
        unit = before or after
        return bool(unit and (unit.guards or unit.decorators))
    if sorted(d.name for d in before.decorators) != sorted(d.name for d in after.decorators):
        return True
    if len(before.guards) != len(after.guards):
        return True
    for gb, ga in zip(before.guards, after.guards):
        if gb.action != ga.action or gb.reachable != ga.reachable:
            return True
        if gb.deny_when != ga.deny_when:
            try:
                if not logic.equivalent(gb.deny_when, ga.deny_when):
                    return True
            except RecursionError:
                return True
    return False


@dataclass
class _Side:
    """Python trees of one side, plus helpers available for inlining on that side."""

    trees: dict[int, Optional[ast.AST]]


def _helper_table(changes: Iterable[UnitChange], side: str, trees: Mapping[int, Optional[ast.AST]]) -> dict[tuple[str, Optional[str]], dict[str, ast.FunctionDef]]:
    """(path, parent) -> {name: FunctionDef} for units only present on `side`."""
    table: dict[tuple[str, Optional[str]], dict[str, ast.FunctionDef]] = {}
    for uc in changes:
        unit = uc.after if side == "after" else uc.before
        tree = trees.get(id(uc))
        if unit is None or not isinstance(tree, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        table.setdefault((uc.path, unit.parent), {})[unit.name] = tree  # type: ignore[assignment]
    return table


def _name_move(b: Unit, a: Unit, path_b: str, path_a: str) -> tuple[Effect, str]:
    if path_b == path_a and b.parent == a.parent and b.name != a.name and _private(b.name) and _private(a.name):
        return Effect.RENAMED, f"private `{b.name}` renamed to `{a.name}`"
    if path_b != path_a:
        return Effect.MOVED, f"`{b.qualname}` moved from {path_b} to {path_a} as `{a.qualname}`"
    return Effect.MOVED, f"`{b.qualname}` now `{a.qualname}`"


def _guards_look_sensitive(uc: UnitChange) -> bool:
    """Do the unit's checks themselves mention admin/permission/token/... (see rules.guards)?"""
    from semdiff.rules.guards import guard_relevance

    guards = [g for u in (uc.before, uc.after) if u is not None for g in u.guards]
    return guard_relevance(guards) is not None


def classify_effects(
    unit_changes: Sequence[UnitChange],
    findings: Sequence[Finding],
    relevance,  # Callable[[UnitChange], Relevance]
    ignore_rules: frozenset[str] = frozenset(),
    tables: Optional[ClaimTables] = None,
    precise: bool = True,
) -> tuple[UnitEffect, ...]:
    """Effect of every unit change. `precise=False` skips the syntax-tree proofs (rename,
    equivalence, extraction) and compares body keys only: enough when no narrow claim has
    to be checked, and far cheaper on large changes."""
    t = tables or claim_tables()
    weak: dict[tuple[str, str], list[str]] = {}
    weak_severity: dict[tuple[str, str], Severity] = {}
    for f in findings:
        # info findings are context (e.g. a weakened assertion in test code), not weakenings
        if f.rule_id not in ignore_rules and f.severity > Severity.INFO:
            weak.setdefault((f.path, f.unit), []).append(f.rule_id)
            weak_severity[(f.path, f.unit)] = max(f.severity, weak_severity.get((f.path, f.unit), Severity.INFO))

    before_trees = {id(uc): _tree(uc.before) if precise else None for uc in unit_changes}
    after_trees = {id(uc): _tree(uc.after) if precise else None for uc in unit_changes}

    # pair a deleted unit with an added one of the same renamed shape (a move the
    # alignment did not follow), so it is a move or rename, not a removal plus an addition
    added = [uc for uc in unit_changes if uc.before is None and uc.after is not None]
    by_shape: dict[tuple[str, str], list[UnitChange]] = {}
    for uc in added:
        tree = after_trees[id(uc)]
        sh = _renamed_shape(tree)
        if sh is not None:
            by_shape.setdefault((uc.after.kind, sh.dump), []).append(uc)  # type: ignore[union-attr]
    partner: dict[int, UnitChange] = {}
    for uc in unit_changes:
        if uc.after is None and uc.before is not None:
            tree = before_trees[id(uc)]
            sh = _renamed_shape(tree)
            cands = by_shape.get((uc.before.kind, sh.dump), []) if sh is not None else []
            if cands:
                partner[id(uc)] = cands.pop(0)
    _pair_moved_units(unit_changes, added, partner, before_trees)
    paired_added = {id(p) for p in partner.values()}
    go_consts = _GoConstants(unit_changes) if precise else None

    helpers: dict[str, str] = {}
    for uc in unit_changes:
        b, a = uc.before, uc.after
        if id(uc) in partner:
            a = partner[id(uc)].after
        if b is not None and a is not None and b.name != a.name and _private(b.name) and _private(a.name):
            helpers[b.name] = a.name

    after_helpers = _helper_table([uc for uc in added if id(uc) not in paired_added], "after", after_trees)
    deleted = [uc for uc in unit_changes if uc.after is None and id(uc) not in partner]
    before_helpers = _helper_table(deleted, "before", before_trees)

    results: dict[int, tuple[Effect, tuple[str, ...]]] = {}
    extracted: dict[tuple[str, str], str] = {}  # (path, helper name) -> caller qualname

    for uc in unit_changes:
        if id(uc) in paired_added:
            continue
        b, a = uc.before, uc.after
        bt, at = before_trees[id(uc)], after_trees[id(uc)]
        path_a = uc.path
        path_b = uc.file.old_path or uc.path
        if id(uc) in partner:
            other = partner[id(uc)]
            a, at, path_a = other.after, after_trees[id(other)], other.path
        if b is None or a is None:
            continue
        effect = _compare(uc, b, a, bt, at, path_b, path_a, helpers, after_helpers, before_helpers, extracted)
        if effect[0] is Effect.BEHAVIOUR and go_consts is not None and b.language == a.language == "go" \
                and b.kind != "module" and a.kind != "module":
            from semdiff.purpose import goequiv

            proof = goequiv.same_behaviour(b.text, a.text, go_consts.of("before", path_b), go_consts.of("after", path_a),
                                           go_consts.renames(), go_consts.fields("before", path_b), go_consts.fields("after", path_a))
            if proof is not None:
                effect = (_name_move(b, a, path_b, path_a)[0] if (b.qualname, path_b) != (a.qualname, path_a)
                          else Effect.EQUIVALENT, proof)
        if effect[0] is Effect.BEHAVIOUR and go_consts is not None and b.language == a.language == "go" \
                and b.kind == a.kind == "module" and path_b == path_a:
            from semdiff.purpose import goequiv

            # constants renamed where they are declared: each name read as its literal
            gb = goequiv.module_key(b.text, go_consts.of("before", path_b))
            if gb is not None and gb == goequiv.module_key(a.text, go_consts.of("after", path_a)):
                effect = (Effect.EQUIVALENT, ("same package-level code once constants are read as their values "
                                              "(renamed constants), functions, plain imports and comments set aside",))
        if effect[0] is Effect.BEHAVIOUR and precise and b.kind == a.kind == "module" and b.language == a.language == "python" \
                and (b.qualname, path_b) == (a.qualname, path_a):
            effect = _same_module_statements(b, a) or effect
        if effect[0] is Effect.BEHAVIOUR and precise and b.language == a.language and b.language in _JS_LIKE \
                and (b.qualname, path_b) == (a.qualname, path_a):
            from semdiff.purpose import tsshape

            if tsshape.same_code(b, a):
                effect = (Effect.UNCHANGED, ("same syntax tree once parentheses, comments, quotes and punctuation are set aside",))
        results[id(uc)] = effect

    out: list[UnitEffect] = []
    areas: dict[str, str] = {}
    changed_paths = {uc.path for uc in unit_changes}
    for uc in unit_changes:
        if id(uc) in paired_added:
            continue
        unit = uc.after or uc.before
        assert unit is not None
        key_path = uc.path
        rules = tuple(weak.get((key_path, uc.qualname), ()))
        repeated: tuple[str, ...] = ()
        if rules and minified(uc) and _rebuilt_beside(uc.path, unit.text, changed_paths):
            # a bundle regenerated with its sources repeats what they do (with a minifier's
            # renaming and reshuffling on top, which the rules read as removed checks): the
            # claim is judged on the sources' own units, which are in this change too
            repeated = (f"{', '.join(sorted(set(rules)))} reported in build output regenerated with its sources in this change",)
            rules = ()
        rel = relevance(uc)
        if id(uc) in results:
            effect, evidence = results[id(uc)]
        elif uc.before is None and (uc.path, unit.name) in extracted:
            effect, evidence = Effect.EQUIVALENT, (f"extracted from `{extracted[(uc.path, unit.name)]}` (its body inlined back gives the old code)",)
        elif uc.after is None and (uc.path, unit.name) in extracted:
            effect, evidence = Effect.EQUIVALENT, (f"inlined into `{extracted[(uc.path, unit.name)]}`",)
        else:
            effect, evidence = Effect.BEHAVIOUR, ("added" if uc.before is None else "deleted",)
        other_after = partner[id(uc)].after if id(uc) in partner else uc.after
        area = areas.get(key_path)
        if area is None:  # a file's units share it: its path patterns are searched once per file
            area = areas[key_path] = area_of(key_path, t)
        bumps = _action_bumps(uc.before, other_after) if effect is Effect.BEHAVIOUR and area == "code" else None
        if bumps:
            area = "deps"
            evidence = evidence + (bumps,)
        metadata = _metadata_only(uc.before, other_after) if effect is Effect.BEHAVIOUR and area == "code" else None
        if metadata:
            area = "deps"
            evidence = evidence + (metadata,)
        # test code does not run in production: its asserts are not the product's guards
        # a narrow claim is only contradicted by code that is clearly security-relevant: a
        # strong name/graph signal (>= 0.6) or a changed guard, not a callee word alone
        # minified build output mirrors sources reviewed elsewhere: its names say nothing
        relevant = area != "tests" and not minified(uc) and not metadata and (
            rel.score >= 0.6 or (guards_changed(uc.before, other_after) and (rel.score >= 0.3 or _guards_look_sensitive(uc)))
        )
        if rules and effect in PROVED_SAME_CODE and _in_place(uc):
            # the proof compared this unit's whole code before and after and found the same
            # behaviour: the rule read a rewrite it could not follow, not a weakening
            evidence = evidence + (f"{', '.join(sorted(set(rules)))} reported here, but the code is proved equivalent",)
        elif rules:
            effect = Effect.WEAKENING
            evidence = evidence + (f"weakening found by {', '.join(sorted(set(rules)))}",)
        elif effect is Effect.BEHAVIOUR and relevant:
            effect = Effect.SECURITY
            why = " -> ".join(rel.why_path) if rel.is_relevant and rel.why_path else "its guards or decorators changed"
            evidence = evidence + (f"security-relevant: {rel.reason or why}",)
        evidence = evidence + repeated
        out.append(UnitEffect(uc, effect, evidence, relevant, area, rules, rel.score,
                              weak_severity.get((key_path, uc.qualname), Severity.INFO)))
    return tuple(out)


def _renamed_shape(tree: Optional[ast.AST]) -> object:
    """pysyntax.shape(tree, rename=True), or None without a tree (no proofs asked for)."""
    if tree is None:
        return None
    from semdiff.purpose import pysyntax

    return pysyntax.shape(tree, rename=True)


def _metadata_only(before: Optional[Unit], after: Optional[Unit]) -> Optional[str]:
    from semdiff.purpose import release

    return release.metadata_only(before, after)


def _in_place(uc: UnitChange) -> bool:
    """Both sides of the unit exist, under the same name in the same file."""
    b, a = uc.before, uc.after
    return b is not None and a is not None and b.qualname == a.qualname and (uc.file.old_path or uc.path) == uc.path


# `uses: owner/action@ref` (optionally quoted, optionally `# v1.2.3`-commented, as a step
# item or a job-level reusable workflow)
_USES = re.compile(r"""^(\s*(?:-\s+)?uses:\s*)(['"]?)([\w.-]+/[\w./-]+)@([^\s'"#]+)\2(\s+#.*)?\s*$""")
_SHA = re.compile(r"[0-9a-f]{40}")


def _action_bumps(before: Optional[Unit], after: Optional[Unit]) -> Optional[str]:
    """"Update GitHub actions deps versions" bumps `uses: actions/checkout@v5` to `@v6`: a
    dependency update of the workflow, within a deps claim, whatever the job is called. Only
    when every changed line is such a bump of the same action; a different action (another
    owner or repository), a commit pin given up for a movable tag, or any other edit is not."""
    if before is None or after is None or before.language != "github-actions" or after.language != "github-actions":
        return None
    lb, la = before.text.splitlines(), after.text.splitlines()
    if len(lb) != len(la) or len(lb) > 5000:
        return None
    bumped = []
    for x, y in zip(lb, la):
        if x == y:
            continue
        mx, my = _USES.match(x), _USES.match(y)
        if not mx or not my or mx.group(1) != my.group(1) or mx.group(3) != my.group(3):
            return None
        if _SHA.fullmatch(mx.group(4)) and not _SHA.fullmatch(my.group(4)):
            return None
        bumped.append(f"{mx.group(3)} {mx.group(4)} -> {my.group(4)}")
    if not bumped:
        return None
    return "action versions bumped: " + ", ".join(dict.fromkeys(bumped))


def _dir(path: str) -> str:
    return path.rpartition("/")[0]


def _same_module_statements(b: Unit, a: Unit) -> Optional[tuple[Effect, tuple[str, ...]]]:
    """A Python module's own statements (functions and classes are units of their own)
    compared as syntax trees, when its token stream differs: isort moving imports is the
    common case (semdiff.purpose.pysyntax takes a run of imports in sorted order). Asked only
    when a narrow claim is checked, so only then is the module parsed again."""
    from semdiff.purpose import pysyntax

    tb, ta = pysyntax.parse_unit(b.text, "module"), pysyntax.parse_unit(a.text, "module")
    if tb is None or ta is None:
        return None
    sb, sa = pysyntax.shape(tb), pysyntax.shape(ta)
    if sb is not None and sa is not None and sb.dump == sa.dump:
        return Effect.UNCHANGED, ("same module statements once comments and formatting are removed and imports sorted",)
    return None


def _tree_key(unit: Unit) -> Optional[tuple[str, ...]]:
    """What must be equal for two non-Python units to be the same code: the Go canonical
    tokens, else the backend's token stream (names removed, so the unit's name is compared
    separately)."""
    if unit.language == "go":
        from semdiff.purpose import goequiv

        c = goequiv.canonical(unit.text)
        return c.tokens if c is not None else None
    return (unit.body_key,) if unit.body_key else None


def _pair_moved_units(unit_changes: Sequence[UnitChange], added: Sequence[UnitChange],
                      partner: dict[int, UnitChange], before_trees: Mapping[int, Optional[ast.AST]]) -> None:
    """Pair a deleted non-Python function with an added one of the same name and code: "move
    util functions to utils.go" moves `safeInt8` between files of one Go package, which is a
    move, not a removal plus an addition. Go functions only move within their package (same
    directory); for other languages the name and the token stream must match."""
    taken = {id(p) for p in partner.values()}
    cands: dict[tuple[str, str, str, str], list[UnitChange]] = {}
    for uc in added:
        u = uc.after
        if id(uc) in taken or u is None or u.language == "python" or u.kind in ("module", "class"):
            continue
        key = _tree_key(u)
        if key is not None:
            place = _dir(uc.path) if u.language == "go" else ""
            cands.setdefault((u.language, u.kind, u.qualname, place), []).append(uc)
    if not cands:
        return
    for uc in unit_changes:
        u = uc.before
        if uc.after is not None or u is None or id(uc) in partner or u.language == "python" or before_trees.get(id(uc)) is not None:
            continue
        path_b = uc.file.old_path or uc.path
        place = _dir(path_b) if u.language == "go" else ""
        pool = cands.get((u.language, u.kind, u.qualname, place), [])
        key = _tree_key(u) if pool else None
        for other in pool:
            if key is not None and _tree_key(other.after) == key:  # type: ignore[arg-type]
                partner[id(uc)] = other
                pool.remove(other)
                break


class _GoConstants:
    """Literal `const` values of each Go package (directory) the change touches, per side, read
    from the full file texts: "magic numbers -> named constants" needs the values.

    `of(side, path)` also holds, as `pkg.NAME`, the constants of the other changed packages the
    file at `path` imports: golint's "exported names should be CamelCase" renames a constant
    and every `pkg.NAME` that uses it in one change, and both names stand for the same literal."""

    def __init__(self, unit_changes: Sequence[UnitChange]) -> None:
        self._files: dict[tuple[str, str], list[str]] = {}
        self._texts: dict[tuple[str, str], str] = {}
        seen: set[int] = set()
        for uc in unit_changes:
            f = uc.file
            if id(f) in seen:
                continue
            seen.add(id(f))
            if f.old_path and f.old_path.endswith(".go") and f.old_text:
                self._files.setdefault(("before", _dir(f.old_path)), []).append(f.old_text)
                self._texts[("before", f.old_path)] = f.old_text
            if f.new_path and f.new_path.endswith(".go") and f.new_text:
                self._files.setdefault(("after", _dir(f.new_path)), []).append(f.new_text)
                self._texts[("after", f.new_path)] = f.new_text
        self._cache: dict[tuple[str, str], dict[str, str]] = {}
        self._qualified: dict[tuple[str, str], dict[str, str]] = {}
        self._changes = unit_changes
        self._renames: Optional[dict[str, str]] = None
        self._packages: dict[str, dict[str, str]] = {}  # side -> directory -> its package's name

    def renames(self) -> dict[str, str]:
        """New name -> old name of the Go functions and methods the change renamed (paired by
        the alignment), when neither name is declared by another changed unit on the other
        side: a rename, not two functions trading places."""
        if self._renames is None:
            pairs: dict[str, str] = {}
            before_names: set[str] = set()
            after_names: set[str] = set()
            for uc in self._changes:
                b, a = uc.before, uc.after
                if b is not None and b.language == "go":
                    before_names.add(b.name)
                if a is not None and a.language == "go":
                    after_names.add(a.name)
                if b is not None and a is not None and b.language == a.language == "go" \
                        and b.kind == a.kind and b.kind in ("function", "method") and b.name != a.name:
                    pairs[a.name] = b.name if pairs.get(a.name, b.name) == b.name else ""
            self._renames = {new: old for new, old in pairs.items()
                             if old and new not in before_names and old not in after_names}
        return self._renames

    def _fields_of(self, side: str, directory: str) -> dict[str, str]:
        key = ("fields:" + side, directory)
        if key not in self._cache:
            from semdiff.purpose import goequiv

            self._cache[key] = goequiv.field_types(self._files.get((side, directory), ()))
        return self._cache[key]

    def fields(self, side: str, path: str) -> dict[str, str]:
        """`Struct.Field` -> type of the package's structs (see goequiv.field_types), and
        `pkg.Struct.Field` for the other changed packages the file imports."""
        key = ("fields:" + side, path)
        hit = self._qualified.get(key)
        if hit is not None:
            return hit
        out = dict(self._fields_of(side, _dir(path)))
        for name, d in self._imported(side, path):
            out.update({f"{name}.{k}": v for k, v in self._fields_of(side, d).items() if k[:1].isupper()})
        self._qualified[key] = out
        return out

    def _imported(self, side: str, path: str) -> list[tuple[str, str]]:
        """(package name, directory) of the other changed packages the file at `path` imports
        under their own names (a name two changed directories declare is left out)."""
        text = self._texts.get((side, path))
        if not text:
            return []
        from semdiff.purpose import goequiv

        if side not in self._packages:
            found = {d: goequiv.package_name(texts) for (s, d), texts in self._files.items() if s == side}
            names = [n for n in found.values() if n]
            self._packages[side] = {d: n for d, n in found.items() if n and names.count(n) == 1}
        own = _dir(path)
        return [(name, d) for d, name in self._packages[side].items() if d != own and goequiv.imports_dir(text, d, name)]

    def _package(self, side: str, directory: str) -> dict[str, str]:
        key = (side, directory)
        if key not in self._cache:
            from semdiff.purpose import goequiv

            self._cache[key] = goequiv.constants(self._files.get(key, ()))
        return self._cache[key]

    def of(self, side: str, path: str) -> dict[str, str]:
        key = (side, path)
        hit = self._qualified.get(key)
        if hit is not None:
            return hit
        out = dict(self._package(side, _dir(path)))
        for name, d in self._imported(side, path):
            out.update({f"{name}.{k}": v for k, v in self._package(side, d).items() if k[:1].isupper()})
        self._qualified[key] = out
        return out


# Module units of the tree-sitter languages carry no token stream (`body_key` is empty), so a
# fixed typo in a doc comment of `csrf.go` read as a behaviour change of a security-relevant
# module. Their code, with comments and layout removed, is compared instead. Strings are
# matched first so `"http://x"` is not a comment; directive comments that change the build
# (`//go:build`, `//go:embed`, `// +build`, `//go:linkname`) are kept as code.
_C_LIKE = frozenset({"go", "javascript", "typescript", "tsx", "java"})
_JS_LIKE = frozenset({"javascript", "typescript", "tsx"})
_C_STRING = r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|`[^`]*`'
_C_TOKENS = re.compile(
    _C_STRING
    + r"|(?P<directive>//go:[^\n]*|//\s*\+build[^\n]*)|(?P<comment>//[^\n]*|/\*.*?\*/)",
    re.S,
)


# whitespace between two word characters, or two operator characters (`a - -b`, `y++ + z`),
# separates tokens; anywhere else (`f( x )`, a parameter list wrapped onto its own lines) it
# is layout. Strings are matched first and kept.
_C_LAYOUT = re.compile(_C_STRING + r"|(?P<space>\s+)", re.S)
_WORDISH = re.compile(r"[\w$]")
_OPERATOR = frozenset("+-*/%&|^<>=!~?:.")


def _module_key(unit: Unit) -> Optional[str]:
    if unit.language not in _C_LIKE:
        return None
    code = _C_TOKENS.sub(lambda m: " " if m.group("comment") else m.group(0), unit.text)

    def layout(m: re.Match) -> str:
        if m.group("space") is None:
            return m.group(0)
        a, b = m.start(), m.end()
        if a == 0 or b == len(code):
            return ""
        left, right = code[a - 1], code[b]
        apart = (_WORDISH.match(left) and _WORDISH.match(right)) or (left in _OPERATOR and right in _OPERATOR)
        return " " if apart else ""

    return _C_LAYOUT.sub(layout, code).strip()


def _compare(uc, b: Unit, a: Unit, bt, at, path_b: str, path_a: str, helpers, after_helpers, before_helpers, extracted) -> tuple[Effect, tuple[str, ...]]:
    same_place = b.qualname == a.qualname and path_b == path_a
    if bt is None or at is None:
        if not b.body_key and not a.body_key and same_place and b.kind == a.kind == "module":
            kb, ka = _module_key(b), _module_key(a)
            if kb is not None and kb == ka:
                return Effect.UNCHANGED, ("same code once comments and formatting are removed",)
            if b.language == a.language == "go":
                from semdiff.purpose import goequiv

                gb, ga = goequiv.module_key(b.text), goequiv.module_key(a.text)
                if gb is not None and gb == ga:
                    return Effect.UNCHANGED, ("same package-level code once functions (compared on their own), "
                                              "plain imports and comments are set aside",)
        if b.body_key and b.body_key == a.body_key:
            if same_place:
                return Effect.UNCHANGED, ("normalised token streams are equal (comments, formatting, names removed)",)
            eff, why = _name_move(b, a, path_b, path_a)
            return eff, (why, "normalised token streams are equal")
        wording = cmessages.only_messages_differ(a.language, b.text, a.text) if same_place and b.language == a.language else None
        if wording:
            return Effect.WORDING, (wording,)
        if same_place and b.language == a.language and b.language in _JS_LIKE and b.kind not in ("module", "class"):
            from semdiff.purpose import jsequiv

            helpers = jsequiv.own_property_helpers((uc.file.old_text, uc.file.new_text)) \
                if "hasOwn" in b.text or "hasOwn" in a.text else frozenset()
            if jsequiv.same_own_property_tests(b.text, a.text, helpers):
                return Effect.EQUIVALENT, ("the same own-property tests written another way (`o.hasOwnProperty(k)`, "
                                           "`Object.prototype.hasOwnProperty.call(o, k)`, `Object.hasOwn(o, k)`, a helper "
                                           "of the file returning one of them)",)
        return Effect.BEHAVIOUR, ("normalised token streams differ",)

    from semdiff.purpose import pysyntax

    if pysyntax.shape(bt) == pysyntax.shape(at) and pysyntax.shape(bt) is not None:
        if same_place:
            return Effect.UNCHANGED, ("same syntax tree once comments, docstrings and formatting are removed",)
        eff, why = _name_move(b, a, path_b, path_a)
        return eff, (why, "same syntax tree")
    renamed_b = pysyntax.shape(bt, rename=True, helpers=helpers)
    renamed_a = pysyntax.shape(at, rename=True)
    if renamed_b is not None and renamed_b == renamed_a:
        why = "same syntax tree after consistent renaming of parameters, locals" + (" and private helpers" if helpers else "")
        if same_place:
            return Effect.RENAMED, (why,)
        eff, moved = _name_move(b, a, path_b, path_a)
        return eff, (moved, why)
    ok, ev = pysyntax.same_shape(pysyntax.shape(bt, rename=True, helpers=helpers, booleans=True),
                                 pysyntax.shape(at, rename=True, booleans=True))
    if ok:
        return Effect.EQUIVALENT, ev or ("conditions equivalent",)
    proof = _extract_proof(uc, b, a, bt, at, path_b, path_a, helpers, after_helpers, before_helpers, extracted)
    if proof is not None:
        return Effect.EQUIVALENT, proof
    ok, ev = pysyntax.same_shape(pysyntax.shape(bt, rename=True, helpers=helpers, booleans=True, typing=True),
                                 pysyntax.shape(at, rename=True, booleans=True, typing=True))
    if ok:
        return Effect.EQUIVALENT, ("only what a type checker reads differs (annotations, typing.cast, a typed temporary)",) + ev
    ok, ev = pysyntax.same_shape(pysyntax.shape(bt, rename=True, helpers=helpers, booleans=True, messages=True, typing=True),
                                 pysyntax.shape(at, rename=True, booleans=True, messages=True, typing=True))
    if ok:
        return Effect.WORDING, ("only message strings (exception or log text) differ",) + ev
    return Effect.BEHAVIOUR, ("syntax trees differ after normalisation",)


def _extract_proof(uc, b: Unit, a: Unit, bt, at, path_b, path_a, helpers, after_helpers, before_helpers, extracted) -> Optional[tuple[str, ...]]:
    new_h = after_helpers.get((path_a, a.parent), {}) | (after_helpers.get((path_a, "<module>"), {}) if a.parent != "<module>" else {})
    old_h = before_helpers.get((path_b, b.parent), {}) | (before_helpers.get((path_b, "<module>"), {}) if b.parent != "<module>" else {})
    new_h = {k: v for k, v in new_h.items() if k != a.name}
    from semdiff.purpose import extract, pysyntax

    old_h = {k: v for k, v in old_h.items() if k != b.name}
    a_in = extract.inline_helpers(at, new_h) if new_h else None
    b_in = extract.inline_helpers(bt, old_h) if old_h else None
    if a_in is None and b_in is None:
        return None
    left = b_in[0] if b_in else bt
    right = a_in[0] if a_in else at
    ok, ev = pysyntax.same_shape(pysyntax.shape(left, rename=True, helpers=helpers, booleans=True),
                                 pysyntax.shape(right, rename=True, booleans=True))
    if not ok:
        return None
    notes = []
    for name in (a_in[1] if a_in else ()):
        extracted[(path_a, name)] = a.qualname
        notes.append(f"extract-method: inlining the new helper `{name}` gives the old body of `{b.qualname}`")
    for name in (b_in[1] if b_in else ()):
        extracted[(path_b, name)] = a.qualname
        notes.append(f"inline-method: the removed helper `{name}` now sits inline in `{a.qualname}`")
    return tuple(notes) + ev
