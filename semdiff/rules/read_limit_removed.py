"""read-limit-removed: a bounded Go read (`io.CopyN`, `io.LimitReader`,
`http.MaxBytesReader`) replaced by an unbounded one (`io.Copy`, `io.ReadAll`): a decompression
bomb or a huge body is read whole into memory. One bounded reader swapped for another is
still bounded and not reported.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from semdiff.align.units import UnitChange
from semdiff.model import Finding, Severity
from semdiff.rules._catalog2_ir import callee_is, new_items
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

RULE_ID = "read-limit-removed"

# bounded reader -> the unbounded calls that replace it
BOUNDED_READS: Mapping[str, tuple[str, ...]] = {
    "io.CopyN": ("io.Copy",),
    "io.LimitReader": ("io.ReadAll", "ioutil.ReadAll", "io.Copy"),
    "http.MaxBytesReader": ("io.ReadAll", "ioutil.ReadAll", "io.Copy", "json.NewDecoder"),
}

RULES = (
    RuleSpec(
        RULE_ID, "Bounded read made unbounded", Severity.MEDIUM,
        "io.CopyN / io.LimitReader / http.MaxBytesReader was replaced by an unbounded read (io.Copy, io.ReadAll): "
        "a decompression bomb or huge body is read whole into memory.",
        (Example("package p\n\nfunc inflate(dst, src Buf) error {\n\t_, err := io.CopyN(dst, src, 1<<20)\n\treturn err\n}\n",
                 "package p\n\nfunc inflate(dst, src Buf) error {\n\t_, err := io.Copy(dst, src)\n\treturn err\n}\n", True),
         Example("package p\n\nfunc inflate(dst, src Buf) error {\n\t_, err := io.Copy(dst, src)\n\treturn err\n}\n",
                 "package p\n\nfunc inflate(dst, src Buf) error {\n\t_, err := io.CopyN(dst, src, 1<<20)\n\treturn err\n}\n", False, "bounded")),
        languages=("go",), intrinsic="dos",
    ),
)
SPEC = RULES[0]
EXAMPLE_PATHS = {RULE_ID: "pkg/example.go"}


def _read_limits(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    any_bounded = tuple(BOUNDED_READS)
    if sum(bool(callee_is(c.callee, any_bounded)) for c in after.calls) >= sum(bool(callee_is(c.callee, any_bounded)) for c in before.calls):
        return  # one bounded reader swapped for another (io.CopyN -> io.Copy(io.LimitReader(...))): still bounded
    for bounded, unbounded in BOUNDED_READS.items():
        b_b = [c for c in before.calls if callee_is(c.callee, (bounded,))]
        a_b = [c for c in after.calls if callee_is(c.callee, (bounded,))]
        if len(a_b) >= len(b_b):
            continue
        gained = new_items([c for c in before.calls if callee_is(c.callee, unbounded)],
                           [c for c in after.calls if callee_is(c.callee, unbounded)], key=lambda c: c.callee)
        if not gained:
            continue
        b, a = b_b[-1], gained[0]
        yield make_finding(
            SPEC, change, ctx, f"{b.callee}() replaced by {a.callee}(): the read is no longer bounded",
            before_line=b.span.line, after_line=a.span.line, evidence_before=b.text, evidence_after=a.text,
        )


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.before is None or change.after is None:
        return []
    return list(_read_limits(change, ctx))
