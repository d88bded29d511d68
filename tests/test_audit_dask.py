"""The distributed runner on a real Dask cluster on loopback: same records as the local run.

The cluster is in-process (`processes=False`, one single-threaded worker) so the test is quick
and leaves nothing behind; the tcp path is the one `--scheduler tcp://host:8786` takes.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from dask.distributed import LocalCluster

from semdiff.audit import AuditOptions, enumerate_commits, run_audit
from semdiff.audit.dask_runner import dask_available, run_on_dask
from semdiff.audit.jsonl import read_records
from semdiff.cli import cli
from semdiff.errors import InputError
from tests.gitrepo import GitRepo

BEFORE = '''import hmac


def check_token(token, expected):
    if not hmac.compare_digest(token, expected):
        raise PermissionError("bad token")
    return True
'''
AFTER = BEFORE.replace("hmac.compare_digest(token, expected)", "token == expected")


def _key(r: dict) -> tuple[str, str]:
    return (r["sha"], r["parent"] or "")


def _stable(records: list[dict]) -> list[dict]:
    return sorted(({k: v for k, v in r.items() if k != "elapsed"} for r in records), key=_key)


@pytest.fixture()
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.write({"auth/tokens.py": BEFORE})
    repo.commit("add token check")
    repo.write({"auth/tokens.py": AFTER})
    repo.commit("simplify token check")
    repo.write({"README.md": "docs\n"})
    repo.commit("docs")
    return repo


@pytest.fixture()
def cluster():
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://", host="127.0.0.1",
                      dashboard_address=None, silence_logs=40) as c:
        yield c


def test_dask_is_installed() -> None:
    assert dask_available()


def test_dask_records_equal_local_records(repo: GitRepo, cluster: LocalCluster) -> None:
    tasks = enumerate_commits(str(repo.root))
    local = _stable(list(run_audit(tasks, AuditOptions(jobs=1))))
    distributed = _stable(list(run_on_dask(tasks, cluster.scheduler_address, timeout=30)))
    assert distributed == local and len(local) == 3
    flagged = [r for r in local if r["findings"]]
    assert [r["subject"] for r in flagged] == ["simplify token check"]
    assert any(f["unit"] == "check_token" and f["after"]["line"] == 5 for f in flagged[0]["findings"])


def test_cli_scheduler_address_streams_the_same_jsonl(repo: GitRepo, cluster: LocalCluster, tmp_path: Path) -> None:
    out_dask, out_local = tmp_path / "dask.jsonl", tmp_path / "local.jsonl"
    env = {"CI": None, "SEMDIFF_DEBUG": None}
    r1 = CliRunner().invoke(cli, ["audit", "--repo", str(repo.root), "--scheduler", cluster.scheduler_address,
                                  "--jsonl", str(out_dask), "-q"], env=env, catch_exceptions=False)
    r2 = CliRunner().invoke(cli, ["audit", "--repo", str(repo.root), "-j", "1", "--jsonl", str(out_local), "-q"],
                            env=env, catch_exceptions=False)
    assert r1.exit_code == r2.exit_code == 1
    assert _stable(list(read_records(str(out_dask)))) == _stable(list(read_records(str(out_local))))
    assert r1.stdout == r2.stdout


def test_unreachable_scheduler_is_an_input_error(repo: GitRepo) -> None:
    tasks = enumerate_commits(str(repo.root))
    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        list(run_on_dask(tasks, "tcp://127.0.0.1:9", timeout=2))
