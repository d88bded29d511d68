"""A formatter's parentheses, quotes and semicolons in JavaScript/TypeScript are not a change.

Seen on a real "formatting" commit of a zip library: Prettier rewrote
`((header.flags & 0x8) === 0x8) ? header.timeHighByte : header.crc >>> 24` in `decrypt`
without the outer parentheses, and the commit was reported as changing crypto code beyond
its purpose. Parentheses that regroup, and any other edit, still count."""
from __future__ import annotations

from semdiff.ir import Unit
from semdiff.pipeline import AnalyzeOptions, analyze_texts
from semdiff.purpose import tsshape

DECRYPT = """function decrypt(data, header, pwd) {
    const salt = data.slice(0, 12);
    // if bit 3 of the flags is set, check salt[11] against the high byte of the time
    const verifyByte = ((header.flags & 0x8) === 0x8) ? header.timeHighByte : header.crc >>> 24;
    if (salt[11] !== verifyByte) {
        throw new Error('ADM-ZIP: Wrong Password');
    }
    return decode(data.slice(12), pwd)
}

module.exports = { decrypt };
"""
PRETTIER = DECRYPT.replace("((header.flags & 0x8) === 0x8) ?", "(header.flags & 0x8) === 0x8 ?").replace(
    "'ADM-ZIP: Wrong Password'", '"ADM-ZIP: Wrong Password"').replace("return decode(data.slice(12), pwd)\n", "return decode(data.slice(12), pwd);\n")


def _exceeds(before: str, after: str, path: str = "methods/zipcrypto.js") -> bool:
    r = analyze_texts([(path, before, after)], AnalyzeOptions(purpose_text="formatting"))
    assert r.purpose is not None and r.purpose.claim == "format"
    return r.purpose.exceeds


def _unit(text: str, language: str = "javascript") -> Unit:
    return Unit(path="a.js", language=language, kind="function", qualname="f", name="f", span=None, text=text)  # type: ignore[arg-type]


def test_prettier_dropping_redundant_parentheses_is_no_change():
    assert _exceeds(DECRYPT, PRETTIER) is False


def test_a_changed_mask_under_a_formatting_message_is_still_a_change():
    assert _exceeds(DECRYPT, PRETTIER.replace("0x8) === 0x8", "0x4) === 0x8")) is True


def test_parentheses_that_regroup_are_a_change():
    before = _unit("function f(a, b, c) { return (a || b) && c; }")
    assert tsshape.same_code(before, _unit("function f(a, b, c) { return ((a || b)) && c }"))
    assert not tsshape.same_code(before, _unit("function f(a, b, c) { return a || b && c; }"))


def test_a_for_loop_keeps_its_semicolons():
    assert not tsshape.same_code(_unit("function f(x) { for (x;;) { g(); } }"), _unit("function f(x) { for (;x;) { g(); } }"))


def test_a_unit_that_does_not_parse_on_its_own_is_no_proof():
    method = "verify(token) { return (token === this.secret); }"
    assert tsshape.shape(_unit(method)) is None
    assert not tsshape.same_code(_unit(method), _unit(method.replace("(token === this.secret)", "token === this.secret")))


def test_typescript_types_are_compared_too():
    before = _unit("function f(a: string): boolean { return (a === 'x'); }", "typescript")
    assert tsshape.same_code(before, _unit('function f(a: string): boolean { return a === "x" }', "typescript"))
    assert not tsshape.same_code(before, _unit("function f(a: any): boolean { return a === 'x'; }", "typescript"))
