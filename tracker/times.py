"""Instants given by people (options, API arguments): ISO 8601 text or datetimes, always UTC inside.

A time without an offset is UTC (never the machine's zone); a date alone is its 00:00 UTC. A
malformed value is a :class:`~tracker.errors.UsageError` naming the option it came from.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from tracker.errors import UsageError

__all__ = ["instant", "time_range"]


def instant(value: str | date | datetime | None, option: str = "--at") -> datetime:
    """``value`` as an aware UTC datetime; None means now."""
    if value is None:
        return datetime.now(timezone.utc)
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(f"{option} {value!r} is not an ISO 8601 time (e.g. 2026-08-18T12:00:00Z)") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:  # year 1 with an offset east of UTC, year 9999 west of it
        raise UsageError(f"{option} {value!r} is out of range: give a time between years 1 and 9999 UTC") from None


def time_range(
    since: str | date | datetime | None, until: str | date | datetime | None, names: tuple[str, str] = ("--since", "--until")
) -> tuple[datetime | None, datetime | None]:
    """``since``/``until`` as UTC instants (None stays None); an empty or reversed range is a
    usage error naming both values."""
    start = None if since is None else instant(since, names[0])
    end = None if until is None else instant(until, names[1])
    if start is not None and end is not None and start >= end:
        raise UsageError(f"{names[0]} {since} is not before {names[1]} {until}: the range is empty")
    return start, end
