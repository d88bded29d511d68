"""permission-widened: the mode/umask/temp-file cases that need a closer look."""
from __future__ import annotations

from semdiff.model import Confidence
from rulekit import family_of, findings_of

FAMILY = "permission-widened"


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


def test_os_open_mode_dropped_falls_back_to_0o777():
    found = run(
        """
        import os
        def write_secret(p, data):
            fd = os.open(p, os.O_WRONLY | os.O_CREAT, 0o600)
            os.write(fd, data)
        """,
        """
        import os
        def write_secret(p, data):
            fd = os.open(p, os.O_WRONLY | os.O_CREAT)
            os.write(fd, data)
        """,
    )
    assert [(f.unit, f.after.line) for f in found] == [("write_secret", 3)]
    assert "0o600" in found[0].message and "0o777" in found[0].message


def test_path_touch_mode_widened():
    found = run(
        "from pathlib import Path\ndef mark(p):\n    Path(p).touch(mode=0o600)\n",
        "from pathlib import Path\ndef mark(p):\n    Path(p).touch(mode=0o666)\n",
    )
    assert [(f.unit, f.after.line) for f in found] == [("mark", 3)]


def test_new_chmod_reported_only_when_it_hands_out_world_write():
    before = "import os\ndef publish(p):\n    return p\n"
    assert run(before, "import os\ndef publish(p):\n    os.chmod(p, 0o644)\n    return p\n") == []
    found = run(before, "import os\ndef publish(p):\n    os.chmod(p, 0o666)\n    return p\n")
    assert [(f.unit, f.after.line) for f in found] == [("publish", 3)]


def test_untouched_risky_calls_stay_silent():
    before = """
        import os, tempfile
        def setup(p):
            os.umask(0)
            os.chmod(p, 0o777)
            return tempfile.mktemp()
        """
    after = before.replace("return tempfile.mktemp()", "name = tempfile.mktemp()\n            return name")
    assert run(before, after) == []


def test_mktemp_without_a_replaced_safe_call_is_medium_confidence():
    found = run(
        "import tempfile\ndef scratch():\n    return None\n",
        "import tempfile\ndef scratch():\n    return tempfile.mktemp()\n",
    )
    assert len(found) == 1 and found[0].confidence == Confidence.MEDIUM


def test_unfoldable_mode_with_new_world_bit():
    found = run(
        "import os, stat\ndef share(p, st):\n    os.chmod(p, st.st_mode | stat.S_IRUSR)\n",
        "import os, stat\ndef share(p, st):\n    os.chmod(p, st.st_mode | stat.S_IWOTH)\n",
    )
    assert [(f.unit, f.after.line) for f in found] == [("share", 3)]
