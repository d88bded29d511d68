""""Resource cleanup" (closing files and connections) is a behaviour claim, not a code
clean-up: werkzeug da6cc8e2 "more resource cleanup" was a HIGH refactor mismatch in
`generate_adhoc_ssl_context`. A clean-up of code ("clean up unused imports", "Code cleanup")
keeps its narrow refactor promise.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from gitrepo import GitRepo

from semdiff.api import analyze
from semdiff.model import Severity
from semdiff.pipeline import AnalyzeOptions
from semdiff.purpose.claims import classify_message


@pytest.mark.parametrize("subject,kinds", [
    ("more resource cleanup (#3104)", {"unknown"}),
    ("clean up temp files after upload", {"unknown"}),
    ("Socket cleanup on shutdown", {"unknown"}),
    ("cleanup of open file handles", {"unknown"}),
    # code clean-ups keep the refactor claim
    ("clean up unused imports", {"refactor"}),
    ("Code cleanup", {"refactor"}),
    ("cleanup", {"refactor"}),
    ("refactor: resource cleanup", {"refactor"}),  # the author's own type label
    ("Refactor and resource cleanup", {"refactor"}),  # a refactor keyword besides the clean-up
])
def test_resource_cleanup_is_not_a_refactor_claim(subject, kinds):
    m = classify_message(subject, "", "commit 1")
    assert set(m.kinds) == kinds, m.evidence
    if "unknown" in kinds:
        assert any("releases run-time resources" in e for e in m.evidence)


SERVING = '''def generate_adhoc_ssl_context():
    cert_file, pkey_file = generate_adhoc_ssl_pair()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_file, pkey_file)
    return ctx
'''
CLOSED = '''def generate_adhoc_ssl_context():
    cert_file, pkey_file = generate_adhoc_ssl_pair()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        ctx.load_cert_chain(cert_file, pkey_file)
    finally:
        os.remove(cert_file)
        os.remove(pkey_file)
    return ctx
'''


def change(tmp_path: Path, message: str):
    repo = GitRepo(tmp_path / "repo")
    repo.write({"src/serving.py": SERVING})
    base = repo.commit("init")
    repo.write({"src/serving.py": CLOSED})
    head = repo.commit(message)
    return analyze(f"{base}..{head}", repo=str(repo.root), options=AnalyzeOptions())


def test_resource_cleanup_in_a_tls_function_matches_its_purpose(tmp_path):
    r = change(tmp_path, "more resource cleanup")
    assert [f for f in r.findings if f.rule_id == "purpose-mismatch"] == []
    assert r.purpose.claim == "unknown"


def test_the_same_change_as_a_code_cleanup_exceeds_it(tmp_path):
    r = change(tmp_path, "Code cleanup")
    [m] = [f for f in r.findings if f.rule_id == "purpose-mismatch"]
    assert (m.unit, m.severity) == ("generate_adhoc_ssl_context", Severity.HIGH)
