"""header-filter-removed: table examples, skip and delete filters per language (rule id,
unit, line), and the quiet cases (loop gone with a skip filter, log-only test, filter kept
through a predicate or another unit of the file)."""
from __future__ import annotations

from rulekit import findings_of
from semdiff.rules.header_filter import RULE_ID


GO_DELETE = """
package srv

func sanitize(r *http.Request) {
\tfor k := range r.Header {
\t\tif strings.HasPrefix(k, "X-Internal-") {
\t\t\tdelete(r.Header, k)
\t\t}
\t}
}

func serve(r *http.Request) {
\tsanitize(r)
\thandle(r)
}
"""


def _brief(hits):
    return [(f.unit, f.before.line if f.before else None) for f in hits]


def test_go_deleting_loop_removed():
    after = GO_DELETE.replace('\tfor k := range r.Header {\n\t\tif strings.HasPrefix(k, "X-Internal-") {\n'
                              '\t\t\tdelete(r.Header, k)\n\t\t}\n\t}\n', "")
    assert _brief(findings_of(RULE_ID, GO_DELETE, after, "srv/serve.go")) == [("sanitize", 5)]


def test_go_deleting_loop_moved_to_another_unit_stays_silent():
    after = GO_DELETE.replace('\tfor k := range r.Header {\n\t\tif strings.HasPrefix(k, "X-Internal-") {\n'
                              '\t\t\tdelete(r.Header, k)\n\t\t}\n\t}\n', "")
    after = after.replace("func serve(r *http.Request) {\n\tsanitize(r)\n",
                          'func serve(r *http.Request) {\n\tfor name := range r.Header {\n'
                          '\t\tif strings.HasPrefix(name, "X-Internal-") {\n\t\t\tdelete(r.Header, name)\n\t\t}\n\t}\n')
    assert findings_of(RULE_ID, GO_DELETE, after, "srv/serve.go") == []


GO_SKIP = """
package cgi

func env(r *http.Request, e map[string]string) {
\tfor k, v := range r.Header {
\t\tif k == "Proxy" {
\t\t\tcontinue
\t\t}
\t\te["HTTP_"+k] = v[0]
\t}
}
"""


def test_go_skip_filter_gone_with_its_loop_stays_silent():
    after = 'package cgi\n\nfunc env(r *http.Request, e map[string]string) {\n\te["HTTP_HOST"] = r.Host\n}\n'
    assert findings_of(RULE_ID, GO_SKIP, after, "cgi/env.go") == []


def test_go_test_that_only_logs_is_no_filter():
    before = GO_SKIP.replace("\t\t\tcontinue\n", '\t\t\tlog.Printf("proxy header %s", v[0])\n')
    after = before.replace('\t\tif k == "Proxy" {\n\t\t\tlog.Printf("proxy header %s", v[0])\n\t\t}\n', "")
    assert findings_of(RULE_ID, before, after, "cgi/env.go") == []


JS = """
function forward(req, upstream) {
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.toLowerCase() === 'x-user-id') continue;
    upstream.setHeader(name, value);
  }
}
"""


def test_js_skip_filter_removed():
    after = JS.replace("    if (name.toLowerCase() === 'x-user-id') continue;\n", "")
    assert _brief(findings_of(RULE_ID, JS, after, "lib/forward.js")) == [("forward", 3)]


def test_js_skip_filter_widened_to_a_list_stays_silent():
    after = JS.replace("if (name.toLowerCase() === 'x-user-id') continue;",
                       "if (['x-user-id', 'x-user-roles'].includes(name.toLowerCase())) continue;")
    assert findings_of(RULE_ID, JS, after, "lib/forward.js") == []
