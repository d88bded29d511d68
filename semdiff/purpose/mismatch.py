"""Does the change do more than it says? The change-level `purpose-mismatch` check.

The stated claim (semdiff.purpose.claims) says which effects a change may have; the
effects (semdiff.purpose.effects) say what it has. A narrow claim — docs, typo, format,
tests, deps, refactor — promises no behaviour change outside its own area (test code for
"tests", manifests for "deps", documentation for "docs"); behaviour-preserving effects
(formatting, renames, moves, equivalent conditions, extracted helpers, message wording)
never exceed any claim. Broad claims (fix, feature, perf, revert, unknown, mixed) permit
behaviour changes, so they are only summarised — except a security fix that also weakens
something, which is exactly the patch that hides a weakening behind a good cause.

With no stated purpose at all (no commit messages, no --purpose) nothing is reported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Sequence

from semdiff.model import Confidence, PurposeSummary, Relevance, Severity
from semdiff.purpose.authorship import AiLabel, ai_labels
from semdiff.purpose.claims import MIXED, UNKNOWN, Claim, classify_change
from semdiff.purpose.effects import ORDER, Effect, UnitEffect, classify_effects
from semdiff.rules.base import ChangeCheckResult, ChangeContext, Example, RuleSpec, make_finding

AI_EVIDENCE_PREFIX = "ai-authored: "
OWN_RULES = frozenset({"purpose-mismatch", "reviewer-instruction", "trojan-source"})

PURPOSE_MISMATCH = RuleSpec(
    id="purpose-mismatch",
    title="Change does more than its stated purpose",
    severity=Severity.HIGH,
    description=(
        "The commit messages or --purpose text make a narrow claim (docs, typo, formatting, tests, "
        "dependency bump, refactor) but the change alters behaviour in security-relevant code or "
        "weakens a check; or a security fix also weakens something else; or a test-only change "
        "alters non-test code. Behaviour-preserving effects are proved on normalised syntax trees "
        "and never count."
    ),
    examples=(
        Example(
            before='def check(user):\n    if not user.is_admin:\n        raise PermissionError("denied")\n',
            after='def check(user):\n    if not user.is_staff:\n        raise PermissionError("denied")\n',
            fires=True, note='commit "fix typo in error message"',
        ),
        Example(
            before='def check(user):\n    if not (user.is_admin and user.active):\n        raise PermissionError("no")\n',
            after='def check(user):\n    if not user.is_admin or not user.active:\n        raise PermissionError("no")\n',
            fires=False, note='commit "refactor: simplify check" (De Morgan: equivalent)',
        ),
    ),
)


@dataclass(frozen=True)
class PurposeVerdict:
    claim: Claim
    effects: tuple[UnitEffect, ...]
    exceeding: tuple[UnitEffect, ...]
    ai: tuple[AiLabel, ...]
    strict: bool
    # (path, unit) of weakening findings at medium or above (the purpose rule's own excluded)
    serious: frozenset[tuple[str, str]] = frozenset()


# Where test tooling lives besides test code: the CI configuration that runs the tests and
# the manifests that pin the test runner. "Run tests on push", "pin pytest for the test
# group" change these files and nothing else; only an ordinary behaviour change there is
# within a tests claim (a weakening or a security-relevant change still exceeds it).
_TEST_TOOLING = re.compile(
    r"(^|/)\.github/workflows/|(^|/)\.gitlab-ci\.ya?ml$|(^|/)\.circleci/|(^|/)azure-pipelines\.ya?ml$"
    r"|(^|/)(tox\.ini|noxfile\.py|pytest\.ini|\.coveragerc|codecov\.ya?ml)$"
)


def _test_tooling(e: UnitEffect) -> bool:
    return e.effect is Effect.BEHAVIOUR and (e.area == "deps" or bool(_TEST_TOOLING.search(e.path)))


def permitted(e: UnitEffect, claim: Claim) -> bool:
    """Is this unit's effect within what the claim allows?"""
    if e.effect.preserving or not claim.stated or not claim.narrow:
        return True
    for kind in claim.kinds:
        if kind == "tests" and (e.area == "tests" or _test_tooling(e)):
            return True
        if kind == "deps" and e.area == "deps":
            return True
        if kind == "docs" and e.area == "docs":
            return True
    return False


def evaluate(ctx: ChangeContext) -> PurposeVerdict:
    changes = ctx.changes
    commits = tuple(getattr(changes, "commits", ()) or ())
    purpose_text = ctx.purpose_text if ctx.purpose_text and ctx.purpose_text.strip() else None
    claim = classify_change(purpose_text, commits)
    # the syntax-tree proofs only matter when a narrow claim (or a security fix) is checked
    precise = claim.narrow or "security-fix" in claim.kinds
    effects = classify_effects(ctx.unit_changes, ctx.findings, ctx.rule_context.relevance, OWN_RULES, precise=precise)
    opts = ctx.rule_context.options or {}
    patterns = opts.get("ai_patterns") or ()
    ai = ai_labels(commits, getattr(changes, "repo_root", None),
                   tuple(str(p) for p in patterns) if isinstance(patterns, (list, tuple)) else ())
    strict = str(opts.get("ai_policy", "default")).lower() == "strict" and bool(ai)
    exceeding = tuple(e for e in effects if not permitted(e, claim))
    serious = frozenset((f.path, f.unit) for f in ctx.findings if f.rule_id not in OWN_RULES and f.severity >= Severity.MEDIUM)
    return PurposeVerdict(claim, effects, exceeding, ai, strict, serious)


def _rank(e: UnitEffect) -> tuple[int, float, int]:
    order = {Effect.WEAKENING: 3, Effect.SECURITY: 2, Effect.BEHAVIOUR: 1}
    return (order.get(e.effect, 0), e.relevance_score, -(e.line or 0))


def _noun(units: Sequence[UnitEffect]) -> str:
    fn = all((u.change.after or u.change.before).kind in ("function", "method", "lambda") for u in units)  # type: ignore[union-attr]
    word = "function" if fn else "unit"
    return f"{len(units)} {word}{'s' if len(units) != 1 else ''}"


def _unit_line(e: UnitEffect) -> str:
    detail = ", ".join(e.rules) if e.effect is Effect.WEAKENING else (e.evidence[-1] if e.evidence else "")
    return f"{e.path}:{e.qualname} ({e.effect.value}{': ' + detail if detail else ''})"


def narrow_claim_support(e: UnitEffect) -> Severity:
    """How severe a narrow claim's mismatch this unit can make it. A weakening: one level above
    what its own rule judged (the claim hid it), so a low removed check in code with no path to
    anything sensitive is a medium mismatch, a high one critical; a security-relevant unit is a
    high mismatch whatever the rule said (changing it is already outside the claim)."""
    if e.effect is Effect.WEAKENING:
        own = e.weakening_severity.bumped(1)
        return max(own, Severity.HIGH) if e.relevant else own
    return Severity.HIGH


def _serious_weakening(e: UnitEffect) -> bool:
    """A weakening in security-relevant code, or one its rule judged at least medium."""
    return e.relevant or e.weakening_severity >= Severity.MEDIUM


def decide(v: PurposeVerdict) -> tuple[Optional[Severity], tuple[UnitEffect, ...], str]:
    """(severity or None, the units to name, what is wrong) for the purpose-mismatch finding."""
    claim = v.claim
    if not claim.stated:
        return None, (), ""
    sec = tuple(e for e in v.exceeding if e.effect in (Effect.SECURITY, Effect.WEAKENING))
    weakening = tuple(e for e in v.exceeding if e.effect is Effect.WEAKENING)
    bump = 1 if v.strict else 0
    if claim.narrow:
        if sec:
            severity = max(narrow_claim_support(e) for e in sec).bumped(bump)
            if not weakening:
                return severity, sec, "changes behaviour in security-relevant code"
            if any(_serious_weakening(e) for e in weakening):
                return severity, sec, "weakens security-relevant code"
            return severity, sec, "weakens a check its rule judged low (no path to anything sensitive)"
        if v.exceeding and claim.kinds == frozenset({"tests"}):
            return Severity.MEDIUM.bumped(bump), v.exceeding, "changes behaviour outside test code"
        if v.exceeding and v.strict:
            return Severity.MEDIUM.bumped(bump), v.exceeding, "changes behaviour (AI-authored, strict policy)"
        return None, (), ""
    if "security-fix" in claim.kinds:
        # a security fix rewrites checks by design: only a weakening its own rule judged at
        # least medium is "also weakens"; a low one (a rewritten predicate whose new form the
        # rules cannot compare) stays the rule's own low finding, not a high escalation
        weak_all = tuple(e for e in v.effects if e.effect is Effect.WEAKENING and (e.path, e.qualname) in v.serious)
        if weak_all:
            return Severity.HIGH.bumped(bump), weak_all, "also weakens security-relevant code"
    if v.strict and claim.kinds & {UNKNOWN}:
        risky = tuple(e for e in v.effects if e.effect in (Effect.SECURITY, Effect.WEAKENING))
        if risky:
            return Severity.HIGH, risky, "has no recognisable purpose yet changes security-relevant code (AI-authored, strict policy)"
    return None, (), ""


def _sec_noun(units: Sequence[UnitEffect]) -> str:
    return _noun(units).replace(" ", " security-relevant ", 1)


def verdict_line(v: PurposeVerdict, severity: Optional[Severity], named: Sequence[UnitEffect], problem: str) -> str:
    """One line for people: "matches its purpose", "exceeds its purpose in 2 security-relevant functions"."""
    risky = [e for e in v.effects if e.effect in (Effect.SECURITY, Effect.WEAKENING)]
    if not v.claim.stated:
        line = "no stated purpose to compare with"
        if risky:
            line += f"; changes behaviour in {_sec_noun(risky)}"
    elif severity is not None and v.claim.narrow:
        sec = [e for e in named if e.effect is Effect.SECURITY or (e.effect is Effect.WEAKENING and _serious_weakening(e))]
        line = f"exceeds its purpose in {_sec_noun(sec)}" if sec else f"exceeds its purpose in {_noun(named)}: it {problem}"
        weak = [e for e in named if e.effect is Effect.WEAKENING]
        if weak:
            line += f", weakening {_noun(weak)}"
    elif severity is not None:
        line = f"exceeds its purpose: it {problem} ({_noun(named)})"
    elif v.exceeding:
        line = f"exceeds its purpose in {_noun(v.exceeding)} (not security-relevant)"
    else:
        line = "matches its purpose"
        if risky:
            line += f" ({v.claim.label}; changes behaviour in {_sec_noun(risky)})"
    if v.ai:
        line += f"; AI/bot-authored commits: {len(v.ai)}" + (" (strict policy)" if v.strict else "")
    return line


def check_purpose(ctx: ChangeContext) -> ChangeCheckResult:
    v = evaluate(ctx)
    severity, named, problem = decide(v)
    findings = ()
    if severity is not None and named:
        top = max(named, key=_rank)
        claim = v.claim
        units = "; ".join(_unit_line(e) for e in sorted(named, key=_rank, reverse=True)[:12])
        more = f" (and {len(named) - 12} more)" if len(named) > 12 else ""
        message = (
            f'The change claims "{claim.label}" ({"; ".join(claim.evidence[:3])}) but {problem}: {units}{more}.'
        )
        rel = ctx.rule_context.relevance(top.change)
        if not rel.is_relevant and top.effect is not Effect.BEHAVIOUR:
            rel = Relevance("guards", 0.5, (top.qualname,), "its guards or decorators changed")
        c = top.change
        finding = make_finding(
            PURPOSE_MISMATCH, c, ctx.rule_context, message,
            before_line=(c.touched_before[0] if c.touched_before else (c.before.span.line if c.before else None)) if c.after is None else None,
            after_line=top.line if c.after is not None else None,
            evidence_before="claim: " + claim.label + " — " + "; ".join(claim.evidence),
            evidence_after="effect: " + "; ".join(_unit_line(e) for e in named),
            witness=verdict_line(v, severity, named, problem),
            confidence=Confidence.HIGH if claim.label not in (MIXED,) else Confidence.MEDIUM,
            severity=severity,
            relevance=rel,
        )
        findings = (finding,)
    counts = {}
    for e in v.effects:
        counts[e.effect] = counts.get(e.effect, 0) + 1
    summary = PurposeSummary(
        claim=v.claim.label,
        claim_evidence=v.claim.evidence + tuple(AI_EVIDENCE_PREFIX + l.describe() for l in v.ai),
        effects=tuple((k.value, counts[k]) for k in ORDER if k in counts),
        verdict=verdict_line(v, severity, named, problem),
        exceeds=bool(findings) or bool(v.exceeding),
    )
    return ChangeCheckResult(findings=findings, purpose=summary)
