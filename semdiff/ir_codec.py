"""A safe, exact byte encoding of `semdiff.ir.ParsedFile`, for the parse cache.

The cache directory is not trusted enough to unpickle from (anyone who can write it could
make pickle run code), so an entry is `marshal` of plain values — tuples, strs, ints,
floats, bools, None — which builds no objects but those and runs nothing (the snapshot
store in semdiff.relevance.snapshot reads its files the same way). A CRC-32 over the payload
catches torn or bit-flipped files; every value is then shape-checked while it is decoded,
so a damaged or forged entry is a miss, never an exception and never an object of a type
the IR does not declare.

The codec is derived from the IR dataclasses themselves: their field lists and type hints
(`typing.get_type_hints`) are compiled once into an encoder and a decoder per type (both
generated as straight-line Python, see `_EncoderWriter` and `_generated_decoder`), and the
same walk yields `SHAPE`, a hash of every class's field names and types and every enum's
values. `SHAPE` is part of each entry and of the cache key, so a change to ir.py invalidates
old entries by itself; `VERSION` is bumped when this encoding changes.

Layout: MAGIC | CRC-32 (little endian, of the rest) | marshal((SHAPE, key, parsed file)).
A dataclass becomes the tuple of its fields in declaration order; a field whose type is a
union of several dataclasses (a `Formula`) carries the member's index first. An object met
twice (an atom shared by several guards' path conditions) is encoded once, so marshal
stores it once, and it is decoded once.
"""
from __future__ import annotations

import dataclasses
import enum
import gc
import keyword
import marshal
import re
import struct
import types
import typing
import zlib
from itertools import repeat
from typing import Any, Callable, Optional

from semdiff import digests, generated_code, ir
from semdiff.ir_construct import fast_constructor

VERSION = 1
MAGIC = b"SDIR1\0"
_CRC = struct.Struct("<I")
_MARSHAL_VERSION = 4
# Decoding work (fields and sequence items visited) allowed per payload byte. marshal can
# refer back to an object already read, so a forged entry of a few kilobytes could name one
# big tuple a million times over; real entries need well under 2 (formulas, the only IR
# objects shared on purpose, are decoded once per object).
WORK_PER_BYTE = 4
# A decoder's second argument is the decode state `[work left, {shared object key: decoded}]`:
# a list, whose int-indexed reads and writes are the cheapest a generated decoder can make.

Encoder = Callable[[Any, dict], Any]
Decoder = Callable[[Any, dict], Any]
# What the schema walk records of a type for the encoder writer (`_EncoderWriter`), a hashable tuple:
#   ("prim", allowed types) | ("enum", cls) | ("class", cls) | ("opt", allowed types, spec)
#   | ("union", allowed types, dataclasses) | ("seq", tuple or frozenset, item spec) | ("fixed", item specs)
Spec = tuple


class CodecError(ValueError):
    """A value does not fit the IR's declared shape (encoding) or an entry is damaged (decoding)."""


class _Bad(Exception):
    pass


# what a malformed entry can raise while it is read: all of it means "miss". Not caught: the
# budget's FileTimeout and MemoryError, which must reach the per-file budget handling.
_MALFORMED = (_Bad, ValueError, EOFError, TypeError, RecursionError, OverflowError, IndexError, KeyError, AttributeError)


def _bad() -> Any:
    raise _Bad()


# -- compiling the schema -----------------------------------------------------------------------

_PRIMITIVES: dict[Any, tuple[type, ...]] = {
    str: (str,),
    int: (int,),
    float: (float, int),  # a backend may put an int where a float is declared; kept as is
    bool: (bool,),
    type(None): (type(None),),
}


class _Schema:
    """Encoders/decoders for the types reachable from one root dataclass (ParsedFile for the
    parse cache), all declared in one module, and their shape text."""

    def __init__(self, root: type = ir.ParsedFile, module: types.ModuleType = ir) -> None:
        self.module = module
        self.classes: dict[type, tuple[Spec, Decoder]] = {}
        self.fields: dict[type, tuple[tuple[str, ...], tuple[Spec, ...]]] = {}  # for the encoder writer
        self.shape_parts: list[str] = []
        self._types: dict[str, Any] = {}  # annotation text -> type, for this build (field_types)
        self._spec, self.decoder, self.name = self._compile(root)
        self._encoder: Optional[Encoder] = None

    def encoder(self) -> Encoder:
        """The root's encoder, written on first use: a warm run decodes its cache entries and
        never encodes, and writing the encoders at import was ~4M instructions of such a run.
        `generated_code.write_table` asks for it, so its texts are in the table."""
        if self._encoder is None:
            self._encoder = _EncoderWriter(self.fields).function(self._spec)
        return self._encoder

    # -- entry points
    def _compile(self, tp: Any) -> tuple[Spec, Decoder, str]:
        origin = typing.get_origin(tp)
        if tp in _PRIMITIVES:
            return self._primitive(_PRIMITIVES[tp], tp.__name__ if tp is not type(None) else "None")
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return self._enum(tp)
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            return self._dataclass(tp)
        if origin in (typing.Union, types.UnionType):
            return self._union(typing.get_args(tp))
        if origin is tuple:
            args = typing.get_args(tp)
            if len(args) == 2 and args[1] is Ellipsis:
                return self._sequence(args[0], tuple, "tuple")
            return self._fixed_tuple(args)
        if origin is frozenset:
            return self._sequence(typing.get_args(tp)[0], frozenset, "frozenset")
        raise TypeError(f"ir_codec cannot encode the type {tp!r}")

    def _primitive(self, allowed: tuple[type, ...], name: str) -> tuple[Spec, Decoder, str]:
        def check(v: Any, memo: dict) -> Any:
            if type(v) not in allowed:
                _bad()
            return v

        _PRIMITIVE_CHECKS[check] = allowed  # the generated decoders test these in line
        return ("prim", allowed), check, name

    def _enum(self, cls: type) -> tuple[Spec, Decoder, str]:
        members = {m.value: m for m in cls}  # type: ignore[var-annotated]
        if not all(type(v) in (str, int) for v in members):
            raise TypeError(f"ir_codec: enum {cls.__name__} has values that are not str/int")
        self.shape_parts.append(f"{cls.__name__}{{{','.join(repr(v) for v in members)}}}")

        def dec(v: Any, state: list) -> Any:
            if type(v) not in (str, int):
                _bad()
            m = members.get(v)
            if m is None or type(m.value) is not type(v):
                _bad()
            return m

        return ("enum", cls), dec, cls.__name__

    def _dataclass(self, cls: type) -> tuple[Spec, Decoder, str]:
        if cls.__module__ != self.module.__name__:
            raise TypeError(f"ir_codec only encodes {self.module.__name__} classes, not {cls!r}")
        spec = ("class", cls)
        if cls in self.classes:
            return spec, self.classes[cls][1], cls.__name__
        # register a forwarding stub first: the IR is recursive (Not.arg is a Formula)
        cell: list = [None]

        def dec_fwd(v: Any, memo: dict) -> Any:
            return cell[0](v, memo)

        self.classes[cls] = (spec, dec_fwd)
        hints = field_types(cls, vars(self.module), self._types)
        fields = [f.name for f in dataclasses.fields(cls)]
        compiled = [self._compile(hints[name]) for name in fields]
        decs = tuple(c[1] for c in compiled)
        self.shape_parts.append(f"{cls.__name__}({','.join(f'{n}:{c[2]}' for n, c in zip(fields, compiled))})")
        names = tuple(fields)
        self.fields[cls] = (names, tuple(c[0] for c in compiled))

        make = fast_constructor(cls)  # every field set from a checked value, as __init__ would
        dec = _generated_decoder(cls, names, make, decs)

        cell[0] = dec
        self.classes[cls] = (spec, dec)
        return spec, dec, cls.__name__

    def _union(self, members: tuple) -> tuple[Spec, Decoder, str]:
        prims = [m for m in members if m in _PRIMITIVES]
        others = [m for m in members if m not in _PRIMITIVES]
        allowed = tuple(t for m in prims for t in _PRIMITIVES[m])
        prim_names = ",".join(sorted(m.__name__ if m is not type(None) else "None" for m in prims))
        if not others:
            spec, dec, _ = self._primitive(allowed, "")
            return spec, dec, f"U[{prim_names}]"
        if len(others) == 1:
            # `Optional[X]` and the like: a primitive passes through, X is always a tuple
            spec_x, dec_x, name_x = self._compile(others[0])
            if not (dataclasses.is_dataclass(others[0]) or typing.get_origin(others[0]) is tuple):
                raise TypeError(f"ir_codec: cannot tell {others[0]!r} apart in a union")

            def dec1(v: Any, state: list) -> Any:
                return v if type(v) in allowed else dec_x(v, state)

            return ("opt", allowed, spec_x), dec1, f"U[{prim_names}|{name_x}]"
        if not all(isinstance(m, type) and dataclasses.is_dataclass(m) for m in others):
            raise TypeError(f"ir_codec: unsupported union {members!r}")
        compiled = [self._compile(m) for m in others]
        decs = tuple(c[1] for c in compiled)
        decn = _generated_union(decs) if not allowed else _union_decoder(allowed, decs)

        return ("union", allowed, tuple(others)), decn, f"U[{prim_names}|{'|'.join(c[2] for c in compiled)}]"

    def _sequence(self, item: Any, kind: type, name: str) -> tuple[Spec, Decoder, str]:
        spec_i, dec_i, name_i = self._compile(item)

        allowed = _PRIMITIVE_CHECKS.get(dec_i)
        if kind is tuple and allowed is not None:
            # a tuple of primitives (names, keys): checked in place; tuple(v) is v itself
            def dec(v: Any, state: list) -> Any:
                if type(v) is not tuple:
                    _bad()
                state[0] -= len(v)
                if state[0] < 0:
                    _bad()
                for x in v:
                    if type(x) not in allowed:
                        _bad()
                return v
            if allowed == (str,):
                _STR_TUPLES.add(dec)
        elif kind is tuple:
            def dec(v: Any, state: list) -> Any:
                if type(v) is not tuple:
                    _bad()
                if not v:
                    return v  # the empty tuple (most of a unit's tuples): nothing to count or build
                state[0] -= len(v)
                if state[0] < 0:
                    _bad()
                # map calls the item decoder from C: no comprehension frame, no appends
                return tuple(map(dec_i, v, repeat(state)))
        else:
            def dec(v: Any, state: list) -> Any:
                if type(v) is not tuple:
                    _bad()
                state[0] -= len(v)
                if state[0] < 0:
                    _bad()
                return kind(dec_i(x, state) for x in v)

        if kind is tuple:
            _TUPLE_SEQUENCES.add(dec)
        return ("seq", kind, spec_i), dec, f"{name}[{name_i}]"

    def _fixed_tuple(self, items: tuple) -> tuple[Spec, Decoder, str]:
        compiled = [self._compile(t) for t in items]
        decs = tuple(c[1] for c in compiled)
        count = len(items)

        def dec(v: Any, state: list) -> Any:
            if type(v) is not tuple or len(v) != count:
                _bad()
            return tuple([d(x, state) for d, x in zip(decs, v)])

        return ("fixed", tuple(c[0] for c in compiled)), dec, f"tuple[{','.join(c[2] for c in compiled)}]"


_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def field_types(cls: type, globalns: dict, memo: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """`typing.get_type_hints(cls, globalns)`, evaluating each distinct annotation text once.

    The IR's ~90 field annotations are ~25 texts ("int", "tuple[str, ...]", "Optional[Span]");
    get_type_hints compiles every one of them anew (a ForwardRef each), which was most of what
    building the codec cost at start-up. `memo` (annotation text -> type) is shared by the
    classes of one schema build, whose module namespace does not change meanwhile; a new build
    evaluates afresh. A text is evaluated as get_type_hints evaluates it
    (a class-level ForwardRef in the module's namespace, Annotated stripped); any class whose
    hints that could change -- a base with annotations of its own, a class attribute named like
    a word of an annotation, an annotation that is not text -- gets get_type_hints itself."""
    eval_type, strip = getattr(typing, "_eval_type", None), getattr(typing, "_strip_annotations", None)
    own = cls.__dict__.get("__annotations__", {})
    if eval_type is None or strip is None or any(
            base.__dict__.get("__annotations__") for base in cls.__mro__[1:] if base is not object):
        return typing.get_type_hints(cls, globalns)
    namespace = vars(cls)
    out: dict[str, Any] = {}
    for name, text in own.items():
        if type(text) is not str or any(word in namespace for word in _WORD.findall(text)):
            return typing.get_type_hints(cls, globalns)
        hit = memo.get(text) if memo is not None else None
        if hit is None:
            ref = typing.ForwardRef(text, is_argument=False, is_class=True)
            hit = strip(eval_type(ref, globalns, globalns))
            if memo is not None:
                memo[text] = hit
        out[name] = hit
    return out


# primitive decoders -> the types they accept (filled by _Schema._primitive)
_PRIMITIVE_CHECKS: dict[Decoder, tuple[type, ...]] = {}
# decoders of `tuple[X, ...]` fields: an empty one is passed through in line (it is its own value)
_TUPLE_SEQUENCES: set[Decoder] = set()
# decoders of `tuple[str, ...]` fields: checked in line by the dataclass decoders
_STR_TUPLES: set[Decoder] = set()


def _generated_decoder(cls: type, names: tuple[str, ...], make: Callable[..., Any], decs: tuple[Decoder, ...]) -> Decoder:
    """One dataclass's decoder as straight-line code: the checks of
    `make(*[d(x, state) for d, x in zip(decs, v)])` after the length and work checks, with the
    primitive fields' type tests and the `tuple[str, ...]` fields' checks written in line
    instead of called, and the instance's __dict__ filled here rather than in `make` (most
    fields are str, int or bool; a call per field, then one per object, were most of the
    decoding time). The work of the object and of its string tuples is counted before any of
    them is walked. `make` being the class itself (a class fast_constructor cannot fill) is
    called instead."""
    count = len(decs)
    namespace: dict[str, Any] = {"_bad": _bad, "_make": make, "_E": (), "_cls": cls, "_new": object.__new__,
                                 "_join": "".join}
    checks, lengths, joins, nested = [], [], [], []
    for i, d in enumerate(decs):
        allowed = _PRIMITIVE_CHECKS.get(d)
        if d in _STR_TUPLES:
            checks.append(f"    if type(f{i}) is not tuple:\n        _bad()\n")
            lengths.append(f" - len(f{i})")
            joins.append(f"    if f{i}:\n        _join(f{i})  # TypeError (a miss) unless every item is a str\n")
        elif allowed is None:
            namespace[f"_d{i}"] = d
            if d in _TUPLE_SEQUENCES:
                nested.append(f"    if f{i} is not _E:\n        f{i} = _d{i}(f{i}, state)\n")
            else:
                nested.append(f"    f{i} = _d{i}(f{i}, state)\n")
        elif len(allowed) == 1:
            namespace[f"_t{i}"] = allowed[0]
            checks.append(f"    if type(f{i}) is not _t{i}:\n        _bad()\n")
        else:
            namespace[f"_t{i}"] = allowed
            checks.append(f"    if type(f{i}) not in _t{i}:\n        _bad()\n")
    fields = "".join(f"f{i}, " for i in range(count))
    if make is cls or not all(n.isidentifier() for n in names):
        build = f"    return _make({', '.join(f'f{i}' for i in range(count))})\n"
    else:
        build = ("    o = _new(_cls)\n    d = o.__dict__\n"
                 + "".join(f"    d[{n!r}] = f{i}\n" for i, n in enumerate(names)) + "    return o\n")
    source = (
        "def dec(v, state):\n"
        f"    if type(v) is not tuple or len(v) != {count}:\n"
        "        _bad()\n"
        + (f"    {fields}= v\n" if count else "")
        + "".join(checks)
        + f"    w = state[0] - {count}{''.join(lengths)}\n"
        "    if w < 0:\n"
        "        _bad()\n"
        "    state[0] = w\n"
        + "".join(joins)
        + "".join(nested)
        + build
    )
    generated_code.run(source, f"<ir_codec decoder {cls.__name__}>", namespace)  # our own field names only
    return namespace["dec"]


def _generated_union(decs: tuple[Decoder, ...]) -> Decoder:
    """The decoder of a union of dataclasses (a `Formula`): `(member index, member)`. Formulas
    are shared (an atom in many path conditions) and encoded once, so an encoded member met
    again is the object already decoded for it (keyed by its identity and index)."""
    count = len(decs)
    if count > 64:
        raise TypeError("ir_codec: a union of more than 64 dataclasses")
    namespace: dict[str, Any] = {"_bad": _bad, "_decs": decs, "_id": id}
    source = (
        "def decn(v, state):\n"
        "    if type(v) is not tuple or len(v) != 2:\n"
        "        _bad()\n"
        "    i, p = v\n"
        f"    if type(i) is not int or not 0 <= i < {count}:\n"
        "        _bad()\n"
        "    key = _id(p) << 6 | i  # unique while the loaded value keeps p alive\n"
        "    memo = state[1]\n"
        "    done = memo.get(key)\n"
        "    if done is None:\n"
        "        done = memo[key] = _decs[i](p, state)\n"
        "    return done\n"
    )
    generated_code.run(source, f"<ir_codec union of {count}>", namespace)
    return namespace["decn"]


def _union_decoder(allowed: tuple[type, ...], decs: tuple[Decoder, ...]) -> Decoder:
    """A union of primitives and several dataclasses (none in the IR today)."""
    members = _generated_union(decs)

    def decn(v: Any, state: list) -> Any:
        return v if type(v) in allowed else members(v, state)

    return decn


class _EncoderWriter:
    """The encoders of one schema as generated straight-line code, like the decoders. A
    dataclass's encoder checks the object's exact type, returns the tuple already made for it
    when the object was met before in this value (`memo`, keyed by identity: a shared formula
    is encoded once, so marshal stores it once and the decoder builds it once), and otherwise
    reads every field, checks and encodes it, and makes the tuple of the encoded fields.
    Written in line: primitive fields (their exact types), enums (the member's value),
    optional fields, `tuple[...]` fields (without a loop for one or two items, the commonest
    lengths) and dataclasses that need no call themselves (Span, Argument, Atom: primitives,
    enums, string tuples, such dataclasses; never a recursive one). Calls: the other
    dataclasses, a union of dataclasses (`(member index, member)`) and a fixed-length tuple; a
    formula nested n deep takes 2n frames (decoding it about 3n; the backends cap formula
    nesting at 60 levels for tree-sitter and 200 for libcst, well inside both). The generic closures this
    replaces (`tuple([e(getattr(v, n), memo) for e, n in zip(encs, names)])`, a call per
    field) took 3x the instructions (benchmarks/README.md, session 12).

    What an encoder returns is what those closures returned, object for object, so marshal
    writes the same bytes: every tuple is a new one (marshal marks an object referenced more
    than once for sharing, so passing an IR tuple through would change the bytes), an empty
    `tuple[...]` field is the empty tuple, and the tuple of a dataclass met twice is the same
    object both times. Fields are read with attribute access, as getattr read them.

    The texts are made from the schema's field names and types only, and run through
    `generated_code` (taken precompiled from its table when it holds them)."""

    def __init__(self, fields: dict[type, tuple[tuple[str, ...], tuple[Spec, ...]]]) -> None:
        self.fields = fields
        self.namespace: dict[str, Any] = {"_bad": _bad, "_id": id, "_getattr": getattr}
        self.taken: set[str] = set(self.namespace)
        self.functions: dict[Spec, str] = {}
        self.leaves: dict[type, bool] = {}
        self.constants: dict[Any, str] = {}  # a type or a tuple of types -> its name in the namespace

    def function(self, spec: Spec) -> Encoder:
        """The encoder of `spec` (and, generated on the way, of every type it reaches)."""
        return self.namespace[self._function(spec)]

    # -- names
    def _unique(self, base: str) -> str:
        name, n = base, 1
        while name in self.taken:
            n += 1
            name = f"{base}_{n}"
        self.taken.add(name)
        return name

    def _const(self, value: Any) -> str:
        name = self.constants.get(value)
        if name is None:
            parts = value if type(value) is tuple else (value,)
            name = self._unique("_t_" + "_".join(_NON_WORD.sub("_", t.__name__) for t in parts))
            self.namespace[name] = value
            self.constants[value] = name
        return name

    def _outside(self, allowed: tuple[type, ...], var: str) -> str:
        """A test that is true when `var`'s type is not one of `allowed` (`type(var) not in allowed`)."""
        none = type(None)
        if allowed == (none,):
            return f"{var} is not None"
        if len(allowed) == 1:
            return f"type({var}) is not {self._const(allowed[0])}"
        if len(allowed) == 2 and none in allowed and allowed[0] is not allowed[1]:
            other = allowed[0] if allowed[1] is none else allowed[1]
            return f"{var} is not None and type({var}) is not {self._const(other)}"
        return f"type({var}) not in {self._const(allowed)}"

    # -- functions
    def _function(self, spec: Spec) -> str:
        name = self.functions.get(spec)
        if name is not None:
            return name
        kind = spec[0]
        name = self._unique(f"_e_{_NON_WORD.sub('_', spec[1].__name__)}" if kind == "class" else f"_e_{kind}")
        self.functions[spec] = name  # before the body: a recursive type calls itself
        temps = _Temps()
        lines = [f"def {name}(v, memo):"]
        if kind == "class":
            lines += self._class_body(spec[1], temps)
        elif kind == "union":
            lines += self._union_body(spec[1], spec[2], temps)
        elif kind == "fixed":
            lines += self._fixed_body(spec[1], temps)
        else:
            lines += self._inline(spec, "v", 4, temps) + ["    return v"]
        generated_code.run("\n".join(lines) + "\n", f"<ir_codec encoder {name}>", self.namespace)  # our own names only
        return name

    def _class_body(self, cls: type, temps: _Temps) -> list[str]:
        lines = [f"    if type(v) is not {self._const(cls)}:", "        _bad()",
                 "    k = _id(v)", "    if k in memo:", "        return memo[k]"]
        fields, lines_f = self._fields(cls, "v", 4, temps)
        return lines + lines_f + [f"    o = memo[k] = ({''.join(f'{f}, ' for f in fields)})", "    return o"]

    def _fields(self, cls: type, var: str, indent: int, temps: _Temps) -> tuple[list[str], list[str]]:
        """(the variables holding `var`'s encoded fields, the statements that read and encode them)."""
        names, specs = self.fields[cls]
        p = " " * indent
        out, lines = [], []
        for field, spec in zip(names, specs):
            f = temps.new()
            read = f"{var}.{field}" if field.isidentifier() and not keyword.iskeyword(field) else f"_getattr({var}, {field!r})"
            lines.append(f"{p}{f} = {read}")
            lines += self._inline(spec, f, indent, temps)
            out.append(f)
        return out, lines

    def _leaf(self, spec: Spec) -> bool:
        """Whether `spec`'s encoding makes no call: a dataclass of primitives, enums, tuples of
        primitives and such dataclasses (never a recursive one), written in line where it is met."""
        kind = spec[0]
        if kind in ("prim", "enum"):
            return True
        if kind == "opt":
            return self._leaf(spec[2])
        if kind == "seq":
            return spec[2][0] == "prim"
        if kind != "class":
            return False
        cls = spec[1]
        known = self.leaves.get(cls)
        if known is None:
            self.leaves[cls] = False  # while it is looked at: a class that reaches itself is no leaf
            known = self.leaves[cls] = all(self._leaf(s) for s in self.fields[cls][1])
        return known

    def _union_body(self, allowed: tuple[type, ...], members: tuple[type, ...], temps: _Temps) -> list[str]:
        lines = ["    t = type(v)"]
        if allowed:
            lines += [f"    if t in {self._const(allowed)}:", "        return v"]
        for i, cls in enumerate(members):
            if self._leaf(("class", cls)):
                lines += [f"    if t is {self._const(cls)}:", *self._inline(("class", cls), "v", 8, temps, checked=True),
                          f"        return ({i}, v)"]
            else:
                lines += [f"    if t is {self._const(cls)}:", f"        return ({i}, {self._function(('class', cls))}(v, memo))"]
        return lines + ["    _bad()"]

    def _fixed_body(self, specs: tuple[Spec, ...], temps: _Temps) -> list[str]:
        items = [temps.new() for _ in specs]
        lines = [f"    if type(v) is not tuple or len(v) != {len(specs)}:", "        _bad()"]
        if items:
            lines.append(f"    {', '.join(items)}, = v")
        for var, spec in zip(items, specs):
            lines += self._inline(spec, var, 4, temps)
        return lines + [f"    return ({''.join(f'{x}, ' for x in items)})"]

    def _inline(self, spec: Spec, var: str, indent: int, temps: _Temps, checked: bool = False) -> list[str]:
        """Statements that check `var` against `spec` and set it to its encoding (`checked`: a
        dataclass whose type is tested already). The temporaries they use are free again after
        them (a frame clears every local it has on each return: fewer locals, cheaper calls)."""
        mark = temps.n
        try:
            return self._inline_code(spec, var, indent, temps, checked)
        finally:
            temps.n = mark

    def _inline_code(self, spec: Spec, var: str, indent: int, temps: _Temps, checked: bool) -> list[str]:
        p = " " * indent
        kind = spec[0]
        if kind == "prim":
            return [f"{p}if {self._outside(spec[1], var)}:", f"{p}    _bad()"]
        if kind == "enum":
            cls = spec[1]
            # Enum's `value` is a property returning `_value_`: read that directly when it is so
            attr = "_value_" if all(m.value is getattr(m, "_value_", None) for m in cls) else "value"
            return [f"{p}if type({var}) is not {self._const(cls)}:", f"{p}    _bad()", f"{p}{var} = {var}.{attr}"]
        if kind == "opt":
            return [f"{p}if {self._outside(spec[1], var)}:"] + self._inline(spec[2], var, indent + 4, temps)
        if kind == "seq":
            return self._sequence(spec[1], spec[2], var, indent, temps)
        if kind == "class" and self._leaf(spec):
            k = temps.new()
            fields, lines_f = self._fields(spec[1], var, indent + 4, temps)
            test = [] if checked else [f"{p}if type({var}) is not {self._const(spec[1])}:", f"{p}    _bad()"]
            return [*test, f"{p}{k} = _id({var})",
                    f"{p}if {k} in memo:", f"{p}    {var} = memo[{k}]", f"{p}else:", *lines_f,
                    f"{p}    {var} = memo[{k}] = ({''.join(f'{f}, ' for f in fields)})"]
        # "class", "union", "fixed": a call (a dataclass's own function keeps the memo)
        return [f"{p}{var} = {self._function(spec)}({var}, memo)"]

    def _sequence(self, kind: type, item: Spec, var: str, indent: int, temps: _Temps) -> list[str]:
        p = " " * indent
        lines = [f"{p}if type({var}) is not {self._const(kind)}:", f"{p}    _bad()"]
        a, b = temps.new(), temps.new()
        if kind is tuple:
            lines.append(f"{p}if {var}:")  # the empty tuple is its own encoding (what tuple([]) gives)
            indent += 4
            p += "    "
        one = self._inline(item, a, indent + 4, temps)
        if kind is tuple and len(one) <= _UNROLL_LINES:
            # one or two items, the commonest lengths: no list, no loop
            lines += [f"{p}if len({var}) == 1:", f"{p}    {a}, = {var}", *one, f"{p}    {var} = ({a},)",
                      f"{p}elif len({var}) == 2:", f"{p}    {a}, {b} = {var}", *one,
                      *self._inline(item, b, indent + 4, temps), f"{p}    {var} = ({a}, {b})", f"{p}else:"]
            indent += 4
            p += "    "
        if item[0] == "prim" and kind is tuple:  # checked in place, then copied: a new tuple, as above
            return lines + [f"{p}for {a} in {var}:", *self._inline(item, a, indent + 4, temps), f"{p}{var} = (*{var},)"]
        out = temps.new()  # a frozenset's items in its iteration order, as a tuple
        return lines + [f"{p}{out} = []", f"{p}for {a} in {var}:", *self._inline(item, a, indent + 4, temps),
                        f"{p}    {out}.append({a})", f"{p}{var} = tuple({out})"]


class _Temps:
    """The names of a generated function's temporaries: x0, x1, ...; `n` is the next one."""

    def __init__(self) -> None:
        self.n = 0

    def new(self) -> str:
        self.n += 1
        return f"x{self.n - 1}"


_NON_WORD = re.compile(r"\W")
# a `tuple[X, ...]` field of one or two items is encoded without a loop when X's code is this short
_UNROLL_LINES = 6


def _build(root: type = ir.ParsedFile, module: types.ModuleType = ir) -> tuple[Optional[_Schema], str]:
    try:
        schema = _Schema(root, module)
    except (TypeError, NameError, AttributeError) as exc:  # an IR this codec does not know: no caching
        return None, f"unsupported:{exc}"
    shape = digests.sha256("\n".join(sorted(schema.shape_parts)).encode()).hexdigest()
    return schema, shape


_SCHEMA, SHAPE = _build()


def build_encoders() -> None:
    """Write the parse cache's encoders now (generated_code.write_table records their texts)."""
    if _SCHEMA is not None:
        _SCHEMA.encoder()


def available() -> bool:
    """False when ir.py declares a type this codec cannot encode (then nothing is cached)."""
    return _SCHEMA is not None


def frame(magic: bytes, payload: bytes) -> bytes:
    """`magic | CRC-32 of payload | payload`: the layout of every parse-cache entry."""
    return magic + _CRC.pack(zlib.crc32(payload)) + payload


def unframe(magic: bytes, data: bytes) -> Optional[bytes]:
    """The payload of a `frame`d entry, or None when the magic or the checksum is wrong."""
    head = len(magic) + _CRC.size
    if type(data) is not bytes or len(data) < head or not data.startswith(magic):
        return None
    payload = data[head:]
    return payload if _CRC.unpack_from(data, len(magic))[0] == zlib.crc32(payload) else None


def encode(parsed: ir.ParsedFile, key: str = "") -> bytes:
    """Bytes for `parsed`; CodecError when it holds anything its declared types do not allow
    (or nests deeper than marshal allows), so such a file is simply not cached."""
    if _SCHEMA is None:
        raise CodecError(SHAPE)
    try:
        value = _SCHEMA.encoder()(parsed, {})
        payload = marshal.dumps((SHAPE, key, value), _MARSHAL_VERSION)
    except (_Bad, ValueError, TypeError, RecursionError) as exc:
        raise CodecError(f"cannot encode: {type(exc).__name__}") from None
    return frame(MAGIC, payload)


def _paused(dec: Decoder, value: Any, state: list) -> Any:
    """dec(value, state) with the cycle collector paused. Decoding builds only acyclic objects
    (dataclasses holding tuples and strings), so a collection during it finds nothing; but
    with the interpreter's default thresholds it runs every 700 objects and its full passes
    walk everything decoded so far: 72 % of decoding 100k lines of JavaScript (2.00 s, 0.55 s
    paused). The CLI raises the thresholds itself; library callers and pools keep them."""
    if not gc.isenabled():
        return dec(value, state)
    gc.disable()
    try:
        return dec(value, state)
    finally:
        gc.enable()


def decode(data: bytes, key: str = "") -> Optional[ir.ParsedFile]:
    """The ParsedFile in `data`, or None for anything that is not a whole, intact entry of
    this codec version, IR shape and `key` (including one that would take more than
    WORK_PER_BYTE steps per byte to read). A malformed entry never raises; the per-file
    budget's FileTimeout and MemoryError do pass through."""
    try:
        payload = unframe(MAGIC, data) if _SCHEMA is not None else None
        if payload is None:
            return None
        loaded = marshal.loads(payload)
        if type(loaded) is not tuple or len(loaded) != 3 or loaded[0] != SHAPE or loaded[1] != key:
            return None
        parsed = _paused(_SCHEMA.decoder, loaded[2], [WORK_PER_BYTE * len(payload) + 1000, {}])
    except _MALFORMED:
        return None
    return parsed if type(parsed) is ir.ParsedFile else None


class Codec:
    """The same safe encoding for another tree of frozen dataclasses declared in one module
    (the report cache stores `semdiff.model.Report` this way): `MAGIC | CRC-32 |
    marshal((shape, key, value))`, decoded with every field checked against its type."""

    def __init__(self, root: type, module: types.ModuleType, magic: bytes) -> None:
        self.root_type = root
        self.magic = magic
        self._schema, self.shape = _build(root, module)

    def available(self) -> bool:
        return self._schema is not None

    def build_encoder(self) -> None:
        """Write the encoder now (it is otherwise written by the first `encode`)."""
        if self._schema is not None:
            self._schema.encoder()

    def encode(self, value: Any, key: str = "") -> bytes:
        """CodecError when `value` holds anything its declared types do not allow."""
        if self._schema is None:
            raise CodecError(self.shape)
        try:
            payload = marshal.dumps((self.shape, key, self._schema.encoder()(value, {})), _MARSHAL_VERSION)
        except (_Bad, ValueError, TypeError, RecursionError) as exc:
            raise CodecError(f"cannot encode: {type(exc).__name__}") from None
        return frame(self.magic, payload)

    def decode(self, data: bytes, key: str = "") -> Any:
        """The value in `data`, or None for anything not a whole, intact entry of this shape and key."""
        try:
            payload = unframe(self.magic, data) if self._schema is not None else None
            if payload is None:
                return None
            loaded = marshal.loads(payload)
            if type(loaded) is not tuple or len(loaded) != 3 or loaded[0] != self.shape or loaded[1] != key:
                return None
            value = _paused(self._schema.decoder, loaded[2], [WORK_PER_BYTE * len(payload) + 1000, {}])
        except _MALFORMED:
            return None
        return value if type(value) is self.root_type else None
