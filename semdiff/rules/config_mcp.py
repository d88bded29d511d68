"""MCP servers: programs an assistant starts and hands tools to.

A new server, a command swapped for another binary, an `npx` package with no version (the
next publish runs), secrets in its environment, or wider filesystem/network scope in its
arguments all grow what runs with the assistant's trust.
"""
from __future__ import annotations

import posixpath
import re
from typing import Iterable, Iterator, Optional
from urllib.parse import urlparse

from semdiff.align.units import ChangeKind, UnitChange
from semdiff.ir import Setting, Unit
from semdiff.model import Confidence, Finding, Severity
from semdiff.rules.base import Example, RuleContext, RuleSpec, family
from semdiff.rules.config_support import config_finding, items_of, settings_of, spec_table

LANGS = ("mcp", "claude-settings")
SERVER_PREFIXES = ("mcpServers.", "servers.", "mcp.servers.")

RULES = (
    RuleSpec(
        "mcp-server-widened", "MCP server added or given more reach", Severity.HIGH,
        "A new MCP server, a server command changed to another binary or to an unpinned npx/uvx package, "
        "secrets passed in its environment, or filesystem/network scope widened in its arguments or URL.",
        (
            Example('{"mcpServers": {"fs": {"command": "npx", "args": ["@modelcontextprotocol/server-filesystem@1.0.0", "./docs"]}}}\n',
                    '{"mcpServers": {"fs": {"command": "npx", "args": ["@modelcontextprotocol/server-filesystem", "/"]}}}\n', True),
            Example('{"mcpServers": {"fs": {"command": "npx", "args": ["@modelcontextprotocol/server-filesystem@1.0.0", "/"]}}}\n',
                    '{"mcpServers": {"fs": {"command": "npx", "args": ["@modelcontextprotocol/server-filesystem@1.0.1", "./docs"]}}}\n', False, "narrowed, pinned"),
        ),
        (*LANGS, "config"),
    ),
)
SPECS = spec_table(RULES)
EXAMPLE_PATHS = {"mcp-server-widened": ".mcp.json"}

RUNNERS = {"npx", "bunx", "uvx", "pnpx", "pipx", "dlx"}
SECRET_NAME = re.compile(r"(?i)token|secret|password|passwd|api[_-]?key|credential|private[_-]?key|auth|pat$|access[_-]?key")
SCOPE_FLAG = re.compile(r"(?i)allow|unrestricted|all|write|root|no-sandbox|dangerous|insecure|host|origin|cors")


def _args(unit: Optional[Unit]) -> list[Setting]:
    return list(items_of(unit, "args").values())


def _package(unit: Optional[Unit]) -> Optional[Setting]:
    """The package a runner (npx, uvx, ...) fetches: its first non-flag argument."""
    s = settings_of(unit)
    cmd = s.get("command")
    if cmd is None or posixpath.basename(cmd.value.split()[0] if cmd.value.split() else "") not in RUNNERS:
        return None
    for a in (x for x in (unit.settings if unit else ()) if x.key == "args[]"):
        if not a.value.startswith("-"):
            return a
    return None


def _pinned(pkg: str) -> bool:
    body = pkg[1:] if pkg.startswith("@") else pkg
    if "@" in body:
        version = body.split("@", 1)[1]
        return bool(version) and version not in ("latest", "next", "*")
    return "==" in pkg  # uvx "pkg==1.2"


def _looks_scope(arg: str) -> bool:
    if arg.startswith("-"):
        return bool(SCOPE_FLAG.search(arg.split("=")[0]))
    return arg in ("*", "/", "~", "$HOME", "${HOME}", "..") or arg.startswith(("/", "~", "$HOME", "${HOME}", "..")) or arg == "."


def _host(url: str) -> str:
    try:
        return urlparse(url).hostname or ""
    except ValueError:
        return url


def _secret_env(unit: Optional[Unit]) -> dict[str, Setting]:
    out = {}
    for k, s in settings_of(unit).items():
        if k.startswith(("env.", "headers.")) and (SECRET_NAME.search(k.split(".", 1)[1]) or "secret" in s.value.lower() or "${input:" in s.value):
            out[k] = s
    return out


def check_server(change: UnitChange, ctx: RuleContext) -> Iterator[Finding]:
    spec = SPECS["mcp-server-widened"]
    b, a = change.before, change.after
    if a is None or not a.qualname.startswith(SERVER_PREFIXES):
        return
    sb, sa = settings_of(b), settings_of(a)
    cmd_a, url_a = sa.get("command"), sa.get("url")
    pkg_a = _package(a)
    if b is None or change.kind is ChangeKind.ADDED:
        what = cmd_a.value if cmd_a else (url_a.value if url_a else "?")
        extra = []
        if pkg_a is not None and not _pinned(pkg_a.value):
            extra.append(f"unpinned package {pkg_a.value}")
        if _secret_env(a):
            extra.append("secrets in env: " + ", ".join(k.split(".", 1)[1] for k in _secret_env(a)))
        yield config_finding(spec, change, ctx, f"new MCP server '{a.name}' runs {what}" + (f" ({'; '.join(extra)})" if extra else ""),
                             after=a.span.line, evidence_after=a.text.splitlines()[0] if a.text else a.name,
                             severity=Severity.HIGH if extra else Severity.MEDIUM)
        return
    cmd_b = sb.get("command")
    if cmd_a is not None and cmd_b is not None:
        bin_a, bin_b = (posixpath.basename(c.value.split()[0]) if c.value.split() else "" for c in (cmd_a, cmd_b))
        if bin_a != bin_b:
            yield config_finding(spec, change, ctx, f"server '{a.name}' now runs {bin_a} instead of {bin_b}", before=cmd_b, after=cmd_a)
    pkg_b = _package(b)
    if pkg_a is not None and not _pinned(pkg_a.value) and (pkg_b is None or _pinned(pkg_b.value) or pkg_b.value != pkg_a.value):
        yield config_finding(spec, change, ctx, f"server '{a.name}' runs unpinned package {pkg_a.value}: whatever is published next runs",
                             before=pkg_b, after=pkg_a)
    old_args = {x.value for x in _args(b)}
    for x in _args(a):
        if x.value not in old_args and x is not pkg_a and _looks_scope(x.value):
            yield config_finding(spec, change, ctx, f"server '{a.name}' scope widened by argument '{x.value}'", after=x)
    url_b = sb.get("url")
    if url_a is not None and url_b is not None and _host(url_a.value) != _host(url_b.value):
        yield config_finding(spec, change, ctx, f"server '{a.name}' now talks to {_host(url_a.value)} instead of {_host(url_b.value)}",
                             before=url_b, after=url_a)
    env_b = _secret_env(b)
    for k, s in _secret_env(a).items():
        if k not in env_b:
            yield config_finding(spec, change, ctx, f"server '{a.name}' now receives secret {k.split('.', 1)[1]}", after=s)
    for k, s in sa.items():
        if k.startswith("env.") and k not in sb and k not in _secret_env(a) and SCOPE_FLAG.search(k.split(".", 1)[1]):
            yield config_finding(spec, change, ctx, f"server '{a.name}' scope widened by {s.text}", after=s, confidence=Confidence.MEDIUM)


@family("config-mcp", RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.language not in LANGS:
        return []
    return list(check_server(change, ctx))
