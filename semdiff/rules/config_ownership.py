"""Who must approve a change: CODEOWNERS and branch protection kept in the repository.

CODEOWNERS is order-sensitive (the last matching rule wins), so the question asked is not
"was a line deleted" but "for each path that had owners before, who owns it now": a new broad
rule placed below `/src/auth/` takes the auth code away from its owners without deleting
anything. Branch protection (`.github/settings.yml`) is a key table.
"""
from __future__ import annotations

import fnmatch
import re
from typing import Iterable, Iterator, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Literal, Unit
from semdiff.model import Finding, Severity
from semdiff.rules.base import Example, RuleContext, RuleSpec, family
from semdiff.rules.config_support import KeyRow, config_finding, key_table_findings, spec_table

RULES = (
    RuleSpec(
        "codeowners-weakened", "Required code owners removed", Severity.HIGH,
        "A security-sensitive path (auth, crypto, CI workflows, CODEOWNERS itself, ...) or the catch-all `*` "
        "lost owners, directly or because a later rule now overrides it.",
        (
            Example("*  @org/core\n/src/auth/  @org/security\n", "*  @org/core\n/src/auth/\n", True),
            Example("*  @org/core\n/src/auth/  @org/security\n", "*  @org/core\n/src/auth/  @org/security @alice\n", False, "owner added"),
        ),
        ("codeowners", "config"),
    ),
    RuleSpec(
        "branch-policy-weakened", "Branch protection weakened", Severity.HIGH,
        "Required reviews lowered or removed, required status checks removed, code-owner review or "
        "admin enforcement turned off, force pushes allowed.",
        (
            Example("branches:\n  - name: main\n    protection:\n      required_pull_request_reviews:\n        required_approving_review_count: 2\n",
                    "branches:\n  - name: main\n    protection:\n      required_pull_request_reviews:\n        required_approving_review_count: 1\n", True),
            Example("branches:\n  - name: main\n    protection:\n      required_pull_request_reviews:\n        required_approving_review_count: 1\n",
                    "branches:\n  - name: main\n    protection:\n      required_pull_request_reviews:\n        required_approving_review_count: 2\n", False, "raised"),
        ),
        ("github-settings", "config"),
    ),
)
SPECS = spec_table(RULES)
EXAMPLE_PATHS = {"codeowners-weakened": ".github/CODEOWNERS", "branch-policy-weakened": ".github/settings.yml"}

SENSITIVE = re.compile(
    r"(?i)auth|security|secur|crypt|secret|permission|acl|login|session|token|oauth|saml|iam|polic|"
    r"\.github|workflows|codeowners|infra|deploy|terraform|dockerfile|k8s|helm|payment|billing|admin"
)
CATCH_ALL = {"*", "**", "/", "/*", "/**"}


def _norm(pattern: str) -> str:
    p = pattern.strip()
    if p in CATCH_ALL:
        return "*"
    return p.lstrip("/").rstrip("/").removesuffix("/**").removesuffix("/*") or "*"


def _covers(rule: str, target: str) -> bool:
    r, t = _norm(rule), _norm(target)
    if r == "*" or r == t:
        return True
    if t.startswith(r + "/"):
        return True
    if "/" in r:
        return fnmatch.fnmatchcase(t, r)
    return fnmatch.fnmatchcase(t, r) or fnmatch.fnmatchcase(t, "*/" + r) or fnmatch.fnmatchcase(t.rsplit("/", 1)[-1], r)


def _rules(unit: Optional[Unit]) -> list[Literal]:
    return [l for l in (unit.literals if unit else ()) if l.kind == "codeowners"]


def owners_of(rules: list[Literal], target: str) -> tuple[Optional[Literal], frozenset[str]]:
    """Owners the last rule covering `target` gives it (what GitHub applies)."""
    hit = None
    for r in rules:
        if _covers(r.target, target):
            hit = r
    return hit, frozenset(o.lower() for o in hit.items) if hit else frozenset()


def check_codeowners(change: UnitChange, ctx: RuleContext) -> Iterator[Finding]:
    spec = SPECS["codeowners-weakened"]
    before, after = _rules(change.before), _rules(change.after)
    if not before:
        return
    targets: dict[str, Literal] = {}
    for r in before:
        if r.items and (_norm(r.target) == "*" or SENSITIVE.search(r.target)):
            targets[_norm(r.target)] = r
    for target, rule_b in targets.items():
        hit_b, owners_b = owners_of(before, rule_b.target)
        if hit_b is not rule_b:
            continue  # already overridden before the change
        hit_a, owners_a = owners_of(after, rule_b.target)
        lost = owners_b - owners_a
        if not lost:
            continue
        label = "catch-all rule" if target == "*" else f"'{rule_b.target}'"
        how = "now has no owner" if not owners_a else f"lost {', '.join(sorted(lost))}"
        if hit_a is not None and _norm(hit_a.target) != target:
            how += f" (overridden by later rule '{hit_a.target}')"
        renamed = renamed_teams(lost, owners_a - owners_b) if hit_a is not None and _norm(hit_a.target) == target else None
        if renamed:
            how += f"; {renamed} (a renamed team, still required)"
        yield config_finding(spec, change, ctx, f"{label} {how}", before=rule_b.span.line,
                             after=hit_a.span.line if hit_a is not None else None,
                             evidence_before=rule_b.text, evidence_after=hit_a.text if hit_a is not None else "",
                             severity=Severity.LOW if renamed else None)


_TEAM = re.compile(r"^@([\w.-]+)/([\w.-]+)$")


def renamed_teams(lost: frozenset[str], gained: frozenset[str]) -> Optional[str]:
    """"Update codeowner file with new GitHub team name": `@org/dx-sdks-engineer` became
    `@org/project-dx-sdks-engineer-codeowner` on the same rule. Every lost owner must be a
    team whose replacement is a team of the same organisation with its name inside (or
    around) the old one's words; another organisation, a person, or an unrelated team
    (`@org/security` -> `@org/interns`) is a real change of who approves."""
    pool = set(gained)
    pairs = []
    for old in sorted(lost):
        mo = _TEAM.match(old)
        if not mo:
            return None
        words_o = set(re.split(r"[-_.]+", mo.group(2))) - {""}
        match = None
        for new in sorted(pool):
            mn = _TEAM.match(new)
            if not mn or mn.group(1) != mo.group(1):
                continue
            words_n = set(re.split(r"[-_.]+", mn.group(2))) - {""}
            if words_o and words_n and (words_o <= words_n or words_n <= words_o):
                match = new
                break
        if match is None:
            return None
        pool.discard(match)
        pairs.append(f"{old} -> {match}")
    return ", ".join(pairs) if pairs else None


_B = "branch-policy-weakened"
_P = "branches[*].protection"
BRANCH_ROWS = (
    KeyRow(_B, f"{_P}.required_pull_request_reviews.required_approving_review_count", "lowered",
           "required approvals lowered from {before} to {value} ({key})"),
    KeyRow(_B, f"{_P}.required_pull_request_reviews.require_code_owner_reviews", "became-false", "code-owner review no longer required ({key})"),
    KeyRow(_B, f"{_P}.required_pull_request_reviews.dismiss_stale_reviews", "became-false", "stale approvals no longer dismissed ({key})"),
    KeyRow(_B, f"{_P}.required_pull_request_reviews.require_last_push_approval", "became-false", "last push no longer needs approval ({key})"),
    KeyRow(_B, f"{_P}.required_status_checks.contexts", "list-shrunk", "required status check '{value}' removed ({key})"),
    KeyRow(_B, f"{_P}.required_status_checks.strict", "became-false", "branches no longer need to be up to date ({key})"),
    KeyRow(_B, f"{_P}.enforce_admins", "became-false", "admins may bypass protection ({key})"),
    KeyRow(_B, f"{_P}.required_signatures", "became-false", "signed commits no longer required ({key})"),
    KeyRow(_B, f"{_P}.required_linear_history", "became-false", "linear history no longer required ({key})"),
    KeyRow(_B, f"{_P}.required_conversation_resolution", "became-false", "unresolved review threads no longer block ({key})"),
    KeyRow(_B, f"{_P}.allow_force_pushes", "became-true", "force pushes allowed ({key})"),
    KeyRow(_B, f"{_P}.allow_deletions", "became-true", "branch deletion allowed ({key})"),
)


def check_branch_policy(change: UnitChange, ctx: RuleContext) -> Iterator[Finding]:
    yield from key_table_findings(BRANCH_ROWS, SPECS, change, ctx)


@family("config-ownership", RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.language == "codeowners":
        return list(check_codeowners(change, ctx))
    if change.language == "github-settings":
        return list(check_branch_policy(change, ctx))
    return []
