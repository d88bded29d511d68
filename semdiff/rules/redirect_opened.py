"""redirect-opened: a redirect target is no longer checked as it was (open redirect).

A unit that redirects to a value from the request needs evidence that the value stays on
site: a validator call (`url_has_allowed_host_and_scheme`, `is_safe_url`), a netloc/scheme
test, or a rejection of scheme-relative `//host` and `\\\\host` targets (which pass a plain
`startswith('/')`). The check counts each kind of evidence in before and after and fires
when a kind is gone (or a validator's `allowed_hosts`/`require_https` got looser) while the
unit still redirects to a non-literal target.

The client side is read the same way: a unit that builds the request it sends to a redirect
target (a call named for a redirect request, `_build_redirect_request(req, url=target)`) and
stopped testing that target's scheme or host follows a Location header to `file:`, `data:`
or an internal host (server-side request forgery).

A helper that computes the target and returns it under a name saying so (`return next_url`,
`return redirect_to`) is read as the redirect itself: its caller sends the client there.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Call, Span, Unit
from semdiff.model import Finding, Relevance, Severity
from semdiff.rules._catalog2_ir import (
    REDIRECT_SINKS,
    REDIRECT_VALIDATORS,
    arg_at,
    callee_is,
    calls_to,
    name_words,
    new_items,
    pair_calls,
    tail,
)
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, text_lines

RULE_ID = "redirect-opened"

# evidence kind -> pattern over a call/comparison/guard text meaning "the target was checked"
EVIDENCE: dict[str, re.Pattern[str]] = {
    "rejects '//'": re.compile(r"""(['"])//\1"""),
    "rejects '\\\\'": re.compile(r"""(['"])(\\\\\\\\|\\\\|/\\\\|\\\\/)\1"""),
    "strips leading '/'": re.compile(r"""\.l?strip\(\s*(['"])/+\1\s*\)"""),
    "checks the netloc": re.compile(r"\.netloc\b"),
    "checks the scheme": re.compile(r"\.scheme\b"),
}
VALIDATOR_KIND = "calls a URL validator"
# allowed_hosts values that let every host through
VALIDATOR_WIDE_HOSTS = ("*", "None")
# redirect targets built from route names, not from the request
SAFE_TARGET_CALLS = ("url_for", "reverse", "reverse_lazy", "resolve_url", "request.url_for", "app.url_path_for")

RULES = (
    RuleSpec(
        id=RULE_ID,
        title="Redirect target validation removed",
        severity=Severity.MEDIUM,
        description=(
            "A unit that redirects to a non-literal URL lost a check of that URL: a url_has_allowed_host_and_scheme/"
            "is_safe_url call, a netloc/scheme test, or the rejection of '//' or '\\\\' targets; or the validator's "
            "allowed_hosts grew or require_https was turned off. A helper returning the target (`return next_url`) "
            "counts as redirecting to it. Also a client following a redirect (a call building "
            "the redirect request from a non-literal URL) that stopped testing the target's scheme or host (SSRF)."
        ),
        examples=(
            Example(
                "from flask import redirect, request\n"
                "def go():\n"
                "    nxt = request.args.get('next', '/')\n"
                "    if nxt.startswith('//') or not nxt.startswith('/'):\n"
                "        nxt = '/'\n"
                "    return redirect(nxt)\n",
                "from flask import redirect, request\n"
                "def go():\n"
                "    nxt = request.args.get('next', '/')\n"
                "    if not nxt.startswith('/'):\n"
                "        nxt = '/'\n"
                "    return redirect(nxt)\n",
                True,
                "'//' check removed",
            ),
            Example(
                "from flask import redirect, request\n"
                "def go():\n"
                "    nxt = request.args.get('next', '/')\n"
                "    if not nxt.startswith('/'):\n"
                "        nxt = '/'\n"
                "    return redirect(nxt)\n",
                "from flask import redirect, request\n"
                "def go():\n"
                "    nxt = request.args.get('next', '/')\n"
                "    if nxt.startswith('//') or not nxt.startswith('/'):\n"
                "        nxt = '/'\n"
                "    return redirect(nxt)\n",
                False,
                "check added",
            ),
            Example(
                "from flask import redirect\n"
                "def home():\n"
                "    if is_safe_url('/x'):\n"
                "        pass\n"
                "    return redirect('/')\n",
                "from flask import redirect\n"
                "def home():\n"
                "    return redirect('/')\n",
                False,
                "literal redirect target",
            ),
        ),
        languages=("python",),
    ),
)
SPEC = RULES[0]


def _dynamic_redirects(unit: Optional[Unit]) -> list[Call]:
    out = []
    for c in calls_to(unit, REDIRECT_SINKS):
        target = arg_at(c, 0, "url") or arg_at(c, 0, "location") or arg_at(c, 0, "redirect_to")
        if target is None or target.literal is not None:
            continue
        head = target.value.split("(", 1)[0]
        if "(" in target.value and callee_is(head, SAFE_TARGET_CALLS):
            continue
        out.append(c)
    return out


# a client following a redirect: a call named for building the follow-up request
# (`_build_redirect_request(req, url=target)`, `redirect_request_using_get(req, target)`)
_FOLLOW_WORDS = frozenset({"redirect", "redirected"})
_FOLLOW_OBJECT_WORDS = frozenset({"request", "req"})


def _followed_redirects(unit: Optional[Unit]) -> list[Call]:
    """Calls that build the request a client sends to a redirect target, given a non-literal URL."""
    if unit is None:
        return []
    out = []
    for c in unit.calls:
        ws = name_words(c.callee.rsplit(".", 1)[-1])
        if not (ws & _FOLLOW_WORDS and ws & _FOLLOW_OBJECT_WORDS):
            continue
        target = c.kwarg("url") or (c.positional[1] if len(c.positional) > 1 else None)
        if target is not None and target.literal is None:
            out.append(c)
    return out


# a helper that computes where to send the client returns it under a name saying so
# (`return next_url`): its caller redirects there, so its checks are the redirect's checks
_TARGET_NAME = re.compile(r"(?i)^(?:next|next_?url|next_?page|redirect_?(?:to|url|uri)?|return_?(?:to|url)|success_?url|came_?from|continue_?url|target_?url|goto)$")
_RETURN_NAME = re.compile(r"^\s*return\s+([A-Za-z_]\w*)\s*(?:#.*)?$")


def _returned_targets(unit: Optional[Unit]) -> list[Call]:
    """`return next_url` lines of a unit whose other lines read the request or a URL value,
    as pseudo-sinks (line and text) for the evidence comparison."""
    if unit is None or not unit.text:
        return []
    out = []
    for i, text in enumerate(text_lines(unit.text)):
        m = _RETURN_NAME.match(text)
        if m and _TARGET_NAME.match(m.group(1)):
            out.append(Call(m.group(1), (), Span(unit.span.line + i, unit.span.line + i), text.strip()))
    return out


def _evidence(unit: Optional[Unit]) -> list[tuple[str, int, str]]:
    """(kind, line, text) of every place the unit checks a redirect target."""
    if unit is None:
        return []
    out: list[tuple[str, int, str]] = []
    for c in unit.calls:
        if callee_is(c.callee, REDIRECT_VALIDATORS):
            out.append((VALIDATOR_KIND, c.span.line, c.text))
            continue
        for kind, pat in EVIDENCE.items():
            if pat.search(c.text):
                out.append((kind, c.span.line, c.text))
    for cmp in unit.comparisons:
        text = f"{cmp.left_text} {cmp.source_op} {cmp.right_text}"
        for kind, pat in EVIDENCE.items():
            if pat.search(text):
                out.append((kind, cmp.span.line, text))
    return out


def _helper_evidence(change: UnitChange, ctx: RuleContext) -> list[tuple[str, int, str]]:
    """Checks moved into a helper the after unit calls (same file): the check is still made."""
    after = change.after
    if after is None:
        return []
    cls = after.qualname.rsplit(".", 1)[0] if after.kind == "method" else None
    out: list[tuple[str, int, str]] = []
    seen: set[str] = set()
    for c in after.calls:
        names = [c.callee]
        if cls and c.callee.startswith(("self.", "cls.")):
            names.append(f"{cls}.{c.callee.split('.', 1)[1]}")
        for n in names:
            helper = ctx.after_units.get((after.path, n))
            if isinstance(helper, Unit) and n not in seen and n != after.qualname:
                seen.add(n)
                out.extend(_evidence(helper))
    return out


def _validator_loosened(b: Call, a: Call) -> Optional[str]:
    bh, ah = b.kwarg("allowed_hosts"), a.kwarg("allowed_hosts")
    if bh is not None and ah is None:
        return "allowed_hosts dropped"
    if bh is not None and ah is not None and bh.value != ah.value:
        if ah.value in VALIDATOR_WIDE_HOSTS or "'*'" in ah.value or '"*"' in ah.value:
            return f"allowed_hosts widened to {ah.text}"
        b_items = set(re.findall(r"""(['"])(.*?)\1""", bh.value))
        a_items = set(re.findall(r"""(['"])(.*?)\1""", ah.value))
        if a_items - b_items and b_items <= a_items:
            return f"allowed_hosts grew: {', '.join(sorted(i for _, i in a_items - b_items))}"
    bs, as_ = b.kwarg("require_https"), a.kwarg("require_https")
    if bs is not None and bs.value == "True" and (as_ is None or as_.value == "False"):
        return "require_https turned off"
    return None


# the redirect target visibly comes from the request (query string, form field, URI)
REQUEST_TARGET = re.compile(r"\b(?:request|req)\b|\bget_(?:argument|query_argument|param)\b|\b(?:args|GET|POST|query_params|params)\b")


def _request_target_relevance(change: UnitChange, ctx: RuleContext, sink: Call) -> Relevance:
    """An open redirect is security-relevant wherever it is: when the sink's target reads the
    request itself, the unit's (often neutral) name must not lower the finding."""
    rel = ctx.relevance(change)
    target = arg_at(sink, 0, "url") or arg_at(sink, 0, "location") or arg_at(sink, 0, "redirect_to")
    if rel.score < 0.8 and target is not None and REQUEST_TARGET.search(target.value):
        return Relevance("redirect", 0.8, rel.why_path or (change.qualname,), "the redirect target is read from the request")
    return rel


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.after is None or change.before is None:
        return []
    sinks = _dynamic_redirects(change.after)
    followed = returned = False
    if not sinks:
        # a client following a redirect: the target comes from the response's Location header, and
        # a scheme or host test is what keeps it from file:, data: or internal URLs (SSRF)
        sinks, followed = _followed_redirects(change.after), True
        if not sinks:
            sinks, followed = _returned_targets(change.after), False
            if not sinks or not _returned_targets(change.before):
                return []
            returned = True
    touched = [c for c in sinks if c.span.line in change.touched_after]
    sink = (touched or sinks)[0]
    out: list[Finding] = []
    b_ev, a_ev = _evidence(change.before), _evidence(change.after)
    a_ev = a_ev + _helper_evidence(change, ctx)
    lost = new_items(a_ev, b_ev, key=lambda e: e[0])
    rel = _request_target_relevance(change, ctx, sink)
    if followed:
        lost = [e for e in lost if e[0] in ("checks the scheme", "checks the netloc", VALIDATOR_KIND)]
        if lost and rel.score < 0.8:
            rel = Relevance("ssrf", 0.8, rel.why_path or (change.qualname,), "the followed URL comes from a response")
    what = "following a redirect to a response-controlled URL" if followed else "redirect to a request-controlled URL"
    if returned:
        what = f"the redirect target it returns (`{sink.text}`)"
        # slash handling of a returned value is redirect-normalisation-removed's question
        lost = [e for e in lost if e[0] in ("checks the scheme", "checks the netloc", VALIDATOR_KIND)]
    for kind, line, text in lost:
        out.append(make_finding(
            SPEC, change, ctx, f"{what} no longer {kind} (was `{text}`)",
            before_line=line, after_line=sink.span.line, evidence_before=text, evidence_after=sink.text,
            witness=f"before: {kind}; after: {sink.text} without it", relevance=rel,
        ))
    b_val = calls_to(change.before, REDIRECT_VALIDATORS)
    a_val = calls_to(change.after, REDIRECT_VALIDATORS)
    for b, a in pair_calls(b_val, a_val, key=lambda c: tail(c.callee)):
        if a is None or b is None:
            continue
        why = _validator_loosened(b, a)
        if why:
            out.append(make_finding(
                SPEC, change, ctx, f"{a.callee}(): {why}",
                before_line=b.span.line, after_line=a.span.line, evidence_before=b.text, evidence_after=a.text,
            ))
    return out
