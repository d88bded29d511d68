"""atheris target: arbitrary bytes as the new version of a Python file, through IR extraction
(the libcst backend behind the nesting guard) and every rule family.

No exception may escape: parse problems must come back as NotAnalyzed entries. See fuzz/README.md.
"""
import sys

import atheris

with atheris.instrument_imports():
    from semdiff.pipeline import AnalyzeOptions, analyze_texts
    from semdiff.report import formatter

BEFORE = (
    "def delete_user(request, uid):\n"
    "    if not request.user.is_admin:\n"
    "        raise PermissionDenied()\n"
    "    User.delete(uid)\n"
)
OPTIONS = AnalyzeOptions(file_timeout=10.0)


def test_one_input(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    formatter("json")(analyze_texts([("app/auth.py", BEFORE, text)], OPTIONS))


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
