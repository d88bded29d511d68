"""Two reasons a removed check is not excused.

A method exposed to requests by itself (`@JavaScriptMethod`, `@GetMapping`, a Stapler
`doXxx` action) is an entry point of its own: callers inside the change that check first do
not cover the requests that reach it directly. A plain helper whose every caller checks first
still reads as hoisted (low).

A refusal typed as a security failure (`throw new SecurityException(...)`) makes the check
security-relevant whatever the unit is called; an IllegalArgumentException does not.
"""
from semdiff.model import Severity
from semdiff.pipeline import analyze_texts

JAVA = '''public final class Approvals {
    @JavaScriptMethod
    public JSON renderInfo() {
        Jenkins.get().checkPermission(Jenkins.ADMINISTER);
        return build();
    }

    @JavaScriptMethod
    public JSON approve(String hash) {
        Jenkins.get().checkPermission(Jenkins.ADMINISTER);
        store(hash);
        return renderInfo();
    }
}
'''


def _removed(before, after, path="src/main/java/Approvals.java"):
    report = analyze_texts([(path, before, after)])
    return [(f.unit, f.before.line, f.severity) for f in report.findings if f.rule_id == "removed-guard"]


def test_web_method_is_its_own_entry_point():
    after = JAVA.replace("        Jenkins.get().checkPermission(Jenkins.ADMINISTER);\n        return build();",
                         "        return build();")
    found = _removed(JAVA, after)
    assert [f[:2] for f in found] == [("Approvals.renderInfo", 4)]
    assert found[0][2] >= Severity.MEDIUM


def test_plain_helper_whose_callers_check_stays_low():
    before = JAVA.replace("    @JavaScriptMethod\n    public JSON renderInfo()", "    private JSON renderInfo()")
    after = before.replace("        Jenkins.get().checkPermission(Jenkins.ADMINISTER);\n        return build();",
                           "        return build();")
    assert _removed(before, after) == [("Approvals.renderInfo", 3, Severity.LOW)]  # one line fewer: no annotation


VISITOR = '''class Visitor {
    void visitAnnotations(Node an) {
        if (an.getMember("extensions") != null) {
            throw new SecurityException("Annotation cannot be used with an 'extensions' member.");
        }
        super.visitAnnotations(an);
    }
}
'''
VISITOR_AFTER = '''class Visitor {
    void visitAnnotations(Node an) {
        super.visitAnnotations(an);
    }
}
'''


def test_security_exception_refusal_is_security_relevant():
    found = _removed(VISITOR, VISITOR_AFTER, "src/main/java/Visitor.java")
    assert [f[:2] for f in found] == [("Visitor.visitAnnotations", 3)]
    assert found[0][2] >= Severity.MEDIUM


def test_illegal_argument_refusal_stays_low():
    before = VISITOR.replace("SecurityException", "IllegalArgumentException")
    assert _removed(before, VISITOR_AFTER, "src/main/java/Visitor.java") == [("Visitor.visitAnnotations", 3, Severity.LOW)]
