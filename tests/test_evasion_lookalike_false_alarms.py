"""confusable-identifier on ordinary history (H6's false-alarm hunt).

Real release commits rebuild minified bundles, where every name is one or two machine-chosen
letters (`a`/`A`, `i`/`l`, `Ye`/`ye`) on lines of thousands of characters; and honest code
changes a name's letter case (`verified` -> `Verified` when a Go field is exported). Neither
disguises a check. A lookalike of a real name (`is_adrnin`, `ro1e`, capital `I` for `l`) still is.
"""
from __future__ import annotations

from semdiff.pipeline import analyze_texts
from semdiff.rules.evasion import lookalike


def rules(path: str, before: str, after: str) -> set[tuple[str, str]]:
    return {(f.rule_id, f.unit) for f in analyze_texts([(path, before, after)]).findings}


def test_lookalike_pairs():
    assert lookalike("is_admin", "is_adrnin") and lookalike("role", "ro1e") and lookalike("is_admin", "Is_adrnin")
    assert not lookalike("Object", "object") and not lookalike("verified", "Verified")
    assert not lookalike("l", "i") and not lookalike("ye", "Ye") and not lookalike("a", "A")


def test_minified_bundle_rebuild_is_not_a_lookalike():
    pad = "var " + ",".join(f"x{i}=function(){{return {i}}}" for i in range(60)) + ";\n"
    check = 'function q(e,Xyrn){if(!Xyrn.ok)throw new Error("denied");return e}\n'
    assert len(pad) > 500
    assert ("confusable-identifier", "q") in rules("lib/app.js", check, check.replace("Xyrn", "Xym"))
    assert ("confusable-identifier", "q") not in rules("dist/app.min.js", pad + check, pad + check.replace("Xyrn", "Xym"))


def test_short_names_swapped_are_not_lookalikes():
    before = "function q(e, l) {\n  if (!l.ok) {\n    throw new Error('denied');\n  }\n  return e;\n}\n"
    after = before.replace("l.ok", "i.ok").replace("(e, l)", "(e, i)")
    assert not any(r == "confusable-identifier" for r, _ in rules("lib/q.js", before, after))


def test_exported_field_is_not_a_lookalike():
    before = "package auth\n\nfunc Check(s *Session) error {\n\tif !s.verified {\n\t\treturn ErrDenied\n\t}\n\treturn nil\n}\n"
    after = before.replace("s.verified", "s.Verified")
    assert not any(r == "confusable-identifier" for r, _ in rules("auth/check.go", before, after))


def test_digit_for_letter_in_a_real_name_still_fires():
    before = "function canEdit(user) {\n  if (user.role !== 'admin') {\n    throw new Error('denied');\n  }\n  return true;\n}\n"
    after = before.replace("user.role", "user.ro1e")
    assert ("confusable-identifier", "canEdit") in rules("lib/perm.js", before, after)
