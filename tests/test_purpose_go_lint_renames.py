"""Go lint runs (golint, unconvert) proved behaviour-preserving under a "style" claim
(session 16). golint's "exported names should be CamelCase" renames constants and functions
together with every use, across packages; unconvert drops conversions to the type a value
already has. Each read as a behaviour change of security-relevant code, a HIGH purpose
mismatch. Each hard negative has a near twin that really changes behaviour and is still
reported. All code here is written for these tests.
"""
from __future__ import annotations

from pathlib import Path

from gitrepo import GitRepo

from semdiff.api import analyze
from semdiff.model import Severity
from semdiff.pipeline import AnalyzeOptions
from semdiff.purpose import goequiv

MODULE = "module example.com/idp\n\ngo 1.21\n"

ERRORS_GO = """package object

const (
	hourSeconds    = 3600
	INVALID_CLIENT = "invalid_client"
	INVALID_GRANT  = "invalid_grant"
	USER_OPEN_ID   = "openId"
)

type TokenError struct {
	Error       string
	Description string
}

type AccessToken struct {
	Token     string `json:"accessToken"`
	ExpiresIn int64  `json:"expireIn"` // seconds
}

func DeleteTokenByAceessToken(token string) bool {
	return revoke(token)
}

func GrantError(openId string) (*TokenError, map[string]string) {
	props := map[string]string{USER_OPEN_ID: openId}
	return &TokenError{Error: INVALID_GRANT}, props
}
"""

TOKEN_GO = """package controllers

import (
	"encoding/xml"
	"time"

	"example.com/idp/object"
)

func (c *ApiController) SetTokenErrorStatus() {
	if c.Error == object.INVALID_CLIENT {
		c.SetStatus(401)
	}
}

func (c *ApiController) TokenLogout(token string) {
	ok := object.DeleteTokenByAceessToken(token)
	c.Respond(ok)
}

func (c *ApiController) SamlToken(response Envelope) error {
	envelopReponse := struct{ Body Envelope }{response}
	data, err := xml.Marshal(envelopReponse)
	if err != nil {
		return err
	}
	c.Body([]byte(data))
	return nil
}

func (c *ApiController) TokenExpiry(body []byte) time.Time {
	pToken := &object.AccessToken{}
	c.Decode(body, pToken)
	return time.Unix(time.Now().Unix()+int64(pToken.ExpiresIn), 0)
}
"""


def _linted(errors: str = ERRORS_GO, token: str = TOKEN_GO) -> dict[str, str]:
    renames = (("INVALID_CLIENT", "InvalidClient"), ("INVALID_GRANT", "InvalidGrant"), ("USER_OPEN_ID", "UserOpenId"),
               ("DeleteTokenByAceessToken", "DeleteTokenByAccessToken"))
    for old, new in renames:
        errors, token = errors.replace(old, new), token.replace(old, new)
    errors = errors.replace("hourSeconds    =", "hourSeconds  =").replace("InvalidClient  =", "InvalidClient =")
    token = token.replace("envelopReponse", "envelopResponse").replace("[]byte(data)", "data")
    return {"object/token.go": errors, "controllers/token.go": token}


def change(tmp_path: Path, after: dict[str, str], message: str = "style: golint (#988)"):
    repo = GitRepo(tmp_path / "repo")
    repo.write({"go.mod": MODULE, "object/token.go": ERRORS_GO, "controllers/token.go": TOKEN_GO})
    base = repo.commit("init")
    repo.write(after)
    head = repo.commit(message)
    return analyze(f"{base}..{head}", repo=str(repo.root), options=AnalyzeOptions())


def mismatches(report):
    return [f for f in report.findings if f.rule_id == "purpose-mismatch"]


def test_golint_renames_across_packages_are_silent(tmp_path):
    after = _linted()
    after["controllers/token.go"] = after["controllers/token.go"].replace("int64(pToken.ExpiresIn)", "pToken.ExpiresIn")
    r = change(tmp_path, after)
    assert mismatches(r) == []
    assert r.purpose.verdict == "matches its purpose"


def test_golint_rename_that_also_changes_a_constants_value_is_reported(tmp_path):
    # the same run, but the renamed constant now holds another error code: every check on it changes
    after = _linted()
    after["object/token.go"] = after["object/token.go"].replace('InvalidClient = "invalid_client"', 'InvalidClient = "invalid_request"')
    r = change(tmp_path, after)
    [m] = mismatches(r)
    assert (m.rule_id, m.severity) == ("purpose-mismatch", Severity.HIGH)
    assert "controllers/token.go:ApiController.SetTokenErrorStatus" in m.message
    assert "object/token.go:<module>" in m.message


def test_renamed_function_whose_caller_now_passes_another_value_is_reported(tmp_path):
    after = _linted()
    after["controllers/token.go"] = after["controllers/token.go"].replace(
        "object.DeleteTokenByAccessToken(token)", 'object.DeleteTokenByAccessToken("")')
    r = change(tmp_path, after)
    [m] = mismatches(r)
    assert "controllers/token.go:ApiController.TokenLogout" in m.message


# ---------------------------------------------------------------- the proofs, one by one

def test_constant_of_another_package_is_its_literal():
    b = "func f(c *C) bool {\n\treturn c.Error == object.INVALID_CLIENT\n}\n"
    a = b.replace("INVALID_CLIENT", "InvalidClient")
    cb, ca = {"object.INVALID_CLIENT": '"invalid_client"'}, {"object.InvalidClient": '"invalid_client"'}
    assert goequiv.same_behaviour(b, a, cb, ca) is not None
    assert goequiv.same_behaviour(b, a, cb, {"object.InvalidClient": '"invalid_grant"'}) is None
    # a local named like the package is not the package
    shadowed = "func f(object *T) bool {\n\treturn object.INVALID_CLIENT == 1\n}\n"
    assert goequiv.same_behaviour(shadowed, shadowed.replace("INVALID_CLIENT", "InvalidClient"), cb, ca) is None


def test_imports_dir_needs_the_package_under_its_own_name():
    text = 'package c\n\nimport (\n\t"fmt"\n\n\t"example.com/idp/object"\n)\n'
    assert goequiv.imports_dir(text, "object", "object")
    assert not goequiv.imports_dir(text.replace('\t"example.com', '\tobj "example.com'), "object", "object")
    assert not goequiv.imports_dir(text, "internal/object", "object")


def test_map_literal_key_is_an_expression_but_a_struct_label_is_not():
    consts_b, consts_a = {"OPEN_ID": '"openId"', "UNION_ID": '"unionId"'}, {"OpenId": '"openId"', "UnionId": '"unionId"'}
    b = "func f(o string) map[string]string {\n\treturn map[string]string{OPEN_ID: o}\n}\n"
    assert goequiv.same_behaviour(b, b.replace("OPEN_ID", "OpenId"), consts_b, consts_a) is not None
    assert goequiv.same_behaviour(b, b.replace("OPEN_ID", "UnionId"), consts_b, consts_a) is None
    # in a struct literal the name before `:` is a field: two fields, even if two constants share the value
    s = "func f(o string) T {\n\treturn T{OPEN_ID: o}\n}\n"
    assert goequiv.same_behaviour(s, s.replace("OPEN_ID", "OpenId"), consts_b, consts_a) is None


def test_call_of_a_renamed_function_is_the_old_call():
    b = "func (c *C) Logout(t string) {\n\tok := object.DeleteTokenByAceessToken(t)\n\tc.Respond(ok)\n}\n"
    a = b.replace("Aceess", "Access")
    renames = {"DeleteTokenByAccessToken": "DeleteTokenByAceessToken"}
    assert goequiv.same_behaviour(b, a) is None
    assert goequiv.same_behaviour(b, a, renames=renames) is not None
    assert goequiv.same_behaviour(b, a.replace("(t)", "(\"\")"), renames=renames) is None


def test_renamed_function_body_is_compared_without_its_name():
    b = "func DeleteTokenByAceessToken(t string) bool {\n\treturn revoke(t)\n}\n"
    assert goequiv.same_behaviour(b, b.replace("Aceess", "Access")) is not None
    assert goequiv.same_behaviour(b, b.replace("Aceess", "Access").replace("revoke(t)", "true")) is None


def test_locals_renamed_everywhere_are_the_same_locals():
    b = "func f(x, y int) int {\n\ta := x\n\tb := y\n\treturn sub(a, b)\n}\n"
    assert goequiv.same_behaviour(b, b.replace("a", "first").replace("b :=", "second :=").replace(", b)", ", second)")) is not None
    # the same names, trading roles
    assert goequiv.same_behaviour(b, b.replace("sub(a, b)", "sub(b, a)")) is None
    # a name used before it is declared (an outer value there) is not renamed
    outer = "func f(x int) int {\n\tuse(limit)\n\tlimit := x\n\treturn limit\n}\n"
    assert goequiv.same_behaviour(outer, outer.replace("limit", "max")) is None


def test_byte_conversion_of_a_byte_slice_is_the_value():
    b = "func f(v T) []byte {\n\tdata, err := xml.Marshal(v)\n\tif err != nil {\n\t\treturn nil\n\t}\n\treturn []byte(data)\n}\n"
    assert goequiv.same_behaviour(b, b.replace("[]byte(data)", "data")) is not None
    # a string converted is a real conversion
    s = "func f(v T) []byte {\n\tdata := v.String()\n\treturn []byte(data)\n}\n"
    assert goequiv.same_behaviour(s, s.replace("[]byte(data)", "data")) is None
    # declared twice: the inner one may be another type
    twice = b.replace("\treturn []byte(data)", "\t{\n\t\tdata := v.Name\n\t\treturn []byte(data)\n\t}")
    assert goequiv.same_behaviour(twice, twice.replace("[]byte(data)", "data")) is None


def test_field_conversion_to_its_own_type_is_the_field():
    fields = goequiv.field_types([ERRORS_GO])
    assert fields["AccessToken.ExpiresIn"] == "int64"
    b = "func f(body []byte) int64 {\n\tt := &AccessToken{}\n\tdecode(body, t)\n\treturn now() + int64(t.ExpiresIn)\n}\n"
    a = b.replace("int64(t.ExpiresIn)", "t.ExpiresIn")
    assert goequiv.same_behaviour(b, a, fields_before=fields, fields_after=fields) is not None
    # a conversion to another type (int32 truncates) is not dropped
    b32 = b.replace("int64(t.ExpiresIn)", "int64(int32(t.ExpiresIn))")
    assert goequiv.same_behaviour(b32, a, fields_before=fields, fields_after=fields) is None
    narrow = {**fields, "AccessToken.ExpiresIn": "int32"}
    assert goequiv.same_behaviour(b, a, fields_before=narrow, fields_after=narrow) is None
