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
from semdiff.lang.normal import close_bracket
from semdiff.model import Finding, Severity
from semdiff.relevance.names import words
from semdiff.rules._catalog2_ir import callee_is, mentions, new_items, tail, unit_line
from semdiff.rules._web_protection import WEB_AND_PYTHON, bundle_repeats_low, first_arg
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, units_in_file

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


# a call whose name says it makes its argument safe to output (`safe_url(src)`, `make_safe(v)`)
# protects the value like an escaper does; `mark_safe`/`Markup` only *declare* it safe, and
# `is_safe_url(v)` tests it without changing what is output
_SAFE_MAKER_EXCLUDED = frozenset({"mark", "is", "has", "check", "assert", "ensure", "verify"})
_MARKUP_DECLARERS = ("Markup", "mark_safe", "SafeString", "SafeText", "MarkSafe", "markSafe", "SafeData")
# every quoted string, its prefix included, read left to right so a quote inside one is not
# taken for the start of another; only f-strings keep their text (they interpolate values)
# (backquoted text is kept whole: JavaScript templates interpolate, and a Go raw string may
# hold a quote that would otherwise open a string around the code after it)
_STRING = re.compile(r"""`(?:\\.|[^`\\])*`|(?<![\w$])([rRbBuUfF]{0,2})("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')""")


def _blank_plain_strings(line: str) -> str:
    return _STRING.sub(lambda m: m.group(0) if m.group(2) is None or "f" in m.group(1).lower() else '""', line)


_CALL_OPEN = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\(")


def protects_output(callee: str, language: str = "") -> bool:
    """Does a call of `callee` hand on an escaped/sanitised form of its argument?"""
    if callee_is(callee, _MARKUP_DECLARERS):
        return False
    if is_escaper(callee, language):
        return True
    ws = words(tail(callee))
    return "safe" in ws and not _SAFE_MAKER_EXCLUDED & set(ws)


def _close_paren(text: str, start: int) -> int:
    """Index just past the `)` closing the `(` at `start` (the end of text if unbalanced)."""
    end = close_bracket(text, start)
    return len(text) if end is None else end + 1


def raw_use(line: str, name: str, language: str = "") -> bool:
    """Does `line` use the value `name` unprotected?

    Uses inside a call that escapes or sanitises it (`self.safe_url(src)`, `sanitize(dir,
    entry)`) are protected; so is `name = resolve(name)`, which only transforms the value
    under its own name (its later uses are judged where they are). Escaping restructured (two
    escaping calls folded into one, an escaper swapped for a url-safe one) leaves no raw use,
    while one path of several that lost its escaping still shows one."""
    line = _blank_plain_strings(line)  # `'<img src="'` names no value (f-strings and templates do)
    if not mentions(line, name):
        return False
    kept, pos = [], 0
    for m in _CALL_OPEN.finditer(line):
        if m.start() < pos or not protects_output(m.group(1), language):
            continue
        end = _close_paren(line, m.end() - 1)
        kept.append(line[pos:m.start()])
        pos = end
    kept.append(line[pos:])
    rest = " ".join(kept)
    self_update = re.match(r"\s*(?:(?:var|let|const)\s+)?" + re.escape(name) + r"\s*=(?!=)\s*(.*)$", rest)
    if self_update is not None and "=>" not in self_update.group(1) and "function" not in self_update.group(1):
        rest = self_update.group(1)
        call = re.fullmatch(r"([\w$.]+)\(\s*" + re.escape(name) + r"\s*\)\s*;?\s*", rest)
        if call is not None and not callee_is(call.group(1), _MARKUP_DECLARERS):
            return False  # `x = resolve(x)`: transformed in place, judged at its later uses
    return mentions(rest, name)



# JavaScript's inline escaping: `String(v).replace(/]]>/g, ']]]]><![CDATA[>')`,
# `v.replace(/</g, '&lt;')`, `v.replace(/--/g, '- -')`: a pattern holding a markup delimiter or
# quote replaced by a fixed text. The value escaped is the receiver of the chain.
_MARKUP_PATTERN = re.compile(r"<|>|&|--|\]\]|[\"'`]")
_CONVERTED = re.compile(r"^(?:String\((?P<a>.+)\)|(?P<b>.+?)\.toString\(\))$")


def _inline_escaped(c: Call) -> Optional[str]:
    """The value a JavaScript `.replace(<markup pattern>, '<text>')` chain escapes, or None."""
    if tail(c.callee) not in ("replace", "replaceAll") or len(c.positional) != 2:
        return None
    pattern, repl = c.positional
    if not isinstance(repl.literal, str) or not _MARKUP_PATTERN.search(pattern.value) or repl.literal == pattern.literal:
        return None
    head = re.sub(r"\s+", "", c.text).split(".replace", 1)[0]
    m = _CONVERTED.match(head)
    if m is not None:
        head = m.group("a") or m.group("b")
    return head if re.fullmatch(r"[\w$.\[\]\"']+", head) else None


def _escaped_value(c: Call, language: str) -> Optional[str]:
    if is_escaper(c.callee):
        return first_arg(c)
    return _inline_escaped(c) if language in ("javascript", "typescript") else None


# what follows an escaping call whose result is only measured: `encodeURI(s).split(/%..|./).length`
# counts UTF-8 bytes, `escape(s).length` a length; a chain of method calls ending in a size read
_MEASURED = re.compile(r"^(?:\s*\.\s*[A-Za-z_$][\w$]*\s*\((?:[^()]|\([^()]*\))*\))*\s*\.\s*(?:length|size|byteLength)\b(?!\s*\()")


def measured_only(src: str, call_text: str) -> bool:
    """Is the escaping call's result only measured on its line (its length read), never passed
    on? A byte count taken through `encodeURI(s)` escapes nothing that reaches an output:
    replacing it with another way of counting removes no protection. Every occurrence of the
    call on the line must be measured."""
    squashed = "".join(src.split())
    call = "".join(call_text.split())
    if not call or call not in squashed:
        return False
    pos, seen = 0, False
    while True:
        i = squashed.find(call, pos)
        if i < 0:
            return seen
        if not _MEASURED.match(squashed[i + len(call):]):
            return False
        seen, pos = True, i + len(call)


def _escaping(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    lang = change.language
    b_esc = [c for c in before.calls if _escaped_value(c, lang)]
    a_esc = [c for c in after.calls if _escaped_value(c, lang)]
    key = lambda c: (tail(c.callee), _escaped_value(c, lang))  # noqa: E731
    # a value escaped by a different escaper now (escapeQuotes -> html.EscapeString) is still escaped
    still_escaped = {_escaped_value(c, lang) for c in new_items(b_esc, a_esc, key=key)}
    reported: set[str] = set()
    for b in new_items(a_esc, b_esc, key=key):
        arg = _escaped_value(b, lang) or ""
        if arg in reported:
            continue  # one finding per value (a `.replace` chain is several calls)
        if b.positional[0].literal is not None or arg in still_escaped or not re.fullmatch(r"[\w$.\[\]\"']+", arg):
            continue
        src = unit_line(before, b.span.line)
        if is_escaper(b.callee) and measured_only(src, b.text):
            continue  # the escaped copy was only measured (a byte count): nothing escaped flowed on
        reassigned = re.match(r"\s*" + re.escape(arg) + r"\s*:?=\s*", src) is not None
        uses = [ln for ln in range(after.span.line, after.span.end_line + 1) if mentions(unit_line(after, ln), arg)]
        if reassigned:
            # `x = escape(x)` deleted: every later use of x is now unescaped
            later = [ln for ln in uses if ln >= (after.span.line + (b.span.line - before.span.line))]
            where = next((ln for ln in (later or uses) if raw_use(unit_line(after, ln), arg, change.language)), None)
        else:
            where = next((ln for ln in uses if ln in change.touched_after and raw_use(unit_line(after, ln), arg, change.language)), None)
        if where is None:
            continue  # the value is no longer used where it was escaped: nothing unescaped flows on
        reported.add(arg)
        shown = f"{b.callee}({arg})" if is_escaper(b.callee) else re.sub(r"\s+", "", b.text)[:120]
        yield make_finding(
            SPEC, change, ctx, f"{shown} removed; {arg} is now used unescaped",
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


MAX_HELPER_UNITS = 400  # a file with more units is not searched for escaping helpers
_HELPERS: dict[tuple[int, str], tuple[object, dict[str, tuple[int, str]]]] = {}


def _escaping_helpers(units, path: str) -> dict[str, tuple[int, str]]:
    """Functions of one file that escape one of their own parameters (`def make_filter(self, u):
    u = escape_filter_chars(u); return f"(uid={u})"`): name -> (index of that parameter, the
    escaper). A call of such a helper escapes its argument as the escaper itself would, so
    inlining the helper's output format without its escaping is escaping removed."""
    known = _HELPERS.get((id(units), path))
    if known is not None and known[0] is units:
        return known[1]
    found: dict[str, tuple[int, str]] = {}
    if len(_HELPERS) >= 256:
        _HELPERS.clear()
    _HELPERS[(id(units), path)] = (units, found)  # every unit change of the file asks again
    file_units = units_in_file(units, path) if path else []
    if len(file_units) > MAX_HELPER_UNITS:
        return found
    for u in file_units:
        if not isinstance(u, Unit) or u.kind not in ("function", "method") or not u.params:
            continue
        for c in u.calls:
            if not is_escaper(c.callee, "python"):
                continue
            name = _py_flowing_name(first_arg(c) or "")
            if name in u.params:
                found.setdefault(u.name, (u.params.index(name), c.callee))
                break
    return found


def _helper_escaped(c: Call, helpers: dict[str, tuple[int, str]]) -> Optional[str]:
    """The argument a call of a same-file escaping helper escapes (`self.make_filter(name)` -> name)."""
    hit = helpers.get(tail(c.callee))
    if hit is None:
        return None
    index = hit[0]
    if "." in c.callee and c.callee.split(".", 1)[0] in ("self", "cls"):
        index -= 1  # the bound receiver fills the first parameter
    pos = c.positional
    return pos[index].value if 0 <= index < len(pos) else None


def _py_escaping(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    """Python form of the escaping check. Besides `escape(x)` gone while `x` is still used it
    reads `escaped = escape_filter_chars(username)` gone while `username` is used on a touched
    line, a conversion in the argument (`escape(URL.decode())` -> `URL`), the scrubbed copy
    inlined away (`v = d[k]; v = scrub(v); out[k] = v` -> `out[k] = d[k]`), and a call of a
    same-file helper that escapes its parameter replaced by the raw value."""
    before, after = change.before, change.after
    assert before is not None and after is not None
    b_help = _escaping_helpers(ctx.before_units, change.file.old_path or before.path)
    a_help = _escaping_helpers(ctx.after_units, after.path) if b_help else {}
    b_of = lambda c: _py_escaped(c) or _helper_escaped(c, b_help)  # noqa: E731
    a_of = lambda c: _py_escaped(c) or _helper_escaped(c, a_help)  # noqa: E731
    b_esc = [c for c in before.calls if b_of(c)]
    a_esc = [c for c in after.calls if a_of(c)]
    key_b = lambda c: (tail(c.callee), b_of(c))  # noqa: E731
    key_a = lambda c: (tail(c.callee), a_of(c))  # noqa: E731
    b_keyed = [(key_b(c), c) for c in b_esc]
    a_keyed = [(key_a(c), c) for c in a_esc]
    first = lambda kc: kc[0]  # noqa: E731
    still_escaped = {k[1] for k, _c in new_items(b_keyed, a_keyed, key=first)}
    a_names = {_py_flowing_name(k[1] or "") for k, _c in a_keyed}
    reported: set[str] = set()
    for _k, b in new_items(a_keyed, b_keyed, key=first):
        arg = b_of(b) or ""
        name = _py_flowing_name(arg)
        literal = next((a.literal for a in b.positional if a.value == arg), None)
        if literal is not None or arg in still_escaped or name is None or name in reported:
            continue
        if name in still_escaped or name in a_names:
            continue  # the same value is escaped in the new code (maybe by another escaper)
        if _left_to_injection_opened(change, b):
            continue
        src = unit_line(before, b.span.line)
        reassigned = re.match(r"\s*" + re.escape(name) + r"\s*(?::[^=]+)?=(?!=)", src) is not None
        touched = sorted(change.touched_after)
        where = next((ln for ln in touched if after.span.line <= ln <= after.span.end_line and raw_use(unit_line(after, ln), name, "python")), None)
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
            where = next((ln for ln in range(start, after.span.end_line + 1) if raw_use(unit_line(after, ln), name, "python")), None)
        if where is None:
            continue  # the value is no longer used where it was escaped: nothing unescaped flows on
        reported.add(name)
        shown = b.text.strip() if b.callee.endswith(".translate") else f"{b.callee}({arg})"
        if _py_escaped(b) is None:
            shown += f" (a helper that escapes it with {b_help[tail(b.callee)][1]})"
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
