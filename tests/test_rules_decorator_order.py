"""removed-guard (Python): an auth decorator moved above the route-registering decorator of
its view. Decorators apply bottom-up and `@bp.route(...)` registers the function it receives,
so the framework calls the view without the check. The fix direction, reordered decorators
that register nothing, a decorator that was never below the route, and a view gaining its
first route stay quiet."""
from __future__ import annotations

from semdiff.pipeline import analyze_texts

PATH = "app/views/backups.py"
BEFORE = '''from flask import Blueprint
from .auth import login_optionally_required

bp = Blueprint("backups", __name__)


def construct():
    @bp.route("/download/<string:filename>", methods=["GET"])
    @login_optionally_required
    def download_backup(filename):
        return send_from_directory("/data", filename)

    @bp.route("/", methods=["GET"])
    @bp.route("/create", methods=["GET"])
    @login_optionally_required
    def create():
        return "x"
    return bp
'''
AFTER = BEFORE.replace('''    @bp.route("/download/<string:filename>", methods=["GET"])
    @login_optionally_required''', '''    @login_optionally_required
    @bp.route("/download/<string:filename>", methods=["GET"])''').replace('''    @bp.route("/create", methods=["GET"])
    @login_optionally_required''', '''    @login_optionally_required
    @bp.route("/create", methods=["GET"])''')


def found(before, after):
    report = analyze_texts([(PATH, before, after)])
    return sorted((f.rule_id, f.unit, f.after.line if f.after else None) for f in report.findings)


def test_auth_decorator_moved_above_route():
    assert found(BEFORE, AFTER) == [
        ("removed-guard", "construct.<locals>.create", 14),
        ("removed-guard", "construct.<locals>.download_backup", 8),
    ]


def test_fix_direction_is_quiet():
    assert found(AFTER, BEFORE) == []


def test_reordering_decorators_that_register_nothing_is_quiet():
    before = BEFORE.replace("@login_optionally_required", "@login_optionally_required\n    @cache.cached()")
    after = BEFORE.replace("@login_optionally_required", "@cache.cached()\n    @login_optionally_required")
    assert found(before, after) == []


def test_route_added_to_a_view_that_had_none_is_not_a_move():
    before = BEFORE.replace('    @bp.route("/download/<string:filename>", methods=["GET"])\n', "")
    after = AFTER
    assert [f for f in found(before, after) if f[1].endswith("download_backup")] == []
