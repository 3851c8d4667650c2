"""Times as the terminal shows them: UTC inside, a zone named on every time shown outside.

Everything the UI computes with is an aware UTC datetime from the app's clock; these helpers only
turn such instants into text, in UTC or in the viewer's local zone, and never hide a launch's
precision (a launch known to the day is not a launch at midnight).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo

_NET_FORMATS = {
    "second": "%Y-%m-%d %H:%M:%S",
    "minute": "%Y-%m-%d %H:%M",
    "hour": "%Y-%m-%d %H:00",
}


def zone_name(at: datetime, zone: tzinfo) -> str:
    """The zone's abbreviation at ``at`` (``CST``, ``UTC``), or its offset when it has none."""
    local = at.astimezone(zone)
    return local.tzname() or local.strftime("%z")


def net_text(net: datetime, precision: str, zone: tzinfo) -> str:
    """A launch's NET in ``zone`` at the precision it is known (the zone is named by the caller).

    Day- and month-precision NETs are calendar dates in UTC (stored at 00:00 UTC); converting them
    would invent an hour, so they stay UTC dates, and say so when another zone is shown.
    """
    if precision in ("day", "month"):
        utc_note = "" if net.astimezone(zone).utcoffset() == timedelta(0) else ", UTC"
        shown = f"{net.astimezone(timezone.utc):%Y-%m-%d}" if precision == "day" else f"{net.astimezone(timezone.utc):%Y-%m}"
        return f"{shown} ({precision}{utc_note})"
    return f"{net.astimezone(zone):{_NET_FORMATS[precision]}}"


def age_text(age: timedelta | None) -> str:
    """How long ago, in the largest unit that reads well: ``45 s``, ``12 min``, ``3.2 h``, ``4.1 d``
    (``ahead`` when the instant is after the clock, as with a clock set back in time)."""
    if age is None:
        return "never"
    seconds = abs(age.total_seconds())
    suffix = " ahead" if age.total_seconds() < 0 else ""
    if seconds < 90:
        return f"{seconds:.0f} s{suffix}"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min{suffix}"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.1f} h{suffix}"
    return f"{seconds / 86400:.1f} d{suffix}"


def countdown_text(left: timedelta) -> str:
    """``T-3d 04:12:05`` before an instant, ``T+00:01:10`` after it."""
    sign = "-" if left >= timedelta(0) else "+"
    total = abs(int(left.total_seconds()))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    prefix = f"{days}d " if days else ""
    return f"T{sign}{prefix}{hours:02d}:{minutes:02d}:{seconds:02d}"


def offset_text(offset: timedelta) -> str:
    """A shift of the shown time from now: ``+1 h 05 min``, ``-30 min``, ``+2 d 03 h``."""
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{sign}{days} d {hours:02d} h"
    if hours:
        return f"{sign}{hours} h {minutes:02d} min"
    return f"{sign}{minutes} min"
