"""What a change says it does: a deterministic classifier of commit messages and PR text.

The tables (grammars/purpose/claims.toml) hold the Conventional Commits prefixes and the
keyword patterns; this module only applies them in a fixed order and keeps every match as
evidence, so a reviewer can see *why* "fix typo in error message" counts as a typo claim.
No network, no model: the same text always gets the same claim.

A range of commits gets one overall claim. When every commit makes a narrow claim (docs,
typo, format, tests, deps, refactor) the overall claim is their union and stays narrow
("docs" + "typo" still promises no change in behaviour); as soon as one commit claims
something broad (a fix, a feature) or nothing recognisable, the range is "mixed" and is not
held to a narrow promise.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from semdiff.purpose.tables import ClaimTables, claim_tables

UNKNOWN = "unknown"
MIXED = "mixed"
BREAKING = "breaking"

_PREFIX = re.compile(r"^\s*([A-Za-z][A-Za-z-]*)(?:\(([^)\n]{0,80})\))?(!)?\s*:\s*(.*)$", re.S)
_TRAILER = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:\s+\S")
_MAX_TEXT = 20_000  # a hostile message must not make the regexes run for long


@dataclass(frozen=True)
class MessageClaim:
    """The claim of one message (a commit, or the --purpose text)."""

    source: str  # "commit 1a2b3c4d" or "--purpose"
    subject: str
    kinds: frozenset[str]
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Claim:
    """The claim of the whole change."""

    label: str  # one kind, "a+b" for a union of narrow kinds, "mixed" or "unknown"
    kinds: frozenset[str]
    narrow: bool  # every kind is narrow: the change promises (almost) no behaviour change
    evidence: tuple[str, ...]
    per_message: tuple[MessageClaim, ...] = ()
    stated: bool = True  # False when there was no purpose text and no commit message at all


def strip_trailers(body: str) -> str:
    """The body without its final trailer block (Signed-off-by:, Co-authored-by:, ...)."""
    paras = body.strip().split("\n\n")
    if paras and paras[-1].strip() and all(_TRAILER.match(l.strip()) for l in paras[-1].strip().splitlines()):
        paras = paras[:-1]
    return "\n\n".join(paras)


def _quote(text: str, limit: int = 80) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


# Code named in a message: `backticked spans` and called names (`sanitized()`, `escape(x)`).
# "delays decoding to the sanitized() function" names a function; it claims nothing.
_CODE_SPAN = re.compile(r"`[^`\n]{1,200}`|\b[A-Za-z_][\w.]*(?=\()")


def _prose(text: str) -> str:
    """The text with code references blanked (same length, so positions still line up)."""
    return _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)


# A subject that opens with one of these verbs says what the code now *does*; a narrow
# keyword after it is the thing acted on, not the author's claim: "Warn about common option
# misspellings" adds a warning (not a typo fix), "Don't strip internal whitespace before
# parsing JSON" changes parsing (not formatting), "Reject tests with ..." is not test work.
# Claim verbs ("fix typo", "update docs", "add tests", "remove trailing whitespace") are not
# listed, so those subjects keep their narrow promise.
_BEHAVIOUR_VERBS = frozenset({
    "warn", "warns", "reject", "rejects", "deny", "denies", "disallow", "disallows", "allow", "allows",
    "accept", "accepts", "handle", "handles", "don't", "dont", "never", "validate", "validates",
    "verify", "verifies", "detect", "detects", "prevent", "prevents", "block", "blocks", "enforce",
    "enforces", "require", "requires", "raise", "raises", "throw", "throws", "ignore", "ignores",
    "tolerate", "tolerates", "suggest", "suggests", "catch", "catches", "report", "reports", "error",
    "errors", "fail", "fails", "guard", "guards", "avoid", "avoids", "support", "supports", "parse",
    "parses", "normalize", "normalise", "normalizes", "normalises", "escape", "escapes",
})
_LEAD_WORD = re.compile(r"^\s*(do not|does not|[A-Za-z][A-Za-z']*)", re.I)


def _behaviour_verb(text: str) -> Optional[str]:
    """The subject's opening verb when it names a behaviour ("Warn", "Don't"), else None."""
    m = _LEAD_WORD.match(text)
    if not m:
        return None
    word = m.group(1).lower().replace("\u2019", "'")
    return m.group(1) if word in _BEHAVIOUR_VERBS or word in ("do not", "does not") else None


# "Clean up" names a code clean-up (a refactor claim) unless what is cleaned up is a run-time
# resource: "more resource cleanup", "clean up temp files", "socket cleanup" close files and
# connections, which is what the code now does, not a promise that it does the same as before.
_RESOURCE = (r"(?:resources?|files?|file\s+handles?|handles?|sockets?|connections?|fds?|descriptors?|temp(?:orary)?"
             r"|tmp|tempfiles?|tmpdirs?|temp\s+dirs?|processe?s?|subprocesse?s?|threads?|locks?|memory|leaks?|streams?)")
_RESOURCE_CLEANUP = re.compile(
    rf"\b{_RESOURCE}\s+(?:[\w-]+\s+){{0,2}}clean[ -]?ups?\b"
    rf"|\bclean(?:ed|ing|s)?[ -]?ups?\s+(?:(?:of|the|all|any|open|opened|leaked|unused|stale|leftover)\s+){{0,3}}{_RESOURCE}\b",
    re.I)
_CLEANUP_WORD = re.compile(r"clean[ -]?ups?", re.I)


def _resource_cleanup(text: str, strong: dict[str, list[str]]) -> Optional[str]:
    """The phrase when the only refactor keyword is a clean-up of run-time resources."""
    words = strong.get("refactor", [])
    if not words or not all(_CLEANUP_WORD.fullmatch(w) for w in words):
        return None
    m = _RESOURCE_CLEANUP.search(_prose(text))
    return m.group(0) if m else None


def _keyword_hits(text: str, tables: ClaimTables, strength: str) -> dict[str, list[str]]:
    text = _prose(text)
    hits: dict[str, list[str]] = {}
    for claim, kw in tables.keywords.items():
        for pat in getattr(kw, strength):
            m = pat.search(text)
            if m:
                hits.setdefault(claim, []).append(m.group(0))
                break
    return hits


def _first_word_index(text: str, hits: dict[str, list[str]]) -> int:
    """Word position of the earliest matched keyword (how early the subject names it)."""
    low = text.lower()
    positions = [low.find(w.lower()) for words in hits.values() for w in words]
    first = min((p for p in positions if p >= 0), default=0)
    return len(text[:first].split())


def _describe(hits: dict[str, list[str]], where: str) -> list[str]:
    return [f'{where} keyword "{w}" -> {claim}' for claim, words in sorted(hits.items()) for w in words]


def classify_message(subject: str, body: str = "", source: str = "message",
                     tables: Optional[ClaimTables] = None) -> Optional[MessageClaim]:
    """Classify one message; None for a merge commit (its subject says nothing about the change)."""
    t = tables or claim_tables()
    subject = (subject or "")[:_MAX_TEXT].strip()
    body = strip_trailers((body or "")[:_MAX_TEXT])
    if any(p.search(subject) for p in t.ignore_subjects):
        return None
    where = f"{source} subject"
    prefix_claim: Optional[str] = None
    prefix_type = ""
    rest = subject
    m = _PREFIX.match(subject)
    if m:
        ptype, scope = m.group(1).lower(), (m.group(2) or "").strip().lower()
        key = f"{ptype}({scope})" if scope else ptype
        scoped = t.prefixes.get(key) if scope else None
        prefix_claim = scoped or t.prefixes.get(ptype)
        if prefix_claim is not None or ptype in t.generic_prefixes:
            prefix_type = key if scoped else ptype
            rest = m.group(4)
            if m.group(3) and prefix_claim is not None:
                # `type!:` announces a breaking change: never a narrow, behaviour-free promise
                return MessageClaim(source, subject, frozenset({prefix_claim, BREAKING}),
                                    (f'{where} prefix "{subject[: m.start(4)].strip()}" -> {prefix_claim}, breaking change',))
    evidence: list[str] = []
    strong = _keyword_hits(rest, t, "strong")
    released = _resource_cleanup(rest, strong)
    if released:
        del strong["refactor"]
        evidence.append(f'{where} "{released}" releases run-time resources (files, connections): '
                        "a behaviour change, not a code clean-up")
    # a component label ("jws: don't strip ...") is not a type, but the verb follows it
    verb = _behaviour_verb(m.group(4) if m else rest)
    acted_on = {c: w for c, w in strong.items() if c in t.narrow} if verb else {}
    if acted_on:
        strong = {c: w for c, w in strong.items() if c not in t.narrow}
        words = ", ".join(f'"{w}"' for ws in acted_on.values() for w in ws)
        evidence.append(f'{where} opens with "{verb}": {words} is what the change acts on, not a narrow claim')
    if prefix_claim is not None and prefix_type not in t.generic_prefixes:
        # an explicit, specific Conventional Commits type is the author's own label
        evidence = []
        evidence.append(f'{where} prefix "{subject[: m.start(4)].strip() if m else ""}" -> {prefix_claim}')
        return MessageClaim(source, subject, frozenset({prefix_claim}), tuple(evidence))
    if strong:
        if prefix_type:
            evidence.append(f'{where} generic prefix "{prefix_type}:" gives way to its keywords')
        evidence.extend(_describe(strong, where))
        claims = set(strong)
        if not prefix_type and claims <= set(t.narrow) and _first_word_index(rest, strong) >= 4:
            # "Fix cookie path options, add test to verify": a narrow keyword late in a subject
            # that opens with a broad verb is not a narrow promise ("fix typo ..." still is);
            # keep the broad claim too, so the union is not narrow
            broad = {c: w for c, w in _keyword_hits(rest, t, "weak").items() if c not in t.narrow}
            if broad:
                claims |= set(broad)
                evidence.extend(_describe(broad, f"{where} (weak)"))
        return MessageClaim(source, subject, frozenset(claims), tuple(evidence))
    if prefix_claim is not None:
        evidence.append(f'{where} prefix "{prefix_type}:" -> {prefix_claim}')
        return MessageClaim(source, subject, frozenset({prefix_claim}), tuple(evidence))
    weak = _keyword_hits(rest, t, "weak")
    if verb:
        weak = {c: w for c, w in weak.items() if c not in t.narrow}
    if weak:
        evidence.extend(_describe(weak, f"{where} (weak)"))
        return MessageClaim(source, subject, frozenset(weak), tuple(evidence))
    # A body describes the change and what came with it ("Add test for ...", "update the
    # docs", "bump the lockfile"); only the subject (or --purpose) makes a narrow promise. A
    # broad body claim (a security fix, a bug fix) still counts: it widens, never narrows.
    body_all = _keyword_hits(body, t, "strong")
    body_strong = {c: w for c, w in body_all.items() if c not in t.narrow}
    if body_strong:
        evidence.extend(_describe(body_strong, f"{source} body"))
        return MessageClaim(source, subject, frozenset(body_strong), tuple(evidence))
    unknown = evidence + [f'{where} "{_quote(subject)}" matches no prefix or keyword']
    if body_all:
        unknown.append(f"{source} body mentions {', '.join(sorted(body_all))} (accompanying work, not a narrow claim)")
    return MessageClaim(source, subject, frozenset({UNKNOWN}), tuple(unknown))


def combine(messages: Sequence[MessageClaim], tables: Optional[ClaimTables] = None) -> Claim:
    """One claim for the change: a single kind, a narrow union, or mixed/unknown."""
    t = tables or claim_tables()
    if not messages:
        return Claim(UNKNOWN, frozenset({UNKNOWN}), False, ("no stated purpose (no commit message, no --purpose)",),
                     (), stated=False)
    kinds: set[str] = set()
    evidence: list[str] = []
    for mc in messages:
        kinds |= mc.kinds
        evidence.extend(mc.evidence)
    narrow = bool(kinds) and kinds <= t.narrow
    if len(kinds) == 1:
        label = next(iter(kinds))
    elif narrow:
        order = {k: i for i, k in enumerate(t.narrow_order)}
        label = "+".join(sorted(kinds, key=lambda k: (order.get(k, 99), k)))
    else:
        label = MIXED
    return Claim(label, frozenset(kinds), narrow, tuple(evidence), tuple(messages))


def classify_change(purpose_text: Optional[str], commits: Iterable[object],
                    tables: Optional[ClaimTables] = None) -> Claim:
    """The stated purpose of a change: the --purpose text when given, else its commits."""
    t = tables or claim_tables()
    if purpose_text is not None and purpose_text.strip():
        subject, _, body = purpose_text.strip().partition("\n")
        mc = classify_message(subject, body, "--purpose", t)
        return combine([mc] if mc else [], t)
    messages = []
    for c in commits:
        sha = str(getattr(c, "sha", ""))[:8]
        mc = classify_message(str(getattr(c, "subject", "")), str(getattr(c, "body", "")), f"commit {sha}", t)
        if mc is not None:
            messages.append(mc)
    return combine(messages, t)
