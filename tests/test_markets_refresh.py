"""``tracker markets refresh`` end to end against a real local server (127.0.0.1).

The server answers like Eastmoney's kline API and Yahoo's v8 chart API (same envelopes as the
samples in ../shared/api-samples) with SYNTHETIC bars: one per weekday in the range asked for,
close 10.00 + 0.01 per day. Nothing here is market data.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from tests.httpserver import LocalServer, Reply, Request

KLINE = "/api/qt/stock/kline/get"
EXIT_OK, EXIT_USAGE, EXIT_NETWORK = 0, 2, 3

pytestmark = pytest.mark.usefixtures("no_waiting")


def weekdays(start: date, end: date) -> list[date]:
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return [d for d in days if d.weekday() < 5]


def kline_reply(request: Request) -> Reply:
    """Synthetic klines for every weekday between ``beg`` and ``end``; lots of 100 shares."""
    beg = datetime.strptime(request.query["beg"], "%Y%m%d").date()
    end = datetime.strptime(request.query["end"], "%Y%m%d").date()
    rows = [
        f"{d:%Y-%m-%d},{10 + i / 100:.2f},{10 + i / 100:.2f},{10.5 + i / 100:.2f},{9.5 + i / 100:.2f},1000,1.0,1.0,0.1,0.01,0.1"
        for i, d in enumerate(weekdays(beg, end))
    ]
    code = request.query["secid"].split(".")[1]
    body = {"rc": 0, "rt": 17, "svr": 1, "lt": 1, "full": 0, "dlmkts": "", "data": {
        "code": code, "market": 1, "name": "synthetic", "decimal": 2, "dktotal": len(rows), "preKPrice": 10.0, "klines": rows}}
    return Reply(200, json.dumps(body), {"Content-Type": "application/json"})


def chart_reply(request: Request) -> Reply:
    """Synthetic Yahoo chart: sessions opening 01:30 UTC (09:30 Hong Kong) on weekdays."""
    start = datetime.fromtimestamp(int(request.query["period1"]), timezone.utc).date()
    end = datetime.fromtimestamp(int(request.query["period2"]), timezone.utc).date()
    days = weekdays(start, end)
    stamps = [int(datetime(d.year, d.month, d.day, 1, 30, tzinfo=timezone.utc).timestamp()) for d in days]
    closes = [20 + i / 100 for i in range(len(days))]
    body = {"chart": {"result": [{
        "meta": {"currency": "HKD", "symbol": request.path.rsplit("/", 1)[1], "exchangeName": "HKG",
                 "gmtoffset": 28800, "timezone": "HKT", "exchangeTimezoneName": "Asia/Hong_Kong"},
        "timestamp": stamps,
        "indicators": {"quote": [{"open": closes, "high": [c + 1 for c in closes], "low": [c - 1 for c in closes],
                                  "close": closes, "volume": [5000] * len(days)}]}}], "error": None}}
    return Reply(200, json.dumps(body), {"Content-Type": "application/json"})


@pytest.fixture
def vendors(http_server: LocalServer):
    http_server.route("GET", KLINE, kline_reply)
    for symbol in ("0941.HK", "%5EHSI", "^HSI"):
        http_server.route("GET", f"/v8/finance/chart/{symbol}", chart_reply)
    return {"TRACKER_EASTMONEY_URL": http_server.url, "TRACKER_YAHOO_URL": http_server.url}


def held(cli, symbol: str) -> list[dict]:
    return json.loads(cli("markets", "bars", symbol, "--format", "json").stdout)


def test_refresh_fetches_what_is_missing_then_costs_no_request(cli, http_server, vendors):
    first = cli("markets", "refresh", "--symbols", "600118.SS,0941.HK,^HSI", env=vendors)
    assert first.returncode == EXIT_OK, first.stderr
    assert "XSHG:600118" in first.stdout and "new bars" in first.stdout
    kline = http_server.requests_to(KLINE)
    assert len(kline) == 1 and kline[0].query["secid"] == "1.600118" and kline[0].query["fqt"] == "0"
    bars = held(cli, "600118.SS")
    assert bars and bars[0]["volume"] == 100_000  # 1000 lots of 100 shares
    assert held(cli, "0941.HK") and held(cli, "^HSI")
    # The newest stored bar is the last closed session: nothing was stored for a session still open.
    assert max(b["date"] for b in bars) <= datetime.now(timezone.utc).date().isoformat()
    before = len(http_server.requests)
    again = cli("markets", "refresh", "--symbols", "600118.SS,0941.HK,^HSI", "-v", env=vendors)
    assert again.returncode == EXIT_OK, again.stderr
    assert len(http_server.requests) == before
    assert again.stdout.count("up to date (no request)") == 3


def test_blocking_answer_stops_the_run_and_keeps_what_was_stored(cli, http_server, vendors):
    # Securities are fetched in id order: XHKG:0941, XHKG:HSI (refused), XSHG:600118 (never asked).
    for path in ("/v8/finance/chart/^HSI", "/v8/finance/chart/%5EHSI"):
        http_server.route("GET", path, Reply(429, "slow down", {"Retry-After": "3600"}))
    done = cli("markets", "refresh", "--symbols", "600118.SS,0941.HK,^HSI", env=vendors)
    assert done.returncode == EXIT_NETWORK
    assert "429" in done.stderr and "stopped" in done.stderr
    assert held(cli, "0941.HK")  # fetched before the refusal, kept
    assert not http_server.requests_to(KLINE) and not held(cli, "600118.SS")


def test_an_error_for_one_security_does_not_stop_the_others(cli, http_server, vendors):
    not_found = '{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found"}}}'
    http_server.route("GET", "/v8/finance/chart/0941.HK", Reply(404, not_found))
    done = cli("markets", "refresh", "--symbols", "0941.HK,600118.SS", env=vendors)
    assert done.returncode == EXIT_NETWORK
    assert "XHKG:0941" in done.stderr and held(cli, "600118.SS")


def test_vendors_off_means_no_request(cli, http_server):
    done = cli("markets", "refresh", "-v")
    assert done.returncode == EXIT_OK
    assert "off (TRACKER_EASTMONEY_URL and TRACKER_YAHOO_URL=off)" in done.stdout and not http_server.requests


def test_a_malformed_vendor_url_is_a_usage_error_before_any_work(cli):
    for command in (["markets", "refresh"], ["refresh"]):
        done = cli(*command, env={"TRACKER_YAHOO_URL": "localhost:8080"})
        assert done.returncode == EXIT_USAGE, done.stderr
        assert "TRACKER_YAHOO_URL must be like https://host" in done.stderr and "Traceback" not in done.stderr


def test_an_unreachable_vendor_is_not_asked_again_in_the_run(cli):
    # Port 9 (discard) refuses connections: after the client's retries the run gives up on the
    # vendor instead of trying every security in turn.
    unreachable = {"TRACKER_EASTMONEY_URL": "http://127.0.0.1:9", "TRACKER_YAHOO_URL": "off"}
    done = cli("markets", "refresh", "--symbols", "600118.SS,601698.SS,688523.SS", env=unreachable)
    assert done.returncode == EXIT_NETWORK
    assert done.stderr.count("gave up after") == 1
    assert done.stderr.count("2 more securities not attempted: eastmoney could not be reached") == 1
