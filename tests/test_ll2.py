"""Launch Library 2: mapping real-shaped answers, the hourly budget, failures, the merge rule.

Answers are built from the real first result of ``/2.3.0/launches/upcoming/`` kept in
``../shared/api-samples`` (fields altered per case). The detailed-mode ``launcher_stage`` with a
landing is SYNTHETIC: laid out as LL2's Swagger example (the fragment in ../shared), with values
made up for the test, since no real detailed answer for a Chinese booster landing was found.
The locations answer is made of the sample's real ``pad.location`` object (Wenchang, id 8) and
copies of it with the verified ids 16, 17, 19, a SYNTHETIC sea-launch location (id 9001: the
real id is unknown) and a foreign location that must be ignored.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import shared_path
from tests.httpserver import LocalServer, Reply
from tracker.launches import ll2
from tracker.launches.refresh import BUDGET, LOCATIONS_MAX_AGE, refresh_launches
from tracker.launches.store import load, mark_user, write
from tracker.services.bootstrap import open_database as connect

PATH = "/2.3.0/launches/"
LOCATIONS = "/2.3.0/locations/"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
ZHUQUE3 = "2025-12-03-zhuque-3-y1"
SEA = 9001  # SYNTHETIC id for the sea-launch location
CHINA = "8,16,17,19,9001"


@pytest.fixture
def sample() -> dict:
    path = shared_path("api-samples", "ll2_2.3.0_launches_upcoming_limit10_lldev_2025-12-26_FIRST-RESULT-ONLY.json")
    return json.loads(path.read_text())["results"][0]


def locations(sample: dict) -> Reply:
    """The Chinese locations as LL2 lists them, plus one foreign location (see module docstring)."""
    real = sample["pad"]["location"]
    copies = [dict(copy.deepcopy(real), id=i, name=n) for i, n in (
        (16, "Xichang Satellite Launch Center, People's Republic of China"),
        (17, "Jiuquan Satellite Launch Center, People's Republic of China"),
        (19, "Taiyuan Satellite Launch Center, People's Republic of China"),
        (SEA, "Haiyang Oriental Spaceport"),
    )]
    foreign = copy.deepcopy(real)
    foreign.update(id=12, name="Cape Canaveral SFS, FL, USA")
    foreign["country"].update(id=2, name="United States of America", alpha_2_code="US", alpha_3_code="USA")
    return page([real, *copies, foreign])


@pytest.fixture
def ll2_server(http_server: LocalServer, sample: dict) -> LocalServer:
    """The local server answering LL2's locations lookup; tests add the launches route."""
    http_server.route("GET", LOCATIONS, locations(sample))
    return http_server


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


def test_refresh_adds_matches_and_respects_user_fields(ll2_server, db_url, sample) -> None:
    engine = connect(db_url)
    with engine.begin() as conn:  # a person corrected Zhuque-3's recovery by hand
        before = load(conn, [ZHUQUE3])[ZHUQUE3]
        after = dict(before, booster_recovery="unknown")
        mark_user(after, ["booster_recovery"])
        write(conn, after, before, "user", NOW)
    upcoming = copy.deepcopy(sample)
    ll2_server.route("GET", PATH, page([zhuque3(sample, False), upcoming]))
    report = refresh_launches(engine, ll2_server.url, NOW)
    assert not report.failed
    (request,) = ll2_server.requests_to(PATH)
    assert request.query["mode"] == "detailed" and request.query["location__ids"] == CHINA
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
    ll2_server.route("GET", PATH, page([moved]))
    second = refresh_launches(engine, ll2_server.url, NOW)
    assert second.added == [] and "net_utc" in second.updated["2025-12-30-long-march-7a"]


def test_query_parameters(ll2_server, db_url, sample) -> None:
    """One lookup of China's locations (country filter), then one launches query for all of them."""
    ll2_server.route("GET", PATH, page([]))
    report = refresh_launches(connect(db_url), ll2_server.url, NOW)
    assert not report.failed
    lookup, query = ll2_server.requests
    assert (lookup.path, lookup.query) == (LOCATIONS, {"country_code": "CHN", "limit": "100"})
    assert query.path == PATH
    assert query.query == {
        "location__ids": CHINA,  # verified 8, 16, 17, 19 and the lookup's sea-launch location; not USA's 12
        "net__gte": "2026-10-22T12:00:00Z",  # 30 days before NOW
        "mode": "detailed",
        "limit": "100",
        "ordering": "net",
    }


def test_location_lookup_is_remembered_for_30_days_and_per_server(ll2_server, db_url, sample) -> None:
    engine = connect(db_url)
    ll2_server.route("GET", PATH, page([]))
    for at in (NOW, NOW + timedelta(days=29)):
        assert not refresh_launches(engine, ll2_server.url, at).failed
    assert len(ll2_server.requests_to(LOCATIONS)) == 1 and len(ll2_server.requests_to(PATH)) == 2
    refresh_launches(engine, ll2_server.url, NOW + LOCATIONS_MAX_AGE)
    assert len(ll2_server.requests_to(LOCATIONS)) == 2
    # Another server (TRACKER_LL2_URL changed): its own locations are asked, not the remembered ones.
    ll2_server.route("GET", LOCATIONS, page([sample["pad"]["location"]]))
    refresh_launches(engine, ll2_server.url + "/", NOW + LOCATIONS_MAX_AGE)
    assert len(ll2_server.requests_to(LOCATIONS)) == 3


def test_verified_locations_are_asked_even_if_the_lookup_finds_none(ll2_server, db_url) -> None:
    """A server that ignores the country filter (or knows nothing) cannot drop the four centres."""
    ll2_server.route("GET", LOCATIONS, page([]))
    ll2_server.route("GET", PATH, page([]))
    refresh_launches(connect(db_url), ll2_server.url, NOW)
    (query,) = ll2_server.requests_to(PATH)
    assert query.query["location__ids"] == "8,16,17,19"


def test_failed_location_lookup_stops_the_run(ll2_server, db_url) -> None:
    ll2_server.route("GET", LOCATIONS, Reply(503, "down"))
    ll2_server.route("GET", PATH, page([]))
    report = refresh_launches(connect(db_url), ll2_server.url, NOW)
    assert report.failed and report.answers[-1].status == 503
    assert ll2_server.requests_to(PATH) == []


def test_chinese_locations_reads_both_country_shapes(sample) -> None:
    wenchang = sample["pad"]["location"]  # 2.3.0: country object
    old = {"id": 16, "name": "Xichang Satellite Launch Center, People's Republic of China", "country_code": "CHN"}  # 2.2.0
    elsewhere = {"id": 27, "name": "Kennedy Space Center, FL, USA", "country_code": "USA"}
    assert ll2.chinese_locations({"results": [wenchang, old, elsewhere]}) == [8, 16]


def test_budget_never_sends_a_sixteenth_request_in_an_hour(ll2_server, db_url, sample) -> None:
    engine = connect(db_url)
    ll2_server.route("GET", PATH, lambda request: page([], ll2_server.url + PATH + "?offset=1"))
    runs = [refresh_launches(engine, ll2_server.url, NOW + timedelta(minutes=i)) for i in range(5)]
    assert len(ll2_server.requests) == BUDGET
    assert runs[-1].answers == [] and "budget" in runs[-1].budget_note
    later = refresh_launches(engine, ll2_server.url, NOW + timedelta(hours=1, minutes=1))
    assert len(later.answers) > 0 and len(ll2_server.requests) > BUDGET


@pytest.mark.parametrize("status", [429, 500])
def test_non_200_stops_and_is_recorded(ll2_server, db_url, sample, status: int) -> None:
    engine = connect(db_url)
    ll2_server.route("GET", PATH, [page([sample], ll2_server.url + PATH + "?offset=1"), Reply(status, "slow down")])
    report = refresh_launches(engine, ll2_server.url, NOW)
    assert report.failed and len(ll2_server.requests_to(PATH)) == 2
    assert report.answers[-1].status == status
    assert "2025-12-30-long-march-7a" in report.added  # what came before the failure is kept
    with engine.connect() as conn:
        statuses = [r.status for r in conn.execute(text("select status from ll2_request order by id"))]
    assert statuses == [200, 200, status]  # the locations lookup, page 1, the failure


@pytest.mark.parametrize(
    ("reply", "error"),
    [(Reply(200, "<html>maintenance</html>"), "answer is not JSON"), (Reply(200, '{"detail": "x"}'), "no 'results' list")],
)
def test_malformed_answer_stops(ll2_server, db_url, reply: Reply, error: str) -> None:
    ll2_server.route("GET", PATH, reply)
    report = refresh_launches(connect(db_url), ll2_server.url, NOW)
    assert report.failed and error in report.answers[-1].error and report.added == []


def test_next_link_to_another_server_is_not_followed(ll2_server, db_url, sample) -> None:
    ll2_server.route("GET", PATH, page([sample], "http://elsewhere.invalid" + PATH + "?offset=1"))
    report = refresh_launches(connect(db_url), ll2_server.url, NOW)
    assert not report.failed and report.added == ["2025-12-30-long-march-7a"]
    assert len(ll2_server.requests_to(PATH)) == 1 and len(report.answers) == 2  # the lookup and page 1 only


def test_refused_connection_stops(db_url) -> None:
    engine = connect(db_url)
    report = refresh_launches(engine, "http://127.0.0.1:9", NOW)  # discard port: nothing listens
    assert report.failed and report.answers[-1].status is None and "could not connect" in report.answers[-1].error
    with engine.connect() as conn:  # nothing reached LL2: the hourly budget is untouched
        assert conn.exec_driver_sql("SELECT count(*) FROM ll2_request").scalar() == 0


def test_timeout_stops(ll2_server, db_url) -> None:
    engine = connect(db_url)
    ll2_server.route("GET", PATH, Reply(200, "{}", delay=2.0))
    report = refresh_launches(engine, ll2_server.url, NOW, timeout=httpx.Timeout(0.3))
    assert report.failed and "timed out" in report.answers[-1].error


def test_unreadable_results_are_set_aside_and_the_rest_stored(cli, ll2_server, sample) -> None:
    broken = [dict(sample, id="00000000-no-net", net="garbage"), dict(sample, id="00000000-null-net", net=None),
              {"name": "no id at all"}]
    ll2_server.route("GET", PATH, page([*broken, sample]))
    done = cli("launches", "refresh", env={"TRACKER_LL2_URL": ll2_server.url})
    assert done.returncode == 5, done.stderr
    assert "added     2025-12-30-long-march-7a" in done.stdout
    assert "rejected  LL2 launch 00000000-no-net: net 'garbage' is not an ISO 8601 time" in done.stderr
    assert "00000000-null-net" in done.stderr and "an LL2 result without an id" in done.stderr
    assert "Traceback" not in done.stderr


def test_keeps_the_record_and_webcast_links_only_when_safe(sample: dict) -> None:
    rec = ll2.to_record(sample)
    assert rec["ll2_url"] == sample["url"] and rec["webcast_url"] is None  # the sample (normal mode) has no vid_urls
    videos = [
        {"priority": 10, "url": "javascript:alert(1)", "title": "synthetic"},
        {"priority": 20, "url": "https://www.youtube.com/watch?v=synthetic\x1b]8;;", "title": "synthetic"},
        {"priority": 30, "url": "https://www.youtube.com/watch?v=synthetic", "title": "synthetic"},
        {"priority": 5, "url": "file:///etc/passwd", "title": "synthetic"},
    ]
    rec = ll2.to_record(dict(sample, vid_urls=videos))
    assert rec["webcast_url"] == "https://www.youtube.com/watch?v=synthetic"
    assert ll2.to_record(dict(sample, url="ftp://x/", vid_urls=[]))["ll2_url"] is None


def test_an_ll2_time_without_offset_is_utc(sample) -> None:
    assert ll2.to_record(dict(sample, net="2025-12-30T22:40:00"))["net_utc"] == datetime(2025, 12, 30, 22, 40, tzinfo=timezone.utc)


def test_cli_refresh_and_tracker_refresh(cli, ll2_server, sample) -> None:
    ll2_server.route("GET", PATH, page([sample]))
    env = {"TRACKER_LL2_URL": ll2_server.url}
    first = cli("launches", "refresh", env=env)
    assert first.returncode == 0, first.stderr
    assert "added     2025-12-30-long-march-7a" in first.stdout
    quiet = cli("launches", "refresh", env=env)
    assert (quiet.returncode, quiet.stdout) == (0, "")
    # `tracker refresh`: CelesTrak (offline here) fails, LL2 is still asked; the exit code says 3.
    both = cli("refresh", env=env)
    assert both.returncode == 3
    assert len(ll2_server.requests_to(PATH)) == 3
    ll2_server.route("GET", PATH, Reply(429, "Request was throttled."))
    throttled = cli("launches", "refresh", env=env)
    assert throttled.returncode == 3 and "429" in throttled.stderr
