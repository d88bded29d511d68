"""Readers keep lines right and fail closed on hostile or broken input."""
from semdiff.lang.config_actions import GitHubActionsBackend
from semdiff.lang.config_documents import ClaudeSettingsBackend
from semdiff.lang.config_lines import DockerfileBackend


def test_workflow_units_and_lines():
    text = "on: push\njobs:\n  build:\n    permissions:\n      contents: write\n    steps:\n      - uses: foo/bar@v1\n        with:\n          ref: main\n      - run: make\n  lint:\n    steps:\n      - run: ruff .\n"
    pf = GitHubActionsBackend().parse(".github/workflows/ci.yml", text)
    units = {u.qualname: u for u in pf.units}
    assert set(units) == {"<workflow>", "jobs.build", "jobs.lint"}
    build = units["jobs.build"]
    assert (build.span.line, build.span.end_line) == (3, 10)
    assert [(s.key, s.value, s.span.line) for s in build.settings] == [("permissions.contents", "write", 5)]
    assert [(c.callee, c.span.line, c.span.end_line) for c in build.calls] == [("foo/bar", 7, 9), ("run", 10, 10)]
    assert build.calls[0].kwarg("with.ref").value == "main"


def test_alias_bomb_is_not_expanded():
    bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8))
    pf = GitHubActionsBackend().parse(".github/workflows/x.yml", bomb)
    assert pf.units == () and "alias" in pf.error


def test_unsafe_tags_are_text_not_objects():
    pf = GitHubActionsBackend().parse(".github/workflows/x.yml", "on: push\nx: !!python/object/apply:os.system ['id']\n")
    assert pf.error is None


def test_json_positions_and_errors():
    pf = ClaudeSettingsBackend().parse(".claude/settings.json", '{\n  // c\n  "permissions": {"allow": [\n    "Bash(ls)",\n  ]}\n}\n')
    item = [s for s in pf.units[0].settings if s.key == "permissions.allow[]"][0]
    assert (item.value, item.span.line) == ("Bash(ls)", 4)
    bad = ClaudeSettingsBackend().parse(".claude/settings.json", '{"a": [1, }\n')
    assert bad.error.startswith("syntax error") and "line 1" in bad.error


def test_dockerfile_final_user_and_continuations():
    pf = DockerfileBackend().parse("Dockerfile", "FROM a AS b\nUSER root\nFROM c\nRUN x \\\n  && y\nUSER app\n")
    u = pf.units[0]
    assert [(c.callee, c.span.line, c.span.end_line) for c in u.calls][3] == ("RUN", 4, 5)
    user = [s for s in u.settings if s.key == "final.user"][0]
    assert (user.value, user.span.line) == ("app", 6)
