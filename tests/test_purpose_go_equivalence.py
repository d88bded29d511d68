"""Go refactors proved behaviour-preserving on canonical tokens (H7, session 5).

"range over int", "magic numbers -> named constants", "move util functions to utils.go",
`strings.Split` -> `strings.SplitSeq` were HIGH purpose mismatches under "refactor" because Go
units could only be compared as token streams. Each hard negative has a near twin under the
same claim that really exceeds it in a security-relevant way and must still be reported.
"""
from __future__ import annotations

from pathlib import Path

from gitrepo import GitRepo

from semdiff.api import analyze
from semdiff.model import Severity
from semdiff.pipeline import AnalyzeOptions
from semdiff.purpose import goequiv

KEYAUTH = """package middleware

import (
	"crypto/subtle"
	"net/http"
)

// validKey reports whether key is one of the configured keys.
func validKey(keys []string, key string) bool {
	if len(key) < 32 {
		return false
	}
	for i := 0; i < len(keys); i++ {
		if subtle.ConstantTimeCompare([]byte(keys[i]), []byte(key)) == 1 {
			return true
		}
	}
	return false
}

func bodyAllowedForStatus(status int) bool {
	switch {
	case status >= 100 && status <= 199:
		return false
	case status == http.StatusNoContent:
		return false
	}
	return true
}
"""
UTILS = """package middleware

func joinKeys(keys []string) string {
	out := ""
	for _, k := range keys {
		out += k
	}
	return out
}
"""
BEFORE_LINE = 9  # `func validKey` in the old keyauth.go
VALID_KEY = KEYAUTH[KEYAUTH.index("// validKey"): KEYAUTH.index("func bodyAllowedForStatus")]


def change(tmp_path: Path, after: dict[str, str], message: str, delete: tuple[str, ...] = ()):
    repo = GitRepo(tmp_path / "repo")
    repo.write({"middleware/keyauth.go": KEYAUTH, "middleware/utils.go": UTILS})
    base = repo.commit("init")
    for path in delete:
        (repo.root / path).unlink()
    repo.write(after)
    head = repo.commit(message)
    return analyze(f"{base}..{head}", repo=str(repo.root), options=AnalyzeOptions())


def mismatches(report):
    return [f for f in report.findings if f.rule_id == "purpose-mismatch"]


# ---------------------------------------------------------------- range over int

RANGE = KEYAUTH.replace("for i := 0; i < len(keys); i++ {", "for i := range len(keys) {")


def test_range_over_int_refactor_is_silent(tmp_path):
    r = change(tmp_path, {"middleware/keyauth.go": RANGE}, "refactor: for loop can be modernized using range over int")
    assert mismatches(r) == []
    assert r.purpose.verdict == "matches its purpose"
    assert dict(r.purpose.effects) == {"behaviour-preserving": 1}


def test_range_over_int_refactor_that_flips_the_key_comparison_is_reported(tmp_path):
    after = RANGE.replace("[]byte(key)) == 1 {", "[]byte(key)) >= 0 {")
    r = change(tmp_path, {"middleware/keyauth.go": after}, "refactor: for loop can be modernized using range over int")
    [m] = mismatches(r)
    assert (m.rule_id, m.path, m.unit) == ("purpose-mismatch", "middleware/keyauth.go", "validKey")
    assert m.severity == Severity.HIGH
    assert m.after is not None and m.after.line == 13  # the rewritten loop, first touched line


def test_loop_whose_body_moves_the_counter_is_not_range_over_int():
    body = "func f(keys []string) int {\n\tn := 0\n\tfor i := 0; i < len(keys); i++ {\n\t\tif keys[i] == \"\" {\n\t\t\ti++\n\t\t}\n\t\tn++\n\t}\n\treturn n\n}\n"
    assert goequiv.same_behaviour(body, body.replace("for i := 0; i < len(keys); i++ {", "for i := range len(keys) {")) is None


def test_loop_whose_body_grows_the_bound_is_not_range_over_int():
    body = "func f(keys []string) {\n\tfor i := 0; i < len(keys); i++ {\n\t\tkeys = append(keys, \"x\")\n\t}\n}\n"
    assert goequiv.same_behaviour(body, body.replace("for i := 0; i < len(keys); i++ {", "for i := range len(keys) {")) is None


# ---------------------------------------------------------------- named constants

def test_magic_numbers_to_named_constants_is_silent(tmp_path):
    after = KEYAUTH.replace("status >= 100 && status <= 199", "status >= http.StatusContinue && status < http.StatusOK")
    after = after.replace("[]byte(key)) == 1 {", "[]byte(key)) == keysEqual {").replace(
        "// validKey reports", "const keysEqual = 1\n\n// validKey reports")
    r = change(tmp_path, {"middleware/keyauth.go": after}, "refactor: replace magic numbers with named constants")
    assert mismatches(r) == []
    # the new const declaration is a package-level change, but nothing security-relevant
    assert r.purpose.verdict == "exceeds its purpose in 1 unit (not security-relevant)"
    assert dict(r.purpose.effects) == {"behaviour-preserving": 2, "behaviour-change": 1}


def test_named_constant_with_another_value_is_reported(tmp_path):
    # keysEqual = 0: ConstantTimeCompare's "different" now lets a wrong key in
    after = KEYAUTH.replace("[]byte(key)) == 1 {", "[]byte(key)) == keysEqual {").replace(
        "// validKey reports", "const keysEqual = 0\n\n// validKey reports")
    r = change(tmp_path, {"middleware/keyauth.go": after}, "refactor: replace magic numbers with named constants")
    [m] = mismatches(r)
    assert (m.rule_id, m.path, m.unit, m.severity) == ("purpose-mismatch", "middleware/keyauth.go", "validKey", Severity.HIGH)
    assert m.after is not None and m.after.line == 16


def test_named_status_constant_that_shrinks_the_range_is_reported(tmp_path):
    after = KEYAUTH.replace("status >= 100 && status <= 199", "status >= http.StatusContinue && status < http.StatusProcessing")
    r = change(tmp_path, {"middleware/keyauth.go": after}, "refactor: replace magic numbers with named constants")
    [m] = mismatches(r)
    assert (m.rule_id, m.path, m.unit, m.severity) == ("purpose-mismatch", "middleware/keyauth.go", "bodyAllowedForStatus", Severity.HIGH)
    assert m.after is not None and m.after.line == 23


def test_wrong_status_constant_is_not_the_same_bound():
    b = "func ok(status int) bool {\n\treturn status >= 100 && status <= 199\n}\n"
    assert goequiv.same_behaviour(b, b.replace("status <= 199", "status < http.StatusOK")) is not None
    assert goequiv.same_behaviour(b, b.replace("status <= 199", "status <= http.StatusOK")) is None


# ---------------------------------------------------------------- functions moved within a package

def test_functions_moved_to_utils_go_is_silent(tmp_path):
    r = change(tmp_path, {"middleware/keyauth.go": KEYAUTH.replace(VALID_KEY, ""), "middleware/utils.go": UTILS + "\n" + VALID_KEY},
               "refactor(utils): move util functions to utils.go")
    assert mismatches(r) == []
    assert r.purpose.verdict == "matches its purpose"
    assert "pure-move" in dict(r.purpose.effects)


def test_moved_function_that_now_accepts_every_key_is_reported(tmp_path):
    moved = VALID_KEY.replace("\t}\n\treturn false\n}", "\t}\n\treturn true\n}")
    r = change(tmp_path, {"middleware/keyauth.go": KEYAUTH.replace(VALID_KEY, ""), "middleware/utils.go": UTILS + "\n" + moved},
               "refactor(utils): move util functions to utils.go")
    [m] = mismatches(r)
    # not a proved move: the old function is gone (its checks with it) and a different one added;
    # guard-dropped-in-move judged it medium, the refactor claim that hid it adds one level
    assert (m.rule_id, m.path, m.unit, m.severity) == ("purpose-mismatch", "middleware/keyauth.go", "validKey", Severity.HIGH)
    assert m.after is None and m.before is not None and m.before.line == BEFORE_LINE, m.before


def test_function_moved_to_another_package_is_not_a_proved_move(tmp_path):
    r = change(tmp_path, {"middleware/keyauth.go": KEYAUTH.replace(VALID_KEY, ""),
                          "internal/keys/keys.go": "package keys\n\n" + VALID_KEY},
               "refactor(utils): move util functions to utils.go")
    assert "pure-move" not in dict(r.purpose.effects)


# ---------------------------------------------------------------- iterator forms and aliases

def test_split_to_splitseq_and_interface_to_any():
    b = ("func sources(lookups string, v interface{}) []string {\n\tvar out []string\n"
         "\tparts := strings.Split(lookups, \",\")\n\tfor _, s := range parts {\n\t\tout = append(out, s)\n\t}\n\treturn out\n}\n")
    a = b.replace("strings.Split(", "strings.SplitSeq(").replace("for _, s := range parts", "for s := range parts").replace("interface{}", "any")
    proof = goequiv.same_behaviour(b, a)
    assert proof is not None and "range over a split slice is range over its sequence" in proof
    # the slice used twice is not replaceable by a one-shot sequence
    b2 = b.replace("\treturn out\n", "\treturn append(out, parts...)\n")
    a2 = a.replace("\treturn out\n", "\treturn append(out, parts...)\n")
    assert goequiv.same_behaviour(b2, a2) is None


# ---------------------------------------------------------------- gofix: Cut, WaitGroup.Go

BASIC = """package middleware

import "bytes"

type BasicAuthConfig struct {
	Validator func(user, password string) (bool, error)
}

func (config BasicAuthConfig) check(auths [][]byte) error {
	var lastError error
	for _, b := range auths {
		idx := bytes.IndexByte(b, ':')
		if idx >= 0 {
			valid, err := config.Validator(string(b[:idx]), string(b[idx+1:]))
			if err != nil {
				lastError = err
			} else if valid {
				return nil
			}
		}
	}
	return lastError
}
"""
CUT = BASIC.replace("\t\tidx := bytes.IndexByte(b, ':')\n\t\tif idx >= 0 {", "\t\tbefore, after, ok := bytes.Cut(b, []byte{':'})\n\t\tif ok {")


def basic_change(tmp_path: Path, after: str, message: str):
    repo = GitRepo(tmp_path / "repo")
    repo.write({"middleware/basic_auth.go": BASIC})
    base = repo.commit("init")
    repo.write({"middleware/basic_auth.go": after})
    head = repo.commit(message)
    return analyze(f"{base}..{head}", repo=str(repo.root), options=AnalyzeOptions())


def test_index_split_to_bytes_cut_in_basic_auth_is_silent(tmp_path):
    after = CUT.replace("string(b[:idx]), string(b[idx+1:])", "string(before), string(after)")
    r = basic_change(tmp_path, after, "refactor: modernize code usage using gofix")
    assert mismatches(r) == []
    assert dict(r.purpose.effects) == {"behaviour-preserving": 1}


def test_cut_rewrite_that_swaps_user_and_password_is_reported(tmp_path):
    after = CUT.replace("string(b[:idx]), string(b[idx+1:])", "string(after), string(before)")
    r = basic_change(tmp_path, after, "refactor: modernize code usage using gofix")
    [m] = mismatches(r)
    assert (m.rule_id, m.path, m.unit, m.severity) == ("purpose-mismatch", "middleware/basic_auth.go", "BasicAuthConfig.check", Severity.HIGH)
    assert m.after is not None and m.after.line == 12


def test_index_used_otherwise_is_not_a_cut():
    b = "func f(b []byte) string {\n\ti := bytes.IndexByte(b, ':')\n\tif i >= 0 {\n\t\treturn string(b[i:])\n\t}\n\treturn \"\"\n}\n"
    a = "func f(b []byte) string {\n\tx, y, ok := bytes.Cut(b, []byte{':'})\n\tif ok {\n\t\treturn string(y)\n\t}\n\treturn \"\"\n}\n"
    assert goequiv.same_behaviour(b, a) is None  # b[i:] keeps the ':'


def test_waitgroup_go():
    b = "func f(wg *sync.WaitGroup, s *Server) {\n\twg.Add(1)\n\tgo func() {\n\t\tdefer wg.Done()\n\t\ts.Serve()\n\t}()\n}\n"
    a = "func f(wg *sync.WaitGroup, s *Server) {\n\twg.Go(func() {\n\t\ts.Serve()\n\t})\n}\n"
    assert goequiv.same_behaviour(b, a) == ("WaitGroup Add/go/defer Done is WaitGroup.Go",)
    # Done no longer deferred: not the same
    assert goequiv.same_behaviour(b.replace("defer wg.Done()", "wg.Done()"), a) is None


def test_bounds_that_the_body_can_change_are_not_range_over_int():
    loop = "func f(s *Stack, m map[string]int) {{\n\tfor i := 0; i < {limit}; i++ {{\n\t\t{body}\n\t}}\n}}\n"
    for limit, body in (("s.Len()", "s.Pop()"), ("len(m)", "m[\"k\"+strconv.Itoa(i)] = i"), ("len(m)", "delete(m, \"a\")")):
        b = loop.format(limit=limit, body=body)
        a = b.replace(f"for i := 0; i < {limit}; i++", f"for i := range {limit}")
        assert goequiv.same_behaviour(b, a) is None, (limit, body)
    b = loop.format(limit="v.NumField()", body="use(v.Field(i))").replace("s *Stack", "v reflect.Value")
    assert goequiv.same_behaviour(b, b.replace("for i := 0; i < v.NumField(); i++", "for i := range v.NumField()")) is not None


def test_a_parameter_shadowing_a_package_constant_is_not_the_constant():
    b = "func f(key string, minKeyLength int) bool {\n\treturn len(key) >= 32\n}\n"
    a = b.replace(">= 32", ">= minKeyLength")
    assert goequiv.same_behaviour(b, a, {"minKeyLength": "32"}, {"minKeyLength": "32"}) is None
    b2 = b.replace(", minKeyLength int", "")
    assert goequiv.same_behaviour(b2, b2.replace(">= 32", ">= minKeyLength"), {}, {"minKeyLength": "32"}) is not None
