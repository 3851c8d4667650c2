"""Bulk reads and writes, each backend by its fast path.

Reads: a query's rows come out as one polars frame. SQLite's driver returns plain tuples, a block
at a time (times as integer microseconds computed by SQLite), which polars turns into columns;
PostgreSQL streams the result with ``COPY ... TO STDOUT`` as CSV, which polars reads directly,
without a Python object per value. Going through SQLAlchemy's result rows instead costs a
``Row`` and an aware ``datetime`` per value: at two million element sets that was most of the
time and memory of ``tracker orbits groups``.

Writes: rows that may already be held are inserted with the database skipping duplicates by its
unique key (``INSERT ... ON CONFLICT DO NOTHING``), not by reading back what is stored; on
PostgreSQL they are first copied into a temporary table with ``COPY ... FROM STDIN``.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Integer, String, Table, cast, func, type_coerce
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select

from tracker.db import UTCDateTime

__all__ = ["read_frame", "insert_new"]

#: Whether this Python's SQLite has ``unixepoch()``.
_UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38)
#: Rows taken from SQLite's driver at a time.
FETCH_ROWS = 100_000
#: How PostgreSQL writes a time in UTC as text (``COPY``), its ``+00`` taken off.
_TIME_TEXT = "%Y-%m-%d %H:%M:%S%.f"


def read_frame(conn: Connection, query: Select, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """The rows of ``query`` as a frame typed by ``schema`` (one entry per selected column, in
    order; times as ``pl.Datetime("us", "UTC")``), typed even when empty."""
    times = [name for name, dtype in schema.items() if isinstance(dtype, pl.Datetime)]
    if conn.dialect.name == "postgresql":
        frame = _copy_out(conn, query, schema, times)
        as_time = pl.col(times).str.replace(r"\+00(:00)?$", "").str.to_datetime(_TIME_TEXT, time_unit="us", time_zone="UTC")
    else:
        frame = _fetch(conn, query, schema, times)
        as_time = pl.from_epoch(pl.col(times), time_unit="us").dt.replace_time_zone("UTC")
    return frame.with_columns(as_time) if times else frame


def _microseconds(column: Any) -> Any:
    """SQLite: a stored time (text ``2026-08-18 04:18:27.789120``) as integer microseconds since
    1970, computed by SQLite, exact: a Python int per value costs less than the text, and needs
    no parsing."""
    text = type_coerce(column, String)
    whole = func.substr(text, 1, 19)  # whole seconds: given the fraction, SQLite would round
    # unixepoch() (SQLite 3.38+) reads a time a third faster than strftime('%s').
    seconds = func.unixepoch(whole) if _UNIXEPOCH else cast(func.strftime("%s", whole), Integer)
    return (seconds * 1_000_000 + cast(func.substr(text, 21, 6), Integer)).label(column.key)


def _fetch(conn: Connection, query: Select, schema: Mapping[str, pl.DataType], times: list[str]) -> pl.DataFrame:
    """SQLite: the driver's tuples, a block at a time, times as :func:`_microseconds`."""
    raw = query.with_only_columns(
        *[_microseconds(c) if isinstance(c.type, UTCDateTime) else c for c in query.selected_columns],
        maintain_column_froms=True,
    )
    compiled = raw.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    bound = _bound(compiled, conn)
    values = tuple(bound[key] for key in compiled.positiontup or ())
    raw_schema = {name: (pl.Int64 if name in times else dtype) for name, dtype in schema.items()}
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(compiled.string, values)
        # A block of rows at a time: the driver's tuples of one block are all that is held.
        parts = [pl.DataFrame(rows, schema=raw_schema, orient="row") for rows in iter(lambda: cursor.fetchmany(FETCH_ROWS), [])]
    finally:
        cursor.close()
    return pl.concat(parts) if parts else pl.DataFrame(schema=raw_schema)


def _copy_out(conn: Connection, query: Select, schema: Mapping[str, pl.DataType], times: list[str]) -> pl.DataFrame:
    """PostgreSQL: ``COPY (query) TO STDOUT`` as CSV, read by polars."""
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    values = _bound(compiled, conn)
    buffer = io.BytesIO()
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY ({compiled.string}) TO STDOUT (FORMAT csv)", values) as copy:
            for block in copy:
                buffer.write(block)
    finally:
        cursor.close()
    text_schema = {name: (pl.String if name in times else dtype) for name, dtype in schema.items()}
    if not buffer.getbuffer().nbytes:
        return pl.DataFrame(schema=text_schema)
    return pl.read_csv(buffer.getvalue(), has_header=False, new_columns=list(schema), schema=text_schema)


def _processor(type_: Any, conn: Connection) -> Callable[[Any], Any] | None:
    """What SQLAlchemy does to a value of ``type_`` before the driver gets it, for this
    database (an aware time becomes SQLite's stored text ``2026-08-18 04:18:27.789120``)."""
    return type_.dialect_impl(conn.dialect).bind_processor(conn.dialect)


def _bound(compiled, conn: Connection) -> dict[str, Any]:
    """The bound parameters of ``compiled`` (rendered with ``render_postcompile``: an IN list's
    values are ``name_1``, ``name_2``, ... of the parameter ``name``) as the driver must get them."""
    values = {}
    for key, value in compiled.params.items():
        bind = compiled.binds[key if key in compiled.binds else key.rsplit("_", 1)[0]]
        process = _processor(bind.type, conn)
        values[key] = process(value) if process else value
    return values


def insert_new(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert ``rows`` into ``table``, skipping those whose unique key is already held (or
    repeated); the number inserted."""
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        return _copy_in(conn, table, rows)
    return _insert_or_ignore(conn, table, rows)


def _insert_or_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """SQLite: ``INSERT ... ON CONFLICT DO NOTHING`` by the driver's ``executemany``, each value
    through its column type's bind processing (aware times to stored text) but without building
    SQLAlchemy's per-row parameter structures, which cost more than the insert itself."""
    from sqlalchemy import bindparam
    from sqlalchemy.dialects.sqlite import insert

    columns = list(rows[0])
    statement = insert(table).values({c: bindparam(c) for c in columns}).on_conflict_do_nothing()
    compiled = statement.compile(dialect=conn.dialect)
    order = list(compiled.positiontup or ())
    processors = [_processor(table.c[c].type, conn) for c in order]
    values = [tuple(p(row[c]) if p else row[c] for c, p in zip(order, processors, strict=True)) for row in rows]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(compiled.string, values)
        return cursor.rowcount
    finally:
        cursor.close()


def _copy_in(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """PostgreSQL: ``COPY`` into a temporary table of the rows' columns (no constraints), then
    one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``; the temporary table is dropped (and,
    should anything fail, goes with the rolled-back transaction)."""
    columns = list(rows[0])
    names = ", ".join(columns)
    staging = f"staging_{table.name}"
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {staging} AS SELECT {names} FROM {table.name} WITH NO DATA")
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_utc(row[c]) for c in columns])
    finally:
        cursor.close()
    done = conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging} ON CONFLICT DO NOTHING")
    conn.exec_driver_sql(f"DROP TABLE {staging}")
    return done.rowcount


def _utc(value: Any) -> Any:
    """Aware datetimes as they are (psycopg sends the offset); anything else unchanged."""
    if isinstance(value, datetime) and value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: every time stored must be aware (UTC)")
    return value
