"""semdiff audit: commit enumeration, per-commit records, JSONL streaming/resume, ranking, CLI.

Every test runs on a real throw-away git history (tests/gitrepo.py); records are compared with
what `semdiff.analyze` says about the same range, so the audit is checked to reuse the pipeline.
"""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Sequence

import pytest
from click.testing import CliRunner, Result

from semdiff.api import analyze
from semdiff.audit import AuditOptions, CommitTask, analyse_commit, enumerate_commits, run_audit
from semdiff.audit.jsonl import RecordWriter, done_keys, read_records
from semdiff.audit.progress import PlainProgress
from semdiff.audit.summary import finding_from_dict, flagged_report, format_summary, rank
from semdiff.audit.task import glob_regex
from semdiff.cli import cli
from semdiff.errors import InputError
from semdiff.model import Severity
from semdiff.pipeline import AnalyzeOptions
from tests.gitrepo import GitRepo

AUTH_BEFORE = '''import requests


def delete_user(request, uid):
    if not request.user.is_admin:
        raise PermissionError("admins only")
    return requests.get("https://example.invalid", verify=True)
'''
AUTH_TLS_OFF = AUTH_BEFORE.replace("verify=True", "verify=False")  # line 7
AUTH_NO_GUARD = AUTH_BEFORE.replace('    if not request.user.is_admin:\n        raise PermissionError("admins only")\n', "")
README = "# demo\n"


def make_history(root: Path) -> dict[str, str]:
    """main: initial -> docs -> tls-off -> readme -> merge of side (a new helper in lib/)."""
    repo = GitRepo(root / "repo")
    repo.write({"app/auth.py": AUTH_BEFORE, "README.md": README})
    shas = {"root": repo.commit("initial import")}
    repo.write({"README.md": README + "more words\n"})
    shas["docs"] = repo.commit("docs: explain setup")
    repo.write({"app/auth.py": AUTH_TLS_OFF})
    shas["tls"] = repo.commit("chore: fix typo in auth")
    repo.branch("side", shas["tls"])
    repo.checkout("side")
    repo.write({"lib/other.py": "def f():\n    return 1\n"})
    shas["side"] = repo.commit("feature: other helper")
    repo.checkout("main")
    repo.write({"README.md": README + "more words\neven more\n"})
    shas["readme"] = repo.commit("docs: more")
    repo.run_git("merge", "-q", "--no-ff", "--no-edit", "-m", "Merge branch side", "side")
    shas["merge"] = repo.rev_parse("HEAD")
    shas["repo"] = str(repo.root)
    return shas


@pytest.fixture()
def history(tmp_path: Path) -> dict[str, str]:
    return make_history(tmp_path)


def run(args: Sequence[str]) -> Result:
    return CliRunner().invoke(cli, list(args), env={"CI": None, "SEMDIFF_DEBUG": None}, catch_exceptions=False)


def stable(record: dict) -> dict:
    """A record without its timing, for comparing two runs."""
    return {k: v for k, v in record.items() if k != "elapsed"}


# -- enumeration -------------------------------------------------------------------------------

def test_first_parent_lists_mainline_oldest_first_with_merge_against_first_parent(history: dict[str, str]) -> None:
    tasks = enumerate_commits(history["repo"])
    assert [t.sha for t in tasks] == [history[k] for k in ("root", "docs", "tls", "readme", "merge")]
    assert tasks[0].parent is None and tasks[0].revision == history["root"]
    assert tasks[2].parent == history["docs"] and tasks[2].subject == "chore: fix typo in auth"
    assert tasks[-1].parent == history["readme"]
    assert tasks[-1].revision == f"{history['readme']}..{history['merge']}"


def test_all_parents_adds_side_commits_and_each_merge_parent(history: dict[str, str]) -> None:
    tasks = enumerate_commits(history["repo"], all_parents=True)
    keys = {(t.sha, t.parent) for t in tasks}
    assert (history["side"], history["tls"]) in keys
    assert (history["merge"], history["readme"]) in keys and (history["merge"], history["side"]) in keys
    assert len(tasks) == 7


def test_range_dates_and_paths_filter_commits(history: dict[str, str]) -> None:
    repo = history["repo"]
    assert [t.sha for t in enumerate_commits(repo, f"{history['docs']}..{history['readme']}")] == [history["tls"], history["readme"]]
    # GitRepo dates: commit n is at 2024-01-01T00:00:0n; --since keeps the later ones
    since = [t.sha for t in enumerate_commits(repo, since="2024-01-01T00:00:03+00:00")]
    assert history["root"] not in since and history["tls"] in since
    only_app = enumerate_commits(repo, paths=("app/**",))
    assert [t.sha for t in only_app] == [history["root"], history["tls"]]
    assert only_app[0].paths == ("app/**",)


def test_bad_range_is_an_input_error(history: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown revision"):
        enumerate_commits(history["repo"], "nope..HEAD")
    with pytest.raises(InputError, match="symmetric"):
        enumerate_commits(history["repo"], "HEAD~1...HEAD")
    with pytest.raises(InputError, match="not a git repository"):
        enumerate_commits(str(tmp_path))


def test_glob_regex_follows_git_glob() -> None:
    assert glob_regex("app/**").match("app/x/y.py")
    assert glob_regex("**/*.py").match("a/b/c.py") and glob_regex("**/*.py").match("c.py")
    assert glob_regex("app/*.py").match("app/a.py") and not glob_regex("app/*.py").match("app/sub/a.py")


# -- per-commit record -------------------------------------------------------------------------

def test_record_of_weakening_commit_matches_analyze_with_message_as_purpose(history: dict[str, str]) -> None:
    task = next(t for t in enumerate_commits(history["repo"]) if t.sha == history["tls"])
    record = analyse_commit(task)
    assert record["error"] is None and record["sha"] == history["tls"] and record["parent"] == history["docs"]
    assert record["subject"] == "chore: fix typo in auth" and record["date"].startswith("2024-01-01T00:00:03")
    rules = {(f["rule_id"], f["unit"], f["after"]["line"]) for f in record["findings"]}
    assert ("disabled-verification/tls-verify-off", "delete_user", 7) in rules
    assert record["counts"]["high"] >= 1 and sum(record["counts"].values()) == len(record["findings"])
    assert record["purpose"]["claim"] in ("typo", "mixed", "refactor", "bugfix") and record["purpose"]["exceeds"] is True
    direct = analyze(f"{history['docs']}..{history['tls']}", repo=history["repo"],
                     options=AnalyzeOptions(purpose_text="chore: fix typo in auth"))
    assert [f["fingerprint"] for f in record["findings"]] == [f.fingerprint for f in direct.findings]


def test_benign_root_and_merge_records(history: dict[str, str]) -> None:
    by_sha = {t.sha: analyse_commit(t) for t in enumerate_commits(history["repo"])}
    root = by_sha[history["root"]]
    assert root["parent"] is None and root["findings"] == [] and root["files"] == 2
    assert by_sha[history["docs"]]["findings"] == [] and by_sha[history["merge"]]["findings"] == []
    assert by_sha[history["merge"]]["files"] == 1  # the merged change: lib/other.py against the mainline


def test_unanalysable_commit_becomes_an_error_record(history: dict[str, str]) -> None:
    task = CommitTask(history["repo"], "f" * 40, history["root"], "", "ghost", "ghost")
    record = analyse_commit(task)
    assert record["error"].startswith("input error: unknown revision") and record["findings"] == []


def test_paths_filter_drops_findings_outside(history: dict[str, str]) -> None:
    task = next(t for t in enumerate_commits(history["repo"]) if t.sha == history["tls"])
    scoped = CommitTask(task.repo, task.sha, task.parent, task.date, task.subject, task.message, ("lib/**",))
    assert analyse_commit(scoped)["findings"] == []


def test_pool_gives_the_same_records_as_one_process(history: dict[str, str]) -> None:
    tasks = enumerate_commits(history["repo"], all_parents=True)
    one = sorted((stable(r) for r in run_audit(tasks, AuditOptions(jobs=1))), key=lambda r: (r["sha"], r["parent"] or ""))
    two = sorted((stable(r) for r in run_audit(tasks, AuditOptions(jobs=2))), key=lambda r: (r["sha"], r["parent"] or ""))
    assert len(one) == len(two) == 7
    differing = [(a["sha"][:10], k, a[k], b[k]) for a, b in zip(one, two) for k in a if a[k] != b[k]]
    assert differing == []


# -- JSONL stream ------------------------------------------------------------------------------

def test_writer_flushes_every_record_and_resume_drops_a_cut_off_tail(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    writer = RecordWriter.open(str(path), resume=False)
    writer.write({"sha": "a" * 40, "parent": None, "n": 1})
    assert [r["n"] for r in read_records(str(path))] == [1]  # visible before close: flushed
    writer.write({"sha": "b" * 40, "parent": "a" * 40, "n": 2})
    writer.close()
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"sha": "cccc", "par')  # a run killed mid-line
    keys, records = done_keys(str(path))
    assert keys == {("a" * 40, ""), ("b" * 40, "a" * 40)} and len(records) == 2
    writer = RecordWriter.open(str(path), resume=True)
    writer.write({"sha": "d" * 40, "parent": None, "n": 4})
    writer.close()
    assert [r["n"] for r in read_records(str(path))] == [1, 2, 4]
    assert path.read_text().count("\n") == 3


def test_done_keys_of_missing_file_is_empty(tmp_path: Path) -> None:
    assert done_keys(str(tmp_path / "none.jsonl")) == (set(), [])


# -- ranking and reports -----------------------------------------------------------------------

def _finding(sev: str, rule: str = "r/x") -> dict:
    return {"rule_id": rule, "title": "t", "severity": sev, "confidence": "high", "message": "m", "path": "a.py",
            "unit": "f", "language": "python", "hunk_only": False, "fingerprint": "", "before": None,
            "after": {"path": "a.py", "line": 3, "end_line": None},
            "evidence": {"before": "x", "after": "y", "witness": ""},
            "relevance": {"category": "auth", "score": 0.9, "why_path": ["f"], "reason": "name"}}


def _record(sha: str, date: str, *sevs: str) -> dict:
    findings = [_finding(s) for s in sevs]
    counts = {s.label: sum(1 for x in sevs if x == s.label) for s in sorted(Severity, reverse=True)}
    return {"sha": sha * 40, "parent": None, "date": date, "subject": f"commit {sha}", "counts": counts,
            "findings": findings, "not_analyzed": [], "elapsed": 0.1, "error": None}


def test_rank_orders_by_severity_then_count_then_newest() -> None:
    records = [
        _record("a", "2024-01-01", "medium"),
        _record("b", "2024-01-02", "high"),
        _record("c", "2024-01-03", "high", "high"),
        _record("d", "2024-01-04", "low"),
        _record("e", "2024-01-05", "high"),
        _record("f", "2024-01-06"),
    ]
    assert [r["sha"][0] for r in rank(records, Severity.MEDIUM)] == ["c", "e", "b", "a"]
    assert [r["sha"][0] for r in rank(records, Severity.LOW)] == ["c", "e", "b", "a", "d"]


def test_summary_table_and_flagged_report() -> None:
    records = [_record("a", "2024-01-01", "medium"), _record("c", "2024-01-03", "high"), _record("f", "2024-01-06")]
    records.append({**_record("9", "2024-01-07"), "error": "input error: boom"})
    text = format_summary(records, Severity.MEDIUM)
    first = text.splitlines()[0]
    assert first == ("semdiff audit: 4 commit(s) analysed, 2 flagged at medium or above, 2 finding(s),"
                     " 1 error(s), 0 item(s) not analysed")
    assert text.index("cccccccccc") < text.index("aaaaaaaaaa") and "ffffffffff" not in text
    assert "9999999999  input error: boom" in text
    report = flagged_report(records, Severity.MEDIUM, "audit HEAD")
    assert [f.severity for f in report.findings] == [Severity.HIGH, Severity.MEDIUM]
    assert report.findings[0].message.startswith("[cccccccccc commit c] ")
    assert report.not_analyzed[0].reason == "audit-error"


def test_finding_round_trip_keeps_fingerprint(history: dict[str, str]) -> None:
    report = analyze(f"{history['docs']}..{history['tls']}", repo=history["repo"])
    from semdiff.report.json_report import finding_dict

    for f in report.findings:
        assert finding_from_dict(finding_dict(f)) == f


def test_plain_progress_prints_periodic_lines() -> None:
    now = [0.0]
    out = io.StringIO()
    p = PlainProgress(4, out, interval=10.0, clock=lambda: now[0])
    now[0] = 5.0
    p.advance(False)
    assert out.getvalue() == ""
    now[0] = 20.0
    p.advance(True)
    assert out.getvalue() == "semdiff audit: 2/4 commits, 0.10 commits/s, ETA 0m20s, 1 flagged\n"
    p.close()
    assert out.getvalue().count("\n") == 2


# -- CLI ---------------------------------------------------------------------------------------

def test_cli_summary_flags_the_weakening_commit_and_exits_1(history: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    result = run(["audit", "--repo", history["repo"], "--jsonl", str(out), "-j", "1", "--quiet"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("semdiff audit: 5 commit(s) analysed, 1 flagged at medium or above")
    assert history["tls"][:10] in result.stdout and "chore: fix typo in auth" in result.stdout
    assert sorted(r["sha"] for r in read_records(str(out))) == sorted(history[k] for k in ("root", "docs", "tls", "readme", "merge"))


def test_cli_benign_range_exits_0_and_jsonl_to_stdout(history: dict[str, str]) -> None:
    result = run(["audit", f"{history['tls']}..{history['merge']}", "--repo", history["repo"], "--format", "jsonl", "-q", "-j", "1"])
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["sha"] for r in records} == {history["readme"], history["merge"]}


def test_cli_resume_completes_a_killed_run_without_repeating(history: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    assert run(["audit", "--repo", history["repo"], "--jsonl", str(out), "-j", "1", "-q"]).exit_code == 1
    complete = {r["sha"]: stable(r) for r in read_records(str(out))}
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:2]) + lines[2][:30])  # killed while writing the third record
    result = run(["audit", "--repo", history["repo"], "--resume", str(out), "-j", "1"])
    assert result.exit_code == 1
    assert "resuming, 2 commit(s) already in" in result.stderr
    assert "semdiff audit: 3/3 commits" in result.stderr  # plain progress: stderr is not a terminal
    resumed = list(read_records(str(out)))
    assert len(resumed) == 5 and {r["sha"]: stable(r) for r in resumed} == complete
    assert result.stdout.splitlines()[0].startswith("semdiff audit: 5 commit(s) analysed, 1 flagged")


def test_cli_json_report_of_flagged_commits(history: dict[str, str], tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    result = run(["audit", "--repo", history["repo"], "--format", "json", "-o", str(report), "-q", "-j", "1"])
    assert result.exit_code == 1 and result.stdout == ""
    doc = json.loads(report.read_text())
    rules = [f["rule_id"] for f in doc["findings"]]
    assert "disabled-verification/tls-verify-off" in rules
    assert all(f["message"].startswith(f"[{history['tls'][:10]} ") for f in doc["findings"])


def test_cli_usage_errors_exit_2(history: dict[str, str], tmp_path: Path) -> None:
    bad = run(["audit", "HEAD~1...HEAD", "--repo", history["repo"], "-q"])
    assert bad.exit_code == 2 and "symmetric range" in bad.stderr
    both = run(["audit", "--repo", history["repo"], "--jsonl", str(tmp_path / "a"), "--resume", str(tmp_path / "b")])
    assert both.exit_code == 2 and "different files" in both.stderr
    norepo = run(["audit", "--repo", str(tmp_path), "-q"])
    assert norepo.exit_code == 2 and "not a git repository" in norepo.stderr


def test_analyze_is_still_the_default_command(history: dict[str, str]) -> None:
    result = run([f"{history['docs']}..{history['tls']}", "--repo", history["repo"], "--format", "json"])
    assert result.exit_code == 1 and json.loads(result.stdout)["summary"]["findings"] >= 1


def crash_on_docs_commit(task: CommitTask) -> dict:
    """A pool task that kills its worker process on one commit, like a native crash would."""
    import os

    if task.subject == "docs: explain setup":
        os._exit(3)
    return analyse_commit(task)


def test_a_worker_that_dies_costs_only_its_own_commit(history: dict[str, str]) -> None:
    from semdiff.audit.runners import WORKER_DIED, run_on_pool

    tasks = enumerate_commits(history["repo"])
    records = {r["sha"]: r for r in run_on_pool(tasks, 2, crash_on_docs_commit)}
    assert sorted(records) == sorted(t.sha for t in tasks)
    assert records[history["docs"]]["error"] == WORKER_DIED
    assert all(r["error"] is None for sha, r in records.items() if sha != history["docs"])
    assert any(f["rule_id"] == "disabled-verification/tls-verify-off" for f in records[history["tls"]]["findings"])


def test_cli_sarif_and_markdown_reports_of_flagged_commits(history: dict[str, str], tmp_path: Path) -> None:
    import jsonschema

    sarif_path = tmp_path / "audit.sarif"
    result = run(["audit", "--repo", history["repo"], "--format", "sarif", "-o", str(sarif_path), "-q", "-j", "1"])
    assert result.exit_code == 1
    doc = json.loads(sarif_path.read_text())
    schema = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(doc, schema)
    results = doc["runs"][0]["results"]
    assert "disabled-verification/tls-verify-off" in {r["ruleId"] for r in results}
    assert all(r["message"]["text"].startswith(f"[{history['tls'][:10]} ") for r in results)
    md = run(["audit", "--repo", history["repo"], "--format", "markdown", "-q", "-j", "1"])
    assert md.exit_code == 1 and "disabled-verification/tls-verify-off" in md.stdout
    assert f"[{history['tls'][:10]} chore: fix typo in auth]" in md.stdout
