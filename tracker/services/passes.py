"""The passes use case: when the satellites of a view pass over an observer, and which passes
can be seen (:mod:`tracker.passes`, :mod:`tle.passes` for the search).

A pass is an interval in which a satellite's elevation is at or above ``min_el``; it is
``visible`` when the satellite is sunlit while the observer's Sun is below -6 degrees at some
instant of it. Satellites whose elements SGP4 cannot propagate over the window (decayed) are
listed in the report, never turned into passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from tracker.errors import NotFound, UsageError

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy.engine import Engine

    from tracker.observers import Observer

__all__ = ["DEFAULT_HOURS", "DEFAULT_MIN_EL", "MAX_HOURS", "MIN_EL_RANGE", "PassReport", "passes"]

#: The window searched unless told otherwise (the command line's and the TUI's): a day.
DEFAULT_HOURS = 24.0
#: The lowest elevation of a pass unless told otherwise, degrees: lower ones skim the horizon.
DEFAULT_MIN_EL = 10.0
#: The longest window: element sets are good for days, not weeks.
MAX_HOURS = 24.0 * 14
#: ``min_el`` in degrees: from the first (inclusive: a little below the horizon) to below the
#: second (exclusive: the zenith leaves no pass above it).
MIN_EL_RANGE = (-5.0, 90.0)


@dataclass(frozen=True)
class PassReport:
    """The passes found (``tracker passes`` columns, or trains with ``by_launch``), the window,
    the observer, how many satellites were searched and those SGP4 could not propagate."""

    frame: pl.DataFrame
    observer: Observer
    start: datetime
    end: datetime
    min_el: float
    searched: int
    failed: pl.DataFrame  #: ``norad, name, error``

    def not_propagated(self) -> list[str]:
        """One line per satellite SGP4 could not propagate, as ``tracker passes`` reports them
        (raw text: the command line and the TUI escape what they print)."""
        return [f"{row['name']} ({row['norad']}) not propagated: {row['error']}"
                for row in self.failed.iter_rows(named=True)]


def passes(
    engine: Engine,
    *,
    observer: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    alt_m: float | None = None,
    constellation: str | None = None,
    norads: Sequence[int] | None = None,
    start: str | date | datetime | None = None,
    hours: float = DEFAULT_HOURS,
    min_el: float = DEFAULT_MIN_EL,
    visible: bool = False,
    by_launch: bool = False,
) -> PassReport:
    """Passes of ``constellation`` (a view of :func:`tracker.views.members`; ``all``: every
    satellite held; default the built-in constellations) or of the catalog numbers ``norads``
    over the observer (a name, ``lat``/``lon``/``alt_m``, or the default) from ``start`` (default
    now) for ``hours``, at or above ``min_el`` degrees; only visible ones with ``visible``; one
    row per train of a launch with ``by_launch``."""
    import polars as pl

    from tracker.catalog import latest
    from tracker.passes import passes_of, trains
    from tracker.propagation import check_sun_span
    from tracker.services.observers import resolve
    from tracker.times import instant
    from tracker.views import members

    if not 0 < hours <= MAX_HOURS:
        raise UsageError(f"--hours {hours:g} is out of range: give more than 0 and at most {MAX_HOURS:g}")
    if not MIN_EL_RANGE[0] <= min_el < MIN_EL_RANGE[1]:
        raise UsageError(f"--min-el {min_el:g} is out of range: give degrees from {MIN_EL_RANGE[0]:g} to below {MIN_EL_RANGE[1]:g}")
    if norads is not None and constellation is not None:
        raise UsageError("give either --constellation or --norad, not both")
    place = resolve(engine, observer, lat, lon, alt_m)
    assert place is not None
    begin = instant(start, "--from")
    check_sun_span(begin, begin + timedelta(hours=hours), "--from")
    if norads is not None:
        wanted = sorted(set(norads))
        sats = latest(engine).filter(pl.col("norad").is_in(wanted)) if wanted else latest(engine).clear()
        missing = sorted(set(wanted) - set(sats["norad"].to_list()))
        if missing:
            raise NotFound(f"no element sets held for catalog number(s) {', '.join(map(str, missing))}")
    else:
        sats = members(engine, constellation)
    found = passes_of(sats, place, begin, hours, min_el)
    frame = found.passes.filter(pl.col("visible")) if visible else found.passes
    if by_launch:
        frame = trains(frame)
    return PassReport(frame, place, begin, begin + timedelta(hours=hours), min_el, sats.height, found.failed)
