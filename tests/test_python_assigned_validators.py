"""Python: a validator call whose result is kept (`state = self.validate_state()`) or passed
on (`use(verify_x(v))`, `return use(validate_x(v))`) is the same call-guard a bare
`self.validate_state()` statement is, in both Python backends."""
from __future__ import annotations

import pytest

from semdiff.lang.python_cst import PythonBackend
from semdiff.lang.ts_python import PythonFallbackBackend
from semdiff.pipeline import analyze_texts

SRC = """import subprocess


class Callback(Base):
    def complete(self):
        state = self.validate_state()
        token: str = await_token(check_code(self.data["code"]))
        out = subprocess.check_output(["id"])
        self.count += 1
        if state:
            return self.finish(verify_nonce(self.data["nonce"]), out)
        return self.finish(state, token)
"""


@pytest.mark.parametrize("backend", [PythonBackend, PythonFallbackBackend], ids=["libcst", "tree-sitter"])
def test_assigned_and_argument_validators_are_call_guards(backend):
    unit = next(u for u in backend().parse("auth/cb.py", SRC).units if u.qualname == "Callback.complete")
    got = [(g.kind, g.text, g.span.line) for g in unit.guards if g.kind == "call-guard"]
    # subprocess.check_output runs a command, not a check; `self.count += 1` is no call
    assert got == [("call-guard", "self.validate_state()", 6),
                   ("call-guard", 'check_code(self.data["code"])', 7),
                   ("call-guard", 'verify_nonce(self.data["nonce"])', 11)]


def _complete(body: str) -> str:
    return f"class Callback(Base):\n    def complete(self):\n{body}"


BEFORE = _complete("        state = self.validate_state()\n        return self.finish(state)\n")


def _guard_findings(after: str):
    return [(f.rule_id, f.unit, f.before.line if f.before else None)
            for f in analyze_texts([("auth/cb.py", BEFORE, after)]).findings if f.rule_id == "removed-guard"]


def test_assigned_validator_removed_is_a_removed_guard():
    assert _guard_findings(_complete("        return self.finish(None)\n")) == [("removed-guard", "Callback.complete", 3)]


@pytest.mark.parametrize("after", [
    _complete("        self.validate_state()\n        return self.finish(self.data['state'])\n"),
    _complete("        return self.finish(self.validate_state())\n"),
    _complete("        data = self.finish(self.validate_state())\n        return data\n"),
], ids=["to-bare-call", "into-return-argument", "into-assigned-argument"])
def test_assigned_validator_kept_in_another_form_is_quiet(after):
    assert _guard_findings(after) == []
