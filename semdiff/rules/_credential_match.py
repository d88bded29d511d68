"""Is a newly allowed case one where the caller presented a configured secret?

`if pw == self.password: return user` followed by a new
`if user in self.admins and pw == self.admin_password: return admin` lets a case past the
old `return None`, but only when the supplied value equals a second configured secret: an
added credential (another password, another API token), itself an authentication check,
not the bypass a flag, a header or a hard-coded value would be. The guards family keeps
reporting it, at low severity, naming the comparison; a literal (`pw == "letmein"`), a
value compared with another request value (`pw == data['confirm']`) or a test without a
configured secret stays a bypass.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff import logic
from semdiff.ir import Atom, Guard, atoms_of, disj

# configuration the process holds, not request data: attributes of the object, settings modules,
# app config mappings, module constants
_CONFIGURED = re.compile(
    r"^(?:self|cls|this|settings|conf|config|app\.config|current_app\.config|[A-Z][A-Z0-9_]*)(?:\.|\[|$)"
)
_SECRET = re.compile(r"(?i)(?:password|passwd|passphrase|secret|api_?key|access_?key|token)(?!_?(?:name|field|header|param|url|path|length|len|min|max|expiry|lifetime|ttl))")
_LITERAL = re.compile(r"""^(?:[rbuf]*["'].*["']|-?\d[\d_.]*|None|True|False|null|nil|true|false|undefined)$""", re.S)


def _sides(atom: Atom) -> Optional[tuple[str, str]]:
    if atom.kind != "cmp" or atom.op != "==":
        return None
    text = atom.text
    for op in (" == ", " === "):
        if op in text:
            left, right = text.split(op, 1)
            return left.strip(), right.strip()
    return None


def credential_comparison(atom: Atom) -> Optional[str]:
    """`supplied == configured_secret` (either order): the configured side's text, else None."""
    sides = _sides(atom)
    if sides is None:
        return None
    for configured, supplied in (sides, sides[::-1]):
        if not _CONFIGURED.match(configured) or not _SECRET.search(configured):
            continue
        if _LITERAL.match(supplied) or _CONFIGURED.match(supplied) or _LITERAL.match(configured):
            continue
        return configured
    return None


def alternative_credential(g: Guard, related: Iterable[Guard]) -> Optional[Atom]:
    """The credential comparison every case `g` denied and the new guards allow must pass, if any.

    Only comparisons the new guards make are candidates; the answer is exact (a witness
    search): when some newly allowed case does not need the comparison, None."""
    related = list(related)
    cover = disj(*(h.deny_when for h in related))
    old = {a.key for a in atoms_of(g.deny_when)}
    candidates: dict[str, Atom] = {}
    for h in related:
        for a in atoms_of(h.deny_when):
            # a comparison the old check already made is not an added credential
            if a.key not in candidates and a.key not in old and credential_comparison(a) is not None:
                candidates[a.key] = a
    for a in candidates.values():
        w = logic.witness(g.deny_when, disj(cover, a))
        if w is None:
            return a
    return None


__all__ = ["alternative_credential", "credential_comparison"]

