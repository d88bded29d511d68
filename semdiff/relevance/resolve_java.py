"""Java class resolution for the call graph.

A class is known by its fully qualified name (`package` + top-level class); a file sees the
classes of its own package without import, single-type imports by simple name, on-demand
imports (`a.b.*`) of repository packages, and static imports. Classes outside the
repository stay external under their fully qualified name, so `MessageDigest.getInstance`
after `import java.security.MessageDigest` is `java.security.MessageDigest.getInstance`.
A bare `check()` is a method of the enclosing class or of its repository bases.
"""
from __future__ import annotations

from typing import Any

from semdiff.relevance.resolve_common import local_first, state


def _package(mod: Any) -> str:
    return next((i.module for i in mod.facts.imports if i.local == "<package>"), "")


class JavaHook:
    def _classes(self, asm: Any) -> dict[str, dict[str, str]]:
        """package -> {simple class name -> node}, for every Java file of the build."""
        pkgs = state(asm, "java-packages")
        if not pkgs:
            pkgs["\0built"] = {}
            for mod in asm.modules.values():
                if mod.facts.language != "java":
                    continue
                table = pkgs.setdefault(_package(mod), {})
                for d in mod.facts.definitions:
                    if d.kind == "class" and "." not in d.qualname:
                        table.setdefault(d.qualname, f"{mod.name}.{d.qualname}")
        return pkgs

    def bind(self, asm: Any, mod: Any) -> None:
        pkgs = self._classes(asm)
        symbols = mod.symbols
        for name, node in pkgs.get(_package(mod), {}).items():
            symbols.setdefault(name, node)
        for imp in mod.facts.imports:
            if imp.local == "<package>":
                continue
            if imp.local == "*":
                for name, node in pkgs.get(imp.module, {}).items():
                    symbols.setdefault(name, node)
                continue
            owner_pkg, _, owner_cls = imp.module.rpartition(".")
            in_repo = pkgs.get(imp.module, {}).get(imp.name)  # import a.b.C
            if in_repo is None:  # import static a.b.C.m
                cls_node = pkgs.get(owner_pkg, {}).get(owner_cls)
                in_repo = f"{cls_node}.{imp.name}" if cls_node else None
            symbols[imp.local] = in_repo or f"{imp.module}.{imp.name}"

    def resolve(self, asm: Any, mod: Any, scope: str, dotted: str) -> str:
        if dotted.startswith("?."):
            return dotted
        found = local_first(asm, mod, scope, dotted)
        if found is not None:
            return found
        parts = dotted.split(".")
        if len(parts) == 1:
            cls = asm._enclosing_class(mod, scope)
            while cls is not None:
                hit = asm.member(cls, dotted)
                if hit is not None:
                    return hit  # type: ignore[no-any-return]
                outer = cls.rpartition(".")[0]  # an inner class sees its outer class's methods
                cls = outer if asm.defs.get(outer) == "class" else None
        target = mod.symbols.get(parts[0])
        if target is None:
            return dotted
        full = ".".join([target] + parts[1:])
        return asm.canonical(full) if target in asm.defs else full  # type: ignore[no-any-return]


HOOK = JavaHook()
