"""Every source against hostile servers: an endless body, a gzip bomb, an oversized body, a drip.

Each client (CelesTrak, Launch Library 2, Yahoo, Eastmoney) is given small limits (1 MiB, 0.3
seconds) so that each case is quick; for each the source fails with one line naming what was
exceeded, at once, and nothing after it is asked. Then the run deadlines of CelesTrak and LL2,
and one ``tracker refresh`` end to end against such a server: exit 3 within the deadline, and the
refresh lock free again afterwards. The LL2 location answered here is SYNTHETIC (id 8, CHN).
"""

from __future__ import annotations

import json
import re
import time
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import text

from markets.eastmoney import EastmoneyClient
from markets.fetch import FetchError, PoliteClient, Unreachable
from markets.yahoo import YahooClient
from tests.httpserver import LocalServer, Reply, endless, gzip_bomb_stream
from tests.test_celestrak import CSV, GP_PATH, T0
from tle import celestrak
from tle.celestrak import CelesTrakClient, gp_url
from tle.download import Limits
from tracker.launches import ll2
from tracker.launches.refresh import refresh_launches
from tracker.services.bootstrap import open_database

CAP = 1 << 20
LIMITS = Limits(max_bytes=CAP, deadline=0.3)
#: A whole failed request takes the deadline at most, plus the test's own slack.
QUICK = 1.5
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
LOCATIONS = "/2.3.0/locations/"
LAUNCHES = "/2.3.0/launches/"
KLINE = "/api/qt/stock/kline/get"
CHART = "/v8/finance/chart/600118.SS"

#: Each hostile answer, and what the source's one-line error must say.
HOSTILE = {
    "endless": (Reply(stream=endless()), r"the answer is larger than 1 MiB, the most accepted from this source"),
    "gzip-bomb": (Reply(stream=gzip_bomb_stream(), headers={"Content-Encoding": "gzip"}),
                  r"the answer is larger than 1 MiB once decompressed \(gzip\)"),
    "oversized": (Reply(200, b"x" * (2 * CAP)), r"the answer announces 2 MiB, more than the 1 MiB accepted"),
    "drip": (Reply(stream=endless(b"{"), interval=0.1), r"no complete answer within 0\.3 s: gave up"),
}


def one_line(message: str | None, pattern: str) -> None:
    assert message is not None and "\n" not in message and re.search(pattern, message), message


def locations_page() -> Reply:
    """SYNTHETIC: one Chinese location, shaped like LL2 2.3.0's locations answer."""
    location = {"id": 8, "name": "Wenchang Space Launch Site, People's Republic of China", "country": {"alpha_3_code": "CHN"}}
    return Reply(200, json.dumps({"count": 1, "next": None, "previous": None, "results": [location]}))


def ll2_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM ll2_request")).scalar_one()


# -- each source against each hostile answer -------------------------------------------------------


@pytest.mark.parametrize("case", HOSTILE)
def test_celestrak_fails_the_url_and_stops_the_run(http_server: LocalServer, case: str) -> None:
    reply, expected = HOSTILE[case]
    http_server.route("GET", GP_PATH, reply)
    url_list = [gp_url(http_server.url, "qianfan"), gp_url(http_server.url, "stations")]

    start = time.monotonic()
    outcomes = CelesTrakClient(http_server.url, limits=LIMITS).fetch_all(url_list, {}, now=T0)

    assert time.monotonic() - start < QUICK
    assert [o.kind for o in outcomes] == ["error", "not-attempted"]
    one_line(outcomes[0].message, expected)
    assert outcomes[0].state.last_success is None and outcomes[0].body is None
    assert len(http_server.requests) == 1


@pytest.mark.parametrize("case", HOSTILE)
def test_ll2_fails_the_request_and_stops_the_run(http_server: LocalServer, db_url: str, case: str) -> None:
    reply, expected = HOSTILE[case]
    http_server.route("GET", LOCATIONS, locations_page())
    http_server.route("GET", LAUNCHES, reply)

    start = time.monotonic()
    report = refresh_launches(open_database(db_url), http_server.url, NOW, limits=LIMITS)

    assert time.monotonic() - start < QUICK
    assert report.failed and report.added == [] and report.answers[-1].status is None
    one_line(report.answers[-1].error, expected)
    assert len(http_server.requests_to(LAUNCHES)) == 1


@pytest.mark.parametrize("vendor", ["yahoo", "eastmoney"])
@pytest.mark.parametrize("case", HOSTILE)
def test_a_market_vendor_fails_the_security_without_retrying(http_server: LocalServer, vendor: str, case: str) -> None:
    reply, expected = HOSTILE[case]
    http_server.route("GET", CHART if vendor == "yahoo" else KLINE, reply)
    http = PoliteClient(min_interval=0.0, limits=LIMITS, sleep=lambda _: None, trust_env=False)
    source = (YahooClient if vendor == "yahoo" else EastmoneyClient)(http_server.url, http=http)

    start = time.monotonic()
    with source, pytest.raises(FetchError) as caught:
        source.daily_bars("XSHG:600118", date(2024, 1, 3), date(2024, 1, 4))

    assert time.monotonic() - start < QUICK
    one_line(str(caught.value), expected)
    # A drip is the vendor's state, not this security's: the rest of the vendor is skipped.
    assert isinstance(caught.value, Unreachable) == (case == "drip")
    assert len(http_server.requests) == 1


# -- run deadlines ---------------------------------------------------------------------------------


def test_celestrak_run_deadline_stops_the_run(http_server: LocalServer) -> None:
    http_server.route("GET", GP_PATH, Reply(200, CSV, delay=0.2))
    url_list = [gp_url(http_server.url, g) for g in ("qianfan", "stations", "GROUP=active")]
    client = CelesTrakClient(http_server.url, limits=Limits(CAP, 5.0), run_limit=0.3)

    start = time.monotonic()
    outcomes = client.fetch_all(url_list, {}, now=T0)

    assert time.monotonic() - start < 0.3 + QUICK
    assert [o.kind for o in outcomes] == ["fetched", "error", "not-attempted"]
    assert outcomes[1].message == "the run's time limit ran out: gave up"
    assert celestrak.RUN_LIMIT == 600.0 and celestrak.LIMITS == Limits(64 << 20, 120.0)


def test_ll2_run_deadline_stops_the_run_and_an_unsent_request_costs_no_budget(http_server: LocalServer, db_url: str) -> None:
    engine = open_database(db_url)
    http_server.route("GET", LOCATIONS, Reply(200, locations_page().body, delay=0.2))
    http_server.route("GET", LAUNCHES, Reply(200, '{"next": null, "results": []}', delay=0.2))

    report = refresh_launches(engine, http_server.url, NOW, limits=Limits(CAP, 5.0), run_limit=0.3)

    assert report.failed and report.answers[-1].error == "the run's time limit ran out: gave up"
    assert ll2_count(engine) == 2  # the lookup and the page it cut short were both sent

    later = refresh_launches(engine, http_server.url, NOW, run_limit=1e-6)

    assert later.answers[-1].error == "the run's time limit ran out before this request"
    assert ll2_count(engine) == 2  # nothing left this machine: no request of the hourly budget
    assert ll2.RUN_LIMIT == 300.0 and ll2.LIMITS == Limits(16 << 20, 60.0)


# -- end to end ------------------------------------------------------------------------------------


def test_tracker_refresh_against_an_endless_server_exits_3_in_time_and_frees_the_lock(
    cli, http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(celestrak, "LIMITS", LIMITS)
    monkeypatch.setattr(ll2, "LIMITS", LIMITS)
    http_server.route("GET", GP_PATH, Reply(stream=endless()))  # CelesTrak: an endless body
    http_server.route("GET", LOCATIONS, Reply(stream=endless(b" "), interval=0.1))  # LL2: a drip
    env = {"TRACKER_CELESTRAK_URL": http_server.url, "TRACKER_LL2_URL": http_server.url}

    start = time.monotonic()
    first = cli("refresh", env=env)

    assert time.monotonic() - start < 2 * LIMITS.deadline + QUICK
    assert first.returncode == 3, first.stderr
    assert "the answer is larger than 1 MiB" in first.stderr and "no complete answer within 0.3 s" in first.stderr
    assert "Traceback" not in first.stderr
    again = cli("refresh", env=env)  # the lock was released: the same failure, not exit 4
    assert again.returncode == 3, again.stderr
