"""forwarded-header-ungated: a forwarded header read only under a trust setting is now read
whatever the setting (Go, Python, Java); silent when the gate moved to the caller, when a
trust check still gates the read, when the unit never gated it, or when the header is gone."""
from __future__ import annotations

from tests.rulekit import findings_of

RULE = "forwarded-header-ungated"

GO_BEFORE = """
package proxy

func (d *Proxy) Rewrite(r *httputil.ProxyRequest) {
	EnrichRequestedURL(r, d.c.ProxyTrustForwardedHeaders())
	r.Out.Header.Del("X-Request-Id")
}

func EnrichRequestedURL(r *httputil.ProxyRequest, trustForwardedHeaders bool) {
	r.Out.URL.Host = r.In.Host
	switch {
	case trustForwardedHeaders && strings.EqualFold(r.In.Header.Get("X-Forwarded-Proto"), "https"):
		r.Out.URL.Scheme = "https"
	case r.In.TLS != nil:
		r.Out.URL.Scheme = "https"
	default:
		r.Out.URL.Scheme = "http"
	}
}
"""
GO_AFTER = """
package proxy

func (d *Proxy) Rewrite(r *httputil.ProxyRequest) {
	EnrichRequestedURL(r)
	r.Out.Header.Del("X-Request-Id")
}

func EnrichRequestedURL(r *httputil.ProxyRequest) {
	r.Out.URL.Host = r.In.Host
	r.Out.URL.Scheme = "http"
	if r.In.TLS != nil || strings.EqualFold(r.In.Header.Get("X-Forwarded-Proto"), "https") {
		r.Out.URL.Scheme = "https"
	}
}
"""


def test_go_trust_gate_dropped():
    found = findings_of(RULE, GO_BEFORE, GO_AFTER, "proxy/proxy.go")
    assert [(f.unit, f.before.line) for f in found] == [("EnrichRequestedURL", 11)]
    assert "trustForwardedHeaders" in found[0].message and "x-forwarded-proto" in found[0].message


def test_go_gate_moved_to_the_caller_is_silent():
    after = GO_AFTER.replace(
        "\tEnrichRequestedURL(r)\n",
        "\tif d.c.ProxyTrustForwardedHeaders() {\n\t\tEnrichRequestedURL(r)\n\t}\n")
    assert findings_of(RULE, GO_BEFORE, after, "proxy/proxy.go") == []


def test_go_gate_replaced_by_trusted_proxy_check_is_silent():
    after = GO_AFTER.replace("if r.In.TLS != nil || strings.EqualFold",
                             "if r.In.TLS != nil || isTrustedProxy(r.In.RemoteAddr) && strings.EqualFold")
    assert findings_of(RULE, GO_BEFORE, after, "proxy/proxy.go") == []


def test_go_header_never_gated_is_silent():
    before = GO_BEFORE.replace("trustForwardedHeaders && ", "")
    assert findings_of(RULE, before, GO_AFTER, "proxy/proxy.go") == []


def test_python_trust_proxy_condition_dropped():
    before = (
        "def external_host(request, settings):\n"
        "    if settings.TRUST_PROXY_HEADERS and 'X-Forwarded-Host' in request.headers:\n"
        "        return request.headers['X-Forwarded-Host']\n"
        "    return request.host\n"
    )
    after = (
        "def external_host(request, settings):\n"
        "    if 'X-Forwarded-Host' in request.headers:\n"
        "        return request.headers['X-Forwarded-Host']\n"
        "    return request.host\n"
    )
    found = findings_of(RULE, before, after, "app/urls.py")
    assert [(f.unit, f.before.line) for f in found] == [("external_host", 2)]


def test_python_header_no_longer_read_is_silent():
    before = (
        "def scheme(environ, trust_proxy):\n"
        "    if trust_proxy and environ.get('HTTP_X_FORWARDED_PROTO'):\n"
        "        return environ['HTTP_X_FORWARDED_PROTO']\n"
        "    return environ['wsgi.url_scheme']\n"
    )
    after = "def scheme(environ):\n    return environ['wsgi.url_scheme']\n"
    assert findings_of(RULE, before, after, "app/wsgi.py") == []


def test_java_trusted_proxy_flag_dropped():
    before = """
    package com.example.web;

    public class ClientAddress {
        private final boolean trustProxy;

        public ClientAddress(boolean trustProxy) {
            this.trustProxy = trustProxy;
        }

        public String resolve(HttpServletRequest request) {
            String forwarded = request.getHeader("X-Forwarded-For");
            if (this.trustProxy && forwarded != null) {
                return forwarded.split(",")[0].trim();
            }
            return request.getRemoteAddr();
        }
    }
    """
    after = before.replace("if (this.trustProxy && forwarded != null) {", "if (forwarded != null) {").replace(
        "        private final boolean trustProxy;\n\n        public ClientAddress(boolean trustProxy) {\n"
        "            this.trustProxy = trustProxy;\n        }\n\n", "")
    found = findings_of(RULE, before, after, "src/main/java/com/example/web/ClientAddress.java")
    assert [f.unit for f in found] == ["ClientAddress.resolve"]
