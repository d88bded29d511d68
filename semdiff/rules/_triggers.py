"""Triggers: what a unit change must contain for a rule family to be able to report on it.

A family module may declare, next to its rule table, `TRIGGER = Trigger(...)`: a NECESSARY
condition for the family to report anything on a unit change, read from the change's own two
units (before and after):

- `calls`: last dotted parts of callee names (as `_callee_tails` reads them); the condition
  holds when either unit calls a callee with one of these last parts;
- `words`: substrings; it holds when either unit's text contains one of them;
- `iwords`: lower-case substrings, found in either unit's text in any letter case;
- `setting_keys`: lower-cased last parts of setting keys; it holds when either unit has a
  setting with one of these keys.

The trigger holds when any of its parts holds. A family with no TRIGGER always runs.

The pipeline (semdiff.pipeline) then (1) imports a family's module only when some unit change
of the change satisfies its trigger and (2) runs the family only on the unit changes that
satisfy it, so a family that cannot fire costs neither its import nor its run. To decide (1)
before the module is imported, the triggers are copied into a generated table
(`_trigger_table.py`; regenerate with `python -m semdiff.rules._triggers`);
tests/test_rule_triggers.py checks the table against the modules, checks that every fixture
and rule-table example gives the same report with gating on and off, and fails when a family
reports on a unit change its trigger does not admit (then widen the trigger).

A trigger must be exact in that sense: widen it (or drop it) whenever a family learns to fire
on something else. `SEMDIFF_NO_TRIGGERS=1` turns the gating off (every family imported and
run as before).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional

from semdiff.ir import Unit
from semdiff.rules._callee_tails import callee_tails

ENV_OFF = "SEMDIFF_NO_TRIGGERS"


@dataclass(frozen=True)
class Trigger:
    calls: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()
    iwords: tuple[str, ...] = ()
    setting_keys: frozenset[str] = frozenset()

    def admits_unit(self, unit: Optional[Unit]) -> bool:
        if unit is None:
            return False
        if self.calls and not callee_tails(unit).isdisjoint(self.calls):
            return True
        if self.words:
            text = unit.text
            if any(w in text for w in self.words):
                return True
        if self.iwords:
            text = _lower(unit)
            if any(w in text for w in self.iwords):
                return True
        if self.setting_keys:
            keys = self.setting_keys
            return any(s.key.rsplit(".", 1)[-1].lower() in keys for s in unit.settings)
        return False

    def admits(self, change: object) -> bool:
        """Could the family report on this unit change (by its before or after unit)?"""
        return self.admits_unit(change.after) or self.admits_unit(change.before)  # type: ignore[attr-defined]


_LOWER: dict[int, tuple[Unit, str]] = {}
_LOWER_MAX = 4096


def _lower(unit: Unit) -> str:
    """The unit's text in lower case (remembered per unit: several triggers and both passes ask)."""
    hit = _LOWER.get(id(unit))
    if hit is not None and hit[0] is unit:
        return hit[1]
    text = unit.text.lower()
    if len(_LOWER) >= _LOWER_MAX:
        _LOWER.clear()
    _LOWER[id(unit)] = (unit, text)
    return text


def enabled() -> bool:
    return os.environ.get(ENV_OFF, "") in ("", "0")


def table() -> Mapping[str, Trigger]:
    """Module name -> its trigger, from the generated table (no rule module imported)."""
    from semdiff.rules._trigger_table import TRIGGERS

    return TRIGGERS


def skipped_modules(changes: Iterable[object]) -> frozenset[str]:
    """The modules whose trigger no unit change of `changes` satisfies: their families cannot
    report on this change, so they need not be imported (empty when gating is off)."""
    if not enabled():
        return frozenset()
    triggers = table()
    units: list[Unit] = []
    for change in changes:
        for unit in (change.before, change.after):  # type: ignore[attr-defined]
            if isinstance(unit, Unit):
                units.append(unit)
    if not triggers:
        return frozenset()
    tails: set[str] = set()
    keys: set[str] = set()
    for unit in units:
        tails.update(callee_tails(unit))
        for s in unit.settings:
            keys.add(s.key.rsplit(".", 1)[-1].lower())
    out = set()
    for name, trig in triggers.items():
        if not ((trig.calls and not trig.calls.isdisjoint(tails)) or (trig.setting_keys and not trig.setting_keys.isdisjoint(keys)) \
                or (trig.words and any(w in u.text for u in units for w in trig.words))
                or (trig.iwords and any(w in _lower(u) for u in units for w in trig.iwords))):
            out.add(name)
    return frozenset(out)


def module_trigger(module_name: str) -> Optional[Trigger]:
    """The trigger that gates a family of this module (`semdiff.rules.x` or `x`), if any."""
    if not enabled():
        return None
    return table().get(module_name.rsplit(".", 1)[-1])


def render(triggers: Mapping[str, Trigger]) -> str:
    """The generated table's source, from each module's TRIGGER."""
    lines = [
        '"""GENERATED by `python -m semdiff.rules._triggers` from each rule module\'s TRIGGER: do not edit.',
        "",
        "Read before any rule module is imported (semdiff.rules._triggers); tests/test_rule_triggers.py",
        'checks it against the modules."""',
        "from semdiff.rules._triggers import Trigger",
        "",
        "TRIGGERS = {",
    ]
    for name in sorted(triggers):
        t = triggers[name]
        lines.append(f"    {name!r}: Trigger(")
        lines.append(f"        calls=frozenset({sorted(t.calls)!r}),")
        lines.append(f"        words={tuple(t.words)!r},")
        lines.append(f"        iwords={tuple(t.iwords)!r},")
        lines.append(f"        setting_keys=frozenset({sorted(t.setting_keys)!r}),")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def declared() -> dict[str, Trigger]:
    """Every rule module's own TRIGGER (imports every module)."""
    import importlib

    import semdiff.rules as package

    package.load_all()
    out = {}
    for name in package.module_names():
        trig = getattr(importlib.import_module(f"semdiff.rules.{name}"), "TRIGGER", None)
        if trig is not None:
            out[name] = trig
    return out


if __name__ == "__main__":
    from pathlib import Path

    Path(__file__).with_name("_trigger_table.py").write_text(render(declared()))
