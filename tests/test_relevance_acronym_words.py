"""Acronym-led identifiers split into their words (relevance.names.words).

`HMACKey` was one unknown word `hmackey`, so a class or function whose only security word is
a leading acronym (HMACKey, JWTSecret, RSAPublicKey, parseHTTPHeader) scored as unrelated to
security and a removed check in it stayed low. The run is now cut where its last capital
starts a capitalised word; two capitals at least before the cut (OAuth, ETag stay whole),
a plural s is no word (JWTs, ACLsFor), and the whole run is kept as well (APIKey -> apikey).
"""
from __future__ import annotations

import textwrap

import pytest

from semdiff.model import Severity
from semdiff.pipeline import analyze_texts
from semdiff.relevance.names import categorise, words


@pytest.mark.parametrize("name, expected", [
    ("HMACKey", ["hmac", "key", "hmackey"]),
    ("JWTSecret", ["jwt", "secret", "jwtsecret"]),
    ("RSAPublicKey", ["rsa", "public", "key", "rsapublic"]),
    ("parseHTTPHeader", ["parse", "http", "header", "httpheader"]),
    ("TLSConfig", ["tls", "config", "tlsconfig"]),
    ("CSRFToken", ["csrf", "token", "csrftoken"]),
])
def test_acronym_run_is_cut_off_the_word_it_leads(name, expected):
    assert words(name) == expected


@pytest.mark.parametrize("name, expected", [
    ("OAuth", ["oauth"]),               # one capital before the word: not an acronym run
    ("getOAuthToken", ["get", "oauth", "token"]),
    ("ETag", ["etag"]),
    ("JWTs", ["jwts"]),                 # a plural's s is not a word
    ("ACLsFor", ["acls", "for"]),
    ("HTTP2Server", ["http2", "server"]),
    ("snake_case_name", ["snake", "case", "name"]),
    ("camelCase", ["camel", "case"]),
])
def test_names_that_are_not_acronym_led_split_as_before(name, expected):
    assert words(name) == expected


def test_acronym_led_names_find_their_security_word():
    assert categorise("HMACKey") == ("signature", "hmac")
    assert categorise("JWTSecret") == ("token", "jwt")
    assert categorise("CryptographyHMACKey") == ("signature", "hmac")
    assert categorise("TLSConfig") == ("tls", "tls")


def test_whole_run_still_matches_a_compound_vocabulary_word():
    assert categorise("APIKey") == ("token", "apikey")  # token, as before the cut; not crypto 'key'


@pytest.mark.parametrize("name", ["IOError", "XMLHttpRequest", "parseXMLDocument", "HTTPServer", "userID", "ETag"])
def test_acronym_led_names_without_a_security_word_stay_unrelated(name):
    assert categorise(name) is None


def _findings(path: str, before: str, after: str):
    r = analyze_texts([(path, textwrap.dedent(before).lstrip(), textwrap.dedent(after).lstrip())])
    return [(f.rule_id, f.unit, f.severity) for f in r.findings]


def test_js_check_removed_from_acronym_led_function_is_high():
    before = """
        function loadJWTSecret(raw) {
          if (raw.length < 32) {
            throw new Error("secret too short");
          }
          return raw;
        }
        module.exports = { loadJWTSecret };
    """
    after = """
        function loadJWTSecret(raw) {
          return raw;
        }
        module.exports = { loadJWTSecret };
    """
    assert _findings("lib/secrets.js", before, after) == [("removed-guard", "loadJWTSecret", Severity.HIGH)]


def test_check_removed_from_acronym_led_function_without_security_word_stays_low():
    before = """
        function parseXMLDocument(raw) {
          if (raw.length < 32) {
            throw new Error("document too short");
          }
          return raw;
        }
        module.exports = { parseXMLDocument };
    """
    after = """
        function parseXMLDocument(raw) {
          return raw;
        }
        module.exports = { parseXMLDocument };
    """
    assert _findings("lib/xml.js", before, after) == [("removed-guard", "parseXMLDocument", Severity.LOW)]
