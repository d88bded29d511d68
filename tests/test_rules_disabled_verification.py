"""disabled-verification: every shipped example, plus the pairing cases that keep it quiet."""
from __future__ import annotations

from semdiff.model import Confidence, Severity
from semdiff.pipeline import analyze_texts
from semdiff.rules import disabled_verification as fam
from semdiff.rules.base import all_rules

PATH = "app/client.py"


def findings(before, after, path=PATH, prefix=fam.FAMILY):
    report = analyze_texts([(path, before, after)])
    return [f for f in report.findings if f.rule_id.startswith(prefix)]


def brief(fs):
    return sorted((f.rule_id, f.unit, f.after.line if f.after else None) for f in fs)




def test_every_rule_has_firing_and_quiet_example_and_is_registered():
    registered = all_rules()
    for spec in fam.RULES:
        assert spec.id in registered
        assert spec.id == fam.FAMILY or spec.id.startswith(fam.FAMILY + "/")
        assert any(e.fires for e in spec.examples) and any(not e.fires for e in spec.examples)


def test_multiline_call_keyword_changed_on_unchanged_start_line():
    before = "import requests\n\ndef pull(url):\n    return requests.get(\n        url,\n        timeout=3,\n    )\n"
    after = "import requests\n\ndef pull(url):\n    return requests.get(\n        url,\n        verify=False,\n    )\n"
    fs = findings(before, after)
    assert brief(fs) == [(fam.TLS, "pull", 4)]
    assert fs[0].confidence is Confidence.HIGH
    assert fs[0].before is not None and fs[0].before.line == 4


def test_second_call_next_to_preexisting_risky_one_blames_only_the_new_one():
    before = "import requests\n\ndef pull(a):\n    return requests.get(a, verify=False)\n"
    after = ("import requests\n\ndef pull(a, b):\n    x = requests.get(a, verify=False)\n"
             "    y = requests.get(b, verify=False)\n    return x, y\n")
    fs = findings(before, after)
    assert brief(fs) == [(fam.TLS, "pull", 5)]
    assert fs[0].confidence is Confidence.MEDIUM  # new code, no before partner


def test_added_unit_is_born_weak_at_medium_confidence_and_intrinsically_relevant():
    before = "import requests\n"
    after = "import requests\n\ndef pull(url):\n    return requests.get(url, verify=False)\n"
    fs = findings(before, after)
    assert brief(fs) == [(fam.TLS, "pull", 4)]
    assert fs[0].confidence is Confidence.MEDIUM
    # `pull` says nothing about security, but switching TLS verification off does
    assert fs[0].severity is Severity.HIGH
    assert fs[0].relevance.category == "tls"


def test_code_moved_into_a_new_helper_is_not_new():
    before = "import requests\n\ndef pull(url):\n    return requests.get(url, verify=False).json()\n"
    after = ("import requests\n\ndef _get(url):\n    return requests.get(url, verify=False)\n\n"
             "def pull(url):\n    return _get(url).json()\n")
    assert findings(before, after) == []


def test_untouched_preexisting_cert_none_is_silent():
    before = ("import ssl\n\ndef ctx():\n    c = ssl.create_default_context()\n    c.check_hostname = False\n"
              "    c.verify_mode = ssl.CERT_NONE\n    return c\n")
    after = before.replace("    return c\n", "    c.load_default_certs()\n    return c\n")
    assert findings(before, after) == []


def test_global_unverified_context_installed_at_module_level():
    before = "import ssl\n\nTIMEOUT = 5\n"
    after = "import ssl\n\nTIMEOUT = 5\nssl._create_default_https_context = ssl._create_unverified_context\n"
    assert brief(findings(before, after)) == [(fam.UNVERIFIED, "<module>", 4)]


def test_pyjwt1_verify_false_and_unrestricted_algorithms():
    before = "import jwt\n\ndef claims(t, k):\n    return jwt.decode(t, k, algorithms=['HS256'])\n"
    after_sig = "import jwt\n\ndef claims(t, k):\n    return jwt.decode(t, k, verify=False)\n"
    assert brief(findings(before, after_sig)) == [(fam.JWT_SIG, "claims", 4)]
    after_any = "import jwt\n\ndef claims(t, k):\n    return jwt.decode(t, k)\n"
    assert brief(findings(before, after_any)) == [(fam.JWT_ALGS, "claims", 4)]


def test_jose_alias_and_unverified_claims():
    before = "from jose import jwt\n\ndef claims(t, k):\n    return jwt.decode(t, k, algorithms=['RS256'])\n"
    after = "from jose import jwt\n\ndef claims(t, k):\n    return jwt.get_unverified_claims(t)\n"
    assert brief(findings(before, after)) == [(fam.JWT_SIG, "claims", 4)]


def test_algorithm_swap_without_widening_is_silent():
    before = "import jwt\n\ndef claims(t, k):\n    return jwt.decode(t, k, algorithms=['HS256'])\n"
    after = before.replace("'HS256'", "'RS256'")
    assert findings(before, after) == []


def test_aiohttp_ssl_false_and_urllib3_cert_reqs():
    before = "import aiohttp\n\nasync def pull(s, url):\n    return await s.get(url)\n"
    after = "import aiohttp\n\nasync def pull(s, url):\n    return await s.get(url, ssl=False)\n"
    assert brief(findings(before, after)) == [(fam.TLS, "pull", 4)]
    before = "import urllib3\n\ndef pool():\n    return urllib3.PoolManager(cert_reqs='CERT_REQUIRED')\n"
    after = before.replace("CERT_REQUIRED", "CERT_NONE")
    assert brief(findings(before, after)) == [(fam.CERT, "pool", 4)]


def test_warning_filter_for_insecure_request_counts_as_silencer():
    before = "import requests\n\ndef pull(url):\n    return requests.get(url)\n"
    after = ("import warnings\nimport requests\nfrom urllib3.exceptions import InsecureRequestWarning\n\n"
             "def pull(url):\n    warnings.simplefilter('ignore', InsecureRequestWarning)\n"
             "    return requests.get(url, verify=False)\n")
    assert brief(findings(before, after)) == [(fam.TLS, "pull", 7), (fam.WARNINGS, "pull", 6)]


def test_hunk_only_lowers_confidence():
    diff = (
        "--- a/app/client.py\n+++ b/app/client.py\n@@ -3,2 +3,2 @@\n"
        " def pull(url):\n-    return requests.get(url)\n+    return requests.get(url, verify=False)\n"
    )
    from semdiff.api import analyze

    report = analyze(diff_text=diff)
    fs = [f for f in report.findings if f.rule_id.startswith(fam.FAMILY)]
    assert brief(fs) == [(fam.TLS, "pull", 4)]
    assert fs[0].hunk_only and fs[0].confidence is Confidence.MEDIUM


def test_session_verify_attribute_but_not_option_holders():
    before = "import requests\n\ndef make_session():\n    s = requests.Session()\n    s.headers['X'] = '1'\n    return s\n"
    after = before.replace("    return s\n", "    s.verify = False\n    return s\n")
    assert brief(findings(before, after)) == [(fam.TLS, "make_session", 6)]
    before = "import requests\n\ndef make_session():\n    session = requests.Session()\n    return session\n"
    after = before.replace("    return session\n", "    session.verify = False\n    return session\n")
    assert brief(findings(before, after)) == [(fam.TLS, "make_session", 5)]
    before = "def parse(argv, args):\n    args.debug = True\n    return args\n"
    assert findings(before, before.replace("args.debug = True", "args.verify = False")) == []
    before = "def load(config):\n    config.name = 'x'\n    return config\n"
    assert findings(before, before.replace("config.name = 'x'", "config.verify = False")) == []
