"""path-confinement-removed: a file path built from input is no longer kept inside its directory.

Two idioms of JavaScript/TypeScript, Go and Java confine an attacker-named file, and neither
*denies* anything, so the guard rules cannot see them go:

* basename-unwrapped: the name was reduced to its last component before it was joined to a
  directory (`filepath.Join(dir, filepath.Base("s_" + id))`, `path.join(root, path.basename(name))`,
  `FilenameUtils.getName(name)`), and now the same expression is used bare: `../../etc/passwd`
  walks out of the directory. Only an unwrapped argument counts - the argument text must now
  appear on a changed line of the same unit, and no basename call of the new code may still
  wrap it (a call moved to another line, or swapped for another basename helper, is silent).
* prefix-separator-dropped: a containment test compares a path's prefix with the root, and the
  root used to end with a separator (`root + sep`, `base + File.separator`,
  `root + string(os.PathSeparator)`, `dir + '/'`). Without it `/srv/app` is a prefix of
  `/srv/app-secrets/key`: the classic partial path traversal (CVE-2014-6394 in `send`, many Java
  `getCanonicalPath().startsWith(root)` advisories). Reported only when the unit still runs a
  prefix test (startsWith / HasPrefix / indexOf(..) === 0 / substr(0, ..)) that names the root.

* normaliser-unwrapped: a root-anchored normalisation (`filepath.Clean("/"+name)`,
  `path.posix.normalize('/' + p)`, `Paths.get("/" + p).normalize()` is not read) or a helper named
  for stripping/normalising a path or URL (`stripRequestFragment(uri)`, `normalizeUrlPath(p)`,
  `cleanSlashes(p)`) was unwrapped: its argument is now used bare on a changed line. Cleaning
  `"/"+name` first is what keeps `../` inside the directory a later Join adds; a stripped
  fragment/slash is what a later path match or access rule compares. An unanchored Clean (a
  linter's `os.Open(filepath.Clean(p))`) confines nothing and is not read; helpers that clean up
  data or resources (`cleanupTempPath`, `stripPathEntries`) are not normalisers; sanitise/escape
  helpers are escaping-removed's. A function of the same file whose body normalises a path and
  strips `..` components (`canonical(p)`) counts as a normaliser whatever its name, and so does a
  JavaScript `u.replace(/^\\/+/, '/')` collapsing a run of slashes (`//host` read as a host).

Python is left to injection-opened (os.path.basename, secure_filename, safe_join).
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Call, Unit
from semdiff.model import Finding, Severity
from semdiff.relevance.names import words
from semdiff.rules._catalog2_ir import callee_is, unit_line
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

FAMILY = "path-confinement-removed"
BASENAME = f"{FAMILY}/basename-unwrapped"
PREFIX_SEP = f"{FAMILY}/prefix-separator-dropped"
NORMALISER = f"{FAMILY}/normaliser-unwrapped"
LANGS = ("javascript", "typescript", "go", "java")

# calls that keep only a path's last component, by exact callee or dotted tail
BASENAME_CALLS = (
    "filepath.Base", "path.Base",  # Go
    "path.basename", "path.posix.basename", "path.win32.basename", "basename",  # Node
    "FilenameUtils.getName", "FilenameUtils.getBaseName", "getFileName",  # Java (commons-io, java.nio Path)
)
# a basename step still on the line, in any form (`Paths.get(n).getFileName()`, `path.win32.basename(n)`)
_BASENAME_ON_LINE = re.compile(r"(?<![\w$])(?:Base|basename|getName|getBaseName|getFileName)\s*\(")
# a separator appended to a root: `+ sep`, `+ path.sep`, `+ '/'`, `+ File.separator`, Go's string(os.PathSeparator)
_SEP = (r"(?:path\.sep|sep|File\.separator|File\.separatorChar|'/'|\"/\"|`/`|'\\\\'|\"\\\\\\\\\"|"
        r"string\((?:os|filepath)\.(?:PathSeparator|Separator)\)|FileSystems\.getDefault\(\)\.getSeparator\(\))")
_ROOT_PLUS_SEP = re.compile(r"(?P<root>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*(?:\([^()]*\))?)\s*\+\s*" + _SEP + r"(?![\w$.(])")
# a prefix test: startsWith / HasPrefix / indexOf(..) === 0 / substr|slice|substring(0, ..)
# a prefix test against a bare name or member (no separator appended): `p.startsWith(dir)`, `strings.HasPrefix(p, dir)`
_BARE_PREFIX_TEST = re.compile(r"\.startsWith\(\s*[A-Za-z_$][\w$.]*\s*\)|HasPrefix\([^,()]+,\s*[A-Za-z_$][\w$.]*\s*\)")
_PREFIX_TEST = re.compile(r"startsWith\(|HasPrefix\(|indexOf\([^)]*\)\s*[!=]==?\s*0|\.(?:substr|slice|substring)\(\s*0\s*,")

# path normalisers: they confine only a root-anchored argument ("/" + name)
NORMALISER_CALLS = ("filepath.Clean", "path.Clean", "path.normalize", "path.posix.normalize", "posix.normalize",
                    "FilenameUtils.normalize", "Paths.normalize")
_ANCHORED = re.compile(r"""^(["'`])[/\\]+\1\+(?P<rest>.+)$""")
# a helper named for stripping/normalising a path or URL (`stripRequestFragment`, `normalizePath`)
NORMALISE_VERBS = frozenset({"strip", "normalize", "normalise", "clean", "canonicalize", "canonicalise"})
NORMALISE_OBJECTS = frozenset({"path", "url", "uri", "fragment", "slash", "slashes", "dots"})
# ... but not one that cleans up data or resources (`cleanupTempPath`, `stripPathEntries`)
DATA_WORDS = frozenset({"up", "cleanup", "entries", "entry", "rows", "row", "records", "items", "list", "cache",
                        "temp", "tmp", "files", "dirs", "old", "stale", "paths", "urls"})

_BN_BEFORE = ('package store\n\nimport "path/filepath"\n\n'
              'func (s *Store) file(id string) string {\n\treturn filepath.Join(s.dir, filepath.Base("s_"+id))\n}\n')
_BN_AFTER = _BN_BEFORE.replace('filepath.Base("s_"+id)', '"s_"+id')
_PS_BEFORE = ("function inside(root, p) {\n  root = normalize(root + sep)\n"
              "  return normalize(p).substr(0, root.length) === root\n}\n")
_PS_AFTER = _PS_BEFORE.replace("root + sep", "root")

RULES = (
    RuleSpec(
        BASENAME, "Path no longer reduced to its file name", Severity.HIGH,
        "A basename call (Go filepath.Base/path.Base, Node path.basename, Java FilenameUtils.getName / "
        "Path.getFileName) was unwrapped: the same expression is now used bare where the file name was, so a "
        "name with `../` reaches outside the directory (path traversal).",
        (Example(_BN_BEFORE, _BN_AFTER, True), Example(_BN_AFTER, _BN_BEFORE, False, "basename added")),
        languages=LANGS, intrinsic="injection",
    ),
    RuleSpec(
        PREFIX_SEP, "Containment prefix lost its separator", Severity.HIGH,
        "The root a path's prefix is compared with no longer ends with a separator (`root + sep` -> `root`, "
        "`base + File.separator` -> `base`) while the unit still runs the prefix test (startsWith, HasPrefix, "
        "substr(0, root.length)): `/srv/app-secrets` now passes as inside `/srv/app` (partial path traversal).",
        (Example(_PS_BEFORE, _PS_AFTER, True), Example(_PS_AFTER, _PS_BEFORE, False, "separator added")),
        languages=LANGS, intrinsic="injection",
    ),
)
_NU_BEFORE = ('package store\n\nimport "path/filepath"\n\n'
              'func (s *Store) file(name string) string {\n\treturn filepath.Join(s.dir, filepath.Clean("/"+name))\n}\n')
_NU_AFTER = _NU_BEFORE.replace('filepath.Clean("/"+name)', 'name')
RULES = RULES + (
    RuleSpec(
        NORMALISER, "Path or URL no longer normalised", Severity.HIGH,
        "A root-anchored normalisation (Go filepath.Clean(\"/\"+name), Node path.normalize('/' + p), commons-io "
        "FilenameUtils.normalize) or a helper named for stripping/normalising a path or URL (stripRequestFragment, "
        "normalizePath, cleanSlashes), or a function of the file that normalises a path and strips `..` components, "
        "was unwrapped: its argument is now used bare, so `../` escapes the directory a "
        "later join adds, or a fragment/trailing slash slips past the path match an access rule makes (a helper "
        "unwrapped is medium).",
        (Example(_NU_BEFORE, _NU_AFTER, True),
         Example(_NU_BEFORE.replace('"/"+name', "name"), _NU_AFTER, False, "unanchored Clean confines nothing")),
        languages=LANGS, intrinsic="injection",
    ),
)
SPEC = {r.id: r for r in RULES}
EXAMPLE_PATHS = {BASENAME: "store/store.go", PREFIX_SEP: "lib/inside.js", NORMALISER: "store/store.go"}


def _squash(text: str) -> str:
    return "".join(text.split())


def _is_basename(call: Call) -> bool:
    return bool(callee_is(call.callee, BASENAME_CALLS)) and len(call.positional) == 1


def _arg(call: Call) -> str:
    return _squash(call.positional[0].text if call.positional[0].text else call.positional[0].value)


def _basename_unwrapped(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    still = {_arg(c) for c in after.calls if _is_basename(c)}
    seen: set[str] = set()
    for call in before.calls:
        if not _is_basename(call) or call.positional[0].literal is not None:
            continue
        arg = _arg(call)
        if arg in still or arg in seen or len(arg) < 2 or call.span.line not in change.touched_before:
            continue
        # the bare argument now sits on a changed line, and no longer inside any basename call
        where = next((ln for ln in change.touched_after
                      if arg in _outside_splitters(_squash(unit_line(after, ln)), arg)
                      and _squash(call.text) not in _squash(unit_line(after, ln))
                      and not _BASENAME_ON_LINE.search(unit_line(after, ln))
                      and not _wrapped_by_helper(after, ln, arg, ctx)), None)
        if where is None:
            continue
        seen.add(arg)
        yield make_finding(
            SPEC[BASENAME], change, ctx,
            f"{call.callee}({arg}) removed: `{arg}` is now used as a path without being reduced to its file name",
            before_line=call.span.line, after_line=where,
            evidence_before=unit_line(before, call.span.line).strip(), evidence_after=unit_line(after, where).strip(),
        )


# calls that take a path apart rather than use it: its directory part (`path.Dir(n)`,
# `path.dirname(n)`, `p.getParent()` is a method and not read), its extension
_SPLITTER = r"(?<![\w$])(?:[\w$]+\.)*(?:Dir|dirname|Ext|extname|getExtension|getFullPath)\("


def _outside_splitters(squashed: str, arg: str) -> str:
    """The line without the calls that only take `arg` apart (`path.Dir(name)`): the name's
    directory is not the name used as a path, so a basename step it lost is not unwrapped
    there (`for dir, base := path.Dir(n), path.Base(n)` -> `dir := path.Dir(n)`)."""
    return re.sub(_SPLITTER + re.escape(arg) + r"\)", "", squashed)


def _wrapped_by_helper(after: Unit, line: int, arg: str, ctx: RuleContext) -> bool:
    """`safeName(name)` on the line, and a function of that name in the change reduces its input
    with a basename call (or is named as a sanitiser): the check moved into a helper."""
    for c in after.calls:
        if c.span.line != line or len(c.positional) != 1 or _arg(c) != arg or _is_basename(c):
            continue
        name = c.callee.rsplit(".", 1)[-1]
        if re.search(r"(?i)sani|safe|basename|filename", name):
            return True
        for unit in list(ctx.after_units.values()):
            if getattr(unit, "name", None) == name and any(_is_basename(x) for x in getattr(unit, "calls", ())):
                return True
    return False


# a regex that matches a run of slashes (`/^\/+/`, `/[\/\\]+/g`): replaced by one slash or
# nothing, it collapses `//evil.com` and `/\\evil` before the value is parsed as a URL or path
_SLASH_RUN = re.compile(r"/\^?(?:\\/|\[(?:\\/|\\\\|/)+\])(?:\\/|\[(?:\\/|\\\\|/)+\])?[+*]/[gimsuy]*")


def _slash_collapse(call: Call) -> Optional[str]:
    r"""The receiver of a JavaScript `x.replace(/^\/+/, '/')` (a run of slashes collapsed to one
    or removed), as written; None for any other call."""
    tail = call.callee.rsplit(".", 1)[-1]
    if tail not in ("replace", "replaceAll") or len(call.positional) != 2:
        return None
    pattern, repl = call.positional
    if repl.literal not in ("/", "") or not _SLASH_RUN.fullmatch(_squash(pattern.text or pattern.value)):
        return None
    head = _squash(call.text).rsplit("." + tail + "(", 1)[0]
    return head or None


def _normaliser_kind(call: Call, language: str) -> Optional[str]:
    """'path' for a root-anchored path normaliser, 'helper' for a path/URL strip helper, else None."""
    if language in ("javascript", "typescript") and _slash_collapse(call) is not None:
        return "helper"
    if len(call.positional) != 1 or call.positional[0].literal is not None:
        return None
    if callee_is(call.callee, NORMALISER_CALLS):
        return "path" if _ANCHORED.match(_arg(call)) else None
    from semdiff.rules.escaping_removed import is_escaper  # sanitise/escape helpers are that rule's

    ws = set(words(call.callee.rsplit(".", 1)[-1]))
    if ws & NORMALISE_VERBS and ws & NORMALISE_OBJECTS and not ws & DATA_WORDS and not is_escaper(call.callee, language):
        return "helper"
    return None


def _bare(call: Call) -> str:
    r"""The value the normaliser was given: `"/"+name` -> `name`, `u.replace(/^\/+/, '/')` -> `u`."""
    receiver = _slash_collapse(call)
    if receiver is not None:
        return receiver
    arg = _arg(call)
    m = _ANCHORED.match(arg)
    return m.group("rest") if m else arg


# a helper of the file that canonicalises a path: it normalises it and strips `..` components
_NORMALISE_CALL = re.compile(r"(?<![\w$])(?:normalize|normalise|resolve|Clean|normpath)\s*\(")
_DOTDOT = re.compile(r"""\\\.\\\.|(["'`])\.\.(?:[/\\]|\1)""")


def _dotdot_helpers(units, path: str) -> frozenset[str]:
    r"""Names of the file's functions whose body normalises a path and strips `..` components
    (`function canonical(p) { return join('./', normalize(p).replace(/^(\.\.(\/|$))+/, '')) }`):
    a call to one is a path normaliser whatever its name."""
    out = set()
    for (p, _q), unit in list(units.items()):
        if p != path or not isinstance(unit, Unit) or unit.kind not in ("function", "method"):
            continue
        text = unit.text
        if len(text) < 4000 and _NORMALISE_CALL.search(text) and _DOTDOT.search(text):
            out.add(unit.qualname.rsplit(".", 1)[-1])
    return frozenset(out)


def _kind(call: Call, language: str, helpers: frozenset[str]) -> Optional[str]:
    kind = _normaliser_kind(call, language)
    if kind is None and len(call.positional) == 1 and call.positional[0].literal is None \
            and call.callee.rsplit(".", 1)[-1] in helpers:
        return "helper"
    return kind


def _normaliser_unwrapped(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    b_helpers, a_helpers = _dotdot_helpers(ctx.before_units, before.path), _dotdot_helpers(ctx.after_units, after.path)
    still = {_bare(c) for c in after.calls if _kind(c, change.language, a_helpers)}
    seen: set[str] = set()
    for call in before.calls:
        kind = _kind(call, change.language, b_helpers)
        if kind is None or call.span.line not in change.touched_before:
            continue
        bare, text = _bare(call), _squash(call.text)
        src = _squash(unit_line(before, call.span.line))
        if bare in still or bare in seen or len(bare) < 2 or src.startswith(text):
            continue  # still normalised somewhere, or a statement of its own (its result unused)
        where = next((ln for ln in sorted(change.touched_after)
                      if _mentions_bare(unit_line(after, ln), bare) and text not in _squash(unit_line(after, ln))
                      and not _normalised_on(after, ln, bare, change.language, a_helpers)), None)
        if where is None:
            continue
        seen.add(bare)
        yield make_finding(
            SPEC[NORMALISER], change, ctx,
            f"{call.callee}({_arg(call)}) removed: `{bare}` is now used without that normalisation",
            before_line=call.span.line, after_line=where,
            evidence_before=unit_line(before, call.span.line).strip(), evidence_after=unit_line(after, where).strip(),
            severity=None if kind == "path" else Severity.MEDIUM,
        )


def _mentions_bare(line: str, bare: str) -> bool:
    flat = _squash(line)
    i = flat.find(bare)
    while i != -1:
        before_ok = i == 0 or not (flat[i - 1].isalnum() or flat[i - 1] in "_$.")
        end = i + len(bare)
        after_ok = end == len(flat) or not (flat[end].isalnum() or flat[end] in "_$")
        if before_ok and after_ok:
            return True
        i = flat.find(bare, i + 1)
    return False


def _normalised_on(unit: Unit, line: int, bare: str, language: str, helpers: frozenset[str] = frozenset()) -> bool:
    return any(c.span.line == line and _kind(c, language, helpers) is not None and bare in _squash(c.text)
               for c in unit.calls)


def _prefix_test_line(unit: Unit, root: str) -> Optional[int]:
    for ln in range(unit.span.line, unit.span.end_line + 1):
        text = unit_line(unit, ln)
        if _PREFIX_TEST.search(text) and root in _squash(text):
            return ln
    return None


def _prefix_separator_dropped(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    after_flat = _squash(after.text)
    seps_before = len(_ROOT_PLUS_SEP.findall(before.text))
    seps_after = len(_ROOT_PLUS_SEP.findall(after.text))
    for ln in change.touched_before:
        src = unit_line(before, ln)
        for m in _ROOT_PLUS_SEP.finditer(src):
            root, joined = m.group("root"), _squash(m.group(0))
            # the separator is still appended somewhere in the unit (moved, reformatted, to a renamed root): silent
            if after_flat.count(joined) >= _squash(before.text).count(joined) or seps_after >= seps_before:
                continue
            if not (_prefix_test_line(before, _squash(root)) or _prefix_test_line(before, _assigned(src, m))):
                continue
            test = _prefix_test_line(after, _squash(root)) or _prefix_test_line(after, _assigned(src, m))
            if test is None:
                # the root renamed in the same edit (`resolvedDir + sep` -> `this.uploadDir`): a
                # changed line that now tests the prefix against a bare name
                # (not Java: `Path.startsWith(dir)` compares whole components and needs no separator)
                test = None if change.language == "java" else next(
                    (a for a in sorted(change.touched_after) if _BARE_PREFIX_TEST.search(unit_line(after, a))), None)
                if test is None:
                    continue  # the containment test itself is gone or rewritten (path.relative, ...): not this rule
                where, renamed = test, True
            else:
                renamed = False
                # the root itself is still there, now without the separator (not replaced by another API)
                where = next((a for a in change.touched_after if _squash(root) in _squash(unit_line(after, a))), None)
            if where is None:
                continue
            yield make_finding(
                SPEC[PREFIX_SEP], change, ctx,
                (f"`{m.group(0).strip()}` is gone: the prefix test on line {test} (`{unit_line(after, test).strip()[:80]}`) "
                 f"compares against a bare name and accepts a sibling directory whose name starts with the root's") if renamed else
                (f"`{m.group(0).strip()}` became `{root}`: the prefix test on line {test} now accepts a sibling "
                 f"directory whose name starts with the root's"),
                before_line=ln, after_line=where, evidence_before=src.strip(), evidence_after=unit_line(after, where).strip(),
            )
            return


def _assigned(src: str, m: re.Match[str]) -> str:
    """`base = root + sep` / `String base = dir + File.separator;`: the name holding the joined root
    (the prefix test names it rather than the root)."""
    head = re.search(r"([A-Za-z_$][\w$.]*)\s*:?=\s*[^=]*$", src[: m.start()])
    return head.group(1) if head else "\0"


@family(FAMILY, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.before is None or change.after is None or change.language not in LANGS:
        return []
    if not (change.touched_before and change.touched_after):
        return []
    out = list(_basename_unwrapped(change, ctx))
    out.extend(_prefix_separator_dropped(change, ctx))
    out.extend(_normaliser_unwrapped(change, ctx))
    return out
