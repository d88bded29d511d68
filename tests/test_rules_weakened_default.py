"""weakened-default: every shipped example, framework defaults, lifetimes, and the quiet cases."""
from __future__ import annotations

from semdiff.pipeline import analyze_texts
from semdiff.rules import weakened_default as fam
from semdiff.rules.base import all_rules

PATH = "app/settings.py"


def findings(before, after, path=PATH):
    report = analyze_texts([(path, before, after)])
    return [f for f in report.findings if f.rule_id.startswith(fam.FAMILY)]


def brief(fs):
    return sorted((f.rule_id, f.unit, f.after.line if f.after else None) for f in fs)




def test_every_rule_has_firing_and_quiet_example_and_is_registered():
    registered = all_rules()
    for spec in fam.RULES:
        assert spec.id in registered
        assert any(e.fires for e in spec.examples) and any(not e.fires for e in spec.examples)


BASE = "SECRET_KEY = 'env'\nALLOWED_HOSTS = ['example.com']\n"


def test_added_setting_weaker_than_framework_default():
    assert brief(findings(BASE, BASE + "SESSION_COOKIE_HTTPONLY = False\n")) == [(fam.COOKIE, "<module>", 3)]
    assert brief(findings(BASE, BASE + "DEBUG = True\n")) == [(fam.FLAG, "<module>", 3)]
    # same as the framework default: nothing changed
    assert findings(BASE, BASE + "SESSION_COOKIE_SECURE = False\n") == []


def test_brand_new_settings_file_is_not_judged_against_defaults():
    assert findings(None, "DEBUG = True\nSESSION_COOKIE_SECURE = False\n", path="app/settings_dev.py") == []


def test_flask_config_subscript_and_app_run_debug():
    before = ("from flask import Flask\n\napp = Flask(__name__)\n\n"
              "def configure():\n    app.config['WTF_CSRF_ENABLED'] = True\n    app.run(port=8000)\n")
    after = before.replace("= True", "= False").replace("app.run(port=8000)", "app.run(port=8000, debug=True)")
    assert brief(findings(before, after)) == [(fam.FLAG, "configure", 6), (fam.FLAG, "configure", 7)]


def test_samesite_lowered_and_raised():
    before = BASE + "SESSION_COOKIE_SAMESITE = 'Lax'\n"
    assert brief(findings(before, before.replace("'Lax'", "None"))) == [(fam.COOKIE, "<module>", 3)]
    assert findings(before, before.replace("'Lax'", "'Strict'")) == []


def test_lifetime_made_infinite_and_cookie_max_age():
    before = "REMEMBER_COOKIE_DURATION_MAX_AGE = 3600\nSESSION_COOKIE_AGE = 1209600\n"
    after = before.replace("SESSION_COOKIE_AGE = 1209600", "SESSION_COOKIE_AGE = None")
    assert brief(findings(before, after)) == [(fam.LIFETIME, "<module>", 2)]


def test_token_function_ttl_parameter_default():
    before = "def issue_token(user, ttl=300):\n    return sign({'sub': user.id, 'ttl': ttl})\n"
    after = before.replace("ttl=300", "ttl=86400 * 90")
    assert brief(findings(before, after)) == [(fam.LIFETIME, "issue_token", 1)]


def test_timeout_lengthened_in_token_function_is_not_a_lifetime():
    before = "def fetch_token(url, timeout=5):\n    return post(url, timeout=timeout)\n"
    assert findings(before, before.replace("timeout=5", "timeout=600")) == []


def test_debug_parameter_default_is_not_a_settings_flag():
    before = "def render(page, debug=False):\n    return page\n"
    assert findings(before, before.replace("debug=False", "debug=True")) == []


def test_middleware_tuple_lost_authentication():
    before = ("MIDDLEWARE = (\n    'django.contrib.sessions.middleware.SessionMiddleware',\n"
              "    'django.contrib.auth.middleware.AuthenticationMiddleware',\n)\n")
    after = before.replace("    'django.contrib.auth.middleware.AuthenticationMiddleware',\n", "")
    fs = findings(before, after)
    assert brief(fs) == [(fam.MIDDLEWARE, "<module>", 1)]
    assert "AuthenticationMiddleware" in fs[0].message


def test_ssl_context_attribute_is_left_to_disabled_verification():
    before = "import ssl\n\ndef ctx():\n    c = ssl.create_default_context()\n    c.check_hostname = True\n    return c\n"
    assert findings(before, before.replace("= True", "= False")) == []


OAUTH_BACKEND = ("from .oauth import BaseOAuth2\n\n\nclass PartnerOAuth2(BaseOAuth2):\n"
                 "    name = 'partner'\n    STATE_PARAMETER = True\n    REDIRECT_STATE = False\n")


def test_oauth_state_parameter_turned_off_on_a_backend_class():
    after = OAUTH_BACKEND.replace("STATE_PARAMETER = True", "STATE_PARAMETER = False")
    assert brief(findings(OAUTH_BACKEND, after, path="auth/backends/partner.py")) == [(fam.FLAG, "PartnerOAuth2", 6)]


def test_oauth_state_parameter_turned_on_or_redirect_state_dropped_is_quiet():
    # hard negatives: turning the state parameter on, and the legacy redirect-URI state
    # switched off while the state parameter stays on (the usual migration)
    off = OAUTH_BACKEND.replace("STATE_PARAMETER = True", "STATE_PARAMETER = False")
    assert findings(off, OAUTH_BACKEND, path="auth/backends/partner.py") == []
    legacy = OAUTH_BACKEND.replace("REDIRECT_STATE = False", "REDIRECT_STATE = True")
    assert findings(legacy, OAUTH_BACKEND, path="auth/backends/partner.py") == []


def test_oidc_nonce_and_pkce_parameter_defaults_turned_off():
    for flag in ("use_pkce", "verify_nonce"):
        before = (f"def make_client(issuer, {flag}=True):\n"
                  f"    return Client(issuer, option={flag})\n")
        after = before.replace(f"{flag}=True", f"{flag}=False")
        fs = findings(before, after, path="auth/oidc.py")
        assert brief(fs) == [(fam.FLAG, "make_client", 1)] and flag in fs[0].message
        # turned back on: stricter, quiet
        assert findings(after, before, path="auth/oidc.py") == []


def _brief(fs, rule=fam.RESTRICTING):
    return [(f.rule_id, f.unit, f.before.line if f.before else None, f.after.line if f.after else None)
            for f in fs if f.rule_id == rule]


def test_nofollow_dropped_from_open_flags_in_python_and_go():
    before = "import os\n\ndef open_upload(path):\n    return os.open(path, os.O_RDONLY | os.O_NOFOLLOW)\n"
    after = before.replace(" | os.O_NOFOLLOW", "")
    assert _brief(findings(before, after, "app/files.py")) == [(fam.RESTRICTING, "open_upload", 4, 4)]
    go_before = ('package store\n\nimport "os"\n\nfunc create(p string) (*os.File, error) {\n'
                 '\treturn os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)\n}\n')
    go_after = go_before.replace("os.O_CREATE|os.O_EXCL|os.O_WRONLY", "os.O_CREATE|os.O_WRONLY")
    assert _brief(findings(go_before, go_after, "store/create.go")) == [(fam.RESTRICTING, "create", 6, 6)]


def test_loosening_or_renamed_flags_and_set_unions_stay_quiet():
    base = "MODE = USE_INTEGERS | NO_VERIFY_TAIL | ALLOW_STRICT_NAN | LIMIT_DEPTH\n"
    # a loosening member removed (NO_VERIFY_TAIL / ALLOW_STRICT_NAN are not restrictions)
    assert _brief(findings(base, base.replace(" | NO_VERIFY_TAIL | ALLOW_STRICT_NAN", ""))) == []
    # another restricting member took the removed one's place
    assert _brief(findings(base, base.replace("LIMIT_DEPTH", "LIMIT_NESTING"))) == []
    # lowercase names are sets being joined, not flags
    sets = "def roles(user_roles, strict_roles):\n    return user_roles | strict_roles\n"
    assert _brief(findings(sets, sets.replace(" | strict_roles", ""), "app/roles.py")) == []


def test_argv_options_by_name():
    before = ("import subprocess\n\ndef install(pkg):\n"
              "    return subprocess.run(['npm', 'install', '--ignore-scripts', '--no-audit', pkg], check=True)\n")
    after = before.replace(" '--ignore-scripts',", "")
    assert _brief(findings(before, after, "tools/deps.py")) == [(fam.RESTRICTING, "install", 4, 4)]
    browser = ("def launch(run):\n    args = ['--headless', '--no-sandbox', '--disable-web-security', '--window-size=800,600']\n"
               "    return run(args)\n")
    hardened = browser.replace(" '--no-sandbox', '--disable-web-security',", "")
    assert _brief(findings(browser, hardened, "tools/browser.py")) == []
    # one option alone is not a command line
    single = "def flags():\n    return ['--strict']\n"
    assert _brief(findings(single, single.replace("'--strict'", "'--loose'"), "tools/one.py")) == []


# server defaults written as a frozen, typed object literal (vite's serverConfigDefaults shape)
TS_DEFAULTS = """export const serverConfigDefaults = Object.freeze({
  open: false,
  cors: false,
  headers: {},
} satisfies ServerOptions)
"""


def test_ts_frozen_defaults_cors_turned_on():
    after = TS_DEFAULTS.replace("cors: false", "cors: true")
    assert brief(findings(TS_DEFAULTS, after, "src/node/server/index.ts")) == [(fam.FLAG, "<module>", 3)]


def test_ts_frozen_defaults_cors_turned_off_or_other_key_is_silent():
    after = TS_DEFAULTS.replace("cors: false", "cors: true")
    assert findings(after, TS_DEFAULTS, "src/node/server/index.ts") == []
    assert findings(TS_DEFAULTS, TS_DEFAULTS.replace("open: false", "open: true"), "src/node/server/index.ts") == []


def test_cors_keyword_argument_is_not_a_flag():
    # `app.use(cors(...))`-style calls are configured per call; only settings and config keys count
    before = "function start(app) {\n  return createServer(app, { cors: false })\n}\n"
    assert findings(before, before.replace("cors: false", "cors: true"), "src/start.js") == []


XML_BEFORE = ("from lxml import etree\n\n\ndef parse_feed(content):\n"
              "    parser = etree.XMLParser(strip_cdata=False, resolve_entities=False, no_network=True)\n"
              "    return etree.fromstring(content, parser=parser)\n")


def test_xml_parser_hardening_keyword_dropped():
    after = XML_BEFORE.replace(", resolve_entities=False, no_network=True", "")
    assert brief(findings(XML_BEFORE, after, path="app/feeds.py")) == [(fam.FLAG, "parse_feed", 5)]
    huge = XML_BEFORE.replace("no_network=True", "no_network=True, huge_tree=True")
    assert brief(findings(XML_BEFORE, huge, path="app/feeds.py")) == [(fam.FLAG, "parse_feed", 5)]


def test_xml_parser_hardening_kept_added_or_absent_is_quiet():
    # other keywords changed, hardening kept
    assert findings(XML_BEFORE, XML_BEFORE.replace("strip_cdata=False, ", ""), path="app/feeds.py") == []
    # no_network=True is lxml's default: dropping it alone changes nothing
    assert findings(XML_BEFORE, XML_BEFORE.replace(", no_network=True", ""), path="app/feeds.py") == []
    # hardening added (the fix direction)
    bare = XML_BEFORE.replace(", resolve_entities=False, no_network=True", "")
    assert findings(bare, XML_BEFORE, path="app/feeds.py") == []
    # a parser without the keyword on both sides, and a new function with one: nothing was lost
    assert findings(bare, bare.replace("strip_cdata=False", "strip_cdata=True"), path="app/feeds.py") == []
    assert findings(None, bare, path="app/feeds_new.py") == []
    # defusedxml: forbid_dtd=True dropped is reported, forbid_entities=True dropped is the default
    dx = "import defusedxml.ElementTree as DET\n\n\ndef load(s):\n    return DET.fromstring(s, forbid_dtd=True, forbid_entities=True)\n"
    assert brief(findings(dx, dx.replace("forbid_dtd=True, ", ""), path="app/x.py")) == [(fam.FLAG, "load", 5)]
    assert findings(dx, dx.replace(", forbid_entities=True", ""), path="app/x.py") == []


ROOMS = ("async def rooms_in_group(self, requester, group_id):\n    chunk = []\n"
         "    for room_id in await self.store.rooms(group_id):\n        joined = await self.store.users_in_room(room_id)\n"
         "        allow_private = requester in joined\n"
         "        entry = await self.rooms.entry(room_id, len(joined), allow_private=allow_private)\n"
         "        chunk.append(entry)\n    return chunk\n")


def test_access_keyword_decided_per_call_now_hard_coded_open():
    after = ROOMS.replace("allow_private=allow_private", "allow_private=True")
    assert brief(findings(ROOMS, after, path="app/groups.py")) == [(fam.FLAG, "rooms_in_group", 6)]
    checked = ROOMS.replace("allow_private=allow_private", "check_permissions=not is_internal")
    assert brief(findings(checked, checked.replace("not is_internal", "False"), path="app/groups.py")) == [
        (fam.FLAG, "rooms_in_group", 6)]


def test_access_keyword_quiet_cases():
    opened = ROOMS.replace("allow_private=allow_private", "allow_private=True")
    assert findings(opened, ROOMS, path="app/groups.py") == []  # the fix direction
    assert findings(ROOMS, ROOMS.replace("allow_private=allow_private", "allow_private=requester.is_admin"),
                    path="app/groups.py") == []  # another per-call decision
    assert findings(ROOMS, ROOMS.replace("allow_private=allow_private", "allow_private=False"), path="app/groups.py") == []
    # a keyword that is not about access (redirects, caching)
    other = ROOMS.replace("allow_private=allow_private", "allow_redirects=follow")
    assert findings(other, other.replace("allow_redirects=follow", "allow_redirects=True"), path="app/groups.py") == []
