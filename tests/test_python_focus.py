"""The focus pass blanks only what a change cannot reach, and never moves a line."""
from __future__ import annotations

from semdiff.lang.python_focus import focus, module_level_names
from semdiff.pipeline import AnalyzeOptions, analyze_texts

BEFORE = '''import hmac

MAX_AGE = 3600


def unrelated(x):
    return x * 2


def is_admin(user):
    return user.role == "admin"


class Views:
    limit = 10

    def index(self, request):
        return "ok"

    def delete(self, request):
        if not is_admin(request.user):
            raise PermissionError()
        return self.remove(request)

    def remove(self, request):
        return request.id


def token_ok(a, b):
    return hmac.compare_digest(a, b)
'''

# lines 21 (`if not is_admin(...)`) and 22 removed
AFTER = BEFORE.replace('        if not is_admin(request.user):\n            raise PermissionError()\n', '')


def _lines(text: str) -> list[str]:
    return text.split("\n")


def test_untouched_definitions_are_blanked_and_line_numbers_hold() -> None:
    old, new = focus(BEFORE, AFTER, removed=[21, 22], added=[])
    assert old is not None and new is not None
    assert len(_lines(old)) == len(_lines(BEFORE)) and len(_lines(new)) == len(_lines(AFTER))
    kept = [line for line in _lines(old) if line.strip()]
    assert "    def delete(self, request):" in kept
    assert "def is_admin(user):" in kept  # named by the changed method: a helper the rules may inline
    assert "    def remove(self, request):" in kept  # called through self.
    assert "class Views:" in kept and "    limit = 10" in kept  # class-level statements stay
    assert "import hmac" in kept and "MAX_AGE = 3600" in kept  # module-level statements stay
    assert "def unrelated(x):" not in kept and "    def index(self, request):" not in kept
    assert "def token_ok(a, b):" not in kept
    # every kept line is where it was
    for i, line in enumerate(_lines(old)):
        assert line == "" or line == _lines(BEFORE)[i]


def test_a_changed_constant_keeps_the_functions_that_use_it() -> None:
    before = "LIMIT = 5\n\n\ndef check(n):\n    if n > LIMIT:\n        raise ValueError()\n\n\ndef other():\n    return 1\n"
    after = before.replace("LIMIT = 5", "LIMIT = 500")
    old, new = focus(before, after, removed=[1], added=[1])
    assert "def check(n):" in new and "def other():" not in new


def test_a_changed_import_elsewhere_keeps_its_users() -> None:
    names = module_level_names(["from hmac import compare_digest", "    x = 1"])
    assert "compare_digest" in names and "x" not in names and "import" not in names
    text = "def f(a, b):\n    return compare_digest(a, b)\n\n\ndef g():\n    return 2\n\n\ndef h():\n    return 3\n"
    changed = text.replace("return 3", "return 4")
    _, new = focus(text, changed, removed=[10], added=[10], names=names)
    assert "def f(a, b):" in new and "def h():" in new and "def g():" not in new


def test_a_class_whose_methods_are_all_blanked_still_parses() -> None:
    text = "class A:\n    def a(self):\n        return 1\n\n    def b(self):\n        return 2\n\n\nclass B:\n    def c(self):\n        return self.x\n"
    changed = text.replace("return self.x", "return self.y")
    old, new = focus(text, changed, removed=[11], added=[11], names=frozenset({"A"}))
    assert new is not None
    assert _lines(new)[1] == "    pass" and "return 1" not in new  # A kept (named), its methods not
    compile(new, "<focused>", "exec")


def test_gives_up_on_syntax_errors_and_lone_carriage_returns() -> None:
    broken = "def f(:\n    pass\n\ndef g():\n    return 1\n"
    assert focus(broken, broken + "x = 1\n", removed=[], added=[6]) == (broken, broken + "x = 1\n")
    cr = "def f():\r    return 1\n\ndef g():\n    return 2\n"
    assert focus(cr, cr.replace("2", "3"), removed=[5], added=[5]) == (cr, cr.replace("2", "3"))


def test_a_file_without_changed_lines_is_left_whole() -> None:
    text = "def f():\n    return 1\n"
    assert focus(text, text, removed=[], added=[]) == (text, text)


def test_definition_sharing_a_line_with_other_code_gives_up() -> None:
    text = "x = 1; \\\n    y = 2\ndef f():\n    return 1\n"
    old, new = focus(text, text.replace("return 1", "return 2"), removed=[4], added=[4])
    assert old == text


def _findings(before: str, after: str, focus_on: bool) -> set[tuple[str, str, int]]:
    report = analyze_texts([("app/views.py", before, after)], AnalyzeOptions(focus=focus_on))
    return {(f.rule_id, f.unit, f.primary_location.line if f.primary_location else 0) for f in report.findings}


def test_findings_are_the_same_with_and_without_focus() -> None:
    full = _findings(BEFORE, AFTER, False)
    assert ("removed-guard", "Views.delete", 21) in full
    assert _findings(BEFORE, AFTER, True) == full


def test_a_check_moved_into_an_unchanged_helper_is_still_seen_as_kept() -> None:
    """Hard negative: the guard now lives in a helper the change does not touch."""
    before = ("def require_admin(user):\n    if not user.is_admin:\n        raise PermissionError()\n\n\n"
              "def delete(request):\n    if not request.user.is_admin:\n        raise PermissionError()\n    return 1\n")
    after = ("def require_admin(user):\n    if not user.is_admin:\n        raise PermissionError()\n\n\n"
             "def delete(request):\n    require_admin(request.user)\n    return 1\n")
    assert _findings(before, after, True) == _findings(before, after, False)
    assert not {f for f in _findings(before, after, True) if f[0] == "removed-guard"}


def test_names_bound_by_a_changed_line_of_a_shebang_script_count_too() -> None:
    """A Python script without a .py suffix is read by the Python backend (shebang), so a
    module-level name its change binds must keep the definitions of other files that use it."""
    from semdiff.model import ChangeSet
    from semdiff.pipeline import _changed_module_names
    from semdiff.source.textpairs import file_change_from_texts

    script = file_change_from_texts("bin/manage", "#!/usr/bin/env python3\nSECRET_CHECK = True\n", "#!/usr/bin/env python3\nSECRET_CHECK = False\n")
    shell = file_change_from_texts("bin/run", "#!/bin/sh\nLIMIT=1\n", "#!/bin/sh\nLIMIT=2\n")
    assert _changed_module_names(ChangeSet(files=(script,), description="t")) == {"SECRET_CHECK"}
    assert _changed_module_names(ChangeSet(files=(shell,), description="t")) == frozenset()


MULTI_BEFORE = '''UNSAFE_METHODS = (
    "clear",
    "pop",
)


def other():
    return 1


def is_unsafe(name):
    return name in UNSAFE_METHODS
'''
MULTI_AFTER = MULTI_BEFORE.replace('    "pop",\n', "")


def test_an_item_changed_inside_a_multi_line_constant_keeps_its_users() -> None:
    """The changed line (`"pop",`) does not name the constant; the statement's first line does."""
    old, new = focus(MULTI_BEFORE, MULTI_AFTER, removed=[3], added=[])
    assert "def is_unsafe(name):" in old and "def is_unsafe(name):" in new
    assert "def other():" not in old and "def other():" not in new


def test_enclosing_statement_names_reach_other_files() -> None:
    from semdiff.lang.python_focus import enclosing_statement_names

    assert enclosing_statement_names(MULTI_BEFORE, [3]) == {"UNSAFE_METHODS"}
    assert enclosing_statement_names(MULTI_BEFORE, [1]) == frozenset()  # the head line itself is a changed line already
    cls = "class Box:\n    LIMITS = (\n        1,\n    )\n"
    assert enclosing_statement_names(cls, [3]) == frozenset()  # class level: not a module name
    assert enclosing_statement_names("def f(:\n", [1]) == frozenset()  # unsure: nothing
