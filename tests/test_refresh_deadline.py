"""Issue 11: one deadline for a whole refresh across its sources (``TRACKER_REFRESH_DEADLINE``).

Each request has its own deadline, but a run of many requests could still take minutes; past the
run's deadline the request under way is cut off, the sources and securities not yet begun are not
attempted (and the report says so), the exit code is 3 and the lock is free again. Against a real
local server that drips its answers; the LL2 location and the bars are SYNTHETIC.
"""

from __future__ import annotations

import time

import pytest

from markets.fetch import PoliteClient
from tests.httpserver import LocalServer, Reply, endless
from tests.test_hostile_sources import LAUNCHES, LOCATIONS, locations_page
from tests.test_markets_refresh import KLINE, chart_reply, kline_reply
from tracker.settings import DEADLINE_DEFAULT_SECONDS, Settings

pytestmark = pytest.mark.usefixtures("no_waiting")

DEADLINE = 0.5
#: Slack for the process around the deadline (a refresh also opens a database and a lock).
SLACK = 1.5


def drip() -> Reply:
    return Reply(stream=endless(b" "), interval=0.05)


def test_the_deadline_cuts_the_request_under_way_and_skips_the_sources_not_begun(cli, http_server: LocalServer) -> None:
    http_server.route("GET", LOCATIONS, locations_page())
    http_server.route("GET", LAUNCHES, drip())
    http_server.route("GET", KLINE, kline_reply)
    env = {"TRACKER_CELESTRAK_URL": "off", "TRACKER_LL2_URL": http_server.url, "TRACKER_EASTMONEY_URL": http_server.url,
           "TRACKER_YAHOO_URL": http_server.url, "TRACKER_REFRESH_DEADLINE": str(DEADLINE)}

    start = time.monotonic()
    done = cli("refresh", env=env)

    assert time.monotonic() - start < DEADLINE + SLACK
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    assert "the run's time limit ran out: gave up" in done.stderr  # LL2's page, cut off
    assert f"Prices: not attempted: the refresh's time limit ran out (TRACKER_REFRESH_DEADLINE={DEADLINE:g} s)" in done.stderr
    assert not http_server.requests_to(KLINE)
    # The lock is free again: the next run is not refused with exit 4.
    http_server.route("GET", LAUNCHES, Reply(200, '{"next": null, "results": []}'))
    again = cli("launches", "refresh", env={**env, "TRACKER_REFRESH_DEADLINE": "30"})
    assert again.returncode == 0, again.stderr


def test_the_deadline_stops_a_price_refresh_between_securities(cli, http_server: LocalServer) -> None:
    http_server.route("GET", KLINE, drip())
    for symbol in ("0941.HK", "%5EHSI", "^HSI"):
        http_server.route("GET", f"/v8/finance/chart/{symbol}", chart_reply)
    env = {"TRACKER_EASTMONEY_URL": http_server.url, "TRACKER_YAHOO_URL": http_server.url,
           "TRACKER_REFRESH_DEADLINE": str(DEADLINE)}

    start = time.monotonic()
    done = cli("markets", "refresh", "--symbols", "600118.SS,688523.SS,0941.HK", env=env)

    assert time.monotonic() - start < DEADLINE + SLACK
    assert done.returncode == 3, done.stderr
    assert "the run's time limit ran out: gave up" in done.stderr
    assert "the run's time limit ran out: stopped before" in done.stderr and "Traceback" not in done.stderr
    assert len(http_server.requests_to(KLINE)) == 1  # nothing asked after the deadline


def test_a_vendor_wait_never_goes_beyond_the_deadline(http_server: LocalServer) -> None:
    http_server.route("GET", "/x", Reply(200, "{}"))
    naps: list[float] = []
    client = PoliteClient(min_interval=100.0, sleep=naps.append, until=time.monotonic() + 0.2)
    with client:
        client.get_text(f"{http_server.url}/x")
        with pytest.raises(Exception, match="the run's time limit ran out"):
            time.sleep(0.25)
            client.get_text(f"{http_server.url}/x")
    assert naps and max(naps) <= 0.2  # not the 100 s of spacing


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon", "86401"])
def test_a_malformed_deadline_is_a_usage_error_before_any_work(cli, value) -> None:
    done = cli("refresh", env={"TRACKER_REFRESH_DEADLINE": value})
    assert done.returncode == 2 and "TRACKER_REFRESH_DEADLINE must be seconds" in done.stderr


def test_the_deadline_defaults_to_ten_minutes() -> None:
    assert Settings.from_env({}, db="/tmp/x.db").refresh_deadline == DEADLINE_DEFAULT_SECONDS == 600.0
    assert Settings.from_env({"TRACKER_REFRESH_DEADLINE": " 90 "}, db="/tmp/x.db").refresh_deadline == 90.0


def test_the_deadline_holds_for_celestrak_too(cli, http_server: LocalServer) -> None:
    """CelesTrak runs first: its answer dripping past the run's deadline is cut off there, and the
    sources after it are not begun (each client is given the run's own deadline, not a count of
    seconds taken again later)."""
    http_server.route("GET", "/NORAD/elements/gp.php", drip())
    env = {"TRACKER_CELESTRAK_URL": http_server.url, "TRACKER_LL2_URL": http_server.url,
           "TRACKER_EASTMONEY_URL": http_server.url, "TRACKER_YAHOO_URL": http_server.url,
           "TRACKER_REFRESH_DEADLINE": str(DEADLINE)}

    start = time.monotonic()
    done = cli("refresh", env=env)

    assert time.monotonic() - start < DEADLINE + SLACK
    assert done.returncode == 3 and "Traceback" not in done.stderr, done.stderr
    assert f"not attempted: the refresh's time limit ran out (TRACKER_REFRESH_DEADLINE={DEADLINE:g} s)" in done.stderr
    assert len(http_server.requests_to("/NORAD/elements/gp.php")) == 1
    assert not http_server.requests_to(LOCATIONS) and not http_server.requests_to(KLINE)
