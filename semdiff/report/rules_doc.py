"""The rule catalogue as Markdown, generated from the rule tables themselves.

`python -m semdiff.report.rules_doc > docs/rules/README.md`; a test keeps the committed file
in step with the tables, so the documentation cannot drift from what semdiff reports.
"""
from __future__ import annotations

from semdiff.rules.base import all_rules, change_checks, families

_SUPPRESS = "# semdiff: ignore[{id}] reason: <why this is acceptable>"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render() -> str:
    specs = all_rules()
    owner: dict[str, str] = {}
    for fam in families():
        for r in fam.rules:
            owner[r.id] = fam.name
    for name, rules, _fn in change_checks():
        for r in rules:
            owner[r.id] = name
    lines = [
        "# Rule catalogue",
        "",
        "Generated from the rule tables by `python -m semdiff.report.rules_doc`; do not edit by hand.",
        f"{len(specs)} rule ids in {len(set(owner.values()))} families. Severity is the rule's severity in",
        "clearly security-relevant code; `make_finding` lowers it by one or two levels when the",
        "change has no path to anything sensitive (never for rules marked intrinsic).",
        "",
        "Suppress one finding on its line (or the line above) with",
        "`" + _SUPPRESS.format(id="<rule-id>") + "`; a suppression without a reason does not count.",
        "Family pages with longer explanations: see the other files in this folder.",
        "",
        "| rule id | family | severity | languages | what it catches |",
        "| --- | --- | --- | --- | --- |",
    ]
    for rid in sorted(specs):
        r = specs[rid]
        langs = ", ".join(r.languages)
        intrinsic = " (intrinsic)" if getattr(r, "intrinsic", None) else ""
        lines.append(f"| `{rid}` | {owner.get(rid, '?')} | {r.severity.label}{intrinsic} | {langs} | {_cell(r.title)}: {_cell(r.description)} |")
    lines += ["", "## Examples", ""]
    for rid in sorted(specs):
        r = specs[rid]
        fires = [e for e in r.examples if e.fires][:1]
        if not fires:
            continue
        e = fires[0]
        lines += [f"### `{rid}`", "", "Before:", "", "```", e.before.rstrip("\n"), "```", "", "After (reported):", "", "```", e.after.rstrip("\n"), "```", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.stdout.write(render())
