"""The shared readers of semdiff.rules._catalog_facts: assignment lines and literal readings."""
from __future__ import annotations

from semdiff.ir import Span, Unit
from semdiff.rules._catalog_facts import attribute_assignments, dict_literal, string_items


def _unit(text: str) -> Unit:
    lines = text.count("\n") + 1
    return Unit(path="m.py", language="python", kind="function", qualname="f", name="f",
                span=Span(1, lines), text=text)


def test_attribute_and_subscript_assignments_are_read_other_lines_are_not() -> None:
    text = "\n".join([
        "def f(ctx, app):",
        "    token = jwt.decode(value, 'k')",  # a plain name assigned: not an attribute
        "    ctx.check_hostname = False  # off",
        "    app.config['DEBUG'] = True",
        "    ctx.verify_mode == ssl.CERT_NONE",  # a comparison, not an assignment
        "    settings.x.y: int = 3",
        "    return ctx",
    ])
    found = [(a.line, a.target, a.key, a.value) for a in attribute_assignments(_unit(text))]
    assert found == [
        (3, "ctx.check_hostname", "check_hostname", "False"),
        (4, "app.config['DEBUG']", "DEBUG", "True"),
        (6, "settings.x.y", "y", "3"),
    ]


def test_literal_readings_repeat_and_hand_out_independent_dicts() -> None:
    assert string_items("['HS256', 'RS256']") == frozenset({"HS256", "RS256"})
    assert string_items("['HS256', 'RS256']") == frozenset({"HS256", "RS256"})
    assert string_items("[algo]") is None
    first = dict_literal("{'verify_signature': False, 'verify_exp': True}")
    assert first == {"verify_signature": False, "verify_exp": True}
    first["verify_signature"] = True  # a caller's change stays its own
    assert dict_literal("{'verify_signature': False, 'verify_exp': True}") == {"verify_signature": False, "verify_exp": True}
    assert dict_literal("not a dict") is None
