"""Loading only the rule modules a change's languages need (semdiff.rules.load_for).

The declared tables (MODULE_LANGUAGES, FAMILY_ORDER, CHECK_ORDER) must match what a full load
registers: a fresh interpreter that loads only what a change of some languages needs must
see exactly the families a full load would run on that change, in the same order.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import semdiff.rules as package
from semdiff.rules import base

ROOT = Path(__file__).resolve().parent.parent

LANGUAGE_SETS = [
    ["python"],
    ["javascript"],
    ["typescript"],
    ["go"],
    ["java"],
    ["github-actions", "config"],
    ["dockerfile", "config"],
    ["python", "requirements", "config"],
    [],
]

_SUBSET = """
import json, sys
from semdiff.rules import base
import semdiff.rules as package
langs = json.loads(sys.argv[1])
fams = [f.name for f in base.families(langs)]
checks = [n for n, _r, _f in base.change_checks(langs)]
print(json.dumps({"families": fams, "checks": checks, "loaded_all": package._LOADED}))
"""


def _applies(fam: base.Family, langs: set[str]) -> bool:
    declared = {lang for rule in fam.rules for lang in rule.languages}
    return "*" in declared or bool(declared & langs)


def _full() -> tuple[list[base.Family], list[str]]:
    package.load_all()
    return list(base._FAMILIES.values()), list(base._CHANGE_CHECKS)


def test_tables_cover_every_module_and_family():
    fams, checks = _full()
    assert set(package.module_names()) <= set(package.MODULE_LANGUAGES)
    assert set(package.FAMILY_ORDER) == {f.name for f in fams}
    assert set(package.CHECK_ORDER) == set(checks)


def _full_load_order() -> dict:
    code = ("import json; from semdiff.rules import base; base.families();"
            " print(json.dumps({'families': list(base._FAMILIES), 'checks': list(base._CHANGE_CHECKS)}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    return json.loads(out.stdout)


def test_family_order_is_a_fresh_full_loads_order():
    fresh = _full_load_order()
    assert fresh["families"] == list(package.FAMILY_ORDER)
    assert fresh["checks"] == list(package.CHECK_ORDER)


def test_each_module_declares_its_own_families_languages():
    _full()
    for fam in base._FAMILIES.values():
        module = fam.check.__module__.rsplit(".", 1)[-1]
        declared = {lang for rule in fam.rules for lang in rule.languages}
        if module in package.MODULE_LANGUAGES:
            table = package.MODULE_LANGUAGES[module]
            assert ("*" in declared and "*" in table) or declared <= table, (fam.name, module, declared, table)


@pytest.mark.parametrize("langs", LANGUAGE_SETS, ids=lambda ls: "+".join(ls) or "none")
def test_subset_load_runs_the_same_families_in_the_same_order(langs):
    fams, _checks = _full()
    by_name = {f.name: f for f in fams}
    fresh = _full_load_order()  # this process's registration order depends on what the tests imported
    expected = [n for n in fresh["families"] if _applies(by_name[n], set(langs))]
    out = subprocess.run([sys.executable, "-c", _SUBSET, json.dumps(langs)], cwd=ROOT, capture_output=True,
                         text=True, check=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    got = json.loads(out.stdout)
    assert got["loaded_all"] is False  # the tables covered everything: a real subset was loaded
    assert [n for n in got["families"] if _applies(by_name[n], set(langs))] == expected
    assert got["checks"] == fresh["checks"]


def test_python_change_skips_other_languages_modules():
    out = subprocess.run([sys.executable, "-c", _SUBSET + "\nprint(sorted(m for m in sys.modules if m.startswith('semdiff.rules.')))",
                          json.dumps(["python"])], cwd=ROOT, capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    loaded = json.loads(out.stdout.splitlines()[1].replace("'", '"'))
    assert "semdiff.rules.config_workflow_trust" not in loaded
    assert "semdiff.rules.path_confinement" not in loaded
    assert "semdiff.rules.guards" in loaded and "semdiff.rules.allowlist_gate" in loaded


def test_without_languages_everything_is_loaded():
    fams = base.families()
    assert package._LOADED
    assert {f.name for f in fams} == set(package.FAMILY_ORDER)
