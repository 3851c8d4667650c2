"""Storage: the tables (SQLAlchemy Core, on one :data:`metadata`) and the engine they live in.

SQLite (a file in the user data directory) is the embedded default, but nothing here is
SQLite-specific: any SQLAlchemy URL works (``--db`` or ``TRACKER_DB``). Datetime columns take
and return aware UTC datetimes (:class:`UTCDateTime`): a naive time is refused on the way in, so
no local time can slip into the database.

Every element set ever seen is kept: one row per (catalog number, epoch). Writers change the
database inside a single transaction, so a run killed at any moment leaves it as it was before.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Interval,
    MetaData,
    String,
    Table,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.types import TypeEngine

#: Every table of the application (this module's, :mod:`tracker.launches.models`' and
#: :mod:`tracker.markets.models`'), on one MetaData.
metadata = MetaData()

#: Text of any length (VARCHAR); MySQL and MariaDB need a length, so they get 255, as before.
Varchar = String().with_variant(String(255), "mysql", "mariadb")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out.

    A naive value is refused on the way in; values are stored in UTC (SQLite keeps them as
    ``YYYY-MM-DD HH:MM:SS.ffffff`` text, which sorts and compares as time does) and come back
    with ``tzinfo=UTC``. This is the type the tables were declared with before they were SQLAlchemy
    Core tables, so every database written since keeps its format.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def coerce_compared_value(self, op: Any, value: Any) -> TypeEngine[Any]:
        return Interval() if isinstance(value, timedelta) else self

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: every time stored must be aware (UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:  # databases without time zones hold UTC without an offset
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: One catalogued object, with the name and COSPAR id of its newest element set and the epoch
#: span of its element sets (the oldest and the newest epoch held). The span is kept by every
#: import, in its transaction, so that the newest set of each satellite is one lookup by
#: (epoch, norad): ``element_set`` has no index by satellite (see there). Null while it has none.
satellite = Table(
    "satellite", metadata,
    Column("norad", BigInteger, primary_key=True, autoincrement=False),
    Column("name", Varchar),
    Column("cospar", Varchar),  # 2024-240A
    Column("launch", Varchar, index=True),  # 2024-240
    Column("first_epoch", UTCDateTime),
    Column("last_epoch", UTCDateTime),
)

#: One element set (SGP4 mean elements) as published; see :class:`tle.elements.ElementSet`.
#:
#: Its one index besides the row id's is the unique key, epoch first. A refresh adds one set per satellite, all of them
#: recent: keyed by time, they go to the end of the index, and an import writes about as many
#: index pages as it adds sets. Keyed by satellite first, every import touched nearly every leaf
#: of an index as long as the history (at two million sets, 16,000 pages written and synced for a
#: 16,000-set import: 1.5 times the cost of the same import into an empty database). Reads of one
#: satellite's history scan the table instead; its newest set is found through ``satellite``.
element_set = Table(
    "element_set", metadata,
    Column("id", Integer, primary_key=True),
    Column("norad", BigInteger, ForeignKey("satellite.norad"), nullable=False),
    Column("epoch", UTCDateTime, nullable=False),
    Column("mean_motion", Float, nullable=False),
    Column("eccentricity", Float, nullable=False),
    Column("inclination_deg", Float, nullable=False),
    Column("raan_deg", Float, nullable=False),
    Column("arg_perigee_deg", Float, nullable=False),
    Column("mean_anomaly_deg", Float, nullable=False),
    Column("bstar", Float, nullable=False),
    Column("mean_motion_dot", Float, nullable=False),
    Column("mean_motion_ddot", Float, nullable=False),
    Column("element_set_no", Integer, nullable=False),
    Column("rev_at_epoch", Integer, nullable=False),
    Column("classification", Varchar, nullable=False),
    Column("ephemeris_type", Integer, nullable=False),
    Column("source", Varchar, nullable=False),  # file:line or URL it was read from
    UniqueConstraint("epoch", "norad"),
)

#: A membership rule: satellites match by name pattern, launch designator or catalog number.
#: ``kind`` is ``name`` (a glob such as ``HULIANWANG*``, case-insensitive), ``launch``
#: (``2024-240``) or ``norad``. A constellation is the union of its rules.
constellation_rule = Table(
    "constellation_rule", metadata,
    Column("id", Integer, primary_key=True),
    Column("constellation", Varchar, nullable=False, index=True),
    Column("kind", Varchar, nullable=False),
    Column("value", Varchar, nullable=False),
    Column("origin", Varchar, nullable=False, default="user"),  # builtin | user | import | calendar
    UniqueConstraint("constellation", "kind", "value"),
)

#: What the last requests to one URL returned: the memory behind the politeness rules.
fetch_state = Table(
    "fetch_state", metadata,
    Column("url", Varchar, primary_key=True),
    Column("last_success", UTCDateTime),
    Column("last_attempt", UTCDateTime),
    Column("last_status", Integer),
    Column("etag", Varchar),
    Column("last_modified", Varchar),
)

#: A place passes are computed for (``tracker observers``), by WGS84 geodetic coordinates. Only
#: the places a person added are rows: the bundled ones are :data:`tracker.observers.BUNDLED`.
#: The default observer's name is the ``meta`` row ``default_observer``.
observer = Table(
    "observer", metadata,
    Column("name", Varchar, primary_key=True),  # unique regardless of case (checked on add)
    Column("lat_deg", Float, nullable=False),
    Column("lon_deg", Float, nullable=False),
    Column("alt_m", Float, nullable=False),
)

#: Facts about the database itself, by key: the bootstrap token (schema and seed versions).
meta = Table(
    "meta", metadata,
    Column("key", Varchar, primary_key=True),
    Column("value", Varchar, nullable=False),
)


#: Bound parameters per IN clause: stays under every backend's limit (SQLite's is 32,766).
IN_BATCH = 500


def batches(items: list, size: int = IN_BATCH):
    """``items`` in slices of ``size``, for queries with an IN clause over many values."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


#: Per backend, how long to wait (seconds): for another writer, or for a server that does not
#: answer (an unreachable host is an error within a command's patience, not a hang). PostgreSQL
#: sessions are in UTC, so that times read as text are UTC whatever the server's own zone.
_ENGINE_OPTIONS: dict[str, dict[str, Any]] = {
    # A writer waits up to 30 s for another writer's transaction (readers never wait: WAL).
    "sqlite": {"connect_args": {"timeout": 30}},
    "postgresql": {"connect_args": {"connect_timeout": 10, "options": "-c TimeZone=UTC", "application_name": "tracker"}},
}


def create(url: str) -> Engine:
    """The engine for ``url``, with SQLite's pragmas; nothing is created or read yet (the
    schema and the seeds are :mod:`tracker.services.bootstrap`'s work)."""
    engine = create_engine(url, **_ENGINE_OPTIONS.get(url.split(":", 1)[0].split("+")[0], {}))
    if engine.dialect.name == "sqlite":
        read_only = "mode=ro" in url or "immutable=1" in url
        event.listen(engine, "connect", _sqlite_read_only_pragmas if read_only else _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_begin(conn) -> None:
    """Every transaction starts with SQLite's own ``BEGIN``: Python's driver left to itself begins
    one only before INSERT/UPDATE/DELETE, so a schema change (CREATE, ALTER) would be committed
    as it runs, and a migration refused halfway would leave part of itself behind.

    A transaction of :func:`writing` begins ``IMMEDIATE``: it waits for the write lock before it
    reads. One that read first and then found another writer's commit could not write at all
    (SQLite refuses a write from a stale snapshot: "database is locked")."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITING) else "BEGIN")


_WRITING = "tracker_writing"


def writing(engine: Engine) -> Engine:
    """``engine`` for transactions that read what they then write (an import reads the satellites
    it updates): on SQLite they take the write lock first (see :func:`_sqlite_begin`); on
    PostgreSQL the caller takes a lock of its own (:func:`tracker.lock.store_lock`)."""
    return engine.execution_options(**{_WRITING: True})


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    """WAL lets readers (the TUI) work while a refresh writes; foreign keys are off by default."""
    dbapi_conn.isolation_level = None  # the driver's own transaction handling off: see _sqlite_begin
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_read_only_pragmas(dbapi_conn, _record) -> None:
    """A read-only file (``mode=ro``/``immutable=1``): nothing may be written, not even the
    journal mode, so only the foreign keys are switched on."""
    dbapi_conn.isolation_level = None
    dbapi_conn.execute("PRAGMA foreign_keys=ON")
