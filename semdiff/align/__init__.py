"""Alignment stage: pairs before/after units and keeps those a hunk touches."""
from semdiff.align.units import UnitChange, ChangeKind, align_units

__all__ = ["UnitChange", "ChangeKind", "align_units"]
