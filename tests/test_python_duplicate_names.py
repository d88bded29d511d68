"""Python units that share a name (property getter/setter, `@overload` stubs and their
implementation) are told apart as `name`, `name#2`, ... so alignment compares each with its
own counterpart (held-out pyjwt: removing `# pragma: no cover` from overload stubs was a HIGH
purpose mismatch, because every stub was compared with the implementation)."""
from __future__ import annotations

import textwrap

from semdiff.model import Severity
from semdiff.pipeline import AnalyzeOptions, analyze_texts

ACCOUNT = textwrap.dedent('''
    class Account:
        def __init__(self, owner):
            self.owner = owner
            self._email = ""

        @property
        def email(self):
            if not self.owner.is_authenticated:
                raise PermissionError("sign in to read the address")
            return self._email

        @email.setter
        def email(self, value):
            self._email = value
''').lstrip()

KEYS = textwrap.dedent('''
    from typing import Literal, overload


    class KeyAlgorithm:
        @overload
        @staticmethod
        def to_jwk(key, as_dict: Literal[True]) -> dict: ...  # pragma: no cover

        @overload
        @staticmethod
        def to_jwk(
            key, as_dict: Literal[False] = False
        ) -> str: ...  # pragma: no cover

        @staticmethod
        def to_jwk(key, as_dict: bool = False):
            if not key:
                raise ValueError("no key")
            return {"k": key} if as_dict else str(key)
''').lstrip()

KEYS_UNPRAGMA = KEYS.replace("  # pragma: no cover", "").replace(
    "def to_jwk(\n        key, as_dict: Literal[False] = False\n    ) -> str: ...",
    "def to_jwk(key, as_dict: Literal[False] = False) -> str: ...")


def run(path, before, after, purpose=None):
    return analyze_texts([(path, before, after)], AnalyzeOptions(purpose_text=purpose))


def test_setter_edit_does_not_compare_the_getter_with_the_setter():
    r = run("accounts/models.py", ACCOUNT, ACCOUNT.replace("self._email = value\n", "self._email = value.strip()\n"))
    assert [f for f in r.findings if f.severity >= Severity.LOW] == []


def test_getter_check_removed_is_reported_on_the_getter():
    after = ACCOUNT.replace('        if not self.owner.is_authenticated:\n            raise PermissionError("sign in to read the address")\n', "")
    [f] = [f for f in run("accounts/models.py", ACCOUNT, after).findings if f.rule_id == "removed-guard"]
    assert (f.unit, f.before.line, f.severity) == ("Account.email", 8, Severity.HIGH)


def test_setter_check_removed_is_reported_on_the_setter():
    before = ACCOUNT.replace("        self._email = value\n",
                             "        if not self.owner.is_admin:\n            raise PermissionError(\"admins only\")\n        self._email = value\n")
    [f] = [f for f in run("accounts/models.py", before, ACCOUNT).findings if f.rule_id == "removed-guard"]
    assert (f.unit, f.before.line) == ("Account.email#2", 14)


def test_overload_stubs_losing_a_pragma_comment_match_a_tests_claim():
    r = run("pkg/algorithms.py", KEYS, KEYS_UNPRAGMA, "Improve coverage config and remove unused test code")
    assert r.purpose.claim == "tests" and not r.purpose.exceeds
    assert [f for f in r.findings if f.rule_id == "purpose-mismatch"] == []


def test_overload_implementation_check_weakened_still_exceeds_the_claim():
    after = KEYS_UNPRAGMA.replace("if not key:", "if key is None:")
    r = run("pkg/algorithms.py", KEYS, after, "Improve coverage config and remove unused test code")
    [g] = [f for f in r.findings if f.rule_id == "removed-guard"]
    assert (g.unit, g.before.line) == ("KeyAlgorithm.to_jwk", 17)  # the implementation keeps the plain name
    [m] = [f for f in r.findings if f.rule_id == "purpose-mismatch"]
    assert m.unit == "KeyAlgorithm.to_jwk" and m.severity >= Severity.HIGH


def test_overload_stubs_are_numbered_after_the_implementation():
    from semdiff.lang.python_cst import PythonBackend

    names = [u.qualname for u in PythonBackend().parse("pkg/algorithms.py", KEYS).units if u.name == "to_jwk"]
    assert names == ["KeyAlgorithm.to_jwk#2", "KeyAlgorithm.to_jwk#3", "KeyAlgorithm.to_jwk"]


CHAIN = textwrap.dedent('''
    class Connection:
        def verified_chain(self):
            stack = self._lib.get_verified_chain(self._ssl)
            if stack == self._ffi.NULL:
                return None
            return self._to_list(stack)
''').lstrip()

CHAIN_OVERLOADED = textwrap.dedent('''
    import typing


    class Connection:
        @typing.overload
        def verified_chain(self, *, as_objects: typing.Literal[True]) -> list:
            pass

        @typing.overload
        def verified_chain(self, *, as_objects: typing.Literal[False] = False) -> list:
            pass

        def verified_chain(self, *, as_objects=False):
            stack = self._lib.get_verified_chain(self._ssl)
            if stack == self._ffi.NULL:
                return None
            if as_objects:
                return self._to_objects(stack)
            return self._to_list(stack)
''').lstrip()


def test_a_function_gaining_overload_stubs_is_compared_with_its_implementation():
    # the implementation keeps the plain name, so it (not the first stub) meets the old function
    r = run("net/ssl.py", CHAIN, CHAIN_OVERLOADED)
    assert [f for f in r.findings if f.severity >= Severity.LOW] == []


def test_a_function_gaining_overload_stubs_and_losing_its_check_is_reported():
    after = CHAIN_OVERLOADED.replace("        if stack == self._ffi.NULL:\n            return None\n", "")
    assert after != CHAIN_OVERLOADED
    [f] = [f for f in run("net/ssl.py", CHAIN, after).findings if f.rule_id == "removed-guard"]
    assert (f.unit, f.before.line) == ("Connection.verified_chain", 4)
