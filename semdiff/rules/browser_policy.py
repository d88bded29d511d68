"""browser-policy-removed: a string that set a browser protection (a Content-Security-Policy
directive such as `sandbox` or `frame-ancestors`; X-Frame-Options, `nosniff`,
Strict-Transport-Security, Cross-Origin-*-Policy) is gone from a handler or class that still
exists, and from the whole change.

Read in JavaScript/TypeScript, Go, Java and Python string literals alike. A policy moved
elsewhere in the change, kept in another spelling, replaced by a header-setting middleware
(helmet, Talisman), or deleted with its whole handler, is not a removal.
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping

from semdiff.align.units import UnitChange
from semdiff.ir import Unit
from semdiff.model import Confidence, Finding, Severity
from semdiff.relevance.names import words
from semdiff.rules._catalog2_ir import unit_line
from semdiff.rules._web_protection import WEB_AND_PYTHON, bundle_repeats_low
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, units_in_file

RULE_ID = "browser-policy-removed"

_CSP_BEFORE = ("class ExportHandler(BaseHandler):\n"
               "    @property\n"
               "    def content_security_policy(self):\n"
               "        return super().content_security_policy + '; sandbox allow-scripts'\n\n"
               "    def get(self, path):\n"
               "        self.finish(render_html(path))\n")
_CSP_AFTER = ("class ExportHandler(BaseHandler):\n"
              "    def get(self, path):\n"
              "        self.finish(render_html(path))\n")
RULES = (
    RuleSpec(
        RULE_ID, "Browser protection header or directive removed", Severity.MEDIUM,
        "A string that set a browser protection (a Content-Security-Policy directive such as `sandbox`, "
        "`default-src`, `script-src`, `frame-ancestors`; the X-Frame-Options, X-Content-Type-Options `nosniff`, "
        "Strict-Transport-Security or Cross-Origin-*-Policy headers) is gone from a handler or class that still "
        "exists, and from every other unit of the change: pages it served can now run scripts with the site's "
        "origin, be framed, or be sniffed as HTML.",
        (Example(_CSP_BEFORE, _CSP_AFTER, True, "sandbox override removed"),
         Example(_CSP_BEFORE, _CSP_BEFORE.replace("'; sandbox allow-scripts'", "'; sandbox allow-scripts allow-forms'"),
                 False, "directive still set")),
        languages=WEB_AND_PYTHON, intrinsic="xss",
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "app/handlers.py"}


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


# the same alternatives for lower-cased ASCII text: a case-insensitive search cannot use the
# literal-prefix scan, and this test runs on every unit text of a change (3x faster on ASCII)
_POLICY_HINT_LOWER = re.compile(_POLICY_HINT.pattern[len("(?i)"):])


def _hinted(text: str) -> bool:
    if text.isascii():  # lower() and (?i) agree on ASCII; other text keeps the (?i) search
        return _POLICY_HINT_LOWER.search(text.lower()) is not None
    return _POLICY_HINT.search(text) is not None


def _counts(units: Iterable[object], side_units: Mapping[tuple[str, str], object]) -> dict[str, int]:
    out: dict[str, int] = {}
    for u in units:
        if isinstance(u, Unit) and _hinted(u.text):
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
        SPEC, change, ctx,
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


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.before is None:
        return []
    return bundle_repeats_low(change, ctx, list(_browser_policy(change, ctx)))
