"""Shared tree-sitter machinery: one walker turns any grammar's tree into the guard IR.

Each language backend (ts_javascript, ts_go, ts_java) is a subclass that names its node
types and answers a few questions (what is a call's callee, what denies, which names a
statement binds). Everything else -- units with qualified names, renaming of parameters/
locals in atom keys, calls, handlers, literals, settings -- lives here once, and the
formulas and path-condition walk in ts_guards, so the rule families see the same IR shapes
as from the Python backend.

Where a unit starts is declared in `grammars/<language>/units.scm`; decorators/annotations
and route registrations are matched by the other query files in that folder. The walk
itself is iterative (explicit stacks) with depth limits on the few recursive helpers, so
hostile nesting yields a partial unit, never a RecursionError.
"""
from __future__ import annotations

import abc

import gc
from bisect import bisect_left
import re
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter, gt, itemgetter, lt, methodcaller
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Union

from tree_sitter import Language, Node, Parser, Query, QueryCursor

from semdiff.budget import parse_tree
from semdiff.digests import sha1
from semdiff.ir import (
    TRUE,
    Action,
    Argument,
    Atom,
    Call,
    Comparison,
    Decorator,
    Guard,
    Handler,
    Literal,
    Not,
    ParsedFile,
    Setting,
    Span,
    Unit,
)
from semdiff.lang.normal import NEGATIVE_OPS, call_atom
from semdiff.lang.unique_names import unique_qualnames
from semdiff.lang.ts_guards import COMPARISONS, SPANS, GuardWalk, clip, fast_constructor, file_comparison, found_in, span_of

# strings (kept), comments (dropped), names (renamed unless after a dot) in C-family source
_TOKENS = re.compile(
    r"""(?P<s>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)"""
    r"""|(?P<c>//[^\n]*|/\*[\s\S]*?\*/)"""
    r"""|(?P<dot>\.\s*)?(?P<id>[A-Za-z_$][\w$]*)"""
)

# the same tokens but names: the strings, comments and `.name` tokens of the file scan. Each
# starts with one of `"'`/.` and a name holds none of them, so a search for these alone tries
# them at exactly the positions the file scan does and finds the same ones; where an attempt
# fails (a division, `...`, an unclosed quote) both go on at the next character. The names --
# most of a file's tokens -- are not listed: `KeyIndex` tells where one starts or ends from the
# characters around a position (a name token is the rest of a `[\w$]` run from its first
# `[A-Za-z_$]`, outside the other tokens). (finditer with a span per token: a quarter of the time of a re.split of the
# runs between them with running sums of the parts' lengths.)
_OTHER_TOKENS = re.compile(
    r"""\.\s*[A-Za-z_$][\w$]*"""
    r"""|"[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'|`[^`\\]*(?:\\.[^`\\]*)*`|//[^\n]*|/\*[\s\S]*?\*/"""
)
# (each string alternative is `_TOKENS`' `"(?:\\.|[^"\\\n])*"` unrolled: the same strings -- a
# character is an escape's or a plain one by whether it is a backslash, so both read a string
# one way -- with a run of plain characters per step instead of one alternation per character)

# normal._STRING unrolled the same way (one capturing group: split() keeps the strings); fast_squash
# splits every key's text on it, the same parts as normal.squash's finditer of _STRING
_STRING_SPLIT = re.compile(r"""("[^"\\]*(?:\\.[^"\\]*)*"|'[^'\\]*(?:\\.[^'\\]*)*'|`[^`\\]*(?:\\.[^`\\]*)*`)""")
_SPAN = methodcaller("span")
# one `[\w$]` character (what a name token is made of past its first character)
_WORD_CHAR = re.compile(r"[\w$]")
# two word characters in a row at a position (KeyIndex.key_text: is an end inside a name?)
_WORD_PAIR = re.compile(r"[\w$]{2}").match
_NAME_TOKEN = re.compile(r"[A-Za-z_$][\w$]*")
_WORD_RUN = re.compile(r"[\w$]+")
# KeyIndex.edits reads a range's word runs instead of finding each renamed name when a renamed
# name has one letter and the range is at most this many characters per renamed name (same
# edits either way; callgrind on the bench_languages inputs: finding names is cheaper otherwise)
_RUN_PATH_CHARS = 24

# a text that is one `_TOKENS` name (no dot) or string, or digits only: its key needs no scan
_LONE_TOKEN = re.compile(r"""(?P<id>[A-Za-z_$][\w$]*)|"[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'|`[^`\\]*(?:\\.[^`\\]*)*`|[0-9]+""")  # (strings unrolled as in _OTHER_TOKENS)

# every identifier-shaped run (a superset of the names _TOKENS renames: it also sees inside strings)
_NAMES = re.compile(r"[A-Za-z_$][\w$]*")

LiteralValue = Optional[Union[str, int, float, bool]]

# names that make a decorator / annotation / middleware an access check
AUTH_WORDS = re.compile(
    r"auth|login|loggedin|signedin|admin|role|permission|secured|guard|jwt|token|csrf|xsrf|acl|protect|"
    r"verify|privilege|scope|preauthorize|postauthorize|rolesallowed|denyall",
    re.IGNORECASE,
)
# ... unless they say the opposite
OPEN_WORDS = re.compile(r"permitall|anonymous|public|skipauth|noauth|allowany|optional", re.IGNORECASE)


def grammars_dir() -> Path:
    """Query files and seed tables: the repository's grammars/, else the packaged copy."""
    repo = Path(__file__).resolve().parents[2] / "grammars"
    if repo.is_dir():
        return repo
    return Path(__file__).resolve().parents[1] / "_grammars"


@lru_cache(maxsize=None)
def _query_text(folder: str, name: str) -> str:
    path = grammars_dir() / folder / name
    return path.read_text(encoding="utf-8") if path.is_file() else ""


_QUERIES: dict[tuple[int, str, str], Optional[Query]] = {}
_WALK_PATTERNS: dict[tuple[int, str, str], str] = {}


def load_query(ts_language: Language, folder: str, name: str) -> Optional[Query]:
    key = (id(ts_language), folder, name)
    if key not in _QUERIES:
        text = _query_text(folder, name)
        _QUERIES[key] = Query(ts_language, text) if text.strip() else None
    return _QUERIES[key]


# the per-file query files run as one query (one pass over the tree instead of one per file)
FILE_QUERIES = ("imports.scm", "requires.scm", "units.scm", "routes.scm")
# a query file whose matches join another's list (in the order the pass finds them)
QUERY_INTO = {"requires.scm": "imports.scm"}
_COMBINED: dict[tuple[int, str, str, tuple[str, ...]], tuple[Optional[Query], tuple[tuple[str, int, int], ...]]] = {}


def load_combined(ts_language: Language, folder: str, walk: str = "",
                  leave_out: tuple[str, ...] = ()) -> tuple[Optional[Query], tuple[tuple[str, int, int], ...]]:
    """FILE_QUERIES of a grammar folder (but `leave_out`) as one Query, with each file's
    pattern index range; with `walk` (one pattern capturing @n) that pattern last, as
    pseudo-file WALK_PATTERN."""
    key = (id(ts_language), folder, walk, leave_out)
    if key not in _COMBINED:
        # each file's patterns are told apart by where they start in the joined text, not by
        # compiling every file once more on its own for its pattern count (compiling a query is
        # most of a small file's cost: callgrind, JavaScript, 2/3 of the queries' compile time)
        texts: list[str] = []
        names: list[str] = []
        for name in FILE_QUERIES:
            if name in leave_out:
                continue
            text = _query_text(folder, name)
            if text.strip():
                texts.append(text)
                names.append(name)
        if walk:
            texts.append(walk)
            names.append(WALK_PATTERN)
        query = Query(ts_language, "\n".join(texts)) if texts else None
        ranges: list[tuple[str, int, int]] = []
        if query is not None:
            ends, end = [], -1  # byte offset in the joined text where each file ends
            for text in texts:
                end += len(text.encode("utf-8")) + 1
                ends.append(end)
            first = [query.pattern_count] * len(texts)  # each file's first pattern (none: the next file's)
            for i in reversed(range(query.pattern_count)):
                first[bisect_left(ends, query.start_byte_for_pattern(i))] = i
            for k in reversed(range(len(texts) - 1)):
                first[k] = min(first[k], first[k + 1])
            ranges = [(name, first[k], first[k + 1] if k + 1 < len(texts) else query.pattern_count)
                      for k, name in enumerate(names)]
        _COMBINED[key] = (query, tuple(ranges))
    return _COMBINED[key]


WALK_PATTERN = "<walk>"  # file_matches entry of the walk pattern run with the file queries


REQUIRE_WORD = re.compile(r"(?:^|[._])(?:require|ensure|must)[A-Z_]|(?:^|[._])is[A-Z]\w*(?:In|Authenticated|Authorized)\b")


def is_auth_name(name: str) -> bool:
    """`requireAuth`, `@PreAuthorize`, `passport.authenticate`, `csrfProtection` ... but not `permitAll`."""
    found = _AUTH_NAMES.get(name)
    if found is None:
        if len(_AUTH_NAMES) >= _AUTH_NAMES_MAX:
            _AUTH_NAMES.clear()
        found = _AUTH_NAMES[name] = (bool(AUTH_WORDS.search(name) or REQUIRE_WORD.search(name))
                                     and not OPEN_WORDS.search(name))
    return found


# is_auth_name's answers (a pure function of the name; middleware and decorator names recur)
_AUTH_NAMES: dict[str, bool] = {}
_AUTH_NAMES_MAX = 20_000


_ID_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$")
_WORD_CHARS_ASCII = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$0123456789")


def _is_word(c: str) -> bool:
    """Is the one character c a word character, `[\\w$]` as the token patterns read it?"""
    return c in _WORD_CHARS_ASCII or (not c.isascii() and _WORD_CHAR.match(c) is not None)


_Argument = fast_constructor(Argument)
_Call = fast_constructor(Call)
_Comparison = fast_constructor(Comparison)
_Decorator = fast_constructor(Decorator)
_Guard = fast_constructor(Guard)
_Handler = fast_constructor(Handler)
_Literal = fast_constructor(Literal)
_Not = fast_constructor(Not)
_Setting = fast_constructor(Setting)
_Unit = fast_constructor(Unit)
_Span = fast_constructor(Span)


class KeyIndex:
    """One `_TOKENS` scan of a whole file, so keys are slices with a few edits instead of a
    regex substitution (one Python callback per token) over every key's text.

    Why a slice of the file scan equals the scan of the slice: `_TOKENS` has no anchors or
    look-arounds, so from a position where the file scan is between tokens it makes the same
    choices on the slice as on the file, as long as no token of the file scan runs past the
    slice's end. `key_text` checks both ends and answers None otherwise (the caller then
    substitutes on the node's own text, as before).

    The scan lists the strings, comments and `.name` tokens (`starts`, `ends`), not the
    names: a name token is the part of a run of word characters (`[\\w$]`) from its first
    `[A-Za-z_$]` to its end, outside the listed tokens, so whether a position is inside or at the start of one
    is read from the characters before it (`_inside_name`, `_name_starts_at`).
    """

    __slots__ = ("text", "starts", "ends", "comments", "conts")

    def __init__(self, text: str, starts: list[int], ends: list[int], conts: Optional[list[int]]) -> None:
        self.text = text
        self.starts = starts
        self.ends = ends
        # the comments: tokens starting with `/` (strings start with a quote, `.name` tokens
        # with a dot), found from the file's few slashes instead of a look at every token
        comments: list[tuple[int, int]] = []
        find, n = text.find, len(starts)
        p = find("/")
        while p >= 0:
            k = bisect_left(starts, p)
            if k < n and starts[k] == p and ends[k] > p + 1:  # (a lone `/` is no comment)
                comments.append((p, ends[k]))
                p = find("/", ends[k])
            else:
                p = find("/", p + 1)
        self.comments = comments
        self.conts = conts  # positions of UTF-8 continuation bytes (None: ASCII, byte = char offsets)

    @classmethod
    def build(cls, src: bytes, decoded: Optional[str] = None) -> "KeyIndex":
        text = decoded if decoded is not None else src.decode("utf-8", "replace")
        conts = None if len(text) == len(src) else [m.start() for m in _CONTINUATION.finditer(src)]
        spans = list(map(_SPAN, _OTHER_TOKENS.finditer(text)))
        return cls(text, list(map(_FIRST, spans)), list(map(_SECOND, spans)), conts)

    def _in_listed(self, p: int) -> bool:
        """Is position p strictly inside a string, comment or `.name` token?"""
        i = bisect_left(self.starts, p) - 1  # the last one starting before p (they do not overlap)
        return i >= 0 and self.ends[i] > p

    def _inside_name(self, p: int) -> bool:
        """Is position p strictly inside a name token (p not inside a listed token)? Both
        characters around it are word characters (`[\\w$]`) and the run of them before p
        holds a name's first character (then that name runs on past p). A listed token ends
        in a quote, a slash, before a newline, or (`.name`) where its run ends, so that run
        is outside them."""
        text = self.text
        if p <= 0 or p >= len(text):
            return False
        c = text[p]
        if c not in _WORD_CHARS_ASCII and (c.isascii() or not _is_word(c)):
            return False
        c = text[p - 1]
        if c in _ID_START:
            return True
        if c not in _WORD_CHARS_ASCII and (c.isascii() or not _is_word(c)):
            return False
        j = p - 2
        while j >= 0:
            c = text[j]
            if c in _ID_START:
                return True
            if not _is_word(c):
                return False
            j -= 1
        return False

    def _name_starts_at(self, p: int) -> bool:
        """Does a name token start at p, where text[p] is a name's first character and p is
        not inside a listed token? Yes unless the run of word characters before p holds a
        name's first character (then the name started there)."""
        text = self.text
        j = p - 1
        while j >= 0:
            c = text[j]
            if c in _ID_START:
                return False
            if not _is_word(c):
                return True
            j -= 1
        return True

    def _char(self, byte: int) -> int:
        return byte if self.conts is None else byte - bisect_left(self.conts, byte)

    def key_text(self, start_byte: int, end_byte: int, renames: dict[str, str],
                 unit: Optional["UnitDraft"] = None) -> Optional[str]:
        """The node's text with comments blanked and renamed names replaced, or None when the
        file scan cannot stand in for the node's own scan. With `unit` (whose renames these
        are) the edits of the unit's whole range are found once and reused while its renames
        stay as they are (they only grow)."""
        conts = self.conts
        if conts is None:
            a, b = start_byte, end_byte
        else:
            a, b = start_byte - bisect_left(conts, start_byte), end_byte - bisect_left(conts, end_byte)
        starts, ends = self.starts, self.ends
        i = bisect_left(starts, a) - 1  # the last listed token starting before the node
        if i >= 0 and ends[i] > a:
            return None
        j = bisect_left(starts, b) - 1
        if j >= 0 and ends[j] > b:
            return None
        text = self.text
        # (an end is inside a name only between two word characters: most ends are not, and
        # _inside_name is asked only about the others)
        if ((a > 0 and _WORD_PAIR(text, a - 1) is not None and self._inside_name(a))
                or (b > 0 and _WORD_PAIR(text, b - 1) is not None and self._inside_name(b))):
            return None  # an end inside a name token (not listed)
        cached = unit.key_edits if unit is not None else None
        if unit is not None and (cached is None or cached[0] != len(renames)):
            if cached is not None and cached[0] < len(renames):
                # renames only grow (a local bound while phase 1 walks the unit): add the new names' edits
                _, ua, ub, _, edits = cached
                edits = sorted(edits + self.edits(ua, ub, dict(list(renames.items())[cached[0]:]), comments=False))
            else:
                ua, ub = self._char(unit.node.start_byte), self._char(unit.node.end_byte)
                edits = self.edits(ua, ub, renames)
            cached = unit.key_edits = (len(renames), ua, ub, [e[0] for e in edits], edits)
        if cached is not None and cached[1] <= a and b <= cached[2]:
            estarts, all_edits = cached[3], cached[4]
            lo, hi = bisect_left(estarts, a), bisect_left(estarts, b)
            if lo == hi:
                return text[a:b]
            edits = all_edits[lo:hi]  # each ends by b: no token of the file scan runs past b
        else:
            edits = self.edits(a, b, renames)
            if not edits:
                return text[a:b]
        out: list[str] = []
        pos = a
        for s, e, new in edits:
            out.append(text[pos:s])
            out.append(new)
            pos = e
        out.append(text[pos:b])
        return "".join(out)

    def edits(self, a: int, b: int, renames: dict[str, str], comments: bool = True) -> list[tuple[int, int, str]]:
        """(start, end, replacement) of the comments and renamed name tokens starting in [a, b), in order."""
        text, starts, ends = self.text, self.starts, self.ends
        out: list[tuple[int, int, str]] = []
        spans = self.comments if comments else []
        if spans:
            k = bisect_left(spans, (a, -1))
            while k < len(spans) and spans[k][0] < b:
                out.append((spans[k][0], spans[k][1], " "))
                k += 1
        if renames:
            # a one-letter name (Go's `w`, `r`, Java's `e`) is found inside many other words: with
            # such a name and a short range for the names, read the range's word runs and look
            # each name token up instead (the same edits: a renamed name's whole token, in the range)
            if b - a <= _RUN_PATH_CHARS * len(renames) and any(len(n) == 1 for n in renames):
                get, in_listed = renames.get, self._in_listed
                for m in _WORD_RUN.finditer(text, a, b):
                    s, e = m.span()
                    if text[s] not in _ID_START:
                        found = _NAME_TOKEN.search(text, s, e)  # digits first: the name starts later
                        if found is None:
                            continue
                        s = found.start()
                    new = get(text[s:e])
                    if new is None:
                        continue
                    if e == b and _is_word(text[b : b + 1] or " "):
                        continue  # the name runs on past the range
                    if m.start() == a and a > 0 and not self._name_starts_at(s):
                        continue  # the tail of a name starting before the range
                    if not in_listed(s):
                        out.append((s, e, new))
                out.sort()
                return out
            for name, new in renames.items():
                finder = _NAME_FINDERS.get(name)
                if finder is None:
                    if not name or name[0] not in _ID_START or _NAME_TOKEN.fullmatch(name) is None:
                        continue  # only name tokens are renamed
                    finder = _name_finder(name)
                n = len(name)
                # the occurrences not preceded by a name's first character nor followed by a word
                # character (at the range's end the pattern sees none: checked below) -- all the
                # checks below can accept, found by the regex engine instead of a str.find per
                # occurrence (a one-letter `r` or `w` occurs in most words). An accepted
                # occurrence never overlaps another candidate: it would follow that one's
                # first character in one run of word characters, which _name_starts_at refuses.
                for m in finder(text, a, b):
                    # a name token of its own: not the tail of a longer name, not followed by
                    # more of one, not inside a listed token (a `.name` token starts at the dot).
                    # The pattern saw no name's first character before it and, short of the
                    # range's end, no word character after it; a word character before it (a
                    # digit: `9abc`) leaves the run before it to read.
                    p = m.start()
                    e = p + n
                    if e == b:
                        after = text[e : e + 1]
                        if after in _WORD_CHARS_ASCII or (not after.isascii() and _is_word(after)):
                            continue
                    before = text[p - 1 : p] if p else ""
                    if before and (before in _WORD_CHARS_ASCII or (not before.isascii() and _is_word(before))) \
                            and not self._name_starts_at(p):
                        continue
                    k = bisect_left(starts, p) - 1  # (_in_listed, inline)
                    if k < 0 or ends[k] <= p:
                        out.append((p, e, new))
        out.sort()
        return out


# a renamed name -> `finditer` of its occurrences that KeyIndex.edits checks (`(?![\w$])` as
# the character class _is_word reads; the names are name tokens, escaped all the same)
_NAME_FINDERS: dict[str, Callable[[str, int, int], Iterator[re.Match]]] = {}
_NAME_FINDERS_MAX = 20_000


def _name_finder(name: str) -> Callable[[str, int, int], Iterator[re.Match]]:
    if len(_NAME_FINDERS) >= _NAME_FINDERS_MAX:
        _NAME_FINDERS.clear()
    # (the look-behind sees the text before the range too: finditer's pos is no string start)
    # (after the name, so the pattern starts with it and the engine scans for it as a literal)
    escaped = re.escape(name)
    finder = _NAME_FINDERS[name] = re.compile(escaped + r"(?<![A-Za-z_$]" + escaped + r")(?![\w$])").finditer
    return finder


def _renamed_names(text: str, renames: dict[str, str]) -> tuple[Optional[str], ...]:
    """What each identifier-shaped run of `text` is renamed to (all a key depends on besides the text)."""
    return tuple(map(renames.get, _NAMES.findall(text))) if renames else ()


_CONTINUATION = re.compile(rb"[\x80-\xbf]")

_START_BYTE, _END_BYTE, _KIND_ID = attrgetter("start_byte"), attrgetter("end_byte"), attrgetter("kind_id")
_FIRST, _SECOND = itemgetter(0), itemgetter(1)
# grammar (id(Language)) -> node type name by kind id (kind_names)
_KIND_NAMES: dict[int, list[Optional[str]]] = {}


def kind_names(lang: Language) -> list[Optional[str]]:
    """The type name of every kind id a node of the grammar can have, by id: the grammar's
    symbols, and ERROR's ids past them (65534, 65535; None between: no node has those)."""
    names = _KIND_NAMES.get(id(lang))
    if names is None:
        names = [lang.node_kind_for_id(i) for i in range(lang.node_kind_count)]
        names.extend([None] * (65536 - len(names)))
        names[65534], names[65535] = lang.node_kind_for_id(65534), lang.node_kind_for_id(65535)
        names = _KIND_NAMES[id(lang)] = names
    return names


# Functions nested deeper than this are refused as too deep: every unit carries its enclosing
# units' qualified name and walks, so 10k nested functions cost quadratic time (the whole file
# budget, then a timeout) for code no person writes; real code nests a handful of levels.
MAX_UNIT_DEPTH = 200


class _UnitsTooDeep(Exception):
    """Raised while collecting units past MAX_UNIT_DEPTH; the file becomes too-deep."""


@dataclass
class UnitDraft:
    """A unit being collected: its node, names and the nodes that belong to it alone."""

    node: Node
    kind: str
    qualname: str
    name: str
    parent: Optional["UnitDraft"]
    params: list[str] = field(default_factory=list)
    renames: dict[str, str] = field(default_factory=dict)
    nodes: list[Node] = field(default_factory=list)  # own nodes in source order (not nested units)
    types: list[str] = field(default_factory=list)  # their types, read once when assigned (phase 2 reads them twice)
    starts: list[int] = field(default_factory=list)  # and their byte ranges, likewise
    ends: list[int] = field(default_factory=list)
    bodies: list[Node] = field(default_factory=list)  # statement containers walked for guards
    decorators: list[Decorator] = field(default_factory=list)
    guards: list[Guard] = field(default_factory=list)
    guard_ranges: list[tuple[int, int]] = field(default_factory=list)  # byte ranges of tested expressions
    local_counts: dict[str, int] = field(default_factory=dict)
    settings: list[Setting] = field(default_factory=list)
    partial: bool = False
    key_edits: Optional[tuple] = None  # KeyIndex.key_text's edits of this unit's range, for len(renames)
    key_memo: dict[tuple[int, int, int], str] = field(default_factory=dict)  # (start, end, len(renames)) -> key
    depth: int = 0  # units enclosing this one (the module is 0)
    # boolean locals the guard walk follows (`allowed := true; if x { allowed = check() }`):
    # key -> (value so far, the path parts at the declaration, loop depth there, assigned again
    # since); None = given up
    flags: dict[str, Optional[tuple]] = field(default_factory=dict)
    loop_depth: int = 0  # loops around the statement being walked

    def would_bind(self, name: str) -> bool:
        """Would `bind(name, ...)` add a rename? (Else its source key need not be computed.)"""
        return bool(name) and name not in self.renames and self.kind not in ("module", "class")

    def bind(self, name: str, source_key: str) -> None:
        """Name a local after what it was first bound to (as the Python backend's Namer does):
        a consistent rename keeps every key, an unrelated new local shifts none.
        Module/class level names are globals and keep their names."""
        if not name or name in self.renames or self.kind in ("module", "class"):
            return
        base = _LOCAL_BASES.get(source_key)
        if base is None:
            if len(_LOCAL_BASES) >= _LOCAL_BASES_MAX:
                _LOCAL_BASES.clear()
            base = _LOCAL_BASES[source_key] = "%" + sha1(source_key.encode("utf-8")).hexdigest()[:6]
        n = self.local_counts.get(base, 0)
        self.local_counts[base] = n + 1
        self.renames[name] = base + (f"_{n}" if n else "")


# UnitDraft.bind's name stem of a source key (a pure function of it: `param:req`, `catch:err`
# and equal bound values recur in every file)
_LOCAL_BASES: dict[str, str] = {}
_LOCAL_BASES_MAX = 20_000


@dataclass
class FileContext:
    path: str
    src: bytes
    imports: dict[str, str] = field(default_factory=dict)  # local name -> imported dotted name
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> name callees are written with
    unit_nodes: dict[int, tuple[str, str]] = field(default_factory=dict)  # node id -> (capture kind, name)
    callees: dict[int, str] = field(default_factory=dict)  # call node id -> callee
    registrations: set[int] = field(default_factory=set)  # route/middleware registration calls (routes.scm)
    unit_types: set[str] = field(default_factory=set)  # node types of the unit nodes found
    key_index: Optional["KeyIndex"] = None  # the file's token scan for key(), built on first use
    file_matches: Optional[dict[str, list]] = None  # FILE_QUERIES matches of this file, by query file
    # the walk query's nodes in pre-order with their start bytes, and the (start, end) of its
    # function nodes: set when that query ran (a tree without errors), else None
    walk_nodes: Optional[list[Node]] = None
    positional: dict[int, list[Node]] = field(default_factory=dict)  # call id -> positional_nodes (positional_in)
    statement_denies: dict[int, Optional[Action]] = field(default_factory=dict)  # stmt id -> _statement_deny_call
    # `if` id -> (condition, consequence, its statements) as the guard walk read them, for
    # _err_handler's second look at the same `if` (kept by backends with err_branch only)
    walked_ifs: dict[int, tuple[Node, Node, list[Node]]] = field(default_factory=dict)
    walk_starts: Optional[list[int]] = None
    walk_captured: Optional[list[Node]] = None  # the walk pattern's nodes when it ran with the file queries
    fn_spans: Optional[list[tuple[int, int]]] = None
    # call text -> (callee, Arguments, clipped text, {(id(unit), len(its renames)) -> argument
    # keys}, {renames of its names -> argument keys}, first unit, its entry in the first dict,
    # the text's identifier-shaped runs once it recurs in another unit):
    # a dict when the tree has no error (then equal texts are equal subtrees), else None
    call_memo: Optional[dict[str, tuple]] = None
    callee_memo: Optional[dict[str, str]] = None  # callee node text -> callee (set with call_memo), for backends that use it
    deny_memo: Optional[dict[str, Optional[Action]]] = None  # call text -> deny_call (set with call_memo), likewise
    formula_memo: Optional[dict] = None  # (id(unit), len(its renames), test text) -> (formula, made partial) (set with call_memo)

    ascii_src: Optional[str] = None  # the source as str when it is ASCII (byte offsets = str offsets)
    backend_memos: dict[str, dict] = field(default_factory=dict)  # ts_guards.file_memo's dicts, by name
    no_decorators: bool = False  # the source lacks the backend's DECORATOR_MARK: no unit has decorators

    def __post_init__(self) -> None:
        # most files are ASCII: then a node's text is a slice of one decoded str instead of a
        # decode of its bytes (same text: every byte is its own character)
        if self.ascii_src is None and self.src.isascii():
            self.ascii_src = self.src.decode("ascii")
        s = self.ascii_src
        if s is not None:
            def text(node: Optional[Node]) -> str:
                return s[node.start_byte : node.end_byte] if node is not None else ""

            self.text = text  # type: ignore[method-assign]
            self.span_text = lambda a, b: s[a:b]  # type: ignore[method-assign]

    def span_text(self, a: int, b: int) -> str:
        """text() of the node spanning bytes [a, b)."""
        return self.src[a:b].decode("utf-8", "replace")

    def text(self, node: Optional[Node]) -> str:
        if node is None:
            return ""
        return self.src[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def clipped(self, node: Node) -> str:
        """clip(self.text(node)) without slicing all of a long node: a call's text holds its
        callbacks (`describe(() => { ...a whole test file... })`, each nested call again), and
        clip keeps 297 characters of it. Equal to clip(text): when the node's last character is
        not a space and the first 1000 hold 301 past the leading spaces, the stripped text is
        longer than 300 and starts with those."""
        return self.clipped_at(node.start_byte, node.end_byte)

    def clipped_at(self, a: int, b: int) -> str:
        """clipped() of the node spanning bytes [a, b)."""
        s = self.ascii_src
        if s is not None and b - a > _CLIP_WINDOW and not s[b - 1].isspace():
            head = s[a : a + _CLIP_WINDOW].lstrip()
            if len(head) > _CLIP_LIMIT:
                return head[: _CLIP_LIMIT - 3] + "..."
        return clip(self.span_text(a, b))


_CLIP_WINDOW, _CLIP_LIMIT = 1000, 300  # clip()'s default limit

# the byte right after a call that is not an expression statement's (TreeSitterBackend._call)
_INNER_CALL_NEXT = frozenset({b".", b"(", b"[", b",", b")"})


# the fields the shared walk and the backends read (TreeSitterBackend.__init__)
_FIELD_NAMES = ("alias", "alternative", "argument", "arguments", "array", "body", "condition", "consequence", "constructor", "end", "field", "function",
                "initializer", "key", "kind", "left", "name", "object", "operand", "operator", "package", "parameter", "parameters", "path", "pattern",
                "property", "receiver", "right", "start", "type", "value")


class TreeSitterBackend(GuardWalk, abc.ABC):
    """Template for one tree-sitter language; subclasses fill in the node vocabulary."""

    language = "?"
    grammar = "?"  # folder under grammars/

    # ---- node vocabulary (override) ----
    STRING_TYPES: frozenset[str] = frozenset()
    COMMENT_TYPES: frozenset[str] = frozenset({"comment", "line_comment", "block_comment"})
    IDENT_TYPES: frozenset[str] = frozenset({"identifier"})
    FUNCTION_TYPES: frozenset[str] = frozenset()  # anything with its own parameters and body
    CALL_TYPES: frozenset[str] = frozenset()
    IF_TYPES: frozenset[str] = frozenset({"if_statement"})
    RETURN_TYPES: frozenset[str] = frozenset({"return_statement"})
    THROW_TYPES: frozenset[str] = frozenset({"throw_statement"})
    EXIT_TYPES: frozenset[str] = frozenset({"break_statement", "continue_statement"})
    BLOCK_TYPES: frozenset[str] = frozenset({"statement_block", "block"})
    BINARY_TYPES: frozenset[str] = frozenset({"binary_expression"})
    UNARY_TYPES: frozenset[str] = frozenset({"unary_expression"})
    PAREN_TYPES: frozenset[str] = frozenset({"parenthesized_expression"})
    TRUE_TYPES: frozenset[str] = frozenset({"true"})
    FALSE_TYPES: frozenset[str] = frozenset({"false"})
    NULL_TYPES: frozenset[str] = frozenset({"null"})
    CATCH_TYPES: frozenset[str] = frozenset({"catch_clause"})
    ASSERT_TYPES: frozenset[str] = frozenset()
    BOUND_TYPES: frozenset[str] = frozenset()  # nodes `bound_values` reads
    BINDING_TYPES: frozenset[str] = frozenset()  # nodes `bindings` reads
    REGEX_TYPES: frozenset[str] = frozenset()  # nodes `regex_literal` reads
    SPREAD_TYPES: frozenset[str] = frozenset({"spread_element", "variadic_argument"})
    NEW_TYPES: frozenset[str] = frozenset({"new_expression", "object_creation_expression"})
    LOOP_TYPES: frozenset[str] = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement",
                                            "enhanced_for_statement"})
    CASE_TYPES: frozenset[str] = frozenset({"switch_case", "switch_default", "expression_case", "default_case",
                                            "type_case", "communication_case", "switch_block_statement_group", "switch_rule"})
    CASE_CONTAINER_TYPES: frozenset[str] = frozenset({"switch_body", "switch_block"})
    TRY_TYPES: frozenset[str] = frozenset({"try_statement"})
    COMPARE_OPS: frozenset[str] = frozenset({"==", "===", "!=", "!==", "<", "<=", ">", ">="})
    AND_OPS: frozenset[str] = frozenset({"&&"})
    OR_OPS: frozenset[str] = frozenset({"||"})
    LOG_CALLEE = re.compile(r"^(console|log|logger|logging|LOG|LOGGER|Log|slog|klog|glog|zap|fmt\.Print|System\.(out|err))|\.(log|debug|info|warn|warning|error|trace|Print\w*|Debug\w*|Info\w*|Warn\w*|Error\w*)$")

    def __init__(self) -> None:
        lang = self.ts_language()
        self._parser = Parser(lang)
        # child_by_field_name looks its name up among the grammar's field names (a string
        # compare per field) at every call: the walk asks by id instead, looked up here once
        # (0 for a field the grammar lacks: no child, as by name)
        for name in _FIELD_NAMES:
            setattr(self, "_f_" + name, lang.field_id_for_name(name) or 0)
        # node type names by kind id: `self._kinds[n.kind_id] == n.type`, without the new str
        # (hashed anew in every set it is looked up in) that each `n.type` read builds
        self._kinds = kind_names(lang)
        # the kind ids of comment nodes: a statement list is most often free of them, which
        # one C-level pass over its kind ids tells (_uncommented)
        self._comment_ids = frozenset(i for i in range(lang.node_kind_count) if self._kinds[i] in self.COMMENT_TYPES)

    # ---- language hooks (override) ----
    @abc.abstractmethod
    def ts_language(self) -> Language:
        """Per-language hook: every backend defines it."""

    def param_names(self, fn: Node, ctx: FileContext) -> list[str]:
        return []

    def param_defaults(self, fn: Node, ctx: FileContext) -> list[tuple[str, Node]]:
        return []

    def bindings(self, node: Node, ctx: FileContext) -> list[tuple[str, Optional[Node], str]]:
        """Local names a node binds (declarations, := , catch parameters): (name, bound value, prefix)."""
        return []

    def body_of(self, fn: Node) -> Optional[Node]:
        return fn.child_by_field_id(self._f_body)

    def callee(self, call: Node, ctx: FileContext) -> str:
        """Dotted callee as written (computed once per call node)."""
        cached = ctx.callees.get(call.id)
        if cached is None:
            cached = ctx.callees[call.id] = self.callee_name(call, ctx)
        return cached

    @abc.abstractmethod
    def callee_name(self, call: Node, ctx: FileContext) -> str:
        """Per-language hook: every backend defines it."""

    @abc.abstractmethod
    def call_arguments(self, call: Node, ctx: FileContext) -> list[Argument]:
        """Per-language hook: every backend defines it."""

    def statements(self, block: Node) -> list[Node]:
        """Statements of a block, or the statement itself when it is not a block."""
        if self._kinds[block.kind_id] in self.BLOCK_TYPES:
            nodes = block.named_children
            ids = self._comment_ids  # (_uncommented, inline: asked of every block the walk meets)
            if ids.isdisjoint(map(_KIND_ID, nodes)):
                return nodes
            return [c for c in nodes if c.kind_id not in ids]
        return [block]

    def _uncommented(self, nodes: list[Node]) -> list[Node]:
        """`nodes` (a list of the caller's own, e.g. a fresh named_children) without its comments."""
        ids = self._comment_ids
        if ids.isdisjoint(map(_KIND_ID, nodes)):
            return nodes
        return [c for c in nodes if c.kind_id not in ids]

    def if_parts(self, node: Node) -> tuple[Optional[Node], Optional[Node], Optional[Node]]:
        """(condition, consequence, alternative) with the `else` wrapper removed."""
        cond = node.child_by_field_id(self._f_condition)
        cons = node.child_by_field_id(self._f_consequence)
        alt = node.child_by_field_id(self._f_alternative)
        if alt is not None and self._kinds[alt.kind_id] == "else_clause":
            kinds, comments = self._kinds, self.COMMENT_TYPES
            inner = [c for c in alt.named_children if kinds[c.kind_id] not in comments]
            alt = inner[0] if inner else None
        return cond, cons, alt

    def return_values(self, ret: Node) -> list[Node]:
        return self._uncommented(ret.named_children)

    def deny_call(self, call: Node, ctx: FileContext) -> Optional[Action]:
        """Does this call refuse the request (403 response, abort, panic, next(err))?"""
        return None

    def deny_value(self, value: Node, ctx: FileContext) -> Optional[Action]:
        """Is `return <value>` a denial?"""
        return None

    def catch_types(self, clause: Node, ctx: FileContext) -> tuple[str, ...]:
        return ()

    def catch_body(self, clause: Node) -> Optional[Node]:
        return clause.child_by_field_id(self._f_body)

    DECORATOR_TYPES: frozenset[str] = frozenset({"decorator"})
    # bytes every decorator node's text holds (JavaScript's `@`): a file without them has no
    # decorators, and decorator_nodes (a few reads of each unit's neighbours) is not asked
    DECORATOR_MARK: Optional[bytes] = None

    def decorator_nodes(self, unit: Node) -> list[Node]:
        """Decorator / annotation nodes applied to a unit node, in source order."""
        return []

    def decorator(self, node: Node, ctx: FileContext) -> Decorator:
        """Only called for nodes from `decorator_nodes` (none by default, e.g. Go); languages
        with decorators or annotations read their arguments in an override."""
        text = ctx.text(node)
        return _Decorator(text.lstrip("@").split("(", 1)[0].strip(), (), span_of(node), text)

    def outer_decorator(self, node: Node) -> bool:
        """A decorator that sits outside the node of the unit it decorates (collected with that unit)."""
        return False

    def route_middleware(self, call: Node, ctx: FileContext) -> list[tuple[str, str, Node]]:
        """Middleware in a route registration: (middleware name, route text, middleware node)."""
        return []

    def collect_imports(self, root: Node, ctx: FileContext) -> None:
        return None

    def literal_of(self, node: Node, ctx: FileContext) -> LiteralValue:
        return None

    def literal_of_text(self, node: Node, t: str, text: str, ctx: FileContext) -> LiteralValue:
        """literal_of(node) when the caller has read the node's type `t` and text already
        (a backend answering from them alone overrides this, and literal_of calls it)."""
        return self.literal_of(node, ctx)

    def collection_items(self, node: Node, ctx: FileContext) -> Optional[tuple[str, tuple[str, ...]]]:
        """(kind, items) when node is a list/set/map literal, else None."""
        return None

    def bound_values(self, node: Node, ctx: FileContext, unit: UnitDraft) -> list[tuple[str, Node, str]]:
        """(target name, value node, scope) for assignments/declarations worth recording."""
        return []

    def regex_literal(self, node: Node, ctx: FileContext) -> Optional[str]:
        return None

    def err_branch(self, node: Node, cond: Node, ctx: FileContext) -> Optional[tuple[str, ...]]:
        """Go: `if err != nil` is an error handler; returns the callees it guards."""
        return None

    def is_boolean_expr(self, node: Node) -> bool:
        node = self.unparen(node)
        t = self._kinds[node.kind_id]
        if t in self.UNARY_TYPES:
            return self.unary_op(node) == "!"
        if t in self.BINARY_TYPES:
            op = self.binary_op(node)
            if op in self.AND_OPS or op in self.OR_OPS:
                # `opts || {}` / `name && name.trim()` return values, not verdicts (as in Python)
                sides = (node.child_by_field_id(self._f_left), node.child_by_field_id(self._f_right))
                return not any(side is not None and self.unparen(side).type in self.VALUE_TYPES for side in sides)
            return op in self.COMPARE_OPS
        return False

    # literal values that make `a || <value>` a value, not a verdict
    VALUE_TYPES: frozenset[str] = frozenset({
        "string", "template_string", "number", "array", "object", "null", "undefined", "nil",
        "interpreted_string_literal", "raw_string_literal", "int_literal", "float_literal", "composite_literal",
        "string_literal", "decimal_integer_literal", "null_literal", "array_creation_expression",
    })

    # ---- where a tree has syntax errors ----
    MAX_ERROR_REGIONS = 32

    def error_regions(self, text: str) -> Optional[tuple[tuple[int, int, str], ...]]:
        """(first line, last line, the text of those lines) of every ERROR or MISSING node of
        the tree, in order; None when there are more than MAX_ERROR_REGIONS (too broken to
        say where). Read only for a file that parsed partial (see pipeline)."""
        src = text.encode("utf-8", "replace")
        root = parse_tree(self._parser, src).root_node
        lines = text.split("\n")
        out: list[tuple[int, int, str]] = []
        stack = [root]
        while stack:
            node = stack.pop()
            if node.type == "ERROR" or node.is_missing:
                first, last = node.start_point[0], node.end_point[0]
                out.append((first + 1, last + 1, "\n".join(lines[first:last + 1])))
                if len(out) > self.MAX_ERROR_REGIONS:
                    return None
            elif node.has_error:
                stack.extend(reversed(node.children))
        return tuple(sorted(out))

    # ---- entry point ----
    def parse(self, path: str, text: str) -> ParsedFile:
        # the walk allocates many small acyclic objects; pausing the cycle collector for the
        # duration is a third of the time on large files and changes nothing else
        was_enabled = gc.isenabled()
        gc.disable()
        _SQUASHED.clear()
        SPANS.clear()
        COMPARISONS.clear()
        try:
            return self._parse(path, text)
        except _UnitsTooDeep:
            return ParsedFile(path, self.language, (), partial=True,
                              error=f"nesting too deep (functions nested more than {MAX_UNIT_DEPTH} levels)")
        finally:
            _SQUASHED.clear()
            SPANS.clear()
            COMPARISONS.clear()
            if was_enabled:
                gc.enable()

    def _parse(self, path: str, text: str) -> ParsedFile:
        src = text.encode("utf-8", "replace")
        tree = parse_tree(self._parser, src)
        root = tree.root_node
        ctx = FileContext(path, src)
        mark = self.DECORATOR_MARK
        ctx.no_decorators = mark is not None and mark not in src
        if not root.has_error:
            ctx.call_memo = {}
            ctx.callee_memo = {}
            ctx.deny_memo = {}
            ctx.formula_memo = {}
        self._run_file_queries(root, ctx)
        self.collect_imports(root, ctx)
        self._find_unit_nodes(root, ctx)
        self._find_registrations(root, ctx)
        drafts = self._assign_nodes(root, ctx)
        units = tuple(self._build_unit(d, ctx) for d in drafts)
        return ParsedFile(path, self.language, unique_qualnames(units), partial=root.has_error,
                          imports=tuple(sorted(ctx.imports.items())))

    # ---- phase 1: units and their own nodes ----
    def _run_file_queries(self, root: Node, ctx: FileContext) -> None:
        """One pass of the merged FILE_QUERIES; each file's matches keep their order.

        With UNIT_NODE_TYPES declared, the walk query's pattern (`_walk_pattern`) rides in
        the same pass (each pass over the tree costs as much as the patterns together): its
        nodes are kept for `_assign_nodes`, which checks the unit types found are covered."""
        walk = self._walk_pattern(self.UNIT_NODE_TYPES) if self.UNIT_NODE_TYPES and not root.has_error else ""
        # (a backend that tells registrations from the walk's call nodes leaves routes.scm out)
        query, ranges = load_combined(self.ts_language(), self.grammar, walk,
                                      self.WALK_LEAVE_OUT if walk and self.WALK_LEAVE_OUT else ())
        found: dict[str, list] = {QUERY_INTO.get(name, name): [] for name, _, _ in ranges}
        if query is not None:
            walk_index = ranges[-1][1] if walk else -1
            walked: list[Node] = []
            add = walked.append
            for match in QueryCursor(query).matches(root):
                index = match[0]
                if index == walk_index:
                    add(match[1]["n"][0])
                    continue
                for name, lo, hi in ranges:
                    if lo <= index < hi:
                        found[QUERY_INTO.get(name, name)].append((index - lo, match[1]))
                        break
            if walk:
                ctx.walk_captured = walked
        ctx.file_matches = found

    def query_matches(self, root: Node, ctx: FileContext, name: str) -> list:
        """`QueryCursor(grammars/<language>/<name>).matches(root)`, from the merged pass when it ran."""
        if ctx.file_matches is not None and name in FILE_QUERIES:
            return ctx.file_matches.get(name, [])
        query = load_query(self.ts_language(), self.grammar, name)
        return QueryCursor(query).matches(root) if query is not None else []

    def walk_unit_matches(self, nodes: list[Node], ctx: FileContext) -> list[tuple[int, dict[str, list[Node]]]]:
        """units.scm's matches among `nodes` (the walk's), for backends leaving it out of the
        file queries (WALK_LEAVE_OUT)."""
        raise NotImplementedError

    def _find_unit_nodes(self, root: Node, ctx: FileContext) -> None:
        walked = ctx.walk_captured
        matches = (self.walk_unit_matches(walked, ctx) if walked is not None and "units.scm" in self.WALK_LEAVE_OUT
                   else self.query_matches(root, ctx, "units.scm"))
        for _, caps in matches:
            name_nodes = caps.get("name", [])
            for cap, nodes in caps.items():
                if not cap.startswith("unit."):
                    continue
                for n in nodes:
                    name = self.unit_name(n, name_nodes[0] if name_nodes else None, ctx)
                    if name and n.id not in ctx.unit_nodes:
                        ctx.unit_nodes[n.id] = (cap[5:], name)
                        ctx.unit_types.add(n.type)

    def unit_name(self, node: Node, name_node: Optional[Node], ctx: FileContext) -> str:
        return ctx.text(name_node)

    # query files a backend reads from the walk's nodes instead, when the walk pattern rides in
    # the file queries' pass (then they are left out of it): "routes.scm" -- _build_unit asks
    # is_registration about each call it builds; "requires.scm" -- collect_imports reads them;
    # "units.scm" -- walk_unit_matches reads them
    WALK_LEAVE_OUT: tuple[str, ...] = ()

    def is_registration(self, call: Node, callee: str, ctx: FileContext) -> bool:
        """Would routes.scm capture `call` (whose callee() is `callee`) as @registration?
        (Backends leaving routes.scm out: WALK_LEAVE_OUT.)"""
        raise NotImplementedError

    def _find_registrations(self, root: Node, ctx: FileContext) -> None:
        if "routes.scm" in self.WALK_LEAVE_OUT and ctx.walk_captured is not None:
            return  # routes.scm left out of the file queries: _build_unit asks is_registration
        for _, caps in self.query_matches(root, ctx, "routes.scm"):
            for node in caps.get("registration", []):
                ctx.registrations.add(node.id)

    def receiver_of(self, node: Node, ctx: FileContext) -> Optional[str]:
        """Go methods name their type outside any class body."""
        return None

    # node types units.scm may capture as units (all grammars of a backend): declared, the walk
    # pattern runs with the file queries (see _run_file_queries); empty, it runs on its own
    UNIT_NODE_TYPES: frozenset[str] = frozenset()

    def _walk_pattern(self, unit_types: Iterable[str]) -> str:
        """The pattern capturing every node type the walk below acts on, as @n ("" for none)."""
        lang = self.ts_language()
        types = set(self.interesting_types() | self.FUNCTION_TYPES | self.BINDING_TYPES | self.DECORATOR_TYPES)
        types |= set(unit_types)
        key = (id(lang), "walk-pattern", " ".join(sorted(types)))
        found = _WALK_PATTERNS.get(key)
        if found is None:
            known = sorted(t for t in types if lang.id_for_node_kind(t, True) is not None)
            found = _WALK_PATTERNS[key] = "[" + " ".join(f"({t})" for t in known) + "] @n" if known else ""
        return found

    def _walk_types(self, ctx: FileContext) -> Optional[Query]:
        """One query capturing every node type the walk below acts on (cached per type set)."""
        lang = self.ts_language()
        pattern = self._walk_pattern(ctx.unit_types)
        key = (id(lang), "walk", pattern)
        if key not in _QUERIES:
            _QUERIES[key] = Query(lang, pattern) if pattern else None
        return _QUERIES[key]

    def _assign_nodes(self, root: Node, ctx: FileContext) -> list[UnitDraft]:
        captured = ctx.walk_captured
        if captured is not None and ctx.unit_types <= self.UNIT_NODE_TYPES and not root.has_error:
            nodes = captured
        else:
            query = self._walk_types(ctx)
            if query is None or root.has_error:
                return self._assign_nodes_walk(root, ctx)
            nodes = QueryCursor(query).captures(root).get("n", [])
        module = UnitDraft(root, "module", "<module>", "<module>", None, partial=root.has_error)
        module.bodies.append(root)
        drafts = [module]
        interesting = self.interesting_types()
        decorators, functions, binding_types = self.DECORATOR_TYPES, self.FUNCTION_TYPES, self.BINDING_TYPES
        unit_info = ctx.unit_nodes.get
        unit_types = ctx.unit_types  # (only nodes of these types are looked up by id)
        open_units: list[tuple[int, int, UnitDraft]] = []  # (start, end, draft) of enclosing units
        skip_until = -1
        # captures come grouped by pattern, not in tree order: sort to pre-order (outer first)
        # by (start, -end), stably; each node's start, end and type are read once, here
        starts = list(map(_START_BYTE, nodes))
        ends = list(map(_END_BYTE, nodes))
        # (strictly increasing starts are pre-order already: the keys are only built otherwise)
        keys = None if all(map(lt, starts, starts[1:])) else list(zip(starts, [-e for e in ends]))
        if keys is not None and any(map(gt, keys, keys[1:])):
            order = sorted(range(len(nodes)), key=keys.__getitem__)
            nodes = [nodes[i] for i in order]
            starts = [starts[i] for i in order]
            ends = [ends[i] for i in order]
        types = self.node_types(nodes)
        ctx.walk_nodes = nodes
        ctx.walk_starts = starts
        ctx.fn_spans = [(a, b) for a, b, t in zip(starts, ends, types) if t in functions]
        # the innermost open unit's range and owner, and its four list appends, are kept in
        # locals while it stays the owner (most nodes): re-read only when it changes
        owner, cur_a, cur_b = module, 0, 0
        add_node, add_type, add_start, add_end = module.nodes.append, module.types.append, module.starts.append, module.ends.append
        for node, start, end, t in zip(nodes, starts, ends, types):
            if start < skip_until:
                continue
            if t in decorators and self.outer_decorator(node):
                skip_until = end
                continue
            if open_units and not (cur_a <= start and end <= cur_b):
                open_units.pop()
                while open_units and not (open_units[-1][0] <= start and end <= open_units[-1][1]):
                    open_units.pop()
                if open_units:
                    cur_a, cur_b, owner = open_units[-1]
                else:
                    owner = module
                add_node, add_type, add_start, add_end = owner.nodes.append, owner.types.append, owner.starts.append, owner.ends.append
            info = unit_info(node.id) if t in unit_types else None
            if info is not None:
                owner = self._open_unit(node, info, owner, ctx)
                drafts.append(owner)
                open_units.append((start, end, owner))
                cur_a, cur_b = start, end
                add_node, add_type, add_start, add_end = owner.nodes.append, owner.types.append, owner.starts.append, owner.ends.append
                if owner.kind in ("function", "method", "lambda"):
                    body = self.body_of(node)
                    if body is not None:
                        owner.bodies.append(body)
            elif t in functions:
                for name in self.param_names(node, ctx):
                    owner.bind(name, "param:" + name)
                body = self.body_of(node)
                if body is not None:
                    owner.bodies.append(body)
            if t in interesting:
                add_node(node)
                add_type(t)
                add_start(start)
                add_end(end)
            if t in binding_types:
                for name, value, prefix in self.bindings(node, ctx):
                    if owner.would_bind(name):  # the key is only worth computing for a new local
                        owner.bind(name, prefix + (self.binding_key(value, owner, ctx) if value is not None else ""))
        return drafts

    def _assign_nodes_walk(self, root: Node, ctx: FileContext) -> list[UnitDraft]:
        module = UnitDraft(root, "module", "<module>", "<module>", None, partial=root.has_error)
        module.bodies.append(root)
        drafts = [module]
        interesting = self.interesting_types()
        # every named node passes through this loop: attribute look-ups are hoisted out of it
        comments, decorators, functions, binding_types = self.COMMENT_TYPES, self.DECORATOR_TYPES, self.FUNCTION_TYPES, self.BINDING_TYPES
        unit_info = ctx.unit_nodes.get
        stack: list[tuple[Node, UnitDraft]] = [(c, module) for c in reversed(root.named_children) if c.type not in comments]
        push, pop = stack.append, stack.pop
        while stack:
            node, owner = pop()
            t = node.type
            info = unit_info(node.id)
            if info is not None:
                owner = self._open_unit(node, info, owner, ctx)
                drafts.append(owner)
                if owner.kind in ("function", "method", "lambda"):
                    body = self.body_of(node)
                    if body is not None:
                        owner.bodies.append(body)
            elif t in functions:
                # an anonymous callback: its code belongs to the enclosing unit, with its own path
                for name in self.param_names(node, ctx):
                    owner.bind(name, "param:" + name)
                body = self.body_of(node)
                if body is not None:
                    owner.bodies.append(body)
            if t in interesting:
                owner.nodes.append(node)
                owner.types.append(t)
                owner.starts.append(node.start_byte)
                owner.ends.append(node.end_byte)
            if t in binding_types:
                for name, value, prefix in self.bindings(node, ctx):
                    if owner.would_bind(name):  # the key is only worth computing for a new local
                        owner.bind(name, prefix + (self.binding_key(value, owner, ctx) if value is not None else ""))
            if node.named_child_count:
                for child in reversed(node.named_children):
                    ct = child.type
                    if ct not in comments and not (ct in decorators and self.outer_decorator(child)):
                        push((child, owner))
        return drafts

    def node_types(self, nodes: list[Node]) -> list[str]:
        """[n.type for n in nodes], each name one shared str per grammar (read by kind id)."""
        return list(map(self._kinds.__getitem__, map(_KIND_ID, nodes)))

    def interesting_types(self) -> frozenset[str]:
        """Node types phase 2 looks at; everything else is only walked through."""
        cls = type(self)
        cached = cls.__dict__.get("_INTERESTING")
        if cached is None:
            cached = frozenset(self.CALL_TYPES | self.BINARY_TYPES | self.CATCH_TYPES | self.TRY_TYPES | self.IF_TYPES
                               | self.BOUND_TYPES | self.REGEX_TYPES)
            cls._INTERESTING = cached  # type: ignore[attr-defined]
        return cached

    def _open_unit(self, node: Node, info: tuple[str, str], parent: UnitDraft, ctx: FileContext) -> UnitDraft:
        kind, name = info
        receiver = self.receiver_of(node, ctx)
        if kind == "class":
            qual = name if parent.kind == "module" else f"{parent.qualname}.{name}"
        elif receiver:
            kind, qual = "method", f"{receiver}.{name}"
        elif parent.kind == "class":
            kind, qual = "method", f"{parent.qualname}.{name}"
        elif parent.kind == "module":
            kind, qual = ("function" if kind != "method" else "method"), name
        else:
            kind, qual = "function", f"{parent.qualname}.<locals>.{name}"
        if parent.depth >= MAX_UNIT_DEPTH:
            raise _UnitsTooDeep()
        draft = UnitDraft(node, kind, qual, name.rsplit(".", 1)[-1], parent, partial=node.has_error, depth=parent.depth + 1)
        if kind != "class":
            draft.params = self.param_names(node, ctx)
            for i, p in enumerate(draft.params):
                draft.renames.setdefault(p, f"${i}")
            for pname, value in self.param_defaults(node, ctx):
                draft.settings.append(self._setting(pname, value, ctx, "default"))
        for dec in (() if ctx.no_decorators else self.decorator_nodes(node)):
            draft.decorators.append(self.decorator(dec, ctx))
            if not (node.start_byte <= dec.start_byte < node.end_byte):
                # a decorator outside the unit node (`@Get() find() {}` in a class body) is its unit's code
                interesting = self.interesting_types()
                stack = [dec]
                while stack:
                    n = stack.pop()
                    nt = n.type
                    if nt in interesting:
                        draft.nodes.append(n)
                        draft.types.append(nt)
                        draft.starts.append(n.start_byte)
                        draft.ends.append(n.end_byte)
                    stack.extend(reversed(n.named_children))
        return draft

    # ---- phase 2: IR for one unit ----
    def _build_unit(self, d: UnitDraft, ctx: FileContext) -> Unit:
        calls: list[Call] = []
        comparisons: list[Comparison] = []
        handlers: list[Handler] = []
        literals: list[Literal] = []
        for dec in d.decorators:  # annotations/decorators first, route middleware is added below
            if is_auth_name(dec.name):
                atom = call_atom(dec.name, "@" + fast_squash(dec.text.lstrip("@")), dec.text)
                d.guards.append(_Guard(_Not(atom), _Not(atom), Action.DECORATOR, dec.span, dec.text, kind="decorator"))
        for body in d.bodies:
            self._walk(d, ctx, self.top_statements(body), TRUE, (), None, 0)
        # calls inside a try body (by line) are built with in_try set: find the try bodies first
        try_lines: list[tuple[int, int]] = []
        try_types = self.TRY_TYPES
        for node, t in zip(d.nodes, d.types):
            if t in try_types:
                body = node.child_by_field_id(self._f_body)
                if body is not None:
                    try_lines.append((body.start_point[0] + 1, body.end_point[0] + 1))
        call_types, binary_types, catch_types, if_types = self.CALL_TYPES, self.BINARY_TYPES, self.CATCH_TYPES, self.IF_TYPES
        bound_types, regex_types, compare_ops = self.BOUND_TYPES, self.REGEX_TYPES, self.COMPARE_OPS
        cls = type(self)
        if cls._err_handler is TreeSitterBackend._err_handler and cls.err_branch is TreeSitterBackend.err_branch:
            if_types = frozenset()  # no error branches in this language: _err_handler would find none
        # (a backend that does not override is_call takes every call node: not asked per node)
        is_call = None if cls.is_call is TreeSitterBackend.is_call else self.is_call
        registrations = ctx.registrations
        is_registration = self.is_registration if "routes.scm" in self.WALK_LEAVE_OUT and ctx.walk_captured is not None else None
        bound_call_start = self.BOUND_CALL_START
        # (asked once per unit, not per call, whether the file can hold a regex-building call)
        regex_call = self.regex_call if cls.regex_call is not TreeSitterBackend.regex_call and self.may_build_regexes(ctx) else None
        src = ctx.src
        for node, t, a, b in zip(d.nodes, d.types, d.starts, d.ends):
            if t in call_types and (is_call is None or is_call(node)):
                nid = node.id
                call = self._call(node, d, ctx, try_lines, nid, a, b)
                calls.append(call)
                if nid in registrations if is_registration is None else is_registration(node, call.callee, ctx):
                    for mw_name, route, mw_node in self.route_middleware(node, ctx):
                        self._middleware(d, mw_name, route, mw_node, node, ctx)
                pattern = regex_call(node, ctx) if regex_call is not None else None
                if pattern is not None:
                    literals.append(_Literal(self.callee(node, ctx), (pattern,), span_of(node), clip(ctx.text(node)), "regex"))
            elif t in binary_types and (op := self.binary_op(node)) in compare_ops:
                comparisons.append(self._comparison(node, d, ctx, any(ga <= a and b <= gb for ga, gb in d.guard_ranges), op))
            elif t in catch_types:
                handlers.append(self._catch_handler(node, d, ctx))
            if t in if_types:
                h = self._err_handler(node, d, ctx)
                if h is not None:
                    handlers.append(h)
            if t in bound_types and not (bound_call_start is not None and t in call_types and src[a : a + 1] != bound_call_start):
                for target, value, scope in self.bound_values(node, ctx, d):
                    literals.extend(self._literals_for(target, value, ctx))
                    if scope:
                        d.settings.append(self._setting(target, value, ctx, scope))
                        if scope == "assignment":
                            d.settings.extend(self._config_settings(target, value, ctx))
            if t in regex_types:
                rx = self.regex_literal(node, ctx)
                if rx is not None:
                    literals.append(_Literal(self._regex_target(node, ctx), (rx,), span_of(node), clip(ctx.text(node)), "regex"))
        node = d.node
        span = span_of(node)
        return _Unit(
            path=ctx.path,
            language=self.language,
            kind=d.kind,
            qualname=d.qualname,
            name=d.name,
            span=_Span(min([span.line] + [dec.span.line for dec in d.decorators]), span.end_line),
            params=tuple(d.params),
            decorators=tuple(d.decorators),
            guards=tuple(d.guards),
            comparisons=tuple(comparisons),
            calls=tuple(calls),
            handlers=tuple(handlers),
            literals=tuple(literals),
            settings=tuple(d.settings),
            text=ctx.text(node),
            body_key=self._body_key(d, ctx),
            partial=d.partial or node.has_error,
            parent=d.parent.qualname if d.parent else None,
            locals=tuple((n, k) for n, k in d.renames.items() if k.startswith("%")),
        )

    def regex_call(self, call: Node, ctx: FileContext) -> Optional[str]:
        return None

    def may_build_regexes(self, ctx: FileContext) -> bool:
        """False when no call of the file can be one regex_call answers for (not asked per call)."""
        return True

    # bound_values of a call of BOUND_TYPES is [] unless the call's text starts with these bytes
    # (JavaScript: `[...].includes(x)`); set, _build_unit does not ask about the other calls
    BOUND_CALL_START: Optional[bytes] = None

    def is_call(self, node: Node) -> bool:
        return True

    def _regex_target(self, node: Node, ctx: FileContext) -> str:
        parent = node.parent
        while parent is not None and parent.type in self.PAREN_TYPES:
            parent = parent.parent
        if parent is not None:
            name = parent.child_by_field_id(self._f_name) or parent.child_by_field_id(self._f_left) or parent.child_by_field_id(self._f_key)
            if name is not None and name.id != node.id:
                return ctx.text(name)
            if parent.type in ("arguments", "argument_list") and parent.parent is not None:
                return self.callee(parent.parent, ctx)
        return ""

    # ---- keys ----
    def key(self, node: Node, d: Optional[UnitDraft], ctx: FileContext) -> str:
        """Source without whitespace/comments, params -> $i, locals -> %hash (see semdiff.ir).

        Names are replaced on the raw text (tokens still apart), then squashed; a name right
        after `.` is a property, never a local. Strings keep their content.

        The file is tokenised once (`KeyIndex`); a node whose ends fall between tokens of
        that scan tokenises the same on its own, so its key is its text with the few edits
        (comments, renamed names) found by index. Other nodes -- an end inside a string,
        comment or `.name` of the file scan -- take the per-node substitution.
        """
        a, b = node.start_byte, node.end_byte  # (each read crosses into tree-sitter: once)
        if d is not None:
            # a condition's operands are keyed for its formula and again for its Comparison
            memo_key = (a, b, len(d.renames))
            found = d.key_memo.get(memo_key)
            if found is None:
                found = d.key_memo[memo_key] = self._key_at(a, b, ctx.span_text(a, b), d.renames, d, ctx)
            return found
        return self._key_at(a, b, ctx.span_text(a, b), {}, None, ctx)

    def binding_key(self, node: Node, d: UnitDraft, ctx: FileContext) -> str:
        """key() of a value a local is bound to, while phase 1 still adds renames: its few edits
        are found in its own range (the unit-wide edit list would be redone for every new local)."""
        a, b = node.start_byte, node.end_byte
        memo_key = (a, b, len(d.renames))
        found = d.key_memo.get(memo_key)
        if found is None:
            found = d.key_memo[memo_key] = self._key_at(a, b, ctx.span_text(a, b), d.renames, None, ctx)
        return found

    def _key(self, node: Node, renames: dict[str, str], d: Optional[UnitDraft], ctx: FileContext) -> str:
        a, b = node.start_byte, node.end_byte
        return self._key_at(a, b, ctx.span_text(a, b), renames, d, ctx)

    def _key_at(self, a: int, b: int, text: str, renames: dict[str, str], d: Optional[UnitDraft], ctx: FileContext,
                lone_checked: bool = False) -> str:
        """_key of the node spanning bytes [a, b) whose text is `text` (`lone_checked`: the
        caller found it is not one name, string or integer)."""
        if not lone_checked:
            lone = _LONE_TOKEN.fullmatch(text)
            if lone is not None:
                # one name, string or integer: both ways below give the name renamed, or the
                # squashed text (a string is one token of `_TOKENS` wherever a scan meets it)
                return renames.get(text, text) if lone.lastgroup == "id" else fast_squash(text)
        index = ctx.key_index
        if index is None:
            index = ctx.key_index = KeyIndex.build(ctx.src, ctx.ascii_src)
        out = index.key_text(a, b, renames, d)
        if out is not None:
            return fast_squash(out)
        return self._key_by_substitution(text, renames)

    @staticmethod
    def _key_by_substitution(text: str, renames: dict[str, str]) -> str:
        # the substitution below calls back into Python once per token; most texts hold no
        # comment and none of the renamed names, and then it returns the text unchanged
        if "//" not in text and "/*" not in text and (not renames or renames.keys().isdisjoint(_NAMES.findall(text))):
            return fast_squash(text)

        def sub(m: re.Match) -> str:
            if m.group("s") is not None:
                return m.group("s")
            if m.group("c") is not None:
                return " "
            name = m.group("id")
            if m.group("dot") is not None or not renames:
                return m.group(0)
            return renames.get(name, name)

        return fast_squash(_TOKENS.sub(sub, text))

    def renamable(self, ident: Node) -> bool:
        return True

    def _body_key(self, d: UnitDraft, ctx: FileContext) -> str:
        if d.kind == "module":
            return ""
        return self.key(d.node, d, ctx)

    # ---- calls ----
    def _call(self, node: Node, d: UnitDraft, ctx: FileContext, try_lines: Optional[list[tuple[int, int]]] = None,
              nid: Optional[int] = None, a: int = -1, b: int = -1) -> Call:
        """The Call of a call node (`nid`, `a`, `b`: its id and byte range, when the caller has them)."""
        if nid is None:
            nid = node.id
        if a < 0:
            a, b = node.start_byte, node.end_byte
        # a call right before `.`, `(`, `[`, `,` or `)` is inside a larger expression (a chain, a
        # call, arguments), never an expression statement's: in a tree without errors its parent
        # (looked up from the root) need not be read
        parent = None if ctx.call_memo is not None and ctx.src[b : b + 1] in _INNER_CALL_NEXT else node.parent
        statement = False
        if parent is not None:
            ptype = parent.type
            statement = ptype == "expression_statement"
            if ptype == "await_expression":
                grand = parent.parent
                if grand is not None:
                    statement = grand.type == "expression_statement"
        span = span_of(node)
        memo = ctx.call_memo
        if memo is None:
            args, keys = self.call_parts(node, d, ctx)
            callee = ctx.callees.get(nid)
            if callee is None:
                callee = ctx.callees[nid] = self.callee_name(node, ctx)  # (callee(), inline)
            clipped = ctx.clipped_at(a, b)
        else:
            # the same call text recurs in a file (`res.status(401).json(...)`, `next(err)`):
            # its callee, Arguments and text are read once; its argument keys once per set of
            # renames its names meet (all a key depends on besides the text)
            # (most call texts occur once: the renames of their names are only read when the
            # text recurs in another unit -- in the same unit, with the same renames, the keys
            # are the same)
            text = ctx.span_text(a, b)
            unit = (id(d), len(d.renames))
            found = memo.get(text)
            if found is None:
                args, keys = self.call_parts(node, d, ctx)
                callee = ctx.callees.get(nid)
                if callee is None:
                    callee = ctx.callees[nid] = self.callee_name(node, ctx)  # (callee(), inline)
                clipped = ctx.clipped_at(a, b)
                memo[text] = (callee, args, clipped, {unit: keys}, {}, d, unit, [])
            else:
                callee, args, clipped, by_unit, by_names, first, first_unit, words = found
                ctx.callees[nid] = callee
                keys = by_unit.get(unit)
                if keys is None:
                    # (_renamed_names, with the text's identifier-shaped runs found once per
                    # text -- kept in `words` -- instead of once per unit it recurs in)
                    if not by_names:
                        words.extend(_NAMES.findall(text))
                        renames = first.renames
                        by_names[tuple(map(renames.get, words)) if renames else ()] = by_unit[first_unit]
                    renames = d.renames
                    names = tuple(map(renames.get, words)) if renames else ()
                    keys = by_names.get(names)
                    if keys is None:
                        keys = by_names[names] = self.call_parts(node, d, ctx)[1]
                    by_unit[unit] = keys
        if try_lines:
            line = span.line
            for ta, tb in try_lines:  # (a loop, not a generator made per call)
                if ta <= line <= tb:
                    return _Call(callee, args, span, clipped, statement, True, keys)
        return _Call(callee, args, span, clipped, statement, False, keys)

    def call_parts(self, call: Node, d: UnitDraft, ctx: FileContext) -> tuple[tuple[Argument, ...], tuple[str, ...]]:
        """A call's Arguments and the keys of its positional arguments (spreads and object
        literals have none). This generic version reads the arguments twice (call_arguments,
        then positional_in); backends whose arguments are mostly one Argument per positional
        node override it with one pass that builds both with `_plain_argument`."""
        args = tuple(self.call_arguments(call, ctx))
        spread = self.SPREAD_TYPES
        keys = [self._argument_key(n, ctx.text(n), None, d, ctx) for n in self.positional_in(call, ctx)
                if n.type not in spread and n.type != "object"]
        return args, tuple(keys)

    def _argument_key(self, n: Node, text: str, squashed: Optional[str], d: UnitDraft, ctx: FileContext) -> str:
        """key() of a positional argument. Most are one name, string or number: key() would
        answer from _key's first lines (a name renamed, else the squashed text -- `squashed`
        when the caller has it already) without its memo entry."""
        lone = _LONE_TOKEN.fullmatch(text)
        if lone is None:
            return self.key(n, d, ctx)
        if lone.lastgroup == "id":
            return d.renames.get(text, text)
        return fast_squash(text) if squashed is None else squashed

    def _plain_argument(self, n: Node, t: str, d: UnitDraft, ctx: FileContext,
                        args: list[Argument], keys: list[str]) -> None:
        """argument(None, n) and its key, appended: the node's text is read and squashed once
        for both (its Argument's value is the squashed text, as is a lone string's key), and
        its byte range read once for its text and its key (what _argument_key does, inline)."""
        a, b = n.start_byte, n.end_byte
        text = ctx.span_text(a, b)
        types = self.LITERAL_TYPES
        lit = self.literal_of_text(n, t, text, ctx) if types is None or t in types else None
        lone = _LONE_TOKEN.fullmatch(text)
        if lone is not None and lone.lastgroup == "id":
            # one name: nothing to squash (a name holds no space, quote or comma)
            args.append(_Argument(None, text, text, lit))
            keys.append(d.renames.get(text, text))
            return
        squashed = fast_squash(text)
        args.append(_Argument(None, squashed, text, lit))
        if lone is not None:
            keys.append(squashed)
            return
        memo_key = (a, b, len(d.renames))
        found = d.key_memo.get(memo_key)
        if found is None:
            found = d.key_memo[memo_key] = self._key_at(a, b, text, d.renames, d, ctx, True)
        keys.append(found)

    def resolve(self, dotted: str, ctx: FileContext) -> str:
        head, sep, rest = dotted.partition(".")
        target = ctx.imports.get(head)
        if target and target != head:
            return target + sep + rest
        return dotted

    # node types literal_of can give a value for (None: ask it about every node)
    LITERAL_TYPES: Optional[frozenset[str]] = None

    def argument(self, name: Optional[str], node: Node, ctx: FileContext) -> Argument:
        text = ctx.text(node)
        types = self.LITERAL_TYPES
        t = self._kinds[node.kind_id]
        lit = self.literal_of_text(node, t, text, ctx) if types is None or t in types else None
        return _Argument(name, fast_squash(text), text, lit)

    def _middleware(self, d: UnitDraft, name: str, route: str, mw: Node, call: Node, ctx: FileContext) -> None:
        args = (_Argument(None, fast_squash(route), route, _unquote(route)),) if route else ()
        text = clip(ctx.text(mw))
        span = span_of(mw)
        d.decorators.append(_Decorator(name, args, span, text))
        if is_auth_name(name) or is_auth_name(text):
            verb = self.callee(call, ctx).rsplit(".", 1)[-1]
            where = f"{verb}({args[0].value})" if route else verb
            atom = call_atom(name, f"middleware:{where}:{name}", f"{name} on {where}")
            # the call's first line, read up to its first newline (not the whole registration,
            # handler and all, sliced and split)
            a, b = call.start_byte, call.end_byte
            nl = ctx.src.find(b"\n", a, b)
            d.guards.append(_Guard(_Not(atom), _Not(atom), Action.DECORATOR, span, clip(ctx.span_text(a, nl if nl >= 0 else b)),
                                  kind="decorator"))

    # ---- comparisons ----
    def _comparison(self, node: Node, d: UnitDraft, ctx: FileContext, in_guard: bool, op: Optional[str] = None) -> Comparison:
        if op is None:
            op = self.binary_op(node)
        left, right = node.child_by_field_id(self._f_left), node.child_by_field_id(self._f_right)
        lu = self.unparen(left) if left is not None else node
        ru = self.unparen(right) if right is not None else node
        f = file_comparison(self.key(lu, d, ctx), op, self.key(ru, d, ctx), ctx.text(lu), ctx.text(ru))
        atom = f.arg if isinstance(f, Not) else f
        assert isinstance(atom, Atom)
        return _Comparison(atom, op in NEGATIVE_OPS, op, ctx.text(lu), ctx.text(ru), span_of(node), in_guard)

    # ---- handlers ----
    def classify_handler_body(self, block: Optional[Node], ctx: FileContext,
                              stmts: Optional[list[Node]] = None) -> tuple[Action, Optional[str]]:
        """`stmts`: the block's statements(), when the caller has them."""
        if block is None:
            return Action.PASS, None
        if stmts is None:
            stmts = self.statements(block)
        if not stmts:
            return Action.PASS, None
        # each statement's type and a return's values are read once here, and deny_action is
        # handed them (it read the block's statements and the last one's values again)
        kinds, throw_types, return_types = self._kinds, self.THROW_TYPES, self.RETURN_TYPES
        types = [kinds[s.kind_id] for s in stmts]
        values = [self.return_values(s) if t in return_types else None for s, t in zip(stmts, types)]
        deny = self.deny_action(block, ctx, stmts, values[-1])
        returned: Optional[str] = None
        has_throw = any(t in throw_types or self.is_panic(s, ctx) for s, t in zip(stmts, types))
        for vals in values:
            if vals is not None:
                returned = fast_squash(", ".join(ctx.text(v) for v in vals)) if vals else None
        if has_throw:
            return Action.RAISE, returned
        if self.propagates(stmts, ctx):
            return Action.RAISE, returned
        if deny is not None:
            return deny, returned
        if any(t in return_types for t in types):
            return Action.RETURN, returned
        exit_types = self.EXIT_TYPES
        if all(t in exit_types or t == "empty_statement" for t in types):
            return Action.PASS, None
        if all(self._is_log_statement(s, ctx) for s in stmts):
            return Action.LOG, None
        return Action.OTHER, returned

    def propagates(self, stmts: list[Node], ctx: FileContext) -> bool:
        return False

    def is_panic(self, stmt: Node, ctx: FileContext) -> bool:
        return False

    def _is_log_statement(self, stmt: Node, ctx: FileContext) -> bool:
        expr = (stmt.named_child(0) or stmt) if stmt.type == "expression_statement" else stmt
        if expr.type in self.CALL_TYPES:
            return found_in(self.LOG_CALLEE, self.callee(expr, ctx))
        return False

    def _catch_handler(self, clause: Node, d: UnitDraft, ctx: FileContext) -> Handler:
        action, returns = self.classify_handler_body(self.catch_body(clause), ctx)
        guarded: list[str] = []
        try_node = clause.parent
        body = try_node.child_by_field_id(self._f_body) if try_node is not None else None
        if body is not None:
            guarded = self._callees_in(body, ctx)
        return _Handler(self.catch_types(clause, ctx), action, returns, tuple(guarded), span_of(clause), clip(ctx.text(clause)))

    def _callees_in(self, node: Node, ctx: FileContext) -> list[str]:
        """Callees of the calls in `node`, in source order, not looking into nested functions."""
        nodes, starts = ctx.walk_nodes, ctx.walk_starts
        if nodes is not None and starts is not None:
            # the walk query's pre-order list holds every call and function node: the calls of
            # the node's range that no nested function encloses, without visiting the rest
            calls, functions = self.CALL_TYPES, self.FUNCTION_TYPES
            start, end, own = node.start_byte, node.end_byte, node.id
            found: list[str] = []
            skip_until = -1
            for k in range(bisect_left(starts, start), bisect_left(starts, end)):
                n = nodes[k]
                a = starts[k]
                if a < skip_until:
                    continue
                b = n.end_byte
                if b > end:
                    continue  # starts in the range but encloses it: an ancestor, not a descendant
                t = n.type
                if t in calls:
                    c = self.callee(n, ctx)
                    if c not in found:
                        found.append(c)
                if t in functions and n.id != own:
                    skip_until = b
            return found
        out: list[str] = []
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type in self.CALL_TYPES:
                c = self.callee(n, ctx)
                if c not in out:
                    out.append(c)
            if n.type in self.FUNCTION_TYPES and n.id != node.id:
                continue
            stack.extend(reversed(n.named_children))
        return out

    def _err_handler(self, node: Node, d: UnitDraft, ctx: FileContext) -> Optional[Handler]:
        walked = ctx.walked_ifs.get(node.id)  # (the guard walk's reading of this `if`, when it met it)
        if walked is not None:
            cond, cons, stmts = walked
        else:
            cond, cons, _ = self.if_parts(node)
            stmts = None
        if cond is None or cons is None:
            return None
        guarded = self.err_branch(node, cond, ctx)
        if guarded is None:
            return None
        action, returns = self.classify_handler_body(cons, ctx, stmts)
        return _Handler(("error",), action, returns, guarded, span_of(node), clip(ctx.text(node)))

    # ---- literals and settings ----
    def _literals_for(self, target: str, value: Node, ctx: FileContext) -> list[Literal]:
        found = self.collection_items(value, ctx)
        if found is None:
            return []
        kind, items = found
        return [_Literal(target, items, span_of(value), clip(ctx.text(value)), kind)]

    def _setting(self, key: str, value: Node, ctx: FileContext, scope: str) -> Setting:
        text = ctx.text(value)
        parent = value.parent  # (a parent is looked up from the root: once)
        return _Setting(key, fast_squash(text), span_of(value), clip(ctx.text(parent) if parent is not None else text),
                       self.literal_of(value, ctx), scope)

    def config_pairs(self, value: Node, ctx: FileContext) -> list[tuple[str, Node]]:
        return []

    def _config_settings(self, target: str, value: Node, ctx: FileContext) -> list[Setting]:
        out: list[Setting] = []
        work: list[tuple[str, Node, int]] = [(target, value, 0)]
        while work:
            prefix, node, depth = work.pop()
            if depth > 8:
                continue
            for key, v in self.config_pairs(node, ctx):
                full = f"{prefix}.{key}"
                if self.config_pairs(v, ctx):
                    work.append((full, v, depth + 1))
                else:
                    out.append(self._setting(full, v, ctx, "config"))
        return out


_NEEDS_SQUASH = re.compile(r"[\s'\"`,]")


_QUOTES = re.compile(r"['\"`]")
_TRAILING_COMMA = re.compile(r",(?=[)\]}])")


def _squash_code(code: str) -> str:
    """Whitespace out, then trailing commas out (squash()'s two substitutions on code outside
    strings). `str.split()` drops exactly the characters `\\s` matches (both ask
    Py_UNICODE_ISSPACE) in one C pass, and most code holds no comma before a closing bracket."""
    code = "".join(code.split())
    return _TRAILING_COMMA.sub("", code) if "," in code else code


def fast_squash(text: str) -> str:
    """squash() for the common cases: nothing to squash, or no string literal in the text
    (then it is one segment: whitespace out, trailing commas out -- what squash() does).
    With strings it splits on the same string pattern as squash() (same scan, so the same
    segments) instead of its finditer loop: identical output, a third of the time."""
    if not _NEEDS_SQUASH.search(text):
        return text
    done = _SQUASHED.get(text)
    if done is not None:
        return done
    if _QUOTES.search(text) is None:
        done = _squash_code(text)
    else:
        parts = _STRING_SPLIT.split(text)
        code = parts[::2]
        if len(code) > 2 and "\0" not in text:
            # every code segment squashed by one pass over them joined with NUL (neither space
            # nor a closing bracket, so no segment's result depends on its neighbours)
            parts[::2] = _squash_code("\0".join(code)).split("\0")
        else:
            parts[::2] = [_squash_code(seg) for seg in code]
        # _canonical_string, inline: 'x' -> "x" unless it holds a double quote or an escaped
        # quote (a text without `'` holds no such string: Go's and Java's are double-quoted)
        if "'" in text:
            parts[1::2] = [('"' + lit[1:-1] + '"' if lit[0] == "'" and '"' not in lit and "\\'" not in lit else lit)
                           for lit in parts[1::2]]
        done = "".join(parts)
    if len(_SQUASHED) < _SQUASHED_MAX:
        _SQUASHED[text] = done
    return done


# squashed texts of the file being parsed: an argument's text is squashed for its Argument and
# again as its key, a condition's parts for the guard and for the comparison. Emptied when a
# file starts (TreeSitterBackend.parse), so it remembers one file, never what other files held.
_SQUASHED: dict[str, str] = {}
_SQUASHED_MAX = 50_000


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        return text[1:-1]
    return text


def unquote(text: str) -> str:
    return _unquote(text)
