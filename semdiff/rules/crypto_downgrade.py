"""crypto-downgrade: a hash, cipher, mode, key size, work factor, randomness source, salt or
IV made weaker by the change.

Strength is data: the rank tables below say which algorithm is weaker than which, and the
argument tables say where in a call the knob sits. New code is reported on its own only for
the clearly dangerous cases (md5/sha1 for passwords or signatures, ECB, DES/RC4, a constant
IV, `random` for tokens, tiny keys or work factors).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Call, Unit
from semdiff.model import Confidence, Finding, Relevance, Severity
from semdiff.rules._callee_tails import callee_tails, table_tails
from semdiff.rules._catalog2_ir import callee_is
from semdiff.rules._catalog_facts import (
    Fact, LineMap, argument, int_of, last, looks_constant, name_words, to_findings, verdicts,
)
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, units_in_file

FAMILY = "crypto-downgrade"
HASH = f"{FAMILY}/weak-hash"
CIPHER = f"{FAMILY}/weak-cipher"
KEY = f"{FAMILY}/key-size-reduced"
WORK = f"{FAMILY}/work-factor-reduced"
RANDOM = f"{FAMILY}/weak-randomness"
SALT = f"{FAMILY}/salt-removed"
IV = f"{FAMILY}/constant-iv"

# ---------------------------------------------------------------- tables

# hash name (lowercase, '-' and '_' removed) -> strength; 1-2 are broken for security use
HASH_STRENGTH: dict[str, int] = {
    "md2": 1, "md4": 1, "md5": 1, "sha": 2, "sha1": 2, "ripemd160": 3, "sha224": 3,
    "sha256": 4, "sha512224": 4, "sha512256": 4, "sha3224": 4, "sha3256": 4,
    "sha384": 5, "sha512": 5, "sha3384": 5, "sha3512": 5, "blake2b": 5, "blake2s": 5, "shake128": 4, "shake256": 5,
}
BROKEN_HASH = 2  # at or below: md5, sha1
# calls whose *name* is the hash: hashlib.md5(), hashes.SHA256(), Crypto.Hash.MD5.new()
HASH_NAMESPACES = frozenset({"hashlib", "hashes", "Hash"})
# calls that take the hash as an argument: callee tail -> (position, keyword)
HASH_ARGUMENT: dict[str, tuple[int, Optional[str]]] = {
    "hashlib.new": (0, "name"),
    "hashlib.pbkdf2_hmac": (0, "hash_name"),
    "hmac.new": (2, "digestmod"),
    "hmac.digest": (2, "digest"),
    "hmac.HMAC": (2, "digestmod"),
    # other languages (tree-sitter backends): the algorithm name is the first argument
    "MessageDigest.getInstance": (0, None),  # Java: "SHA-256", "MD5"
    "Mac.getInstance": (0, None),  # Java: "HmacSHA256", "HmacMD5"
    "crypto.createHash": (0, None),  # Node: 'sha256', 'md5'
    "crypto.createHmac": (0, None),
}
# Go: the package is the hash (`md5.New()`, `sha256.Sum256(b)`); these are its constructors
HASH_PACKAGE_FUNCS = frozenset({"New", "New224", "New384", "New512_256", "Sum", "Sum224", "Sum256", "Sum384", "Sum512"})
# contexts in which a broken hash is dangerous even in new code
SIGNING_HASH_CALLS = frozenset({"hashlib.pbkdf2_hmac", "hmac.new", "hmac.digest", "hmac.HMAC", "Mac.getInstance",
                                "crypto.createHmac"})
SECRET_WORDS = frozenset({
    "password", "passwd", "pwd", "sign", "signature", "signed", "signer", "hmac", "mac", "token", "secret",
    "auth", "login", "session", "credential", "credentials", "verify", "apikey", "otp", "nonce", "salt", "csrf",
})

# randomness is also a secret when it makes a key, IV or PIN (not so for hashing: `cache_key`)
RANDOM_SECRET_WORDS = SECRET_WORDS | frozenset({"key", "keys", "iv", "pin", "reset", "invite", "activation"})

# cipher modes, weakest first
MODE_RANK: dict[str, int] = {
    "ECB": 0, "CBC": 2, "CFB": 2, "CFB8": 2, "OFB": 2, "CTR": 2, "OPENPGP": 2, "XTS": 2,
    "GCM": 3, "CCM": 3, "EAX": 3, "SIV": 3, "OCB": 3, "GCMSIV": 3,
}
MODE_CONSTANT = re.compile(r"MODE_([A-Z0-9]+)")
# cipher algorithms, weakest first (pycryptodome module names and cryptography class names)
CIPHER_RANK: dict[str, int] = {
    "DES": 0, "ARC2": 0, "ARC4": 0, "RC4": 0, "Blowfish": 0, "CAST": 0, "CAST5": 0, "IDEA": 0, "SEED": 0,
    "DES3": 1, "TripleDES": 1,
    "AES": 3, "ChaCha20": 3, "ChaCha20_Poly1305": 3, "Camellia": 3, "Salsa20": 2, "SM4": 3,
}


@dataclass(frozen=True)
class SizedCall:
    """Where the size of a key or a random value sits in a call, and below what it is weak."""

    slot: str
    position: Optional[int]
    keyword: Optional[str]
    floor: float  # a reduction is reported when the new size is below this (inf: any reduction)
    danger_below: int  # new code with a size below this is reported on its own (0: never; short
    # random values are fine for ping payloads and request ids, only a *reduction* is judged)
    unit: str = "bits"


# callee tail (last two segments) -> where the size is
KEY_SIZES: dict[str, SizedCall] = {
    "rsa.generate_private_key": SizedCall("rsa", 1, "key_size", float("inf"), 2048),
    "dsa.generate_private_key": SizedCall("dsa", 0, "key_size", float("inf"), 2048),
    "dh.generate_parameters": SizedCall("dh", 1, "key_size", float("inf"), 2048),
    "RSA.generate": SizedCall("rsa", 0, "bits", float("inf"), 2048),
    "DSA.generate": SizedCall("dsa", 0, "bits", float("inf"), 2048),
    "rsa.newkeys": SizedCall("rsa", 0, "nbits", float("inf"), 2048),
    "secrets.token_bytes": SizedCall("random-bytes", 0, "nbytes", 16, 0, "bytes"),
    "secrets.token_hex": SizedCall("random-bytes", 0, "nbytes", 16, 0, "bytes"),
    "secrets.token_urlsafe": SizedCall("random-bytes", 0, "nbytes", 16, 0, "bytes"),
    "os.urandom": SizedCall("random-bytes", 0, "size", 16, 0, "bytes"),
    "Random.get_random_bytes": SizedCall("random-bytes", 0, None, 16, 0, "bytes"),
}
# EC curves by strength in bits
EC_CURVES: dict[str, int] = {
    "SECP192R1": 192, "SECT163K1": 163, "SECT163R2": 163, "SECP224R1": 224, "SECT233K1": 233, "SECT233R1": 233,
    "SECP256R1": 256, "SECP256K1": 256, "BrainpoolP256R1": 256, "SECT283K1": 283, "SECP384R1": 384,
    "BrainpoolP384R1": 384, "SECT409K1": 409, "SECP521R1": 521, "BrainpoolP512R1": 512, "SECT571K1": 571,
}
EC_GENERATORS = frozenset({"ec.generate_private_key", "ECC.generate"})
EC_DANGER = 224

# work factors: callee tail -> (position, keyword, default when absent, danger below)
WORK_FACTORS: dict[str, tuple[Optional[int], Optional[str], Optional[int], int]] = {
    "hashlib.pbkdf2_hmac": (3, "iterations", None, 10_000),
    "PBKDF2HMAC": (None, "iterations", None, 10_000),
    "KDF.PBKDF2": (None, "count", 1000, 10_000),
    "bcrypt.gensalt": (0, "rounds", 12, 10),
    "hashlib.scrypt": (None, "n", None, 2 ** 14),
    "Scrypt": (None, "n", None, 2 ** 14),
    "PasswordHasher": (0, "time_cost", 3, 2),
    "using": (None, "rounds", None, 10),
}
# settings that hold a work factor: name must mention one of each group
WORK_SETTING_NAME = re.compile(r"(?i)(iterations|iter_count|rounds|log_rounds|work_factor|time_cost|memory_cost)$")
WORK_SETTING_CONTEXT = re.compile(r"(?i)(hash|bcrypt|pbkdf|kdf|password|passwd|scrypt|argon|crypt)")

# randomness: strong sources and weak (predictable) ones
STRONG_RANDOM_PREFIXES = ("secrets.", "os.urandom", "Crypto.Random.", "ssl.RAND_bytes", "uuid.uuid4")
WEAK_RANDOM_FUNCS = frozenset({
    "random", "randint", "randrange", "choice", "choices", "sample", "shuffle", "getrandbits", "randbytes",
    "uniform",
})
WEAK_RANDOM_MODULES = ("random.", "numpy.random.", "np.random.")
# other languages, by callee (exact or dotted tail, `callee_is`): CSPRNG calls ...
STRONG_RANDOM_CALLS: dict[str, tuple[str, ...]] = {
    "javascript": ("crypto.randomBytes", "crypto.randomInt", "crypto.randomUUID", "crypto.getRandomValues",
                   "crypto.randomFillSync", "crypto.randomFill", "randomBytes", "randomUUID", "getRandomValues",
                   "randomFillSync"),
    "java": ("SecureRandom", "SecureRandom.getInstance", "SecureRandom.getInstanceStrong",
             "RandomStringUtils.secure", "RandomStringUtils.secureStrong"),
}
STRONG_RANDOM_CALLS["typescript"] = STRONG_RANDOM_CALLS["javascript"]
# ... and predictable generators
WEAK_RANDOM_CALLS: dict[str, tuple[str, ...]] = {
    "javascript": ("Math.random",),
    "java": ("Math.random", "Random", "java.util.Random", "ThreadLocalRandom.current", "RandomStringUtils.random",
             "RandomStringUtils.randomAlphanumeric", "RandomStringUtils.randomAlphabetic",
             "RandomStringUtils.randomNumeric", "RandomStringUtils.randomAscii", "RandomStringUtils.insecure",
             "RandomUtils.nextInt", "RandomUtils.nextLong", "RandomUtils.nextBytes"),
}
WEAK_RANDOM_CALLS["typescript"] = WEAK_RANDOM_CALLS["javascript"]
# Go: the import path decides (`rand.Read` is either); the callee head is the package's local name
GO_STRONG_RANDOM_PACKAGES = frozenset({"crypto/rand"})
GO_WEAK_RANDOM_PACKAGES = frozenset({"math/rand", "math/rand/v2"})
GO_NOT_DRAWS = frozenset({"Seed", "NewSource", "NewPCG", "NewChaCha8"})  # seeding draws nothing
_GO_IMPORT = re.compile(r'^\s*(?:import\s+)?(?:([A-Za-z_]\w*|\.)\s+)?"((?:crypto|math)/rand(?:/v2)?)"\s*$', re.M)
# a thin same-file wrapper of a CSPRNG (`random = (max) => crypto.randomInt(0, max)`) is one
WRAPPER_MAX_CALLS = 3
# the assigned name says what a random value is for; these purposes are not secrets even in a
# function whose name mentions a session or a token (`retry_delay = random.random()`)
NON_SECRET_TARGET_WORDS = frozenset({
    "jitter", "delay", "sleep", "backoff", "timeout", "wait", "interval", "retry", "retries", "sample",
    "sampling", "shuffle", "shuffled", "color", "colour", "hue", "percent", "ratio", "weight", "latency",
    "index", "idx", "offset", "position", "pos", "x", "y", "z", "angle", "speed", "duration", "port",
})
# the random value is a secret when the name it is assigned to says so (multipart boundaries
# too: a predictable boundary lets a field value forge parts)
TARGET_SECRET_WORDS = frozenset({"boundary", "sid", "sessionid", "challenge"})
# `key` alone names a React list key or a cache key as often as a secret: as an assigned name it
# counts only with a qualifier (`apiKey`, `signingKey`); a function named for keys still counts
AMBIGUOUS_TARGET_WORDS = frozenset({"key", "keys", "pin", "reset", "invite", "activation"})
KEY_QUALIFIERS = frozenset({"api", "secret", "private", "signing", "encryption", "enc", "crypto", "aes", "hmac",
                            "access", "master", "session", "auth", "password"})
_TARGET = re.compile(r"^\s*(?:(?:export|const|let|var|final|private|public|protected|static|val)\s+)*"
                     r"(?:[\w<>\[\],.?]+\s+)?([A-Za-z_$][\w$.]*(?:\[[^\]=]{1,60}\])?)\s*(?::=|(?<![=!<>+\-*/%&|^])=(?![=>]))")

# salted calls: callee tail -> (position, keyword)
SALTED: dict[str, tuple[Optional[int], str]] = {
    "hashlib.pbkdf2_hmac": (2, "salt"),
    "hashlib.scrypt": (None, "salt"),
    "PBKDF2HMAC": (None, "salt"),
    "Scrypt": (None, "salt"),
    "HKDF": (None, "salt"),
    "bcrypt.hashpw": (1, "salt"),
    "crypt.crypt": (1, "salt"),
    "KDF.PBKDF2": (1, "salt"),
}
SALT_NAME = re.compile(r"(?i)salt")
SALT_RANK = {"none": 0, "constant": 1, "varies": 2}

# where an IV/nonce sits: callee tail -> (position, keyword)
IV_ARGUMENT: dict[str, tuple[Optional[int], tuple[str, ...]]] = {
    "modes.CBC": (0, ("initialization_vector",)), "modes.CFB": (0, ("initialization_vector",)),
    "modes.OFB": (0, ("initialization_vector",)), "modes.CFB8": (0, ("initialization_vector",)),
    "modes.CTR": (0, ("nonce",)), "modes.GCM": (0, ("initialization_vector",)),
    "AES.new": (2, ("iv", "IV", "nonce")), "DES3.new": (2, ("iv", "IV")), "ChaCha20.new": (None, ("nonce",)),
    "ChaCha20_Poly1305.new": (None, ("nonce",)), "Blowfish.new": (2, ("iv", "IV")),
}

_HASH_BEFORE = "import hashlib\n\ndef sign_payload(secret, body):\n    return hashlib.sha256(secret + body).hexdigest()\n"
RULES = (
    RuleSpec(HASH, "Hash algorithm downgraded", Severity.HIGH,
             "A hash call now uses md5/sha1 where it used a stronger hash (hashlib, hmac, pbkdf2, cryptography, pycryptodome; "
             "Java MessageDigest/Mac.getInstance, Node crypto.createHash/createHmac, Go md5/sha1 packages).",
             (Example(_HASH_BEFORE, _HASH_BEFORE.replace("sha256", "md5"), True),
              Example(_HASH_BEFORE.replace("sha256", "md5"), _HASH_BEFORE, False, "upgrade"),
              Example("import hashlib\n\ndef etag(body):\n    return hashlib.md5(body).hexdigest()\n",
                      "import hashlib\n\ndef etag(body):\n    return hashlib.md5(body + b'v2').hexdigest()\n", False,
                      "already md5"))),
    RuleSpec(CIPHER, "Cipher or mode downgraded", Severity.HIGH,
             "A cipher mode became weaker (GCM -> CBC -> ECB) or a cipher was replaced by DES/3DES/RC4/Blowfish.",
             (Example("from Crypto.Cipher import AES\n\ndef encrypt(key, data):\n    return AES.new(key, AES.MODE_GCM).encrypt(data)\n",
                      "from Crypto.Cipher import AES\n\ndef encrypt(key, data):\n    return AES.new(key, AES.MODE_ECB).encrypt(data)\n", True),
              Example("from Crypto.Cipher import AES\n\ndef encrypt(key, data):\n    return AES.new(key, AES.MODE_ECB).encrypt(data)\n",
                      "from Crypto.Cipher import AES\n\ndef encrypt(key, data):\n    return AES.new(key, AES.MODE_GCM).encrypt(data)\n", False))),
    RuleSpec(KEY, "Key or random size reduced", Severity.HIGH,
             "RSA/DSA/DH key size or EC curve reduced, or a secret random value made shorter than 16 bytes.",
             (Example("from cryptography.hazmat.primitives.asymmetric import rsa\n\ndef new_key():\n    return rsa.generate_private_key(public_exponent=65537, key_size=4096)\n",
                      "from cryptography.hazmat.primitives.asymmetric import rsa\n\ndef new_key():\n    return rsa.generate_private_key(public_exponent=65537, key_size=1024)\n", True),
              Example("from cryptography.hazmat.primitives.asymmetric import rsa\n\ndef new_key():\n    return rsa.generate_private_key(public_exponent=65537, key_size=2048)\n",
                      "from cryptography.hazmat.primitives.asymmetric import rsa\n\ndef new_key():\n    return rsa.generate_private_key(public_exponent=65537, key_size=4096)\n", False))),
    RuleSpec(WORK, "Key-derivation work factor reduced", Severity.HIGH,
             "PBKDF2 iterations, bcrypt rounds, scrypt n or argon2 cost lowered (in a call or a settings constant).",
             (Example("import hashlib\n\ndef hash_password(pw, salt):\n    return hashlib.pbkdf2_hmac('sha256', pw, salt, 600000)\n",
                      "import hashlib\n\ndef hash_password(pw, salt):\n    return hashlib.pbkdf2_hmac('sha256', pw, salt, 1000)\n", True),
              Example("import hashlib\n\ndef hash_password(pw, salt):\n    return hashlib.pbkdf2_hmac('sha256', pw, salt, 1000)\n",
                      "import hashlib\n\ndef hash_password(pw, salt):\n    return hashlib.pbkdf2_hmac('sha256', pw, salt, 600000)\n", False))),
    RuleSpec(RANDOM, "Cryptographic randomness replaced by a predictable generator", Severity.HIGH,
             "A CSPRNG (Python secrets / os.urandom / SystemRandom; Node crypto.randomBytes/randomInt/randomUUID/"
             "getRandomValues or a same-file wrapper of one; Java SecureRandom; Go crypto/rand) replaced by a "
             "predictable one (random, Math.random, java.util.Random, math/rand), or new predictable randomness "
             "assigned to a secret (token, key, password, nonce, session id, multipart boundary). Values named for "
             "jitter, delays or sampling are not secrets.",
             (Example("import secrets\n\ndef new_token():\n    return secrets.token_hex(16)\n",
                      "import random\n\ndef new_token():\n    return '%032x' % random.getrandbits(128)\n", True),
              Example("import random\n\ndef shuffle_cards(cards):\n    random.shuffle(cards)\n    return cards\n",
                      "import random\n\ndef shuffle_cards(cards):\n    random.shuffle(cards)\n    return list(cards)\n", False,
                      "already random, not a secret"))),
    RuleSpec(SALT, "Salt removed or made constant", Severity.HIGH,
             "The salt argument of a KDF/password hash was removed or replaced by a constant, or `salt` dropped from a hash input.",
             (Example("import hashlib\n\ndef hash_password(pw, salt):\n    return hashlib.pbkdf2_hmac('sha256', pw, salt, 600000)\n",
                      "import hashlib\n\ndef hash_password(pw, salt):\n    return hashlib.pbkdf2_hmac('sha256', pw, b'static', 600000)\n", True),
              Example("import hashlib\n\ndef hash_password(pw, salt):\n    return hashlib.pbkdf2_hmac('sha256', pw, b'static', 600000)\n",
                      "import hashlib\n\ndef hash_password(pw, salt):\n    return hashlib.pbkdf2_hmac('sha256', pw, salt, 600000)\n", False))),
    RuleSpec(IV, "IV or nonce made constant", Severity.HIGH,
             "An IV/nonce argument is now a literal, so every message is encrypted with the same IV; or a value named "
             "as drawn per use (nonce, challenge, IV, salt, OTP) that a generating call produced is now assigned a "
             "fixed literal (`self.challenge = bytes.fromhex('49be...')`): every use gets the same value.",
             (Example("from Crypto.Cipher import AES\n\ndef encrypt(key, iv, data):\n    return AES.new(key, AES.MODE_CBC, iv).encrypt(data)\n",
                      "from Crypto.Cipher import AES\n\ndef encrypt(key, iv, data):\n    return AES.new(key, AES.MODE_CBC, b'0123456789abcdef').encrypt(data)\n", True),
              Example("from Crypto.Cipher import AES\n\ndef encrypt(key, iv, data):\n    return AES.new(key, AES.MODE_CBC, b'0123456789abcdef').encrypt(data)\n",
                      "from Crypto.Cipher import AES\n\ndef encrypt(key, iv, data):\n    return AES.new(key, AES.MODE_CBC, iv).encrypt(data)\n", False))),
)
SPECS = {r.id: r for r in RULES}


# ---------------------------------------------------------------- extraction


def _hash_name(text: str) -> Optional[str]:
    """`hashlib.md5` / `'MD5'` / `hashes.SHA256()` / `sha_256` -> table key, else None."""
    t = text.strip().strip("'\"")
    t = t.split("(")[0]
    name = last(t).lower().replace("_", "").replace("-", "")
    if name.startswith("hmac") and name[4:] in HASH_STRENGTH:  # Java Mac "HmacSHA256"
        name = name[4:]
    return name if name in HASH_STRENGTH else None


def _matches(callee: str, key: str) -> bool:
    return callee == key or callee.endswith("." + key)


_TABLE_KEYS: dict[int, tuple[dict, tuple[str, ...]]] = {}


def _lookup(table: dict, callee: str):
    """The first row (table order) whose key is `callee` or its dotted tail, as `_matches`
    decides, by the dotted-tail index of `callee_is` (each call site asks 5 tables)."""
    hit = _TABLE_KEYS.get(id(table))
    if hit is None or hit[0] is not table or len(hit[1]) != len(table):
        hit = _TABLE_KEYS[id(table)] = (table, tuple(table))
    key = callee_is(callee, hit[1])
    return (key, table[key]) if key is not None else (None, None)


def _secret_context(unit: Unit, words: frozenset[str] = SECRET_WORDS) -> bool:
    return bool(name_words(unit.qualname) & words)


# a branch that picks the algorithm by the stored hash's own scheme marker: `if
# pwhash.startswith("{SHA}"):` (htpasswd, LDAP), `strings.HasPrefix(h, "$1$")` (crypt)
_SCHEME_MARKER = r"""["'`](?:\{[A-Za-z0-9_.-]{2,16}\}|\$[0-9a-zA-Z]{1,3}\$)"""
_SCHEME_BRANCH = re.compile(r"(?:startswith|startsWith|HasPrefix|hasPrefix|starts_with)\s*\([^)]*" + _SCHEME_MARKER)
_SCHEME_LOOKBACK = 6  # lines above the hash call


def _verifies_stored_scheme(unit: Unit, line: int) -> bool:
    """Is the hash call inside a branch selected by the stored hash's scheme marker, a few lines
    above it and less indented? Then the algorithm is the one the stored data names (checking an
    existing `{SHA}` htpasswd entry), not one the code chose for new secrets: no born-weak
    finding (a stronger hash swapped for it is still a downgrade)."""
    lines = unit.text.splitlines()
    i = line - unit.span.line
    if not (0 <= i < len(lines)):
        return False
    indent = len(lines[i]) - len(lines[i].lstrip())
    for k in range(i - 1, max(-1, i - 1 - _SCHEME_LOOKBACK), -1):
        text = lines[k]
        if not text.strip():
            continue
        own = len(text) - len(text.lstrip())
        if own < indent:
            if _SCHEME_BRANCH.search(text):
                return True
            indent = own
    return False


def _hash_facts(call: Call, unit: Unit) -> list[Fact]:
    used = call.kwarg("usedforsecurity")
    if used is not None and used.literal is False:
        return []
    name: Optional[str] = None
    key, row = _lookup(HASH_ARGUMENT, call.callee)
    if row is not None:
        arg = argument(call, row[0], row[1])
        name = _hash_name(arg.value) if arg else None
    else:
        parts = call.callee.split(".")
        if len(parts) >= 2 and parts[-2] in HASH_NAMESPACES:
            name = _hash_name(parts[-1])
        elif len(parts) >= 3 and parts[-1] == "new" and parts[-3] == "Hash":
            name = _hash_name(parts[-2])
        elif len(parts) == 2 and parts[-1] in HASH_PACKAGE_FUNCS:
            name = _hash_name(parts[0])
    if name is None:
        return []
    strength = HASH_STRENGTH[name]
    dangerous = strength <= BROKEN_HASH and (key in SIGNING_HASH_CALLS or _secret_context(unit)) \
        and not _verifies_stored_scheme(unit, call.span.line)
    return [Fact(HASH, "hash", strength, call.span.line, call.text,
                 born_weak=f"{name} is used for a password or signature" if dangerous else "",
                 intrinsic="crypto" if dangerous else "")]


def _cipher_facts(call: Call) -> list[Fact]:
    out: list[Fact] = []
    parts = call.callee.split(".")
    for a in call.args:
        m = MODE_CONSTANT.search(a.value)
        if m and m.group(1) in MODE_RANK:
            rank = MODE_RANK[m.group(1)]
            out.append(Fact(CIPHER, "mode", rank, call.span.line, call.text,
                            born_weak="ECB mode leaks plaintext patterns" if rank == 0 else "", intrinsic="crypto"))
    if len(parts) >= 2 and parts[-2] == "modes" and parts[-1] in MODE_RANK:
        rank = MODE_RANK[parts[-1]]
        out.append(Fact(CIPHER, "mode", rank, call.span.line, call.text,
                        born_weak="ECB mode leaks plaintext patterns" if rank == 0 else "", intrinsic="crypto"))
    alg = None
    if len(parts) >= 2 and parts[-1] == "new" and parts[-2] in CIPHER_RANK and "Cipher" in parts[:-2] + ["Cipher"]:
        alg = parts[-2]
    elif len(parts) >= 2 and parts[-2] == "algorithms" and parts[-1] in CIPHER_RANK:
        alg = parts[-1]
    if alg is not None:
        rank = CIPHER_RANK[alg]
        out.append(Fact(CIPHER, "algorithm", rank, call.span.line, call.text,
                        born_weak=f"{alg} is a broken cipher" if rank == 0 else "", intrinsic="crypto"))
    return out


def _key_facts(call: Call) -> list[Fact]:
    key, row = _lookup(KEY_SIZES, call.callee)
    if row is not None:
        arg = argument(call, row.position, row.keyword)
        size = int_of(arg.value) if arg else None
        if size is None:
            return []
        return [Fact(KEY, row.slot, size, call.span.line, call.text,
                     born_weak=f"{size} {row.unit} is too small" if size < row.danger_below else "",
                     intrinsic="crypto" if row.unit == "bits" else "")]
    if any(_matches(call.callee, g) for g in EC_GENERATORS):
        arg = argument(call, 0, "curve")
        if arg is None:
            return []
        curve = last(arg.value.split("(")[0]).strip("'\"")
        bits = EC_CURVES.get(curve) or EC_CURVES.get(curve.upper())
        if bits is None:
            return []
        return [Fact(KEY, "ec", bits, call.span.line, call.text,
                     born_weak=f"{curve} is too small" if bits < EC_DANGER else "", intrinsic="crypto")]
    return []


def _work_facts(call: Call) -> list[Fact]:
    key, row = _lookup(WORK_FACTORS, call.callee)
    if row is None:
        return []
    pos, kw, default, danger = row
    arg = argument(call, pos, kw)
    value = int_of(arg.value) if arg else default
    if value is None:
        return []
    return [Fact(WORK, f"work:{key}", value, call.span.line, call.text,
                 born_weak=f"{kw or 'work factor'}={value} is too low" if value < danger else "", intrinsic="crypto")]


def _work_setting_facts(unit: Unit) -> list[Fact]:
    out = []
    for s in unit.settings:
        name = last(s.key)
        if WORK_SETTING_NAME.search(name) and (WORK_SETTING_CONTEXT.search(s.key) or _secret_context(unit)):
            value = int_of(s.value)
            if value is not None:
                out.append(Fact(WORK, f"work-setting:{s.key}", value, s.span.line, s.text, intrinsic="crypto"))
    return out


@dataclass(frozen=True)
class RandomScope:
    """What a unit's random calls need from their file: the local names of Go's two `rand`
    packages and the same-file functions that are thin wrappers of a CSPRNG."""

    go_packages: tuple[tuple[str, str], ...] = ()  # (local name, import path)
    strong_wrappers: frozenset[str] = frozenset()


NO_SCOPE = RandomScope()


def _line_of(unit: Unit, line: int) -> str:
    lines = (unit.text or "").splitlines()
    first = unit.span.end_line - len(lines) + 1 if lines else unit.span.line
    i = line - first
    return lines[i] if 0 <= i < len(lines) else ""


def _target_words(unit: Unit, call: Call) -> Optional[set[str]]:
    """Words of the name the call's value is assigned to on its line (None: not assigned)."""
    m = _TARGET.match(_line_of(unit, call.span.line))
    return name_words(m.group(1)) if m else None


def _random_purpose(unit: Unit, call: Call) -> tuple[bool, bool]:
    """(secret, plainly-not-secret) for a random value drawn by `call` in `unit`.

    The assigned name decides first (`boundary`, `resetToken`: secret; `jitter`, `delay`: not),
    then the unit's name (`new_api_key`, `make_otp`).
    """
    words = _target_words(unit, call)
    if words is not None:
        if words & NON_SECRET_TARGET_WORDS:
            return False, True
        if words & (RANDOM_SECRET_WORDS - AMBIGUOUS_TARGET_WORDS | TARGET_SECRET_WORDS) or \
                (words & AMBIGUOUS_TARGET_WORDS and words & KEY_QUALIFIERS):
            return True, False
    return _secret_context(unit, RANDOM_SECRET_WORDS), False


def _random_strength(call: Call, unit: Unit, scope: RandomScope) -> Optional[int]:
    """1 for a CSPRNG draw, 0 for a predictable one, None for anything else."""
    c = call.callee
    lang = unit.language
    if lang == "python":
        if "SystemRandom" in c or c.startswith(STRONG_RANDOM_PREFIXES):
            return None if call.statement else 1  # `random.SystemRandom()` as a probe draws nothing
        if c.startswith(WEAK_RANDOM_MODULES) and last(c) in WEAK_RANDOM_FUNCS:
            return 0
    elif lang == "go":
        head = call.text.split("(", 1)[0].strip().split(".")
        if len(head) == 2:
            path = dict(scope.go_packages).get(head[0])
            if path in GO_STRONG_RANDOM_PACKAGES:
                return 1
            if path in GO_WEAK_RANDOM_PACKAGES and head[1] not in GO_NOT_DRAWS:
                return 0
    elif lang in STRONG_RANDOM_CALLS:
        if callee_is(c, STRONG_RANDOM_CALLS[lang]) is not None:
            return 1
        if callee_is(c, WEAK_RANDOM_CALLS[lang]) is not None:
            if lang == "java" and last(c) == "Random" and not call.text.lstrip().startswith("new"):
                return None
            return 0
    if scope.strong_wrappers and c.split(".")[-1] in scope.strong_wrappers and \
            c.count(".") <= 1 and (c.count(".") == 0 or c.split(".")[0] in ("this", "self")):
        return 1
    return None


def _random_facts(call: Call, unit: Unit, scope: RandomScope = NO_SCOPE) -> list[Fact]:
    strength = _random_strength(call, unit, scope)
    if strength is None:
        return []
    if strength == 1:
        return [Fact(RANDOM, "random", 1, call.span.line, call.text)]
    secret, not_secret = _random_purpose(unit, call)
    if not_secret:
        return []  # `jitter = Math.random()`: whatever it replaced, the value is no secret
    return [Fact(RANDOM, "random", 0, call.span.line, call.text,
                 born_weak="a predictable random generator makes a secret value" if secret else "",
                 intrinsic="crypto" if secret else "")]


def random_scope(units: Iterable[object]) -> RandomScope:
    """The file-level facts `_random_strength` needs, from the units of one file."""
    go: dict[str, str] = {}
    wrappers: set[str] = set()
    for u in units:
        if not isinstance(u, Unit):
            continue
        if u.kind == "module" and u.language == "go" and "rand\"" in (u.text or ""):
            for m in _GO_IMPORT.finditer(u.text):
                local = m.group(1) or m.group(2).replace("/v2", "").rsplit("/", 1)[-1]
                go[local] = m.group(2)
        if u.kind in ("function", "lambda", "method") and 0 < len(u.calls) <= WRAPPER_MAX_CALLS \
                and any(_random_strength(c, u, NO_SCOPE) == 1 for c in u.calls):
            wrappers.add(u.name)
    return RandomScope(tuple(sorted(go.items())), frozenset(wrappers))


def _salt_facts(call: Call) -> list[Fact]:
    key, row = _lookup(SALTED, call.callee)
    if row is not None:
        arg = argument(call, row[0], row[1])
        if arg is None or arg.value in ("None", "b''", 'b""', "''", '""'):
            state = "none"
        elif looks_constant(arg.value):
            state = "constant"
        else:
            state = "varies"
        return [Fact(SALT, f"salt:{key}", SALT_RANK[state], call.span.line, call.text, intrinsic="crypto")]
    parts = call.callee.split(".")
    if len(parts) >= 2 and parts[-2] == "hashlib" and _hash_name(parts[-1]) and call.args:
        salted = any(SALT_NAME.search(a.value) for a in call.args)
        return [Fact(SALT, "hash-input", SALT_RANK["varies" if salted else "none"], call.span.line, call.text)]
    return []


def _iv_facts(call: Call) -> list[Fact]:
    key, row = _lookup(IV_ARGUMENT, call.callee)
    if row is None:
        return []
    pos, kws = row
    arg = None
    for kw in kws:
        arg = call.kwarg(kw)
        if arg is not None:
            break
    if arg is None and pos is not None:
        arg = argument(call, pos, None)
    if arg is None:
        return [Fact(IV, "iv", 1, call.span.line, call.text)]  # the library draws a random IV
    constant = looks_constant(arg.value)
    return [Fact(IV, "iv", 0 if constant else 1, call.span.line, call.text,
                 born_weak="the IV/nonce is a constant" if constant else "", intrinsic="crypto")]


# a value drawn per use (nonce, challenge, IV, salt, one-time token) replaced by a fixed one:
# the assigned name says it must differ each time, the old value came from a generating call
# (`Nonce.generate(bits)`, `os.urandom(16)`, `secrets.token_hex()`), the new one is a literal
# (`bytes.fromhex("49be...")`, `b"..."`): every challenge/nonce is the same, so a recorded
# answer replays. Names only (not `key`: a fixed key is a configuration, not a per-use value).
PER_USE_WORDS = frozenset({"nonce", "nonces", "challenge", "iv", "salt", "otp"})
GENERATOR_WORDS = frozenset({"generate", "gen", "random", "rand", "urandom", "randbytes", "token", "nonce",
                             "uuid4", "getrandbits", "randint", "randrange", "new", "create", "make"})
# decoders of a literal that still give a constant (`bytes.fromhex("..")`, `b64decode("..")`)
_DECODED_LITERAL = re.compile(r"""^(?:bytes\.fromhex|bytearray\.fromhex|(?:binascii\.)?(?:unhexlify|a2b_hex)|(?:base64\.)?(?:b64decode|urlsafe_b64decode|b32decode|b16decode))\(\s*([rRbBuU]?(?:"[^"\n]*"|'[^'\n]*'))\s*\)$""")
_ASSIGNED = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(?::[^=\n]+)?=(?!=)\s*(.+?)\s*$")
MIN_CONSTANT_CHARS = 8  # `nonce = ''` or `iv = b'0'` placeholders are resets, not fixed values


def _constant_value(value: str) -> bool:
    m = _DECODED_LITERAL.match(value)
    text = m.group(1) if m else value
    return len(text) >= MIN_CONSTANT_CHARS + 2 and looks_constant(text)


def _per_use_facts(unit: Unit) -> list[Fact]:
    """`self.challenge = Nonce.generate(n)` (1) / `self.challenge = bytes.fromhex("...")` (0),
    one slot per assigned name (Python only: the assignment shape is read off the text)."""
    if unit.language != "python" or unit.kind == "module" or not unit.text:
        return []
    text = unit.text
    low = text.lower()
    if not any(w in low for w in PER_USE_WORDS):
        return []
    out: list[Fact] = []
    first = unit.span.end_line - text.count("\n")
    for i, line in enumerate(text.splitlines()):
        m = _ASSIGNED.match(line)
        if m is None or not (name_words(m.group(1).rsplit(".", 1)[-1]) & PER_USE_WORDS):
            continue
        target, value = m.group(1), m.group(2)
        if _constant_value(value):
            out.append(Fact(IV, f"per-use:{target}", 0, first + i, line.strip(), intrinsic="crypto"))
        else:
            call = re.match(r"^([\w.]+)\s*\(", value)
            if call and name_words(call.group(1)) & GENERATOR_WORDS:
                out.append(Fact(IV, f"per-use:{target}", 1, first + i, line.strip()))
    return out


def _facts(unit: Unit, scope: RandomScope = NO_SCOPE) -> list[Fact]:
    out: list[Fact] = _per_use_facts(unit)
    for call in unit.calls:
        out.extend(_hash_facts(call, unit))
        out.extend(_cipher_facts(call))
        out.extend(_key_facts(call))
        out.extend(_work_facts(call))
        out.extend(_random_facts(call, unit, scope))
        out.extend(_salt_facts(call))
        out.extend(_iv_facts(call))
    out.extend(_work_setting_facts(unit))
    return out


# every callee last part a table row or a fixed name of the extractors could match (a row
# matches a callee that is the row or ends in `.row`, so both end in the same part)
_CALL_TAILS = table_tails((
    *HASH_ARGUMENT, *HASH_PACKAGE_FUNCS, "new", *KEY_SIZES, *EC_GENERATORS, *WORK_FACTORS, *SALTED,
    *IV_ARGUMENT, *(n for t in STRONG_RANDOM_CALLS.values() for n in t),
    *(n for t in WEAK_RANDOM_CALLS.values() for n in t),
))
_NAMESPACES = HASH_NAMESPACES | {"modes", "algorithms"}


def _may_have_facts(unit: Unit, *scopes: RandomScope) -> bool:
    """False only when `_facts(unit, scope)` is empty for each of `scopes`: read off what
    each extractor needs before it makes a fact (a table row by the callee's last part, a
    hash/mode/algorithm namespace, a MODE_ argument, a Python random prefix, a Go rand
    import, a same-file CSPRNG wrapper, a work-factor setting name), without making any."""
    if any(WORK_SETTING_NAME.search(last(s.key)) for s in unit.settings):
        return True
    if unit.language == "go" and any(s.go_packages for s in scopes):
        return True  # Go draws are read from the call text's head through the imports
    tails = callee_tails(unit)
    if not tails.isdisjoint(_CALL_TAILS) or any(not tails.isdisjoint(s.strong_wrappers) for s in scopes):
        return True
    for call in unit.calls:
        c = call.callee
        if "SystemRandom" in c or c.startswith(STRONG_RANDOM_PREFIXES) or c.startswith(WEAK_RANDOM_MODULES):
            return True
        parts = c.split(".")
        if len(parts) >= 2 and parts[-2] in _NAMESPACES:
            return True
        if any("MODE_" in a.value for a in call.args):
            return True
    return False


# ---------------------------------------------------------------- comparison

_NAMES = {HASH: "hash strength", CIPHER: "cipher strength", RANDOM: "randomness"}


def _weaker(before: Fact, after: Fact) -> Optional[str]:
    b, a = before.value, after.value
    if not (isinstance(a, int) and isinstance(b, int)) or a >= b:
        return None
    if after.rule == HASH:
        if a > BROKEN_HASH:
            return None
        return f"hash downgraded to a broken algorithm ({before.text} -> {after.text})"
    if after.rule == KEY:
        row = next((r for r in KEY_SIZES.values() if r.slot == after.slot), None)
        floor = row.floor if row else float("inf")
        if a >= floor:
            return None
        unit = row.unit if row else "bits"
        return f"{after.slot} size reduced from {b} to {a} {unit}"
    if after.rule == WORK:
        return f"work factor reduced from {b} to {a}"
    if after.rule == SALT:
        states = {v: k for k, v in SALT_RANK.items()}
        return f"salt went from {states[b]} to {states[a]}"
    if after.rule == IV and after.slot.startswith("per-use:"):
        name = after.slot[len("per-use:"):]
        return (f"{name} was generated for each use and is now a fixed value ({before.text[:80]} -> {after.text[:80]}): "
                "every use gets the same one, so a recorded response replays")
    if after.rule == IV:
        return "the IV/nonce is now a constant"
    if after.rule == RANDOM:
        return f"a cryptographic random source was replaced by a predictable generator ({before.text[:60]} -> {after.text[:60]})"
    return f"{_NAMES.get(after.rule, after.slot)} lowered ({before.text} -> {after.text})"


@family(FAMILY, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.after is None:
        return []
    before_scope, after_scope = _scopes_of(change, ctx)
    if not _may_have_facts(change.after, after_scope, before_scope) and \
            not (change.after.kind == "module" and change.language == "go") and \
            not any(f.value == 0 for f in _per_use_facts(change.after)):
        return []  # no after fact: `verdicts` has nothing to report (most units call no crypto)
    if before_scope is after_scope:
        extract = lambda u: _facts(u, after_scope)  # noqa: E731
    else:
        before_ids = {id(u) for u in units_in_file(ctx.before_units, change.file.old_path or "")}
        if change.before is not None:
            before_ids.add(id(change.before))
        extract = lambda u: _facts(u, before_scope if id(u) in before_ids else after_scope)  # noqa: E731
    found = list(to_findings(change, ctx, SPECS, verdicts(change, ctx, extract, _weaker)))
    if change.after.kind == "module" and change.language == "go" and before_scope is not after_scope:
        found.extend(_go_import_switch(change, ctx, before_scope, after_scope))
    return found


def _import_line(unit: Unit, path: str) -> Optional[int]:
    lines = (unit.text or "").splitlines()  # a module unit's text is the file from its first line
    return next((unit.span.line + i for i, t in enumerate(lines) if f'"{path}"' in t), None)


def _go_import_switch(change: UnitChange, ctx: RuleContext, before: RandomScope,
                      after: RandomScope) -> Iterable[Finding]:
    """Only the import changed: `rand` was crypto/rand and is math/rand now, so every
    unchanged `rand.Read(buf)` of the file draws predictable bytes. Reported at the import."""
    old = dict(before.go_packages)
    added = LineMap.of(change).added_block  # a unit the change touched reports its own draws

    def touched(u: Unit) -> bool:
        return any(u.span.line <= n <= u.span.end_line for n in added)
    for local, path in after.go_packages:
        if path not in GO_WEAK_RANDOM_PACKAGES or old.get(local) not in GO_STRONG_RANDOM_PACKAGES:
            continue
        draws = [(u, c) for u in units_in_file(ctx.after_units, change.after.path)  # type: ignore[union-attr]
                 if isinstance(u, Unit) and u.kind != "module" and not touched(u)
                 for c in u.calls if c.text.split("(", 1)[0].strip().split(".")[0] == local
                 and _random_strength(c, u, after) == 0]
        purposes = [(_random_purpose(u, c), u, c) for u, c in draws]
        live = [(p, u, c) for p, u, c in purposes if not p[1]]
        if not live:
            continue
        secret = [(u, c) for p, u, c in live if p[0]]
        u, c = secret[0] if secret else (live[0][1], live[0][2])
        rel = ctx.relevance(change)
        if secret and rel.score < 0.8:
            rel = Relevance("crypto", 0.8, (u.qualname, c.text[:80]), "the predictable value is a secret")
        line = _import_line(change.after, path)  # type: ignore[arg-type]
        before_line = _import_line(change.before, old[local]) if change.before else None
        yield make_finding(
            SPECS[RANDOM], change, ctx,
            f"{SPECS[RANDOM].title}: `{local}` now names {path} instead of {old[local]}, so "
            f"`{c.text[:60]}` in {u.qualname} (and {len(live) - 1} more) draws predictable values",
            before_line=before_line, after_line=line,
            evidence_before=f'"{old[local]}"', evidence_after=f'"{path}"',
            witness=f"{len(live)} unchanged call(s) through `{local}` now use {path}",
            confidence=Confidence.MEDIUM, relevance=rel,
        )


_SCOPES: dict[tuple[int, int, str, str], tuple[object, object, RandomScope, RandomScope]] = {}


def _scopes_of(change: UnitChange, ctx: RuleContext) -> tuple[RandomScope, RandomScope]:
    """The random scopes of the change's file before and after. Go's package names are each
    side's own (`rand` may be crypto/rand before and math/rand after); wrappers are both
    sides' (a wrapper the change deleted still tells what the before side drew). Kept for
    the run's last file."""
    old_path = change.file.old_path or ""
    new_path = change.after.path if change.after else ""
    key = (id(ctx.before_units), id(ctx.after_units), old_path, new_path)
    hit = _SCOPES.get(key)
    if hit is not None and hit[0] is ctx.before_units and hit[1] is ctx.after_units:
        return hit[2], hit[3]
    before = list(units_in_file(ctx.before_units, old_path)) if old_path else []
    after = list(units_in_file(ctx.after_units, new_path)) if new_path else []
    before += [change.before] if change.before is not None else []
    after += [change.after] if change.after is not None else []
    b, a = random_scope(before), random_scope(after)
    wrappers = b.strong_wrappers | a.strong_wrappers
    if b.go_packages == a.go_packages:
        b = a = RandomScope(a.go_packages, wrappers)
    else:
        b, a = RandomScope(b.go_packages, wrappers), RandomScope(a.go_packages, wrappers)
    _SCOPES.clear()
    _SCOPES[key] = (ctx.before_units, ctx.after_units, b, a)
    return b, a
