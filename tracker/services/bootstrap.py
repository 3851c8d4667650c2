"""Opening a database: the schema and the bundled data, checked with one lookup.

This is the only place that creates tables (through :mod:`tracker.migrations`: the schema is
versioned) and seeds domain data (the built-in constellation rules, the bundled launch calendar,
the securities watchlist and its theme rules). What it last did is kept as a token in the
``meta`` table: the schema revision and a digest of everything seeded. While the token matches,
which is nearly always, opening costs one query and writes nothing (a read-only database opens
fine). When a new version ships a new schema, calendar or
watchlist, the next command brings the database up to date, once.
"""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import Engine

from tracker import db
from tracker.errors import DatabaseError
from tracker.settings import sqlite_path

__all__ = ["open_database", "upgrade_database"]

TOKEN_KEY = "bootstrap"


def open_database(db_url: str) -> Engine:
    """The engine of the database at ``db_url``, created and seeded if needed.

    Raises :class:`~tracker.errors.DatabaseError` (one line naming the URL) when the database
    cannot be opened: a missing driver, a directory that cannot be made, a server that refuses.
    """
    engine = open_database_engine(db_url)
    token = _token()
    if _stored_token(engine) != token:
        _bootstrap(engine, db_url, token, on_start=True)
    _explain_errors(engine, db_url)
    return engine


def open_database_engine(db_url: str) -> Engine:
    """The engine of ``db_url``, nothing read yet (a read-only SQLite file opened read-only)."""
    path = sqlite_path(db_url)
    try:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        return db.create(_read_only_url(path) or db_url)
    except OSError as exc:
        raise DatabaseError(f"cannot create the directory of {db_url}: {exc.strerror}") from None
    except ModuleNotFoundError as exc:
        extra = ""
        if exc.name == "psycopg":
            extra = " (pip install 'china-space-tracker[postgres]'; from a checkout: pip install -e '.[postgres]')"
        elif db_url.startswith("postgres"):
            extra = " (use postgresql+psycopg://..., the driver of the [postgres] extra)"
        raise DatabaseError(f"cannot open {safe_url(db_url)}: its driver {exc.name!r} is not installed{extra}") from None
    except Exception as exc:  # sqlalchemy.exc.ArgumentError: a URL SQLAlchemy cannot parse
        raise DatabaseError(f"cannot open {safe_url(db_url)}: {exc}") from None


def upgrade_database(db_url: str):
    """``tracker db upgrade``: bring the database at ``db_url`` to the newest schema revision,
    changes older versions would notice included, and seed what is new; a
    :class:`tracker.migrations.Upgrade` says what was done."""
    engine = open_database_engine(db_url)
    try:
        return _bootstrap(engine, db_url, _token(), on_start=False)
    finally:
        engine.dispose()


def _read_only_url(path: Path | None) -> str | None:
    """A read-only SQLite URL for a database file this process may not write, else None.

    SQLite opening such a file read-write fails at the first write, and in WAL mode even a reader
    needs to create the ``-wal``/``-shm`` files beside it. ``mode=ro`` reads a read-only file in
    a writable directory; in a directory we may not write either, ``immutable=1`` reads the file
    without any lock or side file (nothing can change it while we read: nobody here may write).
    """
    if path is None or not path.is_file() or os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
        return None
    mode = "mode=ro" if os.access(path.parent, os.W_OK) else "immutable=1"
    return f"sqlite:///file:{quote(str(path))}?{mode}&uri=true"


def _explain_errors(engine: Engine, db_url: str) -> None:
    """Turn the database failing under a command (read-only, corrupt, full disk, locked, a table
    that is not ours) into a one-line :class:`~tracker.errors.DatabaseError` naming the database.
    Constraint violations (IntegrityError) stay as they are: services handle those."""
    from sqlalchemy import event
    from sqlalchemy.exc import DBAPIError, IntegrityError

    def handle(context) -> DatabaseError | None:
        error = context.sqlalchemy_exception
        if not isinstance(error, DBAPIError) or isinstance(error, IntegrityError):
            return None  # our own bugs (a naive datetime refused on the way in) stay loud
        detail = str(getattr(error, "orig", None) or error).splitlines()[0]
        return DatabaseError(f"database {safe_url(db_url)}: {detail}")

    event.listen(engine, "handle_error", handle)


def _token() -> str:
    """The schema revision and a digest of every seed this version ships."""
    from tracker.constellations import BUILTIN_RULES
    from tracker.migrations import HEAD

    digest = hashlib.sha256(repr(sorted(BUILTIN_RULES.items())).encode())
    for package, name in (("tracker.launches", "calendar.json"), ("tracker.markets", "watchlist.json")):
        digest.update(resources.files(package).joinpath(name).read_bytes())
    return f"{HEAD}:{digest.hexdigest()[:32]}"


def _stored_token(engine: Engine) -> str | None:
    """The token of the last bootstrap; None when there is none (or no table yet, or no file)."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    table = db.meta
    try:
        with engine.connect() as conn:
            return conn.execute(select(table.c.value).where(table.c.key == TOKEN_KEY)).scalar()
    except SQLAlchemyError:
        return None


def _bootstrap(engine: Engine, db_url: str, token: str, *, on_start: bool):
    """Migrate, seed what is new, then remember the token; the :class:`~tracker.migrations.Upgrade`.
    A failure disposes of the engine and is one :class:`DatabaseError` line naming the database."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return _migrate_and_seed(engine, token, on_start=on_start)
    except DatabaseError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise DatabaseError(f"cannot open {safe_url(db_url)}: {detail}") from None


def _migrate_and_seed(engine: Engine, token: str, *, on_start: bool):
    import tracker.launches.models  # noqa: F401  (puts the launch tables on db.metadata)
    import tracker.markets.models  # noqa: F401  (puts the market tables on db.metadata)
    from tracker import migrations
    from tracker.constellations import seed_builtin_rules
    from tracker.launches import bundled
    from tracker.markets import registry

    done = migrations.upgrade(engine, on_start=on_start, check=_check_schema)
    seed_builtin_rules(engine)
    bundled.seed(engine)
    registry.seed(engine)
    table = db.meta
    with engine.begin() as conn:
        conn.execute(table.delete().where(table.c.key == TOKEN_KEY))
        conn.execute(table.insert().values(key=TOKEN_KEY, value=token))
    return done


def _check_schema(conn) -> None:
    """Refuse a database whose tables of our names lack our columns (another program's file).
    Run inside the migration's transaction, so that such a file is left exactly as it was."""
    from sqlalchemy import inspect

    held = inspect(conn)
    for table in db.metadata.sorted_tables:
        have = {c["name"] for c in held.get_columns(table.name)}
        missing = [c.name for c in table.columns if c.name not in have]
        if missing:
            raise DatabaseError(
                f"{safe_url(conn.engine.url.render_as_string(hide_password=False))}: table {table.name} lacks "
                f"column(s) {', '.join(missing)}: not a china-space-tracker database (give another --db)")


def safe_url(db_url: str) -> str:
    """The URL with any password hidden, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:
        return db_url.split("@")[-1]
