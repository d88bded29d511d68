"""libcst's node checks are skipped only for text Python's own parser accepted (python_cst).

Three promises: malformed text is answered exactly as libcst's checked parse answers it (the
same "syntax error at line N: ..." entry, never an exception); valid text gives the very tree
the checked parse gives; and the checks are back on for everyone once the parse is over, and
on for other threads while it runs.
"""
from __future__ import annotations

import threading
from pathlib import Path

import libcst as cst
import pytest

from semdiff.ir_codec import encode
from semdiff.lang import python_cst
from semdiff.lang.python_cst import PythonBackend, parse_valid_module

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "python"
SIDES = sorted(p for d in FIXTURES.iterdir() if d.is_dir() for p in d.glob("*.py"))

MALFORMED = {
    "unclosed paren": "def f(x:\n    return x\n",
    "bad indent": "def f():\nreturn 1\n",
    "python 2 print": "print 'hello'\n",
    "stray token": "x = 1 +* 2\n",
    "unterminated string": "s = 'abc\n",
    "conflict markers": "<<<<<<< HEAD\nx = 1\n=======\nx = 2\n>>>>>>> other\n",
    "keyword as name": "class = 3\n",
    "half a guard": "def view(u):\n    if not u.is_admin\n        raise PermissionError()\n",
    "tab mix": "if x:\n\tif y:\n        pass\n",
    "lone except": "except ValueError:\n    pass\n",
}


def _checked_answer(text: str) -> str:
    """What the backend answered before: libcst's own parse, every node checked."""
    try:
        cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        return f"syntax error at line {exc.raw_line}: {exc.message}"
    raise AssertionError("expected libcst to refuse this text")


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_text_is_a_syntax_error_entry_as_before(name: str) -> None:
    text = MALFORMED[name]
    parsed = PythonBackend().parse("bad.py", text)
    assert parsed.units == ()
    assert parsed.error == _checked_answer(text)
    assert parsed.error.startswith("syntax error at line ")


def test_a_nul_byte_is_refused_as_before() -> None:
    parsed = PythonBackend().parse("nul.py", "x = 1\x00\n")
    assert parsed.units == () and parsed.error.startswith("syntax error at line ")


@pytest.mark.parametrize("side", SIDES[::7], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_valid_text_gives_the_checked_parse_tree(side: Path) -> None:
    text = side.read_text()
    checked = cst.parse_module(text)
    unchecked = parse_valid_module(text)
    assert unchecked.deep_equals(checked)
    assert unchecked.code == text


def test_the_backend_answer_is_the_same_with_and_without_the_checks(monkeypatch) -> None:
    texts = [p.read_text() for p in SIDES[::5]]
    fast = [encode(PythonBackend().parse("x.py", t)) for t in texts]
    monkeypatch.setattr(python_cst, "parse_valid_module", cst.parse_module)
    assert fast == [encode(PythonBackend().parse("x.py", t)) for t in texts]


def test_checks_are_back_on_after_a_parse_and_after_a_failed_one() -> None:
    parse_valid_module("x = 1\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("")
    with pytest.raises(cst.ParserSyntaxError):
        parse_valid_module("def (:\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("")


def test_another_thread_building_nodes_meanwhile_is_still_checked(monkeypatch) -> None:
    seen: list[str] = []
    real_parse = cst.parse_module

    def other_thread_builds_a_bad_node() -> None:
        try:
            cst.Name("")
            seen.append("unchecked")
        except cst.CSTValidationError:
            seen.append("checked")

    def parse_while_another_thread_builds(text: str) -> cst.Module:
        worker = threading.Thread(target=other_thread_builds_a_bad_node)
        worker.start()
        worker.join()
        return real_parse(text)

    idle = threading.Event()
    bystander = threading.Thread(target=idle.wait)  # a second thread exists, as under a pool's manager
    bystander.start()
    try:
        monkeypatch.setattr(cst, "parse_module", parse_while_another_thread_builds)
        parse_valid_module("x = 1\n")
    finally:
        idle.set()
        bystander.join()
    assert seen == ["checked"]


def test_valid_code_libcst_checks_wrongly_refused_is_now_analysed() -> None:
    # valid Python (ast accepts it) on which libcst 1.x's checks crash with a TypeError (its
    # issue #1061); the checked parse made it an "internal error" entry, the unchecked one reads it
    text = "def f(x):\n    if not x:\n        raise PermissionError()\n    return () if 0 else(lambda:())\n"
    with pytest.raises(Exception):
        cst.parse_module(text)
    parsed = PythonBackend().parse("ok.py", text)
    assert parsed.error is None and [u.qualname for u in parsed.units if u.kind == "function"] == ["f"]


def test_node_classes_get_their_own_init_back_after_a_parse() -> None:
    inits = python_cst._inits()
    assert cst.Name in inits and cst.Comma in inits
    parse_valid_module("x = f(a, b=[1, 2])\n")
    with pytest.raises(cst.ParserSyntaxError):
        parse_valid_module("def (:\n")
    assert all(cls.__dict__["__init__"] is entry[0] for cls, entry in inits.items())


@pytest.mark.parametrize("which", [1, 2])
def test_the_replacement_inits_build_what_libcst_builds(which: int) -> None:
    """Same fields, same defaults, a fresh object from each default factory (a node's
    whitespace is its own), positional and keyword arguments alike."""

    def build() -> list:
        comma = cst.Comma()
        return [cst.Name("x"), cst.Name(value="y", lpar=[cst.LeftParen()], rpar=[cst.RightParen()]), comma, cst.Comma(),
                cst.Arg(cst.Name("v"), keyword=cst.Name("k")), cst.Integer("1")]

    before = build()
    python_cst._set_inits(which)
    try:
        during = build()
        assert cst.Name.__dict__["__init__"] is python_cst._inits()[cst.Name][which]  # compiled and in place
        assert python_cst._inits()[cst.Name][which] is not python_cst._inits()[cst.Name][0]
    finally:
        python_cst._set_inits(0)
    assert [n.deep_equals(m) for n, m in zip(before, during)] == [True] * len(before)
    assert during[2].whitespace_after is not during[3].whitespace_after  # default factory: fresh per node
    assert all(type(n).__init__ is python_cst._inits()[type(n)][0] for n in during)
