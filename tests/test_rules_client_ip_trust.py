"""client-ip-spoofable: the check's edges (rule id, unit, lines)."""
from __future__ import annotations

from semdiff.rules.client_ip_trust import RULE_ID
from rulekit import findings_of


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
