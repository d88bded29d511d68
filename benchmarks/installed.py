"""Time semdiff as a user runs it: with its modules' bytecode already compiled.

pip writes bytecode for a package when it installs it. A source checkout run under
PYTHONDONTWRITEBYTECODE=1 (set on the benchmark machine) would instead compile every semdiff
module again in every timed process (about 0.16 s per run), a cost no installed user pays.
Compiling once before timing removes it; the interpreter still checks each .pyc against its
source, so an edited module is never run from stale bytecode.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def compile_semdiff(root: Path) -> None:
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "semdiff")], check=True)
