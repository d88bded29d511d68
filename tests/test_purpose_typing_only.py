"""Annotation-only edits of Python units are behaviour-preserving (held-out pyjwt 407f0bde,
"Thoroughly test type annotations, and resolve errors": `-> None`, `key_obj: Any`,
`cast(...)`, `signature: bytes = key.sign(...); return signature` were a HIGH "tests"
mismatch in crypto units). Each proof has a twin that changes what runs and still differs.
"""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from gitrepo import GitRepo

from semdiff.api import analyze
from semdiff.model import Severity
from semdiff.pipeline import AnalyzeOptions
from semdiff.purpose import pysyntax


def same(before: str, after: str) -> bool:
    b = pysyntax.parse_unit(textwrap.dedent(before), "function")
    a = pysyntax.parse_unit(textwrap.dedent(after), "function")
    assert b is not None and a is not None
    return pysyntax.same_shape(pysyntax.shape(b, rename=True, booleans=True, typing=True),
                               pysyntax.shape(a, rename=True, booleans=True, typing=True))[0]


SIGN = """
def sign(self, msg, key):
    return key.sign(msg, padding.PKCS1v15(), self.hash_alg())
"""


@pytest.mark.parametrize("case,after", [
    ("annotations and return type", """
        def sign(self, msg: bytes, key: RSAPrivateKey) -> bytes:
            return key.sign(msg, padding.PKCS1v15(), self.hash_alg())
     """),
    ("typed temporary returned at once", """
        def sign(self, msg, key):
            signature: bytes = key.sign(msg, padding.PKCS1v15(), self.hash_alg())
            return signature
     """),
    ("typing.cast", """
        def sign(self, msg, key):
            return cast(bytes, key.sign(msg, padding.PKCS1v15(), self.hash_alg()))
     """),
    ("inert decorators keep the proof", """
        @staticmethod
        @abstractmethod
        def sign(self, msg: Any, key: Any) -> Union[bytes, str]:
            return typing.cast(bytes, key.sign(msg, padding.PKCS1v15(), self.hash_alg()))
     """),
])
def test_typing_only_edit_is_the_same_behaviour(case, after):
    before = SIGN if "decorators" not in case else "@staticmethod\n@abstractmethod\n" + SIGN.lstrip("\n")
    assert same(before, after), case


@pytest.mark.parametrize("case,after", [
    ("another padding", """
        def sign(self, msg: bytes, key: RSAPrivateKey) -> bytes:
            return key.sign(msg, padding.PSS(), self.hash_alg())
     """),
    ("temporary used twice", """
        def sign(self, msg, key):
            signature: bytes = key.sign(msg, padding.PKCS1v15(), self.hash_alg())
            audit(signature)
            return signature
     """),
    ("cast of another value", """
        def sign(self, msg, key):
            return cast(bytes, msg)
     """),
])
def test_edit_that_changes_what_runs_is_not_typing_only(case, after):
    assert not same(SIGN, after), case


def test_a_function_that_reads_its_locals_by_name_keeps_its_temporaries():
    before = """
        def sign(self, msg, key):
            debug(vars())
            signature = key.sign(msg)
            return signature
    """
    assert not same(before, before.replace("signature = key.sign(msg)\n            return signature", "return key.sign(msg)"))
    plain = before.replace("debug(vars())", "debug(msg)")
    assert same(plain, plain.replace("signature = key.sign(msg)\n            return signature", "return key.sign(msg)"))


def test_annotations_a_decorator_reads_are_kept():
    # a web route validates its parameters by their annotations: int -> str changes what it accepts
    before = """
        @app.get("/items")
        def items(limit: int = 10):
            return load(limit)
    """
    assert not same(before, before.replace("limit: int", "limit: str"))
    assert same(before.replace('@app.get("/items")', "@property"), before.replace('@app.get("/items")', "@property").replace("limit: int", "limit: str"))


def test_class_body_annotations_are_kept():
    # a dataclass/pydantic field's annotation is its validation: not set aside
    from semdiff.purpose.pytyping import without_typing

    tree = ast.parse("class User:\n    age: int = 0\n")
    assert "AnnAssign" in ast.dump(without_typing(tree))
    fn = ast.parse("def f():\n    age: int = 0\n    return age\n")
    assert "AnnAssign" not in ast.dump(without_typing(fn))


# ---------------------------------------------------------------- the whole pipeline under a "tests" claim

ALGO = '''class RSAAlgorithm:
    def prepare_key(self, key):
        if not isinstance(key, (RSAPrivateKey, RSAPublicKey)):
            raise InvalidKeyError("Expecting an RSA key")
        return key

    def sign(self, msg, key):
        return key.sign(msg, padding.PKCS1v15(), self.hash_alg())
'''
TYPED = ALGO.replace("def prepare_key(self, key):", "def prepare_key(self, key: Any) -> AllowedRSAKeys:").replace(
    "    def sign(self, msg, key):\n        return key.sign(msg, padding.PKCS1v15(), self.hash_alg())",
    "    def sign(self, msg: bytes, key: RSAPrivateKey) -> bytes:\n"
    "        signature: bytes = key.sign(msg, padding.PKCS1v15(), self.hash_alg())\n        return signature")


def change(tmp_path: Path, before: str, after: str, message: str):
    repo = GitRepo(tmp_path / "repo")
    repo.write({"jwt/algorithms.py": before})
    base = repo.commit("init")
    repo.write({"jwt/algorithms.py": after})
    head = repo.commit(message)
    return analyze(f"{base}..{head}", repo=str(repo.root), options=AnalyzeOptions())


def test_type_annotations_under_a_tests_claim_match_the_purpose(tmp_path):
    r = change(tmp_path, ALGO, TYPED, "Thoroughly test type annotations, and resolve errors")
    assert [f.rule_id for f in r.findings] == []
    assert dict(r.purpose.effects) == {"behaviour-preserving": 2}


def test_typing_edit_that_also_changes_the_padding_is_reported(tmp_path):
    after = TYPED.replace("padding.PKCS1v15()", "padding.PSS()")
    r = change(tmp_path, ALGO, after, "Thoroughly test type annotations, and resolve errors")
    [m] = [f for f in r.findings if f.rule_id == "purpose-mismatch"]
    assert (m.unit, m.severity) == ("RSAAlgorithm.sign", Severity.HIGH)
