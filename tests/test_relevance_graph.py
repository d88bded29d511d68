"""Call graph and relevance on real throw-away git repositories (issue 4 fixtures)."""
from __future__ import annotations

import json
import textwrap

import pytest

from semdiff.relevance.explain import explain, export_graph
from semdiff.relevance.propagate import RepoRelevance
from semdiff.relevance.repo import GitReadError, graph_for_revision
from tests.gitrepo import GitRepo


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


AUTH = src(
    """
    class Forbidden(Exception):
        pass


    def check_owner(user, doc):
        if doc.owner_id != user.id:
            raise Forbidden()


    def require_admin(user):
        if not user.is_admin:
            raise Forbidden()
    """
)


def two_revisions(tmp_path, before: dict[str, str], after: dict[str, str]):
    repo = GitRepo(tmp_path / "repo")
    repo.write(before)
    base = repo.commit("before")
    gone = [p for p in before if p not in after]
    if gone:
        repo.delete(*gone)
    repo.write(after)
    head = repo.commit("after", allow_empty=True)
    root = str(repo.root)
    return RepoRelevance(graph_for_revision(root, base), graph_for_revision(root, head))


# -- a helper loses its check and three routes depend on it ---------------------------------------
DOCS_BEFORE = src(
    """
    from app.auth import check_owner
    from app.db import fetch


    def load_doc(user, doc_id):
        doc = fetch(doc_id)
        check_owner(user, doc)
        return doc
    """
)
DOCS_AFTER = src(
    """
    from app.auth import check_owner
    from app.db import fetch


    def load_doc(user, doc_id):
        doc = fetch(doc_id)
        return doc
    """
)
VIEWS = src(
    """
    from flask import Flask
    from flask_login import current_user
    from .docs import load_doc

    app = Flask(__name__)


    @app.get("/docs/<doc_id>")
    def show_doc(doc_id):
        return load_doc(current_user, doc_id).render()


    @app.delete("/docs/<doc_id>")
    def delete_doc(doc_id):
        load_doc(current_user, doc_id).delete()
        return "", 204


    @app.route("/docs/<doc_id>/share", methods=["POST"])
    def share_doc(doc_id):
        doc = load_doc(current_user, doc_id)
        return doc.share()


    @app.route("/health")
    def health():
        return "ok"
    """
)


def test_helper_loses_check_three_routes_depend_on_it(tmp_path):
    common = {"app/__init__.py": "", "app/auth.py": AUTH, "app/db.py": "def fetch(i):\n    return i\n", "app/views.py": VIEWS}
    rel = two_revisions(tmp_path, {**common, "app/docs.py": DOCS_BEFORE}, {**common, "app/docs.py": DOCS_AFTER})

    routes = ("app.views.delete_doc", "app.views.share_doc", "app.views.show_doc")
    assert rel.dependent_routes("app/docs.py", "load_doc", "before") == routes
    assert rel.dependent_routes("app/docs.py", "load_doc", "after") == routes
    assert rel.callers("app/docs.py", "load_doc", "after") == routes

    before = rel.relevance("app/docs.py", "load_doc", "before")
    assert before.category == "authz"
    assert before.score == pytest.approx(0.7)
    assert before.why_path == ("app.docs.load_doc", "app.auth.check_owner")
    # after the change the helper reaches no guard, and none of its routes is protected
    after = rel.relevance("app/docs.py", "load_doc", "after")
    assert after.score < 0.3 and after.category == "none"
    # the routes were protected through the helper before, and are not after
    show_before = rel.relevance("app/views.py", "show_doc", "before")
    assert show_before.why_path == ("app.views.show_doc", "app.docs.load_doc", "app.auth.check_owner")
    assert show_before.score == pytest.approx(0.49)
    assert rel.relevance("app/views.py", "show_doc", "after").score < 0.3
    # an unrelated route has no dependency on the helper
    assert "app.views.health" not in rel.dependent_routes("app/docs.py", "load_doc", "before")
    text = explain(rel, "app.docs.load_doc", "before")
    assert "app.docs.load_doc -> app.auth.check_owner" in text and "app.views.share_doc" in text


# -- a guard moved into a decorator --------------------------------------------------------------
def test_guard_moved_into_a_decorator_is_still_reached(tmp_path):
    decorators = src(
        """
        import functools
        from app.auth import require_admin


        def guarded(view):
            @functools.wraps(view)
            def wrapper(request, *args):
                require_admin(request.user)
                return view(request, *args)
            return wrapper
        """
    )
    before = src(
        """
        from app.auth import require_admin


        def delete_user(request, uid):
            require_admin(request.user)
            return uid
        """
    )
    after = src(
        """
        from app.decorators import guarded


        @guarded
        def delete_user(request, uid):
            return uid
        """
    )
    common = {"app/__init__.py": "", "app/auth.py": AUTH, "app/decorators.py": decorators}
    rel = two_revisions(tmp_path, {**common, "app/users.py": before}, {**common, "app/users.py": after})
    b = rel.relevance("app/users.py", "delete_user", "before")
    a = rel.relevance("app/users.py", "delete_user", "after")
    assert b.why_path == ("app.users.delete_user", "app.auth.require_admin") and b.category == "authz"
    assert a.category == "authz"
    assert a.why_path == (
        "app.users.delete_user", "app.decorators.guarded", "app.decorators.guarded.wrapper", "app.auth.require_admin",
    )
    assert a.score == pytest.approx(0.343)
    assert rel.guard_path("app/users.py", "delete_user", {"require_admin"}, "after") == a.why_path
    assert rel.graph("after").edge_kinds("app.users.delete_user", "app.decorators.guarded") == ("decorator",)
    # the decorator factory's own wraps() is an external, not a guard
    assert rel.graph("after").kind("functools.wraps") == "external"


# -- a guard moved into every caller (hard negative) and its counterexample -----------------------
USERS_GUARDED = src(
    """
    from app.auth import require_admin


    def delete_user(actor, uid):
        require_admin(actor)
        return uid
    """
)
USERS_BARE = src(
    """
    def delete_user(actor, uid):
        return uid
    """
)
CALLERS_GUARDED = src(
    """
    from flask import Flask, g
    from app.auth import require_admin
    from app import users

    app = Flask(__name__)


    @app.post("/users/<uid>/delete")
    def delete_view(uid):
        require_admin(g.user)
        return users.delete_user(g.user, uid)


    @app.delete("/api/users/<uid>")
    def api_delete(uid):
        actor = g.user
        require_admin(actor)
        users.delete_user(actor, uid)
        return ""
    """
)


def test_guard_moved_into_every_caller_is_enforced(tmp_path):
    common = {"app/__init__.py": "", "app/auth.py": AUTH}
    rel = two_revisions(
        tmp_path,
        {**common, "app/users.py": USERS_GUARDED, "app/views.py": CALLERS_GUARDED.replace("require_admin(", "print(")},
        {**common, "app/users.py": USERS_BARE, "app/views.py": CALLERS_GUARDED},
    )
    assert rel.callers("app/users.py", "delete_user", "after") == ("app.views.api_delete", "app.views.delete_view")
    assert rel.enforced_by_all_callers("app/users.py", "delete_user", {"require_admin"}, "after") is True
    # matched by full node name too
    assert rel.enforced_by_all_callers("app/users.py", "delete_user", {"app.auth.require_admin"}, "after") is True
    # before the move the callers did not guard (the callee did)
    assert rel.enforced_by_all_callers("app/users.py", "delete_user", {"require_admin"}, "before") is False
    # the callee is still relevant after: protected routes rely on it
    after = rel.relevance("app/users.py", "delete_user", "after")
    assert after.category == "authz" and after.why_path[-1] == "app.users.delete_user"
    assert after.why_path[0] in ("app.views.api_delete", "app.views.delete_view")


def test_guard_in_callers_counterexample_one_caller_lacks_it(tmp_path):
    extra = CALLERS_GUARDED + src(
        """


        def nightly_cleanup(uid):
            users.delete_user(None, uid)
        """
    )
    common = {"app/__init__.py": "", "app/auth.py": AUTH}
    rel = two_revisions(
        tmp_path,
        {**common, "app/users.py": USERS_GUARDED, "app/views.py": CALLERS_GUARDED},
        {**common, "app/users.py": USERS_BARE, "app/views.py": extra},
    )
    assert "app.views.nightly_cleanup" in rel.callers("app/users.py", "delete_user", "after")
    assert rel.enforced_by_all_callers("app/users.py", "delete_user", {"require_admin"}, "after") is False


def test_guard_after_the_call_does_not_count(tmp_path):
    late = src(
        """
        from app.auth import require_admin
        from app.users import delete_user


        def handler(actor, uid):
            delete_user(actor, uid)
            require_admin(actor)
        """
    )
    rel = two_revisions(
        tmp_path,
        {"app/__init__.py": "", "app/auth.py": AUTH, "app/users.py": USERS_GUARDED, "app/jobs.py": late},
        {"app/__init__.py": "", "app/auth.py": AUTH, "app/users.py": USERS_BARE, "app/jobs.py": late},
    )
    assert rel.callers("app/users.py", "delete_user", "after") == ("app.jobs.handler",)
    assert rel.enforced_by_all_callers("app/users.py", "delete_user", {"require_admin"}, "after") is False


def test_auth_decorator_on_every_caller_counts_and_routes_themselves_do_not(tmp_path):
    views = src(
        """
        from django.contrib.auth.decorators import login_required
        from app.users import delete_user


        @login_required
        def delete_view(request, uid):
            return delete_user(request.user, uid)
        """
    )
    rel = two_revisions(
        tmp_path,
        {"app/__init__.py": "", "app/auth.py": AUTH, "app/users.py": USERS_GUARDED, "app/views.py": views},
        {"app/__init__.py": "", "app/auth.py": AUTH, "app/users.py": USERS_BARE, "app/views.py": views},
    )
    assert rel.enforced_by_all_callers("app/users.py", "delete_user", {"require_admin"}, "after") is True
    seed = rel.seed("after", "django.contrib.auth.decorators.login_required")
    assert seed is not None and seed.category == "authn"
    # a function nobody calls is not enforced by anyone
    assert rel.enforced_by_all_callers("app/views.py", "delete_view", {"login_required"}, "after") is False


# -- name resolution -------------------------------------------------------------------------------
def test_alias_import_resolves_to_the_helper(tmp_path):
    auth = "def check(user):\n    if not user.ok:\n        raise PermissionError()\n"
    views = src(
        """
        from auth import check as c
        import auth as a


        def view(user):
            c(user)
            return 1


        def other(user):
            a.check(user)
        """
    )
    rel = two_revisions(tmp_path, {"auth.py": auth, "views.py": views}, {"auth.py": auth, "views.py": views})
    g = rel.graph("after")
    assert g.edge_kinds("views.view", "auth.check") == ("call",)
    assert g.edge_kinds("views.other", "auth.check") == ("call",)
    r = rel.relevance("views.py", "view", "after")
    assert r.why_path == ("views.view", "auth.check", "PermissionError")
    assert r.category == "authz"


def test_self_and_inherited_method_calls(tmp_path):
    service = src(
        """
        from .perms import check_permission


        class Service:
            def delete(self, user, item):
                self._ensure(user, item)
                return item

            def _ensure(self, user, item):
                check_permission(user, "delete", item)


        class AdminService(Service):
            def purge(self, user):
                self._ensure(user, None)
                super().delete(user, None)
        """
    )
    perms = "def check_permission(user, action, item):\n    return user.can(action, item)\n"
    files = {"app/__init__.py": "", "app/perms.py": perms, "app/service.py": service}
    rel = two_revisions(tmp_path, files, files)
    g = rel.graph("after")
    assert g.edge_kinds("app.service.Service.delete", "app.service.Service._ensure") == ("call",)
    assert g.edge_kinds("app.service.AdminService.purge", "app.service.Service._ensure") == ("call",)
    assert g.edge_kinds("app.service.AdminService.purge", "app.service.Service.delete") == ("call",)
    assert g.edge_kinds("app.service.AdminService", "app.service.Service") == ("inherits",)
    r = rel.relevance("app/service.py", "Service.delete", "after")
    assert r.why_path == ("app.service.Service.delete", "app.service.Service._ensure", "app.perms.check_permission")
    assert r.category == "authz" and r.score == pytest.approx(0.49)


def test_circular_imports_and_reexport_cycles_terminate(tmp_path):
    files = {
        "pkg/__init__.py": "from pkg.a import f\nfrom pkg.b import g\nfrom pkg import loop\n",
        "pkg/a.py": "from pkg.b import g\n\ndef f():\n    return g()\n",
        "pkg/b.py": "from pkg import a\nfrom pkg import loop\n\ndef g():\n    loop()\n    return a.f()\n\ndef h():\n    from pkg import f\n    return f()\n",
    }
    rel = two_revisions(tmp_path, files, files)
    g = rel.graph("after")
    assert g.edge_kinds("pkg.a.f", "pkg.b.g") == ("call",)
    assert g.edge_kinds("pkg.b.g", "pkg.a.f") == ("call",)
    assert g.edge_kinds("pkg.b.h", "pkg.a.f") == ("call",)  # through the package's re-export
    assert g.kind("pkg.loop") == "external"  # `from pkg import loop` in pkg itself: unresolvable
    assert rel.relevance("pkg/a.py", "f", "after").category == "none"


def test_relative_imports_and_src_layout(tmp_path):
    files = {
        "src/shop/__init__.py": "",
        "src/shop/security/__init__.py": "from .tokens import verify_token\n",
        "src/shop/security/tokens.py": "import jwt\n\ndef verify_token(t):\n    return jwt.decode(t, 'k', algorithms=['HS256'])\n",
        "src/shop/api/__init__.py": "",
        "src/shop/api/orders.py": "from ..security import verify_token\nfrom shop.security.tokens import verify_token as vt\n\ndef list_orders(t):\n    verify_token(t)\n\ndef other(t):\n    vt(t)\n",
    }
    rel = two_revisions(tmp_path, files, files)
    g = rel.graph("after")
    assert g.edge_kinds("src.shop.api.orders.list_orders", "src.shop.security.tokens.verify_token") == ("call",)
    assert g.edge_kinds("src.shop.api.orders.other", "src.shop.security.tokens.verify_token") == ("call",)
    assert g.edge_kinds("src.shop.security.tokens.verify_token", "jwt.decode") == ("call",)
    r = rel.relevance("src/shop/api/orders.py", "list_orders", "after")
    assert r.category == "token" and r.why_path[-1] == "src.shop.security.tokens.verify_token"


def test_fastapi_depends_and_django_urls(tmp_path):
    api = src(
        """
        from fastapi import APIRouter, Depends
        from app.security import get_current_user

        router = APIRouter()


        @router.post("/items")
        def create_item(item: dict, user=Depends(get_current_user)):
            return store(item)


        def store(item):
            return item
        """
    )
    security = "from fastapi.security import OAuth2PasswordBearer\n\noauth = OAuth2PasswordBearer('t')\n\ndef get_current_user(token=None):\n    return token\n"
    urls = src(
        """
        from django.urls import path
        from . import views

        urlpatterns = [
            path("users/<int:uid>/delete", views.delete_user),
            path("reports/", views.ReportView.as_view()),
        ]
        """
    )
    dviews = src(
        """
        from django.contrib.auth.mixins import LoginRequiredMixin


        def delete_user(request, uid):
            return uid


        class ReportView(LoginRequiredMixin):
            def get(self, request):
                return render_report()


        def render_report():
            return 1
        """
    )
    not_urls = "def path(a, b):\n    return a\n\nx = path('/nope', print)\n"
    files = {
        "app/__init__.py": "", "app/api.py": api, "app/security.py": security,
        "web/__init__.py": "", "web/urls.py": urls, "web/views.py": dviews, "web/misc.py": not_urls,
    }
    rel = two_revisions(tmp_path, files, files)
    g = rel.graph("after")
    assert g.routes("app.api.create_item") == ("/items (flask/fastapi)",)
    assert g.edge_kinds("app.api.create_item", "app.security.get_current_user") == ("depends",)
    r = rel.relevance("app/api.py", "create_item", "after")
    assert r.why_path == ("app.api.create_item", "app.security.get_current_user") and r.category == "authn"
    # store() is relied on by a protected route
    s = rel.relevance("app/api.py", "store", "after")
    assert s.why_path == ("app.api.create_item", "app.api.store") and s.score == pytest.approx(0.49)
    assert rel.dependent_routes("app/api.py", "store", "after") == ("app.api.create_item",)
    # Django: function view, class-based view and its HTTP method
    assert g.routes("web.views.delete_user") == ("users/<int:uid>/delete (django)",)
    assert g.edge_kinds("web.urls", "web.views.ReportView.get") == ("route",)
    assert rel.dependent_routes("web/views.py", "render_report", "after") == ("web.views.ReportView.get",)
    # a local function called `path` is not a URL pattern
    assert all("nope" not in r for n in g.graph for r in g.routes(n))


def test_very_large_generated_module(tmp_path):
    n = 5000
    parts = ["import hmac\n\n", "def f0(x):\n    return hmac.compare_digest(x, x)\n\n"]
    parts += [f"def f{i}(x):\n    return f{i - 1}(x)\n\n" for i in range(1, n)]
    # deep nesting and a syntax error must neither crash nor recurse
    parts.append("def deep():\n" + "".join("    " * (d + 1) + f"def d{d}():\n" for d in range(200)) + "    " * 201 + "pass\n")
    parts.append("x = (" * 3000 + ")" * 3000 + "\n")
    parts.append("def broken(:\n    pass\n")
    big = "".join(parts)
    rel = two_revisions(tmp_path, {"big.py": big}, {"big.py": big})
    g = rel.graph("after")
    assert g.kind("big.f4999") == "function"
    assert g.edge_kinds("big.f4999", "big.f4998") == ("call",)
    assert g.graph.nodes["big"]["partial"] is True
    assert g.kind("big.deep." + ".".join(f"d{d}" for d in range(200))) == "function"
    assert rel.relevance("big.py", "f2", "after").why_path == ("big.f2", "big.f1", "big.f0", "hmac.compare_digest")
    assert rel.relevance("big.py", "f2", "after").score == pytest.approx(0.343)
    assert rel.relevance("big.py", "f10", "after").score < 0.3  # beyond three hops


# -- exports, explain and errors ------------------------------------------------------------------
def test_export_and_explain(tmp_path):
    files = {"app/__init__.py": "", "app/auth.py": AUTH, "app/views.py": VIEWS, "app/docs.py": DOCS_BEFORE, "app/db.py": ""}
    rel = two_revisions(tmp_path, files, files)
    g = rel.graph("after")
    data = json.loads(export_graph(g, "json"))
    ids = {n["id"]: n for n in data["nodes"]}
    assert ids["app.views.show_doc"]["routes"] == ["/docs/<doc_id> (flask/fastapi)"]
    assert ids["app.views.show_doc"]["path"] == "app/views.py"
    assert {"source": "app.docs.load_doc", "target": "app.auth.check_owner", "kinds": ["call"], "lines": [7]} in data["edges"]
    dot = export_graph(g, "dot")
    assert dot.startswith("digraph semdiff {") and '"app.docs.load_doc" -> "app.auth.check_owner" [label="call"];' in dot
    with pytest.raises(ValueError):
        export_graph(g, "svg")  # type: ignore[arg-type]
    text = explain(rel, "views.health")
    assert text.splitlines()[0] == "app.views.health (function, app/views.py:26)"
    assert "not sensitive" in text
    assert "not found" in explain(rel, "nope.nothing")
    assert "external" in explain(rel, "flask.Flask")


def test_bad_revision_is_a_clear_error(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write({"a.py": "x = 1\n"})
    repo.commit()
    with pytest.raises(GitReadError):
        graph_for_revision(str(repo.root), "--output=/tmp/pwned")
    with pytest.raises(GitReadError):
        graph_for_revision(str(repo.root), "no-such-branch")


def test_symlinks_submodules_and_large_files_are_not_read(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write({"a.py": "def f():\n    return 1\n", "big.py": "x = 1\n" * 400_000, "soup.py": "(" * 50_000})
    repo.symlink("link.py", "a.py")
    repo.add_submodule_entry("sub.py", repo.commit("one"))
    sha = repo.commit("two")
    cg = graph_for_revision(str(repo.root), sha)
    assert set(cg.modules) == {"a.py", "soup.py"}
    assert [(n.path, n.reason) for n in cg.not_analyzed] == [("big.py", "too-large"), ("soup.py", "parse-limit")]
    assert cg.stats.skipped == 1 and cg.stats.parsed == 2


def test_snapshot_loaded_graph_answers_like_the_assembled_one(tmp_path):
    """The same decorator/guard questions through a warm (bucketed snapshot) graph."""
    from semdiff.relevance.cache import BlobCache

    decorators = src(
        """
        import functools
        from app.auth import require_admin


        def guarded(view):
            @functools.wraps(view)
            def wrapper(request, *args):
                require_admin(request.user)
                return view(request, *args)
            return wrapper
        """
    )
    users = src(
        """
        from app.decorators import guarded


        @guarded
        def delete_user(request, uid):
            return uid


        def rename_user(request, uid):
            return uid
        """
    )
    repo = GitRepo(tmp_path / "repo")
    repo.write({"app/__init__.py": "", "app/auth.py": AUTH, "app/decorators.py": decorators, "app/users.py": users})
    rev = repo.commit("one")
    root = str(repo.root)
    fresh = graph_for_revision(root, rev, cache=BlobCache(tmp_path / "cache"))
    warm = graph_for_revision(root, rev, cache=BlobCache(tmp_path / "cache"))
    assert warm._nx is None and fresh._nx is None  # networkx is built for exports only
    assert fresh.predecessor_kinds("app.decorators.guarded") == warm.predecessor_kinds("app.decorators.guarded") == ("decorator",)
    assert warm.predecessor_kinds("app.auth.require_admin") == ("call",)
    a, b = RepoRelevance(None, fresh), RepoRelevance(None, warm)
    for qualname in ("delete_user", "rename_user"):
        assert a.relevance("app/users.py", qualname, "after") == b.relevance("app/users.py", qualname, "after")
    assert b.relevance("app/users.py", "delete_user", "after").category == "authz"
    assert b.guard_path("app/users.py", "delete_user", ["require_admin"], "after") == (
        "app.users.delete_user", "app.decorators.guarded", "app.decorators.guarded.wrapper", "app.auth.require_admin")
    assert a.guard_path("app/users.py", "delete_user", ["require_admin"], "after") == b.guard_path(
        "app/users.py", "delete_user", ["require_admin"], "after")


def test_relevance_queries_do_not_import_networkx(tmp_path):
    """networkx costs ~0.09 s to import; only exports (`graph`, `explain`'s find) need it."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from semdiff.relevance.graph import build_graph\n"
        "from semdiff.relevance.propagate import RepoRelevance\n"
        "from semdiff.relevance import repo, snapshot\n"
        "cg = build_graph({'app/auth.py': (None, 'def check_role(u):\\n    pass\\n'),\n"
        "                  'app/v.py': (None, 'from app.auth import check_role\\ndef view(u):\\n    check_role(u)\\n')})\n"
        "r = RepoRelevance(None, cg).relevance('app/v.py', 'view', 'after')\n"
        "assert r.category == 'authz' and r.why_path == ('app.v.view', 'app.auth.check_role'), r\n"
        "assert 'networkx' not in sys.modules\n"
        "assert cg.graph.has_edge('app.v.view', 'app.auth.check_role') and 'networkx' in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
