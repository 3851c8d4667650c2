"""Versions of the schema: Alembic migrations, applied on start or by ``tracker db upgrade``.

Each revision in ``versions/`` says whether it only adds (``additive``: tables, nullable
columns, indexes), which older versions of the program running on the same database do not
notice. The rules:

- A new database gets every table at once and is stamped with :data:`HEAD`.
- A database made before revisions were kept (our tables, no ``alembic_version``) is stamped
  ``0002`` when it has the last unversioned release's schema, else ``0001``, the first release's,
  and upgraded from there (revision ``0002`` accepts every schema the unversioned releases made).
- On start, a SQLite file (one user's) is upgraded whatever the change; a server database
  (shared by hosts that may run older versions) only when every pending revision is additive,
  else the command stops and names ``tracker db upgrade``.
- A database at a revision this version does not know (made by a newer one) is refused.

Everything happens in one transaction: an upgrade interrupted at any point leaves the database
at its old revision (SQLite and PostgreSQL both run DDL transactionally).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tracker.errors import DatabaseError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

__all__ = ["HEAD", "FIRST", "Upgrade", "upgrade", "current_revision"]

#: The newest revision (a test holds it equal to Alembic's head); part of the bootstrap token, so
#: that a database at another revision is looked at again.
HEAD = "0004"
#: The first release's schema, and the last release before revisions were kept: a database made
#: then has no revision and is given one of these by :func:`_unversioned_revision`.
FIRST, LAST_UNVERSIONED = "0001", "0002"
#: Tables of the first release and some of their columns: a database without a revision that
#: holds one of them without these columns, or lacks ``satellite`` or ``element_set`` (which even
#: the first version made), is another program's.
_FIRST_TABLES = {
    "satellite": {"norad", "name", "cospar", "launch"}, "element_set": {"id", "norad", "epoch", "mean_motion"},
    "constellation_rule": {"id", "constellation", "kind", "value"}, "fetch_state": {"url", "last_success"},
}
#: What the last unversioned release's database holds (and no ``satellite.first_seen``).
_LAST_UNVERSIONED_TABLES = {
    "satellite", "element_set", "constellation_rule", "fetch_state", "meta", "launch", "launch_history",
    "launch_state", "ll2_request", "security", "theme_rule", "price_chunk",
}


@dataclass
class Upgrade:
    """What :func:`upgrade` did: the revision before (None for a new or unversioned database),
    after, and the revisions applied in order."""

    before: str | None
    after: str
    applied: list[str] = field(default_factory=list)
    created: bool = False  # a new database: every table made at once


def _config(conn: Connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "tracker:migrations")
    config.attributes["connection"] = conn
    return config


def current_revision(conn: Connection) -> str | None:
    """The database's revision; None when it has none (new, or made before revisions were kept)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _unversioned_revision(conn: Connection) -> str:
    """The revision of a database made before revisions were kept, read off its tables; a
    :class:`DatabaseError` when they are not ours (another program's file with a table of our names)."""
    from sqlalchemy import inspect

    held = inspect(conn)
    tables = set(held.get_table_names())
    ours = {name: {c["name"] for c in held.get_columns(name)} for name in _FIRST_TABLES if name in tables}
    bad = sorted(name for name, columns in _FIRST_TABLES.items()
                 if (name in ours or name in ("satellite", "element_set")) and not columns <= ours.get(name, set()))
    if bad:
        raise DatabaseError(f"{conn.engine.url.render_as_string(hide_password=True)}: table(s) {', '.join(bad)} missing or "
                            "not as china-space-tracker makes them: not a china-space-tracker database (give another --db)")
    if _LAST_UNVERSIONED_TABLES <= tables and "first_seen" not in {c["name"] for c in held.get_columns("satellite")}:
        return LAST_UNVERSIONED
    return FIRST


def upgrade(engine: Engine, *, on_start: bool = False, check: Callable[[Connection], None] | None = None) -> Upgrade:
    """Bring the database to :data:`HEAD` in one transaction (see the module's rules).

    ``on_start``: the automatic upgrade of a command's start, which on a server database applies
    additive revisions only. ``check`` looks at the result before it is committed (and may raise
    to leave the database as it was). Raises :class:`~tracker.errors.DatabaseError` for a revision this
    version does not know, and on start for a change that needs ``tracker db upgrade``.
    """
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    from tracker.db import metadata

    with engine.begin() as conn:
        config = _config(conn)
        before = current_revision(conn)
        if before is None:
            if not set(inspect(conn).get_table_names()) & set(metadata.tables):
                metadata.create_all(conn)
                command.stamp(config, HEAD)
                return Upgrade(None, HEAD, created=True)  # made from the tables themselves: nothing to check
            start = _unversioned_revision(conn)
            command.stamp(config, start)
        else:
            start = before
        script = ScriptDirectory.from_config(config)
        if start not in {s.revision for s in script.walk_revisions()}:
            raise DatabaseError(
                f"the database's schema is at revision {start}, which this version does not know "
                f"(it knows up to {HEAD}): a newer china-space-tracker made it; upgrade this one")
        pending = list(reversed(list(script.iterate_revisions(HEAD, start))))
        risky = [s.revision for s in pending if not getattr(s.module, "additive", False)]
        if on_start and risky and engine.dialect.name != "sqlite":
            raise DatabaseError(
                f"the database's schema is at revision {start} and this version needs {HEAD}; revision "
                f"{risky[0]} changes what older versions read, so it is not applied on start on a shared "
                "database: stop the other hosts' tracker processes and run `tracker db upgrade`")
        if pending:
            command.upgrade(config, HEAD)
        if check is not None:
            check(conn)
        return Upgrade(before, HEAD, [s.revision for s in pending])
