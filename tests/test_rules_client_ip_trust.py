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


def test_java_tokenizer_first_token_is_leftmost_and_medium_outside_auth_code():
    after = JAVA.replace("return xff.substring(xff.lastIndexOf(',') + 1).trim();",
                         "return new StringTokenizer(xff, \",\").nextToken().trim();")
    hits = findings_of(RULE_ID, JAVA, after, "src/main/java/Ips.java")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("Ips.client", 7, 7)]
    # a helper named for nothing but addresses: the address may only be logged
    assert hits[0].severity.name == "MEDIUM"


def test_java_tokenizer_first_token_in_authentication_provider_is_high():
    before = JAVA.replace("class Ips", "class IpAuthenticationProvider")
    after = before.replace("return xff.substring(xff.lastIndexOf(',') + 1).trim();",
                           "return new StringTokenizer(xff, \",\").nextToken().trim();")
    hits = findings_of(RULE_ID, before, after, "src/main/java/IpAuthenticationProvider.java")
    assert [(f.unit, f.severity.name) for f in hits] == [("IpAuthenticationProvider.client", "HIGH")]


def test_java_tokenizer_on_another_header_is_silent():
    before = JAVA.replace("X-Forwarded-For", "X-Request-Ids").replace("xff", "ids")
    after = before.replace("return ids.substring(ids.lastIndexOf(',') + 1).trim();",
                           "return new StringTokenizer(ids, \",\").nextToken().trim();")
    assert findings_of(RULE_ID, before, after, "src/main/java/Ips.java") == []


PY_SOCKET = '''
def get_remote_address(request):
    return request.remote_addr
'''
PY_LEFTMOST = '''
def get_remote_address(request):
    forwarded_for = request.headers.get("X-Forwarded-For", None)
    if forwarded_for is not None:
        return forwarded_for.split(",")[0]
    return request.remote_addr
'''
PY_TRUSTED = '''
def client_ip(info, trusted):
    return walk_trusted(info.ip, info.headers.get("X-Forwarded-For"), trusted)
'''


def test_python_socket_address_replaced_by_first_entry():
    hits = findings_of(RULE_ID, PY_SOCKET, PY_LEFTMOST, "app/util.py")
    assert [(f.unit, f.after.line) for f in hits] == [("get_remote_address", 4)]


def test_python_trusted_walk_replaced_by_first_entry():
    after = PY_LEFTMOST.replace("get_remote_address(request)", "client_ip(info, trusted)").replace("request.", "info.").replace(
        "info.remote_addr", "info.ip")
    hits = findings_of(RULE_ID, PY_TRUSTED, after, "app/util.py")
    assert [(f.unit, f.after.line) for f in hits] == [("client_ip", 4)]


def test_python_last_entry_to_first_entry():
    before = PY_LEFTMOST.replace('split(",")[0]', 'split(",")[-1].strip()')
    hits = findings_of(RULE_ID, before, PY_LEFTMOST, "app/util.py")
    assert [(f.unit, f.before.line, f.after.line) for f in hits] == [("get_remote_address", 4, 4)]


def test_python_quiet_cases():
    # the fix direction, and the first entry already used before
    assert findings_of(RULE_ID, PY_LEFTMOST, PY_SOCKET, "app/util.py") == []
    assert findings_of(RULE_ID, PY_LEFTMOST, PY_LEFTMOST.replace("None)", "'')"), "app/util.py") == []
    # a function not named for the client address (a log helper) newly reading the first entry
    log_before = PY_SOCKET.replace("get_remote_address", "describe_hops")
    log_after = PY_LEFTMOST.replace("get_remote_address", "describe_hops")
    assert findings_of(RULE_ID, log_before, log_after, "app/util.py") == []
