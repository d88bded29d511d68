"""escaping-removed (JavaScript/TypeScript): an inline escaping `.replace` chain
(`String(v).replace(/]]>/g, ']]]]><![CDATA[>')`, `v.replace(/--/g, '- -')`) is an escaper of
its receiver: dropped while the value is now interpolated raw into markup, it is reported once
per value. A `.replace` on something that is no markup delimiter (whitespace), or the value
still escaped by another escaper, stays silent."""
from __future__ import annotations

from semdiff.rules.escaping_removed import RULE_ID
from tests.rulekit import findings_of

BEFORE = """function commentNode(val, level) {
  const safeVal = String(val)
    .replace(/--/g, '- -')
    .replace(/-$/, '- ');
  return indent(level) + `<!--${safeVal}-->`;
}

function cdataNode(val, level) {
  const safeVal = String(val).replace(/\\]\\]>/g, ']]]]><![CDATA[>');
  return indent(level) + `<![CDATA[${safeVal}]]>`;
}
"""

AFTER = """function commentNode(val, level) {
  return indent(level) + `<!--${val}-->`;
}

function cdataNode(val, level) {
  return indent(level) + `<![CDATA[${val}]]>`;
}
"""


def test_inline_replace_escaping_dropped_is_reported_once_per_value():
    hits = findings_of(RULE_ID, BEFORE, AFTER, "src/builder/xml.js")
    assert [(f.unit, f.before.line, f.after.line, f.severity.name) for f in hits] == [
        ("commentNode", 2, 2, "MEDIUM"),
        ("cdataNode", 9, 6, "MEDIUM"),
    ]


def test_whitespace_replace_is_no_escaper():
    before = BEFORE.replace("/--/g, '- -'", "/\\s+/g, ' '").replace("/\\]\\]>/g, ']]]]><![CDATA[>'", "/\\t/g, '  '")
    assert findings_of(RULE_ID, before, AFTER, "src/builder/xml.js") == []


def test_value_escaped_by_a_named_escaper_instead_is_silent():
    after = AFTER.replace("${val}", "${escapeXml(val)}")
    assert findings_of(RULE_ID, BEFORE, after, "src/builder/xml.js") == []
