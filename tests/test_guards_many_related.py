"""guards: a unit with many checks whose tests share names (each check's test is in the path of
the next ones) relates every old check to the new ones by equality classes; the result is the
one the list-membership loop gave, also when the pool holds equal guards that are not the
same object (a callee's guards inlined twice)."""
from __future__ import annotations

from dataclasses import replace

from rulekit import findings_of
from semdiff.lang.registry import backend_for
from semdiff.rules.guards import _keys, _path_holds, _related, equal_classes

N = 40
CHECKS = "".join(f"    if not allowed(user, 'perm{i}', x{i % 3}):\n        raise Forbidden('perm{i}')\n" for i in range(N))
BEFORE = f"def handle(user, x0, x1, x2):\n{CHECKS}    return run(user)\n"


def _old_related(g, pool):
    """_related as it was written with `h in taken` (equality over the list)."""
    pool = list(pool)
    own = _keys(g.condition)
    taken = [h for h in pool if own & _keys(h.condition) or own & _keys(h.deny_when) and (not _keys(h.condition) or _path_holds(g, h, own))]
    keys = set().union(*(_keys(h.deny_when) for h in taken)) if taken else set()
    changed = True
    while changed:
        changed = False
        for h in pool:
            if h in taken:
                continue
            if keys & _keys(h.condition):
                taken.append(h)
                keys |= _keys(h.deny_when)
                changed = True
    return taken


def _guards(src: str):
    parsed = backend_for("app/views.py").parse("app/views.py", src)
    unit = next(u for u in parsed.units if u.qualname == "handle")
    return [g for g in unit.guards if g.reachable]


def test_one_check_dropped_from_many_is_reported_at_its_line():
    dropped = "    if not allowed(user, 'perm17', x2):\n        raise Forbidden('perm17')\n"
    hits = findings_of("removed-guard", BEFORE, BEFORE.replace(dropped, ""), "app/views.py")
    assert [(f.unit, f.before.line) for f in hits] == [("handle", 2 + 2 * 17)]


def test_many_checks_unchanged_report_nothing():
    assert findings_of("removed-guard", BEFORE, BEFORE, "app/views.py") == []


def test_equal_guards_that_are_distinct_objects_are_taken_once_as_before():
    pool = _guards(BEFORE)
    assert len(pool) >= N  # each check, and what the unit's end is read as
    twins = pool[:5] + [replace(h) for h in pool[:5]] + pool[5:]
    classes = equal_classes(twins)
    assert classes[5:10] == [0, 1, 2, 3, 4] and classes[:5] == [0, 1, 2, 3, 4]
    sizes = []
    for g in pool[::7]:
        new = _related(g, twins, classes)
        assert [id(h) for h in new] == [id(h) for h in _old_related(g, twins)]
        assert [id(h) for h in _related(g, twins)] == [id(h) for h in new]
        sizes.append(len(new))
    assert max(sizes) > 10  # the checks are related through the names their tests share
