"""JSON/YAML policy documents that are one unit each: assistant settings, MCP server lists,
repository settings (`.github/settings.yml`).

MCP servers get a unit each (`mcpServers.<name>`), so a new server is an added unit and a
changed command is a modified one, wherever the block lives (`.mcp.json`, `.vscode/mcp.json`,
or an `mcpServers` block inside assistant settings).
"""
from __future__ import annotations

from typing import Callable, Optional

from semdiff.ir import ParsedFile, Span, Unit
from semdiff.lang.config_json import read_json
from semdiff.lang.config_tree import ConfigSyntaxError, Node, config_unit, flatten, line_count
from semdiff.lang.config_yaml import read_yaml

SERVER_BLOCKS = ("mcpServers", "servers", "mcp.servers")


def _server_units(path: str, language: str, text: str, root: Node, parent: str) -> tuple[list[Unit], list[str]]:
    units: list[Unit] = []
    keys: list[str] = []
    for block in SERVER_BLOCKS:
        node: Optional[Node] = root
        for part in block.split("."):
            node = node.get(part) if node is not None and node.is_map else None
        if node is None or not node.is_map:
            continue
        keys.append(block)
        for name, key_line, server in node.entries:
            if not server.is_map:
                continue
            settings, literals = flatten(server)
            units.append(config_unit(path, language, f"{block}.{name}", Span(key_line, server.end_line), text,
                                     settings=settings, literals=literals, parent=parent, name=name))
    return units, keys


class _DocumentBackend:
    language = "config"
    top = "<document>"
    reader: Callable[[str], Optional[Node]] = staticmethod(read_json)
    split_servers = False

    def parse(self, path: str, text: str) -> ParsedFile:
        try:
            root = self.reader(text)
        except ConfigSyntaxError as exc:
            return ParsedFile(path, self.language, (), error=str(exc))
        except RecursionError:
            return ParsedFile(path, self.language, (), error="syntax error: nested too deeply")
        if root is None:
            return ParsedFile(path, self.language, ())
        if not root.is_map:
            return ParsedFile(path, self.language, (), error="syntax error: expected an object at the top level at line 1")
        servers, blocks = _server_units(path, self.language, text, root, self.top) if self.split_servers else ([], [])
        settings, literals = flatten(root, skip=blocks)
        top = config_unit(path, self.language, self.top, Span(1, line_count(text)), text,
                          settings=settings, literals=literals, name=self.top.strip("<>"))
        return ParsedFile(path, self.language, (top, *servers))


class ClaudeSettingsBackend(_DocumentBackend):
    """`.claude/settings.json`, `.claude/settings.local.json`."""

    language = "claude-settings"
    top = "<settings>"
    split_servers = True


class McpBackend(_DocumentBackend):
    """`.mcp.json`, `mcp.json`, `.vscode/mcp.json`, desktop-client MCP configs."""

    language = "mcp"
    top = "<mcp>"
    split_servers = True


class GitHubSettingsBackend(_DocumentBackend):
    """`.github/settings.yml` (the Settings app): branch protection kept in the repository."""

    language = "github-settings"
    top = "<settings>"
    reader = staticmethod(read_yaml)
