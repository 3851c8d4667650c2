"""Issue 11: property tests at the doors. Whatever text or arguments come in, the parsers and the
command line raise only their documented errors (or none), never a crash. Every input here is
generated; nothing is real data."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_in_process

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CLI = settings(max_examples=40, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# A made-up element set in each text format, to mutate.
TLE1 = "1 62323U 24240A   26115.49220466  .00000041  00000+0  60880-4 0  9996"
TLE2 = "2 62323  86.5040   1.0150 0001837  72.4834 287.6500 13.39545679 65666"
OMM = {"OBJECT_NAME": "X", "OBJECT_ID": "2024-240A", "EPOCH": "2026-04-25T11:48:46", "MEAN_MOTION": "15.2",
       "ECCENTRICITY": ".0002", "INCLINATION": "86.5", "RA_OF_ASC_NODE": "1", "ARG_OF_PERICENTER": "72",
       "MEAN_ANOMALY": "287", "EPHEMERIS_TYPE": "0", "CLASSIFICATION_TYPE": "U", "NORAD_CAT_ID": "62323",
       "ELEMENT_SET_NO": "999", "REV_AT_EPOCH": "6566", "BSTAR": "6e-5", "MEAN_MOTION_DOT": "4e-7",
       "MEAN_MOTION_DDOT": "0"}
NUMBERISH = st.one_of(
    st.sampled_from(["", " ", "nan", "inf", "-inf", "1e309", "-0", "0", "1e-320", "9" * 40, "0x10", "1_000", "١٢"]),
    st.integers(-(2**70), 2**70).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12),
)


def _mutate(text: str, data: st.DataObject) -> str:
    """``text`` with a few characters replaced, inserted or deleted."""
    chars = list(text)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(chars)))
        op = data.draw(st.sampled_from(["replace", "insert", "delete"]))
        ch = data.draw(st.sampled_from(list("0123456789 .+-eEAZ\n\t\x00é")))
        if op == "insert" or not chars or at == len(chars):
            chars.insert(at, ch)
        elif op == "replace":
            chars[at] = ch
        else:
            del chars[at]
    return "".join(chars)


# -- element sets -------------------------------------------------------------------------------------


def _elements_only_format_errors(text: str) -> None:
    from tle.formats import FormatError, parse_text

    try:
        result = parse_text(text, "fuzz")
    except FormatError:
        return
    for record in result.records:  # what passes obeys the bounds
        assert 0 < record.mean_motion <= 20 and 0 <= record.eccentricity < 1
        assert datetime(1957, 1, 1, tzinfo=timezone.utc) <= record.epoch < datetime(2101, 1, 1, tzinfo=timezone.utc)


@FAST
@given(st.text(max_size=300))
def test_element_parsers_take_any_text(text: str) -> None:
    _elements_only_format_errors(text)


@FAST
@given(st.data())
def test_element_parsers_take_damaged_tle(data: st.DataObject) -> None:
    _elements_only_format_errors(_mutate(f"NAME\n{TLE1}\n{TLE2}\n", data))


@FAST
@given(st.dictionaries(st.sampled_from(sorted(OMM)), NUMBERISH, max_size=6), st.sampled_from(["csv", "json", "xml"]))
def test_element_parsers_take_any_omm_values(changes: dict[str, str], fmt: str) -> None:
    from xml.sax.saxutils import escape

    record = {**OMM, **changes}
    if fmt == "json":
        text = json.dumps([record])
    elif fmt == "csv":
        text = ",".join(record) + "\n" + ",".join(v.replace(",", " ").replace("\n", " ") for v in record.values()) + "\n"
    else:
        body = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in record.items() if all(c.isprintable() for c in v))
        text = f"<ndm><omm><body><segment><data>{body}</data></segment></body></omm></ndm>"
    _elements_only_format_errors(text)


@FAST
@given(st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(sorted(OMM)), inner, max_size=5),
                    max_leaves=20))
def test_element_parsers_take_any_json(value: object) -> None:
    _elements_only_format_errors(json.dumps(value))


# -- launch files -------------------------------------------------------------------------------------


@FAST
@given(st.text(max_size=300), st.sampled_from(["csv", "json"]))
def test_launch_files_raise_only_invalid_launch(text: str, fmt: str) -> None:
    from tracker.launches.files import parse_file
    from tracker.launches.store import InvalidLaunch

    try:
        parse_file(text, fmt, datetime(2026, 8, 18, tzinfo=timezone.utc))
    except InvalidLaunch:
        pass


@FAST
@given(st.dictionaries(st.sampled_from(["id", "vehicle", "net_utc", "net_precision", "status", "orbit_outcome",
                                        "booster_recovery", "window_start", "window_end", "announced_utc",
                                        "landing_downrange_km", "sources", "user_fields", "cospar_launch"]),
                       st.one_of(NUMBERISH, st.sampled_from(["2026-01-01T00:00:00Z", "0001-01-01T00:00:00+05:00",
                                                               "9999-12-31", "day", "success", "pending"]),
                                 st.integers(), st.floats(), st.none(), st.lists(st.text(max_size=3), max_size=2))),
       st.sampled_from(["csv", "json"]))
def test_launch_records_with_any_values_raise_only_invalid_launch(row: dict, fmt: str) -> None:
    import csv
    import io

    from tracker.launches.files import parse_file
    from tracker.launches.store import InvalidLaunch

    base = {"id": "x", "vehicle": "CZ-2C", "net_utc": "2025-01-01T00:00:00Z", "net_precision": "second",
            "status": "success", "orbit_outcome": "success", "booster_recovery": "none"}
    record = {**base, **row}
    if fmt == "json":
        text = json.dumps([record])
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(record))
        writer.writeheader()
        writer.writerow({k: "" if v is None else " ".join(map(str, v)) if isinstance(v, list) else v
                         for k, v in record.items()})
        text = out.getvalue()
    try:
        parse_file(text, fmt, datetime(2026, 8, 18, tzinfo=timezone.utc))
    except InvalidLaunch:
        pass


# -- price files --------------------------------------------------------------------------------------

HEADERS = ["date,symbol,open,high,low,close,volume", "Date,Open,High,Low,Close,Adj Close,Volume",
           "日期,代码,名称,开盘价,最高价,最低价,收盘价,前收盘价,成交量（股）,涨幅%"]


def _prices_only_documented_errors(text: str) -> None:
    from pathlib import Path

    from markets.files import PriceFileError, parse_file
    from markets.symbols import UnknownSymbol

    try:
        parsed = parse_file(Path("JKS.csv"), text)
    except (PriceFileError, UnknownSymbol):
        return
    bars = parsed.bars
    assert (bars["low"] > 0).all() and (bars["high"] >= bars["low"]).all()


@FAST
@given(st.sampled_from(HEADERS), st.lists(st.lists(NUMBERISH, min_size=1, max_size=10), max_size=4))
def test_price_files_raise_only_documented_errors(header: str, rows: list[list[str]]) -> None:
    lines = [header] + [",".join(c.replace(",", " ").replace("\n", " ").replace("\r", " ").replace('"', "")
                                 for c in row) for row in rows]
    _prices_only_documented_errors("\n".join(lines) + "\n")


@FAST
@given(st.data())
def test_price_files_take_damaged_rows(data: st.DataObject) -> None:
    text = "date,symbol,open,high,low,close,volume\n2024-01-03,JKS,20.5,21.1,20.2,20.95,1000\n"
    _prices_only_documented_errors(_mutate(text, data))


@FAST
@given(st.text(max_size=200))
def test_price_files_take_any_text(text: str) -> None:
    _prices_only_documented_errors(text)


# -- times and numbers on the command line ------------------------------------------------------------

TIMEISH = st.one_of(st.text(max_size=30), st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00",
                                                           "2026-02-30", "2026-08-18T25:00", "Z", "nan"]),
                    st.datetimes().map(datetime.isoformat))


@FAST
@given(TIMEISH, TIMEISH)
def test_times_raise_only_usage_errors(since: str, until: str) -> None:
    from tracker.errors import UsageError
    from tracker.times import instant, time_range

    for call in (lambda: instant(since), lambda: time_range(since, until)):
        try:
            value = call()
        except UsageError:
            continue
        assert value is not None


@FAST
@given(st.one_of(st.text(max_size=12), st.tuples(st.integers(), st.integers()).map(lambda t: f"{t[0]}:{t[1]}")))
def test_window_raises_only_usage_errors(text: str) -> None:
    from tracker.errors import UsageError
    from tracker.services.link import parse_window

    try:
        est, gap = parse_window(text)
    except UsageError:
        return
    assert est > 0 and gap >= 0


@pytest.fixture(scope="module")
def fuzz_db(tmp_path_factory, bootstrapped) -> str:
    from tests.conftest import copy_database

    return copy_database(bootstrapped, tmp_path_factory.mktemp("fuzz"))


def _cli_clean(*args: str, db: str) -> None:
    result = run_in_process(*args, env={"TRACKER_DB": db})
    assert result.returncode in (0, 1, 2), result
    assert "Traceback" not in result.stderr, result.stderr
    if result.returncode == 1:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@CLI
@given(NUMBERISH, NUMBERISH)
def test_cli_altitudes_are_checked(fuzz_db: str, low: str, high: str) -> None:
    _cli_clean("orbits", "dawn-dusk", f"--min-alt={low}", f"--max-alt={high}", db=fuzz_db)


@CLI
@given(NUMBERISH)
def test_cli_price_limit_is_checked(fuzz_db: str, limit: str) -> None:
    _cli_clean("markets", "update", "XSHG:600118", f"--limit={limit}", db=fuzz_db)


@CLI
@given(st.text(max_size=12), TIMEISH)
def test_cli_window_and_times_are_checked(fuzz_db: str, window: str, since: str) -> None:
    _cli_clean("link", f"--window={window}", f"--since={since}", "--format=csv", db=fuzz_db)
