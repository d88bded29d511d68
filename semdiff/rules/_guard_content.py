"""What a check tests can make it security-relevant, whatever its function is called.

`start_response` or `received` mention no security word, yet a check in them that rejects a
header value containing CR/LF, a path that leaves the served root, or a request carrying both
Transfer-Encoding and Content-Length is input validation at a trust boundary. The guard rules
read the check's own test (its condition, never its error message) against this table; a hit
raises the relevance the unit's names gave, so removing or widening such a check is reported
at the severity of a security check.

Each row: category, score, pattern over the condition's source text, and what it means.
Patterns look at string literals (escapes as written in source) and at call names, so a
message like "bad newline" in the raise does not count.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

from semdiff.ir import And, Atom, Formula, Guard, Unit, render
from semdiff.model import Relevance
from semdiff.rules.base import text_lines


@dataclass(frozen=True)
class ContentRow:
    category: str
    score: float
    pattern: re.Pattern[str]
    meaning: str
    code_only: bool = False  # matched on the code with its string literals emptied


_STR = r"""[rbuRBU]*(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')"""
_STRING = re.compile(_STR + r"|`[^`]*`")


def _in_string(inner: str) -> re.Pattern[str]:
    """A string literal whose body contains `inner` (a regex over the literal's source text)."""
    return re.compile(r"""[rbuRBU]*(?:"(?:\\.|[^"\\])*?""" + inner + r"""(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*?""" + inner + r"""(?:\\.|[^'\\])*')""")


CONTENT_ROWS: tuple[ContentRow, ...] = (
    # CR, LF, NUL in a tested literal: header/response splitting, log injection, smuggling
    ContentRow("injection", 0.8, _in_string(r"\\(?:r|n|0|x00|x0[adAD]|u000[0adAD])"),
               "tests for control characters (CR/LF/NUL) in input"),
    # '..' as a path component: directory traversal
    ContentRow("path-traversal", 0.8, _in_string(r"\.\.(?:/|\\\\|['\"])"), "tests for '..' path components"),
    ContentRow("path-traversal", 0.8, re.compile(r"""(?:^|[\s(])(?:['"]\.\.['"])"""), "tests for '..' path components"),
    # the path containment idiom: normalise, then compare against the root
    ContentRow("path-traversal", 0.8,
               re.compile(r"\b(?:realpath|abspath|commonpath|commonprefix|normpath|is_absolute|isabs|is_relative_to|relative_to|"
                          r"safe_join|secure_filename|is_symlink|islink)\s*\("),
               "checks that a path stays inside its root"),
    ContentRow("path-traversal", 0.8, re.compile(r"\bos\.(?:path\.)?(?:sep|altsep)\b"), "checks a path against a separator-bounded root"),
    # a file mode tested for a symbolic link (Go `info.Mode()&os.ModeSymlink`, Java
    # `Files.isSymbolicLink(p)`): refusing links keeps writes and reads inside the tree
    ContentRow("path-traversal", 0.8, re.compile(r"\b(?:os\.|fs\.)?ModeSymlink\b|\bisSymbolicLink\s*\(|\bisSymbolicLink\b"),
               "refuses symbolic links"),
    # message framing headers: request smuggling
    ContentRow("request-smuggling", 0.8,
               re.compile(r"(?i)\b(?:transfer[-_]encoding|content[-_]length|chunked)\b"),
               "tests the message-framing headers (Transfer-Encoding / Content-Length)"),
    # whether the connection is about to close: data read after that decision is a new request
    ContentRow("request-smuggling", 0.6,
               re.compile(r"(?i)\b\w*(?:(?:will|should|must|pending|connection|conn)_?clos(?:e|ing)|"
                          r"clos(?:e|ing)_?(?:when|after|connection|conn)|keep_?alive)\w*\b"),
               "tests whether the connection is closing"),
    # a count/size/depth compared with a named maximum (`nestingLevel > MAX_NESTING_LEVEL`,
    # `len(parts) >= HEADER_LIMIT`): a resource limit, whose removal is a denial of service
    ContentRow("dos", 0.8,
               re.compile(r"[<>]=?\s*(?:[\w$]+\.)*(?:[A-Z][A-Z0-9]*_)*(?:MAX|MAXIMUM|LIMIT)(?:_[A-Z0-9]+)*(?![\w$])|"
                          r"(?<![\w$])(?:[A-Z][A-Z0-9]*_)*(?:MAX|MAXIMUM|LIMIT)(?:_[A-Z0-9]+)*\s*[<>]=?"),
               "compares a count or size with a named maximum"),
    # the Fetch Metadata request headers (`Sec-Fetch-Site: cross-site`, `Sec-Fetch-Mode: no-cors`):
    # a browser's own word on where a request comes from, tested to refuse cross-site requests
    # (CSRF, cross-origin script inclusion of a dev server's bundles)
    ContentRow("csrf", 0.85, re.compile(r"(?i)\bsec[-_]fetch[-_](?:site|mode|dest|user)\b"),
               "tests the Fetch Metadata headers (where the browser says the request comes from)"),
    # `s.translate(None, ALLOWED) != b""`: every character is on an allow-list
    ContentRow("validation", 0.6, re.compile(r"\.translate\(\s*None\s*,"), "tests input against a character allow-list"),
    # a sandbox's own switches and attribute checks: names in the code (`self.sandboxed`,
    # `is_safe_attribute(obj, attr)`, `allowUnsafe`), not words of a text the check compares
    # (`errTxt == "http: invalid or unsafe file path"` matches an error message)
    ContentRow("sandbox", 0.85, re.compile(r"(?i)\b\w*(?:sandbox(?:ed)?|is_safe_attribute|is_safe_callable|unsafe)\w*\b"),
               "tests a sandbox setting or an unsafe-attribute check", code_only=True),
)


def condition_text(g: Guard) -> str:
    """The check's own test as source text (not its message or action)."""
    return render(g.condition) if g.condition is not None else ""


def _positive(f: Formula) -> bool:
    return isinstance(f, Atom) or (isinstance(f, And) and all(isinstance(a, Atom) for a in f.args))


def content_relevance(guards: Iterable[Guard]) -> Optional[Relevance]:
    """The strongest table row any of `guards` matches on its condition, or None.

    The enclosing conditions count too: `if not data.isdigit(): fail()` under
    `if header == b"content-length":` validates a framing header. Only positive path
    parts are read (an `if` the check sits in); the negation of an earlier exit (`not
    "\\r" in line`) says what other checks did, not what this one tests."""
    best: Optional[Relevance] = None
    for g in guards:
        text = condition_text(g)
        if not text or text in ("True", "False"):
            continue
        text = "\n".join([text, *(render(f) for _, f in g.path if _positive(f))])
        code: Optional[str] = None
        for row in CONTENT_ROWS:
            if row.code_only:
                if code is None:
                    code = _STRING.sub('""', text)
                m = row.pattern.search(code)
            else:
                m = row.pattern.search(text)
            if m and (best is None or row.score > best.score):
                best = Relevance(row.category, row.score, (), f"the check {row.meaning} (`{m.group(0).strip()}`)")
    return best


# A call that puts a path or URL in canonical form (last name segment): a check that refuses
# when that form differs from the raw value (`req.URL = req.URL.JoinPath()` then `if path !=
# req.URL.Path { reject }`, `norm = os.path.normpath(p)` then `if norm != p: raise`) refuses
# `..`, `//` and `/./` in a request path: a traversal defence, whatever the function is called.
_CANONICALISERS = re.compile(
    r"^(?:JoinPath|Clean|CleanPath|cleanPath|normalize|normalise|normpath|realpath|abspath|getCanonicalPath|"
    r"getCanonicalFile|toRealPath|ResolveReference|resolve|canonicalize|canonicalise|cleanpath|clean_path)$"
)
# the assignment the call sits in: its targets (`x :=`, `a, err =`, `String x =`, `self.x =`)
_ASSIGNED = re.compile(r"^\s*(?:(?:var|let|const|final)\s+)?(?:[\w<>\[\]?,.]+\s+)?([\w.$]+(?:\s*,\s*[\w.$]+)*)\s*:?=(?!=)")
_EQUALITY = re.compile(r"!=|==|\bequals\b|\bEqual\b|\bEqualFold\b|\bequalsIgnoreCase\b")
_LITERAL_TEST = re.compile(r"""(?:!=|==)\s*(?:["'`]|nil\b|null\b|None\b|\d)|(?:["'`]|\bnil|\bnull|\bNone|\d)\s*(?:!=|==)|equals\(\s*["']""")


def canonical_form_relevance(unit: Unit, guards: Iterable[Guard]) -> Optional[Relevance]:
    """A check that tests a value the unit just put in canonical form for (in)equality with
    another value: a refusal of input the canonical form changes. None when no guard is one."""
    lines = text_lines(unit.text)
    targets: list[tuple[int, str, str]] = []  # (line, target, call text)
    for c in unit.calls:
        if not _CANONICALISERS.match(c.callee.rsplit(".", 1)[-1]):
            continue
        i = c.span.line - unit.span.line
        m = _ASSIGNED.match(lines[i]) if 0 <= i < len(lines) else None
        if m is None or c.text not in lines[i][m.end():]:
            continue
        for t in m.group(1).split(","):
            t = t.strip()
            if t and t != "_":
                targets.append((c.span.line, t, c.text))
    if not targets:
        return None
    for g in guards:
        text = condition_text(g)
        if not _EQUALITY.search(text) or _LITERAL_TEST.search(text):
            continue  # no (in)equality, or one with a literal: an empty or missing value, not the raw form
        for line, target, call in targets:
            if line <= g.span.line and re.search(r"(?<![\w.$])" + re.escape(target) + r"(?![\w$])", text):
                return Relevance("path-traversal", 0.8, (),
                                 f"the check refuses a value that `{call}` changes (`{text.strip()[:80]}`)")
    return None
