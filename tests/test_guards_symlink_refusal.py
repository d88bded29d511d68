"""A check that refuses symbolic links (Go `info.Mode()&os.ModeSymlink != 0`, Java
`Files.isSymbolicLink(p)`) is path confinement whatever the function is called: removing it
is reported at security severity. A file-mode test for something else (a directory) is not
made relevant by this row."""
from semdiff.model import Severity
from semdiff.pipeline import analyze_texts

BEFORE = '''package downloader

func writeLock(dir string, data []byte) error {
	info, err := os.Lstat(dir)
	if err == nil && info.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("the lock file is a symlink")
	}
	return os.WriteFile(dir, data, 0644)
}
'''
AFTER = '''package downloader

func writeLock(dir string, data []byte) error {
	return os.WriteFile(dir, data, 0644)
}
'''


def _removed(before):
    report = analyze_texts([("pkg/downloader/manager.go", before, AFTER)])
    return [(f.unit, f.before.line, f.severity) for f in report.findings if f.rule_id == "removed-guard"]


def test_symlink_refusal_removed_is_security_relevant():
    found = _removed(BEFORE)
    assert [f[:2] for f in found] == [("writeLock", 5)]
    assert found[0][2] >= Severity.MEDIUM


def test_directory_mode_refusal_stays_low():
    found = _removed(BEFORE.replace("info.Mode()&os.ModeSymlink != 0", "info.Mode().IsDir()"))
    assert [f[:2] for f in found] == [("writeLock", 5)]
    assert found[0][2] == Severity.LOW
