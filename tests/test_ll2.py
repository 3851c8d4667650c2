"""Launch Library 2: mapping real-shaped answers, the hourly budget, failures, the merge rule.

Answers are built from the real first result of ``/2.3.0/launches/upcoming/`` kept in
``../shared/api-samples`` (fields altered per case). The detailed-mode ``launcher_stage`` with a
landing is SYNTHETIC: laid out as LL2's Swagger example (the fragment in ../shared), with values
made up for the test, since no real detailed answer for a Chinese booster landing was found.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import shared_path
from tests.httpserver import Reply
from tracker.db import connect
from tracker.launches import ll2
from tracker.launches.refresh import BUDGET, refresh_launches
from tracker.launches.store import load

PATH = "/2.3.0/launches/"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
ZHUQUE3 = "2025-12-03-zhuque-3-y1"


@pytest.fixture
def sample() -> dict:
    path = shared_path("api-samples", "ll2_2.3.0_launches_upcoming_limit10_lldev_2025-12-26_FIRST-RESULT-ONLY.json")
    return json.loads(path.read_text())["results"][0]


def page(results: list[dict], next_url: str | None = None) -> Reply:
    body = {"count": len(results), "next": next_url, "previous": None, "results": results}
    return Reply(200, json.dumps(body), {"Content-Type": "application/json"})


def zhuque3(sample: dict, success: bool | None = True) -> dict:
    """The real result's shape, turned into Zhuque-3 Y1 (flown) with a SYNTHETIC landing stage."""
    r = copy.deepcopy(sample)
    r.update(id="00000000-synthetic-zq3", net="2025-12-03T04:00:30Z", launch_designator="2025-280",
             status={"id": 3, "name": "Launch Successful", "abbrev": "Success"},
             net_precision={"id": 0, "name": "Second", "abbrev": "SEC"})
    r["rocket"]["configuration"].update(name="Zhuque-3", full_name="Zhuque-3", variant="")
    r["rocket"]["launcher_stage"] = [{
        "id": 1, "type": "Core", "reused": False, "launcher_flight_number": 1,
        "launcher": {"id": 1, "serial_number": "ZQ3-B1", "flights": 1},
        "landing": {"id": 1, "attempt": True, "success": success, "description": "synthetic",
                    "downrange_distance": 380,
                    "location": {"id": 1, "name": "Dongfeng landing zone", "abbrev": "DLZ"},
                    "type": {"id": 2, "name": "Return to Launch Site", "abbrev": "RTLS"}},
    }]
    return r


def test_maps_the_real_sample(sample: dict) -> None:
    rec = ll2.to_record(sample)
    assert (rec["vehicle"], rec["variant"]) == ("Long March 7", "A")
    assert (rec["status"], rec["orbit_outcome"], rec["net_precision"]) == ("go", "pending", "hour")
    assert rec["net_utc"] == datetime(2025, 12, 30, 22, 40, tzinfo=timezone.utc)
    assert rec["window_end"] == datetime(2025, 12, 30, 23, 10, tzinfo=timezone.utc)
    assert rec["provider"] == "CASC" and rec["site"] == "Wenchang Space Launch Site pad 201"
    assert "booster_recovery" not in rec  # normal mode says nothing about landings
    assert rec["cospar_launch"] is None and rec["sources"] == [sample["url"]]


@pytest.mark.parametrize(("success", "outcome"), [(True, "attempted-succeeded"), (False, "attempted-failed"), (None, "unknown")])
def test_maps_a_detailed_landing(sample: dict, success, outcome) -> None:
    rec = ll2.to_record(zhuque3(sample, success))
    assert rec["booster_recovery"] == outcome
    assert (rec["landing_type"], rec["landing_location"], rec["landing_downrange_km"]) == ("RTLS", "Dongfeng landing zone", 380.0)
    assert (rec["status"], rec["orbit_outcome"], rec["cospar_launch"]) == ("success", "success", "2025-280")


def test_refresh_adds_matches_and_respects_user_fields(http_server, db_url, sample) -> None:
    engine = connect(db_url)
    with engine.begin() as conn:  # a person corrected Zhuque-3's recovery by hand
        from tracker.launches.store import mark_user, write

        before = load(conn, [ZHUQUE3])[ZHUQUE3]
        after = dict(before, booster_recovery="unknown")
        mark_user(after, ["booster_recovery"])
        write(conn, after, before, "user", NOW)
    upcoming = copy.deepcopy(sample)
    http_server.route("GET", PATH, page([zhuque3(sample, False), upcoming]))
    report = refresh_launches(engine, http_server.url, NOW)
    assert not report.failed
    (request,) = http_server.requests_to(PATH)
    assert request.query["mode"] == "detailed" and request.query["location__ids"] == "8,16,17,19"
    with engine.connect() as conn:
        records = load(conn)
    zq3 = records[ZHUQUE3]
    assert zq3["ll2_id"] == "00000000-synthetic-zq3" and zq3["cospar_launch"] == "2025-280"
    assert zq3["booster_recovery"] == "unknown"  # user-set: kept
    assert zq3["net_precision"] == "second" and zq3["landing_type"] == "RTLS"
    assert report.conflicts == [f"{ZHUQUE3}: booster_recovery: LL2 says 'attempted-failed', kept 'unknown' (set by a person)"]
    assert report.added == ["2025-12-30-long-march-7a"]
    assert records["2025-12-30-long-march-7a"]["origin"] == "ll2"
    # Matched by LL2 id the second time, even after the NET moves by more than a day.
    moved = dict(upcoming, net="2026-01-05T01:00:00Z")
    http_server.route("GET", PATH, page([moved]))
    second = refresh_launches(engine, http_server.url, NOW)
    assert second.added == [] and "net_utc" in second.updated["2025-12-30-long-march-7a"]


def test_budget_never_sends_a_sixteenth_request_in_an_hour(http_server, db_url, sample) -> None:
    engine = connect(db_url)
    http_server.route("GET", PATH, lambda request: page([], http_server.url + PATH + "?offset=1"))
    runs = [refresh_launches(engine, http_server.url, NOW + timedelta(minutes=i)) for i in range(5)]
    assert len(http_server.requests) == BUDGET
    assert runs[-1].answers == [] and "budget" in runs[-1].budget_note
    later = refresh_launches(engine, http_server.url, NOW + timedelta(hours=1, minutes=1))
    assert len(later.answers) > 0 and len(http_server.requests) > BUDGET


@pytest.mark.parametrize("status", [429, 500])
def test_non_200_stops_and_is_recorded(http_server, db_url, sample, status: int) -> None:
    engine = connect(db_url)
    http_server.route("GET", PATH, [page([sample], http_server.url + PATH + "?offset=1"), Reply(status, "slow down")])
    report = refresh_launches(engine, http_server.url, NOW)
    assert report.failed and len(http_server.requests) == 2
    assert report.answers[-1].status == status
    assert "2025-12-30-long-march-7a" in report.added  # what came before the failure is kept
    with engine.connect() as conn:
        statuses = [r.status for r in conn.execute(text("select status from ll2_request order by id"))]
    assert statuses == [200, status]


def test_timeout_stops(http_server, db_url) -> None:
    engine = connect(db_url)
    http_server.route("GET", PATH, Reply(200, "{}", delay=2.0))
    report = refresh_launches(engine, http_server.url, NOW, timeout=httpx.Timeout(0.3))
    assert report.failed and "timed out" in report.answers[0].error


def test_cli_refresh_and_tracker_refresh(cli, http_server, sample) -> None:
    http_server.route("GET", PATH, page([sample]))
    env = {"TRACKER_LL2_URL": http_server.url}
    first = cli("launches", "refresh", env=env)
    assert first.returncode == 0, first.stderr
    assert "added     2025-12-30-long-march-7a" in first.stdout
    quiet = cli("launches", "refresh", env=env)
    assert (quiet.returncode, quiet.stdout) == (0, "")
    # `tracker refresh`: CelesTrak (offline here) fails, LL2 is still asked; the exit code says 3.
    both = cli("refresh", env=env)
    assert both.returncode == 3
    assert len(http_server.requests_to(PATH)) == 3
    http_server.route("GET", PATH, Reply(429, "Request was throttled."))
    throttled = cli("launches", "refresh", env=env)
    assert throttled.returncode == 3 and "429" in throttled.stderr
