"""Line-oriented policy files: CODEOWNERS, Dockerfiles, assistant instruction files.

These have no nesting worth a tree, and every finding is about one line, so the readers
keep each meaningful line with its number and nothing else.
"""
from __future__ import annotations

import re

from semdiff.ir import Argument, Call, Literal, ParsedFile, Setting, Span
from semdiff.lang.config_tree import config_unit, line_count


class CodeownersBackend:
    """One `Literal` per rule: target = path pattern, items = owners (last matching rule wins)."""

    language = "codeowners"

    def parse(self, path: str, text: str) -> ParsedFile:
        rules: list[Literal] = []
        for n, raw in enumerate(text.splitlines(), 1):
            line = re.sub(r"(^|\s)#.*$", "", raw).strip()
            if not line or line.startswith(("[", "^[")):  # blank, comment, GitLab section header
                continue
            parts = line.split()
            rules.append(Literal(parts[0], tuple(parts[1:]), Span(n, n), raw.strip(), "codeowners"))
        unit = config_unit(path, self.language, "<codeowners>", Span(1, line_count(text)), text, literals=rules, name="codeowners")
        return ParsedFile(path, self.language, (unit,))


_INSTR = re.compile(r"^([A-Za-z]+)\s*(.*)$", re.S)


class DockerfileBackend:
    """Instructions as `Call`s (callee = instruction), continuation lines joined.

    `Setting(final.user)` is the user the final stage runs as: the last `USER` after the
    last `FROM`, or `root` (Docker's default) at the `FROM` line when there is none.
    """

    language = "dockerfile"

    def parse(self, path: str, text: str) -> ParsedFile:
        calls: list[Call] = []
        lines = text.splitlines()
        i = 0
        while i < len(lines):
            start = i
            raw = lines[i]
            stripped = raw.strip()
            if not stripped or stripped.startswith("#"):
                i += 1
                continue
            parts = [raw.rstrip()]
            while parts[-1].endswith("\\") and i + 1 < len(lines):
                i += 1
                nxt = lines[i]
                if nxt.strip().startswith("#"):
                    continue
                parts.append(nxt.rstrip())
            joined = " ".join(p[:-1] if p.endswith("\\") else p for p in parts).strip()
            m = _INSTR.match(joined)
            if m:
                rest = " ".join(m.group(2).split())
                calls.append(Call(m.group(1).upper(), (Argument(None, rest, rest, rest),), Span(start + 1, i + 1), "\n".join(parts), statement=True))
            i += 1
        settings: list[Setting] = []
        user = Setting("final.user", "root", Span(1, 1), "(no USER: root)", "root", "config")
        for c in calls:
            if c.callee == "FROM":
                user = Setting("final.user", "root", c.span, f"{c.text.strip()}  (no USER: root)", "root", "config")
            elif c.callee == "USER":
                v = c.args[0].value
                user = Setting("final.user", v, c.span, c.text.strip(), v, "config")
        settings.append(user)
        unit = config_unit(path, self.language, "<dockerfile>", Span(1, line_count(text)), text,
                           settings=settings, calls=calls, name="dockerfile")
        return ParsedFile(path, self.language, (unit,))


class AgentInstructionsBackend:
    """CLAUDE.md / AGENTS.md and friends: each non-blank line a `Setting(line)` with its text."""

    language = "agent-instructions"

    def parse(self, path: str, text: str) -> ParsedFile:
        settings = [
            Setting("line", " ".join(raw.split()), Span(n, n), raw.strip(), None, "config")
            for n, raw in enumerate(text.splitlines(), 1) if raw.strip()
        ]
        unit = config_unit(path, self.language, "<instructions>", Span(1, line_count(text)), text, settings=settings, name="instructions")
        return ParsedFile(path, self.language, (unit,))
