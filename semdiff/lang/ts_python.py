"""Python through tree-sitter: the error-tolerant fallback for file versions libcst rejects.

libcst (semdiff.lang.python_cst) stays the default Python backend ($SEMDIFF_PYTHON_PARSER=
tree-sitter makes PythonTreeSitterBackend below the primary one). It refuses a whole file over one
bad token, and old revisions are full of them: Python 2 (`print "x"`, `except E, e:`,
backticks, `0777`), committed merge-conflict markers, plain syntax errors. A file it
refuses used to be NotAnalyzed, losing every check in it. tree-sitter-python parses
Python 2 print/exec statements, `except E, e` and backticks natively and wraps the rest in
ERROR nodes, so the walk here still sees the functions, their guards, calls and settings.
A unit whose node holds an ERROR or MISSING node is marked `partial` (the module unit when
the error sits outside every definition), so CI can still fail closed on exactly the
changed, security-relevant units that could not be read whole.

The IR must be the libcst backend's IR for ordinary code: the same unit qualnames, guard
kinds/lines/formulas, atom keys and texts, callee names, handlers, literals and settings,
so a before-side parsed here aligns with an after-side parsed by libcst. That is why the
statement walk below is a port of python_cst's walk (same order, same vocabulary, imported
from python_nodes/python_exprs), not the generic GuardWalk of ts_common, whose shapes are
tuned to C-family languages (`except(...)` handler atoms, `//` comments in keys). From
ts_common it takes the parser plumbing, FileContext and the units.scm query loading.

Known differences from the libcst backend. On code both can read there are none measured:
every fixture side, semdiff's own sources and tests, and 3,888 files of nine corpus
repositories (about 64,000 units) give equal Unit values field for field, except for
  * bounds that libcst never reaches because it refuses such files outright: statement
    nesting past MAX_BLOCK_DEPTH, expression nesting past MAX_EXPR_DEPTH (formulas become
    one opaque atom) or MAX_COLLECT_DEPTH (calls below are not read), more than MAX_ELIFS
    links in one chain, collection literals past MAX_ITEMS items, definitions nested past
    MAX_UNIT_DEPTH: each marks the unit partial; a line over MAX_LINE characters refuses the
    file (`error`), as does indentation deeper than tree-sitter's scanner follows (about a
    hundred levels: the damaged region is then module code in ERROR nodes, module partial);
  * positions are tree-sitter's (rows split on `\n` only; a file using lone `\r` line ends
    gets other line numbers than libcst's).
On code only the fallback reads:
  * Python 2 `print x` / `print >>f, x` / `exec code` statements are recorded as calls to
    `print` (file= for the chevron) / `exec`, so a port to `print(x)` changes nothing;
    `print` statements count as logging, like libcst's `print(...)` calls;
  * `except E, e:` catches E; `raise E, "msg"` raises (its parts are read as expressions);
    backticks and `0777` / `10L` literals have no literal value (never evaluated);
  * a definition followed directly by an ERROR node (a conflict marker or bad line at
    column 0 ends every indented block above it) is marked partial with the definitions
    that end with it, since the rest of its body was read as module code.
Nothing here executes, imports or evaluates analysed code.
"""
from __future__ import annotations

import gc
from dataclasses import dataclass, field, replace
from typing import Iterable, Optional, Union

from tree_sitter import Language, Node, QueryCursor

from semdiff.ir import (
    FALSE,
    TRUE,
    Action,
    Argument,
    Call,
    Comparison,
    Const,
    Decorator,
    Formula,
    Guard,
    Handler,
    Literal,
    Not,
    ParsedFile,
    Setting,
    Span,
    Unit,
    conj,
    disj,
    neg,
)
from semdiff.budget import MAX_PYTHON_DEPTH, parse_tree
from semdiff.lang.unique_names import python_overload_stub, unique_qualnames
from semdiff.lang import normal
from semdiff.lang.python_exprs import _BOOLISH_CALL, _DENY_STATUS, _DENY_WORDS, CONST_TIME_CALLEES, Namer, deny_callee
from semdiff.lang.python_nodes import (
    ABORT_CALLEES,
    ASSIGNED_GUARD_CALL,
    AUTH_DECORATOR,
    ERROR_LOG,
    ERROR_NAME,
    ERROR_RECORD,
    records_failure,
    EXEMPT_DECORATOR,
    GUARD_CALL,
    LOG_CALLEE,
    LOOKUP_ERROR,
    MAX_LOOKUPS,
    NOT_ASSIGNED_GUARD,
    REGEX_CALLEES,
    body_key,
    identity_aliases,
)
from semdiff.lang.ts_common import FileContext, TreeSitterBackend, load_query
from semdiff.lang.pyparse import string_value

LiteralValue = Optional[Union[str, int, float, bool]]

MAX_BLOCK_DEPTH = 100  # statement nesting walked for guards; deeper marks the unit partial
MAX_EXPR_DEPTH = 200  # expression recursion (formulas, literals, names); deeper is opaque
MAX_UNIT_DEPTH = 200  # nested definitions; deeper ones stay part of their enclosing unit
MAX_COLLECT_DEPTH = 1000  # expression nesting searched for calls and comparisons
MAX_ELIFS = 1000  # links of one if/elif chain walked for guards; the rest marks the unit partial
MAX_ITEMS = 10_000  # items read from one collection literal; more marks the unit partial
MAX_LINE = 200_000  # characters on one line: longer is generated or hostile, not analysed

_COMMENT = "comment"
_EXTRAS = frozenset({"comment", "line_continuation"})
_DEF_TYPES = frozenset({"function_definition", "class_definition", "decorated_definition"})
_COMPOUND = frozenset({"if_statement", "for_statement", "while_statement", "try_statement", "with_statement",
                       "match_statement"})
_NO_EXPRS = frozenset({"import_statement", "import_from_statement", "future_import_statement", "global_statement",
                       "nonlocal_statement", "pass_statement", "break_statement", "continue_statement", _COMMENT})
_CMP_OPS = frozenset({"<", "<=", ">", ">=", "==", "!=", "<>", "in", "not in", "is", "is not"})
_VALUE_LITERALS = frozenset({"dictionary", "list", "set", "tuple", "string", "concatenated_string", "integer", "float",
                             "dictionary_comprehension", "list_comprehension", "set_comprehension",
                             "generator_expression"})
_FOLD_OPS = frozenset({"+", "-", "*", "/", "//", "**", "<<"})


def parse_python_fallback(text: str, path: str) -> ParsedFile:
    """Parse one Python file version with tree-sitter; never raises on hostile input.

    Returns the libcst backend's IR shapes; units holding syntax errors are `partial`, and
    ParsedFile.partial is set when the file had any. `error` is set only when nothing could
    be analysed (then `units` is empty).
    """
    return _backend().parse(path, text)


_BACKEND: Optional["PythonFallbackBackend"] = None


def _backend() -> "PythonFallbackBackend":
    global _BACKEND
    if _BACKEND is None:
        _BACKEND = PythonFallbackBackend()
    return _BACKEND


class PythonFallbackBackend(TreeSitterBackend):
    """tree-sitter-python plumbing; the walk itself is `_Extractor` below."""

    language = "python"
    grammar = "python"
    CALL_TYPES = frozenset({"call"})
    collect_depth = MAX_COLLECT_DEPTH
    _LANG: Optional[Language] = None

    def ts_language(self) -> Language:
        cls = type(self)
        if cls._LANG is None:
            import tree_sitter_python

            cls._LANG = Language(tree_sitter_python.language())
        return cls._LANG

    def callee_name(self, call: Node, ctx: FileContext) -> str:
        fn = call.child_by_field_name("function")
        return _dotted(fn, ctx) if fn is not None else normal.squash(ctx.text(call))

    def call_arguments(self, call: Node, ctx: FileContext) -> list[Argument]:
        return []  # arguments are read by _Extractor._arguments (it needs the literal rules)

    def parse(self, path: str, text: str) -> ParsedFile:
        return self._read(path, text)[0]

    def _read(self, path: str, text: str) -> tuple[ParsedFile, bool]:
        """The file's IR, and whether tree-sitter's own bounds (not syntax errors) stopped
        the walk short: a line over MAX_LINE, a bound hit in an error-free tree, recursion."""
        was_enabled = gc.isenabled()
        gc.disable()  # many small acyclic objects; see TreeSitterBackend.parse
        try:
            return self._parse(path, text)
        except RecursionError:
            return ParsedFile(path, self.language, (), error="nesting too deep to analyse", partial=True), True
        finally:
            if was_enabled:
                gc.enable()

    def _parse(self, path: str, text: str) -> tuple[ParsedFile, bool]:
        long_line = _long_line(text)
        if long_line:
            # every key of an expression is its squashed text, so one huge line costs time
            # quadratic in its length: minified or hostile input, refused as a whole
            return ParsedFile(path, self.language, (), error=f"line {long_line} is longer than {MAX_LINE} characters", partial=True), True
        src = text.encode("utf-8", "surrogatepass")
        tree = parse_tree(self._parser, src)
        root = tree.root_node
        ctx = FileContext(path, src)
        query = load_query(self.ts_language(), self.grammar, "units.scm")
        unit_nodes: list[Node] = []
        if query is not None:
            seen: set[int] = set()
            for _, caps in QueryCursor(query).matches(root):
                for cap, nodes in caps.items():
                    if cap.startswith("unit."):
                        for n in nodes:
                            if n.id not in seen:
                                seen.add(n.id)
                                unit_nodes.append(n)
        parsed = _Extractor(path, text, src, root, ctx, unit_nodes, self.collect_depth).run()
        return parsed, parsed.partial and not root.has_error


class PythonTreeSitterBackend(PythonFallbackBackend):
    """tree-sitter as the primary Python parser ($SEMDIFF_PYTHON_PARSER=tree-sitter; libcst
    stays the default, semdiff.lang.registry).

    The walk is the fallback's; its IR equals libcst's on code both read whole. What differs
    is what tree-sitter reads that libcst refuses, and the reverse:
      * a syntax error: libcst refuses the file and the pipeline falls back to this walk, so
        here it is read directly (broken units partial), without the `fallback-parse` note;
      * tree-sitter's own bounds (a line over MAX_LINE; nesting past MAX_COLLECT_DEPTH or
        the other bounds, in a tree without syntax errors): libcst refuses such nesting
        outright (`too-deep`) and reads long lines; rather than a partial walk whose units
        can be huge (a 10,000-link call chain hands the rules a thousand calls of 30 kB
        callee text each, seconds per rule family), the file is handed to libcst, so the
        answer is exactly the default's: libcst's IR with a `fallback-parse` note, its
        `too-deep` refusal, or a syntax error the pipeline hands back to the fallback walk.
    Expressions are searched for calls only MAX_PYTHON_DEPTH deep (the fallback: 1000):
    libcst refuses a tree deeper than that, and a tree-sitter expression is never shallower
    than its Python `ast` (an argument list, a keyword argument, a parenthesis are levels of
    their own), so a file nested past it goes to libcst (which refuses it, or reads it when
    the `ast` was shallower) instead of handing the rules up to a thousand calls per
    statement whose callee texts grow with the nesting.
    """

    collect_depth = MAX_PYTHON_DEPTH

    def parse(self, path: str, text: str) -> ParsedFile:
        parsed, cut_short = self._read(path, text)
        if not cut_short:
            return parsed
        from semdiff.lang.python_cst import PythonBackend

        why = parsed.error or "expressions or blocks nested past its bounds"
        other = PythonBackend().parse(path, text)
        if other.error:
            return other
        return replace(other, fallback=f"tree-sitter could not read it whole ({why}); read with libcst")


def _long_line(text: str) -> int:
    """Number of the first line longer than MAX_LINE, else 0 (no split of the whole text)."""
    if len(text) <= MAX_LINE:
        return 0
    start, n = 0, 1
    while True:
        end = text.find("\n", start)
        stop = len(text) if end < 0 else end
        if stop - start > MAX_LINE:
            return n
        if end < 0:
            return 0
        start, n = end + 1, n + 1


# ---------------------------------------------------------------------- node helpers


def _kids(node: Node) -> list[Node]:
    return [c for c in node.named_children if c.type not in _EXTRAS]


def _unparen(node: Node) -> Node:
    for _ in range(MAX_EXPR_DEPTH):
        if node.type != "parenthesized_expression":
            return node
        inner = _kids(node)
        if len(inner) != 1:
            return node
        node = inner[0]
    return node


def _unwalrus(node: Node) -> Node:
    """python_exprs.unwalrus: the value of a named expression (parentheses dropped), since
    `(m := f(x)) is None` tests `f(x) is None`."""
    node = _unparen(node)
    for _ in range(MAX_EXPR_DEPTH):
        if node.type != "named_expression":
            return node
        value = node.child_by_field_name("value")
        if value is None:
            return node
        node = _unparen(value)
    return node


def _dotted(node: Node, ctx: FileContext) -> str:
    """`a.b.c` as written; calls and subscripts keep a marker (as Exprs.dotted does)."""
    suffix: list[str] = []
    node = _unparen(node)
    for _ in range(MAX_EXPR_DEPTH):
        t = node.type
        if t == "attribute":
            attr, obj = node.child_by_field_name("attribute"), node.child_by_field_name("object")
            if attr is None or obj is None:
                break
            suffix.append("." + ctx.text(attr))
            node = _unparen(obj)
        elif t == "call":
            fn = node.child_by_field_name("function")
            if fn is None:
                break
            suffix.append("()")
            node = _unparen(fn)
        elif t == "subscript":
            value = node.child_by_field_name("value")
            if value is None:
                break
            suffix.append("[]")
            node = _unparen(value)
        else:
            break
    head = ctx.text(node) if node.type == "identifier" else normal.squash(_code(node, ctx))
    return head + "".join(reversed(suffix))


def _code(node: Node, ctx: FileContext) -> str:
    """Source of a node as libcst's Exprs.code gives it. A tuple's or generator's parentheses
    belong to it in libcst and lie outside its position range, which runs from its first
    element to its last (trailing comma included, comments around the elements not)."""
    if node.type in ("tuple", "tuple_pattern", "generator_expression") and node.children and node.children[0].type == "(":
        inner = [c for c in node.children[1:-1] if c.type not in _EXTRAS]
        if inner:
            end = inner[-1].end_byte
            return ctx.src[inner[0].start_byte : end].decode("utf-8", "replace").strip()
        return ""
    start, end = node.start_byte, node.end_byte
    nl = ctx.src.rfind(b"\n", start, end)
    if ctx.src.find(b"#", nl + 1 if nl >= 0 else start, end) >= 0:
        end = _real_end(node)  # a trailing comment sits inside the node in tree-sitter only
    return ctx.src[start:end].decode("utf-8", "replace").strip()


def _real_end(node: Node) -> int:
    """End byte of a node without trailing comments / line continuations."""
    for _ in range(10_000):
        n = node.child_count
        last = None
        for i in range(n - 1, -1, -1):
            c = node.child(i)
            if c is not None and c.type not in _EXTRAS:
                last = c
                break
        if last is None:
            break
        node = last
    return node.end_byte


def _line(node: Node) -> int:
    return node.start_point[0] + 1


def _end_line(node: Node) -> int:
    """Last line of a node without trailing comments (libcst leaves them outside)."""
    for _ in range(10_000):
        kids = node.children
        if not kids:
            break
        last = None
        for c in reversed(kids):
            if c.type != _COMMENT:
                last = c
                break
        if last is None:
            break
        node = last
    row, col = node.end_point
    return row + 1 if col or row == node.start_point[0] else row


def _span(node: Node) -> Span:
    return Span(_line(node), _end_line(node))


def _expr_span(node: Node) -> Span:
    """Span as libcst places an expression: a tuple's parentheses are outside it."""
    if node.type in ("tuple", "tuple_pattern", "generator_expression") and node.children and node.children[0].type == "(":
        inner = [c for c in node.children[1:-1] if c.type not in _EXTRAS]
        if inner:
            return Span(_line(inner[0]), _end_line(inner[-1]))
    return _span(node)


def _is_string(node: Node, ctx: FileContext) -> bool:
    """A plain (non-f) string literal, as libcst's SimpleString/ConcatenatedString."""
    if node.type == "concatenated_string":
        return all(_is_string(c, ctx) for c in _kids(node))
    if node.type != "string":
        return False
    text = ctx.text(node)
    prefix = text[: len(text) - len(text.lstrip("rRbBuUfF"))]
    return "f" not in prefix.lower() and not text.startswith("`")


def _string_value(node: Node, ctx: FileContext) -> LiteralValue:
    import libcst as cst

    parts = _kids(node) if node.type == "concatenated_string" else [node]
    values: list[Union[str, bytes]] = []
    for p in parts:
        if p.type != "string" or not _is_string(p, ctx):
            return None
        try:
            v = string_value(cst.SimpleString(ctx.text(p)))  # libcst's rules: same values
        except Exception:
            return None
        values.append(v)
    if not values or len({type(v) for v in values}) != 1:
        return None
    joined = values[0][:0].join(values)  # type: ignore[arg-type]
    if isinstance(joined, bytes):
        return joined.decode("latin-1")
    return joined if isinstance(joined, str) else None


def _stmt_expr(stmt: Node) -> Optional[Node]:
    """The expression of an expression statement (`Expr` in libcst), None for assignments."""
    if stmt.type != "expression_statement":
        return None
    kids = _kids(stmt)
    if len(kids) != 1 or kids[0].type in ("assignment", "augmented_assignment"):
        return None
    if any(c.type == "," for c in stmt.children):
        return None  # `f(x),` is a one-element tuple
    return _unparen(kids[0])


def _assignment(stmt: Node) -> Optional[tuple[str, list[Node], Optional[Node], Node]]:
    """(kind, targets, value, statement) for Assign / AnnAssign / AugAssign statements."""
    if stmt.type != "expression_statement":
        return None
    kids = _kids(stmt)
    if len(kids) != 1:
        return None
    node = kids[0]
    if node.type == "augmented_assignment":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        return ("aug", [left] if left is not None else [], _unparen(right) if right is not None else None, stmt)
    if node.type != "assignment":
        return None
    targets: list[Node] = []
    kind = "assign"
    for _ in range(10_000):
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if node.child_by_field_name("type") is not None:
            kind = "ann"
        if left is not None:
            targets.append(left)
        if right is not None and right.type == "assignment":
            node = right
            continue
        return kind, targets, (_unparen(right) if right is not None else None), stmt
    return None


def _target(node: Node) -> Node:
    """libcst keeps `(a)` as the name `a` with parentheses (tree-sitter: a one-name pattern)."""
    node = _unparen(node)
    if node.type == "tuple_pattern" and not any(c.type == "," for c in node.children):
        inner = _kids(node)
        if len(inner) == 1:
            return _target(inner[0]) if inner[0].type == "tuple_pattern" and inner[0].id != node.id else inner[0]
    return node


# ---------------------------------------------------------------------- the walk


@dataclass
class _UnitBuilder:
    qualname: str
    name: str
    kind: str
    node: Node
    parent: Optional[str]
    namer: Namer
    params: tuple[str, ...] = ()
    guards: list[Guard] = field(default_factory=list)
    decorators: list[Decorator] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    handlers: list[Handler] = field(default_factory=list)
    literals: list[Literal] = field(default_factory=list)
    settings: list[Setting] = field(default_factory=list)
    partial: bool = False


class _Extractor:
    """python_cst._Extractor over tree-sitter nodes (method for method, same order)."""

    def __init__(self, path: str, text: str, src: bytes, root: Node, ctx: FileContext, unit_nodes: list[Node],
                 collect_depth: int = MAX_COLLECT_DEPTH) -> None:
        self.path = path
        self.collect_depth = collect_depth
        self.text = text
        self.lines = text.splitlines()
        self.src = src
        self.root = root
        self.ctx = ctx
        self.imports: dict[str, str] = {}
        self.units: list[Unit] = []
        self.children: dict[int, list[Node]] = {}  # unit node id (0 = module) -> nested unit nodes
        self.too_deep: set[int] = set()  # units with definitions nested past MAX_UNIT_DEPTH
        self.with_errors: set[int] = self._units_with_errors()  # unit node ids (0 = module)
        self._nest(unit_nodes)
        self._collect_imports()

    # ------------------------------------------------------------------ plumbing

    def code(self, node: Node) -> str:
        return _code(node, self.ctx)

    def dotted(self, node: Node) -> str:
        return _dotted(node, self.ctx)

    def resolve(self, dotted: str) -> str:
        head, sep, rest = dotted.partition(".")
        target = self.imports.get(head)
        if target is None:
            return dotted
        return f"{target}{sep}{rest}" if sep else target

    def callee(self, call: Node) -> str:
        fn = call.child_by_field_name("function")
        return self.resolve(self.dotted(fn)) if fn is not None else normal.squash(self.code(call))

    def _def_span(self, node: Node) -> Span:
        decs = self._decorator_nodes(node)
        start = _line(decs[0]) if decs else _line(node)
        return Span(start, _end_line(node))

    def _decorator_nodes(self, node: Node) -> list[Node]:
        parent = node.parent
        if parent is not None and parent.type == "decorated_definition":
            return [c for c in parent.named_children if c.type == "decorator"]
        return []

    def _nest(self, unit_nodes: list[Node]) -> None:
        """Parent of each definition from the nesting of byte ranges (definitions nest properly)."""
        stack: list[Node] = []
        for n in sorted(unit_nodes, key=lambda n: (n.start_byte, -n.end_byte)):
            while stack and stack[-1].end_byte <= n.start_byte:
                stack.pop()
            if len(stack) >= MAX_UNIT_DEPTH:
                self.too_deep.add(stack[-1].id)
                continue
            self.children.setdefault(stack[-1].id if stack else 0, []).append(n)
            stack.append(n)

    def _collect_imports(self) -> None:
        for stmt in _kids(self.root):
            self._import(stmt)

    def _import(self, stmt: Node) -> None:
        ctx = self.ctx
        if stmt.type == "future_import_statement":
            for alias in stmt.children_by_field_name("name"):
                nm = alias.child_by_field_name("name") if alias.type == "aliased_import" else alias
                asname = alias.child_by_field_name("alias") if alias.type == "aliased_import" else alias
                if nm is not None and asname is not None:
                    self.imports[ctx.text(asname)] = "__future__." + normal.squash(ctx.text(nm))
        elif stmt.type == "import_statement":
            for alias in stmt.children_by_field_name("name"):
                if alias.type == "aliased_import":
                    name, asname = alias.child_by_field_name("name"), alias.child_by_field_name("alias")
                    if name is not None and asname is not None:
                        self.imports[ctx.text(asname)] = normal.squash(ctx.text(name))
                else:
                    full = normal.squash(ctx.text(alias))
                    head = full.split(".")[0]
                    self.imports.setdefault(head, head)
        elif stmt.type == "import_from_statement":
            if any(c.type == "wildcard_import" for c in stmt.named_children):
                return
            module = stmt.child_by_field_name("module_name")
            base = normal.squash(ctx.text(module)) if module is not None else ""
            for alias in stmt.children_by_field_name("name"):
                if alias.type == "aliased_import":
                    nm, asname = alias.child_by_field_name("name"), alias.child_by_field_name("alias")
                    if nm is None or asname is None:
                        continue
                    name, local = normal.squash(ctx.text(nm)), ctx.text(asname)
                else:
                    name = local = normal.squash(ctx.text(alias))
                self.imports[local] = f"{base}.{name}" if base and not base.endswith(".") else f"{base}{name}"

    # ------------------------------------------------------------------ units

    def run(self) -> ParsedFile:
        root = _UnitBuilder("<module>", "<module>", "module", self.root, None, Namer({}, {}))
        self._walk_container(root, self._block(self.root))
        for n in self.children.get(0, []):
            self._unit(root, n)
        self._finish(root, Span(1, max(1, len(self.lines))), self.root)
        # a unit cut short by a bound (MAX_EXPR_DEPTH, MAX_COLLECT_DEPTH, MAX_BLOCK_DEPTH, ...)
        # in an error-free tree is as incomplete as one holding an ERROR node: the pipeline
        # reports a partial file (and CI fails closed on it) only when ParsedFile.partial says so
        partial = self.root.has_error or any(u.partial for u in self.units)
        return ParsedFile(self.path, "python", unique_qualnames(self.units, python_overload_stub), partial=partial,
                          imports=tuple(sorted(self.imports.items())))

    def _units_with_errors(self) -> set[int]:
        """Innermost definition (0 = the module) around each ERROR/MISSING node: that unit's
        own code could not be read whole. Only subtrees that hold an error are visited."""
        out: set[int] = set()
        if not self.root.has_error:
            return out
        stack: list[tuple[Node, int]] = [(self.root, 0)]
        while stack:
            n, owner = stack.pop()
            if n.is_error or n.is_missing:
                out.add(owner)
                out.update(self._cut_short(n))
                continue
            if n.type in ("function_definition", "class_definition"):
                owner = n.id
            stack.extend((c, owner) for c in n.children if c.has_error or c.is_missing)
        return out

    @staticmethod
    def _cut_short(error: Node) -> list[int]:
        """Definitions an error right after them may have cut short: a conflict marker or bad
        line at column 0 ends every indented block above it, so the rest of the function is
        read as module code. The definition just before the error and the definitions that
        end with it (its last statement, recursively) are all marked."""
        prev = error.prev_named_sibling
        while prev is not None and prev.type in _EXTRAS:
            prev = prev.prev_named_sibling
        out: list[int] = []
        for _ in range(MAX_UNIT_DEPTH):
            if prev is None:
                break
            if prev.type == "decorated_definition":
                prev = prev.child_by_field_name("definition")
                continue
            if prev.type not in ("function_definition", "class_definition"):
                break
            out.append(prev.id)
            body = prev.child_by_field_name("body")
            stmts = _kids(body) if body is not None else []
            prev = stmts[-1] if stmts else None
        return out

    def _unit(self, parent: _UnitBuilder, node: Node) -> None:
        if node.type == "class_definition":
            self._class(parent, node)
        else:
            self._function(parent, node)

    def _child_qualname(self, parent: _UnitBuilder, name: str) -> str:
        if parent.kind == "module":
            return name
        if parent.kind == "class":
            return f"{parent.qualname}.{name}"
        return f"{parent.qualname}.<locals>.{name}"

    def _class(self, parent: _UnitBuilder, node: Node) -> None:
        name_node = node.child_by_field_name("name")
        name = self.ctx.text(name_node)
        qn = self._child_qualname(parent, name)
        unit = _UnitBuilder(qn, name, "class", node, parent.qualname, Namer({}, {}))
        self._decorators(unit, node)
        bases = node.child_by_field_name("superclasses")
        for base in _kids(bases) if bases is not None else []:
            if base.type not in ("keyword_argument", "dictionary_splat"):
                self._collect_exprs(unit, _unparen(base.named_children[0]) if base.type == "list_splat" and base.named_children else _unparen(base), in_guard=False, in_try=False)
        body = node.child_by_field_name("body")
        self._walk_container(unit, self._block(body))
        for n in self.children.get(node.id, []):
            self._unit(unit, n)
        self._finish(unit, self._def_span(node), node)

    def _function(self, parent: _UnitBuilder, node: Node) -> None:
        name = self.ctx.text(node.child_by_field_name("name"))
        qn = self._child_qualname(parent, name)
        params, defaults = self._params(node)
        body = node.child_by_field_name("body")
        namer = Namer({p: f"${i}" for i, p in enumerate(params)},
                      self._local_names(body, set(params), params, identity_aliases(self.code(node), self.resolve)))
        kind = "method" if parent.kind == "class" else "function"
        unit = _UnitBuilder(qn, name, kind, node, parent.qualname, namer, params=params)
        self._decorators(unit, node)
        for pname, pnode, value in defaults:
            unit.settings.append(Setting(pname, normal.squash(self.code(value)), _span(pnode), self.code(pnode), self.literal(value), "default"))
            self._literal_from(unit, pname, value)
            self._collect_exprs(unit, value, in_guard=False, in_try=False)
        stmts = self._block(body)
        self._walk(unit, self._skip_docstring(stmts), TRUE, ())
        for n in self.children.get(node.id, []):
            self._unit(unit, n)
        self._finish(unit, self._def_span(node), node)

    def _params(self, fn: Node) -> tuple[tuple[str, ...], list[tuple[str, Node, Node]]]:
        names: list[str] = []
        defaults: list[tuple[str, Node, Node]] = []
        params = fn.child_by_field_name("parameters")
        for p in _kids(params) if params is not None else []:
            t = p.type
            ident: Optional[Node] = None
            if t == "identifier":
                ident = p
            elif t in ("default_parameter", "typed_default_parameter"):
                ident = p.child_by_field_name("name")
            elif t == "typed_parameter":
                first = p.named_children[0] if p.named_children else None
                if first is not None and first.type in ("list_splat_pattern", "dictionary_splat_pattern"):
                    first = first.named_children[0] if first.named_children else None
                ident = first
            elif t in ("list_splat_pattern", "dictionary_splat_pattern"):
                ident = p.named_children[0] if p.named_children else None
            if ident is None or ident.type != "identifier":
                continue  # bare `*`, `/`, Python 2 tuple parameters
            names.append(self.ctx.text(ident))
            value = p.child_by_field_name("value") if t in ("default_parameter", "typed_default_parameter") else None
            if value is not None:  # libcst's Param position covers the name only
                defaults.append((self.ctx.text(ident), ident, _unparen(value)))
        return tuple(names), defaults

    def _local_names(self, body: Optional[Node], params: set[str], ordered: tuple[str, ...],
                     alias_pairs: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
        """python_nodes.local_names: locals named after their first binding (an identity
        alias named as its source, see python_nodes.identity_aliases)."""
        found: dict[str, str] = {}
        counts: dict[str, int] = {}
        param_map = {p: f"${i}" for i, p in enumerate(ordered)}
        aliases = dict(alias_pairs)
        if body is None:
            return found

        def bind(target: Node, source: str) -> None:
            target = _target(target)
            if target.type == "identifier":
                names = [target]
            elif target.type in ("pattern_list", "tuple_pattern", "list_pattern", "tuple", "list", "expression_list"):
                names = []
                for e in _kids(target):
                    e = _unparen(e)
                    if e.type in ("list_splat_pattern", "list_splat") and e.named_children:
                        e = e.named_children[0]
                    if e.type == "identifier":
                        names.append(e)
            else:
                return
            source = Namer(param_map, found).key(source)
            for n in names:
                name = self.ctx.text(n)
                if name in aliases and name not in found:
                    same = param_map.get(aliases[name]) or found.get(aliases[name])
                    if same is not None:
                        found[name] = same  # the very value of a parameter or local
                        continue
                if name not in params and name not in found:
                    base = Namer.local_name(source, 0)
                    counts[base] = counts.get(base, 0) + 1
                    found[name] = Namer.local_name(source, counts[base] - 1)

        stack = [body]
        while stack:
            node = stack.pop()
            t = node.type
            if t == "assignment" and not (node.parent is not None and node.parent.type == "assignment"):
                parts = _assignment(node.parent) if node.parent is not None else None
                if parts is not None:
                    kind, targets, value, _ = parts
                    if value is not None:
                        for tg in targets:
                            bind(tg, self.code(value))
                    elif kind == "ann":
                        ann = node.child_by_field_name("type")
                        for tg in targets:
                            bind(tg, self.code(ann) if ann is not None else "")
            elif t == "for_statement":
                left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
                if left is not None and right is not None:
                    bind(left, "for:" + self.code(_unparen(right)))
            elif t == "with_item":
                value = node.child_by_field_name("value")
                if value is not None and value.type == "as_pattern":
                    alias = value.child_by_field_name("alias")
                    item = value.named_children[0] if value.named_children else None
                    if alias is not None and item is not None:
                        target = alias.named_children[0] if alias.named_children else alias
                        bind(target, "with:" + self.code(_unparen(item)))
            elif t == "named_expression":
                name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
                if name is not None and value is not None:
                    bind(name, self.code(_unparen(value)))
            for c in reversed(node.children):
                if c.type not in _DEF_TYPES and c.type != "lambda" and c.is_named:
                    stack.append(c)
        return found

    def _decorators(self, unit: _UnitBuilder, node: Node) -> None:
        for dec in self._decorator_nodes(node):
            inner = _kids(dec)
            if not inner:
                continue
            expr = _unparen(inner[0])
            is_call = expr.type == "call"
            target = _unparen(expr.child_by_field_name("function")) if is_call else expr
            raw = self.dotted(target)
            name = self.resolve(raw)
            args = self._arguments(expr) if is_call else ()
            text = "@" + self.code(expr)
            unit.decorators.append(Decorator(name, args, _span(dec), text))
            self._collect_exprs(unit, expr, in_guard=False, in_try=False)
            last = name.rsplit(".", 1)[-1]
            if AUTH_DECORATOR.search(last) and not EXEMPT_DECORATOR.search(last):
                key = "@" + normal.squash(name + (self.code(expr)[len(raw):] if is_call else ""))
                atom = normal.call_atom(name, key, text)
                unit.guards.append(Guard(Not(atom), Not(atom), Action.DECORATOR, _span(dec), text, True, "decorator"))

    def _finish(self, b: _UnitBuilder, span: Span, node: Optional[Node] = None) -> None:
        text = "\n".join(self.lines[span.line - 1 : span.end_line]) if span.line else ""
        node_id = 0 if b.kind == "module" else (node.id if node is not None else -1)
        partial = b.partial or node_id in self.too_deep or node_id in self.with_errors
        self.units.append(
            Unit(
                path=self.path,
                language="python",
                kind=b.kind,
                qualname=b.qualname,
                name=b.name,
                span=span,
                params=b.params,
                decorators=tuple(b.decorators),
                guards=tuple(b.guards),
                comparisons=tuple(b.comparisons),
                calls=tuple(b.calls),
                handlers=tuple(b.handlers),
                literals=tuple(b.literals),
                settings=tuple(b.settings),
                text=text,
                body_key=body_key(text, b.namer) if b.kind != "module" else body_key(self._module_own_text(), b.namer),
                partial=partial,
                parent=b.parent,
                locals=tuple((n, k) for n, k in b.namer.mapping.items() if k.startswith("%")),
            )
        )

    def _module_own_text(self) -> str:
        skip: set[int] = set()
        for u in self.units:
            if u.parent == "<module>" or u.parent is None:
                skip.update(range(u.span.line, u.span.end_line + 1))
        return "\n".join(l for i, l in enumerate(self.lines, 1) if i not in skip)

    # ------------------------------------------------------------------ statements

    def _block(self, node: Optional[Node]) -> list[Node]:
        """Statements of a block; an ERROR node's statements are read where they stand."""
        if node is None:
            return []
        out: list[Node] = []
        for c in node.named_children:
            if c.type in _EXTRAS:
                continue
            if c.type == "ERROR":
                out.extend(x for x in _kids(c) if x.type.endswith("_statement") or x.type in _DEF_TYPES)
                continue
            out.append(c)
        return out

    def _skip_docstring(self, body: list[Node]) -> list[Node]:
        if body:
            e = _stmt_expr(body[0])
            if e is not None and e.type in ("string", "concatenated_string") and _is_string(e, self.ctx):
                return body[1:]
        return body

    def _walk_container(self, unit: _UnitBuilder, stmts: list[Node]) -> None:
        for stmt in stmts:
            parts = _assignment(stmt)
            if parts is not None:
                self._settings_from_assign(unit, parts)
        self._walk(unit, stmts, TRUE, ())

    def _walk(self, unit: _UnitBuilder, stmts: Iterable[Node], path: Formula,
              contributors: tuple[tuple[int, Formula], ...], owner: Optional[tuple[Node, Formula]] = None,
              depth: int = 0) -> Formula:
        if depth > MAX_BLOCK_DEPTH:
            unit.partial = True
            return path
        error_noted = False  # as python_cst._walk: an earlier statement recorded an error message
        error_logged = False
        for stmt in stmts:
            reachable = not (isinstance(path, Const) and not path.value)
            t = stmt.type
            if t in _DEF_TYPES:
                continue
            if t == "if_statement":
                path, contributors = self._if(unit, stmt, path, contributors, reachable, depth)
            elif t in ("raise_statement", "return_statement") or self._is_abort_call(stmt):
                bare = t == "return_statement" and not _kids(stmt)
                self._exit(unit, stmt, path, contributors, owner, reachable, error_noted or (error_logged and bare and owner is not None))
                path = FALSE
            elif t == "assert_statement":
                kids = _kids(stmt)
                if not kids:
                    continue
                test_node = _unparen(kids[0])
                self._collect_exprs(unit, test_node, in_guard=True, in_try=False)
                test = self.formula(test_node, unit.namer)
                cond = neg(test)
                unit.guards.append(Guard(conj(path, cond), cond, Action.ASSERT, _span(stmt), self.code(stmt), reachable, "assert", contributors))
                path, contributors = conj(path, test), contributors + ((_line(stmt), test),)
            elif t in ("continue_statement", "break_statement"):
                path = FALSE
            elif t == "try_statement":
                path = self._try(unit, stmt, path, contributors, depth)
            elif t in ("for_statement", "while_statement"):
                if t == "for_statement":
                    for f in ("right", "left"):
                        n = stmt.child_by_field_name(f)
                        if n is not None:
                            self._collect_exprs(unit, _unparen(n), in_guard=False, in_try=False)
                else:
                    n = stmt.child_by_field_name("condition")
                    if n is not None:
                        self._collect_exprs(unit, _unparen(n), in_guard=False, in_try=False)
                self._walk(unit, self._block(stmt.child_by_field_name("body")), path, contributors, None, depth + 1)
                alt = stmt.child_by_field_name("alternative")
                if alt is not None:
                    self._walk(unit, self._block(alt.child_by_field_name("body")), path, contributors, None, depth + 1)
            elif t == "with_statement":
                for clause in stmt.named_children:
                    if clause.type == "with_clause":
                        for item in clause.named_children:
                            if item.type != "with_item":
                                continue
                            value = item.child_by_field_name("value")
                            if value is not None and value.type == "as_pattern" and value.named_children:
                                value = value.named_children[0]
                            if value is not None:
                                self._collect_exprs(unit, _unparen(value), in_guard=False, in_try=False)
                path = self._walk(unit, self._block(stmt.child_by_field_name("body")), path, contributors, owner, depth + 1)
            elif t == "match_statement":
                subject = stmt.child_by_field_name("subject")
                if subject is not None:
                    self._collect_exprs(unit, _unparen(subject), in_guard=False, in_try=False)
                body = stmt.child_by_field_name("body")
                for case in _kids(body) if body is not None else []:
                    if case.type == "case_clause":
                        self._walk(unit, self._block(case.child_by_field_name("consequence")), path, contributors, None, depth + 1)
            else:
                self._simple(unit, stmt, path, contributors, reachable)
                e = _stmt_expr(stmt)
                if e is not None and e.type == "call":
                    callee = self.callee(e)
                    error_noted = error_noted or bool(ERROR_RECORD.search(callee))
                    error_logged = error_logged or bool(ERROR_LOG.search(callee))
        return path

    def _if(self, unit: _UnitBuilder, stmt: Node, path: Formula, contributors, reachable: bool, depth: int):
        """An `if` with its `elif`s and `else`: tree-sitter lists them flat; libcst nests each
        `elif` as the `orelse` of the previous test, so they are walked as a chain here."""
        alts = [c for c in stmt.children_by_field_name("alternative")]
        return self._if_chain(unit, stmt, alts, path, contributors, reachable, depth, stmt)

    def _if_chain(self, unit: _UnitBuilder, clause: Node, alts: list[Node], path: Formula, contributors,
                  reachable: bool, depth: int, top: Node):
        """One link (`if` or `elif` clause) and, through a loop, those after it."""
        # walk the chain iteratively (10k elifs must not recurse): each link's else-path feeds the next
        links = [clause] + [a for a in alts if a.type == "elif_clause"]
        else_clause = next((a for a in alts if a.type == "else_clause"), None)
        if len(links) > MAX_ELIFS:
            unit.partial = True
            links, else_clause = links[:MAX_ELIFS], None
        cur_path, cur_contrib = path, contributors
        end = _end_line(top)
        chain: list[tuple[Node, Formula, Formula, tuple, Formula]] = []
        for link in links:
            test_node = link.child_by_field_name("condition")
            cons = link.child_by_field_name("consequence")
            test_node = _unparen(test_node) if test_node is not None else None
            if test_node is None:
                chain.append((link, cur_path, TRUE, cur_contrib, cur_path))
                break
            self._collect_exprs(unit, test_node, in_guard=True, in_try=False)
            cond = self.formula(test_node, unit.namer)
            line = _line(link)
            body = self._block(cons)
            inner = cur_contrib + ((line, cond),)
            first = len(unit.guards)
            body_cont = self._walk(unit, body, conj(cur_path, cond), inner, (link, cond, test_node), depth + 1)
            recorded = any(g.span.line == line and g.action.denies for g in unit.guards[first:])
            span = Span(line, end)
            if not recorded:
                self._record_error_state(unit, link, test_node, body, conj(cur_path, cond), cond, inner, reachable)
            self._record_soft_guard(unit, span, test_node, body, conj(cur_path, cond), cond, inner, reachable)
            chain.append((link, cur_path, cond, cur_contrib, body_cont))
            cur_path = conj(cur_path, neg(cond))
            cur_contrib = cur_contrib + ((line, neg(cond)),)
        # the last link's else
        last_link, last_path, last_cond, last_contrib, _ = chain[-1]
        if else_clause is not None:
            test_node = _unparen(last_link.child_by_field_name("condition")) if last_link.child_by_field_name("condition") is not None else None
            else_cont = self._walk(unit, self._block(else_clause.child_by_field_name("body")), cur_path, cur_contrib,
                                   (last_link, neg(last_cond), test_node), depth + 1)
        else:
            else_cont = cur_path
        # fold back from the last link to the first, as libcst's recursion returns
        result_path: Formula = else_cont
        result_contrib = contributors
        for link, link_path, cond, link_contrib, body_cont in reversed(chain):
            line = _line(link)
            body_exits, else_exits = _is_false(body_cont), _is_false(else_cont)
            if body_exits and else_exits:
                result_path, result_contrib = FALSE, link_contrib
            elif body_exits:
                result_path, result_contrib = conj(link_path, neg(cond)), link_contrib + ((line, neg(cond)),)
            elif else_exits:
                result_path, result_contrib = conj(link_path, cond), link_contrib + ((line, cond),)
            else:
                result_path, result_contrib = link_path, link_contrib
            else_cont = result_path
        return result_path, result_contrib

    def _record_error_state(self, unit, link: Node, test_node: Node, body, deny_when, cond, contributors, reachable) -> None:
        for s in body:
            parts = _assignment(s)
            if parts is None or parts[0] == "aug" or parts[2] is None:
                continue
            _, targets, value, _ = parts
            dotted = " ".join(self.dotted(t) for t in targets)
            names = dotted.lower()
            callee = self.callee(value).rsplit(".", 1)[-1] if value.type == "call" else ""
            if ERROR_NAME.search(callee) or ("error" in names and value.type == "call") \
                    or (value.type in ("true", "false") and records_failure(dotted, self.code(value))):
                text = f"if {normal.squash_spaces(self.code(test_node))}: {normal.squash_spaces(self.code(s))}"
                unit.guards.append(Guard(deny_when, cond, Action.ABORT, Span(_line(link), _end_line(s)), text, reachable, "branch", contributors))
                return

    def _record_soft_guard(self, unit, span: Span, test_node: Node, body, deny_when, cond, contributors, reachable) -> None:
        kinds = {self._soft_kind(s) for s in body}
        if kinds and kinds <= {"log", "pass"}:
            action = Action.LOG if "log" in kinds else Action.PASS
            text = f"if {normal.squash_spaces(self.code(test_node))}: " + " ".join(normal.squash_spaces(self.code(s)) for s in body[:2])
            unit.guards.append(Guard(deny_when, cond, action, span, text.strip(), reachable, "branch", contributors))

    def _soft_kind(self, stmt: Node) -> str:
        if stmt.type == "pass_statement":
            return "pass"
        if stmt.type == "print_statement":
            return "log"  # Python 2 `print "x"` is libcst's `print("x")`
        e = _stmt_expr(stmt)
        if e is not None:
            if e.type == "ellipsis":
                return "pass"
            if e.type == "call" and LOG_CALLEE.search(self.callee(e)):
                return "log"
        return "other"

    def _is_abort_call(self, stmt: Node) -> bool:
        e = _stmt_expr(stmt)
        if e is None:
            return False
        if e.type == "await" and e.named_children:
            e = _unparen(e.named_children[0])
        if e.type != "call":
            return False
        c = self.callee(e)
        return bool(ABORT_CALLEES.search(c)) and not LOG_CALLEE.search(c.rsplit(".", 1)[0] + ".")

    def _exit(self, unit: _UnitBuilder, stmt: Node, path: Formula, contributors, owner, reachable: bool,
              error_noted: bool = False) -> None:
        kids = _kids(stmt)
        if stmt.type == "return_statement":
            value = _unparen(kids[0]) if kids else None
            if value is not None:
                self._collect_exprs(unit, value, in_guard=owner is not None or self.is_boolish(value), in_try=False)
            if value is not None and self.is_boolish(value) and value.type not in ("true", "false", "none"):
                cond = neg(self.formula(value, unit.namer))
                unit.guards.append(Guard(conj(path, cond), cond, Action.PREDICATE, _span(stmt), self.code(stmt), reachable, "predicate", contributors))
                return
            call = _unparen(value.named_children[0]) if value is not None and value.type == "await" and value.named_children else value
            if call is not None and call.type == "call":  # `return use(validate_x(v))`: the validator still runs first
                self._argument_validators(unit, call, stmt, conj(path, owner[1]) if owner is not None else path, contributors, reachable)
            action = Action.DENY_RETURN if error_noted or self.is_deny_value(value) else Action.RETURN
        elif stmt.type == "raise_statement":
            exc = kids[0] if kids else None
            if exc is not None and exc.type != "expression_list":
                self._collect_exprs(unit, _unparen(exc), in_guard=True, in_try=False)
            elif exc is not None:  # Python 2 `raise E, "msg"`
                for k in _kids(exc):
                    self._collect_exprs(unit, _unparen(k), in_guard=True, in_try=False)
            action = Action.RAISE
        else:
            e = _stmt_expr(stmt)
            assert e is not None
            self._collect_exprs(unit, e, in_guard=True, in_try=False, statement=True)
            action = Action.ABORT
        if owner is not None:
            if_node, cond, test_node = owner
            span = Span(_line(if_node), _end_line(stmt))
            text = f"if {normal.squash_spaces(self.code(test_node))}: {normal.squash_spaces(self.code(stmt))}"
            kind = "branch"
        else:
            cond, span, text, kind = TRUE, _span(stmt), self.code(stmt), "branch"
        if action is Action.RETURN and owner is None:
            kind = "exit"
        unit.guards.append(Guard(path, cond, action, span, text, reachable, kind, contributors))

    def _try(self, unit: _UnitBuilder, stmt: Node, path: Formula, contributors, depth: int) -> Formula:
        """Walk a try statement; return the condition to continue past it (as python_cst._try:
        the normal path through body and `else` when every handler raises/returns)."""
        body = self._block(stmt.child_by_field_name("body"))
        before = len(unit.calls)
        body_cont = self._walk(unit, body, path, contributors, None, depth + 1)
        handlers_exit = True
        guarded = tuple(dict.fromkeys(c.callee for c in unit.calls[before:]))
        unit.calls[before:] = [replace(c, in_try=True) for c in unit.calls[before:]]
        orelse = finalbody = None
        for clause in _kids(stmt):
            if clause.type in ("except_clause", "except_group_clause"):
                catches = self._handler_types(clause)
                hbody = self._block(next((c for c in clause.named_children if c.type == "block"), None))
                action, returns = self._handler_action(hbody)
                unit.handlers.append(Handler(catches, action, returns, guarded, _span(clause),
                                             self.code(clause).split("\n", 1)[0] + " " + " ".join(self.code(s) for s in hbody[:2])))
                raised = disj(*(normal.expr_atom(f"raised({c})", f"{c}(...) raised") for c in guarded[:6])) if 0 < len(guarded) <= 6 \
                    else normal.expr_atom("raised(*)", "the try body raised")
                if LOOKUP_ERROR in catches:
                    missing = self._missing_keys(unit, body)
                    # a body of nothing but lookups (no call) raises KeyError only for a missing key
                    raised = disj(*missing) if missing and len(missing) == len(body) and not guarded else disj(raised, *missing)
                hcont = self._walk(unit, hbody, conj(path, raised), contributors + ((_line(clause), raised),), None, depth + 1)
                handlers_exit = handlers_exit and _is_false(hcont)
            elif clause.type == "else_clause":
                orelse = clause
            elif clause.type == "finally_clause":
                finalbody = clause
        normal_cont = body_cont
        if orelse is not None:
            normal_cont = self._walk(unit, self._block(orelse.child_by_field_name("body")), body_cont, contributors, None, depth + 1)
        cont = normal_cont if handlers_exit else path
        if finalbody is not None:
            if _is_false(self._walk(unit, self._block(next((c for c in finalbody.named_children if c.type == "block"), None)), path, contributors, None, depth + 1)):
                cont = FALSE
        return cont

    def _missing_keys(self, unit: _UnitBuilder, body: list[Node]) -> list[Formula]:
        """python_cst._missing_keys: `not (k in d)` for each `x = d[k]` / `return d[k]`
        statement of a try body whose handler catches KeyError (EAFP for LBYL)."""
        out: list[Formula] = []
        for s in body:
            value: Optional[Node] = None
            if s.type == "return_statement":
                kids = _kids(s)
                value = _unparen(kids[0]) if len(kids) == 1 and kids[0].type != "expression_list" else None
            else:
                parts = _assignment(s)
                if parts is not None and parts[0] != "aug":
                    value = parts[2]
            if value is None or value.type != "subscript":
                continue
            d, keys = value.child_by_field_name("value"), value.children_by_field_name("subscript")
            if d is None or len(keys) != 1 or keys[0].type in ("slice", "list_splat", "expression_list") \
                    or any(c.type == "," for c in value.children):
                continue
            out.append(neg(self.comparison(_unparen(keys[0]), "in", d, unit.namer)))
        return out[:MAX_LOOKUPS]

    def _handler_types(self, clause: Node) -> tuple[str, ...]:
        value = clause.child_by_field_name("value")
        if value is None:
            exprs = [c for c in _kids(clause) if c.type != "block"]
            if not exprs:
                return ()
            value = exprs[0]  # Python 2 `except E, e:` names the type first
        if value.type == "as_pattern" and value.named_children:
            value = value.named_children[0]
        value = _unparen(value)
        if value.type == "tuple":
            return tuple(self.resolve(self.dotted(_unparen(e))) for e in _kids(value))
        return (self.resolve(self.dotted(value)),)

    def _handler_action(self, body: list[Node]) -> tuple[Action, Optional[str]]:
        for s in body:
            if s.type == "raise_statement":
                return Action.RAISE, None
        last = body[-1] if body else None
        if last is not None and last.type == "return_statement":
            kids = _kids(last)
            value = _unparen(kids[0]) if kids else None
            text = normal.squash(self.code(value)) if value is not None else None
            return (Action.DENY_RETURN if self.is_deny_value(value) else Action.RETURN), text
        if last is not None and self._is_abort_call(last):
            return Action.ABORT, None
        kinds = {self._soft_kind(s) for s in body if s.type != "continue_statement"}
        if not kinds or kinds == {"pass"}:
            return Action.PASS, None
        if kinds <= {"log", "pass"}:
            return Action.LOG, None
        return Action.OTHER, None

    def _simple(self, unit: _UnitBuilder, stmt: Node, path: Formula, contributors, reachable: bool) -> None:
        e = _stmt_expr(stmt)
        if e is not None:
            self._collect_exprs(unit, e, in_guard=False, in_try=False, statement=True)
            value = e
            if value.type == "await" and value.named_children:
                value = _unparen(value.named_children[0])
            if value.type == "call":
                callee = self.callee(value)
                if GUARD_CALL.search(callee) and not LOG_CALLEE.search(callee):
                    self._call_guard(unit, value, callee, stmt, path, contributors, reachable)
                self._argument_validators(unit, value, stmt, path, contributors, reachable)
            return
        parts = _assignment(stmt)
        if parts is not None:
            kind, targets, value, _ = parts
            if value is not None:
                self._collect_exprs(unit, value, in_guard=False, in_try=False)
                call = _unparen(value.named_children[0]) if value.type == "await" and value.named_children else value
                if call.type == "call" and kind != "aug":
                    callee = self.callee(call)
                    if ASSIGNED_GUARD_CALL.search(callee) and not NOT_ASSIGNED_GUARD.search(callee) and not LOG_CALLEE.search(callee):
                        self._call_guard(unit, call, callee, stmt, path, contributors, reachable)
                if call.type == "call":
                    self._argument_validators(unit, call, stmt, path, contributors, reachable)
                for t in targets:
                    t = _target(t)
                    self._literal_from(unit, self.dotted(t), value)
                    key = self._setting_key(t) if unit.kind in ("function", "method") and t.type != "identifier" else None
                    if key is not None:
                        unit.settings.append(Setting(key, normal.squash(self.code(value)), _span(stmt), self.code(stmt), self.literal(value), "assignment"))
            return
        if stmt.type in ("print_statement", "exec_statement"):
            self._statement_call(unit, stmt)
            return
        if stmt.type == "expression_statement":  # a bare tuple `a, b` (libcst: Expr of a Tuple)
            for child in _kids(stmt):
                self._collect_exprs(unit, _unparen(child), in_guard=False, in_try=False)
            return
        if stmt.type in _NO_EXPRS:
            return
        for child in _kids(stmt):
            if child.type not in ("block", "ERROR") and not child.type.endswith("_statement"):
                self._collect_exprs(unit, _unparen(child), in_guard=False, in_try=False)

    def _call_guard(self, unit: _UnitBuilder, call: Node, callee: str, stmt: Node, path: Formula, contributors, reachable: bool) -> None:
        """A checker call run for its exception (`check_x(...)`, `state = validate_state()`)."""
        text = self.code(call)
        atom = normal.call_atom(callee, unit.namer.key(self.resolve_text(text, call)), text)
        unit.guards.append(Guard(conj(path, Not(atom)), Not(atom), Action.RAISE, _span(stmt), text, reachable, "call-guard", contributors))

    def _argument_validators(self, unit: _UnitBuilder, call: Node, stmt: Node, path: Formula, contributors, reachable: bool) -> None:
        """`use(validate_x(v))`: a validator whose result is passed on still runs (and raises)
        first, so it is the same check as `x = validate_x(v); use(x)` (inlining is not removal)."""
        todo, seen = [call], 0
        while todo and seen < 200:
            node = todo.pop()
            seen += 1
            args = node.child_by_field_name("arguments")
            if args is None or args.type != "argument_list":
                continue
            for arg in _kids(args):
                if arg.type == "keyword_argument":
                    arg = arg.child_by_field_name("value")
                    if arg is None:
                        continue
                v = _unparen(arg)
                if v.type == "await" and v.named_children:
                    v = _unparen(v.named_children[0])
                if v.type != "call":
                    continue
                callee = self.callee(v)
                if ASSIGNED_GUARD_CALL.search(callee) and not NOT_ASSIGNED_GUARD.search(callee) and not LOG_CALLEE.search(callee):
                    self._call_guard(unit, v, callee, stmt, path, contributors, reachable)
                todo.append(v)

    def _statement_call(self, unit: _UnitBuilder, stmt: Node) -> None:
        """Python 2 `print x, y` / `exec code in ns`: recorded as the calls they became."""
        name = "print" if stmt.type == "print_statement" else "exec"
        args: list[Argument] = []
        keys: list[str] = []
        for a in _kids(stmt):
            if a.type == "chevron":
                inner = _kids(a)
                if inner:
                    v = _unparen(inner[0])
                    args.append(Argument("file", normal.squash(self.code(v)), self.code(v), self.literal(v)))
                    self._collect_exprs(unit, v, in_guard=False, in_try=False)
                continue
            v = _unparen(a)
            code = self.code(v)
            args.append(Argument(None, normal.squash(code), code, self.literal(v)))
            keys.append(unit.namer.key(code))
            self._collect_exprs(unit, v, in_guard=False, in_try=False)
        unit.calls.insert(len(unit.calls), Call(name, tuple(args), _span(stmt), self.code(stmt), True, False, tuple(keys)))

    # ------------------------------------------------------------------ settings / literals

    def _setting_key(self, target: Node) -> Optional[str]:
        target = _target(target)
        if target.type in ("identifier", "attribute"):
            return self.dotted(target)
        if target.type == "subscript":
            subs = target.children_by_field_name("subscript")
            value = target.child_by_field_name("value")
            if len(subs) == 1 and value is not None and subs[0].type != "slice":
                key = self.literal(_unparen(subs[0]))
                if isinstance(key, str):
                    return f"{self.dotted(value)}.{key}"
        return None

    def _settings_from_assign(self, unit: _UnitBuilder, parts) -> None:
        kind, targets, value, stmt = parts
        if value is None:
            return
        for t in targets:
            key = self._setting_key(t)
            if key is None:
                continue
            unit.settings.append(Setting(key, normal.squash(self.code(value)), _span(stmt), self.code(stmt), self.literal(value), "assignment"))
            if value.type == "dictionary":
                for el in _kids(value):
                    if el.type == "pair":
                        k, v = el.child_by_field_name("key"), el.child_by_field_name("value")
                        if k is None or v is None:
                            continue
                        kl = self.literal(_unparen(k))
                        if isinstance(kl, str):
                            v = _unparen(v)
                            unit.settings.append(Setting(f"{key}.{kl}", normal.squash(self.code(v)), _span(el), self.code(el), self.literal(v), "config"))

    def _literal_from(self, unit: _UnitBuilder, target: str, value: Node) -> None:
        items = self._collection_items(value, unit)
        if items is None:
            return
        kind = {"list": "list", "tuple": "tuple", "expression_list": "tuple", "set": "set", "dictionary": "dict-keys"}.get(value.type, "list")
        unit.literals.append(Literal(target, items, _expr_span(value), self.code(value), kind))

    def _collection_items(self, value: Node, unit: Optional[_UnitBuilder] = None) -> Optional[tuple[str, ...]]:
        if value.type in ("list", "tuple", "set", "expression_list", "dictionary") and value.named_child_count > MAX_ITEMS:
            if unit is not None:
                unit.partial = True
            return None
        if value.type in ("list", "tuple", "set", "expression_list"):
            out: list[str] = []
            for el in _kids(value):
                v = _unparen(el)
                lit = self.literal(v)
                # libcst quotes the Element, whose range holds the value's own parentheses
                out.append(lit if isinstance(lit, str) else normal.squash(self.ctx.text(el).strip()))
            return tuple(str(x) for x in out)
        if value.type == "dictionary":
            out = []
            for el in _kids(value):
                if el.type == "pair":
                    k = el.child_by_field_name("key")
                    k = _unparen(k) if k is not None else el
                    lit = self.literal(k)
                    out.append(lit if isinstance(lit, str) else normal.squash(self.code(k)))
                else:
                    out.append(normal.squash(self.code(el)))
            return tuple(str(x) for x in out)
        return None

    # ------------------------------------------------------------------ expressions

    def literal(self, node: Node, depth: int = 0) -> LiteralValue:
        if depth > 20:
            return None
        node = _unparen(node)
        t = node.type
        if t in ("string", "concatenated_string"):
            return _string_value(node, self.ctx)
        if t == "integer":
            try:
                return int(self.ctx.text(node).replace("_", ""), 0)
            except ValueError:
                return None
        if t == "float":
            try:
                return float(self.ctx.text(node).replace("_", ""))
            except ValueError:
                return None
        if t in ("true", "false"):
            return t == "true"
        if t == "unary_operator":
            op = node.child_by_field_name("operator")
            arg = node.child_by_field_name("argument")
            if op is not None and op.type == "-" and arg is not None:
                inner = self.literal(arg, depth + 1)
                if isinstance(inner, (int, float)) and not isinstance(inner, bool):
                    return -inner
            return None
        if t == "binary_operator":
            op = node.child_by_field_name("operator")
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if op is None or left is None or right is None:
                return None
            lv, rv = self.literal(left, depth + 1), self.literal(right, depth + 1)
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lv, rv)):
                return None
            return _fold(op.type, lv, rv)  # type: ignore[arg-type]
        return None

    def formula(self, node: Node, namer: Namer, depth: int = 0) -> Formula:
        node = _unwalrus(node)
        if depth > MAX_EXPR_DEPTH:
            return normal.expr_atom(namer.key(self.code(node)), self.code(node))
        t = node.type
        if t == "boolean_operator":
            left, right, op = node.child_by_field_name("left"), node.child_by_field_name("right"), node.child_by_field_name("operator")
            if left is not None and right is not None and op is not None:
                lf = self.formula(left, namer, depth + 1)
                rf = self.formula(right, namer, depth + 1)
                return conj(lf, rf) if op.type == "and" else disj(lf, rf)
        if t == "not_operator":
            arg = node.child_by_field_name("argument")
            if arg is not None:
                return neg(self.formula(arg, namer, depth + 1))
        if t in ("true", "false"):
            return TRUE if t == "true" else FALSE
        if t == "comparison_operator":
            parts: list[Formula] = []
            for left, op, right in self._comparisons(node):
                parts.append(self.comparison(left, op, right, namer))
            if parts:
                return conj(*parts)
        if t == "call":
            callee = self.callee(node)
            positional = self._positional(node)
            if callee == "getattr" and len(positional) in (2, 3) and isinstance(self.literal(positional[1]), str):
                text = f"{self.code(positional[0])}.{self.literal(positional[1])}"
                return normal.name_atom(namer.key(text), self.code(node))
            if callee in CONST_TIME_CALLEES and len(positional) == 2:
                return self.comparison(positional[0], "==", positional[1], namer)
            text = self.code(node)
            return normal.call_atom(callee, namer.key(self.resolve_text(text, node)), text)
        text = self.code(node)
        if t in ("identifier", "attribute"):
            return normal.name_atom(namer.key(self.resolve_text(text, node)), text)
        return normal.expr_atom(namer.key(text), text)

    def resolve_text(self, text: str, node: Node) -> str:
        target = node.child_by_field_name("function") if node.type == "call" else node
        if target is None:
            return text
        raw = self.dotted(target)
        resolved = self.resolve(raw)
        if resolved != raw and text.startswith(raw):
            return resolved + text[len(raw):]
        return text

    def comparison(self, left: Node, op: str, right: Node, namer: Namer) -> Formula:
        left, right = _unwalrus(left), _unwalrus(right)
        lt, rt = self.code(left), self.code(right)
        return normal.comparison(namer.key(lt), op, namer.key(rt), lt, rt)

    def _comparisons(self, node: Node) -> list[tuple[Node, str, Node]]:
        """(left, operator, right) of each link of a comparison chain, operands unparenthesised."""
        operands: list[Node] = []
        ops: list[str] = []
        for c in node.children:
            if c.type in _EXTRAS:
                continue
            if c.type in _CMP_OPS and not c.is_named or c.type in ("not in", "is not"):
                ops.append(" ".join(c.type.split()))
            elif c.is_named:
                operands.append(_unwalrus(c))
        if len(operands) != len(ops) + 1:
            return []
        return [(operands[i], ops[i], operands[i + 1]) for i in range(len(ops))]

    def _positional(self, call: Node) -> list[Node]:
        args = call.child_by_field_name("arguments")
        if args is None or args.type != "argument_list":
            return [args] if args is not None else []
        return [_unparen(a) for a in _kids(args) if a.type not in ("keyword_argument", "list_splat", "dictionary_splat")]

    def _arguments(self, call: Node) -> tuple[Argument, ...]:
        args = call.child_by_field_name("arguments")
        if args is None:
            return ()
        if args.type == "generator_expression":
            code = self.code(args)
            return (Argument(None, normal.squash(code), code, None),)
        out: list[Argument] = []
        for a in _kids(args):
            name: Optional[str] = None
            value = a
            if a.type == "keyword_argument":
                n, value = a.child_by_field_name("name"), a.child_by_field_name("value")
                name = self.ctx.text(n) if n is not None else None
                if value is None:
                    continue
            elif a.type in ("list_splat", "dictionary_splat"):
                name = "*" if a.type == "list_splat" else "**"
                inner = _kids(a)
                if not inner:
                    continue
                value = inner[0]
            value = _unparen(value)
            code = self.code(value)
            out.append(Argument(name or None, normal.squash(code), code, self.literal(value)))
        return tuple(out)

    def _collect_exprs(self, unit: _UnitBuilder, expr: Node, *, in_guard: bool, in_try: bool, statement: bool = False) -> None:
        """Calls and comparisons under an expression, pre-order (libcst's field order), not
        inside nested definitions."""
        statement_node = expr if statement else None
        stack = [(expr, 0)]
        while stack:
            node, depth = stack.pop()
            if depth > self.collect_depth:
                unit.partial = True  # expressions nested this deep: the rest is not read
                continue
            t = node.type
            if t == "call":
                self._visit_call(unit, node, in_guard, in_try, statement_node)
            elif t == "comparison_operator":
                self._visit_comparison(unit, node, in_guard)
            kids = [c for c in node.named_children if c.type not in _DEF_TYPES and c.type not in _EXTRAS]
            if t == "conditional_expression" and len(kids) == 3:
                kids = [kids[1], kids[0], kids[2]]  # libcst's IfExp fields: test, body, orelse
            stack.extend((k, depth + 1) for k in reversed(kids))

    def _visit_call(self, unit: _UnitBuilder, node: Node, in_guard: bool, in_try: bool, statement_node: Optional[Node]) -> None:
        callee = self.callee(node)
        args = self._arguments(node)
        stmt = node == statement_node or (statement_node is not None and statement_node.type == "await"
                                          and bool(statement_node.named_children) and _unparen(statement_node.named_children[0]) == node)
        argn = node.child_by_field_name("arguments")
        arg_keys: tuple[str, ...] = ()
        if argn is not None and argn.type == "argument_list":
            arg_keys = tuple(unit.namer.key(self.code(_unparen(a))) for a in _kids(argn)
                             if a.type not in ("keyword_argument", "list_splat", "dictionary_splat"))
        elif argn is not None:
            arg_keys = (unit.namer.key(self.code(argn)),)
        unit.calls.append(Call(callee, args, _span(node), self.code(node), stmt, in_try, arg_keys))
        if argn is not None and argn.type == "argument_list":
            for a in _kids(argn):
                if a.type == "keyword_argument":
                    n, v = a.child_by_field_name("name"), a.child_by_field_name("value")
                    if n is not None and v is not None:
                        self._literal_from(unit, self.ctx.text(n), _unparen(v))
        if callee in REGEX_CALLEES or callee.rsplit(".", 1)[-1] in ("compile",) and callee.startswith("re"):
            first = self._positional(node)[:1]
            if not first and argn is not None and argn.type == "argument_list":
                for a in _kids(argn):
                    n = a.child_by_field_name("name") if a.type == "keyword_argument" else None
                    if n is not None and self.ctx.text(n) == "pattern" and a.child_by_field_name("value") is not None:
                        first = [_unparen(a.child_by_field_name("value"))]
                        break
            if first:
                pattern = self.literal(first[0])
                if isinstance(pattern, str):
                    unit.literals.append(Literal(callee, (pattern,), _span(first[0]), self.code(first[0]), "regex"))

    def _visit_comparison(self, unit: _UnitBuilder, node: Node, in_guard: bool) -> None:
        for left, op, right in self._comparisons(node):
            f = self.comparison(left, op, right, unit.namer)
            atom = f.arg if isinstance(f, Not) else f
            unit.comparisons.append(Comparison(atom, isinstance(f, Not), op, self.code(left), self.code(right), _span(node), in_guard))  # type: ignore[arg-type]
            if op in ("in", "not in"):
                self._literal_from(unit, normal.squash(self.code(left)), right)

    # ------------------------------------------------------------------ verdict shapes

    def is_deny_value(self, value: Optional[Node], depth: int = 0) -> bool:
        """python_exprs.is_deny_value over tree-sitter nodes."""
        if value is None or depth > MAX_EXPR_DEPTH:
            return False
        value = _unparen(value)
        t = value.type
        if t in ("false", "none"):
            return True
        if t == "identifier":
            return any(w in self.ctx.text(value).lower() for w in _DENY_WORDS)
        if t in ("tuple", "expression_list"):
            return any(self.is_deny_value(e, depth + 1) for e in _kids(value) if e.type != "list_splat") or bool(
                _DENY_STATUS.search(self.code(value)))
        if t == "call":
            name = self.callee(value).lower()
            last = name.rsplit(".", 1)[-1]
            if deny_callee(last):
                return True
            if "redirect" in last and "login" in self.code(value).lower():
                return True
            argn = value.child_by_field_name("arguments")
            for a in _kids(argn) if argn is not None and argn.type == "argument_list" else []:
                if a.type == "keyword_argument":
                    n, v = a.child_by_field_name("name"), a.child_by_field_name("value")
                    if n is not None and v is not None and self.ctx.text(n) in ("status", "status_code", "code") and _DENY_STATUS.search(self.code(_unparen(v))):
                        return True
            return bool(_DENY_STATUS.search(self.code(value))) and any(w in last for w in ("response", "json", "error", "abort", "status"))
        return False

    def is_boolish(self, node: Node) -> bool:
        node = _unparen(node)
        t = node.type
        if t == "comparison_operator":
            return True
        if t == "boolean_operator":
            sides = (node.child_by_field_name("left"), node.child_by_field_name("right"))
            return not any(s is not None and (_unparen(s).type in _VALUE_LITERALS or _unparen(s).type == "none") for s in sides)
        if t == "not_operator":
            return True
        if t == "call":
            return bool(_BOOLISH_CALL.search(self.callee(node)))
        return False


def _is_false(f: Formula) -> bool:
    return isinstance(f, Const) and not f.value


def _fold(op: str, a: float, b: float) -> LiteralValue:
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b if b else None
        if op == "//":
            return a // b if b else None
        if op == "**":
            if abs(b) > 64 or abs(a) > 1e6:
                return None
            return a**b
        if op == "<<":
            return int(a) << int(b) if 0 <= b <= 64 else None
    except (OverflowError, ValueError, TypeError):
        return None
    return None
