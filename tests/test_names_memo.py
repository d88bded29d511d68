"""semdiff.relevance.names remembers `words`/`categorise` answers per name: same answers,
a fresh list from `words` each call, and a bounded memo."""
from semdiff.relevance import names


def test_words_answer_is_the_computed_one_and_a_fresh_list():
    first = names.words("HMACKeyCheck_role")
    assert first == ["hmac", "key", "check", "role", "hmackey"]
    first.append("mutated")
    assert names.words("HMACKeyCheck_role") == ["hmac", "key", "check", "role", "hmackey"]
    assert names.words("HMACKeyCheck_role") is not names.words("HMACKeyCheck_role")


def test_categorise_remembered_answer_equals_uncached():
    for name in ("verify_token", "check_role", "helper_3", "JWTSecret", "plain", "mod.func_4"):
        assert names.categorise(name) == names._categorise(name)
        assert names.categorise(name) == names.categorise(name)
    assert names.categorise("verify_token") == ("token", "token")
    assert names.categorise("helper_3") is None


def test_memo_is_bounded(monkeypatch):
    monkeypatch.setattr(names, "_MEMO_MAX", 3)
    monkeypatch.setattr(names, "_WORDS_MEMO", {})
    monkeypatch.setattr(names, "_CATEGORY_MEMO", {})
    for i in range(10):
        assert names.words(f"check_role_{i}") == ["check", "role", str(i)]
        assert names.categorise(f"check_role_{i}") == ("authz", "role")
    assert len(names._WORDS_MEMO) == 3 and len(names._CATEGORY_MEMO) == 3
