"""verified-flag-widened: a flag that records a passed check (`validSignature`, `verified`,
`is_authenticated`) is now set true in more cases.

Verification code often ends not in a denial but in a flag a later step obeys:
`if (validateSignature(xml, root, certs) && onlyOneRootElement(doc)) { validSignature = true; }`.
Dropping a conjunct from that condition (the second half above: a signature that wraps only part
of a document no longer counts as wrapping it all) leaves no removed `if ...: raise`, and the
assignment itself reads the same, so the guard rules see nothing; the flag simply holds for
input the old code refused.

The reader is textual (Python, JavaScript/TypeScript): an assignment of `true`/`True` to a
name whose words say "verified" (table below), with the `if` conditions around it, or an
assignment of a boolean expression (`verified = checkSig(x) && fresh`), read as a formula
(`and`/`or`/`not`, `&&`/`||`/`!`). Before and after assignments of the same flag are paired in
order; a finding needs an assignment of the atoms under which the after condition holds and the
before condition does not. A condition that disappeared counts only when its tests are gone from
the whole unit (a test moved into an early return is not a widening), and the new condition must
hold wherever the old one did (a test replaced by another is a rewrite, not a widening). An
`else` branch on the way up is not read (its condition is the negation of a sibling's).
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff import logic
from semdiff.align.units import UnitChange
from semdiff.ir import Formula, Unit, atoms_of, conj
from semdiff.lang.normal import squash
from semdiff.model import Confidence, Finding, Severity
from semdiff.relevance.names import words
from semdiff.rules._catalog2_ir import unit_line
from semdiff.rules._condition_text import bool_formula
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

RULE_ID = "verified-flag-widened"
LANGUAGES = ("python", "javascript", "typescript")

# a flag whose name has one of these words records that a check passed
FLAG_WORDS = frozenset({"valid", "verified", "authentic", "authenticated", "trusted", "authorized", "authorised",
                        "signed"})
# ... unless it also has one of these (a flag that turns a check off, or records a failure)
NOT_FLAG_WORDS = frozenset({"skip", "disable", "disabled", "ignore", "allow", "allowed", "un", "not", "no"})
CODE_KINDS = ("function", "method", "lambda")
_MAX_LINES = 3000

RULES = (
    RuleSpec(
        RULE_ID, "Verification flag set in more cases", Severity.HIGH,
        "A flag that records a passed check (a name saying valid/verified/authenticated/trusted/signed, such as "
        "`validSignature`) is set true under a condition, or from a boolean expression, that now holds in a case "
        "where it did not: a conjunct dropped (`verify(sig) && oneRoot` -> `verify(sig)`), an alternative ORed "
        "in, or the condition removed with its tests gone from the function. Input the old check refused now "
        "counts as verified.",
        (Example("function check(doc) {\n  let validSignature = false;\n  if (verify(doc) && doc.roots === 1) {\n"
                 "    validSignature = true;\n  }\n  return validSignature;\n}\n",
                 "function check(doc) {\n  let validSignature = false;\n  if (verify(doc)) {\n"
                 "    validSignature = true;\n  }\n  return validSignature;\n}\n", True),
         Example("function check(doc) {\n  let validSignature = false;\n  if (verify(doc)) {\n"
                 "    validSignature = true;\n  }\n  return validSignature;\n}\n",
                 "function check(doc) {\n  let validSignature = false;\n  if (verify(doc) && doc.roots === 1) {\n"
                 "    validSignature = true;\n  }\n  return validSignature;\n}\n", False, "stricter")),
        languages=LANGUAGES, intrinsic="authn",
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "src/example.js"}

# `validSignature = true;`, `this.verified = true`, `let ok = a && b;`, `self.trusted = check(x)`
_JS_ASSIGN = re.compile(r"^\s*(?:(?:let|var|const)\s+)?(?P<name>[A-Za-z_$][\w$.]*)\s*(?::\s*boolean\s*)?=(?![=>])\s*(?P<value>.+?);?\s*$")
_PY_ASSIGN = re.compile(r"^\s*(?P<name>[A-Za-z_][\w.]*)\s*(?::\s*bool\s*)?=(?!=)\s*(?P<value>.+?)\s*(?:#.*)?$")
_JS_IF = re.compile(r"^\s*(?:}\s*)?(?:else\s+)?if\s*\(")
_JS_ELSE = re.compile(r"^\s*(?:}\s*)?else\b")
_PY_IF = re.compile(r"^\s*(?:el)?if\s+(?P<cond>.*)$", re.S)
_PY_ELSE = re.compile(r"^\s*(?:else|elif|except|finally)\b")
_PY_SCOPE = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s")
_TRUE = {"python": "True", "javascript": "true", "typescript": "true"}
_FALSE = {"python": "False", "javascript": "false", "typescript": "false"}


def _is_flag(name: str) -> bool:
    ws = set(words(name.rsplit(".", 1)[-1]))
    return bool(ws & FLAG_WORDS) and not ws & NOT_FLAG_WORDS


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def _js_condition(unit: Unit, start: int, limit: int) -> Optional[str]:
    """The condition of a JavaScript `if (` starting on `start`, read over at most a few lines
    up to its balanced closing parenthesis."""
    text = ""
    for ln in range(start, min(limit, start + 12)):
        text += " " + unit_line(unit, ln).strip()
        open_at = text.find("(", text.find("if"))
        if open_at < 0:
            continue
        depth = 0
        for i in range(open_at, len(text)):
            depth += text[i] == "("
            depth -= text[i] == ")"
            if depth == 0:
                return text[open_at + 1:i].strip()
    return None


def _conditions(unit: Unit, line: int, language: str) -> Optional[list[tuple[int, str]]]:
    """The `if` conditions enclosing `line`, innermost first; None when an `else`/`elif`/`except`
    branch lies on the way up (its condition is not what its header line says)."""
    out: list[tuple[int, str]] = []
    indent = _indent(unit_line(unit, line))
    for ln in range(line - 1, unit.span.line - 1, -1):
        src = unit_line(unit, ln)
        stripped = src.strip()
        if not stripped or stripped.startswith(("#", "//", "*", "/*")):
            continue
        if _indent(src) >= indent or stripped[0] in ")]}" and not _JS_ELSE.match(src):
            continue  # a deeper line, or the closing bracket of a wrapped condition
        indent = _indent(src)
        if language == "python":
            if _PY_SCOPE.match(src):
                break
            if _PY_ELSE.match(src):
                return None
            m = _PY_IF.match(src)
            if m:
                cond = m.group("cond")
                for nxt in range(ln + 1, min(line, ln + 12)):
                    if cond.rstrip().endswith(":"):
                        break
                    cond += " " + unit_line(unit, nxt).strip()
                out.append((ln, cond.rstrip().rstrip(":").strip()))
            continue
        if _JS_IF.match(src):
            if _JS_ELSE.match(src):
                return None
            cond = _js_condition(unit, ln, line)
            if cond is None:
                return None
            out.append((ln, cond))
        elif _JS_ELSE.match(src):
            return None
    return out


def _flag_sites(unit: Unit, language: str) -> list[tuple[str, int, str, list[tuple[int, str]]]]:
    """(flag, line, value, enclosing conditions) of each assignment to a verification flag that
    is not plain `false`."""
    if unit.kind not in CODE_KINDS or unit.span.end_line - unit.span.line > _MAX_LINES:
        return []
    rx = _PY_ASSIGN if language == "python" else _JS_ASSIGN
    out = []
    for ln in range(unit.span.line + 1, unit.span.end_line + 1):
        m = rx.match(unit_line(unit, ln))
        if not m or not _is_flag(m.group("name")):
            continue
        value = m.group("value").strip()
        if value == _FALSE[language] or value.endswith(("(", "[", "{", "&&", "||", " and", " or", "\\")):
            continue  # cleared, or an expression wrapped over lines (not read)
        conds = _conditions(unit, ln, language)
        if conds is None:
            continue
        out.append((m.group("name"), ln, value, conds))
    return out


def _formula(value: str, conds: list[tuple[int, str]], language: str) -> Formula:
    parts = [bool_formula(c) for _, c in conds]
    if value != _TRUE[language]:
        parts.append(bool_formula(value))
    return conj(*parts) if parts else conj()


def _has_test(value: str, conds: list[tuple[int, str]], language: str) -> bool:
    return bool(conds) or value != _TRUE[language]


_COMPARISON = re.compile(r"^(?P<left>.+?)\s*(?:===?|!==?|<=|>=|<|>)\s*(?P<right>.+)$", re.S)


def _still_tested(atom_text: str, after_text: str) -> bool:
    """Is the test an atom made still in the after unit (moved to an early return, bound to a
    local first)? A comparison counts with any operator between the same two sides."""
    text = squash(atom_text)
    if text in after_text:
        return True
    m = _COMPARISON.match(text)
    if m and m.group("left") and m.group("right"):
        return re.search(re.escape(m.group("left")) + r"(?:===?|!==?|<=|>=|<|>)" + re.escape(m.group("right")),
                         after_text) is not None
    return False


def _widened(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    lang = change.language
    b_sites, a_sites = _flag_sites(before, lang), _flag_sites(after, lang)
    after_text = squash(after.text)
    for name in dict.fromkeys(n for n, _, _, _ in b_sites):
        bs = [s for s in b_sites if s[0] == name]
        as_ = [s for s in a_sites if s[0] == name]
        if len(bs) != len(as_):
            continue  # assignments added or removed: the pairing is not read
        for (_, b_line, b_value, b_conds), (_, a_line, a_value, a_conds) in zip(bs, as_):
            if not _has_test(b_value, b_conds, lang):
                continue  # set unconditionally before: nothing to widen
            bf, af = _formula(b_value, b_conds, lang), _formula(a_value, a_conds, lang)
            if not any("(" in a.text or re.search(r"[<>=!]=|[<>]", a.text) for a in atoms_of(bf)):
                continue  # the old condition made no test (a plain option flag): not a verification
            a_keys = {a.key for a in atoms_of(af)}
            dropped = [a for a in atoms_of(bf) if a.key not in a_keys]
            if dropped and all(_still_tested(a.text, after_text) for a in dropped):
                continue  # the dropped tests still run elsewhere in the unit (an early return, a local)
            if logic.witness(bf, af) is not None:
                continue  # some case the old condition passed now fails: a rewrite, not a pure widening
            w = logic.witness(af, bf)
            if w is None or isinstance(w, logic.Unknown):
                continue
            b_text = " and ".join(c for _, c in b_conds) if b_value == _TRUE[lang] else b_value
            a_text = (" and ".join(c for _, c in a_conds) if a_value == _TRUE[lang] else a_value) or "always"
            yield make_finding(
                SPEC, change, ctx,
                f"`{name}` is set in more cases: `{b_text}` became `{a_text}`, which holds when "
                f"{logic.describe(w, [af, bf]) or 'the old test fails'}",
                before_line=b_conds[0][0] if b_conds and b_value == _TRUE[lang] else b_line,
                after_line=a_conds[0][0] if a_conds and a_value == _TRUE[lang] else a_line,
                evidence_before=b_text, evidence_after=a_text, witness=logic.describe(w, [af, bf]),
                confidence=Confidence.MEDIUM,
            )
            break


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.before is None or change.after is None or change.language not in LANGUAGES:
        return []
    # a finding pairs flag assignments of the before unit; a flag's name has a FLAG_WORDS word,
    # and its words are lowered pieces of the name, so the lowered before text names one (most
    # units do not: their lines are not matched one by one)
    before_text = change.before.text.lower()
    if not any(w in before_text for w in FLAG_WORDS):
        return []
    return list(_widened(change, ctx))
