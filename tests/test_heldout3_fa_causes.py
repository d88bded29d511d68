"""Causes of false alarms met on a fresh held-out set, each with the real weakening that must
still be found (positive) and a benign change shaped like the false alarm (hard negative).
All code here is written for these tests."""
from __future__ import annotations

from rulekit import findings_of

from semdiff.rules.escaping_removed import raw_use


# ---------------------------------------------------------------- escaped use on the changed line


def test_raw_use_reads_protection_on_the_line():
    assert not raw_use("    tag = '<a href=\"' + self.safe_href(link) + '\">'", "link", "python")
    assert raw_use("    tag = '<a href=\"' + link + '\">'", "link", "python")
    assert raw_use("    tag = f'<a href=\"{link}\">'", "link", "python")  # an f-string uses it
    assert raw_use("    if is_safe_href(link): tag = link", "link", "python")  # a test does not protect
    assert raw_use("    return Markup(link)", "link", "python")  # declaring safe is not making safe
    assert not raw_use("    root = path.resolve(root);", "root", "javascript")  # transformed in place
    assert raw_use("    root = mark_safe(root)", "root", "python")


PY_BEFORE = '''
from .util import escape

def render_link(self, link, title):
    tag = '<a href="' + escape(link) + '">'
    return tag + escape(title) + "</a>"
'''


def test_py_escape_swapped_for_a_url_sanitiser_is_silent():
    after = PY_BEFORE.replace("escape(link)", "self.safe_href(link)")
    assert findings_of("injection-opened", PY_BEFORE, after, "app/render.py") == []
    assert findings_of("escaping-removed", PY_BEFORE, after, "app/render.py") == []


def test_py_escape_dropped_is_still_found():
    after = PY_BEFORE.replace("escape(link)", "link")
    hits = findings_of("injection-opened", PY_BEFORE, after, "app/render.py")
    assert [(f.rule_id, f.unit, f.after.line) for f in hits] == [("injection-opened", "render_link", 4)]


def test_py_escape_swapped_for_a_safety_test_is_still_found():
    after = PY_BEFORE.replace("tag = '<a href=\"' + escape(link) + '\">'",
                              "tag = '<a href=\"' + link + '\">' if is_safe_href(link) else ''")
    hits = findings_of("injection-opened", PY_BEFORE, after, "app/render.py")
    assert [(f.unit, f.after.line) for f in hits] == [("render_link", 4)]


JS_BEFORE = '''
function unpackAll(items, dir, done) {
  items.forEach(function (item) {
    if (item.folder) {
      makeFolder(sanitizeName(dir, item.name));
      return;
    }
    writeOut(sanitizeName(dir, item.name), item.data);
  });
  done();
}
'''

JS_AFTER_FOLDED = '''
function unpackAll(items, dir, done) {
  dir = pathLib.resolve(dir);
  for (const item of items) {
    const target = sanitizeName(dir, item.name);
    if (item.folder) {
      makeFolder(target);
    } else {
      writeOut(target, item.data);
    }
  }
  done();
}
'''

JS_AFTER_ONE_PATH_RAW = '''
function unpackAll(items, dir, done) {
  items.forEach(function (item) {
    if (item.folder) {
      makeFolder(sanitizeName(dir, item.name));
      return;
    }
    writeOut(dir + "/" + item.name, item.data);
  });
  done();
}
'''


def test_js_two_sanitised_paths_folded_into_one_is_silent():
    assert findings_of("escaping-removed", JS_BEFORE, JS_AFTER_FOLDED, "lib/unpack.js") == []


def test_js_one_path_losing_its_sanitiser_is_still_found():
    hits = findings_of("escaping-removed", JS_BEFORE, JS_AFTER_ONE_PATH_RAW, "lib/unpack.js")
    assert [(f.unit, f.after.line) for f in hits] == [("unpackAll", 7)]


# ---------------------------------------------------------------- a check made through a same-named function

GUARD_BEFORE = '''
import os
from shop.files import join_safely

def unpack(bundle, dest):
    def _inside(root, target):
        return os.path.realpath(target).startswith(os.path.realpath(root) + os.sep)

    for item in bundle.items():
        target = os.path.join(dest, item.name)
        if not _inside(dest, target):
            raise PermissionError("entry escapes the destination")
    bundle.write_all(dest)
'''

GUARD_AFTER_SHARED = '''
import os
from shop.files import inside, join_safely

def unpack(bundle, dest):
    for item in bundle.items():
        target = os.path.join(dest, item.name)
        if not inside(dest, target):
            raise PermissionError("entry escapes the destination")
    bundle.write_all(dest)
'''


def _guard_hits(before: str, after: str) -> list:
    return [(f.rule_id, f.unit) for rid in ("removed-guard", "widened-condition")
            for f in findings_of(rid, before, after, "shop/unpack.py")]


def test_private_helper_swapped_for_shared_same_named_one_is_the_same_check():
    assert _guard_hits(GUARD_BEFORE, GUARD_AFTER_SHARED) == []


def test_same_named_check_with_other_arguments_is_still_reported():
    swapped = GUARD_AFTER_SHARED.replace("inside(dest, target)", "inside(target, dest)")
    assert _guard_hits(GUARD_BEFORE, swapped) == [("removed-guard", "unpack")]


def test_differently_named_check_is_still_reported():
    other = GUARD_AFTER_SHARED.replace("inside(dest, target)", "exists(dest, target)").replace("import inside,", "import exists,")
    assert _guard_hits(GUARD_BEFORE, other) == [("removed-guard", "unpack")]


def test_same_name_on_another_object_is_another_check():
    from semdiff.rules._effective import same_named_callee

    assert same_named_callee("_inside", "shop.files.inside")
    assert same_named_callee("self._verify", "verify")
    assert not same_named_callee("strict.verify", "lenient.verify")
    assert not same_named_callee("_inside", "outside")


# ---------------------------------------------------------------- a handler that only re-throws, wrapped

JAVA_BEFORE = '''
class TokenReader {
    Claims read(String raw) throws IOException {
        try {
            return parser.parseSigned(raw);
        } catch (BadSignatureException e) {
            throw new IOException(e);
        }
    }
}
'''

JAVA_AFTER_UNWRAPPED = '''
class TokenReader {
    Claims read(String raw) throws IOException, BadSignatureException {
        return parser.parseSigned(raw);
    }
}
'''

JAVA_BEFORE_OWN_REFUSAL = '''
class TokenReader {
    Claims verifyToken(String raw) throws IOException {
        try {
            return parser.parseSigned(raw);
        } catch (BadSignatureException e) {
            throw new AccessDeniedException("signature rejected");
        }
    }
}
'''

JAVA_AFTER_OWN_REFUSAL_DROPPED = '''
class TokenReader {
    Claims verifyToken(String raw) throws IOException {
        return parser.parseSigned(raw);
    }
}
'''


def _all_rules(before: str, after: str, path: str) -> list:
    from semdiff.pipeline import analyze_texts
    import textwrap

    report = analyze_texts([(path, textwrap.dedent(before).lstrip("\n"), textwrap.dedent(after).lstrip("\n"))])
    return [(f.rule_id, f.unit) for f in report.findings]


def test_java_wrapping_handler_dropped_lets_the_same_failure_propagate():
    assert _all_rules(JAVA_BEFORE, JAVA_AFTER_UNWRAPPED, "src/main/java/a/TokenReader.java") == []


def test_java_handler_refusing_with_its_own_failure_dropped_is_still_found():
    # not a re-throw of what was caught: the handler turned a parse failure into a refusal
    hits = _all_rules(JAVA_BEFORE_OWN_REFUSAL, JAVA_AFTER_OWN_REFUSAL_DROPPED, "src/main/java/a/TokenReader.java")
    assert ("removed-guard", "TokenReader.verifyToken") in hits


PY_HANDLER_BEFORE = '''
def load_claims(raw):
    try:
        return decode_signed(raw)
    except BadSignature as exc:
        raise TokenError(exc) from exc
'''

PY_HANDLER_AFTER = '''
def load_claims(raw):
    return decode_signed(raw)
'''

PY_HANDLER_OWN_REFUSAL = '''
def load_claims(raw):
    try:
        return decode_signed(raw)
    except BadSignature:
        if strict_mode():
            raise TokenError("bad signature")
        return None
'''


def test_py_wrapping_handler_dropped_is_silent():
    assert [r for r in _all_rules(PY_HANDLER_BEFORE, PY_HANDLER_AFTER, "auth/claims.py") if r[0] == "removed-guard"] == []


def test_py_handler_that_refuses_on_its_own_terms_is_still_a_check():
    from semdiff.lang.registry import backend_for
    from semdiff.rules.guards import _rethrows_caught

    before = backend_for("auth/claims.py", "").parse("auth/claims.py", PY_HANDLER_OWN_REFUSAL.lstrip("\n"))
    unit = next(u for u in before.units if u.qualname == "load_claims")
    raises = [g for g in unit.guards if g.text.lstrip().startswith(("raise", "if"))]
    assert raises and not any(_rethrows_caught(g, unit) for g in raises)
    wrapped = backend_for("auth/claims.py", "").parse("auth/claims.py", PY_HANDLER_BEFORE.lstrip("\n"))
    unit = next(u for u in wrapped.units if u.qualname == "load_claims")
    assert [g.span.line for g in unit.guards if _rethrows_caught(g, unit)] == [5]


# ---------------------------------------------------------------- a callback parameter renamed

JS_CB_BEFORE = '''
function fetchSecret(store, id, done) {
  store.read(id, function (data, err) {
    if (err) {
      done(new Error(err));
      return;
    }
    if (!data.owner) {
      done(new Error("not authorised"));
      return;
    }
    done(null, data);
  });
}
'''


def _js_guard_hits(before: str, after: str) -> list:
    return [(f.rule_id, f.unit, f.before.line if f.before else None) for rid in ("removed-guard", "widened-condition")
            for f in findings_of(rid, before, after, "lib/secrets.js")]


def test_js_callback_parameter_renamed_keeps_its_checks():
    after = JS_CB_BEFORE.replace("function (data, err)", "function (data, readErr)").replace("if (err)", "if (readErr)") \
        .replace("new Error(err)", "new Error(readErr)")
    assert _js_guard_hits(JS_CB_BEFORE, after) == []


def test_js_callback_parameter_renamed_and_its_check_dropped_is_still_found():
    after = JS_CB_BEFORE.replace("function (data, err)", "function (data, readErr)").replace(
        "    if (err) {\n      done(new Error(err));\n      return;\n    }\n", "")
    hits = _js_guard_hits(JS_CB_BEFORE, after)
    assert ("removed-guard", "fetchSecret", 3) in hits


def test_callback_parameters_pair_by_position_only_for_the_same_callee():
    from semdiff.lang.registry import backend_for
    from semdiff.rules._effective import callback_param_unifier

    def unit(src):
        pf = backend_for("lib/secrets.js", "").parse("lib/secrets.js", src.lstrip("\n"))
        return next(u for u in pf.units if u.qualname == "fetchSecret")

    renamed = JS_CB_BEFORE.replace("function (data, err)", "function (data, readErr)").replace("if (err)", "if (readErr)")
    other_callee = renamed.replace("store.read(", "cache.read(")
    b = unit(JS_CB_BEFORE)
    names = dict(b.locals)
    assert list(callback_param_unifier(b, unit(renamed)).values()) == [names["err"]]
    assert callback_param_unifier(b, unit(other_callee)) == {}


# ---------------------------------------------------------------- a checking call that gained pass-through arguments

JS_PASS_BEFORE = '''
Keyholder.prototype.verify = function verify(message, sig) {
  return this.curve.verify(message, sig, this);
};
'''


def _js_pass_hits(after: str) -> list:
    return [(f.rule_id, f.unit) for rid in ("removed-guard", "widened-condition")
            for f in findings_of(rid, JS_PASS_BEFORE, after, "lib/keys/holder.js")]


def test_js_check_passing_on_its_new_parameter_is_the_same_check():
    after = JS_PASS_BEFORE.replace("verify(message, sig) {", "verify(message, sig, opts) {").replace(
        "this.curve.verify(message, sig, this)", "this.curve.verify(message, sig, this, undefined, opts)")
    assert _js_pass_hits(after) == []


def test_js_check_given_a_literal_option_is_still_reported():
    after = JS_PASS_BEFORE.replace(
        "this.curve.verify(message, sig, this)", "this.curve.verify(message, sig, this, undefined, { lax: true })")
    assert _js_pass_hits(after) == [("removed-guard", "Keyholder.verify")]


def test_js_check_given_an_existing_value_is_still_reported():
    after = JS_PASS_BEFORE.replace(
        "this.curve.verify(message, sig, this)", "this.curve.verify(message, sig, this, sig)")
    assert _js_pass_hits(after) == [("removed-guard", "Keyholder.verify")]


# ---------------------------------------------------------------- validation replaced by sanitising at the point of use

TREE_BEFORE = '''
export function loadUntrustedTree(input) {
  if (input.kind === 'Tree') {
    checkTree(input);
    return input;
  }
  return parseText(input);
}

function checkTree(node) {
  if (typeof node.level !== 'number' || node.level < 0) {
    throw new SecurityError('level must be a non-negative number');
  }
  if (!Array.isArray(node.names)) {
    throw new SecurityError('names must be an array');
  }
}
'''

TREE_AFTER = '''
export function loadUntrustedTree(input) {
  if (input.kind === 'Tree') {
    return input;
  }
  return parseText(input);
}
'''

EMIT_BEFORE = '''
export function emitNode(out, node) {
  out.push(['enter', node.level]);
  out.push(['names', node.names]);
}
'''

EMIT_AFTER_SANITISED = '''
import { sanitizeLevel, sanitizeNames } from './clean';

export function emitNode(out, node) {
  out.push(['enter', sanitizeLevel(node.level)]);
  out.push(['names', sanitizeNames(node.names)]);
}
'''

EMIT_AFTER_OTHER = EMIT_AFTER_SANITISED.replace("sanitizeLevel(node.level)", "node.level").replace(
    "sanitizeNames(node.names)", "sanitizeNames(node.labels)")


def _tree_findings(emit_after: str) -> list:
    from semdiff.pipeline import analyze_texts

    report = analyze_texts([("lib/tree/load.js", TREE_BEFORE.lstrip("\n"), TREE_AFTER.lstrip("\n")),
                            ("lib/tree/emit.js", EMIT_BEFORE.lstrip("\n"), emit_after.lstrip("\n"))])
    return [(f.rule_id, f.unit, f.severity.label) for f in report.findings if f.rule_id == "removed-guard"]


def test_validator_replaced_by_sanitising_the_same_values_is_low():
    assert _tree_findings(EMIT_AFTER_SANITISED) == [("removed-guard", "loadUntrustedTree", "low")]


def test_validator_removed_while_other_values_are_sanitised_is_still_reported():
    hits = _tree_findings(EMIT_AFTER_OTHER)
    assert [(r, u) for r, u, _ in hits] == [("removed-guard", "loadUntrustedTree")]
    assert hits[0][2] != "low"


PY_HANDLER_CHAINED_REFUSAL = '''
async def read_body(request):
    try:
        return await request.json()
    except Exception as exc:
        raise HTTPException(status_code=400, detail="the body is not JSON") from exc
'''

PY_HANDLER_CHAINED_REFUSAL_DROPPED = '''
async def read_body(request):
    return await request.json()
'''


def test_py_handler_refusing_with_its_own_error_only_chained_from_the_caught_one_is_a_check():
    # `from exc` chains the cause; the 400 is the handler's own refusal (without it the failure
    # becomes a 500), so dropping the handler is still a removed check
    hits = _all_rules(PY_HANDLER_CHAINED_REFUSAL, PY_HANDLER_CHAINED_REFUSAL_DROPPED, "api/body.py")
    assert ("removed-guard", "read_body") in hits
