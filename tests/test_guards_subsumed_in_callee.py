"""A removed check whose refusal a function the unit now calls makes on a wider case, on what
it is passed, has moved there: `if (fips() && pwd.length() < MIN) throw` gone from the
caller, `if (raw.length() < MIN_PASSWORD_LENGTH) throw` new in the `encode(pwd)` it now calls. Reported low
(the callee is named). A callee test that does not follow from the removed one (it tests the
opposite, or something the removed check did not test) leaves the removal high."""
from semdiff.model import Severity
from semdiff.pipeline import analyze_texts

BEFORE = '''class Realm {
    static final int MIN_PASSWORD_LENGTH = 14;

    static class Encoder {
        String encode(CharSequence raw) {
            return hash(raw);
        }
    }

    Details changePassword(String password) throws FormException {
        if (Fips.compliant() && password.length() < MIN_PASSWORD_LENGTH) {
            throw new FormException("too short", "password");
        }
        return Details.of(password);
    }
}
'''

AFTER_WIDER = '''class Realm {
    static final int MIN_PASSWORD_LENGTH = 14;

    static class Encoder {
        String encode(CharSequence raw) {
            if (raw.length() < MIN_PASSWORD_LENGTH) {
                throw new IllegalArgumentException("too short");
            }
            return hash(raw);
        }
    }

    Details changePassword(String password) throws FormException {
        try {
            ENCODER.encode(password);
        } catch (RuntimeException ex) {
            throw new FormException(ex.getMessage(), "password");
        }
        return Details.of(password);
    }
}
'''

AFTER_OPPOSITE = AFTER_WIDER.replace("if (raw.length() < MIN_PASSWORD_LENGTH) {", "if (!Fips.compliant()) {")
AFTER_OTHER_TEST = AFTER_WIDER.replace("if (raw.length() < MIN_PASSWORD_LENGTH) {", "if (raw.length() > 72) {")


def _found(after):
    report = analyze_texts([("core/src/main/java/Realm.java", BEFORE, after)])
    return [(f.rule_id, f.unit, f.before.line if f.before else None, f.severity) for f in report.findings
            if f.rule_id == "removed-guard"], report


def test_check_moved_into_callee_on_a_wider_case_is_low():
    found, report = _found(AFTER_WIDER)
    assert found == [("removed-guard", "Realm.changePassword", 11, Severity.LOW)]
    assert "Realm.Encoder.encode" in report.findings[0].message


def test_callee_test_that_does_not_follow_from_the_removed_one_stays():
    for after in (AFTER_OPPOSITE, AFTER_OTHER_TEST):
        found, _ = _found(after)
        assert [f[:3] for f in found] == [("removed-guard", "Realm.changePassword", 11)]
        assert found[0][3] >= Severity.MEDIUM
