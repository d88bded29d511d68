"""escaping-removed (Python): a call of a same-file helper that escapes one of its parameters
(`self.make_search_filter(username)`, whose body runs escape_filter_chars on it) counts as an
escaper of that argument: the helper inlined without its escaping is escaping removed, while a
renamed helper, an inline escaper or a helper that does not escape stay quiet."""
from __future__ import annotations

from semdiff.pipeline import analyze_texts
from semdiff.rules.escaping_removed import RULE_ID

PATH = "app/auth.py"
BEFORE = '''import ldap3


class Ldap:
    def make_search_filter(self, username: str) -> str:
        username = ldap3.utils.conv.escape_filter_chars(username)
        return f"({self.filter_key}={username})"

    def __call__(self, username: str, password: str) -> bool:
        if not username or not password:
            return False
        self.conn.search(self.dn_subtree, self.make_search_filter(username))
        return bool(self.conn.response)
'''
INLINED = BEFORE.replace('''    def make_search_filter(self, username: str) -> str:
        username = ldap3.utils.conv.escape_filter_chars(username)
        return f"({self.filter_key}={username})"

''', "").replace("self.make_search_filter(username)", 'f"({self.filter_key}={username})"')


def found(before, after):
    report = analyze_texts([(PATH, before, after)])
    return [(f.unit, f.after.line if f.after else None) for f in report.findings if f.rule_id == RULE_ID]


def test_escaping_helper_inlined_without_escaping():
    assert found(BEFORE, INLINED) == [("Ldap.__call__", 8)]


def test_module_function_helper_second_parameter():
    before = ("import html\n\n\ndef cell(cls, text):\n    return f'<td class={cls}>' + html.escape(text) + '</td>'\n\n\n"
              "def row(name):\n    return '<tr>' + cell('n', name) + '</tr>'\n")
    after = ("import html\n\n\ndef row(name):\n    return '<tr>' + f'<td class=n>{name}</td>' + '</tr>'\n")
    assert found(before, after) == [("row", 5)]


def test_helper_renamed_or_escaping_inlined_or_kept_is_quiet():
    assert found(BEFORE, BEFORE.replace("make_search_filter", "build_filter")) == []
    escaped_inline = INLINED.replace('={username})"', '={ldap3.utils.conv.escape_filter_chars(username)})"')
    assert found(BEFORE, escaped_inline) == []
    assert found(BEFORE, BEFORE.replace("return False", "return None")) == []


def test_helper_that_does_not_escape_is_no_escaper():
    before = BEFORE.replace("username = ldap3.utils.conv.escape_filter_chars(username)", "username = username.strip()")
    assert found(before, INLINED) == []


def test_helper_call_removed_and_value_unused_is_quiet():
    after = BEFORE.replace("self.conn.search(self.dn_subtree, self.make_search_filter(username))",
                           "self.conn.search(self.dn_subtree, self.default_filter)")
    assert found(BEFORE, after) == []
