"""Evasion: weakenings dressed up so a reviewer (or a per-unit rule) does not see them.

The guard rules already catch a guard renamed to a lookalike (the atom changes), moved into
a lambda that is never called, made dead by an earlier `return`, or a decorator applied
only under a flag. What they cannot see, because the weakening is spread over places a
single unit does not show, is handled here:

* confusable-identifier: the changed check names an identifier that only *looks* like the
  one it replaced (`is_adrnin` for `is_admin`, Cyrillic `а` for Latin `a`) or mixes scripts;
  the removed-guard finding says a check is gone, this one says it was disguised;
* constant-loosened: a guard's comparison is unchanged but the constant it compares with
  was changed elsewhere in the same change (`MAX_AGE = 3600` -> `3600 * 1000`); judged with
  the numeric values and the guard's polarity;
* guard-dropped-in-move: a function moved to another file (a rename git scored at 0 %
  similarity shows as delete + add) and lost a check on the way.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Mapping, Optional

from semdiff import logic
from semdiff.align.units import UnitChange
from semdiff.ir import Action, Atom, Formula, Guard, Not, Unit, atoms_of
from semdiff.model import Confidence, Finding, Relevance, Severity
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, text_lines

_G = "def delete_user(request, uid):\n    if not request.user.is_admin:\n        raise PermissionDenied()\n    User.delete(uid)\n"

RULES = (
    RuleSpec(
        "confusable-identifier",
        "Check uses a lookalike identifier",
        Severity.HIGH,
        "An identifier in a changed check is visually confusable with one the change removed, or mixes writing systems (homoglyphs).",
        (
            Example(_G, _G.replace("is_admin", "is_adrnin"), True, "rn for m"),
            Example(_G, _G.replace("is_admin", "is_\u0430dmin"), True, "Cyrillic a"),
            Example(_G, _G.replace("is_admin", "is_superuser"), False, "a different, honest name"),
        ),
        ("python", "javascript", "typescript", "go", "java"),
    ),
    RuleSpec(
        "constant-loosened",
        "Constant behind a check loosened",
        Severity.HIGH,
        "A check is unchanged, but a constant it compares with was changed in the same change so the check now denies less.",
        (
            Example(
                "MAX_AGE = 3600\n\ndef check(token):\n    if token.age > MAX_AGE:\n        raise Expired()\n",
                "MAX_AGE = 3600 * 1000\n\ndef check(token):\n    if token.age > MAX_AGE:\n        raise Expired()\n",
                True,
            ),
            Example(
                "MAX_AGE = 3600\n\ndef check(token):\n    if token.age > MAX_AGE:\n        raise Expired()\n",
                "MAX_AGE = 600\n\ndef check(token):\n    if token.age > MAX_AGE:\n        raise Expired()\n",
                False,
                "tightened",
            ),
        ),
    ),
    RuleSpec(
        "guard-dropped-in-move",
        "Check lost when code moved to another file",
        Severity.HIGH,
        "A function was deleted in one file and re-added under the same name in another, without a check the old one made.",
        (),
    ),
)
SPEC = {r.id: r for r in RULES}

# Characters that render like a Latin letter (Cyrillic, Greek, fullwidth folded by NFKC) and
# letter pairs that render like one letter at a glance.
CONFUSABLE_CHARS: Mapping[str, str] = {
    "\u0430": "a", "\u0435": "e", "\u043e": "o", "\u0440": "p", "\u0441": "c", "\u0443": "y", "\u0445": "x",
    "\u0456": "i", "\u0458": "j", "\u04bb": "h", "\u0501": "d", "\u051b": "q", "\u051d": "w", "\u0455": "s",
    "\u0410": "A", "\u0412": "B", "\u0415": "E", "\u041a": "K", "\u041c": "M", "\u041d": "H", "\u041e": "O",
    "\u0420": "P", "\u0421": "C", "\u0422": "T", "\u0425": "X", "\u03bf": "o", "\u03b1": "a", "\u03b9": "i",
    "\u03bd": "v", "\u03c1": "p", "\u0391": "A", "\u0392": "B", "\u0395": "E", "\u0396": "Z", "\u0397": "H",
    "\u0399": "I", "\u039a": "K", "\u039c": "M", "\u039d": "N", "\u039f": "O", "\u03a1": "P", "\u03a4": "T",
    "\u03a7": "X", "\u03a5": "Y", "\u0131": "i",
}
CONFUSABLE_SEQUENCES: tuple[tuple[str, str], ...] = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("0", "o"), ("1", "l"), ("i", "l"))
_IDENT = re.compile(r"[^\W\d]\w*", re.UNICODE)
_DENYING = {Action.RAISE, Action.DENY_RETURN, Action.ABORT, Action.ASSERT, Action.PREDICATE, Action.DECORATOR}


_SKELETONS: dict[str, str] = {}  # name -> skeleton: each removed name is compared with every new one
_SKELETONS_MAX = 16384  # names remembered (a long-lived library process clears and starts again)


def skeleton(name: str) -> str:
    """What `name` looks like: NFKC, homoglyphs to Latin, lookalike pairs folded, case folded."""
    hit = _SKELETONS.get(name)
    if hit is not None:
        return hit
    text = "".join(CONFUSABLE_CHARS.get(ch, ch) for ch in unicodedata.normalize("NFKC", name)).lower()
    for seq, one in CONFUSABLE_SEQUENCES:
        text = text.replace(seq, one)
    if len(_SKELETONS) >= _SKELETONS_MAX:
        _SKELETONS.clear()
    _SKELETONS[name] = text
    return text


def scripts(name: str) -> set[str]:
    out = set()
    for ch in name:
        if ch.isalpha():
            try:
                out.add(unicodedata.name(ch).split()[0])
            except ValueError:
                out.add("UNKNOWN")
    return out


def _identifiers(text: str) -> set[str]:
    return set(_IDENT.findall(text))


# a minifier's output: machine-chosen one- and two-letter names on lines nobody reads
_MINIFIED_LINE = 500


def lookalike(old: str, new: str) -> bool:
    """Would a reader take `new` for `old`? Same skeleton, but not merely another letter case
    (`Object`/`object`, `A`/`a` are seen at a glance; capital `I` for `l` still folds), and
    not two throwaway names of one or two letters, which minified and generated code swaps on
    every build (`i`/`l`, `Ye`/`ye`)."""
    if old == new or skeleton(old) != skeleton(new):
        return False
    if old.casefold() == new.casefold():
        return False
    return min(len(old), len(new)) >= 3


def _minified(unit: Unit, ctx: RuleContext) -> bool:
    """Is the file a minifier's output (a line longer than any person writes)? Judged on the
    whole file: a function cut out of a bundle can itself be short."""
    module = ctx.after_units.get((unit.path, "<module>"))
    text = module.text if isinstance(module, Unit) else unit.text
    return max(map(len, text_lines(text)), default=0) > _MINIFIED_LINE


def _touched_guards(unit: Unit, lines: Iterable[int]) -> list[Guard]:
    touched = set(lines)
    return [g for g in unit.guards if any(g.span.line <= n <= g.span.end_line for n in touched)]


def _confusables(change: UnitChange, ctx: RuleContext) -> list[Finding]:
    before, after = change.before, change.after
    if before is None or after is None:
        return []
    touched = _touched_guards(after, change.touched_after)
    if not touched:
        return []
    old_names = _identifiers(before.text)
    out: list[Finding] = []
    reported: set[str] = set()
    minified: Optional[bool] = None  # both read once, and only for a guard with new names
    removed: Optional[set[str]] = None
    for g in touched:
        new_names = _identifiers(g.text) - old_names
        if not new_names:
            continue
        if removed is None:
            removed = old_names - _identifiers(after.text)
            minified = _minified(after, ctx)
        for name in sorted(new_names):
            if name in reported:
                continue
            mixed = scripts(name)
            twin = None if minified else next((old for old in sorted(removed) if lookalike(old, name)), None)
            if twin is None and len(mixed) < 2:
                continue
            reported.add(name)
            shown = name.encode("ascii", "backslashreplace").decode("ascii")
            why = (f"looks like `{twin}`, which the change removed" if twin is not None
                   else f"mixes {' and '.join(sorted(mixed)).lower()} letters")
            out.append(make_finding(
                SPEC["confusable-identifier"], change, ctx,
                f"The check `{g.text}` uses `{shown}`, which {why}: a reader sees the old check, the code checks something else.",
                after_line=g.span.line, evidence_before=twin or "", evidence_after=f"{g.text}  [{shown}]",
                relevance=_at_least(ctx.relevance(change), "authorization"),
            ))
    return out


def _at_least(rel: Relevance, category: str) -> Relevance:
    return rel if rel.score >= 0.8 else Relevance(category, 0.85, rel.why_path, "a disguised identifier in a check")


# -- constants --------------------------------------------------------------------------------

def _numeric(unit: Unit) -> dict[str, tuple[float, str, int]]:
    out = {}
    for s in unit.settings:
        if isinstance(s.literal, (int, float)) and not isinstance(s.literal, bool):
            out[s.key] = (float(s.literal), s.text, s.span.line)
    return out


def _polarities(f: Formula, key: str, negated: bool = False) -> set[bool]:
    """Signs (True = positive) with which the atom `key` occurs in `f` (negation normal form)."""
    if isinstance(f, Atom):
        return {not negated} if f.key == key else set()
    if isinstance(f, Not):
        return _polarities(f.arg, key, not negated)
    out: set[bool] = set()
    for a in getattr(f, "args", ()):
        out |= _polarities(a, key, negated)
    return out


def _denies_less(atom: Atom, name: str, positive: bool, old: float, new: float) -> Optional[bool]:
    """With `name` going from old to new, does a deny condition holding `atom` (with sign
    `positive`) deny less? None when the atom is not a plain `x < NAME` / `NAME < x` form."""
    if atom.op not in ("<", "<=") or old == new:
        return None
    if atom.right == name:
        atom_grows = new > old
    elif atom.left == name:
        atom_grows = new < old
    else:
        return None
    deny_grows = atom_grows if positive else not atom_grows
    return not deny_grows


def _deny_atoms(units: dict) -> dict[str, list]:
    """(path, guard, atom, sign) of every single-signed atom of a reachable denying guard, by
    each name the atom compares, in unit order. Built once per unit table (stored on it, as
    UnitTable stores its own indexes): scanning every unit for every changed constant was
    quadratic, and a 20k-file diff of one-constant changes ran for minutes."""
    cached = getattr(units, "__dict__", {}).get("_evasion_deny_atoms")
    if cached is not None:
        return cached
    index: dict[str, list] = {}
    for (path, _qual), unit in sorted(units.items()):
        if not isinstance(unit, Unit):
            continue
        for g in unit.guards:
            if g.action not in _DENYING or not g.reachable:
                continue
            for atom in atoms_of(g.deny_when):
                signs = _polarities(g.deny_when, atom.key)
                if len(signs) != 1:
                    continue
                sign = signs.pop()
                for name in {atom.left, atom.right}:
                    if isinstance(name, str):
                        index.setdefault(name, []).append((path, g, atom, sign))
    if hasattr(units, "__dict__"):
        units.__dict__["_evasion_deny_atoms"] = index
    return index


def _constants(change: UnitChange, ctx: RuleContext) -> list[Finding]:
    before, after = change.before, change.after
    if before is None or after is None:
        return []
    old, new = _numeric(before), _numeric(after)
    changed = {k: (old[k], new[k]) for k in old.keys() & new.keys() if old[k][0] != new[k][0]}
    out: list[Finding] = []
    compared = _deny_atoms(ctx.after_units) if changed else {}
    for name, ((v0, text0, line0), (v1, text1, line1)) in sorted(changed.items()):
        reported: set[int] = set()
        for path, g, atom, sign in compared.get(name, ()):
            if id(g) in reported:
                continue  # one finding per guard, as its first loosened atom
            verdict = _denies_less(atom, name, sign, v0, v1)
            if verdict:
                reported.add(id(g))
                out.append(make_finding(
                    SPEC["constant-loosened"], change, ctx,
                    f"`{text0}` became `{text1}`; the unchanged check `{g.text}` at {path}:{g.span.line}"
                    f" compares with `{name}` and now denies less ({v0:g} -> {v1:g}).",
                    before_line=line0, after_line=line1, evidence_before=text0, evidence_after=text1,
                    witness=f"before: denied when {atom.text} with {name} = {v0:g}; after: allowed with {name} = {v1:g}",
                    relevance=_at_least(ctx.relevance(change), "authentication"),
                ))
    return out


# -- moves across files -----------------------------------------------------------------------

def _moved(change: UnitChange, ctx: RuleContext) -> list[Finding]:
    before = change.before
    if before is None or change.after is not None or before.kind not in ("function", "method"):
        return []
    olds = [g for g in before.guards if g.action in _DENYING and g.reachable]
    if not olds:
        return []
    for (path, qual), unit in sorted(ctx.after_units.items()):
        if not isinstance(unit, Unit) or path == before.path or unit.name != before.name or unit.kind != before.kind:
            continue
        if (path, qual) in ctx.before_units:
            continue  # it was already there: not where this one moved
        w = logic.witness(before.deny_formula, unit.deny_formula)
        if w is None or isinstance(w, logic.Unknown):
            continue
        g = olds[0]
        return [make_finding(
            SPEC["guard-dropped-in-move"], change, ctx,
            f"`{before.qualname}` moved from {before.path} to {path} without the check `{g.text}`.",
            before_line=g.span.line, evidence_before=g.text, evidence_after=unit.text.splitlines()[0] if unit.text else "",
            witness=f"before: denied when {logic.describe(w, [before.deny_formula])}; after ({path}): allowed",
            confidence=Confidence.MEDIUM,
        )]
    return []


CHECKS = (_confusables, _constants, _moved)


@family("evasion", RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    out: list[Finding] = []
    for fn in CHECKS:
        out.extend(fn(change, ctx))
    return out
