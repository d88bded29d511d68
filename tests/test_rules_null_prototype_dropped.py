"""null-prototype-dropped: a value created with Object.create(null) now assigned `{}` (rule
id, unit, lines), with the hard negatives (a Map instead, the null-prototype object kept)."""
from __future__ import annotations

from semdiff.rules.null_prototype_dropped import RULE_ID
from tests.rulekit import findings_of

BEFORE = """class Frame {
  constructor(parent) {
    this.variables = Object.create(null);
    this.parent = parent;
  }

  set(name, val) {
    this.variables[name] = val;
  }
}
"""


def _brief(hits):
    return [(f.unit, f.before.line, f.after.line, f.severity.name) for f in hits]


def test_null_prototype_object_replaced_by_a_literal():
    after = BEFORE.replace("Object.create(null)", "{}")
    assert _brief(findings_of(RULE_ID, BEFORE, after, "src/runtime.js")) == [("Frame.constructor", 3, 3, "MEDIUM")]


def test_local_replaced_by_new_object():
    before = "function index(rows) {\n  const seen = Object.create(null);\n  for (const r of rows) seen[r.key] = r;\n  return seen;\n}\n"
    after = before.replace("Object.create(null)", "new Object()")
    assert _brief(findings_of(RULE_ID, before, after, "lib/index.ts")) == [("index", 2, 2, "MEDIUM")]


def test_map_instead_or_null_prototype_kept_is_silent():
    assert findings_of(RULE_ID, BEFORE, BEFORE.replace("Object.create(null)", "new Map()"), "src/runtime.js") == []
    moved = BEFORE.replace("    this.variables = Object.create(null);\n    this.parent = parent;\n",
                           "    this.parent = parent;\n    this.variables = Object.create(null);\n")
    assert findings_of(RULE_ID, BEFORE, moved, "src/runtime.js") == []
    # the fix direction
    assert findings_of(RULE_ID, BEFORE.replace("Object.create(null)", "{}"), BEFORE, "src/runtime.js") == []
