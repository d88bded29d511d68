"""Rule families. Each module registers itself with `semdiff.rules.base.family`."""
from __future__ import annotations

import importlib
import pkgutil

_LOADED = False


def load_all() -> None:
    """Import every rule-family module in this package once (they self-register)."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for info in pkgutil.iter_modules(__path__):
        if info.name in ("base",) or info.name.startswith("_"):
            continue
        importlib.import_module(f"{__name__}.{info.name}")
