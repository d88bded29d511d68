"""JavaScript/TypeScript route registrations read from the walk's call nodes
(JavaScriptBackend.is_registration) must be exactly the calls grammars/<lang>/routes.scm
matches as a query: the same call ids, on the fixtures and on hand-written hard cases (a
non-router receiver, a tagged template, a private or computed property, a verb outside the
list, an optional chain)."""
from __future__ import annotations

from pathlib import Path

from tree_sitter import Node, QueryCursor

from semdiff.lang.ts_common import FileContext, load_query
from semdiff.lang.ts_javascript import JavaScriptBackend
from semdiff.lang.ts_typescript import TsxBackend, TypeScriptBackend

ROOT = Path(__file__).resolve().parents[1]

CASES = """
router.get('/a', requireAuth, handler);
app.use(auth);
app.use('/api', auth, api);
res.get('x');
ctx.request.get('x');
map.get(key);
headers.get('a');
this.router.post('/b', h);
app['get']('/c', h);
app.get`/d`;
app?.post('/e', h);
app.listen(3000);
(getApp()).put('/f', h);
client.delete('/g').then(x => x);
new Router().route('/h').get(h);
class A { #get() {} m() { this.#get(); } }
Object.get(x); JSON.use(y); store.all(z); request.options(); obj.head();
"""


def _ids(backend: JavaScriptBackend, text: str) -> tuple[set[int], set[int]]:
    src = text.encode("utf-8")
    tree = backend._parser.parse(src)
    root = tree.root_node
    ctx = FileContext("x.js", src)
    query = load_query(backend.ts_language(), backend.grammar, "routes.scm")
    by_query = {n.id for _, caps in QueryCursor(query).matches(root) for n in caps.get("registration", [])}
    calls: list[Node] = []
    stack = [root]
    while stack:
        n = stack.pop()
        if n.type in backend.CALL_TYPES:
            calls.append(n)
        stack.extend(n.children)
    return by_query, {n.id for n in calls if backend.is_registration(n, backend.callee(n, ctx), ctx)}


def test_hard_cases_agree() -> None:
    for backend in (JavaScriptBackend(), TypeScriptBackend(), TsxBackend()):
        by_query, by_walk = _ids(backend, CASES)
        assert by_walk == by_query
        assert len(by_query) == 10
    texts = sorted(_texts(JavaScriptBackend(), CASES))
    assert texts == sorted([
        "router.get('/a', requireAuth, handler)", "app.use(auth)", "app.use('/api', auth, api)",
        "this.router.post('/b', h)", "app?.post('/e', h)", "(getApp()).put('/f', h)", "client.delete('/g')",
        "new Router().route('/h')", "new Router().route('/h').get(h)", "obj.head()",
    ])


def _texts(backend: JavaScriptBackend, text: str) -> list[str]:
    src = text.encode("utf-8")
    root = backend._parser.parse(src).root_node
    ctx = FileContext("x.js", src)
    calls: list[Node] = []
    stack = [root]
    while stack:
        n = stack.pop()
        if n.type in backend.CALL_TYPES:
            calls.append(n)
        stack.extend(n.children)
    return [src[n.start_byte:n.end_byte].decode() for n in calls if backend.is_registration(n, backend.callee(n, ctx), ctx)]


def test_fixtures_agree() -> None:
    seen = 0
    for lang, backend in (("javascript", JavaScriptBackend()), ("typescript", TypeScriptBackend())):
        for p in sorted((ROOT / "fixtures" / lang).rglob("*")):
            if not p.is_file() or p.suffix not in (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx"):
                continue
            b = TsxBackend() if p.suffix == ".tsx" else backend
            by_query, by_walk = _ids(b, p.read_text(encoding="utf-8", errors="replace"))
            assert by_walk == by_query, p
            seen += len(by_query)
    assert seen > 20


def test_parse_uses_the_walk_and_keeps_middleware() -> None:
    parsed = JavaScriptBackend().parse("r.js", "router.get('/x', requireAuth, function handler(req, res) { res.send(1) });\n")
    module = parsed.units[0]
    assert [d.name for d in module.decorators] == ["requireAuth"]
    assert [g.kind for g in module.guards] == ["decorator"]
