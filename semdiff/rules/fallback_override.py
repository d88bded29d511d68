"""fallback-overrides-value: a branch that only filled in a missing key/secret now replaces one.

`if key is None and 'jwk' in header: key = header['jwk']` uses the token's own header only
when the caller passed no key. Drop the `key is None` conjunct and the branch runs whenever
the header carries a key: the caller's trusted key is silently replaced by one the sender of
the token chose, and the signature is checked against the attacker's own key. The same shape
overrides a configured certificate, password or algorithm with request data.

Read from the unit's text (a branch that assigns is not a denial, so the guard IR has no
record of it): an `if`/`elif`/`else if` whose test had an emptiness test of a variable
(`V is None`, `not V`, `V == null`, `!V`, `V == nil`, `len(V) == 0`) as one conjunct and whose
first statement assigns that variable, and in the new unit the same branch (same assignment,
same remaining conjuncts) without that test. Only variables named as verification material
(key, secret, password, token, certificate, algorithm, issuer ...) count: a default for a
timeout or a page size overriding the caller is a bug, not a weakening. If the new unit still
reaches the branch only when the variable is unset (the test moved to an enclosing `if`, or
an early `return`/`raise` when it is set), the rule stays silent.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Unit
from semdiff.lang.normal import split_top, squash
from semdiff.model import Finding, Severity
from semdiff.rules._catalog2_ir import name_words, unit_lines
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, scaled_severity

RULE_ID = "fallback-overrides-value"
LANGS = ("python", "javascript", "typescript", "go", "java")

# words naming what a check is made against: a caller's value of this kind must not be
# replaced by one read from the input being checked
MATERIAL_WORDS = frozenset({
    "key", "keys", "secret", "secrets", "password", "passwd", "passphrase", "token", "cert", "certs", "certificate",
    "certificates", "credential", "credentials", "alg", "algorithm", "algorithms", "jwk", "jwks", "keyset",
    "signer", "verifier", "issuer", "audience", "salt", "pubkey", "privkey", "ca", "cafile", "truststore",
    "keystore", "hostname",
})

_PY_HEAD = re.compile(r"^(?P<indent>\s*)(?:if|elif)\s+(?P<cond>.+?):\s*(?P<rest>[^#]*?)\s*(?:#.*)?$")
_C_HEAD = re.compile(r"^(?P<indent>\s*)(?:\}\s*)?(?:else\s+)?if\s*(?P<tail>[\s(].*)$")


def _emptiness_var(conjunct: str) -> Optional[str]:
    """The variable a conjunct tests for being unset (`key is None` -> `key`), or None."""
    c = conjunct.strip()
    while c.startswith("(") and c.endswith(")") and len(split_top(c[1:-1], ")")) == 1:
        c = c[1:-1].strip()
    name = r"(?P<v>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)"
    for pat in (
        rf"{name}\s+is\s+None", rf"None\s+is\s+{name}", rf"not\s+{name}", rf"!\s*{name}",
        rf"{name}\s*===?\s*(?:null|undefined|nil|None|void\s+0|''|\"\")", rf"(?:null|undefined|nil)\s*===?\s*{name}",
        rf"typeof\s+{name}\s*===?\s*['\"]undefined['\"]", rf"len\({name}\)\s*==\s*0",
    ):
        m = re.fullmatch(pat, c)
        if m:
            return m.group("v")
    return None


def _conjuncts(cond: str, language: str) -> list[str]:
    sep = " and " if language == "python" else "&&"
    return [p.strip() for p in split_top(cond, sep) if p.strip()]


def _c_condition(tail: str, language: str) -> Optional[tuple[str, str]]:
    """(condition, rest of the line) of a C-like `if` header's tail, or None."""
    t = tail.strip()
    if language == "go":
        if not t.endswith("{"):
            return None
        return split_top(t[:-1], ";")[-1].strip(), ""  # `if v, ok := m[k]; !ok {`: the test
    if not t.startswith("("):
        return None
    depth = 0
    for i, ch in enumerate(t):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            rest = t[i + 1:].strip()
            return t[1:i], ("" if rest in ("", "{") else rest.lstrip("{").strip())
    return None


def _branches(unit: Unit, language: str) -> list[tuple[int, str, str]]:
    """(header line, condition, first statement of the body) of each one-line branch header."""
    lines = unit_lines(unit)
    out: list[tuple[int, str, str]] = []
    for i, (ln, text) in enumerate(lines):
        if language == "python":
            m = _PY_HEAD.match(text)
            if not m:
                continue
            cond, rest = m.group("cond"), m.group("rest")
        else:
            m = _C_HEAD.match(text)
            parsed = _c_condition(m.group("tail"), language) if m else None
            if parsed is None:
                continue
            cond, rest = parsed
        body = rest
        if not body:
            body = next((t for _l, t in lines[i + 1:] if t.strip() and not t.strip().startswith(("#", "//"))), "")
        out.append((ln, cond, body.strip().rstrip(";").strip()))
    return out


def _assigns(body: str, var: str) -> bool:
    return re.match(re.escape(var) + r"\s*=(?!=)", body) is not None


def _presence_var(conjunct: str) -> Optional[str]:
    """The variable a condition tests for being set (`key is not None`, `key`, `key != null`)."""
    c = conjunct.strip()
    name = r"(?P<v>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)"
    for pat in (rf"{name}\s+is\s+not\s+None", rf"{name}", rf"!!\s*{name}",
                rf"{name}\s*!==?\s*(?:null|undefined|nil|None|void\s+0|''|\"\")", rf"len\({name}\)\s*[!>]=?\s*0"):
        m = re.fullmatch(pat, c)
        if m:
            return m.group("v")
    return None


_EXIT = re.compile(r"^\s*(?:return|raise|throw)\b")


def _still_filled_only(unit: Unit, language: str, line: int, var: str) -> bool:
    """Is the branch at `line` still reached only when `var` is unset: inside an enclosing
    branch that tests it for emptiness, or after an early exit taken when it is set?"""
    lines = unit_lines(unit)
    heads = {ln: cond for ln, cond, _b in _branches(unit, language)}
    idx = next((i for i, (ln, _t) in enumerate(lines) if ln == line), None)
    if idx is None:
        return False
    indent = lambda t: len(t) - len(t.lstrip())  # noqa: E731
    cur = indent(lines[idx][1])
    for i in range(idx - 1, -1, -1):
        ln, text = lines[i]
        if not text.strip() or text.strip().startswith(("#", "//", "}")):
            continue
        cond = heads.get(ln)
        if indent(text) < cur:
            cur = indent(text)
            if cond is not None and any(_emptiness_var(c) == var for c in _conjuncts(cond, language)):
                return True
        elif cond is not None and indent(text) == cur and _presence_var(cond) == var:
            nxt = next((t for _l, t in lines[i + 1:] if t.strip()), "")
            if _EXIT.match(nxt) or re.search(r"\b(?:return|raise|throw)\b", text):
                return True
    return False


def _material(var: str) -> bool:
    return bool(name_words(var) & MATERIAL_WORDS)


_BEFORE = (
    "def prepare_key(header, key=None):\n"
    "    if callable(key):\n        key = key(header)\n"
    "    elif key is None and 'jwk' in header:\n        key = header['jwk']\n"
    "    return load_key(key)\n"
)

RULES = (
    RuleSpec(
        RULE_ID, "A fallback now overrides the caller's key", Severity.HIGH,
        "A branch that filled in a missing key, secret, certificate or algorithm (`if key is None and ...: key = ...`) "
        "lost its emptiness test: it now replaces a value the caller supplied, often with one read from the input "
        "being checked (a token's own `jwk` header).",
        (Example(_BEFORE, _BEFORE.replace("key is None and ", ""), True, "caller's key replaced by the header's"),
         Example(_BEFORE, _BEFORE.replace(" and 'jwk' in header", " and header.get('jwk')"), False,
                 "still only when no key was passed"),
         Example(_BEFORE.replace("key", "timeout"), _BEFORE.replace("key", "timeout").replace("timeout is None and ", ""),
                 False, "not verification material")),
        languages=LANGS,
    ),
)
SPEC = {r.id: r for r in RULES}
EXAMPLE_PATHS = {RULE_ID: "app/keys.py"}


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    lang = change.language
    if before is None or after is None or lang not in LANGS or not change.touched_after:
        return []
    touched = set(change.touched_after)
    new = [(ln, cond, body) for ln, cond, body in _branches(after, lang) if ln in touched]
    if not new:
        return []
    out: list[Finding] = []
    seen: set[str] = set()
    for b_ln, b_cond, b_body in _branches(before, lang):
        parts = _conjuncts(b_cond, lang)
        if len(parts) < 2:
            continue
        for i, part in enumerate(parts):
            var = _emptiness_var(part)
            if var is None or var in seen or not _material(var) or not _assigns(b_body, var):
                continue
            rest = [squash(p) for j, p in enumerate(parts) if j != i]
            match = next((a for a in new if squash(a[2]) == squash(b_body)
                          and [squash(p) for p in _conjuncts(a[1], lang)] == rest), None)
            if match is None or _still_filled_only(after, lang, match[0], var):
                continue
            seen.add(var)
            a_ln, a_cond, _a_body = match
            rel = ctx.relevance(change)
            out.append(make_finding(
                SPEC[RULE_ID], change, ctx,
                f"`{b_body}` ran only when no {var} was given (`{part}`); now it runs whenever `{a_cond.strip()}` holds "
                f"and replaces the {var} the caller passed",
                before_line=b_ln, after_line=a_ln, evidence_before=b_cond.strip(), evidence_after=a_cond.strip(),
                severity=scaled_severity(SPEC[RULE_ID].severity, rel), relevance=rel,
            ))
    return out
