"""denylist-narrowed: entries dropped from a deny-list (a block set of class names, header
names, schemes, keys) in Go, Java, JavaScript/TypeScript, and Python sets built by `add`.

A deny-list refuses what it names, so a removed entry is let through from now on: the mirror
image of an allow-list that grew (widened-allowlist, which already reads Python's literal
deny-lists). Three ways a collection is written are read the same way:

- a literal (`[]string{...}`, `map[string]bool{...}`, `List.of(...)`, `new Set([...])`);
- a constant whose value builds a collection from string literals
  (`new HashSet<>(Arrays.asList("a", "b"))`);
- a builder: string literals handed to `add`/`push`/`put` on one receiver in one unit
  (`s.add("...")` lines in a static initialiser), the usual shape of long Java block sets.

What makes a collection a deny-list is its name or a name it flows into in the same file
(`DEFAULT_X = Collections.unmodifiableSet(s)`, `_cfgIllegalClassNames = DEFAULT_X`: one of
the names says deny/block/forbidden/illegal/...), or its use: a refusing guard of the file
tests membership in it. An entry that still occurs as a string elsewhere in the file (moved
to another list, to a prefix table) is not dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Unit
from semdiff.lang.quoted import quoted_strings
from semdiff.model import Finding, Relevance, Severity
from semdiff.rules._catalog2_ir import name_words, new_items, tail
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, scaled_severity, units_in_file

RULE_ID = "denylist-narrowed"

# a name is a deny-list when one of its identifier words is here (and none of ALLOW_WORDS is);
# "exclude" is not one: an exclusion from a protection (csrfExcludedPaths) is an allow-list;
# nor is a bare "block": HTML block elements (blockTags) are no deny-list
DENY_WORDS = frozenset({
    "deny", "denied", "denylist", "blocked", "blocklist", "blacklist", "blacklisted", "forbidden",
    "banned", "disallow", "disallowed", "reject", "rejected", "illegal", "unsafe", "dangerous", "insecure",
    "prohibited",
})
ALLOW_WORDS = frozenset({"allow", "allowed", "allowlist", "whitelist", "safe", "trusted", "permitted", "accepted"})
# methods that put one entry into a collection held by their receiver
BUILDER_METHODS = frozenset({"add", "push", "put", "append", "addElement"})
# membership tests a refusing guard applies to a deny-list
_MEMBERSHIP = r"(?:\.(?:contains|containsKey|has|includes|get|indexOf)\s*\(|\[)"
# languages whose literal and constant deny-lists this module reads (Python's are
# widened-allowlist's; Python builders are read here)
LITERAL_LANGUAGES = frozenset({"go", "java", "javascript", "typescript"})
_NEGATED = re.compile(r"!(?!=)|\bnot\s|==\s*false\b|===?\s*-1\b|<\s*0\b")
_COLLECTION_VALUE = re.compile(r"(?:\bof\s*\(|asList\s*\(|Set\s*[<(]|List\s*[<(]|Map\s*[<(]|\[|\{)")
# `wrap(name)`, `new X<>(name)`, `name`: the one name a binding's value stands for
_SINGLE_NAME = re.compile(r"^(?:(?:new\s+)?[\w.$]+(?:<[^()]*>)?\s*\(\s*)*([A-Za-z_$][\w.$]*)\s*(?:\)\s*)*;?$")

RULES = (
    RuleSpec(
        RULE_ID, "Deny-list narrowed", Severity.MEDIUM,
        "String entries dropped from a deny-list: a literal or constant collection, or a set filled by add/push/put "
        "calls, whose name (or a name it is assigned to in the same file) says deny/block/forbidden/illegal/unsafe, "
        "or that a refusing guard tests membership in. The dropped entries are let through from now on.",
        (
            Example('var blockedHeaders = map[string]bool{"Proxy": true, "Host": true}\n',
                    'var blockedHeaders = map[string]bool{"Host": true}\n', True, "entry dropped"),
            Example('var blockedHeaders = map[string]bool{"Host": true}\n',
                    'var blockedHeaders = map[string]bool{"Proxy": true, "Host": true}\n', False, "deny-list grew"),
            Example('var supportedHeaders = map[string]bool{"Proxy": true, "Host": true}\n',
                    'var supportedHeaders = map[string]bool{"Host": true}\n', False, "not a deny-list"),
        ),
        languages=("go", "java", "javascript", "python", "typescript"),
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "pkg/headers.go"}


@dataclass(frozen=True)
class Collection:
    name: str
    line: int
    text: str
    items: tuple[str, ...]
    # a builder's (line, call text) per item; a literal's entries share its line and text
    calls: tuple[tuple[int, str], ...] = ()

    def site_of(self, item: str) -> tuple[int, str]:
        for i, site in zip(self.items, self.calls):
            if i == item:
                return site
        return self.line, self.text


def _quoted(text: str) -> list[str]:
    return [q.body for q in quoted_strings(text)]


def _collections(unit: Optional[Unit]) -> dict[str, Collection]:
    """The string collections a unit writes, by name (literal, constant, or builder receiver)."""
    if unit is None:
        return {}
    out: dict[str, Collection] = {}
    if unit.language in LITERAL_LANGUAGES:
        for lit in unit.literals:
            if lit.kind not in ("list", "set", "tuple", "dict-keys") or not lit.target:
                continue
            strings = set(_quoted(lit.text))
            items = tuple(i for i in lit.items if i in strings)
            if items:
                out.setdefault(lit.target, Collection(lit.target, lit.span.line, lit.text, items))
        for s in unit.settings:
            if s.scope not in ("assignment", "field") or s.key in out or not _COLLECTION_VALUE.search(s.value):
                continue
            items = tuple(_quoted(s.text))
            if items:
                out[s.key] = Collection(s.key, s.span.line, s.text, items)
    built: dict[str, list] = {}
    for c in unit.calls:
        if "." not in c.callee or tail(c.callee) not in BUILDER_METHODS or not c.positional:
            continue
        first = c.positional[0]
        if isinstance(first.literal, str) and first.literal:
            built.setdefault(c.callee.rsplit(".", 1)[0], []).append((c, first.literal))
    for receiver, calls in built.items():
        if receiver not in out:
            first = calls[0][0]
            out[receiver] = Collection(receiver, first.span.line, first.text, tuple(v for _c, v in calls),
                                       tuple((c.span.line, c.text) for c, _v in calls))
    return out


def _bindings(unit: Unit) -> list[tuple[str, str]]:
    """(bound name, the one name its value stands for) of each binding of the unit."""
    out = []
    for key, text in [(s.key, s.value) for s in unit.settings] + [(l.target, l.text) for l in unit.literals]:
        value = text.split("=", 1)[1] if "=" in text and not text.lstrip().startswith(("new ", "[", "{")) else text
        m = _SINGLE_NAME.match(value.strip())
        if key and m and m.group(1) != key:
            out.append((key, m.group(1)))
    return out


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _aliases(name: str, unit: Unit, file_units: list[Unit]) -> set[str]:
    """`name` and the names it is bound to or bound from: one step inside its own unit (a
    builder's local), then up to two steps across the file."""
    seen = {_last(name)}
    for key, value in _bindings(unit):
        if _last(value) in seen or _last(key) in seen:
            seen |= {_last(key), _last(value)}
    file_edges = [edge for u in file_units for edge in _bindings(u)]
    for _ in range(2):
        grown = set(seen)
        for key, value in file_edges:
            if _last(value) in seen or _last(key) in seen:
                grown |= {_last(key), _last(value)}
        if grown == seen:
            break
        seen = grown
    return seen


def _deny_named(names: Iterable[str]) -> Optional[str]:
    for n in sorted(names):
        ws = name_words(n)
        if ws & DENY_WORDS and not ws & ALLOW_WORDS:
            return n
    return None


def _refusing_use(names: set[str], file_units: list[Unit]) -> Optional[str]:
    """The first line of a refusing guard of the file that tests membership in one of `names`."""
    pats = [re.compile(r"(?<![\w$])" + re.escape(n) + r"\s*" + _MEMBERSHIP) for n in names if len(n) > 1]
    pats += [re.compile(r"\bin\s+(?:[\w$]+\.)*" + re.escape(n) + r"\b") for n in names if len(n) > 1]
    for u in file_units:
        for g in u.guards:
            if not g.action.denies:
                continue  # `if (blockTags.contains(t)) return layout(t)`: a branch, not a refusal
            head = g.text.strip().splitlines()[0] if g.text.strip() else ""
            if _NEGATED.search(head):
                continue  # `if (!ALLOWED.contains(x))`, `not in`, `!ok`: refusing what is missing is an allow-list
            if any(p.search(head) for p in pats):
                return head if len(head) <= 90 else head[:87] + "..."
    return None


def _still_in_file(item: str, file_units: list[Unit]) -> bool:
    quoted = [f'"{item}"', f"'{item}'", f"`{item}`"]
    return any(q in u.text for u in file_units for q in quoted)


_BRACES = re.compile(r"\{([^{}]*,[^{}]*)\}")
_MAX_EXPANSIONS = 256


def _expansions(item: str) -> frozenset[str]:
    """The names a glob entry with brace alternatives stands for (`*.{crt,pem}` -> `*.crt`,
    `*.pem`); the entry itself when it has none (or too many to spell out)."""
    out = [item]
    while True:
        grown = []
        for x in out:
            m = _BRACES.search(x)
            if m is None:
                grown.append(x)
                continue
            grown.extend(x[:m.start()] + alt + x[m.end():] for alt in m.group(1).split(","))
        if grown == out:
            return frozenset(out)
        if len(grown) > _MAX_EXPANSIONS:
            return frozenset({item})
        out = grown


def _still_covered(item: str, items: Iterable[str]) -> bool:
    """Does an entry of the new list still name everything `item` named (`*.{crt,pem}` ->
    `*.{crt,pem,key}`: the alternatives grew)? Only brace alternatives are spelled out;
    anything else must be kept as written."""
    if "{" not in item:
        return False
    names = _expansions(item)
    now: set[str] = set()
    for other in items:
        if "{" in other:
            now |= _expansions(other)
    return names <= now


def _file_units(units: Mapping[tuple[str, str], object], path: str) -> list[Unit]:
    return [u for u in units_in_file(units, path) if isinstance(u, Unit)]


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    if before is None or after is None:
        return []
    b_cols, a_cols = _collections(before), _collections(after)
    if not b_cols:
        return []
    file_units: Optional[list[Unit]] = None
    out: list[Finding] = []
    for name, b in b_cols.items():
        a = a_cols.get(name)
        if a is None or a.items == b.items:
            continue  # a collection that is gone entirely is another rule's business
        dropped = new_items(a.items, b.items, key=lambda i: i)
        if not dropped:
            continue
        if file_units is None:
            file_units = _file_units(ctx.after_units, after.path) or [after]
        dropped = [d for d in dict.fromkeys(dropped) if not _still_in_file(d, file_units) and not _still_covered(d, a.items)]
        if not dropped:
            continue
        names = _aliases(name, after, file_units)
        why_name = _deny_named(names)
        why_use = None if why_name else _refusing_use(names, file_units)
        if why_name is None and why_use is None:
            continue
        reason = (f"it is a deny-list by name (`{why_name}`)" if why_name
                  else f"a refusing guard tests membership in it: `{why_use}`")
        rel = ctx.relevance(change)
        if rel.score < 0.8:
            rel = Relevance(rel.category if rel.category != "none" else "validation", 0.8,
                            rel.why_path or (change.qualname,), rel.reason or reason)
        b_line, b_text = b.site_of(dropped[0])
        shown = ", ".join(repr(d) for d in dropped[:4]) + (f" and {len(dropped) - 4} more" if len(dropped) > 4 else "")
        out.append(make_finding(
            SPEC, change, ctx,
            f"deny-list `{name}` narrowed: {shown} no longer refused ({reason})",
            # a builder's entry is gone from after: nothing there to point at
            before_line=b_line, after_line=None if b.calls else a.line,
            evidence_before=b_text, evidence_after="" if b.calls else a.text,
            witness=f"removed: {', '.join(dropped)}",
            severity=scaled_severity(SPEC.severity, rel), relevance=rel,
        ))
    return out
