"""``tracker launches``: the bundled calendar, editing with validation, files, constellation links."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import shared_path
from tracker.launches import vehicles

ZHUQUE3 = "2025-12-03-zhuque-3-y1"
LM12A = "2025-12-23-long-march-12a-y1"
TIANLONG3 = "2026-04-03-tianlong-3-y1"
GUOWANG_01 = "2024-12-16-long-march-5b-y6"  # SatNet LEO Group 01, launch 2024-240


def listed(cli, *args: str) -> list[dict]:
    result = cli("launches", "list", "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# -- bundled calendar ----------------------------------------------------------------------------


def test_fresh_database_holds_the_bundled_calendar(cli) -> None:
    rows = {r["id"]: r for r in listed(cli)}
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
    for row, rec in zip(ledger, bundled):
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


# -- filters and vehicle spellings ---------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["CZ-8A", "Long March 8A", "LM-8A", "long march 8a", "lm 8 a"])
def test_vehicle_aliases(cli, spelling: str) -> None:
    rows = listed(cli, "--vehicle", spelling)
    assert len(rows) == 11 and {(r["vehicle"], r["variant"]) for r in rows} == {("Long March 8", "A")}


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
    good[1]["id"] = "new-2"
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
    rules = cli("constellations", "list", "--format", "json")
    guowang = next(r for r in json.loads(rules.stdout) if r["constellation"] == "guowang")
    assert guowang["n_rules"] > 2  # the built-in name rules plus the calendar's launch rules
