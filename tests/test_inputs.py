"""Outside input and output at the edges (issue 11): CSV formulas and ``--raw-csv``, launch files
in other encodings, large imports, outside text in the TUI."""

from __future__ import annotations

import argparse
import codecs
import csv
import io
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest

from tracker.cli import build_parser
from tracker.errors import BadInput
from tracker.launches.store import load
from tracker.output import emit
from tracker.services import launches
from tracker.services.bootstrap import open_database

# -- CSV: formulas neutralised unless --raw-csv ----------------------------------------------------


def test_emit_neutralises_formulas_unless_raw_and_numbers_stay_numbers() -> None:
    frame = pl.DataFrame({"name": ["=1+1", "-x", "@SUM(A1)", "plain"], "value": [-1.5, -2.0, 3.0, 0.0]})
    safe, raw = io.StringIO(), io.StringIO()
    emit(frame, "csv", out=safe)
    emit(frame, "csv", out=raw, raw_csv=True)
    assert safe.getvalue().splitlines() == ["name,value", "'=1+1,-1.5", "'-x,-2.0", "'@SUM(A1),3.0", "plain,0.0"]
    assert raw.getvalue().splitlines() == ["name,value", "=1+1,-1.5", "-x,-2.0", "@SUM(A1),3.0", "plain,0.0"]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_csv_and_json_on_a_terminal_show_control_characters_and_keep_them_in_files(fmt) -> None:
    import os

    frame = pl.DataFrame({"name": ["EVIL\x1b]0;pwned\x07SAT", "CLR\x1b[2JSAT"]})
    master, replica = os.openpty()
    with os.fdopen(replica, "w") as terminal:
        emit(frame, fmt, out=terminal)
    shown = os.read(master, 65536).decode()
    os.close(master)
    assert "\x1b" not in shown and "\x07" not in shown and "pwned" in shown
    into_file = io.StringIO()
    emit(frame, fmt, out=into_file)
    assert "\x1b]0;pwned\x07" in into_file.getvalue() or "\\u001b]0;pwned\\u0007" in into_file.getvalue()


def test_every_command_with_csv_output_takes_raw_csv() -> None:
    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]):
        options = {o: a for a in parser._actions for o in a.option_strings}
        if "--format" in options and "csv" in (options["--format"].choices or ()):
            yield path, "--raw-csv" in options
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    yield from walk(child, (*path, name))

    found = dict(walk(build_parser(), ()))
    assert {("sats",), ("launches", "list"), ("launches", "export"), ("markets", "list"), ("link",), ("link", "summary")} <= set(found)
    assert [path for path, has in found.items() if not has] == []


def test_launches_list_csv_formula_and_raw_csv(cli) -> None:
    added = cli("launches", "add", "--vehicle", "CZ-8A", "--net", "2027-01-10T00:00:00Z", "--mission", "=HYPERLINK(\"x\")")
    assert added.returncode == 0, added.stderr
    safe = cli("launches", "list", "--since", "2027-01-01", "--format", "csv")
    raw = cli("launches", "list", "--since", "2027-01-01", "--format", "csv", "--raw-csv")
    assert "'=HYPERLINK" in safe.stdout and "'=HYPERLINK" not in raw.stdout
    assert '"=HYPERLINK(""x"")"' in raw.stdout


# -- launch files: UTF-8 only (a BOM allowed), clear type errors, imports beyond SQLite's limits ---

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
GOOD = {"id": "new-1", "vehicle": "Zhuque-3", "net_utc": "2027-01-01", "net_precision": "day", "status": "scheduled",
        "orbit_outcome": "pending", "booster_recovery": "unknown"}
CSV_TEXT = "id,vehicle,net_utc,net_precision,status,orbit_outcome,booster_recovery,mission\n" \
    "new-1,Zhuque-3,2027-01-01,day,scheduled,pending,unknown,千帆极轨 01\n"


@pytest.fixture
def calendar(db_url: str):
    engine = open_database(db_url)
    yield engine
    engine.dispose()


def test_a_csv_utf8_file_from_excel_with_a_bom_is_imported(calendar, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(codecs.BOM_UTF8 + CSV_TEXT.encode("utf-8"))
    report = launches.import_launches(calendar, path, now=NOW)
    assert report.added == ["new-1"]
    with calendar.connect() as conn:
        assert load(conn, ["new-1"])["new-1"]["mission"] == "千帆极轨 01"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (CSV_TEXT.encode("gbk"), "not UTF-8 text"),
        (CSV_TEXT.encode("utf-16"), "not UTF-8 but UTF-16 text"),  # with its byte-order mark: refused, not guessed at
        (CSV_TEXT.encode("utf-16-le"), "not text|not UTF-8"),
        (bytes(range(256)) * 4, "not UTF-8 text"),
        (b"id,vehicle\x00\x00\n", "not text"),
    ],
    ids=["gbk", "utf-16", "utf-16-le-no-bom", "binary", "nul"],
)
def test_other_encodings_are_one_line_bad_input_naming_the_file(calendar, tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "launches.csv"
    path.write_bytes(content)
    with pytest.raises(BadInput) as raised:
        launches.import_launches(calendar, path, now=NOW)
    message = str(raised.value)
    assert "\n" not in message and str(path) in message and "must be UTF-8" in message, message
    assert re.search(says, message), message
    with calendar.connect() as conn:
        assert "new-1" not in load(conn, ["new-1"])


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("vehicle", ["Zhuque-3"], "vehicle: expected text, got a list"),
        ("mission", {"en": "x"}, "mission: expected text, got an object"),
        ("status", 5, r"status: expected text, got a number \(5\)"),
        ("net_utc", 1767225600, "net_utc: expected text, got a number"),
        ("landing_downrange_km", True, r"landing_downrange_km: True is not a number \(got true/false\)"),
        ("sources", [1, 2], "sources: expected a list of texts, got a list holding a number"),
        ("sources", {"a": 1}, "sources: expected a list of texts or space-separated text, got an object"),
    ],
)
def test_wrong_json_types_name_the_record_and_field(calendar, tmp_path: Path, field: str, value, says: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([GOOD, dict(GOOD, id="new-2", **{field: value})]))
    with pytest.raises(BadInput, match=rf"bad.json: record 2 \(id 'new-2'\): {says}.*nothing imported"):
        launches.import_launches(calendar, path, now=NOW)


def test_loading_more_ids_than_sqlite_takes_in_one_statement(calendar) -> None:
    """An import asks for every id it holds; one IN list of more than SQLite's limit (32,766, or
    250,000 as Debian's and Python's builds set it) fails with "too many SQL variables"."""
    ids = [f"synthetic-{n}" for n in range(260_000)] + ["2025-12-03-zhuque-3-y1"]
    with calendar.connect() as conn:
        assert list(load(conn, ids)) == ["2025-12-03-zhuque-3-y1"]


def test_launch_export_neutralises_formulas_and_import_restores_them(calendar, tmp_path: Path) -> None:
    missions = {"f-1": "=HYPERLINK(1)", "f-2": "'=already", "f-3": "''+x", "f-4": "-", "f-5": "plain 'quoted"}
    for launch_id, mission in missions.items():
        launches.import_launches(calendar, _launch_file(tmp_path / f"{launch_id}.json", launch_id, mission), now=NOW)
    safe, raw, again = tmp_path / "safe.csv", tmp_path / "raw.csv", tmp_path / "again.csv"
    launches.export_launches(calendar, safe)
    launches.export_launches(calendar, raw, raw_csv=True)
    cells = {row["id"]: row["mission"] for row in csv.DictReader(io.StringIO(safe.read_text(encoding="utf-8")))}
    assert [cells[i] for i in missions] == ["'=HYPERLINK(1)", "''=already", "'''+x", "'-", "plain 'quoted"]
    raw_cells = {row["id"]: row["mission"] for row in csv.DictReader(io.StringIO(raw.read_text(encoding="utf-8")))}
    assert [raw_cells[i] for i in missions] == list(missions.values())
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    launches.import_launches(fresh, safe, now=NOW)
    with fresh.connect() as conn:
        assert {i: r["mission"] for i, r in load(conn, list(missions)).items()} == missions
    launches.export_launches(fresh, again)
    assert again.read_bytes() == safe.read_bytes()
    fresh.dispose()


def _launch_file(path: Path, launch_id: str, mission: str) -> Path:
    path.write_text(json.dumps([dict(GOOD, id=launch_id, mission=mission)]), encoding="utf-8")
    return path
