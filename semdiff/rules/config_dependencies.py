"""Where dependencies come from and how tightly they are pinned.

A pinned security library that becomes a range takes whatever is published next; an index
URL on a non-default host can serve any package under any name; removing `--require-hashes`
drops the check that the downloaded file is the reviewed one; an install script that curls
a script runs on every developer's machine.
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator, Optional
from urllib.parse import urlparse

from semdiff.align.units import UnitChange
from semdiff.ir import Setting, Unit
from semdiff.model import Finding, Severity
from semdiff.rules.base import Example, RuleContext, RuleSpec, family
from semdiff.rules.config_support import config_finding, settings_of, spec_table

LANGS = ("requirements", "pyproject", "package-json")

RULES = (
    RuleSpec(
        "dependency-source-weakened", "Dependency pin, source or integrity check weakened", Severity.HIGH,
        "A pinned security-sensitive dependency is no longer pinned, a package index/registry/URL on a "
        "non-default host was added, hash checking was removed, or an install script now downloads code.",
        (
            Example("cryptography==42.0.5\n", "cryptography>=42\n", True),
            Example("cryptography>=42\n", "cryptography==42.0.5\n", False, "pinned"),
        ),
        (*LANGS, "config"),
    ),
)
SPECS = spec_table(RULES)
EXAMPLE_PATHS = {"dependency-source-weakened": "requirements.txt"}

# packages whose version decides authentication, crypto, TLS, parsing of hostile input
SECURITY_PACKAGES = frozenset({
    "cryptography", "pyjwt", "jwt", "python-jose", "jwcrypto", "authlib", "oauthlib", "requests-oauthlib",
    "django", "flask", "flask-login", "flask-wtf", "werkzeug", "jinja2", "itsdangerous", "starlette", "fastapi",
    "requests", "urllib3", "httpx", "aiohttp", "certifi", "pyopenssl", "paramiko", "pycryptodome", "pycryptodomex",
    "passlib", "bcrypt", "argon2-cffi", "pynacl", "lxml", "defusedxml", "pyyaml", "sqlalchemy", "djangorestframework",
    "python-keycloak", "msal", "google-auth", "boto3", "pyotp",
    "jsonwebtoken", "jose", "express", "express-session", "helmet", "passport", "passport-jwt", "bcryptjs",
    "node-forge", "crypto-js", "axios", "cookie", "cookie-parser", "csurf", "sanitize-html", "dompurify",
    "xml2js", "ws", "next", "next-auth", "jsrsasign", "openid-client", "lodash", "minimist", "tar", "undici",
})
DEFAULT_HOSTS = {"pypi.org", "files.pythonhosted.org", "pypi.python.org", "registry.npmjs.org", "registry.yarnpkg.com"}
EXACT_NPM = re.compile(r"^=?v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")
FETCH_AND_RUN = re.compile(r"(?i)\b(curl|wget)\b|\|\s*(ba|z)?sh\b|base64\s+(-d|--decode)|node\s+-e|python\d?\s+-c|powershell")
LIFECYCLE = ("preinstall", "install", "postinstall", "prepare", "prepublish", "preprepare", "postprepare")


def _pinned(spec: str, language: str) -> bool:
    s = spec.strip()
    if language == "package-json":
        return bool(EXACT_NPM.match(s))
    return bool(re.match(r"^(===?)\s*[^*,<>!~]+$", s)) and "*" not in s


def _requirements(unit: Optional[Unit]) -> dict[str, Setting]:
    return {k[len("requirement."):]: s for k, s in settings_of(unit).items()
            if k.startswith("requirement.") and not k.endswith(".hashes")}


def _host(url: str) -> str:
    try:
        return (urlparse(url if "://" in url else "https://" + url).hostname or url).lower()
    except ValueError:
        return url


def _sources(unit: Optional[Unit]) -> list[Setting]:
    out = [s for s in (unit.settings if unit else ()) if s.key == "source[]"]
    s = settings_of(unit)
    for key in ("publishConfig.registry",):
        if key in s:
            out.append(s[key])
    return out


def check_manifest(change: UnitChange, ctx: RuleContext) -> Iterator[Finding]:
    spec = SPECS["dependency-source-weakened"]
    b, a = change.before, change.after
    if a is None:
        return
    lang = a.language
    req_b, req_a = _requirements(b), _requirements(a)
    for name, sa in req_a.items():
        sb = req_b.get(name)
        if sb is None:
            continue
        if name in SECURITY_PACKAGES and _pinned(sb.value, lang) and not _pinned(sa.value, lang):
            yield config_finding(spec, change, ctx, f"security dependency {name} no longer pinned ({sb.value or 'any'} -> {sa.value or 'any version'})",
                                 before=sb, after=sa)
        is_url = lambda v: "://" in v or v.startswith(("git+", "github:", "git:", "file:", "@ "))
        if is_url(sa.value) and (not is_url(sb.value) or _host(sa.value.lstrip("@ ")) != _host(sb.value.lstrip("@ "))):
            yield config_finding(spec, change, ctx, f"{name} now comes from {sa.value.lstrip('@ ')} instead of the package index",
                                 before=sb, after=sa)
    hosts_b = {_host(s.value) for s in _sources(b)}
    for s in _sources(a):
        h = _host(s.value)
        if h not in hosts_b and h not in DEFAULT_HOSTS:
            yield config_finding(spec, change, ctx, f"packages may now come from {h} ({s.value})", after=s)
    opts_b, opts_a = settings_of(b), settings_of(a)
    if "option.require-hashes" in opts_b and "option.require-hashes" not in opts_a:
        yield config_finding(spec, change, ctx, "--require-hashes removed: downloads are no longer checked against reviewed hashes",
                             before=opts_b["option.require-hashes"])
    th_b = {s.value for s in (b.settings if b else ()) if s.key == "option.trusted-host"}
    for s in (x for x in a.settings if x.key == "option.trusted-host" and x.value not in th_b):
        yield config_finding(spec, change, ctx, f"TLS verification skipped for {s.value} (--trusted-host)", after=s)
    for name, sb in _requirements(b).items():
        hb = opts_b.get(f"requirement.{name}.hashes")
        if hb is not None and name in req_a and f"requirement.{name}.hashes" not in opts_a:
            yield config_finding(spec, change, ctx, f"{name} lost its --hash pins", before=hb, after=req_a[name])
    for script in LIFECYCLE:
        sa, sb = opts_a.get(f"scripts.{script}"), opts_b.get(f"scripts.{script}")
        if sa is None or (sb is not None and sa.value == sb.value):
            continue
        m = FETCH_AND_RUN.search(sa.value)
        if m and not (sb is not None and FETCH_AND_RUN.search(sb.value)):
            yield config_finding(spec, change, ctx, f"'{script}' script now fetches or runs downloaded code ({m.group(0)}) on every install",
                                 before=sb, after=sa)


@family("config-dependencies", RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.language not in LANGS:
        return []
    return list(check_manifest(change, ctx))
