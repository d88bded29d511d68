"""option-injection-check-removed: the check's edges (rule id, unit,
lines): each way of testing the dash, the spawn the value must still reach, and the
hard negatives (check moved to a helper, end-of-options `--` before the value)."""
from __future__ import annotations

from rulekit import findings_of
from semdiff.rules.option_injection import RULE_ID


GO = """
package mirror

func fetch(ctx context.Context, dir, remote string) error {
\tif remote[0] == '-' {
\t\treturn errBadRemote
\t}
\tcmd := exec.CommandContext(ctx, "git", "fetch", remote)
\tcmd.Dir = dir
\treturn cmd.Run()
}
"""
GO_REMOVED = GO.replace("\tif remote[0] == '-' {\n\t\treturn errBadRemote\n\t}\n", "")


def test_go_first_byte_check_removed():
    hits = findings_of(RULE_ID, GO, GO_REMOVED, "mirror/fetch.go")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("fetch", 4, 4)]
    assert hits[0].severity.name == "HIGH"


def test_go_end_of_options_separator_before_the_value_stays_silent():
    after = GO_REMOVED.replace('"git", "fetch", remote', '"git", "fetch", "--", remote')
    assert findings_of(RULE_ID, GO, after, "mirror/fetch.go") == []


def test_go_check_moved_to_a_helper_of_the_file_stays_silent():
    after = GO_REMOVED.replace("func fetch(", "func checkRemote(remote string) error {\n\tif remote[0] == '-' {\n"
                               "\t\treturn errBadRemote\n\t}\n\treturn nil\n}\n\nfunc fetch(")
    after = after.replace("\tcmd := exec", "\tif err := checkRemote(remote); err != nil {\n\t\treturn err\n\t}\n\tcmd := exec")
    assert findings_of(RULE_ID, GO, after, "mirror/fetch.go") == []


def test_go_dash_test_that_only_logs_is_not_a_refusal():
    before = GO.replace("\t\treturn errBadRemote\n", "\t\tlog.Printf(\"odd remote %s\", remote)\n")
    after = GO_REMOVED
    assert findings_of(RULE_ID, before, after, "mirror/fetch.go") == []


PY = """
import subprocess


def clone(url, dest):
    if url.startswith('-'):
        raise ValueError('bad url')
    subprocess.run(['git', 'clone', url, dest], check=True)
"""


def test_python_startswith_check_removed():
    after = PY.replace("    if url.startswith('-'):\n        raise ValueError('bad url')\n", "")
    hits = findings_of(RULE_ID, PY, after, "app/vcs.py")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("clone", 5, 5)]


JS = """
const { execFile } = require('child_process');

function lookup(domain, cb) {
  if (domain.startsWith('-')) {
    return cb(new Error('bad domain'));
  }
  execFile('whois', [domain], cb);
}
"""


def test_js_check_removed_while_value_still_spawned():
    after = JS.replace("  if (domain.startsWith('-')) {\n    return cb(new Error('bad domain'));\n  }\n", "")
    hits = findings_of(RULE_ID, JS, after, "lib/whois.js")
    assert [(f.unit, f.before.line) for f in hits] == [("lookup", 4)]


def test_js_value_no_longer_spawned_stays_silent():
    after = JS.replace("  if (domain.startsWith('-')) {\n    return cb(new Error('bad domain'));\n  }\n", "")
    after = after.replace("execFile('whois', [domain], cb);", "cb(null, cache.get(domain));")
    assert findings_of(RULE_ID, JS, after, "lib/whois.js") == []
