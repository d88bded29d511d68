"""A check moved into a method called on a local bound from the same parameter is the same
check (the local is traced back to the one caller parameter it was bound from); a local bound
from another value is not (fixtures/python/guards-pos-check-moved-into-method-other-value)."""
from pathlib import Path

from semdiff.model import Severity
from semdiff.pipeline import analyze_texts

HERE = Path(__file__).resolve().parent
BEFORE = (HERE / "../fixtures/python/guards-pos-check-moved-into-method-other-value/before.py").read_text()
AFTER_SAME_VALUE = '''class InvalidAlgorithmError(Exception):
    pass


class Signer:
    def get_algorithm_by_name(self, alg_name):
        try:
            return self._algorithms[alg_name]
        except KeyError as e:
            if alg_name in self._disabled:
                raise InvalidAlgorithmError(f"Algorithm '{alg_name}' is disabled") from e
            raise InvalidAlgorithmError("Algorithm not supported") from e

    def encode(self, payload, key, algorithm=None, headers=None):
        algorithm_: str = algorithm if algorithm is not None else "none"
        alg_obj = self.get_algorithm_by_name(algorithm_)
        return alg_obj.sign(payload, alg_obj.prepare_key(key))
'''


def test_check_moved_into_a_method_on_a_local_of_the_same_parameter_is_low():
    report = analyze_texts([("jwtlib/api_jws.py", BEFORE, AFTER_SAME_VALUE)])
    found = [(f.rule_id, f.unit, f.before.line if f.before else None, f.severity) for f in report.findings]
    assert found == [
        ("removed-guard", "Signer.encode", 12, Severity.LOW),
        ("removed-guard", "Signer.encode", 14, Severity.LOW),
    ]
    assert "get_algorithm_by_name" in report.findings[0].message


def test_bound_method_arguments_start_after_self():
    from semdiff.rules._moved_checks import _translate
    from semdiff.ir import Argument, Call, Span

    call = Call("self.lookup", (Argument(None, "alg_", "alg_"),), Span(3, 3), "self.lookup(alg_)", arg_keys=("%abc123",))
    text, atoms = _translate("if name in self.disabled: raise E()", frozenset({"$1 in $0.disabled"}), ("self", "name"), call)
    assert text == "if alg_ in self.disabled: raise E()"
    assert atoms == frozenset({"%abc123 in $0.disabled"})
