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
