"""Dependency manifests as `requirement.<name>` and `source[]` settings, whatever the format.

requirements*.txt, pyproject.toml and package.json say the same three things in three
syntaxes: which packages at which versions, from which index, checked by which hashes.
Normalising them to one key scheme lets one rule family compare any of them.
"""
from __future__ import annotations

import re
import tomllib
from typing import Iterable

from semdiff.ir import ParsedFile, Setting, Span
from semdiff.lang.config_json import read_json
from semdiff.lang.config_tree import ConfigSyntaxError, config_unit, flatten, line_count

_REQ = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")
_EGG = re.compile(r"#egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
SOURCE_OPTIONS = ("index-url", "extra-index-url", "find-links", "trusted-host")
_SHORT = {"-i": "index-url", "-f": "find-links"}


def normalise_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _setting(key: str, value: str, line: int, text: str) -> Setting:
    return Setting(key, value, Span(line, line), text, value, "config")


def requirement_settings(text: str, line: int, raw: str) -> list[Setting]:
    """One PEP 508 / pip requirement string -> requirement.<name> (+ .hashes when it has any)."""
    hashes = len(re.findall(r"--hash[=\s]", text))
    body = re.split(r"\s+--", text)[0].strip()
    egg = _EGG.search(body)
    if egg and "://" in body:
        name, spec = egg.group(1), "@ " + body
    else:
        m = _REQ.match(body)
        if not m:
            return []
        name, spec = m.group(1), m.group(3).split(";")[0].strip()
    out = [_setting(f"requirement.{normalise_name(name)}", spec, line, raw)]
    if hashes:
        out.append(_setting(f"requirement.{normalise_name(name)}.hashes", str(hashes), line, raw))
    return out


class RequirementsBackend:
    language = "requirements"

    def parse(self, path: str, text: str) -> ParsedFile:
        settings: list[Setting] = []
        lines = text.splitlines()
        i = 0
        while i < len(lines):
            start = i
            parts = [lines[i]]
            while parts[-1].rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
                parts.append(lines[i])
            i += 1
            logical = " ".join(p.rstrip().rstrip("\\") for p in parts)
            logical = re.sub(r"(^|\s)#.*$", "", logical).strip()
            if not logical:
                continue
            raw = "\n".join(parts).strip()
            if logical.startswith("-"):
                opt, _, value = logical.partition(" ") if " " in logical else logical.partition("=")
                if "=" in opt:
                    opt, _, value = logical.partition("=")
                name = _SHORT.get(opt, opt.lstrip("-"))
                key = "source[]" if name in ("index-url", "extra-index-url", "find-links") else f"option.{name}"
                settings.append(_setting(key, value.strip() or "true", start + 1, raw))
                continue
            settings.extend(requirement_settings(logical, start + 1, raw))
        unit = config_unit(path, self.language, "<requirements>", Span(1, line_count(text)), text, settings=settings, name="requirements")
        return ParsedFile(path, self.language, (unit,))


def _find_line(lines: list[str], needles: Iterable[str], default: int = 1) -> int:
    for needle in needles:
        for n, text in enumerate(lines, 1):
            if needle in text:
                return n
    return default


class PyprojectBackend:
    language = "pyproject"

    def parse(self, path: str, text: str) -> ParsedFile:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            return ParsedFile(path, self.language, (), error=f"syntax error: {exc}")
        lines = text.splitlines()
        settings: list[Setting] = []

        def add_req(req: str) -> None:
            line = _find_line(lines, (f'"{req}"', f"'{req}'", req))
            settings.extend(requirement_settings(req, line, lines[line - 1].strip() if lines else req))

        project = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
        groups: list[object] = [project.get("dependencies", [])]
        groups += list((project.get("optional-dependencies") or {}).values()) if isinstance(project.get("optional-dependencies"), dict) else []
        groups += list((data.get("dependency-groups") or {}).values()) if isinstance(data.get("dependency-groups"), dict) else []
        build = data.get("build-system")
        groups.append(build.get("requires", []) if isinstance(build, dict) else [])
        for group in groups:
            for req in group if isinstance(group, list) else ():
                if isinstance(req, str):
                    add_req(req)
        tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
        poetry = tool.get("poetry") if isinstance(tool.get("poetry"), dict) else {}
        tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
        tables += [g.get("dependencies") for g in (poetry.get("group") or {}).values() if isinstance(g, dict)] if isinstance(poetry.get("group"), dict) else []
        for table in tables:
            for name, spec in (table.items() if isinstance(table, dict) else ()):
                if name == "python":
                    continue
                if isinstance(spec, dict):
                    spec = spec.get("version") or ("@ " + str(spec.get("git") or spec.get("url") or spec.get("path") or ""))
                line = _find_line(lines, (f"{name} =", f'"{name}" =', f"{name}="))
                settings.append(_setting(f"requirement.{normalise_name(name)}", _poetry_spec(str(spec)), line, lines[line - 1].strip()))
        for url in _index_urls(tool):
            line = _find_line(lines, (url,))
            settings.append(_setting("source[]", url, line, lines[line - 1].strip()))
        unit = config_unit(path, self.language, "<pyproject>", Span(1, line_count(text)), text, settings=settings, name="pyproject")
        return ParsedFile(path, self.language, (unit,))


def _poetry_spec(spec: str) -> str:
    """Poetry's bare `1.2.3` means `==1.2.3`; say so, so all formats share one pin notion."""
    return f"=={spec}" if re.match(r"^\d+(\.\d+)*$", spec.strip()) else spec


def _index_urls(tool: dict) -> list[str]:
    urls: list[str] = []
    for owner in ("poetry", "pdm"):
        for src in (tool.get(owner) or {}).get("source", []) if isinstance(tool.get(owner), dict) else []:
            if isinstance(src, dict) and isinstance(src.get("url"), str):
                urls.append(src["url"])
    uv = tool.get("uv") if isinstance(tool.get("uv"), dict) else {}
    for idx in uv.get("index", []) if isinstance(uv.get("index"), list) else []:
        if isinstance(idx, dict) and isinstance(idx.get("url"), str):
            urls.append(idx["url"])
    for scope in (uv, uv.get("pip") if isinstance(uv.get("pip"), dict) else {}):
        for key in ("index-url", "extra-index-url", "find-links"):
            v = scope.get(key)
            urls.extend([v] if isinstance(v, str) else [x for x in v if isinstance(x, str)] if isinstance(v, list) else [])
    return urls


DEP_TABLES = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")


class PackageJsonBackend:
    language = "package-json"

    def parse(self, path: str, text: str) -> ParsedFile:
        try:
            root = read_json(text)
        except ConfigSyntaxError as exc:
            return ParsedFile(path, self.language, (), error=str(exc))
        if root is None:
            return ParsedFile(path, self.language, ())
        if not root.is_map:
            return ParsedFile(path, self.language, (), error="syntax error: expected an object at line 1")
        settings, literals = flatten(root)
        for table in DEP_TABLES:
            node = root.get(table)
            for name, line, spec in (node.entries if node is not None and node.is_map else ()):
                if spec.kind == "scalar":
                    settings.append(_setting(f"requirement.{name.lower()}", str(spec.value), line, f'"{name}": "{spec.value}"'))
        unit = config_unit(path, self.language, "<package>", Span(1, line_count(text)), text,
                           settings=settings, literals=literals, name="package")
        return ParsedFile(path, self.language, (unit,))
