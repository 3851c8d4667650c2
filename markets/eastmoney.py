"""Daily bars from Eastmoney's kline API (``push2his.eastmoney.com/api/qt/stock/kline/get``).

Query: ``secid`` (market number and code, :func:`markets.symbols.to_eastmoney`), ``klt=101``
(daily), ``fqt=0`` (unadjusted: traded prices, to which the daily price limits apply), ``beg`` and
``end`` as ``YYYYMMDD`` (inclusive local dates). Each ``data.klines`` row is the string
``date,open,close,high,low,volume,amount,amplitude%,pct_chg%,chg,turnover%`` (note: close
comes *before* high and low), prices as decimals with ``data.decimal`` places.

Volume units: for Shanghai and Shenzhen it counts lots (手) of 100 shares, converted here to
shares (the sample's amount / (volume x 100) lies between low and high). For US listings the
samples show shares already (amount / volume lies in the day's range). For Hong Kong we have no
sample; it is kept as given and believed to be shares, since HK board lots differ per stock.

The answer is JSON, or JSONP (``jQuery...({...});``) when a ``cb`` parameter is sent; both are
accepted. An unknown secid gives ``"data": null``.

The answer's shape is checked before use: ``data.klines`` a list of text rows of exactly the 11
fields asked for, a YYYY-MM-DD date and finite numbers (or Eastmoney's "-" for none). Anything
else is a :class:`~markets.fetch.FetchError` naming the row, whatever the body holds.
"""

from __future__ import annotations

import math
import re
import reprlib
from datetime import date
from typing import Any

import polars as pl

from markets.fetch import Fetched, FetchError, SourceClient, bars, decode_json, field, with_query
from markets.symbols import UnknownSymbol, split, to_eastmoney

DEFAULT_BASE = "https://push2his.eastmoney.com"
#: Seconds between two requests to Eastmoney.
MIN_INTERVAL = 0.5
KLINE_PATH = "/api/qt/stock/kline/get"
#: Shares per unit of the kline volume field, by MIC; 1 (as given) for the others.
SHARES_PER_UNIT = {"XSHG": 100, "XSHE": 100}
_FIELDS1 = "f1,f2,f3,f4,f5,f6"
_FIELDS2 = "f51,f52,f53,f54,f55,f56,f57,f58,f59,f60,f61"
#: Fields in each kline row: one per field asked for in ``fields2``.
ROW_FIELDS = len(_FIELDS2.split(","))
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def kline_url(base: str, secid: str, start: date, end: date) -> str:
    """The daily unadjusted kline URL of ``secid`` for local dates ``start``..``end`` inclusive."""
    if start > end:
        raise ValueError(f"need start <= end, got start={start}, end={end}")
    params: dict[str, str | int] = {
        "secid": secid, "klt": 101, "fqt": 0, "beg": f"{start:%Y%m%d}", "end": f"{end:%Y%m%d}",
        "fields1": _FIELDS1, "fields2": _FIELDS2,
    }
    return with_query(base, KLINE_PATH, params)


def _label(security: str) -> str:
    try:
        return f"{security} (secid {to_eastmoney(security)})"
    except UnknownSymbol:
        return security


def _number(text: str, where: str, url: str) -> float | None:
    if text.strip() in ("", "-"):  # Eastmoney's "no value"
        return None
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise FetchError(f"{where}: {reprlib.repr(text)} is not a number", url)
    return number


def parse_klines(body: str | dict[str, Any], security: str, url: str = "", *, shares_per_unit: int = 1) -> pl.DataFrame:
    """A kline answer (JSON or JSONP text, or parsed JSON) as bars of ``security``.

    ``security`` only labels rows and messages; volume is multiplied by ``shares_per_unit``
    (100 for A-shares, whose volume counts lots). Rows without a close are dropped.
    """
    data = decode_json(body, url, jsonp=True) if isinstance(body, str) else body
    what = f"Eastmoney klines for {_label(security)}"
    if not isinstance(data, dict) or "data" not in data:
        raise FetchError(f"{what}: missing field data", url)
    if data["data"] is None:
        rc = reprlib.repr(data.get("rc"))
        raise FetchError(f"Eastmoney has no data for {_label(security)} (data: null, rc={rc}): unknown secid?", url)
    klines = field(data, "data", "klines", url=url, what=what)
    if not isinstance(klines, list):
        raise FetchError(f"{what}: data.klines is {reprlib.repr(klines)}, expected a list of rows", url)
    rows = []
    for i, line in enumerate(klines):
        where = f"{what}: data.klines[{i}]"
        if not isinstance(line, str):
            raise FetchError(f"{where} is {reprlib.repr(line)}, expected a text row", url)
        parts = line.split(",")
        if len(parts) != ROW_FIELDS:
            expected = f"{ROW_FIELDS} (date,open,close,high,low,volume,amount,...)"
            raise FetchError(f"{where} has {len(parts)} fields, expected {expected}: {reprlib.repr(line)}", url)
        try:
            if not _DATE.fullmatch(parts[0]):
                raise ValueError
            day = date.fromisoformat(parts[0])
        except ValueError:
            raise FetchError(f"{where}: {reprlib.repr(parts[0])} is not a YYYY-MM-DD date", url) from None
        open_, close, high, low, volume = (_number(p, where, url) for p in parts[1:6])
        rows.append((day, open_, high, low, close, None if volume is None else volume * shares_per_unit))
    return bars(security, rows, url)


class EastmoneyClient(SourceClient):
    """Daily bars from Eastmoney's kline API, one security per request, politely (:mod:`markets.fetch`)."""

    SOURCE, DEFAULT_BASE, MIN_INTERVAL = "Eastmoney", DEFAULT_BASE, MIN_INTERVAL

    def daily_bars(self, security: str, start: date, end: date) -> Fetched:
        """Unadjusted daily bars of canonical ``security`` for local dates ``start``..``end``.

        Raises :class:`~markets.fetch.FetchError` (this security) or
        :class:`~markets.fetch.Blocked` (stop the run); UnknownSymbol for an unmappable id.
        """
        url = kline_url(self.base_url, to_eastmoney(security), start, end)
        text = self._http.get_text(url)
        unit = SHARES_PER_UNIT.get(split(security)[0], 1)
        return Fetched(security, parse_klines(text, security, url, shares_per_unit=unit), url)
