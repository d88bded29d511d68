"""Name resolution for the tree-sitter languages, behind two hooks in graph.py.

graph._Assembler calls `language_hook(language)`; for Python it gets None and keeps its own
resolution. For JavaScript/TypeScript, Go and Java it gets an object with
  bind(asm, mod)                   - after every module's definitions are known: fill
                                     mod.symbols / per-build state from the file's imports
  resolve(asm, mod, scope, dotted) - the node (or external name) a call target lands on
Module naming stays graph.module_name (one module per file, named from the path), so
`CallGraph.node_for(path, qualname)` finds every unit the backends produce; what differs per
language is only how names cross files (resolve_js, resolve_go, resolve_java).
"""
from __future__ import annotations

from typing import Any, Optional

from semdiff.relevance.facts import MODULE_SCOPE

SELF_NAMES = {"this", "self", "super"}


def language_hook(language: str) -> Optional[Any]:
    hook = _HOOKS.get(language)
    if hook is None and language in _MODULES:
        import importlib

        hook = _HOOKS[language] = importlib.import_module(f"semdiff.relevance.{_MODULES[language]}").HOOK
    return hook


_MODULES = {"javascript": "resolve_js", "typescript": "resolve_js", "go": "resolve_go", "java": "resolve_java"}
_HOOKS: dict[str, Any] = {}


def state(asm: Any, key: str) -> dict[str, Any]:
    """Per-build scratch space of a language on the assembler (dropped with it)."""
    store = asm.__dict__.setdefault("_lang_state", {})
    return store.setdefault(key, {})  # type: ignore[no-any-return]


def local_first(asm: Any, mod: Any, scope: str, dotted: str) -> Optional[str]:
    """What every language shares: a definition of this file with that dotted name
    (`handlers.check`, Go `Server.helper`), a nested function of an enclosing scope
    (`outer.<locals>.inner`), and `this.m` / `super.m` on the enclosing class."""
    cand = f"{mod.name}.{dotted}"
    if cand in asm.defs:
        return cand
    parts = dotted.split(".")
    head = parts[0]
    if head in SELF_NAMES and len(parts) >= 2:
        cls = asm._enclosing_class(mod, scope)
        if cls is not None:
            found = asm.member(cls, parts[1], skip_self=head == "super")
            if found is not None:
                return asm.canonical(".".join([found] + parts[2:]))
            return f"{cls}.{parts[1]}" if len(parts) == 2 else dotted
        return dotted
    if scope != MODULE_SCOPE:
        sp = scope
        while sp:
            cand = f"{mod.name}.{sp}.<locals>.{head}"
            if cand in asm.defs:
                return asm.canonical(".".join([cand] + parts[1:]))
            sp = sp.rpartition(".")[0]
            if sp.endswith(".<locals>"):
                sp = sp[: -len(".<locals>")]
    return None
