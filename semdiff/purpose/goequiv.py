"""Behaviour-preserving Go rewrites, proved on a canonical token stream.

Go units carry only the backend's token stream, so every modernisation that a refactor or
`gofix`/`modernize` run makes ("for loop can be modernized using range over int", "magic
numbers to named constants", `strings.Split` -> `strings.SplitSeq`, `interface{}` -> `any`)
read as a behaviour change — and under a "refactor" claim in a function named
`bodyAllowedForStatus` or `ValidateStruct`, as a HIGH purpose mismatch. Both sides are
brought to one canonical form here; equal forms are the same behaviour. Each rewrite is only
made where it is sound, so anything else (a dropped check, a flipped comparison, a loop
bound that changes) still differs:

* `for i := 0; i < N; i++ {` is `for i := range N {` when the body neither assigns `i` nor
  anything N is made of, and N is a name, a selector, `len(...)` of one, or an argument-less
  method call (evaluated once either way only if nothing in the body changes it);
* a name bound to a literal by a `const` declaration of the same package, or a net/http
  status constant, is that literal (unless the function declares the name itself);
* on a parameter of integer type, `x <= 199` is `x < 200` and `x >= 100` is `x > 99`;
* `for _, v := range strings.Split(a, b)` is `for v := range strings.SplitSeq(a, b)`, also
  through a local name used for nothing else (same for SplitAfter, Fields, FieldsFunc, and
  the bytes package);
* pure aliases: `interface{}` / `any`, `reflect.Ptr` / `reflect.Pointer`, and io/ioutil's
  functions / their io and os successors (`ioutil.ReadAll` / `io.ReadAll`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional

_TOKEN = re.compile(
    r"(?P<directive>//go:[^\n]*|//\s*\+build[^\n]*)"
    r"|(?P<comment>//[^\n]*|/\*.*?\*/)"
    r"|(?P<str>`[^`]*`|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*')"
    r"|(?P<num>0[xX][0-9a-fA-F_]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<ident>[A-Za-z_]\w*)"
    r"|(?P<op>\.\.\.|<<=|>>=|&\^=|:=|<=|>=|==|!=|&&|\|\||\+\+|--|\+=|-=|\*=|/=|%=|&=|\|=|\^=|<<|>>|&\^|<-|\S)",
    re.S,
)
_MAX_TEXT = 200_000  # a unit larger than this is not worth proving (and must not be slow)

# net/http status constants a "named constants" refactor swaps in for their numbers
HTTP_STATUS = {
    "StatusContinue": 100, "StatusSwitchingProtocols": 101, "StatusProcessing": 102, "StatusEarlyHints": 103,
    "StatusOK": 200, "StatusCreated": 201, "StatusAccepted": 202, "StatusNonAuthoritativeInfo": 203,
    "StatusNoContent": 204, "StatusResetContent": 205, "StatusPartialContent": 206,
    "StatusMultipleChoices": 300, "StatusMovedPermanently": 301, "StatusFound": 302, "StatusSeeOther": 303,
    "StatusNotModified": 304, "StatusTemporaryRedirect": 307, "StatusPermanentRedirect": 308,
    "StatusBadRequest": 400, "StatusUnauthorized": 401, "StatusPaymentRequired": 402, "StatusForbidden": 403,
    "StatusNotFound": 404, "StatusMethodNotAllowed": 405, "StatusNotAcceptable": 406, "StatusRequestTimeout": 408,
    "StatusConflict": 409, "StatusGone": 410, "StatusLengthRequired": 411, "StatusPreconditionFailed": 412,
    "StatusRequestEntityTooLarge": 413, "StatusUnsupportedMediaType": 415, "StatusTooManyRequests": 429,
    "StatusInternalServerError": 500, "StatusNotImplemented": 501, "StatusBadGateway": 502,
    "StatusServiceUnavailable": 503, "StatusGatewayTimeout": 504,
}
_ALIASES = {("interface", "{", "}"): ("any",), ("reflect", ".", "Ptr"): ("reflect", ".", "Pointer")}
# io/ioutil's functions that "simply call" their io / os successors since Go 1.16 (the package
# documentation's own words), the rewrite `go fix`, staticcheck and golint ask for. Not
# ioutil.ReadDir: os.ReadDir returns []DirEntry, not []FileInfo, and sorts differently.
_ALIASES.update({
    ("ioutil", ".", old): (pkg, ".", new) for old, pkg, new in (
        ("ReadAll", "io", "ReadAll"), ("NopCloser", "io", "NopCloser"), ("Discard", "io", "Discard"),
        ("ReadFile", "os", "ReadFile"), ("WriteFile", "os", "WriteFile"),
        ("TempFile", "os", "CreateTemp"), ("TempDir", "os", "MkdirTemp"),
    )
})
_SEQ = {"Split": "SplitSeq", "SplitAfter": "SplitAfterSeq", "Fields": "FieldsSeq", "FieldsFunc": "FieldsFuncSeq"}
_INT_TYPES = frozenset({"int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "byte", "rune"})
_ASSIGN = frozenset({"=", ":=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "&^=", "++", "--"})


@dataclass(frozen=True)
class Canonical:
    tokens: tuple[str, ...]
    rewrites: tuple[str, ...]  # what was normalised, for the evidence


def tokens(text: str) -> Optional[list[str]]:
    """Code tokens without comments and layout; None for text too large to bother with."""
    if len(text) > _MAX_TEXT:
        return None
    out = []
    for m in _TOKEN.finditer(text):
        if m.lastgroup != "comment":
            out.append(m.group(0))
    return out


_CONST_LINE = re.compile(r"^\s*(?:const\s+)?([A-Za-z_]\w*)(?:\s+[A-Za-z_][\w.]*)?\s*=\s*(-?\d[\d_]*|0[xX][0-9a-fA-F_]+|\"(?:\\.|[^\"\\\n])*\")\s*(?://.*)?$")
_CONST_BLOCK = re.compile(r"^const\s*\((.*?)^\)", re.S | re.M)
_CONST_ONE = re.compile(r"^const\s+[^(\n][^\n]*$", re.M)


def constants(file_texts: Iterable[str]) -> dict[str, str]:
    """name -> literal token of the `const` declarations (literal values only, no iota) of
    one package's files; a name declared with two different values is left out."""
    found: dict[str, set[str]] = {}
    for text in file_texts:
        if not text or len(text) > 2_000_000:
            continue
        lines = [m.group(1) for m in _CONST_BLOCK.finditer(text)]
        for block in lines:
            for line in block.splitlines():
                m = _CONST_LINE.match(line)
                if m:
                    found.setdefault(m.group(1), set()).add(_literal(m.group(2)))
        for m in _CONST_ONE.finditer(text):
            lm = _CONST_LINE.match(m.group(0))
            if lm:
                found.setdefault(lm.group(1), set()).add(_literal(lm.group(2)))
    return {k: next(iter(v)) for k, v in found.items() if len(v) == 1}


def _literal(tok: str) -> str:
    if tok.startswith('"'):
        return tok
    try:
        return str(int(tok.replace("_", ""), 0))
    except ValueError:
        return tok


def _close(toks: list[str], i: int) -> int:
    """Index of the bracket closing the one at i (or len(toks))."""
    pairs = {"(": ")", "{": "}", "[": "]"}
    want = pairs[toks[i]]
    depth = 0
    for j in range(i, len(toks)):
        if toks[j] == toks[i]:
            depth += 1
        elif toks[j] == want:
            depth -= 1
            if depth == 0:
                return j
    return len(toks)


def _assigned(body: list[str], name: str) -> bool:
    """Is `name` assigned, incremented or has its address taken anywhere in body?"""
    for k, t in enumerate(body):
        if t != name or (k > 0 and body[k - 1] == "."):
            continue
        nxt = body[k + 1] if k + 1 < len(body) else ""
        if nxt in _ASSIGN or nxt == ",":  # `i, j = ...` / `i ++`
            if nxt == "," and not any(x in _ASSIGN for x in body[k + 1: k + 8]):
                continue
            return True
        if k > 0 and body[k - 1] == "&":
            return True
    return False


# reflect.Value/Type accessors that read and never change what they are called on: a loop
# bounded by `value.NumField()` may call `value.Field(i)` and keep its bound
_READ_ONLY = frozenset({"Len", "Cap", "NumField", "Field", "Index", "Type", "Elem", "Kind", "NumMethod",
                        "Method", "NumIn", "NumOut", "In", "Out", "IsNil", "IsValid", "CanSet", "CanInterface"})


def _limit_ok(limit: list[str], body: list[str]) -> bool:
    """N is loop-invariant: a name, selector, len() of one, or an argument-less method call,
    and the body changes none of it (no assignment to its root; for len(m) no element stores
    or deletes, since a map's length changes with them; for a method call, the body only
    reads its receiver through read-only accessors)."""
    if not limit:
        return False
    core, kind = limit, "name"
    if limit[0] == "len" and len(limit) >= 3 and limit[1] == "(" and limit[-1] == ")":
        core, kind = limit[2:-1], "len"
    elif len(limit) >= 3 and limit[-2:] == ["(", ")"]:
        core, kind = limit[:-2], "call"
    if not core or not all(re.fullmatch(r"[A-Za-z_]\w*|\.", t) for t in core):
        return False
    root = core[0]
    if _assigned(body, root):
        return False
    uses = [k for k, t in enumerate(body) if t == root and (k == 0 or body[k - 1] != ".")]
    if kind == "len":
        if "delete" in body:
            return False
        for k in uses:
            if k + 1 < len(body) and body[k + 1] == "[":
                end = _close(body, k + 1)
                if end + 1 < len(body) and body[end + 1] in _ASSIGN:
                    return False
    if kind == "call":
        for k in uses:
            if not (body[k + 1: k + 2] == ["."] and body[k + 2: k + 3] and body[k + 2] in _READ_ONLY):
                return False
    return True


def _range_int(toks: list[str], notes: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(toks):
        # for I := 0 ; I < N ; I ++ {
        if (toks[i] == "for" and i + 7 < len(toks) and re.fullmatch(r"[A-Za-z_]\w*", toks[i + 1])
                and toks[i + 2] == ":=" and toks[i + 3] == "0" and toks[i + 4] == ";"
                and toks[i + 5] == toks[i + 1] and toks[i + 6] == "<"):
            var = toks[i + 1]
            j = i + 7
            while j < len(toks) and toks[j] not in (";", "{"):
                j += 1
            if (j + 3 < len(toks) and toks[j] == ";" and toks[j + 1] == var and toks[j + 2] == "++"
                    and toks[j + 3] == "{"):
                limit = toks[i + 7: j]
                end = _close(toks, j + 3)
                body = toks[j + 4: end]
                if not _assigned(body, var) and _limit_ok(limit, body):
                    used = var in body
                    out.extend(["for"] + ([var, ":="] if used else []) + ["range"] + limit)
                    notes.append("three-clause counting loop is range over int")
                    i = j + 3
                    continue
        out.append(toks[i])
        i += 1
    return out


def _range_unused(toks: list[str]) -> list[str]:
    """`for i := range N {` with i unused in the body is `for range N {`."""
    out: list[str] = []
    i = 0
    while i < len(toks):
        if toks[i] == "for" and i + 3 < len(toks) and toks[i + 2] == ":=" and toks[i + 3] == "range" \
                and re.fullmatch(r"[A-Za-z_]\w*", toks[i + 1]):
            j = i + 4
            while j < len(toks) and toks[j] != "{":
                j += 1
            if j < len(toks) and toks[i + 1] not in toks[j + 1: _close(toks, j)] and toks[i + 1] != "_":
                out.extend(["for", "range"])
                i += 4
                continue
        out.append(toks[i])
        i += 1
    return out


def _seq(toks: list[str], notes: list[str]) -> list[str]:
    # direct: for _ , V := range PKG . Split ( ... )  ->  for V := range PKG . SplitSeq ( ... )
    out = list(toks)
    i = 0
    while i < len(out):
        if (out[i] == "for" and out[i + 1: i + 3] == ["_", ","] and i + 8 < len(out) and out[i + 4] == ":="
                and out[i + 5] == "range" and out[i + 6] in ("strings", "bytes") and out[i + 7] == "."
                and out[i + 8] in _SEQ):
            out[i: i + 9] = ["for", out[i + 3], ":=", "range", out[i + 6], ".", _SEQ[out[i + 8]]]
            notes.append("range over a split slice is range over its sequence")
        i += 1
    # through a name: X := PKG . Split ( ... ) ... for _ , V := range X {   (X used nowhere else)
    i = 0
    while i + 4 < len(out):
        if (re.fullmatch(r"[A-Za-z_]\w*", out[i]) and out[i + 1] == ":=" and out[i + 2] in ("strings", "bytes")
                and out[i + 3] == "." and out[i + 4] in _SEQ and (i == 0 or out[i - 1] != ",")):
            name = out[i]
            uses = [k for k, t in enumerate(out) if t == name and k != i and (k == 0 or out[k - 1] != ".")]
            if len(uses) == 1:
                k = uses[0]
                if k >= 5 and out[k - 6: k - 3] == ["for", "_", ","] and out[k - 2] == ":=" and out[k - 1] == "range":
                    var = out[k - 3]
                    out[k - 6: k + 1] = ["for", var, ":=", "range", name]
                    out[i + 4] = _SEQ[out[i + 4]]
                    notes.append("range over a split slice is range over its sequence")
        i += 1
    return out


def _wait_group_go(toks: list[str], notes: list[str]) -> list[str]:
    """`W.Add(1); go func() { defer W.Done(); BODY }()` is `W.Go(func() { BODY })` (what
    sync.WaitGroup.Go does)."""
    out = list(toks)
    i = 0
    while i + 20 < len(out):
        w = out[i]
        if (re.fullmatch(r"[A-Za-z_]\w*", w) and out[i + 1: i + 6] == [".", "Add", "(", "1", ")"]
                and out[i + 6: i + 12] == ["go", "func", "(", ")", "{", "defer"]
                and out[i + 12: i + 17] == [w, ".", "Done", "(", ")"] and (i == 0 or out[i - 1] != ".")):
            end = _close(out, i + 10)
            if out[end + 1: end + 3] == ["(", ")"]:
                body = out[i + 17: end]
                out[i: end + 3] = [w, ".", "Go", "(", "func", "(", ")", "{"] + body + ["}", ")"]
                notes.append("WaitGroup Add/go/defer Done is WaitGroup.Go")
        i += 1
    return out


def _cut(toks: list[str], notes: list[str]) -> list[str]:
    """`i := bytes.IndexByte(b, ':'); if i >= 0 { ... b[:i] ... b[i+1:] }` is
    `x, y, ok := bytes.Cut(b, []byte{':'}); if ok { ... x ... y }` (also strings.IndexByte /
    strings.Index with a one-character separator and strings.Cut): both become one neutral
    form. Only when the index is used for nothing else and b is never assigned."""
    out = list(toks)
    name = re.compile(r"[A-Za-z_]\w*")
    # the Cut form: X , Y , OK := PKG . Cut ( B , SEP )
    for i in range(len(out) - 12):
        if (name.fullmatch(out[i]) and out[i + 1] == "," and name.fullmatch(out[i + 2]) and out[i + 3] == ","
                and name.fullmatch(out[i + 4]) and out[i + 5] == ":=" and out[i + 6] in ("bytes", "strings")
                and out[i + 7: i + 10] == [".", "Cut", "("] and name.fullmatch(out[i + 10]) and out[i + 11] == ","):
            end = _close(out, i + 9)
            sep = _separator(out[i + 6], out[i + 12: end])
            if sep is None:
                continue
            x, y, ok, b = out[i], out[i + 2], out[i + 4], out[i + 10]
            rest = out[end + 1:]
            if _assigned(rest, b) or any(_assigned(rest, v) for v in (x, y, ok)):
                continue
            rest = ["§before" if t == x else "§after" if t == y else "§found" if t == ok else t for t in rest]
            pkg = out[i + 6]
            out[i:] = ["§cut", pkg, b, sep] + rest
            notes.append(f"{pkg}.Cut is an index split")
            break
    # the index form: I := PKG . IndexByte|Index ( B , SEP ) ; if I >= 0 { ... B [ : I ] ... B [ I + 1 : ] }
    for i in range(len(out) - 10):
        if (name.fullmatch(out[i]) and out[i + 1] == ":=" and out[i + 2] in ("bytes", "strings") and out[i + 3] == "."
                and out[i + 4] in ("IndexByte", "Index") and out[i + 5] == "(" and name.fullmatch(out[i + 6])
                and out[i + 7] == ","):
            end = _close(out, i + 5)
            sep = _separator(out[i + 2], out[i + 8: end], index=out[i + 4])
            idx, b = out[i], out[i + 6]
            rest = out[end + 1:]
            if sep is None or _assigned(rest, b) or _assigned(rest, idx):
                continue
            new: list[str] = []
            k = 0
            ok = True
            while k < len(rest):
                if rest[k: k + 4] == ["if", idx, ">=", "0"]:
                    new += ["if", "§found"]
                    k += 4
                elif rest[k: k + 5] == [b, "[", ":", idx, "]"]:
                    new.append("§before")
                    k += 5
                elif rest[k: k + 7] == [b, "[", idx, "+", "1", ":", "]"]:
                    new.append("§after")
                    k += 7
                elif rest[k] == idx:
                    ok = False  # the index itself is used: not a plain split
                    break
                else:
                    new.append(rest[k])
                    k += 1
            if ok:
                pkg, fn = out[i + 2], out[i + 4]
                out[i:] = ["§cut", pkg, b, sep] + new
                notes.append(f"{pkg}.{fn} split is {pkg}.Cut")
                break
    return out


def _separator(pkg: str, arg: list[str], index: str = "Cut") -> Optional[str]:
    """The one separator character of a Cut/Index argument, as a neutral token."""
    if pkg == "bytes" and index == "Cut" and len(arg) == 6 and arg[:4] == ["[", "]", "byte", "{"] and arg[5] == "}":
        lit = arg[4]
    elif len(arg) == 1:
        lit = arg[0]
    else:
        return None
    m = re.fullmatch(r"'([^'\\])'|\"([^\"\\])\"", lit)
    if not m:
        return None
    if index == "Index" and not lit.startswith('"'):
        return None
    if index == "IndexByte" and not lit.startswith("'"):
        return None
    return "§sep" + (m.group(1) or m.group(2))


def _param_names(toks: list[str]) -> set[str]:
    """Every name in the unit's receiver and parameter lists (they shadow package consts)."""
    if toks[:1] != ["func"] or "{" not in toks:
        return set()
    head = toks[: toks.index("{")]
    return {t for t in head[1:] if re.fullmatch(r"[A-Za-z_]\w*", t)}


def _int_params(toks: list[str]) -> set[str]:
    """Parameters declared with an integer type in the unit's signature (`func f(a, b int)`)."""
    try:
        start = toks.index("(")
    except ValueError:
        return set()
    if toks[:1] != ["func"]:
        return set()
    # a method: func ( r *T ) name ( params )
    if start == 1:
        start = toks.index("(", _close(toks, start) + 1) if "(" in toks[_close(toks, start) + 1:] else -1
        if start < 0:
            return set()
    end = _close(toks, start)
    params = toks[start + 1: end]
    out: set[str] = set()
    pending: list[str] = []
    k = 0
    while k < len(params):
        t = params[k]
        if re.fullmatch(r"[A-Za-z_]\w*", t) and k + 1 < len(params) and params[k + 1] == ",":
            pending.append(t)
            k += 2
            continue
        if re.fullmatch(r"[A-Za-z_]\w*", t) and k + 1 < len(params) and params[k + 1] in _INT_TYPES \
                and (k + 2 >= len(params) or params[k + 2] == ","):
            out.update(pending + [t])
            pending = []
            k += 3
            continue
        pending = []
        k += 1
    return out


_TYPE_TOKEN = re.compile(r"[A-Za-z_]\w*|\*|\.|\[|\]")


def _map_keys(toks: list[str]) -> set[int]:
    """Indices of the tokens that start a key of a map literal (`map[string]string{KEY: v}`):
    there a name before `:` is an expression, not the field label it is in a struct literal.
    Only map literals whose value type is plain names, selectors, pointers and slices."""
    opens: set[int] = set()
    for k in range(len(toks) - 1):
        if toks[k] == "map" and toks[k + 1] == "[":
            j = _close(toks, k + 1) + 1
            while j < len(toks) and toks[j] != "{" and _TYPE_TOKEN.fullmatch(toks[j]):
                j += 1
            if j < len(toks) and toks[j] == "{" and j > _close(toks, k + 1) + 1:
                opens.add(j)
    if not opens:
        return set()
    keys: set[int] = set()
    stack: list[int] = []
    for k, t in enumerate(toks):
        if t in ("{", "(", "["):
            stack.append(k)
        elif t in ("}", ")", "]"):
            if stack:
                stack.pop()
        elif stack and stack[-1] in opens and k > 0 and toks[k - 1] in ("{", ","):
            keys.add(k)
        if t == "{" and k in opens and k + 1 < len(toks):
            keys.add(k + 1)
    return keys


def _constants(toks: list[str], consts: Mapping[str, str], notes: list[str]) -> list[str]:
    local = {toks[k - 1] for k in range(1, len(toks)) if toks[k] == ":="} | {
        toks[k + 1] for k in range(len(toks) - 1) if toks[k] in ("var", "const")} | _param_names(toks)
    map_keys = _map_keys(toks) if consts and "map" in toks else set()
    out: list[str] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        prev = out[-1] if out else ""
        if k in map_keys and t in consts and t not in local and k + 1 < len(toks) and toks[k + 1] == ":":
            out.append(consts[t])  # a map literal's key: an expression (see _map_keys)
            notes.append(f"constant {t} is {consts[t]}")
            k += 1
            continue
        if t == "http" and k + 2 < len(toks) and toks[k + 1] == "." and toks[k + 2] in HTTP_STATUS and "http" not in local:
            out.append(str(HTTP_STATUS[toks[k + 2]]))
            notes.append(f"http.{toks[k + 2]} is {HTTP_STATUS[toks[k + 2]]}")
            k += 3
            continue
        if (k + 2 < len(toks) and toks[k + 1] == "." and prev != "." and t not in local
                and f"{t}.{toks[k + 2]}" in consts and not (k + 3 < len(toks) and toks[k + 3] in (":", "("))):
            q = f"{t}.{toks[k + 2]}"  # another changed package's constant (see effects._GoConstants)
            out.append(consts[q])
            notes.append(f"constant {q} is {consts[q]}")
            k += 3
            continue
        if t in consts and prev != "." and t not in local and not (k + 1 < len(toks) and toks[k + 1] in (":", "(")):
            out.append(consts[t])
            notes.append(f"constant {t} is {consts[t]}")
            k += 1
            continue
        out.append(t)
        k += 1
    return out


def _int_bounds(toks: list[str], ints: set[str], notes: list[str]) -> list[str]:
    out = list(toks)
    for k in range(1, len(out) - 1):
        if out[k] in ("<=", ">=") and out[k - 1] in ints and (k < 2 or out[k - 2] != ".") \
                and re.fullmatch(r"\d+", out[k + 1]) and (k + 2 >= len(out) or out[k + 2] not in (".", "(", "[", "*", "/", "%", "<<", ">>", "&")):
            n = int(out[k + 1])
            out[k], out[k + 1] = ("<", str(n + 1)) if out[k] == "<=" else (">", str(n - 1))
            notes.append("integer bound written inclusively")
    return out


def _selector(toks: list[str]) -> bool:
    """A name or a selector chain (`v`, `r.Method`): read without side effects, however often."""
    return len(toks) % 2 == 1 and all(
        (re.fullmatch(r"[A-Za-z_]\w*", t) is not None) if k % 2 == 0 else t == "." for k, t in enumerate(toks))


def _contains(toks: list[str], notes: list[str]) -> list[str]:
    """`for _, c := range xs { if v == c { return true } }; return false` is
    `return slices.Contains(xs, v)` (modernize's slicescontains): the loop answers true at the
    first element equal to v, and false when none is. Only for that exact body, with v a name
    or selector that does not mention the loop variable (the loop reads it once per element,
    Contains once)."""
    out: list[str] = []
    i = 0
    while i < len(toks):
        if (toks[i] == "for" and toks[i + 1: i + 3] == ["_", ","] and i + 5 < len(toks)
                and re.fullmatch(r"[A-Za-z_]\w*", toks[i + 3]) and toks[i + 4: i + 6] == [":=", "range"]):
            elem = toks[i + 3]
            j = i + 6
            while j < len(toks) and toks[j] != "{":
                j += 1
            xs = toks[i + 6: j]
            if xs and j < len(toks):
                end = _close(toks, j)
                body = toks[j + 1: end]
                value = None
                if body[:1] == ["if"] and body[-4:] == ["{", "return", "true", "}"]:
                    cond = body[1:-4]
                    if len(cond) >= 3 and cond[-2:] == ["==", elem]:
                        value = cond[:-2]
                    elif len(cond) >= 3 and cond[:2] == [elem, "=="]:
                        value = cond[2:]
                if (value is not None and _selector(value) and elem not in value
                        and toks[end + 1: end + 3] == ["return", "false"]):
                    out.extend(["return", "slices", ".", "Contains", "(", *xs, ",", *value, ")"])
                    notes.append("a loop returning true at the first equal element is slices.Contains")
                    i = end + 3
                    continue
        out.append(toks[i])
        i += 1
    return out


# standard library functions whose first result is a []byte
_BYTES_RESULT = frozenset({
    ("json", "Marshal"), ("json", "MarshalIndent"), ("xml", "Marshal"), ("xml", "MarshalIndent"),
    ("io", "ReadAll"), ("os", "ReadFile"),
})


def _unconvert_bytes(toks: list[str], notes: list[str]) -> list[str]:
    """`[]byte(data)` is `data` when `data` is a local declared once, from a call whose first
    result is a []byte (`data, err := xml.Marshal(v)`): the conversion golint/unconvert drops.
    A name declared more than once (an inner `data := "..."` may be a string) or a parameter
    is left alone."""
    if "byte" not in toks:
        return toks
    declared: dict[str, int] = {}
    typed: set[str] = set()
    for k, t in enumerate(toks):
        if t != ":=":
            continue
        names: list[str] = []
        j = k - 1
        while j >= 0 and _NAME.fullmatch(toks[j]):
            names.append(toks[j])
            if j >= 1 and toks[j - 1] == ",":
                j -= 2
                continue
            break
        for n in names:
            declared[n] = declared.get(n, 0) + 1
        first = names[-1] if names else None
        if first and tuple(toks[k + 1: k + 5:2]) in _BYTES_RESULT and toks[k + 2: k + 3] == ["."] and toks[k + 4: k + 5] == ["("]:
            typed.add(first)
    for k in range(len(toks) - 1):
        if toks[k] == "var" and _NAME.fullmatch(toks[k + 1]):
            declared[toks[k + 1]] = declared.get(toks[k + 1], 0) + 1
    ok = {n for n in typed if declared.get(n) == 1} - _param_names(toks)
    if not ok:
        return toks
    out: list[str] = []
    k = 0
    while k < len(toks):
        if toks[k: k + 4] == ["[", "]", "byte", "("] and k + 5 < len(toks) and toks[k + 4] in ok and toks[k + 5] == ")" \
                and (k == 0 or toks[k - 1] != "."):
            out.append(toks[k + 4])
            notes.append(f"[]byte({toks[k + 4]}) is {toks[k + 4]}, already a []byte")
            k += 6
            continue
        out.append(toks[k])
        k += 1
    return out


_STRUCT_START = re.compile(r"^type\s+([A-Za-z_]\w*)\s+struct\s*\{\s*$", re.M)
_FIELD_LINE = re.compile(r"^\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s+([A-Za-z_]\w*)\s*(?:`[^`]*`)?\s*(?://.*)?$")


def field_types(file_texts: Iterable[str]) -> dict[str, str]:
    """`Struct.Field` -> its type, for the fields of one package's top-level struct types
    declared with a plain type name (`ExpiresIn int64` and a tag); a name declared
    twice with two types is left out."""
    found: dict[str, set[str]] = {}
    for text in file_texts:
        if not text or len(text) > 2_000_000 or "struct" not in text:
            continue
        for m in _STRUCT_START.finditer(text):
            depth = 1
            for line in text[m.end():].splitlines()[1:]:
                code = _TOKEN.sub(lambda t: "" if t.lastgroup in ("comment", "str") else t.group(0), line)
                if depth == 1:
                    fm = _FIELD_LINE.match(line)
                    if fm is not None:
                        for name in fm.group(1).split(","):
                            found.setdefault(f"{m.group(1)}.{name.strip()}", set()).add(fm.group(2))
                depth += code.count("{") - code.count("}")
                if depth <= 0:
                    break
    return {k: next(iter(v)) for k, v in found.items() if len(v) == 1}


def _unconvert_fields(toks: list[str], fields: Mapping[str, str], notes: list[str]) -> list[str]:
    """`int64(t.ExpiresIn)` is `t.ExpiresIn` when `t` is a local declared once as a value of a
    struct of the package (`t := &S{}`, `t := S{...}`, `var t S`; `t := &pkg.S{}` with `fields`
    holding `pkg.S.F`) whose field `ExpiresIn` is declared `int64`: a conversion to the type the
    value already has. A local a struct's name does not say the type of is left alone."""
    if not fields:
        return toks
    declared: dict[str, int] = {}
    struct_of: dict[str, str] = {}
    for k, t in enumerate(toks):
        if t == ":=" and k >= 1 and _NAME.fullmatch(toks[k - 1]):
            name = toks[k - 1]
            declared[name] = declared.get(name, 0) + 1
            j = k + 1 + (toks[k + 1: k + 2] == ["&"])
            if j + 1 < len(toks) and _NAME.fullmatch(toks[j]) and toks[j + 1] == "{":
                struct_of[name] = toks[j]
            elif j + 3 < len(toks) and _NAME.fullmatch(toks[j]) and toks[j + 1] == "." and toks[j + 3] == "{":
                struct_of[name] = f"{toks[j]}.{toks[j + 2]}"  # another package's struct
        elif t == "var" and k + 2 < len(toks) and _NAME.fullmatch(toks[k + 1]):
            name = toks[k + 1]
            declared[name] = declared.get(name, 0) + 1
            j = k + 2 + (toks[k + 2] == "*")
            if j < len(toks) and _NAME.fullmatch(toks[j]) and toks[j + 1: j + 2] != ["."]:
                struct_of[name] = toks[j]
        elif t == "," and k >= 1 and _NAME.fullmatch(toks[k - 1]) and ":=" in toks[k: k + 8]:
            declared[toks[k - 1]] = declared.get(toks[k - 1], 0) + 1  # `a, b :=` declares a too
    params = _param_names(toks)
    typed = {n: st for n, st in struct_of.items() if declared.get(n) == 1 and n not in params}
    if not typed:
        return toks
    out: list[str] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        if (k + 5 < len(toks) and _NAME.fullmatch(t) and toks[k + 1] == "(" and toks[k + 2] in typed
                and toks[k + 3] == "." and toks[k + 5] == ")" and (k == 0 or toks[k - 1] != ".")
                and fields.get(f"{typed[toks[k + 2]]}.{toks[k + 4]}") == t):
            out.extend(toks[k + 2: k + 5])
            notes.append(f"{t}({toks[k + 2]}.{toks[k + 4]}) is {toks[k + 2]}.{toks[k + 4]}, already a {t}")
            k += 6
            continue
        out.append(t)
        k += 1
    return out


def canonical(text: str, consts: Mapping[str, str] = {}, fields: Mapping[str, str] = {}) -> Optional[Canonical]:
    """The canonical token stream of one Go unit's text (None if it cannot be tokenised)."""
    toks = tokens(text)
    if toks is None:
        return None
    notes: list[str] = []
    present = set(toks)
    for pat, rep in _ALIASES.items():
        if pat[0] not in present:
            continue
        n = len(pat)
        k = 0
        while k + n <= len(toks):
            if tuple(toks[k: k + n]) == pat:
                toks[k: k + n] = list(rep)
                notes.append(f"{''.join(pat)} is {''.join(rep)}")
            k += 1
    ints = _int_params(toks)
    toks = _constants(toks, consts, notes)
    toks = _int_bounds(toks, ints, notes)
    toks = _range_int(toks, notes)
    toks = _range_unused(toks)
    toks = _seq(toks, notes)
    toks = _wait_group_go(toks, notes)
    toks = _cut(toks, notes)
    toks = _contains(toks, notes)
    toks = _unconvert_bytes(toks, notes)
    toks = _unconvert_fields(toks, fields, notes)
    return Canonical(tuple(toks), tuple(dict.fromkeys(notes)))


_NAME = re.compile(r"[A-Za-z_]\w*")
_KEYWORDS = frozenset({
    "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for", "func", "go",
    "goto", "if", "import", "interface", "map", "package", "range", "return", "select", "struct", "switch", "type", "var",
})


def _declared_name(toks: list[str]) -> Optional[int]:
    """Index of the name a `func` unit declares (`func Name(`, `func (r *T) Name(`), else None."""
    if toks[:1] != ["func"] or len(toks) < 3:
        return None
    k = 1
    if toks[k] == "(":
        k = _close(toks, k) + 1
    if k + 1 < len(toks) and _NAME.fullmatch(toks[k]) and toks[k + 1] in ("(", "["):
        return k
    return None


def _renamed_callees(toks: list[str], renames: Mapping[str, str], notes: list[str]) -> list[str]:
    """Calls of functions the same change renamed, by their old names (`renames`: new -> old):
    `object.DeleteTokenByAccessToken(t)` is the call `object.DeleteTokenByAceessToken(t)` was
    when the change renamed that function and nothing else took either name."""
    out = list(toks)
    for k, t in enumerate(toks):
        old = renames.get(t)
        if old is not None and k + 1 < len(toks) and toks[k + 1] in ("(", "["):
            out[k] = old
            notes.append(f"{old} renamed {t}")
    return out


def _locals_numbered(toks: list[str]) -> list[str]:
    """Locals declared by `name :=` (or `a, b :=`) where the name first appears, numbered in
    the order declared: a local renamed everywhere (`envelopReponse` -> `envelopResponse`) is
    the same local. Not a name used before its declaration (it named something else there),
    a field (`x.name`) or a composite-literal label (`name:`)."""
    first: dict[str, int] = {}
    for k, t in enumerate(toks):
        if _NAME.fullmatch(t) and t not in first:
            first[t] = k
    number: dict[str, str] = {}
    for k, t in enumerate(toks):
        if t != ":=":
            continue
        j = k - 1
        while j >= 0 and _NAME.fullmatch(toks[j]):
            name = toks[j]
            if first.get(name) == j and name != "_" and name not in _KEYWORDS and (j == 0 or toks[j - 1] != "."):
                number.setdefault(name, f"§local{len(number)}")
            if j >= 1 and toks[j - 1] == ",":
                j -= 2
                continue
            break
    if not number:
        return toks
    out: list[str] = []
    for k, t in enumerate(toks):
        n = number.get(t)
        if n is not None and (k == 0 or toks[k - 1] != ".") and not (k + 1 < len(toks) and toks[k + 1] == ":"):
            out.append(n)
        else:
            out.append(t)
    return out


def same_behaviour(before: str, after: str, consts_before: Mapping[str, str] = {},
                   consts_after: Mapping[str, str] = {}, renames: Mapping[str, str] = {},
                   fields_before: Mapping[str, str] = {}, fields_after: Mapping[str, str] = {}) -> Optional[tuple[str, ...]]:
    """The rewrites that make the two Go units equal, or None when they differ. The unit's own
    name is set aside (a renamed function is compared by its body; the caller says it moved);
    `renames` (new name -> old name, functions the same change renamed) are read by their old
    names in `after`'s calls, and locals are numbered (see _locals_numbered)."""
    b = canonical(before, consts_before, fields_before)
    a = canonical(after, consts_after, fields_after)
    if b is None or a is None:
        return None
    if b.tokens != a.tokens:
        bt, at = list(b.tokens), list(a.tokens)
        notes: list[str] = []
        ib, ia = _declared_name(bt), _declared_name(at)
        if ib is not None and ia is not None:
            bt[ib] = at[ia] = "§name"
        if renames:
            at = _renamed_callees(at, renames, notes)
        if bt != at:
            nb, na = _locals_numbered(bt), _locals_numbered(at)
            if nb == na:
                notes.append("locals renamed")
            bt, at = nb, na
        if bt != at:
            return None
        b = Canonical(tuple(bt), b.rewrites)
        a = Canonical(tuple(at), a.rewrites + tuple(notes))
    # a rewrite both sides share (http.StatusNoContent in both) explains nothing
    notes = tuple(n for n in dict.fromkeys(b.rewrites + a.rewrites) if (n in b.rewrites) != (n in a.rewrites))
    return notes or ("same code once comments and formatting are removed",)


def module_key(text: str, consts: Mapping[str, str] = {}) -> Optional[tuple[str, ...]]:
    """A Go file's package-level code without its function declarations (units compared on
    their own) and without plain imports (they follow the code: moving `safeInt8` to
    utils.go moves its "math" import too). Blank and dot imports run or expose a package's
    init and stay; so do build directives. With `consts` (see `constants`), each constant's
    name is read as its literal, in its declaration too: `INVALID_CLIENT = "invalid_client"`
    renamed `InvalidClient` is the same declaration (a name `const X = ...` declares alone
    is left as written)."""
    toks = tokens(text)
    if toks is None:
        return None
    out: list[str] = []
    depth = 0  # only a `func` at package level declares a function (not a field's func type)
    i = 0
    while i < len(toks):
        t = toks[i]
        if t in ("(", "{", "["):
            depth += 1
        elif t in (")", "}", "]"):
            depth -= 1
        if t == "func" and depth == 0 and (not out or out[-1] not in ("=", ",", ":", "return")):
            j = i + 1
            if j < len(toks) and toks[j] == "(":  # receiver
                j = _close(toks, j) + 1
            while j < len(toks) and toks[j] not in ("{",):
                if toks[j] == "(":
                    j = _close(toks, j)
                j += 1
            i = _close(toks, j) + 1 if j < len(toks) else j
            continue
        if t == "import" and depth == 0:
            j = i + 1
            if j < len(toks) and toks[j] == "(":
                end = _close(toks, j)
                kept = _kept_imports(toks[j + 1: end])
                if kept:
                    out.extend(["import", "("] + kept + [")"])
                i = end + 1
                continue
            spec = toks[j: j + 2] if j + 1 < len(toks) and not toks[j].startswith(('"', "`")) else toks[j: j + 1]
            kept = _kept_imports(spec)
            if kept:
                out.extend(["import"] + kept)
            i = j + len(spec)
            continue
        out.append(t)
        i += 1
    if consts:
        out = _constants(out, consts, [])
    return tuple(out)


_PACKAGE = re.compile(r"^package\s+([A-Za-z_]\w*)", re.M)
_IMPORT_PATH = re.compile(r'"([^"\n]+)"')
_IMPORT_BLOCK = re.compile(r"^import\s*(?:\((.*?)^\)|([^\n]*))", re.S | re.M)


def package_name(file_texts: Iterable[str]) -> Optional[str]:
    """The package the files of one directory declare, or None when they disagree (a `_test`
    package beside) or declare none."""
    names = {m.group(1) for text in file_texts for m in [_PACKAGE.search(text or "")] if m is not None}
    return next(iter(names)) if len(names) == 1 else None


def imports_dir(text: str, directory: str, name: str) -> bool:
    """Does the file import the package in `directory` (a path of the repository) under its own
    name `name`: an import path ending in `/directory` with no other name given?"""
    for m in _IMPORT_BLOCK.finditer(text):
        for line in (m.group(1) or m.group(2) or "").splitlines():
            p = _IMPORT_PATH.search(line)
            if p is None:
                continue
            before = line[: p.start()].strip()
            if before not in ("", "import") and before != name:
                continue  # imported under another name (or `_`, `.`)
            path = p.group(1)
            if directory and (path == directory or path.endswith("/" + directory)) and path.rsplit("/", 1)[-1] == name:
                return True
    return False


def _kept_imports(spec: list[str]) -> list[str]:
    kept: list[str] = []
    k = 0
    while k < len(spec):
        if spec[k] in ("_", ".") and k + 1 < len(spec):
            kept.extend(spec[k: k + 2])
            k += 2
        elif spec[k].startswith(("//go:", "//")):
            kept.append(spec[k])
            k += 1
        else:
            k += 2 if not spec[k].startswith(('"', "`")) else 1
    return kept
