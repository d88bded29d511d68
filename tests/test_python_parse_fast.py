"""python_nodes.parse_module: libcst's parse without per-node re-validation, same trees."""
from __future__ import annotations

import threading

import libcst as cst
import pytest

from semdiff.lang import python_nodes
from semdiff.lang.python_cst import PythonBackend
from semdiff.lang.python_nodes import parse_module

SOURCES = [
    "x = 1\n",
    "@app.route('/a', methods=['GET'])\n@login_required\ndef view(request, *a, k=3, **kw):\n    '''doc'''\n"
    "    if not request.user.is_staff and (a or kw):\n        raise PermissionDenied()\n"
    "    return {'ok': [i for i in range(3) if i != 2]}\n",
    "class C(Base, metaclass=M):\n    X: int = 2\n    async def f(self):\n        async with a as b:\n"
    "            await g(*b)\n        try:\n            pass\n        except* (E, F) as e:\n            raise\n",
    "match cmd:\n    case {'a': [1, *rest]} | Point(x=0):\n        pass\n    case _:\n        y = lambda q: q ** -1\n",
    "s = f'{a!r:>{w}}' + r'\\d' 'x'\n# trailing comment\n\n",
    "if a:\r\n    b = 1\r\nelif c:\r\n    d = (1,\r\n         2)\r\n",
]


@pytest.mark.parametrize("text", SOURCES)
def test_same_tree_as_libcst(text):
    ours, theirs = parse_module(text), cst.parse_module(text)
    assert ours.deep_equals(theirs)
    assert ours.code == text


@pytest.mark.parametrize("text", ["def f(:\n", "x = = 1\n", "if a\n    pass\n"])
def test_syntax_errors_still_raise(text):
    with pytest.raises(cst.ParserSyntaxError):
        parse_module(text)


def test_text_cpython_refuses_keeps_the_validating_parse():
    """libcst's grammar accepts str + bytes concatenation; only its validation refuses it."""
    text = "s = 'a' b'b'\n"
    assert parse_module(text).code == text  # what the skip alone would give
    with pytest.raises(cst.CSTValidationError):  # as before: the pipeline reports it, not analysed
        PythonBackend().parse("m.py", text)


def test_nodes_built_outside_a_parse_are_validated():
    parse_module("x = 1\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")
    with pytest.raises(cst.CSTValidationError):
        cst.Integer("1.5")


def test_nodes_built_by_another_thread_during_a_parse_are_validated(monkeypatch):
    """The skip belongs to the parsing thread only."""
    errors: list[BaseException] = []

    def other() -> None:
        try:
            cst.Name("1bad")
        except cst.CSTValidationError as exc:
            errors.append(exc)

    real = cst.parse_module

    def parse_and_meanwhile(text, *a, **k):
        t = threading.Thread(target=other)
        t.start()
        t.join()
        return real(text, *a, **k)

    monkeypatch.setattr(cst, "parse_module", parse_and_meanwhile)
    parse_module("y = 2\n")
    assert len(errors) == 1
    assert python_nodes._SKIPPING is None


def test_backend_results_unchanged_by_the_skip(monkeypatch):
    """The whole backend gives the same units with libcst's own validating parse."""
    text = SOURCES[1] + SOURCES[2]
    fast = PythonBackend().parse("m.py", text)
    monkeypatch.setattr(python_nodes, "_can_skip_validation", lambda: False)
    slow = PythonBackend().parse("m.py", text)
    assert fast == slow
    assert [u.qualname for u in fast.units] == ["view", "C.f", "C", "<module>"]
    guard = fast.units[0].guards[1]
    assert guard.span.line == 5 and guard.kind == "branch"
