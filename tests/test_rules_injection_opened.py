"""injection-opened: the formatting reader and the less common weakenings."""
from __future__ import annotations

import pytest

from semdiff.model import Confidence
from rulekit import family_of, findings_of

FAMILY = "injection-opened"


def _family():
    return family_of(FAMILY)


def run(before: str, after: str, path: str = "app/module.py"):
    """Findings of this family for one before/after pair, through the whole pipeline."""
    return findings_of(FAMILY, before, after, path)


def test_rule_ids_are_the_family_name_with_both_kinds_of_example():
    rules = _family().rules
    assert [r.id for r in rules] == [FAMILY]
    for r in rules:
        assert any(e.fires for e in r.examples) and any(not e.fires for e in r.examples)
        assert r.languages == ("python",)


from semdiff.rules.injection_opened import formatting  # noqa: E402


@pytest.mark.parametrize("value,kind", [
    ('f"SELECT * FROM t WHERE id = {x}"', "f-string"),
    ('"SELECT * FROM t WHERE id = %s" % x', "%-formatting"),
    ('"SELECT * FROM t WHERE id = {}".format(x)', ".format()"),
    ('"SELECT * FROM t WHERE id = " + x', "concatenation"),
    ('"SELECT * FROM t WHERE id = %s"', None),
    ("query", None),
    ('f"SELECT 1"', None),
    ('"unterminated', None),
])
def test_formatting_reader(value, kind):
    assert formatting(value) == kind


def test_literal_eval_replaced_by_eval():
    found = run(
        "import ast\ndef parse(s):\n    return ast.literal_eval(s)\n",
        "import ast\ndef parse(s):\n    return eval(s)\n",
    )
    assert [(f.unit, f.after.line) for f in found] == [("parse", 3)]


def test_pickle_already_there_is_silent():
    src = "import pickle\ndef load(b):\n    return pickle.loads(b)\n"
    assert run(src, src.replace("load(b)", "load(blob)").replace("loads(b)", "loads(blob)")) == []


def test_new_markup_around_user_input():
    found = run(
        "from markupsafe import Markup\ndef bio(user):\n    return user.bio\n",
        "from markupsafe import Markup\ndef bio(user):\n    return Markup(user.bio)\n",
    )
    assert [(f.unit, f.after.line) for f in found] == [("bio", 3)]


def test_markup_of_a_literal_or_escaped_value_is_silent():
    before = "from markupsafe import Markup, escape\ndef bio(user):\n    return user.bio\n"
    assert run(before, before.replace("return user.bio", "return Markup('<br>')")) == []
    assert run(before, before.replace("return user.bio", "return Markup(escape(user.bio))")) == []


def test_subprocess_list_replaced_by_os_system():
    found = run(
        "import os, subprocess\ndef backup(db):\n    subprocess.run(['pg_dump', db])\n",
        "import os, subprocess\ndef backup(db):\n    os.system('pg_dump ' + db)\n",
    )
    assert [(f.unit, f.after.line) for f in found] == [("backup", 3)]


def test_query_params_dropped_for_a_prebuilt_string_is_medium():
    found = run(
        "def find(cur, n):\n    cur.execute('SELECT * FROM u WHERE n = ?', (n,))\n",
        "def find(cur, n, q):\n    cur.execute(q)\n",
    )
    assert len(found) == 1 and found[0].confidence == Confidence.MEDIUM


def test_realpath_removed_before_send_file():
    found = run(
        "import os\nfrom flask import send_file\ndef dl(name):\n    p = os.path.realpath(name)\n    return send_file(p)\n",
        "import os\nfrom flask import send_file\ndef dl(name):\n    p = name\n    return send_file(p)\n",
    )
    assert [(f.unit, f.after.line) for f in found] == [("dl", 5)]


def test_normaliser_removed_in_a_static_route_is_high_elsewhere_low():
    from semdiff.model import Severity

    before = ("from pathlib import Path\n\n\ndef {name}(directory):\n"
              "    root = Path(directory).resolve()\n    return open(root / 'index.html')\n")
    after = before.replace("Path(directory).resolve()", "Path(directory)")
    served = [f for f in run(before.format(name="serve_index"), after.format(name="serve_index"), "web/files.py")
              if f.rule_id == "injection-opened"]
    assert [(f.unit, f.before.line, f.severity) for f in served] == [("serve_index", 5, Severity.HIGH)]
    # hard negative for the severity: a tool reading its own config directory is not serving files
    local = [f for f in run(before.format(name="load_theme"), after.format(name="load_theme"), "tools/theme.py")
             if f.rule_id == "injection-opened"]
    assert [(f.unit, f.severity) for f in local] == [("load_theme", Severity.LOW)]


def test_escaper_swapped_for_another_is_quiet_but_dropped_is_reported():
    before = "from html import escape\n\ndef render(name):\n    return '<b>' + escape(name) + '</b>'\n"
    swapped = "import bleach\n\ndef render(name):\n    return '<b>' + bleach.clean(name) + '</b>'\n"
    dropped = "def render(name):\n    return '<b>' + name + '</b>'\n"
    assert [f for f in run(before, swapped, "app/html.py") if f.rule_id == "injection-opened"] == []
    assert [(f.rule_id, f.unit) for f in run(before, dropped, "app/html.py") if f.rule_id == "injection-opened"] == [("injection-opened", "render")]


SANDBOX_CLASS = '''class Settings:
    def _init_script_templating(self):
        from jinja2 import ChoiceLoader
        from jinja2.sandbox import SandboxedEnvironment

        class RelEnvironment(SandboxedEnvironment):
            def __init__(self, prefix_sep=":", *args, **kwargs):
                super().__init__(*args, **kwargs)
                self._prefix_sep = prefix_sep

        return RelEnvironment(loader=ChoiceLoader([]))
'''
PLAIN_CLASS = (SANDBOX_CLASS.replace("from jinja2 import ChoiceLoader", "from jinja2 import ChoiceLoader, Environment")
               .replace("        from jinja2.sandbox import SandboxedEnvironment\n", "")
               .replace("class RelEnvironment(SandboxedEnvironment):", "class RelEnvironment(Environment):"))
SANDBOX_CALL = ("from jinja2.sandbox import SandboxedEnvironment\n\n\ndef render(src, ctx):\n"
                "    env = SandboxedEnvironment(autoescape=True)\n    return env.from_string(src).render(ctx)\n")


def brief(fs):
    return sorted((f.unit, f.before.line if f.before else None, f.after.line if f.after else None) for f in fs)


def test_sandboxed_environment_base_class_replaced_by_plain_one():
    assert brief(run(SANDBOX_CLASS, PLAIN_CLASS)) == [("Settings._init_script_templating.<locals>.RelEnvironment", 6, 5)]


def test_sandboxed_environment_call_replaced_by_plain_one():
    plain = SANDBOX_CALL.replace("SandboxedEnvironment(", "Environment(").replace(
        "jinja2.sandbox import SandboxedEnvironment", "jinja2 import Environment")
    assert brief(run(SANDBOX_CALL, plain)) == [("render", 5, 5)]


def test_sandbox_kept_swapped_for_another_or_added_is_quiet():
    assert run(PLAIN_CLASS, SANDBOX_CLASS) == []
    assert run(SANDBOX_CALL, SANDBOX_CALL.replace("SandboxedEnvironment", "ImmutableSandboxedEnvironment")) == []
    assert run(SANDBOX_CLASS, SANDBOX_CLASS.replace('prefix_sep=":"', 'prefix_sep="::"')) == []
    # a plain environment that was already there beside the sandbox is not a replacement
    both = SANDBOX_CALL.replace("    return", "    plain = Environment()\n    return")
    assert run(both, both.replace("env = SandboxedEnvironment(autoescape=True)", "env = plain")) == []


def test_sandbox_replacement_is_high_in_any_code():
    assert [f.severity.label for f in run(SANDBOX_CLASS, PLAIN_CLASS)] == ["high"]
