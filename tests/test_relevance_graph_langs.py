"""Call graph for JavaScript, Go and Java (issue 7): per language, a route handler calls a
helper in another file that calls a seed (jsonwebtoken / golang-jwt / jjwt); a guard removed
in an unrelated-sounding function reached from that route is raised by the graph."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from semdiff.api import analyze
from semdiff.pipeline import AnalyzeOptions
from semdiff.relevance.graph import build_graph
from semdiff.relevance.propagate import RepoRelevance
from semdiff.relevance.repo import graph_for_revision
from tests.gitrepo import GitRepo

d=lambda s: textwrap.dedent(s).lstrip()
CASES = {
"js": ({
 "src/lib/tokens.js": d("""
    const jwt = require('jsonwebtoken');
    function readClaims(header) {
      return jwt.verify(header, process.env.KEY);
    }
    module.exports = { readClaims };
    """),
 "src/routes/users.js": d("""
    const { readClaims } = require('../lib/tokens');
    const express = require('express');
    const router = express.Router();
    function showUser(req, res) {
      const claims = readClaims(req.headers.authorization);
      return res.json(load(claims.sub, req.params.id));
    }
    function load(sub, id) {
      if (sub !== id) { return null; }
      return db.find(id);
    }
    router.get('/users/:id', showUser);
    module.exports = router;
    """),
 "src/other/readClaims.js": d("""
    function readClaims(x) { return x; }
    function unrelated(v) { return readClaims(v); }
    module.exports = { unrelated };
    """),
}, ("src/routes/users.js", "if (sub !== id) { return null; }\n", "")),
"go": ({
 "internal/auth/token.go": d("""
    package auth

    import "github.com/golang-jwt/jwt/v5"

    func ReadClaims(raw string) (*jwt.Token, error) {
    	return jwt.Parse(raw, keyFunc)
    }
    """),
 "internal/api/users.go": d("""
    package api

    import (
    	"net/http"

    	"example.com/app/internal/auth"
    )

    func ShowUser(w http.ResponseWriter, r *http.Request) {
    	tok, err := auth.ReadClaims(r.Header.Get("Authorization"))
    	if err != nil {
    		http.Error(w, "no", 401)
    		return
    	}
    	load(w, tok, r.URL.Query().Get("id"))
    }
    """),
 "internal/api/load.go": d("""
    package api

    import "net/http"

    func load(w http.ResponseWriter, tok interface{}, id string) {
    	if id != subject(tok) {
    		http.Error(w, "no", 403)
    		return
    	}
    	w.Write([]byte(id))
    }

    func Routes() {
    	http.HandleFunc("/users", ShowUser)
    }
    """),
 "internal/other/x.go": d("""
    package other

    func ReadClaims(raw string) string { return raw }
    func Use() string { return ReadClaims("a") }
    """),
}, ("internal/api/load.go", "\tif id != subject(tok) {\n\t\thttp.Error(w, \"no\", 403)\n\t\treturn\n\t}\n", "")),
"java": ({
 "src/main/java/com/ex/sec/Tokens.java": d("""
    package com.ex.sec;

    import io.jsonwebtoken.Jwts;

    public class Tokens {
        public String readClaims(String raw) {
            return Jwts.parser().parseClaimsJws(raw).getBody().getSubject();
        }
    }
    """),
 "src/main/java/com/ex/web/UserController.java": d("""
    package com.ex.web;

    import com.ex.sec.Tokens;

    @RestController
    @RequestMapping("/api")
    public class UserController {
        private final Tokens tokens;

        UserController(Tokens tokens) { this.tokens = tokens; }

        @GetMapping("/users/{id}")
        public String show(String header, String id) {
            String sub = tokens.readClaims(header);
            return load(sub, id);
        }

        String load(String sub, String id) {
            if (!sub.equals(id)) {
                throw new IllegalArgumentException("denied");
            }
            return id;
        }
    }
    """),
 "src/main/java/com/ex/other/Tokens.java": d("""
    package com.ex.other;

    public class Tokens {
        public String readClaims(String raw) { return raw; }
    }
    """),
}, ("src/main/java/com/ex/web/UserController.java", "        if (!sub.equals(id)) {\n            throw new IllegalArgumentException(\"denied\");\n        }\n", "")),
}

# language -> (handler path, qualname, helper node, seed node, unrelated same-named node, guarded unit)
EXPECT = {
    "js": ("src/routes/users.js", "showUser", "src.lib.tokens.readClaims", "jsonwebtoken.verify",
           "src.other.readClaims.readClaims", "load"),
    "go": ("internal/api/users.go", "ShowUser", "internal.auth.token.ReadClaims", "github.com/golang-jwt/jwt/v5.Parse",
           "internal.other.x.ReadClaims", "load"),
    "java": ("src/main/java/com/ex/web/UserController.java", "UserController.show",
             "src.main.java.com.ex.sec.Tokens.Tokens.readClaims", "io.jsonwebtoken.Jwts.parser",
             "src.main.java.com.ex.other.Tokens.Tokens.readClaims", "UserController.load"),
}


def _repo(tmp_path: Path, lang: str):
    files, (path, old, new) = CASES[lang]
    repo = GitRepo(tmp_path / "repo")
    repo.write(files)
    base = repo.commit("base")
    after = dict(files)
    after[path] = after[path].replace(old, new)
    repo.write(after)
    head = repo.commit("remove the check")
    return str(repo.root), base, head


@pytest.mark.parametrize("lang", sorted(CASES))
def test_edges_why_path_and_relevance(tmp_path, lang):
    root, base, _head = _repo(tmp_path, lang)
    cg = graph_for_revision(root, base)
    path, qual, helper, seed, unrelated, _unit = EXPECT[lang]
    handler = cg.node_for(path, qual)
    assert handler is not None
    g = cg.graph
    assert g.has_edge(handler, helper) and "call" in g.edges[handler, helper]["kinds"]
    assert g.has_edge(helper, seed)
    assert cg.kind(seed) == "external"
    assert cg.routes(handler)  # registered as a route
    # hard negative: the same-named function elsewhere is not what the handler calls
    assert unrelated in g and not g.has_edge(handler, unrelated)
    rel = RepoRelevance(None, cg).relevance(path, qual, "after")
    assert rel.category == "token"
    assert rel.why_path == (handler, helper, seed)
    assert rel.score == pytest.approx(0.7 ** 2, abs=1e-3)


@pytest.mark.parametrize("lang", sorted(CASES))
def test_graph_raises_removed_guard_reached_from_protected_route(tmp_path, lang):
    root, base, head = _repo(tmp_path, lang)
    unit = EXPECT[lang][5]
    with_graph = analyze(f"{base}..{head}", repo=root, options=AnalyzeOptions(use_graph=True, use_cache=False))
    names_only = analyze(f"{base}..{head}", repo=root, options=AnalyzeOptions(use_graph=False, use_cache=False))
    g = [f for f in with_graph.findings if f.rule_id == "removed-guard" and f.unit == unit]
    n = [f for f in names_only.findings if f.rule_id == "removed-guard" and f.unit == unit]
    assert g and n
    assert g[0].relevance.category == "token" and n[0].relevance.category == "none"
    assert g[0].severity > n[0].severity
    assert EXPECT[lang][1].rpartition(".")[2] in g[0].relevance.why_path[0]


def test_js_resolution_forms():
    files = {
        "app/auth/index.ts": "export { check as verifyUser } from './impl';\n",
        "app/auth/impl.ts": "import { timingSafeEqual } from 'node:crypto';\nexport function check(a, b) { return timingSafeEqual(a, b); }\n",
        "app/api.tsx": (
            "import { verifyUser } from './auth';\nimport def from './d';\n"
            "class Page { constructor(private svc: Svc) {} render() { verifyUser(1, 2); this.helper(); def(); } helper() {} }\n"
        ),
        "app/d.js": "export default function main() {}\n",
    }
    cg = build_graph({p: (None, t) for p, t in files.items()})
    g = cg.graph
    assert g.has_edge("app.auth.impl.check", "crypto.timingSafeEqual")
    assert g.has_edge("app.api.Page.render", "app.auth.impl.check")  # index + re-export alias
    assert g.has_edge("app.api.Page.render", "app.api.Page.helper")  # this.helper()
    assert g.has_edge("app.api.Page.render", "app.d.main")  # default import
    assert cg.node_for("app/api.tsx", "Page.render") == "app.api.Page.render"


def test_java_field_types_and_spring_routes():
    files = {
        "src/com/ex/Svc.java": "package com.ex;\nimport java.security.MessageDigest;\npublic class Svc {\n"
                               "  byte[] h(byte[] b) throws Exception { return MessageDigest.getInstance(\"SHA-256\").digest(b); }\n}\n",
        "src/com/ex/Api.java": "package com.ex;\n@RequestMapping(\"/v1\")\nclass Api {\n  private Svc svc;\n"
                               "  @PostMapping(path = \"/hash\") @PreAuthorize(\"hasRole('A')\") byte[] post(byte[] b) { return svc.h(b); }\n}\n",
    }
    cg = build_graph({p: (None, t) for p, t in files.items()})
    g = cg.graph
    assert g.has_edge("src.com.ex.Api.Api.post", "src.com.ex.Svc.Svc.h")  # same package, typed field
    assert g.has_edge("src.com.ex.Svc.Svc.h", "java.security.MessageDigest.getInstance")
    assert "decorator" in g.edges["src.com.ex.Api.Api.post", "PreAuthorize"]["kinds"]
    assert cg.routes("src.com.ex.Api.Api.post") == ("POST /v1/hash (spring)",)


def test_go_package_members_receivers_and_wrapped_handlers():
    files = {
        "srv/server.go": "package srv\ntype Server struct { a *Auth }\n"
                         "func (s *Server) Routes() { mux.Handle(\"/admin\", requireAdmin(http.HandlerFunc(s.admin))) }\n"
                         "func (s *Server) admin(w http.ResponseWriter, r *http.Request) { s.a.Check(r) }\n",
        "srv/auth.go": "package srv\nimport \"crypto/subtle\"\ntype Auth struct{}\n"
                       "func (a *Auth) Check(r *http.Request) bool { return subtle.ConstantTimeCompare(x, y) == 1 }\n"
                       "func requireAdmin(h http.Handler) http.Handler { return h }\n",
    }
    cg = build_graph({p: (None, t) for p, t in files.items()})
    g = cg.graph
    assert g.has_edge("srv.server.Server.admin", "srv.auth.Auth.Check")  # struct field type, other file
    assert g.has_edge("srv.auth.Auth.Check", "crypto/subtle.ConstantTimeCompare")
    assert g.has_edge("srv.server.Server.Routes", "srv.server.Server.admin")
    assert "route" in g.edges["srv.server.Server.Routes", "srv.server.Server.admin"]["kinds"]
    assert "decorator" in g.edges["srv.server.Server.admin", "srv.auth.requireAdmin"]["kinds"]


@pytest.mark.parametrize("folder", ["javascript", "typescript", "go", "java"])
def test_definitions_carry_the_backend_unit_qualnames(folder):
    """Every unit the rule backend produces in the language fixtures is a graph node."""
    from semdiff.lang.registry import backend_for
    from semdiff.relevance.facts import extractor_for

    root = Path(__file__).resolve().parents[1] / "fixtures" / folder
    files = sorted(p for p in root.rglob("*") if p.is_file() and extractor_for(p.name) is not None)
    assert files
    checked = 0
    for p in files:
        text = p.read_text(encoding="utf-8")
        backend = backend_for(p.name)
        parsed = backend.parse(p.name, text)
        defs = {d.qualname for d in extractor_for(p.name).extract(p.name, text.encode()).definitions}
        for u in parsed.units:
            if u.qualname != "<module>":
                assert u.qualname in defs, (p, u.qualname)
                checked += 1
    assert checked > 10


@pytest.mark.parametrize("node,category", [
    ("jsonwebtoken.verify", "token"),
    ("crypto.timingSafeEqual", "crypto"),
    ("bcrypt.compare", "authn"),
    ("passport.authenticate", "authn"),
    ("crypto/subtle.ConstantTimeCompare", "crypto"),
    ("github.com/golang-jwt/jwt/v5.Parse", "token"),
    ("golang.org/x/crypto/bcrypt.CompareHashAndPassword", "authn"),
    ("java.security.MessageDigest.getInstance", "crypto"),
    ("org.springframework.security.access.prepost.PreAuthorize", "authz"),
    ("org.springframework.security.crypto.password.PasswordEncoder.matches", "authn"),
])
def test_default_seeds_match_the_canonical_names_resolution_produces(node, category):
    from semdiff.relevance.seeds import load_seeds

    hit = load_seeds().match(node, "external")
    assert hit is not None and hit.category == category


def test_language_seed_tables_list_canonical_callees():
    from semdiff.relevance.seeds import load_seeds

    assert load_seeds(language="go").match("crypto/subtle.ConstantTimeCompare", "external").category == "crypto"
    assert load_seeds(language="java").match("java.security.MessageDigest.getInstance", "external").category == "crypto"


def test_python_names_do_not_pick_up_other_languages_generic_names():
    from semdiff.relevance.seeds import load_seeds

    # Go's `New`/`Parse` and Java's `getInstance` are names in their own tables only
    assert load_seeds().match("app.factory.New", "external") is None
    assert load_seeds().match("app.registry.getInstance", "external") is None


@pytest.mark.parametrize("path", ["a.js", "a.tsx", "a.go", "A.java"])
def test_broken_and_hostile_input_never_crashes_and_round_trips_the_cache_format(path):
    from semdiff.relevance.facts import FileFacts, extractor_for

    ex = extractor_for(path)
    broken = ex.extract(path, b"function f( { jwt.verify(x\nclass { func ( @@ \xff\xfe\n")
    assert broken.partial and not broken.error
    soup = ex.extract(path, b"x" + b"(" * 30000)
    assert soup.partial
    good = ex.extract(path, CASES["js"][0]["src/routes/users.js"].encode())
    assert FileFacts.from_json(good.to_json()) == good


def test_http_client_calls_are_not_routes():
    from semdiff.relevance.facts import extractor_for

    facts = extractor_for("c.js").extract("c.js", b"axios.post('/foo', data);\napiClient.get('/x', opts);\nrouter.get('/x', show);\n")
    assert [r.handler for r in facts.routes] == ["show"]
