"""protective-bean-removed: a Spring `@Bean` that put a protective filter in front of the
application is gone while its configuration class stays.

Spring Boot registers every `Filter` bean in the servlet filter chain: an XSS or CSRF filter, a
Content-Security-Policy header filter, an authentication or rate-limit filter is switched on
by nothing more than a `@Bean` method returning it. Deleting that method leaves no guard, no
setting and no failing call behind: requests simply stop passing through the filter.

Read from the Java IR: a method unit annotated `@Bean` (or a `FilterRegistrationBean` factory)
is deleted, its class is still there after the change, and the name of the method or of the
type it creates names a protection (table below). A bean that is still created somewhere in the
change's Java files (moved to another configuration class, renamed method), or one whose
class goes with it (a whole configuration removed), is not reported.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Unit
from semdiff.model import Finding, Severity
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

RULE_ID = "protective-bean-removed"
LANGS = ("java",)

# names of protective filters (method name or created type, split into words by case)
PROTECTIVE = re.compile(
    r"(?i)xss|csrf|xsrf|content_?security|csp(?![a-z])|clickjack|frame_?options|hsts|firewall|auth(?!or\b)|"
    r"ratelimit|rate_?limit|throttl|sanitiz|escap|security_?header|secure_?header")
_CREATED = re.compile(r"\bnew\s+([A-Z][\w.]*)\s*[<(]")
_BEAN = ("Bean", "org.springframework.context.annotation.Bean")

_BEFORE = ("@Configuration\npublic class ConsoleConfig {\n\n    @Bean\n    public XssFilter xssFilter() {\n"
           "        return new XssFilter();\n    }\n\n    @Bean\n    public Clock clock() {\n        return Clock.systemUTC();\n    }\n}\n")
_AFTER = ("@Configuration\npublic class ConsoleConfig {\n\n    @Bean\n    public Clock clock() {\n"
          "        return Clock.systemUTC();\n    }\n}\n")

RULES = (
    RuleSpec(
        RULE_ID, "Protective filter bean removed", Severity.MEDIUM,
        "A Spring @Bean method that registered a protective filter (XSS, CSRF, Content-Security-Policy, "
        "authentication, rate limiting, ...) was deleted from a configuration class that is still there, and "
        "nothing in the change creates that filter any more: requests no longer pass through it.",
        (Example(_BEFORE, _AFTER, True),
         Example(_BEFORE, _BEFORE.replace("public Clock clock() {\n        return Clock.systemUTC();\n    }\n", "public Clock clock() {\n        return Clock.systemDefaultZone();\n    }\n"),
                 False, "another bean edited")),
        languages=LANGS, intrinsic="xss",
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "src/main/java/app/ConsoleConfig.java"}


def _created(unit: Unit) -> Optional[str]:
    m = _CREATED.search(unit.text)
    return m.group(1).rsplit(".", 1)[-1] if m else None


def _is_bean(unit: Unit) -> bool:
    return any(d.name in _BEAN for d in unit.decorators) or "FilterRegistrationBean" in unit.text.split("{", 1)[0]


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before = change.before
    if before is None or change.after is not None or change.language not in LANGS or before.kind != "method":
        return []
    if not _is_bean(before) or before.parent is None:
        return []
    created = _created(before)
    if not (PROTECTIVE.search(before.name) or (created and PROTECTIVE.search(created))):
        return []
    if (before.path, before.parent) not in ctx.after_units:
        return []  # the configuration class went with it
    if created:
        pattern = re.compile(r"\bnew\s+(?:[\w.]+\.)?" + re.escape(created) + r"\s*[<(]")
        for (path, _q), unit in ctx.after_units.items():
            if path.endswith(".java") and isinstance(unit, Unit) and unit.kind != "class" and pattern.search(unit.text):
                return []  # still created (moved to another configuration, renamed method)
    what = created or before.name
    return [make_finding(
        SPEC, change, ctx,
        f"the @Bean method `{before.name}` that registered `{what}` was removed from `{before.parent}`; "
        "nothing in the change creates it any more, so requests no longer pass through that filter",
        before_line=before.span.line, evidence_before=before.text.strip().splitlines()[0] if before.text.strip() else "",
    )]
