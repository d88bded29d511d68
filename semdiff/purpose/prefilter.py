"""Literal prefilters for the purpose tables' regular expressions.

The reviewer-instruction scan runs every table pattern over every run of added lines (about
3,000 searches on a PR-sized change, ~2 % of a warm run); nearly all of them fail, each after
trying the pattern at every position of the text. Most table patterns cannot match without
one of a few literal words (`\\b(ignore|disregard|forget|override)\\s+...` needs one of those
four), so a substring test on the lowered text rules a pattern out at a fraction of the cost.

The words are read from the pattern's own parse tree (the standard library's regex parser;
nothing is matched): a sequence needs every element, so any element whose matches all
contain one of a known set of strings (a run of literal characters, a group, an alternation
whose every branch has such a set, a repeat of at least once) gives the sequence's set. A
pattern with no such element, or whose set has a non-ASCII character, gets no prefilter.

Exactness: case-insensitive matching of ASCII pattern characters against ASCII text is
`lower() ==`; so for an ASCII text, a pattern match implies one of its words occurs in the
lowered text. Non-ASCII text (Unicode case folding: the Kelvin sign matches `k`) is always
searched. tests/test_purpose_prefilter.py checks the implication on the tables and on
generated texts.
"""
from __future__ import annotations

import functools
import re
from typing import Optional

try:  # Python 3.11+
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

_REPEATS = tuple(op for op in (getattr(_c, "MAX_REPEAT", None), getattr(_c, "MIN_REPEAT", None),
                               getattr(_c, "POSSESSIVE_REPEAT", None)) if op is not None)


def _sequence(items) -> Optional[frozenset[str]]:
    """A set of strings one of which every match of the sequence `items` contains, or None."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        if run:
            candidates.append(frozenset({"".join(run)}))
            run = []
        sub: Optional[frozenset[str]] = None
        if op is _c.SUBPATTERN:
            sub = _sequence(av[-1])
        elif op is _c.BRANCH:
            alternatives = [_sequence(a) for a in av[1]]
            if alternatives and all(a for a in alternatives):
                sub = frozenset().union(*alternatives)  # type: ignore[arg-type]
        elif op in _REPEATS and av[0] >= 1:
            sub = _sequence(av[2])
        if sub:
            candidates.append(sub)
    if run:
        candidates.append(frozenset({"".join(run)}))
    candidates = [c for c in candidates if c and all(c)]
    if not candidates:
        return None
    # the most selective: the longest shortest word, then the fewest words
    return max(candidates, key=lambda c: (min(len(w) for w in c), -len(c)))


@functools.lru_cache(maxsize=1024)
def required_words(pattern: re.Pattern[str]) -> Optional[frozenset[str]]:
    """Lowered words one of which every match of `pattern` contains (None: no prefilter).

    The purpose tables' answers are stored (semdiff/purpose/_prefilter_words.py, keyed by the
    pattern's exact text and flags; parsing ~30 patterns in Python each run cost about what
    the prefilter saves); a pattern not stored there is parsed here."""
    if not isinstance(pattern.pattern, str):
        return None
    try:
        from semdiff.purpose._prefilter_words import WORDS
    except ImportError:
        WORDS = {}
    key = (pattern.pattern, pattern.flags)
    if key in WORDS:
        stored = WORDS[key]
        return frozenset(stored) if stored is not None else None
    return derive_words(pattern)


def derive_words(pattern: re.Pattern[str]) -> Optional[frozenset[str]]:
    """`required_words` read from the pattern's parse tree."""
    try:
        parsed = _p.parse(pattern.pattern, pattern.flags)
    except Exception:  # a parser that changed shape: search as before
        return None
    try:
        words = _sequence(parsed)
    except Exception:
        return None
    if not words or not all(w.isascii() for w in words):
        return None
    return frozenset(w.lower() for w in words)


def may_match(pattern: re.Pattern[str], lowered_ascii: Optional[str]) -> bool:
    """False only when `pattern` cannot match the text whose `.lower()` is `lowered_ascii`
    (pass None for a non-ASCII text: always True)."""
    if lowered_ascii is None:
        return True
    words = required_words(pattern)
    return words is None or any(w in lowered_ascii for w in words)


def lowered_if_ascii(text: str) -> Optional[str]:
    return text.lower() if text.isascii() else None


def write_table(path: str) -> int:
    """Store the words of every purpose-table pattern (`python -m semdiff.purpose.prefilter --write`)."""
    from semdiff.purpose.tables import author_tables, claim_tables, reviewer_tables

    patterns: list[re.Pattern[str]] = []
    r = reviewer_tables()
    for group in (r.phrases, r.addressees, r.claims, r.html_comment_words):
        patterns.extend(group)
    c = claim_tables()
    patterns.extend(c.ignore_subjects)
    for ks in c.keywords.values():
        patterns.extend(ks.strong)
        patterns.extend(ks.weak)
    for group in c.paths.values():
        patterns.extend(group)
    a = author_tables()
    patterns.extend(a.identities)
    patterns.extend(a.message_markers)
    table = {}
    for p in patterns:
        words = derive_words(p)
        table[(p.pattern, p.flags)] = tuple(sorted(words)) if words is not None else None
    lines = ['"""Generated by `python -m semdiff.purpose.prefilter --write`: the prefilter words of the',
             'purpose tables\' patterns (see semdiff/purpose/prefilter.py); a pattern missing here is parsed."""',
             "WORDS = {"]
    lines += [f"    {k!r}: {v!r}," for k, v in sorted(table.items())]
    lines.append("}")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return len(table)


if __name__ == "__main__":
    import os
    import sys

    if sys.argv[1:] != ["--write"]:
        print("usage: python -m semdiff.purpose.prefilter --write", file=sys.stderr)
        raise SystemExit(2)
    n = write_table(os.path.join(os.path.dirname(os.path.abspath(__file__)), "_prefilter_words.py"))
    print(f"{n} patterns written")
