"""permission-widened: files, directories and temp files made more accessible.

A mode literal that grants group/other write, other read or set-id bits it did not grant
before, a umask that masks less, or a private temp file replaced by a predictable name
(`tempfile.mktemp`, a fixed path under /tmp) lets other local users read or swap the file.
The tables below say which calls carry a mode and where; the check compares the mode bits
of each call in after with its counterpart in before.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Call
from semdiff.model import Confidence, Finding, Severity
from semdiff.rules._callee_tails import may_call, table_tails
from semdiff.rules._triggers import Trigger
from semdiff.rules._catalog2_ir import arg_at, callee_is, calls_to, new_items, number, pair_calls
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

RULE_ID = "permission-widened"


@dataclass(frozen=True)
class ModeSite:
    """Where a call takes its permission bits, and what it uses when none are given."""

    callee: str
    index: Optional[int]
    keyword: str
    default: Optional[int]  # mode used when the argument is absent (None: argument required)
    creates: bool  # creates the file (a mode on a new call is not a change of an existing file)


# exact module functions first: `callee_is` returns the first row whose name matches
MODE_SITES: tuple[ModeSite, ...] = (
    ModeSite("os.chmod", 1, "mode", None, False),
    ModeSite("os.fchmod", 1, "mode", None, False),
    ModeSite("os.lchmod", 1, "mode", None, False),
    ModeSite("os.open", 2, "mode", 0o777, True),
    ModeSite("os.makedirs", 1, "mode", 0o777, True),
    ModeSite("os.mkdir", 1, "mode", 0o777, True),
    ModeSite("os.mkfifo", 1, "mode", 0o666, True),
    ModeSite("os.mknod", 1, "mode", 0o600, True),
    ModeSite("chmod", 0, "mode", None, False),  # pathlib.Path.chmod
    ModeSite("lchmod", 0, "mode", None, False),
    ModeSite("touch", 0, "mode", 0o666, True),  # pathlib.Path.touch
    ModeSite("mkdir", 0, "mode", 0o777, True),  # pathlib.Path.mkdir
)
SITES = {s.callee: s for s in MODE_SITES}

STAT_BITS: dict[str, int] = {
    "S_ISUID": 0o4000, "S_ISGID": 0o2000, "S_ISVTX": 0o1000,
    "S_IRWXU": 0o700, "S_IRUSR": 0o400, "S_IWUSR": 0o200, "S_IXUSR": 0o100,
    "S_IRWXG": 0o070, "S_IRGRP": 0o040, "S_IWGRP": 0o020, "S_IXGRP": 0o010,
    "S_IRWXO": 0o007, "S_IROTH": 0o004, "S_IWOTH": 0o002, "S_IXOTH": 0o001,
    "S_IREAD": 0o400, "S_IWRITE": 0o200, "S_IEXEC": 0o100,
}
STAT_NAMES: dict[str, float] = {**{k: float(v) for k, v in STAT_BITS.items()}, **{f"stat.{k}": float(v) for k, v in STAT_BITS.items()}}

# bits whose *addition* is a widening: group write, other read/write, set-id
WIDENING_BITS = 0o4000 | 0o2000 | 0o020 | 0o004 | 0o002
# a brand-new chmod is only reported when it hands out one of these
NEW_CALL_BITS = 0o4000 | 0o2000 | 0o002
# stat names that grant such bits (when the mode cannot be folded to a number)
WIDE_STAT_NAMES = ("S_IWOTH", "S_IWGRP", "S_IROTH", "S_IRWXO", "S_IRWXG", "S_ISUID", "S_ISGID")
# umask bits that keep group/other out; dropping one lets them in
UMASK_PROTECTIVE = 0o077
UMASK_BASELINE = 0o022  # what a new umask must keep masking

SAFE_TEMP = ("tempfile.mkstemp", "tempfile.NamedTemporaryFile", "tempfile.TemporaryFile", "tempfile.mkdtemp",
             "tempfile.TemporaryDirectory", "tempfile.SpooledTemporaryFile")
UNSAFE_TEMP = ("tempfile.mktemp", "os.tempnam", "os.tmpnam")
SHARED_DIRS = ("/tmp/", "/var/tmp/", "/dev/shm/")

BITS_NAMES = {0o4000: "setuid", 0o2000: "setgid", 0o020: "group write", 0o004: "other read", 0o002: "other write"}

RULES = (
    RuleSpec(
        id=RULE_ID,
        title="File permissions widened",
        severity=Severity.HIGH,
        description=(
            "A file or directory mode grants group/other write, other read or set-id bits it did not grant before "
            "(os.chmod, os.open, os.makedirs/mkdir, Path.chmod/touch/mkdir, stat.S_IWOTH), os.umask masks less, "
            "or a private temp file (mkstemp, NamedTemporaryFile) was replaced by tempfile.mktemp or a fixed path in /tmp."
        ),
        examples=(
            Example("import os\ndef save_key(p):\n    os.chmod(p, 0o600)\n", "import os\ndef save_key(p):\n    os.chmod(p, 0o777)\n", True, "mode widened"),
            Example("import os\ndef save_key(p):\n    os.chmod(p, 0o777)\n", "import os\ndef save_key(p):\n    os.chmod(p, 0o600)\n", False, "mode narrowed"),
            Example("import os\ndef setup():\n    os.umask(0o077)\n", "import os\ndef setup():\n    os.umask(0)\n", True, "umask lowered"),
            Example(
                "import tempfile\ndef spool(data):\n    fd, path = tempfile.mkstemp()\n    return path\n",
                "import tempfile\ndef spool(data):\n    path = tempfile.mktemp()\n    return path\n",
                True,
                "predictable temp name",
            ),
            Example("import os\ndef publish(p):\n    os.chmod(p, 0o640)\n", "import os\ndef publish(p):\n    os.chmod(p, 0o600)\n", False),
        ),
        languages=("python",),
    ),
)
SPEC = RULES[0]


def _site(call: Call) -> Optional[ModeSite]:
    name = callee_is(call.callee, SITES)
    return SITES[name] if name else None


def _mode(call: Call, site: ModeSite) -> tuple[Optional[int], str]:
    """(mode bits or None when unknown, the argument's text)."""
    arg = arg_at(call, site.index, site.keyword)
    if arg is None:
        return site.default, ""
    v = number(arg.value, STAT_NAMES)
    if v is None or v != int(v) or v < 0:
        return None, arg.text
    return int(v), arg.text


def _bits(bits: int) -> str:
    return ", ".join(n for b, n in BITS_NAMES.items() if bits & b)


def _wide_tokens(text: str) -> int:
    return sum(text.count(n) for n in WIDE_STAT_NAMES)


def _mode_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    b_calls = [c for c in (change.before.calls if change.before else ()) if _site(c)]
    a_calls = [c for c in (change.after.calls if change.after else ()) if _site(c)]
    for b, a in pair_calls(b_calls, a_calls, key=lambda c: _site(c).callee):  # type: ignore[union-attr]
        if a is None:
            continue
        site = _site(a)
        assert site is not None
        a_mode, a_text = _mode(a, site)
        if b is None:
            if site.creates or a_mode is None or not a_mode & NEW_CALL_BITS:
                continue
            yield make_finding(
                SPEC, change, ctx,
                f"new {a.callee}() grants {_bits(a_mode & NEW_CALL_BITS)} ({oct(a_mode)})",
                after_line=a.span.line, evidence_after=a.text,
            )
            continue
        b_mode, b_text = _mode(b, site)
        if a_mode is not None and b_mode is not None:
            added = a_mode & ~b_mode & WIDENING_BITS
            if added:
                yield make_finding(
                    SPEC, change, ctx,
                    f"{a.callee}() mode widened from {oct(b_mode)} to {oct(a_mode)}: adds {_bits(added)}",
                    before_line=b.span.line, after_line=a.span.line, evidence_before=b.text, evidence_after=a.text,
                    witness=f"before: {oct(b_mode)}; after: {oct(a_mode)}",
                )
        elif _wide_tokens(a_text) > _wide_tokens(b_text):
            yield make_finding(
                SPEC, change, ctx,
                f"{a.callee}() mode now adds group/other permission bits ({a_text})",
                before_line=b.span.line, after_line=a.span.line, evidence_before=b.text, evidence_after=a.text,
                confidence=Confidence.MEDIUM,
            )


def _umask(call: Call) -> Optional[int]:
    arg = arg_at(call, 0, "mask")
    v = number(arg.value, STAT_NAMES) if arg else None
    return int(v) if v is not None and v == int(v) and v >= 0 else None


def _umask_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    for b, a in pair_calls(calls_to(change.before, ("os.umask",)), calls_to(change.after, ("os.umask",))):
        if a is None:
            continue
        a_mask = _umask(a)
        if a_mask is None:
            continue
        if b is None:
            if a_mask & UMASK_BASELINE != UMASK_BASELINE:
                yield make_finding(SPEC, change, ctx, f"new os.umask({oct(a_mask)}) lets group/other write new files",
                                   after_line=a.span.line, evidence_after=a.text)
            continue
        b_mask = _umask(b)
        if b_mask is None:
            continue
        dropped = b_mask & ~a_mask & UMASK_PROTECTIVE
        if dropped:
            yield make_finding(
                SPEC, change, ctx,
                f"os.umask lowered from {oct(b_mask)} to {oct(a_mask)}: new files gain {oct(dropped)}",
                before_line=b.span.line, after_line=a.span.line, evidence_before=b.text, evidence_after=a.text,
            )


def _shared_path_arg(call: Call) -> Optional[str]:
    for arg in call.args:
        text = arg.value.lstrip("rRbBfF")
        if text[:1] in ("'", '"') and any(text[1:].startswith(d) for d in SHARED_DIRS):
            return arg.text
    return None


def _temp_findings(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    safe_before, safe_after = calls_to(before, SAFE_TEMP), calls_to(after, SAFE_TEMP)
    lost_safe = len(safe_before) > len(safe_after)
    ev_before = safe_before[0].text if safe_before else ""
    for call in new_items(calls_to(before, UNSAFE_TEMP), calls_to(after, UNSAFE_TEMP), key=lambda c: c.callee):
        yield make_finding(
            SPEC, change, ctx,
            f"{call.callee}() returns a predictable name another user can create first"
            + (f" (replaces {safe_before[0].callee})" if lost_safe else ""),
            after_line=call.span.line, evidence_before=ev_before if lost_safe else "", evidence_after=call.text,
            confidence=Confidence.HIGH if lost_safe else Confidence.MEDIUM,
        )
    if not lost_safe:
        return
    b_fixed = [c for c in (before.calls if before else ()) if _shared_path_arg(c)]
    a_fixed = [c for c in (after.calls if after else ()) if _shared_path_arg(c)]
    for call in new_items(b_fixed, a_fixed, key=lambda c: (c.callee, _shared_path_arg(c))):
        yield make_finding(
            SPEC, change, ctx,
            f"{safe_before[0].callee}() replaced by a fixed shared path {_shared_path_arg(call)}",
            before_line=safe_before[0].span.line, after_line=call.span.line,
            evidence_before=ev_before, evidence_after=call.text,
        )


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.after is None:
        return []
    # every finding reads an after call of SITES, os.umask or UNSAFE_TEMP, or (a fixed shared
    # path) a before call of SAFE_TEMP: a change whose units call none of them has none
    if not may_call(change.after, _AFTER_TAILS) and not may_call(change.before, _BEFORE_TAILS):
        return []
    return [*_mode_findings(change, ctx), *_umask_findings(change, ctx), *_temp_findings(change, ctx)]


_AFTER_TAILS = table_tails((*SITES, "os.umask", *UNSAFE_TEMP))
_BEFORE_TAILS = table_tails(SAFE_TEMP)
# the early return of `check` as a trigger (semdiff.rules._triggers): either side may match
TRIGGER = Trigger(calls=_AFTER_TAILS | _BEFORE_TAILS)
