"""Guard weakening: removed-guard, widened-condition, altered-comparison, short-circuit.

One comparison decides all four: for every check the old unit made, is there a case it
denied that the new unit lets through (semdiff.logic.witness)? Only then is the change
classified, by *why* the case gets through: the check is gone, its own test got wider, a
comparison in it changed, or an unchanged test now sits behind a new early exit or flag.
Equivalent rewrites (De Morgan, swapped operands, renames, extraction into a helper) and
stricter checks have no such case, so they are silent by construction.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional, Sequence

from semdiff import logic
from semdiff.align.units import UnitChange
from semdiff.ir import Action, Comparison, Formula, Guard, Unit, atoms_of, conj, disj
from semdiff.model import Confidence, Finding, Relevance, Severity
from semdiff.relevance.names import categorise
from semdiff.rules._generated import as_generated
from semdiff.rules._guard_content import canonical_form_relevance, content_relevance
from semdiff.rules._moved_checks import (
    binding_call, callee_now_refuses, enforced_by_callers, moved_into_callee, normalised_in_place, rederived_check,
    same_check_call, sanitised_instead, web_entry_point,
)
from semdiff.rules._call_keywords import call_unifier, rekey_calls, signature_unifier
from semdiff.rules._effective import (
    OPERAND, effective_guards, find_helper, inline_unifier, local_unifier, rekey, rekey_guards, rename_operands,
    passthrough_unifier, renamed_callee_unifier, same_body_callee_unifier, clock_unifier,
)
from semdiff.rules._decorator_order import moved_above_registration
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding, units_in_file

RULES = (
    RuleSpec(
        "removed-guard",
        "Security check removed",
        Severity.HIGH,
        "A check that denied (raise, deny return, abort, assert, auth decorator) is gone, or can no longer be reached.",
        (
            Example(
                "def delete_user(request, uid):\n    if not request.user.is_admin:\n        raise PermissionDenied()\n    User.delete(uid)\n",
                "def delete_user(request, uid):\n    User.delete(uid)\n",
                True,
            ),
            Example(
                "def delete_user(request, uid):\n    if not request.user.is_admin:\n        raise PermissionDenied()\n    User.delete(uid)\n",
                "def delete_user(request, uid):\n    if not request.user.is_admin:\n        raise PermissionDenied('admins only')\n    User.delete(uid)\n",
                False,
                "message changed only",
            ),
        ),
    ),
    RuleSpec(
        "widened-condition",
        "Security check lets more through",
        Severity.HIGH,
        "The check still exists but its condition now admits a case it used to deny (and->or, conjunct dropped, disjunct added, negation flipped), or it only logs now.",
        (
            Example(
                "def can_edit(user, doc):\n    return user.is_active and doc.owner == user.id\n",
                "def can_edit(user, doc):\n    return user.is_active or doc.owner == user.id\n",
                True,
            ),
            Example(
                "def can_edit(user, doc):\n    return user.is_active and doc.owner == user.id\n",
                "def can_edit(user, doc):\n    return not (not user.is_active or doc.owner != user.id)\n",
                False,
                "De Morgan",
            ),
        ),
    ),
    RuleSpec(
        "altered-comparison",
        "Security comparison altered",
        Severity.HIGH,
        "A comparison in a check changed operator, compared value or operand order so it admits more; or a constant-time comparison became `==`.",
        (
            Example(
                "def check(token, expected):\n    if not hmac.compare_digest(token, expected):\n        raise Denied()\n",
                "def check(token, expected):\n    if token != expected:\n        raise Denied()\n",
                True,
            ),
            Example(
                "def check(token, expected):\n    if token != expected:\n        raise Denied()\n",
                "def check(token, expected):\n    if not hmac.compare_digest(token, expected):\n        raise Denied()\n",
                False,
                "strengthening",
            ),
        ),
    ),
    RuleSpec(
        "short-circuit",
        "Security check bypassed by an early exit",
        Severity.HIGH,
        "An unchanged check is now skipped: an early `return` was inserted before it, or it was made conditional on a flag, setting, header or parameter.",
        (
            Example(
                "def verify(request):\n    if not valid(request.token):\n        raise Denied()\n    return True\n",
                "def verify(request):\n    if request.headers.get('X-Debug'):\n        return True\n    if not valid(request.token):\n        raise Denied()\n    return True\n",
                True,
            ),
            Example(
                "def verify(request):\n    if not valid(request.token):\n        raise Denied()\n    return True\n",
                "def verify(request):\n    if request.token is None:\n        raise Denied()\n    if not valid(request.token):\n        raise Denied()\n    return True\n",
                False,
                "an extra check is stricter",
            ),
        ),
    ),
)
SPEC = {r.id: r for r in RULES}

CONST_TIME = ("compare_digest", "constant_time_compare", "safe_str_cmp", "timingSafeEqual", "ConstantTimeCompare", "isEqual", "hmac.Equal")
_DENYING = {Action.RAISE, Action.DENY_RETURN, Action.ABORT, Action.ASSERT, Action.PREDICATE, Action.DECORATOR}


def _denying(guards: Iterable[Guard]) -> list[Guard]:
    return [g for g in guards if g.action in _DENYING and g.kind != "exit"]


def _keys(f: Formula) -> set[str]:
    out: set[str] = set()
    for a in atoms_of(f):
        out.add(a.key)
        if a.linear is not None:
            out.add("lin:" + a.linear.term)
        if a.kind == "cmp":
            out.add("ops:" + "|".join(sorted((a.left or "", a.right or ""))))
        token = logic.token_test(a)
        if token is not None:  # `"t" in split(x)` tests what `x == "t"` tests (see logic)
            out.add("ops:" + "|".join(sorted((f'"{token[1]}"', token[0]))))
        member = logic.literal_test(a)
        if member is not None:  # `ok === false` and `ok === true` test one value (see logic.consistent)
            out.add("opnd:" + member)
    return out


def equal_classes(pool: Sequence[Guard]) -> list[int]:
    """For each guard of `pool`, the index of the first guard equal to it: `_related` asks
    whether a guard is already taken once per guard and round, and comparing deep formulas
    one by one (`h in taken`) made that quadratic in the guards of a long unit."""
    first: dict[Guard, int] = {}
    return [first.setdefault(h, i) for i, h in enumerate(pool)]


def _related(g: Guard, others: Iterable[Guard], classes: Optional[list[int]] = None) -> list[Guard]:
    """After-side guards that can cover `g`: those sharing an atom with its condition, plus
    (transitively) those whose test appears in the path of a guard already taken, so an
    earlier stricter check that now denies first is counted as cover. `classes`:
    equal_classes(others), when the caller relates many guards to the same ones."""
    pool = list(others)
    own = _keys(g.condition)
    if not own:  # unconditional on its path (`raise` at the end, `return None` in a handler)
        own = _keys(g.deny_when)
        return [h for h in pool if not _keys(h.condition) and (_keys(h.deny_when) & own or not own and not _keys(h.deny_when))]
    # a check inverted into "allow early, deny at the end" has its test in the path of an
    # unconditional deny, so match on the deny formula when the check's own test is empty
    # a check restructured as "allow when it passes, else deny" (`if (ok === false) throw` ->
    # `if (ok === true) {...} else { if (cb) ... else throw }`) has its test in the deny's
    # path, under a test of its own: match on the deny formula too
    # (only where the path holds whenever the old test denies: every check after an early exit
    # has that exit's test in its path too, negated, and relating those would read an unrelated
    # later check as the old one rewritten)
    chosen = [i for i, h in enumerate(pool)
              if own & _keys(h.condition) or own & _keys(h.deny_when) and (not _keys(h.condition) or _path_holds(g, h, own))]
    taken = [pool[i] for i in chosen]
    keys = set().union(*(_keys(h.deny_when) for h in taken)) if taken else set()
    if classes is None or len(classes) != len(pool):
        classes = equal_classes(pool)
    taken_classes = {classes[i] for i in chosen}  # `h in taken` is `classes[i] in taken_classes`
    changed = True
    while changed:
        changed = False
        for i, h in enumerate(pool):
            if classes[i] in taken_classes:
                continue
            if keys & _keys(h.condition):
                taken.append(h)
                taken_classes.add(classes[i])
                keys |= _keys(h.deny_when)
                changed = True
        if sum(1 for _ in keys if not _.startswith(("lin:", "ops:", "opnd:"))) > logic.MAX_ATOMS:
            break
    return taken


def _path_holds(g: Guard, h: Guard, own: set[str]) -> bool:
    """Does a step of `h`'s path that tests what `g` tests hold whenever `g`'s test does (the
    old test in the polarity in which it denied: `if (ok === true) {...} else throw` holds
    `ok !== true` on the way to the throw, which `ok === false` implies)?"""
    for _line, f in h.path:
        if own & _keys(f):
            w = logic.witness(g.condition, f)
            if w is None:
                return True
    return False


# what a check refuses with says where it stands: rejecting malformed requests at a trust
# boundary (request smuggling, header injection) is input validation, unlike a ValueError
TRUST_BOUNDARY_ERRORS = re.compile(
    r"\b(BadRequest\w*|ParsingError|ProtocolError|RequestError|HeaderError|InvalidHeader\w*|"
    r"SuspiciousOperation|Security(?:Error|Exception)|AccessControlException|PermissionDenied|Forbidden|Unauthori[sz]ed\w*|"
    r"HTTPBadRequest|HTTPForbidden|HTTPUnauthorized|InvalidToken\w*|InvalidSignature\w*|"
    r"ValidationError|AuthenticationFailed|NotAuthenticated|AccessDenied\w*|CSRF\w*|"
    r"status(?:_code)?\s*=\s*40[013]|abort\(40[013]\)|HTTP_40[013]\w*)"
)


# a check that refuses with "too large" / ErrReadLimit is a resource limit (denial of service);
# unlike other message words, these phrases only ever describe a size/count/length cap
RESOURCE_LIMIT_ERRORS = re.compile(
    r"\b(?:Err\w*(?:Limit|TooLarge|TooLong|TooBig|TooMany|Overflow)\w*|\w*(?:TooLarge|TooLong|TooBig|TooMany)\w*(?:Error|Exception)"
    r"|StatusRequestEntityTooLarge|(?:too (?:large|long|big|many)|exceed(?:s|ed|ing)? (?:the )?(?:max\w*|limit)|limit exceeded)\b)",
    re.I,
)


_STRINGS = re.compile(r"""[rbuf]*("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')""", re.I)


def guard_relevance(guards: Iterable[Guard]) -> Optional[Relevance]:
    """A check that mentions admin/permission/token/... is security-relevant by itself."""
    guards = list(guards)
    for g in guards:
        # words of the code, not of its messages: "Invalid signature for yieldroutes" in an
        # error string does not make argument parsing a signature check
        for word in re.findall(r"[A-Za-z][A-Za-z0-9]*", _STRINGS.sub('""', g.text)):
            for part in re.split(r"(?<=[a-z0-9])(?=[A-Z])|_", word):
                hit = categorise(part)
                if hit and hit[0] not in ("validation",):
                    return Relevance(hit[0], 0.85, (), f"the check mentions '{part}'")
    for g in guards:
        m = TRUST_BOUNDARY_ERRORS.search(_STRINGS.sub('""', g.text))
        if m:
            return Relevance("validation", 0.6, (), f"the check rejects input with `{m.group(0)}`")
    for g in guards:
        m = RESOURCE_LIMIT_ERRORS.search(g.text)
        if m:
            return Relevance("dos", 0.6, (), f"the check enforces a resource limit (`{m.group(0)}`)")
    return None


def _relevance(change: UnitChange, ctx: RuleContext, guards: Iterable[Guard]) -> Relevance:
    base = ctx.relevance(change)
    guards = list(guards)
    unit = change.after or change.before
    own = guard_relevance(guards) or _helper_relevance(change, ctx, guards)
    content = content_relevance(guards)  # what the check tests (CR/LF, '..', framing headers)
    if content is None and guards:
        content = _canonical_relevance(change, guards)
    if content is not None and (own is None or content.score > own.score):
        own = content
    if own is not None and own.score > base.score:
        return Relevance(own.category, own.score, base.why_path or (unit.qualname,), own.reason)
    return base


def _canonical_relevance(change: UnitChange, guards: list[Guard]) -> Optional[Relevance]:
    """canonical_form_relevance, read in the unit the guards come from (a guard is the
    before unit's when that unit has one with its line and text)."""
    before, after = change.before, change.after
    out: Optional[Relevance] = None
    for unit in (before, after):
        if unit is None:
            continue
        mine = [g for g in guards if any(h.span.line == g.span.line and h.text == g.text for h in unit.guards)]
        if mine:
            out = canonical_form_relevance(unit, mine)
            if out is not None:
                return out
    return out


def _helper_relevance(change: UnitChange, ctx: RuleContext, guards: list[Guard]) -> Optional[Relevance]:
    """`if not self._choose_decoder(...): return False`: the check is what the helper does, so
    a helper in the change that rejects with a trust-boundary error makes the check relevant."""
    unit = change.before or change.after
    for g in guards:
        for atom in atoms_of(g.condition):
            if atom.kind != "call" or not atom.callee:
                continue
            for units in (ctx.before_units, ctx.after_units):
                helper = find_helper(unit, atom.callee, units)
                if helper is None:
                    continue
                m = TRUST_BOUNDARY_ERRORS.search(helper.text) or re.search(r"\b\w*[Bb]ad_?[Rr]equest\w*", helper.text)
                inner = guard_relevance(helper.guards)
                if inner is not None:
                    return Relevance(inner.category, inner.score, (unit.qualname, helper.qualname), f"{helper.qualname}: {inner.reason}")
                if m:
                    return Relevance("validation", 0.6, (unit.qualname, helper.qualname), f"{helper.qualname} rejects input with `{m.group(0)}`")
    return None


def _line_comparisons(unit: Unit, g: Guard) -> list[Comparison]:
    return [c for c in unit.comparisons if g.span.line <= c.span.line <= max(g.span.line, g.span.end_line)]


def _signed(c: Comparison) -> tuple[str, bool]:
    return c.atom.key, c.negated


def _altered(before: Unit, g: Guard, after: Unit, h: Guard, unify=None) -> Optional[tuple[Comparison, Comparison]]:
    """A comparison of the old check whose counterpart in the new check changed."""
    bc, ac = _line_comparisons(before, g), [_rekey_comparison(c, unify) for c in _line_comparisons(after, h)]
    after_signed = {_signed(c) for c in ac}
    for b in bc:
        if _signed(b) in after_signed:
            continue
        b_ops = {b.atom.left, b.atom.right}
        b_term = b.atom.linear.term if b.atom.linear else None
        for a in ac:
            if _signed(a) in {_signed(x) for x in bc}:
                continue
            same_operands = {a.atom.left, a.atom.right} == b_ops
            same_term = b_term is not None and a.atom.linear is not None and a.atom.linear.term == b_term
            shares_side = bool(b_ops & {a.atom.left, a.atom.right}) and a.atom.op == b.atom.op and a.negated == b.negated
            if same_operands or same_term or shares_side:
                return b, a
    return None


def _rekey_comparison(c: Comparison, unify) -> Comparison:
    if not unify:
        return c
    from dataclasses import replace

    atom = rekey(c.atom, unify)
    return replace(c, atom=atom)


def _new_contributor_lines(g: Guard, h: Guard) -> list[int]:
    """Lines of `h`'s path whose tests the old check's path did not make (first one first)."""
    old = set()
    for _, f in g.path:
        old |= {a.key for a in atoms_of(f)}
    return [line for line, f in h.path if not {a.key for a in atoms_of(f)} <= old]


def _new_contributor_line(g: Guard, h: Guard) -> Optional[int]:
    lines = _new_contributor_lines(g, h)
    return lines[0] if lines else None


def _refused_by_new_exit(g: Guard, related: list[Guard], a_all, lines: Iterable[int]) -> bool:
    """Is every new gate in front of the check an early exit that itself denies?

    `if not key.is_public(): return False` inserted before an unchanged `return False`
    makes the old check run on fewer paths, but every case that now skips it is refused
    by the new exit: stricter, not a short-circuit. Several such exits in a row (`if x is
    None: return False`, `if not isinstance(x, str): return False`, ...) each refuse the
    cases they divert, so all of the new gates are read, not only the first."""
    lines = set(lines)
    exits = [x for x in _denying(a_all) if x.reachable and x.span.line in lines]
    if not exits:
        return False
    cover = disj(*(x.deny_when for x in related), *(x.deny_when for x in exits))
    return logic.witness(g.deny_when, cover) is None


def _path_rescoped(g: Guard, h: Guard) -> bool:
    """Does the unchanged check now also run on paths where it did not run before?

    A gate swapped for another (`if SETTING and app_installed:` -> `if is_refresh_token and
    app_installed:`) skips the check in some old cases but runs it in new ones: a re-scoping
    to review, not the pure short-circuit of a gate added in front of it."""
    before_path = conj(*(f for _, f in g.path))
    after_path = conj(*(f for _, f in h.path))
    w = logic.witness(after_path, before_path)
    return w is not None and not isinstance(w, logic.Unknown)


def _exit_before(after: Unit, h: Guard) -> Optional[Guard]:
    """The unconditional exit that made `h` unreachable, if there is one."""
    exits = [
        x for x in after.guards
        if x.span.line < h.span.line and x.reachable and x.kind in ("exit", "branch", "predicate")
        and x.action not in (Action.LOG, Action.PASS)
    ]
    return exits[-1] if exits else None


@family("guards", RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    if before is None or after is None:
        return []
    b_all = effective_guards(before, ctx.before_units)
    if not any(g.reachable for g in _denying(b_all)):
        # no reachable denying guard before (the unifiers below only re-key guards, never
        # add or drop one): the loop over them has nothing to report, only the timing check can
        return as_generated(change, ctx, _timing(change, ctx, set()))
    a_eff = effective_guards(after, ctx.after_units)
    # a value tested inline on one side and through a local bound to it on the other
    inline_b, inline_a = inline_unifier(before, after, a_eff), inline_unifier(after, before, b_all)
    if inline_b:
        b_all = rekey_guards(b_all, inline_b)
    unify = local_unifier(before, after)
    a_all = rekey_guards(rekey_guards(a_eff, inline_a), unify)
    calls = call_unifier(b_all, a_all)
    calls.update(signature_unifier(b_all, a_all, _callee_params(before, after, ctx)))
    calls.update(renamed_callee_unifier(b_all, a_all))  # `_is_inside(p, t)` -> `paths.is_inside(p, t)`
    calls.update(passthrough_unifier(b_all, a_all))  # `verify(m, s)` -> `verify(m, s, undefined, options)`
    calls.update(same_body_callee_unifier(b_all, a_all, before, after, ctx.before_units, ctx.after_units))  # moved + renamed, body unchanged
    calls.update(clock_unifier(b_all, a_all))  # `x.Before(time.Now())` -> `x.Before(clock.Now())`
    if calls:  # the same checking call with harmless keywords added is the same check
        a_all = tuple(rekey_calls(h, calls) for h in a_all)
    b_guards = [g for g in _denying(b_all) if g.reachable]
    a_guards = _denying(a_all)
    if any(_REDIRECT.search(c.callee) for c in before.calls):
        remap = {**inline_a, **unify}
        b_guards = [g for g in b_guards if not _redirect_allow_narrowed(g, before, after, b_all, a_all, remap)]
    a_live = [h for h in a_guards if h.reachable]
    live_classes = equal_classes(a_live) if b_guards else []
    findings: list[Finding] = []
    reported_after_lines: set[int] = set()
    for g in b_guards:
        if _handler_now_swallows(g, after):
            continue  # a handler that stopped denying: swallowed-exception's finding, not a second one here
        if _rethrows_caught(g, before):
            continue  # `catch (E e) { throw new W(e); }` only re-labels a failure that propagates anyway
        related = _related(g, a_live, live_classes)
        cover = disj(*(h.deny_when for h in related))
        w = logic.witness(g.deny_when, cover)
        if w is None:
            continue
        if _covered_as_isinstance(g, a_live):
            continue  # `type(x) is C` -> `isinstance(x, C)`: the new test admits subclasses too, so denies more
        again = rederived_check(g, before, after, a_live)
        if again is not None:
            findings.append(_rederived(change, ctx, g, again[0], again[1], w))
            continue
        uncertain = isinstance(w, logic.Unknown)
        if uncertain:
            # too many atoms to decide: only report if the exact check text vanished
            if any(h.text == g.text for h in a_live):
                continue
            w = {}
        mixed = _mixed(g, related, b_guards)
        f = _classify(change, ctx, g, related, a_all, w, uncertain)
        if f is not None and mixed and f.rule_id != "removed-guard":
            f = _as_rewrite(f)
        if f is not None and f.rule_id in ("short-circuit", "widened-condition"):
            f = _as_added_credential(f, g, related)
        if f is not None and (f.after is None or f.after.line not in reported_after_lines or f.rule_id == "removed-guard"):
            findings.append(f)
            if f.after is not None:
                reported_after_lines.add(f.after.line)
    for g, d, reg in moved_above_registration(before, after):
        findings.append(make_finding(
            SPEC["removed-guard"], change, ctx,
            f"The decorator `{d.text}` is now above `{reg.text}`: decorators apply bottom-up, so the route registers "
            f"`{change.qualname}` before `{d.text}` wraps it, and requests reach the view without the check.",
            before_line=g.span.line, after_line=d.span.line, evidence_before=g.text, evidence_after=f"{d.text}\n{reg.text}",
            relevance=_relevance(change, ctx, [g]),
        ))
    return as_generated(change, ctx, _with_timing(change, ctx, findings, reported_after_lines))


def _with_timing(change: UnitChange, ctx: RuleContext, findings: list[Finding], taken: set[int]) -> list[Finding]:
    """The guard findings plus the timing ones. A constant-time call that became an
    equality *call* (`MessageDigest.isEqual(a, b)` -> `a.equals(b)`, `ConstantTimeCompare`
    -> `bytes.Equal`) is a different atom to the guard comparison, which then reports the
    check as removed (or re-made with derived arguments). When the equality call now
    decides a denying check on that line, the timing finding says what happened and takes
    the place of the removed-guard one; a check that is really gone keeps its finding."""
    before, after = change.before, change.after
    assert before is not None and after is not None
    const_calls = [c.text for c in before.calls if c.callee.endswith(CONST_TIME)]
    if not const_calls:
        return findings + _timing(change, ctx, taken)
    soft = {
        f.after.line for f in findings
        if f.rule_id == "removed-guard" and f.after is not None and any(t in f.evidence.before for t in const_calls)
    }
    timing = _timing(change, ctx, taken - soft)
    deciding = {h.span.line for h in _denying(after.guards)}
    for t in timing:
        if t.after is None:
            continue
        line = t.after.line
        findings = [
            f for f in findings
            if not (f.rule_id == "removed-guard" and t.evidence.before in f.evidence.before
                    and ((f.after is not None and f.after.line == line) or (f.after is None and line in deciding)))
        ]
    return findings + timing


# ---------------------------------------------------------------- a redirect to the value just tested

_REDIRECT = re.compile(r"(?:^|\.)(?:redirect|Redirect|redirect_to|redirectTo|sendRedirect|HttpResponseRedirect|RedirectResponse)$")


def _redirect_target(unit: Unit, g: Guard, remap: Optional[dict] = None) -> Optional[str]:
    """The value `g` redirects to when it is one its own test examined: `if (ref.startsWith('/'))
    { redirect(ref); return }` sends the client where the check approved. That branch is an
    allowance, not a refusal (a refusal redirects somewhere fixed: `redirect('/login')`)."""
    if g.action is not Action.ABORT:
        return None
    tested = {m.group(0) for a in atoms_of(g.condition) for m in OPERAND.finditer(a.key)}
    if not tested:
        return None
    names = {ph: n for n, ph in unit.locals}
    for ph in list(tested):  # `url = new URL(ref, base)` / `if (url.host === host)` tests `ref` too
        bound = binding_call(unit, names[ph]) if ph in names else None
        if bound is not None:
            tested |= {m.group(0) for k in bound.arg_keys for m in OPERAND.finditer(k)}
    for c in unit.calls:
        if g.span.line <= c.span.line <= g.span.end_line and _REDIRECT.search(c.callee):
            for k in c.arg_keys:
                k = rename_operands(k, remap)
                if k in tested:
                    return k
    return None


def _redirect_allow_narrowed(g: Guard, before: Unit, after: Unit, b_all, a_all, remap: dict) -> bool:
    """Is `g` a redirect to the value it tested (see _redirect_target) whose allowance the new
    version only narrowed? Removing `if (ref.startsWith('/')) { redirect(ref); return }` while
    `if (sameHost(ref)) { redirect(ref); return }` stays redirects to `ref` in fewer cases: it
    is stricter, though the removed branch reads as a removed deny. Narrowed means: every
    redirect the new version makes goes to a value the old one redirected to, each redirect to
    the tested value sits in such a branch, and those branches together admit no case the old
    ones did not (no witness)."""
    target = _redirect_target(before, g)
    if target is None:
        return False
    was = {k for c in before.calls if _REDIRECT.search(c.callee) for k in c.arg_keys}
    allowed_after = []
    for c in after.calls:
        if not _REDIRECT.search(c.callee):
            continue
        keys = [rename_operands(k, remap) for k in c.arg_keys]
        if any(k not in was for k in keys):
            return False  # redirects somewhere new (`redirect(ref || alt)`): judged as before
        if target in keys:
            branch = [h for h in a_all if h.reachable and h.span.line <= c.span.line <= h.span.end_line
                      and _redirect_target(after, h, remap) == target]
            if not branch:
                return False  # redirects to it without a test of its own
            allowed_after.extend(branch)
    allowed_before = disj(*(x.deny_when for x in b_all if x.reachable and _redirect_target(before, x) == target))
    w = logic.witness(disj(*(h.deny_when for h in allowed_after)), allowed_before)
    return w is None


def _rederived(change: UnitChange, ctx: RuleContext, g: Guard, h: Guard, via: str, w) -> Finding:
    """The same refusal re-made on a value a new helper derives from the tested one: low."""
    rel = _relevance(change, ctx, [g])
    message = (f"The check `{g.text}` in `{change.qualname}` is re-made as `{h.text}` (line {h.span.line}) with the same "
               f"refusal, on a value the new `{via}` derives from the one it tested (and behind what that call returns): "
               "check that the derived value still carries what the old test examined.")
    return make_finding(
        SPEC["removed-guard"], change, ctx, message,
        before_line=g.span.line, after_line=h.span.line, evidence_before=g.text, evidence_after=h.text,
        witness=_witness_text(g, w if isinstance(w, dict) else {}, []), confidence=Confidence.MEDIUM, relevance=rel,
        severity=Severity.LOW,
    )


def _callee_params(before: Unit, after: Unit, ctx: RuleContext):
    """Callee name -> (its parameters before, after) when both versions are in the change."""
    def params(callee: str):
        hb, ha = find_helper(before, callee, ctx.before_units), find_helper(after, callee, ctx.after_units)
        return None if hb is None or ha is None else (hb.params, ha.params)
    return params


_EXACT_TYPE = re.compile(r"^type\((.+)\)$|^(.+)\.__class__$")
_CLASS_NAME = re.compile(r"^[A-Za-z_][\w.]*$")


def _as_isinstance(f: Formula, positive: bool = True) -> Formula:
    """`f` with each exact-type test that makes it deny (`type(x) is C`, `x.__class__ == C`,
    in a positive position) read as `isinstance(x, C)`, which holds whenever it does: a check
    rewritten that way denies at least as much. Negative positions stay (`type(x) is not C`
    -> `not isinstance(x, C)` would let subclasses through)."""
    from dataclasses import replace as _replace

    from semdiff.ir import And, Atom, Not, Or

    if isinstance(f, Atom):
        if not positive or f.kind != "cmp" or f.op not in ("is", "==") or f.left is None or f.right is None:
            return f
        for obj, cls in ((f.left, f.right), (f.right, f.left)):
            m = _EXACT_TYPE.match(obj)
            if m and _CLASS_NAME.match(cls):
                x = m.group(1) or m.group(2)
                return _replace(f, key=f"isinstance({x},{cls})", kind="call", op=None, left=None, right=None,
                                linear=None, callee="isinstance", text=f"isinstance({x}, {cls})")
        return f
    if isinstance(f, Not):
        return Not(_as_isinstance(f.arg, not positive))
    if isinstance(f, And):
        return And(tuple(_as_isinstance(a, positive) for a in f.args))
    if isinstance(f, Or):
        return Or(tuple(_as_isinstance(a, positive) for a in f.args))
    return f


def _covered_as_isinstance(g: Guard, a_live: list[Guard]) -> bool:
    from dataclasses import replace as _replace

    deny = _as_isinstance(g.deny_when)
    if deny == g.deny_when:
        return False
    g2 = _replace(g, deny_when=deny, condition=_as_isinstance(g.condition))
    related = _related(g2, a_live)
    return bool(related) and logic.witness(g2.deny_when, disj(*(h.deny_when for h in related))) is None


_RAISED = re.compile(r"^raised\((.*)\)$")


def _handler_now_swallows(g: Guard, after: Unit) -> bool:
    """Is `g` a denial inside an exception handler whose try still exists after the change,
    but whose handler no longer denies? That change belongs to the swallowed-exception family."""
    if atoms_of(g.condition):
        return False
    calls = {m.group(1) for a in atoms_of(g.deny_when) for m in [_RAISED.match(a.key)] if m}
    if not calls:
        return False
    return any(
        set(h.guarded_calls) & calls and h.action not in (Action.RAISE, Action.DENY_RETURN, Action.ABORT)
        for h in after.handlers
    )


# the variable a handler binds the caught exception to: Java `catch (final A | B e)`,
# JavaScript `catch (e)`, Python `except (A, B) as e:`
_CAUGHT_AS = re.compile(r"^\s*(?:catch\s*\(\s*(?:final\s+)?(?:[\w.$]+(?:\s*\|\s*[\w.$]+)*\s+)?([\w$]+)\s*\)|except\b[^:]*?\bas\s+(\w+)\s*:)")
_HANDLER_HEAD = re.compile(r"^\s*(?:catch\s*\([^)]*\)\s*\{|except\b[^:]*:)")


def _rethrows_caught(g: Guard, before: Unit) -> bool:
    """Is `g` an exception handler whose whole body re-throws what it caught, bare or wrapped
    (`catch (ParseError e) { throw new IOException(e); }`, `except KeyError as e: raise
    LookupFailed(e) from e`, bare `raise`)? It refuses nothing itself: without it the
    same failure propagates and the same cases are still refused (only the exception type
    changes). A handler that refuses with a new failure of its own, or does anything else
    first, is still a check."""
    if g.action is not Action.RAISE or atoms_of(g.condition) or not any(a.key.startswith(("except(", "raised(")) for a in atoms_of(g.deny_when)):
        return False  # not the unconditional raise of a handler
    for h in before.handlers:
        if not (h.span.line <= g.span.line <= h.span.end_line):
            continue
        m = _CAUGHT_AS.match(h.text)
        var = (m.group(1) or m.group(2)) if m else None
        head = _HANDLER_HEAD.match(h.text)
        if head is None:
            return False
        body = re.sub(r"\s+", "", h.text[head.end():]).rstrip("}").rstrip(";")
        stmt = re.sub(r"\s+", "", g.text).rstrip(";")
        if body != stmt:
            return False  # the handler does something besides re-throwing
        if re.fullmatch(r"raise", stmt):
            return True
        if var is None:
            return False
        v = re.escape(var)
        # the caught value must be the new exception's argument: `raise HTTPException(400,
        # detail=...) from e` only chains it and refuses with an error of its own (a 400, not
        # the 500 the bare failure would become), so it stays a check
        wrapped = (rf"(?:throw|raise)(?:{v}|(?:new)?[\w.$]+\({v}\)|[\w.$]+\((?:[^()]*,)?{v}\)(?:from{v})?)")
        return re.fullmatch(wrapped, stmt) is not None
    return False


def _mixed(g: Guard, related: list[Guard], b_guards: list[Guard]) -> bool:
    """Does the new check also deny something the old code allowed (a rewrite, not a pure widening)?"""
    if not related:
        return False
    cover_after = disj(*(h.deny_when for h in related))
    back = set()
    for h in related:
        back.update(id(x) for x in _related(h, b_guards))
    cover_before = disj(g.deny_when, *(x.deny_when for x in b_guards if id(x) in back))
    new_facts = {a.key for a in atoms_of(cover_after)} - {a.key for a in atoms_of(cover_before)}
    if not new_facts:
        return False  # same facts, different verdicts (e.g. a flipped negation): not a re-scoping
    w = logic.witness(cover_after, cover_before)
    return w is not None and not isinstance(w, logic.Unknown)


def _as_rewrite(f: Finding) -> Finding:
    """A rewritten check that admits some old cases and denies some new ones: lower certainty."""
    from dataclasses import replace

    return replace(
        f,
        severity=f.severity.bumped(-1),
        confidence=Confidence.LOW,
        message=f.message + " The rewrite also denies some cases the old code allowed, so this may be a deliberate re-scoping: check the newly allowed case.",
    )


def _as_added_credential(f: Finding, g: Guard, related: list[Guard]) -> Finding:
    """Every newly allowed case presents a value equal to a configured secret (`pw ==
    self.admin_password`): an added credential, itself an authentication check: low."""
    from dataclasses import replace

    from semdiff.rules._credential_match import alternative_credential

    atom = alternative_credential(g, related)
    if atom is None or f.severity <= Severity.LOW:
        return f
    return replace(
        f, severity=Severity.LOW, confidence=Confidence.MEDIUM,
        message=f.message + f" Every case it now lets through must match a configured secret (`{atom.text}`): an added credential rather than a bypass; check how that secret is configured.",
    )


# ---------------------------------------------------------------- Go: nil checks of retyped fields

# Go types whose zero value is not nil: a field declared with one of them cannot be compared
# with nil. Named types are not listed (a named type may be an interface or a func type).
_GO_NOT_NILLABLE = re.compile(
    r"^(string|bool|byte|rune|uintptr|u?int(8|16|32|64)?|float(32|64)|complex(64|128)|\[\d+\].*|struct\s*\{.*)$")
_GO_NILLABLE = re.compile(r"^(\*|\[\]|map\[|func\b|chan\b|<-\s*chan\b|interface\s*\{|error$|any$)")


def _field_types(units, path: str, field: str) -> list[tuple[str, str]]:
    """(struct field key, declared type) of every top-level struct field so named in `path`."""
    out: list[tuple[str, str]] = []
    for u in units_in_file(units, path):
        if isinstance(u, Unit) and u.kind == "module":
            out.extend((st.key, st.value) for st in u.settings if st.scope == "field" and st.key.rsplit(".", 1)[-1] == field)
    return out


def _nil_fields_retyped(g: Guard, change: UnitChange, ctx: RuleContext) -> list[str]:
    """Fields `x.F` whose every atom in `g` is `x.F == nil` / `x.F != nil`, when the change
    moved each declaration of `F` in the file from a nillable type (pointer, slice, map, func,
    chan, interface) to one that cannot be nil: the removed check could not compile any more,
    so its removal is a consequence of the retyping, not a dropped check (Go only)."""
    if change.language != "go":
        return []
    atoms = list(atoms_of(g.condition))
    fields: list[str] = []
    for a in atoms:
        if a.kind != "cmp" or a.op not in ("==", "!=") or "nil" not in (a.left, a.right):
            return []
        other = a.right if a.left == "nil" else a.left
        if not other or "." not in other:
            return []
        fields.append(other.rsplit(".", 1)[-1])
    path = change.path
    out: list[str] = []
    for f in dict.fromkeys(fields):
        before = dict(_field_types(ctx.before_units, path, f))
        after = dict(_field_types(ctx.after_units, path, f))
        if not before or not after or any(not _GO_NOT_NILLABLE.match(t) for t in after.values()):
            return []
        turned = [k for k, t in after.items() if k in before and _GO_NILLABLE.match(before[k])]
        if not turned:
            return []
        out.extend(f"`{k}` ({before[k]} -> {after[k]})" for k in turned)
    return out if atoms else []


def _witness_text(g: Guard, w, others: Iterable[Guard]) -> str:
    if not w:
        return ""
    return f"before: denied when {logic.describe(w, [g.deny_when])}; after: that case is allowed ({logic.describe(w, [g.deny_when] + [h.deny_when for h in others])})"


def _classify(change: UnitChange, ctx: RuleContext, g: Guard, related: list[Guard], a_all, w, uncertain: bool) -> Optional[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    rel = _relevance(change, ctx, [g])
    conf = Confidence.LOW if uncertain else Confidence.HIGH
    if any(a.kind == "call" for a in atoms_of(g.condition)) and g.kind == "call-guard":
        conf = conf.lowered()
    soft = [h for h in a_all if h.action in (Action.LOG, Action.PASS) and h.reachable and logic.equivalent(h.condition, g.condition)]
    if not related:
        if soft:
            h = soft[0]
            return make_finding(
                SPEC["widened-condition"], change, ctx,
                f"The check `{g.text}` no longer denies: when its condition holds it now only {'logs' if h.action is Action.LOG else 'passes'} (`{h.text}`).",
                before_line=g.span.line, after_line=h.span.line, evidence_before=g.text, evidence_after=h.text,
                witness=_witness_text(g, w, []), confidence=conf, relevance=rel,
            )
        dead = [h for h in _denying(a_all) if not h.reachable and h.text == g.text]
        if dead:
            h = dead[0]
            exit_ = _exit_before(after, h)
            if exit_ is not None and exit_.span.line in change.touched_after and exit_.action is Action.RETURN:
                return make_finding(
                    SPEC["short-circuit"], change, ctx,
                    f"`{exit_.text}` now returns before the check `{g.text}`, which can no longer run.",
                    before_line=g.span.line, after_line=exit_.span.line, evidence_before=g.text, evidence_after=exit_.text,
                    witness=_witness_text(g, w, []), confidence=conf, relevance=rel,
                )
            return make_finding(
                SPEC["removed-guard"], change, ctx,
                f"The check `{g.text}` is still in the code but can no longer be reached (dead after an earlier exit).",
                before_line=g.span.line, after_line=h.span.line, evidence_before=g.text, evidence_after=h.text,
                witness=_witness_text(g, w, []), confidence=conf, relevance=rel,
            )
        what = "decorator" if g.kind == "decorator" else "check"
        message = f"The {what} `{g.text}` was removed from `{change.qualname}`; nothing in the new version denies that case."
        severity = None
        retyped = _nil_fields_retyped(g, change, ctx)
        if retyped:
            message += (f" The same change made {', '.join(retyped)} a type that cannot be nil, so the nil check could no "
                        "longer compile: the case it denied no longer exists in that form (check how an empty value is handled now).")
            return make_finding(
                SPEC["removed-guard"], change, ctx, message,
                before_line=g.span.line, evidence_before=g.text, evidence_after="",
                witness=_witness_text(g, w, []), confidence=Confidence.MEDIUM, relevance=rel, severity=Severity.INFO,
            )
        still = same_check_call(g, before, after)
        if still is not None:
            # the same check function still runs on the same path, its arguments re-expressed
            message = (f"The check `{g.text}` in `{change.qualname}` is still made as `{still[0]}` (line {still[1]}): "
                       "same check function, literal arguments unchanged, the other arguments derived from the old ones; "
                       "check that they still name the same values.")
            return make_finding(
                SPEC["removed-guard"], change, ctx, message,
                before_line=g.span.line, after_line=still[1], evidence_before=g.text, evidence_after=still[0],
                witness=_witness_text(g, w, []), confidence=Confidence.MEDIUM, relevance=rel, severity=Severity.LOW,
            )
        handler = _same_handler_other_call(g, a_all)
        if handler is not None and _defined_in_change(handler[1], ctx):
            # the same refusal of a failure, now of another call: the step's implementation was
            # swapped (a library loader for the project's own); the handler still refuses its failures
            message = (f"The check `{g.text}` in `{change.qualname}` still refuses, unchanged, when the protected step fails, "
                       f"but the step is now {', '.join(f'`{c}`' for c in handler[1])} (line {handler[0].span.line}): "
                       "check that the new step fails in every case the old one did.")
            return make_finding(
                SPEC["removed-guard"], change, ctx, message,
                before_line=g.span.line, after_line=handler[0].span.line, evidence_before=g.text, evidence_after=handler[0].text,
                witness=_witness_text(g, w, []), confidence=Confidence.MEDIUM, relevance=rel, severity=Severity.LOW,
            )
        instead = sanitised_instead(g, ctx.before_units, ctx.after_units) if g.kind in ("inlined", "call-guard") else []
        if instead:
            # the values it validated are now sanitised where they are used: a change of approach
            message += (f" The same change sanitises what it validated where the values are used ({', '.join(instead[:4])}): "
                        "check that every value it refused is now made harmless.")
            return make_finding(
                SPEC["removed-guard"], change, ctx, message,
                before_line=g.span.line, evidence_before=g.text, evidence_after="",
                witness=_witness_text(g, w, []), confidence=Confidence.MEDIUM, relevance=rel, severity=Severity.LOW,
            )
        cleaned = normalised_in_place(g, before, after)
        if cleaned is not None:
            # the value is now rewritten into a safe form instead of being refused: a change of approach
            message += (f" The same change rewrites the value it tested in place (`{cleaned}`) instead of refusing it: "
                        "check that the normaliser makes every value it refused harmless.")
            return make_finding(
                SPEC["removed-guard"], change, ctx, message,
                before_line=g.span.line, evidence_before=g.text, evidence_after=cleaned,
                witness=_witness_text(g, w, []), confidence=Confidence.MEDIUM, relevance=rel, severity=Severity.LOW,
            )
        moved = moved_into_callee(g, after, ctx.after_units)
        if moved is not None:
            # the same check now runs in code this function calls (a shared core): a move
            message += f" The same check now runs in `{moved.qualname}` ({moved.path}), which `{change.qualname}` calls."
            return make_finding(
                SPEC["removed-guard"], change, ctx, message,
                before_line=g.span.line, evidence_before=g.text, evidence_after="",
                witness=_witness_text(g, w, []), confidence=Confidence.MEDIUM, relevance=rel, severity=Severity.LOW,
            )
        graph = ctx.options.get("repo_relevance")
        upstream = enforced_by_callers(g, after, ctx.after_units, _outside_callers(graph, ctx) if graph is not None else None)
        if upstream is not None:
            # hoisted: every way into this function now passes the same check first
            shown = ", ".join(f"`{q}`" for q in upstream[:5]) + (f" and {len(upstream) - 5} more" if len(upstream) > 5 else "")
            message += f" Every caller of `{change.qualname}` in the change (up to its entry points) now makes the same check before calling it: {shown}."
            return make_finding(
                SPEC["removed-guard"], change, ctx, message,
                before_line=g.span.line, evidence_before=g.text, evidence_after="",
                witness=_witness_text(g, w, []), confidence=Confidence.MEDIUM, relevance=rel, severity=Severity.LOW,
            )
        stricter = callee_now_refuses(g, before, after, ctx.before_units, ctx.after_units)
        if stricter is not None:
            # the tested value comes from a callee the change made refuse more: likely redundant now
            callee, refusal = stricter
            message += (f" The value it tested comes from `{callee.qualname}`, which the same change made refuse more "
                        f"(`{refusal.text}`), and `{change.qualname}` lets that refusal through: "
                        "check that it covers the case the old check denied.")
            return make_finding(
                SPEC["removed-guard"], change, ctx, message,
                before_line=g.span.line, evidence_before=g.text, evidence_after="",
                witness=_witness_text(g, w, []), confidence=Confidence.MEDIUM, relevance=rel, severity=Severity.LOW,
            )
        if graph is not None:
            callees = {a.callee for a in atoms_of(g.condition) if a.callee} | {a.callee.lstrip("@") for a in atoms_of(g.condition) if a.kind == "call" and a.callee}
            if callees and not web_entry_point(after) and graph.enforced_by_all_callers(after.path, after.qualname, callees, "after"):
                # judged on the graph: the check moved into every caller (issue 4's hard negative)
                message += f" Every caller of `{change.qualname}` now runs {', '.join(sorted(callees))} first, so callers still enforce it."
                severity, conf = Severity.INFO, Confidence.MEDIUM
            else:
                routes = [r for r in graph.dependent_routes(after.path, after.qualname, "after") if not r.endswith("." + after.qualname)]
                if routes:
                    shown = ", ".join(routes[:5]) + (f" and {len(routes) - 5} more" if len(routes) > 5 else "")
                    message += f" Routes that rely on it: {shown}."
                    rel = Relevance(rel.category if rel.category != "none" else "authz", max(rel.score, 0.9), rel.why_path, rel.reason or "reached from routes")
        return make_finding(
            SPEC["removed-guard"], change, ctx, message,
            before_line=g.span.line, evidence_before=g.text, evidence_after="",
            witness=_witness_text(g, w, []), confidence=conf, relevance=rel, severity=severity,
        )
    h = max(related, key=lambda x: len(_keys(x.condition) & _keys(g.condition)))
    same_test = logic.equivalent(g.condition, h.condition)
    if same_test:
        line = _new_contributor_line(g, h)
        if line is not None and _refused_by_new_exit(g, related, a_all, _new_contributor_lines(g, h)):
            return None
        if line is not None:
            src = after.text.splitlines()[line - after.span.line].strip() if 0 <= line - after.span.line < len(after.text.splitlines()) else ""
            found = make_finding(
                SPEC["short-circuit"], change, ctx,
                f"The check `{g.text}` is unchanged but now only runs on some paths: `{src}` lets the other cases skip it.",
                before_line=g.span.line, after_line=line, evidence_before=g.text, evidence_after=src,
                witness=_witness_text(g, w, related), confidence=conf, relevance=rel,
            )
            return _as_rewrite(found) if _path_rescoped(g, h) else found
    pair = _altered(before, g, after, h, local_unifier(before, after))
    if pair is not None:
        b, a = pair
        return make_finding(
            SPEC["altered-comparison"], change, ctx,
            f"The comparison `{b.left_text} {b.source_op} {b.right_text}` became `{a.left_text} {a.source_op} {a.right_text}`, so the check `{h.text}` admits a case the old one denied.",
            before_line=b.span.line, after_line=a.span.line,
            evidence_before=f"{b.left_text} {b.source_op} {b.right_text}", evidence_after=f"{a.left_text} {a.source_op} {a.right_text}",
            witness=_witness_text(g, w, related), confidence=conf, relevance=rel,
        )
    return make_finding(
        SPEC["widened-condition"], change, ctx,
        f"The check changed from `{g.text}` to `{h.text}` and now lets through a case it used to deny.",
        before_line=g.span.line, after_line=h.span.line, evidence_before=g.text, evidence_after=h.text,
        witness=_witness_text(g, w, related), confidence=conf if not uncertain else Confidence.LOW, relevance=rel,
    )


_RAISED = re.compile(r"raised\((?P<callee>[^()*]+)\)$")
_RERAISE_CAUSE = re.compile(r"\s+from\s+[A-Za-z_]\w*\s*$")


def _handled_calls(g: Guard) -> Optional[tuple[str, ...]]:
    """The calls whose failure an exception handler's refusal answers (the `raised(loader)`
    atoms on its path), or None when it is no handler or its own condition tests anything else."""
    own = list(atoms_of(g.condition))
    if any(not _RAISED.match(a.key) for a in own):
        return None  # the handler tests something besides the failure (`if retry: raise`)
    calls = tuple(dict.fromkeys(m.group("callee") for a in atoms_of(g.deny_when) for m in [_RAISED.match(a.key)] if m))
    return calls or None


def _same_handler_other_call(g: Guard, a_all) -> Optional[tuple[Guard, tuple[str, ...]]]:
    """An after-side handler that refuses exactly as `g` did (the same raise, whitespace and a
    `from e` cause aside) but for the failure of other calls, none of which `g` handled: the
    protected step was swapped, the refusal kept. Only when the refusal is unique on both sides
    and denies the same way."""
    old = _handled_calls(g)
    if old is None:
        return None
    text = _RERAISE_CAUSE.sub("", " ".join(g.text.split())).replace("( ", "(").replace(" )", ")")
    found = None
    for h in a_all:
        new = _handled_calls(h)
        if new is None or h.action != g.action or not h.reachable:
            continue
        other = _RERAISE_CAUSE.sub("", " ".join(h.text.split())).replace("( ", "(").replace(" )", ")")
        if other != text:
            continue
        if found is not None or set(new) & set(old):
            return None
        found = (h, new)
    return found


def _defined_in_change(callees: Iterable[str], ctx: RuleContext) -> bool:
    """Is every new step a function the change itself analyses (`HtpasswdFile.from_file` of an
    added module)? Its own checks are then read on their own; a swap to an outside call
    (`jwt.decode` -> `jwt.get_unverified_claims`) is not excused."""
    tails = {".".join(c.split(".")[-2:]) for c in callees} | {c.rsplit(".", 1)[-1] for c in callees if "." not in c}
    found = set()
    for (_path, qual) in list(ctx.after_units):
        for t in tails:
            if qual == t or qual.endswith("." + t):
                found.add(t)
    return bool(tails) and found == tails


def _outside_callers(graph, ctx: RuleContext):
    """Whether the repository call graph knows callers of a unit that the change's own units
    do not account for (unchanged files calling it): their checks are unknown."""
    from semdiff.rules._moved_checks import _callers, _memo

    def outside(unit: Unit) -> bool:
        known = graph.callers(unit.path, unit.qualname, "after")
        if not known:
            return False
        seen = {graph.node(c.path, c.qualname, "after") for c, _call in _callers(unit, ctx.after_units, _memo(ctx.after_units))}
        return any(k not in seen for k in known)

    return outside


# Equality tests written as calls: none of them is constant-time. A receiver form
# (`a.equals(b)`, `buf.equals(other)`) names one operand before the dot; a two-argument
# form (`Objects.equals(a, b)`, `bytes.Equal(a, b)`) names both. Constant-time calls are
# tested first, so `hmac.Equal` or `MessageDigest.isEqual` never count as one of these.
_EQUALITY_TAILS = frozenset({"equals", "contentEquals", "equalsIgnoreCase", "Equals", "SequenceEqual", "deepEquals"})
_EQUALITY_FUNCTIONS = frozenset({"bytes.Equal", "reflect.DeepEqual", "strings.EqualFold", "strings.Compare", "bytes.Compare"})


class _Equality:
    """One equality test of a unit, from a comparison operator or an equality call."""

    __slots__ = ("left", "right", "op", "line", "text")

    def __init__(self, left: str, right: str, op: str, line: int, text: str) -> None:
        self.left, self.right, self.op, self.line, self.text = left, right, op, line, text


def _equalities(unit: Unit) -> list[_Equality]:
    """The unit's `==`/`!=` comparisons and equality calls, with their two operands."""
    out = [
        _Equality(c.left_text, c.right_text, c.source_op, c.span.line, f"{c.left_text} {c.source_op} {c.right_text}")
        for c in unit.comparisons if c.source_op in ("==", "!=", "===", "!==")
    ]
    for call in unit.calls:
        if call.callee.endswith(CONST_TIME):
            continue
        pos = call.positional
        receiver, _, tail = call.callee.rpartition(".")
        if call.callee in _EQUALITY_FUNCTIONS or (tail in _EQUALITY_TAILS and len(pos) == 2):
            if len(pos) == 2:
                out.append(_Equality(pos[0].value, pos[1].value, tail, call.span.line, call.text))
        elif tail in _EQUALITY_TAILS and len(pos) == 1 and receiver:
            out.append(_Equality(receiver, pos[0].value, tail, call.span.line, call.text))
    return out


def _timing(change: UnitChange, ctx: RuleContext, taken: set[int]) -> list[Finding]:
    """Constant-time comparison replaced by `==` (or an equality call such as Java's
    `a.equals(b)`) on the same operands (same truth, new timing)."""
    before, after = change.before, change.after
    assert before is not None and after is not None
    out = []
    after_eq: Optional[list[_Equality]] = None
    for call in before.calls:
        if not call.callee.endswith(CONST_TIME):
            continue
        operands = {_sq(a.value) for a in call.positional[:2]}
        if len(operands) != 2:
            continue
        if after_eq is None:
            after_eq = _equalities(after)
        still = any(c.callee == call.callee and {_sq(a.value) for a in c.positional[:2]} == operands for c in after.calls)
        if still:
            out.extend(_timing_fallback(change, ctx, call, operands, taken, after_eq))
            continue
        for eq in after_eq:
            if {_sq(eq.left), _sq(eq.right)} == operands:
                if eq.line in taken:
                    break
                rel = _relevance(change, ctx, [])
                rel = rel if rel.score >= 0.8 else Relevance("crypto", 0.85, rel.why_path, "constant-time comparison of secrets")
                out.append(make_finding(
                    SPEC["altered-comparison"], change, ctx,
                    f"`{call.text}` (constant-time) became `{eq.text}`, which leaks through timing how much of the secret matched.",
                    before_line=call.span.line, after_line=eq.line, evidence_before=call.text,
                    evidence_after=eq.text, confidence=Confidence.HIGH, relevance=rel,
                ))
                break
    return out


_PAIR_LOOP = re.compile(r"\bfor\s*\(?\s*(\w+)\s*,\s*(\w+)\s*\)?\s+in\s+(?:zip|izip|itertools\.zip_longest|zip_longest)\((.*)\)")
_INDEXED = re.compile(r"^(.*?)(?:\[[^\[\]]*\]|\.(?:charCodeAt|codePointAt|charAt|at)\([^()]*\))$")


def _element_operands(after: Unit, left: str, right: str, line: int) -> Optional[set[str]]:
    """The whole values a comparison of single elements walks: `a != b` in
    `for a, b in zip(left, right)`, or `left[i] !== right[i]`. None when it compares
    whole values (or anything else)."""
    l, r = _sq(left), _sq(right)
    ml, mr = _INDEXED.match(l), _INDEXED.match(r)
    if ml and mr:
        return {ml.group(1), mr.group(1)}
    if not (re.fullmatch(r"\w+", l) and re.fullmatch(r"\w+", r)):
        return None
    for ln in range(line - 1, after.span.line - 1, -1):
        m = _PAIR_LOOP.search(_line_text(after, ln))
        if m and {m.group(1), m.group(2)} == {l, r}:
            parts = [p.strip() for p in m.group(3).split(",")]
            return {_sq(p) for p in parts} if len(parts) == 2 else None
    return None


def _line_text(unit: Unit, line: int) -> str:
    lines = unit.text.splitlines()
    i = line - unit.span.line
    return lines[i] if 0 <= i < len(lines) else ""


def _timing_fallback(change: UnitChange, ctx: RuleContext, call, operands: set[str], taken: set[int],
                     after_eq: list[_Equality]) -> list[Finding]:
    """The constant-time call is still there, but the same secrets are now also compared
    with `==`/`!=` (or an equality call) on some path: a fast path before it (`if token ==
    expected: return True`) or a hand-written fallback beside it (`else: for a, b in zip(x, y):
    bits += a != b`). Either leaks through timing what the constant-time call hid. Equality
    tests the unit already made before are not new; length, None and literal checks have
    other operands."""
    before, after = change.before, change.after
    assert before is not None and after is not None
    had = {(e.op, _sq(e.left), _sq(e.right)) for e in _equalities(before)}
    for eq in after_eq:
        if eq.line in taken or (eq.op, _sq(eq.left), _sq(eq.right)) in had:
            continue
        direct = {_sq(eq.left), _sq(eq.right)} == operands
        if not direct and not (eq.op in ("==", "!=", "===", "!==")
                               and _element_operands(after, eq.left, eq.right, eq.line) == operands):
            continue
        how = "compared directly" if direct else "compared element by element"
        rel = _relevance(change, ctx, [])
        rel = rel if rel.score >= 0.8 else Relevance("crypto", 0.85, rel.why_path, "constant-time comparison of secrets")
        return [make_finding(
            SPEC["altered-comparison"], change, ctx,
            f"`{call.text}` (constant-time) no longer decides alone: on another path the same values are {how} "
            f"with `{eq.text}`, which leaks through timing how much of the secret matched.",
            before_line=call.span.line, after_line=eq.line, evidence_before=call.text,
            evidence_after=_line_text(after, eq.line).strip(), confidence=Confidence.MEDIUM, relevance=rel,
        )]
    return []


_CONVERSIONS = (
    re.compile(r"^\[\]byte\((.*)\)$"), re.compile(r"^Buffer\.from\((.*?)(,.*)?\)$"), re.compile(r"^(?:bytes|str|String)\((.*)\)$"),
    re.compile(r"^(.*)\.(?:encode|getBytes|toString)\(.*\)$"),
)


def _sq(text: str) -> str:
    """Operand text without whitespace and byte/str conversions, so `[]byte(a)` matches `a`."""
    from semdiff.lang.normal import squash

    out = squash(text)
    changed = True
    while changed:
        changed = False
        for rx in _CONVERSIONS:
            m = rx.match(out)
            if m:
                out, changed = m.group(1), True
    return out
