"""Schema revisions (tracker.migrations) on both backends: databases built by the first release's
DDL and by the last unversioned release's are upgraded on start or by ``tracker db upgrade``,
keep their data, and end with exactly the schema a new database gets."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from tests.conftest import fresh_url, run_in_process
from tracker.catalog import latest
from tracker.errors import DatabaseError
from tracker.services.bootstrap import open_database

AUGUST_1 = datetime(2026, 8, 1, tzinfo=timezone.utc)


def _build(url: str, revision: str) -> None:
    """A database as an unversioned release left it: revision ``revision``'s DDL, no version
    table, one satellite with one element set (the first release's columns filled)."""
    from alembic import command

    from tracker.migrations import _config

    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        command.upgrade(_config(conn), revision)
        conn.exec_driver_sql("DROP TABLE alembic_version")
        old = revision == "0001"
        seen = ", first_seen, last_seen" if old else ""
        conn.execute(text(f"INSERT INTO satellite (norad, name, cospar, launch{seen}) VALUES "
                          f"(48274, 'CSS (TIANHE)', '2021-035A', '2021-035'{', :t, :t' if old else ''})"),
                     {"t": AUGUST_1})
        conn.execute(text(
            "INSERT INTO element_set (id, norad, epoch, mean_motion, eccentricity, inclination_deg, raan_deg, "
            "arg_perigee_deg, mean_anomaly_deg, bstar, mean_motion_dot, mean_motion_ddot, element_set_no, "
            f"rev_at_epoch, classification, ephemeris_type, source{', imported_at' if old else ''}) VALUES "
            "(1, 48274, :t, 15.6, 0.0005, 41.47, 1, 2, 3, 0.0002, 0.0001, 0, 999, 1, 'U', 0, 'old.tle:1'"
            f"{', :t' if old else ''})"), {"t": AUGUST_1})
    engine.dispose()


def _shape(url: str) -> dict[str, object]:
    """Tables with their columns (name, nullable), unique constraints and indexes."""
    engine = create_engine(url, poolclass=NullPool)
    held = inspect(engine)
    shape = {
        table: (
            sorted((c["name"], c["nullable"]) for c in held.get_columns(table)),
            sorted(tuple(u["column_names"]) for u in held.get_unique_constraints(table)),
            sorted((tuple(i["column_names"]), bool(i["unique"])) for i in held.get_indexes(table)),
        )
        for table in held.get_table_names()
    }
    engine.dispose()
    return shape


def test_the_head_constant_is_alembics_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from tracker.migrations import HEAD

    config = Config()
    config.set_main_option("script_location", "tracker:migrations")
    assert ScriptDirectory.from_config(config).get_heads() == [HEAD]


@pytest.mark.parametrize("revision", ["0001", "0002"], ids=["first-release", "last-unversioned"])
def test_an_old_database_is_upgraded_keeps_its_data_and_matches_a_new_one(backend, tmp_path, revision) -> None:
    from tracker.migrations import HEAD, current_revision

    old, new = fresh_url(backend, tmp_path, "old.db"), fresh_url(backend, tmp_path, "new.db")
    _build(old, revision)
    if backend == "postgresql":
        # Revision 0002 drops columns the first release reads, 0004 changes how element sets are
        # found: neither is applied on start on a server.
        with pytest.raises(DatabaseError, match="tracker db upgrade"):
            open_database(old)
        assert "alembic_version" not in inspect(create_engine(old, poolclass=NullPool)).get_table_names()
        done = run_in_process("db", "upgrade", env={"TRACKER_DB": old})
        assert done.returncode == 0 and " -> " + HEAD in done.stdout, done.stderr
    engine = open_database(old)
    with engine.connect() as conn:
        assert current_revision(conn) == HEAD
    # Revision 0004 gave the satellite the epoch span of its sets: its newest set is found.
    newest = latest(engine).row(0, named=True)
    assert (newest["norad"], newest["epoch"], newest["first_seen"]) == (48274, AUGUST_1, AUGUST_1)
    engine.dispose()
    open_database(new).dispose()
    assert _shape(old) == _shape(new)

    result = run_in_process("orbits", "history", "48274", "--format", "csv", env={"TRACKER_DB": old})
    assert result.returncode == 0 and "2026-08-01T00:00:00" in result.stdout, result.stderr


def test_a_new_database_is_made_at_the_head_and_upgrade_says_so(backend, tmp_path) -> None:
    from tracker.migrations import HEAD

    url = fresh_url(backend, tmp_path)
    made = run_in_process("db", "upgrade", env={"TRACKER_DB": url})
    assert made.returncode == 0 and f"created at schema revision {HEAD}" in made.stdout, made.stderr
    again = run_in_process("db", "upgrade", env={"TRACKER_DB": url})
    assert again.returncode == 0 and f"already at schema revision {HEAD}" in again.stdout


def test_a_database_from_a_newer_version_is_refused(db_url) -> None:
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
        conn.exec_driver_sql("DELETE FROM meta")  # no token: the next command looks at the revision
    engine.dispose()
    result = run_in_process("sats", env={"TRACKER_DB": db_url})
    assert result.returncode == 1
    assert "revision 9999, which this version does not know" in result.stderr and "Traceback" not in result.stderr


def test_a_missing_driver_names_the_extra_and_an_unreachable_server_its_host(monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the [postgres] extra were not installed
    missing = run_in_process("sats", env={"TRACKER_DB": "postgresql://tracker@db.example/tracker"})
    assert missing.returncode == 1 and len(missing.stderr.splitlines()) == 1
    assert "driver 'psycopg' is not installed" in missing.stderr and "'.[postgres]'" in missing.stderr
    monkeypatch.undo()

    closed = run_in_process("sats", env={"TRACKER_DB": "postgresql+psycopg://tracker@127.0.0.1:9/tracker"})
    assert closed.returncode == 1 and len(closed.stderr.splitlines()) == 1, closed.stderr
    assert "127.0.0.1" in closed.stderr and "port 9" in closed.stderr and "Traceback" not in closed.stderr
