"""leak-opened: table examples and the small readers the checks rely on (log-call names,
the whole-mapping pattern, traceback-to-response flow)."""
from __future__ import annotations

import pytest

from semdiff.pipeline import analyze_texts
from semdiff.rules.leak_opened import RULES, WHOLE_SECRET_MAPPING, is_log_call
from rulekit import family_of

FAMILY = "leak-opened"


def test_family_table_has_both_kinds_of_example():
    assert [r.id for r in family_of(FAMILY).rules] == [r.id for r in RULES]
    for r in RULES:
        assert any(e.fires for e in r.examples) and any(not e.fires for e in r.examples), r.id
        assert r.languages == ("python",)


@pytest.mark.parametrize("rule_id,example", [
    pytest.param(r.id, ex, id=f"{r.id}-{i}-{'fires' if ex.fires else 'silent'}")
    for r in RULES for i, ex in enumerate(r.examples)
])
def test_table_example(rule_id, example):
    report = analyze_texts([("server/handlers.py", example.before, example.after)])
    hits = [f for f in report.findings if f.rule_id == rule_id]
    assert bool(hits) == example.fires, [(f.rule_id, f.message) for f in report.findings]


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
