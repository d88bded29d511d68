"""client-ip-spoofable: table examples and the check's edges (rule id, unit, lines)."""
from __future__ import annotations

import pytest

from semdiff.rules.client_ip_trust import EXAMPLE_PATHS, RULE_ID, RULES
from rulekit import family_of, findings_of


def test_family_table_has_both_kinds_of_example():
    assert [r.id for r in family_of(RULE_ID).rules] == [r.id for r in RULES]
    for r in RULES:
        assert any(e.fires for e in r.examples) and any(not e.fires for e in r.examples), r.id


@pytest.mark.parametrize("rule_id,example", [
    pytest.param(r.id, ex, id=f"{r.id}-{i}-{'fires' if ex.fires else 'silent'}")
    for r in RULES for i, ex in enumerate(r.examples)
])
def test_table_example(rule_id, example):
    hits = findings_of(rule_id, example.before, example.after, EXAMPLE_PATHS[rule_id])
    assert bool(hits) == example.fires, [f.message for f in hits]


JAVA = """
class Ips {
    static String client(HttpServletRequest req) {
        String xff = req.getHeader("X-Forwarded-For");
        if (xff == null) {
            return req.getRemoteAddr();
        }
        return xff.substring(xff.lastIndexOf(',') + 1).trim();
    }
}
"""


def test_java_last_comma_to_first_comma():
    after = JAVA.replace("return xff.substring(xff.lastIndexOf(',') + 1).trim();",
                         "int i = xff.indexOf(',');\n        return (i < 0 ? xff : xff.substring(0, i)).trim();")
    hits = findings_of(RULE_ID, JAVA, after, "src/main/java/Ips.java")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("Ips.client", 7, 7)]


def test_java_first_entry_logged_while_last_still_used_is_silent():
    after = JAVA.replace("        return xff.substring",
                         "        log.debug(\"origin {}\", xff.split(\",\")[0]);\n        return xff.substring")
    assert findings_of(RULE_ID, JAVA, after, "src/main/java/Ips.java") == []


def test_first_element_without_forwarded_header_is_silent():
    before = "function pick(list) {\n  return list[list.length - 1]\n}\n"
    after = "function pick(list) {\n  return list.split(',')[0]\n}\n"
    assert findings_of(RULE_ID, before, after, "lib/pick.js") == []
