"""regex-anchor-dropped: a fully anchored regex literal that lost an anchor or gained `m`
(rule id, unit, lines), with the hard negatives next to each."""
from __future__ import annotations

from semdiff.rules.regex_anchor_dropped import RULE_ID, _loosened
from tests.rulekit import findings_of

TS = """export const DATA_ATTR = seal(/^data-[\\-\\w.]+$/);
export const ARIA_ATTR = seal(/^aria-[\\-\\w]+$/);
"""


def _brief(hits):
    return [(f.unit, f.before.line, f.after.line, f.severity.name) for f in hits]


def test_end_anchor_dropped_from_a_validator():
    after = TS.replace("/^data-[\\-\\w.]+$/", "/^data-[\\-\\w.]/")
    hits = findings_of(RULE_ID, TS, after, "src/regexp.ts")
    assert _brief(hits) == [("<module>", 1, 1, "MEDIUM")]
    assert "end anchor" in hits[0].message


def test_multiline_flag_added_to_an_anchored_pattern():
    before = "const NAME = /^[a-z]+$/;\nfunction ok(s) {\n  return NAME.test(s);\n}\n"
    after = before.replace("/^[a-z]+$/", "/^[a-z]+$/m")
    assert _brief(findings_of(RULE_ID, before, after, "lib/names.js")) == [("<module>", 1, 1, "MEDIUM")]


def test_anchor_added_or_pattern_otherwise_edited_is_silent():
    after = TS.replace("/^data-[\\-\\w.]+$/", "/^data-[\\-\\w.]/")
    assert findings_of(RULE_ID, after, TS, "src/regexp.ts") == []  # the fix direction
    other = TS.replace("/^data-[\\-\\w.]+$/", "/^data-[\\-\\w]+$/")  # a narrower class, anchors kept
    assert findings_of(RULE_ID, TS, other, "src/regexp.ts") == []


def test_rewriting_and_deny_patterns_are_left_out():
    before = "function trim(s) {\n  return s.replace(/^\\s+$/, '');\n}\n"
    assert findings_of(RULE_ID, before, before.replace("/^\\s+$/", "/^\\s+/"), "lib/trim.js") == []
    deny = "const UNSAFE_NAME = /^(?:script|iframe)$/;\n"
    assert findings_of(RULE_ID, deny, deny.replace("$/", "/"), "lib/deny.js") == []


def test_loosened_needs_the_old_pattern_cut_short():
    assert _loosened("^abc+$", "^abc", "", "") is not None
    assert _loosened("^abc+$", "abc+$", "", "") is not None
    assert _loosened("^abc+$", "^xyz", "", "") is None  # rewritten, not cut
    assert _loosened("^a|b$", "^a|b", "", "") is None  # top-level alternation: not anchored as a whole
    assert _loosened("^abc\\$", "^abc", "", "") is None  # an escaped dollar is no anchor
