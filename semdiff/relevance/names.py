"""Relevance from what a unit is called and what it calls, without a call graph.

This is the floor: the repository call graph (semdiff.relevance.graph) refines it with
why-paths through helpers, but a function named `verify_token` is relevant on its own.
"""
from __future__ import annotations

import re
from typing import Iterable

from semdiff.ir import Unit
from semdiff.model import Relevance

# category -> word pattern matched against identifier parts (snake/camel split)
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "authn": ("auth", "authenticate", "login", "logout", "password", "passwd", "credential", "credentials", "mfa", "otp", "totp", "2fa"),
    "authz": ("permission", "permissions", "authorize", "authorized", "authorization", "role", "roles", "admin", "acl", "access", "allowed", "allow", "owner", "privilege", "scope", "scopes", "grant", "forbidden", "policy", "uid", "getuid", "euid", "geteuid"),
    "session": ("session", "cookie", "cookies", "remember"),
    "token": ("token", "jwt", "jws", "jwe", "jwk", "jwks", "jose", "bearer", "apikey", "nonce", "oauth", "saml", "oidc", "state"),
    "signature": ("sign", "signature", "signed", "signer", "hmac", "unsign", "signing"),
    "crypto": ("digest", "hash", "encrypt", "decrypt", "cipher", "crypto", "key", "secret", "salt", "random"),
    "tls": ("tls", "ssl", "cert", "certificate", "verify", "hostname", "https"),
    "csrf": ("csrf", "xsrf"),
    "validation": ("validate", "validator", "valid", "invalid", "sanitize", "sanitise", "escape", "safe", "check", "is_safe", "clean", "allowed", "whitelist", "allowlist", "blacklist", "denylist", "redirect", "origin", "host", "limit", "max", "secure", "traversal", "trusted", "untrusted", "sandbox", "sandboxed", "unsafe", "quote", "smuggling"),
}
# standard-library modules whose names collide with security words (`inspect.signature`,
# `typing.Protocol`, `logging.Formatter`): calling them says nothing about security
_NEUTRAL_MODULES = ("inspect.", "typing.", "logging.", "warnings.", "functools.", "itertools.", "collections.", "dataclasses.", "textwrap.", "re.")
_STRONG = {"authn", "authz", "session", "token", "csrf", "tls", "signature"}
_SPLIT = re.compile(r"[_\W]+|(?<=[a-z0-9])(?=[A-Z])")
# an acronym run ends where its last capital starts a capitalised word: HMAC|Key, JWT|Secret,
# HTTP|Header, IO|Error. At least two capitals before the cut, so OAuth and ETag stay whole,
# and a plural's s is no word start (JWTs, ACLsFor keep the acronym).
_ACRONYM_END = re.compile(r"(?<=[A-Z]{2})(?=[A-Z][a-z])(?![A-Z]s(?![a-z]))")


# Answers of `words` and `categorise` by name, for this process. A warm PR run asks about the
# same few hundred names a few thousand times (each family, the graph's name floor), and
# the answer depends on the name alone. Bounded: a hostile change with millions of distinct
# names only stops being remembered, never grows memory without end.
_MEMO_MAX = 50_000
_WORDS_MEMO: dict[str, tuple[str, ...]] = {}
_CATEGORY_MEMO: dict[str, "tuple[str, str] | None"] = {}


def words(name: str) -> list[str]:
    """Identifier words, lower-case: snake_case and camelCase parts, with acronym runs cut
    off the word they lead (`HMACKey` -> hmac, key), or `HMACKey` is one unknown word and an
    acronym-led name (JWTSecret, RSAPublicKey, parseHTTPHeader) loses its security word. The
    run read whole (`apikey` of `APIKey`) is kept after the parts, so a vocabulary word
    spelled as a compound still matches. A new list each call (callers may change it)."""
    hit = _WORDS_MEMO.get(name)
    if hit is None:
        hit = _words(name)
        if len(_WORDS_MEMO) < _MEMO_MAX:
            _WORDS_MEMO[name] = hit
    return list(hit)


def _words(name: str) -> tuple[str, ...]:
    out: list[str] = []
    whole: list[str] = []
    for part in _SPLIT.split(name):
        if not part:
            continue
        cut = [w for w in _ACRONYM_END.split(part) if w]
        out.extend(w.lower() for w in cut)
        if len(cut) > 1:
            whole.append(part.lower())
    return (*out, *whole)


def categorise(name: str) -> tuple[str, str] | None:
    """(category, the word that put the name in it) of the first category whose vocabulary
    holds one of the name's words, or None."""
    try:
        return _CATEGORY_MEMO[name]
    except KeyError:
        pass
    hit = _categorise(name)
    if len(_CATEGORY_MEMO) < _MEMO_MAX:
        _CATEGORY_MEMO[name] = hit
    return hit


def _categorise(name: str) -> tuple[str, str] | None:
    ws = _WORDS_MEMO.get(name) or _words(name)
    for cat, vocab in CATEGORY_WORDS.items():
        for w in ws:
            if w in vocab:
                return cat, w
    return None


def _first_hit(names: Iterable[str]) -> tuple[str, str, str] | None:
    for n in names:
        hit = categorise(n)
        if hit:
            return hit[0], hit[1], n
    return None


# a callee that is not a (dotted) name: an inline function expression called on the spot
# (`(() => {...})()`), or a chain after a call (`new Request(...).headers.has`)
_PLAIN_CALLEE = re.compile(r"^[@\w$.:]+$")
_TYPE_ARGS = re.compile(r"<[\w$.,\s\[\]?]*>")  # validate<User>(...), Collections.<T>check(...)
_AFTER_LAST_CALL = re.compile(r"[)\]}]\s*((?:\.\s*[\w$]+)+)\s*$")


def callee_name(callee: str) -> str:
    """The name a call is made through. For `(() => { ... })()` that is no name at all: the
    words inside the function's body (a `token` local, a `key` variable) say nothing about
    what is being called, and matching them made feature-detection code look like token or
    crypto handling. For `new Request(...).headers.has` it is the trailing member chain."""
    callee = _TYPE_ARGS.sub("", callee.strip())
    if _PLAIN_CALLEE.match(callee):
        return callee
    m = _AFTER_LAST_CALL.search(callee)
    return m.group(1).lstrip(".").replace(" ", "") if m else ""


# JavaScript/TypeScript and Go: receivers are mostly values (`key.slice`, `typ.Key`,
# `token.split`), and the languages' own built-ins carry security words without doing
# security (`Math.random` is the non-cryptographic generator). For these, a callee counts
# only through the name actually called (its last component), built-ins are neutral, and the
# weak words below count only beside a word that puts them in a cryptographic context
# (`importKey`, `generateKeyPair`, `getRandomValues` on `crypto`), never alone (`findKey`,
# `Key`, `random`).
_RECEIVER_LANGS = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".go")
_BUILTIN_RECEIVERS = (
    "Math.", "JSON.", "Object.", "Array.", "Number.", "String.", "Reflect.", "Symbol.", "console.", "Date.",
    "Promise.", "Intl.", "RegExp.", "Map.", "Set.", "reflect.", "strings.", "bytes.", "fmt.", "strconv.", "sort.",
    "errors.", "sync.", "time.", "math.", "math/rand.", "rand.", "utf8.", "unicode.",
)
_WEAK_ALONE = {"key", "random", "hash", "state"}  # findKey, Math.random, location.hash, setState
_CONTEXT = {
    "private", "public", "secret", "sign", "signing", "verify", "import", "export", "generate", "derive", "wrap",
    "unwrap", "crypto", "cryptographic", "encrypt", "decrypt", "encryption", "decryption", "pair", "jwk", "jwks",
    "hmac", "rsa", "ecdsa", "ecdh", "aes", "pbkdf2", "scrypt", "bcrypt", "argon2", "cipher", "values", "bytes",
    "uuid", "api", "master", "session", "password", "token", "csrf", "nonce", "subtle", "oauth", "bcrypt", "jose",
    "jwt", "check", "validate", "create",
}


# receivers that are security libraries/packages, not values: their calls count by receiver
_LIBRARIES = {
    "crypto", "subtle", "hmac", "jwt", "jose", "jws", "jwe", "bcrypt", "tls", "ssl", "x509", "sha1", "sha256", "sha512",
    "md5", "aes", "rsa", "ecdsa", "ed25519", "cipher", "argon2", "scrypt", "pbkdf2", "csrf", "oauth", "oauth2", "passport",
    "subtle", "forge", "nacl", "sodium", "webcrypto", "jsonwebtoken", "acme", "pkcs8", "pem",
}


def _receiver_language(unit: Unit) -> bool:
    return unit.path.endswith(_RECEIVER_LANGS)


def _callee_hit(name: str, strict: bool) -> tuple[str, str] | None:
    """`categorise` for a callee; `strict` (JS/TS/Go): only the called name, weak words need context."""
    if not strict:
        return categorise(name)
    if name.startswith(_BUILTIN_RECEIVERS):
        return None
    last = name.rpartition(".")[2]
    receiver = words(name.rpartition(".")[0])
    ws = words(last)
    for cat, vocab in CATEGORY_WORDS.items():
        for w in ws:
            if w not in vocab:
                continue
            if w in _WEAK_ALONE and not (((set(ws) - {w}) | set(receiver)) & _CONTEXT):
                continue
            return cat, w
    libs = [w for w in receiver if w in _LIBRARIES]
    if libs:  # the receiver is a security library or package: `hmac.New`, `jwt.decode`, `tls.Dial`
        return categorise(libs[0]) or ("crypto", libs[0])
    return None


def name_relevance(unit: Unit) -> Relevance:
    """Score from the unit's own name and decorators (strong), then its callees (weaker)."""
    own = _first_hit([unit.name] + [d.name for d in unit.decorators] + [unit.qualname])
    if own:
        cat, word, name = own
        score = 0.9 if cat in _STRONG else 0.7
        return Relevance(cat, score, (unit.qualname,), f"name '{name}' mentions '{word}'")
    strict = _receiver_language(unit)
    called = None
    for n in map(callee_name, (c.callee for c in unit.calls)):
        if not n or n.startswith(_NEUTRAL_MODULES):
            continue
        hit = _callee_hit(n, strict)
        if hit:
            called = (hit[0], hit[1], n)
            break
    if called:
        cat, word, name = called
        score = 0.6 if cat in _STRONG else 0.4
        return Relevance(cat, score, (unit.qualname, name), f"calls '{name}' ('{word}')")
    return Relevance("none", 0.1, (unit.qualname,), "no security-relevant name or call")
