"""protective-bean-removed: the check's edges (a bean moved to another configuration, the whole
configuration removed)."""
from __future__ import annotations

from semdiff.pipeline import analyze_texts

CONFIG = """package app.config;

@Configuration
public class ConsoleConfig {

    @Bean
    public XssFilter xssFilter() {
        return new XssFilter();
    }

    @Bean
    public Clock clock() {
        return Clock.systemUTC();
    }
}
"""
WITHOUT = CONFIG.replace("""    @Bean
    public XssFilter xssFilter() {
        return new XssFilter();
    }

""", "")
WEB = """package app.config;

@Configuration
public class WebConfig {
}
"""
WEB_WITH = WEB.replace("{\n}", """{
    @Bean
    public FilterRegistrationBean<XssFilter> xss() {
        return new FilterRegistrationBean<>(new XssFilter());
    }
}""")


def rules(pairs):
    return [(f.rule_id, f.unit) for f in analyze_texts(pairs).findings if f.rule_id == "protective-bean-removed"]


def test_bean_removed_is_reported():
    assert rules([("src/main/java/app/config/ConsoleConfig.java", CONFIG, WITHOUT)]) == [
        ("protective-bean-removed", "ConsoleConfig.xssFilter")]


def test_bean_moved_to_another_configuration_is_silent():
    assert rules([("src/main/java/app/config/ConsoleConfig.java", CONFIG, WITHOUT),
                  ("src/main/java/app/config/WebConfig.java", WEB, WEB_WITH)]) == []


def test_whole_configuration_deleted_is_silent():
    assert rules([("src/main/java/app/config/ConsoleConfig.java", CONFIG, None)]) == []
