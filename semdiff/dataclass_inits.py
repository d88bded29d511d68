"""Dataclass `__init__` methods taken from a table of precompiled functions, for the command's
process.

`@dataclass` writes each class's `__init__` as Python source and compiles it (`exec` inside
`dataclasses._create_fn`): about 90 compiles in a warm PR run, ~3.5 % of its instructions, spent
before the change is read (`semdiff.dataclass_methods` already replaced the other generated
methods by closures; `__init__` keeps its generated code for its signature, defaults, messages
and speed). The source text `_create_fn` builds depends only on the class's fields, so the
texts of semdiff's own dataclasses are written once, verbatim, as functions of the generated
module `semdiff/_dataclass_init_table.py`; that module is bytecode-compiled like every other
module of the package (pip, compileall), and the command looks a class's text up there instead
of compiling it again. A text the table does not hold (a class added or changed since the table
was written, a class of another package) is compiled as before: a stale table costs speed,
never behaviour. Regenerate it with `python -m semdiff.dataclass_inits --write`.

What a table entry gives is what `exec` of the same text gives: the same text compiled by the
same interpreter, the function built on the class module's globals and called with the same
locals; file name and line numbers are set back to `exec`'s (`<string>`, line 1), so even a
traceback through an `__init__` reads the same. tests/test_dataclass_inits.py compares every
table entry's code with a fresh compile of its text. Nothing is read from the cache dir: the
table is part of the installed package, with its trust.

Only the command installs this (semdiff.cli: the process is ours; the library API never does),
only on the CPython version whose `dataclasses._create_fn` it reproduces (3.11), and not with
SEMDIFF_NO_DATACLASS_INIT_TABLE=1.
"""
from __future__ import annotations

import os
import sys
from types import CodeType, FunctionType
from typing import Any, Optional

ENV_OFF = "SEMDIFF_NO_DATACLASS_INIT_TABLE"
SUPPORTED = ((3, 11),)
TABLE_MODULE = "semdiff._dataclass_init_table"
_installed = False
_recorded: Optional[list[str]] = None  # texts met while writing the table (--write)


def source_text(name: str, args: list, body: list, locals: dict, return_type: Any, missing: Any) -> str:
    """The text `dataclasses._create_fn` (3.11) compiles; adds `_return_type` to `locals` as it does."""
    return_annotation = ""
    if return_type is not missing:
        locals["_return_type"] = return_type
        return_annotation = "->_return_type"
    args_text = ",".join(args)
    body_text = "\n".join(f"  {b}" for b in body)
    txt = f" def {name}({args_text}){return_annotation}:\n{body_text}"
    local_vars = ", ".join(locals.keys())
    return f"def __create_fn__({local_vars}):\n{txt}\n return {name}"


def as_exec_code(code: CodeType) -> CodeType:
    """`code` (a table function, defined at some line of the table module) as `exec` of its
    text alone compiles it: file `<string>`, the outer function at line 1, nested code shifted
    with it."""
    shift = code.co_firstlineno - 1

    def fix(c: CodeType) -> CodeType:
        consts = tuple(fix(k) if isinstance(k, CodeType) else k for k in c.co_consts)
        return c.replace(co_filename="<string>", co_firstlineno=c.co_firstlineno - shift, co_consts=consts)

    return fix(code)


def _table() -> Optional[dict]:
    try:
        import importlib

        module = importlib.import_module(TABLE_MODULE)
    except ImportError:
        return None
    factories = getattr(module, "FACTORIES", None)
    if getattr(module, "PYTHON", None) != sys.version_info[:2] or type(factories) is not dict:
        return None
    return factories


def install(record: bool = False) -> bool:
    """Serve `dataclasses._create_fn` from the table (once). False: not installed."""
    global _installed, _recorded
    if _installed:
        return True
    if os.environ.get(ENV_OFF, "") not in ("", "0") or sys.implementation.name != "cpython" \
            or sys.version_info[:2] not in SUPPORTED:
        return False
    import dataclasses as dc

    if not hasattr(dc, "_create_fn") or not hasattr(dc, "MISSING"):
        return False
    factories = {} if record else _table()
    if factories is None:
        return False
    if record:
        _recorded = []
    original, missing = dc._create_fn, dc.MISSING

    def _create_fn(name: str, args: list, body: list, *, globals: Optional[dict] = None,
                   locals: Optional[dict] = None, return_type: Any = missing) -> Any:
        if globals is None:
            return original(name, args, body, globals=globals, locals=locals, return_type=return_type)
        if locals is None:
            locals = {}
        txt = source_text(name, args, body, dict(locals), return_type, missing)
        code = factories.get(txt)
        if code is None:
            if _recorded is not None and txt not in _recorded:
                _recorded.append(txt)
            # compiled by dataclasses itself (this module's __future__ flags must not apply)
            return original(name, args, body, globals=globals, locals=locals, return_type=return_type)
        if return_type is not missing:
            locals["_return_type"] = return_type  # as dataclasses does
        return FunctionType(as_exec_code(code), globals)(**locals)

    dc._create_fn = _create_fn
    _installed = True
    return True


def write_table(path: str) -> int:
    """Import every semdiff module with recording on and write the texts met as the table
    module; returns the number of entries. Run in a fresh process (`--write`)."""
    import importlib
    import pkgutil

    import semdiff

    if not install(record=True) or _recorded is None:
        raise RuntimeError("dataclass_inits: recording needs CPython 3.11")
    for info in pkgutil.walk_packages(semdiff.__path__, "semdiff."):
        if info.name in (TABLE_MODULE, "semdiff.__main__"):
            continue
        try:
            importlib.import_module(info.name)
        except Exception:  # a module that cannot be imported here has no classes to record
            continue
    lines = [
        '"""Generated by `python -m semdiff.dataclass_inits --write`: the `__init__` source texts',
        "of semdiff's dataclasses, precompiled with the package (see semdiff/dataclass_inits.py).",
        'Do not edit; a stale entry is never used (texts are looked up verbatim)."""',
        "# no `from __future__` import here: the texts must compile as `exec` compiles them",
        f"PYTHON = {tuple(sys.version_info[:2])!r}",
        "FACTORIES = {}",
        "",
    ]
    for txt in sorted(_recorded):
        lines.append(txt)
        lines.append(f"FACTORIES[{txt!r}] = __create_fn__.__code__")
        lines.append("")
    lines.append("del __create_fn__")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return len(_recorded)


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        from semdiff import dataclass_methods

        dataclass_methods.install()  # as the command does: what is left to compile is what it compiles
        install(record=True)
        os.environ[ENV_OFF] = "1"  # the package's own copy of this module (semdiff.cli) stays out
        here = os.path.dirname(os.path.abspath(__file__))
        n = write_table(os.path.join(here, "_dataclass_init_table.py"))
        print(f"{n} __init__ texts written")
    else:
        print("usage: python -m semdiff.dataclass_inits --write", file=sys.stderr)
        raise SystemExit(2)
