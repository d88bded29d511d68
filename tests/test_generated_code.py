"""semdiff.generated_code: the precompiled table of semdiff's generated texts gives exactly what
compiling them gives, and a text it does not hold is compiled as before."""
from __future__ import annotations

import importlib.util
import marshal

from semdiff import generated_code, ir_codec
from semdiff import _generated_code_table as table


def test_every_entry_is_the_code_a_fresh_compile_gives() -> None:
    assert table.MAGIC == importlib.util.MAGIC_NUMBER, "regenerate: python -m semdiff.generated_code --write"
    assert table.CODE
    for (source, filename), blob in table.CODE.items():
        code = marshal.loads(blob)
        fresh = compile(source, filename, "exec")
        assert code == fresh and code.co_filename == fresh.co_filename == filename
        assert [c for c in code.co_consts if hasattr(c, "co_code")] == [c for c in fresh.co_consts if hasattr(c, "co_code")]


def test_the_codec_uses_table_entries_and_they_decode_alike() -> None:
    # the codec's texts at this commit are in the table (a stale table only costs speed)
    decoder_names = {f for _, f in table.CODE if f.startswith("<ir_codec decoder ")}
    assert "<ir_codec decoder ParsedFile>" in decoder_names and "<ir_codec decoder Unit>" in decoder_names
    from semdiff import ir

    parsed = ir.ParsedFile(path="a.py", language="python", units=(), imports=(("os", "os"),))
    assert ir_codec.decode(ir_codec.encode(parsed, "k"), "k") == parsed


def test_a_text_the_table_does_not_hold_is_compiled() -> None:
    namespace: dict = {"_k": 3}
    generated_code.run("def f(x):\n    return x * _k\n", "<generated_code test>", namespace)
    assert namespace["f"](2) == 6
    assert namespace["f"].__code__.co_filename == "<generated_code test>"


def test_a_damaged_entry_is_compiled_instead(monkeypatch) -> None:
    source, filename = "def g():\n    return 41 + 1\n", "<generated_code damaged>"
    monkeypatch.setattr(generated_code, "_table", {(source, filename): b"\x00not marshal"})
    namespace: dict = {}
    generated_code.run(source, filename, namespace)
    assert namespace["g"]() == 42
