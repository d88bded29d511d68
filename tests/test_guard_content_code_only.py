"""The sandbox row of the check-content table reads names in the code, not words of a text the
check compares (session 16, from `semdiff audit` of a Go web framework's history: an error
predicate comparing `err.Error()` with "http: invalid or unsafe file path" read as a sandbox
check, so a widened error filter was a HIGH finding and, under a "tests" claim, a CRITICAL
purpose mismatch). All code here is written for these tests."""
from __future__ import annotations

from rulekit import findings_of

from semdiff.model import Severity

IGNORABLE_GO = '''package middleware

import "os"

func isIgnorableOpenFileError(err error) bool {
	if os.IsNotExist(err) {
		return true
	}
	errTxt := err.Error()
	return errTxt == "http: invalid or unsafe file path" || errTxt == "invalid path"
}
'''


def test_error_message_mentioning_unsafe_is_no_sandbox_check():
    after = IGNORABLE_GO.replace('|| errTxt == "invalid path"', '|| errTxt == "invalid path" || errTxt == "invalid argument"')
    [f] = findings_of("widened-condition", IGNORABLE_GO, after, "middleware/static_windows.go")
    assert f.unit == "isIgnorableOpenFileError"
    assert f.relevance.category != "sandbox"
    assert f.severity < Severity.HIGH


RENDER_JS = '''
function lookup(env, name) {
  if (!env.unsafeProperties && RESERVED.includes(name)) {
    throw new Error("reserved property");
  }
  return env.values[name];
}
'''


def test_unsafe_switch_in_the_code_is_still_a_sandbox_check():
    # a name of the code (`unsafeProperties`) still makes the check a sandbox's
    after = RENDER_JS.replace("RESERVED.includes(name)", "RESERVED.includes(name) && name !== 'constructor'")
    [f] = findings_of("widened-condition", RENDER_JS, after, "src/render.js")
    assert (f.unit, f.relevance.category, f.severity) == ("lookup", "sandbox", Severity.HIGH)
    assert "unsafeProperties" in f.relevance.reason
