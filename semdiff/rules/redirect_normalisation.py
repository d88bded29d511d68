r"""redirect-normalisation-removed: a redirect target is no longer normalised before it is sent.

Open redirects in Python, JavaScript/TypeScript, Go and Java are usually closed by rewriting the target
in place just before the redirect, not by a check that denies: backslashes encoded or turned
into `/` (`url = url.replace(/\\/g, '%5C')`, `path = strings.ReplaceAll(path, "\\", "/")`),
leading slashes collapsed (`path = "/" + strings.Trim(path, "/")`), so `//evil.example` and
`/\\evil.example` cannot leave the site. Nothing is denied, so the guard rules do not see such a
line go. This family reads the unit's own text:

* the unit redirects (`redirect`, `http.Redirect`, `sendRedirect`, `res.location`, or sets the
  `Location` header) to a variable `v`, before and after;
* a changed line of the old unit re-assigned `v` from itself through a rewriting step
  (`replace`/`replaceAll`/`strings.ReplaceAll`/`strings.Trim*`/`TrimLeft`/`path.Clean`/`normalize`);
* no line of the new unit re-assigns `v` through such a step any more (the same step, reworded
  or moved, or a new helper `v = clean(v)`, keeps it silent).

A step whose pattern is anchored at the start and collapses slashes or backslashes
(`path = re.sub("^//+", "/", path)`, `value = value.replace(/^(\w+:)?\s*[\\/]\s*[\\/]/, '$1//')`) is
the protocol-relative-URL fix itself: it is reported when `v` is still used after the removed
line, whatever reads it next (a later redirect built from a lookup, a hostname check). The same
holds for the fix written as a test plus a rewrite (`if v.startswith("//"): v = "/%2f" + v[2:]`),
and for a URL-like value's tab/CR/LF stripping (`v = v.replace("\t", "")...`): URL parsers drop
those characters later, so a `//` or scheme test made on the unstripped value is bypassed.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Unit
from semdiff.model import Finding, Severity
from semdiff.rules._catalog2_ir import mentions, unit_lines
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding
from semdiff.rules._triggers import Trigger

FAMILY = "redirect-normalisation-removed"
# (Python reads the same: `re.sub` is a rewriting step below)
LANGS = ("python", "javascript", "typescript", "go", "java")

# a redirect sink by the callee's last name, or a Location header being set
_SINK_CALL = re.compile(r"(?<![\w$])(?:redirect|Redirect|sendRedirect|location)\s*\(")
_LOCATION_HEADER = re.compile(r"""(?i)(?:set|setHeader|header|Set|Add|addHeader)\s*\(\s*(['"`])location\1\s*,""")
# `v = <rhs>` / `v := <rhs>` / `const v = <rhs>`
_ASSIGN = re.compile(r"^\s*(?:(?:const|let|var|final\s+\w+|String)\s+)?(?P<v>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*:?=(?!=)\s*(?P<rhs>.+?);?\s*$")
# a rewriting step over the value
_REWRITE = re.compile(
    r"\.replace(?:All)?\(|strings\.(?:ReplaceAll|Replace|Trim|TrimLeft|TrimPrefix)\(|path\.Clean\(|"
    r"filepath\.Clean\(|\.normalize\(|(?<![\w$.])normalize\(|[Ss]anitize\w*\(|[Cc]lean\w*\(|(?<![\w$])re\.subn?\(|"
    r"\.lstrip\(\s*[rb]?['\"][/\\]")
# a rewrite anchored at the start that collapses leading slashes/backslashes (`^//+`, `^\/+`,
# `^(\w+:)?\s*[\\/]\s*[\\/]`, `^[/\\]+`): what keeps `//evil.example` from being a host
_LEADING_SLASHES = re.compile(r"\^.{0,30}?(?://|\[\\\\/\]|\[/\\\\\]|\\\\\\\\|\\/\+|(?<!\\)/\+)"
                             # Python: `"/" + v.lstrip("/")` strips every leading slash (and backslash)
                             r"""|\.lstrip\(\s*[rb]?['"][/\\]""")
# `if v.startswith("//"):` (or `/\\`, `\\\\`) whose body re-assigns `v` from itself: the same
# leading-slash neutralisation written as a test plus a rewrite (`v = f"/%2f{v[2:]}"`)
# `check` needs a before line with a _REWRITE match (`removed`) or a _SLASH_TEST match
# (`guarded`); each alternative of those patterns contains one of these words
# (case-sensitive, as the patterns): the family's trigger (semdiff.rules._triggers)
TRIGGER = Trigger(words=(".replace", "strings.", "Clean(", "normalize(", "anitize", "lean", "re.sub", ".lstrip(", "startswith"))
_SLASH_TEST = re.compile(r"""^\s*if\s+(?P<v>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\.startswith\(\s*\(?\s*[rb]?(['"])(?://|/\\\\|\\\\\\\\)""")
# a rewrite deleting tab/CR/LF/NUL (`v.replace("\\t", "")`, `re.sub(r"[\\t\\r\\n]", "", v)`): URL
# parsers drop those characters, so a scheme or `//` test made on the unstripped value can be
# bypassed by embedding them (`/\t/evil.example`)
_CONTROL_STRIP = re.compile(r"""\.replace\(\s*[rb]?(['"])\\(?:t|r|n|x00|0)\1\s*,\s*(['"])\2|re\.subn?\(\s*[rb]?(['"])[^'"]*\\[trn]""")
_URLISH = re.compile(r"(?i)url|uri|location|redirect|next|target|href|link")

_JS_BEFORE = ("function go(res, url) {\n  url = url.replace(/\\\\/g, '%5C')\n"
              "  res.setHeader('Location', encodeURI(url))\n  res.statusCode = 302\n}\n")
_JS_AFTER = "function go(res, url) {\n  res.setHeader('Location', encodeURI(url))\n  res.statusCode = 302\n}\n"

RULES = (
    RuleSpec(
        FAMILY, "Redirect target no longer normalised", Severity.MEDIUM,
        "A line that rewrote a redirect target in place (backslashes encoded or turned into '/', leading "
        "slashes collapsed, the path cleaned) is gone while the unit still redirects to that value: "
        "`//evil.example` or `/\\evil.example` now leaves the site (open redirect). A rewrite anchored at the start "
        "that collapses leading slashes/backslashes (`re.sub('^//+', '/', path)`, `\"/\" + v.lstrip(\"/\")`, "
        "`if v.startswith('//'): v = ...`), or the stripping of tab/CR/LF from a URL-like value, is reported whenever the value is "
        "still used after it (a later redirect, urljoin or host check reads it).",
        (Example(_JS_BEFORE, _JS_AFTER, True),
         Example(_JS_BEFORE, _JS_BEFORE.replace("url = url.replace(/\\\\/g, '%5C')", "url = url.replaceAll('\\\\', '%5C')"),
                 False, "same step reworded")),
        languages=LANGS, intrinsic="redirect",
    ),
)
SPEC = {r.id: r for r in RULES}
EXAMPLE_PATHS = {FAMILY: "lib/response.js"}


def _squash(text: str) -> str:
    return "".join(text.split())


def _sink_lines(unit: Unit, var: str) -> list[int]:
    """Lines that redirect to `var`: the sink call or Location header names it, or names a
    variable built from it one step earlier (`target := fmt.Sprintf("//%s%s", host, path)`).
    The unit's own first line (`redirect (url) {`) is its signature, not a redirect."""
    names = {var}
    for _ln, text in unit_lines(unit):
        m = _ASSIGN.match(text)
        if m and m.group("v") != var and mentions(m.group("rhs"), var):
            names.add(m.group("v"))
    out = []
    for ln, text in unit_lines(unit)[1:]:
        if (_SINK_CALL.search(text) or _LOCATION_HEADER.search(text)) and any(mentions(text, n) for n in names):
            out.append(ln)
    return out


def _rewrites(unit: Unit, lines: Optional[Iterable[int]] = None) -> dict[str, list[tuple[int, str]]]:
    """Self re-assignments through a rewriting step, by variable: `v = v.replace(...)`."""
    wanted = set(lines) if lines is not None else None
    out: dict[str, list[tuple[int, str]]] = {}
    for ln, text in unit_lines(unit):
        if wanted is not None and ln not in wanted:
            continue
        m = _ASSIGN.match(text)
        if not m:
            continue
        var, rhs = m.group("v"), m.group("rhs")
        if mentions(rhs, var) and _REWRITE.search(rhs):
            out.setdefault(var, []).append((ln, text))
    return out


def _guarded_slash_rewrites(unit: Unit, lines: Iterable[int]) -> dict[str, list[tuple[int, str]]]:
    """`if v.startswith("//"):` followed by `v = <from v>` on one of `lines`: the pair, keyed by
    `v`, as (line of the re-assignment, the test and the re-assignment joined)."""
    wanted = set(lines)
    rows = unit_lines(unit)
    out: dict[str, list[tuple[int, str]]] = {}
    for i, (ln, text) in enumerate(rows[:-1]):
        t = _SLASH_TEST.match(text)
        if not t:
            continue
        nxt_ln, nxt = rows[i + 1]
        m = _ASSIGN.match(nxt)
        if nxt_ln in wanted and m and m.group("v") == t.group("v") and mentions(m.group("rhs"), t.group("v")):
            out.setdefault(t.group("v"), []).append((nxt_ln, f"{text.strip()} {nxt.strip()}"))
    return out


def _rewrites_at(unit: Unit, lines: list[int]) -> int:
    return sum(len(_REWRITE.findall(unit_lines(unit)[ln - unit.span.line][1])) for ln in lines)


def _later_use(unit: Unit, var: str, start: int, ctx: RuleContext) -> Optional[int]:
    """First line at or after `start` (where the removed step stood) that reads `var`, unless that
    read passes it through a rewriting step or a helper that collapses leading slashes
    (`res.redirect(sanitizeRedirect(target))`): the normalisation moved, it did not go."""
    for ln, text in unit_lines(unit):
        if ln < start or not mentions(text, var):
            continue
        m = _ASSIGN.match(text)
        if m and m.group("v") == var and not mentions(m.group("rhs"), var):
            continue  # (re-)bound here, not read
        if _REWRITE.search(text) or _collapsing_helper_on(text, ctx):
            return None
        return ln
    return None


def _collapsing_helper_on(text: str, ctx: RuleContext) -> bool:
    called = set(re.findall(r"([A-Za-z_$][\w$]*)\s*\(", text))
    return any(getattr(u, "name", None) in called and _LEADING_SLASHES.search(getattr(u, "text", "") or "")
               for u in list(ctx.after_units.values()))


@family(FAMILY, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    if before is None or after is None or change.language not in LANGS or not change.touched_before:
        return []
    removed = _rewrites(before, change.touched_before)
    guarded = _guarded_slash_rewrites(before, change.touched_before)
    if not removed and not guarded:
        return []
    kept = _rewrites(after)
    out: list[Finding] = []
    out.extend(_test_and_rewrite_removed(change, ctx, guarded, before, after))
    out.extend(_control_strip_removed(change, ctx, removed, before, after, kept))
    for var, sites in removed.items():
        if var in kept and len(kept[var]) >= len(_rewrites(before).get(var, [])):
            continue  # still rewritten as often (reworded, moved, or a helper took its place)
        after_flat = _squash(after.text)
        gone = [(ln, text) for ln, text in sites if _squash(text) not in after_flat]
        slashes = [(ln, text) for ln, text in gone if _LEADING_SLASHES.search(text)]
        # as many leading-slash collapses of `v` as before: one reworded or moved, none gone
        collapses = lambda rows: sum(1 for _l, t in rows if _LEADING_SLASHES.search(t))  # noqa: E731
        if slashes and collapses(kept.get(var, [])) < collapses(_rewrites(before).get(var, [])):
            ln, text = slashes[0]
            removed_above = sum(1 for x in change.touched_before if before.span.line <= x < ln)
            use = _later_use(after, var, after.span.line + (ln - before.span.line) - removed_above, ctx)
            if use is not None:
                out.append(make_finding(
                    SPEC[FAMILY], change, ctx,
                    f"`{text.strip()}` removed: `{var}` now reaches line {use} with its leading slashes/backslashes "
                    f"uncollapsed (`//host` or `/\\host` reads as another site)",
                    before_line=ln, after_line=use, evidence_before=text.strip(),
                    evidence_after=unit_lines(after)[use - after.span.line][1].strip(),
                ))
                continue
        if not gone or not _sink_lines(before, var):
            continue
        sinks = _sink_lines(after, var)
        if not sinks:
            continue  # the unit no longer redirects to that value
        if _rewrites_at(after, sinks) > _rewrites_at(before, _sink_lines(before, var)):
            continue  # the rewriting moved into the redirect call itself: `res.redirect(clean(url))`
        ln, text = gone[0]
        out.append(make_finding(
            SPEC[FAMILY], change, ctx,
            f"`{text.strip()}` removed: `{var}` now reaches the redirect on line {sinks[0]} without that rewriting",
            before_line=ln, after_line=sinks[0], evidence_before=text.strip(),
            evidence_after=unit_lines(after)[sinks[0] - after.span.line][1].strip(),
        ))
    return out


def _after_line_of(change: UnitChange, before: Unit, after: Unit, ln: int) -> int:
    """Where line `ln` of the old unit would stand in the new one (removed lines above it skipped)."""
    removed_above = sum(1 for x in change.touched_before if before.span.line <= x < ln)
    return after.span.line + (ln - before.span.line) - removed_above


def _test_and_rewrite_removed(change: UnitChange, ctx: RuleContext, guarded, before: Unit, after: Unit) -> list[Finding]:
    """`if v.startswith("//"): v = ...` removed while `v` is still read after it."""
    out: list[Finding] = []
    kept = _guarded_slash_rewrites(after, [ln for ln, _t in unit_lines(after)])
    for var, sites in guarded.items():
        if var in kept or any(_LEADING_SLASHES.search(t) for _l, t in _rewrites(after).get(var, [])):
            continue  # still neutralised (reworded, or collapsed by an anchored rewrite)
        ln, text = sites[0]
        use = _later_use(after, var, _after_line_of(change, before, after, ln), ctx)
        if use is None:
            continue
        out.append(make_finding(
            SPEC[FAMILY], change, ctx,
            f"`{text}` removed: `{var}` now reaches line {use} with a leading `//` kept "
            f"(`//host` reads as another site)",
            before_line=ln - 1, after_line=use, evidence_before=text,
            evidence_after=unit_lines(after)[use - after.span.line][1].strip(),
        ))
    return out


def _self_rebinds(unit: Unit, var: str) -> int:
    """Lines re-binding `var` from itself through some call (`v = v.replace(...)`, `v = clean(v)`)."""
    n = 0
    for _ln, text in unit_lines(unit):
        m = _ASSIGN.match(text)
        if m and m.group("v") == var and mentions(m.group("rhs"), var) and "(" in m.group("rhs"):
            n += 1
    return n


def _control_strip_removed(change: UnitChange, ctx: RuleContext, removed, before: Unit, after: Unit, kept) -> list[Finding]:
    """A URL-like value's tab/CR/LF stripping removed while the value is still read after it."""
    out: list[Finding] = []
    for var, sites in removed.items():
        strips = [(ln, t) for ln, t in sites if _CONTROL_STRIP.search(t)]
        if not strips or not (_URLISH.search(var) or _URLISH.search(before.name)):
            continue
        if any(_CONTROL_STRIP.search(t) for _l, t in kept.get(var, [])):
            continue  # still stripped
        if _self_rebinds(after, var) >= _self_rebinds(before, var):
            continue  # `v = strip_controls(v)`: the stripping moved into a helper
        ln, text = strips[0]
        if _squash(text) in _squash(after.text):
            continue
        use = _later_use(after, var, _after_line_of(change, before, after, ln), ctx)
        if use is None:
            continue
        out.append(make_finding(
            SPEC[FAMILY], change, ctx,
            f"`{text.strip()}` removed: `{var}` now reaches line {use} with tab/CR/LF kept; URL parsers drop "
            "those characters, so a scheme or `//` test on the unstripped value can be bypassed (`/\\t/evil.example`)",
            before_line=ln, after_line=use, evidence_before=text.strip(),
            evidence_after=unit_lines(after)[use - after.span.line][1].strip(),
        ))
    return out
