"""Message wording in Go, JavaScript, TypeScript and Java units.

"Fixes typo in ecdsa error message" changes `newError("... *ecsda.PublicKey", ...)` to
`"... *ecdsa.PublicKey"`: the unit's token streams differ, so the change read as a
behaviour change of a security-relevant function (a HIGH typo-claim mismatch). Python units
prove this on syntax trees (pysyntax's `messages` layer); this is the same proof for the
C-like languages, on tokens: with comments and layout removed and every string literal set
aside, the code must be identical, and every string that differs must be the message of an
error, exception or log call (`errors.New`, `fmt.Errorf`, `newError`, `.WithHint`, `new
XError(...)`, `throw new XException(...)`, `log.Printf`, `console.warn`, ...). A changed
string anywhere else (an algorithm name, a URL, a header, a key, a `Sprintf` format) is not
wording.
"""
from __future__ import annotations

import re
from typing import Optional

from semdiff.lang.normal import squash_spaces

LANGUAGES = frozenset({"go", "javascript", "typescript", "tsx", "java"})

_TOKENS = re.compile(
    r'(?P<str>"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|`(?:\\.|[^`\\])*`)'
    r"|(?P<directive>//go:[^\n]*|//\s*\+build[^\n]*)|(?P<comment>//[^\n]*|/\*.*?\*/)",
    re.S,
)
# the callee in front of the `(` that opens the call a string is an argument of
_CALLEE = re.compile(r"(?:\bnew\s+)?[A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*\s*$")
_MESSAGE_LAST = re.compile(
    r"(?i)^(?!is|has|as[A-Z_]|check|match|parse)(?:new)?\w*(?:error|exception)f?$"  # newError, NewValidationError, Errorf, t.Error
    r"|^(?:wrap|wrapf|with(?:message|hint|debug|description|stack)f?)$"
    r"|^(?:fatal|panic|warn|warning|info|debug|trace|log|print|notice|severe)(?:f|ln)?$"
)
_ERRORS_NEW = re.compile(r"(?:^|\.)errors\.New$")
_MAX_TEXT = 200_000


def _split(text: str) -> tuple[str, list[tuple[str, int]]]:
    """Code with comments removed and each string replaced by a hole; the strings and the
    offset of each hole in that code."""
    out: list[str] = []
    strings: list[tuple[str, int]] = []
    pos = 0
    size = 0
    for m in _TOKENS.finditer(text):
        chunk = text[pos:m.start()]
        out.append(chunk)
        size += len(chunk)
        if m.group("str") is not None:
            strings.append((m.group("str"), size))
            out.append("\x00")
            size += 1
        elif m.group("comment") is not None:
            out.append(" ")
            size += 1
        else:
            out.append(m.group(0))
            size += len(m.group(0))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out), strings


def _callee_before(code: str, at: int) -> Optional[str]:
    """The callee of the innermost call whose argument list holds offset `at`."""
    depth = 0
    i = at - 1
    while i >= 0:
        c = code[i]
        if c in ")]}":
            depth += 1
        elif c in "([{":
            if depth == 0:
                if c != "(":
                    return None
                m = _CALLEE.search(code, max(0, i - 200), i)
                return re.sub(r"\s+", "", m.group(0)) if m else None
            depth -= 1
        elif c == ";" and depth == 0:
            return None
        i -= 1
    return None


def message_position(code: str, at: int) -> bool:
    callee = _callee_before(code, at)
    if not callee:
        return False
    if callee.startswith("new"):
        name = callee[3:]
        if re.search(r"(?:Error|Exception)$", name):
            return True
    last = callee.rsplit(".", 1)[-1]
    if last == "New":
        return bool(_ERRORS_NEW.search(callee))
    return bool(_MESSAGE_LAST.match(last))


def only_messages_differ(language: str, before: str, after: str) -> Optional[str]:
    """Evidence when the two unit texts differ only in error/log message strings, else None."""
    if language not in LANGUAGES or before == after or len(before) > _MAX_TEXT or len(after) > _MAX_TEXT:
        return None
    code_b, strings_b = _split(before)
    code_a, strings_a = _split(after)
    if len(strings_b) != len(strings_a) or squash_spaces(code_b) != squash_spaces(code_a):
        return None
    changed = []
    for (sb, ob), (sa, oa) in zip(strings_b, strings_a):
        if sb == sa:
            continue
        if not (message_position(code_b, ob) and message_position(code_a, oa)):
            return None
        changed.append(f"{sb} -> {sa}")
    if not changed:
        return None
    return "only message strings (error or log text) differ: " + "; ".join(changed[:3]) + (" ..." if len(changed) > 3 else "")
