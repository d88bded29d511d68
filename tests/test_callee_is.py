"""callee_is answers from a per-table index exactly as the plain scan of the table did."""
from __future__ import annotations

from hypothesis import given, strategies as st

from semdiff.rules._catalog2_ir import callee_is

TABLE = ("load", "yaml.load", "a.b", "redirect", "x", "b.c.d", "c.d", "")
SEGMENTS = st.sampled_from(["a", "b", "c", "d", "x", "load", "yaml", "redirect", ""])


def _scan(callee: str, names) -> object:
    return next((n for n in names if callee == n or callee.endswith("." + n)), None)


@given(st.lists(SEGMENTS, min_size=1, max_size=5))
def test_same_answer_as_a_scan_of_the_table(parts: list[str]) -> None:
    callee = ".".join(parts)
    assert callee_is(callee, TABLE) == _scan(callee, TABLE)
    assert callee_is(callee, list(TABLE)) == _scan(callee, TABLE)


def test_first_table_name_wins_and_tails_only_match_at_dots() -> None:
    assert callee_is("yaml.load", ("load", "yaml.load")) == "load"
    assert callee_is("yaml.load", ("yaml.load", "load")) == "yaml.load"
    assert callee_is("unload", ("load",)) is None
    assert callee_is("flask.redirect", frozenset({"redirect"})) == "redirect"
