"""path-confinement-removed/normaliser-unwrapped: a root-anchored path normalisation or a
path/URL strip helper unwrapped from a value that is still used; hard negatives (unanchored
Clean, normalisation moved, data clean-up helpers, statements whose result is unused)."""
from __future__ import annotations

from semdiff.model import Severity
from semdiff.rules.path_confinement import NORMALISER
from rulekit import findings_of

GO = """
package blobs

import (
	"os"
	"path/filepath"
)

type Dir string

func (d Dir) Read(key string) ([]byte, error) {
	p := filepath.Join(string(d), filepath.Clean("/"+key))
	return os.ReadFile(p)
}
"""


def test_go_anchored_clean_unwrapped():
    hits = findings_of(NORMALISER, GO, GO.replace('filepath.Clean("/"+key)', "key"), "blobs/dir.go")
    assert [(f.unit, f.before.line, f.after.line, f.severity) for f in hits] == [("Dir.Read", 11, 11, Severity.HIGH)]


def test_go_unanchored_clean_unwrapped_is_silent():
    before = GO.replace('filepath.Clean("/"+key)', "filepath.Clean(key)")
    assert findings_of(NORMALISER, before, GO.replace('filepath.Clean("/"+key)', "key"), "blobs/dir.go") == []


def test_go_clean_hoisted_to_its_own_line_is_silent():
    after = GO.replace('\tp := filepath.Join(string(d), filepath.Clean("/"+key))\n',
                       '\tk := filepath.Clean("/" + key)\n\tp := filepath.Join(string(d), k)\n')
    assert findings_of(NORMALISER, GO, after, "blobs/dir.go") == []


GO_HELPER = """
package web

import "net/http"

func matchPath(r *http.Request) string {
	p := trimURLFragment(rawURI(r))
	return p
}
"""


def test_go_url_strip_helper_unwrapped_is_medium():
    before = GO_HELPER.replace("trimURLFragment", "stripURLFragment")
    hits = findings_of(NORMALISER, before, GO_HELPER.replace("trimURLFragment(rawURI(r))", "rawURI(r)"), "web/match.go")
    assert [(f.unit, f.before.line, f.severity) for f in hits] == [("matchPath", 6, Severity.MEDIUM)]


def test_go_data_cleanup_helper_unwrapped_is_silent():
    before = GO_HELPER.replace("trimURLFragment", "cleanupTempPath")
    assert findings_of(NORMALISER, before, GO_HELPER.replace("trimURLFragment(rawURI(r))", "rawURI(r)"), "web/match.go") == []


def test_go_strip_entries_helper_is_silent():
    before = GO_HELPER.replace("trimURLFragment", "stripPathEntries")
    assert findings_of(NORMALISER, before, GO_HELPER.replace("trimURLFragment(rawURI(r))", "rawURI(r)"), "web/match.go") == []


def test_go_helper_swapped_for_another_normaliser_is_silent():
    before = GO_HELPER.replace("trimURLFragment", "stripURLFragment")
    after = GO_HELPER.replace("trimURLFragment", "normalizeRequestPath")
    assert findings_of(NORMALISER, before, after, "web/match.go") == []


JS = """
const path = require('path')

function resolveAsset(root, name) {
  const rel = normalizeSlashes(name)
  return path.join(root, rel)
}
"""


def test_js_slash_helper_unwrapped():
    hits = findings_of(NORMALISER, JS, JS.replace("normalizeSlashes(name)", "name"), "lib/assets.js")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("resolveAsset", 4, 4)]


def test_js_helper_statement_removed_is_silent():
    before = JS.replace("  const rel = normalizeSlashes(name)\n", "  cleanPath(name)\n  const rel = name\n")
    after = JS.replace("  const rel = normalizeSlashes(name)\n", "  const rel = name\n")
    assert findings_of(NORMALISER, before, after, "lib/assets.js") == []


JAVA = """
class Store {
    File open(File base, String name) {
        return new File(base, FilenameUtils.normalize("/" + name));
    }
}
"""


def test_java_anchored_normalize_unwrapped():
    hits = findings_of(NORMALISER, JAVA, JAVA.replace('FilenameUtils.normalize("/" + name)', "name"), "src/Store.java")
    assert [(f.unit, f.before.line) for f in hits] == [("Store.open", 3)]
