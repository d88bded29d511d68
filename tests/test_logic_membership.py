"""Equality and membership tests of one operand against literals constrain each other.

`key == "same_site"` implies `key in ("same_site", "samesite")`: a check moved under the wider
membership test is not weaker. Only plain literals count; a string on the right of `in` alone
is a substring test, and escaped strings could be one value under two spellings.
"""
from __future__ import annotations

from semdiff import logic
from semdiff.ir import Atom
from semdiff.lang.python_cst import PythonBackend


def _guards(src: str):
    unit = PythonBackend().parse("x.py", src).units[0]
    return unit.guards


def _atom(op: str, left: str, right: str) -> Atom:
    return Atom(key=f"{left} {op} {right}", text="", kind="cmp", op=op, left=left, right=right)


def test_equality_implies_membership_in_a_set_naming_it() -> None:
    eq = _atom("==", '"same_site"', "$0")
    member = _atom("in", "$0", '"same_site","samesite"')
    assert logic.implies(eq, member) is True
    assert logic.implies(member, eq) is False  # "samesite" is in the set but not equal


def test_singleton_tuple_counts_but_a_bare_string_is_a_substring_test() -> None:
    eq = _atom("==", "$0", '"ab"')
    assert logic.implies(eq, _atom("in", "$0", '"ab",')) is True
    assert logic.implies(eq, _atom("in", "$0", '"ab"')) is False  # `x in "ab"`: substring, not decided here
    assert logic.implies(eq, _atom("in", "$0", '"a\\x62","c"')) is False  # escaped: not compared by text


def test_different_operands_do_not_constrain_each_other() -> None:
    assert logic.implies(_atom("==", "$0", '"a"'), _atom("in", "$1", '"a","b"')) is False


def test_check_moved_under_a_wider_membership_test_is_not_weaker() -> None:
    before = _guards(
        "def f(key, value):\n"
        "    if key == 'same_site' and value.lower() not in ('lax', 'strict'):\n"
        "        raise ValueError(key)\n"
    )
    after = _guards(
        "def f(key, value):\n"
        "    if key in ('same_site', 'samesite'):\n"
        "        if value.lower() not in ('lax', 'strict'):\n"
        "            raise ValueError(key)\n"
    )
    (g,) = before
    (h,) = [x for x in after if x.action.name == "RAISE"]
    assert logic.witness(g.deny_when, h.deny_when) is None
    # and the converse: the new check also denies "samesite", which the old one allowed
    assert logic.witness(h.deny_when, g.deny_when) is not None
