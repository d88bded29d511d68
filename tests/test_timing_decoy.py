"""timing-decoy-removed: cases beside the fixtures (fixtures/*/timing-decoy-*): the decoy's
result now used, Python's `_ =` and a dummy-hash constant, JavaScript's awaited compare, and
checks that are not decoys (a raising verify, a real password write)."""
from __future__ import annotations

from tests.rulekit import findings_of

RULE = "timing-decoy-removed"

GO_BEFORE = """
package auth

func (b *basicAuth) check(user, password string) bool {
	secret := b.users[user]
	if secret == "" {
		_ = goauth.CheckSecret(password, b.notFoundSecret)
		return false
	}
	return goauth.CheckSecret(password, secret)
}
"""


def test_go_decoy_removed_is_reported_at_the_decoy():
    after = GO_BEFORE.replace("\t\t_ = goauth.CheckSecret(password, b.notFoundSecret)\n", "")
    found = findings_of(RULE, GO_BEFORE, after, "auth/basic.go")
    assert [(f.unit, f.before.line) for f in found] == [("basicAuth.check", 6)]
    assert "b.notFoundSecret" in found[0].evidence.before


def test_go_decoy_result_now_used_is_silent():
    after = GO_BEFORE.replace("_ = goauth.CheckSecret(password, b.notFoundSecret)\n\t\treturn false",
                              "ok := goauth.CheckSecret(password, b.notFoundSecret)\n\t\treturn ok && false")
    assert findings_of(RULE, GO_BEFORE, after, "auth/basic.go") == []


def test_go_check_kept_but_not_blank_assigned_before_is_not_a_decoy():
    before = GO_BEFORE.replace("_ = goauth.CheckSecret(password, b.notFoundSecret)", "b.log(user)")
    after = before.replace("\t\tb.log(user)\n", "")
    assert findings_of(RULE, before, after, "auth/basic.go") == []


PY_BEFORE = """
DUMMY_HASH = "pbkdf2_sha256$600000$x$y"


def login(store, username, password):
    record = store.get(username)
    if record is None:
        _ = check_password(password, DUMMY_HASH)
        return None
    if not check_password(password, record.password_hash):
        return None
    return record
"""


def test_python_blank_assigned_dummy_check_removed():
    after = PY_BEFORE.replace("        _ = check_password(password, DUMMY_HASH)\n", "")
    found = findings_of(RULE, PY_BEFORE, after, "app/auth.py")
    assert [(f.unit, f.before.line) for f in found] == [("login", 7)]


def test_python_dummy_hash_now_fed_to_the_single_check_is_silent():
    after = PY_BEFORE.replace(
        "    if record is None:\n        _ = check_password(password, DUMMY_HASH)\n        return None\n"
        "    if not check_password(password, record.password_hash):\n",
        "    stored = record.password_hash if record is not None else DUMMY_HASH\n"
        "    if not check_password(password, stored) or record is None:\n",
    )
    assert findings_of(RULE, PY_BEFORE, after, "app/auth.py") == []


def test_python_raising_verify_removed_is_not_a_decoy():
    before = (
        "def login(hasher, user, password):\n"
        "    hasher.verify(user.password_hash, password)\n"
        "    return user\n"
    )
    after = "def login(hasher, user, password):\n    return user\n"
    # a real check (it raises on a mismatch): the guard rules' business, not a timing decoy
    assert findings_of(RULE, before, after, "app/auth.py") == []


def test_javascript_awaited_dummy_compare_removed():
    before = (
        "export async function login(db, name, password) {\n"
        "  const user = await db.findUser(name);\n"
        "  if (!user) {\n"
        "    await bcrypt.compare(password, DUMMY_HASH);\n"
        "    return null;\n"
        "  }\n"
        "  return (await bcrypt.compare(password, user.hash)) ? user : null;\n"
        "}\n"
    )
    after = before.replace("    await bcrypt.compare(password, DUMMY_HASH);\n", "")
    found = findings_of(RULE, before, after, "src/auth.js")
    assert [(f.unit, f.before.line) for f in found] == [("login", 4)]
