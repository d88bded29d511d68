"""The tree-sitter pass: what one file contributes to the call graph."""
from __future__ import annotations

import textwrap

from semdiff.relevance.facts import CallSite, Definition, FileFacts, Import, RouteSite, extractor_for
from semdiff.relevance.extract_python import PythonExtractor


def facts(text: str) -> FileFacts:
    return PythonExtractor().extract("m.py", textwrap.dedent(text).lstrip("\n").encode())


def test_imports_absolute_relative_aliased_and_star():
    f = facts(
        """
        import os.path, hashlib as h
        from ..pkg.sub import a, b as c
        from . import sibling
        from .x import *
        from jwt import (
            decode,
        )
        """
    )
    assert f.imports == (
        Import("os", "os", "", 0),
        Import("h", "hashlib", "", 0),
        Import("a", "pkg.sub", "a", 2),
        Import("c", "pkg.sub", "b", 2),
        Import("sibling", "", "sibling", 1),
        Import("*", "x", "", 1),
        Import("decode", "jwt", "decode", 0),
    )


def test_definitions_calls_and_scopes():
    f = facts(
        """
        class A(Base, mod.Mixin, metaclass=Meta):
            def m(self):
                self.n()

            async def n(self):
                def inner():
                    return check()
                return inner()

        top()
        obj.attr.call(x)
        factory()().skipped()
        """
    )
    assert f.definitions == (
        Definition("A", "class", 1, 8, ("Base", "mod.Mixin")),
        Definition("A.m", "method", 2, 3),
        Definition("A.n", "method", 5, 8),
        Definition("A.n.inner", "function", 6, 7),
    )
    assert [(c.scope, c.target, c.line) for c in f.calls] == [
        ("A.m", "self.n", 3),
        ("A.n.inner", "check", 7),
        ("A.n", "inner", 8),
        ("<module>", "top", 10),
        ("<module>", "obj.attr.call", 11),
        ("<module>", "factory", 12),
    ]
    assert not f.partial


def test_decorators_routes_and_depends():
    f = facts(
        """
        @app.route("/a", methods=["POST"])
        @login_required
        @limiter.limit("5/minute")
        def a():
            pass

        @router.get(path="/b")
        def b(user=Depends(current_user), db=Security(dependency=get_db)):
            pass

        @cache.get
        def c():
            pass

        app.add_url_rule("/d", "d", view_func=views.d)
        """
    )
    assert f.routes == (
        RouteSite("<module>", "a", "/a", "flask", 1, True),
        RouteSite("<module>", "b", "/b", "flask/fastapi", 7, True),
        RouteSite("<module>", "views.d", "/d", "flask", 15, False),
    )
    kinds = [(c.scope, c.target, c.kind) for c in f.calls if c.kind != "call"]
    assert kinds == [
        ("a", "login_required", "decorator"),
        ("a", "limiter.limit", "decorator"),
        ("c", "cache.get", "decorator"),  # no rule string: a plain decorator, not a route
        ("b", "current_user", "depends"),
        ("b", "get_db", "depends"),
    ]


def test_django_patterns_only_when_path_comes_from_django():
    text = """
        from django.urls import path, re_path
        urlpatterns = [path("u/", views.users), re_path(r"^r/$", views.R.as_view()), path("x/", include("y"))]
        """
    f = facts(text)
    assert [(r.handler, r.rule, r.framework) for r in f.routes] == [("views.users", "u/", "django"), ("views.R", "^r/$", "django")]
    assert facts(text.replace("from django.urls import path, re_path", "from os import path, re_path")).routes == ()


def test_syntax_errors_and_garbage_never_raise():
    ex = PythonExtractor()
    partial = ex.extract("m.py", b"def ok():\n    check()\n\ndef broken(:\n    pass\n")
    assert partial.partial and partial.definitions[0].qualname == "ok"
    assert ("ok", "check") in [(c.scope, c.target) for c in partial.calls]
    for data in (b"", b"\xff\xfe\x00\x00binary\x00", b"(" * 100_000, b"if x:\n" + b" " * 10_000 + b"y()\n"):
        assert isinstance(ex.extract("m.py", data), FileFacts)


def test_deep_nesting_is_iterative():
    depth = 500
    text = "".join("    " * d + f"def f{d}():\n" for d in range(depth)) + "    " * depth + "leaf()\n"
    f = PythonExtractor().extract("m.py", text.encode())
    assert len(f.definitions) == depth and not f.partial
    assert f.calls[-1].scope == ".".join(f"f{d}" for d in range(depth))
    # beyond the grammar's indentation limit the tree is partial, never a crash
    deeper = "".join("    " * d + f"def f{d}():\n" for d in range(1500)) + "    " * 1500 + "leaf()\n"
    assert PythonExtractor().extract("m.py", deeper.encode()).partial
    nested_lists = b"x = " + b"[" * 20000 + b"f()" + b"]" * 20000
    assert [c.target for c in PythonExtractor().extract("m.py", nested_lists).calls] == ["f"]


def test_token_soup_is_refused_but_a_real_unclosed_bracket_is_not():
    ex = PythonExtractor()
    for soup in (b"(" * 100_000, b"lambda: " * 30_000):
        f = ex.extract("m.py", soup)
        assert f.error.startswith("parse-limit") and f.partial and f.calls == ()
    body = "".join(f"def f{i}(x):\n    return g{i}(x)\n\n" for i in range(3000))
    f = ex.extract("m.py", ("x = foo(\n" + body).encode())
    assert f.partial and f.error == ""
    assert len(f.calls) > 1000


def test_json_round_trip_and_extractor_registry():
    f = facts("@app.get('/x')\ndef v(u=Depends(d)):\n    import a.b as c\n    c.f()\n")
    assert FileFacts.from_json(f.to_json()) == f
    assert extractor_for("pkg/mod.py").language == "python"
    assert extractor_for("README.md") is None and extractor_for("py") is None
    assert extractor_for("dir.py/file") is None
    assert CallSite("v", "c.f", 4, 4, "call") in f.calls
