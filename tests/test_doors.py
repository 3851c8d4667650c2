"""Issue 11: what the tool writes (whole or nothing, only over regular files) and the databases it
opens (corrupt, foreign, read-only): one-line errors, never tracebacks."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import run_in_process
from tracker.errors import BadInput, DatabaseError, Refused
from tracker.markets.link import LinkParams
from tracker.services import launches
from tracker.services import link as links
from tracker.services.bootstrap import open_database

# -- outputs -------------------------------------------------------------------------------------


def _frame() -> pl.DataFrame:
    return pl.DataFrame({"event_id": ["a"], "ar": [0.01]})  # made up


@pytest.fixture
def exporters(db_url):
    engine = open_database(db_url)
    yield {
        "launches": lambda path, force=False: launches.export_launches(engine, path, "csv", force=force),
        "link": lambda path, force=False: links.export(_frame(), LinkParams(), path, "csv", force),
    }
    engine.dispose()


@pytest.mark.parametrize("which", ["launches", "link"])
@pytest.mark.parametrize("kind", ["symlink", "fifo", "directory", "device"])
def test_a_target_that_is_not_a_regular_file_is_refused_even_with_force(exporters, tmp_path, which, kind) -> None:
    target = tmp_path / "out.csv"
    keep = tmp_path / "keep.txt"
    keep.write_text("keep me")
    if kind == "symlink":
        target.symlink_to(keep)
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "directory":
        target.mkdir()
    else:
        target.symlink_to("/dev/null")  # a device is reached through its path; /dev/null itself
        target = Path("/dev/null")
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(Refused, match="not a regular file"):
        exporters[which](target, force=True)
    assert keep.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing left behind


@pytest.mark.parametrize("which", ["launches", "link"])
def test_a_failed_write_is_one_line_and_leaves_no_temporary_file(exporters, tmp_path, monkeypatch, which) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    with pytest.raises(BadInput, match=r"^cannot write .*no-such-dir/x.csv: No such file"):
        exporters[which](tmp_path / "no-such-dir" / "x.csv")
    (tmp_path / "x.csv").write_text("earlier")

    def full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full)
    monkeypatch.setattr(pl.DataFrame, "write_csv", full)
    with pytest.raises(BadInput, match="No space left on device") as caught:
        exporters[which](tmp_path / "x.csv", force=True)
    assert "\n" not in str(caught.value)
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"] and (tmp_path / "x.csv").read_text() == "earlier"


def test_written_files_are_readable_like_any_file_the_user_makes(exporters, tmp_path) -> None:
    path = tmp_path / "x.csv"
    exporters["launches"](path)
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644 & ~mask


# -- databases -----------------------------------------------------------------------------------


def _db(path: Path) -> dict[str, str]:
    return {"TRACKER_DB": f"sqlite:///{path}"}


def _one_line_error(result) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_corrupt_file_is_a_one_line_database_error(tmp_path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(bytes(range(256)) * 64)  # not SQLite
    for command in (["sats"], ["launches", "list"], ["orbits", "history", "25544"]):
        result = run_in_process(*command, env=_db(path))
        _one_line_error(result)
        assert "junk.db" in result.stderr
    with pytest.raises(DatabaseError, match="junk.db"):
        open_database(f"sqlite:///{path}")


def test_a_foreign_schema_is_a_one_line_database_error(tmp_path) -> None:
    path = tmp_path / "foreign.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE satellite (id TEXT, colour TEXT)")
    with pytest.raises(DatabaseError, match="foreign.db.*satellite"):
        open_database(f"sqlite:///{path}")
    _one_line_error(run_in_process("sats", env=_db(path)))


@pytest.fixture
def read_only_db(db_url, monkeypatch):
    path = Path(db_url.removeprefix("sqlite:///"))
    open_database(db_url).dispose()  # bootstrapped; the token matches
    for side in path.parent.glob("t.db-*"):
        side.unlink()  # as a copy carried elsewhere would be: the file alone
    os.chmod(path, 0o444)
    os.chmod(path.parent, 0o555)
    if os.geteuid() == 0:  # root may write anything: make the permissions count for this test
        real = os.access

        def access(where, mode, *args, **kwargs):
            if mode & os.W_OK and Path(where) in (path, path.parent):
                return False
            return real(where, mode, *args, **kwargs)

        monkeypatch.setattr(os, "access", access)
    yield path
    os.chmod(path.parent, 0o755)
    os.chmod(path, 0o644)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("command", [["sats"], ["launches", "list"], ["orbits", "history", "25544"]])
def test_read_only_commands_work_on_a_read_only_database(read_only_db, command) -> None:
    files = sorted(p.name for p in read_only_db.parent.iterdir())
    result = run_in_process(*command, env=_db(read_only_db))
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr and "readonly" not in result.stderr.lower(), result.stderr
    if command != ["orbits", "history", "25544"]:
        assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in read_only_db.parent.iterdir()) == files


@pytest.mark.sqlite_only
def test_writing_to_a_read_only_database_is_a_one_line_error(read_only_db, tmp_path) -> None:
    result = run_in_process("launches", "add", "--vehicle", "CZ-2C", "--net", "2030-01-01", env=_db(read_only_db))
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# -- validation at every door ----------------------------------------------------------------------

_OMM = {"OBJECT_NAME": "TEST SAT", "OBJECT_ID": "2024-240A", "EPOCH": "2026-04-25T11:48:46", "MEAN_MOTION": 15.2,
        "ECCENTRICITY": 0.0002, "INCLINATION": 86.5, "RA_OF_ASC_NODE": 1.0, "ARG_OF_PERICENTER": 72.0,
        "MEAN_ANOMALY": 287.0, "EPHEMERIS_TYPE": 0, "CLASSIFICATION_TYPE": "U", "NORAD_CAT_ID": 62323,
        "ELEMENT_SET_NO": 999, "REV_AT_EPOCH": 6566, "BSTAR": 6.088e-5, "MEAN_MOTION_DOT": 4.1e-7,
        "MEAN_MOTION_DDOT": 0}  # made up


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("EPOCH", "2201-01-01T00:00:00", "epoch 2201-01-01 outside the supported range"),
    ("EPOCH", "1900-01-01T00:00:00", "epoch 1900-01-01 outside the supported range"),
    ("MEAN_MOTION", 25.0, "mean motion must be > 0 and <= 20"),
    ("RA_OF_ASC_NODE", 400.0, "RAAN must be in [0, 360]"),
    ("MEAN_ANOMALY", -1.0, "mean anomaly must be in [0, 360]"),
    ("BSTAR", 50.0, "BSTAR must be below 10"),
    ("NORAD_CAT_ID", 0, "catalog number out of range"),
    ("ELEMENT_SET_NO", 2**31, "ELEMENT_SET_NO must be in 0..2147483647"),
    ("REV_AT_EPOCH", -1, "REV_AT_EPOCH must be in"),
    ("EPHEMERIS_TYPE", 10**30, "EPHEMERIS_TYPE must be in 0..9"),  # found by fuzzing: it crashed the import
])
def test_element_bounds_reject_the_record_naming_the_field(field, value, reason) -> None:
    import json

    from tle.formats import parse_text

    result = parse_text(json.dumps([_OMM, {**_OMM, field: value}]), "t.json")
    assert len(result.records) == 1
    (rejected,) = result.rejected
    assert reason in rejected.reason and "record 2" in rejected.reason and rejected.source == "t.json"


def test_a_lone_surrogate_in_a_json_name_rejects_its_record() -> None:
    """JSON may escape half a UTF-16 pair (\\ud800): no file, database or terminal can hold the
    result, so the record is rejected, naming the field (found by probing; it crashed the import)."""
    import json

    from tle.formats import parse_text

    result = parse_text(json.dumps([_OMM, {**_OMM, "NORAD_CAT_ID": 62324, "OBJECT_NAME": "A\ud800B"}]), "t.json")
    assert result.frame["norad"].to_list() == [62323]
    (rejected,) = result.rejected
    assert "record 2: name is not Unicode text" in rejected.reason and "\\ud800" in rejected.reason


def test_an_element_file_with_every_record_rejected_exits_1_and_some_rejected_exits_5(cli, tmp_path) -> None:
    import json

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{**_OMM, "MEAN_MOTION": 99.0}, {**_OMM, "EPOCH": "2300-01-01"}]))
    result = cli("tle", "import", bad)
    assert result.returncode == 1 and "every record was rejected" in result.stderr and "bad.json" in result.stderr
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps([_OMM, {**_OMM, "NORAD_CAT_ID": 62324, "MEAN_MOTION": 99.0}]))
    assert cli("tle", "import", mixed).returncode == 5


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("net_utc", "2201-01-01T00:00:00Z", "net_utc: 2201-01-01T00:00:00Z is outside the supported range"),
    ("window_start", "0001-01-01T00:00:00+05:00", "window_start: '0001-01-01T00:00:00+05:00' is outside"),
    ("announced_utc", "1900-01-01", "announced_utc: 1900-01-01T00:00:00Z is outside"),
    ("landing_downrange_km", "-5", "landing_downrange_km: -5.0 is not a distance >= 0 km"),
    ("landing_downrange_km", "nan", "landing_downrange_km: nan is not a distance"),
])
def test_launch_files_refuse_out_of_range_times_and_distances(engine_fixture, tmp_path, column, value, reason) -> None:
    import csv

    engine = engine_fixture
    out = tmp_path / "l.csv"
    launches.export_launches(engine, out)
    rows = list(csv.DictReader(out.open()))
    rows[1][column] = value
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(BadInput, match="line 3") as caught:
        launches.import_launches(engine, out)
    assert reason in str(caught.value)


@pytest.fixture
def engine_fixture(db_url):
    engine = open_database(db_url)
    yield engine
    engine.dispose()


def test_ll2_times_and_distances_obey_the_same_bounds() -> None:
    from tracker.launches.ll2 import _Fields

    read = _Fields("abc-123")
    with pytest.raises(ValueError, match="LL2 launch abc-123: net .*between 1957-01-01 and 2100-12-31"):
        read.time({"net": "2999-01-01T00:00:00Z"}, "net", "net")
    with pytest.raises(ValueError, match="distance >= 0"):
        read.distance({"downrange_distance": -3}, "downrange_distance", "landing.downrange_distance")


def test_vendor_bars_obey_the_price_file_rules() -> None:
    import json

    from markets.eastmoney import parse_klines
    from markets.fetch import FetchError
    from markets.yahoo import parse_chart

    def kline(*rows: str) -> str:
        return json.dumps({"rc": 0, "data": {"code": "600118", "market": 1, "klines": list(rows)}})

    good = "2024-01-03,30.10,30.50,30.80,29.90,12345,37654321.00,3.00,1.67,0.50,0.10"  # made up
    assert parse_klines(kline(good), "XSHG:600118").height == 1
    for row, field in (("2024-01-04,30.10,30.50,29.00,29.90,1,1,1,1,1,1", "high"),  # high below close
                       ("2024-01-04,30.10,30.50,30.80,31.00,1,1,1,1,1,1", "low"),  # low above open
                       ("2024-01-04,-1,30.50,30.80,29.90,1,1,1,1,1,1", "open"),
                       ("2024-01-04,30.10,30.50,30.80,29.90,-7,1,1,1,1,1", "volume"),
                       ("2101-01-04,30.10,30.50,30.80,29.90,1,1,1,1,1,1", "date")):
        with pytest.raises(FetchError, match=f"field {field}") as caught:
            parse_klines(kline(good, row), "XSHG:600118", "http://em/kline")
        assert "http://em/kline" in str(caught.value) or caught.value.args[1] == "http://em/kline"
    chart = {"chart": {"error": None, "result": [{"meta": {"exchangeTimezoneName": "Asia/Shanghai"},
             "timestamp": [1704245400], "indicators": {"quote": [
                 {"open": [20.5], "high": [20.0], "low": [20.2], "close": [20.95], "volume": [1000]}]}}]}}
    with pytest.raises(FetchError, match="field high"):
        parse_chart(chart, "XSHG:600118", "http://y/chart")


def test_price_files_refuse_dates_outside_the_supported_range(tmp_path) -> None:
    from markets.files import PriceFileError, parse_file

    text = "date,symbol,open,high,low,close,volume\n1900-01-03,JKS,1,2,1,1,5\n"  # made up
    with pytest.raises(PriceFileError, match="line 2, field date: 1900-01-03 is outside the supported range"):
        parse_file(tmp_path / "p.csv", text)


def test_an_epoch_beyond_the_suns_ephemeris_does_not_break_dawn_dusk(cli, tmp_path) -> None:
    """Epochs are accepted to 2100, the Sun's position (DE421) is known to 2053-10-09: such an
    element set has no local time of the node, so it is no dawn-dusk object, and nothing fails."""
    import json

    late = {**_OMM, "EPOCH": "2060-08-18T04:00:00", "INCLINATION": 98.2477, "MEAN_MOTION": 14.54885112, "NORAD_CAT_ID": 90001,
            "ECCENTRICITY": 0.0014, "RA_OF_ASC_NODE": 52.8}
    path = tmp_path / "late.json"
    path.write_text(json.dumps([late, {**late, "EPOCH": "2026-08-18T04:00:00", "NORAD_CAT_ID": 90002}]))
    assert cli("tle", "import", path).returncode == 0
    result = cli("orbits", "dawn-dusk", "--min-alt", "0", "--max-alt", "100000", "--format", "csv")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "90001" not in result.stdout


# -- outside text in every table --------------------------------------------------------------------

_EVIL = "EVIL\x1b]0;pwned\x07SAT [link=http://x]y[/link] [bold red]R \u202eRTL"  # made up


@pytest.fixture
def evil_db(cli, tmp_path):
    import json

    path = tmp_path / "evil.json"
    path.write_text(json.dumps([{**_OMM, "OBJECT_NAME": "[/]"}, {**_OMM, "OBJECT_NAME": _EVIL, "NORAD_CAT_ID": 62324}]))
    assert cli("tle", "import", path, "--constellation", "guowang").returncode == 0
    assert cli("launches", "add", "--vehicle", "CZ-8A", "--net", "2026-03-01T00:00:00Z", "--mission", "=cmd|' /C calc'!A0 [/] \x1b[2J",
               "--serial", "bad[/closing]").returncode == 0
    assert cli("markets", "add", "FOO", "--name", "@SUM(1) [/]\x1b]0;t\x07").returncode == 0
    return cli


@pytest.mark.parametrize("command", [
    ["sats", "--constellation", "all", "--at", "2026-04-25T12:00:00Z"], ["orbits", "history", "62323"],
    ["orbits", "history", "62324"], ["launches", "list", "--since", "2026-02-01"], ["markets", "list"],
    ["constellations", "list"], ["orbits", "groups"],
])
@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_outside_text_is_shown_escaped_in_every_table(evil_db, command, fmt) -> None:
    """Escape sequences, Rich markup and formulas in names and missions: shown as typed, never
    interpreted, never a crash; in a table controls escaped, in CSV (data: written as stored)
    cells that would be formulas neutralised."""
    result = evil_db(*command, *(["--format", fmt] if command[:2] != ["constellations", "list"] else []))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    out = result.stdout + result.stderr
    if fmt == "table":
        assert not any(c in out for c in ("\x1b", "\x07", "\u202e")), out
    else:
        assert ",=cmd" not in out and ",@SUM" not in out and "\n=" not in out and "\n@" not in out
        shown = {"launches": ",'=cmd|", "markets": ",'@SUM(1) [/]"}.get(command[0])
        assert shown is None or shown in out, out
