"""Instants given by people (options, API arguments): ISO 8601 text or datetimes, always UTC inside.

A time without an offset is UTC (never the machine's zone); a date alone is its 00:00 UTC. Every
instant lies in the range the whole tool supports, :data:`SUPPORTED` (1957-01-01 .. 2100-12-31,
the range of element epochs, launch times and bar dates). A malformed or out-of-range value is a
:class:`~tracker.errors.UsageError` naming the option it came from.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from tle.formats import EPOCH_RANGE
from tracker.errors import UsageError

__all__ = ["SUPPORTED", "check_instant", "instant", "time_range"]

#: The instants the tool supports: from 1957-01-01 (inclusive) to 2101-01-01 (exclusive).
SUPPORTED = EPOCH_RANGE
_SUPPORTED_TEXT = "the supported range 1957-01-01..2100-12-31 (UTC)"


def check_instant(value: str | date | datetime) -> datetime:
    """``value`` as an aware UTC datetime in :data:`SUPPORTED`; a :class:`ValueError` whose
    message (without the option's name) says what is wrong otherwise."""
    shown = repr(value[:40] + "..." if len(value) > 40 else value) if isinstance(value, str) else str(value)
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{shown} is not an ISO 8601 time (e.g. 2026-08-18T12:00:00Z)") from None
    try:
        utc = parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)
    except OverflowError:  # year 1 with an offset east of UTC, year 9999 west of it
        utc = None
    if utc is None or not SUPPORTED[0] <= utc < SUPPORTED[1]:
        raise ValueError(f"{shown} is outside {_SUPPORTED_TEXT}")
    return utc


def instant(value: str | date | datetime | None, option: str = "--at") -> datetime:
    """``value`` as an aware UTC datetime in :data:`SUPPORTED`; None means now."""
    if value is None:
        return datetime.now(timezone.utc)
    try:
        return check_instant(value)
    except ValueError as exc:
        raise UsageError(f"{option} {exc}") from None


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
