"""Trading sessions, and the first session whose close could reflect an event.

An event study needs a day zero, ``t0``: the first session in which the market *could* have
priced the news. That is not simply the event's calendar date:

- A Chinese rocket launching at 23:00 Beijing time cannot move that day's Shanghai close (15:00);
  the first close that can reflect it is the next session's. The same launch is 10:00 in New York
  (in winter) and lands inside the NYSE session of the same day.
- A-shares stop for lunch (11:30-13:00 Shanghai), Hong Kong from 12:00 to 13:00. News during the
  break first trades at the afternoon re-open but still reaches *that* session's close.
- Weekends and holidays (Spring Festival shuts Shanghai for a week) push ``t0`` to the next
  session; the exchange's *local* date decides which day a moment belongs to, so 20:00 UTC on a
  Friday is already Saturday in Shanghai.
- Hong Kong closes at 12:00 on the eves of Christmas and the Lunar New Year; US sessions shift by
  an hour in UTC when the US changes to and from daylight saving time (China keeps UTC+8).

``exchange_calendars`` knows all of that. :func:`session_table` turns its schedule into a polars
frame in UTC and :func:`place_events` matches events to it with ``join_asof``: ``t0`` is the first
session whose close is strictly later than the event (an event stamped exactly at the close is too
late: Shanghai's closing call auction ends at 15:00). Hong Kong's closing auction runs on for some
ten minutes after the 16:00 close that exchange_calendars gives; we keep 16:00, so an event in
those minutes counts for the next session. Shenzhen securities trade on the ``XSHG`` calendar
(see :mod:`markets.symbols`).

Precision. An event known only to the hour or the day is the interval ``[t, t + 1 h)`` or
``[t, t + 1 d)``. When the interval's first and last instants fall into different ``t0`` the
event is ``ambiguous`` and gets the earlier ``t0`` (the first session that *could* react). A
day-precision launch on a trading day is therefore ambiguous (it may have flown before or after
the close) and is classed ``trading-day``; one on a Saturday in Shanghai is not. A month is too
coarse to date a reaction at all: ``imprecise``, no ``t0``.
"""

from __future__ import annotations

import os
import warnings
from datetime import date
from functools import cache
from importlib.metadata import version
from pathlib import Path

import polars as pl

UTC = pl.Datetime("us", "UTC")

#: Length of the interval an event of each precision may lie in (``month`` is never placed).
PRECISION = {"second": "1s", "minute": "1m", "hour": "1h", "day": "1d", "month": None}

_COLUMNS = {"open": "open_utc", "break_start": "break_start_utc", "break_end": "break_end_utc", "close": "close_utc"}


def _build(name: str) -> tuple[pl.DataFrame, str]:
    """Every session of the calendar from exchange_calendars, with ``n`` counting sessions from
    its first one, and the exchange's time zone.

    Importing exchange_calendars (and pandas) takes about half a second and building a calendar
    0.1 s more, on every run of a command: hence :func:`_schedule`'s cache. exchange_calendars 4.13 still calls
    pandas APIs that pandas 3 deprecates; those warnings are nothing a user of this module could
    act on, so they are silenced here.
    """
    import exchange_calendars as xc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        calendar = xc.get_calendar(name)
    schedule = calendar.schedule
    utc = {new: schedule[old].dt.tz_convert(None).to_numpy() for old, new in _COLUMNS.items()}  # NaT -> null
    table = pl.DataFrame({"session": schedule.index.values, **utc}).with_row_index("n").select(
        pl.col("session").cast(pl.Date),
        *[pl.col(c).cast(pl.Datetime("us")).dt.replace_time_zone("UTC") for c in utc],
        pl.col("n").cast(pl.Int32),
    )
    return table, str(calendar.tz)


def cache_path(name: str) -> Path:
    """Where a calendar's schedule is kept: named by exchange_calendars' version and the month
    it was built in, because its default range runs from 20 years ago to a year ahead."""
    from platformdirs import user_cache_path

    built = f"{name}-xc{version('exchange_calendars')}-{date.today():%Y-%m}.parquet"
    return user_cache_path("china-space-tracker") / "sessions" / built


@cache
def _schedule(name: str) -> tuple[pl.DataFrame, str]:
    """:func:`_build`'s table and time zone, from the user's cache when it holds this month's.

    The cache only saves time: a missing, unreadable or unwritable file means building the
    calendar, never an error. It is written whole under a temporary name and then renamed, so a
    reader never sees half a file.
    """
    path = cache_path(name)
    try:
        return pl.read_parquet(path), pl.read_parquet_metadata(path)["timezone"]
    except (OSError, KeyError, pl.exceptions.PolarsError):
        pass  # not there, or not readable: build it
    table, tz = _build(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(f"{name}-*.parquet"):
            old.unlink(missing_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        table.write_parquet(partial, metadata={"timezone": tz})
        partial.replace(path)
    except OSError:
        pass
    return table, tz


def _full_table(name: str) -> pl.DataFrame:
    """Every session of the calendar, with ``n`` counting sessions from its first one."""
    return _schedule(name)[0]


def _clip(frame: pl.DataFrame, start: date | None, end: date | None) -> pl.DataFrame:
    if start is not None:
        frame = frame.filter(pl.col("session") >= start)
    if end is not None:
        frame = frame.filter(pl.col("session") <= end)
    return frame


def session_table(calendar: str, start: date | None = None, end: date | None = None) -> pl.DataFrame:
    """Sessions of ``calendar`` from ``start`` to ``end`` (inclusive), clipped to the calendar's range.

    Columns ``session`` (Date) and ``open_utc``, ``break_start_utc``, ``break_end_utc``,
    ``close_utc`` (Datetime us UTC). The break columns are null when a session has no lunch break:
    always in the US, and on Hong Kong half days, which close at noon.
    """
    return _clip(_full_table(calendar), start, end).drop("n")


@cache
def _day_lookup(name: str) -> tuple[int, pl.Series]:
    """``n`` by day number from the first session (null on non-sessions), for gathering."""
    full = _full_table(name)
    days = full["session"].cast(pl.Int32)
    first = days[0]
    table = pl.Series("n", [None] * (days[-1] - first + 1), dtype=pl.Int32).scatter(days - first, full["n"])
    return first, table


def session_number(calendar: str, dates: pl.Expr) -> pl.Expr:
    """Expression: the session number ``n`` of each date (null when it is not a session).

    ``n`` counts sessions from the calendar's first one, so differences of ``n`` count sessions:
    "five sessions after t0" is ``n + 5`` whatever weekends and holidays lie between.
    """
    return session_numbers([calendar], pl.lit(0, pl.UInt32), dates)


def session_numbers(calendars: list[str], which: pl.Expr, dates: pl.Expr) -> pl.Expr:
    """Expression: :func:`session_number` of each date on calendar ``calendars[which]``, where
    ``which`` is a column of indices into ``calendars`` (null gives null).

    One gather from the calendars' day tables stacked over a common span of days, rather than a
    join or one pass per calendar, because :mod:`markets.returns` numbers millions of bars of
    mixed exchanges.
    """
    lookups = [_day_lookup(c) for c in calendars]
    if not lookups:
        return pl.lit(None, pl.Int32)
    low = min(first for first, _ in lookups)
    span = max(first + len(table) for first, table in lookups) - low
    # Row c * span + d: calendar c's session number on day low + d.
    stacked = pl.concat([
        pl.Series([None] * (first - low), dtype=pl.Int32).append(table).extend_constant(None, span - (first - low) - len(table))
        for first, table in lookups
    ])
    day = dates.cast(pl.Int32) - low
    row = which.cast(pl.Int64) * span + day.clip(0, span - 1)
    return pl.when((day >= 0) & (day < span)).then(pl.lit(stacked).gather(row))


def _classify(t: pl.Expr) -> pl.Expr:
    """The class of moment ``t`` against the session of its local date (joined beforehand)."""
    return (
        pl.when(pl.col("open_utc").is_null()).then(pl.lit("non-trading-day"))
        .when(t < pl.col("open_utc")).then(pl.lit("pre-open"))
        .when(pl.col("break_start_utc").is_null())
        .then(pl.when(t < pl.col("close_utc")).then(pl.lit("in-session")).otherwise(pl.lit("after-close")))
        .when(t < pl.col("break_start_utc")).then(pl.lit("morning"))
        .when(t < pl.col("break_end_utc")).then(pl.lit("lunch-break"))
        .when(t < pl.col("close_utc")).then(pl.lit("afternoon"))
        .otherwise(pl.lit("after-close"))
    )


def place_events(events: pl.DataFrame, calendar: str) -> pl.DataFrame:
    """``events`` plus ``session_class``, ``t0`` (Date or null) and ``ambiguous`` (bool) on ``calendar``.

    ``events`` needs ``event_id``, ``time_utc`` (Datetime; naive means UTC) and ``precision``
    (second, minute, hour, day or month); other columns pass through. Classes: ``pre-open``,
    ``morning``, ``lunch-break``, ``afternoon``, ``after-close``, ``non-trading-day``; a session
    without a break (US, Hong Kong half days) has ``in-session`` instead of morning/afternoon.
    ``trading-day`` marks an ambiguous day-precision event; ``imprecise`` a month-precision one
    (or one without a time or precision) and ``outside-calendar`` one whose local date lies
    outside the calendar's sessions have no ``t0``. ``t0`` is also null when the next session
    lies beyond the calendar's end. Rows keep their order.
    """
    unknown = set(events["precision"].drop_nulls().unique().to_list()) - set(PRECISION)
    if unknown:
        raise ValueError(f"unknown precision {sorted(map(str, unknown))}: expected one of {', '.join(PRECISION)}")
    full = _full_table(calendar)
    first, last = full["session"].min(), full["session"].max()
    tz = _schedule(calendar)[1]
    dtype = events.schema["time_utc"]
    t = pl.col("time_utc")
    t = t.dt.convert_time_zone("UTC") if getattr(dtype, "time_zone", None) else t.dt.replace_time_zone("UTC")
    width = pl.col("precision").replace_strict({k: v for k, v in PRECISION.items() if v}, default=None)

    work = events.with_row_index("_row").with_columns(_t=t.cast(UTC)).with_columns(
        _end=pl.col("_t").dt.offset_by(width) - pl.duration(microseconds=1),
        _local=pl.col("_t").dt.convert_time_zone(tz).dt.date(),
    )
    placeable = work.filter(pl.col("_end").is_not_null()).select("_row", "_t", "_end")
    closes = full.select("session", "close_utc").sort("close_utc")

    def first_close_after(key: str, name: str) -> pl.DataFrame:
        return (
            placeable.sort(key)
            .join_asof(closes, left_on=key, right_on="close_utc", strategy="forward", allow_exact_matches=False)
            .select("_row", pl.col("session").alias(name))
        )

    placed = first_close_after("_t", "_t0").join(first_close_after("_end", "_t0_end"), on="_row")
    work = work.join(placed, on="_row", how="left", maintain_order="left").join(
        full.drop("n"), left_on="_local", right_on="session", how="left", maintain_order="left"
    )
    imprecise = pl.col("_end").is_null()
    outside = (pl.col("_local") < first) | (pl.col("_local") > last)
    ambiguous = pl.col("_t0").ne_missing(pl.col("_t0_end"))
    return (
        work.with_columns(
            session_class=pl.when(imprecise).then(pl.lit("imprecise"))
            .when(outside).then(pl.lit("outside-calendar"))
            .when(ambiguous & (pl.col("precision") == "day")).then(pl.lit("trading-day"))
            .otherwise(_classify(pl.col("_t"))),
            t0=pl.when(~imprecise & ~outside).then(pl.col("_t0")),
            ambiguous=pl.when(imprecise).then(True).when(outside).then(False).otherwise(ambiguous),
        ).select(*[c for c in events.columns if c not in ("session_class", "t0", "ambiguous")],
                 "session_class", "t0", "ambiguous")
    )
