"""Rule families. Each module registers itself with `semdiff.rules.base.family`.

Importing a rule module costs: its regular expressions are compiled and its dataclasses
built at import. A change in one language needs only the families that can run on it, so
`load_for` imports just those modules, from a declared table (`MODULE_LANGUAGES`); the
families then run in the order a full load registers them (`FAMILY_ORDER`), so the report
is the same as with every module loaded. Both tables are checked against a full load by
tests/test_rules_loading.py; a module or family missing from them makes `load_for` fall
back to loading everything (slower, never wrong).
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Iterable, Optional

_LOADED = False
_DONE: set[str] = set()
_NAMES: Optional[tuple[str, ...]] = None

EVERY = "*"  # a family that runs on every change
CHANGE = "change"  # a change-level check (runs once per change, whatever its languages)

# module -> the languages its own families' rules declare (RuleSpec.languages; "config" =
# any configuration unit). A module that registers nothing itself (a helper shared by
# several families) has no entry languages: its dependants import it.
MODULE_LANGUAGES: dict[str, frozenset[str]] = {
    name: frozenset(langs) for name, langs in {
        "allowlist_gate": ("python",),
        "browser_policy": ("go", "java", "javascript", "python", "typescript"),
        "cache_credentials": ("go", "java", "javascript", "typescript"),
        "checked_call_removed": ("go", "java", "javascript", "typescript"),
        "client_ip_trust": ("go", "java", "javascript", "python", "typescript"),
        "config_assistant": ("agent-instructions", "claude-settings", "config"),
        "config_container": ("config", "dockerfile"),
        "config_dependencies": ("config", "package-json", "pyproject", "requirements"),
        "config_mcp": ("claude-settings", "config", "mcp"),
        "config_ownership": ("codeowners", "config", "github-settings"),
        "config_support": (),
        "config_workflow_common": (),
        "config_workflow_policy": ("config", "github-actions"),
        "config_workflow_trust": ("config", "github-actions"),
        "credential_gate": ("python",),
        "credential_headers": ("go", "java", "javascript", "python", "typescript"),
        "crypto_downgrade": (EVERY,),
        "denylist_narrowed": ("go", "java", "javascript", "python", "typescript"),
        "disabled_verification": (EVERY,),
        "escaping_removed": ("go", "java", "javascript", "python", "typescript"),
        "evasion": (EVERY,),
        "fallback_override": ("go", "java", "javascript", "python", "typescript"),
        "forwarded_trust": ("go", "java", "javascript", "python", "typescript"),
        "guards": (EVERY,),
        "header_filter": ("go", "java", "javascript", "typescript"),
        "identity_claim": ("python",),
        "identity_namespace": ("javascript", "python", "typescript"),
        "injection_opened": ("python",),
        "input_validation": ("python",),
        "leak_opened": ("python",),
        "limit_disabled": ("go", "java", "javascript", "typescript"),
        "limit_relaxed": ("python",),
        "match_loosened": ("python",),
        "normalisation_dropped": ("go", "java", "javascript", "typescript"),
        "null_prototype_dropped": ("javascript", "typescript"),
        "override_check_removed": ("java", "javascript", "python", "typescript"),
        "option_injection": ("go", "java", "javascript", "python", "typescript"),
        "path_confinement": ("go", "java", "javascript", "typescript"),
        "permission_widened": ("python",),
        "protection_removed": (),
        "protective_bean": ("java",),
        "protective_state": ("python",),
        "prototype_key_check": ("javascript", "typescript"),
        "purpose_mismatch": (CHANGE,),
        "read_limit_removed": ("go",),
        "redirect_normalisation": ("go", "java", "javascript", "python", "typescript"),
        "redirect_opened": ("python",),
        "redos_introduced": ("java", "javascript", "typescript"),
        "referer_redirect": ("go", "java", "javascript", "python", "typescript"),
        "regex_anchor_dropped": ("java", "javascript", "typescript"),
        "security_call_swapped": ("go", "java", "javascript", "python", "typescript"),
        "reviewer_instructions": (CHANGE,),
        "sanitizer_flag": ("go", "java", "javascript", "python", "typescript"),
        "split_unbounded": ("go", "java", "javascript", "python", "typescript"),
        "swallowed_exception": (EVERY,),
        "timing_decoy": ("go", "java", "javascript", "python", "typescript"),
        "verified_flag": ("javascript", "python", "typescript"),
        "weakened_default": (EVERY,),
        "widened_allowlist": ("python",),
    }.items()
}

# The order a full load (`load_all`) registers the families and change-level checks in.
FAMILY_ORDER: tuple[str, ...] = (
    "allowlist-gate-removed", "browser-policy-removed", "cache-credential-bypass-removed",
    "swallowed-exception", "checked-call-removed", "client-ip-spoofable", "config-assistant",
    "config-container", "config-dependencies", "config-mcp", "config-ownership",
    "config-workflow-policy", "config-workflow-trust", "credential-header-forwarded",
    "escaping-removed", "identity-namespace-removed", "prototype-key-check-removed",
    "read-limit-removed", "redos-introduced", "credential-attach-widened", "crypto-downgrade",
    "denylist-narrowed", "disabled-verification", "evasion", "fallback-overrides-value", "forwarded-header-ungated", "guards", "header-filter-removed", "identity-claim-mutable", "injection-opened",
    "input-validation", "leak-opened", "limit-disabled", "limit-relaxed", "match-loosened",
    "normalisation-dropped", "null-prototype-dropped", "option-injection-check-removed", "override-check-removed", "path-confinement-removed", "permission-widened", "protective-bean-removed", "protective-state-dropped",
    "redirect-normalisation-removed", "redirect-opened", "redirect-to-referer", "regex-anchor-dropped",
    "sanitizer-flag-dropped", "security-call-weakened",
    "split-unbounded", "timing-decoy-removed", "verified-flag-widened",
    "weakened-default", "widened-allowlist",
)
CHECK_ORDER: tuple[str, ...] = ("purpose-mismatch", "reviewer-instructions")


def module_names() -> tuple[str, ...]:
    """The rule-family modules of this package, in the order `load_all` imports them."""
    global _NAMES
    if _NAMES is None:
        _NAMES = tuple(info.name for info in pkgutil.iter_modules(__path__)
                       if info.name != "base" and not info.name.startswith("_"))
    return _NAMES


def load_all() -> None:
    """Import every rule-family module in this package once (they self-register)."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for name in module_names():
        importlib.import_module(f"{__name__}.{name}")
        _DONE.add(name)


def load_for(languages: Iterable[str], skip: Iterable[str] = ()) -> bool:
    """Import the modules whose families can run on a change of these languages (plus the
    change-level checks), except those in `skip` (modules whose trigger the change does not
    satisfy, semdiff.rules._triggers). False when the tables do not cover a module, so
    everything was loaded instead and the registration order is the full load's own."""
    if _LOADED:
        return True
    wanted = {EVERY, CHANGE, *languages}
    skip = frozenset(skip)
    names = module_names()
    if any(name not in MODULE_LANGUAGES for name in names):
        load_all()
        return False
    for name in names:
        if name not in _DONE and name not in skip and not MODULE_LANGUAGES[name].isdisjoint(wanted):
            importlib.import_module(f"{__name__}.{name}")
            _DONE.add(name)
    return True
