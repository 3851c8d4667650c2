"""Daily bars from Yahoo Finance's v8 chart API (``/v8/finance/chart/{symbol}?interval=1d``).

Prices come from ``indicators.quote`` (traded prices), not ``adjclose``: the tracker compares
closes with the exchanges' daily price limits (e.g. ±10 % on Shanghai's main board), and those
apply to traded prices; adjusted series move every past bar at each dividend or split. When the
answer has ``indicators.adjclose``, each bar also gets its adjustment factor ``adj``
(:func:`markets.adjust.from_adjusted`: the ratio of adjusted to traded close against the previous
bar's; null on the answer's first bar), from which returns are computed; without it ``adj`` is
null throughout.

Answer quirks handled here:

* ``timestamp`` holds the UTC epoch second of each session's start; the trading date is its date
  in ``meta.exchangeTimezoneName`` (``meta.gmtoffset``, the *current* offset, if the name is
  missing or unknown: off by an hour across DST at most, which never moves a mid-day session
  start to another date);
* bars with a null close are dropped (placeholders, e.g. an all-null first bar);
* while a session is open Yahoo appends the live bar, so one local date can come twice: the last
  row wins (it may be an unfinished session; the caller decides by the time of day);
* Yahoo stores prices as float32 (6.51 arrives as 6.510000228881836): see :func:`_traded`.

The answer's shape is checked before use: ``timestamp`` a list of integers (epoch seconds),
each ``indicators.quote[0]`` column a list with one number (or null) per timestamp. Anything else
is a :class:`~markets.fetch.FetchError` naming the field, whatever the body holds.
"""

from __future__ import annotations

import json
import math
import reprlib
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import polars as pl

from markets.fetch import Fetched, FetchError, SourceClient, bars, decode_json, field, with_query
from markets.symbols import UnknownSymbol, to_yahoo

DEFAULT_BASE = "https://query1.finance.yahoo.com"
#: Seconds between two requests to Yahoo.
MIN_INTERVAL = 1.0
#: Values Yahoo accepts for ``range``.
RANGES = ("1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max")


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp())


def chart_url(
    base: str, symbol: str, start: date | None = None, end: date | None = None, *, range_: str | None = None
) -> str:
    """The chart URL for local dates ``start``..``end`` (inclusive) or for a Yahoo ``range_``.

    Yahoo selects bars by UTC timestamp, and a session's UTC start can fall on the previous UTC
    date (east of UTC+9) or late in the day: period1/period2 reach one day further on each side
    and :meth:`YahooClient.daily_bars` cuts the result back to the local dates asked for.
    """
    path = f"/v8/finance/chart/{quote(symbol, safe='')}"
    if range_ is not None:
        if start is not None or end is not None:
            raise ValueError("give either start and end, or range_, not both")
        if range_ not in RANGES:
            raise ValueError(f"range_ must be one of {', '.join(RANGES)}, got {range_!r}")
        return with_query(base, path, {"range": range_, "interval": "1d"})
    if start is None or end is None or start > end:
        raise ValueError(f"need start <= end (or range_), got start={start}, end={end}")
    period1, period2 = _epoch(start - timedelta(days=1)), _epoch(end + timedelta(days=2))
    return with_query(base, path, {"period1": period1, "period2": period2, "interval": "1d"})


def _label(security: str) -> str:
    try:
        return f"{security} (Yahoo {to_yahoo(security)})"
    except UnknownSymbol:
        return security


def _text(value: Any) -> str:
    return value if isinstance(value, str) else reprlib.repr(value)


def _chart_error(data: Any) -> str | None:
    """``chart.error`` as text, or None when there is none."""
    chart = data.get("chart") if isinstance(data, dict) else None
    error = chart.get("error") if isinstance(chart, dict) else None
    if not error:
        return None
    if isinstance(error, dict):
        return ": ".join(_text(error[k]) for k in ("code", "description") if error.get(k)) or reprlib.repr(error)
    return _text(error)


def _json_or_none(text: str | None) -> Any:
    try:
        return json.loads(text or "")
    except (ValueError, RecursionError):
        return None


def _timezone(meta: dict[str, Any], url: str, what: str) -> tzinfo:
    if name := meta.get("exchangeTimezoneName"):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):  # unknown or odd name
            pass
    offset = meta.get("gmtoffset")
    if isinstance(offset, (int, float)) and not isinstance(offset, bool):
        try:
            return timezone(timedelta(seconds=offset))
        except (ValueError, OverflowError):  # a day or more, or not finite
            raise FetchError(f"{what}: chart.result[0].meta.gmtoffset {offset!r} is not a UTC offset", url) from None
    raise FetchError(f"{what}: missing field chart.result[0].meta.exchangeTimezoneName (and no gmtoffset)", url)


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _traded(values: list[float | None]) -> list[float | None]:
    """Undo Yahoo's float32 storage: a value that is exactly a float32 becomes the shortest decimal
    with that float32 value (6.510000228881836 -> 6.51), so a close can be compared exactly with a
    limit price computed from the previous close. Other values pass unchanged."""
    out: list[float | None] = []
    for value in values:
        if value is None or abs(value) > _FLOAT32_MAX:
            out.append(value)
            continue
        single = np.float32(value)
        out.append(float(str(single)) if float(single) == value else value)
    return out


def _numbers(values: Any, where: str, url: str, what: str) -> list[float | None]:
    """A column of the answer: finite numbers or nulls; FetchError naming the first other value."""
    out: list[float | None] = []
    for i, value in enumerate(values):
        number = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                number = float(value)
            except OverflowError:  # an integer beyond any float
                pass
        if value is not None and (number is None or not math.isfinite(number)):
            raise FetchError(f"{what}: {where}[{i}] is {reprlib.repr(value)}, expected a number or null", url)
        out.append(number)
    return out


def _days(stamps: Any, zone: tzinfo, url: str, what: str) -> list[date]:
    """The local dates of ``timestamp`` (epoch seconds); FetchError naming a bad one."""
    if not isinstance(stamps, list):
        raise FetchError(f"{what}: chart.result[0].timestamp is {reprlib.repr(stamps)}, expected a list", url)
    days = []
    for i, stamp in enumerate(stamps):
        try:
            if not isinstance(stamp, int) or isinstance(stamp, bool):
                raise TypeError
            days.append(datetime.fromtimestamp(stamp, zone).date())
        except (TypeError, ValueError, OverflowError, OSError):
            message = f"chart.result[0].timestamp[{i}] is {reprlib.repr(stamp)}, expected epoch seconds"
            raise FetchError(f"{what}: {message}", url) from None
    return days


def parse_chart(body: str | dict[str, Any], security: str, url: str = "") -> pl.DataFrame:
    """A v8 chart answer (text or parsed JSON) as bars of ``security`` (see the module docstring).

    ``security`` only labels the rows and messages; it is not checked against ``meta.symbol``.
    """
    data = decode_json(body, url) if isinstance(body, str) else body
    what = f"Yahoo chart for {_label(security)}"
    if error := _chart_error(data):
        raise FetchError(f"Yahoo has no data for {_label(security)}: {error}", url)
    result = ("chart", "result", 0)
    meta = field(data, *result, "meta", url=url, what=what)
    first = field(data, *result, url=url, what=what)
    if not isinstance(meta, dict):
        raise FetchError(f"{what}: chart.result[0].meta is {reprlib.repr(meta)}, expected an object", url)
    zone = _timezone(meta, url, what)
    stamps = first.get("timestamp") or []
    if not stamps:  # Yahoo leaves timestamp out when the period holds no session
        return bars(security, []).with_columns(adj=pl.lit(None, pl.Float64))
    days = _days(stamps, zone, url, what)
    columns = {}
    for name in ("open", "high", "low", "close", "volume"):
        values = field(data, *result, "indicators", "quote", 0, name, url=url, what=what)
        where = f"chart.result[0].indicators.quote[0].{name}"
        if not isinstance(values, list) or len(values) != len(stamps):
            raise FetchError(f"{what}: {where} does not have one value per timestamp ({len(stamps)})", url)
        numbers = _numbers(values, where, url, what)
        columns[name] = numbers if name == "volume" else _traded(numbers)
    rows = zip(days, columns["open"], columns["high"], columns["low"], columns["close"], columns["volume"], strict=True)
    frame = bars(security, rows, url)
    return _with_factors(frame, first, days, url, what)


def _with_factors(frame: pl.DataFrame, first: dict[str, Any], days: list[date], url: str, what: str) -> pl.DataFrame:
    """``frame`` with ``adj`` from ``indicators.adjclose[0].adjclose`` when the answer has it."""
    from markets.adjust import from_adjusted

    block = (first.get("indicators") or {}).get("adjclose")
    values = block[0].get("adjclose") if isinstance(block, list) and block and isinstance(block[0], dict) else None
    if not isinstance(values, list) or len(values) != len(days):
        return frame.with_columns(adj=pl.lit(None, pl.Float64))
    adjusted = pl.DataFrame(
        {"date": days, "adj_close": _numbers(values, "chart.result[0].indicators.adjclose[0].adjclose", url, what)},
        schema={"date": pl.Date, "adj_close": pl.Float64},
    ).unique("date", keep="last")
    return from_adjusted(frame.join(adjusted, on="date", how="left", maintain_order="left"))


class YahooClient(SourceClient):
    """Daily bars from Yahoo's chart API, one security per request, politely (:mod:`markets.fetch`)."""

    SOURCE, DEFAULT_BASE, MIN_INTERVAL = "Yahoo", DEFAULT_BASE, MIN_INTERVAL

    def daily_bars(
        self, security: str, start: date | None = None, end: date | None = None, *, range_: str | None = None
    ) -> Fetched:
        """Bars of canonical ``security`` for local dates ``start``..``end`` inclusive, or ``range_``.

        Raises :class:`~markets.fetch.FetchError` (this security) or
        :class:`~markets.fetch.Blocked` (stop the run); UnknownSymbol for an unmappable id.
        """
        url = chart_url(self.base_url, to_yahoo(security), start, end, range_=range_)
        try:
            text = self._http.get_text(url)
        except FetchError as exc:
            # An unknown symbol is a 404 whose JSON body carries chart.error: say what Yahoo said.
            if error := _chart_error(_json_or_none(exc.body)):
                raise FetchError(f"Yahoo has no data for {_label(security)}: {error}", url, exc.status) from None
            raise
        frame = parse_chart(text, security, url)
        if start is not None and end is not None:
            frame = frame.filter(pl.col("date").is_between(start, end))
        return Fetched(security, frame, url)
