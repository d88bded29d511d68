"""limit-relaxed: a raw-string constant not named like a regex (a piece formatted into a
bigger pattern) edited into a catastrophically backtracking form."""
from __future__ import annotations

from rulekit import findings_of

BEFORE = 'IPV6_PIECE = r"([A-Fa-f0-9:]+[:$])[A-Fa-f0-9]{1,4}"\nURI = r"\\[%s\\]" % IPV6_PIECE\n'
AFTER = 'IPV6_PIECE = r"([A-Fa-f0-9:]+:+)+[A-Fa-f0-9]+"\nURI = r"\\[%s\\]" % IPV6_PIECE\n'


def test_nested_quantifier_in_raw_piece():
    found = findings_of("limit-relaxed", BEFORE, AFTER, "oauth/uri.py")
    assert [(f.unit, f.before.line, f.after.line) for f in found] == [("<module>", 1, 1)]
    assert "nested" in found[0].message


def test_fixed_piece_is_silent():
    assert findings_of("limit-relaxed", AFTER, BEFORE, "oauth/uri.py") == []


def test_plain_string_is_not_read_as_regex():
    before = BEFORE.replace('= r"', '= "', 1)
    after = AFTER.replace('= r"', '= "', 1)
    assert findings_of("limit-relaxed", before, after, "oauth/uri.py") == []


def test_unbounded_without_backtracking_is_silent_for_unnamed_pieces():
    before = 'DIGITS = r"[0-9]{1,10}"\n'
    assert findings_of("limit-relaxed", before, 'DIGITS = r"[0-9]+"\n', "app/fmt.py") == []
