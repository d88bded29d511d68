"""JavaScript/TypeScript module resolution for the call graph.

Relative specifiers resolve the way bundlers and Node do for source trees: the path itself,
then with each extension (.js .jsx .ts .tsx .mjs .cjs .mts .cts), then `<dir>/index.<ext>`;
a TypeScript import of `./x.js` also finds `x.ts`. Bare specifiers are packages and stay
external under their name (`node:crypto` -> `crypto`), so `jwt.verify` after
`import jwt from 'jsonwebtoken'` is the external `jsonwebtoken.verify` the seed table lists.
"""
from __future__ import annotations

import posixpath
from typing import Any, Optional

from semdiff.relevance.resolve_common import local_first, state

EXTENSIONS = (".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts")


def module_for(asm: Any, path: str, spec: str) -> Optional[str]:
    """The repository module a relative specifier names, or None."""
    if not spec.startswith("."):
        return None
    base = posixpath.normpath(posixpath.join(posixpath.dirname(path), spec))
    stem = base
    for ext in (".js", ".jsx", ".mjs", ".cjs"):
        if base.endswith(ext):
            stem = base[: -len(ext)]
    candidates = [base] + [stem + e for e in EXTENSIONS] + [f"{base}/index{e}" for e in EXTENSIONS]
    for cand in candidates:
        name = asm.path_to_module.get(cand)
        if name is not None:
            return name  # type: ignore[no-any-return]
    return None


def package_name(spec: str) -> str:
    return spec[5:] if spec.startswith("node:") else spec


class JsHook:
    def bind(self, asm: Any, mod: Any) -> None:
        exports = []
        external = state(asm, "js-external").setdefault(mod.name, set())
        for imp in mod.facts.imports:
            if imp.local.startswith("export:"):
                exports.append(imp)
                continue
            target_mod = module_for(asm, mod.path, imp.module)
            if target_mod is None:
                if imp.module.startswith("."):
                    continue  # a relative file outside the graph: leave the name as written
                base = package_name(imp.module)
                target = base if imp.name in ("", "default") else f"{base}.{imp.name}"
                if imp.local not in mod.symbols:
                    external.add(imp.local)
            elif imp.name == "default":
                other = asm.modules[target_mod]
                has_default = any(i.local == "export:default" for i in other.facts.imports)
                target = f"{target_mod}.default" if has_default else target_mod
            else:
                target = f"{target_mod}.{imp.name}" if imp.name else target_mod
            mod.symbols.setdefault(imp.local, target)
        for imp in exports:
            name = imp.local[len("export:"):]
            if imp.module:
                target_mod = module_for(asm, mod.path, imp.module)
                if target_mod is None:
                    continue
                if name == "*":
                    mod.stars.append(target_mod)
                else:
                    mod.symbols.setdefault(name, f"{target_mod}.{imp.name}")
            elif name != imp.name:
                mod.symbols.setdefault(name, f"{mod.name}.{imp.name}")

    def resolve(self, asm: Any, mod: Any, scope: str, dotted: str) -> str:
        if dotted.startswith("?."):
            return dotted
        found = local_first(asm, mod, scope, dotted)
        if found is not None:
            return found
        parts = dotted.split(".")
        target = mod.symbols.get(parts[0])
        if target is None:
            return dotted
        if parts[0] in state(asm, "js-external").get(mod.name, ()):
            return ".".join([target] + parts[1:])  # a package: never a repository module
        return asm.canonical(".".join([target] + parts[1:]))  # type: ignore[no-any-return]


HOOK = JsHook()
