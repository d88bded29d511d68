"""The ambiguous-alternation shape of `_regex_risk`: an unbounded repeat of alternatives two
of which match the same text backtracks exponentially when what follows fails."""
from __future__ import annotations

import pytest

from semdiff.rules._regex_risk import backtracking_reasons, regex_risk


@pytest.mark.parametrize("pattern,ambiguous", [
    (r"'(?:[^'\\]|\\\\|\\.)*?'(?!\w)", True),   # `\\\\` and `\\.` both match two backslashes
    (r"(?:\\[nt]|\\.|[^\\])*$", True),           # `\\[nt]` and `\\.` both match `\n`
    (r"(a|aa)*b", True),                         # parsed as a(?:|a): the prefix is put back
    (r"'(?:[^'\\]|\\.)*'", False),               # the usual escape-aware string: one way only
    (r"(?:ab|cd)*x", False),
    (r"(ab|a)*c", False),                        # `ab` is never two pieces
    (r"^(?:[a-z]|[0-9])+$", False),              # disjoint classes
    (r"(?:\\\\|\\.)*", False),                   # nothing after the repeat can fail
    (r"(?>\\\\|\\.)*x", False),                  # atomic: no backtracking into it
])
def test_ambiguous_repeat(pattern, ambiguous):
    assert regex_risk(pattern).ambiguous_repeat is ambiguous


def test_reported_only_when_introduced():
    (reason,) = backtracking_reasons(r"'(?:[^'\\]|\\.)*'(?!\w)", r"'(?:[^'\\]|\\\\|\\.)*?'(?!\w)")
    assert "alternatives that can match the same text" in reason
    assert backtracking_reasons(r"(?:\\[nt]|\\.|[^\\])*$", r"(?:\\[nt]|\\.|[^\\])*$") == []
    # already exponential through a nested quantifier: no second claim
    assert backtracking_reasons(r"(?:(?:\\.)+|[^\\])*$", r"(?:\\[nt]|\\.|[^\\])*$") == []
