"""Causes of false alarms met on a fresh held-out set, each with the real weakening that must
still be found (positive) and a benign change shaped like the false alarm (hard negative).
All code here is written for these tests."""
from __future__ import annotations

from rulekit import findings_of

from semdiff.rules.escaping_removed import raw_use


# ---------------------------------------------------------------- escaped use on the changed line


def test_raw_use_reads_protection_on_the_line():
    assert not raw_use("    tag = '<a href=\"' + self.safe_href(link) + '\">'", "link", "python")
    assert raw_use("    tag = '<a href=\"' + link + '\">'", "link", "python")
    assert raw_use("    tag = f'<a href=\"{link}\">'", "link", "python")  # an f-string uses it
    assert raw_use("    if is_safe_href(link): tag = link", "link", "python")  # a test does not protect
    assert raw_use("    return Markup(link)", "link", "python")  # declaring safe is not making safe
    assert not raw_use("    root = path.resolve(root);", "root", "javascript")  # transformed in place
    assert raw_use("    root = mark_safe(root)", "root", "python")


PY_BEFORE = '''
from .util import escape

def render_link(self, link, title):
    tag = '<a href="' + escape(link) + '">'
    return tag + escape(title) + "</a>"
'''


def test_py_escape_swapped_for_a_url_sanitiser_is_silent():
    after = PY_BEFORE.replace("escape(link)", "self.safe_href(link)")
    assert findings_of("injection-opened", PY_BEFORE, after, "app/render.py") == []
    assert findings_of("escaping-removed", PY_BEFORE, after, "app/render.py") == []


def test_py_escape_dropped_is_still_found():
    after = PY_BEFORE.replace("escape(link)", "link")
    hits = findings_of("injection-opened", PY_BEFORE, after, "app/render.py")
    assert [(f.rule_id, f.unit, f.after.line) for f in hits] == [("injection-opened", "render_link", 4)]


def test_py_escape_swapped_for_a_safety_test_is_still_found():
    after = PY_BEFORE.replace("tag = '<a href=\"' + escape(link) + '\">'",
                              "tag = '<a href=\"' + link + '\">' if is_safe_href(link) else ''")
    hits = findings_of("injection-opened", PY_BEFORE, after, "app/render.py")
    assert [(f.unit, f.after.line) for f in hits] == [("render_link", 4)]


JS_BEFORE = '''
function unpackAll(items, dir, done) {
  items.forEach(function (item) {
    if (item.folder) {
      makeFolder(sanitizeName(dir, item.name));
      return;
    }
    writeOut(sanitizeName(dir, item.name), item.data);
  });
  done();
}
'''

JS_AFTER_FOLDED = '''
function unpackAll(items, dir, done) {
  dir = pathLib.resolve(dir);
  for (const item of items) {
    const target = sanitizeName(dir, item.name);
    if (item.folder) {
      makeFolder(target);
    } else {
      writeOut(target, item.data);
    }
  }
  done();
}
'''

JS_AFTER_ONE_PATH_RAW = '''
function unpackAll(items, dir, done) {
  items.forEach(function (item) {
    if (item.folder) {
      makeFolder(sanitizeName(dir, item.name));
      return;
    }
    writeOut(dir + "/" + item.name, item.data);
  });
  done();
}
'''


def test_js_two_sanitised_paths_folded_into_one_is_silent():
    assert findings_of("escaping-removed", JS_BEFORE, JS_AFTER_FOLDED, "lib/unpack.js") == []


def test_js_one_path_losing_its_sanitiser_is_still_found():
    hits = findings_of("escaping-removed", JS_BEFORE, JS_AFTER_ONE_PATH_RAW, "lib/unpack.js")
    assert [(f.unit, f.after.line) for f in hits] == [("unpackAll", 7)]
