"""Family triggers (semdiff.rules._triggers) are exact: gating changes no report.

A trigger is a necessary condition for its family to report on a unit change. These tests run
every fixture case and every rule-table example with gating off, recording each family's
findings per unit change, and fail when a family reports on a unit change its trigger does
not admit (a detection change that needs the trigger widened); then run the same input with
gating on and require the identical report. Focused tests cover the table, the import
gating and the trigger's own reading of a unit.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import semdiff.rules as package
from semdiff.ir import Call, Setting, Span, Unit
from semdiff.pipeline import analyze_texts
from semdiff.rules import _triggers, base

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_fixtures import case_folders, load_case  # noqa: E402
from test_rule_table_examples import _examples  # noqa: E402


def test_generated_table_matches_the_modules():
    want = _triggers.render(_triggers.declared())
    got = (ROOT / "semdiff" / "rules" / "_trigger_table.py").read_text()
    assert got == want, "regenerate: python -m semdiff.rules._triggers"


def test_table_names_rule_modules_with_families():
    package.load_all()
    modules = {fam.check.__module__.rsplit(".", 1)[-1] for fam in base._FAMILIES.values()}
    assert set(_triggers.table()) <= modules
    assert _triggers.table(), "no family declares a trigger"


@pytest.fixture(scope="module")
def recording():
    """Every family wrapped: (family, module) of each unit change it reported on outside its trigger."""
    package.load_all()
    outside: list[str] = []
    saved = dict(base._FAMILIES)

    def wrap(fam: base.Family) -> base.Family:
        module = fam.check.__module__
        trigger = _triggers.table().get(module.rsplit(".", 1)[-1])

        def check(change, ctx):
            found = list(fam.check(change, ctx))
            if found and trigger is not None and not trigger.admits(change):
                outside.append(f"{fam.name} reported {[f.rule_id for f in found]} on {change.path}:{change.qualname}")
            return found

        check.__module__ = module
        return replace(fam, check=check)

    for name, fam in saved.items():
        base._FAMILIES[name] = wrap(fam)
    try:
        yield outside
    finally:
        base._FAMILIES.clear()
        base._FAMILIES.update(saved)


def _same_either_way(monkeypatch, outside: list[str], pairs) -> None:
    monkeypatch.setenv(_triggers.ENV_OFF, "1")
    off = analyze_texts(pairs)
    assert not outside, "a family reported outside its trigger (widen the TRIGGER, regenerate the table): " + "; ".join(outside)
    monkeypatch.delenv(_triggers.ENV_OFF)
    on = analyze_texts(pairs)
    assert on.findings == off.findings
    assert on.not_analyzed == off.not_analyzed


@pytest.mark.parametrize("folder", case_folders(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_same_with_and_without_gating(folder, recording, monkeypatch):
    case = load_case(folder)
    recording.clear()
    _same_either_way(monkeypatch, recording, [(case.path, case.before_text, case.after_text)])


@pytest.mark.parametrize("rule_id,path,example", list(_examples()))
def test_example_same_with_and_without_gating(rule_id, path, example, recording, monkeypatch):
    recording.clear()
    _same_either_way(monkeypatch, recording, [(path, example.before, example.after)])


# ------------------------------------------------------------------ focused


def _unit(text: str = "", calls: tuple[str, ...] = (), settings: tuple[str, ...] = ()) -> Unit:
    span = Span(1, 1)
    return Unit("a.py", "python", "function", "f", "f", span, text=text,
                calls=tuple(Call(c, (), span, f"{c}()") for c in calls),
                settings=tuple(Setting(k, "False", span, f"{k}=False") for k in settings))


class _Change:
    def __init__(self, before, after):
        self.before, self.after = before, after


def test_trigger_reads_callee_last_parts_words_and_setting_keys():
    t = _triggers.Trigger(calls=frozenset({"chmod"}), words=("redirect",), iwords=("referer",),
                          setting_keys=frozenset({"autoescape"}))
    assert t.admits(_Change(None, _unit(calls=("os.chmod",))))
    assert t.admits(_Change(_unit(calls=("chmod",)), None))
    assert not t.admits(_Change(_unit(calls=("os.chmodx", "chmod.x")), _unit(calls=("print",))))
    assert t.admits(_Change(_unit(text="return redirect(x)"), _unit()))
    assert not t.admits(_Change(_unit(text="return Redirect(x)"), _unit()))
    assert t.admits(_Change(_unit(), _unit(text="r = META['HTTP_REFERER']")))
    assert not t.admits(_Change(_unit(), _unit(text="r = META['HTTP_REFERRER']")))
    assert t.admits(_Change(_unit(), _unit(settings=("env.AutoEscape",))))
    assert not t.admits(_Change(_unit(), _unit(settings=("escape",))))
    assert not _triggers.Trigger().admits(_Change(_unit(text="anything", calls=("x",)), _unit()))


def test_skipped_modules_are_those_no_unit_change_satisfies(monkeypatch):
    changes = [_Change(_unit(text="x = 1", calls=("print",)), _unit(text="x = 2", calls=("print",)))]
    skipped = _triggers.skipped_modules(changes)
    assert skipped == {name for name, t in _triggers.table().items() if not t.admits(changes[0])}
    assert skipped  # a print-only change satisfies no trigger
    monkeypatch.setenv(_triggers.ENV_OFF, "1")
    assert _triggers.skipped_modules(changes) == frozenset()


_FRESH = """
import json, sys
from semdiff.pipeline import analyze_texts
report = analyze_texts([("app/a.py", sys.argv[1], sys.argv[2])])
print(json.dumps({"findings": [f.fingerprint for f in report.findings],
                  "modules": sorted(m for m in sys.modules if m.startswith("semdiff.rules."))}))
"""


@pytest.mark.parametrize("before,after", [
    ("def f(x):\n    return x\n", "def f(x):\n    return x + 1\n"),
    ("def f(p):\n    os.chmod(p, 0o600)\n", "def f(p):\n    os.chmod(p, 0o777)\n"),
])
def test_a_fresh_run_imports_only_admitted_modules_and_reports_the_same(before, after):
    def run(off: bool) -> dict:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        env.pop(_triggers.ENV_OFF, None)
        if off:
            env[_triggers.ENV_OFF] = "1"
        p = subprocess.run([sys.executable, "-c", _FRESH, before, after], env=env, capture_output=True, text=True, check=True)
        return json.loads(p.stdout)

    on, off = run(False), run(True)
    assert on["findings"] == off["findings"]
    # the gated modules a Python change imports without gating (MODULE_LANGUAGES)
    gated = {f"semdiff.rules.{name}" for name in _triggers.table()
             if package.MODULE_LANGUAGES[name] & {"python", package.EVERY}}
    assert gated <= set(off["modules"])
    # what the trigger reads here: the after text and its one callee (before's is the same)
    changes = [_Change(_unit(text=before, calls=("os.chmod",) if "chmod" in before else ()),
                       _unit(text=after, calls=("os.chmod",) if "chmod" in after else ()))]
    skipped = {f"semdiff.rules.{name}" for name in _triggers.skipped_modules(changes)}
    assert skipped
    assert gated - skipped <= set(on["modules"])
    assert not skipped & set(on["modules"])
