"""How badly a regex can backtrack, shared by the ReDoS checks of limit-relaxed (Python) and
protection-removed (JavaScript/TypeScript/Java).

Three shapes make a backtracking engine slow on input that fails to match:

* nested unbounded quantifiers, `(a+)+`: exponential (read from `regex_profile`);
* an unbounded repeat of alternatives two of which can match the same text,
  `(?:[^'\\\\]|\\\\\\\\|\\\\.)*` (`\\\\\\\\` and `\\\\.` both match two backslashes): a run of n such
  pieces splits 2^n ways, each tried when what follows fails -- exponential;
* an unanchored leading unbounded repeat of one character class before something that can
  fail, `\\s+$`: every start position rescans the run, quadratic;
* a chain of unbounded repeats whose character sets overlap, with nothing but optional items
  between them, followed by something that can fail, `^\\s*(.*?)\\s*$`: each repeat can take any
  share of the same run, so a failed match tries every split, O(n^k) for k repeats.

The checks compare before with after: a risk is reported only when the changed pattern has
it and the pattern it replaced did not (or had a lower degree), so old regexes stay silent.
Patterns built at run time by formatting (`"^(?:%s)*$" % alts`) are read with each
placeholder standing for unknown literal text: a character only `.`, negated classes and
negated categories (`\\S`, `\\W`) may match. Placeholders usually hold escaped punctuation or
alternatives of literals, so a positive class such as `[\\w.-]` is taken not to overlap them.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Optional

from semdiff.rules._catalog2_ir import regex_profile

try:  # Python 3.11+
    from re import _constants as _sre_c  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as _sre_c  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

MAX_PATTERN = 5000
# a chain this long (O(n^3)) is reported; two overlapping repeats (quadratic) are everywhere
REPORTED_DEGREE = 3

_REPEATS = {_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT} | ({_sre_c.POSSESSIVE_REPEAT} if hasattr(_sre_c, "POSSESSIVE_REPEAT") else set())
_SINGLE = {_sre_c.LITERAL, _sre_c.NOT_LITERAL, _sre_c.IN, _sre_c.ANY, _sre_c.CATEGORY}
_END = {getattr(_sre_c, "AT_END", None), getattr(_sre_c, "AT_END_STRING", None)}
_BEGIN = {getattr(_sre_c, "AT_BEGINNING", None), getattr(_sre_c, "AT_BEGINNING_STRING", None)}
_ATOMIC = {getattr(_sre_c, "ATOMIC_GROUP", None), getattr(_sre_c, "POSSESSIVE_REPEAT", None)} - {None}

# characters a class may match: ASCII, OTHER (every non-ASCII character) and PLACEHOLDER
# (the unknown text of a formatting placeholder)
OTHER = 128
PLACEHOLDER = 129
_PLACEHOLDER_CHAR = 0xE000  # a private-use character stands for the placeholder in the parsed pattern
_ALL = frozenset(range(130))
_DIGITS = frozenset(ord(c) for c in string.digits)
_SPACE = frozenset(ord(c) for c in " \t\n\r\f\v")
_WORD = frozenset(ord(c) for c in string.ascii_letters + string.digits + "_") | {OTHER}
_CATEGORIES = {
    "CATEGORY_DIGIT": _DIGITS, "CATEGORY_NOT_DIGIT": _ALL - _DIGITS,
    "CATEGORY_SPACE": _SPACE, "CATEGORY_NOT_SPACE": _ALL - _SPACE,
    "CATEGORY_WORD": _WORD, "CATEGORY_NOT_WORD": (_ALL - _WORD) | {OTHER},
}
# run-time formatting placeholders: `%s`, `%(name)s`, `{}`, `{0}`, `{name}` (not `{2,5}`)
_PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]\w*\))?s|\{(?:[A-Za-z_]\w*|\d*)\}(?<!\{\d\})")
_UNKNOWN = "(?:\\ue000)"


@dataclass(frozen=True)
class RegexRisk:
    """The backtracking shapes of one pattern."""

    nested_unbounded: bool  # (a+)+: exponential
    quadratic_prefix: bool  # unanchored leading x+ before a suffix that can fail
    degree: int  # longest chain of overlapping unbounded repeats before a possible failure (1 = none)
    ambiguous_repeat: bool = False  # (a|ab|b)*-like: an unbounded repeat of alternatives matching the same text


def shown(pattern: str) -> str:
    """A pattern as a reviewer should read it: template placeholders shown as `%s`."""
    return pattern.replace(_UNKNOWN, "%s")


def template_pattern(text: str) -> str:
    """A formatting template read as a pattern: each placeholder an unknown alternative."""
    return _PLACEHOLDER.sub(lambda m: _UNKNOWN, text)


def _code(c: int) -> int:
    return c if c < 128 else PLACEHOLDER if c == _PLACEHOLDER_CHAR else OTHER


def _chars(op, av) -> frozenset:
    """Characters one single-character item may match (over-approximated)."""
    if op is _sre_c.LITERAL:
        return frozenset({_code(av)})
    if op is _sre_c.NOT_LITERAL:
        return _ALL - {av} if av < 128 else _ALL
    if op is _sre_c.ANY:
        return _ALL - {ord("\n")}
    if op is _sre_c.CATEGORY:
        return _CATEGORIES.get(str(av), _ALL)
    if op is _sre_c.IN:
        out: set = set()
        negate = False
        for iop, iav in av:
            if iop is _sre_c.NEGATE:
                negate = True
            elif iop is _sre_c.LITERAL:
                out.add(_code(iav))
            elif iop is _sre_c.RANGE:
                lo, hi = iav
                out.update(range(lo, min(hi, 127) + 1))
                if hi >= 128:
                    out.add(OTHER)
            elif iop is _sre_c.CATEGORY:
                out |= _CATEGORIES.get(str(iav), _ALL)
            else:
                return _ALL
        return (_ALL - out) | {OTHER, PLACEHOLDER} if negate else frozenset(out)
    return _ALL


def _seq_chars(seq, depth: int = 0) -> frozenset:
    """Every character a sub-pattern may match anywhere in it (over-approximated)."""
    if depth > 50:
        return _ALL
    out: set = set()
    for op, av in seq:
        if op in _SINGLE:
            out |= _chars(op, av)
        elif op in _REPEATS:
            out |= _seq_chars(av[2], depth + 1)
        elif op is _sre_c.SUBPATTERN:
            out |= _seq_chars(av[-1], depth + 1)
        elif op is _sre_c.BRANCH:
            for alt in av[1]:
                out |= _seq_chars(alt, depth + 1)
        elif op in _ATOMIC:
            continue  # atomic groups give nothing back: no backtracking into them
        elif op is _sre_c.GROUPREF:
            return _ALL
    return frozenset(out)


def _flatten(seq, depth: int = 0) -> list:
    """The top-level sequence with plain (non-repeated) groups opened in place."""
    out: list = []
    for op, av in seq:
        if op is _sre_c.SUBPATTERN and depth < 50:
            out.extend(_flatten(av[-1], depth + 1))
        else:
            out.append((op, av))
    return out


def _can_be_empty(op, av) -> bool:
    if op in _REPEATS:
        return av[0] == 0
    return op in (_sre_c.AT, ) and av not in _END


def _can_fail_after(items: list, i: int) -> bool:
    """Something after position i can fail: `$`, or any item that must consume a character."""
    for op, av in items[i + 1:]:
        if op is _sre_c.AT and av in _END:
            return True
        if op in _SINGLE or (op in _REPEATS and av[0] > 0) or op in (_sre_c.BRANCH, _sre_c.SUBPATTERN):
            return True
    return False


def _chain_degree(items: list) -> int:
    """Longest run of unbounded repeats, each overlapping the previous one, with only items
    that may be empty between them, ending where something after can still fail."""
    best = 1
    for i, (op, av) in enumerate(items):
        if op not in _REPEATS or av[1] != _sre_c.MAXREPEAT or op in _ATOMIC:
            continue
        chain, prev = 1, _seq_chars(av[2])
        for j in range(i + 1, len(items)):
            jop, jav = items[j]
            if jop in _REPEATS and jav[1] == _sre_c.MAXREPEAT and jop not in _ATOMIC:
                cur = _seq_chars(jav[2])
                if not (cur & prev):
                    break
                chain += 1
                prev = cur
                if _can_fail_after(items, j):
                    best = max(best, chain)
            elif not _can_be_empty(jop, jav):
                break
    return best


def _fixed(seq, depth: int = 0) -> Optional[list[frozenset]]:
    """The per-position characters of a fixed-length, single-character-items sequence (plain
    groups opened), or None when its length can vary or it holds anything else."""
    out: list[frozenset] = []
    for op, av in seq:
        if op in _SINGLE:
            out.append(_chars(op, av))
        elif op is _sre_c.SUBPATTERN and depth < 20:
            inner = _fixed(av[-1], depth + 1)
            if inner is None:
                return None
            out.extend(inner)
        else:
            return None
    return out


def _alternatives(seq, depth: int = 0) -> list:
    """The alternatives of a repeat's body when the body is one alternation (in plain groups)."""
    items = list(seq)
    while len(items) == 1 and items[0][0] is _sre_c.SUBPATTERN and depth < 20:
        items, depth = list(items[0][1][-1]), depth + 1
    if items and items[-1][0] is _sre_c.BRANCH:
        # the parser pulls a common prefix out of the alternatives (`ab|ac` -> `a(?:b|c)`):
        # put it back in front of each
        prefix = items[:-1]
        if prefix and _fixed(prefix) is None:
            return []
        return [prefix + list(alt) for alt in items[-1][1][1]]
    return []  # one class is a single way to match each character; other bodies are not read here


def _ambiguous(alts: list) -> bool:
    """Two alternatives that can match one same text: equal lengths overlapping at every
    position, or a longer one every position of which a one-character alternative matches
    (it then also matches as a run of that one). Only fixed-length alternatives are read:
    variable ones are left to the nested-quantifier check."""
    fixed = [f for f in (_fixed(a) for a in alts) if f]
    for i in range(len(fixed)):
        for j in range(i + 1, len(fixed)):
            a, b = fixed[i], fixed[j]
            if len(a) == len(b) and all(x & y for x, y in zip(a, b)):
                return True
            short, long_ = (a, b) if len(a) < len(b) else (b, a)
            if len(short) == 1 and all(short[0] & y for y in long_):
                return True
    return False


def _ambiguous_repeat(seq, tail_fails: bool, depth: int = 0) -> bool:
    """An unbounded, backtracking repeat of ambiguous alternatives with something after it
    (in its own sequence or an enclosing one) that can fail."""
    if depth > 50:
        return False
    items = list(seq)
    for i, (op, av) in enumerate(items):
        tail = tail_fails or _can_fail_after(items, i)
        if op in _REPEATS and op not in _ATOMIC:
            lo, hi, sub = av
            if hi == _sre_c.MAXREPEAT and tail and _ambiguous(_alternatives(sub)):
                return True
            if _ambiguous_repeat(sub, tail, depth + 1):
                return True
        elif op is _sre_c.SUBPATTERN:
            if _ambiguous_repeat(av[-1], tail, depth + 1):
                return True
        elif op is _sre_c.BRANCH:
            if any(_ambiguous_repeat(alt, tail, depth + 1) for alt in av[1]):
                return True
    return False


def _quadratic_prefix(items: list, depth: int = 0) -> bool:
    """A group around the leading repeat does not change how it scans: `([^/ ]+)\\/x` and
    `(\\s)+$` rescan a run from every start position as `[^/ ]+\\/x` and `\\s+$` do."""
    if len(items) < 1 or depth > 20:
        return False
    op, av = items[0]
    if op is _sre_c.SUBPATTERN:  # `([^/ ]+)\/(...)`: the group's first item leads the pattern
        return _quadratic_prefix(list(av[-1]) + list(items[1:]), depth + 1)
    if len(items) < 2 or op not in _REPEATS:
        return False
    lo, hi, sub = av
    sub = list(sub)
    while len(sub) == 1 and sub[0][0] is _sre_c.SUBPATTERN:  # `(\s)+`: a repeated group of one class
        sub = list(sub[0][1][-1])
    return hi == _sre_c.MAXREPEAT and len(sub) == 1 and sub[0][0] in _SINGLE


def quadratic_prefix(pattern: str) -> bool:
    """Unanchored pattern whose first element is an unbounded repeat of one character class,
    followed by something that can fail (`\\/+$`, `\\s+$`, `a+b`): each start position scans
    the whole run again, so a failed search is quadratic in the input length."""
    risk = regex_risk(pattern)
    return bool(risk and risk.quadratic_prefix)


def regex_risk(pattern: str, anchored_start: bool = False) -> Optional[RegexRisk]:
    """Risk of a pattern, or None when it does not parse (or is too big to read)."""
    if len(pattern) > MAX_PATTERN:
        return None
    profile = regex_profile(pattern)
    try:
        raw = list(_sre_parse.parse(pattern))
        items = _flatten(raw)
    except Exception:  # re.error, RecursionError, OverflowError: not a pattern we can read
        return None
    if profile is None:
        return None
    starts = anchored_start or bool(items and items[0][0] is _sre_c.AT and items[0][1] in _BEGIN)
    degree = _chain_degree(items)
    if not starts and degree > 1:
        degree += 1  # a search retries the chain from every start position
    return RegexRisk(profile.nested_unbounded, _quadratic_prefix(raw), degree, _ambiguous_repeat(raw, False))


# an upper bound at least this large on a repeat is a length cap (`.{,1024}?`), not a format
# (`\d{1,3}`): dropping it lets one match run over the whole input
LENGTH_CAP = 64


def _caps(seq, depth: int = 0) -> list[int]:
    out: list[int] = []
    if depth > 50:
        return out
    for op, av in seq:
        if op in _REPEATS:
            lo, hi, sub = av
            if hi != _sre_c.MAXREPEAT and hi >= LENGTH_CAP:
                out.append(hi)
            out += _caps(sub, depth + 1)
        elif op is _sre_c.SUBPATTERN:
            out += _caps(av[-1], depth + 1)
        elif op is _sre_c.BRANCH:
            for alt in av[1]:
                out += _caps(alt, depth + 1)
    return out


def dropped_length_caps(before: str, after: str) -> list[int]:
    """Length caps (repeat upper bounds of LENGTH_CAP or more) of `before` that `after` no longer
    has, when `after` has more unbounded repeats: the cap became `*`/`+`."""
    if len(before) > MAX_PATTERN or len(after) > MAX_PATTERN:
        return []
    bp, ap = regex_profile(before), regex_profile(after)
    if bp is None or ap is None or ap.unbounded_repeats <= bp.unbounded_repeats:
        return []
    try:
        b_caps, a_caps = _caps(_sre_parse.parse(before)), _caps(_sre_parse.parse(after))
    except Exception:  # re.error, RecursionError, OverflowError: not a pattern we can read
        return []
    left = list(a_caps)
    dropped = []
    for cap in b_caps:
        if cap in left:
            left.remove(cap)
        else:
            dropped.append(cap)
    return dropped


def backtracking_reasons(before: str, after: str, *, quadratic_prefix: bool = False,
                         before_anchored: bool = False, after_anchored: bool = False) -> list[str]:
    """Why `after` backtracks worse than `before` did (empty when it does not, or either does not parse).
    `quadratic_prefix` also reports the unanchored-leading-run shape (the JavaScript check's
    choice: `/\\s+$/` is the common slow trim there)."""
    b, a = regex_risk(before, before_anchored), regex_risk(after, after_anchored)
    if b is None or a is None:
        return []
    return risk_reasons(b, a, quadratic_prefix=quadratic_prefix)


def risk_reasons(b: RegexRisk, a: RegexRisk, *, quadratic_prefix: bool = False) -> list[str]:
    """Why risk `a` is worse than risk `b` (the pattern, or the worst of the patterns, it replaced)."""
    reasons = []
    if a.nested_unbounded and not b.nested_unbounded:
        reasons.append("nested unbounded quantifier introduced (exponential backtracking)")
    # alternatives that match the same text under a repeat: the repeat's ways to split a text
    # multiply. Also when both patterns nest quantifiers (`('[\w]+')*` is unambiguous because of
    # its delimiters, so the nesting alone says little); not when the nesting is new (said above)
    # nor when only the old pattern nested (one exponential form traded for another)
    if a.ambiguous_repeat and not b.ambiguous_repeat and a.nested_unbounded == b.nested_unbounded:
        reasons.append("unbounded repeat of alternatives that can match the same text introduced (exponential backtracking)")
    if quadratic_prefix and a.quadratic_prefix and not b.quadratic_prefix and not b.nested_unbounded:
        reasons.append("unanchored leading unbounded repeat before a suffix that can fail (quadratic backtracking)")
    if a.degree >= REPORTED_DEGREE and a.degree > b.degree and not b.nested_unbounded:
        reasons.append(f"{a.degree} overlapping unbounded repeats in a row before a possible failure "
                       f"(O(n^{a.degree}) backtracking, was O(n^{b.degree}))")
    return reasons
