"""protection-removed: the group of rules for web-library protections dropped, mostly in
JavaScript/TypeScript, Go and Java (some also read Python with tables of their own).

The Python catalogue (injection-opened, limit-relaxed, redirect-opened) reads Python APIs.
Libraries in other languages lose the same protections through their own idioms, and a
guard-only view misses them because none of them *denies* anything. Each rule is its own
module, table and registration; each compares before with after (the protection existed
before and is gone, or runs in fewer cases, after), never pre-existing risky code:

* escaping_removed     escaping-removed             an escaper removed, the value still used
* redos_introduced     redos-introduced             a regex edited into a backtracking form
* prototype_key_check  prototype-key-check-removed  a `__proto__` key check removed
* credential_headers   credential-header-forwarded  credentials no longer kept from another origin
* read_limit_removed   read-limit-removed           a bounded Go read made unbounded
* browser_policy       browser-policy-removed       a CSP directive or protection header gone
* identity_namespace   identity-namespace-removed   a provider prefix dropped from an identity

This module registers nothing: it is the group's index, and keeps the names other modules
import from it (`SENSITIVE_HEADERS`, `bool_formula`) where they were.
"""
from __future__ import annotations

from semdiff.rules import (
    browser_policy,
    credential_headers,
    escaping_removed,
    identity_namespace,
    prototype_key_check,
    read_limit_removed,
    redos_introduced,
)
from semdiff.rules._condition_text import bool_formula
from semdiff.rules.credential_headers import SENSITIVE_HEADERS, is_origin_check
from semdiff.rules.browser_policy import policy_tokens
from semdiff.rules.escaping_removed import is_escaper

GROUP = (escaping_removed, redos_introduced, prototype_key_check, credential_headers, read_limit_removed,
         browser_policy, identity_namespace)
RULES = tuple(r for module in GROUP for r in module.RULES)
# path each rule's table examples are read as (`Example` has no path field)
EXAMPLE_PATHS = {rid: path for module in GROUP for rid, path in module.EXAMPLE_PATHS.items()}

__all__ = ["EXAMPLE_PATHS", "GROUP", "RULES", "SENSITIVE_HEADERS", "bool_formula", "is_escaper", "is_origin_check",
           "policy_tokens"]
