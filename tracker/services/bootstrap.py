"""Opening a database: the schema and the bundled data, checked with one lookup.

This is the only place that creates tables and seeds domain data (the built-in constellation
rules, the bundled launch calendar, the securities watchlist and its theme rules). What it last
did is kept as a token in the ``meta`` table: the schema version and a digest of everything
seeded. While the token matches, which is nearly always, opening costs one query and writes
nothing (a read-only database opens fine). When a new version ships a new schema, calendar or
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

__all__ = ["SCHEMA_VERSION", "open_database"]

#: Raise when a table or column changes (then every database runs :func:`_bootstrap` once).
SCHEMA_VERSION = 4
TOKEN_KEY = "bootstrap"


def open_database(db_url: str) -> Engine:
    """The engine of the database at ``db_url``, created and seeded if needed.

    Raises :class:`~tracker.errors.DatabaseError` (one line naming the URL) when the database
    cannot be opened: a missing driver, a directory that cannot be made, a server that refuses.
    """
    path = sqlite_path(db_url)
    try:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = db.create(_read_only_url(path) or db_url)
    except OSError as exc:
        raise DatabaseError(f"cannot create the directory of {db_url}: {exc.strerror}") from None
    except ModuleNotFoundError as exc:
        raise DatabaseError(f"cannot open {_safe(db_url)}: its driver {exc.name!r} is not installed") from None
    except Exception as exc:  # sqlalchemy.exc.ArgumentError: a URL SQLAlchemy cannot parse
        raise DatabaseError(f"cannot open {_safe(db_url)}: {exc}") from None
    token = _token()
    if _stored_token(engine) != token:
        try:
            _bootstrap(engine, token)
        except DatabaseError:
            engine.dispose()
            raise
        except Exception as exc:
            from sqlalchemy.exc import SQLAlchemyError

            if not isinstance(exc, SQLAlchemyError):
                raise
            engine.dispose()
            detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise DatabaseError(f"cannot open {_safe(db_url)}: {detail}") from None
    _explain_errors(engine, db_url)
    return engine


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
        return DatabaseError(f"database {_safe(db_url)}: {detail}")

    event.listen(engine, "handle_error", handle)


def _token() -> str:
    """The schema version and a digest of every seed this version ships."""
    from tracker.constellations import BUILTIN_RULES

    digest = hashlib.sha256(repr(sorted(BUILTIN_RULES.items())).encode())
    for package, name in (("tracker.launches", "calendar.json"), ("tracker.markets", "watchlist.json")):
        digest.update(resources.files(package).joinpath(name).read_bytes())
    return f"{SCHEMA_VERSION}:{digest.hexdigest()[:32]}"


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


def _bootstrap(engine: Engine, token: str) -> None:
    """Create what is missing, seed what is new, then remember the token."""
    import tracker.launches.models  # noqa: F401  (puts the launch tables on db.metadata)
    import tracker.markets.models  # noqa: F401  (puts the market tables on db.metadata)
    from tracker.constellations import seed_builtin_rules
    from tracker.launches import bundled
    from tracker.markets import registry

    db.create_schema(engine)
    _check_schema(engine)
    seed_builtin_rules(engine)
    bundled.seed(engine)
    registry.seed(engine)
    table = db.meta
    with engine.begin() as conn:
        conn.execute(table.delete().where(table.c.key == TOKEN_KEY))
        conn.execute(table.insert().values(key=TOKEN_KEY, value=token))


def _check_schema(engine: Engine) -> None:
    """Refuse a database whose tables of our names lack our columns (another program's file):
    create_all leaves existing tables alone, so without this the first query would fail."""
    from sqlalchemy import inspect

    held = inspect(engine)
    for table in db.metadata.sorted_tables:
        have = {c["name"] for c in held.get_columns(table.name)}
        missing = [c.name for c in table.columns if c.name not in have]
        if missing:
            raise DatabaseError(
                f"{_safe(str(engine.url))}: table {table.name} lacks column(s) {', '.join(missing)}: "
                "not a china-space-tracker database (give another --db)")


def _safe(db_url: str) -> str:
    """The URL with any password hidden, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:
        return db_url.split("@")[-1]
