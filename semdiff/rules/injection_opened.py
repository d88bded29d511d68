"""injection-opened: data that was kept apart from code now reaches an interpreter.

Each row below names a protective form (a parameterised query, an argument list, a safe
loader, an escape, a filename sanitiser) and the looser form a patch trades it for. The
check pairs calls of the same kind in before and after and fires only where the protection
was present before and is gone after; a risky call that was already there stays silent.
"""
from __future__ import annotations

import io
import re
import tokenize
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Argument, Call, Unit
from semdiff.model import Confidence, Finding, Relevance, Severity
from semdiff.rules._catalog2_ir import (
    PATH_NORMALISERS,
    arg_at,
    callee_is,
    calls_to,
    first_line_with,
    has_prefix_check,
    new_items,
    pair_by_key,
    pair_calls,
    tail,
)
from semdiff.rules._callee_tails import may_call, table_tails
from semdiff.rules._triggers import Trigger
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding

RULE_ID = "injection-opened"

# SQL execution: the query is the first positional argument, parameters the second or a keyword
SQL_SINKS = ("execute", "executemany", "executescript", "mogrify", "raw", "read_sql", "read_sql_query",
             "sqlalchemy.text", "exec_driver_sql")
SQL_PARAM_KEYWORDS = ("params", "parameters", "args", "vars", "bind", "binds")
# a generic `execute` is only a query when its text reads like SQL on one side of the change
SQL_TEXT = re.compile(r"\b(select|insert|update|delete|where|from|into|values|drop|create|alter|order\s+by|join)\b", re.I)

# commands: list form vs string form
SUBPROCESS_CALLS = ("subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
                    "subprocess.Popen", "asyncio.create_subprocess_exec")
SHELL_STRING_CALLS = ("os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
                      "commands.getoutput", "asyncio.create_subprocess_shell")

# deserialisers
SAFE_PARSERS = ("json.loads", "json.load", "yaml.safe_load", "yaml.safe_load_all", "ast.literal_eval",
                "orjson.loads", "ujson.loads", "simplejson.loads", "tomllib.loads", "msgpack.unpackb")
UNSAFE_PARSERS = ("pickle.loads", "pickle.load", "cPickle.loads", "cPickle.load", "_pickle.loads", "marshal.loads",
                  "marshal.load", "dill.loads", "dill.load", "jsonpickle.decode", "shelve.open", "eval", "exec",
                  "pandas.read_pickle", "joblib.load")
# yaml: the unsafe forms are the same API; a new one is a weakening even without a json call gone
YAML_UNSAFE = ("yaml.unsafe_load", "yaml.full_load", "yaml.unsafe_load_all", "yaml.full_load_all")
YAML_LOADER_CALLS = ("yaml.load", "yaml.load_all")
YAML_SAFE_LOADERS = ("SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader")

# output escaping
ESCAPERS = ("html.escape", "markupsafe.escape", "escape", "cgi.escape", "conditional_escape", "bleach.clean",
            "xml.sax.saxutils.escape", "shlex.quote", "pipes.quote", "escape_html", "quoteattr")
# responses whose body is a string: without a content type they are served as text/html
RESPONSE_CALLS = ("HttpResponse", "HttpResponseBadRequest", "HttpResponseForbidden", "HttpResponseNotFound",
                  "HttpResponseServerError", "HttpResponseNotAllowed", "Response", "make_response",
                  "web.Response", "HTMLResponse", "StreamingHttpResponse")
RESPONSE_TYPE_KEYWORDS = ("content_type", "mimetype", "media_type")
# a declared type that no browser renders as HTML
INERT_CONTENT_TYPE = re.compile(r"(?i)^(?:text/plain|application/json|text/csv|application/octet-stream|application/problem\+json)\b")
# URL sanitisers: drop javascript:/data:/vbscript: schemes, then escape; plain HTML escaping
# of the same URL keeps the scheme, so `<a href="javascript:...">` survives it
URL_SANITISERS = ("escape_link", "escape_url", "safe_url", "sanitize_url", "sanitise_url", "clean_url",
                  "safe_href", "sanitize_href", "url_sanitize", "sanitize_uri")
TEMPLATE_ENGINES = ("Environment", "SandboxedEnvironment", "jinja2.Template", "Jinja2Templates")
# MarkSafe: a template compiler's node that emits its expression unescaped (jinja2.nodes.MarkSafe)
MARKUP_WRAPPERS = ("Markup", "mark_safe", "SafeString", "SafeText", "MarkSafe")

# file names
FILE_SANITISERS = ("secure_filename", "safe_join", "os.path.basename")
FILE_SINKS = ("open", "io.open", "codecs.open", "send_file", "send_from_directory", "FileResponse", "os.path.join",
              "os.remove", "os.unlink", "os.open", "shutil.copy", "shutil.copyfile", "shutil.move", "shutil.rmtree",
              "Path", "pathlib.Path", "read_text", "read_bytes", "write_text", "write_bytes",
              # uploads: werkzeug/Django FileStorage.save(path), and the directories made for them
              "save", "os.makedirs", "os.mkdir", "os.rename", "os.replace", "shutil.copy2")
# where a path is served to clients: the calls that send a file, and units whose name says
# they serve or register static/downloadable files
FILE_SERVING_SINKS = ("send_file", "send_from_directory", "FileResponse", "static_file", "serve", "file_stream",
                      "StaticFiles", "FileSystemStorage")
FILE_SERVING_UNIT = re.compile(r"(?i)^_*(static|serve\w*|download\w*|\w*_download|send_file\w*|media|(add|register)_static\w*|static_(files?|route)\w*)$")

RULES = (
    RuleSpec(
        id=RULE_ID,
        title="Injection protection removed",
        severity=Severity.HIGH,
        description=(
            "A parameterised query replaced by string formatting, shell=True added, a subprocess argument list "
            "turned into a formatted string, yaml.safe_load/SafeLoader replaced by an unsafe loader, json replaced "
            "by pickle/marshal/eval, an escape() removed from a value still output, jinja2 autoescape turned off, "
            "Markup/mark_safe newly wrapped around non-literal input, secure_filename/safe_join/realpath removed "
            "before a file access, or a response with a formatted body that lost its inert content type "
            "(content_type='text/plain' dropped: served as HTML), or a URL sanitiser (escape_link/safe_url) replaced by "
            "plain HTML escaping of the same URL, or a sandboxed template environment / restricted compiler "
            "(jinja2 SandboxedEnvironment, RestrictedPython compile_restricted) replaced by its plain sibling, in a "
            "call or as a base class."
        ),
        examples=(
            Example(
                "def find(cur, name):\n    cur.execute('SELECT * FROM u WHERE name = %s', (name,))\n",
                "def find(cur, name):\n    cur.execute(f\"SELECT * FROM u WHERE name = '{name}'\")\n",
                True,
                "parameterised query -> f-string",
            ),
            Example(
                "def find(cur, name):\n    cur.execute(f\"SELECT * FROM u WHERE name = '{name}'\")\n",
                "def find(cur, name):\n    cur.execute('SELECT * FROM u WHERE name = %s', (name,))\n",
                False,
                "strengthening",
            ),
            Example(
                "import subprocess\ndef ping(h):\n    subprocess.run(['ping', '-c', '1', h])\n",
                "import subprocess\ndef ping(h):\n    subprocess.run(f'ping -c 1 {h}', shell=True)\n",
                True,
                "list -> shell string",
            ),
            Example("import yaml\ndef conf(s):\n    return yaml.safe_load(s)\n", "import yaml\ndef conf(s):\n    return yaml.load(s, Loader=yaml.Loader)\n", True),
            Example("import yaml\ndef conf(s):\n    return yaml.safe_load(s)\n", "import yaml\ndef conf(s):\n    return yaml.load(s, Loader=yaml.SafeLoader)\n", False),
        ),
        languages=("python",),
    ),
)
SPEC = RULES[0]


# ---------------------------------------------------------------- reading argument text


def formatting(value: Optional[str]) -> Optional[str]:
    """How a source expression builds a string from parts: f-string, %, .format, + (or None).

    Reads tokens only; a value that does not tokenize is not called formatted.
    """
    if not value:
        return None
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(value).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    has_string = False
    prev = None
    for t in toks:
        name = tokenize.tok_name.get(t.type, "")
        if name == "FSTRING_START" or (t.type == tokenize.STRING and _is_fstring(t.string) and "{" in t.string):
            return "f-string"
        if t.type == tokenize.STRING:
            has_string = True
        if t.type == tokenize.OP and t.string == "%" and prev is not None and prev.type == tokenize.STRING:
            return "%-formatting"
        if t.type == tokenize.NAME and t.string == "format" and prev is not None and prev.string == ".":
            return ".format()"
        if t.type == tokenize.OP and t.string == "+" and has_string:
            return "concatenation"
        if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT):
            prev = t
    if has_string and any(t.type == tokenize.OP and t.string == "+" for t in toks):
        return "concatenation"
    return None


def _is_fstring(s: str) -> bool:
    prefix = s[: len(s) - len(s.lstrip("rRbBuUfF"))]
    return "f" in prefix.lower()


def _constant_string(arg: Optional[Argument]) -> bool:
    return arg is not None and isinstance(arg.literal, str)


def _is_sequence(arg: Optional[Argument]) -> bool:
    return arg is not None and arg.value[:1] in ("[", "(")


def _query(call: Call) -> Optional[Argument]:
    return arg_at(call, 0, "sql") or arg_at(call, 0, "query") or arg_at(call, 0, "statement")


def _has_params(call: Call) -> bool:
    return len(call.positional) >= 2 or any(a.name in SQL_PARAM_KEYWORDS for a in call.args)


# ---------------------------------------------------------------- checks


def _finding(change, ctx, message, b: Optional[Call], a: Call, confidence=Confidence.HIGH, witness="") -> Finding:
    return make_finding(
        SPEC, change, ctx, message,
        before_line=b.span.line if b else None, after_line=a.span.line,
        evidence_before=b.text if b else "", evidence_after=a.text, confidence=confidence, witness=witness,
    )


def _sql(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    pairs = pair_calls(calls_to(change.before, SQL_SINKS), calls_to(change.after, SQL_SINKS), key=lambda c: tail(c.callee))
    for b, a in pairs:
        if a is None or b is None:
            continue
        bq, aq = _query(b), _query(a)
        if aq is None:
            continue
        if not (SQL_TEXT.search(aq.value) or (bq is not None and SQL_TEXT.search(bq.value))):
            continue  # `executor.execute(job)`: not a query
        how = formatting(aq.value)
        was = formatting(bq.value) if bq else None
        if how and not was:
            yield _finding(change, ctx, f"{a.callee}() query now built by {how}" + (" instead of bound parameters" if _has_params(b) else ""), b, a,
                           witness=f"before: {b.text}; after: {a.text}")
        elif _has_params(b) and not _has_params(a) and not _constant_string(aq) and not was:
            yield _finding(change, ctx, f"{a.callee}() no longer passes bound parameters; the query {aq.text} is built elsewhere", b, a,
                           confidence=Confidence.MEDIUM)


def _shell_on(call: Call) -> bool:
    arg = call.kwarg("shell")
    return arg is not None and (arg.literal is True or arg.value == "True")


def _commands(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    b_sub, a_sub = calls_to(change.before, SUBPROCESS_CALLS), calls_to(change.after, SUBPROCESS_CALLS)
    for b, a in pair_calls(b_sub, a_sub):
        if a is None:
            continue
        cmd = arg_at(a, 0, "args")
        if _constant_string(cmd):
            continue  # a fixed command line has nothing to inject
        reasons = []
        if _shell_on(a) and not (b is not None and _shell_on(b)):
            reasons.append("shell=True added")
        bcmd = arg_at(b, 0, "args") if b else None
        if b is not None and _is_sequence(bcmd) and cmd is not None and not _is_sequence(cmd) and formatting(cmd.value):
            reasons.append(f"argument list replaced by a string built by {formatting(cmd.value)}")
        if reasons:
            yield _finding(change, ctx, f"{a.callee}(): " + "; ".join(reasons), b, a)
    lost_lists = len([c for c in b_sub if _is_sequence(arg_at(c, 0, "args"))]) > len([c for c in a_sub if _is_sequence(arg_at(c, 0, "args"))])
    if not lost_lists:
        return
    for a in new_items(calls_to(change.before, SHELL_STRING_CALLS), calls_to(change.after, SHELL_STRING_CALLS), key=lambda c: c.callee):
        if not _constant_string(arg_at(a, 0, "cmd")):
            b = next((c for c in b_sub if _is_sequence(arg_at(c, 0, "args"))), None)
            yield _finding(change, ctx, f"subprocess argument list replaced by shell command string {a.callee}()", b, a)


def _yaml_unsafe(call: Call) -> bool:
    if callee_is(call.callee, YAML_UNSAFE):
        return True
    if callee_is(call.callee, YAML_LOADER_CALLS):
        loader = arg_at(call, 1, "Loader")
        return loader is None or not any(s in loader.value for s in YAML_SAFE_LOADERS)
    return False


def _deserialisers(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    safe_b, safe_a = calls_to(change.before, SAFE_PARSERS), calls_to(change.after, SAFE_PARSERS)
    yb = [c for c in calls_to(change.before, YAML_UNSAFE + YAML_LOADER_CALLS) if _yaml_unsafe(c)]
    ya = [c for c in calls_to(change.after, YAML_UNSAFE + YAML_LOADER_CALLS) if _yaml_unsafe(c)]
    for a in new_items(yb, ya, key=lambda c: tail(c.callee)):
        b = next(iter(new_items(safe_a, safe_b, key=lambda c: c.callee)), None)
        yield _finding(change, ctx, f"{a.callee}() with an unsafe loader can construct arbitrary Python objects", b, a)
    lost_safe = new_items(safe_a, safe_b, key=lambda c: c.callee)
    if not lost_safe:
        return
    for a in new_items(calls_to(change.before, UNSAFE_PARSERS), calls_to(change.after, UNSAFE_PARSERS), key=lambda c: c.callee):
        yield _finding(change, ctx, f"{lost_safe[0].callee}() replaced by {a.callee}(), which executes code from its input", lost_safe[0], a)


def _escapes(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    from semdiff.rules.escaping_removed import raw_use  # late: the two families load independently

    def key(c: Call) -> str:
        # by the escaped value only: `escape(name)` swapped for `bleach.clean(name)` (another
        # escaper/sanitiser of the same value) keeps it sanitised; only a value that lost
        # every escaper is reported
        arg = arg_at(c, 0, None)
        return arg.value if arg else ""

    for b in new_items(calls_to(change.after, ESCAPERS), calls_to(change.before, ESCAPERS), key=key):
        arg = arg_at(b, 0, None)
        if arg is None or arg.literal is not None:
            continue
        in_place = _escaped_in_place(change, ctx, b, arg.text)
        if in_place is not None:
            yield in_place
            continue
        line = first_line_with(change.after, arg.text, prefer=change.touched_after)
        if line is None or line not in change.touched_after:
            continue  # the value is no longer used where the escape was: nothing unescaped flows on
        line = next((ln for ln in sorted(change.touched_after) if raw_use(_line_text(change.after, ln), arg.text, "python")), None)
        if line is None:
            continue  # every changed use is still escaped or sanitised (`safe_url(src)`): the value is protected
        yield make_finding(
            SPEC, change, ctx, f"{b.callee}({arg.text}) removed; {arg.text} is now used unescaped",
            before_line=b.span.line, after_line=line, evidence_before=b.text,
            evidence_after=_line_text(change.after, line),
        )


_ASSIGN_TARGET = re.compile(r"^\s*(?P<t>[A-Za-z_][\w.]*(?:\[[^\]]+\])*)\s*=(?!=)")


def _escaped_in_place(change: UnitChange, ctx: RuleContext, b: Call, value: str) -> Optional[Finding]:
    """`token["data"] = escape(token["data"])` removed while the value's holder (`token`) is
    still used further down (returned, passed on): it now flows on unescaped, though no
    changed line mentions it (the deletion was the whole change)."""
    m = _ASSIGN_TARGET.match(_line_text(change.before, b.span.line))
    if m is None or "".join(m.group("t").split()) != "".join(value.split()):
        return None
    if any(_ASSIGN_TARGET.match(_line_text(change.after, c.span.line)) and callee_is(c.callee, ESCAPERS)
           and "".join((arg_at(c, 0, None).value if arg_at(c, 0, None) else "").split()) == "".join(value.split())
           for c in calls_to(change.after, ESCAPERS)):
        return None  # still escaped in place somewhere in the unit
    after = change.after
    assert after is not None
    root = re.split(r"[.\[]", value, maxsplit=1)[0]
    removed_above = sum(1 for x in change.touched_before if change.before is not None and change.before.span.line <= x < b.span.line)
    start = after.span.line + (b.span.line - change.before.span.line) - removed_above if change.before is not None else after.span.line
    pat = re.compile(r"(?<![\w.])" + re.escape(root) + r"(?!\w)")
    for i, text in enumerate(after.text.splitlines()):
        ln = after.span.line + i
        if ln >= start and pat.search(text.split("#", 1)[0]):
            return make_finding(
                SPEC, change, ctx, f"{b.callee}({value}) removed: {value} was escaped in place and "
                f"`{root}` still flows on (line {ln}) unescaped",
                before_line=b.span.line, after_line=ln, evidence_before=b.text, evidence_after=text.strip(),
            )
    return None


def _url_sanitiser_to_escape(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    """`escape_link(url)` -> `escape(url)`: the URL's scheme is no longer filtered, only its markup."""
    def value(c: Call) -> str:
        arg = arg_at(c, 0, None)
        return "".join(arg.value.split()) if arg is not None and arg.literal is None else ""

    kept = {value(c) for c in calls_to(change.after, URL_SANITISERS)}
    escaped = {value(c): c for c in calls_to(change.after, ESCAPERS) if not callee_is(c.callee, URL_SANITISERS)}
    for b in calls_to(change.before, URL_SANITISERS):
        v = value(b)
        if not v or v in kept or v not in escaped:
            continue
        a = escaped[v]
        if a.span.line not in change.touched_after:
            continue
        yield _finding(change, ctx, f"{b.callee}({v}) replaced by {a.callee}({v}): the URL is escaped as HTML but its "
                       "scheme is no longer filtered (javascript: links pass)", b, a,
                       witness=f"before: {b.text}; after: {a.text}")


def _line_text(unit: Optional[Unit], line: int) -> str:
    if unit is None:
        return ""
    lines = unit.text.splitlines()
    i = line - unit.span.line
    return lines[i].strip() if 0 <= i < len(lines) else ""


def _autoescape_on(call: Optional[Call]) -> Optional[bool]:
    if call is None:
        return None
    arg = call.kwarg("autoescape")
    if arg is None:
        return False  # jinja2 default: off
    return not (arg.literal is False or arg.value in ("False", "0", "None"))


def _autoescape(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    for b, a in pair_calls(calls_to(change.before, TEMPLATE_ENGINES), calls_to(change.after, TEMPLATE_ENGINES)):
        if a is not None and b is not None and _autoescape_on(b) and not _autoescape_on(a):
            yield _finding(change, ctx, f"{a.callee}(): autoescape turned off", b, a)
    b_set = [s for s in (change.before.settings if change.before else ()) if s.key.rsplit(".", 1)[-1].lower() == "autoescape"]
    a_set = [s for s in (change.after.settings if change.after else ()) if s.key.rsplit(".", 1)[-1].lower() == "autoescape"]
    for b, a in pair_by_key(b_set, a_set, key=lambda s: s.key, text=lambda s: s.text):
        if b is not None and a is not None and b.value == "True" and a.value in ("False", "None", "0"):
            yield make_finding(SPEC, change, ctx, f"{a.key} turned off", before_line=b.span.line, after_line=a.span.line,
                               evidence_before=b.text, evidence_after=a.text)


# sandboxes and the unrestricted sibling each one was made from: a template environment or a
# code compiler that limits what the rendered/compiled code may reach (attributes such as
# `__class__.__mro__`, imports), replaced by the plain one, lets template or script authors run
# arbitrary code (server-side template injection). Read in calls and in class bases (a subclass
# of the sandbox rebased on the plain class loses it just the same).
SANDBOXES: dict[str, tuple[str, ...]] = {
    "SandboxedEnvironment": ("Environment",),
    "ImmutableSandboxedEnvironment": ("Environment",),
    "compile_restricted": ("compile",),
    "compile_restricted_exec": ("compile", "exec"),
    "compile_restricted_eval": ("compile", "eval"),
}
_UNSANDBOXED = frozenset(n for siblings in SANDBOXES.values() for n in siblings)
_CLASS_HEAD = re.compile(r"\s*class\s+\w+\s*\(([^)]{0,400})\)\s*:", re.S)


def _bases(unit: Unit) -> list[tuple[str, int]]:
    """(last name part, line) of each base class of a class unit (keywords such as metaclass= left out)."""
    if unit.kind != "class" or not unit.text:
        return []
    at = re.search(r"(?m)^[ \t]*class\b", unit.text)  # decorators may precede the class line
    m = _CLASS_HEAD.match(unit.text, at.start()) if at else None
    if m is None:
        return []
    line = unit.span.line + unit.text.count("\n", 0, at.start())
    out = []
    for part in m.group(1).split(","):
        part = part.strip()
        if part and "=" not in part and re.fullmatch(r"[\w.]+", part):
            out.append((part.rsplit(".", 1)[-1], line))
    return out


def _sandbox_uses(unit: Unit) -> list[tuple[str, int, str]]:
    """(name, line, text) of every sandbox or unrestricted sibling the unit calls or derives from."""
    out = [(tail(c.callee), c.span.line, c.text) for c in unit.calls
           if tail(c.callee) in SANDBOXES or tail(c.callee) in _UNSANDBOXED]
    out += [(name, line, f"base class {name}") for name, line in _bases(unit) if name in SANDBOXES or name in _UNSANDBOXED]
    return out


def _sandbox(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    """A sandboxed template environment / restricted compiler replaced by its plain sibling."""
    before, after = change.before, change.after
    assert before is not None and after is not None
    b_uses, a_uses = _sandbox_uses(before), _sandbox_uses(after)
    b_sandboxes = [u for u in b_uses if u[0] in SANDBOXES]
    if not b_sandboxes:
        return
    a_sandboxes = [u for u in a_uses if u[0] in SANDBOXES]
    if len(a_sandboxes) >= len(b_sandboxes):
        return  # every sandbox is still there (maybe another one)
    plain_before = {u[0] for u in b_uses if u[0] in _UNSANDBOXED}
    for name, line, text in b_sandboxes:
        new = next((u for u in a_uses if u[0] in SANDBOXES[name] and u[0] not in plain_before), None)
        if new is None:
            continue
        rel = ctx.relevance(change)
        if rel.score < 0.8:  # a sandbox is a protection wherever it is built
            rel = Relevance("injection", 0.8, rel.why_path, "a template/code sandbox is security-relevant wherever it occurs")
        yield make_finding(
            SPEC, change, ctx,
            f"{name} replaced by {new[0]}: templates or code it runs are no longer sandboxed (attribute and import "
            "restrictions gone), so whoever writes them can run arbitrary code on the server",
            before_line=line, after_line=new[1], evidence_before=text, evidence_after=new[2], relevance=rel,
        )
        return


def _response_type(call: Call) -> Optional[str]:
    for k in RESPONSE_TYPE_KEYWORDS:
        arg = call.kwarg(k)
        if arg is not None:
            return arg.literal if isinstance(arg.literal, str) else arg.value
    return None


def _content_type(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    """`HttpResponseBadRequest(f"bad {value}", content_type="text/plain")` losing its inert type:
    the formatted body is now served as text/html (reflected XSS)."""
    pairs = pair_calls(calls_to(change.before, RESPONSE_CALLS), calls_to(change.after, RESPONSE_CALLS), key=lambda c: tail(c.callee))
    for b, a in pairs:
        if a is None or b is None:
            continue
        was = _response_type(b)
        if was is None or not INERT_CONTENT_TYPE.match(was):
            continue
        now = _response_type(a)
        if now is not None and INERT_CONTENT_TYPE.match(now):
            continue
        body = arg_at(a, 0, "content") or arg_at(a, 0, "response") or arg_at(a, 0, "body") or arg_at(a, 0, "text")
        if body is None or body.literal is not None or not formatting(body.value):
            continue  # a constant body cannot carry markup
        rel = ctx.relevance(change)
        if rel.score < 0.8:
            # an inert type on a formatted body is there to keep it from being read as HTML,
            # whatever the view is called (as a filename sanitiser is there to stop '../')
            rel = Relevance("xss", 0.8, rel.why_path or (change.qualname,), f"{was} kept a formatted response body from rendering as HTML")
        yield make_finding(
            SPEC, change, ctx,
            f"{a.callee}(): content type {was!r} " + ("dropped" if now is None else f"changed to {now}")
            + f"; the {formatting(body.value)} body is now served as HTML (reflected XSS)",
            before_line=b.span.line, after_line=a.span.line, evidence_before=b.text, evidence_after=a.text,
            witness=f"before: {b.text}; after: {a.text}", relevance=rel,
        )


def _markup(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    def key(c: Call) -> tuple[str, str]:
        arg = arg_at(c, 0, None)
        return tail(c.callee), arg.value if arg else ""

    for a in new_items(calls_to(change.before, MARKUP_WRAPPERS), calls_to(change.after, MARKUP_WRAPPERS), key=key):
        arg = arg_at(a, 0, None)
        if arg is None or arg.literal is not None or arg.value.startswith(tuple(f"{e}(" for e in ESCAPERS)):
            continue
        if any(callee_is(c.callee, ESCAPERS) and c.span.line == a.span.line for c in change.after.calls):  # type: ignore[union-attr]
            continue  # Markup(escape(x) + ...) keeps the escaping
        yield _finding(change, ctx, f"{a.callee}({arg.text}) marks non-literal input as safe HTML", None, a)


def _file_names(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    sanitisers = FILE_SANITISERS if has_prefix_check(change.after) else FILE_SANITISERS + PATH_NORMALISERS
    lost = new_items(calls_to(change.after, sanitisers), calls_to(change.before, sanitisers), key=lambda c: tail(c.callee))
    if not lost:
        return
    sinks = calls_to(change.after, FILE_SINKS)
    if not sinks:
        yield from _request_name_unsanitised(change, ctx, lost)
        return
    touched = [c for c in sinks if c.span.line in change.touched_after]
    sink = (touched or sinks)[0]
    rel = ctx.relevance(change)
    if callee_is(lost[0].callee, FILE_SANITISERS) and rel.score < 0.8:
        # a filename sanitiser exists only to stop path traversal: losing it before a file
        # access matters whatever the function is called (normalisers have other uses)
        rel = Relevance("path-traversal", 0.8, rel.why_path or (change.qualname,), f"{lost[0].callee}() guards file names against '../'")
    elif rel.score < 0.8 and has_prefix_check(change.before) and not has_prefix_check(change.after):
        # the canonicalised path fed a containment test that went with it: nothing keeps
        # '../' inside the root any more, whatever the function is called
        rel = Relevance("path-traversal", 0.8, rel.why_path or (change.qualname,),
                        f"{lost[0].callee}() and the containment test it fed were both removed")
    elif rel.score < 0.8 and (calls_to(change.after, FILE_SERVING_SINKS) or FILE_SERVING_UNIT.search(change.qualname.rsplit(".", 1)[-1])):
        # a normaliser (resolve/realpath/abspath/normpath) has other uses, but where the path
        # is served to clients (send_file, a static route) it is what keeps '../' inside the root
        rel = Relevance("path-traversal", 0.8, rel.why_path or (change.qualname,),
                        f"{lost[0].callee}() canonicalised a path that is served to clients")
    yield make_finding(
        SPEC, change, ctx, f"{lost[0].callee}() removed before file access {sink.callee}(): path traversal",
        before_line=lost[0].span.line, after_line=sink.span.line, evidence_before=lost[0].text, evidence_after=sink.text,
        relevance=rel,
    )


# a file or folder name read straight from the request (form field, query argument, upload)
REQUEST_NAME = re.compile(r"\brequest\.(?:form|args|values|files|GET|POST|FILES|query_params|json)\b|\.filename\b")


def _request_name_unsanitised(change: UnitChange, ctx: RuleContext, lost: list[Call]) -> Iterable[Finding]:
    """`folder = secure_filename(request.form["folder"])` -> `folder = request.form["folder"].lstrip("/")`:
    the name is stored or handed on (no file access in this unit) without the sanitiser; whoever
    later joins it to a directory gets `../` (a hand-written strip is not secure_filename)."""
    for b in lost:
        if tail(b.callee) != "secure_filename":
            continue
        arg = arg_at(b, 0, None)
        if arg is None or arg.literal is not None or not REQUEST_NAME.search(arg.value):
            continue
        squashed = "".join(arg.text.split())
        line = next((ln for ln in sorted(change.touched_after)
                     if squashed in "".join(_line_text(change.after, ln).split())
                     and not _passed_through_sanitiser(_line_text(change.after, ln), squashed)), None)
        if line is None:
            continue
        rel = ctx.relevance(change)
        if rel.score < 0.8:
            rel = Relevance("path-traversal", 0.8, rel.why_path or (change.qualname,), "secure_filename() guards file names against '../'")
        yield make_finding(
            SPEC, change, ctx, f"{b.callee}({arg.text}) removed: the request's file name is now used as sent "
            "(a strip of leading separators or '../' does not stop '..' traversal)",
            before_line=b.span.line, after_line=line, evidence_before=b.text,
            evidence_after=_line_text(change.after, line).strip(), relevance=rel,
        )


def _passed_through_sanitiser(line: str, squashed: str) -> bool:
    """Is every use of the value on `line` an argument of a call that makes it safe (`safe_name(v)`)?"""
    from semdiff.rules.escaping_removed import _CALL_OPEN, _close_paren, protects_output  # late: independent loading

    flat = "".join(line.split())
    total = flat.count(squashed)
    covered = 0
    for m in _CALL_OPEN.finditer(flat):
        if protects_output(m.group(1), "python") or tail(m.group(1)) == "secure_filename":
            covered += flat[m.end() - 1:_close_paren(flat, m.end() - 1)].count(squashed)
    return total > 0 and covered >= total


@family(RULE_ID, RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.after is None or change.before is None:
        return []
    # each check below needs an after call of _AFTER_TAILS' tables or a before call of
    # _BEFORE_TAILS' ones (calls_to matches a callee by its last part), or an autoescape setting
    if not may_call(change.after, _AFTER_TAILS) and not may_call(change.before, _BEFORE_TAILS) and not any(
            s.key.rsplit(".", 1)[-1].lower() == "autoescape" for u in (change.before, change.after) for s in u.settings) \
            and not any(name in _UNSANDBOXED for name, _line in _bases(change.after)):
        return []
    return [
        *_sql(change, ctx),
        *_commands(change, ctx),
        *_deserialisers(change, ctx),
        *_escapes(change, ctx),
        *_autoescape(change, ctx),
        *_sandbox(change, ctx),
        *_markup(change, ctx),
        *_content_type(change, ctx),
        *_url_sanitiser_to_escape(change, ctx),
        *_file_names(change, ctx),
    ]


# what each check needs: _sql, _content_type, _autoescape (calls), _markup, _deserialisers and
# _commands an after call; _escapes, _url_sanitiser_to_escape, _file_names and _commands' lost
# argument lists a before call
_AFTER_TAILS = table_tails((*SQL_SINKS, *SUBPROCESS_CALLS, *YAML_UNSAFE, *YAML_LOADER_CALLS, *UNSAFE_PARSERS,
                            *TEMPLATE_ENGINES, *MARKUP_WRAPPERS, *RESPONSE_CALLS, *_UNSANDBOXED))
_BEFORE_TAILS = table_tails((*SUBPROCESS_CALLS, *ESCAPERS, *URL_SANITISERS, *FILE_SANITISERS, *PATH_NORMALISERS))
# the early return of `check` as a trigger (semdiff.rules._triggers): either side may match
# _sandbox needs a sandbox name in the before unit (a call or a base class): SANDBOXES' keys
TRIGGER = Trigger(calls=_AFTER_TAILS | _BEFORE_TAILS, words=("SandboxedEnvironment", "compile_restricted"),
                  setting_keys=frozenset({"autoescape"}))
