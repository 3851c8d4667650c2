"""``tracker launches``: the bundled calendar, editing with validation, files, constellation links."""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import event, text

from tests.conftest import run_in_process, run_tracker, shared_path
from tracker.launches import bundled, vehicles
from tracker.launches.store import changes, load, mark_user, window_problem, write
from tracker.services.bootstrap import open_database as connect

ZHUQUE3 = "2025-12-03-zhuque-3-y1"
LM12A = "2025-12-23-long-march-12a-y1"
TIANLONG3 = "2026-04-03-tianlong-3-y1"
GUOWANG_01 = "2024-12-16-long-march-5b-y6"  # SatNet LEO Group 01, launch 2024-240


NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


def listed(cli, *args: str) -> list[dict]:
    result = cli("launches", "list", "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# -- bundled calendar ----------------------------------------------------------------------------


def test_fresh_database_holds_the_bundled_calendar(unopened_db_url) -> None:
    rows = {r["id"]: r for r in listed(functools.partial(run_in_process, env={"TRACKER_DB": unopened_db_url}))}
    assert len(rows) == 53
    for launch_id in (ZHUQUE3, LM12A):
        assert rows[launch_id]["orbit_outcome"] == "success"
        assert rows[launch_id]["booster_recovery"] == "attempted-failed"
    assert rows[TIANLONG3]["orbit_outcome"] == "failure"
    assert rows[TIANLONG3]["status"] == "failure"
    assert rows[LM12A]["vehicle"] == "Long March 12" and rows[LM12A]["variant"] == "A"
    assert all(r["sources"] for r in rows.values())


def test_bundled_calendar_matches_the_shared_ledger() -> None:
    """calendar.json was written from ../shared/facts/launches.csv: same launches, same outcomes."""
    path = shared_path("facts", "launches.csv")
    with path.open(newline="", encoding="utf-8") as f:
        ledger = list(csv.DictReader(f))
    from tracker.launches.bundled import calendar

    bundled = calendar()
    assert len(bundled) == len(ledger) == 53
    for row, rec in zip(ledger, bundled, strict=True):
        assert vehicles.full(rec["vehicle"], rec["variant"]) == row["vehicle"]
        assert (rec["orbit_outcome"], rec["booster_recovery"]) == (row["orbit_outcome"], row["booster_recovery"])


def test_day_precision_is_not_midnight(cli) -> None:
    table = cli("launches", "list", "--vehicle", "Tianlong 3")
    assert "2026-04-03 (day)" in table.stdout
    assert "00:00" not in table.stdout
    (row,) = listed(cli, "--vehicle", "TL-3")
    assert (row["net_utc"], row["net_precision"]) == ("2026-04-03T00:00:00Z", "day")


def test_seeding_is_idempotent_and_keeps_user_edits(cli) -> None:
    assert cli("launches", "update", ZHUQUE3, "--note", "first stage lost on landing burn").returncode == 0
    assert cli("launches", "update", ZHUQUE3, "--site", "Jiuquan LC-96B").returncode == 0
    rows = {r["id"]: r for r in listed(cli)}  # connects (and seeds) again
    assert len(rows) == 53
    assert rows[ZHUQUE3]["site"] == "Jiuquan LC-96B"
    show = cli("launches", "show", ZHUQUE3)
    assert "differs from the bundled calendar" in show.stdout
    assert "site: the calendar says Jiuquan, Dongfeng commercial zone, LC-96B" in show.stdout


# -- calendar updates reach existing databases ---------------------------------------------------


def _edit(engine, launch_id: str, origin: str, **fields) -> None:
    """Change fields of a held launch as ``origin`` would (a person marks them user-set)."""
    with engine.begin() as conn:
        before = load(conn, [launch_id])[launch_id]
        after = dict(before, **fields)
        if origin == "user":
            mark_user(after, list(fields))
        write(conn, after, before, origin, NOW)


def test_calendar_update_merges_under_the_merge_rule(db_url) -> None:
    engine = connect(db_url)  # holds the shipped calendar
    _edit(engine, ZHUQUE3, "user", site="Jiuquan LC-96B")  # a person's correction
    _edit(engine, LM12A, "ll2", net_precision="second")  # LL2 refined a field after the calendar
    with engine.begin() as conn:  # a launch LL2 recorded before any calendar had it
        write(conn, {**next(iter(load(conn, [TIANLONG3]).values())), "id": "2026-10-02-ceres-2", "vehicle": "Ceres-2",
                     "variant": "", "serial": None, "net_utc": datetime(2026, 10, 2, 5, 0, tzinfo=timezone.utc),
                     "ll2_id": "ll2-ceres-2-y2", "sources": [], "origin": "ll2", "user_fields": []}, None, "ll2", NOW)
    doc = json.loads(bundled.packaged())
    new = dict(next(i for i in doc["launches"] if i["id"] == ZHUQUE3), id="2026-09-30-zhuque-3-y3", serial="Y3",
               net_utc="2026-09-30T04:00:00Z", cospar_launch=None)
    y2 = dict(next(i for i in doc["launches"] if i["id"] == "2026-01-17-ceres-2-y1"), id="2026-10-02-ceres-2-y2",
              serial="Y2", net_utc="2026-10-02T05:00:30Z", cospar_launch=None)
    doc["launches"] += [new, y2]
    for item in doc["launches"]:
        if item["id"] == ZHUQUE3:
            item.update(site="Jiuquan LC-96B (corrected)", mission="maiden flight (corrected)")
        if item["id"] == LM12A:
            item.update(net_precision="minute", mission="maiden flight (corrected)")
    raw = json.dumps(doc, ensure_ascii=False).encode()

    report = bundled.seed(engine, raw, NOW)
    assert report.added == ["2026-09-30-zhuque-3-y3"]
    assert report.updated[ZHUQUE3] == ["mission"]  # a field nobody but the calendar wrote
    assert report.updated[LM12A] == ["mission"]  # net_precision: LL2 wrote it later, LL2's stays
    assert report.updated["2026-10-02-ceres-2"] == ["serial", "sources"]  # completed, not duplicated
    assert report.conflicts == [
        f"{ZHUQUE3}: site: the bundled calendar says 'Jiuquan LC-96B (corrected)', kept 'Jiuquan LC-96B' (set by a person)"
    ]
    with engine.connect() as conn:
        records = load(conn)
        zq3_changes = changes(conn, ZHUQUE3)
    assert len(records) == 53 + 2  # 53 + the LL2 one + the new calendar launch
    assert records[ZHUQUE3]["site"] == "Jiuquan LC-96B" and records[LM12A]["net_precision"] == "second"
    assert {"field": "mission", "old": "maiden flight, mass simulator", "new": "maiden flight (corrected)",
            "origin": "bundled"}.items() <= next(c for c in zq3_changes if c["field"] == "mission").items()

    # The same calendar again: nothing to do, and it costs one lookup.
    statements = []
    # Queries only: SQLite's BEGIN (tracker.db._sqlite_begin) opens each transaction.
    event.listen(engine, "before_cursor_execute", lambda *a: a[2] != "BEGIN" and statements.append(a[2]))
    assert bundled.seed(engine, raw, NOW) is None
    assert len(statements) == 1 and "launch_state" in statements[0]


def test_connecting_again_costs_one_lookup(db_url) -> None:
    engine = connect(db_url)
    statements = []
    # Queries only: SQLite's BEGIN (tracker.db._sqlite_begin) opens each transaction.
    event.listen(engine, "before_cursor_execute", lambda *a: a[2] != "BEGIN" and statements.append(a[2]))
    assert bundled.seed(engine) is None
    assert len(statements) == 1


def test_a_database_seeded_before_digests_is_merged_once(db_url) -> None:
    """A database of the previous version holds the launches but no digest: it is merged once."""
    engine = connect(db_url)
    with engine.begin() as conn:
        conn.execute(text("delete from launch_state"))
    report = bundled.seed(engine)
    assert report is not None and report.added == [] and report.updated == {}  # same launches, same values
    assert bundled.seed(engine) is None


# -- filters and vehicle spellings ---------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["CZ-8A", "Long March 8A", "LM-8A", "long march 8a", "lm 8 a"])
def test_vehicle_aliases(cli, spelling: str) -> None:
    rows = listed(cli, "--vehicle", spelling)
    assert len(rows) == 11 and {(r["vehicle"], r["variant"]) for r in rows} == {("Long March 8", "A")}


def test_short_vehicle_name_is_the_press_spelling_and_still_matches() -> None:
    assert vehicles.short("Long March 8A Y11") == "LM-8A Y11"
    assert vehicles.short("Zhuque-3") == "Zhuque-3"
    assert vehicles.key(vehicles.short("Long March 12A")) == vehicles.key("Long March 12A")


def test_family_lists_its_variants_and_filters_combine(cli) -> None:
    assert {r["variant"] for r in listed(cli, "--vehicle", "Long March 12")} == {"", "A", "B"}
    assert [r["id"] for r in listed(cli, "--vehicle", "ZQ-3")] == [ZHUQUE3]
    failed = listed(cli, "--recovery", "attempted-failed")
    assert {r["id"] for r in failed} == {ZHUQUE3, LM12A}
    guowang_2025 = listed(cli, "--constellation", "guowang", "--since", "2025-01-01", "--until", "2026-01-01")
    assert guowang_2025 and all(r["net_utc"].startswith("2025") for r in guowang_2025)
    assert [r["net_utc"] for r in guowang_2025] == sorted((r["net_utc"] for r in guowang_2025), reverse=True)
    assert listed(cli, "--provider", "landspace", "--outcome", "failure")[0]["vehicle"] == "Zhuque-2"
    assert listed(cli, "--upcoming") == []


def test_reversed_range_is_a_usage_error(cli) -> None:
    result = cli("launches", "list", "--since", "2026-01-01", "--until", "2025-01-01")
    assert result.returncode == 2 and "--since 2026-01-01 is not before --until 2025-01-01" in result.stderr


def test_unknown_vehicle_is_rejected_with_suggestions(cli) -> None:
    result = cli("launches", "add", "--vehicle", "Zhuque-4", "--net", "2027-01-01T00:00:00Z")
    assert result.returncode == 1
    assert "unknown vehicle 'Zhuque-4'" in result.stderr and "Zhuque-3" in result.stderr


# -- add / update / show -------------------------------------------------------------------------


def test_add_update_history_and_user_fields(cli) -> None:
    added = cli("launches", "add", "--vehicle", "zq-3", "--serial", "Y2", "--net", "2027-03-01T06:00:00Z",
                    "--precision", "day", "--source", "https://example.org/zq3-y2")
    assert added.returncode == 0, added.stderr
    launch_id = "2027-03-01-zhuque-3-y2"
    assert launch_id in added.stdout
    (row,) = listed(cli, "--upcoming")
    assert (row["id"], row["provider"], row["status"], row["orbit_outcome"]) == (launch_id, "LandSpace", "scheduled", "pending")

    again = cli("launches", "add", "--vehicle", "Zhuque-3", "--serial", "Y2", "--net", "2027-03-01T06:00:00Z")
    assert again.returncode == 1 and "already exists" in again.stderr

    # An outcome before launch is refused; nothing changes.
    early = cli("launches", "update", launch_id, "--recovery", "attempted-failed")
    assert early.returncode == 1 and "booster_recovery" in early.stderr and "not flown" in early.stderr
    early = cli("launches", "update", launch_id, "--orbit-outcome", "success")
    assert early.returncode == 1 and "orbit_outcome" in early.stderr

    moved = cli("launches", "update", launch_id, "--net", "2026-03-01T06:00:00Z", "--orbit-outcome", "success",
                    "--recovery", "attempted-succeeded", "--announced", "2026-03-01T07:30:00Z", "--note", "landed")
    assert moved.returncode == 0, moved.stderr
    show = cli("launches", "show", "2027-03-01-zhuque-3-y2")
    assert show.returncode == 0, show.stderr
    assert "status: success (user-set)" in show.stdout  # derived from the outcome once NET passed
    assert "booster_recovery: attempted-succeeded (user-set)" in show.stdout
    assert "announced_utc: 2026-03-01T07:30:00Z (user-set)" in show.stdout
    for change in ("record", "orbit_outcome", "booster_recovery", "net_utc"):
        assert change in show.stdout

    contradiction = cli("launches", "update", launch_id, "--status", "failure")
    assert contradiction.returncode == 1 and "contradicts" in contradiction.stderr


def test_window_and_chinese_mission_name(cli) -> None:
    launch_id = "2027-03-01-zhuque-3-y2"
    added = cli("launches", "add", "--vehicle", "ZQ-3", "--serial", "Y2", "--net", "2027-03-01T06:00:00Z",
                "--window-start", "2027-03-01T05:50:00Z", "--window-end", "2027-03-01T07:00:00Z", "--mission-zh", "朱雀三号遥二")
    assert added.returncode == 0, added.stderr
    show = cli("launches", "show", launch_id).stdout
    assert "window_start: 2027-03-01T05:50:00Z (user-set)" in show and "window_end: 2027-03-01T07:00:00Z (user-set)" in show
    assert "mission_zh: 朱雀三号遥二 (user-set)" in show

    backwards = cli("launches", "update", launch_id, "--window-end", "2027-03-01T05:00:00Z")
    assert backwards.returncode == 1 and "window_end: 2027-03-01T05:00:00Z is before window_start" in backwards.stderr
    outside = cli("launches", "update", launch_id, "--net", "2027-03-02T06:00:00Z")
    assert outside.returncode == 1 and "outside the window" in outside.stderr and "--window-start" in outside.stderr
    malformed = cli("launches", "update", launch_id, "--window-start", "tomorrow")
    assert malformed.returncode == 2 and "--window-start" in malformed.stderr
    # A NET known to the day fits a window later that day.
    moved = cli("launches", "update", launch_id, "--net", "2027-03-02", "--precision", "day",
                "--window-start", "2027-03-02T04:00:00Z", "--window-end", "2027-03-02T05:00:00Z", "--mission-zh", "遥二")
    assert moved.returncode == 0, moved.stderr
    assert all(f in moved.stdout for f in ("net_utc", "net_precision", "window_start", "window_end", "mission_zh"))


@pytest.mark.parametrize(
    ("net", "precision", "start", "end", "inside"),
    [
        ("2027-03-01T06:00:00", "minute", "2027-03-01T06:00:00", "2027-03-01T06:00:00", True),  # instantaneous window
        ("2027-03-01T06:00:00", "minute", "2027-03-01T06:01:00", None, False),
        ("2027-03-01T00:00:00", "day", "2027-03-01T23:00:00", "2027-03-02T01:00:00", True),
        ("2027-03-01T00:00:00", "day", "2027-03-02T00:00:00", None, False),
        ("2027-03-01T00:00:00", "month", None, "2027-03-31T23:59:00", True),
        ("2027-03-01T00:00:00", "month", "2027-04-01T00:00:00", None, False),
        ("2027-03-01T00:00:00", "month", None, "2027-02-28T23:59:00", False),
    ],
)
def test_window_must_hold_the_net_at_its_precision(net, precision, start, end, inside) -> None:
    def t(text_: str | None):
        return None if text_ is None else datetime.fromisoformat(text_).replace(tzinfo=timezone.utc)

    rec = {"net_utc": t(net), "net_precision": precision, "window_start": t(start), "window_end": t(end)}
    assert (window_problem(rec) is None) is inside


def test_delete(cli, db_url, tmp_path: Path) -> None:
    added = cli("launches", "add", "--vehicle", "CZ-8A", "--net", "2027-01-10T00:00:00Z",
                "--constellation", "guowang", "--cospar", "2027-005")
    assert added.returncode == 0, added.stderr
    launch_id = "2027-01-10-long-march-8a"
    engine = connect(db_url)
    rules = "select count(*) from constellation_rule where value = '2027-005' and origin = 'calendar'"
    with engine.connect() as conn:
        assert conn.execute(text(rules)).scalar() == 1

    deleted = cli("launches", "delete", launch_id)
    assert deleted.returncode == 0 and f"deleted {launch_id}" in deleted.stdout
    assert launch_id not in {r["id"] for r in listed(cli)}
    with engine.connect() as conn:
        assert conn.execute(text(rules)).scalar() == 0  # its designator no longer makes members
        last = changes(conn, launch_id)[-1]
    assert (last["field"], last["new"], last["origin"]) == ("record", "deleted", "user")
    assert json.loads(last["old"])["cospar_launch"] == "2027-005"  # the last state, kept
    gone = cli("launches", "show", launch_id)
    assert gone.returncode == 1 and "deleted" in gone.stderr

    bundled_one = cli("launches", "delete", ZHUQUE3)
    assert bundled_one.returncode == 1 and "bundled calendar" in bundled_one.stderr and "update" in bundled_one.stderr
    from_ll2 = tmp_path / "ll2.json"
    from_ll2.write_text(json.dumps([{**next(r for r in listed(cli) if r["id"] == ZHUQUE3), "id": "2027-02-01-zhuque-3",
                                     "net_utc": "2027-02-01T00:00:00Z", "status": "scheduled", "orbit_outcome": "pending",
                                     "booster_recovery": "unknown", "cospar_launch": None, "ll2_id": "ll2-x"}]))
    assert cli("launches", "import", from_ll2).returncode == 0
    linked = cli("launches", "delete", "2027-02-01-zhuque-3")
    assert linked.returncode == 1 and "Launch Library 2" in linked.stderr
    assert len(listed(cli)) == 54
    unknown = cli("launches", "delete", "1999-01-01-nothing")
    assert unknown.returncode == 1 and "no launch" in unknown.stderr


def test_recovery_success_on_orbit_failure_is_allowed(cli) -> None:
    result = cli("launches", "update", TIANLONG3, "--recovery", "attempted-succeeded")
    assert result.returncode == 0, result.stderr


def test_show_unknown_id(cli) -> None:
    result = cli("launches", "show", "1999-01-01-nothing")
    assert result.returncode == 1 and "no launch" in result.stderr


# -- export / import -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_import_round_trip(cli, tmp_path: Path, fmt: str) -> None:
    assert cli("launches", "update", ZHUQUE3, "--landing-type", "RTLS", "--downrange-km", "0",
                   "--note", "a, comma; and \"quotes\"\nsecond line").returncode == 0
    assert cli("launches", "add", "--vehicle", "CZ-10A", "--net", "2027-05-01", "--precision", "month").returncode == 0
    first = tmp_path / f"a.{fmt}"
    assert cli("launches", "export", "--format", fmt, "--output", first).returncode == 0
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    imported = cli("launches", "import", first, env={"TRACKER_DB": fresh})
    assert imported.returncode == 0, imported.stderr
    second = tmp_path / f"b.{fmt}"
    assert cli("launches", "export", "--format", fmt, "--output", second, env={"TRACKER_DB": fresh}).returncode == 0
    assert first.read_bytes() == second.read_bytes()
    assert len(second.read_text().splitlines()) > 53


def test_export_refuses_to_overwrite(cli, tmp_path: Path) -> None:
    out = tmp_path / "launches.csv"
    out.write_text("keep me")
    refused = cli("launches", "export", "--output", out)
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert out.read_text() == "keep me"
    assert cli("launches", "export", "--output", out, "--force").returncode == 0
    assert out.read_text().startswith("id,vehicle,variant")


def _exported_rows(cli, tmp_path: Path) -> tuple[list[str], list[dict]]:
    out = tmp_path / "all.csv"
    assert cli("launches", "export", "--output", out).returncode == 0
    reader = csv.DictReader(io.StringIO(out.read_text()))
    return list(reader.fieldnames or []), list(reader)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [("net_utc", "2026-13-45", "line 4 (id 'new-2'): net_utc"), ("orbit_outcome", "exploded", "line 4 (id 'new-2'): orbit_outcome")],
)
def test_malformed_import_names_row_and_field_and_imports_nothing(cli, tmp_path: Path, column, value, message) -> None:
    fields, rows = _exported_rows(cli, tmp_path)
    good = [dict(rows[0], id="new-1"), dict(rows[1], id="new-2", **{column: value}), dict(rows[2], id="new-3")]
    path = tmp_path / "bad.csv"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows([good[0], good[2], good[1]])
    result = cli("launches", "import", path)
    assert result.returncode == 1
    assert message in result.stderr and "nothing imported" in result.stderr
    assert len(listed(cli)) == 53


def test_import_missing_column(cli, tmp_path: Path) -> None:
    fields, rows = _exported_rows(cli, tmp_path)
    path = tmp_path / "nocol.csv"
    kept = [f for f in fields if f != "booster_recovery"]
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=kept, extrasaction="ignore")
        writer.writeheader()
        writer.writerows([dict(rows[0], id="new-1")])
    result = cli("launches", "import", path)
    assert result.returncode == 1 and "missing column(s) booster_recovery" in result.stderr


def test_import_json_missing_field_names_record(cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"id": "x", "vehicle": "Zhuque-3", "net_utc": "2027-01-01T00:00:00Z"}]))
    result = cli("launches", "import", path)
    assert result.returncode == 1 and "record 1 (id 'x'): net_precision: missing" in result.stderr


@pytest.mark.parametrize(
    ("fmt", "content", "message"),
    [
        ("json", "[{", "not JSON"),
        ("json", '{"id": "x"}', "expected a JSON list"),
        ("json", '[{"id": "x", "vehicle": "Zhuque-3", "net_utc": "2027-01-01", "net_precision": "day", "status": "scheduled",'
                 ' "orbit_outcome": "pending", "booster_recovery": "unknown", "colour": "red"}]',
         "record 1 (id 'x'): colour: unknown field"),
        ("json", '[{"id": "x", "vehicle": "Zhuque-3", "net_utc": "2027-01-01", "net_precision": "day", "status": "scheduled",'
                 ' "orbit_outcome": "pending", "booster_recovery": "unknown", "landing_downrange_km": [1]}]',
         "landing_downrange_km: [1] is not a number"),
        ("csv", "id,vehicle,net_utc,net_precision,status,orbit_outcome,booster_recovery\n"
                "x,Zhuque-3,2027-01-01,day,scheduled,pending,unknown,surplus\n", "line 2 (id 'x'): more cells than the header"),
        ("csv", "id,vehicle,net_utc,net_precision,status,orbit_outcome,booster_recovery\n"
                "x,Zhuque-3,2027-01-01,day,scheduled,pending,unknown\nx,Zhuque-3,2027-01-02,day,scheduled,pending,unknown\n",
         "duplicate id 'x'"),
    ],
)
def test_parse_file_refuses_bad_files(fmt: str, content: str, message: str) -> None:
    from tracker.launches.files import parse_file
    from tracker.launches.store import InvalidLaunch

    with pytest.raises(InvalidLaunch, match=re.escape(message)):
        parse_file(content, fmt, NOW)


# -- constellation membership through launch designators ----------------------------------------


def test_guowang_membership_by_launch_designator(cli, tmp_path: Path) -> None:
    source = shared_path("data", "celestrak", "gp-2026-08-18", "hulianwang.csv")
    lines = source.read_text().splitlines()
    header, first = lines[0], next(l for l in lines[1:] if ",2024-240" in l)
    cells = first.split(",")
    cells[0], cells[1], cells[11] = "RENAMED OBJECT X", "2024-240Z", "99901"  # synthetic: renamed member of 2024-240
    extra = tmp_path / "synthetic.csv"
    extra.write_text(header + "\n" + ",".join(cells) + "\n")
    for path in (source, extra):
        assert cli("tle", "import", path).returncode == 0
    sats = cli("sats", "--constellation", "guowang", "--at", "2026-08-18T12:00:00Z", "--format", "json")
    assert sats.returncode == 0, sats.stderr
    norads = {s["norad"] for s in json.loads(sats.stdout)}
    assert 99901 in norads
    show = cli("launches", "show", GUOWANG_01)
    assert show.returncode == 0, show.stderr
    assert "RENAMED OBJECT X" in show.stdout and "satellites of launch 2024-240" in show.stdout
    assert "guowang" in show.stdout.split("satellites of launch 2024-240")[1]  # their constellation
    rules = cli("constellations", "list", "--format", "json")
    guowang = next(r for r in json.loads(rules.stdout) if r["constellation"] == "guowang")
    assert guowang["n_rules"] > 2  # the built-in name rules plus the calendar's launch rules


# -- smoke: a real process -------------------------------------------------------------------------


def test_launches_commands_in_a_real_process(unopened_db_url) -> None:
    db_url = unopened_db_url  # the real process creates and seeds it
    listed_ = run_tracker("launches", "list", "--vehicle", "ZQ-3", "--format", "csv", env={"TRACKER_DB": db_url})
    assert listed_.returncode == 0, listed_.stderr
    assert listed_.stdout.splitlines()[0] == ",".join(("id", "vehicle", "variant", "serial", "provider", "site", "mission",
        "constellation", "cospar_launch", "net_utc", "net_precision", "status", "orbit_outcome", "booster_recovery",
        "announced_utc", "sources"))
    refused = run_tracker("launches", "delete", ZHUQUE3, env={"TRACKER_DB": db_url})
    assert refused.returncode == 1 and refused.stderr.startswith("tracker: error: refused:") and "Traceback" not in refused.stderr
