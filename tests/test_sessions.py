"""markets.sessions: session tables and the first session that could react to an event.

Expected values are written by hand from exchange rules, not from the code under test:
Shanghai trades 09:30-11:30 and 13:00-15:00 Asia/Shanghai (UTC+8, no DST) = 01:30-03:30 and
05:00-07:00 UTC; Hong Kong 09:30-12:00 and 13:00-16:00 (UTC+8) = 01:30-04:00 and 05:00-08:00 UTC,
closing at 12:00 on Christmas Eve; NYSE 09:30-16:00 America/New_York, i.e. 14:30-21:00 UTC under
EST and 13:30-20:00 UTC under EDT, which began on Sunday 2026-03-08. Holidays as published by the
exchanges and as exchange_calendars 4.13 has them (checked): Shanghai closed 2026-01-01..02 (New
Year) and 2026-02-16..2026-02-23 (Spring Festival; the last session before is Friday 2026-02-13,
the first after Tuesday 2026-02-24); Hong Kong closed 2025-12-25..26 (Christmas), so the session
after the 2025-12-24 half day is Monday 2025-12-29.
"""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime

import exchange_calendars as xc
import polars as pl
import pytest

from markets import sessions
from markets.sessions import place_events, session_number, session_table
from markets.symbols import calendar_of

UTC_US = pl.Datetime("us", "UTC")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def place(calendar: str, *events: tuple[datetime | None, str]) -> list[tuple[str, date | None, bool]]:
    """Place (time, precision) events; return (session_class, t0, ambiguous) per event, in order."""
    frame = pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(len(events))],
            "time_utc": [t for t, _ in events],
            "precision": [p for _, p in events],
        },
        schema={"event_id": pl.String, "time_utc": pl.Datetime("us", "UTC"), "precision": pl.String},
    )
    out = place_events(frame, calendar)
    assert out["event_id"].to_list() == frame["event_id"].to_list()
    return list(out.select("session_class", "t0", "ambiguous").iter_rows())


# -- session_table ---------------------------------------------------------------------------------


def test_shanghai_sessions_have_the_lunch_break_in_utc():
    table = session_table("XSHG", date(2026, 2, 13), date(2026, 2, 13))
    assert table.schema == pl.Schema(
        {"session": pl.Date, **dict.fromkeys(("open_utc", "break_start_utc", "break_end_utc", "close_utc"), UTC_US)}
    )
    # 09:30, 11:30, 13:00 and 15:00 in Shanghai
    assert table.row(0) == (
        date(2026, 2, 13), utc(2026, 2, 13, 1, 30), utc(2026, 2, 13, 3, 30), utc(2026, 2, 13, 5), utc(2026, 2, 13, 7)
    )


def test_spring_festival_2026_closes_shanghai_from_16_to_23_february():
    sessions = session_table("XSHG", date(2026, 2, 12), date(2026, 2, 25))["session"].to_list()
    assert sessions == [date(2026, 2, 12), date(2026, 2, 13), date(2026, 2, 24), date(2026, 2, 25)]


def test_hong_kong_half_day_has_no_break_and_closes_at_noon():
    table = session_table("XHKG", date(2025, 12, 23), date(2025, 12, 29))
    assert table["session"].to_list() == [date(2025, 12, 23), date(2025, 12, 24), date(2025, 12, 29)]
    full, half = table.row(0, named=True), table.row(1, named=True)
    assert (full["break_start_utc"], full["break_end_utc"], full["close_utc"]) == (
        utc(2025, 12, 23, 4), utc(2025, 12, 23, 5), utc(2025, 12, 23, 8))
    assert (half["break_start_utc"], half["break_end_utc"], half["close_utc"]) == (None, None, utc(2025, 12, 24, 4))


def test_nyse_moves_an_hour_earlier_in_utc_with_us_daylight_saving():
    table = session_table("XNYS", date(2026, 3, 6), date(2026, 3, 9))
    assert table.select("session", "open_utc", "close_utc").rows() == [
        (date(2026, 3, 6), utc(2026, 3, 6, 14, 30), utc(2026, 3, 6, 21)),
        (date(2026, 3, 9), utc(2026, 3, 9, 13, 30), utc(2026, 3, 9, 20)),
    ]
    assert table["break_start_utc"].null_count() == 2


def test_session_table_is_clipped_to_the_calendar():
    with warnings.catch_warnings():  # exchange_calendars' pandas-3 deprecation noise
        warnings.simplefilter("ignore", DeprecationWarning)
        cal = xc.get_calendar("XSHG")
    table = session_table("XSHG", date(1990, 1, 1), date(2100, 1, 1))
    assert table["session"][0] == cal.first_session.date()
    assert table["session"][-1] == cal.last_session.date()  # 2026-12-31 in exchange_calendars 4.13
    assert table.height == len(cal.sessions)


def test_session_numbers_count_sessions_across_holidays():
    days = pl.DataFrame({"d": [date(2026, 2, 13), date(2026, 2, 14), date(2026, 2, 24), date(2100, 1, 1), None]})
    n = days.select(session_number("XSHG", pl.col("d"))).to_series().to_list()
    assert n[1] is None and n[3] is None and n[4] is None  # a Saturday, beyond the calendar, null
    assert n[2] - n[0] == 1  # the Spring Festival week is not a session


def test_schedules_are_cached_per_month_and_a_bad_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    sessions._schedule.cache_clear()
    built = session_table("XHKG")
    path = sessions.cache_path("XHKG")
    assert path.is_relative_to(tmp_path) and path.exists() and f"-{date.today():%Y-%m}." in path.name
    sessions._schedule.cache_clear()
    assert session_table("XHKG").equals(built)  # read back from the file
    assert sessions._schedule("XHKG")[1] == "Asia/Hong_Kong"
    path.write_bytes(b"not parquet")
    sessions._schedule.cache_clear()
    assert session_table("XHKG").equals(built)  # a damaged file is rebuilt, not an error
    assert sessions.cache_path("XHKG").stat().st_size > 1000
    sessions._schedule.cache_clear()


def test_an_unwritable_cache_still_gives_the_schedule(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    sessions._schedule.cache_clear()
    try:
        assert session_table("XSHG", date(2026, 2, 13), date(2026, 2, 24))["session"].to_list() == [
            date(2026, 2, 13), date(2026, 2, 24)
        ]
    finally:
        sessions._schedule.cache_clear()


# -- place_events ----------------------------------------------------------------------------------


def test_shanghai_event_classes_around_the_lunch_break_and_the_close():
    tue, wed = date(2026, 1, 6), date(2026, 1, 7)
    assert place(
        "XSHG",
        (utc(2026, 1, 6, 1, 0), "minute"),  # 09:00 local
        (utc(2026, 1, 6, 2, 0), "minute"),  # 10:00
        (utc(2026, 1, 6, 3, 29, 59), "second"),  # 11:29:59
        (utc(2026, 1, 6, 3, 30), "minute"),  # 11:30: the break has begun
        (utc(2026, 1, 6, 4, 45), "minute"),  # 12:45
        (utc(2026, 1, 6, 5, 0), "minute"),  # 13:00: the afternoon has begun
        (utc(2026, 1, 6, 6, 59, 59), "second"),  # 14:59:59: the close can still reflect it
        (utc(2026, 1, 6, 7, 0), "second"),  # 15:00: too late for today's close
        (utc(2026, 1, 6, 12, 0), "minute"),  # 20:00
        (utc(2026, 1, 6, 23, 0), "minute"),  # 07:00 on Wednesday local, still Tuesday in UTC
    ) == [
        ("pre-open", tue, False),
        ("morning", tue, False),
        ("morning", tue, False),
        ("lunch-break", tue, False),
        ("lunch-break", tue, False),
        ("afternoon", tue, False),
        ("afternoon", tue, False),
        ("after-close", wed, False),
        ("after-close", wed, False),
        ("pre-open", wed, False),
    ]


def test_shanghai_weekends_and_spring_festival_go_to_the_next_session():
    monday = date(2026, 1, 12)
    assert place(
        "XSHG",
        (utc(2026, 1, 9, 12, 0), "minute"),  # Friday 20:00 local
        (utc(2026, 1, 9, 17, 0), "minute"),  # Friday in UTC, Saturday 01:00 in Shanghai
        (utc(2026, 1, 11, 10, 0), "minute"),  # Sunday
        (utc(2026, 2, 13, 7, 30), "minute"),  # after the last close before the holiday
        (utc(2026, 2, 18, 2, 0), "minute"),  # mid-holiday, a Wednesday
        (utc(2026, 2, 23, 23, 30), "minute"),  # Tuesday 07:30 local: pre-open of the reopening
    ) == [
        ("after-close", monday, False),
        ("non-trading-day", monday, False),
        ("non-trading-day", monday, False),
        ("after-close", date(2026, 2, 24), False),
        ("non-trading-day", date(2026, 2, 24), False),
        ("pre-open", date(2026, 2, 24), False),
    ]


def test_shenzhen_securities_place_on_the_shanghai_calendar():
    calendar = calendar_of("XSHE:002050")
    assert calendar == "XSHG"
    assert place(calendar, (utc(2026, 1, 6, 4, 0), "minute"), (utc(2026, 2, 16, 2, 0), "minute")) == [
        ("lunch-break", date(2026, 1, 6), False),
        ("non-trading-day", date(2026, 2, 24), False),
    ]


def test_nyse_events_on_both_sides_of_the_2026_dst_change():
    fri, mon, tue = date(2026, 3, 6), date(2026, 3, 9), date(2026, 3, 10)
    assert place(
        "XNYS",
        (utc(2026, 3, 6, 14, 0), "minute"),  # 09:00 EST
        (utc(2026, 3, 6, 20, 30), "minute"),  # 15:30 EST
        (utc(2026, 3, 6, 21, 0), "minute"),  # 16:00 EST: the close
        (utc(2026, 3, 8, 15, 0), "minute"),  # Sunday, the day clocks change
        (utc(2026, 3, 9, 13, 15), "minute"),  # 09:15 EDT
        (utc(2026, 3, 9, 13, 45), "minute"),  # 09:45 EDT (would be 08:45 under EST)
        (utc(2026, 3, 9, 20, 30), "minute"),  # 16:30 EDT (would be 15:30 under EST)
    ) == [
        ("pre-open", fri, False),
        ("in-session", fri, False),
        ("after-close", mon, False),
        ("non-trading-day", mon, False),
        ("pre-open", mon, False),
        ("in-session", mon, False),
        ("after-close", tue, False),
    ]


def test_hong_kong_lunch_break_and_christmas_eve_half_day():
    assert place(
        "XHKG",
        (utc(2025, 12, 23, 3, 59), "minute"),  # 11:59 local
        (utc(2025, 12, 23, 4, 0), "minute"),  # 12:00: HK's break starts half an hour after Shanghai's
        (utc(2025, 12, 23, 7, 30), "minute"),  # 15:30: HK closes at 16:00
        (utc(2025, 12, 24, 3, 0), "minute"),  # 11:00 on the half day: no break that day
        (utc(2025, 12, 24, 5, 30), "minute"),  # 13:30 on the half day: closed since noon
    ) == [
        ("morning", date(2025, 12, 23), False),
        ("lunch-break", date(2025, 12, 23), False),
        ("afternoon", date(2025, 12, 23), False),
        ("in-session", date(2025, 12, 24), False),
        ("after-close", date(2025, 12, 29), False),
    ]


def test_precision_decides_ambiguity():
    tue, monday = date(2026, 1, 6), date(2026, 1, 12)
    assert place(
        "XSHG",
        (utc(2026, 1, 6), "day"),  # 08:00 Tue .. 08:00 Wed local: before or after Tuesday's close?
        (utc(2026, 1, 10), "day"),  # Saturday 08:00 .. Sunday 08:00 local: Monday either way
        (utc(2026, 1, 6, 6, 30), "hour"),  # 14:30 .. 15:30 local straddles the close
        (utc(2026, 1, 6, 2, 0), "hour"),  # 10:00 .. 11:00 local
        (utc(2026, 1, 6, 6, 59), "minute"),  # 14:59 .. 15:00 local: still before the close
        (utc(2026, 1, 6), "month"),
        (None, "minute"),
    ) == [
        ("trading-day", tue, True),
        ("non-trading-day", monday, False),
        ("afternoon", tue, True),
        ("morning", tue, False),
        ("afternoon", tue, False),
        ("imprecise", None, True),
        ("imprecise", None, True),
    ]


def test_events_outside_the_calendar_have_no_t0():
    assert place("XSHG", (utc(2100, 1, 4, 2), "minute"), (utc(1990, 1, 3, 2), "day")) == [
        ("outside-calendar", None, False),
        ("outside-calendar", None, False),
    ]


def test_other_columns_pass_through_and_local_times_are_converted():
    frame = pl.DataFrame(
        {"event_id": ["a", "b"], "time_utc": [datetime(2026, 1, 6, 12, 0), datetime(2026, 1, 6, 16, 0)],
         "precision": ["minute", "minute"], "vehicle": ["Zhuque-3", "Long March 12A"]}
    ).with_columns(pl.col("time_utc").dt.replace_time_zone("Asia/Shanghai"))  # 12:00 and 16:00 local
    out = place_events(frame, "XSHG")
    assert out.columns == ["event_id", "time_utc", "precision", "vehicle", "session_class", "t0", "ambiguous"]
    assert out.select("vehicle", "session_class", "t0").rows() == [
        ("Zhuque-3", "lunch-break", date(2026, 1, 6)),
        ("Long March 12A", "after-close", date(2026, 1, 7)),
    ]
    naive = frame.with_columns(pl.col("time_utc").dt.replace_time_zone(None))  # naive means UTC
    assert place_events(naive, "XSHG").select("session_class", "t0").rows() == [
        ("after-close", date(2026, 1, 7)),  # 12:00 UTC = 20:00 local
        ("pre-open", date(2026, 1, 7)),  # 16:00 UTC = 00:00 local on Wednesday
    ]


def test_unknown_precision_is_rejected():
    frame = pl.DataFrame({"event_id": ["a"], "time_utc": [utc(2026, 1, 6)], "precision": ["week"]})
    with pytest.raises(ValueError, match="week"):
        place_events(frame, "XSHG")
