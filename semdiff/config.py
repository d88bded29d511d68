"""Configuration: `[tool.semdiff]` in pyproject.toml, or a `.semdiff.toml` at the repository root.

The file is data read with `tomllib`, never executed. It comes from the worktree of the
repository being analysed, which in a pull request is the *proposed* code: a change could
disable the very rule that would flag it. The GitHub Action therefore reads the
configuration from the base revision (`git show BASE:.semdiff.toml`) and passes it with
`--config`; docs/integrations.md says the same for other CI systems.

Every key is checked: an unknown key or a value of the wrong type is a `ConfigError` (an
`InputError`, so the CLI exits 2 with one line naming the file and the key), because a
misspelt `disabel = [...]` that silently does nothing is worse than no configuration.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional

from semdiff.errors import InputError
from semdiff.model import Confidence, Severity
from semdiff.policy import FAIL_ON_CHOICES

if TYPE_CHECKING:
    from semdiff.pipeline import AnalyzeOptions

PYPROJECT = "pyproject.toml"
DOTFILE = ".semdiff.toml"
MAX_CONFIG_BYTES = 1_000_000  # a configuration file is small; a huge one is hostile or a mistake

FAIL_ON_VALUES = FAIL_ON_CHOICES  # the same words as --fail-on
SEED_KEYS = ("names", "words", "decorators", "imports", "calls")
OUTPUT_FORMATS = ("text", "json", "sarif", "markdown")
AI_POLICIES = ("default", "strict")  # the same words as --ai-policy


class ConfigError(InputError):
    """The configuration cannot be used; the message names the file, the key and the fix."""


@dataclass(frozen=True)
class PathSuppression:
    """`[[tool.semdiff.suppress]]`: silence `rule` on paths matching `path` (a glob), for `reason`."""

    rule: str
    path: str
    reason: str


@dataclass(frozen=True)
class SeedExtension:
    """Extra sensitive names for one relevance category (same keys as grammars/seeds/*.toml)."""

    category: str
    names: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    decorators: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()
    calls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    """Everything `[tool.semdiff]` can say. `None` means "not set": the CLI default applies."""

    fail_on: Optional[str] = None
    min_confidence: Optional[Confidence] = None
    enable: frozenset[str] = frozenset()  # empty = every rule
    disable: frozenset[str] = frozenset()
    severity: tuple[tuple[str, Severity], ...] = ()  # (rule id, severity) overrides
    include: tuple[str, ...] = ()  # path globs; empty = every path
    exclude: tuple[str, ...] = ()
    seeds: tuple[SeedExtension, ...] = ()
    max_file_bytes: Optional[int] = None
    baseline: Optional[str] = None  # path of the baseline file, relative to the config file's folder
    suppress: tuple[PathSuppression, ...] = ()
    format: Optional[str] = None
    ai_policy: Optional[str] = None  # "default" | "strict": the default of --ai-policy
    source: Optional[str] = None  # the file this came from (for messages)

    def severity_for(self, rule_id: str) -> Optional[Severity]:
        for rid, sev in self.severity:
            if rid == rule_id:
                return sev
        return None

    def rule_enabled(self, rule_id: str) -> bool:
        if rule_id in self.disable:
            return False
        return not self.enable or rule_id in self.enable

    def seeds_extra(self) -> dict[str, dict[str, list[str]]]:
        """The shape `semdiff.relevance.seeds.load_seeds(extra=...)` takes."""
        out: dict[str, dict[str, list[str]]] = {}
        for ext in self.seeds:
            table = {k: list(getattr(ext, k)) for k in SEED_KEYS if getattr(ext, k)}
            out[ext.category] = table
        return out


# -- reading ------------------------------------------------------------------------------------

def discover(repo_root: str | Path) -> Optional[Path]:
    """The configuration file of a repository: `.semdiff.toml` first, else a pyproject.toml
    that has a `[tool.semdiff]` table. None when there is neither."""
    root = Path(repo_root)
    dot = root / DOTFILE
    if dot.is_file():
        return _inside(root, dot)
    pyproject = root / PYPROJECT
    if pyproject.is_file():
        _inside(root, pyproject)
        try:
            data = _read_toml(pyproject)
        except ConfigError:
            return pyproject  # let load() report the problem with the file named
        tool = data.get("tool")
        if isinstance(tool, dict) and "semdiff" in tool:
            return pyproject
    return None


def load(path: str | Path) -> Config:
    """Read one configuration file (`.semdiff.toml`: top-level keys, or a `[tool.semdiff]`
    table; `pyproject.toml`: the `[tool.semdiff]` table)."""
    p = Path(path)
    data = _read_toml(p)
    tool = data.get("tool")
    if p.name == PYPROJECT or (isinstance(tool, dict) and "semdiff" in tool):
        section = tool.get("semdiff", {}) if isinstance(tool, dict) else {}
        where = f"{p}: [tool.semdiff]"
    else:
        section = data
        where = str(p)
    if not isinstance(section, dict):
        raise ConfigError(f"{where} must be a table")
    return parse(section, where, source=str(p))


def load_for_repo(repo_root: str | Path, explicit: Optional[str | Path] = None) -> Config:
    """`explicit` (from --config) if given, else the repository's own file, else defaults."""
    if explicit is not None:
        if not Path(explicit).is_file():
            raise ConfigError(f"configuration file '{explicit}' does not exist; pass an existing file to --config")
        return load(explicit)
    found = discover(repo_root)
    return load(found) if found is not None else Config()


def _read_toml(p: Path) -> dict[str, Any]:
    import tomllib  # here: a repository without a configuration file never needs it

    try:
        size = p.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{p}: configuration file is {size} bytes (limit {MAX_CONFIG_BYTES}); is it the right file?")
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read configuration: {exc.strerror or exc}") from exc
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: configuration is not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {exc}") from exc
    except RecursionError as exc:  # tomllib recurses per nesting level: `x = [[[[...` crashed the CLI
        raise ConfigError(f"{p}: invalid TOML: nested too deeply") from exc


def _inside(root: Path, p: Path) -> Path:
    """`p` when it resolves inside the repository; a symlink out of it is never followed."""
    try:
        p.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError) as exc:
        raise ConfigError(f"{p}: is a symlink to outside the repository; not followed (pass --config FILE)") from exc
    return p


# -- checking -----------------------------------------------------------------------------------

def _str(value: Any, where: str, choices: Optional[tuple[str, ...]] = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} must be a non-empty string")
    text = value.strip().lower() if choices else value.strip()
    if choices and text not in choices:
        raise ConfigError(f"{where} = {value!r} is not one of: {', '.join(choices)}")
    return text


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table")
    return value


def _check_keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(k for k in table if k not in allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(repr(k) for k in unknown)}"
            f" (allowed: {', '.join(allowed)})"
        )


def _severity_table(value: Any, where: str) -> tuple[tuple[str, Severity], ...]:
    out = []
    choices = tuple(s.label for s in Severity)
    for rule, sev in _table(value, where).items():
        out.append((rule, Severity.parse(_str(sev, f"{where}.{rule}", choices))))
    return tuple(sorted(out))


def _seeds(value: Any, where: str) -> tuple[SeedExtension, ...]:
    out = []
    for category, table in _table(value, where).items():
        t = _table(table, f"{where}.{category}")
        _check_keys(t, SEED_KEYS, f"{where}.{category}")
        out.append(SeedExtension(category, **{k: _str_list(v, f"{where}.{category}.{k}") for k, v in t.items()}))
    return tuple(out)


def _budgets(value: Any, where: str) -> Optional[int]:
    t = _table(value, where)
    _check_keys(t, ("max-file-bytes",), where)
    if "max-file-bytes" not in t:
        return None
    n = t["max-file-bytes"]
    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        raise ConfigError(f"{where}.max-file-bytes must be a positive integer")
    return n


def _suppressions(value: Any, where: str) -> tuple[PathSuppression, ...]:
    """A config suppression without a reason is an error, not a finding: the file is under the
    team's control, so the fix is immediate and nothing is silenced in the meantime."""
    if not isinstance(value, list):
        raise ConfigError(f"{where} must be an array of tables ([[tool.semdiff.suppress]])")
    out = []
    for i, entry in enumerate(value):
        here = f"{where}[{i}]"
        t = _table(entry, here)
        _check_keys(t, ("rule", "path", "reason"), here)
        for key in ("rule", "path", "reason"):
            if key not in t:
                hint = " (a suppression must say why)" if key == "reason" else ""
                raise ConfigError(f"{here}: missing '{key}'{hint}")
        reason = t["reason"]
        if not isinstance(reason, str) or not any(c.isalnum() for c in reason):
            raise ConfigError(f"{here}.reason must say why the finding is acceptable (got {reason!r})")
        out.append(PathSuppression(_str(t["rule"], f"{here}.rule"), _str(t["path"], f"{here}.path"), reason.strip()))
    return tuple(out)


ALLOWED_KEYS = (
    "fail-on", "min-confidence", "enable", "disable", "severity", "include", "exclude",
    "seeds", "budgets", "baseline", "suppress", "format", "ai-policy",
)


def parse(section: Mapping[str, Any], where: str = "[tool.semdiff]", source: Optional[str] = None) -> Config:
    """Check a `[tool.semdiff]` table and turn it into a `Config`."""
    _check_keys(section, ALLOWED_KEYS, where)
    s = section
    baseline = None
    if "baseline" in s:
        baseline = _str(s["baseline"], f"{where}.baseline")
        if source is not None and not Path(baseline).is_absolute():
            baseline = str(Path(source).parent / baseline)
    return Config(
        fail_on=_str(s["fail-on"], f"{where}.fail-on", FAIL_ON_VALUES) if "fail-on" in s else None,
        min_confidence=(
            Confidence.parse(_str(s["min-confidence"], f"{where}.min-confidence", tuple(c.label for c in Confidence)))
            if "min-confidence" in s else None
        ),
        enable=frozenset(_str_list(s["enable"], f"{where}.enable")) if "enable" in s else frozenset(),
        disable=frozenset(_str_list(s["disable"], f"{where}.disable")) if "disable" in s else frozenset(),
        severity=_severity_table(s["severity"], f"{where}.severity") if "severity" in s else (),
        include=_str_list(s["include"], f"{where}.include") if "include" in s else (),
        exclude=_str_list(s["exclude"], f"{where}.exclude") if "exclude" in s else (),
        seeds=_seeds(s["seeds"], f"{where}.seeds") if "seeds" in s else (),
        max_file_bytes=_budgets(s["budgets"], f"{where}.budgets") if "budgets" in s else None,
        baseline=baseline,
        suppress=_suppressions(s["suppress"], f"{where}.suppress") if "suppress" in s else (),
        format=_str(s["format"], f"{where}.format", OUTPUT_FORMATS) if "format" in s else None,
        ai_policy=_str(s["ai-policy"], f"{where}.ai-policy", AI_POLICIES) if "ai-policy" in s else None,
        source=source,
    )


__all__ = [
    "ALLOWED_KEYS", "Config", "ConfigError", "PathSuppression", "SeedExtension",
    "analyze_options", "discover", "load", "load_for_repo", "parse",
]


def analyze_options(config: Config, base: Optional["AnalyzeOptions"] = None) -> "AnalyzeOptions":
    """The analysis knobs the configuration sets: disabled rules and the file-size budget.

    Rules outside a non-empty `enable` list are filtered by `semdiff.suppress.apply_policy`
    (the pipeline has no allow-list). Extra relevance seeds go to the call graph's seeds.
    """
    from dataclasses import replace

    from semdiff.pipeline import AnalyzeOptions

    opts = base or AnalyzeOptions()
    changes: dict[str, Any] = {"disabled_rules": frozenset(opts.disabled_rules) | config.disable}
    if config.max_file_bytes is not None:
        changes["max_file_bytes"] = config.max_file_bytes
    seeds = config.seeds_extra()
    if seeds:
        changes["extra_seeds"] = seeds
    return replace(opts, **changes)
