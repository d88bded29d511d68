"""GitHub Actions workflows and composite actions as guard IR.

One unit for the top-level keys (`<workflow>`: triggers, permissions, env) and one per
job (`jobs.<id>`), so a change to one job is aligned and judged on its own and a renamed
job is followed. Steps become `Call`s: the callee is the action (`actions/checkout`) or
`run`, the arguments are the step's keys (`@` for the ref, `with.ref`, `env.TOKEN`, `run`,
`continue-on-error`), so rules read steps the same way they read calls in code.
"""
from __future__ import annotations

from semdiff.ir import Argument, Call, Literal, ParsedFile, Span
from semdiff.lang.config_tree import ConfigSyntaxError, Node, config_unit, flatten, line_count, lines_text
from semdiff.lang.config_yaml import read_yaml

WORKFLOW_UNIT = "<workflow>"
ACTION_UNIT = "<action>"


def step_call(step: Node, source: str) -> Call:
    uses = step.scalar("uses") if step.is_map else None
    args: list[Argument] = []
    if uses is not None:
        callee, _, ref = uses.partition("@")
        args.append(Argument("@", ref, ref, ref))
    else:
        callee = "run" if step.is_map and step.get("run") is not None else "step"
    if step.is_map:
        settings, _ = flatten(step)
        for s in settings:
            if s.key == "uses":
                continue
            args.append(Argument(s.key, s.value, s.text, s.literal))
    span = Span(step.line, step.end_line)
    return Call(callee, tuple(args), span, lines_text(source, span.line, span.end_line), statement=True)


def _triggers(on: Node) -> tuple[str, ...]:
    if on.kind == "scalar":
        return (str(on.value),)
    if on.is_seq:
        return tuple(str(i.value) for i in on.items if i.kind == "scalar")
    return tuple(k for k, _, _ in on.entries)


def _steps(node: Node, source: str) -> tuple[Call, ...]:
    steps = node.get("steps") if node.is_map else None
    if steps is None or not steps.is_seq:
        return ()
    return tuple(step_call(s, source) for s in steps.items)


class GitHubActionsBackend:
    """`.github/workflows/*.yml` and `action.yml`."""

    language = "github-actions"

    def parse(self, path: str, text: str) -> ParsedFile:
        try:
            root = read_yaml(text)
        except ConfigSyntaxError as exc:
            return ParsedFile(path, self.language, (), error=str(exc))
        if root is None:
            return ParsedFile(path, self.language, ())
        if not root.is_map:
            return ParsedFile(path, self.language, (), error="syntax error: a workflow must be a mapping at line 1")
        whole = Span(1, line_count(text))
        is_action = root.get("runs") is not None and root.get("jobs") is None
        if is_action:
            return self._action(path, text, root, whole)
        settings, literals = flatten(root, skip=("jobs",))
        on = root.get("on")
        if on is None:
            on = root.get("true")  # `on` read by a YAML 1.1 tool that wrote it back as true
        if on is not None:
            literals.append(Literal("on", _triggers(on), Span(on.line, on.end_line), "on", "list"))
        units = [config_unit(path, self.language, WORKFLOW_UNIT, whole, text, settings=settings, literals=literals, name="workflow")]
        jobs = root.get("jobs")
        if jobs is not None and jobs.is_map:
            for job_id, key_line, job in jobs.entries:
                if not job.is_map:
                    continue
                js, jl = flatten(job, skip=("steps",))
                units.append(
                    config_unit(
                        path, self.language, f"jobs.{job_id}", Span(key_line, job.end_line), text,
                        settings=js, literals=jl, calls=_steps(job, text), parent=WORKFLOW_UNIT, name=job_id,
                    )
                )
        return ParsedFile(path, self.language, tuple(units))

    def _action(self, path: str, text: str, root: Node, whole: Span) -> ParsedFile:
        settings, literals = flatten(root, skip=("runs.steps",))
        units = [config_unit(path, self.language, ACTION_UNIT, whole, text, settings=settings, literals=literals, name="action")]
        runs = root.get("runs")
        if runs is not None and runs.is_map and runs.get("steps") is not None:
            steps = runs.get("steps")
            units.append(
                config_unit(path, self.language, "runs", Span(runs.key_line("steps") or steps.line, steps.end_line), text,
                            calls=_steps(runs, text), parent=ACTION_UNIT, name="runs")
            )
        return ParsedFile(path, self.language, tuple(units))
