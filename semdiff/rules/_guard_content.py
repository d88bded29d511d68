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

from semdiff.ir import And, Atom, Formula, Guard, render
from semdiff.model import Relevance


@dataclass(frozen=True)
class ContentRow:
    category: str
    score: float
    pattern: re.Pattern[str]
    meaning: str


_STR = r"""[rbuRBU]*(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')"""


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
    # a sandbox's own switches and attribute checks
    ContentRow("sandbox", 0.85, re.compile(r"(?i)\b\w*(?:sandbox(?:ed)?|is_safe_attribute|is_safe_callable|unsafe)\w*\b"),
               "tests a sandbox setting or an unsafe-attribute check"),
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
        for row in CONTENT_ROWS:
            m = row.pattern.search(text)
            if m and (best is None or row.score > best.score):
                best = Relevance(row.category, row.score, (), f"the check {row.meaning} (`{m.group(0).strip()}`)")
    return best
