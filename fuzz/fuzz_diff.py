"""atheris target: arbitrary bytes as a unified diff, through the reader and the whole pipeline.

Allowed outcomes: a report (rendered as JSON), or ValueError from `changes_from_diff` for a
text with no usable file. Anything else is a finding of the fuzzer. See fuzz/README.md.
"""
import sys

import atheris

with atheris.instrument_imports():
    from semdiff.pipeline import AnalyzeOptions, analyze_changeset
    from semdiff.report import formatter
    from semdiff.source.diffparse import changes_from_diff

OPTIONS = AnalyzeOptions(file_timeout=10.0)


def test_one_input(data: bytes) -> None:
    text = data.decode("utf-8", errors="surrogateescape")
    try:
        changes = changes_from_diff(text, "fuzz")
    except ValueError:
        return
    formatter("json")(analyze_changeset(changes, OPTIONS))


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
