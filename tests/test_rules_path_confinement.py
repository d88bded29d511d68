"""path-confinement-removed: the two checks across JS/TS, Go and Java with
the rule id, unit and lines asserted (positives and hard negatives)."""
from __future__ import annotations

from semdiff.rules.path_confinement import BASENAME, PREFIX_SEP
from rulekit import findings_of

FAMILY = "path-confinement-removed"


JS_UPLOAD = """
const path = require('path')

function target(dir, name) {
  const file = path.join(dir, path.basename(name))
  return file
}
"""


def test_js_basename_unwrapped():
    hits = findings_of(BASENAME, JS_UPLOAD, JS_UPLOAD.replace("path.basename(name)", "name"), "lib/upload.js")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("target", 4, 4)]


def test_js_basename_swapped_for_another_basename_is_silent():
    after = JS_UPLOAD.replace("path.basename(name)", "path.posix.basename(name)")
    assert findings_of(BASENAME, JS_UPLOAD, after, "lib/upload.js") == []


def test_js_basename_hoisted_to_a_variable_is_silent():
    after = JS_UPLOAD.replace("  const file = path.join(dir, path.basename(name))\n",
                              "  const base = path.basename(name)\n  const file = path.join(dir, base)\n")
    assert findings_of(BASENAME, JS_UPLOAD, after, "lib/upload.js") == []


JAVA_INSIDE = """
class Files {
    static boolean inside(File base, File f) throws IOException {
        String root = base.getCanonicalPath() + File.separator;
        return f.getCanonicalPath().startsWith(root);
    }
}
"""


def test_java_prefix_separator_dropped():
    after = JAVA_INSIDE.replace(" + File.separator", "")
    hits = findings_of(PREFIX_SEP, JAVA_INSIDE, after, "src/main/java/Files.java")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("Files.inside", 3, 3)]


def test_java_prefix_check_replaced_by_path_api_is_silent():
    after = JAVA_INSIDE.replace("String root = base.getCanonicalPath() + File.separator;",
                                "Path root = base.toPath().toRealPath();").replace(
        "return f.getCanonicalPath().startsWith(root);", "return f.toPath().toRealPath().startsWith(root);")
    assert findings_of(PREFIX_SEP, JAVA_INSIDE, after, "src/main/java/Files.java") == []


def test_separator_kept_but_line_reformatted_is_silent():
    after = JAVA_INSIDE.replace("base.getCanonicalPath() + File.separator", "base.getCanonicalPath()  +  File.separator")
    assert findings_of(PREFIX_SEP, JAVA_INSIDE, after, "src/main/java/Files.java") == []


GO_JOIN = """
package store

import (
	"path/filepath"
	"strings"
)

func within(root, p string) bool {
	return strings.HasPrefix(filepath.Clean(p), filepath.Clean(root)+string(os.PathSeparator))
}
"""


def test_go_prefix_separator_dropped():
    after = GO_JOIN.replace("+string(os.PathSeparator)", "")
    hits = findings_of(PREFIX_SEP, GO_JOIN, after, "store/within.go")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("within", 9, 9)]


def test_separator_join_without_prefix_test_is_silent():
    before = "function url(base, p) {\n  return base + '/' + p\n}\n"
    after = "function url(base, p) {\n  return base + p\n}\n"
    assert findings_of(PREFIX_SEP, before, after, "lib/url.js") == []


# a run of leading slashes collapsed before the URL is parsed (`//evil/..` would read as a host)
TS_SLASHES = """export function serveRaw(req: Req, res: Res, next: Next) {
  const url = new URL(req.url!.replace(/^\\/+/, '/'), 'http://example.com')
  const pathname = decodeURIComponent(url.pathname)
  return serveFile(pathname, res, next)
}
"""


def test_ts_slash_collapse_unwrapped():
    from semdiff.rules.path_confinement import NORMALISER

    after = TS_SLASHES.replace("req.url!.replace(/^\\/+/, '/')", "req.url!")
    hits = findings_of(NORMALISER, TS_SLASHES, after, "src/server/static.ts")
    assert [(f.unit, f.before.line, f.after.line, f.severity.name) for f in hits] == [("serveRaw", 2, 2, "MEDIUM")]


def test_ts_slash_collapse_kept_or_other_replace_is_silent():
    from semdiff.rules.path_confinement import NORMALISER

    moved = TS_SLASHES.replace("const url = new URL(req.url!.replace(/^\\/+/, '/'), 'http://example.com')",
                               "const raw = req.url!.replace(/^\\/+/, '/')\n  const url = new URL(raw, 'http://example.com')")
    assert findings_of(NORMALISER, TS_SLASHES, moved, "src/server/static.ts") == []
    # a replace that does not touch slashes (a drive letter) is no such normalisation
    other = TS_SLASHES.replace("/^\\/+/, '/'", "/^[A-Z]:/i, ''")
    assert findings_of(NORMALISER, other, other.replace("req.url!.replace(/^[A-Z]:/i, '')", "req.url!"), "src/server/static.ts") == []


# the root renamed in the same edit that dropped the separator (formidable-style upload dir)
JS_JOIN = """class Form {
  _joinDirectoryName(name) {
    const resolvedDir = path.resolve(this.uploadDir);
    const resolvedPath = path.resolve(resolvedDir, name);
    if (resolvedPath === resolvedDir || !resolvedPath.startsWith(resolvedDir + path.sep)) {
      return path.join(this.uploadDir, this.options.defaultInvalidName);
    }
    return resolvedPath;
  }
}
"""

JS_JOIN_BARE = """class Form {
  _joinDirectoryName(name) {
    const newPath = path.join(this.uploadDir, name);
    if (!newPath.startsWith(this.uploadDir)) {
      return path.join(this.uploadDir, this.options.defaultInvalidName);
    }
    return newPath;
  }
}
"""


def test_js_prefix_separator_dropped_with_the_root_renamed():
    hits = findings_of(PREFIX_SEP, JS_JOIN, JS_JOIN_BARE, "src/Form.js")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("Form._joinDirectoryName", 5, 4)]


def test_js_renamed_root_with_separator_kept_or_relative_test_is_silent():
    kept = JS_JOIN_BARE.replace("const newPath = path.join(this.uploadDir, name);",
                                "const root = this.uploadDir + path.sep;\n    const newPath = path.join(this.uploadDir, name);").replace(
        "newPath.startsWith(this.uploadDir)", "newPath.startsWith(root)")
    assert findings_of(PREFIX_SEP, JS_JOIN, kept, "src/Form.js") == []
    relative = JS_JOIN_BARE.replace("!newPath.startsWith(this.uploadDir)", "path.relative(this.uploadDir, newPath).startsWith('..')")
    assert findings_of(PREFIX_SEP, JS_JOIN, relative, "src/Form.js") == []
