"""A unit's *effective* guards: its own, plus the checks of helpers it calls as statements.

Extracting `if not user.is_admin: raise` into `require_admin(user)` must not read as a
removed guard, so a statement call to a helper whose body is known (in the same change)
is replaced by the helper's raising guards, with the helper's parameters substituted by
the caller's arguments. Helpers we cannot see stay opaque call atoms.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable, Iterable, Mapping, Optional

from semdiff import digests
from semdiff.ir import And, Atom, Call, Const, Formula, Guard, Linear, Not, Or, Unit, atoms_of, conj, disj
from semdiff.lang.normal import linear_of, squash
from semdiff.rules.base import UnitTable

_PARAM = re.compile(r"\$(\d+)")
_LOCAL_ONLY = re.compile(r"%[0-9a-f]{6}(?:_\d+)?")
_IDENT = re.compile(r"""("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')|(\.?)([A-Za-z_][A-Za-z0-9_]*)""")
RAISING = {"raise", "abort", "assert", "decorator"}


def param_key(text: str, params: tuple[str, ...]) -> str:
    """Key of an argument in the caller's terms (parameters renamed like the backend does)."""
    mapping = {p: f"${i}" for i, p in enumerate(params)}

    def sub(m: re.Match) -> str:
        if m.group(1) or m.group(2):
            return m.group(0)
        return mapping.get(m.group(3), m.group(3))

    return _IDENT.sub(sub, squash(text))


def helper_locals(helper: Unit) -> dict[str, str]:
    """A helper's local placeholders -> names that depend only on the helper and the local.

    Locals are keyed by what they were bound to, and that binding is written with the
    helper's positional parameter placeholders: dropping an unused parameter from the helper
    renames every local, and its inlined checks would no longer match the old ones. Inside
    the caller, a helper's local is best known by its own name (as the caller's own locals
    are unified by name)."""
    out: dict[str, str] = {}
    for name, placeholder in helper.locals:
        base, _, ordinal = placeholder.partition("_")
        digest = digests.sha1(f"{helper.qualname}\0{name}".encode("utf-8")).hexdigest()[:6]
        out[placeholder] = f"%{digest}" + (f"_{ordinal}" if ordinal else "")
    return out


def substitute(f: Formula, args: Mapping[int, str], via: str, locals_: Optional[Mapping[str, str]] = None) -> Formula:
    def key(k: Optional[str]) -> Optional[str]:
        if k is None:
            return None
        if locals_:
            k = _LOCAL_ONLY.sub(lambda m: locals_.get(m.group(0), m.group(0)), k)
        return _PARAM.sub(lambda m: args.get(int(m.group(1)), f"?{via}{m.group(1)}"), k)

    def atom(a: Atom) -> Atom:
        lin = a.linear
        if lin is not None:
            lin = Linear(key(lin.term) or lin.term, lin.op, lin.constant)
        return replace(a, key=key(a.key) or a.key, left=key(a.left), right=key(a.right), linear=lin, text=f"{a.text} (in {via})")

    return map_atoms(f, atom)


def map_atoms(f: Formula, fn: Callable[[Atom], Atom]) -> Formula:
    """`f` with every atom replaced by `fn(atom)`, its structure kept."""
    if isinstance(f, Atom):
        return fn(f)
    # a part whose atoms all come back as they were is returned itself (an equal formula,
    # without rebuilding it): most renamings touch a few atoms of a guard
    if isinstance(f, Not):
        arg = map_atoms(f.arg, fn)
        return f if arg is f.arg else Not(arg)
    if isinstance(f, (And, Or)):
        args = tuple(map_atoms(a, fn) for a in f.args)
        if all(x is y for x, y in zip(args, f.args)):
            return f
        return And(args) if isinstance(f, And) else Or(args)
    return f


def map_guard(g: Guard, fn: Callable[[Atom], Atom]) -> Guard:
    """`g` with `fn` applied to every atom of its deny formula, condition and path."""
    return replace(
        g,
        deny_when=map_atoms(g.deny_when, fn),
        condition=map_atoms(g.condition, fn),
        path=tuple((line, map_atoms(f, fn)) for line, f in g.path),
    )


def find_helper(caller: Unit, callee: str, units: Mapping[tuple[str, str], Unit]) -> Optional[Unit]:
    name = callee.rsplit(".", 1)[-1]
    candidates = []
    # a method of the caller's own class: `self.`/`cls.` (Python), `this.` (JS/TS/Java), and in
    # Java a bare name, which the compiler resolves to the class's own method first
    own_class = callee.startswith(("self.", "cls.", "this.")) and callee.count(".") == 1
    if caller.parent and (own_class or ("." not in callee and caller.path.endswith(".java"))):
        candidates.append((caller.path, f"{caller.parent}.{name}"))
    candidates.append((caller.path, name))
    for c in candidates:
        u = units.get(c)
        if u is not None and u is not caller:
            return u
    named = units.named(name) if isinstance(units, UnitTable) else [u for (_p, q), u in units.items() if q == name]
    matches = [u for u in named if u.kind == "function" and u is not caller]
    return matches[0] if len(matches) == 1 else None


def reaches(unit: Unit, tail: str, units: Mapping[tuple[str, str], Unit], max_depth: int = 2,
            lookup: Callable[[Unit, str, Mapping[tuple[str, str], Unit]], Optional[Unit]] = find_helper,
            depth: int = 0) -> bool:
    """Does `unit` call something whose last name segment is `tail`, itself or through the
    analysed helpers it calls (`lookup`), up to `max_depth` levels down? A check moved into a
    helper the unit still calls is still made."""
    if any(c.callee.rsplit(".", 1)[-1] == tail for c in unit.calls):
        return True
    if depth >= max_depth:
        return False
    for c in unit.calls:
        h = lookup(unit, c.callee, units)
        if h is not None and h is not unit and reaches(h, tail, units, max_depth, lookup, depth + 1):
            return True
    return False


def _call_at(unit: Unit, guard: Guard) -> Optional[Call]:
    """The call a call-guard stands for: the statement call on its line, or, for a validator
    whose result is assigned or passed on (`state = self.validate_state()`), the call whose
    text the guard carries; both must inline the same helper or a move between them reads
    as a removal."""
    for c in unit.calls:
        if c.span.line == guard.span.line and (c.statement or (guard.kind == "call-guard" and c.text == guard.text)):
            return c
    return None


def effective_guards(unit: Unit, units: Mapping[tuple[str, str], Unit], depth: int = 0) -> tuple[Guard, ...]:
    out: list[Guard] = []
    for g in unit.guards:
        if g.kind != "call-guard" or depth > 2:
            out.append(g)
            continue
        call = _call_at(unit, g)
        helper = find_helper(unit, call.callee, units) if call else None
        if helper is None or call is None:
            out.append(g)
            continue
        offset = 1 if call.callee.startswith(("self.", "cls.")) and helper.kind == "method" else 0
        keys = call.arg_keys or tuple(param_key(a.value, unit.params) for a in call.positional)
        args = {i + offset: k for i, k in enumerate(keys)}
        for a in call.args:
            if a.name and a.name in helper.params:
                args[helper.params.index(a.name)] = param_key(a.value, unit.params)
        inner = [h for h in effective_guards(helper, units, depth + 1) if h.reachable and h.action.value in RAISING]
        if not inner:
            out.append(g)
            continue
        path = _path_of(g)
        own = helper_locals(helper)
        deny = disj(*(substitute(h.deny_when, args, helper.name, own) for h in inner))
        out.append(replace(g, deny_when=conj(path, deny), condition=deny, kind="inlined"))
    return tuple(out)


def _path_of(g: Guard) -> Formula:
    """The guard's path condition: its deny formula without its own condition."""
    return conj(*(f for _, f in g.path)) if g.path else Const(True)


# a local's placeholder or a parameter's position in a key: the names a key's operands go by
OPERAND = re.compile(r"%[0-9a-f]{6}(?:_\d+)?|\$\d+")
_SYMMETRIC = ("==", "is")


def _rename(key: str, mapping: Mapping[str, str]) -> str:
    return OPERAND.sub(lambda m: mapping.get(m.group(0), m.group(0)), key)


def rename_operands(key: str, mapping: Optional[Mapping[str, str]]) -> str:
    """`key` with its placeholders renamed through `mapping` (unchanged without one)."""
    return _rename(key, mapping) if mapping else key


def rekey(f: Formula, mapping: Mapping[str, str], memo: Optional[dict] = None) -> Formula:
    """Rename local placeholders in every atom (used to unify same-named locals). `memo`
    (one per mapping, see rekey_guards) keeps each atom's answer: an atom is shared by the
    conditions and paths of many guards of a unit."""
    if not mapping:
        return f

    def key(k: Optional[str]) -> Optional[str]:
        return None if k is None else _rename(k, mapping)

    def atom(a: Atom) -> Atom:
        if memo is None:
            return renamed(a)
        hit = memo.get(id(a))
        if hit is not None and hit[0] is a:
            return hit[1]
        out = renamed(a)
        memo[id(a)] = (a, out)  # the atom is kept, so its id is not reused while the memo lives
        return out

    def renamed(a: Atom) -> Atom:
        lin = a.linear
        if lin is not None:
            lin = Linear(key(lin.term) or lin.term, lin.op, lin.constant)
        left, right = key(a.left), key(a.right)
        if a.kind == "cmp" and a.op in _SYMMETRIC and left is not None and right is not None and right < left:
            # symmetric operands are stored sorted; a renamed operand may change the order
            left, right = right, left
            sep = " " if a.op == "is" else ""
            return replace(a, key=f"{left}{sep}{a.op}{sep}{right}", left=left, right=right, linear=linear_of(left, a.op, right))
        new_key = key(a.key) or a.key
        if new_key == a.key and left == a.left and right == a.right and lin == a.linear:
            return a  # nothing renamed in it: the atom itself, not an equal copy
        return replace(a, key=new_key, left=left, right=right, linear=lin)

    return map_atoms(f, atom)


def local_unifier(before: Unit, after: Unit) -> dict[str, str]:
    """After-side placeholders -> before-side ones for locals with the same source name.

    Locals are keyed by what they were first bound to, so a rename keeps its key; this
    covers the other case, the same variable bound a little differently
    (`user = safe(g.user)` -> `user = g.user`): same name, same role.
    """
    b = dict(before.locals)
    mapping = {ak: b[name] for name, ak in after.locals if name in b and b[name] != ak}
    mapping.update(param_unifier(before.params, after.params))
    for ak, bk in callback_param_unifier(before, after).items():
        mapping.setdefault(ak, bk)
    return mapping


# the parameter list of a function literal passed as an argument, in key form:
# `function(%a,%b){...}`, `function name(%a){...}`, `(%a,%b)=>...`, `%a=>...`
_CALLBACK_PARAMS = re.compile(r"^(?:async)?(?:function\*?[\w$]*\(([^()]*)\)\{|\(([^()]*)\)=>|(%[0-9a-f]{6}(?:_\d+)?)=>)")


def _callback_params(key: str) -> Optional[list[str]]:
    m = _CALLBACK_PARAMS.match(key)
    if m is None:
        return None
    text = m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else m.group(3)
    return [p.strip() for p in text.split(",")] if text.strip() else []


def callback_param_unifier(before: Unit, after: Unit) -> dict[str, str]:
    """After-side placeholders of callback parameters -> before-side ones, by position.

    A callback's parameter is keyed by its name, so renaming it (`function (data, err)` ->
    `function (data, err_1)`) makes every check on it look new and the old ones removed. The
    callback handed, at the same argument position, to the same callee receives the same
    value in each position whatever it is called: calls of one callee pair up in order, and
    only renamed parameters (a name the other side does not bind) are mapped."""
    b_names, a_names = {k for _, k in before.locals}, {k for _, k in after.locals}
    if not b_names or not a_names:
        return {}
    b_by_callee: dict[str, list[Call]] = {}
    for c in before.calls:
        if any(k[:1] in "f(%a" and _callback_params(k) for k in c.arg_keys):
            b_by_callee.setdefault(c.callee, []).append(c)
    if not b_by_callee:
        return {}
    seen: dict[str, int] = {}
    mapping: dict[str, str] = {}
    for c in after.calls:
        olds = b_by_callee.get(c.callee)
        if not olds:
            continue
        i = seen.get(c.callee, 0)
        seen[c.callee] = i + 1
        if i >= len(olds) or len(olds[i].arg_keys) != len(c.arg_keys):
            continue
        for bk, ak in zip(olds[i].arg_keys, c.arg_keys):
            bp, ap = _callback_params(bk), _callback_params(ak)
            if bp is None or ap is None or len(bp) != len(ap):
                continue
            for old, new in zip(bp, ap):
                if old != new and new in a_names and new not in b_names and old in b_names and old not in a_names:
                    mapping.setdefault(new, old)
    return mapping


_PLACEHOLDERS: dict[str, str] = {}  # text -> placeholder: the same operands come back for every guard
_PLACEHOLDERS_MAX = 16384  # texts remembered (a long-lived library process clears and starts again)


_SQUASHED: dict[str, str] = {}  # source text -> the placeholder of its squashed form


def _placeholder(text: str) -> str:
    hit = _PLACEHOLDERS.get(text)
    if hit is None:
        if len(_PLACEHOLDERS) >= _PLACEHOLDERS_MAX:
            _PLACEHOLDERS.clear()
        hit = _PLACEHOLDERS[text] = "%" + digests.sha1(text.encode("utf-8")).hexdigest()[:6]
    return hit


def inline_unifier(unit: Unit, other: Unit, other_guards: tuple[Guard, ...]) -> dict[str, str]:
    """`unit`'s local placeholders -> the expression each stands for, where `other` tests that
    expression inline.

    `if s.get() is None: raise` rewritten as `c = s.get()` / `if c is None: raise` tests the
    same value, but the local is keyed by a placeholder named after its binding (a hash), so
    the two checks share no atom and the old one reads as removed. A placeholder is the hash
    of what the local was first bound to (the backends hash the binding's key, the Python one
    its squashed source text): an operand the other side tests inline whose hash is one of
    this unit's placeholders is that binding, and the placeholder is read as the operand.
    Placeholders the other side uses itself stay as they are."""
    mine = {k for _, k in unit.locals}
    if not mine:
        return {}
    theirs = {m.group(0) for g in other_guards for a in atoms_of(g.condition) for m in _LOCAL_ONLY.finditer(a.key)}
    mine -= theirs
    if not mine:
        return {}
    candidates: dict[str, str] = {}  # operand key -> its source text
    for c in other.comparisons:
        for k, t in ((c.atom.left, c.left_text), (c.atom.right, c.right_text)):
            if k and k not in candidates:
                candidates[k] = t
    for g in other_guards:
        for a in atoms_of(g.condition):
            if a.kind == "call" and a.key not in candidates:
                candidates[a.key] = a.text
    out: dict[str, str] = {}
    for key, text in candidates.items():
        if _LOCAL_ONLY.fullmatch(key):
            continue  # an operand that is itself a local: nothing to inline
        squashed = _SQUASHED.get(text)
        if squashed is None:  # the same operand texts come back for both sides and every unit change
            if len(_SQUASHED) >= _PLACEHOLDERS_MAX:
                _SQUASHED.clear()
            squashed = _SQUASHED[text] = _placeholder(squash(text))
        for digest in {_placeholder(key), squashed}:
            if digest in mine and digest not in out:
                out[digest] = key
    return out


def param_unifier(before: tuple[str, ...], after: tuple[str, ...]) -> dict[str, str]:
    """After-side parameter placeholders -> before-side ones when parameters moved.

    Parameters are keyed by position, so that a consistent rename keeps every key; but
    dropping an unused leading parameter (or inserting one) then shifts every later key
    and each unchanged check on them reads as removed. A parameter that keeps its name is
    the same parameter wherever it moved; the leftovers pair up in order when they are
    as many on both sides (renames), and a new parameter gets a placeholder no before-side
    key can hold.
    """
    if before == after:
        return {}
    where = {name: i for i, name in enumerate(before)}
    mapping: dict[int, str] = {j: f"${where[name]}" for j, name in enumerate(after) if name in where}
    left_b = [i for i, name in enumerate(before) if name not in set(after)]
    left_a = [j for j, name in enumerate(after) if name not in where]
    if len(left_b) == len(left_a):
        mapping.update({j: f"${i}" for i, j in zip(left_b, left_a)})
    else:
        mapping.update({j: f"$new{j}" for j in left_a})
    return {f"${j}": v for j, v in mapping.items() if v != f"${j}"}


def rekey_guard(g: Guard, mapping: Mapping[str, str], memo: Optional[dict] = None) -> Guard:
    if not mapping:
        return g
    deny_when, condition = rekey(g.deny_when, mapping, memo), rekey(g.condition, mapping, memo)
    path = tuple((line, rekey(f, mapping, memo)) for line, f in g.path)
    if deny_when is g.deny_when and condition is g.condition and all(x[1] is y[1] for x, y in zip(path, g.path)):
        return g  # no placeholder of the mapping in it
    return replace(
        g,
        deny_when=deny_when,
        condition=condition,
        path=path,
    )


def rekey_guards(guards: Iterable[Guard], mapping: Mapping[str, str]) -> tuple[Guard, ...]:
    """rekey_guard of each guard, each shared atom renamed once: a unit's guards carry the
    atoms of the exits before them in their paths, so the same atoms come back guard after guard."""
    if not mapping:
        return tuple(guards)
    memo: dict = {}
    return tuple(rekey_guard(g, mapping, memo) for g in guards)


def _bare_name(callee: str) -> tuple[str, str]:
    """(qualifier, name without leading underscores) of a callee: `fs.is_inside` ->
    ("fs", "is_inside"), `_is_inside` -> ("", "is_inside")."""
    qualifier, _, name = callee.rpartition(".")
    return qualifier, name.lstrip("_")


def same_named_callee(before_callee: str, after_callee: str) -> bool:
    """Is `after_callee` the same-named function as `before_callee`, met where a private helper
    was replaced by a shared one (`_is_inside` -> `paths.is_inside`, `self._check` -> `check`)?
    The names must match once leading underscores are dropped; the qualifiers must match or one
    side must have none (an import or the module's own function), since two different objects
    (`old_signer.verify` -> `new_signer.verify`) are two different checks."""
    if before_callee == after_callee:
        return False
    (bq, bn), (aq, an) = _bare_name(before_callee), _bare_name(after_callee)
    if not bn or bn != an:
        return False
    return bq == aq or not bq or not aq


def renamed_callee_unifier(before: tuple[Guard, ...], after: tuple[Guard, ...]) -> dict[str, str]:
    """After-side call-atom keys -> the before-side key of the same check made through a
    same-named function (see same_named_callee) with exactly the same arguments."""
    b_calls: dict[str, list[tuple[str, str]]] = {}  # bare name -> (callee, key)
    b_keys: set[str] = set()
    for g in before:
        for a in atoms_of(g.deny_when):
            b_keys.add(a.key)
            if a.kind == "call" and a.callee and a.key.startswith(a.callee + "("):
                b_calls.setdefault(_bare_name(a.callee)[1], []).append((a.callee, a.key))
    if not b_calls:
        return {}
    mapping: dict[str, str] = {}
    for h in after:
        for a in atoms_of(h.deny_when):
            if a.kind != "call" or not a.callee or a.key in b_keys or a.key in mapping or not a.key.startswith(a.callee + "("):
                continue
            args = a.key[len(a.callee):]
            for callee, key in b_calls.get(_bare_name(a.callee)[1], ()):
                if key[len(callee):] == args and same_named_callee(callee, a.callee):
                    mapping[a.key] = key
                    break
    return mapping


def _body_without_name(u: Unit) -> str:
    key = u.body_key
    return key.replace(u.name, "", 1) if u.name else key


def same_body_callee_unifier(before: tuple[Guard, ...], after: tuple[Guard, ...], b_unit: Unit, a_unit: Unit,
                             b_units: Mapping[tuple[str, str], Unit], a_units: Mapping[tuple[str, str], Unit]) -> dict[str, str]:
    """After-side call-atom keys -> the before-side key of the same check made through a
    function that was moved and renamed with its body unchanged (`tool.IsSameSiteURLPath(u)`
    -> `urlutil.IsSameSite(u)`, the old helper deleted and the new one added in the same
    change). Both callees must resolve to analysed functions whose normalised bodies, the
    function's own name left out, are identical, and the arguments must be the same."""
    b_calls: dict[str, list[tuple[str, str]]] = {}  # arguments -> (callee, key)
    b_keys: set[str] = set()
    for g in before:
        for a in atoms_of(g.deny_when):
            b_keys.add(a.key)
            if a.kind == "call" and a.callee and a.key.startswith(a.callee + "("):
                b_calls.setdefault(a.key[len(a.callee):], []).append((a.callee, a.key))
    if not b_calls:
        return {}
    mapping: dict[str, str] = {}
    for h in after:
        for a in atoms_of(h.deny_when):
            if a.kind != "call" or not a.callee or a.key in b_keys or a.key in mapping or not a.key.startswith(a.callee + "("):
                continue
            candidates = [(c, k) for c, k in b_calls.get(a.key[len(a.callee):], ()) if c != a.callee]
            if not candidates:
                continue
            new = find_helper(a_unit, a.callee, a_units)
            if new is None or not new.body_key:
                continue
            for callee, key in candidates:
                old = find_helper(b_unit, callee, b_units)
                if old is not None and old.body_key and _body_without_name(old) == _body_without_name(new):
                    mapping[a.key] = key
                    break
    return mapping


# arguments that add nothing the callee did not already get: JavaScript's explicit `undefined`
# (an omitted argument), and a parameter the calling unit itself gained in this change, passed
# straight on (its old callers pass nothing, so the callee sees what it saw before)
_PASSTHROUGH_ARG = re.compile(r"undefined|void0|\$new\d+|[A-Za-z_]\w*=\$new\d+")


def passthrough_unifier(before: tuple[Guard, ...], after: tuple[Guard, ...]) -> dict[str, str]:
    """After-side call-atom keys -> the before-side key of the same call that only gained
    trailing arguments of that kind (`key.verify(msg, sig)` -> `key.verify(msg, sig,
    undefined, options)` where `options` is the caller's new parameter). A literal, an
    existing value or anything computed is a different argument and stays a different check."""
    from semdiff.lang.normal import split_top

    b_calls: dict[str, list[str]] = {}
    b_keys: set[str] = set()
    for g in before:
        for a in atoms_of(g.deny_when):
            b_keys.add(a.key)
            if a.kind == "call" and a.callee and a.key.endswith(")"):
                b_calls.setdefault(a.callee, []).append(a.key)
    if not b_calls:
        return {}
    mapping: dict[str, str] = {}
    for h in after:
        for a in atoms_of(h.deny_when):
            if a.kind != "call" or not a.callee or a.key in b_keys or a.key in mapping or "$new" not in a.key and "undefined" not in a.key and "void0" not in a.key:
                continue
            for bk in b_calls.get(a.callee, ()):
                head = bk[:-1]
                if not a.key.startswith(head) or len(a.key) <= len(bk):
                    continue
                rest = a.key[len(head):-1]
                if not head.endswith("("):
                    if not rest.startswith(","):
                        continue
                    rest = rest[1:]
                extra = split_top(rest, ",")
                if extra and all(_PASSTHROUGH_ARG.fullmatch(x) for x in extra):
                    mapping[a.key] = bk
                    break
    return mapping


# A read of the current time: an argument-less `Now()` / `now()` / `instant()` / `millis()` at
# the end of a chain of names and argument-less calls (`time.Now()`, `ctx.GetClock().Now()`,
# `self.clock.now()`, `Instant.now()`, `clock.instant()`), or Java's `System.currentTimeMillis()`.
# Keys name a parameter by position (`$1`) and a local by a placeholder (`%1a2b3c`).
_CLOCK_READ = re.compile(
    r"(?<![\w$%.])(?:System\.currentTimeMillis|(?:[A-Za-z_$%][\w$%]*(?:\(\))?\.)+(?P<name>Now|now|instant|millis))\(\)"
)


def _clock_canonical(key: str) -> str:
    return _CLOCK_READ.sub(lambda m: f"<clock:{(m.group('name') or 'millis').lower()}>", key)


def clock_unifier(before: tuple[Guard, ...], after: tuple[Guard, ...]) -> dict[str, str]:
    """After-side atom keys -> the before-side key of the same test that only reads the current
    time from another clock (`entry.expires.Before(time.Now())` ->
    `entry.expires.Before(ctx.GetClock().Now())`).

    Injecting a clock (so tests can set the time) swaps every `time.Now()` of a unit for the
    clock's `Now()`: the same instant, read through another object, and every expiry check on it
    read as removed. Only the read itself is matched, by the same method on both sides (`Now`
    or `now`, `instant`, `millis`, which also stands for `System.currentTimeMillis`): `datetime.now()`
    -> `datetime.utcnow()` shifts the instant by the zone, and anything done to the time
    (`time.Now().Add(-time.Hour)`) keeps the keys apart, so it is still a different check."""
    b_canon: dict[str, str] = {}
    b_keys: set[str] = set()
    for g in before:
        for a in atoms_of(g.deny_when):
            b_keys.add(a.key)
            if _CLOCK_READ.search(a.key):
                b_canon.setdefault(_clock_canonical(a.key), a.key)
    if not b_canon:
        return {}
    mapping: dict[str, str] = {}
    for h in after:
        for a in atoms_of(h.deny_when):
            if a.key in b_keys or a.key in mapping or not _CLOCK_READ.search(a.key):
                continue
            bk = b_canon.get(_clock_canonical(a.key))
            if bk is not None:
                mapping[a.key] = bk
    return mapping
