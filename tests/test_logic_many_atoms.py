"""Past the truth table's dozen atoms, `logic.witness` still decides the one case that a
formatting-only rewrite of a long run of checks produces: every case the old guard denied is,
atom for atom, one the new guards deny (each later check of such a run carries the earlier
ones in its path condition, so two dozen atoms are common). Anything else stays Unknown."""
from __future__ import annotations

from semdiff import logic
from semdiff.ir import And, Atom, Not, Or, conj, disj


def atom(i: int, text: str = "") -> Atom:
    return Atom(key=f'"k{i}" in $0', text=text or f"'k{i}' in kw", kind="cmp", op="in", left=f'"k{i}"', right="$0")


def run_of_checks(n: int, text: str = "") -> list:
    """Guard i denies when check i holds and no earlier check did (its path condition)."""
    guards = []
    for i in range(n):
        earlier = [Not(And((atom(2 * j, text), atom(2 * j + 1, text)))) for j in range(i)]
        guards.append(conj(*earlier, And((atom(2 * i, text), atom(2 * i + 1, text)))))
    return guards


def test_same_checks_with_other_source_texts_have_no_witness():
    before = run_of_checks(8)  # 16 atoms
    after = run_of_checks(8, text='"requoted" in kw')
    for g in before:
        assert logic.witness(g, disj(*after)) is None


def test_a_case_covered_by_a_smaller_conjunction_has_no_witness():
    before = run_of_checks(8)
    covering = [And((atom(2 * i), atom(2 * i + 1))) for i in range(8)]  # the same checks, path conditions dropped
    for g in before:
        assert logic.witness(g, disj(*covering)) is None


def test_a_check_that_is_gone_stays_unknown_not_covered():
    before = run_of_checks(8)
    after = run_of_checks(8)[:-1]
    w = logic.witness(before[-1], disj(*after))
    assert isinstance(w, logic.Unknown) and w.atoms == 16


def test_a_widened_check_is_not_taken_as_covered():
    before = run_of_checks(8)
    widened = run_of_checks(7) + [conj(*[Not(And((atom(2 * j), atom(2 * j + 1)))) for j in range(7)], And((atom(14), atom(15), atom(16))))]
    assert isinstance(logic.witness(before[-1], disj(*widened)), logic.Unknown)


def test_an_or_of_cases_is_covered_only_when_each_case_is():
    cases = [And((atom(i), atom(i + 20))) for i in range(7)]  # 14 atoms
    assert logic.witness(Or(tuple(cases)), disj(*cases)) is None
    assert isinstance(logic.witness(Or(tuple(cases)), disj(*cases[:-1])), logic.Unknown)


def test_within_the_table_answers_are_unchanged():
    a, b = atom(1), atom(2)
    assert logic.witness(Or((a, b)), a) == {'"k1" in $0': False, '"k2" in $0': True}
    assert logic.witness(And((a, b)), a) is None
