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
from importlib import resources

from sqlalchemy.engine import Engine

from tracker import db
from tracker.errors import DatabaseError
from tracker.settings import sqlite_path

__all__ = ["SCHEMA_VERSION", "open_database"]

#: Raise when a table or column changes (then every database runs :func:`_bootstrap` once).
SCHEMA_VERSION = 3
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
        engine = db.create(db_url)
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
        except Exception as exc:
            from sqlalchemy.exc import SQLAlchemyError

            if not isinstance(exc, SQLAlchemyError):
                raise
            engine.dispose()
            detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise DatabaseError(f"cannot open {_safe(db_url)}: {detail}") from None
    return engine


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
    seed_builtin_rules(engine)
    bundled.seed(engine)
    registry.seed(engine)
    table = db.meta
    with engine.begin() as conn:
        conn.execute(table.delete().where(table.c.key == TOKEN_KEY))
        conn.execute(table.insert().values(key=TOKEN_KEY, value=token))


def _safe(db_url: str) -> str:
    """The URL with any password hidden, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:
        return db_url.split("@")[-1]
