"""Call.statement (a call that is an expression statement, or awaited as one) per tree-sitter
language. TreeSitterBackend._call answers False without reading the call's parent when the
byte after the call is `.`, `(`, `[`, `,` or `)` in a tree without errors; these cases pin the
answer for calls on both sides of that shortcut, and for a tree with errors (parent read)."""
from __future__ import annotations

import pytest

from semdiff.lang.registry import backend_for


def _statements(path: str, text: str) -> dict[str, bool]:
    backend = backend_for(path, text.split("\n", 1)[0])
    assert backend is not None
    parsed = backend.parse(path, text)
    return {c.text: c.statement for u in parsed.units for c in u.calls}


@pytest.mark.parametrize("path,text,expected", [
    ("a.js", "function f() {\n  foo();\n  a.b().c(d(), e(x));\n  await g();\n  y = h();\n  k()\n}\n",
     {"foo()": True, "a.b().c(d(), e(x))": True, "a.b()": False, "d()": False, "e(x)": False, "g()": True, "h()": False,
      "k()": True}),
    ("a.ts", "function f(): void {\n  foo()[0];\n  (bar());\n  baz()!;\n  qux();\n}\n",
     {"foo()": False, "bar()": False, "baz()": False, "qux()": True}),
    ("a.go", "package p\n\nfunc f() {\n\tfoo()\n\tx := bar()\n\ta.B().C(d(), e())\n\tif g(); x {\n\t}\n}\n",
     {"foo()": True, "bar()": False, "a.B().C(d(), e())": True, "a.B()": False, "d()": False, "e()": False, "g()": True}),
    ("A.java", "class A {\n  void f() {\n    foo();\n    a.b().c(d());\n    int x = g();\n  }\n}\n",
     {"foo()": True, "a.b().c(d())": True, "a.b()": False, "d()": False, "g()": False}),
    # a syntax error elsewhere in the file: every parent is read
    ("b.js", "function f() {\n  foo();\n  a.b().c();\n}\nfunction g( {\n", {"foo()": True, "a.b().c()": True, "a.b()": False}),
])
def test_call_statement_flag(path: str, text: str, expected: dict[str, bool]) -> None:
    got = _statements(path, text)
    for call, statement in expected.items():
        assert got.get(call) is statement, (call, got)
