"""leak-opened: internal detail or secrets newly reach a response or a log (Python).

Three leaks that no guard or escaper models, because nothing is *denied* before or after:

* a formatted traceback (`traceback.format_exc()`, `format_exception`, `format_tb`) now
  flows into what the handler sends back (`self.write`, `self.finish`, `Response`,
  `jsonify`, ...): stack frames, paths and library versions go to the client;
* a whole request header / cookie / environ mapping (`dict(request.headers)`,
  `request.cookies`) is now passed to a log call: Authorization, Cookie and tokens carried
  in Referer end up in log files.

* the value a secret check expects (`ex_mac`, `expected_signature`: a name with an
  expected/computed word and a mac/signature/token/secret word) is now interpolated into a
  raised error or a response: the caller who failed the check learns the right answer.

All compare before with after: a traceback that was already sent, a mapping that was
already logged, or a traceback that only goes to the log is not reported.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from semdiff.align.units import UnitChange
from semdiff.ir import Call, Unit
from semdiff.model import Finding, Severity
from semdiff.rules._callee_tails import may_call, table_tails
from semdiff.rules._catalog2_ir import callee_is, unit_line
from semdiff.rules.base import Example, RuleContext, RuleSpec, family, make_finding
from semdiff.rules._triggers import Trigger
from semdiff.relevance.names import words

ERROR_DETAILS = "error-details-exposed"
SECRETS_LOGGED = "secrets-logged"
EXPECTED_DISCLOSED = "expected-secret-disclosed"
LANGS = ("python",)

# ---------------------------------------------------------------- tables

# calls that render a stack trace as text
TRACEBACK_FORMATTERS = ("traceback.format_exc", "traceback.format_exception", "traceback.format_tb",
                        "traceback.format_stack", "traceback.format_exception_only", "format_exc", "format_tb",
                        "format_exception")
# calls whose arguments become the HTTP response (callee or dotted tail)
RESPONSE_SINKS = ("write", "finish", "send_error", "Response", "HttpResponse", "JsonResponse", "HTTPException",
                  "jsonify", "make_response", "json_response", "web.json_response", "web.Response", "render",
                  "render_template", "send", "respond", "abort", "HTMLResponse", "PlainTextResponse", "JSONResponse")
# a log call: the callee's last word is one of these, or a word of its name is `log`/`logger`
LOG_METHODS = ("debug", "info", "warning", "warn", "error", "exception", "critical", "log", "fatal", "msg")
LOG_WORDS = ("log", "logger", "logging", "log_method")
# a whole mapping of request secrets (not one named header): `request.headers`, `dict(req.cookies)`,
# `self.request.headers`, `os.environ`; a bare local `headers` may be a picked subset, so it does not count
WHOLE_SECRET_MAPPING = re.compile(
    r"(?<!\w)(?:request|req|os)\.(?:headers|cookies|META|environ)(?![\w\[.(])"
)

_TB_BEFORE = ("class H:\n    def write_error(self, status, **kw):\n        reply = {'message': 'Unhandled error'}\n"
              "        reply['traceback'] = ''\n        self.finish(json.dumps(reply))\n")
_TB_AFTER = ("import traceback\n\nclass H:\n    def write_error(self, status, **kw):\n        reply = {'message': 'Unhandled error'}\n"
             "        reply['traceback'] = traceback.format_exc()\n        self.finish(json.dumps(reply))\n")
_TB_LOGGED = ("import traceback\n\nclass H:\n    def write_error(self, status, **kw):\n        reply = {'message': 'Unhandled error'}\n"
              "        self.log.error(traceback.format_exc())\n        self.finish(json.dumps(reply))\n")
_LOG_BEFORE = ("def log_request(handler, log):\n    req = handler.request\n    if handler.get_status() >= 500:\n"
               "        log.error(json.dumps({'Host': req.headers.get('Host')}))\n")
_LOG_AFTER = ("def log_request(handler, log):\n    req = handler.request\n    if handler.get_status() >= 500:\n"
              "        log.error(json.dumps(dict(req.headers)))\n")

# the value the server expects (`ex_mac`, `expected_signature`, `computed_hmac`) of a secret
# comparison: put into an error message it hands the caller the answer to the check
EXPECTED_WORDS = frozenset({"expected", "ex", "computed", "correct", "valid", "stored", "server", "calculated"})
SECRET_VALUE_WORDS = frozenset({"mac", "hmac", "signature", "sig", "digest", "token", "secret", "password", "passwd",
                                "otp", "nonce"})
_RAISE_LINE = re.compile(r"^\s*raise\s+\S")
_NAME = re.compile(r"(?<![\w.'\"])([A-Za-z_]\w*)(?![\w(])")
_EXPECTED_BEFORE = ("def check_tag(agent_id, auth_tag, key):\n    ex_mac = crypto.do_hmac(key, agent_id)\n"
                    "    if ex_mac != auth_tag:\n        raise Exception(f'Auth tag {auth_tag} does not match')\n")
_EXPECTED_AFTER = _EXPECTED_BEFORE.replace("does not match')", "does not match expected value {ex_mac}')")

RULES = (
    RuleSpec(
        ERROR_DETAILS, "Traceback sent to the client", Severity.MEDIUM,
        "A formatted traceback (traceback.format_exc/format_exception/format_tb) now flows into the response "
        "(write/finish/Response/jsonify/...): stack frames, file paths and versions are disclosed to the client.",
        (Example(_TB_BEFORE, _TB_AFTER, True), Example(_TB_BEFORE, _TB_LOGGED, False, "traceback only logged")),
        languages=LANGS, intrinsic="info-leak",
    ),
    RuleSpec(
        SECRETS_LOGGED, "Request secrets logged", Severity.MEDIUM,
        "A log call now receives a whole request header/cookie/environ mapping (dict(request.headers), "
        "request.cookies) where it logged chosen fields before: Authorization, Cookie and tokens in URLs reach "
        "the logs.",
        (Example(_LOG_BEFORE, _LOG_AFTER, True), Example(_LOG_AFTER, _LOG_BEFORE, False, "logging narrowed")),
        languages=LANGS, intrinsic="info-leak",
    ),
    RuleSpec(
        EXPECTED_DISCLOSED, "Expected secret put into an error", Severity.MEDIUM,
        "A raised error or a response now carries the value a secret check expects (`ex_mac`, "
        "`expected_signature`, `computed_token`): whoever fails the check is told the right answer and can "
        "replay it.",
        (Example(_EXPECTED_BEFORE, _EXPECTED_AFTER, True),
         Example(_EXPECTED_AFTER, _EXPECTED_BEFORE, False, "value taken out of the message")),
        languages=LANGS, intrinsic="info-leak",
    ),
)
SPEC = {r.id: r for r in RULES}


# ---------------------------------------------------------------- helpers


def _mentions(text: str, name: str) -> bool:
    return re.search(r"(?<![\w.])" + re.escape(name) + r"(?!\w)", text) is not None


def is_log_call(callee: str) -> bool:
    parts = callee.split(".")
    if parts[-1] in LOG_METHODS and len(parts) > 1 and any(w in LOG_WORDS or w == "self" for w in words(".".join(parts[:-1]))):
        return True
    return any(w in ("log", "logger") for w in words(parts[-1]))


def _sink(call: Call) -> bool:
    return callee_is(call.callee, RESPONSE_SINKS) is not None and not is_log_call(call.callee)


_TARGET = re.compile(r"\s*([A-Za-z_][\w.]*)\s*(?:\[[^\]]*\])?\s*(?::[^=]+)?=(?!=)")


def _traceback_flows(unit: Unit) -> list[tuple[Call, Call]]:
    """(formatter, sink) pairs: the formatted traceback is an argument of a response sink, or is
    bound to a name (`tb = ...`, `reply['traceback'] = ...`) that a later sink's argument uses."""
    sinks = [c for c in unit.calls if _sink(c)]
    out = []
    for f in unit.calls:
        if not callee_is(f.callee, TRACEBACK_FORMATTERS):
            continue
        hit = next((s for s in sinks if s.span.line <= f.span.line <= s.span.end_line and f.text in s.text), None)
        if hit is None:
            m = _TARGET.match(unit_line(unit, f.span.line))
            name = m.group(1) if m else None
            if name and name != "self":
                hit = next((s for s in sinks if s.span.line > f.span.line
                            and any(_mentions(a.text, name) for a in s.args)), None)
        if hit is not None:
            out.append((f, hit))
    return out


def _logged_mappings(unit: Unit) -> list[tuple[Call, str]]:
    out = []
    for c in unit.calls:
        if not is_log_call(c.callee):
            continue
        for a in c.args:
            m = WHOLE_SECRET_MAPPING.search(a.text)
            if m:
                out.append((c, m.group(0)))
                break
    return out


# ---------------------------------------------------------------- checks


_FORMATTER_TAILS = table_tails(TRACEBACK_FORMATTERS)
# a finding needs an after call of TRACEBACK_FORMATTERS (_error_details) or an after log call
# whose argument matches WHOLE_SECRET_MAPPING (case-sensitive; each alternative names one of
# these words): the family's trigger (semdiff.rules._triggers)
# _expected_disclosed needs a name with a SECRET_VALUE_WORDS word (any case: `exMac`): one of these substrings
TRIGGER = Trigger(calls=_FORMATTER_TAILS, words=("headers", "cookies", "META", "environ"),
                  iwords=("mac", "sig", "digest", "token", "secret", "passw", "otp", "nonce"))


def _error_details(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    if not may_call(after, _FORMATTER_TAILS):
        return  # a finding is a flow from an after call of TRACEBACK_FORMATTERS (_traceback_flows)
    if _traceback_flows(before):
        return
    for f, sink in _traceback_flows(after):
        if f.span.line not in change.touched_after and sink.span.line not in change.touched_after:
            continue
        yield make_finding(
            SPEC[ERROR_DETAILS], change, ctx,
            f"{f.callee}() now reaches the response through {sink.callee}(): the client sees the stack trace",
            after_line=f.span.line, evidence_after=unit_line(after, f.span.line).strip(),
        )
        return


def _secrets_logged(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    had = {m for _, m in _logged_mappings(before)}
    for c, m in _logged_mappings(after):
        if m in had or c.span.line not in change.touched_after:
            continue
        yield make_finding(
            SPEC[SECRETS_LOGGED], change, ctx,
            f"{c.callee}() now logs the whole `{m}` mapping: credentials it carries (Authorization, Cookie, "
            f"tokens in URLs) are written to the log",
            after_line=c.span.line, evidence_after=unit_line(after, c.span.line).strip(),
        )
        return


def _expected_in_messages(unit: Unit, lines: Optional[set[int]] = None) -> dict[str, int]:
    """Names of expected secret values on `raise` lines or in response calls: name -> line."""
    text = unit.text or ""
    if not any(w in text for w in ("raise", *RESPONSE_SINKS)):
        return {}
    spots = [c.span.line for c in unit.calls if _sink(c)]
    out: dict[str, int] = {}
    for i, line in enumerate(text.splitlines()):
        ln = unit.span.line + i
        if lines is not None and ln not in lines:
            continue
        if not (_RAISE_LINE.match(line) or ln in spots):
            continue
        from semdiff.rules.escaping_removed import _blank_plain_strings  # late: the families load independently

        for name in _NAME.findall(_blank_plain_strings(line)):  # words of a plain string name no value
            ws = set(words(name))
            if ws & EXPECTED_WORDS and ws & SECRET_VALUE_WORDS:
                out.setdefault(name, ln)
    return out


def _expected_disclosed(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    before, after = change.before, change.after
    assert before is not None and after is not None
    new = _expected_in_messages(after, set(change.touched_after))
    if not new:
        return
    had = _expected_in_messages(before)
    for name, line in new.items():
        if name in had:
            continue
        yield make_finding(
            SPEC[EXPECTED_DISCLOSED], change, ctx,
            f"`{name}`, the value the check expects, is now part of an error or response: whoever fails the "
            "check is told the right value",
            after_line=line, evidence_after=unit_line(after, line).strip(),
        )
        return


@family("leak-opened", RULES)
def check(change: UnitChange, ctx: RuleContext) -> Iterable[Finding]:
    if change.before is None or change.after is None or change.language not in LANGS:
        return []
    return [*_error_details(change, ctx), *_secrets_logged(change, ctx), *_expected_disclosed(change, ctx)]
