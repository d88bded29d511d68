"""The one quote-aware bracket scanner (semdiff/lang/normal.py) that call arguments, a call's
closing parenthesis and top-level splits share: brackets and commas inside strings are text."""
from semdiff.lang.normal import call_arguments, close_bracket, leading_expression, split_top
from semdiff.purpose.jsequiv import same_own_property_tests
from semdiff.rules.escaping_removed import _close_paren


def test_call_arguments_split_at_top_level_only() -> None:
    text = "f(a, g(b, c), 'x,)', [1, 2]) + 1"
    args, end = call_arguments(text, 1)
    assert args == ["a", "g(b, c)", "'x,)'", "[1, 2]"]
    assert text[end:] == " + 1"


def test_call_arguments_empty_and_unbalanced() -> None:
    assert call_arguments("f()", 1) == ([""], 3)
    assert call_arguments("f(a, (b)", 1) is None
    assert call_arguments('f("\\")", a', 1) is None  # the escaped quote keeps the string open


def test_close_bracket_skips_quoted_and_nested() -> None:
    text = 'escape(x + ")" + y(z)) rest'
    assert close_bracket(text, 6) == text.index(") rest")
    assert close_bracket("f(a", 1) is None
    assert _close_paren("f(a", 1) == 3  # unbalanced: the end of the text
    assert _close_paren(text, 6) == text.index(" rest")


def test_split_and_leading_expression_unchanged() -> None:
    assert split_top("a(b, c), 'd, e', f", ",") == ["a(b, c)", " 'd, e'", " f"]
    assert leading_expression("'a' + b}, c") == "'a' + b"


def test_own_property_rewrite_reads_arguments_through_the_scanner() -> None:
    before = "if (Object.prototype.hasOwnProperty.call(obj, 'a,b')) { go(); }"
    after = "if (obj.hasOwnProperty('a,b')) { go(); }"
    assert same_own_property_tests(before, after, frozenset())
    assert not same_own_property_tests(before, "if (obj.hasOwnProperty('a')) { go(); }", frozenset())
