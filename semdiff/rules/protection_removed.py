"""protection-removed: web-library protections dropped in JavaScript/TypeScript, Go and Java.

The Python catalogue (injection-opened, limit-relaxed, redirect-opened) reads Python APIs.
Libraries in other languages lose the same protections through their own idioms, and a
guard-only view misses them because none of them *denies* anything:

* an escaping call removed from a value that still flows on (`escapeQuotes(name)` -> `name`,
  `x = url.QueryEscape(x)` deleted);
* a regex literal edited into a catastrophic-backtracking form (nested unbounded quantifiers,
  or an unanchored leading `x+` before a suffix that can fail: quadratic on every search);
* a prototype-pollution key check (`if (key === '__proto__') continue`) removed;
* credentials no longer stripped when a redirect leaves the origin (`headers.delete(
  'authorization')` removed, or the condition that triggers it narrowed);
* a bounded read (`io.CopyN`, `io.LimitReader`, `http.MaxBytesReader`) replaced by an unbounded one.

Each check compares before with after: the protection existed before and is gone (or runs in
fewer cases) after. Pre-existing risky code is never reported. Go is left out of the regex
check on purpose: its `regexp` package (RE2) matches in linear time, so no Go pattern backtracks.
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping, Optional

from semdiff.align.units import UnitChange
from semdiff import logic
from semdiff.ir import Atom, Call, Formula, Unit, atoms_of, conj, disj, neg
from semdiff.lang.normal import split_top, squash
from semdiff.model import Confidence, Finding, Severity
from semdiff.rules._catalog2_ir import callee_is, mentions, name_words, new_items, pair_regex_sites, tail, unit_line
from semdiff.rules._regex_risk import backtracking_reasons, quadratic_prefix  # noqa: F401 (quadratic_prefix re-exported)
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, units_in_file
from semdiff.relevance.names import words

LANGS = ("javascript", "typescript", "go", "java")
# Python shares the escaping check (its own escaper table below); the other checks stay off for it
ESCAPING_LANGS = LANGS + ("python",)
BACKTRACKING_LANGS = ("javascript", "typescript", "java")  # Go's RE2 never backtracks

ESCAPING = "escaping-removed"
REDOS = "redos-introduced"
PROTO = "prototype-key-check-removed"
HEADERS = "credential-header-forwarded"
READ_LIMIT = "read-limit-removed"
BROWSER_POLICY = "browser-policy-removed"
IDENTITY_NS = "identity-namespace-removed"

# ---------------------------------------------------------------- tables

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

# prototype-pollution keys: a comparison against one of these is a pollution guard
POLLUTION_KEYS = ("__proto__", "constructor", "prototype")

# headers that carry credentials; stripping them is what keeps them from another origin
SENSITIVE_HEADERS = ("authorization", "proxy-authorization", "cookie", "cookie2", "www-authenticate", "x-api-key",
                     "x-auth-token", "x-csrf-token", "x-xsrf-token")
HEADER_REMOVERS = ("delete", "del", "remove", "removeheader", "unset")

# bounded reader -> the unbounded calls that replace it
BOUNDED_READS: Mapping[str, tuple[str, ...]] = {
    "io.CopyN": ("io.Copy",),
    "io.LimitReader": ("io.ReadAll", "ioutil.ReadAll", "io.Copy"),
    "http.MaxBytesReader": ("io.ReadAll", "ioutil.ReadAll", "io.Copy", "json.NewDecoder"),
}

_JS_EX_BEFORE = "function attach(res, name) {\n  res.setHeader('Content-Disposition', 'attachment; filename=\"' + escapeQuotes(name) + '\"');\n}\n"
_JS_EX_AFTER = "function attach(res, name) {\n  res.setHeader('Content-Disposition', 'attachment; filename=\"' + name + '\"');\n}\n"

RULES = (
    RuleSpec(
        ESCAPING, "Escaping removed", Severity.MEDIUM,
        "An escaping/encoding call (html.EscapeString, url.QueryEscape, encodeURIComponent, escapeHtml, a function "
        "or replacer named *escape*/*sanitize*; in Python also html.escape, markupsafe.escape, escape_filter_chars, "
        "quote and *scrub*/*redact* helpers) was removed while the value it escaped is still used, or is now used "
        "inline where the escaped copy was: header, redirect, markup and LDAP injection, secrets no longer redacted.",
        (Example(_JS_EX_BEFORE, _JS_EX_AFTER, True), Example(_JS_EX_AFTER, _JS_EX_BEFORE, False, "escaping added")),
        languages=ESCAPING_LANGS, intrinsic="injection",
    ),
    RuleSpec(
        REDOS, "Regex made catastrophic (ReDoS)", Severity.MEDIUM,
        "A regex literal was edited into a backtracking-prone form: a nested unbounded quantifier (`(a+)+`, "
        "`(.+\\.)*`) or an unanchored leading unbounded repeat followed by a suffix that can fail (`/\\/+$/`, "
        "`/\\s+$/`), which is quadratic on every failed search, or a chain of three or more unbounded repeats with "
        "overlapping characters before a part that can fail (`^\\s*(.*?)\\s*$`-like, O(n^k)); the reasons are shared "
        "with limit-relaxed (semdiff/rules/_regex_risk.py). Not Go: RE2 does not backtrack.",
        (Example("function trim(s) {\n  return s.replace(/\\/?\\/$/, '');\n}\n", "function trim(s) {\n  return s.replace(/\\/+$/, '');\n}\n", True),
         Example("function trim(s) {\n  return s.replace(/\\/+$/, '');\n}\n", "function trim(s) {\n  return s.replace(/\\/?\\/$/, '');\n}\n", False, "fixed")),
        languages=BACKTRACKING_LANGS, intrinsic="dos",
    ),
    RuleSpec(
        PROTO, "Prototype-pollution key check removed", Severity.HIGH,
        "A check comparing a property key with '__proto__', 'constructor' or 'prototype' is gone from the file "
        "(and from every other unit of the change): attacker-chosen keys can reach Object.prototype.",
        (Example("function set(obj, key, v) {\n  if (key === '__proto__') return;\n  obj[key] = v;\n}\n",
                 "function set(obj, key, v) {\n  obj[key] = v;\n}\n", True),
         Example("function set(obj, key, v) {\n  if (key === '__proto__') return;\n  obj[key] = v;\n}\n",
                 "function set(obj, key, v) {\n  if (['__proto__', 'constructor'].includes(key)) return;\n  obj[key] = v;\n}\n",
                 False, "check rewritten, still there")),
        languages=("javascript", "typescript"), intrinsic="injection",
    ),
    RuleSpec(
        HEADERS, "Credentials forwarded across origins", Severity.HIGH,
        "A step that stripped Authorization/Cookie/... headers (on a redirect to another host or protocol) was "
        "removed, or the condition that triggers it now holds in fewer cases (a disjunct dropped or a conjunct "
        "added), or (Python) a set of credential header names is gone from the file or a strip-list of them lost a "
        "header, or a same-origin test that "
        "gated attaching a credential (XSRF cookie value, Authorization) now passes for another origin (an "
        "alternative ORed around it, or the test dropped from the flag): credentials leak to the new origin.",
        (Example("function follow(opts, same) {\n  if (!same) {\n    opts.headers.delete('authorization');\n  }\n}\n",
                 "function follow(opts, same) {\n}\n", True),
         Example("function follow(opts, same) {\n  if (!same) {\n    opts.headers.delete('authorization');\n  }\n}\n",
                 "function follow(opts, same) {\n  if (!same || opts.downgrade) {\n    opts.headers.delete('authorization');\n  }\n}\n",
                 False, "stripped in more cases")),
        languages=ESCAPING_LANGS, intrinsic="authn",
    ),
    RuleSpec(
        READ_LIMIT, "Bounded read made unbounded", Severity.MEDIUM,
        "io.CopyN / io.LimitReader / http.MaxBytesReader was replaced by an unbounded read (io.Copy, io.ReadAll): "
        "a decompression bomb or huge body is read whole into memory.",
        (Example("package p\n\nfunc inflate(dst, src Buf) error {\n\t_, err := io.CopyN(dst, src, 1<<20)\n\treturn err\n}\n",
                 "package p\n\nfunc inflate(dst, src Buf) error {\n\t_, err := io.Copy(dst, src)\n\treturn err\n}\n", True),
         Example("package p\n\nfunc inflate(dst, src Buf) error {\n\t_, err := io.Copy(dst, src)\n\treturn err\n}\n",
                 "package p\n\nfunc inflate(dst, src Buf) error {\n\t_, err := io.CopyN(dst, src, 1<<20)\n\treturn err\n}\n", False, "bounded")),
        languages=("go",), intrinsic="dos",
    ),
)
_CSP_BEFORE = ("class ExportHandler(BaseHandler):\n"
               "    @property\n"
               "    def content_security_policy(self):\n"
               "        return super().content_security_policy + '; sandbox allow-scripts'\n\n"
               "    def get(self, path):\n"
               "        self.finish(render_html(path))\n")
_CSP_AFTER = ("class ExportHandler(BaseHandler):\n"
              "    def get(self, path):\n"
              "        self.finish(render_html(path))\n")
RULES = RULES + (
    RuleSpec(
        BROWSER_POLICY, "Browser protection header or directive removed", Severity.MEDIUM,
        "A string that set a browser protection (a Content-Security-Policy directive such as `sandbox`, "
        "`default-src`, `script-src`, `frame-ancestors`; the X-Frame-Options, X-Content-Type-Options `nosniff`, "
        "Strict-Transport-Security or Cross-Origin-*-Policy headers) is gone from a handler or class that still "
        "exists, and from every other unit of the change: pages it served can now run scripts with the site's "
        "origin, be framed, or be sniffed as HTML.",
        (Example(_CSP_BEFORE, _CSP_AFTER, True, "sandbox override removed"),
         Example(_CSP_BEFORE, _CSP_BEFORE.replace("'; sandbox allow-scripts'", "'; sandbox allow-scripts allow-forms'"),
                 False, "directive still set")),
        languages=ESCAPING_LANGS, intrinsic="xss",
    ),
)
_NS_BEFORE = ("def user_info(provider, me):\n"
              "    if provider == 'github':\n"
              "        return {'username': 'github_' + me['login'], 'email': me['email']}\n"
              "    return {}\n")
RULES = RULES + (
    RuleSpec(
        IDENTITY_NS, "Identity namespace prefix removed", Severity.MEDIUM,
        "An identity value (username, user_id, uid, login, principal, subject) that was built with a literal "
        "namespace prefix (`'github_' + login`, f'ldap:{uid}') is now the bare value: an account from one "
        "provider or realm can take the name of an account from another (account takeover by name collision).",
        (Example(_NS_BEFORE, _NS_BEFORE.replace("'github_' + me['login']", "me['login']"), True, "prefix dropped"),
         Example(_NS_BEFORE, _NS_BEFORE.replace("'github_' + me['login']", "f\"{provider}_{me['login']}\""), False,
                 "still namespaced, by the provider's name")),
        languages=("python", "javascript", "typescript"), intrinsic="authn",
    ),
)
SPEC = {r.id: r for r in RULES}
# path each rule's table examples are read as (`Example` has no path field)
EXAMPLE_PATHS = {ESCAPING: "src/example.js", REDOS: "src/example.js", PROTO: "src/example.js",
                 HEADERS: "src/example.js", READ_LIMIT: "pkg/example.go", BROWSER_POLICY: "app/handlers.py", IDENTITY_NS: "app/oauth.py"}


# ---------------------------------------------------------------- escaping


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


def _first_arg(call: Call) -> Optional[str]:
    pos = call.positional
    return pos[0].value if pos else None


def _escaping(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    b_esc = [c for c in before.calls if is_escaper(c.callee) and _first_arg(c)]
    a_esc = [c for c in after.calls if is_escaper(c.callee) and _first_arg(c)]
    key = lambda c: (tail(c.callee), _first_arg(c))  # noqa: E731
    # a value escaped by a different escaper now (escapeQuotes -> html.EscapeString) is still escaped
    still_escaped = {_first_arg(c) for c in new_items(b_esc, a_esc, key=key)}
    for b in new_items(a_esc, b_esc, key=key):
        arg = _first_arg(b) or ""
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
            SPEC[ESCAPING], change, ctx, f"{b.callee}({arg}) removed; {arg} is now used unescaped",
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


def _py_escaping(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    """Python form of the escaping check. Besides `escape(x)` gone while `x` is still used it
    reads `escaped = escape_filter_chars(username)` gone while `username` is used on a touched
    line, a conversion in the argument (`escape(URL.decode())` -> `URL`), and the scrubbed copy
    inlined away (`v = d[k]; v = scrub(v); out[k] = v` -> `out[k] = d[k]`)."""
    before, after = change.before, change.after
    assert before is not None and after is not None
    b_esc = [c for c in before.calls if is_escaper(c.callee, "python") and _first_arg(c)]
    a_esc = [c for c in after.calls if is_escaper(c.callee, "python") and _first_arg(c)]
    key = lambda c: (tail(c.callee), _first_arg(c))  # noqa: E731
    still_escaped = {_first_arg(c) for c in new_items(b_esc, a_esc, key=key)}
    reported: set[str] = set()
    for b in new_items(a_esc, b_esc, key=key):
        arg = _first_arg(b) or ""
        name = _py_flowing_name(arg)
        if b.positional[0].literal is not None or arg in still_escaped or name is None or name in reported:
            continue
        if name in still_escaped or any(_py_flowing_name(_first_arg(c) or "") == name for c in a_esc):
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
        if where is None:
            continue  # the value is no longer used where it was escaped: nothing unescaped flows on
        reported.add(name)
        yield make_finding(
            SPEC[ESCAPING], change, ctx, f"{b.callee}({arg}) removed; {how}",
            before_line=b.span.line, after_line=where, evidence_before=src.strip(), evidence_after=unit_line(after, where).strip(),
        )


# ---------------------------------------------------------------- ReDoS


def _redos(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    for b, a in pair_regex_sites(change.before, change.after):
        reasons = backtracking_reasons(b.pattern, a.pattern, quadratic_prefix=True)
        if reasons:
            yield make_finding(
                SPEC[REDOS], change, ctx, f"regex /{a.pattern}/ (was /{b.pattern}/): " + "; ".join(reasons),
                before_line=b.line, after_line=a.line, evidence_before=b.pattern, evidence_after=a.pattern,
            )


# ---------------------------------------------------------------- prototype pollution


_POLLUTION = re.compile(r"""^["'`](%s)["'`]$""" % "|".join(re.escape(k) for k in POLLUTION_KEYS))


def _pollution_keys(unit: Unit) -> list[tuple[str, int, str]]:
    """(key, line, text) of every comparison with, or list item of, a pollution key."""
    out = []
    for c in unit.comparisons:
        for side in (c.left_text, c.right_text):
            m = _POLLUTION.match(side.strip())
            if m:
                out.append((m.group(1), c.span.line, f"{c.left_text} {c.source_op} {c.right_text}"))
    for lit in unit.literals:
        for item in lit.items:
            if item.strip("\"'`") in POLLUTION_KEYS and lit.kind in ("list", "set", "tuple"):
                out.append((item.strip("\"'`"), lit.span.line, lit.text))
    return out


def _file_keys(units: Mapping[tuple[str, str], object]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for u in units.values():
        if isinstance(u, Unit) and u.language in ("javascript", "typescript"):
            for k, _, _ in _pollution_keys(u):
                counts[k] = counts.get(k, 0) + 1
    return counts


def _prototype(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    b_keys, a_keys = _pollution_keys(before), _pollution_keys(after)
    lost = new_items([k for k, _, _ in a_keys], b_keys, key=lambda x: x[0])
    if not lost:
        return
    # the check may have moved into a helper: only report keys checked less often in the whole change
    b_all, a_all = _file_keys(ctx.before_units), _file_keys(ctx.after_units)
    for key, line, text in lost:
        if a_all.get(key, 0) >= b_all.get(key, 0) and b_all:
            continue
        yield make_finding(
            SPEC[PROTO], change, ctx,
            f"the check `{text}` is gone: a '{key}' key now reaches the object unchecked (prototype pollution)",
            before_line=line, evidence_before=text,
        )
        return


# ---------------------------------------------------------------- credential headers


_SENSITIVE = re.compile(r"""["'`](%s)["'`]""" % "|".join(re.escape(h) for h in SENSITIVE_HEADERS), re.I)


def _strip_calls(unit: Unit) -> list[Call]:
    """Header-removal calls whose header is a sensitive literal, or a loop variable over a
    literal list of sensitive names on one of the three lines above."""
    out = []
    for c in unit.calls:
        parts = c.callee.split(".")
        if parts[-1].lower() not in HEADER_REMOVERS or not any("header" in p.lower() for p in parts[:-1]):
            continue
        arg = _first_arg(c) or ""
        if _SENSITIVE.search(arg) or any(_SENSITIVE.search(unit_line(unit, ln)) for ln in range(c.span.line - 3, c.span.line)):
            out.append(c)
    return out


def _split_top(cond: str, op: str) -> list[str]:
    """Split a condition on a top-level boolean operator (outside brackets and strings)."""
    return [re.sub(r"\s+", "", p) for p in split_top(cond, op) if p.strip()]


_IF = re.compile(r"^\s*(?:}\s*else\s+)?if\s*\(?(.*?)\)?\s*\{\s*$")


def _enclosing_condition(unit: Unit, line: int) -> Optional[tuple[int, str]]:
    """The `if` condition directly enclosing `line` (the nearest less-indented `if ... {` above)."""
    text = unit_line(unit, line)
    indent = len(text) - len(text.lstrip())
    for ln in range(line - 1, max(unit.span.line, line - 6) - 1, -1):
        src = unit_line(unit, ln)
        if not src.strip():
            continue
        ind = len(src) - len(src.lstrip())
        if ind < indent:
            m = _IF.match(src)
            if m:
                return ln, m.group(1)
            indent = ind
    return None


def _narrower(before: str, after: str) -> bool:
    """Does the stripping trigger hold in fewer cases: a disjunct dropped or a conjunct added?"""
    bo, ao = _split_top(before, "||"), _split_top(after, "||")
    if len(bo) > 1 or len(ao) > 1:
        return set(ao) < set(bo)
    ba, aa = _split_top(before, "&&"), _split_top(after, "&&")
    return set(ba) < set(aa)


def _headers(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    b_strip, a_strip = _strip_calls(before), _strip_calls(after)
    if len(a_strip) < len(b_strip):
        b = b_strip[len(a_strip)] if not a_strip else next((c for c in b_strip if c.text not in {x.text for x in a_strip}), b_strip[-1])
        yield make_finding(
            SPEC[HEADERS], change, ctx,
            f"`{b.text}` no longer runs: credential headers are kept when the request goes to another origin",
            before_line=b.span.line, evidence_before=b.text,
        )
        return
    for b, a in zip(b_strip, a_strip):
        bc, ac = _enclosing_condition(before, b.span.line), _enclosing_condition(after, a.span.line)
        if bc and ac and _narrower(bc[1], ac[1]):
            yield make_finding(
                SPEC[HEADERS], change, ctx,
                f"credential headers are stripped in fewer cases: `{bc[1].strip()}` became `{ac[1].strip()}`",
                before_line=bc[0], after_line=ac[0], evidence_before=bc[1].strip(), evidence_after=ac[1].strip(),
                confidence=Confidence.MEDIUM,
            )


# ---------------------------------------------------------------- origin test bypassed

# a same-origin test by its name (isURLSameOrigin, same_origin, is_same_host, isSameSite) or these
ORIGIN_CALLS = ("url_has_allowed_host_and_scheme", "is_safe_url", "is_same_domain")
# what the gated statement carries: a credential sent only to the same origin
CREDENTIAL_TEXT = re.compile(r"(?i)xsrf|csrf|cookie|token|authori[sz]ation|credential|secret|passw|session|api_?key|bearer")
_CONT_END = re.compile(r"(?:&&|\|\||\(|=|,|\band|\bor|\bnot|\\)\s*$")
_CONT_START = re.compile(r"^\s*(?:&&|\|\||\)|\band\b|\bor\b|\?|:(?!\s*$))")
_ASSIGN = re.compile(r"^\s*(?:(?:const|let|var|final|auto)\s+)?([\w$.]+)\s*(?::[^=]+)?(?<![=!<>])=(?!=)\s*(.+?);?\s*$", re.S)
_COND = re.compile(r"^\s*(?:}\s*)?(?:else\s+)?(?:if|elif|while)\s*(.+?)\s*[{:]?\s*$", re.S)
_RETURN = re.compile(r"^\s*return\s+(.+?);?\s*$", re.S)


_SAME_ORIGIN = re.compile(r"(?i)same_?(?:origin|site|host|domain)")


def is_origin_check(callee: str) -> bool:
    return bool(callee_is(callee, ORIGIN_CALLS)) or bool(_SAME_ORIGIN.search(callee.rsplit(".", 1)[-1]))


def _statement(unit: Unit, line: int) -> tuple[int, int, str]:
    """The statement around `line`: joined while a line ends with or the next begins with a
    boolean operator, an open parenthesis or `=` (a condition continued over lines)."""
    start = end = line
    while start > unit.span.line and (_CONT_END.search(unit_line(unit, start - 1)) or _CONT_START.match(unit_line(unit, start))):
        start -= 1
    while end < unit.span.end_line and (_CONT_END.search(unit_line(unit, end)) or _CONT_START.match(unit_line(unit, end + 1))):
        end += 1
    return start, end, " ".join(unit_line(unit, ln).strip() for ln in range(start, end + 1))


def _split_bool(text: str, ops: tuple[str, ...]) -> list[str]:
    """`text` split at top-level occurrences of `ops` (outside brackets and strings)."""
    parts, depth, i, cur, quote = [], 0, 0, "", ""
    while i < len(text):
        ch = text[i]
        if quote:
            cur += ch
            if ch == "\\" and i + 1 < len(text):
                cur += text[i + 1]
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote, cur = ch, cur + ch
        elif ch in "([{":
            depth, cur = depth + 1, cur + ch
        elif ch in ")]}":
            depth, cur = depth - 1, cur + ch
        elif depth == 0 and any(text.startswith(op, i) and (op[0] in "&|" or (
                (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")) and
                (i + len(op) >= len(text) or not (text[i + len(op)].isalnum() or text[i + len(op)] == "_")))) for op in ops):
            op = next(o for o in ops if text.startswith(o, i))
            parts.append(cur)
            cur = ""
            i += len(op)
            continue
        else:
            cur += ch
        i += 1
    parts.append(cur)
    return [p.strip() for p in parts]


def _wrapped(text: str) -> bool:
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(text) - 1:
            return False
    return True


def bool_formula(text: str, aliases: Optional[Mapping[str, str]] = None, depth: int = 0) -> Formula:
    """A condition's text as a formula: `||`/`or`, `&&`/`and`, `!`/`not` and parentheses;
    every other operand is an atom keyed by its whitespace-free text (aliases applied)."""
    text = text.strip()
    if depth > 40:
        return Atom(key=squash(text), text=text)
    for ops, build in (((" or ", "||"), disj), ((" and ", "&&"), conj)):
        parts = _split_bool(text, tuple(o.strip() if o.strip() in ("or", "and") else o for o in ops))
        if len(parts) > 1 and all(parts):
            return build(*(bool_formula(p, aliases, depth + 1) for p in parts))
    if _wrapped(text):
        return bool_formula(text[1:-1], aliases, depth + 1)
    m = re.match(r"^(?:!(?!=)|not\s+)(.*)$", text, re.S)
    if m:
        return neg(bool_formula(m.group(1), aliases, depth + 1))
    key = squash(text)
    key = (aliases or {}).get(key, key)
    return Atom(key=key, text=text)


def _origin_sites(unit: Unit) -> dict[tuple[str, str], tuple[int, str, str]]:
    """Statements that test an origin check: (kind, name) -> (line, expression, call key)."""
    out: dict[tuple[str, str], tuple[int, str, str]] = {}
    for c in unit.calls:
        if not is_origin_check(c.callee):
            continue
        start, _end, stmt = _statement(unit, c.span.line)
        m = _ASSIGN.match(stmt)
        if m and not stmt.lstrip().startswith(("if", "elif", "while", "return")):
            site, expr = ("=", m.group(1)), m.group(2)
        elif _COND.match(stmt):
            site, expr = ("if", squash(c.text)), _COND.match(stmt).group(1)
        elif _RETURN.match(stmt):
            site, expr = ("return", squash(c.text)), _RETURN.match(stmt).group(1)
        else:
            continue
        if CREDENTIAL_TEXT.search(stmt):
            out.setdefault(site, (start, expr, squash(c.text)))
    return out


def _aliases(unit: Unit) -> dict[str, str]:
    """`same = isURLSameOrigin(url)` bound on its own: the local stands for the call."""
    out: dict[str, str] = {}
    for c in unit.calls:
        if is_origin_check(c.callee):
            m = _ASSIGN.match(unit_line(unit, c.span.line))
            if m and squash(m.group(2)) == squash(c.text):
                out[squash(m.group(1))] = squash(c.text)
    return out


def _origin_bypass(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    """A credential-carrying statement gated by a same-origin test now holds in a case where
    that test fails (`sameOrigin(u) && token` -> `(withCredentials || sameOrigin(u)) && token`,
    or the test dropped): the credential goes to other origins."""
    before, after = change.before, change.after
    assert before is not None and after is not None
    b_sites = _origin_sites(before)
    if not b_sites:
        return
    a_alias = _aliases(after)
    for (kind, name), (b_line, b_expr, call_key) in b_sites.items():
        a_line, a_expr = None, None
        if kind == "=":
            for ln in range(after.span.line, after.span.end_line + 1):
                start, _end, stmt = _statement(after, ln)
                m = _ASSIGN.match(stmt)
                if m and m.group(1) == name and CREDENTIAL_TEXT.search(stmt):
                    a_line, a_expr = start, m.group(2)
                    break
        else:
            hit = _origin_sites(after).get((kind, name))
            if hit:
                a_line, a_expr = hit[0], hit[1]
        if a_expr is None:
            continue
        bf = bool_formula(b_expr, _aliases(before))
        af = bool_formula(a_expr, a_alias)
        if call_key not in {a.key for a in atoms_of(bf)}:
            continue
        origin = Atom(key=call_key, text=call_key)
        w = logic.witness(conj(neg(origin), af), bf)
        if w is None or isinstance(w, logic.Unknown):
            continue
        yield make_finding(
            SPEC[HEADERS], change, ctx,
            f"the same-origin test `{call_key}` no longer gates this credential: `{b_expr.strip()}` became "
            f"`{a_expr.strip()}`, which holds for another origin when {logic.describe(w, [af, bf]) or 'the test fails'}",
            before_line=b_line, after_line=a_line, evidence_before=b_expr.strip(), evidence_after=a_expr.strip(),
            witness=logic.describe(w, [af, bf]), confidence=Confidence.MEDIUM,
        )


# ---------------------------------------------------------------- identity namespace

_IDENTITY_KEY = r"(?:user_?name|userName|user_?id|userId|uid|login|principal|subject|account_?id|accountId|remote_?user)"
_IDENTITY_SITE = re.compile(r"""(?<![\w$.])(?:(['"])""" + _IDENTITY_KEY + r"""\1|""" + _IDENTITY_KEY + r""")\s*(?::(?!:)|=(?!=)|\]\s*=(?!=))\s*""")
_CONCAT_PREFIX = re.compile(r"""^[bu]?(["'])((?:\\.|(?!\1).)+)\1\s*\+\s*(.+)$""", re.S)
_FSTRING_PREFIX = re.compile(r"""^[fF](["'])([^{}"']+)\{([^{}]+)\}\1$""")
_TEMPLATE_PREFIX = re.compile(r"""^`([^`$]+)\$\{([^{}]+)\}`$""")


def _top_value(text: str) -> str:
    """The expression at the start of `text`, up to a top-level `,`, `;` or closing bracket."""
    depth, quote, i = 0, "", 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif ch in ",;\n" and depth == 0:
            break
        i += 1
    return text[:i].strip()


def _identity_values(unit: Unit) -> list[tuple[int, str, str, str]]:
    """(line, key, prefix, rest) for each identity value in the unit; prefix is '' when bare."""
    out = []
    for off, src in enumerate(unit.text.splitlines()):
        for m in _IDENTITY_SITE.finditer(src):
            key = re.sub(r"['\"_]", "", m.group(0).split(":")[0].split("=")[0].split("]")[0]).strip().lower()
            value = _top_value(src[m.end():])
            if not value:
                continue
            prefix, rest = "", value
            for rx in (_CONCAT_PREFIX, _FSTRING_PREFIX, _TEMPLATE_PREFIX):
                pm = rx.match(value)
                if pm:
                    prefix, rest = (pm.group(2), pm.group(3)) if rx is not _TEMPLATE_PREFIX else (pm.group(1), pm.group(2))
                    break
            out.append((unit.span.line + off, key, prefix, squash(rest)))
    return out


def _identity_namespace(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    """`'github_' + login` -> `login` for the same identity key: the provider/realm prefix that
    kept external accounts apart from each other (and from local ones) is gone. A prefix
    replaced by another prefix, or kept anywhere for the same value, is not a removal."""
    before, after = change.before, change.after
    assert before is not None and after is not None
    b_vals = _identity_values(before)
    if not any(p for _l, _k, p, _r in b_vals):
        return
    a_vals = _identity_values(after)
    a_prefixed = {(k, r) for _l, k, p, r in a_vals if p}
    a_bare = {(k, r): ln for ln, k, p, r in a_vals if not p}
    dropped = [(ln, k, p, r) for ln, k, p, r in b_vals if p and (k, r) in a_bare and (k, r) not in a_prefixed]
    if not dropped:
        return
    ln, key, prefix, rest = dropped[0]
    prefixes = sorted({p for _l, _k, p, _r in dropped})
    yield make_finding(
        SPEC[IDENTITY_NS], change, ctx,
        f"the {key} is no longer namespaced: `{prefix}` + {rest} became the bare {rest}"
        + (f" (prefixes dropped: {', '.join(prefixes)})" if len(prefixes) > 1 else "")
        + ": accounts from different providers or realms can now share a name",
        before_line=ln, after_line=a_bare[(key, rest)], evidence_before=unit_line(before, ln).strip(),
        evidence_after=unit_line(after, a_bare[(key, rest)]).strip(), confidence=Confidence.MEDIUM,
    )


_PY_SET_CALL = re.compile(r"^(?:frozenset|set|tuple|list)\(\s*[\[\(\{](.*)[\]\)\}]\s*\)$", re.S)
_PY_STR = re.compile(r"""[bBuU]?(["'])(.*?)\1""")


def _all_sensitive(items: list[str]) -> bool:
    return len(items) >= 2 and all(i.lower() in SENSITIVE_HEADERS for i in items)


def _py_sensitive_sets(unit: Unit) -> list[tuple[int, str]]:
    """(line, text) of each collection literal bound in the unit whose items are all credential
    header names (two or more): the list a redirect or proxy strips before forwarding."""
    out: dict[int, str] = {}
    for lit in unit.literals:
        if lit.kind in ("list", "set", "tuple") and _all_sensitive([i.strip("\"'") for i in lit.items]):
            out.setdefault(lit.span.line, lit.text)
    for st in unit.settings:
        m = _PY_SET_CALL.match(st.value)  # frozenset([...]) is a call, not a collection literal
        if m:
            items = [x.strip() for x in m.group(1).split(",") if x.strip()]
            strs = [_PY_STR.fullmatch(x) for x in items]
            if all(strs) and _all_sensitive([x.group(2) for x in strs if x]):
                out.setdefault(st.span.line, st.text)
    return sorted(out.items())


def _py_file_sets(units: Mapping[tuple[str, str], object], path: str) -> int:
    return sum(len(_py_sensitive_sets(u)) for (p, _), u in units.items() if p == path and isinstance(u, Unit))


def _py_headers(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    """Python: a set of credential header names (Authorization, Cookie, ...) is gone from the
    file. Code that strips those headers on a cross-origin redirect keys on such a set; when
    it disappears from the whole file (not moved or renamed), nothing strips them any more."""
    before, after = change.before, change.after
    assert before is not None and after is not None
    lost = _py_sensitive_sets(before)
    if len(_py_sensitive_sets(after)) >= len(lost) or not lost:
        return
    if _py_file_sets(ctx.after_units, after.path) >= _py_file_sets(ctx.before_units, before.path) and ctx.before_units:
        return
    line, text = lost[0]
    text = re.sub(r"\s+", " ", text).replace("[ ", "[").replace("( ", "(").replace(", ]", "]")
    yield make_finding(
        SPEC[HEADERS], change, ctx,
        f"the credential header set `{text.strip()[:120]}` is gone: nothing names the headers to strip when a "
        f"request is forwarded or redirected",
        before_line=line, evidence_before=text.strip()[:200],
    )


# a set of credential headers is a strip-list (losing an item leaks it) when its name says so;
# a list of headers to forward or copy shrinking is the opposite
_STRIP_WORDS = ("remove", "removed", "strip", "stripped", "drop", "redact", "redacted", "sensitive", "secret",
                "secrets", "private", "mask", "masked", "hide", "hidden", "exclude", "excluded", "unsafe",
                "credential", "credentials", "filtered", "scrub")


def _py_named_header_sets(unit: Unit) -> dict[str, tuple[int, str, frozenset[str]]]:
    """Credential-header sets bound to a strip-list name: name -> (line, text, lower-case items)."""
    out: dict[str, tuple[int, str, frozenset[str]]] = {}
    for st in unit.settings:
        if not name_words(st.key) & set(_STRIP_WORDS):
            continue
        m = _PY_SET_CALL.match(st.value)
        raw = [x.strip() for x in m.group(1).split(",") if x.strip()] if m else []
        strs = [_PY_STR.fullmatch(x) for x in raw]
        if raw and all(strs) and all(x.group(2).lower() in SENSITIVE_HEADERS for x in strs if x):
            out[st.key] = (st.span.line, st.text, frozenset(x.group(2).lower() for x in strs if x))
    for lit in unit.literals:
        items = [i.strip("\"'").lower() for i in lit.items]
        if (lit.kind in ("list", "set", "tuple") and items and all(i in SENSITIVE_HEADERS for i in items)
                and name_words(lit.target) & set(_STRIP_WORDS)):
            out.setdefault(lit.target, (lit.span.line, lit.text, frozenset(items)))
    return out


def _py_header_set_shrank(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    """Python: a strip-list of credential headers (`REMOVE_HEADERS_ON_REDIRECT = frozenset([...])`)
    still exists but lost a header: that header now follows the request to the other origin.
    (A set that is gone altogether is `_py_headers`' finding.)"""
    before, after = change.before, change.after
    assert before is not None and after is not None
    b_sets, a_sets = _py_named_header_sets(before), _py_named_header_sets(after)
    for key, (a_line, a_text, a_items) in a_sets.items():
        if key not in b_sets:
            continue
        b_line, b_text, b_items = b_sets[key]
        lost = sorted(b_items - a_items)
        if not lost or a_items - b_items or len(a_items) < 2:  # fewer than two: `_py_headers` reports it gone
            continue
        yield make_finding(
            SPEC[HEADERS], change, ctx,
            f"{key} no longer names {', '.join(lost)}: that header is now kept when a request is forwarded or "
            f"redirected to another origin",
            before_line=b_line, after_line=a_line, evidence_before=re.sub(r"\s+", " ", b_text).strip()[:200],
            evidence_after=re.sub(r"\s+", " ", a_text).strip()[:200],
        )


# ---------------------------------------------------------------- bounded reads


def _read_limits(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    any_bounded = tuple(BOUNDED_READS)
    if sum(bool(callee_is(c.callee, any_bounded)) for c in after.calls) >= sum(bool(callee_is(c.callee, any_bounded)) for c in before.calls):
        return  # one bounded reader swapped for another (io.CopyN -> io.Copy(io.LimitReader(...))): still bounded
    for bounded, unbounded in BOUNDED_READS.items():
        b_b = [c for c in before.calls if callee_is(c.callee, (bounded,))]
        a_b = [c for c in after.calls if callee_is(c.callee, (bounded,))]
        if len(a_b) >= len(b_b):
            continue
        gained = new_items([c for c in before.calls if callee_is(c.callee, unbounded)],
                           [c for c in after.calls if callee_is(c.callee, unbounded)], key=lambda c: c.callee)
        if not gained:
            continue
        b, a = b_b[-1], gained[0]
        yield make_finding(
            SPEC[READ_LIMIT], change, ctx, f"{b.callee}() replaced by {a.callee}(): the read is no longer bounded",
            before_line=b.span.line, after_line=a.span.line, evidence_before=b.text, evidence_after=a.text,
        )


# ---------------------------------------------------------------- browser protection policy

# string literals of Python, JS/TS, Go and Java (prefixes and template strings included)
_ANY_STRING = re.compile(r"""[rbufRBUF]*(?:"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)""")
# a literal that *is* a protection header's name (`set_header("X-Frame-Options", ...)`)
_POLICY_HEADERS = re.compile(
    r"(?i)content-security-policy|x-frame-options|x-content-type-options|strict-transport-security|"
    r"cross-origin-(?:opener|embedder|resource)-policy")
# a literal that is a policy: `;`-separated lowercase directives, at least one of them a
# protecting one (`default-src 'self'`, `; sandbox allow-scripts`, `frame-ancestors 'none'`);
# prose that merely names a directive ("add a 'sandbox' directive") is not a policy
_DIRECTIVE_PART = re.compile(r"[a-z][a-z-]*(?:\s+[^;\s]+)*")
PROTECTING_DIRECTIVES = frozenset({
    "sandbox", "default-src", "script-src", "script-src-elem", "script-src-attr", "object-src", "frame-ancestors",
    "base-uri", "form-action", "require-trusted-types-for", "trusted-types", "upgrade-insecure-requests",
})
# calls that set the protection headers themselves (helmet(), Talisman(app), SecureHeaders):
# hand-written headers replaced by one of them are not removed
HEADER_SETTER_WORDS = frozenset({"helmet", "talisman", "csp", "secureheaders", "secure_headers", "securityheaders",
                                 "contentsecuritypolicy", "frameguard", "hsts"})
# docstrings and whole-line comments talk about a policy; they do not send it
_NOT_CODE = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|^\s*(?:#|//|\*|/\*).*$', re.M)


def _literal_tokens(body: str) -> list[str]:
    body = body.strip()
    if _POLICY_HEADERS.fullmatch(body):
        return [body.lower()]
    if body.lower() == "nosniff":
        return ["nosniff"]
    parts = [p.strip() for p in body.split(";") if p.strip()]
    if not parts or not all(_DIRECTIVE_PART.fullmatch(p) for p in parts):
        return []
    if ";" not in body and len(parts[0].split()) == 1:
        return []  # one bare word ('sandbox', a payment provider's mode) is no policy
    return [f"csp {p.split()[0]}" for p in parts if p.split()[0] in PROTECTING_DIRECTIVES]


def policy_tokens(text: str) -> list[str]:
    """The browser-protection tokens in the string literals of `text` (one per occurrence)."""
    out: list[str] = []
    for m in _ANY_STRING.finditer(_NOT_CODE.sub("", text)):
        lit = m.group(0).lstrip("rbufRBUF")
        out.extend(_literal_tokens(lit[1:-1]))
    return out


def _own_text(unit: Unit, units: Mapping[tuple[str, str], object]) -> str:
    """A unit's text without the text of units nested in it (a class body without its
    methods), so one string is counted once, in the unit that holds it."""
    lines = unit.text.splitlines()
    for u in units_in_file(units, unit.path):
        if isinstance(u, Unit) and u.parent == unit.qualname and u is not unit:
            for ln in range(u.span.line, u.span.end_line + 1):
                i = ln - unit.span.line
                if 0 <= i < len(lines):
                    lines[i] = ""
    return "\n".join(lines)


# cheap test before a unit's strings are read (most units mention no browser protection)
_POLICY_HINT = re.compile(r"(?i)content-security|x-frame|x-content-type|strict-transport|cross-origin-|nosniff|"
                          r"-src\b|sandbox|frame-ancestors|base-uri|trusted-types|upgrade-insecure")


def _counts(units: Iterable[object], side_units: Mapping[tuple[str, str], object]) -> dict[str, int]:
    out: dict[str, int] = {}
    for u in units:
        if isinstance(u, Unit) and _POLICY_HINT.search(u.text):
            for t in policy_tokens(_own_text(u, side_units)):
                out[t] = out.get(t, 0) + 1
    return out


def _browser_policy(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    """A browser-protection string gone from this unit, from its file and from the whole
    change, while the unit (or, for a deleted method, its class) still exists: moved
    elsewhere in the change, kept in another spelling of the same directive, or deleted
    with the whole handler is not reported."""
    before, after = change.before, change.after
    assert before is not None
    own_b = _counts([before], ctx.before_units)
    if not own_b:
        return
    if after is None:
        parent = before.parent
        if not parent or not any(getattr(u, "qualname", None) == parent for u in units_in_file(ctx.after_units, before.path)):
            return  # the whole class or file went: a removed feature, not a weakened one
        own_a: dict[str, int] = {}
    else:
        own_a = _counts([after], ctx.after_units)
    gone = [t for t, n in own_b.items() if own_a.get(t, 0) < n]
    if not gone:
        return
    file_b = _counts(units_in_file(ctx.before_units, before.path), ctx.before_units)
    after_path = after.path if after is not None else before.path
    file_a = _counts(units_in_file(ctx.after_units, after_path), ctx.after_units)
    all_a = _counts(ctx.after_units.values(), ctx.after_units)
    all_b = _counts(ctx.before_units.values(), ctx.before_units)
    gone = [t for t in gone if file_a.get(t, 0) < file_b.get(t, 0) and all_a.get(t, 0) < all_b.get(t, 0)]
    if not gone or _header_setter_added(ctx):
        return
    token = gone[0]
    line = next((ln for ln in range(before.span.line, before.span.end_line + 1)
                 if token in " ".join(policy_tokens(unit_line(before, ln)))), before.span.line)
    where = f"{change.qualname} was removed from {before.parent}" if after is None else f"{change.qualname} no longer sets it"
    yield make_finding(
        SPEC[BROWSER_POLICY], change, ctx,
        f"the browser protection `{token}` is no longer set: {where}, and nothing else in the change sets it",
        before_line=line, after_line=None, evidence_before=unit_line(before, line).strip(),
        witness=f"before: `{token}` sent with the response; after: not sent", confidence=Confidence.MEDIUM,
    )


def _setters(units: Iterable[object]) -> int:
    n = 0
    for u in units:
        for c in getattr(u, "calls", ()):
            parts = {p.lower() for p in c.callee.split(".")}
            if parts & HEADER_SETTER_WORDS or HEADER_SETTER_WORDS & set(words(c.callee)):
                n += 1
    return n


def _header_setter_added(ctx: RuleContext) -> bool:
    return _setters(ctx.after_units.values()) > _setters(ctx.before_units.values())


@family("protection-removed", RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.before is not None and change.language in ESCAPING_LANGS:
        policy = list(_browser_policy(change, ctx))
    else:
        policy = []
    if change.before is None or change.after is None:
        return policy
    if change.language == "python":
        return [*policy, *_py_escaping(change, ctx), *_py_headers(change, ctx), *_py_header_set_shrank(change, ctx), *_origin_bypass(change, ctx),
                *_identity_namespace(change, ctx)]
    if change.language == "python":
        return [*_py_escaping(change, ctx), *_py_headers(change, ctx), *_py_header_set_shrank(change, ctx)]
    if change.language not in LANGS:
        return []
    out: list[Finding] = [*policy, *_escaping(change, ctx), *_headers(change, ctx), *_origin_bypass(change, ctx)]
    if change.language in BACKTRACKING_LANGS:
        out.extend(_redos(change, ctx))
    if change.language in ("javascript", "typescript"):
        out.extend(_prototype(change, ctx))
        out.extend(_identity_namespace(change, ctx))
    if change.language == "go":
        out.extend(_read_limits(change, ctx))
    if change.language in ("javascript", "typescript"):
        from semdiff.rules._generated import as_generated

        out = as_generated(change, ctx, out)  # a bundle rebuilt beside its sources repeats them
    return out
