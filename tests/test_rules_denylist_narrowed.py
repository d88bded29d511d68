"""denylist-narrowed: each way a deny-list is written or known (rule id,
unit, lines), with the hard negatives next to each."""
from __future__ import annotations

from rulekit import findings_of
from semdiff.rules.denylist_narrowed import RULE_ID


# a neutral final name; the deny-list is known through the field it is handed to
JAVA_ALIAS = """
class TypeFilter {
    protected final static Set<String> DEFAULT_NAMES;
    static {
        Set<String> s = new HashSet<String>();
        s.add("org.example.gadget.Invoker");
        s.add("org.example.gadget.Loader");
        s.add("org.example.gadget.Template");
        DEFAULT_NAMES = Collections.unmodifiableSet(s);
    }
    protected Set<String> _illegalTypeNames = DEFAULT_NAMES;

    void vet(String name) {
        if (_illegalTypeNames.contains(name)) {
            report(name);
        }
    }
}
"""


def test_java_builder_known_through_an_alias():
    after = JAVA_ALIAS.replace('        s.add("org.example.gadget.Loader");\n', "")
    hits = findings_of(RULE_ID, JAVA_ALIAS, after, "src/main/java/org/example/TypeFilter.java")
    assert [(f.unit, f.before.line if f.before else None, f.after) for f in hits] == [("TypeFilter", 6, None)]
    assert "org.example.gadget.Loader" in hits[0].message and "_illegalTypeNames" in hits[0].message
    assert hits[0].severity.name in ("MEDIUM", "HIGH")


def test_java_builder_without_a_deny_name_or_use_stays_silent():
    before = JAVA_ALIAS.replace("_illegalTypeNames", "_typeNames").replace(
        "if (_typeNames.contains(name))", "if (_typeNames.contains(name) && verbose)")
    before = before.replace("report(name);", "log(name);").replace("if (_typeNames.contains(name) && verbose) {", "{")
    after = before.replace('        s.add("org.example.gadget.Loader");\n', "")
    assert findings_of(RULE_ID, before, after, "src/main/java/org/example/TypeFilter.java") == []


def test_java_constant_collection_entry_dropped():
    before = """
class Schemes {
    static final Set<String> FORBIDDEN_SCHEMES = new HashSet<>(Arrays.asList("file", "jar", "ftp"));
}
"""
    after = before.replace(', "jar"', "")
    hits = findings_of(RULE_ID, before, after, "src/main/java/org/example/Schemes.java")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("Schemes", 2, 2)]
    assert "'jar'" in hits[0].message


def test_java_deny_list_that_grew_stays_silent():
    before = """
class Schemes {
    static final Set<String> FORBIDDEN_SCHEMES = new HashSet<>(Arrays.asList("file", "ftp"));
}
"""
    after = before.replace('"ftp"', '"ftp", "jar"')
    assert findings_of(RULE_ID, before, after, "src/main/java/org/example/Schemes.java") == []


JS = """
const BLOCKED_PROTOCOLS = new Set(['javascript:', 'data:', 'vbscript:']);

function safeHref(url) {
  const proto = new URL(url, 'http://x').protocol;
  if (BLOCKED_PROTOCOLS.has(proto)) throw new Error('blocked link');
  return url;
}
"""


def test_js_set_literal_entry_dropped():
    after = JS.replace(" 'data:',", "")
    hits = findings_of(RULE_ID, JS, after, "src/links.js")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("<module>", 1, 1)]
    assert "'data:'" in hits[0].message


def test_js_list_rewritten_as_set_with_same_entries_stays_silent():
    after = JS.replace("new Set(['javascript:', 'data:', 'vbscript:'])", "new Set(['vbscript:', 'javascript:', 'data:'])")
    assert findings_of(RULE_ID, JS, after, "src/links.js") == []


def test_js_required_set_shrank_stays_silent():
    before = JS.replace("BLOCKED_PROTOCOLS", "LINK_PROTOCOLS").replace("if (LINK_PROTOCOLS.has(proto))",
                                                                         "if (!LINK_PROTOCOLS.has(proto))")
    after = before.replace(" 'data:',", "")
    assert findings_of(RULE_ID, before, after, "src/links.js") == []


PY = """
_blocked_hosts = set()
_blocked_hosts.add('169.254.169.254')
_blocked_hosts.add('metadata.google.internal')
_blocked_hosts.add('localhost')
"""


def test_python_builder_entry_dropped():
    after = PY.replace("_blocked_hosts.add('metadata.google.internal')\n", "")
    hits = findings_of(RULE_ID, PY, after, "app/egress.py")
    assert [(f.unit, f.before.line) for f in hits] == [("<module>", 3)]


def test_python_literal_deny_list_is_left_to_widened_allowlist():
    before = "BLOCKED_HOSTS = {'169.254.169.254', 'localhost'}\n"
    after = "BLOCKED_HOSTS = {'localhost'}\n"
    assert findings_of(RULE_ID, before, after, "app/egress.py") == []
    assert findings_of("widened-allowlist", before, after, "app/egress.py")


def test_exclusion_list_shrinking_is_not_a_narrowed_deny_list():
    before = "var csrfExcludedPaths = []string{\"/healthz\", \"/metrics\"}\n"
    after = "var csrfExcludedPaths = []string{\"/healthz\"}\n"
    assert findings_of(RULE_ID, "package web\n\n" + before, "package web\n\n" + after, "web/csrf.go") == []


def test_html_block_tags_are_not_a_deny_list():
    before = 'class Tag {\n    private static final String[] blockTags = {"div", "p", "section"};\n}\n'
    after = before.replace(', "section"', "")
    assert findings_of(RULE_ID, before, after, "src/main/java/org/example/Tag.java") == []


def test_membership_branch_that_does_not_refuse_is_no_evidence():
    before = """
const INLINE = new Set(['b', 'i', 'span']);

function layout(tag) {
  if (INLINE.has(tag)) return flow(tag);
  return block(tag);
}
"""
    after = before.replace(", 'span'", "")
    assert findings_of(RULE_ID, before, after, "src/layout.js") == []


# a glob deny-list whose brace alternatives grew (vite-style server options)
TS_GLOBS = """export const defaults = Object.freeze({
  fs: {
    strict: true,
    deny: ['.env', '.env.*', '*.{crt,pem}', '**/.git/**'],
  },
})
"""


def test_glob_brace_alternatives_that_grew_stay_silent():
    after = TS_GLOBS.replace("'*.{crt,pem}'", "'*.{crt,pem,key,p12}', '.npmrc'")
    assert findings_of(RULE_ID, TS_GLOBS, after, "src/node/server/config.ts") == []


def test_glob_brace_alternative_dropped_is_narrowed():
    after = TS_GLOBS.replace("'*.{crt,pem}'", "'*.{crt,key}'")
    hits = findings_of(RULE_ID, TS_GLOBS, after, "src/node/server/config.ts")
    assert [(f.unit, f.before.line if f.before else None) for f in hits] == [("<module>", 4)]
    assert "*.{crt,pem}" in hits[0].message
