"""semdiff.dataclass_methods: closures that behave exactly like the methods dataclasses compiles,
and the generated docstrings read the same.

The same probe runs in two processes, one with the closures installed and one without; every
observation (repr, hash, ==, ordering, the frozen errors, names) must be identical, on
hand-made classes covering the dataclass options and on every dataclass semdiff defines.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r'''
import sys
from semdiff import dataclass_methods
installed = dataclass_methods.install()
import dataclasses, importlib, pkgutil
from dataclasses import dataclass, field

def observe(fn):
    try:
        return ("ok", repr(fn()))
    except Exception as exc:
        return ("raise", type(exc).__name__, str(exc))

@dataclass(frozen=True)
class Empty:
    pass

@dataclass(frozen=True)
class One:
    a: int

@dataclass(frozen=True, order=True)
class Many:
    a: int
    b: str = "x"
    c: tuple = ()
    d: float = field(default=0.5, compare=False)
    e: int = field(default=1, repr=False)
    f: int = field(default=2, hash=False)

@dataclass(frozen=True)
class Child(Many):
    g: int = 7

@dataclass
class Mutable:
    a: int
    b: list = field(default_factory=list)

@dataclass(unsafe_hash=True)
class Unsafe:
    a: int
    b: int = field(default=0, hash=True, compare=False)

@dataclass(eq=False)
class NoEq:
    a: int

@dataclass
class Node:
    name: str
    child: object = None

@dataclass(frozen=True, slots=True)
class Slotted:
    a: int
    b: str = "x"

@dataclass
class Documented:
    """Its own docstring."""
    a: int

out = []
nan = float("nan")
values = [Empty(), One(1), One(nan), Many(1), Many(1, "y", (1, 2), 0.1, 3, 4), Many(2), Child(1), Child(1, g=8),
          Mutable(1), Mutable(1, [2]), Unsafe(1, 2), Unsafe(1, 3), NoEq(1), One(True)]
for x in values:
    by_identity = type(x).__hash__ is object.__hash__ or x is values[2]  # id-based: NoEq, and hash(nan)
    out.append((type(x).__name__, observe(lambda: repr(x)), None if by_identity else observe(lambda: hash(x))))
    for y in values:
        out.append(observe(lambda: x == y))
        out.append(observe(lambda: x != y))
        out.append(observe(lambda: x < y))
        out.append(observe(lambda: x >= y))
    out.append(observe(lambda: setattr(x, "a", 5)))
    out.append(observe(lambda: setattr(x, "zz", 5)))
    out.append(observe(lambda: delattr(x, "a")))
    out.append(observe(lambda: delattr(x, "zz")))
n = Node("a"); n.child = n
out.append(observe(lambda: repr(n)))
one = One(nan)
out.append(observe(lambda: one == one))
for cls in (Empty, One, Many, Child, Mutable, Unsafe, NoEq, Node, Slotted, Documented):
    out.append((cls.__name__, "__doc__", cls.__doc__, cls(*([1] * (cls is not Empty))).__doc__ if cls is not Node else None))
for cls in (Empty, One, Many, Child, Mutable, Unsafe, NoEq):
    for name in ("__repr__", "__eq__", "__hash__", "__lt__", "__setattr__", "__delattr__"):
        fn = cls.__dict__.get(name)
        out.append((cls.__name__, name, getattr(fn, "__name__", fn), getattr(fn, "__qualname__", None),
                    getattr(fn, "__module__", None)))

# every dataclass semdiff defines, on instances holding sample values
import semdiff, semdiff.rules
semdiff.rules.load_all()
for info in pkgutil.walk_packages(semdiff.__path__, "semdiff."):
    if info.name.endswith(("__main__", ".cli", "fuzz")) or ".audit." in info.name:
        continue
    try:
        importlib.import_module(info.name)
    except Exception:
        continue
seen = 0
for modname in sorted(m for m in sys.modules if m.startswith("semdiff")):
    mod = sys.modules[modname]
    for cls in list(vars(mod).values()):
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == modname):
            continue
        seen += 1
        made = []
        for k in range(3):
            obj = object.__new__(cls)
            for i, f in enumerate(dataclasses.fields(cls)):
                object.__setattr__(obj, f.name, (i + k // 2, f.name))
            made.append(obj)
        a, b, c = made
        out.append((modname, cls.__name__, cls.__doc__, observe(lambda: repr(a)), observe(lambda: hash(a)), observe(lambda: a == b),
                    observe(lambda: a == c), observe(lambda: a == 1), observe(lambda: setattr(a, "x_", 1))))
print(installed, seen > 50)
print(repr(out))
'''


def _probe(off: bool) -> tuple[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED="0")  # str hashes equal in both processes
    env.pop("SEMDIFF_NO_FAST_DATACLASSES", None)
    if off:
        env["SEMDIFF_NO_FAST_DATACLASSES"] = "1"
    p = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True, cwd=ROOT)
    head, body = p.stdout.split("\n", 1)
    return head, body


def test_closures_behave_like_the_compiled_methods() -> None:
    fast_head, fast = _probe(off=False)
    slow_head, slow = _probe(off=True)
    assert fast_head == "True True"  # installed, and the probe met the package's dataclasses
    assert slow_head == "False True"
    assert fast == slow
