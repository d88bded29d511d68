"""override-check-removed: a checking override (refuse, then call super's method) deleted
while its class stays (rule id, unit, line), with the hard negatives."""
from __future__ import annotations

from semdiff.rules.override_check_removed import RULE_ID, _JAVA_AFTER, _JAVA_BEFORE
from tests.rulekit import findings_of

PATH = "src/main/java/LoginFilter.java"


def _brief(hits):
    return [(f.unit, f.before.line, f.severity.name) for f in hits]


def test_checking_override_deleted():
    hits = findings_of(RULE_ID, _JAVA_BEFORE, _JAVA_AFTER, PATH)
    assert _brief(hits) == [("LoginFilter.attempt", 4, "HIGH")]


def test_python_checking_override_deleted():
    before = ("class Form(BaseForm):\n    def clean(self):\n        if not self.token_ok():\n"
              "            raise PermissionDenied('bad token')\n        return super().clean()\n\n"
              "    def other(self):\n        return 1\n")
    after = "class Form(BaseForm):\n    def other(self):\n        return 1\n"
    assert [(f.unit, f.before.line) for f in findings_of(RULE_ID, before, after, "app/forms.py")] == [("Form.clean", 3)]


def test_override_without_a_check_or_without_super_call_is_silent():
    logging_only = _JAVA_BEFORE.replace(
        "if (!crumbs.validate(request)) {\n            throw new InsufficientAuthenticationException(\"no valid crumb\");\n        }\n",
        "log();\n")
    assert findings_of(RULE_ID, logging_only, _JAVA_AFTER, PATH) == []
    no_super = _JAVA_BEFORE.replace("return super.attempt(request);", "return Auth.of(request);")
    assert findings_of(RULE_ID, no_super, _JAVA_AFTER, PATH) == []


def test_whole_class_deleted_is_silent():
    assert findings_of(RULE_ID, _JAVA_BEFORE, "class Other {\n}\n", PATH) == []


def test_override_kept_is_silent():
    assert findings_of(RULE_ID, _JAVA_BEFORE, _JAVA_BEFORE.replace("void log()", "void logAll()"), PATH) == []


def test_refusal_moved_to_another_unit_of_the_file_is_silent():
    after = _JAVA_AFTER.replace("    void log() {\n    }\n", "    void log() {\n    }\n\n    void vet(Request request) {\n"
                                "        if (!crumbs.validate(request)) {\n            throw new InsufficientAuthenticationException(\"no valid crumb\");\n"
                                "        }\n    }\n")
    assert findings_of(RULE_ID, _JAVA_BEFORE, after, PATH) == []


HOOK_BEFORE = ("class ProxyHandler(JupyterHandler):\n    async def prepare(self, *args, **kwargs):\n"
               "        await super().prepare(*args, **kwargs)\n        if not self.current_user:\n"
               "            raise web.HTTPError(403)\n\n    @web.authenticated\n    async def proxy(self, port):\n"
               "        return await self.fetch(port)\n")
HOOK_AFTER = ("class ProxyHandler(JupyterHandler):\n    @web.authenticated\n    async def proxy(self, port):\n"
              "        return await self.fetch(port)\n")


def test_python_hook_override_refusing_after_super_deleted():
    hits = findings_of(RULE_ID, HOOK_BEFORE, HOOK_AFTER, "app/handlers.py")
    assert [(f.unit, f.before.line) for f in hits] == [("ProxyHandler.prepare", 4)]
    assert "after calling" in hits[0].message


def test_python_hook_refusal_kept_elsewhere_or_no_refusal_is_silent():
    elsewhere = HOOK_AFTER + ("\n    def on_message(self, msg):\n        if not self.current_user:\n"
                              "            raise web.HTTPError(403)\n")
    assert findings_of(RULE_ID, HOOK_BEFORE, elsewhere, "app/handlers.py") == []
    logging = HOOK_BEFORE.replace("            raise web.HTTPError(403)\n", "            log.info('anonymous')\n")
    assert findings_of(RULE_ID, logging, HOOK_AFTER, "app/handlers.py") == []
