"""KeyIndex (semdiff/lang/ts_common.py) lists only the strings, comments and `.name` tokens of
a file's scan and reads name tokens from the characters around a position. Whatever it
answers must be what the per-node substitution (`_key_by_substitution`, the `_TOKENS` scan of
the node's own text) gives, and it must refuse (None) exactly the ranges whose ends fall
inside a token of the whole file's `_TOKENS` scan."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from semdiff.lang import ts_common
from semdiff.lang.ts_common import _TOKENS, KeyIndex, TreeSitterBackend, fast_squash

# KeyIndex.edits finds renamed names two ways (word runs of a short range, str.find of each
# name in a long one): every test runs with each way forced
BOTH_WAYS = pytest.mark.parametrize("run_path_chars", [0, 10**9], ids=["find-names", "read-runs"])

# characters that make every kind of token, its failures (lone quote, `/`, `.` before a
# digit) and the word-run cases (digits and non-ASCII word characters before a name)
ALPHABET = "ab$_9 .\n\"'`/*\\xé()"
RENAMES = ({}, {"a": "$0"}, {"ab": "%abc", "b": "$1", "x": "%x"}, {"é": "$2", "a.b": "$3", "9a": "$4"})


def _inside_file_token(text: str, p: int) -> bool:
    return any(m.start() < p < m.end() for m in _TOKENS.finditer(text))


def _check(text: str, a: int, b: int, renames: dict[str, str]) -> None:
    index = KeyIndex.build(text.encode("utf-8"), text)
    index.conts = None  # offsets below are str offsets (the file scan's), as for ASCII source
    got = index.key_text(a, b, renames)
    if _inside_file_token(text, a) or _inside_file_token(text, b):
        assert got is None
    else:
        assert got is not None
        assert fast_squash(got) == TreeSitterBackend._key_by_substitution(text[a:b], renames)


@BOTH_WAYS
@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=24), st.data())
def test_key_text_equals_the_nodes_own_scan(run_path_chars: int, text: str, data: st.DataObject) -> None:
    ts_common._RUN_PATH_CHARS = run_path_chars  # (hypothesis: no function-scoped fixtures)
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    _check(text, a, b, data.draw(st.sampled_from(RENAMES)))


@BOTH_WAYS
def test_names_after_digits_and_word_characters(run_path_chars: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ts_common, "_RUN_PATH_CHARS", run_path_chars)
    # `9ab`: the name token is `ab` (digits are skipped); `éab` likewise; `xab` and `x9ab` are one name
    for text in ("9ab", "éab", "xab", "x9ab", "a.ab", "'ab'ab", "/*ab*/ab", "//ab\nab", "ab9", "$ab", "a 9a"):
        for a in range(len(text) + 1):
            for b in range(a, len(text) + 1):
                for renames in RENAMES:
                    _check(text, a, b, renames)


@BOTH_WAYS
def test_renamed_name_edits_only_whole_name_tokens(run_path_chars: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ts_common, "_RUN_PATH_CHARS", run_path_chars)
    text = "ab + xab + 9ab + .ab + 'ab' + ab9 + éab // ab\nab"
    index = KeyIndex.build(text.encode("utf-8"), text)
    index.conts = None
    starts = [s for s, _, new in index.edits(0, len(text), {"ab": "$0"}) if new == "$0"]
    assert starts == [0, 12, 37, len(text) - 2]


def teardown_module() -> None:
    ts_common._RUN_PATH_CHARS = _DEFAULT_RUN_PATH_CHARS


_DEFAULT_RUN_PATH_CHARS = ts_common._RUN_PATH_CHARS
