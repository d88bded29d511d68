"""Two ways a removed check is not simply gone.

A refusal replaced by rewriting the same value in place with a normaliser
(`if IsMaliciousPath(name) { return err }` -> `name = pathutil.Clean(name)`) is a change of
approach: reported low, with the normaliser named. A cleaned copy under another name, or the
standard library's lexical cleaners (`filepath.Clean("../x")` keeps the `..`), stay high.

A checking helper moved to another package and renamed with its body unchanged
(`tool.IsSameSiteURLPath(u)` -> `urlutil.IsSameSite(u)`) is the same check; a renamed helper
whose body lost a test is not.
"""
from semdiff.model import Severity
from semdiff.pipeline import analyze_texts

GO_BEFORE = '''package uploads

import "errors"

func NewUpload(name string, buf []byte) (*Upload, error) {
	if isMaliciousPath(name) {
		return nil, errors.New("malicious path")
	}
	return store(name, buf)
}
'''

GO_CLEANED = '''package uploads

import "errors"

func NewUpload(name string, buf []byte) (*Upload, error) {
	name = pathutil.Clean(name)
	if name == "" {
		return nil, errors.New("empty file name")
	}
	return store(name, buf)
}
'''

GO_CLEAN_COPY = '''package uploads

import "errors"

func NewUpload(name string, buf []byte) (*Upload, error) {
	cleaned := pathutil.Clean(name)
	if cleaned == "" {
		return nil, errors.New("empty file name")
	}
	return store(name, buf)
}
'''

GO_STDLIB_CLEAN = GO_CLEANED.replace("pathutil.Clean(name)", "filepath.Clean(name)")


def _found(before, after, path="internal/uploads/upload.go"):
    report = analyze_texts([(path, before, after)])
    return [(f.rule_id, f.unit, f.before.line if f.before else None, f.severity) for f in report.findings], report


def test_check_replaced_by_in_place_normaliser_is_low():
    found, report = _found(GO_BEFORE, GO_CLEANED)
    assert found == [("removed-guard", "NewUpload", 6, Severity.LOW)]
    assert "pathutil.Clean(name)" in report.findings[0].message


def test_cleaned_copy_under_another_name_leaves_the_original_in_use():
    found, _ = _found(GO_BEFORE, GO_CLEAN_COPY)
    assert [f[:3] for f in found] == [("removed-guard", "NewUpload", 6)]
    assert found[0][3] >= Severity.MEDIUM


def test_standard_library_lexical_clean_does_not_count():
    found, _ = _found(GO_BEFORE, GO_STDLIB_CLEAN)
    assert [f[:3] for f in found] == [("removed-guard", "NewUpload", 6)]
    assert found[0][3] >= Severity.MEDIUM


def test_javascript_sanitiser_reassigning_the_parameter_is_low():
    before = '''function saveUpload(filename, data) {
  if (isUnsafeName(filename)) {
    throw new Error("bad name");
  }
  return write(filename, data);
}
'''
    after = '''function saveUpload(filename, data) {
  filename = sanitizeFilename(filename);
  return write(filename, data);
}
'''
    found, _ = _found(before, after, "src/upload.js")
    assert found == [("removed-guard", "saveUpload", 2, Severity.LOW)]


GO_HELPERS_BEFORE = '''package auth

func isSameSiteURLPath(url string) bool {
	return len(url) >= 2 && url[0] == '/' && url[1] != '/' && url[1] != '\\\\'
}

func Login(c *Context, redirectTo string) {
	if !isSameSiteURLPath(redirectTo) {
		c.Error(400, "bad redirect")
		return
	}
	c.Redirect(redirectTo)
}
'''

GO_HELPERS_RENAMED = '''package auth

func isSameSite(url string) bool {
	return len(url) >= 2 && url[0] == '/' && url[1] != '/' && url[1] != '\\\\'
}

func Login(c *Context, redirectTo string) {
	if !isSameSite(redirectTo) {
		c.Error(400, "bad redirect")
		return
	}
	c.Redirect(redirectTo)
}
'''

GO_HELPERS_RENAMED_WEAKER = GO_HELPERS_RENAMED.replace(" && url[1] != '\\\\'", "")


def test_helper_renamed_with_the_same_body_is_the_same_check():
    found, _ = _found(GO_HELPERS_BEFORE, GO_HELPERS_RENAMED, "internal/route/auth.go")
    assert found == []


def test_helper_renamed_with_a_weaker_body_is_not_the_same_check():
    found, _ = _found(GO_HELPERS_BEFORE, GO_HELPERS_RENAMED_WEAKER, "internal/route/auth.go")
    weak = [f for f in found if f[:3] == ("removed-guard", "Login", 8)]
    assert len(weak) == 1 and weak[0][3] >= Severity.MEDIUM
