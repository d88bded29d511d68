"""Shared reading of the guard IR for the widened-allowlist, injection-opened, limit-relaxed,
redirect-opened and permission-widened families.

These families all ask the same few questions of a before/after unit pair: which call in
after corresponds to which call in before, what number a source expression denotes, what a
regular expression pattern accepts, which facts are new in after. Answering them once here
keeps each family a table plus a short comparison. Nothing here evaluates analysed code:
numbers are folded from a parsed `ast` of a small arithmetic subset, regexes are read with
the standard library's regex *parser* (which builds a tree, it never matches anything).
"""
from __future__ import annotations

import ast
import difflib
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Hashable, Iterable, Optional, Sequence, TypeVar

from semdiff.ir import Call, Unit
from semdiff.relevance.names import words
from semdiff.lang.pyparse import parse_quietly
from semdiff.rules.base import text_lines

try:  # Python 3.11+: the parser moved; the old name still works but warns
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
    from re import _constants as _sre_c  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _sre_c  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

T = TypeVar("T")

# a Python string literal on one line, with its prefixes (r, b, u, f): the rules that read a
# unit's own text (loop filters, slice caps) blank these before looking for code
PY_STRING_LITERAL = re.compile(r"""[rbuRBUfF]*(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')""")

UNLIMITED = math.inf


# ------------------------------------------------------------------ callee matching


def callee_is(callee: str, names: Iterable[str]) -> Optional[str]:
    """The table name `callee` stands for: exact, or the table name is its dotted tail.

    `flask.redirect`, `self.redirect` and `redirect` all match the row `redirect`; the row
    `yaml.load` matches `yaml.load` but not `load`.
    """
    hit = _INDEXES.get(id(names))  # the usual case first: a table asked about before
    if hit is not None and hit[0] is names:
        answers = hit[2]
        if callee in answers:
            return answers[callee]
    entry = _name_index(names)
    if entry is None:
        for n in names:
            if callee == n or callee.endswith("." + n):
                return n
        return None
    index, answers = entry
    if callee in answers:
        return answers[callee]
    # the table names `callee` could stand for are its dotted tails: at most one per dot
    best: Optional[tuple[int, str]] = None
    start = 0
    while True:
        at = index.get(callee[start:])
        if at is not None and (best is None or at < best[0]):
            best = (at, callee[start:])
        dot = callee.find(".", start)
        if dot < 0:
            break
        start = dot + 1
    if len(answers) >= _MAX_ANSWERS:
        answers.clear()
    answers[callee] = found = best[1] if best else None
    return found


# tables are module constants asked about thousands of times per run; a name -> position map
# per table turns each question into a few dict look-ups (first table name wins, as before),
# and each table keeps its answers per callee (the same callees are asked about by several
# families and for both sides of every unit)
_INDEXES: dict[int, tuple[object, dict[str, int], dict[str, Optional[str]]]] = {}
_MAX_ANSWERS = 4096  # callees remembered per table (analysed code names them, so bounded)
_BY_VALUE: dict[tuple, tuple[dict[str, int], dict[str, Optional[str]]]] = {}


def _name_index(names: Iterable[str]) -> Optional[tuple[dict[str, int], dict[str, Optional[str]]]]:
    if not isinstance(names, (tuple, list, frozenset, set, dict)):
        return None
    if isinstance(names, (list, set, dict)):
        return None  # mutable: could change between calls
    hit = _INDEXES.get(id(names))
    if hit is not None and hit[0] is names:
        return hit[1], hit[2]
    if isinstance(names, tuple):
        # a table built per call (`A + B`, `tuple(gen)`) is a new object each time but the same
        # names: reuse the index built for an equal tuple instead of rebuilding it every call
        same = _BY_VALUE.get(names)
        if same is not None:
            return same
    index: dict[str, int] = {}
    for i, n in enumerate(names):
        index.setdefault(n, i)
    if len(_INDEXES) > 512:
        _INDEXES.clear()
    answers: dict[str, Optional[str]] = {}
    _INDEXES[id(names)] = (names, index, answers)
    if isinstance(names, tuple):
        if len(_BY_VALUE) > 512:
            _BY_VALUE.clear()
        _BY_VALUE[names] = (index, answers)
    return index, answers


def tail(callee: str) -> str:
    return callee.rsplit(".", 1)[-1]


def calls_to(unit: Optional[Unit], names: Iterable[str]) -> list[Call]:
    if unit is None:
        return []
    if not isinstance(names, (tuple, frozenset)):
        names = tuple(names)  # a module's constant table keeps its identity: its index is reused
    calls = unit.calls
    if not calls:
        return []
    hit = _INDEXES.get(id(names))  # a module's constant table: its index, without _name_index's checks
    if hit is not None and hit[0] is names:
        answers = hit[2]
    else:
        entry = _name_index(names)
        if entry is None:
            return [c for c in calls if callee_is(c.callee, names)]
        answers = entry[1]
    # the table's remembered answers read here directly (callee_is's own first step): most
    # callees were asked about before, and 72,000 calls of this on a 10k-line change made the
    # per-call function overhead the cost
    out = []
    for c in calls:
        found = answers.get(c.callee, _UNASKED)
        if found is _UNASKED:
            found = callee_is(c.callee, names)
        if found:
            out.append(c)
    return out


_UNASKED = object()


def arg_at(call: Call, index: Optional[int], keyword: Optional[str]):
    """The argument passed as `keyword=` or at positional `index` (None when absent)."""
    if keyword:
        kw = call.kwarg(keyword)
        if kw is not None:
            return kw
    if index is not None:
        pos = call.positional
        if index < len(pos) and pos[index].name is None:
            return pos[index]
    return None


def pair_by_key(before: Sequence[T], after: Sequence[T], key: Callable[[T], Hashable], text: Callable[[T], str]) -> list[tuple[Optional[T], Optional[T]]]:
    """Pair items with the same key, in order, by text similarity (a rename of the
    argument or an added keyword keeps the pair); leftovers pair with None."""
    out: list[tuple[Optional[T], Optional[T]]] = []
    groups: dict[Hashable, tuple[list[T], list[T]]] = {}
    for b in before:
        groups.setdefault(key(b), ([], []))[0].append(b)
    for a in after:
        groups.setdefault(key(a), ([], []))[1].append(a)
    for bs, as_ in groups.values():
        left = list(bs)
        for a in as_:
            if len(left) == 1:  # one candidate: it is the best whatever its similarity
                out.append((left.pop(), a))
                continue
            best_i, best = -1, -1.0
            for i, b in enumerate(left):
                s = 2.0 if text(a) == text(b) else difflib.SequenceMatcher(None, text(b), text(a), autojunk=False).ratio()
                if s > best:
                    best_i, best = i, s
            if best_i >= 0:
                out.append((left.pop(best_i), a))
            else:
                out.append((None, a))
        out.extend((b, None) for b in left)
    return out


def pair_calls(before: Sequence[Call], after: Sequence[Call], key: Callable[[Call], Hashable] = lambda c: c.callee) -> list[tuple[Optional[Call], Optional[Call]]]:
    return pair_by_key(before, after, key, lambda c: c.text)


def new_items(before: Iterable[T], after: Iterable[T], key: Callable[[T], Hashable]) -> list[T]:
    """Items of `after` whose key occurs more often than in `before` (multiset difference).

    This is what makes pre-existing risky code silent: only the surplus is new in the change.
    """
    have = Counter(key(b) for b in before)
    out: list[T] = []
    for a in after:
        k = key(a)
        if have[k] > 0:
            have[k] -= 1
        else:
            out.append(a)
    return out


# ------------------------------------------------------------------ names


def name_words(name: str) -> set[str]:
    """Identifier words (snake/camel split) of the last dotted part, lower-case."""
    return set(words(name.rsplit(".", 1)[-1]))


def name_has_word(name: str, vocabulary: Iterable[str]) -> bool:
    ws = name_words(name)
    return any(v in ws for v in vocabulary)


def name_has_part(name: str, parts: Iterable[str]) -> bool:
    """Substring match on the lower-cased last dotted part (`max_body_size` has `max_`)."""
    low = name.rsplit(".", 1)[-1].lower()
    return any(p in low for p in parts)


# ------------------------------------------------------------------ numbers


_NAMED_NUMBERS = {
    "math.inf": math.inf,
    "inf": math.inf,
    "numpy.inf": math.inf,
    "np.inf": math.inf,
    "sys.maxsize": float(2**63 - 1),
    "True": 1,
    "False": 0,
}


def number(text: Optional[str], names: Optional[dict[str, float]] = None) -> Optional[float]:
    """The number a small arithmetic source expression denotes, or None.

    Accepts int/float literals (`1_000`, `0o600`, `1e6`), `+ - * / // ** | & << >>`, unary
    minus, `float('inf')`, `math.inf` and names given in `names` (e.g. stat constants).
    Anything else is not a number for our purposes; nothing is ever executed.
    """
    if text is None:
        return None
    try:
        tree = parse_quietly(text.strip(), mode="eval")
    except (SyntaxError, ValueError):
        return None
    table = dict(_NAMED_NUMBERS)
    if names:
        table.update(names)
    try:
        return _fold(tree.body, table, 0)
    except (ArithmeticError, ValueError, TypeError, OverflowError):
        return None


def _dotted(node: ast.AST) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _fold(node: ast.AST, table: dict[str, float], depth: int) -> Optional[float]:
    if depth > 40:
        return None
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool):
            return None
        return float(v) if isinstance(v, (int, float)) else None
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = _dotted(node)
        return table.get(name) if name else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _fold(node.operand, table, depth + 1)
        if v is None:
            return None
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.Call) and not node.keywords and len(node.args) == 1:
        fn = _dotted(node.func)
        arg = node.args[0]
        if fn in ("float", "int") and isinstance(arg, ast.Constant):
            if isinstance(arg.value, str) and arg.value.strip().lower() in ("inf", "infinity", "+inf"):
                return math.inf
            if isinstance(arg.value, (int, float)) and not isinstance(arg.value, bool):
                return float(arg.value)
        if fn in ("int", "float", "round"):
            return _fold(arg, table, depth + 1)
        return None
    if isinstance(node, ast.BinOp):
        a = _fold(node.left, table, depth + 1)
        b = _fold(node.right, table, depth + 1)
        if a is None or b is None:
            return None
        op = node.op
        if isinstance(op, ast.Add):
            return a + b
        if isinstance(op, ast.Sub):
            return a - b
        if isinstance(op, ast.Mult):
            return a * b
        if isinstance(op, ast.Div):
            return a / b
        if isinstance(op, ast.FloorDiv):
            return float(a // b)
        if isinstance(op, ast.Pow):
            if abs(b) > 64:
                return None
            return float(a**b)
        if isinstance(op, (ast.BitOr, ast.BitAnd, ast.LShift, ast.RShift, ast.BitXor)):
            if a != int(a) or b != int(b):
                return None
            if isinstance(op, (ast.LShift, ast.RShift)) and not 0 <= b <= 64:
                return None
            ia, ib = int(a), int(b)
            r = {ast.BitOr: ia | ib, ast.BitAnd: ia & ib, ast.BitXor: ia ^ ib}.get(type(op))
            if r is None:
                r = ia << ib if isinstance(op, ast.LShift) else ia >> ib
            return float(r)
    return None


# ------------------------------------------------------------------ regexes


@dataclass(frozen=True)
class RegexProfile:
    """What a pattern accepts, in the terms the rules compare."""

    starts_anchored: bool
    ends_anchored: bool
    escaped_dots: int  # literal '.' characters (`\.` or `[.]`)
    any_chars: int  # unescaped `.`
    bounded_repeats: int  # quantifiers with a finite maximum > 1, e.g. {1,64}
    unbounded_repeats: int  # + * {n,}
    nested_unbounded: bool  # a repeated group containing an unbounded repeat: (a+)+, (.*a){3}
    parsed: bool = True


_BEGIN = {getattr(_sre_c, "AT_BEGINNING", None), getattr(_sre_c, "AT_BEGINNING_STRING", None)}
_END = {getattr(_sre_c, "AT_END", None), getattr(_sre_c, "AT_END_STRING", None)}
_REPEATS = {_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT} | ({_sre_c.POSSESSIVE_REPEAT} if hasattr(_sre_c, "POSSESSIVE_REPEAT") else set())
_MAXREPEAT = _sre_c.MAXREPEAT


def regex_profile(pattern: str) -> Optional[RegexProfile]:
    """Profile of a regex pattern, or None when the pattern does not parse (or is too big)."""
    if len(pattern) > 5000:
        return None
    try:
        tree = _sre_parse.parse(pattern)
    except Exception:  # re.error, RecursionError, OverflowError: not a regex we can read
        return None
    counts = {"dots": 0, "any": 0, "bounded": 0, "unbounded": 0, "nested": False}

    def walk(seq, inside_repeat: bool, depth: int) -> bool:
        """Returns whether `seq` contains an unbounded repeat."""
        if depth > 100:
            return False
        has_unbounded = False
        for op, av in seq:
            if op in _REPEATS:
                lo, hi, sub = av
                unbounded = hi == _MAXREPEAT
                if unbounded:
                    counts["unbounded"] += 1
                    has_unbounded = True
                elif hi > 1:
                    counts["bounded"] += 1
                inner = walk(sub, True, depth + 1)
                if inner and (unbounded or hi > 1):
                    counts["nested"] = True
                has_unbounded = has_unbounded or inner
            elif op is _sre_c.SUBPATTERN:
                if walk(av[-1], inside_repeat, depth + 1):
                    has_unbounded = True
            elif op is _sre_c.BRANCH:
                for alt in av[1]:
                    if walk(alt, inside_repeat, depth + 1):
                        has_unbounded = True
            elif op is _sre_c.LITERAL and av == ord("."):
                counts["dots"] += 1
            elif op is _sre_c.IN and av == [(_sre_c.LITERAL, ord("."))]:
                counts["dots"] += 1
            elif op is _sre_c.ANY:
                counts["any"] += 1
            elif op in (getattr(_sre_c, "ASSERT", None), getattr(_sre_c, "ASSERT_NOT", None)):
                if walk(av[1], inside_repeat, depth + 1):
                    has_unbounded = True
            elif op is getattr(_sre_c, "ATOMIC_GROUP", object()):
                if walk(av, inside_repeat, depth + 1):
                    has_unbounded = True
        return has_unbounded

    try:
        walk(tree, False, 0)
    except Exception:
        return None
    items = list(tree)
    first = _first_real(items)
    last = _last_real(items)
    return RegexProfile(
        starts_anchored=first is not None and first[0] is _sre_c.AT and first[1] in _BEGIN,
        ends_anchored=last is not None and last[0] is _sre_c.AT and last[1] in _END,
        escaped_dots=counts["dots"],
        any_chars=counts["any"],
        bounded_repeats=counts["bounded"],
        unbounded_repeats=counts["unbounded"],
        nested_unbounded=bool(counts["nested"]),
    )


def _first_real(items):
    for it in items:
        return it
    return None


def _last_real(items):
    return items[-1] if items else None


# match function -> which anchors it implies (fullmatch anchors both ends, match the start)
IMPLIED_ANCHORS = {"fullmatch": (True, True), "match": (True, False)}


# ------------------------------------------------------------------ source lines


def unit_lines(unit: Unit) -> list[tuple[int, str]]:
    """(file line number, text) of each line of the unit's source."""
    return [(unit.span.line + i, t) for i, t in enumerate(text_lines(unit.text))]


def unit_line(unit: Unit, line: int) -> str:
    """The text of file line `line` if it is inside the unit, else ''."""
    lines = text_lines(unit.text)
    i = line - unit.span.line
    return lines[i] if 0 <= i < len(lines) else ""


def mentions(text: str, name: str) -> bool:
    """Does `text` use the name `name` itself (not a longer name, nor a property `.name`)?"""
    return re.search(r"(?<![\w.$])" + re.escape(name) + r"(?![\w$])", text) is not None


def first_line_with(unit: Optional[Unit], needle: str, prefer: Iterable[int] = ()) -> Optional[int]:
    """Line (absolute) of the first occurrence of `needle` as a word in the unit's text,
    preferring the given (touched) lines."""
    if unit is None or not unit.text or not needle:
        return None
    pat = re.compile(r"(?<![\w.])" + re.escape(needle) + r"(?!\w)")
    lines = text_lines(unit.text)
    hits = [unit.span.line + i for i, t in enumerate(lines) if pat.search(_code_part(t))]
    preferred = [h for h in hits if h in set(prefer)]
    if preferred:
        return preferred[0]
    return hits[0] if hits else None


def _code_part(line: str) -> str:
    """The line without a trailing comment (good enough for locating names)."""
    i = line.find("#")
    return line if i < 0 else line[:i]



# ------------------------------------------------------------------ regex sites


@dataclass(frozen=True)
class RegexSite:
    """One regex pattern and where it sits: an `re.*` call, or a setting/list named like a regex."""

    key: str  # pairing key: call tail (`compile`) or setting/list name
    pattern: str
    line: int
    implied_start: bool = False
    implied_end: bool = False


REGEX_NAME_WORDS = ("regex", "regexes", "regexp", "re", "pattern", "patterns", "rx")


def regex_sites(unit: Optional[Unit]) -> list[RegexSite]:
    if unit is None:
        return []
    out: list[RegexSite] = []
    for lit in unit.literals:
        if lit.kind == "regex" and lit.items:
            s, e = IMPLIED_ANCHORS.get(tail(lit.target), (False, False))
            out.append(RegexSite(tail(lit.target), lit.items[0], lit.span.line, s, e))
        elif lit.kind in ("list", "tuple", "set") and name_has_word(lit.target, REGEX_NAME_WORDS):
            out.extend(RegexSite(lit.target, item, lit.span.line) for item in lit.items)
    for st in unit.settings:
        if isinstance(st.literal, str) and name_has_word(st.key, REGEX_NAME_WORDS):
            out.append(RegexSite(st.key, st.literal, st.span.line))
    return out


def pair_regex_sites(before: Optional[Unit], after: Optional[Unit]) -> list[tuple[RegexSite, RegexSite]]:
    """Changed patterns: each after pattern not present unchanged in before, paired with the
    most similar before pattern that is gone from after (same site preferred). Unchanged
    patterns are never paired, so untouched regexes stay silent."""
    b_all, a_all = regex_sites(before), regex_sites(after)
    def key(r: RegexSite) -> tuple[str, bool, bool]:  # re.fullmatch -> re.search changes meaning, not text
        return r.pattern, r.implied_start, r.implied_end

    b_left = new_items(a_all, b_all, key=key)  # before patterns gone from after
    a_new = new_items(b_all, a_all, key=key)  # after patterns not in before
    pairs: list[tuple[RegexSite, RegexSite]] = []
    for a in a_new:
        best_i, best = -1, 0.0
        for i, b in enumerate(b_left):
            s = difflib.SequenceMatcher(None, b.pattern, a.pattern, autojunk=False).ratio()
            if b.key == a.key:
                s += 0.1
            if s > best:
                best_i, best = i, s
        if best_i >= 0 and best >= 0.5:
            pairs.append((b_left.pop(best_i), a))
    return pairs


# ------------------------------------------------------------------ shared vocabularies

# path normalisers whose removal before a prefix check or a file access opens traversal
PATH_NORMALISERS = ("os.path.realpath", "os.path.normpath", "os.path.abspath", "resolve", "posixpath.normpath",
                    "posixpath.realpath")
PREFIX_CHECKS = ("startswith", "is_relative_to", "os.path.commonpath", "os.path.commonprefix")
# redirect-target validators; their `allowed_hosts=` argument is redirect-opened's business
REDIRECT_VALIDATORS = ("url_has_allowed_host_and_scheme", "is_safe_url", "is_safe_redirect_url", "is_safe_redirect",
                       "url_is_safe", "is_local_url", "is_same_origin", "same_origin")
REDIRECT_SINKS = ("redirect", "HttpResponseRedirect", "HttpResponsePermanentRedirect", "RedirectResponse",
                  "web.seeother", "web.found", "redirect_to", "RedirectView")


def has_prefix_check(unit: Optional[Unit]) -> bool:
    return bool(calls_to(unit, PREFIX_CHECKS))
