"""A checking call that only gained harmless keywords is the same check."""
import pytest

from semdiff.lang.normal import split_top
from semdiff.pipeline import analyze_texts
from semdiff.rules._call_keywords import only_keywords_added

BASE = "$0.key.verify($2,$1,hashfunc=$0.hash_alg)"


@pytest.mark.parametrize("after, same", [
    ("$0.key.verify($2,$1,hashfunc=$0.hash_alg,allow_truncate=False)", True),  # hardening flag
    ("$0.key.verify($2,$1,hashfunc=$0.hash_alg,encoding=\"utf-8\")", True),  # tuning
    ("$0.key.verify($2,$1,hashfunc=$0.hash_alg,allow_truncate=True)", False),  # loosening flag
    ("$0.key.verify($2,$1,hashfunc=$0.hash_alg,verify_exp=False)", False),  # verification off
    ("$0.key.verify($2,$1,hashfunc=$0.hash_alg,leeway=600)", False),  # direction unknown
    ("$0.key.verify($2,$1,hashfunc=$0.hash_alg,options=%abc123)", False),  # options carry flags
    ("$0.key.verify($2,$1,hashfunc=$0.hash_alg,key=$0.other)", False),  # a computed value: another input
    ("$0.key.verify($2,$1,hashfunc=$0.hash_alg,$3)", False),  # a new positional argument
    ("$0.key.verify($2,hashfunc=$0.hash_alg)", False),  # an argument removed
])
def test_only_harmless_keywords_added(after, same):
    assert only_keywords_added(BASE, after) is same


def test_call_without_arguments_gains_a_keyword():
    assert only_keywords_added("check($0)", "check($0,strict=True)")
    assert only_keywords_added("check()", "check(strict=True)")
    assert not only_keywords_added("check()", "check(strict=False)")


def test_split_top_ignores_nested_and_quoted_separators():
    assert split_top('a,f(b,c),"x,y",[1,2]', ",") == ["a", "f(b,c)", '"x,y"', "[1,2]"]
    assert split_top("a&&(b&&c)", "&&") == ["a", "(b&&c)"]


BEFORE = '''
import ecdsa


class ECDSAKey:
    def verify(self, msg, sig):
        try:
            return self.prepared_key.verify(sig, msg, hashfunc=self.hash_alg)
        except Exception:
            return False
'''


def _findings(after: str):
    report = analyze_texts([("jose/backends/ecdsa_backend.py", BEFORE, after)])
    return [(f.rule_id, f.unit, f.before.line if f.before else None) for f in report.findings]


def test_hardening_keyword_on_a_verify_call_is_silent():
    assert _findings(BEFORE.replace("hashfunc=self.hash_alg)", "hashfunc=self.hash_alg, allow_truncate=False)")) == []


def test_loosening_keyword_on_a_verify_call_is_reported():
    found = _findings(BEFORE.replace("hashfunc=self.hash_alg)", "hashfunc=self.hash_alg, allow_truncate=True)"))
    assert ("removed-guard", "ECDSAKey.verify", 8) in found


def test_argument_dropped_with_its_parameter_follows_the_signature():
    from semdiff.rules._call_keywords import follows_signature
    b_params, a_params = ("self", "payload", "token", "key"), ("self", "token", "key")
    assert follows_signature("$0._check($1,$2,$3)", "$0._check($2,$3)", b_params, a_params)
    assert follows_signature("$0._check($1,$2,key=$3)", "$0._check($2,key=$3)", b_params, a_params)
    # the wrong argument dropped: the check now sees other values
    assert not follows_signature("$0._check($1,$2,$3)", "$0._check($1,$3)", b_params, a_params)
    # the callee kept its parameters: a dropped argument now takes a default
    assert not follows_signature("$0._check($1,$2,$3)", "$0._check($2,$3)", b_params, b_params)


SIG_BEFORE = '''
class Verifier:
    def _valid(self, payload, token, key):
        return hmac.compare_digest(token, key)

    def verify(self, payload, token, key):
        if not self._valid(payload, token, key):
            raise PermissionError("bad token")
        return payload
'''


def _sig_findings(after: str):
    report = analyze_texts([("auth/verify.py", SIG_BEFORE, after)])
    return [(f.rule_id, f.unit) for f in report.findings]


def test_unused_argument_removed_from_both_sides_is_silent():
    after = SIG_BEFORE.replace("def _valid(self, payload, token, key)", "def _valid(self, token, key)") \
        .replace("self._valid(payload, token, key)", "self._valid(token, key)")
    assert _sig_findings(after) == []


def test_argument_removed_while_the_callee_still_takes_it_is_reported():
    after = SIG_BEFORE.replace("self._valid(payload, token, key)", "self._valid(payload, token)")
    assert _sig_findings(after) == [("removed-guard", "Verifier.verify")]


INLINED_BEFORE = '''
class Signer:
    def _verify_signature(self, payload, signing_input, header, key, algorithms):
        alg = header.get("alg")
        if algorithms is not None and alg not in algorithms:
            raise ValueError("alg not allowed")
        alg_obj = self._algorithms[alg]
        if not alg_obj.verify(signing_input, key):
            raise ValueError("bad signature")

    def decode(self, jwt, key, algorithms):
        payload, signing_input, header = self._load(jwt)
        self._verify_signature(payload, signing_input, header, key, algorithms)
        return payload
'''


def test_helper_parameter_cleanup_keeps_the_inlined_checks():
    after = INLINED_BEFORE.replace("def _verify_signature(self, payload, signing_input,", "def _verify_signature(self, signing_input,") \
        .replace("self._verify_signature(payload, signing_input,", "self._verify_signature(signing_input,")
    report = analyze_texts([("jwtlib/api.py", INLINED_BEFORE, after)])
    assert [(f.rule_id, f.unit) for f in report.findings] == []
