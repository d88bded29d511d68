"""weakened-default: a default argument, settings constant or framework flag made
permissive by the change (verify/secure/httponly/samesite/DEBUG/SSL redirect/CSRF
toggles, protective middleware removed from a settings list, token or session lifetimes
lengthened by an order of magnitude).

Which names are flags, which direction is safe and what a framework assumes when the
setting is absent all live in the tables below; the comparison itself is generic.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Unit
from semdiff.model import Finding, Severity
from semdiff.rules._catalog_facts import (
    NEVER, Fact, attribute_assignments, last, nested_units, seconds_of, to_findings, verdicts,
)
from semdiff.rules._catalog2_ir import name_words
from semdiff.rules.base import Example, RuleContext, RuleSpec, family

FAMILY = "weakened-default"
FLAG = f"{FAMILY}/security-flag"
COOKIE = f"{FAMILY}/cookie-flag"
MIDDLEWARE = f"{FAMILY}/middleware-removed"
LIFETIME = f"{FAMILY}/lifetime-lengthened"
RESTRICTING = f"{FAMILY}/restricting-option-removed"


@dataclass(frozen=True)
class FlagSpec:
    rule: str
    safe_when_true: bool  # True: turning it off weakens; False: turning it on weakens
    implicit: Optional[bool] = None  # framework value when the setting is absent (None: unknown)
    category: str = "config"
    as_parameter: bool = True  # also a flag when it is a parameter default / keyword


# lower-cased name (last segment of the setting key / parameter / keyword) -> flag
FLAGS: dict[str, FlagSpec] = {
    # TLS / signature toggles (parameter defaults, config dicts)
    "verify": FlagSpec(FLAG, True, category="tls"),
    "verify_ssl": FlagSpec(FLAG, True, category="tls"),
    "ssl_verify": FlagSpec(FLAG, True, category="tls"),
    "verify_certs": FlagSpec(FLAG, True, category="tls"),
    "verify_tls": FlagSpec(FLAG, True, category="tls"),
    "check_hostname": FlagSpec(FLAG, True, category="tls"),
    "verify_signature": FlagSpec(FLAG, True, category="token"),
    "verify_token": FlagSpec(FLAG, True, category="token"),
    "insecure": FlagSpec(FLAG, False, category="tls"),
    "allow_insecure": FlagSpec(FLAG, False, category="tls"),
    "skip_verify": FlagSpec(FLAG, False, category="tls"),
    "insecure_skip_verify": FlagSpec(FLAG, False, category="tls"),
    "disable_ssl": FlagSpec(FLAG, False, category="tls"),
    # framework settings (Django / Flask / Flask-WTF / Flask-Login), with their defaults
    "debug": FlagSpec(FLAG, False, implicit=False, as_parameter=False),
    "secure_ssl_redirect": FlagSpec(FLAG, True, implicit=False, category="tls"),
    "secure_content_type_nosniff": FlagSpec(FLAG, True, implicit=True),
    "secure_hsts_include_subdomains": FlagSpec(FLAG, True, implicit=False, category="tls"),
    "wtf_csrf_enabled": FlagSpec(FLAG, True, implicit=True, category="csrf"),
    "csrf_enabled": FlagSpec(FLAG, True, category="csrf"),
    "wtf_csrf_check_default": FlagSpec(FLAG, True, implicit=True, category="csrf"),
    "login_disabled": FlagSpec(FLAG, False, implicit=False, category="authn"),
    "oauthlib_insecure_transport": FlagSpec(FLAG, False, category="tls"),
    "session_expire_at_browser_close": FlagSpec(FLAG, True, implicit=False, category="session"),
    # OAuth / OIDC anti-forgery: the state parameter (CSRF on the callback), the OIDC nonce
    # (token replay) and PKCE (code interception) as backend attributes or client options
    "state_parameter": FlagSpec(FLAG, True, category="csrf"),
    "use_state": FlagSpec(FLAG, True, category="csrf"),
    "validate_state": FlagSpec(FLAG, True, category="csrf"),
    "verify_state": FlagSpec(FLAG, True, category="csrf"),
    "verify_nonce": FlagSpec(FLAG, True, category="token"),
    "validate_nonce": FlagSpec(FLAG, True, category="token"),
    "use_nonce": FlagSpec(FLAG, True, category="token"),
    "use_pkce": FlagSpec(FLAG, True, category="token"),
    "pkce_enabled": FlagSpec(FLAG, True, category="token"),
    "require_pkce": FlagSpec(FLAG, True, category="token"),
    # `cors: true` (vite, expressjs/cors options): every origin may read responses
    "cors": FlagSpec(FLAG, False, category="config", as_parameter=False),
    # XML parser hardening (lxml XMLParser/iterparse/XMLPullParser; defusedxml readers): entity
    # expansion reads local files and URLs (XXE), a DTD is the vehicle for it and for entity bombs;
    # huge_tree lifts libxml2's depth and size limits
    "resolve_entities": FlagSpec(FLAG, False, category="injection", as_parameter=False),
    "forbid_dtd": FlagSpec(FLAG, True, category="injection", as_parameter=False),
    "forbid_entities": FlagSpec(FLAG, True, category="injection", as_parameter=False),
    "forbid_external": FlagSpec(FLAG, True, category="injection", as_parameter=False),
    "huge_tree": FlagSpec(FLAG, False, category="dos", as_parameter=False),
    # cookies
    "secure": FlagSpec(COOKIE, True, category="session"),
    "httponly": FlagSpec(COOKIE, True, category="session"),
    "http_only": FlagSpec(COOKIE, True, category="session"),
    "session_cookie_secure": FlagSpec(COOKIE, True, implicit=False, category="session"),
    "csrf_cookie_secure": FlagSpec(COOKIE, True, implicit=False, category="csrf"),
    "session_cookie_httponly": FlagSpec(COOKIE, True, implicit=True, category="session"),
    "csrf_cookie_httponly": FlagSpec(COOKIE, True, implicit=False, category="csrf"),
    "remember_cookie_secure": FlagSpec(COOKIE, True, implicit=False, category="session"),
    "remember_cookie_httponly": FlagSpec(COOKIE, True, implicit=True, category="session"),
    "language_cookie_secure": FlagSpec(COOKIE, True, implicit=False, category="session"),
}
# SameSite settings: name -> implicit value; values ranked strict > lax > none
SAMESITE_KEYS: dict[str, Optional[str]] = {
    "samesite": None, "same_site": None, "session_cookie_samesite": "lax", "csrf_cookie_samesite": "lax",
    "remember_cookie_samesite": None,
}
SAMESITE_RANK: dict[str, int] = {"strict": 2, "lax": 1, "none": 0, "false": 0}

# calls whose keyword arguments are cookie/framework flags; absent keyword = library default
FLAG_CALLS: dict[str, dict[str, object]] = {
    "set_cookie": {"secure": False, "httponly": False, "samesite": "none"},
    "set_signed_cookie": {"secure": False, "httponly": False, "samesite": "none"},
    "run": {"debug": False},
    "update": {},  # app.config.update(DEBUG=True): keywords only
    "from_mapping": {},
    # XML parsers whose keyword left out takes the library default: lxml resolves entities
    # unless told not to (resolve_entities=False dropped = XXE); defusedxml forbids entities and
    # external references by default but not DTDs
    "XMLParser": {"resolve_entities": True, "huge_tree": False},
    "XMLPullParser": {"resolve_entities": True, "huge_tree": False},
    "iterparse": {"resolve_entities": True, "huge_tree": False},
    "fromstring": {"forbid_dtd": False, "forbid_entities": True, "forbid_external": True},
    "parseString": {"forbid_dtd": False, "forbid_entities": True, "forbid_external": True},
}
CONFIG_RECEIVER = re.compile(r"(?i)config|settings")
# cookie flag fields of Go structs (net/http.Cookie, gorilla/sessions.Options, ...): left out of a
# composite literal they are false, so deleting `Secure: true` is the same as writing `Secure: false`
GO_ZERO_COOKIE_FIELDS = frozenset({"secure", "httponly"})

# settings lists that carry protective middleware: target name -> middleware class name -> category
MIDDLEWARE_TARGETS = frozenset({"MIDDLEWARE", "MIDDLEWARE_CLASSES"})
PROTECTIVE_MIDDLEWARE: dict[str, str] = {
    "CsrfViewMiddleware": "csrf",
    "AuthenticationMiddleware": "authn",
    "SecurityMiddleware": "tls",
    "XFrameOptionsMiddleware": "config",
    "SessionMiddleware": "session",
    "CSRFProtect": "csrf",
}

# Configuration chains of other languages (callees as the tree-sitter backends write them,
# rows mirror grammars/seeds/java.toml): a call that switches a protection off by being there.
# callee suffix -> (category, what it turns off)
DISABLING_CALLS: dict[str, tuple[str, str]] = {
    "csrf().disable": ("csrf", "CSRF protection"),
    "frameOptions().disable": ("config", "X-Frame-Options"),
}
# the lambda / method-reference forms: `http.csrf(c -> c.disable())`, `http.csrf(AbstractHttpConfigurer::disable)`
DISABLING_CONFIGURERS: dict[str, tuple[str, str]] = {"csrf": ("csrf", "CSRF protection"),
                                                     "frameOptions": ("config", "X-Frame-Options")}
DISABLING_ARGUMENT = re.compile(r"(::disable$|->\s*\w+\.disable\(\)$)")
# access rules of a request matcher (Spring Security), strictest highest; `.permitAll()` lets everyone in
ACCESS_RULES: dict[str, int] = {
    "denyAll": 3, "hasRole": 2, "hasAnyRole": 2, "hasAuthority": 2, "hasAnyAuthority": 2, "access": 2,
    "fullyAuthenticated": 2, "authenticated": 1, "rememberMe": 1, "anonymous": 0, "permitAll": 0,
}
ACCESS_RECEIVERS = re.compile(r"(requestMatchers|antMatchers|mvcMatchers|regexMatchers|anyRequest|pathMatchers|anyExchange)\(")

# lifetimes: the name says it is a lifetime; the name, callee or unit says whose
LIFETIME_NAME = re.compile(r"(?i)(max_?age|(^|_)age$|expir|lifetime|ttl|valid_for|validity|(^|_)exp$)")
TIMEOUT_NAME = re.compile(r"(?i)timeout")
SECURITY_CONTEXT = re.compile(
    r"(?i)(token|session|cookie|jwt|otp|auth|login|password|reset|csrf|nonce|remember|refresh|access|signature|signed|"
    r"sign|magic_link|invite|verification|api_key|apikey)")
LIFETIME_FACTOR = 10.0

# restricting members of a bit-or flag set (`MODE = A | B | LIMIT_JSON_DEPTH`, `os.O_RDONLY | os.O_NOFOLLOW`),
# by the `_`-separated words of a CONSTANT_CASE name; a name with a loosening word is never one
BITFLAG_MEMBER = re.compile(r"^(?:[A-Za-z_]\w*\.)*([A-Z][A-Z0-9_]*)$")
RESTRICTING_FLAG_WORDS = frozenset({
    "LIMIT", "LIMITED", "REJECT", "STRICT", "STRICTEST", "SECURE", "VERIFY", "VALIDATE", "DENY", "FORBID",
    "RESTRICT", "RESTRICTED", "SANDBOX", "NOFOLLOW", "EXCL", "NONET", "SAFE", "CHECK", "REQUIRE", "REQUIRED",
})
LOOSENING_FLAG_WORDS = frozenset({
    "NO", "SKIP", "DISABLE", "DISABLED", "ALLOW", "ALLOWS", "UNSAFE", "INSECURE", "IGNORE", "RELAX", "RELAXED",
    "LENIENT", "ACCEPT", "PERMISSIVE", "TRUST", "UNRESTRICTED", "UNCHECKED", "LAX",
})
# `OP_NO_SSLv3`, `NO_TLSv1_1`: a protocol switched off is a restriction
PROTOCOL_OFF = re.compile(r"^(?:OP_)?NO_(?:SSLV2|SSLV3|TLSV1|TLSV1_1|COMPRESSION|RENEGOTIATION|TICKET)$", re.I)
# restricting options of a command line in an argv list (`'--enabled-key-data', 'raw-x509-cert'` for
# xmlsec1, `--ignore-scripts` for npm, `--require-hashes` for pip); by the words of the option name
ARGV_OPTION = re.compile(r"^--?([A-Za-z][\w-]*)(?:[=:].*)?$")
RESTRICTING_OPTION_WORDS = frozenset({
    "enabled", "strict", "verify", "secure", "safe", "restrict", "restricted", "sandbox", "limit", "deny",
    "require", "nonet", "pin", "pinned",
})
RESTRICTING_OPTIONS = frozenset({"ignore-scripts", "frozen-lockfile", "no-exec", "no-network"})
LOOSENING_OPTION_WORDS = frozenset({
    "no", "disable", "insecure", "unsafe", "skip", "allow", "trust", "ignore", "accept", "permissive", "lax",
    "dangerously", "anonymous", "unrestricted", "relaxed",
})
MIN_ARGV_OPTIONS = 2  # a call's own arguments with fewer options are not a command line

# `func defaultProtectNTFS() bool { return true }`: the default of a protection, as a function
PROTECTION_WORDS = frozenset({
    "protect", "protection", "verify", "verification", "secure", "validate", "validation", "check", "checks",
    "strict", "enforce", "sanitize", "escape", "escaping",
})
_RETURN = re.compile(r"(?m)^\s*return\b[ \t]*([^\n]*)$")
_COMMENT_TAIL = re.compile(r"\s*(?://|#|/\*).*$")

_SETTINGS_BEFORE = "DEBUG = False\nSESSION_COOKIE_SECURE = True\n"
_ARGV_BEFORE = ("import subprocess\n\n\ndef verify_signature(xmlsec, cert, doc):\n"
                "    cmd = [xmlsec, '--verify', '--enabled-key-data', 'x509', '--pubkey-cert-pem', cert, doc]\n"
                "    return subprocess.run(cmd, check=True)\n")
_MODE_BEFORE = ("from .flags import ACCEPT_NAN, LIMIT_NESTING_DEPTH, USE_BIG_DECIMAL\n\n"
                "MODE_DEFAULT = ACCEPT_NAN | USE_BIG_DECIMAL | LIMIT_NESTING_DEPTH\n"
                "MODE_FAST = ACCEPT_NAN | LIMIT_NESTING_DEPTH\n")
_XML_BEFORE = ("from lxml import etree\n\n\ndef parse_feed(content):\n"
               "    parser = etree.XMLParser(strip_cdata=False, resolve_entities=False)\n"
               "    return etree.fromstring(content, parser=parser)\n")
RULES = (
    RuleSpec(FLAG, "Security flag made permissive", Severity.HIGH,
             "A parameter default, settings constant or config key that turns a protection on now turns it off "
             "(verify=True -> False, DEBUG = True, SECURE_SSL_REDIRECT = False, WTF_CSRF_ENABLED = False, ...), a "
             "configuration chain now disables a protection (Spring Security http.csrf().disable()), or a request "
             "matcher's access rule now admits everyone (.authenticated() / .hasRole(...) -> .permitAll()), or a function "
             "that gives a protection's default (defaultProtectX(), default_verify()) and always returned true now "
             "returns false or a condition (on only for some platforms or inputs), or an XML parser lost a hardening "
             "keyword whose default is unsafe (lxml XMLParser/iterparse resolve_entities=False dropped: XXE; "
             "defusedxml forbid_dtd=True dropped) or got huge_tree=True, or a call's access keyword that was decided per "
             "call (allow_private=requester in joined, check_permissions=not internal) is now the opening literal.",
             (Example("import requests\n\ndef fetch(url, verify=True):\n    return requests.get(url, verify=verify)\n",
                      "import requests\n\ndef fetch(url, verify=False):\n    return requests.get(url, verify=verify)\n", True),
              Example(_SETTINGS_BEFORE, _SETTINGS_BEFORE.replace("DEBUG = False", "DEBUG = True"), True),
              Example(_SETTINGS_BEFORE.replace("DEBUG = False", "DEBUG = True"), _SETTINGS_BEFORE, False, "strengthened"),
              Example("def render(page, debug=False):\n    return page\n",
                      "def render(page, debug=False, compact=True):\n    return page\n", False, "unchanged flag"),
              Example(_XML_BEFORE, _XML_BEFORE.replace(", resolve_entities=False", ""), True, "XXE: entities resolved again"),
              Example(_XML_BEFORE, _XML_BEFORE.replace("strip_cdata=False, ", ""), False, "hardening kept"))),
    RuleSpec(COOKIE, "Cookie protection weakened", Severity.MEDIUM,
             "secure / httponly turned off or samesite lowered (Strict/Lax -> None) in settings, defaults or set_cookie().",
             (Example(_SETTINGS_BEFORE, _SETTINGS_BEFORE.replace("SESSION_COOKIE_SECURE = True", "SESSION_COOKIE_SECURE = False"), True),
              Example(_SETTINGS_BEFORE.replace("SESSION_COOKIE_SECURE = True", "SESSION_COOKIE_SECURE = False"), _SETTINGS_BEFORE, False))),
    RuleSpec(MIDDLEWARE, "Protective middleware removed", Severity.HIGH,
             "CsrfViewMiddleware / AuthenticationMiddleware / SecurityMiddleware (...) removed from a MIDDLEWARE list.",
             (Example("MIDDLEWARE = [\n    'django.middleware.security.SecurityMiddleware',\n    'django.middleware.csrf.CsrfViewMiddleware',\n]\n",
                      "MIDDLEWARE = [\n    'django.middleware.security.SecurityMiddleware',\n]\n", True),
              Example("MIDDLEWARE = [\n    'django.middleware.security.SecurityMiddleware',\n]\n",
                      "MIDDLEWARE = [\n    'django.middleware.security.SecurityMiddleware',\n    'django.middleware.csrf.CsrfViewMiddleware',\n]\n", False))),
    RuleSpec(LIFETIME, "Token or session lifetime lengthened", Severity.MEDIUM,
             "A token/session/cookie lifetime grew by 10x or more, or now never expires (literal seconds and timedelta(...) compared).",
             (Example("from datetime import timedelta\n\nACCESS_TOKEN_LIFETIME = timedelta(minutes=5)\n",
                      "from datetime import timedelta\n\nACCESS_TOKEN_LIFETIME = timedelta(days=30)\n", True),
              Example("from datetime import timedelta\n\nACCESS_TOKEN_LIFETIME = timedelta(minutes=5)\n",
                      "from datetime import timedelta\n\nACCESS_TOKEN_LIFETIME = timedelta(minutes=15)\n", False, "3x is not an order of magnitude"),
              Example("CACHE_TTL = 300\n", "CACHE_TTL = 86400 * 30\n", False, "not a security lifetime"))),
    RuleSpec(RESTRICTING, "Restricting option removed", Severity.MEDIUM,
             "A restricting member was removed from a bit-or flag set (`MODE = ... | LIMIT_JSON_DEPTH`, "
             "`os.O_RDONLY | os.O_NOFOLLOW`, `OP_NO_SSLv3`) or a restricting option from a command-line argv list "
             "(`--enabled-key-data x509` for xmlsec1, `--ignore-scripts`, `--require-hashes`, `--strict`), by the "
             "words of its name; names with a loosening word (NO_VERIFY, ALLOW_*, --insecure, --no-sandbox) are "
             "never restricting, and a removal is not reported when another restricting member took its place.",
             (Example(_ARGV_BEFORE, _ARGV_BEFORE.replace(" '--enabled-key-data', 'x509',", ""), True,
                      "xmlsec1 no longer limited to x509 key data"),
              Example(_MODE_BEFORE, _MODE_BEFORE.replace("USE_BIG_DECIMAL | LIMIT_NESTING_DEPTH\n", "USE_BIG_DECIMAL\n"), True,
                      "depth limit dropped from a parser mode"),
              Example(_ARGV_BEFORE, _ARGV_BEFORE.replace("'--pubkey-cert-pem', cert,", "'--pubkey-cert-der', cert,"),
                      False, "other options changed"),
              Example(_MODE_BEFORE, _MODE_BEFORE.replace("ACCEPT_NAN | LIMIT", "LIMIT"), False,
                      "a loosening member removed"))),
)
SPECS = {r.id: r for r in RULES}


# ---------------------------------------------------------------- extraction


def _bool_of(value: str) -> Optional[bool]:
    # `true`/`false`: the spelling of JavaScript, TypeScript, Go and Java
    return {"True": True, "False": False, "true": True, "false": False, "1": True, "0": False}.get(value)


def _go_composite(call) -> bool:
    """`Options{...}` / `http.Cookie{...}`: a Go composite literal, whose omitted fields hold the
    zero value (false for a bool), unlike a call whose omitted keywords take unknown defaults."""
    return call.text.startswith(call.callee) and call.text[len(call.callee):].lstrip().startswith("{")


def _samesite_rank(value: str) -> Optional[int]:
    low = value.strip("'\"").lower()
    go = re.fullmatch(r"(?:\w+\.)?samesite(none|lax|strict)mode", low)  # Go: http.SameSiteLaxMode
    return SAMESITE_RANK.get(go.group(1) if go else low)


def _flag_fact(name: str, value: str, line: int, text: str, slot: str, *, implicit_ok: bool, param: bool) -> Optional[Fact]:
    low = name.lower()
    spec = FLAGS.get(low)
    if spec is not None and param and not spec.as_parameter:
        return None
    if spec is not None:
        b = _bool_of(value)
        if b is None:
            return None
        safe = b if spec.safe_when_true else not b
        born = ""
        if not safe and implicit_ok and spec.implicit is not None:
            implicit_safe = spec.implicit if spec.safe_when_true else not spec.implicit
            if implicit_safe:
                born = f"{name} = {value} overrides the safe framework default"
        if not safe and param and spec.category == "tls":
            born = f"new parameter default {name}={value} turns verification off"
        return Fact(spec.rule, slot, int(safe), line, text, born_weak=born, only_in_existing_unit=True,
                    intrinsic=spec.category)
    if low in SAMESITE_KEYS:
        rank = _samesite_rank(value)
        if rank is None:
            return None
        born = ""
        implicit = SAMESITE_KEYS[low]
        if implicit_ok and implicit is not None and rank < SAMESITE_RANK[implicit]:
            born = f"{name} = {value} is weaker than the framework default {implicit!r}"
        return Fact(COOKIE, slot, rank, line, text, born_weak=born, only_in_existing_unit=True, intrinsic="session")
    return None


def _lifetime_context(name: str, extra: str) -> bool:
    if TIMEOUT_NAME.search(name) and not LIFETIME_NAME.search(name):
        return bool(SECURITY_CONTEXT.search(name))
    if not LIFETIME_NAME.search(name):
        return False
    return bool(SECURITY_CONTEXT.search(name) or SECURITY_CONTEXT.search(extra))


def _lifetime_fact(name: str, value: str, line: int, text: str, slot: str, extra: str) -> Optional[Fact]:
    if not _lifetime_context(name, extra):
        return None
    seconds = seconds_of(value)
    if seconds is None:
        return None
    return Fact(LIFETIME, slot, seconds, line, text, intrinsic="session")


def _named_values(unit: Unit, nested: list[Unit]) -> Iterable[tuple[str, str, int, str, str, str]]:
    """(name, value, line, text, slot, scope) for settings, defaults, config keys and flag keywords."""
    for s in unit.settings:
        yield last(s.key), s.value, s.span.line, s.text, s.key, s.scope
    setting_lines = {s.span.line for s in unit.settings}
    for a in attribute_assignments(unit, nested):
        # `app.config["DEBUG"] = True`, `settings.DEBUG = True`; not `ctx.check_hostname` (disabled-verification)
        receiver = a.target[: -len(a.key)] if "[" not in a.target else a.target.split("[", 1)[0]
        if a.line not in setting_lines and CONFIG_RECEIVER.search(receiver):
            yield a.key, a.value, a.line, a.text, a.target, "attribute"
    for call in unit.calls:
        method = last(call.callee)
        defaults = FLAG_CALLS.get(method)
        if defaults is None and unit.language == "go" and _go_composite(call):
            # a cookie flag field left out of a Go literal is false: `Secure: true` deleted turns it off
            named = [a for a in call.args if a.name and a.name not in ("*", "**")]
            for arg in named:
                yield arg.name, arg.value, call.span.line, call.text, f"{method}:{arg.name.lower()}", "call"
            given = {a.name.lower() for a in named}
            for kw in GO_ZERO_COOKIE_FIELDS - given:
                yield kw, "false", call.span.line, call.text, f"{method}:{kw}", "call-default"
            continue
        if defaults is None:
            continue
        receiver = call.callee[: -len(method) - 1] if "." in call.callee else ""
        if method in ("update", "from_mapping") and not CONFIG_RECEIVER.search(receiver):
            continue
        if method == "run" and not receiver:
            continue
        seen = set()
        for arg in call.args:
            if arg.name and arg.name not in ("*", "**"):
                seen.add(arg.name)
                yield arg.name, arg.value, call.span.line, call.text, f"{method}:{arg.name}", "call"
        for kw, default in defaults.items():
            if kw not in seen:
                shown = "None" if default == "none" else str(default)
                yield kw, shown, call.span.line, call.text, f"{method}:{kw}", "call-default"


# a call's keyword that decides access per call (`allow_private=requester in joined_users`,
# `check_permissions=not is_internal`): the keyword's verb says which literal opens it up, its
# object says it is about access. Computed before and the opening literal after: the decision
# is no longer made, every caller gets the open answer.
OPENING_WHEN_TRUE = frozenset({"allow", "include", "skip", "bypass", "ignore", "show", "expose", "disable", "trust"})
OPENING_WHEN_FALSE = frozenset({"check", "require", "enforce", "verify", "validate", "restrict", "filter", "hide",
                                "exclude", "protect"})
ACCESS_OBJECT_WORDS = frozenset({
    "private", "hidden", "permission", "permissions", "perm", "perms", "auth", "authz", "authorization", "access",
    "acl", "acls", "admin", "owner", "ownership", "restricted", "protected", "internal", "visibility", "unlisted",
    "secret", "secrets", "membership", "members",
})


def _access_keyword_facts(unit: Unit) -> list[Fact]:
    out: list[Fact] = []
    for call in unit.calls:
        for arg in call.args:
            if not arg.name or arg.name in ("*", "**"):
                continue
            ws = name_words(arg.name)
            if not ws & ACCESS_OBJECT_WORDS:
                continue
            opening = True if ws & OPENING_WHEN_TRUE else False if ws & OPENING_WHEN_FALSE else None
            if opening is None:
                continue
            b = _bool_of(arg.value)
            value = 1 if b is None or b != opening else 0
            out.append(Fact(FLAG, f"kw:{last(call.callee)}:{arg.name}", value, call.span.line,
                            f"{arg.name}={arg.value}"[:120], only_in_existing_unit=True, intrinsic="authz"))
    return out


def _facts_with(unit: Unit, nested: list[Unit]) -> list[Fact]:
    out: list[Fact] = []
    context = unit.qualname
    for name, value, line, text, slot, scope in _named_values(unit, nested):
        implicit_ok = scope in ("assignment", "config", "attribute")
        f = _flag_fact(name, value, line, text, slot, implicit_ok=implicit_ok, param=scope == "default")
        if f is None:
            f = _lifetime_fact(name, value, line, text, slot, f"{context} {slot}")
        if f is not None:
            out.append(f)
    default_fn = _protection_default_fact(unit)
    if default_fn is not None:
        out.append(default_fn)
    out.extend(_chain_facts(unit))
    out.extend(_restricting_facts(unit))
    out.extend(_access_keyword_facts(unit))
    assigned_at = {st.key: st.span.line for st in unit.settings}
    for lit in unit.literals:
        if lit.target in MIDDLEWARE_TARGETS and lit.kind in ("list", "tuple"):
            present = frozenset(last(i.strip("'\"")) for i in lit.items) & frozenset(PROTECTIVE_MIDDLEWARE)
            # report at the `MIDDLEWARE = ...` line (a parenthesised tuple's span may start inside)
            out.append(Fact(MIDDLEWARE, lit.target, present, lit.span.line, lit.text[:200], intrinsic="csrf",
                            report_line=assigned_at.get(lit.target, 0)))
    return out


def _protection_default_fact(unit: Unit) -> Optional[Fact]:
    """`defaultProtectNTFS() { return true }`: 1 while every return is the constant true,
    0 once any return is something else (false, `runtime.GOOS == "windows"`)."""
    if unit.kind not in ("function", "method"):
        return None
    ws = set(name_words(unit.name))
    if "default" not in ws or not ws & PROTECTION_WORDS:
        return None
    returns = [(_COMMENT_TAIL.sub("", m.group(1)).strip().rstrip(";").strip(), unit.span.line + unit.text.count("\n", 0, m.start(1)))
               for m in _RETURN.finditer(unit.text)]
    if not returns or len(returns) > 4:
        return None
    weak = next(((v, line) for v, line in returns if v not in ("true", "True")), None)
    value, line = weak if weak else returns[0]
    return Fact(FLAG, f"returns:{unit.name}", 0 if weak else 1, line, f"return {value}", intrinsic="validation")


def _split_top(value: str, sep: str = "|") -> list[str]:
    """`A | (B | C) | D` -> ["A", "(B | C)", "D"]: splits at depth 0 only (no `||`)."""
    if len(value) > 2000 or "||" in value:
        return []
    parts, depth, cur = [], 0, []
    for ch in value:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur).strip())
    return parts


def _restricting_flag(member: str) -> bool:
    m = BITFLAG_MEMBER.match(member)
    if not m:
        return False
    name = m.group(1)
    if PROTOCOL_OFF.match(name):
        return True
    words = set(name.upper().split("_"))
    return bool(words & RESTRICTING_FLAG_WORDS) and not (words & LOOSENING_FLAG_WORDS)


def _bitflag_set(value: str) -> Optional[frozenset[str]]:
    """The restricting members of a bit-or of CONSTANT_CASE names; None when `value` is not one."""
    # no `|` at all (most argument values): `_split_top`'s one part, without its character walk
    parts = _split_top(value) if "|" in value or len(value) > 2000 else [value.strip()]
    if not parts or not all(BITFLAG_MEMBER.match(p) for p in parts):
        return None
    return frozenset(BITFLAG_MEMBER.match(p).group(1) for p in parts if _restricting_flag(p))  # type: ignore[union-attr]


def _restricting_option(item: str) -> Optional[str]:
    m = ARGV_OPTION.match(item.strip().strip("'\"`"))
    if not m:
        return None
    name = m.group(1).lower()
    if name in RESTRICTING_OPTIONS:
        return name
    words = set(re.split(r"[-_]", name))
    if words & LOOSENING_OPTION_WORDS or not (words & RESTRICTING_OPTION_WORDS):
        return None
    return name


def _restricting_facts(unit: Unit) -> list[Fact]:
    """Bit-or flag sets in settings and call arguments; restricting options of argv lists.

    A flag set is a protection by itself (a parser mode, open() flags: relevance "validation");
    an argv list is judged by its unit's relevance (test helpers pass `--strict` too)."""
    out: list[Fact] = []
    for st in unit.settings:
        flags = _bitflag_set(st.value)
        if flags is not None:
            out.append(Fact(RESTRICTING, f"flags:{st.key}", flags, st.span.line, st.text[:200],
                            intrinsic="validation"))
    for call in unit.calls:
        for i, arg in enumerate(call.args):
            flags = _bitflag_set(arg.value)
            if flags is not None:
                out.append(Fact(RESTRICTING, f"flags:{call.callee}#{arg.name or i}", flags, call.span.line,
                                call.text[:200], intrinsic="validation"))
            items = _array_items(arg.value)
            if items is not None:
                fact = _argv_fact(items, f"argv:{call.callee}#{arg.name or i}", call.span.line, call.text)
                if fact is not None:
                    out.append(fact)
        # `exec.Command("xmlsec1", "--verify", ...)`, `new ProcessBuilder(...)`, `List.of(...)`: the arguments
        fact = _argv_fact([a.value for a in call.args], f"argv:{call.callee}", call.span.line, call.text,
                          MIN_ARGV_OPTIONS)
        if fact is not None:
            out.append(fact)
    for lit in unit.literals:
        if lit.kind in ("list", "tuple"):
            fact = _argv_fact(list(lit.items), f"argv:{lit.target}", lit.span.line, lit.text)
            if fact is not None:
                out.append(fact)
    return out


_ARRAY = re.compile(r"^(?:\[\](?:\w+\.)?\w+\{(?P<go>.*)\}|\[(?P<list>.*)\]|\((?P<tuple>.*,.*)\))$", re.S)


def _array_items(value: str) -> Optional[list[str]]:
    """Items of a list/tuple/Go slice literal argument (`["a", "b"]`, `[]string{"a", "b"}`)."""
    if len(value) > 2000 or not value[:1] in "[(":
        return None
    m = _ARRAY.match(value.strip())
    if not m:
        return None
    body = m.group("go") if m.group("go") is not None else m.group("list") if m.group("list") is not None else m.group("tuple")
    return _split_top(body, ",")


def _argv_fact(items: list[str], slot: str, line: int, text: str, min_options: int = 1) -> Optional[Fact]:
    """A list with a command and options (`['npm', 'install', '--no-audit']`); the bare
    arguments of a call need two options (`add_argument('--strict', ...)` is no command line)."""
    options = [i for i in items if ARGV_OPTION.match(i.strip().strip("'\"`"))]
    if len(items) < 2 or len(options) < max(1, min_options):
        return None
    present = frozenset(filter(None, (_restricting_option(i) for i in options)))
    return Fact(RESTRICTING, slot, present, line, text[:200])


def _squash(text: str) -> str:
    return "".join(text.split())


def _chain_facts(unit: Unit) -> list[Fact]:
    """Disabling calls and matcher access rules in configuration chains (`http.csrf().disable()`,
    `.requestMatchers("/admin/**").hasRole("ADMIN")`). A disabling call is new-and-weak on its own;
    an access rule is compared with the rule of the same matcher (slot = the chain up to the rule)."""
    out: list[Fact] = []
    for call in unit.calls:
        callee = call.callee
        hit = next((v for k, v in DISABLING_CALLS.items() if callee == k or callee.endswith("." + k)), None)
        if hit is None and last(callee) in DISABLING_CONFIGURERS and "(" not in last(callee):
            if any(DISABLING_ARGUMENT.search(_squash(a.value)) for a in call.args):
                hit = DISABLING_CONFIGURERS[last(callee)]
        if hit is not None:
            category, what = hit
            out.append(Fact(FLAG, f"disable:{category}", 0, call.span.line, call.text,
                            born_weak=f"{what} is switched off ({callee}())", intrinsic=category))
            continue
        method = last(callee)
        if method in ACCESS_RULES and "." in callee:
            at = call.text.rfind("." + method)
            prefix = call.text[:at] if at > 0 else ""
            if not ACCESS_RECEIVERS.search(prefix):
                continue
            # the matcher is the last link before the rule: `...requestMatchers("/admin/**")`
            matcher = _squash(prefix[[m.start() for m in ACCESS_RECEIVERS.finditer(prefix)][-1]:])
            line = call.span.line + call.text[:at].count("\n")
            out.append(Fact(FLAG, f"access:{matcher}", ACCESS_RULES[method], line, _squash(call.text[at:])[:120],
                            intrinsic="authz"))
    return out


def _weaker(before: Fact, after: Fact) -> Optional[str]:
    b, a = before.value, after.value
    if after.rule == MIDDLEWARE:
        assert isinstance(a, frozenset) and isinstance(b, frozenset)
        gone = b - a
        return f"{', '.join(sorted(gone))} removed from {after.slot}" if gone else None
    if after.rule == RESTRICTING:
        assert isinstance(a, frozenset) and isinstance(b, frozenset)
        gone = b - a
        if not gone or a - b:
            return None  # nothing dropped, or another restricting member took its place
        where = after.slot.split(":", 1)[1] or "the command line"
        kind = "option" if after.slot.startswith("argv:") else "flag"
        return f"restricting {kind} {', '.join(sorted(gone))} removed from {where}"
    if after.rule == LIFETIME:
        assert isinstance(a, float) and isinstance(b, float)
        if a == NEVER and b != NEVER:
            return f"{after.slot} now never expires (was {b:g} s)"
        if b > 0 and a != NEVER and a >= LIFETIME_FACTOR * b:
            return f"{after.slot} lengthened from {b:g} s to {a:g} s ({a / b:.0f}x)"
        return None
    if after.slot.startswith("access:") and isinstance(a, int) and isinstance(b, int):
        if a < b and a == 0:
            return f"{after.slot[len('access:'):]} now admits everyone ({before.text} -> {after.text})"
        return None
    if after.slot.startswith("returns:") and isinstance(a, int) and isinstance(b, int):
        if a < b:
            name = after.slot[len("returns:"):]
            return (f"{name}() gave the protection's default as always on and now has `{after.text}`: "
                    f"the protection is off by default wherever that is not true")
        return None
    if isinstance(a, int) and isinstance(b, int) and a < b:
        if after.rule == COOKIE and after.slot.lower().endswith(("samesite", "same_site")):
            return f"{after.slot} lowered ({before.text} -> {after.text})"
        return f"{after.slot} made permissive ({before.text} -> {after.text})"
    return None


@family(FAMILY, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.after is None:
        return []

    def extract(unit: Unit) -> list[Fact]:
        key = (unit.path, unit.qualname)
        units = ctx.after_units if ctx.after_units.get(key) is unit else ctx.before_units
        return _facts_with(unit, nested_units(unit, units))

    return list(to_findings(change, ctx, SPECS, verdicts(change, ctx, extract, _weaker)))

