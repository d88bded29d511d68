"""Generate a synthetic Python repository for the call-graph benchmark.

Deterministic (seeded) so runs are comparable: `files` modules of about `lines` lines each,
spread over packages, with the shapes the graph pass has to handle — absolute, relative and
aliased imports, classes with `self.` calls and inheritance, Flask-style routes with auth
decorators, and calls into hashlib/jwt that act as seeds.

    python benchmarks/gen_repo.py /tmp/bench-repo --files 1000 --lines 100
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
from pathlib import Path

PACKAGES = 10


def module_source(pkg: int, mod: int, files_per_pkg: int, lines: int, rng: random.Random) -> str:
    out: list[str] = []
    other_pkg = rng.randrange(PACKAGES)
    other_mod = rng.randrange(files_per_pkg)
    sibling = rng.randrange(files_per_pkg)
    out.append('"""Generated module."""')
    out.append("import hashlib")
    out.append("import jwt")
    out.append(f"from app.pkg{other_pkg} import mod{other_mod} as other")
    out.append(f"from .mod{sibling} import helper_0 as sibling_helper")
    out.append("from app.auth import require_login, check_role")
    out.append("from flask import Blueprint")
    out.append("")
    out.append("bp = Blueprint(__name__, __name__)")
    out.append("")
    n = 0
    while len(out) < lines - 12:
        if n % 4 == 3:
            out.append(f"class Service{n}(other.Service{n - 4 if n >= 4 else 3}):")
            out.append("    def load(self, key):")
            out.append("        value = self.fetch(key)")
            out.append("        return hashlib.sha256(value).hexdigest()")
            out.append("")
            out.append("    def fetch(self, key):")
            out.append(f"        return helper_{max(n - 1, 0)}(key)")
            out.append("")
        elif n % 4 == 2:
            out.append(f'@bp.route("/item{pkg}_{mod}_{n}")')
            out.append("@require_login")
            out.append(f"def view_{n}(request):")
            out.append(f"    check_role(request.user, 'role{n % 3}')")
            out.append(f"    data = helper_{n - 1}(request.args)")
            out.append("    return other.helper_0(data)")
            out.append("")
        else:
            out.append(f"def helper_{n}(value):")
            out.append("    if not value:")
            out.append("        return None")
            out.append(f"    token = jwt.decode(value, 'k', algorithms=['HS256'])")
            out.append(f"    result = sibling_helper(token) if {n} % 2 else other.helper_0(token)")
            out.append("    return result")
            out.append("")
        n += 1
    while len(out) < lines:
        out.append("# padding")
    return "\n".join(out) + "\n"


AUTH = '''"""Auth helpers."""
import hmac


def check_role(user, role):
    if role not in user.roles:
        raise PermissionError(role)


def require_login(func):
    def wrapper(request, *args, **kwargs):
        if not hmac.compare_digest(request.token, request.expected):
            raise PermissionError("login")
        return func(request, *args, **kwargs)
    return wrapper
'''


def generate(root: Path, files: int = 1000, lines: int = 100, seed: int = 0) -> int:
    """Write the modules under `root/app` and return the number of lines written."""
    rng = random.Random(seed)
    per_pkg = max(1, files // PACKAGES)
    total = 0
    app = root / "app"
    app.mkdir(parents=True, exist_ok=True)
    (app / "__init__.py").write_text("")
    (app / "auth.py").write_text(AUTH)
    for p in range(PACKAGES):
        pkg = app / f"pkg{p}"
        pkg.mkdir(exist_ok=True)
        (pkg / "__init__.py").write_text("")
        for m in range(per_pkg):
            text = module_source(p, m, per_pkg, lines, rng)
            (pkg / f"mod{m}.py").write_text(text)
            total += text.count("\n")
    return total


def git_commit_all(root: Path, message: str = "generated") -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_AUTHOR_NAME="bench",
        GIT_AUTHOR_EMAIL="bench@invalid", GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@invalid",
    )

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout.strip()

    if not (root / ".git").exists():
        git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "--no-verify", "-m", message)
    return git("rev-parse", "HEAD")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--lines", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    total = generate(args.root, args.files, args.lines, args.seed)
    sha = git_commit_all(args.root)
    print(f"{args.root}: {total} lines in {args.files} files, commit {sha}")


if __name__ == "__main__":
    main()
