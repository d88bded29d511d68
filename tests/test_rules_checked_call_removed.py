"""checked-call-removed: a checking call whose failure was refused is no longer made (rule id, unit, line)."""
from __future__ import annotations

from semdiff.rules.checked_call_removed import RULE_ID
from rulekit import findings_of


GO_CLOSURE = """
package sig

func (ctx *Context) findSignature(root *Element) (*Signature, error) {
	var sig *Signature
	err := iterate(root, func(el *Element) error {
		err := validateShape(el)
		if err != nil {
			return err
		}
		sig = decode(el)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sig, nil
}

func validateShape(el *Element) error {
	if len(el.Children) != 2 {
		return ErrInvalidSignature
	}
	return nil
}
"""


def test_go_statement_then_err_check_in_a_callback_removed():
    after = GO_CLOSURE.replace("\t\terr := validateShape(el)\n\t\tif err != nil {\n\t\t\treturn err\n\t\t}\n", "")
    hits = findings_of(RULE_ID, GO_CLOSURE, after, "sig/validate.go")
    assert [(f.unit, f.before.line) for f in hits] == [("Context.findSignature", 7)]
    assert "validateShape" in hits[0].message


def test_go_check_moved_into_a_helper_the_unit_calls_is_silent():
    after = GO_CLOSURE.replace(
        "\t\terr := validateShape(el)\n\t\tif err != nil {\n\t\t\treturn err\n\t\t}\n\t\tsig = decode(el)\n",
        "\t\ts, err := decodeChecked(el)\n\t\tif err != nil {\n\t\t\treturn err\n\t\t}\n\t\tsig = s\n",
    ) + "\nfunc decodeChecked(el *Element) (*Signature, error) {\n\tif err := validateShape(el); err != nil {\n\t\treturn nil, err\n\t}\n\treturn decode(el), nil\n}\n"
    assert findings_of(RULE_ID, GO_CLOSURE, after, "sig/validate.go") == []


def test_go_error_now_wrapped_is_silent():
    after = GO_CLOSURE.replace("\t\tif err != nil {\n\t\t\treturn err\n", "\t\tif err != nil {\n\t\t\treturn fmt.Errorf(\"shape: %w\", err)\n")
    assert findings_of(RULE_ID, GO_CLOSURE, after, "sig/validate.go") == []


def test_go_non_check_call_removed_is_silent():
    before = GO_CLOSURE.replace("err := validateShape(el)", "err := loadCache(el)")
    after = before.replace("\t\terr := loadCache(el)\n\t\tif err != nil {\n\t\t\treturn err\n\t\t}\n", "")
    assert findings_of(RULE_ID, before, after, "sig/validate.go") == []


JS = """
function requireToken(req, res, next) {
  try {
    req.claims = jwt.verify(req.headers.authorization, SECRET);
  } catch (err) {
    return res.status(401).send('unauthorized');
  }
  next();
}
"""


def test_js_verify_in_try_removed():
    after = JS.replace("""  try {
    req.claims = jwt.verify(req.headers.authorization, SECRET);
  } catch (err) {
    return res.status(401).send('unauthorized');
  }
""", "  req.claims = jwt.decode(req.headers.authorization);\n")
    hits = findings_of(RULE_ID, JS, after, "src/auth.js")
    assert [(f.unit, f.before.line) for f in hits] == [("requireToken", 4)], [f.message for f in hits]


def test_js_verify_kept_with_other_options_is_silent():
    after = JS.replace("jwt.verify(req.headers.authorization, SECRET)", "jwt.verify(req.headers.authorization, SECRET, { algorithms: ['HS256'] })")
    assert findings_of(RULE_ID, JS, after, "src/auth.js") == []


GO_METHOD = """
package oauth

func (f *Server) NewRequest(ctx context.Context, r *http.Request) (*Request, error) {
	req := &Request{}
	if err := f.validateRedirectURI(r, req); err != nil {
		return req, err
	}
	if err := f.validateScope(ctx, r, req); err != nil {
		return req, err
	}
	return req, nil
}
"""


def test_go_checks_moved_into_a_method_with_any_receiver_name_are_silent():
    after = """
package oauth

func (f *Server) NewRequest(ctx context.Context, r *http.Request) (*Request, error) {
	return f.newRequest(ctx, r, false)
}

func (s *Server) newRequest(ctx context.Context, r *http.Request, pushed bool) (*Request, error) {
	req := &Request{}
	if err := s.validateRedirectURI(r, req); err != nil {
		return req, err
	}
	if err := s.validateScope(ctx, r, req); err != nil {
		return req, err
	}
	return req, nil
}
"""
    assert findings_of(RULE_ID, GO_METHOD, after, "oauth/request.go") == []


def test_go_one_of_two_checks_dropped_in_the_same_move_fires():
    after = """
package oauth

func (f *Server) NewRequest(ctx context.Context, r *http.Request) (*Request, error) {
	return f.newRequest(ctx, r, false)
}

func (s *Server) newRequest(ctx context.Context, r *http.Request, pushed bool) (*Request, error) {
	req := &Request{}
	if err := s.validateScope(ctx, r, req); err != nil {
		return req, err
	}
	return req, nil
}
"""
    hits = findings_of(RULE_ID, GO_METHOD, after, "oauth/request.go")
    assert [(f.unit, f.before.line) for f in hits] == [("Server.NewRequest", 5)]
    assert "validateRedirectURI" in hits[0].message
