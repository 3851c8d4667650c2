"""Storage: the SQLModel tables and the engine they live in.

SQLite (a file in the user data directory) is the embedded default, but nothing here is
SQLite-specific: any SQLAlchemy URL works (``--db`` or ``TRACKER_DB``). Datetime columns take
and return aware UTC datetimes (SQLModel's ``UTCDateTime``): a naive time is refused on the way
in, so no local time can slip into the database.

Every element set ever seen is kept: one row per (catalog number, epoch). Writers change the
database inside a single transaction, so a run killed at any moment leaves it as it was before.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, UniqueConstraint, event, inspect
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel, create_engine


class Satellite(SQLModel, table=True):
    """One catalogued object, with the name and COSPAR id of its newest element set.

    When it was first and last seen is not stored: it is the epoch span of its element sets.
    """

    norad: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    name: str | None = None
    cospar: str | None = None  # 2024-240A
    launch: str | None = Field(default=None, index=True)  # 2024-240


class ElementSetRow(SQLModel, table=True):
    """One element set (SGP4 mean elements) as published; see :class:`tle.elements.ElementSet`."""

    __tablename__ = "element_set"
    __table_args__ = (UniqueConstraint("norad", "epoch"),)

    id: int | None = Field(default=None, primary_key=True)
    norad: int = Field(sa_column=Column(BigInteger, ForeignKey("satellite.norad"), nullable=False))
    epoch: datetime
    mean_motion: float
    eccentricity: float
    inclination_deg: float
    raan_deg: float
    arg_perigee_deg: float
    mean_anomaly_deg: float
    bstar: float
    mean_motion_dot: float
    mean_motion_ddot: float
    element_set_no: int
    rev_at_epoch: int
    classification: str
    ephemeris_type: int
    source: str  # file:line or URL it was read from


class ConstellationRule(SQLModel, table=True):
    """A membership rule: satellites match by name pattern, launch designator or catalog number.

    ``kind`` is ``name`` (a glob such as ``HULIANWANG*``, case-insensitive), ``launch``
    (``2024-240``) or ``norad``. A constellation is the union of its rules.
    """

    __tablename__ = "constellation_rule"
    __table_args__ = (UniqueConstraint("constellation", "kind", "value"),)

    id: int | None = Field(default=None, primary_key=True)
    constellation: str = Field(index=True)
    kind: str
    value: str
    origin: str = "user"  # builtin | user | import | calendar


class FetchStateRow(SQLModel, table=True):
    """What the last requests to one URL returned: the memory behind the politeness rules."""

    __tablename__ = "fetch_state"

    url: str = Field(primary_key=True)
    last_success: datetime | None = None
    last_attempt: datetime | None = None
    last_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None


#: Bound parameters per IN clause: stays under every backend's limit (SQLite's is 32,766).
IN_BATCH = 500


def batches(items: list, size: int = IN_BATCH):
    """``items`` in slices of ``size``, for queries with an IN clause over many values."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Meta(SQLModel, table=True):
    """Facts about the database itself, by key: the bootstrap token (schema and seed versions)."""

    key: str = Field(primary_key=True)
    value: str


def create(url: str) -> Engine:
    """The engine for ``url``, with SQLite's pragmas; nothing is created or read yet (the
    schema and the seeds are :mod:`tracker.services.bootstrap`'s work)."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def create_schema(engine: Engine) -> None:
    """Every table (tables that exist are left alone), and earlier versions' leftovers dropped."""
    import tracker.launches.models  # noqa: F401  (registers the launch tables)
    import tracker.markets.models  # noqa: F401  (registers the market tables)

    SQLModel.metadata.create_all(engine)
    _drop_obsolete_columns(engine)


#: Columns earlier versions stored and this one derives (first and last seen are the epoch span
#: of a satellite's element sets) or dropped (import time). They were NOT NULL, so inserts that
#: leave them out fail until they are gone; nothing is lost by dropping them.
_OBSOLETE = {"satellite": ("first_seen", "last_seen"), "element_set": ("imported_at",)}


def _drop_obsolete_columns(engine: Engine) -> None:
    """Bring a database made by an earlier version up to this schema."""
    held = inspect(engine)
    stale = [(t, c) for t, columns in _OBSOLETE.items() for c in columns
             if c in {col["name"] for col in held.get_columns(t)}]
    if stale:
        with engine.begin() as conn:
            for table, column in stale:
                conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    """WAL lets readers (the TUI) work while a refresh writes; foreign keys are off by default."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
