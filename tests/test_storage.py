"""The tables as stored: a database made by the SQLModel version opens and works, the schema the
tables make is the one that version made, and times keep their stored format (aware UTC)."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from tests.conftest import shared_path
from tracker.services.bootstrap import open_database

#: A database the SQLModel version wrote (how it was made is at the top of the file).
OLD_DATABASE = Path(__file__).parent / "data" / "sqlmodel_database.sql"

#: Tables added since the SQLModel version: the observers of ``tracker observers`` (issue 14).
ADDED_TABLES = {
    "CREATE TABLE observer (\n\tname VARCHAR NOT NULL, \n\tlat_deg FLOAT NOT NULL, \n\tlon_deg FLOAT NOT NULL, "
    "\n\talt_m FLOAT NOT NULL, \n\tPRIMARY KEY (name)\n)",
}

#: How SQLite holds a time: text that sorts and compares as time does.
STORED_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")


def _old_database(tmp_path: Path) -> str:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_DATABASE.read_text())
    conn.close()
    return f"sqlite:///{path}"


def _schema(url: str) -> set[str]:
    """The DDL of a SQLite file's tables and indexes but the schema revision's (alembic_version)."""
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        return {sql for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND tbl_name != 'alembic_version'")}
    finally:
        conn.close()


#: Nullable columns added since the SQLModel version (launch links from Launch Library 2, bar
#: adjustment factors, each satellite's epoch span).
ADDED = {"launch": ("ll2_url VARCHAR", "webcast_url VARCHAR"), "price_chunk": ("adj BLOB",),
         "satellite": ("first_epoch DATETIME", "last_epoch DATETIME")}
#: The element sets' unique key, epoch first since revision 0004 (issue 12).
REKEYED = ("UNIQUE (norad, epoch)", "UNIQUE (epoch, norad)")


def _without_added(schema: set[str]) -> set[str]:
    """``schema`` with the :data:`ADDED` column definitions taken out of their tables."""
    out = set()
    for sql in schema:
        for table, columns in ADDED.items():
            if sql.startswith(f"CREATE TABLE {table} ("):
                for column in columns:
                    sql = re.sub(rf",\s*{re.escape(column)}(?=\s*[,)])", "", sql)
        out.add(sql)
    return out


@pytest.mark.sqlite_only
def test_a_new_database_has_the_schema_the_sqlmodel_version_made(tmp_path, db_url):
    old = _schema(_old_database(tmp_path))
    open_database(db_url)
    assert _without_added(_schema(db_url)) == {sql.replace(*REKEYED) for sql in old} | ADDED_TABLES
    assert len(old) == 22  # 12 tables, 10 indexes


def test_a_database_of_the_sqlmodel_version_opens_and_works(tmp_path):
    from tracker.db import element_set, fetch_state
    from tracker.markets.models import price_chunk
    from tracker.refresh import load_states
    from tracker.services import launches, markets, orbits

    url = _old_database(tmp_path)
    before = _schema(url)
    engine = open_database(url)  # bootstraps: seeds the calendar, watchlist and rules it lacks
    # The added nullable columns and tables, and the element sets' key, epoch first.
    assert _without_added(_schema(url)) == {sql.replace(*REKEYED) for sql in before} | ADDED_TABLES

    # What the old version stored reads back, times aware UTC.
    name, history = orbits.history(engine, 48274)
    assert name == "CSS (TIANHE)" and history.height == 1
    assert str(history["epoch"].dtype) == "Datetime(time_unit='us', time_zone='UTC')"
    listed = launches.list_launches(engine, constellation="qianfan")
    mine = listed.filter(listed["id"] == "2026-09-30-long-march-8a-y9").row(0, named=True)
    assert mine["net_utc"] == datetime(2026, 9, 30, 12, tzinfo=timezone.utc)
    assert len(listed) > 1  # the bundled calendar was seeded beside it
    state = load_states(engine, ["https://celestrak.org/NORAD/elements/gp.php?FORMAT=csv&GROUP=stations"])
    assert next(iter(state.values())).last_success == datetime(2026, 8, 18, 6, 30, tzinfo=timezone.utc)
    assert markets.bars(engine, "688523.SS").height == 36
    # The adjustment-factor column came with the upgrade (revision 0003): null for the old bars.
    from tracker.markets import bars
    from tracker.services import link

    assert link.link(engine, symbols="688523").frame.height > 0
    with engine.begin() as conn:
        held = bars.read(conn, ["XSHG:688523"], fields=(*bars.PRICES, "volume", "adj"))
        assert held.height == 36 and held["adj"].null_count() == 36
        counts = bars.merge(conn, held.with_columns(adj=1.01), "synthetic factors (test)")
        assert (counts.new, counts.factors, counts.conflicts) == (0, 36, [])
    css = orbits.constellations(engine).filter(orbits.constellations(engine)["constellation"] == "css")
    assert css["members"].to_list() == [2]  # TIANHE by number, WENTIAN by name

    # Writing: the same element sets again are recognised as held (their stored times compare
    # equal), the others are added in the same text format.
    report = orbits.import_elements(engine, [shared_path("data/celestrak/gp-2026-08-18/stations.csv")])
    assert (report.counts.duplicates, report.counts.new_element_sets) == (5, 17)
    with engine.connect() as conn:
        raw = conn.exec_driver_sql("SELECT epoch FROM element_set").scalars().all()
        assert len(raw) == 22 and all(STORED_TIME.match(t) for t in raw)
        newest = conn.execute(select(element_set.c.epoch).order_by(element_set.c.epoch.desc()).limit(1)).scalar()
        assert newest.tzinfo is timezone.utc
        assert conn.execute(select(price_chunk.c.n)).scalars().all() == [36]
    with engine.begin() as conn:
        conn.execute(fetch_state.update().values(last_attempt=datetime(2026, 8, 19, 8, tzinfo=timezone.utc)))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT last_attempt FROM fetch_state").scalar() == "2026-08-19 08:00:00.000000"


def test_naive_times_are_refused_and_other_zones_stored_as_utc(db_url):
    from tracker.db import fetch_state

    engine = open_database(db_url)
    with pytest.raises(StatementError, match="naive"), engine.begin() as conn:
        conn.execute(fetch_state.insert().values(url="u", last_attempt=datetime(2026, 8, 19, 8)))
    beijing = timezone(timedelta(hours=8))
    with engine.begin() as conn:
        conn.execute(fetch_state.insert().values(url="u", last_attempt=datetime(2026, 8, 19, 16, tzinfo=beijing)))
    with engine.connect() as conn:
        raw = conn.exec_driver_sql("SELECT last_attempt FROM fetch_state").scalar()
        # SQLite keeps text that sorts as time does; PostgreSQL a timestamp with time zone.
        assert raw == ("2026-08-19 08:00:00.000000" if engine.dialect.name == "sqlite" else datetime(2026, 8, 19, 8, tzinfo=timezone.utc))
        assert conn.execute(select(fetch_state.c.last_attempt)).scalar() == datetime(2026, 8, 19, 8, tzinfo=timezone.utc)


#: Names that catch a SQL pre-filter out: case, letters outside ASCII (whose upper case SQLite
#: does not know, one of them two letters long), LIKE's own wildcards, a newline, no name at all.
TRICKY_NAMES = [
    "HULIANWANG DIGUI-01", "hulianwang digui-02", "GUOWANG-X", "ÄRA-1", "äRA-2", "ﬁre-3", "FIRE-4", "straße",
    "STRASSE", "A_B%C", "AXB%C", "A_BXC", "X\nY", "XZY", None, "100% ISS", "QIANFAN-7",
]
TRICKY_GLOBS = ["HULIANWANG*", "ära*", "FI*", "strasse", "A_B%*", "X?Y", "*ISS", "qianfan-?"]


@pytest.mark.parametrize("globs", [[g] for g in TRICKY_GLOBS] + [TRICKY_GLOBS, ["*"], []])
def test_rules_read_the_satellites_they_match_and_maybe_more(db_url, globs):
    """:func:`tracker.constellations.candidates` narrows what is read, never what matches."""
    import polars as pl

    from tracker.catalog import _frame
    from tracker.constellations import candidates, membership
    from tracker.db import satellite

    engine = open_database(db_url)
    with engine.begin() as conn:
        conn.execute(satellite.insert(), [{"norad": i, "name": n, "launch": f"2026-{i:03d}"} for i, n in enumerate(TRICKY_NAMES, 1)])
    rules = pl.DataFrame(
        {"constellation": "c", "kind": ["name"] * len(globs) + ["launch", "norad"], "value": [*globs, "2026-001", "3"]}
    )
    query = select(satellite.c.norad, satellite.c.name, satellite.c.cospar, satellite.c.launch)
    everything = _frame(engine, query)
    condition = candidates(rules, engine.dialect.name)
    assert condition is not None
    read = _frame(engine, query.where(condition))
    assert membership(read, rules).equals(membership(everything, rules))
    assert read.height < everything.height or globs in (TRICKY_GLOBS, ["*"])


def test_bulk_reads_give_back_every_time_to_the_microsecond(db_url):
    """tracker.bulk reads times as SQLite's integers or PostgreSQL's COPY text: both exact, also
    just before a whole second (which SQLite's strftime would round) and before 1970."""
    import polars as pl

    from tracker.bulk import read_frame
    from tracker.db import fetch_state

    times = [datetime(1957, 10, 4, 19, 28, 34, 1, tzinfo=timezone.utc), datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
             datetime(2026, 8, 17, 20, 38, 31, 999776, tzinfo=timezone.utc), datetime(2100, 12, 31, 23, 59, 59, tzinfo=timezone.utc)]
    engine = open_database(db_url)
    with engine.begin() as conn:
        conn.execute(fetch_state.insert(), [{"url": str(i), "last_success": t} for i, t in enumerate(times)])
    with engine.connect() as conn:
        frame = read_frame(conn, select(fetch_state.c.url, fetch_state.c.last_success).order_by(fetch_state.c.url),
                           {"url": pl.String, "last_success": pl.Datetime("us", "UTC")})
    assert frame["last_success"].to_list() == times
    engine.dispose()


def test_bulk_writes_store_times_as_single_rows_do(db_url):
    """tracker.bulk writes a frame's times as text (SQLite) or COPY text (PostgreSQL): the stored
    value is the one SQLAlchemy stores for the same time, to the microsecond, and a naive time is
    refused as UTCDateTime refuses one."""
    import polars as pl

    from tracker.bulk import insert_new, update_rows
    from tracker.db import fetch_state

    times = [datetime(1957, 10, 4, 19, 28, 34, 1, tzinfo=timezone.utc), datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
             datetime(2026, 8, 17, 20, 38, 31, tzinfo=timezone.utc)]
    engine = open_database(db_url)
    written = pl.DataFrame({"url": [f"bulk{i}" for i in range(3)], "last_success": times}).with_columns(
        pl.col("last_success").dt.convert_time_zone("Asia/Shanghai"))  # another zone: stored as UTC
    with engine.begin() as conn:
        conn.execute(fetch_state.insert(), [{"url": f"row{i}", "last_success": t} for i, t in enumerate(times)])
        assert insert_new(conn, fetch_state, written) == 3
        assert insert_new(conn, fetch_state, written) == 0  # held already: skipped by the key
        assert update_rows(conn, fetch_state, "url", written.select("url", last_attempt=pl.col("last_success"))) == 3
        with pytest.raises(ValueError, match="naive"):
            insert_new(conn, fetch_state, pl.DataFrame({"url": ["naive"], "last_success": [datetime(2026, 8, 19)]}))
    with engine.connect() as conn:
        raw = dict(conn.exec_driver_sql("SELECT url, last_success FROM fetch_state").all())
        attempts = dict(conn.exec_driver_sql("SELECT url, last_attempt FROM fetch_state").all())
    assert [raw[f"bulk{i}"] for i in range(3)] == [raw[f"row{i}"] for i in range(3)]
    assert [attempts[f"bulk{i}"] for i in range(3)] == [raw[f"row{i}"] for i in range(3)]
    engine.dispose()


def test_imports_keep_each_satellites_epoch_span_and_newest_name(db_url):
    """Revision 0004: the satellite table holds the oldest and newest epoch of its sets, which
    :func:`tracker.catalog.latest` finds the newest set by. An import of older sets widens the
    span but leaves the name of the newest; a set without a name erases none."""
    from dataclasses import replace

    from tests.test_tui import _set
    from tle.frame import from_records
    from tracker.catalog import latest
    from tracker.ingest import store

    engine = open_database(db_url)
    t0, t1, t2 = (datetime(2026, 8, d, tzinfo=timezone.utc) for d in (10, 14, 18))
    first = _set(99001, "HULIANWANG SYNTH-01", "2024-240A", t1, 13.42, 86.5, 0.0, 0.0)
    store(engine, from_records([first]))
    store(engine, from_records([replace(first, epoch=t2, name=None, mean_motion=13.40)]))
    store(engine, from_records([replace(first, epoch=t0, name="OLD NAME", cospar="2024-240B")]))
    counts = store(engine, from_records([first]))
    assert (counts.new_element_sets, counts.duplicates, counts.new_satellites) == (0, 1, 0)
    row = latest(engine).row(0, named=True)
    assert (row["name"], row["cospar"], row["first_seen"], row["epoch"], row["mean_motion"]) == (
        "HULIANWANG SYNTH-01", "2024-240A", t0, t2, 13.40)
    engine.dispose()


def test_two_imports_at_once_keep_the_newest_epoch(db_url):
    """Two imports of one satellite at once: the second waits for the first (SQLite's write lock
    taken before it reads, PostgreSQL's store lock), then widens the span the first committed.
    Reading first, it would write back a span without the other's newest set (a lost update)."""
    import threading
    from dataclasses import replace

    from tests.test_tui import _set
    from tle.frame import from_records
    from tracker.catalog import latest
    from tracker.db import writing
    from tracker.ingest import store, store_in

    engine = open_database(db_url)
    first = _set(99001, "HULIANWANG SYNTH-01", "2024-240A", datetime(2026, 8, 1, tzinfo=timezone.utc), 13.40, 86.5, 0.0, 0.0)
    store(engine, from_records([first]))
    newest, middle = (replace(first, epoch=datetime(2026, 8, d, tzinfo=timezone.utc), mean_motion=m) for d, m in ((3, 13.43), (2, 13.42)))
    inside, errors = threading.Event(), []

    def slow_import() -> None:
        try:
            with writing(engine).begin() as conn:
                store_in(conn, from_records([newest]))
                inside.set()
                threading.Event().wait(0.5)  # still uncommitted while the other import starts
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    slow = threading.Thread(target=slow_import)
    slow.start()
    assert inside.wait(10)
    store(engine, from_records([middle]))
    slow.join()
    assert errors == []
    row = latest(engine).row(0, named=True)
    assert (row["epoch"], row["mean_motion"], row["first_seen"]) == (newest.epoch, 13.43, first.epoch)
    engine.dispose()
