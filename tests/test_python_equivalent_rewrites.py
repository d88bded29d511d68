"""Rewrites of a Python check that keep (or tighten) what it denies must not read as weaker;
the same shapes that really weaken it still must. Both Python backends (libcst and the
tree-sitter fallback) must give the same IR for every shape here.

Covers: walrus bindings in a test, identity aliases (`k = key`, `k = typing.cast(T, key)`),
LBYL -> EAFP (`if k in d ... else: raise` -> `try: d[k] except KeyError: raise`), an
equality test rewritten as a token test of a parsed header list, and a null test next to a
literal equality.
"""
from __future__ import annotations

import textwrap

import pytest

from semdiff import logic
from semdiff.ir import Atom, Not
from semdiff.lang.python_cst import PythonBackend
from semdiff.lang.python_nodes import identity_aliases
from semdiff.lang.ts_python import parse_python_fallback
from semdiff.pipeline import analyze_texts


def _findings(before: str, after: str, path: str = "app/checks.py"):
    report = analyze_texts([(path, textwrap.dedent(before), textwrap.dedent(after))])
    return [(f.rule_id, f.unit, f.before.line if f.before else None, int(f.severity)) for f in report.findings]


def _unit(text: str, name: str, fallback: bool = False):
    text = textwrap.dedent(text)
    parsed = parse_python_fallback(text, "m.py") if fallback else PythonBackend().parse("m.py", text)
    return next(u for u in parsed.units if u.name == name)


def _resolve(dotted: str) -> str:
    imports = {"cast": "typing.cast", "t": "typing", "te": "typing_extensions"}
    head, sep, rest = dotted.partition(".")
    return imports.get(head, head) + sep + rest


# ---------------------------------------------------------------- walrus


WALRUS_BEFORE = """
    import re
    PATTERN = re.compile("[a-z]+")

    def allowed(name, names):
        if PATTERN.fullmatch(name) is None:
            raise ValueError("bad name")
        return name in names
"""


def test_walrus_binding_in_test_is_the_same_check():
    after = WALRUS_BEFORE.replace("if PATTERN.fullmatch(name) is None:", "if (m := PATTERN.fullmatch(name)) is None:")
    assert _findings(WALRUS_BEFORE, after) == []


def test_walrus_binding_of_a_weaker_test_is_still_flagged():
    after = WALRUS_BEFORE.replace("if PATTERN.fullmatch(name) is None:", "if (m := PATTERN.fullmatch(name)) is None and name:")
    found = _findings(WALRUS_BEFORE, after)
    assert ("widened-condition", "allowed", 6) in [f[:3] for f in found]


@pytest.mark.parametrize("fallback", [False, True])
def test_walrus_atoms_and_texts_are_the_values(fallback):
    u = _unit("""
        def f(x):
            if not (m := g(x)):
                return None
            if (n := h(x)) is None:
                return None
            return m, n
    """, "f", fallback)
    keys = [g.condition for g in u.guards[:2]]
    assert keys[0] == Not(keys[0].arg) and keys[0].arg.key == "g($0)"
    assert u.comparisons[0].left_text == "h(x)" and u.comparisons[0].atom.key == "None is h($0)"


# ---------------------------------------------------------------- identity aliases


def test_identity_aliases_accepts_params_casts_and_chains():
    text = "def f(self, key):\n    ec = cast(T, key)\n    b = ec\n    c = t.cast(T, b)\n    check(c)\n"
    assert identity_aliases(text, _resolve) == [("ec", "key"), ("b", "ec"), ("c", "b")]
    local = "def f(raw):\n    k = load(raw)\n    j = k\n    check(j)\n"
    assert identity_aliases(local, _resolve) == [("j", "k")]


@pytest.mark.parametrize("body", [
    "k = key\n    key = other()\n",  # source re-bound
    "k = key\n    k += 1\n",  # alias re-bound
    "k = cast(T, key)\n    for k in items:\n        pass\n",  # alias re-bound by a loop
    "k = key\n    def g():\n        nonlocal k\n        k = 1\n",  # re-bound from a nested scope
    "k = key\n    del key\n",
    "k = mycast(T, key)\n",  # not typing.cast
    "k = cast(T, key.inner)\n",  # an attribute, not the name itself
    "for i in items:\n        s = load(i)\n        k = s\n",  # a local re-bound each iteration
    "k = s\n    s = load(key)\n",  # the source is bound after the alias
])
def test_identity_aliases_rejects_what_may_differ(body):
    assert identity_aliases(f"def f(key, items):\n    {body}    check(k)\n", _resolve) == []


def test_identity_aliases_on_unparseable_text_is_empty():
    assert identity_aliases("def f(key):\n    k = key\n    print k\n", _resolve) == []


CAST_BEFORE = """
    from typing import cast

    class Signer:
        def prepare(self, key, other):
            self._validate(key)
            return key

        def _validate(self, key):
            if self.expected is None:
                return
            if key.curve != self.expected:
                raise ValueError("curve")
"""


def test_cast_alias_of_the_same_key_is_the_same_check():
    after = CAST_BEFORE.replace("            self._validate(key)\n            return key",
                                "            ck = cast(CurveKey, key)\n            self._validate(ck)\n            return ck")
    assert _findings(CAST_BEFORE, after) == []


def test_cast_alias_rebound_before_the_check_is_still_flagged():
    after = CAST_BEFORE.replace("            self._validate(key)\n            return key",
                                "            ck = cast(CurveKey, key)\n            ck = other\n            self._validate(ck)\n            return key")
    assert [f[:3] for f in _findings(CAST_BEFORE, after)] == [("widened-condition", "Signer.prepare", 6)]


@pytest.mark.parametrize("fallback", [False, True])
def test_alias_takes_its_sources_placeholder_in_both_backends(fallback):
    u = _unit("""
        from typing import cast
        def f(key):
            k = cast(T, key)
            if not valid(k):
                raise ValueError()
    """, "f", fallback)
    assert u.guards[0].condition.arg.key == "valid($0)"
    assert u.locals == ()  # an alias of a parameter is the parameter


# ---------------------------------------------------------------- LBYL -> EAFP


EAFP_BEFORE = """
    TABLE = {"a": 1}

    def lookup(name):
        if name in TABLE:
            value = TABLE[name]
        else:
            raise LookupFailed(name)
        return value
"""


def test_membership_test_to_keyerror_handler_is_the_same_denial():
    after = """
    TABLE = {"a": 1}

    def lookup(name):
        try:
            value = TABLE[name]
        except KeyError:
            raise LookupFailed(name) from None
        return value
    """
    assert _findings(EAFP_BEFORE, after) == []


@pytest.mark.parametrize("handler", [
    "except KeyError:\n            value = 0",  # falls back instead of refusing
    "except IndexError:\n            raise LookupFailed(name)",  # a missing key is not caught here
])
def test_keyerror_rewrite_that_stops_refusing_is_flagged(handler):
    after = f"""
    TABLE = {{"a": 1}}

    def lookup(name):
        try:
            value = TABLE[name]
        {handler}
        return value
    """
    assert [f[:3] for f in _findings(EAFP_BEFORE, after)] == [("removed-guard", "lookup", 5)]


def test_keyerror_lookup_of_another_mapping_is_flagged():
    after = EAFP_BEFORE.replace("if name in TABLE:", "if name in TABLE or name in EXTRA:")
    after_eafp = """
    TABLE = {"a": 1}

    def lookup(name):
        try:
            value = OTHER[name]
        except KeyError:
            raise LookupFailed(name)
        return value
    """
    assert _findings(EAFP_BEFORE, after_eafp) != []
    assert _findings(EAFP_BEFORE, after) != []


@pytest.mark.parametrize("fallback", [False, True])
def test_keyerror_handler_guard_names_the_key_test(fallback):
    u = _unit("""
        def f(d, k):
            try:
                return d[k]
            except KeyError:
                raise ValueError(k)
    """, "f", fallback)
    (g,) = [g for g in u.guards if g.action.denies]
    assert "$1 in $0" in {a.key for a in _atoms(g.deny_when)}


def _atoms(f):
    from semdiff.ir import atoms_of
    return atoms_of(f)


# ---------------------------------------------------------------- tokens and nulls


def _eq(x: str, lit: str) -> Atom:
    return Atom(key=f"{lit}=={x}", text=f"{x} == {lit}", kind="cmp", op="==", left=lit, right=x)


def _tok(lit: str, call: str) -> Atom:
    return Atom(key=f"{lit} in {call}", text=f"{lit} in {call}", kind="cmp", op="in", left=lit, right=call)


def _isnone(x: str) -> Atom:
    return Atom(key=f"{x} is None", text=f"{x} is None", kind="cmp", op="is", left=x, right="None")


@pytest.mark.parametrize("call", ["parse_set_header($0)", "http.parse_list_header($0)", "HeaderSet.from_header($0)",
                                  '$0.split(",")', "$0.split()"])
def test_equal_to_a_plain_token_means_the_split_holds_it(call):
    eq, tok = _eq("$0", '"chunked"'), _tok('"chunked"', call)
    assert logic.implies(eq, tok) is True
    assert logic.implies(tok, eq) is False  # "gzip, chunked" holds it too


@pytest.mark.parametrize("lit,tok,call", [
    ('"chunked"', '"gzip"', "parse_set_header($0)"),  # another token
    ('"a,b"', '"a"', "parse_set_header($0)"),  # the value is a list itself: not decided
    ('"chunked"', '"chunked"', "decode($0)"),  # not a known splitter
    ('"basic"', '"basic"', "Authorization.from_header($0)"),  # parses into an object, not tokens
    ('"chunked"', '"chunked"', "parse_set_header($1)"),  # another operand
    ('"a b"', '"a"', "$0.split()"),
])
def test_token_rule_stays_out_of_other_shapes(lit, tok, call):
    assert logic.implies(_eq("$0", lit), _tok(tok, call)) is False


def test_token_case_differences_are_undecided_not_unequal():
    # a case-insensitive container (HeaderSet) may hold "Chunked" for "chunked"
    assert logic.implies(_eq("$0", '"chunked"'), Not(_tok('"Chunked"', "parse_set_header($0)"))) is False


def test_null_value_equals_no_literal():
    assert logic.implies(_isnone("$0"), Not(_eq("$0", '"x"'))) is True
    assert logic.implies(Not(_isnone("$0")), _eq("$0", '"x"')) is False


TE_BEFORE = """
    def body_length(environ):
        te = environ.get("HTTP_TRANSFER_ENCODING")
        if te == "chunked":
            return None
        return int(environ["CONTENT_LENGTH"])
"""


def test_equality_to_header_token_test_is_not_widened():
    after = TE_BEFORE.replace('if te == "chunked":', 'if te is not None and "chunked" in parse_set_header(te):')
    assert _findings(TE_BEFORE, after, "server/framing.py") == []


def test_header_token_test_of_another_token_is_flagged():
    # no atom is shared (another token), so it reads as the old check removed
    after = TE_BEFORE.replace('if te == "chunked":', 'if te is not None and "gzip" in parse_set_header(te):')
    assert [f[:3] for f in _findings(TE_BEFORE, after, "server/framing.py")] == [("removed-guard", "body_length", 4)]


def test_header_token_test_of_fewer_values_is_flagged():
    # "compress" is no longer refused (fixtures/python/core-pos-header-token-test-drops-value
    # has the same change next to a shared test, reported as widened-condition)
    before = TE_BEFORE.replace('if te == "chunked":', 'if te in ("chunked", "compress"):')
    after = TE_BEFORE.replace('if te == "chunked":', 'if te is not None and "chunked" in parse_set_header(te):')
    assert [f[:3] for f in _findings(before, after, "server/framing.py")] == [("removed-guard", "body_length", 4)]


EAFP_ONLY = """
    ALGORITHMS = {"HS256": 1}

    def signer_for(name, strict):
        try:
            value = ALGORITHMS[name]
        except KeyError:
            raise InvalidAlgorithmError(name) from None
        return value
"""


def test_keyerror_handler_to_a_weaker_membership_test_is_flagged():
    after = """
    ALGORITHMS = {"HS256": 1}

    def signer_for(name, strict):
        if name not in ALGORITHMS and strict:
            raise InvalidAlgorithmError(name)
        return ALGORITHMS.get(name)
    """
    found = _findings(EAFP_ONLY, after, "auth/signers.py")
    assert [f[:3] for f in found] == [("removed-guard", "signer_for", 8)] and found[0][3] >= 2


@pytest.mark.parametrize("fallback", [False, True])
def test_lookup_only_try_body_raises_only_for_a_missing_key(fallback):
    u = _unit("""
        def f(d, k):
            try:
                v = d[k]
            except KeyError:
                raise ValueError(k)
            try:
                w = g(d)[k]
            except KeyError:
                raise ValueError(k)
            return v, w
    """, "f", fallback)
    first, second = [g for g in u.guards if g.action.denies]
    assert {a.key for a in _atoms(first.deny_when)} == {"$1 in $0"}
    assert {a.key for a in _atoms(second.deny_when)} == {"raised(g)", "$1 in g($0)"}
