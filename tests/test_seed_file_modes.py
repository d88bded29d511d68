"""Seeds: calls that set a file's mode are access control in every language the graph mixes."""
from __future__ import annotations

import pytest

from semdiff.relevance.seeds import load_seeds


@pytest.mark.parametrize("node", ["os.chmod", "os.umask", "os.Chmod", "fs.chmodSync", "file.setReadable",
                                  "Files.setPosixFilePermissions"])
def test_file_mode_calls_are_authz_seeds(node):
    hit = load_seeds().match(node, "external")
    assert hit is not None and hit.category == "authz" and hit.reason.startswith("name ")


@pytest.mark.parametrize("node", ["file.isReadable", "os.stat", "fs.readFileSync", "file.setLastModified", "os.chdir"])
def test_file_reads_and_look_alikes_are_not(node):
    assert load_seeds().match(node, "external") is None
