"""crypto-downgrade: every shipped example, the rank tables at work, and the quiet cases."""
from __future__ import annotations

from semdiff.model import Confidence
from semdiff.pipeline import analyze_texts
from semdiff.rules import crypto_downgrade as fam
from semdiff.rules._catalog_facts import looks_constant, seconds_of
from semdiff.rules.base import all_rules

PATH = "app/crypto_utils.py"


def findings(before, after, path=PATH):
    report = analyze_texts([(path, before, after)])
    return [f for f in report.findings if f.rule_id.startswith(fam.FAMILY)]


def brief(fs):
    return sorted((f.rule_id, f.unit, f.after.line if f.after else None) for f in fs)




def test_every_rule_has_firing_and_quiet_example_and_is_registered():
    registered = all_rules()
    for spec in fam.RULES:
        assert spec.id in registered
        assert any(e.fires for e in spec.examples) and any(not e.fires for e in spec.examples)


def test_hashlib_new_by_name_and_import_alias():
    before = "import hashlib\n\ndef sign(secret, body):\n    return hashlib.new('sha256', secret + body).digest()\n"
    after = before.replace("'sha256'", "'md5'")
    assert brief(findings(before, after)) == [(fam.HASH, "sign", 4)]
    before = ("from hashlib import md5 as fast, sha256 as strong\n\n"
              "def sign(secret, body):\n    return strong(secret + body).digest()\n")
    after = before.replace("strong(secret", "fast(secret")
    assert brief(findings(before, after)) == [(fam.HASH, "sign", 4)]


def test_sha512_to_sha256_is_not_a_broken_hash():
    before = "import hashlib\n\ndef sign(secret, body):\n    return hashlib.sha512(secret + body).digest()\n"
    assert findings(before, before.replace("sha512", "sha256")) == []


def test_new_md5_outside_secret_context_is_silent():
    before = "import hashlib\n"
    after = "import hashlib\n\ndef file_checksum(data):\n    return hashlib.md5(data).hexdigest()\n"
    assert findings(before, after) == []


def test_new_md5_for_password_is_medium_confidence():
    before = "import hashlib\n"
    after = "import hashlib\n\ndef hash_password(pw):\n    return hashlib.md5(pw).hexdigest()\n"
    fs = findings(before, after)
    assert brief(fs) == [(fam.HASH, "hash_password", 4)]
    assert fs[0].confidence is Confidence.MEDIUM


def test_cryptography_mode_and_cipher_downgrade():
    before = ("from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes\n\n"
              "def box(key, iv):\n    return Cipher(algorithms.AES(key), modes.CBC(iv))\n")
    after = before.replace("modes.CBC(iv)", "modes.ECB()")
    assert brief(findings(before, after)) == [(fam.CIPHER, "box", 4)]
    after = before.replace("algorithms.AES(key)", "algorithms.TripleDES(key)")
    assert brief(findings(before, after)) == [(fam.CIPHER, "box", 4)]


def test_ec_curve_reduced():
    before = ("from cryptography.hazmat.primitives.asymmetric import ec\n\n"
              "def new_key():\n    return ec.generate_private_key(ec.SECP384R1())\n")
    after = before.replace("SECP384R1", "SECP192R1")
    assert brief(findings(before, after)) == [(fam.KEY, "new_key", 4)]


def test_token_bytes_shortened_below_floor_only():
    before = "import secrets\n\ndef new_token():\n    return secrets.token_hex(32)\n"
    assert findings(before, before.replace("32", "20")) == []
    assert brief(findings(before, before.replace("32", "4"))) == [(fam.KEY, "new_token", 4)]


def test_bcrypt_default_rounds_then_explicit_lower():
    before = "import bcrypt\n\ndef hash_password(pw):\n    return bcrypt.hashpw(pw, bcrypt.gensalt())\n"
    after = before.replace("bcrypt.gensalt()", "bcrypt.gensalt(rounds=4)")
    assert brief(findings(before, after)) == [(fam.WORK, "hash_password", 4)]


def test_salt_dropped_from_hash_input():
    before = "import hashlib\n\ndef hash_password(pw, salt):\n    return hashlib.sha256(salt + pw).hexdigest()\n"
    after = before.replace("salt + pw", "pw")
    assert brief(findings(before, after)) == [(fam.SALT, "hash_password", 4)]


def test_system_random_to_random_and_back():
    strong = "import random\n\ndef make_otp():\n    return random.SystemRandom().randint(100000, 999999)\n"
    weak = "import random\n\ndef make_otp():\n    return random.randint(100000, 999999)\n"
    assert brief(findings(strong, weak)) == [(fam.RANDOM, "make_otp", 4)]
    assert findings(weak, strong) == []


def test_new_random_in_secret_function_is_born_weak():
    before = "import random\n"
    after = "import random\n\ndef new_api_key():\n    return '%x' % random.getrandbits(128)\n"
    fs = findings(before, after)
    assert brief(fs) == [(fam.RANDOM, "new_api_key", 4)]
    assert fs[0].confidence is Confidence.MEDIUM


def test_helpers_fold_literals_without_evaluating():
    assert seconds_of("86400 * 365") == 86400 * 365
    assert seconds_of("timedelta(days=1, hours=2)") == 93600
    assert seconds_of("datetime.timedelta(minutes=5)") == 300
    assert seconds_of("None") == float("inf")
    assert seconds_of("settings.X * 2") is None
    assert seconds_of("__import__('os').system('x')") is None
    assert looks_constant("b'\\x00' * 16") and looks_constant("bytes(16)") and looks_constant("'abc'")
    assert not looks_constant("os.urandom(16)") and not looks_constant("iv")


def test_hostile_inputs_do_not_crash_the_catalog_families():
    deep = "(" * 60 + "1" + ")" * 60
    huge = "[" + ", ".join(f"'{i}'" for i in range(300)) + "]"
    before = f"import hashlib\n\nX = {huge}\n\ndef sign(k):\n    return hashlib.sha256(k).digest()\n"
    after = (f"import hashlib\n\nX = {huge}\nY = {deep}\n\ndef sign(k):\n"
             f"    return hashlib.new({deep!r} * 3, k, iterations={deep}).digest()\n")
    report = analyze_texts([(PATH, before, after)])
    assert not [n for n in report.not_analyzed if n.reason == "too-deep"]
    assert all(not f.rule_id.startswith(fam.FAMILY) or f.unit == "sign" for f in report.findings)


def test_secrets_replaced_by_seeded_random_behind_a_systemrandom_probe():
    """Shape of python-social-auth's random_string regression (secrets -> random)."""
    before = ("import secrets\n\nclass Strategy:\n    def random_string(self, length=12, chars='abc'):\n"
              "        return ''.join([secrets.choice(chars) for i in range(length)])\n")
    after = ("import hashlib\nimport random\nimport time\n\nclass Strategy:\n"
             "    def random_string(self, length=12, chars='abc'):\n"
             "        try:\n            random.SystemRandom()\n        except NotImplementedError:\n"
             "            random.seed(hashlib.sha256(str(time.time()).encode()).digest())\n"
             "        return ''.join([random.choice(chars) for i in range(length)])\n")
    assert brief(findings(before, after)) == [(fam.RANDOM, "Strategy.random_string", 11)]


def test_random_to_short_secrets_bytes_is_a_hardening():
    """Shape of sanic's websocket ping change: random.getrandbits(32) -> secrets.token_bytes(4)."""
    before = ("import random\nimport struct\n\ndef ping_payload(pings):\n    data = None\n"
              "    while data is None or data in pings:\n        data = struct.pack('!I', random.getrandbits(32))\n    return data\n")
    after = ("import secrets\n\ndef ping_payload(pings):\n    data = None\n"
             "    while data is None or data in pings:\n        data = secrets.token_bytes(4)\n    return data\n")
    assert findings(before, after) == []


def test_assigned_name_decides_whether_new_random_is_a_secret():
    """`jitter` in a session function is no secret; `nonce` in a neutral function is one."""
    before = "import random\n"
    jitter = "import random\n\ndef refresh_session(s):\n    jitter = random.random() * 5\n    return s.renew(after=jitter)\n"
    assert findings(before, jitter) == []
    nonce = "import random\n\ndef build_request(body):\n    nonce = random.getrandbits(64)\n    return body, nonce\n"
    fs = findings(before, nonce)
    assert brief(fs) == [(fam.RANDOM, "build_request", 4)]


def test_js_thin_wrapper_of_a_csprng_counts_as_strong():
    before = ("const crypto = require('crypto')\nconst pick = (n) => crypto.randomInt(0, n)\n\n"
              "function makeCode () {\n  const code = pick(1e6)\n  return code\n}\n")
    after = ("function makeCode () {\n  const code = Math.floor(Math.random() * 1e6)\n  return code\n}\n")
    fs = findings(before, after, "lib/codes.js")
    assert [(f.rule_id, f.unit, f.before.line, f.after.line) for f in fs] == [(fam.RANDOM, "makeCode", 5, 2)]
    # the wrapper kept: nothing changed in what makeCode draws
    kept = before.replace("const code = pick(1e6)", "const code = pick(1e7)")
    assert findings(before, kept, "lib/codes.js") == []


def test_js_downgrade_into_a_non_secret_name_stays_silent_and_upgrade_is_silent():
    before = "const crypto = require('crypto')\n\nfunction wait () {\n  const delay = crypto.randomInt(0, 50)\n  return delay\n}\n"
    after = "function wait () {\n  const delay = Math.random() * 50\n  return delay\n}\n"
    assert findings(before, after, "lib/wait.js") == []
    tok_weak = "function newToken () {\n  const token = Math.random().toString(36)\n  return token\n}\n"
    tok_strong = "const crypto = require('crypto')\n\nfunction newToken () {\n  const token = crypto.randomUUID()\n  return token\n}\n"
    assert findings(tok_weak, tok_strong, "lib/tok.js") == []
    assert brief(findings(tok_strong, tok_weak, "lib/tok.js")) == [(fam.RANDOM, "newToken", 2)]


def test_go_package_alias_decides_strength():
    before = ('package k\n\nimport (\n\tcrand "crypto/rand"\n\t"math/rand"\n)\n\n'
              'func NewKey(b []byte) {\n\tcrand.Read(b)\n\t_ = rand.Intn(3)\n}\n')
    after = before.replace("\tcrand.Read(b)\n", "\trand.Read(b)\n")
    fs = findings(before, after, "k/key.go")
    assert [(f.rule_id, f.unit, f.before.line, f.after.line) for f in fs] == [(fam.RANDOM, "NewKey", 9, 9)]
    assert findings(after, before, "k/key.go") == []


def test_java_random_method_call_is_not_a_constructor():
    before = "class T {\n  String token(Gen g) {\n    String token = g.secure();\n    return token;\n  }\n}\n"
    after = "class T {\n  String token(Gen g) {\n    String token = Random(g);\n    return token;\n  }\n}\n"
    assert findings(before, after, "src/T.java") == []


def test_react_list_key_is_not_a_secret_but_an_api_key_is():
    before = "function Row () {\n  return null\n}\n"
    ui = "function Row () {\n  const key = Math.random().toString(36)\n  return key\n}\n"
    assert findings(before, ui, "src/Row.js") == []
    api = "function Row () {\n  const apiKey = Math.random().toString(36)\n  return apiKey\n}\n"
    assert brief(findings(before, api, "src/Row.js")) == [(fam.RANDOM, "Row", 2)]
    # a delay is never a secret, even in a function about auth tokens
    auth = "function refreshAuthToken () {\n  const retryDelay = Math.random() * 100\n  return retryDelay\n}\n"
    assert findings(before, auth, "src/Row.js") == []


GO_IDS = ('package session\n\nimport (\n\t"crypto/rand"\n\t"encoding/hex"\n)\n\n'
          'func NewSessionID() string {\n\tbuf := make([]byte, 24)\n\trand.Read(buf)\n\treturn hex.EncodeToString(buf)\n}\n\n'
          'func backoff() int {\n\tjitter := rand.Int()\n\treturn jitter\n}\n')


def test_go_import_switch_alone_is_reported_at_the_import():
    after = GO_IDS.replace('\t"crypto/rand"\n\t"encoding/hex"\n', '\t"encoding/hex"\n\t"math/rand"\n')
    fs = findings(GO_IDS, after, "session/id.go")
    assert [(f.rule_id, f.unit, f.before.line, f.after.line, f.severity.label) for f in fs] == [
        (fam.RANDOM, "<module>", 4, 5, "high")]
    assert findings(after, GO_IDS, "session/id.go") == []


def test_go_import_switch_used_only_for_jitter_is_silent():
    only_jitter = GO_IDS.replace("\trand.Read(buf)\n", "")
    after = only_jitter.replace('\t"crypto/rand"\n\t"encoding/hex"\n', '\t"encoding/hex"\n\t"math/rand"\n')
    assert findings(only_jitter, after, "session/id.go") == []


CHALLENGE = ("from .base import Nonce\n\n\nclass Parameters:\n    def generate_challenge(self, bit_length):\n"
             "        self.challenge = Nonce.generate(bit_length)\n\n    def render(self):\n        return self.challenge\n")


def test_per_use_value_made_a_fixed_literal():
    fixed = CHALLENGE.replace("Nonce.generate(bit_length)", 'bytes.fromhex("49beed365aac777dae23564f5ad0ec")')
    assert brief(findings(CHALLENGE, fixed)) == [(fam.IV, "Parameters.generate_challenge", 6)]
    salted = ("import os\n\n\ndef new_record(pw):\n    salt = os.urandom(16)\n    return salt, pw\n")
    assert brief(findings(salted, salted.replace("os.urandom(16)", "b'0123456789abcdef'"))) == [(fam.IV, "new_record", 5)]


def test_per_use_value_quiet_cases():
    fixed = CHALLENGE.replace("Nonce.generate(bit_length)", 'bytes.fromhex("49beed365aac777dae23564f5ad0ec")')
    assert findings(fixed, CHALLENGE) == []  # the fix direction
    assert findings(CHALLENGE, CHALLENGE.replace("Nonce.generate(bit_length)", "None")) == []  # a reset
    assert findings(CHALLENGE, CHALLENGE.replace("Nonce.generate(bit_length)", "secrets.token_bytes(bit_length // 8)")) == []
    # a fixed value for a name that is no per-use value (a configured key, a label)
    label = CHALLENGE.replace("self.challenge = Nonce.generate(bit_length)", "self.label = make_label(bit_length)")
    assert findings(label, label.replace("make_label(bit_length)", "'certification-label'")) == []
    # a value that was not generated before (read from a parameter) made a literal: not this rule
    given = CHALLENGE.replace("Nonce.generate(bit_length)", "bit_length")
    assert findings(given, given.replace("= bit_length", "= b'0123456789abcdef'")) == []
