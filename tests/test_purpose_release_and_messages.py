"""Release bookkeeping and message typos on held-out histories (H9's false-alarm hunt).

- "bump up version" edits `__version__` in a token library's `__init__.py`: release metadata,
  within a deps claim, not a behaviour change of security-relevant code.
- "Fixes typo in ecdsa error message" edits only the message of a Go error: wording, as it
  already was for Python.
Each hard negative sits next to a near twin that must still be reported.
"""
from __future__ import annotations

from pathlib import Path

from gitrepo import GitRepo

from semdiff.api import analyze
from semdiff.model import Severity
from semdiff.pipeline import AnalyzeOptions
from semdiff.purpose import cmessages, release

INIT = '''"""Signed token helpers."""
from .api import decode, encode
from .errors import InvalidSignatureError

__version__ = "3.4.1"

__title__ = "tokenkit"
__copyright__ = "Copyright 2016-2023 The tokenkit authors"

__all__ = ["decode", "encode", "InvalidSignatureError"]
'''
API = '''import hmac


def encode(payload, key):
    return payload + "." + hmac.new(key, payload.encode(), "sha256").hexdigest()


def decode(token, key):
    payload, _, sig = token.rpartition(".")
    if not hmac.compare_digest(sig, hmac.new(key, payload.encode(), "sha256").hexdigest()):
        raise ValueError("bad signature")
    return payload
'''
VERIFY_GO = '''package jwtkit

import "crypto/ecdsa"

// Verify checks an ECDSA signature.
func (m *SigningMethodEC) Verify(signingString string, sig []byte, key interface{}) error {
	pub, ok := key.(*ecdsa.PublicKey)
	if !ok {
		return newError("EC verify expects *ecsda.PublicKey", ErrInvalidKeyType)
	}
	if m.Name != "ES256" {
		return ErrUnsupported
	}
	if !ecdsa.VerifyASN1(pub, digest(signingString), sig) {
		return ErrSignatureInvalid
	}
	return nil
}
'''


def change(tmp_path: Path, before: dict[str, str], after: dict[str, str], message: str):
    repo = GitRepo(tmp_path / "repo")
    repo.write(before)
    base = repo.commit("init")
    repo.write(after)
    head = repo.commit(message)
    return analyze(f"{base}..{head}", repo=str(repo.root), options=AnalyzeOptions())


def mismatches(report):
    return [f for f in report.findings if f.rule_id == "purpose-mismatch"]


# ---------------------------------------------------------------- release metadata

def test_version_bump_in_a_token_package_matches_a_deps_claim(tmp_path):
    after = INIT.replace('"3.4.1"', '"3.5.0"').replace("2016-2023", "2016-2026")
    r = change(tmp_path, {"jwtkit/__init__.py": INIT, "jwtkit/api.py": API}, {"jwtkit/__init__.py": after}, "bump up version")
    assert mismatches(r) == []
    assert r.purpose.claim == "deps" and not r.purpose.exceeds


def test_version_bump_that_also_exports_an_unverified_decoder_still_exceeds(tmp_path):
    after = (INIT.replace('"3.4.1"', '"3.5.0"')
             .replace("from .api import decode, encode", "from .api import decode, encode\nfrom .api import decode as decode_unverified")
             .replace('"InvalidSignatureError"]', '"InvalidSignatureError", "decode_unverified"]'))
    api_after = API.replace('''    if not hmac.compare_digest(sig, hmac.new(key, payload.encode(), "sha256").hexdigest()):
        raise ValueError("bad signature")
''', "")
    r = change(tmp_path, {"jwtkit/__init__.py": INIT, "jwtkit/api.py": API},
               {"jwtkit/__init__.py": after, "jwtkit/api.py": api_after}, "bump up version")
    [m] = mismatches(r)
    assert (m.path, m.unit, m.severity) == ("jwtkit/api.py", "decode", Severity.CRITICAL)
    [g] = [f for f in r.findings if f.rule_id == "removed-guard"]
    assert (g.unit, g.before.line) == ("decode", 10)


def test_release_metadata_only_accepts_version_literals_of_fixed_names():
    from semdiff.ir import Span, Unit

    def unit(text: str) -> Unit:
        return Unit(path="m.py", language="python", kind="module", qualname="<module>", name="<module>",
                    span=Span(1, text.count("\n") + 1), text=text)

    assert release.metadata_only(unit('__version__ = "1.2.0"\n'), unit('__version__ = "1.3.0"\n')) == \
        'release metadata bumped: __version__ "1.2.0" -> "1.3.0"'
    assert release.metadata_only(unit('VERSION = (1, 2, 0)\n'), unit('VERSION = (1, 3, 0)\n'))
    # a TLS floor is configuration, not metadata; a version name bound to a non-version is code
    assert release.metadata_only(unit('MIN_TLS_VERSION = "1.2"\n'), unit('MIN_TLS_VERSION = "1.0"\n')) is None
    assert release.metadata_only(unit('version = "TLSv1.2"\n'), unit('version = "TLSv1"\n')) is None
    assert release.metadata_only(unit('__version__ = "1.2.0"\nx = 1\n'), unit('__version__ = "1.3.0"\nx = 2\n')) is None


# ---------------------------------------------------------------- message wording (Go, JS, Java)

def test_go_typo_in_an_error_message_matches_a_typo_claim(tmp_path):
    after = VERIFY_GO.replace("*ecsda.PublicKey", "*ecdsa.PublicKey")
    r = change(tmp_path, {"jwtkit/ecdsa.go": VERIFY_GO}, {"jwtkit/ecdsa.go": after}, "Fixes typo in ecdsa error message")
    assert r.purpose.claim == "typo"
    assert mismatches(r) == [] and not r.purpose.exceeds
    assert dict(r.purpose.effects) == {"message-wording": 1}


def test_go_typo_claim_that_changes_the_algorithm_string_still_exceeds(tmp_path):
    after = VERIFY_GO.replace("*ecsda.PublicKey", "*ecdsa.PublicKey").replace('"ES256"', '"none"')
    r = change(tmp_path, {"jwtkit/ecdsa.go": VERIFY_GO}, {"jwtkit/ecdsa.go": after}, "Fixes typo in ecdsa error message")
    [m] = mismatches(r)
    assert (m.path, m.unit) == ("jwtkit/ecdsa.go", "SigningMethodEC.Verify") and m.severity >= Severity.HIGH
    assert m.after.line == 9  # the unit's first changed line
    assert "weakening" in m.message


def test_message_positions_by_language():
    js_b = "function f(x) {\n  if (!x) throw new TypeError('bad x')\n  return fetch('/api/a')\n}\n"
    assert cmessages.only_messages_differ("javascript", js_b, js_b.replace("'bad x'", "'x is required'"))
    assert cmessages.only_messages_differ("javascript", js_b, js_b.replace("'/api/a'", "'/api/b'")) is None
    java_b = 'void set(String s) { if (s == null) throw new IllegalArgumentException("s null"); log.warn("set {}", s); this.s = s; }'
    assert cmessages.only_messages_differ("java", java_b, java_b.replace('"s null"', '"s must not be null"'))
    # a format string that builds a key, or an errors.Is target, is not a message
    go_b = 'func key(a, b string) string { return fmt.Sprintf("%s.%s", a, b) }'
    assert cmessages.only_messages_differ("go", go_b, go_b.replace("%s.%s", "%s:%s")) is None
    go_c = 'func f(err error) bool { return strings.Contains(err.Error(), "expired") }'
    assert cmessages.only_messages_differ("go", go_c, go_c.replace("expired", "revoked")) is None
    # the code around the message changed too: not wording
    go_d = 'func f(ok bool) error { if !ok { return errors.New("bad") }; return nil }'
    assert cmessages.only_messages_differ("go", go_d, go_d.replace('!ok { return errors.New("bad")', 'ok { return errors.New("worse")')) is None


def test_release_metadata_only_prechecks_give_the_matchers_answer():
    """The positional pre-checks (one length, every differing line a bump) only refuse what the
    matcher refuses: every combination of bumps, edits, insertions, deletions, moves and
    repeated lines gets the same answer both ways."""
    import itertools

    from semdiff.ir import Span, Unit

    def unit(text: str) -> Unit:
        return Unit(path="m.py", language="python", kind="module", qualname="<module>", name="<module>",
                    span=Span(1, text.count("\n") + 1), text=text)

    base = ['__version__ = "1.2.0"', "x = 1", "x = 1", '__version_info__ = (1, 2, 0)', "def f():", "    return 1"]
    edits = [
        lambda ls: ls,
        lambda ls: [l.replace('"1.2.0"', '"1.3.0"') for l in ls],
        lambda ls: [l.replace("(1, 2, 0)", "(1, 3, 0)") for l in ls],
        lambda ls: ls[:2] + ls[3:],                      # a repeated line deleted
        lambda ls: ls + ["y = 2"],                       # a line added
        lambda ls: [ls[-1]] + ls[:-1],                   # a line moved
        lambda ls: [l.replace("return 1", "return 2") for l in ls],
        lambda ls: [ls[0]] * 2 + ls[1:-1],               # same length, a line duplicated over another
    ]
    seen_bump = False
    for e1, e2 in itertools.product(edits, repeat=2):
        after = e2(e1(list(base)))
        b, a = "\n".join(base) + "\n", "\n".join(after) + "\n"
        expected = release.matched_bumps(b.splitlines(), a.splitlines())
        assert release.metadata_only(unit(b), unit(a)) == expected, after
        seen_bump = seen_bump or expected is not None
    assert seen_bump  # the product covers accepted bumps too, not only refusals
