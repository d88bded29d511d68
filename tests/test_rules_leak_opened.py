"""leak-opened: the small readers the checks rely on (log-call names,
the whole-mapping pattern, traceback-to-response flow)."""
from __future__ import annotations

import pytest

from semdiff.pipeline import analyze_texts
from semdiff.rules.leak_opened import WHOLE_SECRET_MAPPING, is_log_call

FAMILY = "leak-opened"


@pytest.mark.parametrize("callee,expected", [
    ("log.error", True), ("self.log.warning", True), ("logger.info", True), ("logging.debug", True),
    ("log_method", True), ("app.logger.exception", True),
    ("self.write", False), ("self.finish", False), ("catalog.info", False), ("dialog.show", False),
])
def test_log_call_names(callee, expected):
    assert is_log_call(callee) is expected


@pytest.mark.parametrize("text,expected", [
    ("dict(request.headers)", True), ("request.cookies", True), ("self.request.headers", True),
    ("os.environ", True), ("headers", False), ("response.headers", False), ("request.headers['Host']", False), ("request.headers.get('Host')", False), ("request.headers_sent", False),
])
def test_whole_mapping_pattern(text, expected):
    assert bool(WHOLE_SECRET_MAPPING.search(text)) is expected


def _findings(before, after):
    return [(f.rule_id, f.unit, f.after.line if f.after else None)
            for f in analyze_texts([("server/handlers.py", before, after)]).findings]


def test_traceback_passed_straight_to_write():
    before = "import traceback\n\nclass H:\n    def post(self):\n        try:\n            self.run()\n        except Exception:\n            self.write({'error': 'failed'})\n"
    after = "import traceback\n\nclass H:\n    def post(self):\n        try:\n            self.run()\n        except Exception:\n            self.write({'error': traceback.format_exc()})\n"
    assert _findings(before, after) == [("error-details-exposed", "H.post", 8)]


def test_traceback_already_sent_before_is_silent():
    before = "import traceback\n\nclass H:\n    def post(self):\n        tb = traceback.format_exc()\n        self.write({'error': tb})\n"
    after = "import traceback\n\nclass H:\n    def post(self):\n        tb = traceback.format_exc()\n        self.write({'error': tb, 'code': 500})\n"
    assert [r for r, *_ in _findings(before, after) if r == "error-details-exposed"] == []


def test_headers_already_logged_before_is_silent():
    before = "def f(request, log):\n    log.info(dict(request.headers))\n"
    after = "def f(request, log):\n    log.warning(dict(request.headers))\n"
    assert [r for r, *_ in _findings(before, after) if r == "secrets-logged"] == []


EXPECTED = ("def check_tag(agent_id, auth_tag, key):\n    ex_mac = crypto.do_hmac(key, agent_id)\n"
            "    if ex_mac != auth_tag:\n        raise Exception(f'Auth tag {auth_tag} for {agent_id} does not match')\n")


def _expected(before, after):
    from semdiff.pipeline import analyze_texts
    report = analyze_texts([("app/registrar.py", before, after)])
    return [(f.unit, f.after.line if f.after else None) for f in report.findings if f.rule_id == "expected-secret-disclosed"]


def test_expected_secret_put_into_an_error():
    after = EXPECTED.replace("does not match')", "does not match expected value {ex_mac}')")
    assert _expected(EXPECTED, after) == [("check_tag", 4)]
    resp = ("def verify(self, sig):\n    expected_signature = self.sign(self.body)\n    if sig != expected_signature:\n"
            "        return self.write('bad signature')\n")
    assert _expected(resp, resp.replace("'bad signature'", "f'bad signature, want {expected_signature}'")) == [("verify", 4)]


def test_expected_secret_quiet_cases():
    after = EXPECTED.replace("does not match')", "does not match expected value {ex_mac}')")
    assert _expected(after, EXPECTED) == []  # taken out
    assert _expected(after, after.replace("Auth tag", "Tag")) == []  # already there
    logged = EXPECTED.replace("    if ex_mac", "    log.debug('mac %s', ex_mac)\n    if ex_mac")
    assert _expected(EXPECTED, logged) == []  # a log line is not the error
    size = EXPECTED.replace("does not match')", "does not match {expected_len}')")
    assert _expected(EXPECTED, size) == []  # not a secret value
    plain = EXPECTED.replace("does not match')", "does not match the expected_token')").replace("f'Auth", "'Auth")
    assert _expected(EXPECTED, plain) == []  # words in a plain string name no value
