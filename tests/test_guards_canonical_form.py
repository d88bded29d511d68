"""A check that refuses a value its canonical form changes (`req.URL = req.URL.JoinPath()`
then `if path != req.URL.Path { reject }`) is a path-traversal defence whatever the function
is called: removing it is reported at the severity of a security check. A check on a cleaned
value against a literal, or on a value no canonicaliser produced, keeps the unit's relevance."""
from __future__ import annotations

from semdiff.model import Severity
from tests.rulekit import findings_of

GO_BEFORE = """
package rewrite

func (rp *rewriter) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	req.URL.Path = rp.pattern.ReplaceAllString(req.URL.Path, rp.replacement)
	path := req.URL.Path
	if path != "" {
		req.URL = req.URL.JoinPath()
	}
	if path != req.URL.Path {
		http.Error(rw, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		return
	}
	rp.next.ServeHTTP(rw, req)
}
"""
GO_AFTER = """
package rewrite

func (rp *rewriter) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	req.URL.Path = rp.pattern.ReplaceAllString(req.URL.Path, rp.replacement)
	rp.next.ServeHTTP(rw, req)
}
"""


def test_go_canonical_path_check_removed_is_high():
    found = findings_of("removed-guard", GO_BEFORE, GO_AFTER, "pkg/rewrite/rewrite.go")
    assert [(f.unit, f.before.line, f.severity) for f in found] == [("rewriter.ServeHTTP", 9, Severity.HIGH)]
    assert found[0].relevance.category == "path-traversal"
    assert "JoinPath" in found[0].relevance.reason


def test_python_normpath_mismatch_check_removed_is_high():
    before = (
        "import posixpath\n\n\n"
        "def rewrite(path, table):\n"
        "    target = table.get(path, path)\n"
        "    norm = posixpath.normpath(target)\n"
        "    if norm != target:\n"
        "        raise ValueError('bad path')\n"
        "    return target\n"
    )
    after = "import posixpath\n\n\ndef rewrite(path, table):\n    target = table.get(path, path)\n    return target\n"
    found = findings_of("removed-guard", before, after, "app/rewrite.py")
    assert [(f.unit, f.before.line, f.severity) for f in found] == [("rewrite", 7, Severity.HIGH)]


def test_java_normalized_path_equals_check_removed_is_high():
    before = """
    package com.example.files;

    import java.nio.file.Paths;

    public class Rewriter {
        public String rewrite(String raw) {
            String normalized = Paths.get(raw).normalize().toString();
            if (!normalized.equals(raw)) {
                throw new IllegalArgumentException("path is not canonical");
            }
            return raw;
        }
    }
    """
    after = before.replace(
        '            String normalized = Paths.get(raw).normalize().toString();\n'
        '            if (!normalized.equals(raw)) {\n'
        '                throw new IllegalArgumentException("path is not canonical");\n'
        '            }\n', "")
    found = findings_of("removed-guard", before, after, "src/main/java/com/example/files/Rewriter.java")
    assert [(f.unit, f.severity) for f in found] == [("Rewriter.rewrite", Severity.HIGH)]


def test_cleaned_value_tested_against_a_literal_keeps_low_relevance():
    before = GO_BEFORE.replace("if path != req.URL.Path {", "if req.URL.Path == \"\" {")
    after = GO_AFTER
    found = findings_of("removed-guard", before, after, "pkg/rewrite/rewrite.go")
    assert [f.severity for f in found] == [Severity.LOW]


def test_check_on_a_value_no_canonicaliser_produced_keeps_low_relevance():
    before = GO_BEFORE.replace("req.URL = req.URL.JoinPath()", "rp.count++").replace(
        "if path != req.URL.Path {", "if path != rp.last {")
    after = GO_AFTER
    found = findings_of("removed-guard", before, after, "pkg/rewrite/rewrite.go")
    assert [f.severity for f in found] == [Severity.LOW]


def test_canonical_check_inlined_is_not_reported():
    before = (
        "import posixpath\n\n\n"
        "def rewrite(path):\n"
        "    norm = posixpath.normpath(path)\n"
        "    if norm != path:\n"
        "        raise ValueError('bad path')\n"
        "    return path\n"
    )
    after = (
        "import posixpath\n\n\n"
        "def rewrite(path):\n"
        "    if posixpath.normpath(path) != path:\n"
        "        raise ValueError('bad path')\n"
        "    return path\n"
    )
    assert findings_of("removed-guard", before, after, "app/rewrite.py") == []
