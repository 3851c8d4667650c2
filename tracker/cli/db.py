"""``tracker db upgrade``: move the database to this version's schema revision.

Commands upgrade a database on start when that is safe (always for a SQLite file; on a shared
server only changes older versions do not notice, see :mod:`tracker.migrations`); this command
applies every pending revision, for the operator of a shared database who has stopped the other
hosts' older processes.
"""

from __future__ import annotations

import argparse

from tracker.cli.common import say


def register(commands, common: argparse.ArgumentParser) -> None:
    db = commands.add_parser("db", parents=[common], help="the database itself: schema upgrades",
                             description="The database itself.")
    actions = db.add_subparsers(dest="action", metavar="ACTION", required=True)
    up = actions.add_parser(
        "upgrade", parents=[common], help="apply every pending schema revision (also those not applied on start)",
        description="Bring the database (--db or TRACKER_DB) to this version's schema revision, in one "
        "transaction; a new database is created. Run it on a shared PostgreSQL database after "
        "stopping older tracker processes on other hosts: a command stops with an error naming "
        "this one when a revision is not safe to apply on start.",
    )
    up.set_defaults(handler=upgrade)


def upgrade(args: argparse.Namespace) -> int:
    from tracker.services.bootstrap import safe_url, upgrade_database

    done = upgrade_database(args.settings.db_url)
    where = safe_url(args.settings.db_url)
    if done.created:
        say(f"{where}: created at schema revision {done.after}")
    elif done.applied:
        say(f"{where}: schema revision {done.before or 'unversioned (first release)'} -> {done.after} "
            f"(applied {', '.join(done.applied)})")
    else:
        say(f"{where}: already at schema revision {done.after}")
    return 0
