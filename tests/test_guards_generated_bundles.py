"""Build output rebuilt beside its sources repeats their findings at low (session 5, H5).

A release commit regenerates dist/ bundles from lib/: each check the source dropped is
dropped again in every bundle. The source keeps its finding; the bundles' copies are low
and say why. Twin: a bundle edited with no source change keeps its severity (a payload
hidden in shipped output).
"""
from __future__ import annotations

from semdiff.model import Severity
from semdiff.pipeline import analyze_texts
from semdiff.rules._generated import build_output

SRC_BEFORE = """export function isValidHeaderName(name) {
  return /^[-_a-zA-Z0-9^`|~,!#$%&'*+.]+$/.test(name.trim());
}

export function setAuthorizationHeader(headers, name, value) {
  if (!isValidHeaderName(name)) {
    throw new AxiosError('Invalid header name', 'ERR_BAD_REQUEST');
  }
  headers[name.toLowerCase()] = value;
}
"""
SRC_AFTER = SRC_BEFORE.replace(
    "  if (!isValidHeaderName(name)) {\n    throw new AxiosError('Invalid header name', 'ERR_BAD_REQUEST');\n  }\n", ""
)
BUNDLE_BEFORE = "/*! Axios v1.7.8 Copyright (c) 2024 Matt Zabriskie and contributors */\n'use strict';\n\n" + SRC_BEFORE.replace("export ", "")
BUNDLE_AFTER = "/*! Axios v1.7.9 Copyright (c) 2024 Matt Zabriskie and contributors */\n'use strict';\n\n" + SRC_AFTER.replace("export ", "")


def _removed(files):
    r = analyze_texts(files)
    return sorted((f.path, f.unit, f.severity) for f in r.findings if f.rule_id == "removed-guard")


def test_bundles_rebuilt_with_their_source_are_low():
    got = _removed([
        ("lib/core/headers.js", SRC_BEFORE, SRC_AFTER),
        ("dist/node/axios.cjs", BUNDLE_BEFORE, BUNDLE_AFTER),
        ("dist/esm/axios.js", BUNDLE_BEFORE, BUNDLE_AFTER),
    ])
    assert got == [
        ("dist/esm/axios.js", "setAuthorizationHeader", Severity.LOW),
        ("dist/node/axios.cjs", "setAuthorizationHeader", Severity.LOW),
        ("lib/core/headers.js", "setAuthorizationHeader", Severity.HIGH),
    ]
    r = analyze_texts([("lib/core/headers.js", SRC_BEFORE, SRC_AFTER), ("dist/esm/axios.js", BUNDLE_BEFORE, BUNDLE_AFTER)])
    msg = next(f.message for f in r.findings if f.path == "dist/esm/axios.js")
    assert "build output regenerated in this change together with its sources (lib/core/headers.js)" in msg


def test_twin_bundle_edited_without_its_sources_keeps_its_severity():
    assert _removed([("dist/esm/axios.js", BUNDLE_BEFORE, BUNDLE_AFTER)]) == [("dist/esm/axios.js", "setAuthorizationHeader", Severity.HIGH)]


def test_build_output_paths():
    assert build_output("dist/axios.js") and build_output("dist/browser/axios.cjs") and build_output("lib/x.min.js")
    assert build_output("build/index.d.ts") and build_output("vendor/app.js", "x" * 600)
    assert not build_output("lib/core/headers.js") and not build_output("src/dist.js") and not build_output("dist/app.py")


LINKS_BEFORE = "function loginUrl(base, next) {\n  return base + '/login?next=' + encodeURIComponent(next);\n}\n\nmodule.exports = { loginUrl };\n"
LINKS_AFTER = LINKS_BEFORE.replace("encodeURIComponent(next)", "next")


def _escaping(files):
    r = analyze_texts(files)
    return sorted((f.path, f.unit, f.severity) for f in r.findings if f.rule_id == "escaping-removed")


def test_escaping_removed_in_a_rebuilt_minified_bundle_is_low():
    got = _escaping([("lib/links.js", LINKS_BEFORE, LINKS_AFTER), ("dist/links.min.js", LINKS_BEFORE, LINKS_AFTER)])
    assert [(p, s) for p, _u, s in got] == [("dist/links.min.js", Severity.LOW), ("lib/links.js", got[1][2])]
    assert got[1][2] >= Severity.MEDIUM


def test_twin_escaping_removed_in_a_bundle_alone_keeps_its_severity():
    got = _escaping([("dist/links.min.js", LINKS_BEFORE, LINKS_AFTER)])
    assert len(got) == 1 and got[0][0] == "dist/links.min.js" and got[0][2] >= Severity.MEDIUM
