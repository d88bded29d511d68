"""History audit: every commit of a range analysed against its parent, as a stream of records.

The audit never analyses anything itself: each commit is one call of `semdiff.analyze` with the
commit's own message as its stated purpose. This package only enumerates commits
(`commits`), turns one commit into one JSON-ready record (`task`), runs the tasks on a local
process pool or an existing Dask cluster (`runners`, `dask_runner`), streams records to a
JSON Lines file that a later run can resume (`jsonl`), and ranks the flagged commits
(`summary`).
"""
from semdiff.audit.commits import CommitTask, enumerate_commits
from semdiff.audit.run import AuditOptions, run_audit
from semdiff.audit.task import analyse_commit

__all__ = ["AuditOptions", "CommitTask", "analyse_commit", "enumerate_commits", "run_audit"]
