"""match-loosened: a matching test that still exists now accepts more of the same input.

These weakenings keep every check in place and change only *how* it matches, so a
guard-level comparison sees the same condition:

- a compiled regex applied with a looser method on the same input (`rx.fullmatch(s)` ->
  `rx.match(s)` accepts any suffix, `rx.match(s)` -> `rx.search(s)` any prefix);
- a path containment test that compared path components replaced by a string-prefix test
  on the same operands (`os.path.commonpath` -> `os.path.commonprefix`,
  `p.is_relative_to(root)` -> `str(p).startswith(str(root))`): `/srv/app-secrets` now counts
  as inside `/srv/app`;
- a character class in a regex named as a deny pattern (forbidden/invalid/unsafe chars)
  now matches fewer characters, or one named as an allow pattern (valid/allowed/safe
  chars) matches more: CR/LF dropped from a forbidden-header-characters pattern lets header
  injection through.

Each reader compares one site before and after; nothing is reported for code that merely
uses a loose form already.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Call, Unit
from semdiff.model import Finding, Severity
from semdiff.rules._catalog2_ir import REGEX_NAME_WORDS, _sre_parse, name_words, tail
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

FAMILY = "match-loosened"
REGEX_METHOD = "match-loosened/regex-method"
PATH_PREFIX = "match-loosened/path-prefix"
CHAR_CLASS = "match-loosened/char-class"

# regex method -> the methods that accept strictly more of the same subject
LOOSER_METHODS = {"fullmatch": ("match", "search"), "match": ("search",)}
# receivers that are the `re` module itself: widened-allowlist reads those calls' patterns
REGEX_MODULES = ("re", "regex")
# path containment by components, and the string-prefix tests that replace it
COMPONENT_CHECKS = ("commonpath", "is_relative_to", "relative_to")
STRING_PREFIX_CHECKS = ("commonprefix", "startswith")
# words that name a pattern of characters to refuse / to accept
DENY_PATTERN_WORDS = ("forbidden", "invalid", "illegal", "unsafe", "disallowed", "bad", "banned", "blocked",
                      "dangerous", "reject", "rejected", "denied", "deny")
ALLOW_PATTERN_WORDS = ("valid", "allowed", "safe", "permitted", "legal", "acceptable", "trusted")
_MAX_CODEPOINT = 0x110000

RULES = (
    RuleSpec(
        id=REGEX_METHOD,
        title="Regex applied with a looser match",
        severity=Severity.MEDIUM,
        description=(
            "A compiled regex is applied to the same input with a looser method: fullmatch -> match "
            "(any suffix passes) or search, match -> search (any prefix passes)."
        ),
        examples=(
            Example(
                "def ok(self, origin):\n    if self.origin_regex.fullmatch(origin):\n        return True\n    return False\n",
                "def ok(self, origin):\n    if self.origin_regex.match(origin):\n        return True\n    return False\n",
                True,
                "fullmatch -> match",
            ),
            Example(
                "def ok(self, origin):\n    if self.origin_regex.match(origin):\n        return True\n    return False\n",
                "def ok(self, origin):\n    if self.origin_regex.fullmatch(origin):\n        return True\n    return False\n",
                False,
                "match -> fullmatch is stricter",
            ),
            Example(
                "def find(self, router, path):\n    return router.match(path)\n",
                "def find(self, router, path):\n    return router.search(path)\n",
                False,
                "a router is not a regex",
            ),
        ),
        languages=("python",),
    ),
    RuleSpec(
        id=PATH_PREFIX,
        title="Path containment reduced to a string prefix",
        severity=Severity.MEDIUM,
        description=(
            "A test that a path lies inside a directory compared path components (os.path.commonpath, "
            "is_relative_to, relative_to) and now compares strings (os.path.commonprefix, startswith): "
            "a sibling such as /srv/app-secrets passes for /srv/app."
        ),
        examples=(
            Example(
                "import os\ndef inside(p, root):\n    if os.path.commonpath([p, root]) != root:\n        raise ValueError(p)\n",
                "import os\ndef inside(p, root):\n    if os.path.commonprefix([p, root]) != root:\n        raise ValueError(p)\n",
                True,
                "commonpath -> commonprefix",
            ),
            Example(
                "import os\ndef inside(p, root):\n    if os.path.commonprefix([p, root]) != root:\n        raise ValueError(p)\n",
                "import os\ndef inside(p, root):\n    if os.path.commonpath([p, root]) != root:\n        raise ValueError(p)\n",
                False,
                "commonprefix -> commonpath is stricter",
            ),
        ),
        languages=("python",),
        # a containment test exists only to keep paths inside a directory
        intrinsic="validation",
    ),
    RuleSpec(
        id=CHAR_CLASS,
        title="Character class of a deny/allow pattern changed the wrong way",
        severity=Severity.MEDIUM,
        description=(
            "A regex named as characters to refuse (forbidden/invalid/unsafe ...) now matches fewer "
            "characters, or one named as characters to accept (valid/allowed/safe ...) matches more; the "
            "rest of the pattern is unchanged."
        ),
        examples=(
            Example(
                "import re\nFORBIDDEN_CHARS_RE = re.compile(r'[\\x00-\\x1f\\x7f]')\n",
                "import re\nFORBIDDEN_CHARS_RE = re.compile(r'[\\x00-\\x09\\x0b-\\x1f\\x7f]')\n",
                True,
                "LF no longer forbidden",
            ),
            Example(
                "import re\nFORBIDDEN_CHARS_RE = re.compile(r'[\\x00-\\x09\\x0b-\\x1f\\x7f]')\n",
                "import re\nFORBIDDEN_CHARS_RE = re.compile(r'[\\x00-\\x1f\\x7f]')\n",
                False,
                "more characters forbidden",
            ),
            Example(
                "import re\nWORD_RE = re.compile(r'[a-z]+')\n",
                "import re\nWORD_RE = re.compile(r'[a-z0-9]+')\n",
                False,
                "neither a deny nor an allow pattern",
            ),
        ),
        languages=("python",),
        # a pattern named for characters to refuse or accept is input validation wherever it is
        intrinsic="validation",
    ),
)
_SPECS = {r.id: r for r in RULES}


# ---------------------------------------------------------------- regex method loosened


def _receiver(call: Call) -> str:
    return call.callee.rsplit(".", 1)[0] if "." in call.callee else ""


def _args_key(call: Call) -> tuple[str, ...]:
    return tuple(a.value for a in call.args)


def _regex_receiver(receiver: str) -> bool:
    return bool(name_words(receiver) & set(REGEX_NAME_WORDS))


def _regex_method_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before_calls = {(_receiver(c), tail(c.callee), _args_key(c)): c for c in change.before.calls}
    for a in change.after.calls:
        recv, method = _receiver(a), tail(a.callee)
        if not recv or recv in REGEX_MODULES:
            continue
        for stricter, looser in LOOSER_METHODS.items():
            if method not in looser:
                continue
            b = before_calls.get((recv, stricter, _args_key(a)))
            if b is None or (recv, stricter, _args_key(a)) in {(_receiver(c), tail(c.callee), _args_key(c)) for c in change.after.calls}:
                continue
            if stricter == "match" and not _regex_receiver(recv):
                continue  # `.match` is a common method name; only a regex-named receiver says regex
            yield make_finding(
                _SPECS[REGEX_METHOD], change, ctx,
                f"`{b.text}` became `{a.text}`: input that only "
                f"{'starts with' if method == 'match' else 'contains'} a match now passes",
                before_line=b.span.line, after_line=a.span.line, evidence_before=b.text, evidence_after=a.text,
                witness=f"before: {stricter} (whole input); after: {method}",
            )
            break


# ---------------------------------------------------------------- path containment by prefix


_IDENT = re.compile(r"[A-Za-z_]\w*")


def _operands(call: Call) -> set[str]:
    """Identifiers a containment test compares: the receiver's and the arguments' names."""
    names = set(_IDENT.findall(_receiver(call))) if tail(call.callee) != "commonpath" else set()
    for arg in call.args:
        names.update(_IDENT.findall(arg.value))
    return names - {"os", "path", "str", "self", "Path", "PurePath", "fspath"}


def _path_prefix_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    b_checks = [c for c in change.before.calls if tail(c.callee) in COMPONENT_CHECKS]
    if not b_checks:
        return
    a_component = [c for c in change.after.calls if tail(c.callee) in COMPONENT_CHECKS]
    a_prefix = [c for c in change.after.calls if tail(c.callee) in STRING_PREFIX_CHECKS]
    b_prefix_keys = {(c.callee, _args_key(c)) for c in change.before.calls if tail(c.callee) in STRING_PREFIX_CHECKS}
    for b in b_checks:
        ops = _operands(b)
        if not ops or any(_operands(c) >= ops for c in a_component):
            continue  # the component test is still applied to these operands
        for a in a_prefix:
            # the callee of `str(p).startswith(..)` is normalised to `str().startswith`: read the text
            if (a.callee, _args_key(a)) in b_prefix_keys or not ops <= set(_IDENT.findall(a.text)):
                continue
            yield make_finding(
                _SPECS[PATH_PREFIX], change, ctx,
                f"`{b.text}` compared path components; `{a.text}` compares strings, so a sibling path "
                f"that shares the prefix (e.g. /srv/app-secrets for /srv/app) now counts as inside",
                before_line=b.span.line, after_line=a.span.line, evidence_before=b.text, evidence_after=a.text,
            )
            return


# ---------------------------------------------------------------- deny/allow character classes


def _pattern_kind(name: str) -> Optional[str]:
    ws = name_words(name)
    if ws & set(DENY_PATTERN_WORDS):
        return "deny"
    if ws & set(ALLOW_PATTERN_WORDS):
        return "allow"
    return None


def _named_patterns(unit: Unit) -> dict[str, tuple[str, int]]:
    """Regex literals by the name they are bound to (`NAME = re.compile(r'...')`)."""
    names_by_line = {s.span.line: s.key for s in unit.settings}
    out: dict[str, tuple[str, int]] = {}
    for lit in unit.literals:
        if lit.kind != "regex" or not lit.items:
            continue
        name = names_by_line.get(lit.span.line)
        if name and _pattern_kind(name):
            out[name] = (lit.items[0], lit.span.line)
    return out


Intervals = tuple[tuple[int, int], ...]


def _normalise(spans: list[tuple[int, int]]) -> Intervals:
    spans.sort()
    out: list[list[int]] = []
    for lo, hi in spans:
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((lo, hi) for lo, hi in out)


def _class_set(items) -> Optional[Intervals]:
    """Code points a `[...]` class matches, as intervals; None when it uses categories (\\d, \\w)."""
    spans: list[tuple[int, int]] = []
    negate = False
    for op, av in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            spans.append((av, av))
        elif name == "RANGE":
            spans.append((av[0], av[1]))
        else:
            return None
    norm = _normalise(spans)
    if not negate:
        return norm
    comp, nxt = [], 0
    for lo, hi in norm:
        if lo > nxt:
            comp.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt < _MAX_CODEPOINT:
        comp.append((nxt, _MAX_CODEPOINT - 1))
    return tuple(comp)


def _shape(seq, classes: list, depth: int = 0):
    """The parse tree with every character class replaced by a placeholder (its set goes to
    `classes`), so two patterns that differ only inside classes have the same shape."""
    if depth > 50:
        raise ValueError("too deep")
    out = []
    for op, av in seq:
        name = str(op)
        if name == "IN":
            classes.append(_class_set(av))
            out.append(("IN",))
        elif isinstance(av, _sre_parse.SubPattern):
            out.append((name, _shape(av, classes, depth + 1)))
        elif isinstance(av, (tuple, list)):
            parts = []
            for x in av:
                if isinstance(x, _sre_parse.SubPattern):
                    parts.append(_shape(x, classes, depth + 1))
                elif isinstance(x, list) and x and all(isinstance(y, _sre_parse.SubPattern) for y in x):
                    parts.append(tuple(_shape(y, classes, depth + 1) for y in x))
                else:
                    parts.append(repr(x))
            out.append((name, tuple(parts)))
        else:
            out.append((name, repr(av)))
    return tuple(out)


def _classes(pattern: str) -> Optional[tuple[object, list]]:
    if len(pattern) > 2000:
        return None
    try:
        classes: list = []
        return _shape(_sre_parse.parse(pattern), classes), classes
    except Exception:  # re.error, recursion, anything a hostile pattern raises: not readable
        return None


def _minus(a: Intervals, b: Intervals) -> list[tuple[int, int]]:
    """Parts of `a` not covered by `b`."""
    out = []
    for lo, hi in a:
        cur = lo
        for blo, bhi in b:
            if bhi < cur or blo > hi:
                continue
            if blo > cur:
                out.append((cur, blo - 1))
            cur = max(cur, bhi + 1)
            if cur > hi:
                break
        if cur <= hi:
            out.append((cur, hi))
    return out


def _describe(spans: list[tuple[int, int]]) -> str:
    shown = []
    for lo, hi in spans[:4]:
        shown.append(repr(chr(lo)) if lo == hi else f"{chr(lo)!r}-{chr(hi)!r}")
    return ", ".join(shown) + (" ..." if len(spans) > 4 else "")


def _char_class_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before = _named_patterns(change.before)
    for name, (a_pat, a_line) in _named_patterns(change.after).items():
        if name not in before or before[name][0] == a_pat:
            continue
        b_pat, b_line = before[name]
        b_read, a_read = _classes(b_pat), _classes(a_pat)
        if b_read is None or a_read is None or b_read[0] != a_read[0]:
            continue  # unreadable, or changed outside its classes (other rules compare those)
        kind = _pattern_kind(name)
        lost: list[tuple[int, int]] = []
        gained: list[tuple[int, int]] = []
        for b_set, a_set in zip(b_read[1], a_read[1]):
            if b_set is None or a_set is None:
                return
            lost += _minus(b_set, a_set)
            gained += _minus(a_set, b_set)
        wrong, right = (lost, gained) if kind == "deny" else (gained, lost)
        if not wrong or right:
            continue
        verb = "no longer matches" if kind == "deny" else "now also matches"
        yield make_finding(
            _SPECS[CHAR_CLASS], change, ctx,
            f"{kind} pattern {name} {verb} {_describe(wrong)}",
            before_line=b_line, after_line=a_line, evidence_before=b_pat, evidence_after=a_pat,
            witness=f"before: {b_pat!r}; after: {a_pat!r}",
        )


@family(FAMILY, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.before is None or change.after is None or change.language != "python":
        return []
    return [
        *_regex_method_findings(change, ctx),
        *_path_prefix_findings(change, ctx),
        *_char_class_findings(change, ctx),
    ]
