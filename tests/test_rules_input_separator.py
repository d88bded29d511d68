"""input-validation/separator-widened: a query parser that split on `&` now splits on `;` too."""
from __future__ import annotations

from semdiff.model import Confidence, Severity
from rulekit import findings_of

RULE = "input-validation/separator-widened"

PARSER = """
import re


class Request:
    def _decode_pairs(self, qs):
        result = []
        for pair in qs.split('&'):
            if not pair:
                continue
            key, _, value = pair.partition('=')
            result.append((key, value))
        return result
"""


def test_semicolon_rewritten_into_ampersand_before_the_split():
    after = PARSER.replace("qs.split('&')", "qs.replace(';', '&').split('&')")
    (f,) = findings_of(RULE, PARSER, after, "web/request.py")
    assert f.unit == "Request._decode_pairs" and f.after.line == 7
    assert f.severity == Severity.MEDIUM and f.confidence == Confidence.MEDIUM
    assert "';'" in f.message


def test_regex_split_on_a_class_of_both():
    after = PARSER.replace("qs.split('&')", 're.split(r"[;&]", qs)')
    (f,) = findings_of(RULE, PARSER, after, "web/request.py")
    assert f.after.line == 7


def test_separator_pattern_held_in_a_local_regex():
    after = PARSER.replace("        for pair in qs.split('&'):\n",
                           "        sep = re.compile('&|;')\n        for pair in sep.split(qs):\n")
    (f,) = findings_of(RULE, PARSER, after, "web/request.py")
    assert f.after.line == 7


def test_semicolon_already_a_separator_is_silent():
    before = PARSER.replace("qs.split('&')", "qs.replace(';', '&').split('&')")
    after = before.replace("if not pair:", "if not pair.strip():")
    assert findings_of(RULE, before, after, "web/request.py") == []


def test_semicolon_dropped_is_silent():
    before = PARSER.replace("qs.split('&')", "re.split('[&;]', qs)")
    assert findings_of(RULE, before, PARSER, "web/request.py") == []


def test_ampersand_escaped_for_html_is_not_a_separator():
    before = "def render_query(qs):\n    parts = qs.split('&')\n    return '<br>'.join(parts)\n"
    after = ("def render_query(qs):\n    parts = qs.split('&')\n"
             "    return '<br>'.join(p.replace('&', '&amp;').replace(';', '&#59;') for p in parts)\n")
    assert findings_of(RULE, before, after, "web/render.py") == []


def test_replace_without_a_split_on_the_target_is_silent():
    before = "def show_url(url):\n    return url.split('&')[0]\n"
    after = "def show_url(url):\n    return url.replace(';', '&')\n"
    assert findings_of(RULE, before, after, "web/show.py") == []


def test_not_a_query_parser_is_silent():
    before = "def split_terms(text):\n    return [t.strip() for t in text.split('&')]\n"
    after = "def split_terms(text):\n    return [t.strip() for t in text.replace(';', '&').split('&')]\n"
    assert findings_of(RULE, before, after, "lib/terms.py") == []


def test_cookie_parser_splitting_on_semicolon_is_silent():
    before = ("def parse_cookie(header):\n    out = {}\n    for part in header.split(';'):\n"
              "        k, _, v = part.partition('=')\n        out[k.strip()] = v\n    return out\n")
    after = before.replace("header.split(';')", "re.split(r'[;,]', header)")
    assert findings_of(RULE, before, after, "web/cookies.py") == []


def test_comment_mentioning_both_is_silent():
    after = PARSER.replace("        for pair in qs.split('&'):\n",
                           "        # note: '[&;]' splitting is not done on purpose\n        for pair in qs.split('&'):\n")
    assert findings_of(RULE, PARSER, after, "web/request.py") == []
