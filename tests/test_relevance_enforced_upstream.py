"""enforced_by_all_callers follows unguarded callers up to their own callers (session 5, H5).

A check hoisted from a helper to the entry points two calls up: `delete_user` loses
`require_admin`, its only caller `_purge` does not check either, but every caller of `_purge`
calls `require_admin` first. Twin: one entry point that calls `_purge` unguarded.
"""
from __future__ import annotations

from tests.test_relevance_graph import AUTH, USERS_BARE, USERS_GUARDED, src, two_revisions

JOBS = src(
    """
    from app.users import delete_user


    def _purge(actor, uid):
        return delete_user(actor, uid)
    """
)
ENTRIES = src(
    """
    from app.auth import require_admin
    from app.jobs import _purge


    def admin_purge(actor, uid):
        require_admin(actor)
        return _purge(actor, uid)


    def bulk_purge(actor, uids):
        require_admin(actor)
        for uid in uids:
            _purge(actor, uid)
    """
)
UNGUARDED_ENTRY = src(
    """


    def self_purge(actor):
        return _purge(actor, actor.id)
    """
)


def _rel(tmp_path, entries: str):
    common = {"app/__init__.py": "", "app/auth.py": AUTH, "app/jobs.py": JOBS}
    return two_revisions(
        tmp_path,
        {**common, "app/users.py": USERS_GUARDED, "app/entries.py": entries.replace("require_admin(actor)", "print(actor)")},
        {**common, "app/users.py": USERS_BARE, "app/entries.py": entries},
    )


def test_check_hoisted_two_calls_up_is_enforced(tmp_path):
    rel = _rel(tmp_path, ENTRIES)
    assert rel.callers("app/users.py", "delete_user", "after") == ("app.jobs._purge",)
    assert rel.enforced_by_all_callers("app/users.py", "delete_user", {"require_admin"}, "after") is True
    # one level of callers only: `_purge` itself does not check
    assert rel.enforced_by_all_callers("app/users.py", "delete_user", {"require_admin"}, "after", max_hops=1) is False


def test_twin_one_unguarded_entry_point_is_not_enforced(tmp_path):
    rel = _rel(tmp_path, ENTRIES + UNGUARDED_ENTRY)
    assert rel.enforced_by_all_callers("app/users.py", "delete_user", {"require_admin"}, "after") is False
