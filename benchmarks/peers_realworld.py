"""Peers on the open real-world corpus: recall on `weakens` rows, false alarms on `benign` rows.

The same rows as ../shared/tools/score-realworld uses for semdiff, replayed in a throw-away
`git clone --shared` of the mirror. Positives are fixes applied in reverse (HEAD is BASE's
parent), and both diff-aware peers compare a *baseline commit* with the merge base of the
checkout (diffguard scans `merge-base..HEAD`; semgrep's --baseline-commit wants an ancestor), so
a reversed range looks empty to them. The replay therefore checks out a commit made with
`git commit-tree HEAD^{tree} -p BASE`: the tree of HEAD on top of BASE, i.e. exactly the change
`git diff BASE HEAD` (for a forward benign row it is the commit itself, re-parented on its own
parent). Each peer is then run the way it is meant to be run on a change:

- diffguard-scan: `diffguard scan --base BASE --head HEAD --format json --fail-on never`
  (it scans only what the change adds or removes); flagged when it reports a finding of
  medium severity or above (its risk score alone does not count).
- bandit (Python only): baseline mode. The changed .py files are scanned at BASE (their base
  blobs written under the same relative paths) to make a baseline, then at HEAD with
  `-b baseline.json`; flagged when a new issue of medium or high severity remains.
  Rows in other languages count as not flagged (bandit cannot read them).
- semgrep: `semgrep scan --config benchmarks/peers/semgrep-rules.yml --metrics=off
  --baseline-commit BASE --json` (local rules only); flagged when a new result of severity
  WARNING (medium) or ERROR (high) is reported.

    python benchmarks/peers_realworld.py [--peers diffguard,bandit,semgrep] [--limit N] [-v]

Peer executables come from $PEERS_BIN (default: the directory of this Python, then
/work/peers-venv/bin). Never run by the test suite.
"""
from __future__ import annotations

import argparse
import collections
import csv
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional

HERE = Path(__file__).resolve().parent
RULES = HERE / "peers" / "semgrep-rules.yml"
TSV = Path("/work/shared/corpus/realworld-open.tsv")
MIRRORS = Path(os.environ.get("SEMDIFF_MIRROR_ROOT", "/work/.mirror"))
TIMEOUT_S = 300
GIT_ENV = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
GIT_ENV.update(GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0", GIT_AUTHOR_NAME="replay", GIT_AUTHOR_EMAIL="replay@invalid",
               GIT_COMMITTER_NAME="replay", GIT_COMMITTER_EMAIL="replay@invalid", GIT_CONFIG_GLOBAL=os.devnull)


def tool(name: str) -> str:
    dirs = [os.environ.get("PEERS_BIN", ""), str(Path(sys.executable).parent), "/work/peers-venv/bin", "/work/venv/bin"]
    for d in dirs:
        if d and (Path(d) / name).exists():
            return str(Path(d) / name)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"peers_realworld: {name} not found (set PEERS_BIN)")
    return found


def git(wt: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", wt, *args], capture_output=True, env=GIT_ENV, check=check)


def git_dir_for(repo: str) -> Optional[Path]:
    base = MIRRORS / repo.replace("/", "+")
    for cand in (base / "repo" / ".git", base / "repo", base / ".git", base):
        if (cand / "objects").is_dir() and (cand / "HEAD").exists():
            return cand
    return None


# -- peers: each returns (flagged, detail) ---------------------------------------------------

def run_diffguard(wt: str, base: str, head: str) -> tuple[bool, str]:
    p = subprocess.run([tool("diffguard"), "scan", "--base", base, "--head", head, "--repo", wt, "--format", "json",
                        "--fail-on", "never", "--no-color"], capture_output=True, text=True, timeout=TIMEOUT_S, cwd=wt)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        return False, f"error rc={p.returncode}: {p.stderr.strip()[:200]}"
    new = [f for f in doc.get("findings", []) if f.get("severity") in ("medium", "high", "critical")]
    return bool(new), ", ".join(sorted({str(f.get("rule_id")) for f in new}))


def _changed_py(wt: str, base: str, head: str) -> list[str]:
    out = git(wt, "diff", "--name-only", "-z", "--diff-filter=AMR", base, head, "--").stdout.decode()
    return [p for p in out.split("\0") if p.endswith(".py")]


def _bandit_json(cwd: str, files: list[str], baseline: Optional[str]) -> dict:
    cmd = [tool("bandit"), "-f", "json", "-q", *(["-b", baseline] if baseline else []), *files]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=cwd)
    try:
        return json.loads(p.stdout or "{}")
    except ValueError:
        return {"errors": [p.stderr.strip()[:200]], "results": []}


def run_bandit(wt: str, base: str, head: str) -> tuple[bool, str]:
    files = [f for f in _changed_py(wt, base, head) if os.path.isfile(os.path.join(wt, f))]
    if not files:
        return False, "no changed python files"
    tmp = tempfile.mkdtemp(prefix="bandit-base-")
    try:
        existing = [f for f in files if git(wt, "cat-file", "-e", f"{base}:{f}", check=False).returncode == 0]
        if existing:
            tar = git(wt, "archive", "--format=tar", base, "--", *existing).stdout
            tarfile.open(fileobj=io.BytesIO(tar)).extractall(tmp, filter="data")
        baseline = os.path.join(tmp, "baseline.json")
        with open(baseline, "w") as fh:
            json.dump(_bandit_json(tmp, existing, None) if existing else {"results": []}, fh)
        doc = _bandit_json(wt, files, baseline)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    new = [r for r in doc.get("results", []) if r.get("issue_severity") in ("MEDIUM", "HIGH")]
    return bool(new), ", ".join(sorted({r.get("test_id", "?") for r in new}))


def run_semgrep(wt: str, base: str, head: str) -> tuple[bool, str]:
    p = subprocess.run([tool("semgrep"), "scan", "--config", str(RULES), "--metrics=off", "--disable-version-check",
                        "--baseline-commit", base, "--json", "-q"], capture_output=True, text=True, timeout=TIMEOUT_S, cwd=wt)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        return False, f"error rc={p.returncode}: {p.stderr.strip()[:200]}"
    new = [r for r in doc.get("results", []) if r.get("extra", {}).get("severity") in ("WARNING", "ERROR")]
    return bool(new), ", ".join(sorted({r["check_id"].rsplit(".", 1)[-1] for r in new}))


PEERS: dict[str, Callable[[str, str, str], tuple[bool, str]]] = {
    "diffguard": run_diffguard, "bandit": run_bandit, "semgrep": run_semgrep,
}


def load_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE) if r.get("repo") and not r["repo"].startswith("#")]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tsv", type=Path, default=TSV)
    ap.add_argument("--peers", default="diffguard,bandit,semgrep")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--jsonl", type=Path, help="also write one JSON line per row and peer")
    ap.add_argument("--shard", default="0/1", help="K/N: only rows whose index mod N is K (run shards in parallel)")
    ap.add_argument("--summarise", nargs="+", type=Path, metavar="JSONL", help="only print the summary of saved --jsonl files")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    peers = [p for p in args.peers.split(",") if p]
    all_rows = load_rows(args.tsv)
    results: dict[str, list[tuple[dict, bool, float, str]]] = {p: [] for p in peers}
    if args.summarise:
        tables: dict[str, list[dict[str, str]]] = {}
        for path in args.summarise:
            for line in open(path, encoding="utf-8"):
                r = json.loads(line)
                # a line's row number indexes the TSV it was run on (per-language files differ);
                # lines written before "tsv" was recorded index --tsv
                tsv = r.get("tsv", str(args.tsv))
                rows_of = tables.get(tsv) or tables.setdefault(tsv, load_rows(Path(tsv)))
                if r["peer"] in results:
                    results[r["peer"]].append((rows_of[r["row"] - 1], r["flagged"], r["seconds"], r["detail"]))
        summarise(peers, results, 0)
        return 0
    k, n = (int(x) for x in args.shard.split("/"))
    rows = [(i, r) for i, r in enumerate(all_rows, 1) if (i - 1) % n == k][: args.limit or None]
    skipped = 0
    out = open(args.jsonl, "w") if args.jsonl else None
    for i, row in rows:
        gd = git_dir_for(row["repo"])
        tag = f"[{i}/{len(all_rows)}] {row['repo']} {row['base'][:10]}..{row['head'][:10]} {row['expected']}"
        if gd is None:
            skipped += 1
            print(f"{tag}: SKIP (no mirror)")
            continue
        tmp = tempfile.mkdtemp(prefix="peers-rw-")
        wt = os.path.join(tmp, "wt")
        try:
            subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", str(gd), wt], check=True, capture_output=True, env=GIT_ENV)
            replay = git(wt, "commit-tree", f"{row['head']}^{{tree}}", "-p", row["base"], "-m", "replay").stdout.decode().strip()
            git(wt, "checkout", "-q", "--detach", replay)
            for peer in peers:
                t0 = time.monotonic()
                try:
                    flagged, detail = PEERS[peer](wt, row["base"], replay)
                except subprocess.TimeoutExpired:
                    flagged, detail = False, "timeout"
                secs = time.monotonic() - t0
                results[peer].append((row, flagged, secs, detail))
                if out:
                    out.write(json.dumps({"row": i, "tsv": str(args.tsv.resolve()), "repo": row["repo"], "expected": row["expected"], "peer": peer,
                                          "flagged": flagged, "seconds": round(secs, 2), "detail": detail}) + "\n")
                    out.flush()
                if args.verbose:
                    print(f"{tag} {peer}: {'FLAG' if flagged else 'pass'} {secs:.1f}s {detail}", flush=True)
        except subprocess.CalledProcessError as exc:
            skipped += 1
            print(f"{tag}: SKIP (git failed: {exc.stderr.decode(errors='replace').strip()[:200]})")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    summarise(peers, results, skipped)
    return 0


def summarise(peers: list[str], results: dict[str, list[tuple[dict, bool, float, str]]], skipped: int) -> None:
    print()
    for peer in peers:
        res = results[peer]
        pos = [r for r in res if r[0]["expected"] == "weakens"]
        neg = [r for r in res if r[0]["expected"] != "weakens"]
        hard = [r for r in neg if r[0]["category"].startswith("hard-")]
        hit, fa, hfa = (sum(1 for r in group if r[1]) for group in (pos, neg, hard))
        by_lang = collections.Counter(r[0]["language"] for r in pos if r[1])
        med = statistics.median([r[2] for r in res]) if res else 0.0
        print(f"{peer}: recall {hit}/{len(pos)} ({100 * hit / max(len(pos), 1):.0f}%), false alarms {fa}/{len(neg)}"
              f" ({100 * fa / max(len(neg), 1):.0f}%; hard {hfa}/{len(hard)}), median {med:.1f}s/row,"
              f" hits by language {dict(by_lang)}")
    if skipped:
        print(f"skipped rows: {skipped}")


if __name__ == "__main__":
    sys.exit(main())
