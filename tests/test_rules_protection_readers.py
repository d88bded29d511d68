"""The small readers behind protection-removed's browser-policy, origin-bypass and
identity-namespace checks: what counts as a policy string, an origin test, a boolean
formula of a statement, and a namespaced identity value."""
from __future__ import annotations

from semdiff import logic
from semdiff.ir import Atom, atoms_of, conj, neg
from semdiff.rules.protection_removed import bool_formula, is_origin_check, policy_tokens


def test_policy_strings_are_headers_and_directive_lists_not_prose():
    assert policy_tokens('h.set("Content-Security-Policy", "default-src \'self\'; frame-ancestors \'none\'")') == [
        "content-security-policy", "csp default-src", "csp frame-ancestors"]
    assert policy_tokens('p = base + "; sandbox allow-scripts"') == ["csp sandbox"]
    assert policy_tokens("r.headers['X-Content-Type-Options'] = 'nosniff'") == ["x-content-type-options", "nosniff"]
    # prose naming a directive, a payment mode called sandbox, a docstring and a comment
    assert policy_tokens('help = "If True, add a \'sandbox\' directive to the Content-Security-Policy header"') == []
    assert policy_tokens("mode = 'sandbox'") == []
    assert policy_tokens('def f():\n    """Sets "X-Frame-Options"."""\n    # "frame-ancestors \'none\'"\n    return 1\n') == []


def test_origin_checks_by_name():
    for callee in ("isURLSameOrigin", "utils.is_same_origin", "isSameSite", "same_host", "url_has_allowed_host_and_scheme"):
        assert is_origin_check(callee), callee
    for callee in ("getOrigin", "sameValue", "origin.parse", "is_secure"):
        assert not is_origin_check(callee), callee


def test_bool_formula_reads_both_operator_spellings_and_parentheses():
    js = bool_formula("(config.withCredentials || isSame(u)) && config.name && !skip")
    py = bool_formula("(config.withCredentials or isSame(u)) and config.name and not skip")
    assert logic.equivalent(js, py) is True
    before = bool_formula("isSame(u) && config.name")
    origin = Atom(key="isSame(u)", text="isSame(u)")
    # after holds with the origin test false (withCredentials true); before never does
    w = logic.witness(conj(neg(origin), js), before)
    assert w is not None and w["isSame(u)"] is False and w["config.withCredentials"] is True
    # a stricter after never holds where before fails
    stricter = bool_formula("config.name && isSame(u) && !config.skip")
    assert logic.witness(conj(neg(origin), stricter), before) is None


def test_bool_formula_keeps_strings_and_calls_whole():
    f = bool_formula("a == 'x || y' && f(b, c || d)")
    assert [a.key for a in atoms_of(f)] == ['a=="x || y"', "f(b,c||d)"]
