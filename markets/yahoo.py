"""Daily bars from Yahoo Finance's v8 chart API (``/v8/finance/chart/{symbol}?interval=1d``).

Prices come from ``indicators.quote`` (traded prices), not ``adjclose``: the tracker compares
closes with the exchanges' daily price limits (e.g. ±10 % on Shanghai's main board), and those
apply to traded prices; adjusted series move every past bar at each dividend or split.

Answer quirks handled here:

* ``timestamp`` holds the UTC epoch second of each session's start; the trading date is its date
  in ``meta.exchangeTimezoneName`` (``meta.gmtoffset``, the *current* offset, if the name is
  missing or unknown: off by an hour across DST at most, which never moves a mid-day session
  start to another date);
* bars with a null close are dropped (placeholders, e.g. an all-null first bar);
* while a session is open Yahoo appends the live bar, so one local date can come twice: the last
  row wins (it may be an unfinished session; the caller decides by the time of day);
* Yahoo stores prices as float32 (6.51 arrives as 6.510000228881836): see :func:`_traded`.
"""

from __future__ import annotations

import json
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


def _chart_error(data: Any) -> str | None:
    """``chart.error`` as text, or None when there is none."""
    error = (data.get("chart") or {}).get("error") if isinstance(data, dict) else None
    if not error:
        return None
    if isinstance(error, dict):
        return ": ".join(str(error[k]) for k in ("code", "description") if error.get(k)) or str(error)
    return str(error)


def _json_or_none(text: str | None) -> Any:
    try:
        return json.loads(text or "")
    except ValueError:
        return None


def _timezone(meta: dict[str, Any], url: str, what: str) -> tzinfo:
    if name := meta.get("exchangeTimezoneName"):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):  # unknown or odd name
            pass
    offset = meta.get("gmtoffset")
    if isinstance(offset, (int, float)) and not isinstance(offset, bool):
        return timezone(timedelta(seconds=offset))
    raise FetchError(f"{what}: missing field chart.result[0].meta.exchangeTimezoneName (and no gmtoffset)", url)


def _traded(values: list[Any]) -> list[float | None]:
    """Undo Yahoo's float32 storage: a value that is exactly a float32 becomes the shortest decimal
    with that float32 value (6.510000228881836 -> 6.51), so a close can be compared exactly with a
    limit price computed from the previous close. Other values pass unchanged."""
    out: list[float | None] = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        single = np.float32(value)
        out.append(float(str(single)) if float(single) == value else float(value))
    return out


def parse_chart(body: str | dict[str, Any], security: str, url: str = "") -> pl.DataFrame:
    """A v8 chart answer (text or parsed JSON) as bars of ``security`` (see the module docstring).

    ``security`` only labels the rows and messages; it is not checked against ``meta.symbol``.
    """
    data = decode_json(body, url) if isinstance(body, str) else body
    what = f"Yahoo chart for {_label(security)}"
    if error := _chart_error(data):
        raise FetchError(f"Yahoo has no data for {_label(security)}: {error}", url)
    result = ("chart", "result", 0)
    zone = _timezone(field(data, *result, "meta", url=url, what=what), url, what)
    stamps = field(data, *result, url=url, what=what).get("timestamp") or []
    if not stamps:  # Yahoo leaves timestamp out when the period holds no session
        return bars(security, [])
    columns = {}
    for name in ("open", "high", "low", "close", "volume"):
        values = field(data, *result, "indicators", "quote", 0, name, url=url, what=what)
        if not isinstance(values, list) or len(values) != len(stamps):
            where = f"chart.result[0].indicators.quote[0].{name}"
            raise FetchError(f"{what}: {where} does not have one value per timestamp ({len(stamps)})", url)
        columns[name] = values if name == "volume" else _traded(values)
    days = [datetime.fromtimestamp(stamp, zone).date() for stamp in stamps]
    volumes = [None if v is None else float(v) for v in columns["volume"]]
    return bars(security, zip(days, columns["open"], columns["high"], columns["low"], columns["close"], volumes, strict=True))


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
