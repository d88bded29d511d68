"""Go package resolution for the call graph.

Every file of a directory is one package: a name defined in any of them (`VerifyToken`,
`Server.Handle`) is visible in all, so the hook builds one table per directory. An import
path names a repository package when it ends with that directory (`github.com/me/app/
internal/auth` -> `internal/auth`, longest match; no go.mod needed); otherwise it stays
external under its full path, so `jwt.Parse` after `import "github.com/golang-jwt/jwt/v5"`
is `github.com/golang-jwt/jwt/v5.Parse`, which the seed table's import prefixes match.
"""
from __future__ import annotations

import posixpath
import re
from typing import Any, Optional

from semdiff.relevance.resolve_common import local_first, state

_VERSION = re.compile(r"v\d+\Z")


def package_local_name(path: str) -> str:
    """The name an unaliased import binds: the last element, skipping `/v5`, `.v2`, `go-`."""
    parts = [p for p in path.split("/") if p]
    if len(parts) > 1 and _VERSION.match(parts[-1]):
        parts.pop()
    last = parts[-1] if parts else path
    last = re.sub(r"\.v\d+\Z", "", last)
    return re.sub(r"^go-", "", last).replace("-", "_").replace(".", "_")


class GoHook:
    def _tables(self, asm: Any) -> dict[str, dict[str, str]]:
        tables = state(asm, "go-packages")
        if not tables:
            tables["\0built"] = {}
            for mod in asm.modules.values():
                if mod.facts.language != "go":
                    continue
                table = tables.setdefault(posixpath.dirname(mod.path), {})
                for d in mod.facts.definitions:
                    table.setdefault(d.qualname, f"{mod.name}.{d.qualname}")
        return tables

    def _repo_dir(self, asm: Any, import_path: str) -> Optional[str]:
        best = None
        for d in self._tables(asm):
            if d and d != "\0built" and (import_path == d or import_path.endswith("/" + d)):
                if best is None or len(d) > len(best):
                    best = d
        return best

    def bind(self, asm: Any, mod: Any) -> None:
        imports = state(asm, "go-imports").setdefault(mod.name, {})
        dots = state(asm, "go-dots").setdefault(mod.name, [])
        for imp in mod.facts.imports:
            if imp.local == "<package>" or imp.local == "_":
                continue
            repo = self._repo_dir(asm, imp.module)
            if imp.local == ".":
                if repo is not None:
                    dots.append(repo)
                continue
            imports[imp.local or package_local_name(imp.module)] = (repo, imp.module)

    def resolve(self, asm: Any, mod: Any, scope: str, dotted: str) -> str:
        if dotted.startswith("?."):
            return dotted
        tables = self._tables(asm)
        own = tables.get(posixpath.dirname(mod.path), {})
        hit = own.get(dotted)
        if hit is not None:
            return hit
        found = local_first(asm, mod, scope, dotted)
        if found is not None:
            return found
        head, _, rest = dotted.partition(".")
        bound = state(asm, "go-imports").get(mod.name, {}).get(head)
        if bound is not None and rest:
            repo, path = bound
            if repo is not None:
                hit = tables.get(repo, {}).get(rest)
                if hit is not None:
                    return hit
            return f"{path}.{rest}"
        for repo in state(asm, "go-dots").get(mod.name, ()):
            hit = tables.get(repo, {}).get(dotted)
            if hit is not None:
                return hit
        return dotted


HOOK = GoHook()
