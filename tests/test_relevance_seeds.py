"""Seed tables are data: loading, matching and extension from configuration."""
from __future__ import annotations

import pytest

from semdiff.relevance.graph import build_graph
from semdiff.relevance.propagate import RepoRelevance, name_floor
from semdiff.relevance.seeds import SeedError, grammars_dir, load_seeds


def test_python_table_loads_with_every_category():
    seeds = load_seeds()
    names = [c.name for c in seeds.categories]
    assert names == ["authz", "authn", "session", "token", "crypto", "tls", "csrf", "secrets", "validation"]
    assert (grammars_dir() / "seeds" / "python.toml").is_file()


@pytest.mark.parametrize(
    "node, kind, decorator, category, reason",
    [
        ("app.auth.check_role", "function", False, "authz", "name word 'role'"),
        ("app.auth.verifyPassword", "function", False, "authn", "name word 'password'"),
        ("jwt.decode", "external", False, "token", "external call under 'jwt'"),
        ("hashlib.md5", "external", False, "crypto", "external call under 'hashlib'"),
        ("ssl.create_default_context", "external", False, "tls", "name 'create_default_context'"),
        ("user.has_perm", "external", False, "authz", "name 'has_perm'"),
        ("django.views.decorators.csrf.csrf_exempt", "external", True, "csrf", "name 'csrf_exempt'"),
        ("flask_login.login_required", "external", True, "authn", "decorator 'login_required'"),
        ("app.forms.validate_email", "function", False, "validation", "name word 'validate'"),
    ],
)
def test_seed_matches(node, kind, decorator, category, reason):
    hit = load_seeds().match(node, kind, decorator)
    assert hit is not None and (hit.category, hit.reason) == (category, reason)


@pytest.mark.parametrize(
    "node, kind",
    [
        ("app.util.format_date", "function"),
        ("db.session_factory", "external"),  # words apply to repository definitions only
        ("app.jobs.assign", "function"),
        ("requests.get", "external"),
    ],
)
def test_non_seeds(node, kind):
    assert load_seeds().match(node, kind) is None


def test_validation_scores_lower_than_guards():
    assert load_seeds().match("app.v.sanitize_html", "function").score == pytest.approx(0.8)


def test_configuration_extends_tables_and_adds_categories():
    extra = {"categories": {"authz": {"names": ["ensure_tenant"]}, "billing": {"words": ["invoice"], "score": 0.5}}}
    seeds = load_seeds(extra)
    assert seeds.match("app.t.ensure_tenant", "function").category == "authz"
    assert seeds.match("app.b.void_invoice", "function").category == "billing"
    assert seeds.match("app.auth.check_role", "function").category == "authz"  # file entries kept
    files = {"app/t.py": (None, "def ensure_tenant(u):\n    pass\n\ndef view(u):\n    ensure_tenant(u)\n")}
    rel = RepoRelevance(None, build_graph(files), seeds)
    assert rel.relevance("app/t.py", "view", "after").why_path == ("app.t.view", "app.t.ensure_tenant")
    assert RepoRelevance(None, build_graph(files)).relevance("app/t.py", "view", "after").score < 0.3


@pytest.mark.parametrize(
    "extra",
    [
        {"categories": {"authz": {"names": "not-a-list"}}},
        {"categories": {"authz": {"names": [1]}}},
        {"categories": {"authz": {"nmes": ["x"]}}},
        {"categories": {"authz": {"score": 2}}},
        {"categories": ["x"]},
    ],
)
def test_bad_configuration_is_a_clear_error(extra):
    with pytest.raises(SeedError):
        load_seeds(extra)


def test_unknown_language_and_bad_file(tmp_path):
    with pytest.raises(SeedError):
        load_seeds(language="cobol")
    with pytest.raises(SeedError):
        load_seeds(language="../etc")
    bad = tmp_path / "bad.toml"
    bad.write_text("[categories\n")
    with pytest.raises(SeedError):
        load_seeds(path=bad)


def test_name_floor_when_the_graph_knows_nothing():
    rel = RepoRelevance(None, None)
    r = rel.relevance("app/x.py", "verify_token", "after")
    assert r == name_floor("verify_token")
    assert r.category == "token" and r.score == pytest.approx(0.9)
    assert rel.relevance("app/x.py", "render", "before").category == "none"
    with pytest.raises(ValueError):
        rel.relevance("app/x.py", "render", "sideways")  # type: ignore[arg-type]
