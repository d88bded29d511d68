"""semdiff.ir_codec: exact round trips of every fixture's IR, and damaged or forged entries
that come back as misses (None), never as exceptions or objects of undeclared types."""
from __future__ import annotations

import dataclasses
import enum
import marshal
import typing
import struct
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from semdiff import ir, ir_codec
from semdiff.ir import Action, And, Atom, Call, Argument, Const, Guard, Linear, Not, Or, ParsedFile, Span, Unit
from semdiff.lang.ts_python import parse_python_fallback
from semdiff.pipeline import _parse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_fixtures import case_folders, load_case  # noqa: E402
from python_parsers import python_parser  # noqa: E402,F401  (fixture)


def _fixture_parses() -> list[tuple[str, ParsedFile]]:
    out: list[tuple[str, ParsedFile]] = []
    for folder in case_folders():
        case = load_case(folder)
        for side, text in (("before", case.before_text), ("after", case.after_text)):
            if text is None:
                continue
            parsed = _parse(case.path, text)
            if parsed is not None:
                out.append((f"{case.case_id}:{side}", parsed))
            if case.path.endswith((".py", ".pyi")):
                out.append((f"{case.case_id}:{side}:fallback", parse_python_fallback(text, case.path)))
    for path, text in _BROKEN:
        out.append((f"broken:{path}", _parse(path, text)))
    return out


# the IR of broken inputs carries fallback notes, partial units and errors: round-trip those too
_BROKEN = (
    ("legacy/views.py", "def delete(request, uid):\n    if not request.user.is_admin:\n        abort(403)\n    print 'deleting', uid\n"),
    ("app/broken.py", "def f(x):\n    if x:\n        raise PermissionError(\n\ndef g(:\n    return 1\n"),
    ("web/app.js", "function f(req) {\n  if (!req.user.admin) { throw new Error('no') }\n  return {{;\n}\n"),
    (".github/workflows/ci.yml", "on: [push]\njobs: {build: [\n"),
    ("package.json", "{\"dependencies\": {\"left-pad\": \"1.0\"\n"),
)


def _sample() -> ParsedFile:
    age = Atom("cmp:$0.age<18", "user.age < 18", "cmp", "<", "$0.age", "18", Linear("$0.age", "<", 18.0))
    admin = Atom("name:$0.is_admin", "user.is_admin", "name")
    cond = Or((Not(admin), age))
    guard = Guard(And((cond, Not(age))), cond, Action.RAISE, Span(3, 4), "if ...: raise", kind="branch", path=((2, age), (3, Const(True))))
    call = Call("requests.get", (Argument(None, "$1", "url"), Argument("verify", "False", "False", False)), Span(5, 5), "requests.get(url, verify=False)",
                arg_keys=("$1",))
    unit = Unit("a.py", "python", "function", "view", "view", Span(1, 6), params=("user", "url"), guards=(guard,), calls=(call,),
                locals=(("x", "%0"),), parent=None)
    return ParsedFile("a.py", "python", (unit,), imports=(("requests", "requests"),), fallback=None)


# -- exact round trips ------------------------------------------------------------------------------

def test_every_fixture_side_round_trips_exactly(python_parser: str) -> None:
    parses = _fixture_parses()
    languages = {p.language for _, p in parses}
    assert {"python", "javascript", "typescript", "go", "java"} <= languages and len(languages) >= 7  # config languages too
    assert any(p.partial for _, p in parses) and any(p.error for _, p in parses)
    # a libcst-rejected fixture side is read by the fallback; tree-sitter as the primary
    # parser reads those sides itself (the codec's `fallback` field is covered under libcst)
    assert any(p.fallback for _, p in parses) == (python_parser == "libcst")
    wrong = [name for name, parsed in parses if ir_codec.decode(ir_codec.encode(parsed, "k"), "k") != parsed]
    assert wrong == []


def test_decoded_objects_have_exactly_the_declared_types() -> None:
    parsed = _sample()
    back = ir_codec.decode(ir_codec.encode(parsed, "k"), "k")
    assert back == parsed and type(back) is ParsedFile
    g = back.units[0].guards[0]
    assert type(g.action) is Action and g.action is Action.RAISE
    assert type(g.deny_when) is And and type(g.path[1][1]) is Const and g.path[1][1].value is True
    arg = back.units[0].calls[0].args[1]
    assert arg.literal is False and type(arg.literal) is bool  # not 0
    assert type(g.condition.args[1].linear.constant) is float
    assert hash(back) == hash(parsed)  # frozen dataclasses still hash by their fields


def test_shared_formulas_are_stored_once_and_decoded_as_one_object() -> None:
    parsed = _sample()
    back = ir_codec.decode(ir_codec.encode(parsed, "k"), "k")
    guard = back.units[0].guards[0]
    assert guard.deny_when.args[0] is guard.condition  # the same Or in the source IR, one object again


def test_an_ir_with_undeclared_types_is_not_encoded() -> None:
    as_list = dataclasses.replace(_sample(), units=[])  # type: ignore[arg-type]
    with pytest.raises(ir_codec.CodecError):
        ir_codec.encode(as_list)
    sub = type("Sub", (str,), {})
    with pytest.raises(ir_codec.CodecError):
        ir_codec.encode(dataclasses.replace(_sample(), path=sub("a.py")))


def test_a_formula_deeper_than_marshal_allows_is_not_encoded() -> None:
    f: ir.Formula = Atom("x", "x")
    for _ in range(5000):
        f = Not(f)
    unit = dataclasses.replace(_sample().units[0], guards=(Guard(f, f, Action.RAISE, Span(1, 1), "x"),))
    with pytest.raises(ir_codec.CodecError):
        ir_codec.encode(ParsedFile("a.py", "python", (unit,)))



# -- the generated encoders give exactly what a plain walk of the declared types gives -----------

_PRIMS = {str: (str,), int: (int,), float: (float, int), bool: (bool,), type(None): (type(None),)}


class _Rejected(Exception):
    pass


def _walk(v: object, tp: typing.Any, memo: dict) -> object:
    """The encoding spelled out from ir.py's type hints (what the codec's generic closures did):
    a dataclass is the tuple of its fields, met again the same tuple; a union of dataclasses
    `(member index, member)`; every tuple a new one; an enum its value; exact types only."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp in _PRIMS:
        if type(v) not in _PRIMS[tp]:
            raise _Rejected
        return v
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        if type(v) is not tp:
            raise _Rejected
        return v.value
    if dataclasses.is_dataclass(tp):
        if type(v) is not tp:
            raise _Rejected
        if id(v) not in memo:
            hints = typing.get_type_hints(tp, vars(ir))
            memo[id(v)] = tuple([_walk(getattr(v, f.name), hints[f.name], memo) for f in dataclasses.fields(tp)])
        return memo[id(v)]
    if origin is typing.Union:
        if any(type(v) in _PRIMS[m] for m in args if m in _PRIMS):
            return v
        others = [m for m in args if m not in _PRIMS]
        if len(others) == 1:
            return _walk(v, others[0], memo)
        if type(v) not in others:
            raise _Rejected
        return (others.index(type(v)), _walk(v, type(v), memo))
    assert origin is tuple, tp
    if type(v) is not tuple or (args[-1] is not Ellipsis and len(v) != len(args)):
        raise _Rejected
    items = (args[0],) * len(v) if args[-1] is Ellipsis else args
    return tuple([_walk(x, t, memo) for x, t in zip(v, items)])


def _walk_bytes(parsed: ParsedFile, key: str) -> bytes:
    value = _walk(parsed, ParsedFile, {})  # the memo is gone before marshal, as in encode()
    return ir_codec.frame(ir_codec.MAGIC, marshal.dumps((ir_codec.SHAPE, key, value), 4))


def test_every_fixture_side_encodes_to_the_plain_walks_bytes() -> None:
    """Byte for byte (marshal marks objects referenced twice, so the identity of every tuple
    and its sharing show in the bytes): shared formulas stay shared, nothing else is."""
    parses = [p for _, p in _fixture_parses()] + [_sample()]
    assert [i for i, p in enumerate(parses) if ir_codec.encode(p, "k") != _walk_bytes(p, "k")] == []


def _mutations() -> list:
    sub = type("Sub", (str,), {})
    return [
        lambda p: dataclasses.replace(p, units=list(p.units)),  # a list for a tuple
        lambda p: dataclasses.replace(p, imports=(("a", sub("b")),)),  # a str subclass in a fixed tuple
        lambda p: _with_unit(p, params=("user", sub("url"))),  # ... in a tuple of str
        lambda p: _with_unit(p, params=("a", "b", 3)),  # an int in a longer tuple of str
        lambda p: _with_unit(p, span=Span(True, 2)),  # a bool for an int
        lambda p: _with_unit(p, span=Span(1.0, 2)),  # a float for an int
        lambda p: _with_unit(p, parent=3),  # an int for an optional str
        lambda p: _with_guard(p, action="raise"),  # the enum's value, not the member
        lambda p: _with_guard(p, condition=Span(1, 1)),  # a dataclass outside the union
        lambda p: _with_guard(p, condition=Not(Not(Atom("k", "t", linear=Linear("t", "<", 3))))),  # an int for a float: fine
        lambda p: _with_guard(p, condition=Not(Atom("k", "t", linear=Linear("t", "<", "3")))),  # a str for a float
        lambda p: _with_guard(p, path=((1, Const(True)), (2, Const(False)), (3, Const(1)))),  # an int for a bool, third item
        lambda p: _with_unit(p, calls=(*p.units[0].calls, p.units[0].calls[0], p.units[0].calls[0])),  # shared calls
        lambda p: _with_unit(p, calls=(dataclasses.replace(p.units[0].calls[0], args=(Argument(None, "v", "t", []),)),)),
    ]


def _with_unit(p: ParsedFile, **kw: object) -> ParsedFile:
    return dataclasses.replace(p, units=(dataclasses.replace(p.units[0], **kw),))


def _with_guard(p: ParsedFile, **kw: object) -> ParsedFile:
    return _with_unit(p, guards=(dataclasses.replace(p.units[0].guards[0], **kw),))


@pytest.mark.parametrize("mutate", _mutations())
def test_a_wrong_type_anywhere_is_refused_exactly_where_the_plain_walk_refuses_it(mutate) -> None:
    parsed = mutate(_sample())
    try:
        expected: typing.Optional[bytes] = _walk_bytes(parsed, "k")
    except _Rejected:
        expected = None
    if expected is None:
        with pytest.raises(ir_codec.CodecError):
            ir_codec.encode(parsed, "k")
    else:
        assert ir_codec.encode(parsed, "k") == expected


# -- the key and the shape ---------------------------------------------------------------------------

def test_entry_is_bound_to_its_key_and_shape() -> None:
    data = ir_codec.encode(_sample(), "key-1")
    assert ir_codec.decode(data, "key-1") == _sample()
    assert ir_codec.decode(data, "key-2") is None
    payload = marshal.dumps(("0" * 64, "key-1", marshal.loads(data[len(ir_codec.MAGIC) + 4:])[2]), 4)
    assert ir_codec.decode(ir_codec.MAGIC + struct.pack("<I", zlib.crc32(payload)) + payload, "key-1") is None


def test_shape_follows_the_ir_field_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    schema, shape = ir_codec._build()
    assert schema is not None and shape == ir_codec.SHAPE
    assert any(part.startswith("Unit(path:str,language:str,") for part in schema.shape_parts)

    @dataclasses.dataclass(frozen=True)
    class Span:  # noqa: F811 - ir.Span with one more field, as an edit of ir.py would make it
        line: int
        end_line: int
        column: int = 0

    Span.__module__ = ir.__name__
    monkeypatch.setattr(ir, "Span", Span)
    _, changed = ir_codec._build()
    assert changed != ir_codec.SHAPE


def test_an_ir_type_the_codec_cannot_encode_disables_it(monkeypatch: pytest.MonkeyPatch) -> None:
    @dataclasses.dataclass(frozen=True)
    class Span:  # noqa: F811
        line: int
        end_line: int
        extra: dict

    Span.__module__ = ir.__name__
    monkeypatch.setattr(ir, "Span", Span)
    schema, shape = ir_codec._build()
    assert schema is None and shape.startswith("unsupported:")


# -- damaged and forged entries ----------------------------------------------------------------------

def _wrap(value: object, key: str = "k") -> bytes:
    payload = marshal.dumps((ir_codec.SHAPE, key, value), 4)
    return ir_codec.MAGIC + struct.pack("<I", zlib.crc32(payload)) + payload


def _body() -> tuple:
    return marshal.loads(ir_codec.encode(_sample(), "k")[len(ir_codec.MAGIC) + 4:])[2]


@pytest.mark.parametrize("forge", [
    lambda b: b[:-1],  # a field missing
    lambda b: b + (None,),  # a field too many
    lambda b: (b[0], b[1], [*b[2]], *b[3:]),  # a list where a tuple is declared
    lambda b: (1, *b[1:]),  # an int where a str is declared
    lambda b: (b[0], b[1], (b[2][0][:5] + (True,) + b[2][0][6:],), *b[3:]),  # a bool for the Span
    lambda b: (b[0], b[1], b[2], b[3], "oops", *b[5:]),  # a str where partial's bool is declared
    lambda b: (b[0], b[1], (b[2][0][:8] + (((99, ()),),) + b[2][0][9:],), *b[3:]),  # a guard of the wrong length
    lambda b: (b[0], b[1], (b[2][0][:8] + (((99, b[2][0][8][0][0][1]),) + b[2][0][8][0][1:],) + b[2][0][9:],), *b[3:]),  # formula tag 99
    lambda b: (b[0], b[1], b[2], None, b[4], b[5], compile("1", "x", "eval")),  # a code object
])
def test_forged_entries_are_misses(forge) -> None:
    forged = forge(_body())
    result = ir_codec.decode(_wrap(forged), "k")
    assert result is None


def test_an_unknown_enum_value_is_a_miss() -> None:
    body = _body()
    unit = body[2][0]
    guard = unit[8][0]
    bad_guard = (guard[0], guard[1], "grant-everything", *guard[3:])
    forged = (body[0], body[1], (unit[:8] + ((bad_guard,),) + unit[9:],), *body[3:])
    assert ir_codec.decode(_wrap(forged), "k") is None
    good_guard = (guard[0], guard[1], "raise", *guard[3:])
    assert ir_codec.decode(_wrap((body[0], body[1], (unit[:8] + ((good_guard,),) + unit[9:],), *body[3:])), "k") == _sample()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_flipped_and_truncated_bytes_are_misses(data: st.DataObject) -> None:
    good = ir_codec.encode(_sample(), "k")
    cut = data.draw(st.integers(0, len(good) - 1))
    assert ir_codec.decode(good[:cut], "k") is None
    pos = data.draw(st.integers(0, len(good) - 1))
    bit = data.draw(st.integers(0, 7))
    flipped = bytearray(good)
    flipped[pos] ^= 1 << bit
    assert ir_codec.decode(bytes(flipped), "k") is None


_plain = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 200) | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=20).map(tuple),
    max_leaves=60,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_plain)
def test_any_well_framed_value_decodes_to_none_or_to_a_valid_parsed_file(value: object) -> None:
    """Past the CRC (a forger can compute it), the shape checks alone decide: whatever comes
    back is an IR the encoder itself accepts, i.e. every object has its declared type."""
    result = ir_codec.decode(_wrap(value), "k")
    if result is not None:
        assert type(result) is ParsedFile
        assert ir_codec.decode(ir_codec.encode(result, "k"), "k") == result


def test_non_bytes_and_foreign_files_are_misses() -> None:
    assert ir_codec.decode(b"", "k") is None
    assert ir_codec.decode(b"\x80\x04\x95" + b"\x00" * 40, "k") is None  # a pickle header
    assert ir_codec.decode("text", "k") is None  # type: ignore[arg-type]
    assert ir_codec.decode(ir_codec.MAGIC + b"\x00\x00", "k") is None


def test_an_entry_that_names_one_big_tuple_over_and_over_is_a_miss() -> None:
    """marshal back-references make a 100 kB entry that would decode to 10^8 objects."""
    body = _body()
    unit = body[2][0]
    call = unit[10][0]
    many_calls = (call,) * 10_000
    big_unit = unit[:10] + (many_calls,) + unit[11:]
    forged = (body[0], body[1], (big_unit,) * 10_000, *body[3:])
    data = _wrap(forged)
    assert len(data) < 200_000
    assert ir_codec.decode(data, "k") is None
    small = (body[0], body[1], (unit[:10] + ((call,) * 3,) + unit[11:],) * 3, *body[3:])
    assert len(ir_codec.decode(_wrap(small), "k").units) == 3  # sharing as such is fine


def test_a_budget_timeout_while_reading_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    from semdiff.budget import FileTimeout

    def expire(data):
        raise FileTimeout("more than 1s")

    monkeypatch.setattr(ir_codec.marshal, "loads", expire)
    with pytest.raises(FileTimeout):
        ir_codec.decode(ir_codec.encode(_sample(), "k"), "k")


def test_decoding_pauses_the_cycle_collector_and_restores_its_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """The decoders run with the collector off (they build only acyclic objects), and the
    caller's setting is what it was afterwards, also after a miss."""
    import gc

    parsed = _sample()
    data = ir_codec.encode(parsed, "k")
    seen: list[bool] = []
    real = ir_codec._SCHEMA.decoder

    def spy(value, state):
        seen.append(gc.isenabled())
        return real(value, state)

    monkeypatch.setattr(ir_codec._SCHEMA, "decoder", spy)
    was = gc.isenabled()
    try:
        gc.enable()
        assert ir_codec.decode(data, "k") == parsed and gc.isenabled()
        assert ir_codec.decode(data[:-1], "k") is None and gc.isenabled()
        gc.disable()
        assert ir_codec.decode(data, "k") == parsed and not gc.isenabled()
    finally:
        gc.enable() if was else gc.disable()
    assert seen == [False, False]
