"""Causes of false alarms met on the heldout5 set, each as a hard negative (the benign shape is
silent) next to the real weakening of the same shape (still found). All code here is written
for these tests."""
from __future__ import annotations

from rulekit import findings_of

from semdiff.rules.escaping_removed import measured_only


# ---------------------------------------------------------------- an escaper used only to measure

BYTES_BEFORE = '''
export default function isByteLength(str, options) {
  const len = encodeURI(str).split(/%..|./).length - 1;
  return len >= options.min && len <= options.max;
}
'''


def test_escaper_used_only_to_count_bytes_is_not_escaping():
    after = BYTES_BEFORE.replace("encodeURI(str).split(/%..|./).length - 1", "utf8ByteLength(str)")
    assert findings_of("escaping-removed", BYTES_BEFORE, after, "src/lib/isByteLength.js") == []


LOCATION_BEFORE = '''
function redirect(res, target) {
  const out = encodeURI(target).split('#')[0];
  res.setHeader('Location', out + '?n=' + target.length);
}
'''


def test_escaper_whose_result_flows_on_is_still_found():
    # the same chain shape, but the escaped text itself is used (no size read at its end)
    after = LOCATION_BEFORE.replace("encodeURI(target).split('#')[0]", "target.split('#')[0]")
    hits = findings_of("escaping-removed", LOCATION_BEFORE, after, "src/lib/redirect.js")
    assert [(f.rule_id, f.unit, f.after.line) for f in hits] == [("escaping-removed", "redirect", 2)]


def test_measured_only_needs_every_use_of_the_call_measured():
    assert measured_only("const n = escape(s).length;", "escape(s)")
    assert measured_only("n = encodeURI(s).split(/%..|./).length - 1", "encodeURI(s)")
    assert not measured_only("out = encodeURI(s).length + encodeURI(s)", "encodeURI(s)")
    assert not measured_only("out = encodeURI(s).slice(0, 10)", "encodeURI(s)")
    assert not measured_only("out = encodeURI(s).length()", "encodeURI(s)")  # a method, not a size read


# ---------------------------------------------------------------- a path split into its directory

SPLIT_BEFORE = '''package fsx

import "path"

func (f *FS) index(file File) {
	f.contents[file.Name] = file
	for dir, base := path.Dir(file.Name), path.Base(file.Name); ; dir, base = path.Dir(dir), path.Base(dir) {
		f.add(dir, base)
		if dir == "." {
			break
		}
	}
}
'''

SPLIT_AFTER = '''package fsx

import "path"

func (f *FS) index(file File) {
	f.contents[file.Name] = file
	start := path.Dir(file.Name)
	for dir, base := path.Dir(start), path.Base(start); base != "."; dir, base = path.Dir(dir), path.Base(dir) {
		f.add(dir, base)
	}
}
'''

BASENAME = "path-confinement-removed/basename-unwrapped"


def test_name_now_only_split_into_its_directory_is_not_unwrapped():
    assert findings_of(BASENAME, SPLIT_BEFORE, SPLIT_AFTER, "fsx/fs.go") == []


def test_name_used_bare_next_to_its_directory_is_still_found():
    after = SPLIT_AFTER.replace("start := path.Dir(file.Name)",
                                "start := path.Dir(file.Name)\n\tf.open(path.Join(f.root, file.Name))")
    hits = findings_of(BASENAME, SPLIT_BEFORE, after, "fsx/fs.go")
    assert [(f.unit, f.after.line) for f in hits] == [("FS.index", 8)]


def test_basename_dropped_from_a_join_is_still_found():
    before = 'package s\n\nimport "path/filepath"\n\nfunc (s *S) p(name string) string {\n\treturn filepath.Join(s.dir, filepath.Base(name))\n}\n'
    after = before.replace("filepath.Base(name)", "name")
    hits = findings_of(BASENAME, before, after, "s/s.go")
    assert [(f.unit, f.after.line) for f in hits] == [("S.p", 6)]


# ---------------------------------------------------------------- several refusing exits put in front

VALIDATOR_BEFORE = '''
def is_safe_url(url):
    import re
    url = re.sub('^x:', '', url)
    try:
        url = render(url)
    except Exception:
        log.error("bad template")
        return False
    if re.search(r'[<>]', url):
        return False
    return True
'''

REFUSING_GATES = (
    "    import re\n"
    "    if url is None:\n"
    "        log.warning('none')\n"
    "        return False\n"
    "    if not isinstance(url, str):\n"
    "        return False\n"
    "    if not url.strip():\n"
    "        return False\n"
)


def _gate_hits(after: str) -> list:
    return [(f.rule_id, f.unit, f.after.line if f.after else None)
            for rid in ("short-circuit", "removed-guard", "widened-condition")
            for f in findings_of(rid, VALIDATOR_BEFORE, after, "app/validate.py")]


def test_several_new_refusing_exits_in_front_of_a_check_are_stricter():
    after = VALIDATOR_BEFORE.replace("    import re\n", REFUSING_GATES)
    assert _gate_hits(after) == []


def test_one_new_allowing_exit_among_refusing_ones_is_still_a_short_circuit():
    gates = REFUSING_GATES.replace("    if not url.strip():\n        return False\n",
                                   "    if url.startswith('internal:'):\n        return True\n")
    after = VALIDATOR_BEFORE.replace("    import re\n", gates)
    # the gate named is the first new one in front of the check (`if url is None:`)
    assert _gate_hits(after) == [("short-circuit", "is_safe_url", 3)]


# ---------------------------------------------------------------- a grammar gap in unchanged code

import textwrap  # noqa: E402

from semdiff.pipeline import analyze_texts  # noqa: E402

GRAMMAR_GAP_BEFORE = '''
export async function handleCallback(query: Query, options: Options) {
  const { logger, provider } = options
  let as: AuthServer
  if (!query.state) {
    throw new Error("missing state")
  }
  return provider.exchange(query.code)
}
'''


def _not_analysed(before: str, after: str, path: str = "src/auth/callback.ts") -> list:
    report = analyze_texts([(path, textwrap.dedent(before).lstrip("\n"), textwrap.dedent(after).lstrip("\n"))])
    return [(n.reason, n.security_relevant) for n in report.not_analyzed]


def test_same_unchanged_syntax_error_on_both_sides_does_not_fail_closed():
    # `let as: T` is valid TypeScript the grammar misreads; the change is elsewhere
    after = GRAMMAR_GAP_BEFORE.replace("return provider.exchange(query.code)",
                                       "return provider.exchange(query.code, options.clientAuth)")
    assert _not_analysed(GRAMMAR_GAP_BEFORE, after) == [("partial-parse", False), ("partial-parse", False)]


def test_a_change_inside_the_broken_code_still_fails_closed():
    after = GRAMMAR_GAP_BEFORE.replace("let as: AuthServer", "let as: AuthServer | undefined")
    assert ("partial-parse", True) in _not_analysed(GRAMMAR_GAP_BEFORE, after)


def test_a_syntax_error_only_in_the_new_version_still_fails_closed():
    after = GRAMMAR_GAP_BEFORE.replace("if (!query.state) {", "if (!query.state {")
    assert ("partial-parse", True) in _not_analysed(GRAMMAR_GAP_BEFORE, after)


# ---------------------------------------------------------------- own-property tests written another way

from gitrepo import GitRepo  # noqa: E402

from semdiff.api import analyze  # noqa: E402
from semdiff.model import Severity  # noqa: E402
from semdiff.pipeline import AnalyzeOptions  # noqa: E402
from semdiff.purpose.jsequiv import own_property_helpers, same_own_property_tests  # noqa: E402

OWN_BEFORE = '''// Object.hasOwn() is newer than the runtimes we support
function hasOwn(obj: Record<string, any>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

export class Server {
  verify(req: any, fn: (err: number) => void) {
    const sid = req.query.sid;
    if (sid) {
      if (!this.clients.hasOwnProperty(sid)) {
        return fn(1);
      }
    }
    return fn(0);
  }
}
'''


def _refactor(tmp_path, after: str):
    repo = GitRepo(tmp_path / "repo")
    repo.write({"lib/server.ts": OWN_BEFORE})
    base = repo.commit("init")
    repo.write({"lib/server.ts": after})
    head = repo.commit("refactor: use hasOwn() everywhere")
    r = analyze(f"{base}..{head}", repo=str(repo.root), options=AnalyzeOptions())
    return [(f.unit, f.severity) for f in r.findings if f.rule_id == "purpose-mismatch"]


def test_own_property_test_through_a_helper_keeps_a_refactor_claim(tmp_path):
    after = OWN_BEFORE.replace("!this.clients.hasOwnProperty(sid)", "!hasOwn(this.clients, sid)")
    assert _refactor(tmp_path, after) == []


def test_own_property_test_on_another_key_still_exceeds_the_refactor_claim(tmp_path):
    after = OWN_BEFORE.replace("!this.clients.hasOwnProperty(sid)", "!hasOwn(this.clients, req.query.id)")
    assert _refactor(tmp_path, after) == [("Server.verify", Severity.HIGH)]


def test_own_property_forms_compared():
    helpers = own_property_helpers([OWN_BEFORE, "const own = (o, k) => Object.hasOwn(o, k);\n"])
    assert helpers == {"hasOwn", "own"}
    b = "f(o, k) {\n  if (!o.hasOwnProperty(k)) { throw new Error('no'); }\n}"
    for form in ("Object.prototype.hasOwnProperty.call(o, k)", "Object.hasOwn(o, k)", "hasOwn(o, k)", "own(o, k)"):
        assert same_own_property_tests(b, b.replace("o.hasOwnProperty(k)", form), helpers), form
    # another object, another key, the test negated, an unknown helper: no proof
    for form in ("Object.hasOwn(p, k)", "Object.hasOwn(o, 'k')", "!Object.hasOwn(o, k)", "has(o, k)"):
        assert not same_own_property_tests(b, b.replace("o.hasOwnProperty(k)", form), helpers), form
    assert not same_own_property_tests(b, b.replace("o.hasOwnProperty(k)", "hasOwn(o, k)"), frozenset())


# ---------------------------------------------------------------- a weak hash the stored data names

HTPASSWD = '''
import base64
import hashlib

import bcrypt


class HtpasswdFile:
    def check_password(self, username, password):
        pwhash = self.users.get(username)
        if pwhash is None:
            return False
        if pwhash.startswith("{SHA}"):
            digest = hashlib.sha1(password.encode("utf-8")).digest()
            return hmac.compare_digest(pwhash[5:], base64.b64encode(digest).decode("ascii"))
        return bcrypt.checkpw(password.encode("utf-8"), pwhash.encode("utf-8"))
'''
WEAK_HASH = "crypto-downgrade/weak-hash"


def test_weak_hash_checking_a_stored_scheme_it_names_is_not_born_weak():
    assert findings_of(WEAK_HASH, "", HTPASSWD, "app/htpasswd.py") == []


def test_weak_hash_chosen_for_new_passwords_is_still_found():
    after = HTPASSWD.replace('''        if pwhash.startswith("{SHA}"):
            digest''', '''        if pwhash:
            digest''')
    hits = findings_of(WEAK_HASH, "", after, "app/htpasswd.py")
    assert [(f.unit, f.after.line) for f in hits] == [("HtpasswdFile.check_password", 13)]


def test_strong_hash_swapped_for_the_named_weak_one_is_still_a_downgrade():
    before = HTPASSWD.replace("hashlib.sha1(", "hashlib.sha256(")
    hits = findings_of(WEAK_HASH, before, HTPASSWD, "app/htpasswd.py")
    assert [(f.unit, f.after.line) for f in hits] == [("HtpasswdFile.check_password", 13)]


# ---------------------------------------------------------------- the protected step swapped, its refusal kept

LOADER_BEFORE = '''
import passlib.apache


class Htpasswd(Validator):
    def __init__(self, spec: str):
        path = spec[1:]
        try:
            self.table = passlib.apache.HtpasswdFile(path)
        except (ValueError, OSError):
            raise OptionsError(f"Could not open htpasswd file: {path}")
'''
LOADER_AFTER = '''
import pathlib
from app.utils import htpasswd


class Htpasswd(Validator):
    def __init__(self, spec: str):
        path = pathlib.Path(spec[1:]).expanduser()
        try:
            self.table = htpasswd.HtpasswdFile.from_file(path)
        except (ValueError, OSError) as e:
            raise OptionsError(
                f"Could not open htpasswd file: {path}"
            ) from e
'''


def _removed(after: str) -> list:
    return [(f.unit, f.message) for f in findings_of("removed-guard", LOADER_BEFORE, after, "app/auth/proxyauth.py")]


OWN_LOADER = '''
class HtpasswdFile:
    def __init__(self, content):
        self.users = dict(line.split(":", 1) for line in content.splitlines() if line)

    @classmethod
    def from_file(cls, path):
        return cls(path.read_text("utf-8"))
'''


def _with_own_loader(after: str) -> list:
    report = analyze_texts([("app/auth/proxyauth.py", textwrap.dedent(LOADER_BEFORE).lstrip("\n"),
                             textwrap.dedent(after).lstrip("\n")),
                            ("app/utils/htpasswd.py", "", textwrap.dedent(OWN_LOADER).lstrip("\n"))])
    return [f for f in report.findings if f.rule_id == "removed-guard"]


def test_loader_swapped_for_the_changes_own_under_the_same_refusal_is_a_low_review_note():
    [f] = _with_own_loader(LOADER_AFTER)
    assert (f.unit, f.severity, f.after.line) == ("Htpasswd.__init__", Severity.LOW, 11)
    assert "htpasswd.HtpasswdFile.from_file" in f.message


def test_loader_swapped_for_an_outside_call_under_the_same_refusal_is_still_found():
    # an outside step (not analysed here) is not excused: `verify` -> `get_unverified_claims`
    [(unit, message)] = _removed(LOADER_AFTER)
    assert unit == "Htpasswd.__init__" and "still refuses" not in message


def test_refusal_dropped_with_the_loader_swap_is_still_found():
    after = LOADER_AFTER.replace('''        try:
            self.table = htpasswd.HtpasswdFile.from_file(path)
        except (ValueError, OSError) as e:
            raise OptionsError(
                f"Could not open htpasswd file: {path}"
            ) from e
''', '''        self.table = htpasswd.HtpasswdFile.from_file(path)
''')
    [(unit, message)] = _removed(after)
    assert unit == "Htpasswd.__init__" and "nothing in the new version denies that case" in message


def test_refusal_that_now_only_logs_is_not_a_swap():
    after = LOADER_AFTER.replace('''            raise OptionsError(
                f"Could not open htpasswd file: {path}"
            ) from e''', '''            log.warning(f"Could not open htpasswd file: {path}")''')
    [(unit, message)] = _removed(after)
    assert unit == "Htpasswd.__init__" and "still refuses" not in message
