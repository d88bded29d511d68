"""redirect-normalisation-removed, leading-slash form: a start-anchored rewrite that collapses
leading slashes/backslashes removed while the value is still read after it (no redirect sink
needed); hard negatives: unanchored or non-slash rewrites, the value no longer read, the
collapse kept in another form."""
from __future__ import annotations

from rulekit import findings_of

RULE = "redirect-normalisation-removed"
PATH = "lib/frames.js"

JS = r"""
function allowedFrame(value, hosts) {
  let ok = true;
  value = value.replace(/^(\w+:)?\s*[\\/]\s*[\\/]/, '$1//');
  const parsed = new URL(value, 'relative://x');
  ok = hosts.includes(parsed.hostname);
  return ok;
}
"""
LINE = "  value = value.replace(/^(\\w+:)?\\s*[\\\\/]\\s*[\\\\/]/, '$1//');\n"


def test_leading_slash_collapse_removed_before_host_check():
    assert LINE in JS
    hits = findings_of(RULE, JS, JS.replace(LINE, ""), PATH)
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("allowedFrame", 3, 3)]
    assert "leading slashes" in hits[0].message


def test_plain_slash_run_collapse_removed():
    before = JS.replace(LINE, "  value = value.replace(/^\\/+/, '/');\n")
    hits = findings_of(RULE, before, JS.replace(LINE, ""), PATH)
    assert [(f.unit, f.before.line) for f in hits] == [("allowedFrame", 3)]


def test_unanchored_backslash_rewrite_without_redirect_is_silent():
    before = JS.replace(LINE, "  value = value.replace(/\\\\/g, '/');\n")
    assert findings_of(RULE, before, JS.replace(LINE, ""), PATH) == []


def test_anchored_whitespace_trim_removed_is_silent():
    before = JS.replace(LINE, "  value = value.replace(/^\\s+/, '');\n")
    assert findings_of(RULE, before, JS.replace(LINE, ""), PATH) == []


def test_collapse_reworded_is_silent():
    after = JS.replace(LINE, "  value = value.replace(/^([a-z]+:)?[\\s\\\\/]*[\\\\/]/i, '$1//');\n")
    assert findings_of(RULE, JS, after, PATH) == []


def test_value_no_longer_read_is_silent():
    after = (JS.replace(LINE, "").replace("new URL(value, 'relative://x')", "new URL(hosts[0])"))
    assert findings_of(RULE, JS, after, PATH) == []


def test_collapse_moved_into_a_helper_on_the_first_read_is_silent():
    after = JS.replace(LINE, "").replace("new URL(value, 'relative://x')", "new URL(collapseLead(value), 'relative://x')") + r"""
function collapseLead(v) {
  return v.replace(/^(\w+:)?\s*[\\/]\s*[\\/]/, '$1//');
}
"""
    assert findings_of(RULE, JS, after, PATH) == []
