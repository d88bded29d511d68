"""Catalog rule families on the tree-sitter languages: the language-specific table rows
(rejectUnauthorized, InsecureSkipVerify, decode-only token readers, MessageDigest /
createHash / Go hash packages, Spring csrf().disable() and permitAll) fire in the weakening
direction and stay quiet in the strengthening one, and Python keeps its own meaning of
`jwt.decode` (PyJWT verifies)."""
from __future__ import annotations

import pytest

from semdiff.pipeline import analyze_texts
from semdiff.rules import crypto_downgrade, disabled_verification, weakened_default


def brief(path: str, before, after) -> list[tuple[str, str, int | None]]:
    report = analyze_texts([(path, before, after)])
    return sorted((f.rule_id, f.unit, f.after.line if f.after else None) for f in report.findings)


JS_VERIFY = (
    "const jwt = require('jsonwebtoken');\n"
    "function readUser(token, key) {\n"
    "  const claims = jwt.verify(token, key, { algorithms: ['RS256'] });\n"
    "  return claims.sub;\n"
    "}\n"
)
JS_DECODE = JS_VERIFY.replace("jwt.verify(token, key, { algorithms: ['RS256'] })", "jwt.decode(token)")


def test_js_verify_to_decode_is_signature_off():
    assert brief("src/auth.js", JS_VERIFY, JS_DECODE) == [
        (disabled_verification.JWT_SIG, "readUser", 3)]


def test_js_decode_to_verify_is_quiet():
    assert brief("src/auth.js", JS_DECODE, JS_VERIFY) == []


def test_js_new_decode_only_function_is_not_reported_on_its_own():
    # reading the header (kid) before verifying is common; only a verify -> decode swap is judged
    assert brief("src/auth.js", None, JS_DECODE) == []


def test_typescript_uses_the_javascript_rows():
    assert brief("src/auth.ts", JS_VERIFY, JS_DECODE) == [
        (disabled_verification.JWT_SIG, "readUser", 3)]


def test_python_jwt_decode_still_means_verified():
    before = "import jwt\n\ndef read(token, key):\n    return jwt.decode(token, key, algorithms=['HS256'])\n"
    after = before.replace("algorithms=['HS256'])", "algorithms=['HS256'], options={'verify_signature': False})")
    assert (disabled_verification.JWT_SIG, "read", 4) in brief("app/tok.py", before, after)
    assert brief("app/tok.py", after, before) == []


@pytest.mark.parametrize("callee", ["https.request(url, ", "https.get(url, ", "new https.Agent(", "tls.connect(port, host, "])
def test_node_reject_unauthorized_false(callee):
    before = f"const https = require('https');\nconst tls = require('tls');\nfunction open(url, port, host) {{\n  return {callee}{{ timeout: 5 }});\n}}\n"
    after = before.replace("{ timeout: 5 }", "{ timeout: 5, rejectUnauthorized: false }")
    assert brief("lib/net.js", before, after) == [(disabled_verification.TLS, "open", 4)]
    assert brief("lib/net.js", after, before) == []
    assert brief("lib/net.js", after, after.replace("false }", "true }")) == []


def test_reject_unauthorized_on_an_unrelated_call_is_not_a_tls_row():
    before = "function build(opts) {\n  return makeWidget({ size: 1 });\n}\n"
    after = before.replace("{ size: 1 }", "{ size: 1, rejectUnauthorized: false }")
    assert brief("lib/w.js", before, after) == []


GO_BEFORE = (
    "package client\n\nimport \"crypto/tls\"\n\n"
    "func Config() *tls.Config {\n\treturn &tls.Config{MinVersion: tls.VersionTLS12}\n}\n"
)
GO_AFTER = GO_BEFORE.replace("{MinVersion: tls.VersionTLS12}", "{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true}")


def test_go_insecure_skip_verify():
    assert brief("pkg/client/tls.go", GO_BEFORE, GO_AFTER) == [(disabled_verification.TLS, "Config", 6)]
    assert brief("pkg/client/tls.go", GO_AFTER, GO_BEFORE) == []
    assert brief("pkg/client/tls.go", GO_AFTER, GO_AFTER.replace("InsecureSkipVerify: true", "InsecureSkipVerify: false")) == []


def test_go_new_function_born_insecure_is_reported():
    assert brief("pkg/client/tls.go", None, GO_AFTER) == [(disabled_verification.TLS, "Config", 6)]


def test_go_hash_packages():
    before = "package auth\n\nfunc HashPassword(pw []byte) []byte {\n\th := sha256.New()\n\th.Write(pw)\n\treturn h.Sum(nil)\n}\n"
    after = before.replace("sha256.New()", "md5.New()")
    assert brief("auth/pw.go", before, after) == [(crypto_downgrade.HASH, "HashPassword", 4)]
    assert brief("auth/pw.go", after, before) == []
    # a new md5 password hash is dangerous on its own
    assert brief("auth/pw.go", None, after) == [(crypto_downgrade.HASH, "HashPassword", 4)]


def test_go_parse_unverified():
    before = ("package auth\n\nfunc Claims(raw string, key []byte) (jwt.MapClaims, error) {\n"
              "\tc := jwt.MapClaims{}\n\t_, err := jwt.ParseWithClaims(raw, c, keyFunc(key))\n\treturn c, err\n}\n")
    after = before.replace("jwt.ParseWithClaims(raw, c, keyFunc(key))", "jwt.NewParser().ParseUnverified(raw, c)")
    assert (disabled_verification.JWT_SIG, "Claims", 5) in brief("auth/claims.go", before, after)
    assert brief("auth/claims.go", after, before) == []


JAVA_DIGEST = (
    "class Tokens {\n"
    "  byte[] hashToken(byte[] token) throws Exception {\n"
    "    return MessageDigest.getInstance(\"SHA-256\").digest(token);\n"
    "  }\n"
    "}\n"
)


@pytest.mark.parametrize("weak", ["MD5", "SHA-1", "SHA1"])
def test_java_message_digest_downgrade(weak):
    after = JAVA_DIGEST.replace("SHA-256", weak)
    assert brief("src/Tokens.java", JAVA_DIGEST, after) == [(crypto_downgrade.HASH, "Tokens.hashToken", 3)]
    assert brief("src/Tokens.java", after, JAVA_DIGEST) == []


def test_java_sha256_to_sha512_is_quiet():
    assert brief("src/Tokens.java", JAVA_DIGEST, JAVA_DIGEST.replace("SHA-256", "SHA-512")) == []


def test_node_create_hmac_downgrade():
    before = "const crypto = require('crypto');\nfunction sign(body, key) {\n  return crypto.createHmac('sha256', key).update(body).digest('hex');\n}\n"
    after = before.replace("'sha256'", "'md5'")
    assert brief("lib/sign.js", before, after) == [(crypto_downgrade.HASH, "sign", 3)]


SPRING = (
    "class Sec {\n"
    "  SecurityFilterChain chain(HttpSecurity http) throws Exception {\n"
    "    http.authorizeHttpRequests(auth -> auth\n"
    "        .requestMatchers(\"/admin/**\").hasRole(\"ADMIN\")\n"
    "        .anyRequest().authenticated());\n"
    "    return http.build();\n"
    "  }\n"
    "}\n"
)


def test_spring_has_role_to_permit_all():
    after = SPRING.replace('.hasRole("ADMIN")', ".permitAll()")
    assert brief("src/Sec.java", SPRING, after) == [(weakened_default.FLAG, "Sec.chain", 4)]
    assert brief("src/Sec.java", after, SPRING) == []


def test_spring_authenticated_to_has_role_is_quiet():
    after = SPRING.replace(".anyRequest().authenticated()", '.anyRequest().hasRole("USER")')
    assert brief("src/Sec.java", SPRING, after) == []


@pytest.mark.parametrize("disable", [
    "http.csrf().disable();",
    "http.csrf(AbstractHttpConfigurer::disable);",
    "http.csrf(csrf -> csrf.disable());",
])
def test_spring_csrf_disabled_forms(disable):
    after = SPRING.replace("    return http.build();", f"    {disable}\n    return http.build();")
    assert brief("src/Sec.java", SPRING, after) == [(weakened_default.FLAG, "Sec.chain", 6)]
    assert brief("src/Sec.java", after, SPRING) == []


def test_spring_csrf_configured_not_disabled_is_quiet():
    after = SPRING.replace("    return http.build();",
                           "    http.csrf(csrf -> csrf.ignoringRequestMatchers(\"/webhooks/**\"));\n    return http.build();")
    assert brief("src/Sec.java", SPRING, after) == []
