"""Refreshing daily bars from the vendors into the database, safely under cron.

Which vendor: Eastmoney for Shanghai and Shenzhen (a Chinese source of A-share traded prices),
Yahoo for Hong Kong, the US and the non-A-share indices; ``--source`` forces one. The caller
passes each vendor's base URL (from :class:`tracker.settings.Settings`; None switches it off).

What is asked: for each security, the sessions after its newest stored bar (a year back when it
has none) up to the last session that has *closed*, so a bar still trading is never stored as
if final, and a security already up to date costs no request at all. That is the politeness
rule across runs; within a run the clients space and retry requests (:mod:`markets.fetch`).

Each security's bars are merged in their own transaction as they arrive: a run killed halfway
keeps the securities it finished, and never half a security. A :class:`~markets.fetch.Blocked`
answer (401/403/429, a captcha page) stops the whole run; an error for one security is reported
and the run goes on to the next, except that a vendor which gave no answer at all (network down,
after the client's retries) is not asked again in that run. Past the caller's deadline
(``until``, a :func:`time.monotonic` instant) a request under way is cut off and the securities
not yet asked are not asked (the run stops, saying how many).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import polars as pl
from sqlalchemy.engine import Engine

from markets.eastmoney import EastmoneyClient
from markets.fetch import Blocked, FetchError, Unreachable
from markets.sessions import session_table
from markets.yahoo import YahooClient
from tracker.markets import bars, registry
from tracker.text import plural

CLIENTS = {"yahoo": YahooClient, "eastmoney": EastmoneyClient}
#: How far back a security without any bar starts: enough for the 120-session market model.
FIRST_LOOKBACK = timedelta(days=366)


@dataclass
class PriceRefresh:
    """What one run did, per security: fetched bar counts, skips, errors, and why it stopped."""

    stored: dict[str, bars.MergeCounts] = field(default_factory=dict)
    up_to_date: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stopped: str | None = None
    off: list[str] = field(default_factory=list)
    #: Securities not asked for, by vendor, because that vendor could not be reached at all.
    not_attempted: dict[str, list[str]] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.stopped)


def vendor_of(security: str, forced: str | None) -> str:
    return forced or ("eastmoney" if security.startswith(("XSHG:", "XSHE:")) else "yahoo")


def last_closed(calendar: str, now: datetime) -> date | None:
    """The newest session of ``calendar`` whose close is not later than ``now``."""
    table = session_table(calendar, (now - timedelta(days=30)).date(), now.date())
    closed = table.filter(pl.col("close_utc") <= now)["session"]
    return closed.max() if len(closed) else None


def plan(conn, securities: list[str] | None, now: datetime, since: date | None) -> pl.DataFrame:
    """Per security: vendor symbol spellings, the first date to ask for and the last closed session."""
    secs = registry.securities(conn)
    if securities:
        secs = secs.filter(pl.col("security").is_in(securities))
    held = bars.coverage(conn).select("security", "last")
    secs = secs.join(held, on="security", how="left")
    closed = {c: last_closed(c, now) for c in secs["calendar"].unique()}
    first = pl.coalesce(pl.col("last") + timedelta(days=1), pl.lit((now - FIRST_LOOKBACK).date()))
    return secs.with_columns(
        start=pl.lit(since, dtype=pl.Date) if since else first,
        end=pl.col("calendar").replace_strict(closed, return_dtype=pl.Date),
    )


def refresh_prices(
    engine: Engine,
    now: datetime,
    bases: Mapping[str, str | None],
    *,
    securities: list[str] | None = None,
    source: str | None = None,
    since: date | None = None,
    until: float | None = None,
) -> PriceRefresh:
    """Fetch and store what is missing for each security; see the module docstring for the rules."""
    report = PriceRefresh()
    with engine.connect() as conn:
        todo = plan(conn, securities, now, since)
    clients: dict[str, YahooClient | EastmoneyClient] = {}
    unreachable: set[str] = set()
    try:
        for index, row in enumerate(todo.iter_rows(named=True)):
            if until is not None and time.monotonic() >= until:
                left = todo["security"][index:].to_list()
                report.stopped = (f"the run's time limit ran out: stopped before {plural(len(left), 'more security', 'more securities')}"
                                  f" ({', '.join(left)})")
                break
            vendor = vendor_of(row["security"], source)
            if row["end"] is None or row["start"] > row["end"]:
                report.up_to_date.append(row["security"])
                continue
            base = bases[vendor]
            if base is None:
                report.off.append(row["security"])
                continue
            if vendor not in clients:
                clients[vendor] = CLIENTS[vendor](base, until=until)
            if vendor in unreachable:
                report.not_attempted.setdefault(vendor, []).append(row["security"])
                continue
            try:
                fetched = clients[vendor].daily_bars(row["security"], row["start"], row["end"])
            except Blocked as exc:
                report.stopped = f"{vendor} refused us ({exc}); stopped: try again later"
                break
            except FetchError as exc:
                report.errors.append(f"{row['security']}: {exc}")
                if isinstance(exc, Unreachable):
                    unreachable.add(vendor)
                continue
            final = fetched.frame.filter(pl.col("date") <= row["end"])
            with engine.begin() as conn:
                report.stored[row["security"]] = bars.merge(conn, final, fetched.url)
    finally:
        for client in clients.values():
            client.close()
    return report
