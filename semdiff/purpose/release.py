"""Release metadata: a version (or copyright year) assignment bumped, nothing else.

"bump up version" edits `__version__ = "2.10.1"` -> `"2.11.0"` in `jwt/__init__.py`; the
module's name mentions `jwt`, so the edit read as a behaviour change of security-relevant
code, a HIGH mismatch with the deps claim (held-out pyjwt). The same line sits in Go
(`const Version = "v5.2.0"`), JavaScript (`export const VERSION = '4.1.0'`) and Java
(`public static final String VERSION = "1.2";`). A unit whose every changed line is such an
assignment of the same name to a version-like literal is release bookkeeping, like a
dependency pin. Only a fixed set of names: `MIN_TLS_VERSION = "1.0"` or `version = "TLSv1"`
is configuration, not metadata, and never qualifies (its name is not in the set, or its
value is not a version number).
"""
from __future__ import annotations

import difflib
import re
from typing import Optional

from semdiff.ir import Unit

_NAMES = r"__version__|__version_info__|VERSION|Version|version|VERSION_INFO|__VERSION__|__copyright__|__date__"
_ASSIGN = re.compile(
    r"""^\s*(?:export\s+)?(?:(?:public|private|protected|static|final|const|var|let|String)\s+)*"""
    r"(?P<name>" + _NAMES + r""")\s*(?::\s*[\w.\[\]]+\s*)?(?::=|=)\s*(?P<value>.+?)\s*[;,]?\s*(?:(?://|\#).*)?$"""
)
# "2.11.0", 'v5.2.0-rc.1', "1.2.3.dev0", (2, 11, 0): a version number, not any string
_VERSION = re.compile(r"""^(?:(['"`])v?\d+(?:\.\d+)+(?:[-.+]?[\w.]+)?\1|\(\s*\d+(?:\s*,\s*(?:\d+|['"]\w+['"]))+\s*,?\s*\))$""")
_COPYRIGHT = re.compile(r"""^(['"]).*\b(?:19|20)\d\d\b.*\1$""")
_MAX_LINES = 20_000
KINDS = frozenset({"module", "class"})


def _bump(line_b: str, line_a: str) -> Optional[str]:
    mb, ma = _ASSIGN.match(line_b), _ASSIGN.match(line_a)
    if not mb or not ma or mb.group("name") != ma.group("name"):
        return None
    vb, va = mb.group("value"), ma.group("value")
    if mb.group("name") in ("__copyright__", "__date__"):
        ok = _COPYRIGHT.match(vb) and _COPYRIGHT.match(va)
    else:
        ok = _VERSION.match(vb) and _VERSION.match(va)
    return f"{mb.group('name')} {vb} -> {va}" if ok else None


def metadata_only(before: Optional[Unit], after: Optional[Unit]) -> Optional[str]:
    """Evidence when every changed line of the unit is a release-metadata bump, else None."""
    if before is None or after is None or before.kind not in KINDS or after.kind not in KINDS:
        return None
    lb, la = before.text.splitlines(), after.text.splitlines()
    if len(lb) > _MAX_LINES or len(la) > _MAX_LINES:
        return None
    # Necessary conditions, checked before the quadratic-in-the-worst-case matcher: the answer
    # needs opcodes that are all `equal` or same-length `replace`, i.e. lines paired by
    # position, so the sides have one length and every line differing at its own position is
    # a bump. A real change of a long module fails here in one pass.
    if len(lb) != len(la):
        return None
    differing = [(x, y) for x, y in zip(lb, la) if x != y]
    if not differing or any(_bump(x, y) is None for x, y in differing):
        return None
    return matched_bumps(lb, la)


def matched_bumps(lb: list[str], la: list[str]) -> Optional[str]:
    """The answer read off difflib's line matching alone: every opcode `equal` or a
    same-length `replace` whose line pairs are all bumps (metadata_only's pre-checks only
    refuse early what this refuses)."""
    bumped: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, lb, la, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag != "replace" or i2 - i1 != j2 - j1:
            return None
        for x, y in zip(lb[i1:i2], la[j1:j2]):
            got = _bump(x, y)
            if got is None:
                return None
            bumped.append(got)
    if not bumped:
        return None
    return "release metadata bumped: " + ", ".join(bumped[:4])
