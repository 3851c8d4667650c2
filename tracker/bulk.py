"""Bulk reads and writes, each backend by its fast path.

Reads: a query's rows come out as one polars frame. SQLite's driver returns plain tuples, a block
at a time (times as integer microseconds computed by SQLite), which polars turns into columns;
PostgreSQL streams the result with ``COPY ... TO STDOUT`` as CSV, which polars reads directly,
without a Python object per value. Going through SQLAlchemy's result rows instead costs a
``Row`` and an aware ``datetime`` per value: at two million element sets that was most of the
time and memory of ``tracker orbits groups``.

Writes: frames too. Rows that may already be held are inserted with the database skipping
duplicates by its unique key (``INSERT ... ON CONFLICT DO NOTHING``), not by reading back what is
stored. SQLite gets them through the driver's ``executemany``; PostgreSQL first has them copied
into a temporary table with ``COPY ... FROM STDIN``.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import polars as pl
from sqlalchemy import Integer, String, Table, bindparam, cast, func, type_coerce
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select

from tracker.db import UTCDateTime

__all__ = ["insert_new", "read_frame", "update_rows"]

#: Whether this Python's SQLite has ``unixepoch()``.
_UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38)
#: Rows taken from SQLite's driver at a time.
FETCH_ROWS = 100_000
#: Rows handed to the driver at a time (SQLite's executemany, PostgreSQL's COPY).
WRITE_ROWS = 4_000
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


def insert_new(conn: Connection, table: Table, frame: pl.DataFrame) -> int:
    """Insert the rows of ``frame`` (columns named as ``table``'s) into ``table``, skipping those
    whose unique key is already held (or repeated); the number inserted."""
    if frame.is_empty():
        return 0
    if conn.dialect.name == "postgresql":
        names = ", ".join(frame.columns)
        with _staged(conn, table, frame) as staging:
            done = conn.exec_driver_sql(  # in the frame's order: of repeated keys, the first is kept
                f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging} ORDER BY staged_row "
                "ON CONFLICT DO NOTHING")
        return done.rowcount
    from sqlalchemy.dialects.sqlite import insert

    statement = insert(table).values({c: bindparam(c) for c in frame.columns}).on_conflict_do_nothing()
    return _execute_many(conn, statement, frame)


def update_rows(conn: Connection, table: Table, key: str, frame: pl.DataFrame) -> int:
    """Give the rows of ``table`` whose ``key`` is in ``frame`` the values of ``frame``'s other
    columns; the number of rows updated."""
    if frame.is_empty():
        return 0
    others = [c for c in frame.columns if c != key]
    if conn.dialect.name == "postgresql":
        with _staged(conn, table, frame) as staging:
            done = conn.exec_driver_sql(
                f"UPDATE {table.name} SET {', '.join(f'{c} = s.{c}' for c in others)} "
                f"FROM {staging} AS s WHERE {table.name}.{key} = s.{key}")
        return done.rowcount
    statement = table.update().where(table.c[key] == bindparam(f"b_{key}")).values({c: bindparam(c) for c in others})
    return _execute_many(conn, statement, frame.rename({key: f"b_{key}"}))


#: Times written as text: as :class:`~tracker.db.UTCDateTime` keeps them on SQLite (SQLAlchemy's
#: DATETIME text, always six fraction digits; a test holds the two to the same text), and with
#: ``+00`` for PostgreSQL.
WRITTEN_TIME = "%Y-%m-%d %H:%M:%S%.6f"


def _execute_many(conn: Connection, statement: Any, frame: pl.DataFrame) -> int:
    """SQLite: ``statement`` run by the driver's ``executemany`` over the rows of ``frame`` (its
    columns named as the statement's parameters), times as :data:`WRITTEN_TIME` text. SQLAlchemy's
    own executemany builds a parameter dictionary per row, which costs more than the write."""
    _refuse_naive(frame)
    compiled = statement.compile(dialect=conn.dialect)
    ordered = frame.select(list(compiled.positiontup or ()))
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    done = 0
    try:
        # A block at a time: the times' text is made for one block, not for a whole catalogue.
        for block in ordered.iter_slices(WRITE_ROWS):
            cursor.executemany(compiled.string, _times_as_text(block, WRITTEN_TIME).iter_rows())
            done += cursor.rowcount
        return done
    finally:
        cursor.close()


def _times_as_text(frame: pl.DataFrame, layout: str) -> pl.DataFrame:
    """``frame`` with its time columns as text in UTC (checked aware by :func:`_refuse_naive`)."""
    times = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Datetime)]
    return frame.with_columns(pl.col(times).dt.convert_time_zone("UTC").dt.strftime(layout))


def _refuse_naive(frame: pl.DataFrame) -> None:
    """A naive time is refused before anything is written, as :class:`~tracker.db.UTCDateTime`
    refuses one."""
    naive = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Datetime) and dtype.time_zone is None]
    if naive:
        raise ValueError(f"naive times in {', '.join(naive)}: every time stored must be aware (UTC)")


@contextmanager
def _staged(conn: Connection, table: Table, frame: pl.DataFrame) -> Iterator[str]:
    """PostgreSQL: ``frame`` copied (``COPY ... FROM STDIN`` as CSV) into a temporary table with
    ``table``'s column types and no constraints, its rows numbered in order (``staged_row``),
    named by the context, dropped after it (and, should anything fail, gone with the rolled-back
    transaction)."""
    _refuse_naive(frame)
    names = ", ".join(frame.columns)
    staging = f"staging_{table.name}"
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {staging} AS SELECT {names} FROM {table.name} WITH NO DATA")
    conn.exec_driver_sql(f"ALTER TABLE {staging} ADD COLUMN staged_row bigserial")  # numbered as copied
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {staging} ({names}) FROM STDIN (FORMAT csv)") as copy:
            for block in frame.iter_slices(WRITE_ROWS):  # the text of one block at a time
                copy.write(_times_as_text(block, WRITTEN_TIME + "+00").write_csv(include_header=False))
    finally:
        cursor.close()
    yield staging
    conn.exec_driver_sql(f"DROP TABLE {staging}")
