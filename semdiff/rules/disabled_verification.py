"""disabled-verification: TLS certificate/hostname checks and JWT signature/claim checks
turned off or loosened by the change.

Each knob is read into a `Fact` (see `_catalog_facts`) from the tables below; the rule
fires when the after value of a knob is weaker than the before value of the same place,
or when new code is born with a knob that is dangerous on its own (`verify=False`,
`CERT_NONE`, an unverified context, `verify_signature: False`, the `none` algorithm).
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import ChangeKind, UnitChange
from semdiff.ir import Call, Unit
from semdiff.model import Finding, Severity
from semdiff.rules._catalog_facts import (
    Fact, attribute_assignments, dict_literal, last, nested_units, string_items, to_findings, verdicts,
)
from semdiff.rules.base import Example, RuleContext, RuleSpec, family

FAMILY = "disabled-verification"
TLS = f"{FAMILY}/tls-verify-off"
CERT = f"{FAMILY}/cert-none"
HOST = f"{FAMILY}/hostname-check-off"
UNVERIFIED = f"{FAMILY}/unverified-context"
JWT_SIG = f"{FAMILY}/jwt-signature-off"
JWT_CLAIMS = f"{FAMILY}/jwt-claim-check-off"
JWT_ALGS = f"{FAMILY}/jwt-algorithms-widened"
JWT_AUD = f"{FAMILY}/jwt-audience-removed"
WARNINGS = f"{FAMILY}/warnings-silenced"

# ---------------------------------------------------------------- tables

# Calls that open TLS connections: first dotted segment, or last segment (a session/client method).
HTTP_MODULES = frozenset({"requests", "httpx", "aiohttp", "urllib3", "urllib", "pycurl", "websocket", "websockets"})
HTTP_METHODS = frozenset({
    "get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream", "urlopen",
    "Session", "Client", "AsyncClient", "ClientSession", "TCPConnector", "PoolManager", "ProxyManager",
    "HTTPSConnectionPool", "ws_connect", "create_connection", "connection_from_url",
})
# keyword -> the literal values that switch certificate verification off
TLS_OFF_KWARGS: dict[str, tuple[object, ...]] = {
    "verify": (False,),
    "ssl": (False,),
    "verify_ssl": (False,),
    "ssl_verify": (False,),
    "verify_certs": (False,),
}
# `session.verify = False`: attribute form of the keyword; not on option/config holders
NOT_CLIENT_RECEIVER = re.compile(r"(?i)(^|\.)(args|arguments|opts|options|ns|namespace|parser|config|cfg|conf|settings|flags|params)$")
# verify_mode / cert_reqs values, weakest first
CERT_MODES: dict[str, int] = {"CERT_NONE": 0, "CERT_OPTIONAL": 1, "CERT_REQUIRED": 2}
CERT_KEYS = frozenset({"cert_reqs", "verify_mode", "ssl_cert_reqs"})
HOSTNAME_KEYS = frozenset({"check_hostname", "assert_hostname", "ssl_match_hostname"})
# ssl context factories: rank 0 = unverified
CONTEXT_FACTORIES: dict[str, int] = {
    "ssl._create_unverified_context": 0,
    "ssl._create_stdlib_context": 0,
    "ssl.create_default_context": 1,
}
# Client TLS option constructors whose verification depends on how they are called, by the
# last segment of the callee. A verifying one replaced by a non-verifying one in the same
# place is reported; a non-verifying one on its own is not (servers build them every day).
# Twisted: optionsForClientTLS(host) checks chain and hostname, CertificateOptions() checks
# nothing unless verify=True / trustRoot= / caCerts= is given.
# stdlib: SSLContext(PROTOCOL_TLS_CLIENT) verifies, SSLContext() / PROTOCOL_TLS does not;
# server-side contexts (PROTOCOL_TLS_SERVER, Purpose.CLIENT_AUTH) are no client fact at all.
CLIENT_TLS_VERIFYING_KWARGS = frozenset({"trustRoot", "caCerts", "verify"})
SERVER_SIDE_ARG = re.compile(r"\b(?:PROTOCOL_TLS_SERVER|CLIENT_AUTH)\b")
# the global switch `ssl._create_default_https_context = ssl._create_unverified_context`
CONTEXT_GLOBAL = "_create_default_https_context"

JWT_DECODERS = frozenset({"decode", "decode_complete"})
JWT_MODULE_SEGMENTS = frozenset({"jwt", "jose", "jws", "PyJWT", "api_jwt"})
JWT_UNVERIFIED = frozenset({"get_unverified_claims"})
JWT_CLAIM_OPTIONS: dict[str, str] = {
    "verify_exp": "exp", "verify_aud": "aud", "verify_iss": "iss", "verify_nbf": "nbf", "verify_iat": "iat",
    "verify_sub": "sub", "verify_jti": "jti", "verify_at_hash": "at_hash",
}
JWT_BOUND_KWARGS = ("audience", "issuer")
ANY_ALGORITHM = "*"

# Other languages (tree-sitter backends): an option of a TLS client/config, written as a keyword
# argument (JS object-literal property, Go composite-literal field), whose literal switches
# certificate verification off. Absent means the library verifies. Rows mirror the
# `[[verification]]` seeds in grammars/seeds/<language>.toml.
TLS_OFF_OPTIONS: dict[str, dict[str, object]] = {
    "https.request": {"rejectUnauthorized": False},
    "https.get": {"rejectUnauthorized": False},
    "https.Agent": {"rejectUnauthorized": False},
    "tls.connect": {"rejectUnauthorized": False},
    "tls.createSecureContext": {"rejectUnauthorized": False},
    "tls.Config": {"InsecureSkipVerify": True},
}
# Token readers outside Python, by language: 1 = verifies the signature, 0 = only decodes.
# (PyJWT's `jwt.decode` verifies and is read by `_jwt_facts`; in jsonwebtoken it does not.)
# A key matches the callee exactly or as its dotted suffix (`parser.ParseUnverified`).
_JS_TOKEN_READERS = {
    "jwt.verify": 1, "jsonwebtoken.verify": 1, "jose.jwtVerify": 1,
    "jwt.decode": 0, "jsonwebtoken.decode": 0, "jose.decodeJwt": 0,
}
TOKEN_READERS: dict[str, dict[str, int]] = {
    "javascript": _JS_TOKEN_READERS,
    "typescript": _JS_TOKEN_READERS,
    "go": {"jwt.Parse": 1, "jwt.ParseWithClaims": 1, "ParseUnverified": 0},
    "java": {"parseClaimsJws": 1, "parseSignedClaims": 1, "parseClaimsJwt": 0, "parseUnsecuredClaims": 0,
             "JWT.decode": 0},
}

SLOT_REASONS = {
    "context": "a TLS context that verified the peer was replaced by one that checks no certificate or hostname",
    "token-reader": "the token is now only decoded: its signature is no longer verified",
}

WARNING_SILENCERS = frozenset({"urllib3.disable_warnings", "requests.packages.urllib3.disable_warnings"})
WARNING_FILTERS = frozenset({"warnings.filterwarnings", "warnings.simplefilter"})
INSECURE_WARNING = re.compile(r"Insecure(Request|Platform)Warning")

_TLS_EX_BEFORE = "import requests\n\ndef fetch_profile(url):\n    return requests.get(url, timeout=5)\n"
_TLS_EX_AFTER = "import requests\n\ndef fetch_profile(url):\n    return requests.get(url, timeout=5, verify=False)\n"
_JWT_BEFORE = ('import jwt\n\ndef read_token(token, key):\n'
               '    return jwt.decode(token, key, algorithms=["HS256"], audience="api")\n')

RULES = (
    RuleSpec(TLS, "TLS certificate verification turned off", Severity.HIGH,
             "An HTTP client call now passes verify=False / ssl=False (requests, httpx, aiohttp, urllib3), a Node "
             "https/tls call rejectUnauthorized: false, or a Go tls.Config InsecureSkipVerify: true.",
             (Example(_TLS_EX_BEFORE, _TLS_EX_AFTER, True),
              Example(_TLS_EX_AFTER, _TLS_EX_BEFORE, False, "verification turned back on"),
              Example("import requests\n\ndef fetch_profile(url):\n    return requests.get(url)\n",
                      "import requests\n\ndef fetch_profile(url):\n    return requests.get(url, verify='/etc/ca.pem')\n",
                      False, "custom CA bundle still verifies"))),
    RuleSpec(CERT, "Certificate requirement lowered", Severity.HIGH,
             "verify_mode / cert_reqs lowered to CERT_NONE or CERT_OPTIONAL.",
             (Example("import ssl\n\ndef make_ctx():\n    ctx = ssl.create_default_context()\n    ctx.verify_mode = ssl.CERT_REQUIRED\n    return ctx\n",
                      "import ssl\n\ndef make_ctx():\n    ctx = ssl.create_default_context()\n    ctx.verify_mode = ssl.CERT_NONE\n    return ctx\n", True),
              Example("import urllib3\n\ndef pool():\n    return urllib3.PoolManager(cert_reqs='CERT_NONE')\n",
                      "import urllib3\n\ndef pool():\n    return urllib3.PoolManager(cert_reqs='CERT_REQUIRED')\n", False))),
    RuleSpec(HOST, "Hostname check turned off", Severity.HIGH,
             "check_hostname / assert_hostname set to False.",
             (Example("import ssl\n\ndef make_ctx():\n    ctx = ssl.create_default_context()\n    ctx.check_hostname = True\n    return ctx\n",
                      "import ssl\n\ndef make_ctx():\n    ctx = ssl.create_default_context()\n    ctx.check_hostname = False\n    return ctx\n", True),
              Example("import ssl\n\ndef make_ctx():\n    ctx = ssl.create_default_context()\n    ctx.check_hostname = False\n    return ctx\n",
                      "import ssl\n\ndef make_ctx():\n    ctx = ssl.create_default_context()\n    ctx.check_hostname = True\n    return ctx\n", False))),
    RuleSpec(UNVERIFIED, "Unverified TLS context", Severity.HIGH,
             "ssl._create_unverified_context() used instead of a verifying context, or installed as the global default; "
             "or a verifying client context (create_default_context, SSLContext(PROTOCOL_TLS_CLIENT), Twisted "
             "optionsForClientTLS) replaced in place by one that checks nothing (SSLContext(PROTOCOL_TLS) without "
             "CERT_REQUIRED, CertificateOptions() without verify=/trustRoot=/caCerts=).",
             (Example("import ssl\n\ndef make_ctx():\n    return ssl.create_default_context()\n",
                      "import ssl\n\ndef make_ctx():\n    return ssl._create_unverified_context()\n", True),
              Example("import ssl\n\ndef make_ctx():\n    return ssl._create_unverified_context()\n",
                      "import ssl\n\ndef make_ctx():\n    return ssl.create_default_context()\n", False))),
    RuleSpec(JWT_SIG, "JWT signature verification turned off", Severity.CRITICAL,
             "jwt.decode now runs with options={'verify_signature': False} or verify=False, or claims are read unverified "
             "(also a verifying reader replaced by a decode-only one: jwt.verify -> jwt.decode, jwt.Parse -> ParseUnverified).",
             (Example(_JWT_BEFORE, _JWT_BEFORE.replace('audience="api")', 'audience="api", options={"verify_signature": False})'), True),
              Example(_JWT_BEFORE.replace('audience="api")', 'audience="api", options={"verify_signature": False})'), _JWT_BEFORE, False))),
    RuleSpec(JWT_CLAIMS, "JWT claim check turned off", Severity.HIGH,
             "jwt.decode options now disable verify_exp / verify_aud / verify_iss / verify_nbf / verify_iat.",
             (Example(_JWT_BEFORE, _JWT_BEFORE.replace('audience="api")', 'audience="api", options={"verify_exp": False})'), True),
              Example(_JWT_BEFORE, _JWT_BEFORE.replace('audience="api")', 'audience="api", options={"verify_exp": True})'), False))),
    RuleSpec(JWT_ALGS, "JWT algorithms widened", Severity.HIGH,
             "The algorithms accepted by jwt.decode grew, now include 'none', or are no longer restricted.",
             (Example(_JWT_BEFORE, _JWT_BEFORE.replace('["HS256"]', '["HS256", "none"]'), True),
              Example(_JWT_BEFORE.replace('["HS256"]', '["HS256", "RS256"]'), _JWT_BEFORE, False, "narrowed"))),
    RuleSpec(JWT_AUD, "JWT audience/issuer check removed", Severity.MEDIUM,
             "The audience= or issuer= argument of jwt.decode was removed, so tokens for other services are accepted.",
             (Example(_JWT_BEFORE, _JWT_BEFORE.replace(', audience="api")', ")"), True),
              Example(_JWT_BEFORE.replace(', audience="api")', ")"), _JWT_BEFORE, False))),
    RuleSpec(WARNINGS, "Insecure-request warnings silenced", Severity.LOW,
             "urllib3.disable_warnings() (or a filter for InsecureRequestWarning) added in a change that also disables verification.",
             (Example("import requests\n\ndef fetch(url):\n    return requests.get(url)\n",
                      "import requests\nimport urllib3\n\ndef fetch(url):\n    urllib3.disable_warnings()\n    return requests.get(url, verify=False)\n", True),
              Example("import urllib3\n\ndef quiet():\n    return 1\n",
                      "import urllib3\n\ndef quiet():\n    urllib3.disable_warnings()\n    return 1\n", False,
                      "silencing alone, with verification untouched, is not reported"))),
)
SPECS = {r.id: r for r in RULES}


# ---------------------------------------------------------------- extraction


def _is_http_call(call: Call) -> bool:
    if "(" in call.callee:  # `requests.get(...).json()` is a method of the response
        return False
    first = call.callee.split(".", 1)[0]
    return first in HTTP_MODULES or last(call.callee) in HTTP_METHODS


def _is_jwt_decode(call: Call) -> bool:
    parts = call.callee.split(".")
    return len(parts) >= 2 and parts[-1] in JWT_DECODERS and any(p in JWT_MODULE_SEGMENTS for p in parts[:-1])


def _suffix_match(callee: str, key: str) -> bool:
    return callee == key or callee.endswith("." + key)


def _cert_rank(value: str) -> Optional[int]:
    for name, rank in CERT_MODES.items():
        if value.endswith(name) or value.strip("'\"") == name:
            return rank
    return None


def _tls_facts(call: Call) -> list[Fact]:
    out: list[Fact] = []
    if _is_http_call(call):
        for kw, weak in TLS_OFF_KWARGS.items():
            arg = call.kwarg(kw)
            off = arg is not None and arg.literal is not None and arg.literal in weak and isinstance(arg.literal, bool)
            if arg is None and kw != "verify":
                continue  # only `verify` has a fact when absent (requests/httpx default: verify)
            out.append(Fact(TLS, f"http:{kw}", 0 if off else 1, call.span.line, call.text,
                            born_weak=f"`{kw}={arg.text if arg else ''}` disables certificate verification" if off else "",
                            intrinsic="tls"))
    for a in call.args:
        if a.name in CERT_KEYS or (a.name is None and "CERT_" in a.value):
            rank = _cert_rank(a.value)
            if rank is not None:
                out.append(Fact(CERT, "cert", rank, call.span.line, call.text,
                                born_weak="certificates are not required (CERT_NONE)" if rank == 0 else "",
                                intrinsic="tls"))
        if a.name in HOSTNAME_KEYS and isinstance(a.literal, bool):
            out.append(Fact(HOST, "hostname", int(a.literal), call.span.line, call.text,
                            born_weak="hostname is not checked" if a.literal is False else "", intrinsic="tls"))
    callee = call.callee
    # a table key matches when it is the callee or a dotted tail of it (_suffix_match): none of
    # the callee's tails being a key, the loop (in table order) has nothing to add
    tails = {callee}
    dot = callee.find(".")
    while dot >= 0:
        tails.add(callee[dot + 1:])
        dot = callee.find(".", dot + 1)
    for key, options in (TLS_OFF_OPTIONS.items() if not _TLS_OPTION_KEYS.isdisjoint(tails) else ()):
        if not _suffix_match(callee, key):
            continue
        for kw, unsafe in options.items():
            arg = call.kwarg(kw)
            off = arg is not None and isinstance(arg.literal, bool) and arg.literal is unsafe
            out.append(Fact(TLS, f"option:{kw}", 0 if off else 1, call.span.line, call.text,
                            born_weak=f"`{kw}: {arg.text if arg else ''}` disables certificate verification" if off else "",
                            intrinsic="tls"))
    if callee not in CONTEXT_FACTORIES and callee not in ("ssl.SSLContext", "SSLContext") \
            and last(callee) not in ("optionsForClientTLS", "CertificateOptions"):
        return out  # no context fact for this call (_client_options_rank's names): the test below changes nothing
    if any(SERVER_SIDE_ARG.search(a.value) for a in call.args):
        return out  # a server-side context: verifying clients is optional, not a client check
    if call.callee in CONTEXT_FACTORIES:
        rank = CONTEXT_FACTORIES[call.callee]
        out.append(Fact(UNVERIFIED, "context", rank, call.span.line, call.text,
                        born_weak="an unverified TLS context is created" if rank == 0 else "", intrinsic="tls"))
    else:
        rank = _client_options_rank(call)
        if rank is not None:
            out.append(Fact(UNVERIFIED, "context", rank, call.span.line, call.text, intrinsic="tls"))
    return out


_TLS_OPTION_KEYS = frozenset(TLS_OFF_OPTIONS)


def _client_options_rank(call: Call) -> Optional[int]:
    """1 when a client TLS options constructor verifies the peer as called, 0 when not,
    None for other calls (see CLIENT_TLS_VERIFYING_KWARGS)."""
    name = last(call.callee)
    if name == "optionsForClientTLS":
        return 1
    if name == "CertificateOptions":
        for a in call.args:
            if a.name in CLIENT_TLS_VERIFYING_KWARGS and a.literal is not False and a.value not in ("None", "False"):
                return 1
        return 0
    if call.callee in ("ssl.SSLContext", "SSLContext"):
        proto = call.positional[0].value if call.positional else (call.kwarg("protocol").value if call.kwarg("protocol") else "")
        return 1 if "PROTOCOL_TLS_CLIENT" in proto else 0
    return None


def _token_reader_facts(call: Call, language: str) -> list[Fact]:
    """`jwt.verify` -> `jwt.decode` (JS), `jwt.Parse` -> `ParseUnverified` (Go): the reader no longer verifies."""
    for key, verifies in TOKEN_READERS.get(language, {}).items():
        if _suffix_match(call.callee, key):
            return [Fact(JWT_SIG, "token-reader", verifies, call.span.line, call.text, intrinsic="token")]
    return []


def _jwt_facts(call: Call, language: str = "python") -> list[Fact]:
    if language != "python":
        return _token_reader_facts(call, language)
    line, text = call.span.line, call.text
    if last(call.callee) in JWT_UNVERIFIED and any(p in JWT_MODULE_SEGMENTS for p in call.callee.split(".")):
        return [Fact(JWT_SIG, "jwt", 0, line, text, born_weak="token claims are read without verifying the signature",
                     intrinsic="token")]
    if not _is_jwt_decode(call):
        return []
    options_arg = call.kwarg("options")
    options = dict_literal(options_arg.value) if options_arg else {}
    verify_arg = call.kwarg("verify")
    sig_off = (options or {}).get("verify_signature") is False or (verify_arg is not None and verify_arg.literal is False)
    facts = [Fact(JWT_SIG, "jwt", 0 if sig_off else 1, line, text,
                  born_weak="the token signature is not verified" if sig_off else "", intrinsic="token")]
    if options is not None:
        off = frozenset(claim for opt, claim in JWT_CLAIM_OPTIONS.items() if (options or {}).get(opt) is False)
        facts.append(Fact(JWT_CLAIMS, "jwt", off, line, text, intrinsic="token"))
    algs_arg = call.kwarg("algorithms")
    if algs_arg is None or algs_arg.value == "None":
        algs: Optional[frozenset[str]] = frozenset({ANY_ALGORITHM})
    else:
        items = string_items(algs_arg.value)
        algs = frozenset(i.lower() for i in items) if items is not None else None
    if algs is not None and not sig_off:
        facts.append(Fact(JWT_ALGS, "jwt", algs, line, text,
                          born_weak="the 'none' algorithm is accepted" if "none" in algs else "", intrinsic="token"))
    bound = frozenset(k for k in JWT_BOUND_KWARGS if call.kwarg(k) is not None)
    facts.append(Fact(JWT_AUD, "jwt", bound, line, text, intrinsic="token"))
    return facts


def _assignment_facts(unit: Unit, nested: list[Unit]) -> list[Fact]:
    out: list[Fact] = []
    for asg in attribute_assignments(unit, nested):
        if asg.key in CERT_KEYS:
            rank = _cert_rank(asg.value)
            if rank is not None:
                out.append(Fact(CERT, "cert", rank, asg.line, asg.text,
                                born_weak="certificates are not required (CERT_NONE)" if rank == 0 else "",
                                intrinsic="tls"))
        elif asg.key in HOSTNAME_KEYS and asg.value in ("True", "False"):
            out.append(Fact(HOST, "hostname", int(asg.value == "True"), asg.line, asg.text,
                            born_weak="hostname is not checked" if asg.value == "False" else "", intrinsic="tls"))
        elif asg.key in TLS_OFF_KWARGS and asg.value in ("True", "False") and \
                not NOT_CLIENT_RECEIVER.search(asg.target[: -len(asg.key) - 1]):
            off = asg.value == "False"
            out.append(Fact(TLS, f"attr:{asg.target}", 0 if off else 1, asg.line, asg.text,
                            born_weak=f"`{asg.target} = False` disables certificate verification" if off else "",
                            intrinsic="tls"))
        elif asg.key == CONTEXT_GLOBAL:
            rank = CONTEXT_FACTORIES.get(asg.value, 1)
            out.append(Fact(UNVERIFIED, "context", rank, asg.line, asg.text,
                            born_weak="every HTTPS connection of the process stops verifying" if rank == 0 else "",
                            intrinsic="tls"))
    for s in unit.settings:
        key = last(s.key)
        if key in CERT_KEYS:
            rank = _cert_rank(s.value)
            if rank is not None:
                out.append(Fact(CERT, "cert", rank, s.span.line, s.text,
                                born_weak="certificates are not required (CERT_NONE)" if rank == 0 else "", intrinsic="tls"))
    return out


def _facts(unit: Unit, nested: list[Unit]) -> list[Fact]:
    out: list[Fact] = []
    for call in unit.calls:
        out.extend(_tls_facts(call))
        out.extend(_jwt_facts(call, unit.language))
    out.extend(_assignment_facts(unit, nested))
    seen: set[tuple[str, int, str, str]] = set()
    uniq = []
    for f in out:
        k = (f.rule, f.line, f.slot, f.text)
        if k not in seen:
            seen.add(k)
            uniq.append(f)
    return uniq


def _silencer_lines(unit: Unit) -> list[Fact]:
    out = []
    for call in unit.calls:
        silent = call.callee in WARNING_SILENCERS or (
            call.callee in WARNING_FILTERS and any(INSECURE_WARNING.search(a.value) for a in call.args))
        if silent:
            out.append(Fact(WARNINGS, "warnings", 0, call.span.line, call.text,
                            born_weak="insecure-request warnings are silenced", intrinsic="tls"))
    return out


# ---------------------------------------------------------------- comparison


def _weaker(before: Fact, after: Fact) -> Optional[str]:
    b, a = before.value, after.value
    if after.rule == JWT_ALGS:
        assert isinstance(a, frozenset) and isinstance(b, frozenset)
        if ANY_ALGORITHM in a and ANY_ALGORITHM not in b:
            return "the algorithms= restriction was removed: any algorithm the token names is accepted"
        if "none" in a and "none" not in b:
            return "the 'none' algorithm is now accepted (unsigned tokens)"
        if ANY_ALGORITHM not in b and b < a:
            return f"accepted algorithms grew from {sorted(b)} to {sorted(a)}"
        return None
    if after.rule in (JWT_CLAIMS,):
        assert isinstance(a, frozenset) and isinstance(b, frozenset)
        new = a - b
        return f"claim checks turned off: {', '.join(sorted(new))}" if new else None
    if after.rule == JWT_AUD:
        assert isinstance(a, frozenset) and isinstance(b, frozenset)
        gone = b - a
        return f"jwt.decode no longer checks {' and '.join(sorted(gone))}" if gone else None
    if isinstance(a, int) and isinstance(b, int) and a < b:
        return after.born_weak or SLOT_REASONS.get(after.slot) or f"{after.slot} lowered"
    return None


_PAIRED_RULES = (TLS, CERT, HOST, UNVERIFIED, JWT_SIG, JWT_CLAIMS, JWT_ALGS, JWT_AUD)


def _extractor(ctx: RuleContext, side: str):
    units = ctx.after_units if side == "after" else ctx.before_units

    def extract(unit: Unit) -> list[Fact]:
        return _facts(unit, nested_units(unit, units))

    return extract


def _side_extractor(ctx: RuleContext):
    """One extractor usable for both sides: nested units are looked up on the unit's own side."""
    after_x, before_x = _extractor(ctx, "after"), _extractor(ctx, "before")
    known: dict[int, tuple[Unit, list[Fact]]] = {}  # a check asks for the after unit's facts twice

    def extract(unit: Unit) -> list[Fact]:
        hit = known.get(id(unit))
        if hit is not None and hit[0] is unit:
            return hit[1]
        key = (unit.path, unit.qualname)
        facts = after_x(unit) if ctx.after_units.get(key) is unit else before_x(unit)
        known[id(unit)] = (unit, facts)
        return facts

    return extract


def _file_weakens_verification(change: UnitChange, ctx: RuleContext) -> bool:
    """Does any unit of this file (after side) disable verification in this change?"""
    path = change.after.path if change.after else None
    extract = _side_extractor(ctx)
    before_by_name = {q: u for (p, q), u in ctx.before_units.items() if p == (change.file.old_path or path)}
    for (p, q), unit in ctx.after_units.items():
        if p != path or not isinstance(unit, Unit):
            continue
        before = before_by_name.get(q)
        other = UnitChange(before if isinstance(before, Unit) else None, unit,
                           ChangeKind.MODIFIED if before else ChangeKind.ADDED, change.file)
        if verdicts(other, ctx, extract, _weaker):
            return True
    return False


def _drop_reverified(found: list, after_facts: list[Fact]) -> list:
    """A non-verifying constructor whose result the unit then sets to CERT_REQUIRED
    (`ctx = ssl.SSLContext(); ctx.verify_mode = ssl.CERT_REQUIRED`) still verifies."""
    required = any(f.rule == CERT and f.value == CERT_MODES["CERT_REQUIRED"] for f in after_facts)
    if not required:
        return found
    return [v for v in found if not (v.after.rule == UNVERIFIED and not v.after.born_weak)]


@family(FAMILY, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.after is None:
        return []
    extract = _side_extractor(ctx)
    found = _drop_reverified(verdicts(change, ctx, extract, _weaker), extract(change.after))
    out = list(to_findings(change, ctx, SPECS, found))
    silencers = verdicts(change, ctx, _silencer_lines, lambda b, a: None)
    if silencers and (found or _file_weakens_verification(change, ctx)):
        out.extend(to_findings(change, ctx, SPECS, silencers))
    return out
