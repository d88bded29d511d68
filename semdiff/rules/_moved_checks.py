"""Was a removed check moved into code the function now calls?

"Route every operation through one shared core so each token is validated once" deletes the
same checks from a dozen entry points and writes them once in a new module that each entry
point calls. Per unit, every deleted check reads as removed. Here a removed check counts as
moved when a unit the function reaches through its calls (a few hops, any file of the
change) makes a denying check with the same test: the same normalised text, or the same
canonical atoms. That only says the check still runs somewhere on the way, not on every path,
so callers report it at low severity with the place it moved to, never silently.
"""
from __future__ import annotations

import re
from typing import Mapping, Optional

from semdiff.ir import Action, Guard, Unit, atoms_of
from semdiff.rules._effective import OPERAND

MAX_HOPS = 3
MAX_AMBIGUOUS = 16  # units one bare callee name may stand for before it is not followed
MAX_REACH = 500  # units searched from one function; a shared core is a few hops, not the codebase
_DENYING = {Action.RAISE, Action.DENY_RETURN, Action.ABORT, Action.ASSERT, Action.PREDICATE}
_SPACE = re.compile(r"\s+")


def _text(g: Guard) -> str:
    return _SPACE.sub(" ", g.text).strip()


def _atoms(g: Guard) -> frozenset[str]:
    return frozenset(a.key for a in atoms_of(g.condition))


def _memo(units: Mapping[tuple[str, str], object]) -> dict:
    """Per unit table: the name index, each unit's denying tests and each start's reach; a
    change with hundreds of removed checks asks from the same units again and again."""
    cache = getattr(units, "__dict__", None)
    if cache is None:
        return {"reach": {}, "tests": {}}
    return cache.setdefault("_moved_checks_memo", {"reach": {}, "tests": {}})


def _by_name(units: Mapping[tuple[str, str], object], memo: dict) -> dict[str, list[Unit]]:
    index = memo.get("by_name")
    if index is None:
        index = memo["by_name"] = {}
        for u in units.values():
            if isinstance(u, Unit) and u.kind in ("function", "method", "lambda"):
                index.setdefault(u.name, []).append(u)
    return index


def _reach(start: Unit, units: Mapping[tuple[str, str], object], memo: dict) -> list[Unit]:
    """Units reached from `start` by calls within MAX_HOPS, in breadth-first discovery order
    (the first one that makes the check is the one named)."""
    hit = memo["reach"].get(id(start))
    if hit is not None:
        return hit[1]
    by_name = _by_name(units, memo)
    seen = {id(start)}
    order: list[Unit] = []
    frontier = [start]
    for _hop in range(MAX_HOPS):
        nxt: list[Unit] = []
        for u in frontier:
            for c in u.calls:
                for v in _targets(u, by_name.get(c.callee.rsplit(".", 1)[-1], ())):
                    if id(v) not in seen:
                        seen.add(id(v))
                        nxt.append(v)
        order.extend(nxt)
        if len(order) >= MAX_REACH:
            del order[MAX_REACH:]
            break
        frontier = nxt
    memo["reach"][id(start)] = (start, order)  # the unit is kept so its id is not reused
    return order


def _targets(caller: Unit, named: list[Unit]) -> list[Unit]:
    """Where a call by bare name goes: the caller's own file's unit of that name, else the
    name's units elsewhere when there are not too many. A name defined in hundreds of modules (`helper`,
    `check`) says nothing about which one runs, and following all of them made a 200-file
    change walk every unit of the change from each removed check (9 s of a 10k-line change)."""
    if len(named) <= 1:
        return named
    hit = _BY_PATH.get(id(named))
    if hit is None or hit[0] is not named:
        # the same name's units are split by file once, not scanned per call (a name defined in
        # every module of a 10k-line change was scanned 10,000 times); the list is kept so its
        # id is not reused while the entry lives
        if len(_BY_PATH) > 4096:
            _BY_PATH.clear()
        by_path: dict[str, list[Unit]] = {}
        for v in named:
            by_path.setdefault(v.path, []).append(v)
        hit = _BY_PATH[id(named)] = (named, by_path)
    local = hit[1].get(caller.path)
    if local:
        return local
    return named if len(named) <= MAX_AMBIGUOUS else []


_BY_PATH: dict[int, tuple[list[Unit], dict[str, list[Unit]]]] = {}


def _tests(u: Unit, memo: dict) -> tuple[frozenset[str], frozenset[frozenset[str]]]:
    """The normalised texts and atom sets of `u`'s reachable denying checks."""
    hit = memo["tests"].get(id(u))
    if hit is None:
        denying = [h for h in u.guards if h.action in _DENYING and h.reachable]
        hit = memo["tests"][id(u)] = (u, frozenset(_text(h) for h in denying), frozenset(_atoms(h) for h in denying))
    return hit[1], hit[2]


def moved_into_callee(g: Guard, after: Unit, after_units: Mapping[tuple[str, str], object]) -> Optional[Unit]:
    """A unit reached from `after` by calls that denies on the same test as `g`, or None."""
    if g.action not in _DENYING or g.kind in ("decorator", "exit"):
        return None
    text, atoms = _text(g), _atoms(g)
    memo = _memo(after_units)
    for v in _reach(after, after_units, memo):
        texts, atom_sets = _tests(v, memo)
        if text in texts or (atoms and atoms in atom_sets):
            return v
    called = g.text.split("(", 1)[0].strip() if g.kind in ("call-guard", "inlined") and "(" in g.text else None
    found = _moved_into_direct_callee(text, atoms, after, after_units, memo, called)
    if found is None and atoms and g.kind not in ("call-guard", "inlined"):
        found = _subsumed_in_direct_callee(g, atoms, after, after_units, memo)
    return found


def _subsumed_in_direct_callee(g: Guard, atoms: frozenset[str], after: Unit, after_units, memo: dict) -> Optional[Unit]:
    """A function `after` calls that refuses, on what it was passed, a wider case than `g` did,
    its test made of some of `g`'s own conditions: `if (fips() && pwd.length() < MIN) throw`
    gone from the caller, `if (raw.length() < MIN) throw` new in the `encode(pwd)` it calls.
    The callee's deny condition, in the caller's terms, must follow from `g`'s (every case
    `g` refused is still refused); a callee test on anything `g` did not test is not this."""
    from semdiff import logic
    from semdiff.rules._effective import rekey

    table = memo.setdefault("subsumed", {})
    hit = table.get(id(after))
    if hit is None:
        by_name = _by_name(after_units, memo)
        found: list[tuple[frozenset[str], object, Unit]] = []
        for c in after.calls:
            keys = c.arg_keys or ()
            if not keys:
                continue
            for v in _targets(after, by_name.get(c.callee.rsplit(".", 1)[-1], ())):
                if v is after:
                    continue
                shift = 1 if v.params and v.params[0] in ("self", "cls") and "." in c.callee else 0
                passed = set(OPERAND.findall(" ".join(keys)))  # only what the caller passed, not the callee's own locals
                mapping = {f"${i}": keys[i - shift] if 0 <= i - shift < len(keys) else f"?${i}" for i in range(len(v.params))}
                for h in v.guards:
                    if h.action in _DENYING and h.reachable and h.kind not in ("decorator", "exit"):
                        f = rekey(h.deny_when, mapping)
                        a = frozenset(x.key for x in atoms_of(f))
                        if a and all("?$" not in k and set(OPERAND.findall(k)) <= passed for k in a):
                            found.append((a, f, v))
        hit = table[id(after)] = (after, found)
    for a, f, v in hit[1]:
        if a < atoms and logic.implies(g.condition, f):
            return v
    return None


def _moved_into_direct_callee(
    text: str, atoms: frozenset[str], after: Unit, after_units, memo: dict, called: Optional[str] = None,
) -> Optional[Unit]:
    """A function `after` calls that makes the check on what it was passed: the callee's
    check in the caller's terms (`checkKeyType(entry, key, usage)` in `prepareKey(entry, key,
    'sign')` is `checkKeyType(entry, key, 'sign')`)."""
    table = memo.setdefault("direct", {})
    hit = table.get(id(after))
    if hit is None:
        by_name = _by_name(after_units, memo)
        texts: dict[str, Unit] = {}
        atom_sets: dict[frozenset[str], Unit] = {}
        for c in after.calls:
            origins: object = _UNREAD  # read once per call, when a target has a check to translate
            for v in _targets(after, by_name.get(c.callee.rsplit(".", 1)[-1], ())):
                if v is after:
                    continue
                for h in v.guards:
                    if h.action in _DENYING and h.reachable:
                        if origins is _UNREAD:
                            origins = _origins(after, c)
                        t, a = _translate(_text(h), _atoms(h), v.params, c)
                        texts.setdefault(t, v)
                        if a:
                            atom_sets.setdefault(a, v)
                        if origins is not None:
                            texts.setdefault(_translate(_text(h), frozenset(), v.params, c, origins)[0], v)
        hit = table[id(after)] = (after, texts, atom_sets)  # the unit is kept so its id is not reused
    _unit, texts, atom_sets = hit
    found = texts.get(text) or (atom_sets.get(atoms) if atoms else None)
    if found is None and called is not None:
        found = _kept_check_call(text, called, after, after_units, memo)
    return found


_UNREAD = object()


def _origins(after: Unit, call) -> Optional[list[str]]:
    """The call's arguments with each local traced back to the one parameter of the caller it
    was bound from (`alg_ = alg if alg is not None else "none"; self.lookup(alg_)` -> `alg`),
    or None when no argument is such a local: the check the callee now makes on `alg_` is the
    one the caller used to make on `alg`."""
    values = [a.value for a in call.positional]
    out, changed = [], False
    for v in values:
        if _NAME.fullmatch(v) and v not in after.params:
            roots = _assigned_from(after, v) & set(after.params)
            if len(roots) == 1:
                out.append(next(iter(roots)))
                changed = True
                continue
        out.append(v)
    return out if changed else None


def _kept_check_call(text: str, called: str, after: Unit, after_units, memo: dict) -> Optional[Unit]:
    """A removed call-guard `checkKeyType(entry, key, 'sign')` whose call now runs in a callee
    that keeps its result (`const tagged = checkKeyType(entry, key, usage)` in `prepareKey(entry,
    key, 'sign')`): no call-guard of its own there, the same call in the caller's terms."""
    by_name = _by_name(after_units, memo)
    for c in after.calls:
        for v in _targets(after, by_name.get(c.callee.rsplit(".", 1)[-1], ())):
            if v is after:
                continue
            for c2 in v.calls:
                if c2.callee == called and _quotes(_translate(_SPACE.sub(" ", c2.text).strip(), frozenset(), v.params, c)[0]) == _quotes(text):
                    return v
    return None


def _quotes(text: str) -> str:
    """Single-quoted string literals as double-quoted (argument values come normalised)."""
    return re.sub(r"'((?:\\.|[^'\\\"])*)'", r'"\1"', text)


# ---------------------------------------------------------------- the same check, new arguments

_LITERAL = re.compile(r"""^(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`$]*`|-?\d[\d_.xXa-fA-F]*|true|false|True|False|None|null|nil|undefined)$""")
_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


def _call_of(unit: Unit, g: Guard):
    for c in unit.calls:
        if c.span.line == g.span.line and c.text == g.text:
            return c
    for c in unit.calls:
        if c.span.line == g.span.line and c.statement:
            return c
    return None


def _literal(text: str) -> bool:
    return bool(_LITERAL.match(text.strip()))


def _roots(text: str) -> set[str]:
    """Identifiers an argument is computed from, with string literals blanked."""
    text = re.sub(r"""("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')""", '""', text)
    return {m.group(0) for m in _NAME.finditer(text) if m.group(0) not in ("this", "self", "new", "typeof")}


def _assigned_from(unit: Unit, name: str) -> set[str]:
    """Identifiers of what local `name` was bound to (`const entry = lookup(alg)` -> lookup, alg)."""
    # the first binding, with an optional type annotation (`alg_: str = ...`, `alg_ := ...`)
    m = re.search(r"(?:^|[\s,({;])" + re.escape(name) + r"\s*(?::\s*[\w\[\]., |]+\s*)?:?=(?!=)\s*([^\n;]+)", unit.text)
    return _roots(m.group(1)) if m else set()


def _derived(old: str, new: str, after: Unit) -> bool:
    """Is the new argument the old one re-expressed (`alg` -> `entry` bound from `alg`,
    `enc` -> `enc.enc`), rather than another value (`secret` -> `fallback`)?"""
    if old.strip() == new.strip():
        return True
    if _literal(old) or _literal(new):
        return False
    was = _roots(old)
    now = _roots(new)
    if was & now:
        return True
    for n in now:
        if was & _assigned_from(after, n):
            return True
    return False


def _indent(unit: Unit, line: int) -> Optional[int]:
    lines = unit.text.splitlines()
    i = line - unit.span.line
    if not (0 <= i < len(lines)):
        return None
    s = lines[i]
    return len(s) - len(s.lstrip())


_CALLBACK_ARG = re.compile(r"(?:cb|callback|done|next|fn)", re.I)


def same_check_call(g: Guard, before: Unit, after: Unit) -> Optional[tuple[str, int]]:
    """The removed check `g` was a call of a check function (`checkKeyType(alg, key, 'sign')`)
    and the new unit still makes that call, with its literal arguments unchanged and each
    changed argument re-derived from the old one (`checkKeyType(entry, key, 'sign')` after
    `const entry = lookup(alg)`), or with the same arguments but its result now kept
    (`const ok = validateOption(x)`). Returns (the new call's text, its line), or None.

    The call must be on no narrower a path: the new call-guard's path admits every case the
    old one's did, or, for a call whose result is now kept (no guard of its own), it sits no
    deeper in the unit than before. A changed literal (`'admin'` -> `'viewer'`), a dropped
    argument or an argument replaced by an unrelated value is not the same check."""
    if g.kind not in ("call-guard", "inlined") or g.action not in _DENYING:
        return None
    old = _call_of(before, g)
    if old is None:
        return None
    old_pos = [a.value for a in old.positional]
    old_kw = {a.name: a.value for a in old.args if a.name}
    for new in after.calls:
        if new.callee != old.callee:
            continue
        new_pos = [a.value for a in new.positional]
        want = old_pos
        if len(new_pos) == len(old_pos) - 1 and _CALLBACK_ARG.fullmatch(old_pos[-1]) and not new.statement:
            # the callback variant became the synchronous one whose result is kept
            # (`verify(data, key, callback)` -> `const ok = verify(data, key)`): the verdict
            # is now the result, and the rest below judges the call as a kept result
            want = old_pos[:-1]
        if len(new_pos) != len(want):
            continue
        new_kw = {a.name: a.value for a in new.args if a.name}
        if set(new_kw) != set(old_kw):
            continue
        pairs = list(zip(want, new_pos)) + [(old_kw[k], new_kw[k]) for k in old_kw]
        if not all(_derived(o, n, after) for o, n in pairs):
            continue
        guards = [h for h in after.guards if h.span.line == new.span.line and h.kind in ("call-guard", "inlined")]
        if guards:
            h = guards[0]
            if not h.reachable:
                continue
            from semdiff import logic
            from semdiff.ir import conj

            w = logic.witness(conj(*(f for _, f in g.path)), conj(*(f for _, f in h.path)))
            if w is not None:
                continue  # some old path no longer reaches it (or too many atoms to tell)
            return new.text, new.span.line
        if any(o.strip() != n.strip() for o, n in pairs):
            continue  # without a guard of its own, only the very same call counts
        bi, ai = _indent(before, old.span.line), _indent(after, new.span.line)
        if bi is None or ai is None or ai > bi:
            continue
        return new.text, new.span.line
    return None


# ---------------------------------------------------------------- the check made by every caller

MAX_UP_HOPS = 3  # callers of callers ...: an entry point a few calls up, not the whole program
MAX_UP_UNITS = 64  # callers examined per removed check


def _callers(target: Unit, units: Mapping[tuple[str, str], object], memo: dict) -> list[tuple[Unit, object]]:
    """(caller, call) for every call in the change's units that resolves to `target`."""
    index = memo.get("callers")
    if index is None:
        index = memo["callers"] = {}
        by_name = _by_name(units, memo)
        for u in units.values():
            if not isinstance(u, Unit):
                continue
            for c in u.calls:
                for v in _targets(u, by_name.get(c.callee.rsplit(".", 1)[-1], ())):
                    if v is not u:
                        index.setdefault(id(v), []).append((u, c))
    return index.get(id(target), [])


def _translate(text: str, atoms: frozenset[str], params: tuple[str, ...], call,
               values: Optional[list[str]] = None) -> tuple[str, frozenset[str]]:
    """The check in the caller's terms: the callee's parameters replaced by the call's arguments
    (`values` instead of the arguments' own text when given). A method called through its
    instance (`self.m(x)`) receives the instance as its first parameter, so the arguments
    start at the second."""
    args = values if values is not None else [a.value for a in call.positional]
    shift = 1 if params and params[0] in ("self", "cls") and "." in call.callee else 0
    names = {p: args[i - shift] for i, p in enumerate(params) if 0 <= i - shift < len(args)}
    out = _NAME_TOKEN.sub(lambda m: names.get(m.group(0), m.group(0)), text) if names else text
    keys = call.arg_keys or ()
    own_instance = shift == 1 and call.callee.split(".", 1)[0] in ("self", "cls")

    def sub(k: str) -> str:
        def arg(m: re.Match) -> str:
            i = int(m.group(1)) - shift
            if i == -1 and own_instance:
                return "$0"  # `self.m(...)` from a method: the callee's self is the caller's
            return keys[i] if 0 <= i < len(keys) else "?" + m.group(0)
        return _PARAM_KEY.sub(arg, k)

    return _SPACE.sub(" ", out).strip(), frozenset(sub(a) for a in atoms)


_NAME_TOKEN = re.compile(r"(?<![.\w$])[A-Za-z_$][\w$]*")
_PARAM_KEY = re.compile(r"\$(\d+)")


def _made_before(caller: Unit, call, text: str, atoms: frozenset[str], memo: dict) -> bool:
    texts, atom_sets = _tests(caller, memo)
    if text not in texts and not (atoms and atoms in atom_sets):
        return False
    # the caller's check must come before its call (on the way in, not after the fact)
    return any(
        h.span.line < call.span.line and (_text(h) == text or (atoms and _atoms(h) == atoms))
        for h in caller.guards if h.action in _DENYING and h.reachable
    )


# annotations/decorators that expose a method to requests: it is an entry point of its own,
# whatever the callers inside the change check before calling it
_ENTRY_ANNOTATIONS = frozenset({
    "JavaScriptMethod", "WebMethod", "RequirePOST", "POST", "GET", "PUT", "DELETE", "PATCH", "Path",
    "RequestMapping", "GetMapping", "PostMapping", "PutMapping", "DeleteMapping", "PatchMapping",
    "route", "get", "post", "put", "delete", "patch", "api_view", "websocket",
})
_STAPLER_ACTION = re.compile(r"^do[A-Z]\w*$")  # Jenkins/Stapler: a public doXxx method answers /xxx


def web_entry_point(unit: Unit) -> bool:
    """Is `unit` reachable from a request by itself (a route/web-method annotation or
    decorator, or a Java Stapler `doXxx` action method)?"""
    if any(d.name.rsplit(".", 1)[-1] in _ENTRY_ANNOTATIONS for d in unit.decorators):
        return True
    return unit.language == "java" and unit.kind == "method" and bool(_STAPLER_ACTION.match(unit.name))


def enforced_by_callers(
    g: Guard, after: Unit, after_units: Mapping[tuple[str, str], object], outside_callers=None,
) -> Optional[list[str]]:
    """Qualnames of the units that now make the removed check `g` before calling `after`, when
    every path into `after` through the change's units passes one of them within MAX_UP_HOPS
    (a check hoisted to the entry points); None when some caller chain reaches an entry point,
    the hop limit or the unit limit without it, or when `after` has no caller at all.

    `outside_callers(unit)` says whether code outside the change calls a unit (from the
    repository call graph); such a unit's unseen callers are not known to check, so it fails.
    The check is matched in each caller's terms (parameters replaced by the call's arguments):
    the same normalised text or the same canonical atoms, made before the call."""
    if g.action not in _DENYING or g.kind in ("decorator", "exit"):
        return None
    memo = _memo(after_units)
    budget = [MAX_UP_UNITS]
    where: list[str] = []

    def up(unit: Unit, text: str, atoms: frozenset[str], hops: int, chain: frozenset[int]) -> bool:
        if hops >= MAX_UP_HOPS or (outside_callers is not None and outside_callers(unit)) or web_entry_point(unit):
            return False
        callers = _callers(unit, after_units, memo)
        if not callers:
            return False
        for caller, call in callers:
            budget[0] -= 1
            if budget[0] < 0 or id(caller) in chain:
                return False
            t, a = _translate(text, atoms, unit.params, call)
            if _made_before(caller, call, t, a, memo):
                where.append(caller.qualname)
                continue
            if not up(caller, t, a, hops + 1, chain | {id(caller)}):
                return False
        return True

    if up(after, _text(g), _atoms(g), 0, frozenset({id(after)})):
        return sorted(set(where))
    return None


# ---------------------------------------------------------------- the callee now refuses the case

_RAISING = {Action.RAISE, Action.ABORT, Action.ASSERT}
_PROPAGATES = {Action.RAISE, Action.ABORT, Action.ASSERT, Action.DENY_RETURN}
_BINDING = re.compile(r"^\s*(?:(?:const|let|var|final)\s+)?(?P<lhs>[\w$\s,()\[\]{}:*.<>?]+?)\s*:?=(?!=)\s*(?:await\s+|yield\s+)?(?P<rhs>\S.*)$")
_PLACEHOLDER = re.compile(r"%[0-9a-f]{6}(?:_\d+)?")  # a local's placeholder
MAX_BINDING_LINE = 400


def binding_call(unit: Unit, name: str):
    """The call local `name` was first bound from (`(out, err, output) = self.run(cmd)`,
    `const { pem, ok } = locate(key)`, `v, err := f(x)`), or None when it was bound to
    anything else or not found."""
    lines = unit.text.splitlines()
    word = re.compile(r"(?<![\w$.])" + re.escape(name) + r"(?![\w$])")
    for c in sorted(unit.calls, key=lambda c: c.span.line):
        i = c.span.line - unit.span.line
        if not 0 <= i < len(lines):
            continue
        if len(lines[i]) > MAX_BINDING_LINE:
            continue  # minified or generated code: not read by a backtracking pattern
        m = _BINDING.match(lines[i])
        if m is None or not word.search(m.group("lhs")):
            continue
        head = c.text.split("(", 1)[0].strip()
        if head and m.group("rhs").startswith(head):
            return c
    return None


def _tested_callee(g: Guard, unit: Unit) -> Optional[str]:
    """The one callee whose result `g` tests: every atom of its condition reads locals bound
    from calls of it (and nothing else the unit was given), or None."""
    atoms = atoms_of(g.condition)
    if not atoms:
        return None
    names = {ph: n for n, ph in unit.locals}
    callees: set[str] = set()
    for a in atoms:
        if "$" in a.key:
            return None  # also tests a parameter: more than the callee's result
        held = _PLACEHOLDER.findall(a.key)
        if not held:
            return None
        for ph in held:
            name = names.get(ph)
            call = binding_call(unit, name) if name else None
            if call is None:
                return None
            callees.add(call.callee)
    return next(iter(callees)) if len(callees) == 1 else None


def callee_now_refuses(g: Guard, before: Unit, after: Unit, before_units, after_units) -> Optional[tuple[Unit, Guard]]:
    """(the callee, its new refusal) when the removed check `g` tested only what a call
    returned, and the same change made that callee refuse more (a raising check of the new
    version denies a case the old version's did not), while the caller still makes the call
    and lets the refusal through (no handler of it that swallows). `if not output: raise`
    after `output = run(cmd)` becomes redundant once `run` raises on every failed command;
    whether the new refusal covers the old test is not provable, so callers report it low.
    Deny-returns (Go's `return err`) do not count: the caller's test was what refused them."""
    if g.action not in _DENYING or g.kind in ("decorator", "exit"):
        return None
    callee = _tested_callee(g, before)
    if callee is None or not any(c.callee == callee for c in after.calls):
        return None
    if any(callee in h.guarded_calls and h.action not in _PROPAGATES for h in after.handlers):
        return None
    from semdiff import logic
    from semdiff.ir import disj
    from semdiff.rules._effective import effective_guards, find_helper, local_unifier, rekey_guard

    old, new = find_helper(before, callee, before_units), find_helper(after, callee, after_units)
    if old is None or new is None:
        return None
    unify = local_unifier(old, new)
    was = disj(*(h.deny_when for h in effective_guards(old, before_units) if h.reachable and h.action in _RAISING))
    now = [rekey_guard(h, unify) for h in effective_guards(new, after_units) if h.reachable and h.action in _RAISING]
    for h in now:
        w = logic.witness(h.deny_when, was)
        if w is not None and not isinstance(w, logic.Unknown):
            return new, h
    return None


# ---------------------------------------------------------------- the same refusal, on a derived value

_METHOD_CALL = re.compile(r"^(?P<recv>.+)\.(?P<method>[\w$]+)\((?P<args>.*)\)$")


def _refusal(unit: Unit, g: Guard) -> tuple:
    """What `g` refuses with: the calls of its statement outside its test (callee, argument
    texts), when one carries a message literal; () otherwise (a bare `return false` says too
    little to tell two refusals apart)."""
    tested = {a.callee for a in atoms_of(g.condition) if a.callee}
    calls = tuple(sorted(
        (c.callee, tuple(a.value for a in c.args)) for c in unit.calls
        if g.span.line <= c.span.line <= g.span.end_line and c.callee not in tested
    ))
    if not any(len(v) > 3 and v[0] in "\"'`" for _callee, values in calls for v in values):
        return ()
    return calls


_DERIVED: dict[int, tuple[Unit, Unit, dict]] = {}  # one change's removed checks ask for the same unit's table


def _derivations(before: Unit, after: Unit) -> dict[str, tuple[str, object]]:
    """After-side local placeholder -> (the operand it was derived from, the binding call) for
    locals bound from a call the old unit did not make, with one plain operand among its
    arguments (`const { pem, isRaw } = locatePem(trimmedKey)`)."""
    old = {c.callee for c in before.calls}
    out: dict[str, tuple[str, object]] = {}
    for name, ph in after.locals:
        c = binding_call(after, name)
        if c is None or c.callee in old:
            continue
        ops = [k for k in c.arg_keys if OPERAND.fullmatch(k)]
        if len(ops) == 1:
            out[ph] = (ops[0], c)
    return out


def _operands(key: str) -> str:
    """A call atom's receiver and arguments without the method (`x.includes(M)` ~ `x.startsWith(M)`);
    any other atom's whole key."""
    m = _METHOD_CALL.match(key)
    return f"{m.group('recv')}({m.group('args')})" if m else key


def rederived_check(g: Guard, before: Unit, after: Unit, a_live) -> Optional[tuple[Guard, str]]:
    """(the new check, the deriving call's text) when the removed check `g` is re-made with
    the same refusal (same error, same message) on a value a new helper derives from the one it
    tested: `if (key.match(M) || key.includes(C)) throw E('msg')` -> `const { pem, isRaw } =
    locatePem(key)` ... `if (pem.match(M) || pem.startsWith(C)) throw E('msg')`. Each test of
    the old check has one on the same operands (the method may differ) once the helper's result
    is read as its argument, and the new check's path adds only tests of what that helper
    returned. Whether the derived value carries what the old test examined is not provable,
    so callers report it low; a test dropped, another refusal, or a new gate on anything else
    is not this."""
    if g.action not in _DENYING or g.kind in ("decorator", "exit"):
        return None
    refusal = _refusal(before, g)
    if not refusal:
        return None
    hit = _DERIVED.get(id(after))
    if hit is None or hit[0] is not before or hit[1] is not after:
        if len(_DERIVED) > 64:
            _DERIVED.clear()
        hit = _DERIVED[id(after)] = (before, after, _derivations(before, after))  # units kept: ids not reused
    deriv = hit[2]
    if not deriv:
        return None
    g_tests = [_operands(a.key) for a in atoms_of(g.condition)]
    g_path = {a.key for _line, f in g.path for a in atoms_of(f)}
    for h in a_live:
        if h.action not in _DENYING or _refusal(after, h) != refusal:
            continue
        used: set[int] = set()

        def sub(key: str) -> str:
            def one(m: re.Match) -> str:
                hit = deriv.get(m.group(0))
                if hit is None:
                    return m.group(0)
                used.add(id(hit[1]))
                return hit[0]
            return OPERAND.sub(one, key)

        h_tests = {_operands(sub(a.key)) for a in atoms_of(h.condition)}
        if not all(t in h_tests for t in g_tests):
            continue
        extra_ok = True
        for line, f in h.path:
            if line == h.span.line:
                continue  # its own test, matched above
            for a in atoms_of(f):
                if sub(a.key) in g_path:
                    continue
                held = OPERAND.findall(a.key)
                if not held or any(ph not in deriv for ph in held):
                    extra_ok = False  # a new gate on something the helper did not return
        if not extra_ok or not used or len(used) > 1:
            continue
        call = next(c for _op, c in deriv.values() if id(c) in used)
        return h, _SPACE.sub(" ", call.text).strip()
    return None


# a property a check reads (`node.depth`, `$0.parts[i]`), not a method it calls (`Array.isArray(`)
_READ_PROPERTY = re.compile(r"\.([A-Za-z_$][\w$]*)\b(?!\s*\()")
_SANITISER_WORDS = frozenset({"sanitize", "sanitise", "sanitized", "sanitised", "coerce", "clamp"})


def _sanitiser(callee: str) -> bool:
    """Does the callee's last part name a sanitiser? (Remembered per callee: a unit table's
    calls repeat the same few callees.)"""
    hit = _SANITISER_NAMES.get(callee)
    if hit is None:
        from semdiff.relevance.names import words

        hit = bool(_SANITISER_WORDS & set(words(callee.rsplit(".", 1)[-1])))
        if len(_SANITISER_NAMES) >= 8192:
            _SANITISER_NAMES.clear()
        _SANITISER_NAMES[callee] = hit
    return hit


_SANITISER_NAMES: dict[str, bool] = {}


_SANITISING_MEMO: list[tuple[object, list[tuple[str, frozenset[str]]]]] = []  # (unit table, its sanitiser calls)


def _sanitising_calls(units: Mapping[tuple[str, str], object]) -> list[tuple[str, frozenset[str]]]:
    """(callee, properties its arguments read) of every sanitiser call in a unit table, read
    once per table (a large change removes many checks, and each asks)."""
    for table, calls in _SANITISING_MEMO:
        if table is units:
            return calls
    out = []
    for u in units.values():
        for c in getattr(u, "calls", ()):
            if _sanitiser(c.callee):
                read = frozenset(m.group(1) for a in c.args for m in _READ_PROPERTY.finditer(a.value))
                if read:
                    out.append((c.callee, read))
    _SANITISING_MEMO.insert(0, (units, out))
    del _SANITISING_MEMO[2:]  # the change's two sides
    return out


def sanitised_instead(g: Guard, before_units: Mapping[tuple[str, str], object],
                      after_units: Mapping[tuple[str, str], object]) -> list[str]:
    """Calls the change added that sanitise a property the removed check `g` validated
    (`if (!isValidDepth(node.depth)) throw` gone, `sanitizeDepth(path.depth)` new where the
    value is used): validation replaced by sanitising at the point of use. Returned as the
    calls' texts; empty when nothing of the kind was added."""
    props = {m.group(1) for a in atoms_of(g.condition) for m in _READ_PROPERTY.finditer(a.key)}
    props.discard("length")
    if not props:
        return []

    def counted(units) -> dict[tuple[str, str], int]:
        seen: dict[tuple[str, str], int] = {}
        for callee, read in _sanitising_calls(units):
            for p in read & props:
                seen[(callee, p)] = seen.get((callee, p), 0) + 1
        return seen

    old, new = counted(before_units), counted(after_units)
    return sorted(f"{callee}(....{p})" for (callee, p), n in new.items() if n > old.get((callee, p), 0))


# a call that rewrites a value into a safe form; the standard library's lexical path cleaners
# are left out: `filepath.Clean("../x")` and `path.normalize("../x")` keep the leading `..`
_NORMALISER_WORDS = frozenset({"clean", "sanitize", "sanitise", "normalize", "normalise", "canonicalize",
                               "canonicalise", "basename"})
_LEXICAL_ONLY = re.compile(r"^(?:path|filepath|os\.path|posixpath|ntpath|path\.posix|path\.win32)\.(?:clean|normalize|normpath)$", re.I)
_PARAM_OR_LOCAL = re.compile(r"\$\d+|%[0-9a-f]{6}(?:_\d+)?")  # a parameter's or a local's placeholder


def _source_names(unit: Unit, keys) -> set[str]:
    """Source names of the parameters and locals whose placeholders occur in `keys`."""
    local_names = {ph: name for name, ph in unit.locals}
    out = set()
    for key in keys:
        for ph in _PARAM_OR_LOCAL.findall(key):
            if ph.startswith("$"):
                i = int(ph[1:])
                if i < len(unit.params):
                    out.add(unit.params[i])
            elif ph in local_names:
                out.add(local_names[ph])
    return out


def normalised_in_place(g: Guard, before: Unit, after: Unit) -> Optional[str]:
    """The text of a call the new version uses to rewrite, in place, a value the removed check
    `g` tested (`if IsMaliciousPath(name) { return err }` gone, `name = pathutil.Clean(name)`
    new): a refusal replaced by a normaliser, so the value goes on in a cleaned form instead of
    being refused. None when no such rewrite is there (a cleaned copy under another name leaves
    the original in use; the standard library's lexical cleaners keep a leading `..`)."""
    tested = _source_names(before, [a.key for a in atoms_of(g.condition)])
    if not tested:
        return None
    lines = after.text.splitlines()
    for c in after.calls:
        if not c.arg_keys or _LEXICAL_ONLY.match(c.callee):
            continue
        from semdiff.relevance.names import words

        if not (_NORMALISER_WORDS & set(words(c.callee.rsplit(".", 1)[-1]))):
            continue
        names = _source_names(after, [c.arg_keys[0]]) & tested
        if not names:
            continue
        i = c.span.line - after.span.line
        if not 0 <= i < len(lines):
            continue
        head = c.text.split("(", 1)[0].strip()
        for name in names:
            if re.search(rf"(?<![\w.$]){re.escape(name)}\s*:?=\s*(?:await\s+)?{re.escape(head)}\s*\(", lines[i]):
                return c.text.splitlines()[0].strip()
    return None
