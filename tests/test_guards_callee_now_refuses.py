"""removed-guard when the caller's check on a call's result is made redundant by the callee.

`output = self._run(cmd)` / `if not output: raise EncryptError()` loses its check in the same
change that makes `_run` raise on every failed command. The caller's test is then likely
redundant, but whether the callee's new refusal covers it is not provable: reported low,
naming the callee and its new check. A callee that did not change, or whose refusal the caller
now swallows, leaves the check removed (high).
"""
from __future__ import annotations

from semdiff.model import Severity
from semdiff.pipeline import analyze_texts

PY_BEFORE = '''import subprocess


class Backend:
    def _run(self, cmd):
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
        out, err = proc.communicate()
        if proc.returncode is not None and proc.returncode < 0:
            raise ToolError(err)
        return out, err

    def encrypt(self, cmd):
        (out, err) = self._run(cmd)
        if not out:
            raise EncryptError(err)
        return out.decode("utf-8")
'''

PY_AFTER_STRICTER = '''import subprocess


class Backend:
    def _run(self, cmd):
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise ToolError(err)
        return out, err

    def encrypt(self, cmd):
        try:
            (out, err) = self._run(cmd)
        except ToolError as e:
            raise EncryptError(cmd) from e
        return out.decode("utf-8")
'''

PY_AFTER_UNCHANGED_CALLEE = PY_AFTER_STRICTER.replace("if proc.returncode != 0:", "if proc.returncode is not None and proc.returncode < 0:")
PY_AFTER_SWALLOWED = PY_AFTER_STRICTER.replace("raise EncryptError(cmd) from e", "out = b\"\"")


def _removed(before: str, after: str):
    r = analyze_texts([("crypto/backend.py", before, after)])
    return [(f.unit, f.before.line, f.severity) for f in r.findings if f.rule_id == "removed-guard"], r


def test_check_made_redundant_by_a_stricter_callee_is_low():
    found, r = _removed(PY_BEFORE, PY_AFTER_STRICTER)
    assert found == [("Backend.encrypt", 14, Severity.LOW)], found
    (f,) = [f for f in r.findings if f.rule_id == "removed-guard"]
    assert "`Backend._run`" in f.message and "if proc.returncode != 0" in f.message
    assert not [f for f in r.findings if f.severity >= Severity.MEDIUM], r.findings


def test_callee_that_did_not_get_stricter_leaves_the_check_removed():
    found, _ = _removed(PY_BEFORE, PY_AFTER_UNCHANGED_CALLEE)
    assert found == [("Backend.encrypt", 14, Severity.HIGH)], found


def test_stricter_callee_whose_refusal_is_swallowed_leaves_the_check_removed():
    found, _ = _removed(PY_BEFORE, PY_AFTER_SWALLOWED)
    assert ("Backend.encrypt", 14, Severity.HIGH) in found, found


JS_BEFORE = '''function runTool(args) {
  const res = spawnSync('tool', args)
  if (res.status === null) {
    throw new ToolError('killed')
  }
  return res.stdout
}

function sign(args) {
  const out = runTool(args)
  if (!out) {
    throw new SignError('signing failed')
  }
  return out
}

module.exports = { sign }
'''

JS_AFTER = '''function runTool(args) {
  const res = spawnSync('tool', args)
  if (res.status !== 0) {
    throw new ToolError('tool failed')
  }
  return res.stdout
}

function sign(args) {
  const out = runTool(args)
  return out
}

module.exports = { sign }
'''


def test_js_check_made_redundant_by_a_stricter_callee_is_low():
    r = analyze_texts([("lib/sign.js", JS_BEFORE, JS_AFTER)])
    found = [(f.unit, f.before.line, f.severity) for f in r.findings if f.rule_id == "removed-guard" and f.unit == "sign"]
    assert found == [("sign", 11, Severity.LOW)], found


def test_js_check_on_a_parameter_is_not_the_callee_s_business():
    before = JS_BEFORE.replace("if (!out) {", "if (!out || !args.length) {")
    r = analyze_texts([("lib/sign.js", before, JS_AFTER)])
    found = [(f.unit, f.before.line, f.severity) for f in r.findings if f.rule_id == "removed-guard" and f.unit == "sign"]
    assert found == [("sign", 11, Severity.HIGH)], found
