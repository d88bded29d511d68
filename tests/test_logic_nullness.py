"""A value tested null is not truthy: the solver must not invent that case."""
from semdiff import logic
from semdiff.ir import Atom, Not, conj


def _null(x: str, null: str = "None") -> Atom:
    return Atom(key=f"{x} is {null}", text=f"{x} is {null}", kind="cmp", op="is", left=x, right=null)


def _name(x: str) -> Atom:
    return Atom(key=x, text=x, kind="name")


def test_null_and_truthy_together_is_inconsistent():
    atoms = {"$0 is None": _null("$0"), "$0": _name("$0")}
    assert not logic.consistent({"$0 is None": True, "$0": True}, atoms)
    assert logic.consistent({"$0 is None": True, "$0": False}, atoms)
    assert logic.consistent({"$0 is None": False, "$0": False}, atoms)  # an empty list


def test_truthiness_implies_not_none():
    # `x` implies `x is not None`, not the other way round
    assert logic.implies(_name("x"), Not(_null("x"))) is True
    assert logic.implies(Not(_null("x")), _name("x")) is False


def test_js_and_go_nulls():
    for null in ("null", "undefined", "nil"):
        atom = Atom(key=f"x=={null}", text=f"x == {null}", kind="cmp", op="==", left="x", right=null)
        assert logic.implies(conj(_name("x")), Not(atom)) is True
