"""credential-gate: a credential header is attached in more cases than before.

A client attaches `Authorization` / `Proxy-Authorization` / `Cookie` (...) only when a
condition holds: the request goes over plain HTTP to the proxy, the host is the one the
credential belongs to, the user opted in. When that condition loses a conjunct or gains an
alternative, the statement that attaches the credential still reads the same, so a
statement-level diff shows nothing alarming, yet the credential now goes where it did not
(CVE-2023-32681: `Proxy-Authorization` sent into TLS tunnels once a scheme test was dropped).

The reader is textual (Python): a subscript assignment or `add_header`/`putheader`/
`setdefault` of a credential header, the `if`/`elif` conditions around it, read as a formula
(`and`/`or`/`not`). Before and after statements are paired by their text; the finding needs
an assignment of the condition's atoms under which the after-condition holds and the
before-condition does not. A condition that disappeared counts only when its tests are gone
from the whole unit (a test moved into an early return is not a widening).
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff import logic
from semdiff.align.units import UnitChange
from semdiff.ir import And, Atom, Formula, Not, Or, Unit, atoms_of, conj, disj, neg
from semdiff.lang.normal import squash
from semdiff.model import Confidence, Finding, Severity
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, text_lines
from semdiff.rules.protection_removed import SENSITIVE_HEADERS, bool_formula  # the index: a full load registers families in its order (FAMILY_ORDER)

RULE_ID = "credential-attach-widened"

_HEADER_NAMES = "|".join(re.escape(h) for h in SENSITIVE_HEADERS)
# `headers["Authorization"] = ...`, `req.add_header("Cookie", ...)`, `h.setdefault("Proxy-Authorization", ...)`
_ATTACH = re.compile(
    r"""(?i)(?:\[\s*(['"])(?:%s)\1\s*\]\s*=(?!=)|\.(?:add_header|putheader|setdefault|add_unredirected_header)\(\s*(['"])(?:%s)\2)"""
    % (_HEADER_NAMES, _HEADER_NAMES)
)
_IF = re.compile(r"^(\s*)(?:if|elif)\s+(.+?):\s*(?:#.*)?$", re.S)
_MAX_LINES = 4000

RULES = (
    RuleSpec(
        id=RULE_ID,
        title="Credential header attached in more cases",
        severity=Severity.HIGH,
        description=(
            "A statement that attaches Authorization/Proxy-Authorization/Cookie/... to a request is unchanged, but "
            "the if-condition around it now holds in a case where it did not (a conjunct dropped, an alternative "
            "added, or the condition removed with its tests gone from the function): the credential is sent to "
            "more destinations or over more channels."
        ),
        examples=(
            Example(
                "def proxy_headers(headers, scheme, user, pw):\n"
                "    if not scheme.startswith('https') and user and pw:\n"
                "        headers['Proxy-Authorization'] = basic(user, pw)\n",
                "def proxy_headers(headers, scheme, user, pw):\n"
                "    if user and pw:\n"
                "        headers['Proxy-Authorization'] = basic(user, pw)\n",
                True,
                "scheme test dropped",
            ),
            Example(
                "def proxy_headers(headers, scheme, user, pw):\n"
                "    if user and pw:\n"
                "        headers['Proxy-Authorization'] = basic(user, pw)\n",
                "def proxy_headers(headers, scheme, user, pw):\n"
                "    if not scheme.startswith('https') and user and pw:\n"
                "        headers['Proxy-Authorization'] = basic(user, pw)\n",
                False,
                "stricter",
            ),
            Example(
                "def proxy_headers(headers, scheme, user, pw):\n"
                "    if not scheme.startswith('https') and user and pw:\n"
                "        headers['Proxy-Authorization'] = basic(user, pw)\n",
                "def proxy_headers(headers, scheme, user, pw):\n"
                "    if scheme.startswith('https'):\n"
                "        return\n"
                "    if user and pw:\n"
                "        headers['Proxy-Authorization'] = basic(user, pw)\n",
                False,
                "test moved to an early return",
            ),
        ),
        languages=("python",),
        intrinsic="authn",
    ),
)
SPEC = RULES[0]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _condition_at(lines: list[str], i: int) -> Optional[tuple[str, int]]:
    """The condition of an `if`/`elif` that starts on line index `i` (joined over lines until
    the colon that ends it), with the index of its last line."""
    text = lines[i]
    j = i
    while j < len(lines) - 1 and j - i < 20 and not _IF.match(text):
        j += 1
        text += "\n" + lines[j]
    m = _IF.match(text)
    return (m.group(2), j) if m else None


_NEGATED_OPS = ((re.compile(r"^(.+?)\s*!=\s*(.+)$", re.S), "=="),
                (re.compile(r"^(.+?)\s+is\s+not\s+(.+)$", re.S), " is "),
                (re.compile(r"^(.+?)\s+not\s+in\s+(.+)$", re.S), " in "))
_EQ = re.compile(r"^(.+?)\s*==\s*(.+)$", re.S)


def _atom(text: str) -> Formula:
    """One comparison with negative operators folded (`a != b` is `not a == b`) and the
    operands of == ordered, so `not host != home` and `home == host` are one atom."""
    for pattern, positive in _NEGATED_OPS:
        m = pattern.match(text)
        if m:
            return neg(_atom(f"{m.group(1)}{positive}{m.group(2)}"))
    m = _EQ.match(text)
    if m:
        left, right = sorted((squash(m.group(1)), squash(m.group(2))))
        return Atom(key=f"{left}=={right}", text=text)
    return Atom(key=squash(text), text=text)


def _normal(f: Formula) -> Formula:
    if isinstance(f, Atom):
        return _atom(f.text)
    if isinstance(f, Not):
        return neg(_normal(f.arg))
    if isinstance(f, And):
        return conj(*(_normal(a) for a in f.args))
    if isinstance(f, Or):
        return disj(*(_normal(a) for a in f.args))
    return f


def _gates(unit: Unit) -> dict[str, tuple[int, Optional[Formula], str]]:
    """Credential-attaching statements (squashed text) -> (line, condition formula or None, condition text)."""
    lines = text_lines(unit.text)
    if len(lines) > _MAX_LINES:
        return {}
    out: dict[str, tuple[int, Optional[Formula], str]] = {}
    for i, line in enumerate(lines):
        if not _ATTACH.search(line) or line.lstrip().startswith("#"):
            continue
        depth = _indent(line)
        conds: list[str] = []
        for k in range(i - 1, -1, -1):
            prev = lines[k]
            if not prev.strip() or prev.lstrip().startswith("#"):
                continue
            ind = _indent(prev)
            if ind >= depth:
                continue
            depth = ind
            stripped = prev.lstrip()
            if stripped.startswith(("if ", "elif ", "if(", "elif(")):
                read = _condition_at(lines, k)
                if read:
                    conds.append(read[0])
            elif stripped.startswith(("def ", "async def ", "class ")):
                break
        formula = conj(*(_normal(bool_formula(c)) for c in conds)) if conds else None
        out.setdefault(squash(line), (unit.span.line + i, formula, " and ".join(f"({c.strip()})" for c in conds)))
    return out


def _still_tested(unit: Unit, formula: Formula) -> bool:
    """Every atom of `formula` still appears somewhere in `unit` (the test moved, not vanished)."""
    body = squash(unit.text)

    def present(a: Atom) -> bool:
        if "==" in a.key:  # either operand order, either operator
            left, _, right = a.key.partition("==")
            return any(f"{x}{op}{y}" in body for x, y in ((left, right), (right, left)) for op in ("==", "!="))
        return a.key in body

    return all(present(a) for a in atoms_of(formula))


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.before is None or change.after is None or change.language != "python":
        return []
    before = _gates(change.before)
    if not before or all(f is None for _, f, _ in before.values()):
        return []
    out = []
    for key, (a_line, af, a_text) in _gates(change.after).items():
        if key not in before:
            continue
        b_line, bf, b_text = before[key]
        if bf is None:
            continue
        if af is None:
            if _still_tested(change.after, bf):
                continue
            reason = f"the condition `{b_text}` that gated it is gone"
        else:
            w = logic.witness(af, bf)
            if w is None or isinstance(w, logic.Unknown):
                continue
            kept = {a.key for a in atoms_of(af)}
            dropped = [a for a in atoms_of(bf) if a.key not in kept]
            if dropped and _still_tested(change.after, conj(*dropped)):
                continue  # the dropped test moved (an early return, a helper call in the unit)
            reason = f"its condition changed from `{b_text}` to `{a_text}`, which also holds when {logic.describe(w, [af, bf]) or 'the old test fails'}"
        out.append(make_finding(
            SPEC, change, ctx,
            f"the credential header set on line {a_line} is now attached in more cases: {reason}",
            before_line=b_line, after_line=a_line, evidence_before=b_text, evidence_after=a_text or "(unconditional)",
            confidence=Confidence.MEDIUM,
        ))
    return out
