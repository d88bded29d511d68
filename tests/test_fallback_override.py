"""fallback-overrides-value: a fill-in branch for a key/secret that lost its emptiness test."""
from __future__ import annotations

from semdiff.pipeline import analyze_texts
from semdiff.rules.fallback_override import RULE_ID, _emptiness_var, _presence_var


def _findings(path: str, before: str, after: str):
    return [f for f in analyze_texts([(path, before, after)]).findings if f.rule_id == RULE_ID]


def test_emptiness_and_presence_tests_are_read_per_language():
    assert _emptiness_var("key is None") == "key"
    assert _emptiness_var("!opts.secret") == "opts.secret"
    assert _emptiness_var("(cert == null)") == "cert"
    assert _emptiness_var("len(key) == 0") == "key"
    assert _emptiness_var("key is not None") is None
    assert _presence_var("key is not None") == "key"
    assert _presence_var("key !== undefined") == "key"
    assert _presence_var("key is None") is None


GO_BEFORE = """package keys

func pick(key []byte, hdr map[string][]byte) []byte {
\tif key == nil && len(hdr["k"]) > 0 {
\t\tkey = hdr["k"]
\t}
\treturn key
}
"""


def test_go_fill_in_branch_losing_nil_test_fires_on_the_branch_line():
    after = GO_BEFORE.replace("key == nil && ", "")
    found = _findings("keys/pick.go", GO_BEFORE, after)
    assert [(f.unit, f.before.line, f.after.line) for f in found] == [("pick", 4, 4)]
    assert "replaces the key" in found[0].message


def test_early_return_when_set_keeps_it_fill_only():
    before = (
        "def pick(key, header):\n"
        "    if key is None and 'k' in header:\n        key = header['k']\n    return key\n"
    )
    after = (
        "def pick(key, header):\n    if key is not None:\n        return key\n"
        "    if 'k' in header:\n        key = header['k']\n    return key\n"
    )
    assert _findings("app/pick.py", before, after) == []


def test_else_branch_of_the_emptiness_test_does_not_count_as_enclosing():
    before = (
        "def pick(key, header):\n"
        "    if key is None and 'k' in header:\n        key = header['k']\n    return key\n"
    )
    after = (
        "def pick(key, header):\n    if key is None:\n        log('none')\n    else:\n"
        "        if 'k' in header:\n            key = header['k']\n    return key\n"
    )
    found = _findings("app/pick.py", before, after)
    assert [(f.unit, f.before.line, f.after.line) for f in found] == [("pick", 2, 5)]


def test_assignment_of_another_variable_is_silent():
    before = "def pick(key, header):\n    if key is None and 'k' in header:\n        other = header['k']\n    return key\n"
    after = before.replace("key is None and ", "")
    assert _findings("app/pick.py", before, after) == []
