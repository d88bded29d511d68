"""File names that are policy, and the backend that reads each.

Patterns are fnmatch globs tried against the base name and the full path (`*` also
matches `/`, so `*.github/workflows/*.yml` matches the workflows directory at any depth).
Order matters only where two patterns overlap: the first match wins.

Backends are named, not imported: a run that meets no policy file never imports PyYAML or
the config readers (the registry instantiates a backend on the first file it matches).
"""
from __future__ import annotations

from typing import Callable

from semdiff.lang.treesitter_registry import factory

GitHubActionsBackend = factory("config_actions", "GitHubActionsBackend")
ClaudeSettingsBackend = factory("config_documents", "ClaudeSettingsBackend")
GitHubSettingsBackend = factory("config_documents", "GitHubSettingsBackend")
McpBackend = factory("config_documents", "McpBackend")
AgentInstructionsBackend = factory("config_lines", "AgentInstructionsBackend")
CodeownersBackend = factory("config_lines", "CodeownersBackend")
DockerfileBackend = factory("config_lines", "DockerfileBackend")
PackageJsonBackend = factory("config_manifests", "PackageJsonBackend")
PyprojectBackend = factory("config_manifests", "PyprojectBackend")
RequirementsBackend = factory("config_manifests", "RequirementsBackend")

PATTERNS: tuple[tuple[str, Callable[[], object]], ...] = (
    ("*.github/workflows/*.yml", GitHubActionsBackend),
    ("*.github/workflows/*.yaml", GitHubActionsBackend),
    ("action.yml", GitHubActionsBackend),
    ("action.yaml", GitHubActionsBackend),
    (".claude/settings.json", ClaudeSettingsBackend),
    ("*.claude/settings.json", ClaudeSettingsBackend),
    ("*.claude/settings.local.json", ClaudeSettingsBackend),
    (".mcp.json", McpBackend),
    ("mcp.json", McpBackend),
    ("*.vscode/mcp.json", McpBackend),
    ("claude_desktop_config.json", McpBackend),
    ("CODEOWNERS", CodeownersBackend),
    ("*.github/CODEOWNERS", CodeownersBackend),
    ("*docs/CODEOWNERS", CodeownersBackend),
    ("*.github/settings.yml", GitHubSettingsBackend),
    ("*.github/settings.yaml", GitHubSettingsBackend),
    ("requirements*.txt", RequirementsBackend),
    ("constraints*.txt", RequirementsBackend),
    ("*requirements/*.txt", RequirementsBackend),
    ("pyproject.toml", PyprojectBackend),
    ("package.json", PackageJsonBackend),
    ("Dockerfile", DockerfileBackend),
    ("Dockerfile.*", DockerfileBackend),
    ("*.dockerfile", DockerfileBackend),
    ("Containerfile", DockerfileBackend),
    ("CLAUDE.md", AgentInstructionsBackend),
    ("CLAUDE.local.md", AgentInstructionsBackend),
    ("AGENTS.md", AgentInstructionsBackend),
    ("GEMINI.md", AgentInstructionsBackend),
    (".cursorrules", AgentInstructionsBackend),
    ("*.github/copilot-instructions.md", AgentInstructionsBackend),
)


def register_all(register: Callable[[str, Callable[[], object]], None]) -> None:
    for pattern, factory in PATTERNS:
        register(pattern, factory)
