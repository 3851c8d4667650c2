"""The vendors' answers are checked before use: a wrong shape is one error naming the field.

First the shapes seen to give tracebacks before (an LL2 field of the wrong type, a non-string
``next``, malformed Yahoo timestamps, ``"klines": 5``) and CelesTrak 200s that are not element
data (which were recorded as successes), then property-based tests (Hypothesis):
any JSON value put anywhere in a real-shaped answer, or removed from it, makes the parsers raise
only their documented error (:class:`~markets.fetch.FetchError` for Yahoo and Eastmoney,
ValueError for :func:`tracker.launches.ll2.to_record`), and whatever they accept has the
documented types. The LL2 result below is SYNTHETIC (laid out like LL2 2.3.0's detailed mode,
values made up); the Yahoo and Eastmoney bodies are the synthetic ones of test_market_clients.
"""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timezone
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from markets.eastmoney import EastmoneyClient, parse_klines
from markets.fetch import SCHEMA, FetchError, PoliteClient
from markets.yahoo import parse_chart
from tests.httpserver import LocalServer, Reply
from tests.test_market_clients import KLINE_SYNTHETIC, YAHOO_SYNTHETIC
from tle.celestrak import CelesTrakClient, gp_url
from tracker.launches import ll2
from tracker.launches.refresh import refresh_launches
from tracker.launches.store import new_id
from tracker.services.bootstrap import open_database

LL2_RESULT: dict[str, Any] = {
    "id": "00000000-synthetic", "url": "https://ll.thespacedevs.com/2.3.0/launches/00000000-synthetic/",
    "name": "Zhuque-3 | Demo Flight", "net": "2025-12-03T04:00:30Z",
    "window_start": "2025-12-03T04:00:00Z", "window_end": "2025-12-03T05:00:00Z",
    "net_precision": {"id": 0, "name": "Second"}, "status": {"id": 3, "name": "Launch Successful"},
    "launch_designator": "2025-280", "launch_service_provider": {"name": "LandSpace", "abbrev": "LS"},
    "rocket": {"configuration": {"name": "Zhuque-3", "full_name": "Zhuque-3"}, "launcher_stage": [{"landing": {
        "attempt": True, "success": True, "downrange_distance": 380, "type": {"abbrev": "RTLS"},
        "location": {"name": "Dongfeng landing zone"}}}]},
    "mission": {"name": "Demo Flight"},
    "pad": {"name": "96A", "location": {"name": "Jiuquan Satellite Launch Center, People's Republic of China"}},
}
YAHOO: dict[str, Any] = json.loads(YAHOO_SYNTHETIC)
KLINES: dict[str, Any] = json.loads(KLINE_SYNTHETIC)
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


def with_value(doc: Any, path: tuple, value: Any) -> Any:
    """A copy of ``doc`` with the value at ``path`` replaced (or removed, for :data:`GONE`)."""
    if not path:
        return None if value is GONE else value
    out = copy.deepcopy(doc)
    parent = out
    for key in path[:-1]:
        parent = parent[key]
    if value is GONE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return out


GONE = object()


# -- LL2 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "error"), [
    pytest.param('{"next": 5, "results": []}', "answer field 'next' is 5, expected a URL or null", id="next-number"),
    pytest.param('{"next": {"url": "x"}, "results": []}', "answer field 'next' is {'url': 'x'}, expected a URL or null",
                 id="next-object"),
    pytest.param('{"next": null, "results": {"a": 1}}', "answer has no 'results' list", id="results-object"),
    pytest.param("[" * 100_000, "answer is not JSON", id="nested-100000-deep"),
])
def test_a_malformed_ll2_answer_is_an_error_for_that_request(http_server: LocalServer, db_url: str, body, error) -> None:
    http_server.route("GET", "/2.3.0/locations/", Reply(200, body))
    report = refresh_launches(open_database(db_url), http_server.url, NOW)
    assert report.failed and report.answers[-1].error == error


def test_an_ll2_next_that_is_no_url_is_not_followed(http_server: LocalServer, db_url: str) -> None:
    page = {"next": "http://[::1", "results": [{"id": 8, "country": {"alpha_3_code": "CHN"}}, "not an object", 5]}
    http_server.route("GET", "/2.3.0/locations/", Reply(200, json.dumps(page)))
    http_server.route("GET", "/2.3.0/launches/", Reply(200, json.dumps(dict(page, results=[LL2_RESULT]))))
    report = refresh_launches(open_database(db_url), http_server.url, NOW)
    assert not report.failed and len(report.answers) == 2 and not report.rejected
    assert [*report.added, *report.updated] == ["2025-12-03-zhuque-3-y1"]  # the bundled calendar's launch


@pytest.mark.parametrize(("path", "value", "message"), [
    (("rocket",), "Zhuque-3", "rocket is 'Zhuque-3', expected an object"),
    (("rocket", "configuration", "name"), 3, None),  # full_name is used first
    (("rocket", "configuration", "full_name"), ["Zhuque-3"], "rocket.configuration.full_name is ['Zhuque-3'], expected text"),
    (("status", "id"), [3], "status.id is [3], expected an integer"),
    (("status", "id"), True, "status.id is True, expected an integer"),
    (("net_precision", "name"), 2, "net_precision.name is 2, expected text"),
    (("window_end",), "soon", "window_end is 'soon', expected an ISO 8601 time"),
    (("window_end",), "0001-01-01T00:00:00+05:00", "window_end is '0001-01-01T00:00:00+05:00', expected an ISO 8601 time"),
    (("name",), {"a": 1}, "name is {'a': 1}, expected text"),
    (("rocket", "launcher_stage"), {"landing": {}}, "rocket.launcher_stage is {'landing': {}}, expected a list"),
    (("rocket", "launcher_stage", 0), "core", "rocket.launcher_stage[0] is 'core', expected an object"),
    (("rocket", "launcher_stage", 0, "landing", "attempt"), "yes", "rocket.launcher_stage[0].landing.attempt is 'yes'"),
    (("rocket", "launcher_stage", 0, "landing", "downrange_distance"), "far", "downrange_distance is 'far', expected a finite number"),
    (("rocket", "launcher_stage", 0, "landing", "downrange_distance"), 10**400, "downrange_distance is 1000"),
    (("net",), 20251203, "LL2 launch 00000000-synthetic: net 20251203 is not an ISO 8601 time"),
    (("id",), 42, "an LL2 result without an id"),
])
def test_an_ll2_field_of_the_wrong_type_names_the_launch_and_the_field(path, value, message) -> None:
    result = with_value(LL2_RESULT, path, value)
    if message is None:
        assert ll2.to_record(result)["vehicle"] == "Zhuque-3"
        return
    with pytest.raises(ValueError, match="^(LL2 launch 00000000-synthetic: |an LL2 result)") as caught:
        ll2.to_record(result)
    assert message in str(caught.value) and "\n" not in str(caught.value)


# -- Yahoo and Eastmoney ---------------------------------------------------------------------------

_RESULT = ("chart", "result", 0)


@pytest.mark.parametrize(("path", "value", "message"), [
    ((*_RESULT, "timestamp"), "1704245400", r"chart\.result\[0\]\.timestamp is '1704245400', expected a list"),
    ((*_RESULT, "timestamp", 1), "1704245400", r"timestamp\[1\] is '1704245400', expected epoch seconds"),
    ((*_RESULT, "timestamp", 1), 1704245400.5, r"timestamp\[1\] is 1704245400\.5, expected epoch seconds"),
    ((*_RESULT, "timestamp", 1), 10**20, r"timestamp\[1\] is 100000000000000000000, expected epoch seconds"),
    ((*_RESULT, "indicators", "quote", 0, "close", 1), "20.95", r"quote\[0\]\.close\[1\] is '20\.95', expected a number or null"),
    ((*_RESULT, "indicators", "quote", 0, "close", 1), float("nan"), r"close\[1\] is nan, expected a number or null"),
    ((*_RESULT, "indicators", "quote", 0, "volume", 1), 10**400, r"volume\[1\] is 1000.*, expected a number or null"),
    ((*_RESULT, "indicators", "quote", 0, "open"), [1.0], r"quote\[0\]\.open does not have one value per timestamp \(5\)"),
    ((*_RESULT, "meta"), "Asia/Shanghai", r"chart\.result\[0\]\.meta is 'Asia/Shanghai', expected an object"),
    ((*_RESULT, "meta"), {"gmtoffset": 10**9}, r"meta\.gmtoffset 1000000000 is not a UTC offset"),
    (("chart",), [], r"missing field chart\.result"),
    (("chart", "error"), {"code": ["x"] * 100}, r"^Yahoo has no data for XSHG:600118 \(Yahoo 600118\.SS\): \['x', 'x'"),
])
def test_a_malformed_yahoo_chart_names_the_field(path, value, message) -> None:
    with pytest.raises(FetchError, match=message) as caught:
        parse_chart(with_value(YAHOO, path, value), "XSHG:600118")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("path", "value", "message"), [
    (("data", "klines"), 5, r"data\.klines is 5, expected a list of rows"),
    (("data", "klines"), "2024-01-03,30.10", r"data\.klines is '2024-01-03,30\.10', expected a list of rows"),
    (("data", "klines", 0), 5, r"data\.klines\[0\] is 5, expected a text row"),
    (("data", "klines", 0), "2024-01-03,1,2,3,4,5", r"data\.klines\[0\] has 6 fields, expected 11"),
    (("data", "klines", 0), "20240103,1,2,3,4,5,6,7,8,9,10", r"data\.klines\[0\]: '20240103' is not a YYYY-MM-DD date"),
    (("data", "klines", 0), "2024-02-30,1,2,3,4,5,6,7,8,9,10", r"'2024-02-30' is not a YYYY-MM-DD date"),
    (("data", "klines", 0), "2024-01-03,1,nan,3,4,5,6,7,8,9,10", r"data\.klines\[0\]: 'nan' is not a number"),
    (("data", "klines", 0), "2024-01-03,1,2,3,4,1e999,6,7,8,9,10", r"data\.klines\[0\]: '1e999' is not a number"),
    (("data",), [], r"missing field data\.klines"),
    (("rc",), {"deep": [[[[["x"]]]]]}, None),
])
def test_a_malformed_eastmoney_answer_names_the_row(path, value, message) -> None:
    body = with_value(KLINES, path, value)
    if message is None:
        assert parse_klines(body, "XSHG:600118").height == 2
        return
    with pytest.raises(FetchError, match=message) as caught:
        parse_klines(body, "XSHG:600118")
    assert "\n" not in str(caught.value)


def test_klines_5_from_the_server_is_a_fetch_error(http_server: LocalServer) -> None:
    http_server.route("GET", "/api/qt/stock/kline/get", Reply(200, json.dumps(with_value(KLINES, ("data", "klines"), 5))))
    http = PoliteClient(min_interval=0.0, trust_env=False)
    with EastmoneyClient(http_server.url, http=http) as client, pytest.raises(FetchError, match=r"data\.klines is 5"):
        client.daily_bars("XSHG:600118", date(2024, 1, 3), date(2024, 1, 4))
    assert len(http_server.requests) == 1  # a malformed answer is not retried


def test_json_nested_thousands_deep_is_not_json() -> None:
    for parse in (parse_chart, parse_klines):
        with pytest.raises(FetchError, match=r"not valid JSON \(nested too deep\)"):
            parse("[" * 100_000, "XSHG:600118")


# -- CelesTrak --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "reason"), [
    pytest.param("No GP data found", "(expected TLE/3LE, OMM CSV, JSON or XML): 'No GP data found'", id="no-gp-data"),
    pytest.param(" \r\n", "(empty body): ''", id="empty"),
    pytest.param("<html><body>Please log in to the Wi-Fi</body></html>", "(XML without OMM <segment> elements", id="portal"),
    pytest.param('[{"OBJECT_NAME": 5}', "(invalid JSON (Expecting ',' delimiter: line 1 column 20 (char 19))): '[{",
                 id="broken-json"),
    pytest.param("[" * 100_000, "(invalid JSON (nested too deep)): '[[[", id="nested-100000-deep"),
    pytest.param('[1, "x", {"EPOCH": []}]', "(none of its 3 records can be read, the first: record 1: not an object)",
                 id="no-good-record"),
])
def test_a_celestrak_200_that_is_not_element_data_is_an_error(http_server: LocalServer, body: str, reason: str) -> None:
    http_server.route("GET", "/NORAD/elements/gp.php", Reply(200, body))
    url_list = [gp_url(http_server.url, "qianfan"), gp_url(http_server.url, "stations")]
    outcomes = CelesTrakClient(http_server.url).fetch_all(url_list, {}, now=NOW)
    assert [o.kind for o in outcomes] == ["error", "not-attempted"]
    assert outcomes[0].message.startswith(f"HTTP 200 but not element data {reason}"), outcomes[0].message
    assert outcomes[0].status == 200 and outcomes[0].state.last_success is None and outcomes[0].parsed is None


# -- property-based: any JSON value anywhere -------------------------------------------------------


def paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in ``doc``: the root, each member of an object, each item of a list."""
    found = [prefix]
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else []
    for key, value in items:
        found += paths(value, (*prefix, key))
    return found


#: Values that come close to valid: times, epoch seconds, kline fields and rows.
NEAR = st.sampled_from([
    "2025-12-03T04:00:30Z", "2025-12-03", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "", "-",
    "nan", "inf", "1e999", "20240103", "2024-01-03", 1704245400, -10**12, 10**20, 2**63, 0.0, -0.0, 3.4e39,
    "2024-01-03,30.10,30.50,30.80,29.90,12345,3.7e7,3.00,1.67,0.50,0.10", "2024-01-03,1,2,3,4,-,-,-,-,-,-",
])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | NEAR
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                    max_leaves=10)
EDITS = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def edited(doc: Any) -> st.SearchStrategy[Any]:
    """``doc`` with one to three places replaced by any JSON value or removed."""
    places = paths(doc)

    def apply(edits: list[tuple[tuple, Any]]) -> Any:
        out = doc
        for path, value in edits:
            try:
                out = with_value(out, path, value)
            except (KeyError, IndexError, TypeError):
                pass  # an earlier edit removed or replaced that place
        return out

    return st.lists(st.tuples(st.sampled_from(places), JSON | st.just(GONE)), min_size=1, max_size=3).map(apply)


@EDITS
@given(edited(YAHOO))
def test_yahoo_chart_parser_raises_only_fetch_error(body: Any) -> None:
    for form in (body, json.dumps(body)):
        try:
            frame = parse_chart(form, "XSHG:600118")
        except FetchError as exc:
            assert "\n" not in str(exc)
        else:
            assert frame.schema == {**SCHEMA, "adj": pl.Float64}  # adj: null without adjclose


@EDITS
@given(edited(KLINES), st.booleans())
def test_eastmoney_kline_parser_raises_only_fetch_error(body: Any, jsonp: bool) -> None:
    text = json.dumps(body, ensure_ascii=False)
    for form in (body, f"jQuery1_2({text});" if jsonp else text):
        try:
            frame = parse_klines(form, "XSHG:600118", shares_per_unit=100)
        except FetchError as exc:
            assert "\n" not in str(exc)
        else:
            assert frame.schema == SCHEMA


TEXT_FIELDS = ("vehicle", "variant", "provider", "site", "mission", "constellation", "net_precision", "status",
               "orbit_outcome", "cospar_launch", "booster_recovery", "landing_type", "landing_location")


@EDITS
@given(edited(LL2_RESULT))
def test_ll2_to_record_raises_only_value_error(result: Any) -> None:
    try:
        rec = ll2.to_record(result)
    except ValueError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(rec["ll2_id"], str) and rec["vehicle"]
    assert all(rec.get(name) is None or isinstance(rec[name], str) for name in TEXT_FIELDS)
    for name in ("net_utc", "window_start", "window_end"):
        assert rec[name] is None or rec[name].tzinfo == timezone.utc
    assert rec["net_utc"] is not None and all(isinstance(s, str) for s in rec["sources"])
    assert rec.get("landing_downrange_km") is None or isinstance(rec["landing_downrange_km"], float)
    assert new_id(rec)
