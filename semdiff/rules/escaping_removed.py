"""escaping-removed: an escaping or encoding call removed while the value it escaped still
flows on (`escapeQuotes(name)` -> `name`, `x = url.QueryEscape(x)` deleted), in
JavaScript/TypeScript, Go and Java, and in Python with its own escapers and the scrubbing
helpers that hide secrets (`redact_token(h)`).

The escaper is gone and the value it escaped is still used (on a changed line, or after a
deleted `x = escape(x)`): escaped before, raw after. Escaping moved to another escaper, or a
value no longer used, is not reported.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Call, Unit
from semdiff.model import Finding, Severity
from semdiff.relevance.names import words
from semdiff.rules._catalog2_ir import callee_is, mentions, new_items, tail, unit_line
from semdiff.rules._web_protection import WEB_AND_PYTHON, bundle_repeats_low, first_arg
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

RULE_ID = "escaping-removed"

# escaping/encoding calls by exact callee (or dotted tail) ...
ESCAPER_CALLS = (
    "html.EscapeString", "url.QueryEscape", "url.PathEscape", "template.HTMLEscapeString", "template.JSEscapeString",
    "template.URLQueryEscaper", "strconv.Quote", "mime.QEncoding.Encode", "encodeURIComponent", "encodeURI", "escape",
    "escapeHtml", "escapeHTML", "he.encode", "he.escape", "validator.escape", "xss", "DOMPurify.sanitize", "sanitize",
    "StringEscapeUtils.escapeHtml4", "StringEscapeUtils.escapeXml", "StringEscapeUtils.escapeJava", "HtmlUtils.htmlEscape",
    "Encode.forHtml", "Encode.forJavaScript", "Encode.forUriComponent", "URLEncoder.encode", "Jsoup.clean",
)
# ... or by a word of its dotted name (`escapeQuotes`, `quoteEscaper.Replace`, `sanitizeFilename`)
ESCAPER_WORDS = ("escape", "escaper", "escapes", "sanitize", "sanitise", "sanitizer", "sanitiser")

# Python: the stdlib/markupsafe/bleach/ldap escapers by name, and redaction helpers by word
# (`_scrub_uri(value)`, `redact_token(h)`): a value no longer scrubbed before it is logged or
# echoed leaks what the scrubbing hid. The exact-name escapers that injection-opened already
# reports when their argument is still used verbatim are left to it (one finding per removal).
PY_ESCAPER_CALLS = (
    "html.escape", "markupsafe.escape", "escape", "cgi.escape", "conditional_escape", "bleach.clean",
    "xml.sax.saxutils.escape", "quoteattr", "shlex.quote", "pipes.quote", "quote", "quote_plus", "parse.quote",
    "escape_filter_chars", "escape_dn_chars", "escape_rdn", "escape_html", "sanitize_html",
)
PY_ESCAPER_WORDS = ESCAPER_WORDS + ("scrub", "scrubbed", "redact", "redacted", "redaction")

_JS_EX_BEFORE = "function attach(res, name) {\n  res.setHeader('Content-Disposition', 'attachment; filename=\"' + escapeQuotes(name) + '\"');\n}\n"
_JS_EX_AFTER = "function attach(res, name) {\n  res.setHeader('Content-Disposition', 'attachment; filename=\"' + name + '\"');\n}\n"

RULES = (
    RuleSpec(
        RULE_ID, "Escaping removed", Severity.MEDIUM,
        "An escaping/encoding call (html.EscapeString, url.QueryEscape, encodeURIComponent, escapeHtml, a function "
        "or replacer named *escape*/*sanitize*; in Python also html.escape, markupsafe.escape, escape_filter_chars, "
        "quote and *scrub*/*redact* helpers) was removed while the value it escaped is still used, or is now used "
        "inline where the escaped copy was: header, redirect, markup and LDAP injection, secrets no longer redacted.",
        (Example(_JS_EX_BEFORE, _JS_EX_AFTER, True), Example(_JS_EX_AFTER, _JS_EX_BEFORE, False, "escaping added")),
        languages=WEB_AND_PYTHON, intrinsic="injection",
    ),
)
SPEC = RULES[0]
# path the table examples are read as (`Example` has no path field)
EXAMPLE_PATHS = {RULE_ID: "src/example.js"}


_PY_ESCAPERS: dict[str, bool] = {}  # callee -> is_escaper(callee, "python"); the tables are constants


def is_escaper(callee: str, language: str = "") -> bool:
    if language == "python":
        known = _PY_ESCAPERS.get(callee)
        if known is None:
            ws = words(callee)
            known = bool(callee_is(callee, PY_ESCAPER_CALLS)) or any(w in PY_ESCAPER_WORDS for w in ws) or _strips_unsafe(ws)
            if len(_PY_ESCAPERS) >= 4096:
                _PY_ESCAPERS.clear()
            _PY_ESCAPERS[callee] = known
        return known
    if callee_is(callee, ESCAPER_CALLS):
        return True
    ws = words(callee)
    return any(w in ESCAPER_WORDS for w in ws) or _strips_unsafe(ws)


# a helper that strips what an attacker smuggles (`stripControlChars`, `removeScriptTags`)
# protects like an escaper; stripping in general (`stripWhitespace`, `removeSuffix`) does not
# (not "filter"/"drop" nor "invalid": filterInvalidEntries / dropInvalidRows clean data, not text)
STRIPPER_WORDS = frozenset({"strip", "remove"})
UNSAFE_OBJECT_WORDS = frozenset({"control", "controls", "ctrl", "tags", "html", "script", "scripts", "unsafe",
                                 "crlf", "newline", "newlines", "nonprintable", "bidi"})


def _strips_unsafe(ws) -> bool:
    s = set(ws)
    return bool(s & STRIPPER_WORDS) and bool(s & UNSAFE_OBJECT_WORDS)



def _escaping(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    b_esc = [c for c in before.calls if is_escaper(c.callee) and first_arg(c)]
    a_esc = [c for c in after.calls if is_escaper(c.callee) and first_arg(c)]
    key = lambda c: (tail(c.callee), first_arg(c))  # noqa: E731
    # a value escaped by a different escaper now (escapeQuotes -> html.EscapeString) is still escaped
    still_escaped = {first_arg(c) for c in new_items(b_esc, a_esc, key=key)}
    for b in new_items(a_esc, b_esc, key=key):
        arg = first_arg(b) or ""
        if b.positional[0].literal is not None or arg in still_escaped or not re.fullmatch(r"[\w$.\[\]\"']+", arg):
            continue
        src = unit_line(before, b.span.line)
        reassigned = re.match(r"\s*" + re.escape(arg) + r"\s*:?=\s*", src) is not None
        uses = [ln for ln in range(after.span.line, after.span.end_line + 1) if mentions(unit_line(after, ln), arg)]
        if reassigned:
            # `x = escape(x)` deleted: every later use of x is now unescaped
            later = [ln for ln in uses if ln >= (after.span.line + (b.span.line - before.span.line))]
            where = (later or uses or [None])[0]
        else:
            where = next((ln for ln in uses if ln in change.touched_after), None)
        if where is None:
            continue  # the value is no longer used where it was escaped: nothing unescaped flows on
        yield make_finding(
            SPEC, change, ctx, f"{b.callee}({arg}) removed; {arg} is now used unescaped",
            before_line=b.span.line, after_line=where, evidence_before=src.strip(), evidence_after=unit_line(after, where).strip(),
        )


_PY_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_PY_METHOD_ON = re.compile(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.[A-Za-z_]\w*\(.*\)")  # URL.decode("utf-8") -> URL
_PY_WRAPPED = re.compile(r"(?:str|bytes|repr|format)\(([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\)")  # str(name) -> name


def _py_flowing_name(arg: str) -> Optional[str]:
    """The name whose value the escaper's argument carries: `x`, `self.x`, the receiver of a
    conversion method (`URL.decode('utf-8')`), or a str()/bytes() wrapped name."""
    for pat in (_PY_NAME, _PY_METHOD_ON, _PY_WRAPPED):
        m = pat.fullmatch(arg)
        if m:
            return m.group(0) if pat is _PY_NAME else m.group(1)
    return None


def _left_to_injection_opened(change: UnitChange, b: Call) -> bool:
    """injection-opened reports an exact-name escaper whose argument text is still used on a
    touched line; this check then stays silent so one removal gives one finding."""
    from semdiff.rules import injection_opened  # late: the two families load independently
    from semdiff.rules._catalog2_ir import first_line_with

    if not callee_is(b.callee, injection_opened.ESCAPERS) or not b.positional:
        return False
    line = first_line_with(change.after, b.positional[0].text, prefer=change.touched_after)
    return line is not None and line in change.touched_after


def _inlined_source(before: Unit, name: str, esc_line: int) -> Optional[str]:
    """`name = <expr>` bound above the escaping line: the expression the escaped copy came from."""
    for ln in range(esc_line - 1, before.span.line - 1, -1):
        m = re.match(r"\s*" + re.escape(name) + r"\s*(?::[^=]+)?=\s*(.+?)\s*$", unit_line(before, ln))
        if m and "==" not in m.group(0):
            return re.sub(r"\s+", "", m.group(1))
    return None


# `x.translate(T)` with a table named for what it neutralises (`_control_char_table`,
# `ESCAPE_TABLE`, `unsafe_map`) escapes x, the receiver: str.translate maps each control
# character to its escaped form, as werkzeug's request log did
_TRANSLATE_TABLE_WORDS = frozenset({"control", "ctrl", "escape", "escapes", "escaped", "unsafe", "nonprint", "nonprintable"})


def _py_escaped(c: Call) -> Optional[str]:
    """The value a Python call escapes: an escaper's first argument, or the receiver of a
    `.translate(T)` whose table T is named for control/unsafe characters or escaping."""
    receiver, _, method = c.callee.rpartition(".")
    if method == "translate" and receiver and len(c.positional) == 1:
        table = c.positional[0].value.rsplit(".", 1)[-1]
        return receiver if set(words(table)) & _TRANSLATE_TABLE_WORDS else None
    return first_arg(c) if is_escaper(c.callee, "python") else None


def _py_escaping(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    """Python form of the escaping check. Besides `escape(x)` gone while `x` is still used it
    reads `escaped = escape_filter_chars(username)` gone while `username` is used on a touched
    line, a conversion in the argument (`escape(URL.decode())` -> `URL`), and the scrubbed copy
    inlined away (`v = d[k]; v = scrub(v); out[k] = v` -> `out[k] = d[k]`)."""
    before, after = change.before, change.after
    assert before is not None and after is not None
    b_esc = [c for c in before.calls if _py_escaped(c)]
    a_esc = [c for c in after.calls if _py_escaped(c)]
    key = lambda c: (tail(c.callee), _py_escaped(c))  # noqa: E731
    still_escaped = {_py_escaped(c) for c in new_items(b_esc, a_esc, key=key)}
    reported: set[str] = set()
    for b in new_items(a_esc, b_esc, key=key):
        arg = _py_escaped(b) or ""
        name = _py_flowing_name(arg)
        if b.positional[0].literal is not None or arg in still_escaped or name is None or name in reported:
            continue
        if name in still_escaped or any(_py_flowing_name(_py_escaped(c) or "") == name for c in a_esc):
            continue  # the same value is escaped in the new code (maybe by another escaper)
        if _left_to_injection_opened(change, b):
            continue
        src = unit_line(before, b.span.line)
        reassigned = re.match(r"\s*" + re.escape(name) + r"\s*(?::[^=]+)?=(?!=)", src) is not None
        touched = sorted(change.touched_after)
        where = next((ln for ln in touched if after.span.line <= ln <= after.span.end_line and mentions(unit_line(after, ln), name)), None)
        how = f"{name} is now used unescaped"
        if where is None and reassigned and not any(mentions(unit_line(after, ln), name) for ln in range(after.span.line, after.span.end_line + 1)):
            origin = _inlined_source(before, name, b.span.line)
            if origin and len(origin) >= 4:
                where = next((ln for ln in touched if after.span.line <= ln <= after.span.end_line
                              and origin in re.sub(r"\s+", "", unit_line(after, ln))), None)
                how = f"the value it scrubbed (`{origin}`) is now used directly"
        if where is None and reassigned and b.span.line in change.touched_before:
            # `x = escape(x)` deleted outright: x's later uses now see the raw value
            start = after.span.line + (b.span.line - before.span.line)
            where = next((ln for ln in range(start, after.span.end_line + 1) if mentions(unit_line(after, ln), name)), None)
        if where is None:
            continue  # the value is no longer used where it was escaped: nothing unescaped flows on
        reported.add(name)
        shown = b.text.strip() if b.callee.endswith(".translate") else f"{b.callee}({arg})"
        yield make_finding(
            SPEC, change, ctx, f"{shown} removed; {how}",
            before_line=b.span.line, after_line=where, evidence_before=src.strip(), evidence_after=unit_line(after, where).strip(),
        )



@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.before is None or change.after is None:
        return []
    if change.language == "python":
        return list(_py_escaping(change, ctx))
    return bundle_repeats_low(change, ctx, list(_escaping(change, ctx)))
