"""Parameters keyed by position must not turn a moved parameter into removed checks."""
from semdiff.ir import Atom
from semdiff.lang.normal import comparison
from semdiff.pipeline import analyze_texts
from semdiff.rules._effective import param_unifier, rekey


def test_same_names_same_places_need_no_mapping():
    assert param_unifier(("a", "b"), ("a", "b")) == {}


def test_consistent_rename_keeps_positional_keys():
    assert param_unifier(("user", "obj"), ("u", "o")) == {}


def test_dropped_leading_parameter_maps_back_by_name():
    assert param_unifier(("payload", "x", "alg"), ("x", "alg")) == {"$0": "$1", "$1": "$2"}


def test_inserted_parameter_gets_a_fresh_placeholder():
    m = param_unifier(("user", "project"), ("request", "user", "project", "force"))
    assert m == {"$0": "$new0", "$1": "$0", "$2": "$1", "$3": "$new3"}


def test_leftovers_pair_in_order_when_as_many():
    # `alg` renamed `algo` and moved after `x`: the one leftover on each side is the rename
    assert param_unifier(("alg", "x", "y"), ("x", "algo", "y")) == {"$0": "$1", "$1": "$0"}


def test_unpaired_leftovers_are_not_guessed():
    # a parameter dropped and another renamed: which one became `algo` is not known
    assert param_unifier(("payload", "alg", "algs"), ("algo", "algs")) == {"$0": "$new0", "$1": "$2"}


def test_symmetric_operands_are_sorted_again_after_renaming():
    atom = comparison("$2", "==", "$0", "token", "expected")
    assert isinstance(atom, Atom) and atom.key == "$0==$2"
    renamed = rekey(atom, {"$0": "$3"})
    assert renamed.key == "$2==$3" and (renamed.left, renamed.right) == ("$2", "$3")


def _findings(before: str, after: str):
    report = analyze_texts([("auth/tokens.py", before, after)])
    return [(f.rule_id, f.unit, f.after.line if f.after else None) for f in report.findings]


BEFORE = '''
def check(a, b, token, expected):
    if token != expected:
        raise ValueError("bad token")
    return True
'''


def test_dropping_unused_parameters_before_a_comparison_is_silent():
    after = BEFORE.replace("def check(a, b, token, expected)", "def check(token, expected)")
    assert _findings(BEFORE, after) == []


def test_dropping_parameters_and_the_check_is_still_reported():
    after = '''
def check(token, expected):
    return True
'''
    assert _findings(BEFORE, after) == [("removed-guard", "check", None)]
