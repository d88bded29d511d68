"""JavaScript/TypeScript route registrations, `require` bindings and units read from the walk's
nodes (JavaScriptBackend.is_registration, require_matches, walk_unit_matches) must be exactly
what grammars/<lang>/routes.scm, requires.scm and units.scm match as queries: the same call ids / the same
captures in the same order, on the fixtures and on hand-written hard cases (a non-router
receiver, a tagged template, a private or computed property, a verb outside the list, an
optional chain; a comment before the module name, a template module name, a member `require`)."""
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
    return by_query, {n.id for n in _calls(backend, root) if backend.is_registration(n, backend.callee(n, ctx), ctx)}


def _calls(backend: JavaScriptBackend, root: Node) -> list[Node]:
    """Every call node of the tree, found without the query whose answer is being checked."""
    calls: list[Node] = []
    stack = [root]
    while stack:
        n = stack.pop()
        if n.type in backend.CALL_TYPES:
            calls.append(n)
        stack.extend(n.children)
    return calls


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
    return [src[n.start_byte:n.end_byte].decode() for n in _calls(backend, root)
            if backend.is_registration(n, backend.callee(n, ctx), ctx)]


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


REQUIRES = """
const jwt = require('jsonwebtoken');
const { timingSafeEqual, verify: v, ...rest } = require("crypto");
const a = require(/* why */ 'a'), b = require(`b`), c = require('c', 1);
const d = module.require('d');
let e = require(f);
const [g] = require('g');
function inner() { const h = require('h'); const { i } = require('i'); }
const j = (require('j'));
import k from 'k';
"""


def _all_nodes(root: Node) -> list[Node]:
    """Every node of the tree in document order (the walk's nodes hold at least these)."""
    nodes: list[Node] = []
    stack = [root]
    while stack:
        n = stack.pop()
        nodes.append(n)
        stack.extend(reversed(n.children))
    return nodes


def _require_texts(backend: JavaScriptBackend, text: str) -> tuple[list, list]:
    src = text.encode("utf-8")
    root = backend._parser.parse(src).root_node
    ctx = FileContext("x.js", src)
    query = load_query(backend.ts_language(), backend.grammar, "requires.scm")
    by_query = [{k: [ctx.text(n) for n in v] for k, v in caps.items() if not k.startswith("_")}
                for _, caps in QueryCursor(query).matches(root)]
    nodes = _all_nodes(root)
    by_walk = [{k: [ctx.text(n) for n in v] for k, v in caps.items()} for _, caps in backend.require_matches(nodes, ctx)]
    return by_query, by_walk


def test_requires_agree() -> None:
    for backend in (JavaScriptBackend(), TypeScriptBackend(), TsxBackend()):
        by_query, by_walk = _require_texts(backend, REQUIRES)
        assert by_walk == by_query
    assert by_walk == [
        {"default": ["jwt"], "source": ["'jsonwebtoken'"]},
        {"named": ["timingSafeEqual"], "source": ['"crypto"']},
        {"named": ["verify: v"], "source": ['"crypto"']},
        {"default": ["c"], "source": ["'c'"]},
        {"default": ["h"], "source": ["'h'"]},
        {"named": ["i"], "source": ["'i'"]},
    ]
    seen = 0
    for lang, backend in (("javascript", JavaScriptBackend()), ("typescript", TypeScriptBackend())):
        for p in sorted((ROOT / "fixtures" / lang).rglob("*")):
            if p.is_file() and p.suffix in (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx"):
                by_query, by_walk = _require_texts(TsxBackend() if p.suffix == ".tsx" else backend,
                                                   p.read_text(encoding="utf-8", errors="replace"))
                assert by_walk == by_query, p
                seen += len(by_query)
    assert seen > 10


def test_imports_with_and_without_the_walk() -> None:
    text = REQUIRES + "const jwt2 = require('x');\nimport { verify as jwt2 } from 'jsonwebtoken';\n"
    walked = JavaScriptBackend().parse("m.js", text)
    assert ("jwt", "jsonwebtoken") in walked.imports and ("v", "crypto.verify") in walked.imports
    assert ("jwt2", "jsonwebtoken.verify") in walked.imports  # the later binding wins, as in source order
    broken = JavaScriptBackend().parse("m.js", text + "\nfunction (\n")  # an error: requires.scm runs as a query
    assert broken.partial and broken.imports == walked.imports


UNITS = """
function a() {}
function* b() {}
class C { m() {} get g() { return 1 } static s() {} ['computed']() {} #priv() {} f = () => 1; h = function () {}; k = 1; }
const d = () => 1, e = function () {}, g2 = function* () {}, K = class {}, n = 1, o = (() => 1);
let [p] = [() => 1];
module.exports.q = function () {};
Foo.prototype.r = () => {};
this.s = () => {};
obj[key] = () => {};
const cfg = { t: () => 1, 'u': function () {}, v() {}, [w]: () => 1, 1: () => 2, x: 1 };
export default function () {}
export class E {}
var Outer = class Inner { z() {} };
"""

TS_UNITS = UNITS + """
abstract class A2 { abstract m(): void; n() {} }
class P { public f = () => 1; private g = function () {}; h: number = 1; }
"""


def _unit_sets(backend: JavaScriptBackend, text: str) -> tuple[set, set]:
    src = text.encode("utf-8")
    root = backend._parser.parse(src).root_node
    assert not root.has_error
    ctx = FileContext("x.js", src)
    query = load_query(backend.ts_language(), backend.grammar, "units.scm")

    def flat(matches) -> set:
        return {(cap, n.id, caps["name"][0].id) for _, caps in matches for cap, nodes in caps.items()
                if cap.startswith("unit.") for n in nodes}

    nodes = _all_nodes(root)
    return flat(QueryCursor(query).matches(root)), flat(backend.walk_unit_matches(nodes, ctx))


def test_units_agree() -> None:
    for backend, text, count in ((TypeScriptBackend(), TS_UNITS, 28), (TsxBackend(), TS_UNITS, 28)):
        by_query, by_walk = _unit_sets(backend, text)
        assert by_walk == by_query
        assert len(by_query) == count
    seen = 0
    for lang, backend in (("typescript", TypeScriptBackend()),):
        for p in sorted((ROOT / "fixtures" / lang).rglob("*")):
            if p.is_file() and p.suffix in (".ts", ".tsx"):
                b = TsxBackend() if p.suffix == ".tsx" else backend
                src = p.read_text(encoding="utf-8", errors="replace")
                if b._parser.parse(src.encode()).root_node.has_error:
                    continue  # (such a tree runs units.scm as a query)
                by_query, by_walk = _unit_sets(b, src)
                assert by_walk == by_query, p
                seen += len(by_query)
    assert seen > 30
    assert "units.scm" not in JavaScriptBackend.WALK_LEAVE_OUT and "units.scm" in TsxBackend.WALK_LEAVE_OUT
