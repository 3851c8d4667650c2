"""``tracker tle import``, ``tracker tle refresh`` and ``tracker refresh`` end to end, with the
dawn-dusk objects the default refresh brings from CelesTrak's active catalogue.

Every test runs the real command (in this process; in a subprocess where a process matters, as
when it is killed) against a fresh SQLite file and checks what a user or a cron job sees: the
exit code, the messages, and what is in the database afterwards (read back with :mod:`sqlite3`,
independently of the product's own storage code). Refreshes talk to a real HTTP server on
127.0.0.1 that answers like CelesTrak with real GP downloads from ../shared; nothing here reaches
the internet.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.conftest import run_in_process, shared_path, tracker_command, tracker_env
from tests.httpserver import LocalServer, Reply, Request

GP_PATH = "/NORAD/elements/gp.php"
CAPTURE = ("data", "celestrak", "gp-2026-08-18")
HISTORY = ("data", "celestrak", "history")

# The default refresh queries, as canonical URL queries (sorted parameters, FORMAT=csv).
HULIANWANG_QUERY = "FORMAT=csv&NAME=HULIANWANG"
QIANFAN_QUERY = "FORMAT=csv&GROUP=qianfan"
STATIONS_QUERY = "FORMAT=csv&GROUP=stations"
ACTIVE_QUERY = "FORMAT=csv&GROUP=active"
GROUP_QUERIES = (HULIANWANG_QUERY, QIANFAN_QUERY, STATIONS_QUERY)
DEFAULT_QUERIES = (*GROUP_QUERIES, ACTIVE_QUERY)  # before any dawn-dusk launch is known
CATALOGUE_KEY = "GROUP=active"

NOT_UPDATED = (
    "GP data has not updated since your last successful download of GROUP=qianfan at "
    "2026-08-18 09:12:13 UTC.\nData is updated once every 2 hours."
)

Cli = Callable[..., subprocess.CompletedProcess]


# -- independent helpers -----------------------------------------------------------------------


def checksum(line: str) -> int:
    """TLE checksum, written here independently of the product: mod-10 sum over columns 1-68,
    digits count their value, '-' counts 1, everything else 0."""
    total = 0
    for char in line[:68]:
        if char.isdigit():
            total += int(char)
        elif char == "-":
            total += 1
    return total % 10


def with_checksum(body: str) -> str:
    """A 68-column TLE line completed with its checksum digit."""
    assert len(body) == 68, body
    return body + str(checksum(body))


# HULIANWANG DIGUI-01..03 (NORAD 62323-62325, launch 2024-240), epoch 2026-04-25: the first 68
# columns of each line; column 69, the checksum, is computed by the tests.
DIGUI = [
    (
        "HULIANWANG DIGUI-01",
        "1 62323U 24240A   26115.49220466  .00000041  00000+0  60880-4 0  999",
        "2 62323  86.5040   1.0150 0001837  72.4834 287.6500 13.24413432 6566",
    ),
    (
        "HULIANWANG DIGUI-02",
        "1 62324U 24240B   26115.49966838  .00000039  00000+0  57141-4 0  999",
        "2 62324  86.5069   1.1568 0001856  73.6881 286.4457 13.24412762 6567",
    ),
    (
        "HULIANWANG DIGUI-03",
        "1 62325U 24240C   26115.48454868  .00000056  00000+0  96273-4 0  999",
        "2 62325  86.5022   0.9286 0001766  71.6719 288.4607 13.24412313 6566",
    ),
]


def three_le(records: Iterable[tuple[str, str, str]], *, bad_line1: int | None = None) -> str:
    """3LE text of ``records``; record number ``bad_line1`` (0-based) gets a wrong line-1 checksum."""
    out = []
    for index, (name, line1, line2) in enumerate(records):
        first = with_checksum(line1)
        if index == bad_line1:
            first = first[:68] + str((int(first[68]) + 1) % 10)
        out += [name, first, with_checksum(line2)]
    return "\n".join(out) + "\n"


def db_file(db_url: str) -> Path:
    return Path(db_url.removeprefix("sqlite:///"))


def query(db_url: str, sql: str, *params: object) -> list[tuple]:
    """Rows of ``sql`` (``?`` placeholders) read back from the database of either backend."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    parts = sql.split("?")
    named = parts[0] + "".join(f":p{i}{part}" for i, part in enumerate(parts[1:]))
    engine = create_engine(db_url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            return [tuple(r) for r in conn.execute(text(named), {f"p{i}": v for i, v in enumerate(params)})]
    finally:
        engine.dispose()


def _tables(db_url: str) -> set[str]:
    """The tables the database holds; none when the command never even created its file."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.pool import NullPool

    if db_url.startswith("sqlite:///") and not db_file(db_url).exists():
        return set()
    engine = create_engine(db_url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def row_counts(db_url: str) -> dict[str, int]:
    """Rows per table; all zero when the command never even created the database."""
    tables, held = ("satellite", "element_set", "fetch_state"), _tables(db_url)
    return {t: query(db_url, f"SELECT count(*) FROM {t}")[0][0] if t in held else 0 for t in tables}


def fetch_state(db_url: str) -> list[tuple]:
    if "fetch_state" not in _tables(db_url):
        return []
    return query(db_url, "SELECT * FROM fetch_state ORDER BY url")


def create_empty_db(db_url: str) -> None:
    """Create the schema (as any first command would), so that later counts read a real database."""
    from tracker.services.bootstrap import open_database as connect

    connect(db_url).dispose()


def csv_keys(paths: Iterable[Path]) -> list[tuple[int, datetime]]:
    """(catalog number, epoch) of every row of CelesTrak CSV files, read with the csv module."""
    keys = []
    for path in paths:
        with path.open(newline="") as f:
            for row in csv.DictReader(f):
                epoch = datetime.fromisoformat(row["EPOCH"]).replace(tzinfo=timezone.utc)
                keys.append((int(row["NORAD_CAT_ID"]), epoch))
    return keys


def csv_norads(path: Path) -> set[int]:
    return {norad for norad, _ in csv_keys([path])}


def sqlite_time(text: str | datetime) -> datetime:
    """A stored time as read raw: SQLite's text, or PostgreSQL's datetime; aware UTC."""
    value = text if isinstance(text, datetime) else datetime.fromisoformat(text)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


# -- a CelesTrak look-alike --------------------------------------------------------------------


class FakeCelesTrak:
    """Answers GP queries like CelesTrak, with the bytes of real downloads.

    The body is chosen by the request's NAME/GROUP parameter (the CSV capture of that query); an
    INTDES query gets the rows of that launch in ``files["INTDES"]`` (the catalogue unless a test
    says otherwise; CelesTrak would add the launch's inactive objects and debris, which the
    active catalogue does not hold) or, like CelesTrak, "No GP data found". Each reply carries
    an ETag and a Last-Modified, and a request presenting the current ETag gets 304. ``script``
    holds replies to serve instead, one per request, for a query key such as
    ``"GROUP=qianfan"``; ``delay`` postpones the answers to one query key.
    """

    FILES = {
        "NAME=HULIANWANG": "hulianwang.csv",
        "GROUP=qianfan": "qianfan.csv",
        "GROUP=stations": "stations.csv",
        "GROUP=active": "active.csv",
    }
    LAST_MODIFIED = "Tue, 18 Aug 2026 08:00:00 GMT"

    def __init__(self, server: LocalServer, capture: Path, catalogue: Path | None = None) -> None:
        self.server = server
        self.files = {key: capture / name for key, name in self.FILES.items()}
        if catalogue is not None:
            self.files[CATALOGUE_KEY] = catalogue
        self.files["INTDES"] = self.files[CATALOGUE_KEY]
        self.script: dict[str, list[Reply]] = {}
        self.delay: dict[str, float] = {}
        server.route("GET", GP_PATH, self)

    @staticmethod
    def key(request: Request) -> str:
        return next(f"{k}={v}" for k, v in request.query.items() if k in ("NAME", "GROUP", "INTDES"))

    def etag(self, key: str) -> str:
        path = self.files["INTDES" if key.startswith("INTDES=") else key]
        return f'"{path.parent.name}/{path.name}/{key}"'

    def body(self, key: str) -> bytes | None:
        if not key.startswith("INTDES="):
            return self.files[key].read_bytes() if key in self.files else None
        header, launches = csv_by_launch(self.files["INTDES"])
        launch = launches.get(key.removeprefix("INTDES="))
        return (header + "".join(launch)).encode() if launch else None

    def __call__(self, request: Request) -> Reply:
        key = self.key(request)
        if self.script.get(key):
            return self.script[key].pop(0)
        delay = self.delay.get(key, 0.0)
        body = self.body(key)
        if body is None:
            return Reply(200, "No GP data found", delay=delay)
        if request.headers.get("if-none-match") == self.etag(key):
            return Reply(304, delay=delay)
        headers = {
            "Content-Type": "text/csv; charset=utf-8",
            "ETag": self.etag(key),
            "Last-Modified": self.LAST_MODIFIED,
        }
        return Reply(200, body, headers, delay=delay)

    def queries(self, start: int = 0) -> list[str]:
        """The query strings received (sorted parameters), from request number ``start`` on."""
        return ["&".join(f"{k}={v}" for k, v in sorted(r.query.items())) for r in self.server.requests[start:]]


@functools.cache
def csv_by_launch(path: Path) -> tuple[str, dict[str, list[str]]]:
    """The header line of a CelesTrak CSV file and its lines by launch (OBJECT_ID's yyyy-nnn)."""
    header, *lines = path.read_text().splitlines(keepends=True)
    column = next(csv.reader([header])).index("OBJECT_ID")
    launches: dict[str, list[str]] = {}
    for line, cells in zip(lines, csv.reader(lines), strict=True):
        launches.setdefault(cells[column][:8], []).append(line)
    return header, launches


@pytest.fixture
def celestrak(http_server: LocalServer) -> FakeCelesTrak:
    """CelesTrak with a small active catalogue: GROUP=active is answered with stations.csv
    (22 objects, none dawn-dusk). These tests are about the politeness rules, which do not need
    the real catalogue's 16,344 objects (seconds to load on every run)."""
    capture = shared_path(*CAPTURE)
    return FakeCelesTrak(http_server, capture, catalogue=capture / "stations.csv")


@pytest.fixture
def full_celestrak(http_server: LocalServer) -> FakeCelesTrak:
    """CelesTrak with the real active catalogue of 2026-08-18 (16,344 objects)."""
    return FakeCelesTrak(http_server, shared_path(*CAPTURE))


@pytest.fixture
def refresh_env(celestrak: FakeCelesTrak) -> dict[str, str]:
    """Environment pointing the tracker at the local CelesTrak look-alike."""
    return {"TRACKER_CELESTRAK_URL": celestrak.server.url}


def url(server: LocalServer, query: str) -> str:
    return f"{server.url}{GP_PATH}?{query}"


def default_keys(celestrak: FakeCelesTrak) -> list[tuple[int, datetime]]:
    """Every (catalog number, epoch) the default queries' answers hold, repeats included."""
    return csv_keys(celestrak.files[key] for key in ("NAME=HULIANWANG", "GROUP=qianfan", "GROUP=stations", CATALOGUE_KEY))


def move_clock(db_url: str, hours: float) -> None:
    """As if ``hours`` had passed since the last refresh: every time in fetch_state moves back."""
    from sqlalchemy import select, update

    from tracker.db import fetch_state as table
    from tracker.services.bootstrap import open_database

    engine = open_database(db_url)
    with engine.begin() as conn:
        for address, *times in conn.execute(select(table.c.url, table.c.last_success, table.c.last_attempt)).all():
            earlier = [None if t is None else t - timedelta(hours=hours) for t in times]
            conn.execute(update(table).where(table.c.url == address).values(last_success=earlier[0], last_attempt=earlier[1]))
    engine.dispose()


# == tracker tle import ==========================================================================


def test_checksum_helper_agrees_with_published_tles() -> None:
    lines = shared_path("data", "tle", "hulianwang-digui-01-03-2026-04-25.tle").read_text().splitlines()
    element_lines = [line for line in lines if line[:2] in ("1 ", "2 ")]
    assert len(element_lines) == 6
    assert all(int(line[68]) == checksum(line) for line in element_lines)
    assert three_le(DIGUI).splitlines() == lines


def test_import_csv_then_again_changes_nothing(cli: Cli, db_url: str) -> None:
    path = shared_path(*CAPTURE, "hulianwang.csv")

    first = cli("tle", "import", path)

    assert (first.returncode, first.stderr) == (0, "")
    assert "191 new satellites, 191 new element sets, 0 duplicates, 0 rejected" in first.stdout
    counts = row_counts(db_url)
    assert (counts["satellite"], counts["element_set"]) == (191, 191)
    assert {n for (n,) in query(db_url, "SELECT norad FROM satellite")} == csv_norads(path)

    again = cli("tle", "import", path)

    assert (again.returncode, again.stderr) == (0, "")
    assert "0 new satellites, 0 new element sets, 191 duplicates, 0 rejected" in again.stdout
    assert row_counts(db_url) == counts


def test_import_directories_builds_history(cli: Cli, db_url: str) -> None:
    history, capture = shared_path(*HISTORY), shared_path(*CAPTURE)
    files = sorted(history.rglob("*.csv")) + sorted(capture.glob("*.csv"))
    keys = csv_keys(files)
    unique = set(keys)
    per_norad = Counter(norad for norad, _ in unique)

    result = cli("tle", "import", history, capture)

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith(f"{len(files)} file{'' if len(files) == 1 else 's'}: ")
    assert (
        f"{len(per_norad)} new satellites, {len(unique)} new element sets, "
        f"{len(keys) - len(unique)} duplicates, 0 rejected"
    ) in result.stdout
    held = dict(query(db_url, "SELECT norad, count(*) FROM element_set GROUP BY norad"))
    assert held == dict(per_norad)
    # Five weeks of captures: a satellite in all five NAME=HULIANWANG captures has five element sets.
    captures = sorted(history.glob("hulianwang/*.csv")) + [capture / "hulianwang.csv"]
    in_all = set.intersection(*(csv_norads(path) for path in captures))
    assert len(captures) == 5 and len(in_all) > 150
    assert {held[n] for n in in_all} == {5}

    # First and last seen are the oldest and newest epoch held: in the table, and as the catalogue
    # reports them (first_seen, and the epoch of the newest element set).
    expected_span: dict[int, tuple[datetime, datetime]] = {}
    for norad, epoch in unique:
        lo, hi = expected_span.get(norad, (epoch, epoch))
        expected_span[norad] = (min(lo, epoch), max(hi, epoch))
    spans = query(db_url, "SELECT norad, min(epoch), max(epoch) FROM element_set GROUP BY norad")
    assert {n: (sqlite_time(a), sqlite_time(b)) for n, a, b in spans} == expected_span
    from tracker.catalog import latest
    from tracker.services.bootstrap import open_database as connect

    engine = connect(db_url)
    try:
        catalogue = latest(engine)
    finally:
        engine.dispose()
    reported = {
        row["norad"]: (row["first_seen"], row["epoch"])
        for row in catalogue.select("norad", "first_seen", "epoch").iter_rows(named=True)
    }
    assert reported == expected_span


def test_bad_checksum_record_is_rejected_and_the_rest_stored(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "digui.tle"
    path.write_text(three_le(DIGUI, bad_line1=1))  # record 2 starts on line 4 (its name line)

    result = cli("tle", "import", path)

    assert result.returncode == 5
    assert f"rejected {path}:4: line 1 bad checksum" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "2 new element sets, 0 duplicates, 1 rejected" in result.stdout
    assert sorted(n for (n,) in query(db_url, "SELECT norad FROM element_set")) == [62323, 62325]
    assert query(db_url, "SELECT norad, name, cospar FROM satellite ORDER BY norad") == [
        (62323, "HULIANWANG DIGUI-01", "2024-240A"),
        (62325, "HULIANWANG DIGUI-03", "2024-240C"),
    ]


def test_non_element_file_aborts_the_whole_import(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    first = tmp_path / "first.tle"
    first.write_text(three_le(DIGUI[:1]))
    assert cli("tle", "import", first).returncode == 0
    before = row_counts(db_url)
    good = tmp_path / "good.tle"
    good.write_text(three_le(DIGUI[1:]))
    readme = tmp_path / "README.txt"
    readme.write_text("Element sets for the tracker\n\nPut CelesTrak downloads in this folder.\n")

    result = cli("tle", "import", good, readme)

    assert result.returncode == 1
    assert str(readme) in result.stderr and "not element-set data" in result.stderr
    assert "nothing was imported" in result.stderr
    assert result.stdout == ""
    assert row_counts(db_url) == before == {"satellite": 1, "element_set": 1, "fetch_state": 0}


def test_missing_path_is_an_error_and_stores_nothing(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    good = tmp_path / "good.tle"
    good.write_text(three_le(DIGUI))
    missing = tmp_path / "no-such-file.tle"

    result = cli("tle", "import", good, missing)

    assert result.returncode == 1
    assert str(missing) in result.stderr and "no such file" in result.stderr
    assert row_counts(db_url)["element_set"] == 0


def test_directory_without_element_files_is_an_error(cli: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "downloads"
    empty.mkdir()
    (empty / "notes.md").write_text("nothing here\n")

    result = cli("tle", "import", empty)

    assert result.returncode == 1
    assert "no element-set files" in result.stderr and str(empty) in result.stderr


def test_import_into_a_constellation(cli: Cli, db_url: str) -> None:
    capture = shared_path(*CAPTURE)
    members = csv_norads(capture / "hulianwang.csv")

    result = cli("tle", "import", capture / "hulianwang.csv", "--constellation", "mygroup")
    assert result.returncode == 0, result.stderr
    assert f"{len(members)} added to mygroup" in result.stdout
    assert cli("tle", "import", capture / "stations.csv").returncode == 0

    shown = cli("sats", "--constellation", "mygroup", "--format", "json", "--at", "2026-08-19T00:00:00Z")

    assert shown.returncode == 0, shown.stderr
    assert sorted(row["norad"] for row in json.loads(shown.stdout)) == sorted(members)


def test_import_3le(cli: Cli, db_url: str) -> None:
    path = shared_path("data", "tle", "hulianwang-digui-01-03-2026-04-25.tle")

    result = cli("tle", "import", path)

    assert (result.returncode, result.stderr) == (0, "")
    assert "3 new satellites, 3 new element sets" in result.stdout
    assert query(db_url, "SELECT norad, name, cospar, launch FROM satellite ORDER BY norad") == [
        (62323, "HULIANWANG DIGUI-01", "2024-240A", "2024-240"),
        (62324, "HULIANWANG DIGUI-02", "2024-240B", "2024-240"),
        (62325, "HULIANWANG DIGUI-03", "2024-240C", "2024-240"),
    ]
    rows = query(db_url, "SELECT norad, epoch FROM element_set ORDER BY norad")
    assert [n for n, _ in rows] == [62323, 62324, 62325]
    assert {sqlite_time(e).date().isoformat() for _, e in rows} == {"2026-04-25"}


def test_a_newer_set_without_a_name_keeps_the_stored_name(cli: Cli, db_url: str, tmp_path: Path) -> None:
    name, line1, line2 = DIGUI[0]
    (tmp_path / "named.tle").write_text(three_le([DIGUI[0]]))
    later = line1.replace("26115.49220466", "26116.49220466")  # a day newer, as a 2LE: no name
    (tmp_path / "unnamed.tle").write_text(f"{with_checksum(later)}\n{with_checksum(line2)}\n")
    older = line1.replace("26115.49220466", "26110.49220466")
    (tmp_path / "older.tle").write_text(three_le([("RENAMED LONG AGO", older, line2)]))

    for file in ("named.tle", "unnamed.tle", "older.tle"):
        result = cli("tle", "import", str(tmp_path / file))
        assert result.returncode == 0, result.stderr

    assert query(db_url, "SELECT name, cospar, launch FROM satellite") == [(name, "2024-240A", "2024-240")]
    assert len(query(db_url, "SELECT epoch FROM element_set")) == 3


#: The two tables as the first released version created them (commit 471bb27), with NOT NULL
#: columns the current schema no longer has.
OLD_TABLES = (
    "CREATE TABLE satellite (norad BIGINT NOT NULL, name VARCHAR, cospar VARCHAR, launch VARCHAR, "
    "first_seen DATETIME NOT NULL, last_seen DATETIME NOT NULL, PRIMARY KEY (norad))",
    "CREATE TABLE element_set (id INTEGER NOT NULL, norad BIGINT NOT NULL, epoch DATETIME NOT NULL, "
    "mean_motion FLOAT NOT NULL, eccentricity FLOAT NOT NULL, inclination_deg FLOAT NOT NULL, "
    "raan_deg FLOAT NOT NULL, arg_perigee_deg FLOAT NOT NULL, mean_anomaly_deg FLOAT NOT NULL, "
    "bstar FLOAT NOT NULL, mean_motion_dot FLOAT NOT NULL, mean_motion_ddot FLOAT NOT NULL, "
    "element_set_no INTEGER NOT NULL, rev_at_epoch INTEGER NOT NULL, classification VARCHAR NOT NULL, "
    "ephemeris_type INTEGER NOT NULL, source VARCHAR NOT NULL, imported_at DATETIME NOT NULL, "
    "PRIMARY KEY (id), UNIQUE (norad, epoch), FOREIGN KEY(norad) REFERENCES satellite (norad))",
)


@pytest.mark.sqlite_only
def test_a_database_from_the_first_version_takes_new_imports_and_keeps_its_data(
    unopened_db_url: str, tmp_path: Path
) -> None:
    db_url = unopened_db_url
    path = db_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as db, db:
        for statement in OLD_TABLES:
            db.execute(statement)
        db.execute("INSERT INTO satellite VALUES (48274, 'CSS (TIANHE)', '2021-035A', '2021-035', "
                   "'2026-08-01 00:00:00', '2026-08-01 00:00:00')")
        db.execute("INSERT INTO element_set VALUES (1, 48274, '2026-08-01 00:00:00', 15.6, 0.0005, 41.47, 1, 2, 3, "
                   "0.0002, 0.0001, 0, 999, 1, 'U', 0, 'old.tle:1', '2026-08-01 01:00:00')")
    (tmp_path / "digui.tle").write_text(three_le(DIGUI))

    result = run_in_process("tle", "import", str(tmp_path / "digui.tle"), env={"TRACKER_DB": db_url})

    assert result.returncode == 0, result.stderr
    assert query(db_url, "SELECT norad, name FROM satellite ORDER BY norad")[0] == (48274, "CSS (TIANHE)")
    assert len(query(db_url, "SELECT norad FROM element_set")) == 4
    columns = {row[1] for row in query(db_url, "PRAGMA table_info(satellite)")}
    assert "first_seen" not in columns and "last_seen" not in columns
    # Its epoch, stored without a fraction, was respelled as every time is (revision 0004): the
    # newest set is still found once an import rewrites the satellite's epoch span.
    (tmp_path / "older.csv").write_text(
        "NORAD_CAT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,ARG_OF_PERICENTER,MEAN_ANOMALY,"
        "BSTAR,MEAN_MOTION_DOT,MEAN_MOTION_DDOT\n48274,2025-08-01T00:00:00,15.6,0.0005,41.47,1,2,3,0.0002,0.0001,0\n")
    assert run_in_process("tle", "import", str(tmp_path / "older.csv"), env={"TRACKER_DB": db_url}).returncode == 0
    assert query(db_url, "SELECT first_epoch, last_epoch FROM satellite WHERE norad = 48274") == [
        ("2025-08-01 00:00:00.000000", "2026-08-01 00:00:00.000000")]
    import polars as pl

    from tracker.catalog import latest
    from tracker.services.bootstrap import open_database

    newest = latest(open_database(db_url)).filter(pl.col("norad") == 48274)
    assert newest["epoch"].to_list() == [datetime(2026, 8, 1, tzinfo=timezone.utc)]


def test_history_of_many_satellites_is_read_in_one_scan(cli: Cli, db_url: str, monkeypatch) -> None:
    from tracker import catalog
    from tracker.services.bootstrap import open_database as connect

    assert cli("tle", "import", shared_path("data/celestrak/gp-2026-08-18/stations.csv")).returncode == 0
    engine = connect(db_url)
    everything = catalog.history(engine)
    norads = everything["norad"].unique().to_list()
    monkeypatch.setattr(catalog, "IN_BATCH", 7)  # more catalog numbers than one IN list holds
    assert len(norads) > 14
    assert catalog.history(engine, norads[::-1]).equals(everything)  # same rows, same order
    assert catalog.history(engine, norads[:3]).equals(everything.filter(everything["norad"].is_in(norads[:3])))
    assert catalog.history(engine, []).is_empty()


# == refresh ======================================================================================


def test_refresh_stores_then_stays_quiet_then_force(
    cli: Cli, db_url: str, celestrak: FakeCelesTrak, refresh_env: dict[str, str]
) -> None:
    server = celestrak.server
    keys = default_keys(celestrak)

    first = cli("refresh", env=refresh_env)

    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    assert celestrak.queries() == list(DEFAULT_QUERIES)
    for q in DEFAULT_QUERIES:
        assert f"fetched  {url(server, q)}" in first.stdout
    norads = {n for n, _ in keys}
    held = len(keys) - len(set(keys))  # the small catalogue repeats GROUP=stations
    assert f"stored {len(set(keys))} new element sets ({len(norads)} new satellites, {held} already held)" in first.stdout
    counts = row_counts(db_url)
    assert counts == {"satellite": len(norads), "element_set": len(set(keys)), "fetch_state": 4}

    second = cli("refresh", env=refresh_env)

    assert (second.returncode, second.stdout, second.stderr) == (0, "", "")
    assert len(server.requests) == 4  # nothing requested: fetched less than 2 h ago
    assert row_counts(db_url) == counts

    verbose = cli("refresh", "--verbose", env=refresh_env)

    assert (verbose.returncode, verbose.stderr) == (0, "")
    assert len(server.requests) == 4
    skipped = [line for line in verbose.stdout.splitlines() if line.strip().startswith("skipped")]
    assert len(skipped) == 4
    for line, q in zip(skipped, DEFAULT_QUERIES, strict=True):
        assert url(server, q) in line and "last successful download" in line
    assert "at most every 2 h" in skipped[0] and "at most every 24 h" in skipped[3]
    assert "stored 0 new element sets" in verbose.stdout and "; 4 queries not due yet" in verbose.stdout

    forced = cli("refresh", "--force", env=refresh_env)

    assert forced.returncode == 0
    assert "--force" in forced.stderr and "minimum intervals" in forced.stderr
    assert celestrak.queries(4) == list(DEFAULT_QUERIES)
    assert row_counts(db_url) == counts


def test_the_catalogue_waits_for_its_own_interval(
    cli: Cli, db_url: str, celestrak: FakeCelesTrak, refresh_env: dict[str, str]
) -> None:
    assert cli("refresh", env=refresh_env).returncode == 0
    assert celestrak.queries() == list(DEFAULT_QUERIES)

    asked = len(celestrak.server.requests)
    for hours in (3, 3, 3, 3, 3, 3, 3, 3):  # a day of the README's cron line
        move_clock(db_url, hours)
        assert cli("refresh", env=refresh_env).returncode == 0
    # Eight runs: the groups every time (3 h > 2 h), the catalogue once, on the run 24 h after.
    assert celestrak.queries(asked) == [*GROUP_QUERIES] * 7 + list(DEFAULT_QUERIES)

    # TRACKER_CATALOGUE_HOURS sets the interval.
    asked = len(celestrak.server.requests)
    six_hours = {**refresh_env, "TRACKER_CATALOGUE_HOURS": "6"}
    for hours in (3, 3):
        move_clock(db_url, hours)
        assert cli("refresh", env=six_hours).returncode == 0
    assert celestrak.queries(asked) == [*GROUP_QUERIES] + list(DEFAULT_QUERIES)


@pytest.mark.parametrize("status", [404, 500])
def test_error_on_the_first_url_stops_the_run(
    cli: Cli, db_url: str, celestrak: FakeCelesTrak, refresh_env: dict[str, str], status: int
) -> None:
    server = celestrak.server
    celestrak.script["NAME=HULIANWANG"] = [Reply(status, f"test server says {status}")]

    result = cli("refresh", env=refresh_env)

    assert result.returncode == 3
    assert celestrak.queries() == [HULIANWANG_QUERY]  # the others never requested
    first = url(server, HULIANWANG_QUERY)
    assert f"error  {first}  HTTP {status}: test server says {status}" in result.stderr
    for q in DEFAULT_QUERIES[1:]:
        assert f"not-attempted  {url(server, q)}" in result.stderr
    assert row_counts(db_url)["element_set"] == 0


def test_error_on_a_later_url_keeps_what_was_fetched(
    cli: Cli, db_url: str, celestrak: FakeCelesTrak, refresh_env: dict[str, str]
) -> None:
    server = celestrak.server
    celestrak.script["GROUP=qianfan"] = [Reply(503, "Service Unavailable")]

    result = cli("refresh", env=refresh_env)

    assert result.returncode == 3
    assert celestrak.queries() == [HULIANWANG_QUERY, QIANFAN_QUERY]
    assert f"error  {url(server, QIANFAN_QUERY)}  HTTP 503: Service Unavailable" in result.stderr
    hulianwang = shared_path(*CAPTURE, "hulianwang.csv")
    assert {n for (n,) in query(db_url, "SELECT norad FROM element_set")} == csv_norads(hulianwang)

    # The failed URL has no success on record, so the next run asks for it again.
    retry = cli("refresh", env=refresh_env)

    assert retry.returncode == 0, retry.stderr
    assert celestrak.queries(2) == [QIANFAN_QUERY, STATIONS_QUERY, ACTIVE_QUERY]


def test_403_not_updated_is_quiet_success(
    cli: Cli, db_url: str, celestrak: FakeCelesTrak, refresh_env: dict[str, str]
) -> None:
    for key in ("NAME=HULIANWANG", "GROUP=qianfan", "GROUP=stations", CATALOGUE_KEY):
        celestrak.script[key] = [Reply(403, NOT_UPDATED)]

    result = cli("refresh", env=refresh_env)

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert celestrak.queries() == list(DEFAULT_QUERIES)
    assert row_counts(db_url)["element_set"] == 0
    assert cli("refresh", env=refresh_env).returncode == 0
    assert len(celestrak.server.requests) == 4  # a 403 "not updated" counts as a success


def test_a_body_that_is_not_element_data_stops_the_run_like_any_error(
    cli: Cli, db_url: str, celestrak: FakeCelesTrak, refresh_env: dict[str, str]
) -> None:
    # CelesTrak answers an unknown group with 200 and a line of text, not with an HTTP error.
    server = celestrak.server
    celestrak.script["GROUP=qianfan"] = [Reply(200, "No GP data found")]

    result = cli("refresh", env=refresh_env)

    assert result.returncode == 3
    assert celestrak.queries() == [HULIANWANG_QUERY, QIANFAN_QUERY]  # stopped: the rest not asked
    message = "HTTP 200 but not element data (expected TLE/3LE, OMM CSV, JSON or XML): 'No GP data found'"
    assert f"error  {url(server, QIANFAN_QUERY)}  {message}" in result.stderr
    for q in (STATIONS_QUERY, ACTIVE_QUERY):
        assert f"not-attempted  {url(server, q)}" in result.stderr
    hulianwang = shared_path(*CAPTURE, "hulianwang.csv")
    assert {n for (n,) in query(db_url, "SELECT norad FROM element_set")} == csv_norads(hulianwang)
    saved = dict(query(db_url, "SELECT url, last_success FROM fetch_state"))
    assert saved[url(server, QIANFAN_QUERY)] is None  # no success on record: not skipped next time
    assert url(server, STATIONS_QUERY) not in saved

    retry = cli("refresh", env=refresh_env)  # the next run asks again and goes on

    assert retry.returncode == 0, retry.stderr
    assert celestrak.queries(2) == [QIANFAN_QUERY, STATIONS_QUERY, ACTIVE_QUERY]


def test_refresh_with_rejected_records_stores_the_rest_and_exits_5(
    cli: Cli, db_url: str, celestrak: FakeCelesTrak, refresh_env: dict[str, str]
) -> None:
    header, good, *_ = shared_path(*CAPTURE, "qianfan.csv").read_text().splitlines()
    cells = good.split(",")
    cells[header.split(",").index("MEAN_MOTION")] = "fast"
    bad = ",".join(cells)
    celestrak.script["GROUP=qianfan"] = [Reply(200, f"{header}\n{good}\n{bad}\n")]

    result = cli("tle", "refresh", "GROUP=qianfan", env=refresh_env)

    assert result.returncode == 5, result.stderr
    assert f"rejected {url(celestrak.server, QIANFAN_QUERY)}:3: field MEAN_MOTION" in result.stderr
    assert row_counts(db_url)["element_set"] == 1


def test_etag_is_sent_back_and_304_is_fine(
    cli: Cli, db_url: str, celestrak: FakeCelesTrak, refresh_env: dict[str, str]
) -> None:
    assert cli("refresh", env=refresh_env).returncode == 0
    first = celestrak.server.requests
    assert all("if-none-match" not in r.headers for r in first)
    counts = row_counts(db_url)

    again = cli("refresh", "--force", "--verbose", env=refresh_env)

    assert again.returncode == 0, again.stderr
    second = celestrak.server.requests[4:]
    assert [celestrak.key(r) for r in second] == ["NAME=HULIANWANG", "GROUP=qianfan", "GROUP=stations", CATALOGUE_KEY]
    for request in second:
        assert request.headers["if-none-match"] == celestrak.etag(celestrak.key(request))
        assert request.headers["if-modified-since"] == FakeCelesTrak.LAST_MODIFIED
    assert "fetched" not in again.stdout
    assert again.stdout.count("unchanged") == 4
    assert row_counts(db_url) == counts


def test_tle_refresh_with_one_group(
    cli: Cli, db_url: str, celestrak: FakeCelesTrak, refresh_env: dict[str, str]
) -> None:
    result = cli("tle", "refresh", "GROUP=qianfan", env=refresh_env)

    assert result.returncode == 0, result.stderr
    assert celestrak.queries() == [QIANFAN_QUERY]
    qianfan = shared_path(*CAPTURE, "qianfan.csv")
    assert {n for (n,) in query(db_url, "SELECT norad FROM element_set")} == csv_norads(qianfan)


def test_tle_refresh_raw_query_is_asked_as_csv(
    cli: Cli, db_url: str, celestrak: FakeCelesTrak, refresh_env: dict[str, str]
) -> None:
    result = cli("tle", "refresh", "--query", "GROUP=active&FORMAT=json", env=refresh_env)

    assert result.returncode == 0, result.stderr
    [request] = celestrak.server.requests
    assert request.query == {"GROUP": "active", "FORMAT": "csv"}
    assert row_counts(db_url)["element_set"] == len(csv_keys([celestrak.files[CATALOGUE_KEY]]))


@pytest.mark.parametrize(
    "args, expected",
    [
        (["FOO=bar"], "bad group spec 'FOO=bar'"),
        (["--query", "FORMAT=json"], "bad query 'FORMAT=json'"),
    ],
)
def test_tle_refresh_bad_spec_is_a_usage_error(
    cli: Cli, http_server: LocalServer, args: list[str], expected: str
) -> None:
    result = cli("tle", "refresh", *args, env={"TRACKER_CELESTRAK_URL": http_server.url})

    assert result.returncode == 2
    assert result.stderr.startswith("tracker: error: ") and expected in result.stderr
    assert http_server.requests == []


def test_a_held_lock_makes_refresh_exit_4(
    cli: Cli, db_url: str, celestrak: FakeCelesTrak, refresh_env: dict[str, str]
) -> None:
    from tracker.lock import refresh_lock
    from tracker.services.bootstrap import open_database

    # The lock the CLI takes: <file>.refresh.lock beside a SQLite file, an advisory lock on PostgreSQL.
    with refresh_lock(engine := open_database(db_url), db_url):
        commands = (["refresh"], ["tle", "refresh"], ["launches", "refresh"], ["markets", "refresh"])
        locked = [cli(*command, env=refresh_env) for command in commands]
    engine.dispose()

    for result in locked:
        assert result.returncode == 4
        assert "another refresh is running" in result.stderr
        holder = f"pid {os.getpid()}" if db_url.startswith("sqlite") else "PostgreSQL advisory lock"
        assert holder in result.stderr
    assert celestrak.server.requests == []
    assert row_counts(db_url)["element_set"] == 0

    released = cli("refresh", env=refresh_env)

    assert released.returncode == 0, released.stderr
    assert celestrak.queries() == list(DEFAULT_QUERIES)


# == the active catalogue and the dawn-dusk objects ===============================================


@dataclass(frozen=True)
class Orbit:
    norad: int
    launch: str
    perigee_km: float
    apogee_km: float


@functools.cache
def dawn_dusk_rows(path: Path) -> tuple[Orbit, ...]:
    """The dawn-dusk objects of a CelesTrak CSV file, computed here from the README's definitions
    independently of the product: mean altitude 700-800 km from Kepler's third law, J2 nodal
    drift within 2% of the Sun's 0.9856 deg/day, LTAN within 1 h of 06:00 or 18:00. The Sun's
    right ascension comes from the Astronomical Almanac's low-precision formulas (about 0.01 deg,
    a few seconds of LTAN), not from the product's ephemeris."""
    mu, radius, j2 = 398600.4418, 6378.137, 1.08262668e-3
    found = []
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            revs = float(row["MEAN_MOTION"])
            a = (mu / (revs * 2 * math.pi / 86400) ** 2) ** (1 / 3)
            e, i = float(row["ECCENTRICITY"]), math.radians(float(row["INCLINATION"]))
            drift = math.degrees(-1.5 * revs * 2 * math.pi * j2 * (radius / (a * (1 - e * e))) ** 2 * math.cos(i))
            if not (700 <= a - radius <= 800 and abs(drift / (360 / 365.2422) - 1) <= 0.02):
                continue
            epoch = datetime.fromisoformat(row["EPOCH"]).replace(tzinfo=timezone.utc)
            days = (epoch - datetime(2000, 1, 1, 12, tzinfo=timezone.utc)).total_seconds() / 86400
            mean_longitude, anomaly = 280.460 + 0.9856474 * days, math.radians(357.528 + 0.9856003 * days)
            ecliptic = math.radians(mean_longitude + 1.915 * math.sin(anomaly) + 0.020 * math.sin(2 * anomaly))
            obliquity = math.radians(23.439 - 0.0000004 * days)
            sun_ra = math.degrees(math.atan2(math.cos(obliquity) * math.sin(ecliptic), math.cos(ecliptic)))
            ltan = (12 + (float(row["RA_OF_ASC_NODE"]) - sun_ra) / 15) % 24
            if min(abs(ltan - 6), abs(ltan - 18)) <= 1:
                found.append(Orbit(int(row["NORAD_CAT_ID"]), row["OBJECT_ID"][:8], a * (1 - e) - radius, a * (1 + e) - radius))
    return tuple(found)


def expected_launches(orbits: Iterable[Orbit]) -> list[str]:
    """The launches a default refresh follows: most dawn-dusk objects first, then the newest."""
    members = Counter(o.launch for o in orbits)
    return sorted(members, key=lambda launch: (-members[launch], [-int(part) for part in launch.split("-")]))


def intdes(launch: str) -> str:
    return f"FORMAT=csv&INTDES={launch}"


def test_the_default_refresh_finds_and_follows_the_dawn_dusk_objects(
    cli: Cli, db_url: str, full_celestrak: FakeCelesTrak
) -> None:
    env = {"TRACKER_CELESTRAK_URL": full_celestrak.server.url}
    orbits = dawn_dusk_rows(full_celestrak.files[CATALOGUE_KEY])
    expected = {o.norad for o in orbits}
    launches = expected_launches(orbits)
    # The issue counted 17: the objects wholly inside the band (perigee and apogee). The
    # classification goes by mean altitude, which adds four whose perigee or apogee is outside.
    assert len([o for o in orbits if o.perigee_km >= 700 and o.apogee_km <= 800]) == 17
    assert (len(expected), len(launches)) == (21, 14)

    first = cli("refresh", env=env)

    assert first.returncode == 0, first.stderr
    assert full_celestrak.queries() == list(DEFAULT_QUERIES)  # no launch is known before the catalogue
    assert "dawn-dusk: 21 objects from 14 launches in the active catalogue" in first.stdout
    listed = list(csv.DictReader(io.StringIO(cli("orbits", "dawn-dusk", "--format", "csv").stdout)))
    assert {int(row["norad"]) for row in listed} == expected
    members = json.loads(cli("sats", "--constellation", "dawn-dusk", "--format", "json").stdout)
    assert {row["norad"] for row in members} == expected

    # Three hours later: the groups and the ten launches with most dawn-dusk objects, one INTDES
    # query each; not the catalogue (asked for once a day).
    move_clock(db_url, 3)
    second = cli("refresh", env=env)

    assert (second.returncode, second.stderr) == (0, "")
    assert full_celestrak.queries(4) == [*GROUP_QUERIES, *map(intdes, launches[:10])]
    verbose = cli("refresh", "--verbose", env=env)  # within 2 h: no request
    assert len(full_celestrak.server.requests) == 4 + 13
    assert f"refreshed with the catalogue only: {', '.join(launches[10:])}" in verbose.stdout

    # A day after the catalogue: everything, the catalogue last.
    move_clock(db_url, 21)
    third = cli("refresh", env=env)

    assert third.returncode == 0, third.stderr
    assert full_celestrak.queries(17) == [*GROUP_QUERIES, *map(intdes, launches[:10]), ACTIVE_QUERY]


def dawn_dusk_catalogue(tmp_path: Path) -> Path:
    """A small active catalogue: the lines of the real one holding dawn-dusk objects."""
    active = shared_path(*CAPTURE, "active.csv")
    wanted = {str(o.norad) for o in dawn_dusk_rows(active)}
    header, *rows = active.read_text().splitlines(keepends=True)
    column = next(csv.reader([header])).index("NORAD_CAT_ID")
    path = tmp_path / "dawn-dusk.csv"
    path.write_text(header + "".join(line for line in rows if next(csv.reader([line]))[column] in wanted))
    return path


@pytest.mark.parametrize("status", [403, 503])
def test_a_refused_catalogue_or_launch_query_stops_the_run(
    cli: Cli, db_url: str, http_server: LocalServer, tmp_path: Path, status: int
) -> None:
    celestrak = FakeCelesTrak(http_server, shared_path(*CAPTURE), catalogue=dawn_dusk_catalogue(tmp_path))
    env = {"TRACKER_CELESTRAK_URL": http_server.url}
    launches = expected_launches(dawn_dusk_rows(shared_path(*CAPTURE, "active.csv")))
    refusal = Reply(status, "Forbidden: too many downloads of this data" if status == 403 else "Service Unavailable")
    celestrak.script[CATALOGUE_KEY] = [refusal]

    refused = cli("refresh", env=env)

    assert refused.returncode == 3
    assert f"error  {url(http_server, ACTIVE_QUERY)}  HTTP {status}" in refused.stderr
    assert celestrak.queries() == list(DEFAULT_QUERIES)
    assert query(db_url, "SELECT count(*) FROM constellation_rule WHERE constellation = 'dawn-dusk'") == [(0,)]
    assert query(db_url, "SELECT count(*) FROM fetch_state WHERE last_success IS NOT NULL") == [(3,)]

    # No success on record: the next run asks for the catalogue again, and only for it.
    again = cli("refresh", env=env)

    assert again.returncode == 0, again.stderr
    assert celestrak.queries(4) == [ACTIVE_QUERY]
    assert "dawn-dusk: 21 objects from 14 launches" in again.stdout

    # A refused launch query stops the run: nothing after it is asked for, the catalogue included.
    move_clock(db_url, 24)
    celestrak.script[f"INTDES={launches[1]}"] = [refusal]
    stopped = cli("refresh", env=env)

    assert stopped.returncode == 3
    assert celestrak.queries(5) == [*GROUP_QUERIES, intdes(launches[0]), intdes(launches[1])]
    not_attempted = [line.split()[1] for line in stopped.stderr.splitlines() if line.strip().startswith("not-attempted")]
    assert not_attempted == [url(http_server, q) for q in (*map(intdes, launches[2:10]), ACTIVE_QUERY)]


def test_each_catalogue_download_replaces_the_dawn_dusk_members(
    cli: Cli, db_url: str, http_server: LocalServer, tmp_path: Path
) -> None:
    catalogue = dawn_dusk_catalogue(tmp_path)
    celestrak = FakeCelesTrak(http_server, shared_path(*CAPTURE), catalogue=catalogue)
    env = {"TRACKER_CELESTRAK_URL": http_server.url}
    orbits = dawn_dusk_rows(shared_path(*CAPTURE, "active.csv"))
    assert cli("constellations", "add", "dawn-dusk", "--norad", "25544").returncode == 0  # a person's own rule

    def members() -> set[int]:
        shown = cli("sats", "--constellation", "dawn-dusk", "--format", "json")
        assert shown.returncode == 0, shown.stderr
        return {row["norad"] for row in json.loads(shown.stdout)}

    assert cli("refresh", env=env).returncode == 0
    assert members() == {o.norad for o in orbits} | {25544}

    # The next day's catalogue no longer holds launch 2013-009 (five dawn-dusk objects, which
    # became inactive: INTDES still answers for them).
    header, *rows = catalogue.read_text().splitlines(keepends=True)
    later = tmp_path / "later" / catalogue.name
    later.parent.mkdir()
    later.write_text(header + "".join(line for line in rows if ",2013-009" not in line))
    celestrak.files[CATALOGUE_KEY] = later
    move_clock(db_url, 24)
    result = cli("refresh", env=env)

    assert result.returncode == 0, result.stderr
    assert "dawn-dusk: 16 objects from 13 launches in the active catalogue" in result.stdout
    listed = json.loads(cli("constellations", "list", "--format", "json").stdout)
    followed = next(row for row in listed if row["constellation"] == "dawn-dusk")
    assert followed["members"] == len([o for o in orbits if o.launch != "2013-009"]) + 1  # and the person's rule
    # The view still shows the five: their newest elements held still put them in a dawn-dusk orbit.
    assert members() == {o.norad for o in orbits} | {25544}
    asked = len(http_server.requests)
    move_clock(db_url, 3)
    assert cli("refresh", env=env).returncode == 0
    remaining = expected_launches(o for o in orbits if o.launch != "2013-009")
    assert celestrak.queries(asked) == [*GROUP_QUERIES, *map(intdes, remaining[:10])]


# == kill safety ==================================================================================


def kill_when(proc: subprocess.Popen, ready: Callable[[], bool], timeout: float = 30.0) -> bool:
    """SIGKILL ``proc`` as soon as ``ready()``; False if it finished first."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if ready():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            return True
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait(timeout=10)
            pytest.fail(f"condition not reached within {timeout} s")
        time.sleep(0.002)
    return False


def test_refresh_killed_mid_run_leaves_the_database_as_it_was(
    cli: Cli, db_url: str, celestrak: FakeCelesTrak, refresh_env: dict[str, str]
) -> None:
    history = shared_path(*HISTORY)
    latest = dict(celestrak.files)
    celestrak.files["NAME=HULIANWANG"] = history / "hulianwang" / "2026-08-13.csv"
    celestrak.files["GROUP=qianfan"] = history / "qianfan" / "2026-08-13.csv"
    assert cli("refresh", env=refresh_env).returncode == 0
    before = (row_counts(db_url), fetch_state(db_url))
    assert before[0]["fetch_state"] == 4

    # Newer data on the server, and the third answer takes a long time.
    celestrak.files = latest
    celestrak.delay["GROUP=stations"] = 30.0
    proc = subprocess.Popen(
        tracker_command("refresh", "--force"),
        env=tracker_env(db_url, refresh_env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert kill_when(proc, lambda: len(celestrak.server.requests) >= 7), "refresh ended on its own"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert celestrak.queries(4) == list(GROUP_QUERIES)  # killed while waiting for the third answer

    assert (row_counts(db_url), fetch_state(db_url)) == before
    if db_url.startswith("sqlite"):
        assert query(db_url, "PRAGMA integrity_check") == [("ok",)]

    # The kernel released the lock with the process: the next run works and stores the new data.
    celestrak.delay.clear()
    after = cli("refresh", "--force", env=refresh_env)
    assert after.returncode == 0, after.stderr
    assert row_counts(db_url)["element_set"] > before[0]["element_set"]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return -1


# SQLite (WAL mode) writes an import's pages to <db>-wal while inserting, commits, and only then
# copies them into <db> (a checkpoint). The triggers straddle that commit on any machine speed.
KILL_POINTS: dict[str, Callable[[Path, int, float], bool]] = {
    "0.3 s after start": lambda db, size0, t0: time.monotonic() - t0 >= 0.3,
    "inserting (wal > 256 KiB)": lambda db, size0, t0: _size(db.with_name(db.name + "-wal")) > 256 * 1024,
    "inserting (wal > 3 MiB)": lambda db, size0, t0: _size(db.with_name(db.name + "-wal")) > 3 * 1024 * 1024,
    "checkpointing (db growing)": lambda db, size0, t0: _size(db) > size0 + 256 * 1024,
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
@pytest.mark.sqlite_only
def test_import_killed_at_any_moment_is_all_or_nothing(db_url: str, point: str) -> None:
    active = shared_path(*CAPTURE, "active.csv")
    create_empty_db(db_url)
    db = db_file(db_url)
    size0, ready = _size(db), KILL_POINTS[point]

    t0 = time.monotonic()
    proc = subprocess.Popen(
        tracker_command("tle", "import", active),
        env=tracker_env(db_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        killed = kill_when(proc, lambda: ready(db, size0, t0))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert query(db_url, "PRAGMA integrity_check") == [("ok",)]
    element_sets, satellites = (row_counts(db_url)[t] for t in ("element_set", "satellite"))
    assert (element_sets, satellites) in {(0, 0), (16344, 16344)}, f"killed={killed}"
    if not killed:
        assert proc.returncode == 0 and element_sets == 16344
    if point.startswith("checkpointing"):
        assert element_sets == 16344  # a checkpoint only ever copies committed pages
