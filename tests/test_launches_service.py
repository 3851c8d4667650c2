"""``tracker.services.launches`` in process: filters, the rules of an edit, files, error classes.

The command-line rendering of the same use cases is tested in ``test_launches.py``.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import text

from tests.conftest import copy_database
from tracker.errors import BadInput, NotFound, Refused, UsageError
from tracker.launches.store import changes, load
from tracker.services import launches
from tracker.services.bootstrap import open_database

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
ZHUQUE3 = "2025-12-03-zhuque-3-y1"
LM12A = "2025-12-23-long-march-12a-y1"
TIANLONG3 = "2026-04-03-tianlong-3-y1"


@pytest.fixture(scope="module")
def calendar(bootstrapped: Path, tmp_path_factory: pytest.TempPathFactory):
    """The bundled calendar, for tests that only read (never write through it)."""
    engine = open_database(copy_database(bootstrapped, tmp_path_factory.mktemp("calendar")))
    yield engine
    engine.dispose()


@pytest.fixture
def engine(db_url: str):
    """A fresh copy of the bundled calendar for a test that writes."""
    engine = open_database(db_url)
    yield engine
    engine.dispose()


def count(engine) -> int:
    with engine.connect() as conn:
        return len(load(conn))


def record(engine, launch_id: str) -> dict:
    with engine.connect() as conn:
        return load(conn, [launch_id])[launch_id]


# -- list ----------------------------------------------------------------------------------------


def test_list_is_newest_first_with_the_documented_columns(calendar) -> None:
    frame = launches.list_launches(calendar)
    assert frame.columns == list(launches.COLUMNS) and frame.height == 53
    assert frame["net_utc"].is_sorted(descending=True)
    assert frame.schema["net_utc"] == pl.Datetime("us", "UTC") and frame.schema["sources"] == pl.List(pl.String)


@pytest.mark.parametrize("spelling", ["CZ-8A", "LM 8A", "long march 8a"])
def test_list_vehicle_takes_any_spelling(calendar, spelling: str) -> None:
    frame = launches.list_launches(calendar, vehicle=spelling)
    assert frame.height == 11 and set(frame["variant"]) == {"A"}


def test_list_family_lists_its_variants_and_filters_combine(calendar) -> None:
    assert set(launches.list_launches(calendar, vehicle="Long March 12")["variant"]) == {"", "A", "B"}
    assert launches.list_launches(calendar, recovery="attempted-failed")["id"].sort().to_list() == [ZHUQUE3, LM12A]
    failed = launches.list_launches(calendar, provider="LANDsp", outcome="failure")
    assert failed.height and set(failed["vehicle"]) == {"Zhuque-2"}
    assert launches.list_launches(calendar, upcoming=True).is_empty()


def test_list_unknown_vehicle_is_not_found_with_suggestions(calendar) -> None:
    with pytest.raises(NotFound, match="unknown vehicle 'Zhuque-4'.*Zhuque-3"):
        launches.list_launches(calendar, vehicle="Zhuque-4")


@pytest.mark.parametrize(
    ("since", "until"),
    [("2025-01-01", "2026-01-01"), (date(2025, 1, 1), date(2026, 1, 1)),
     (datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2026, 1, 1))],  # a naive datetime is UTC
)
def test_list_since_until_take_text_dates_and_datetimes(calendar, since, until) -> None:
    frame = launches.list_launches(calendar, constellation="guowang", since=since, until=until)
    assert frame.height and frame["net_utc"].dt.year().unique().to_list() == [2025]


@pytest.mark.parametrize(("since", "until"), [("2026-01-01", "2025-01-01"), ("2025-06-01", "2025-06-01")])
def test_list_reversed_or_empty_range_is_a_usage_error(calendar, since, until) -> None:
    with pytest.raises(UsageError, match=f"{since}.*{until}"):
        launches.list_launches(calendar, since=since, until=until)


@pytest.mark.parametrize(
    "filters", [{"since": "last week"}, {"constellation": "starlink"}, {"outcome": "exploded"}, {"recovery": "caught"}]
)
def test_list_malformed_filters_are_usage_errors(calendar, filters) -> None:
    with pytest.raises(UsageError):
        launches.list_launches(calendar, **filters)


# -- show ----------------------------------------------------------------------------------------


def test_show_returns_record_history_differences_and_satellites(engine) -> None:
    launches.update_launch(engine, ZHUQUE3, fields={"site": "Jiuquan LC-96B"})  # now: after the bundled record
    detail = launches.show_launch(engine, ZHUQUE3)
    assert detail.record["site"] == "Jiuquan LC-96B" and detail.user_fields == ["site"]
    assert detail.differences == [("site", "Jiuquan, Dongfeng commercial zone, LC-96B")]
    assert detail.history.columns == ["time", "field", "old", "new", "origin"]
    assert detail.history["field"].to_list() == ["record", "site"]
    assert detail.satellites.is_empty() and "alt_km" in detail.satellites.columns  # no designator, no catalogue


def test_show_unknown_and_deleted(engine) -> None:
    with pytest.raises(NotFound, match="no launch '1999-01-01-nothing'; see"):
        launches.show_launch(engine, "1999-01-01-nothing")
    launch_id = launches.add_launch(engine, vehicle="CZ-8A", net="2027-01-10", now=NOW)
    launches.delete_launch(engine, launch_id, now=NOW)
    with pytest.raises(NotFound, match=r"\(deleted 2026-11-21 12:00 UTC\)"):
        launches.show_launch(engine, launch_id)
    with pytest.raises(NotFound, match="deleted"):  # editing it says so too
        launches.update_launch(engine, launch_id, fields={"status": "go"})


# -- add -----------------------------------------------------------------------------------------


def test_add_sets_the_defaults_and_marks_what_was_given(engine, capsys) -> None:
    launch_id = launches.add_launch(
        engine, vehicle="zq-3", net="2027-03-01T06:00:00Z", fields={"serial": "Y2", "net_precision": "day", "mission": None},
        sources=["https://example.org/a"], note="planned", now=NOW,
    )
    assert launch_id == "2027-03-01-zhuque-3-y2"
    rec = record(engine, launch_id)
    assert (rec["vehicle"], rec["variant"], rec["provider"]) == ("Zhuque-3", "", "LandSpace")
    assert (rec["status"], rec["orbit_outcome"], rec["booster_recovery"]) == ("scheduled", "pending", "unknown")
    assert rec["net_precision"] == "day" and rec["mission"] is None and rec["notes"] == "planned"
    assert rec["user_fields"] == ["net_precision", "net_utc", "notes", "serial", "sources", "variant", "vehicle"]
    assert capsys.readouterr() == ("", "")  # a service never prints


def test_add_refusals_write_nothing(engine) -> None:
    with pytest.raises(NotFound, match="unknown vehicle 'Zhuque-4'.*--new-vehicle"):
        launches.add_launch(engine, vehicle="Zhuque-4", net="2027-01-01", now=NOW)
    with pytest.raises(Refused, match="already exists"):
        launches.add_launch(engine, vehicle="Zhuque-3", net="2025-12-03T04:00:00Z", fields={"serial": "Y1"}, now=NOW)
    with pytest.raises(Refused, match="orbit_outcome: 'success' on a launch that has not flown"):
        launches.add_launch(engine, vehicle="CZ-8A", net="2027-01-01", fields={"orbit_outcome": "success"}, now=NOW)
    with pytest.raises(Refused, match="outside the window"):
        launches.add_launch(engine, vehicle="CZ-8A", net="2027-01-01T06:00:00Z",
                            fields={"window_start": "2027-01-01T07:00:00Z"}, now=NOW)
    assert count(engine) == 53
    assert launches.add_launch(engine, vehicle="Zhuque-4", net="2027-01-01", new_vehicle=True, now=NOW) == "2027-01-01-zhuque-4"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"window_end": "tomorrow"}, "window_end 'tomorrow' is not an ISO 8601 time"),
        ({"status": "exploded"}, "status: 'exploded' is not one of"),
        ({"landing_downrange_km": "far"}, "landing_downrange_km: 'far' is not a number"),
        ({"colour": "red"}, "'colour' is not a field a person sets"),
        ({"net_utc": "2027-01-02"}, "'net_utc' is not a field"),  # add takes the NET as net=
    ],
)
def test_add_malformed_values_are_usage_errors(engine, fields, message) -> None:
    with pytest.raises(UsageError, match=message):
        launches.add_launch(engine, vehicle="CZ-8A", net="2027-01-01", fields=fields, now=NOW)
    assert count(engine) == 53


# -- update --------------------------------------------------------------------------------------


def test_update_outcome_after_net_also_sets_status(engine) -> None:
    launch_id = launches.add_launch(engine, vehicle="CZ-8A", net="2026-11-20T03:00:00Z", now=NOW)
    changed = launches.update_launch(engine, launch_id, fields={"orbit_outcome": "success"}, now=NOW)
    assert changed == ["status", "orbit_outcome"]
    rec = record(engine, launch_id)
    assert rec["status"] == "success" and {"status", "orbit_outcome"} <= set(rec["user_fields"])


def test_update_outcome_with_explicit_status_keeps_it(engine) -> None:
    launch_id = launches.add_launch(engine, vehicle="CZ-8A", net="2026-11-20T03:00:00Z", now=NOW)
    with pytest.raises(Refused, match="contradicts"):  # the status given wins, and contradicts
        launches.update_launch(engine, launch_id, fields={"orbit_outcome": "success", "status": "failure"}, now=NOW)
    assert record(engine, launch_id)["status"] == "scheduled"


def test_update_before_net_refuses_an_outcome(engine) -> None:
    launch_id = launches.add_launch(engine, vehicle="CZ-8A", net="2027-01-10", now=NOW)
    with pytest.raises(Refused, match="not flown"):
        launches.update_launch(engine, launch_id, fields={"orbit_outcome": "success"}, now=NOW)
    with pytest.raises(Refused, match="not flown"):
        launches.update_launch(engine, launch_id, fields={"booster_recovery": "attempted-failed"}, now=NOW)


def test_update_sources_notes_and_unchanged(engine) -> None:
    before = record(engine, ZHUQUE3)["sources"]
    changed = launches.update_launch(engine, ZHUQUE3, sources=[before[0], "https://example.org/new"], note="a note", now=NOW)
    assert changed == ["sources", "notes"]
    assert record(engine, ZHUQUE3)["sources"] == [*before, "https://example.org/new"]
    launches.update_launch(engine, ZHUQUE3, note="another", now=NOW)
    assert record(engine, ZHUQUE3)["notes"] == "a note\nanother"
    assert launches.update_launch(engine, ZHUQUE3, fields={"site": record(engine, ZHUQUE3)["site"]}, now=NOW) == []


def test_update_window_rules(engine) -> None:
    launch_id = launches.add_launch(engine, vehicle="ZQ-3", net="2027-03-01T06:00:00Z", now=NOW, fields={
        "window_start": "2027-03-01T05:50:00Z", "window_end": datetime(2027, 3, 1, 7, tzinfo=timezone.utc)})
    with pytest.raises(Refused, match="window_end: 2027-03-01T05:00:00Z is before window_start"):
        launches.update_launch(engine, launch_id, fields={"window_end": "2027-03-01T05:00:00Z"}, now=NOW)
    with pytest.raises(Refused, match="outside the window"):
        launches.update_launch(engine, launch_id, fields={"net_utc": "2027-03-02T06:00:00Z"}, now=NOW)
    changed = launches.update_launch(engine, launch_id, now=NOW, fields={
        "net_utc": "2027-03-02", "net_precision": "day", "window_start": "2027-03-02T04:00:00Z", "window_end": "2027-03-02T05:00:00Z"})
    assert set(changed) == {"net_utc", "net_precision", "window_start", "window_end"}


def test_update_refusals(engine) -> None:
    with pytest.raises(UsageError, match="nothing to change"):
        launches.update_launch(engine, ZHUQUE3, fields={"mission": None})
    with pytest.raises(NotFound, match="no launch 'nope'"):
        launches.update_launch(engine, "nope", fields={"status": "go"})
    with pytest.raises(UsageError, match="'vehicle' is not a field"):
        launches.update_launch(engine, ZHUQUE3, fields={"vehicle": "Zhuque-2"})
    with engine.connect() as conn:
        assert [c["field"] for c in changes(conn, ZHUQUE3)] == ["record"]


# -- delete --------------------------------------------------------------------------------------


def test_delete_only_what_a_person_added(engine) -> None:
    launch_id = launches.add_launch(engine, vehicle="CZ-8A", net="2027-01-10", now=NOW,
                                    fields={"constellation": "guowang", "cospar_launch": "2027-005"})
    launches.delete_launch(engine, launch_id, now=NOW)
    assert count(engine) == 53
    with engine.connect() as conn:
        last = changes(conn, launch_id)[-1]
        rules = conn.execute(text("select count(*) from constellation_rule where value = '2027-005'")).scalar()
    assert (last["field"], last["new"]) == ("record", "deleted") and json.loads(last["old"])["id"] == launch_id
    assert rules == 0

    with pytest.raises(Refused, match="bundled calendar.*tracker launches update"):
        launches.delete_launch(engine, ZHUQUE3)
    with engine.begin() as conn:
        conn.execute(text("update launch set ll2_id = 'll2-x' where id = :id"), {"id": LM12A})
    with pytest.raises(Refused, match="bundled calendar"):  # the calendar is named first
        launches.delete_launch(engine, LM12A)
    linked = launches.add_launch(engine, vehicle="CZ-8A", net="2027-02-10", now=NOW)
    with engine.begin() as conn:
        conn.execute(text("update launch set ll2_id = 'll2-y' where id = :id"), {"id": linked})
    with pytest.raises(Refused, match="Launch Library 2 launch ll2-y"):
        launches.delete_launch(engine, linked)
    with pytest.raises(NotFound):
        launches.delete_launch(engine, "1999-01-01-nothing")
    assert count(engine) == 54


# -- export / import -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", launches.FORMATS)
def test_export_import_round_trip(engine, tmp_path: Path, fmt: str) -> None:
    launches.update_launch(engine, ZHUQUE3, fields={"landing_downrange_km": 0, "landing_type": "RTLS"}, note='a, "b"\nc', now=NOW)
    launches.add_launch(engine, vehicle="CZ-10A", net="2027-05-01", fields={"net_precision": "month"}, now=NOW)
    first, second = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
    assert launches.export_launches(engine, first, fmt) == 54

    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    report = launches.import_launches(fresh, first, now=NOW)
    assert (len(report.ids), len(report.added), report.changed) == (54, 1, [ZHUQUE3])  # the other 53 came bundled
    assert launches.export_launches(fresh, second, fmt) == 54
    assert first.read_bytes() == second.read_bytes()
    again = launches.import_launches(fresh, second, now=NOW)
    assert (again.added, again.changed) == ([], [])
    fresh.dispose()


def test_export_refuses_to_overwrite_without_force(engine, tmp_path: Path) -> None:
    out = tmp_path / "out" / "launches.csv"
    out.parent.mkdir()
    out.write_text("keep me")
    with pytest.raises(Refused, match="--force"):
        launches.export_launches(engine, out)
    assert out.read_text() == "keep me"
    assert launches.export_launches(engine, out, force=True) == 53
    assert out.read_text().startswith("id,vehicle,variant")
    assert [p.name for p in out.parent.iterdir()] == ["launches.csv"]  # no temporary file left


def test_export_errors(engine, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UsageError, match="unknown format 'xml'"):
        launches.export_launches(engine, out / "x.xml", "xml")
    with pytest.raises(BadInput, match="cannot write .*missing/x.csv"):
        launches.export_launches(engine, out / "missing" / "x.csv")
    (out / "dir.csv").mkdir()
    with pytest.raises(Refused, match="is a directory, not a regular file"):
        launches.export_launches(engine, out / "dir.csv", force=True)
    assert [p.name for p in out.iterdir()] == ["dir.csv"]  # no temporary file left


def test_import_bad_files_are_bad_input_and_store_nothing(engine, tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    with pytest.raises(BadInput, match=f"cannot read {missing}"):
        launches.import_launches(engine, missing)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(BadInput, match="not UTF-8"):
        launches.import_launches(engine, binary)
    bad = tmp_path / "bad.json"
    good = {"id": "new-1", "vehicle": "Zhuque-3", "net_utc": "2027-01-01", "net_precision": "day", "status": "scheduled",
            "orbit_outcome": "pending", "booster_recovery": "unknown"}
    bad.write_text(json.dumps([good, dict(good, id="new-2", orbit_outcome="exploded")]))
    with pytest.raises(BadInput, match=r"bad.json: record 2 \(id 'new-2'\): orbit_outcome.*nothing imported"):
        launches.import_launches(engine, bad, now=NOW)
    assert count(engine) == 53

