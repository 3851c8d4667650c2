"""Issue 11: out-of-range and wrongly typed vendor answers, end to end through the command line.

``tracker launches refresh`` and ``tracker markets refresh`` against a real local server
(127.0.0.1) that answers a NET of 0001-01-01, a field of the wrong type, a ``next`` that is not
text, a bar dated 9999-12-31 and ``"klines": 5``: the bad record or answer is named with its
field on stderr (one line each, no traceback), the documented exit code, and nothing of it is
written. The LL2 results are the real first result of ``../shared/api-samples`` with fields
altered (see tests/test_ll2.py); the bars are the SYNTHETIC ones of tests/test_markets_refresh.py.
"""

from __future__ import annotations

import copy
import json
import re

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests import test_ll2
from tests.httpserver import LocalServer, Reply, Request
from tests.test_ll2 import PATH, page
from tests.test_markets_refresh import KLINE, chart_reply, held, kline_reply

pytestmark = pytest.mark.usefixtures("no_waiting")
sample, ll2_server = test_ll2.sample, test_ll2.ll2_server  # the fixtures of tests/test_ll2.py


def launch_rows(db_url: str) -> list[tuple]:
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(text("SELECT * FROM launch ORDER BY id"))]
    engine.dispose()
    return rows


def no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr and "Error:" not in stderr.replace("tracker: error:", ""), stderr


# -- Launch Library 2 ------------------------------------------------------------------------------


def test_ll2_records_out_of_range_or_of_the_wrong_type_are_listed_and_the_rest_stored(cli, db_url, ll2_server, sample) -> None:
    ancient = dict(copy.deepcopy(sample), id="00000000-ancient", net="0001-01-01T00:00:00Z")
    typed = copy.deepcopy(sample)
    typed.update(id="00000000-typed", status={"id": [3], "name": "Launch Successful"})
    far = dict(copy.deepcopy(sample), id="00000000-far", net="9999-12-31T23:59:59Z")
    ll2_server.route("GET", PATH, page([ancient, typed, far, sample]))
    before = launch_rows(db_url)
    done = cli("launches", "refresh", env={"TRACKER_LL2_URL": ll2_server.url})
    assert done.returncode == 5, done.stderr  # partial: good records stored, rejected ones listed
    no_traceback(done.stderr)
    rejected = [line for line in done.stderr.splitlines() if line.startswith("rejected")]
    assert len(rejected) == 3, done.stderr
    assert "00000000-ancient" in rejected[0]
    assert "net is '0001-01-01T00:00:00Z', expected a time between 1957-01-01 and 2100-12-31" in rejected[0]
    assert "00000000-typed" in rejected[1] and "status.id is [3], expected an integer" in rejected[1]
    assert "00000000-far" in rejected[2] and "net is '9999-12-31T23:59:59Z', expected a time between" in rejected[2]
    assert "added     2025-12-30-long-march-7a" in done.stdout
    after = launch_rows(db_url)
    assert len(after) == len(before) + 1  # the good one only
    assert not any("0001-01-01" in str(row) or "9999-12-31" in str(row) for row in after)
    assert cli("link", "--format", "csv").returncode in (0, 1)  # later commands still work


@pytest.mark.parametrize("next_value", [5, {"url": "x"}, ["http://127.0.0.1/"], True])
def test_an_ll2_next_that_is_not_text_stops_the_run_and_writes_nothing(cli, db_url, ll2_server, sample, next_value) -> None:
    body = {"count": 1, "next": next_value, "previous": None, "results": [sample]}
    ll2_server.route("GET", PATH, Reply(200, json.dumps(body)))
    before = launch_rows(db_url)
    done = cli("launches", "refresh", env={"TRACKER_LL2_URL": ll2_server.url})
    assert done.returncode == 3, done.stderr  # a source failed: that source stopped
    no_traceback(done.stderr)
    assert "answer field 'next' is" in done.stderr and "expected a URL or null" in done.stderr
    assert launch_rows(db_url) == before  # the page of a malformed answer is not merged


def test_ll2_answer_of_the_wrong_type_through_tracker_refresh(cli, db_url, ll2_server) -> None:
    ll2_server.route("GET", PATH, Reply(200, '{"next": null, "results": 5}'))
    before = launch_rows(db_url)
    done = cli("refresh", env={"TRACKER_LL2_URL": ll2_server.url, "TRACKER_CELESTRAK_URL": "off"})
    assert done.returncode == 3, done.stderr
    no_traceback(done.stderr)
    assert "answer has no 'results' list" in done.stderr
    assert launch_rows(db_url) == before


# -- Yahoo and Eastmoney ---------------------------------------------------------------------------


def _klines_with(change):
    def reply(request: Request) -> Reply:
        body = json.loads(kline_reply(request).body)
        change(body["data"])
        return Reply(200, json.dumps(body))
    return reply


def _chart_with_last_stamp(stamp: int):
    def reply(request: Request) -> Reply:
        body = json.loads(chart_reply(request).body)
        body["chart"]["result"][0]["timestamp"][-1] = stamp
        return Reply(200, json.dumps(body))
    return reply


def _last_row_dated(day: str):
    def change(data: dict) -> None:
        data["klines"][-1] = day + data["klines"][-1][10:]
    return change


BAD_BARS = {
    "eastmoney-9999-12-31": ("600118.SS", KLINE, _klines_with(_last_row_dated("9999-12-31")), r"9999-12-31"),
    "eastmoney-klines-5": ("600118.SS", KLINE, _klines_with(lambda data: data.update(klines=5)), r"data.klines is 5"),
    "yahoo-9999-12-31": ("0941.HK", "/v8/finance/chart/0941.HK", _chart_with_last_stamp(253402214400), r"253402214400|9999"),
}


@pytest.mark.parametrize("case", BAD_BARS)
def test_a_bad_vendor_answer_fails_its_security_and_stores_none_of_its_bars(cli, http_server: LocalServer, case) -> None:
    symbol, path, reply, message = BAD_BARS[case]
    http_server.route("GET", KLINE, kline_reply)
    http_server.route("GET", "/v8/finance/chart/0941.HK", chart_reply)
    http_server.route("GET", path, reply)
    env = {"TRACKER_EASTMONEY_URL": http_server.url, "TRACKER_YAHOO_URL": http_server.url}
    other = "0941.HK" if symbol == "600118.SS" else "600118.SS"
    done = cli("markets", "refresh", "--symbols", f"{symbol},{other}", "--since", "2026-01-05", env=env)
    assert done.returncode == 3, done.stderr  # the security failed; the others were still fetched
    no_traceback(done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert any(re.search(message, line) for line in lines), done.stderr
    assert not held(cli, symbol)  # none of the bad answer's bars, not even the good ones
    assert held(cli, other)
    again = cli("markets", "refresh", "--symbols", other, env=env)  # later refreshes are not broken
    assert again.returncode == 0, again.stderr
