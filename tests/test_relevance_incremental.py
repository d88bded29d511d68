"""A head graph derived from its base graph plus the changed files (semdiff.relevance.incremental)
must equal a from-scratch build of the head: every node with its attributes, every edge with its
kinds and call sites, every relevance answer — both as derived in memory and as re-read from the
snapshot the derivation wrote. Changes the derivation does not prove safe must fall back to the
whole assembly (and then equal it trivially); each case says which path it expects."""
from __future__ import annotations

import random
import textwrap
from pathlib import Path
from typing import Any

import pytest

from gitrepo import GitRepo
from semdiff.relevance import repo as repo_mod
from semdiff.relevance.cache import BlobCache
from semdiff.relevance.graph import CallGraph
from semdiff.relevance.incremental import OverlayStore
from semdiff.relevance.propagate import RepoRelevance
from semdiff.relevance.repo import graph_for_revision


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


BASE = {
    "app/__init__.py": "from app.auth import check_role\n",
    "app/auth.py": src(
        """
        import jwt


        def check_role(user, role):
            if role not in user.roles:
                raise PermissionError(role)


        def load_token(raw):
            return jwt.decode(raw, "k", algorithms=["HS256"])


        def require_admin(view):
            def wrapper(request, *args):
                check_role(request.user, "admin")
                return view(request, *args)
            return wrapper
        """
    ),
    "app/base.py": src(
        """
        class BaseView:
            def guard(self, request):
                return request.user

            def dispatch(self, request):
                return self.guard(request)

            class Nested:
                def dispatch(self, request):
                    return request
        """
    ),
    "app/mixins.py": src(
        """
        from app.base import BaseView


        class AuditMixin(BaseView):
            def audit(self, request):
                return request
        """
    ),
    "app/odd.py": src(
        """
        from app.views import AdminView


        class Odd(AdminView.Nested):  # inherited from BaseView: a member look-up
            def run(self, request):
                return self.dispatch(request)


        def use(request):
            return Odd().run(request)
        """
    ),
    "app/views.py": src(
        """
        import hashlib

        from flask import Flask

        from app import auth
        from app.auth import require_admin
        from app.base import BaseView
        from app.mixins import AuditMixin
        from app.util import helper

        app = Flask(__name__)


        @app.route("/users/<uid>", methods=["DELETE"])
        @require_admin
        def delete_user(request, uid):
            return helper(uid)


        @app.route("/report")
        def report(request):
            digest = hashlib.sha256(request.data).hexdigest()
            return helper(digest)


        class AdminView(BaseView):
            def get(self, request):
                self.guard(request)
                return helper(request)


        class SuperAdmin(AuditMixin):
            def delete(self, request):
                return self.audit(request)


        def outer(x):
            def inner(y):
                return helper(y)
            return inner(x)
        """
    ),
    "app/util.py": src(
        """
        def helper(x):
            return x


        def unused(x):
            return str(x)
        """
    ),
    "app/pkg/__init__.py": "from app.pkg.impl import verify\n",
    "app/pkg/impl.py": src(
        """
        from app.auth import check_role


        def verify(user):
            check_role(user, "reader")
            return True
        """
    ),
    "web/app.js": "const jwt = require('jsonwebtoken');\nfunction check(t) { return jwt.verify(t, 'k'); }\nmodule.exports = { check };\n",
}


def dump(cg: CallGraph) -> tuple[dict[str, Any], dict[tuple[str, str], Any]]:
    g = cg.graph
    nodes = {n: dict(a) for n, a in g.nodes(data=True)}
    edges = {(u, v): (tuple(d["kinds"]), tuple(tuple(s) for s in d["sites"])) for u, v, d in g.edges(data=True)}
    return nodes, edges


def answers(cg: CallGraph) -> list[Any]:
    rel = RepoRelevance(None, cg)
    out: list[Any] = []
    units = sorted((a["path"], a["qualname"]) for _, a in cg.graph.nodes(data=True) if a.get("path"))
    for path, qual in units:
        out.append((path, qual, rel.relevance(path, qual, "after")))
        out.append(rel.callers(path, qual, "after"))
        out.append(rel.dependent_routes(path, qual, "after"))
        out.append(rel.enforced_by_all_callers(path, qual, {"check_role"}, "after"))
        out.append(rel.guard_path(path, qual, ["check_role"], "after"))
    return out


def check_head(repo: GitRepo, base: str, head: str, cache_dir: Path) -> bool:
    """Open base then head (derivation when possible) and compare with a fresh build of head.
    Returns whether the head was derived."""
    cache = BlobCache(cache_dir)
    before = graph_for_revision(str(repo.root), base, cache=cache)
    after = graph_for_revision(str(repo.root), head, cache=cache)
    derived = isinstance(after._store, OverlayStore)
    fresh = graph_for_revision(str(repo.root), head, cache=None)
    assert dump(after) == dump(fresh)
    assert after.modules == fresh.modules and after.not_analyzed == fresh.not_analyzed
    expected = answers(fresh)
    assert answers(after) == expected
    # what the derivation stored reads back the same (a new process: no recent graph in memory)
    repo_mod._RECENT.clear()
    reread = graph_for_revision(str(repo.root), head, cache=BlobCache(cache_dir))
    assert reread.stats.parsed == 0 and not isinstance(reread._store, OverlayStore)
    assert answers(reread) == expected
    assert dump(reread) == dump(fresh)
    del before
    return derived


@pytest.fixture()
def base_repo(tmp_path: Path) -> tuple[GitRepo, str]:
    repo_mod._RECENT.clear()
    repo = GitRepo(tmp_path / "repo")
    repo.write(BASE)
    return repo, repo.commit("base")


def edit(repo: GitRepo, path: str, old: str, new: str) -> None:
    text = repo.read(path)
    assert old in text, (path, old)
    repo.write({path: text.replace(old, new, 1)})


DERIVED_CASES: dict[str, list[tuple[str, str, str]]] = {
    # a guard call removed from a nested function (the decorator's wrapper)
    "remove a call": [("app/auth.py", '        check_role(request.user, "admin")\n', "")],
    # a call added inside a route handler, lines shift below it
    "add a call": [("app/views.py", "    return helper(uid)\n", "    auth.check_role(request.user, 'x')\n    return helper(uid)\n")],
    # a call now goes to a new external (a new node) and the last edge to another one goes
    "retarget to an external": [("app/views.py", "hashlib.sha256(request.data)", "hashlib.md5(request.data)")],
    # a method call resolved through a base class in another module
    "self call through a base": [("app/views.py", "        self.guard(request)\n", "        self.dispatch(request)\n")],
    # a method inherited through two bases in two other modules (resolved lazily)
    "self call through two bases": [("app/views.py", "        return self.audit(request)\n", "        return self.guard(request)\n")],
    # a package __init__ whose submodule shares its namespace
    "edit a package init": [("app/pkg/__init__.py", "verify\n", "verify\n\nverify(None)\n")],
    # only line numbers move (a comment on top): every site and definition line changes
    "lines shift": [("app/views.py", "import hashlib\n", "# a comment\n\nimport hashlib\n")],
    # two files at once, one of them the callee's module
    "two files": [("app/util.py", "    return str(x)\n", "    return helper(x)\n"),
                  ("app/pkg/impl.py", '    check_role(user, "reader")\n', "")],
    # a module-level call and a nested helper's call
    "module scope and closure": [("app/views.py", "        return helper(y)\n", "        return outer(y)\n"),
                                 ("app/util.py", "def unused(x):", "helper(1)\n\n\ndef unused(x):")],
}


@pytest.mark.parametrize("case", sorted(DERIVED_CASES))
def test_edits_inside_definitions_are_derived_and_equal_a_fresh_build(base_repo, tmp_path, case):
    repo, base = base_repo
    for path, old, new in DERIVED_CASES[case]:
        edit(repo, path, old, new)
    head = repo.commit(case)
    assert check_head(repo, base, head, tmp_path / "cache") is True


FALLBACK_CASES: dict[str, Any] = {
    "add a function": lambda r: edit(r, "app/util.py", "def unused(x):", "def added(x):\n    return x\n\n\ndef unused(x):"),
    "remove a function": lambda r: edit(r, "app/util.py", "def unused(x):\n    return str(x)\n", ""),
    "rename an import": lambda r: edit(r, "app/views.py", "from app.util import helper\n", "from app.util import helper as h2\n"),
    "add a module": lambda r: r.write({"app/extra.py": "from app.util import helper\n\ndef more(x):\n    return helper(x)\n"}),
    "delete a module": lambda r: r.delete("app/pkg/impl.py"),
    "change a JavaScript file": lambda r: edit(r, "web/app.js", "jwt.verify(t, 'k')", "jwt.decode(t)"),
    "add a route": lambda r: edit(r, "app/views.py", "def outer(x):", "@app.route('/x')\ndef outer(x):"),
    "edit next to a base resolved by member look-up": lambda r: edit(r, "app/odd.py", "return Odd().run(request)", "return Odd().dispatch(request)"),
    "change a class's bases": lambda r: edit(r, "app/views.py", "class AdminView(BaseView):", "class AdminView:"),
}


@pytest.mark.parametrize("case", sorted(FALLBACK_CASES))
def test_interface_changes_are_assembled_whole_and_equal_a_fresh_build(base_repo, tmp_path, case):
    repo, base = base_repo
    FALLBACK_CASES[case](repo)
    head = repo.commit(case)
    assert check_head(repo, base, head, tmp_path / "cache") is False


def test_a_non_graph_file_changing_alongside_is_ignored(base_repo, tmp_path):
    repo, base = base_repo
    repo.write({"README.md": "docs\n"})
    edit(repo, "app/util.py", "    return x\n", "    return x + 1\n")
    head = repo.commit("docs and code")
    assert check_head(repo, base, head, tmp_path / "cache") is True


_BODIES = [
    "    return helper(x)\n",
    "    check_role(x, 'a')\n    return x\n",
    "    return jwt.decode(x)\n",
    "    return hashlib.md5(x).hexdigest()\n",
    "    x = load_token(x)\n    return verify(x)\n",
    "    return str(x)\n",
    "    pass\n",
    "    # moved down\n\n    return f{j}(x)\n",
    "    return self_less(x)\n",
]


def _chain_module(i: int, n: int, body: str) -> str:
    j = (i + 1) % n
    return (
        "import hashlib\n\nimport jwt\n\nfrom app.auth import check_role, load_token\nfrom app.pkg import verify\n"
        f"from app.util import helper\nfrom app.m{j} import f{j}\n\n\n"
        f"def f{i}(x):\n" + body.replace("{j}", str(j)) + "\n\ndef g(x):\n    return x\n"
    )


def test_random_body_edits_chain_of_derivations(tmp_path):
    """Each head becomes the next base: derivations of derivations stay equal to fresh builds."""
    repo_mod._RECENT.clear()
    rng = random.Random(20261128)
    n = 8
    repo = GitRepo(tmp_path / "repo")
    bodies = {i: _BODIES[0] for i in range(n)}
    repo.write({**BASE, **{f"app/m{i}.py": _chain_module(i, n, bodies[i]) for i in range(n)}})
    prev = repo.commit("base")
    cache_dir = tmp_path / "cache"
    derived = 0
    for step in range(6):
        for i in rng.sample(range(n), rng.randint(1, 3)):
            bodies[i] = rng.choice(_BODIES)
            repo.write({f"app/m{i}.py": _chain_module(i, n, bodies[i])})
        head = repo.commit(f"step {step}")
        derived += check_head(repo, prev, head, cache_dir)
        prev = head
    assert derived >= 4  # only unchanged bodies (nothing to derive) may take the other path


def test_a_graph_derived_from_a_derived_graph_equals_a_fresh_build(base_repo, tmp_path):
    """In one process (an audit walking commits), each head is derived from the last head."""
    repo, base = base_repo
    cache = BlobCache(tmp_path / "cache")
    prev = graph_for_revision(str(repo.root), base, cache=cache)
    steps = [("app/views.py", "    return helper(uid)\n", "    return uid\n"),
             ("app/util.py", "    return str(x)\n", "    return helper(x)\n"),
             ("app/views.py", "hashlib.sha256(request.data)", "hashlib.md5(request.data)"),
             ("app/util.py", "    return helper(x)\n", "    return str(x)\n")]
    for path, old, new in steps:
        edit(repo, path, old, new)
        head = repo.commit(path)
        after = graph_for_revision(str(repo.root), head, cache=cache)
        assert isinstance(after._store, OverlayStore) and not isinstance(after._store.base, OverlayStore)
        fresh = graph_for_revision(str(repo.root), head, cache=None)
        assert dump(after) == dump(fresh) and answers(after) == answers(fresh)
        prev = after
    repo_mod._RECENT.clear()
    reread = graph_for_revision(str(repo.root), head, cache=BlobCache(tmp_path / "cache"))
    assert reread.stats.parsed == 0 and dump(reread) == dump(fresh)
    del prev


def test_the_next_run_reads_the_derived_snapshot_without_parsing(base_repo, tmp_path):
    repo, base = base_repo
    edit(repo, "app/views.py", "    return helper(uid)\n", "    return uid\n")
    head = repo.commit("edit")
    cache = BlobCache(tmp_path / "cache")
    before = graph_for_revision(str(repo.root), base, cache=cache)  # kept alive, as the pipeline does
    after = graph_for_revision(str(repo.root), head, cache=cache)
    assert isinstance(after._store, OverlayStore) and after.stats.parsed == 1
    del before
    repo_mod._RECENT.clear()
    again = graph_for_revision(str(repo.root), head, cache=BlobCache(tmp_path / "cache"))
    assert again.stats.parsed == 0
    rel = RepoRelevance(None, again)
    assert rel.callers("app/util.py", "helper", "after") == ("app.views.AdminView.get", "app.views.outer.inner", "app.views.report")



def test_nothing_is_derived_from_a_graph_nobody_holds(base_repo, tmp_path):
    repo, base = base_repo
    edit(repo, "app/views.py", "    return helper(uid)\n", "    return uid\n")
    head = repo.commit("edit")
    cache = BlobCache(tmp_path / "cache")
    graph_for_revision(str(repo.root), base, cache=cache)  # dropped at once: the memo is weak
    after = graph_for_revision(str(repo.root), head, cache=cache)
    assert not isinstance(after._store, OverlayStore)
