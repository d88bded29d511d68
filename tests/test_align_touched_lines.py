"""Which changed lines a unit change carries: its own, not those of units nested in it."""
from __future__ import annotations

from semdiff.align.units import align_units
from semdiff.ir import Span, Unit
from semdiff.model import ChangeStatus, FileChange


def _u(qualname: str, kind: str, first: int, last: int, parent: str | None = None) -> Unit:
    return Unit(path="m.py", language="python", kind=kind, qualname=qualname, name=qualname.rsplit(".", 1)[-1],
                span=Span(first, last), parent=parent, text=f"{qualname}\n", body_key=qualname)


def _side() -> list[Unit]:
    return [
        _u("<module>", "module", 1, 30),
        _u("Service", "class", 2, 20, "<module>"),
        _u("Service.load", "method", 4, 9, "Service"),
        _u("Service.fetch", "method", 11, 15, "Service"),
        _u("helper", "function", 22, 28, "<module>"),
    ]


def test_lines_go_to_the_innermost_unit_and_untouched_units_are_left_out() -> None:
    fc = FileChange("m.py", "m.py", ChangeStatus.MODIFIED)
    changes = align_units(fc, _side(), _side(), removed_lines=[10, 5, 5, 3], added_lines=[25, 3, 30, 7])
    got = {c.qualname: (c.touched_before, c.touched_after) for c in changes}
    assert got == {
        "<module>": ((), (30,)),  # line 30: module level; 3 and 10 are inside Service
        "Service": ((3, 10), (3,)),  # class body lines outside both methods
        "Service.load": ((5,), (7,)),
        "helper": ((), (25,)),
    }  # Service.fetch: no line of its own changed, so it is no unit change
