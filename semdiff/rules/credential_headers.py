"""credential-header-forwarded: credentials no longer kept from another origin.

Three ways the same leak shows, each compared before with after:

* a step that strips Authorization/Cookie/... on a redirect (`headers.delete('authorization')`,
  a helper named for it: `removeMatchingHeaders(/^(?:authorization|cookie)$/i, h)`) removed or
  naming fewer credential headers, or the condition that triggers it holding in fewer cases
  (JavaScript/TypeScript, Go, Java);
* (Python) a set of credential header names gone from the file, or a strip-list of them
  (`REMOVE_HEADERS_ON_REDIRECT`) that lost a header; or a step that drops one
  (`del request.headers["Authorization"]`, `headers.pop(b"Proxy-Authorization", None)`) gone
  from the file, or its trigger no longer testing one of its cases (the scheme change);
* a same-origin test that gated attaching a credential (XSRF cookie value, Authorization)
  now passing for another origin: an alternative ORed around it, or the test dropped.
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping, Optional

from semdiff import logic
from semdiff.align.units import UnitChange
from semdiff.ir import Atom, Call, Unit, atoms_of, conj, neg
from semdiff.lang.normal import split_top, squash
from semdiff.model import Confidence, Finding, Severity
from semdiff.relevance.names import words
from semdiff.rules._catalog2_ir import callee_is, name_words, unit_line
from semdiff.rules._condition_text import bool_formula, split_bool, statement
from semdiff.rules._web_protection import WEB_AND_PYTHON, bundle_repeats_low, first_arg
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

RULE_ID = "credential-header-forwarded"

# headers that carry credentials; stripping them is what keeps them from another origin
SENSITIVE_HEADERS = ("authorization", "proxy-authorization", "cookie", "cookie2", "www-authenticate", "x-api-key",
                     "x-auth-token", "x-csrf-token", "x-xsrf-token")
HEADER_REMOVERS = ("delete", "del", "remove", "removeheader", "unset")

RULES = (
    RuleSpec(
        RULE_ID, "Credentials forwarded across origins", Severity.HIGH,
        "A step that stripped Authorization/Cookie/... headers (on a redirect to another host or protocol) was "
        "removed or now names fewer of them (a header regex narrowed: `/^(?:authorization|cookie)$/i` -> "
        "`/^authorization$/i`), or the condition that triggers it now holds in fewer cases (a disjunct dropped or a "
        "conjunct added, or a case such as a scheme change no longer tested at all), or (Python) a set of credential header names is gone from the file or a strip-list of them lost a "
        "header, or a `del request.headers['Authorization']`/`headers.pop('Proxy-Authorization', None)` step is gone "
        "from the file or its trigger no longer tests one of its cases, or a same-origin test that "
        "gated attaching a credential (XSRF cookie value, Authorization) now passes for another origin (an "
        "alternative ORed around it, or the test dropped from the flag): credentials leak to the new origin.",
        (Example("function follow(opts, same) {\n  if (!same) {\n    opts.headers.delete('authorization');\n  }\n}\n",
                 "function follow(opts, same) {\n}\n", True),
         Example("function follow(opts, same) {\n  if (!same) {\n    opts.headers.delete('authorization');\n  }\n}\n",
                 "function follow(opts, same) {\n  if (!same || opts.downgrade) {\n    opts.headers.delete('authorization');\n  }\n}\n",
                 False, "stripped in more cases")),
        languages=WEB_AND_PYTHON, intrinsic="authn",
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "src/example.js"}


# ---------------------------------------------------------------- strip calls (JavaScript/TypeScript, Go, Java)


_SENSITIVE = re.compile(r"""["'`](%s)["'`]""" % "|".join(re.escape(h) for h in SENSITIVE_HEADERS), re.I)


# a helper named for removing headers (`removeMatchingHeaders(re, headers)`, `stripHeaders`, `dropHeaders`)
_HELPER_REMOVER_WORDS = frozenset({"remove", "delete", "strip", "drop", "unset"})
_HELPER_HEADER_WORDS = frozenset({"header", "headers"})
# a JavaScript regex literal: /body/flags
_REGEX_LITERAL = re.compile(r"^/(?P<body>(?:[^/\\\n]|\\.)+)/(?P<flags>[a-z]*)$")


def _is_remover(callee: str) -> bool:
    parts = callee.split(".")
    if parts[-1].lower() in HEADER_REMOVERS and any("header" in p.lower() for p in parts[:-1]):
        return True
    ws = name_words(parts[-1])
    return bool(ws & _HELPER_REMOVER_WORDS) and bool(ws & _HELPER_HEADER_WORDS)


def _regex_headers(arg: str) -> frozenset[str]:
    """The credential header names a header-matching regex literal (`/^(?:authorization|cookie)$/i`)
    matches, read by matching each known name against it (short pattern, short names)."""
    m = _REGEX_LITERAL.match(arg.strip())
    if not m or len(m.group("body")) > 200:
        return frozenset()
    try:
        rx = re.compile(m.group("body"), re.I if "i" in m.group("flags") else 0)
    except (re.error, RecursionError, OverflowError):
        return frozenset()
    return frozenset(h for h in SENSITIVE_HEADERS if rx.search(h))


def _stripped_headers(unit: Unit, c: Call) -> frozenset[str]:
    """The credential headers a removal call strips: its literal, its regex, or the literal list
    of names on one of the three lines above it (a loop variable)."""
    arg = first_arg(c) or ""
    found = {m.group(1).lower() for m in _SENSITIVE.finditer(arg)} | set(_regex_headers(arg))
    if not found:
        for ln in range(c.span.line - 3, c.span.line):
            found |= {m.group(1).lower() for m in _SENSITIVE.finditer(unit_line(unit, ln))}
    return frozenset(found)


def _strip_calls(unit: Unit) -> list[Call]:
    """Header-removal calls whose header is a sensitive literal or a regex literal matching one,
    or a loop variable over a literal list of sensitive names on one of the three lines above."""
    return [c for c in unit.calls if _is_remover(c.callee) and _stripped_headers(unit, c)]


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
            if re.match(r"\s*(?:}\s*else\s+)?if\s*\(", src):
                # a condition wrapped over a few lines: `if (a ||\n    b) {`
                joined = src
                for nxt in range(ln + 1, min(line, ln + 5)):
                    joined += " " + unit_line(unit, nxt).strip()
                    m = _IF.match(joined)
                    if m:
                        return ln, m.group(1)
            indent = ind
    return None


def _narrower(before: str, after: str) -> bool:
    """Does the stripping trigger hold in fewer cases: a disjunct dropped or a conjunct added,
    or a disjunct whose own subject (`a.protocol !== b.protocol`) the new condition no longer
    mentions at all (the rest rewritten around it)?"""
    bo, ao = _split_top(before, "||"), _split_top(after, "||")
    if len(bo) > 1 or len(ao) > 1:
        if set(ao) < set(bo):
            return True
        return _disjunct_forgotten(bo, after)
    ba, aa = _split_top(before, "&&"), _split_top(after, "&&")
    return set(ba) < set(aa)


# a word in the new trigger that stands for several old cases at once: comparing netlocs
# (host:port) tests host and port (an origin test covers the scheme too: see below)
_COVERING_WORDS = {
    "netloc": frozenset({"host", "hostname", "port", "domain"}),
    "authority": frozenset({"host", "hostname", "port", "domain"}),
}


def _text_words(text: str) -> set[str]:
    """Identifier words of a condition's text (`a.protocol !== b.protocol` -> a, protocol, b)."""
    out: set[str] = set()
    for ident in re.findall(r"[A-Za-z_$][\w$]*", re.sub(r"(['\"`]).*?\1", " ", text)):
        out.update(words(ident))
    return out


def _disjunct_forgotten(disjuncts: list[str], after: str) -> bool:
    """A disjunct of the old trigger whose own words (those no other disjunct uses) are all
    absent from the new condition: the case it covered is no longer tested."""
    after_words = _text_words(after)
    if after_words & {"origin", "origins"}:
        return False  # an origin test (`!sameOrigin(a, b)`) covers scheme, host and port together
    for w in list(after_words):
        after_words |= _COVERING_WORDS.get(w, frozenset())  # `a.netloc != b.netloc` tests the port too
    per = [_text_words(d) for d in disjuncts]
    for i, ws in enumerate(per):
        others = set().union(*(w for j, w in enumerate(per) if j != i))
        own = ws - others
        if own and not own & after_words:
            return True
    return False


def _headers(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    b_strip, a_strip = _strip_calls(before), _strip_calls(after)
    if len(a_strip) < len(b_strip):
        b = b_strip[len(a_strip)] if not a_strip else next((c for c in b_strip if c.text not in {x.text for x in a_strip}), b_strip[-1])
        yield make_finding(
            SPEC, change, ctx,
            f"`{b.text}` no longer runs: credential headers are kept when the request goes to another origin",
            before_line=b.span.line, evidence_before=b.text,
        )
        return
    b_names = frozenset().union(*(_stripped_headers(before, c) for c in b_strip))
    a_names = frozenset().union(*(_stripped_headers(after, c) for c in a_strip))
    lost = sorted(b_names - a_names)
    if lost:
        b = next((c for c in b_strip if set(lost) & _stripped_headers(before, c)), b_strip[0])
        a = next((c for c in a_strip if _squash_call(c) not in {_squash_call(x) for x in b_strip}), None)
        yield make_finding(
            SPEC, change, ctx,
            f"{', '.join(lost)} no longer stripped: `{b.text}` became "
            f"`{a.text if a else 'nothing'}`, so that header is kept when the request goes to another origin",
            before_line=b.span.line, after_line=a.span.line if a else None, evidence_before=b.text,
            evidence_after=a.text if a else "",
        )
        return
    for b, a in zip(b_strip, a_strip):
        bc, ac = _enclosing_condition(before, b.span.line), _enclosing_condition(after, a.span.line)
        if bc and ac and _narrower(bc[1], ac[1]):
            yield make_finding(
                SPEC, change, ctx,
                f"credential headers are stripped in fewer cases: `{bc[1].strip()}` became `{ac[1].strip()}`",
                before_line=bc[0], after_line=ac[0], evidence_before=bc[1].strip(), evidence_after=ac[1].strip(),
                confidence=Confidence.MEDIUM,
            )


def _squash_call(c: Call) -> str:
    return squash(c.text)


# ---------------------------------------------------------------- Python credential header sets


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
        SPEC, change, ctx,
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
            SPEC, change, ctx,
            f"{key} no longer names {', '.join(lost)}: that header is now kept when a request is forwarded or "
            f"redirected to another origin",
            before_line=b_line, after_line=a_line, evidence_before=re.sub(r"\s+", " ", b_text).strip()[:200],
            evidence_after=re.sub(r"\s+", " ", a_text).strip()[:200],
        )


# ---------------------------------------------------------------- Python strip steps

# `del request.headers["Authorization"]`, `del headers[name]` (a loop over credential names above)
_PY_DEL = re.compile(r"^\s*del\s+(?P<target>[\w.]*headers?[\w.]*)\s*\[(?P<key>[^\]]+)\]\s*(?:#.*)?$", re.I)
# the methods that drop a key from a Python headers mapping
_PY_REMOVERS = ("pop", "remove", "discard", "delete", "unset", "popitem")
_PY_IF = re.compile(r"^\s*(?:el)?if\s+(?P<cond>.*)$", re.S)
_PY_SCOPE = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s")


def _py_strip_names(unit: Unit, line: int, key: str) -> frozenset[str]:
    """The credential header names a strip step on `line` drops: its literal key, else the
    literal names of a loop on one of the three lines above (`for h in ("Cookie", ...)`)."""
    found = {m.group(1).lower() for m in _SENSITIVE.finditer(key)}
    if not found and re.fullmatch(r"\s*[A-Za-z_]\w*\s*", key):
        for ln in range(line - 3, line):
            found |= {m.group(1).lower() for m in _SENSITIVE.finditer(unit_line(unit, ln))}
    return frozenset(found)


def _py_strip_steps(unit: Unit) -> list[tuple[int, str, frozenset[str]]]:
    """(line, text, names) of each step that drops a credential header from a headers mapping:
    a `del ...headers[...]` statement or a `...headers.pop(...)`-like call."""
    out: dict[int, tuple[int, str, frozenset[str]]] = {}
    if unit.kind not in ("function", "method"):
        return []  # a class or module spans its functions' lines: read each function once, on its own
    for ln in range(unit.span.line, unit.span.end_line + 1):
        m = _PY_DEL.match(unit_line(unit, ln))
        if m:
            names = _py_strip_names(unit, ln, m.group("key"))
            if names:
                out[ln] = (ln, unit_line(unit, ln).strip(), names)
    for c in unit.calls:
        head, _, last = c.callee.rpartition(".")
        if last.lower() in _PY_REMOVERS and "header" in head.lower() and c.span.line not in out:
            names = _py_strip_names(unit, c.span.line, first_arg(c) or "")
            if names:
                out[c.span.line] = (c.span.line, c.text, names)
    return sorted(out.values())


def _py_file_strip_steps(units: Mapping[tuple[str, str], object], path: str) -> list[tuple[int, str, frozenset[str]]]:
    return [st for (p, _), u in units.items() if p == path and isinstance(u, Unit) for st in _py_strip_steps(u)]


def _py_conditions(unit: Unit, line: int) -> list[tuple[int, str]]:
    """The `if`/`elif` conditions enclosing `line`, innermost first, each read over the lines
    it is wrapped on (up to its closing `:`); stops at the enclosing def/class."""
    out: list[tuple[int, str]] = []
    text = unit_line(unit, line)
    indent = len(text) - len(text.lstrip())
    for ln in range(line - 1, unit.span.line - 1, -1):
        src = unit_line(unit, ln)
        if not src.strip() or src.lstrip().startswith("#"):
            continue
        ind = len(src) - len(src.lstrip())
        if ind >= indent or src.lstrip()[0] in ")]}":
            continue  # a deeper line, or the closing bracket of a wrapped condition
        indent = ind
        if _PY_SCOPE.match(src):
            break
        m = _PY_IF.match(src)
        if not m:
            continue
        cond = m.group("cond")
        for nxt in range(ln + 1, min(line, ln + 12)):
            if cond.rstrip().endswith(":"):
                break
            piece = unit_line(unit, nxt).strip()
            cond += piece if cond.endswith("(") or piece.startswith(")") else " " + piece
        out.append((ln, cond.rstrip().rstrip(":").strip()))
    return out


def _py_disjunctions(cond: str) -> list[list[str]]:
    """Each disjunction of two or more cases inside a condition's conjuncts (parentheses opened)."""
    out: list[list[str]] = []
    stack, seen = [cond], 0
    while stack and seen < 40:
        text, seen = stack.pop().strip(), seen + 1
        while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
            text = text[1:-1].strip()
        ors = [p for p in split_bool(text, ("or",)) if p.strip()]
        if len(ors) > 1:
            out.append(ors)
            stack.extend(ors)
            continue
        ands = [p for p in split_bool(text, ("and",)) if p.strip()]
        if len(ands) > 1:
            stack.extend(ands)
    return out


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0


def _py_strip_narrowed(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    """Python: a step that drops Authorization/Cookie/... from a request's headers (`del
    request.headers["Authorization"]`, `headers.pop(b"Proxy-Authorization", None)`) no longer
    runs, drops fewer names, or runs in fewer cases (one case of its trigger, such as a scheme
    change, is no longer tested at all). Steps moved to another function of the file are not a loss."""
    before, after = change.before, change.after
    assert before is not None
    b_steps = _py_strip_steps(before)
    if not b_steps:
        return
    a_steps = _py_strip_steps(after) if after is not None else []
    b_file = _py_file_strip_steps(ctx.before_units, before.path)
    a_file = _py_file_strip_steps(ctx.after_units, after.path if after is not None else before.path)
    b_names = frozenset().union(*(n for _, _, n in b_steps))
    a_names = frozenset().union(*(n for _, _, n in a_steps)) if a_steps else frozenset()
    file_lost = sorted(frozenset().union(*(n for _, _, n in b_file)) - frozenset().union(*(n for _, _, n in a_file))) if b_file else []
    if len(a_steps) < len(b_steps) and (len(a_file) < len(b_file) or file_lost):
        a_texts = {squash(t) for _, t, _ in a_steps}
        line, text, _ = next((st for st in b_steps if squash(st[1]) not in a_texts), b_steps[-1])
        yield make_finding(
            SPEC, change, ctx,
            f"`{text}` no longer runs: that credential header is kept when the request goes to another origin",
            before_line=line, evidence_before=text,
        )
        return
    lost = sorted((b_names - a_names) & set(file_lost))
    if lost:
        line, text, _ = next(st for st in b_steps if set(lost) & st[2])
        yield make_finding(
            SPEC, change, ctx, f"{', '.join(lost)} no longer stripped (`{text}` is gone): that header is kept when "
            f"the request goes to another origin", before_line=line, evidence_before=text,
        )
        return
    if after is None:
        return
    for (b_line, b_text, b_n), (a_line, a_text, a_n) in zip(b_steps, a_steps):
        if b_n != a_n:
            continue
        b_conds, a_conds = _py_conditions(before, b_line), _py_conditions(after, a_line)
        a_all = " and ".join(c for _, c in a_conds)
        for c_line, cond in b_conds:
            if any(squash(cond) == squash(c) for _, c in a_conds):
                continue
            if any(_disjunct_forgotten([re.sub(r"\s+", " ", d.strip()) for d in ds], a_all) for ds in _py_disjunctions(cond)):
                a_where = a_conds[0] if a_conds else (a_line, "(no condition)")
                yield make_finding(
                    SPEC, change, ctx,
                    f"`{b_text}` runs in fewer cases: its trigger `{cond}` became `{a_all or 'unconditional'}`, which "
                    f"no longer tests one of its cases",
                    before_line=c_line, after_line=a_where[0], evidence_before=cond, evidence_after=a_all,
                    confidence=Confidence.MEDIUM,
                )
                return


# ---------------------------------------------------------------- origin test bypassed

# a same-origin test by its name (isURLSameOrigin, same_origin, is_same_host, isSameSite) or these
ORIGIN_CALLS = ("url_has_allowed_host_and_scheme", "is_safe_url", "is_same_domain")
# what the gated statement carries: a credential sent only to the same origin
CREDENTIAL_TEXT = re.compile(r"(?i)xsrf|csrf|cookie|token|authori[sz]ation|credential|secret|passw|session|api_?key|bearer")
_ASSIGN = re.compile(r"^\s*(?:(?:const|let|var|final|auto)\s+)?([\w$.]+)\s*(?::[^=]+)?(?<![=!<>])=(?!=)\s*(.+?);?\s*$", re.S)
_COND = re.compile(r"^\s*(?:}\s*)?(?:else\s+)?(?:if|elif|while)\s*(.+?)\s*[{:]?\s*$", re.S)
_RETURN = re.compile(r"^\s*return\s+(.+?);?\s*$", re.S)


_SAME_ORIGIN = re.compile(r"(?i)same_?(?:origin|site|host|domain)")


def is_origin_check(callee: str) -> bool:
    return bool(callee_is(callee, ORIGIN_CALLS)) or bool(_SAME_ORIGIN.search(callee.rsplit(".", 1)[-1]))


def _origin_sites(unit: Unit) -> dict[tuple[str, str], tuple[int, str, str]]:
    """Statements that test an origin check: (kind, name) -> (line, expression, call key)."""
    out: dict[tuple[str, str], tuple[int, str, str]] = {}
    for c in unit.calls:
        if not is_origin_check(c.callee):
            continue
        start, _end, stmt = statement(unit, c.span.line)
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
                start, _end, stmt = statement(after, ln)
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
            SPEC, change, ctx,
            f"the same-origin test `{call_key}` no longer gates this credential: `{b_expr.strip()}` became "
            f"`{a_expr.strip()}`, which holds for another origin when {logic.describe(w, [af, bf]) or 'the test fails'}",
            before_line=b_line, after_line=a_line, evidence_before=b_expr.strip(), evidence_after=a_expr.strip(),
            witness=logic.describe(w, [af, bf]), confidence=Confidence.MEDIUM,
        )


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.language == "python" and change.before is not None and change.after is None:
        return list(_py_strip_narrowed(change, ctx))  # a function that stripped them is gone
    if change.before is None or change.after is None:
        return []
    if change.language == "python":
        strip = list(_py_strip_narrowed(change, ctx))
        if strip:
            return [*strip, *_origin_bypass(change, ctx)]
        return [*_py_headers(change, ctx), *_py_header_set_shrank(change, ctx), *_origin_bypass(change, ctx)]
    return bundle_repeats_low(change, ctx, [*_headers(change, ctx), *_origin_bypass(change, ctx)])
