"""Which commits of the change were written by an AI assistant or a bot.

Evidence comes from the commit message (trailers such as `Co-authored-by: Claude
<noreply@anthropic.com>` or `Generated-by: ...`, marker lines tools add) and, when the
repository is at hand, from the author and committer identities. Tables live in
grammars/purpose/ai_authors.toml; projects extend them with the `ai_patterns` rule option.
The label is information, not an accusation: it feeds `--ai-policy strict`, which holds
such commits to their stated purpose.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from semdiff.purpose.tables import AuthorTables, author_tables, compile_all

_TRAILER_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)\s*:\s*(.+?)\s*$")
MAX_COMMITS = 2000


@dataclass(frozen=True)
class AiLabel:
    sha: str
    evidence: tuple[str, ...]

    def describe(self) -> str:
        return f"commit {self.sha[:8]} AI/bot-authored: {'; '.join(self.evidence)}"


def _identity_hit(value: str, patterns: Sequence[re.Pattern[str]]) -> Optional[str]:
    for p in patterns:
        if p.search(value):
            return p.pattern
    return None


def label_commit(sha: str, subject: str, body: str, identities: Sequence[str] = (),
                 extra: Sequence[re.Pattern[str]] = (), tables: Optional[AuthorTables] = None) -> Optional[AiLabel]:
    """Label one commit; `identities` are "Name <email>" strings of its author/committer."""
    t = tables or author_tables()
    evidence: list[str] = []
    message = f"{subject}\n\n{body}"[:50_000]
    for line in message.splitlines():
        m = _TRAILER_LINE.match(line.strip())
        if not m:
            continue
        key, value = m.group(1).lower(), m.group(2)
        if key in t.generated_trailers:
            evidence.append(f"trailer `{m.group(1)}: {value}`")
        elif key in t.coauthor_trailers and _identity_hit(value, (*t.identities, *extra)):
            evidence.append(f"trailer `{m.group(1)}: {value}`")
        elif extra and _identity_hit(line.strip(), extra):
            evidence.append(f"line `{line.strip()}` matches a configured pattern")
    for p in t.message_markers:
        mm = p.search(message)
        if mm and not any(mm.group(0).lower() in e.lower() for e in evidence):
            evidence.append(f"message says `{mm.group(0)}`")
    for ident in identities:
        if _identity_hit(ident, (*t.identities, *extra)):
            evidence.append(f"author/committer `{ident}`")
    if not evidence:
        return None
    return AiLabel(sha, tuple(dict.fromkeys(evidence)))


def commit_identities(repo_root: Optional[str], shas: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Author and committer of each commit, read through semdiff's one door to git.

    Best effort: without a repository, or if git fails, there are no identities and the
    label rests on the message alone.
    """
    if not repo_root or not shas:
        return {}
    from semdiff.source.git import run_git

    try:
        proc = run_git(repo_root, ["log", "--no-walk=unsorted", "--no-color", "-z",
                                   "--format=%H%x00%an <%ae>%x00%cn <%ce>", *shas[:MAX_COMMITS], "--"], check=False)
    except Exception:  # an unreadable repository only costs the identities
        return {}
    if proc.returncode != 0:
        return {}
    fields = proc.stdout.decode("utf-8", errors="replace").split("\0")
    out: dict[str, tuple[str, ...]] = {}
    for i in range(0, len(fields) - 2, 3):
        sha = fields[i].strip()
        if sha:
            out[sha] = (fields[i + 1], fields[i + 2])
    return out


def ai_labels(commits: Iterable[object], repo_root: Optional[str] = None,
              extra_patterns: Sequence[str] = ()) -> tuple[AiLabel, ...]:
    commits = list(commits)[:MAX_COMMITS]
    extra = compile_all(extra_patterns, "ai_patterns option")
    # a commit read from git carries its author and committer (semdiff.source.git.log_commits):
    # only commits without them are looked up, so a git range's labels never rest on a second
    # git call that may fail quietly (and a report cached without its labels)
    own = {str(getattr(c, "sha", "")): tuple(i for i in (getattr(c, "author", ""), getattr(c, "committer", "")) if i)
           for c in commits}
    idents = commit_identities(repo_root, [sha for sha, ids in own.items() if sha and not ids])
    out = []
    for c in commits:
        sha = str(getattr(c, "sha", ""))
        label = label_commit(sha, str(getattr(c, "subject", "")), str(getattr(c, "body", "")),
                             own.get(sha) or idents.get(sha, ()), extra)
        if label is not None:
            out.append(label)
    return tuple(out)
