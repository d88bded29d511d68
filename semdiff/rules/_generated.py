"""Build output rebuilt in the same change as its sources.

A release commit regenerates `dist/axios.js`, `dist/esm/axios.js`, `dist/node/axios.cjs`, ...
from `lib/`. Every check the sources dropped is dropped again in each bundle, and each copy
read as its own medium or high finding (ten per release). The sources' own changes are
analysed and reported; a bundle rebuilt beside them repeats them, so its findings are kept
but at low severity, saying why. A bundle changed *without* any source change of its
language (a hand edit of shipped output, where a payload could hide) keeps its severity.

Build output: a minifier's file name (`app.min.js`, `x.bundle.min.js`), JavaScript (and
declaration files) under `dist/` or `build/`, or a unit on a line longer than anyone writes
(the same reading as semdiff.purpose.effects.minified, which judges claims).
"""
from __future__ import annotations

import re
from typing import Mapping, Optional

# Also semdiff.purpose.effects.minified's name test: one pattern for "build output".
BUILD_NAME = re.compile(r"[.-]min\.(js|mjs|cjs|css)$|\.bundle\.min\.|(^|/)(dist|build)/.+\.(js|mjs|cjs|d\.ts)$")
_LONG_LINE = 500
_JS_SOURCE = re.compile(r"\.(js|mjs|cjs|jsx|ts|mts|cts|tsx)$")


def build_output(path: str, text: str = "") -> bool:
    if BUILD_NAME.search(path):
        return True
    return bool(text) and _JS_SOURCE.search(path) is not None and any(len(l) > _LONG_LINE for l in text.splitlines())


def _source_paths(units: Mapping[tuple[str, str], object]) -> set[str]:
    memo = getattr(units, "__dict__", None)
    if memo is not None and "_generated_sources" in memo:
        return memo["_generated_sources"]
    out = {p for (p, _q) in units if _JS_SOURCE.search(p) and not BUILD_NAME.search(p)}
    if memo is not None:
        memo["_generated_sources"] = out
    return out


def rebuilt_from(path: str, text: str, before_units, after_units, changed: Optional[set[str]] = None) -> list[str]:
    """Source files (JS/TS, not build output) changed in the same change as build output
    `path`, or [] when `path` is not build output or no such source changed."""
    if not _JS_SOURCE.search(path) or not build_output(path, text):
        return []
    sources = _source_paths(after_units) | _source_paths(before_units)
    if changed is not None:
        sources &= changed
    return sorted(sources)


def rebuilt_beside(path: str, text: str, changed_paths) -> bool:  # noqa: ANN001 - an iterable of paths
    """Whether `path` is build output and a JS/TS source file (not build output) is among
    `changed_paths`: the bundle was regenerated with its sources (semdiff.purpose.effects
    judges a claim on the sources, not on the bundle's repeat of them)."""
    if not _JS_SOURCE.search(path) or not build_output(path, text):
        return False
    return any(_JS_SOURCE.search(p) and not BUILD_NAME.search(p) for p in changed_paths)


def as_generated(change, ctx, findings: list) -> list:
    """Findings in build output rebuilt beside its sources repeat the sources' own: low, saying so."""
    if not findings:
        return findings
    from dataclasses import replace

    from semdiff.model import Severity

    unit = change.after or change.before
    sources = rebuilt_from(change.path, unit.text if unit is not None else "", ctx.before_units, ctx.after_units)
    if not sources:
        return findings
    shown = ", ".join(sources[:3]) + (f" and {len(sources) - 3} more" if len(sources) > 3 else "")
    note = (f" `{change.path}` is build output regenerated in this change together with its sources ({shown}), "
            "whose own changes are analysed: this repeats them (check that the bundle matches a clean build).")
    return [replace(f, severity=min(f.severity, Severity.LOW), message=f.message + note) for f in findings]
