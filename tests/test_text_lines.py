"""semdiff.rules.base.text_lines: the families' shared split of a source text is the text's
own splitlines(), whatever text object asks, and one split serves every later reader of it."""
from semdiff.rules import base


def test_text_lines_equals_splitlines():
    for text in ("", "one", "a\nb\r\nc\rd\n", "x\n\n", "tab\tand\x0bform\x0cfeed\u2028line"):
        assert base.text_lines(text) == tuple(text.splitlines())


def test_text_lines_is_shared_by_text_object_and_not_by_equal_value():
    text = "".join(["def f():\n", "    return 1\n"])
    first = base.text_lines(text)
    assert base.text_lines(text) is first
    other = "".join(["def f():\n", "    return 2\n"])
    assert base.text_lines(other) == ("def f():", "    return 2")


def test_text_lines_keeps_a_bounded_number_of_texts():
    texts = [f"line {i}\nnext" for i in range(base._LINES_KEPT + 10)]
    for t in texts:
        base.text_lines(t)
    assert len(base._LINES) <= base._LINES_KEPT
    assert base.text_lines(texts[0]) == ("line 0", "next")
