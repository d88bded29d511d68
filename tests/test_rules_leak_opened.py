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
