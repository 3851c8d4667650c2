"""What the passes screen shows, read from the database as frames (no Textual in here): the
observers, the next passes of the shown satellites over the chosen one, and a pass's path.

The computation is the core's (:mod:`tracker.services.passes`, the use case ``tracker passes``
runs, with its window and elevation defaults; :mod:`tracker.services.observers`); the observer
chosen in the UI is the database's default observer, so it is remembered, and the command line's
``tracker passes`` uses the same one.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from sqlalchemy.engine import Engine

from tracker.observers import Observer

if TYPE_CHECKING:
    from tracker.services.passes import PassReport


def observers(engine: Engine) -> pl.DataFrame:
    """Every observer (yours, then the bundled places) with the default marked."""
    from tracker.services.observers import list_observers

    return list_observers(engine)


def chosen_observer(engine: Engine) -> Observer | None:
    from tracker.services.observers import default_observer

    return default_observer(engine)


def choose_observer(engine: Engine, name: str) -> Observer:
    """Make ``name`` the default observer (remembered in the database)."""
    from tracker.services.observers import set_default

    return set_default(engine, name)


def next_passes(engine: Engine, view: str, observer: Observer, start: datetime) -> PassReport:
    """The passes of the satellites of ``view`` over ``observer`` from ``start`` (the shown
    time) for the service's default window and elevation, by AOS (the ``tracker passes``
    columns), with the satellites SGP4 could not propagate: ``tracker passes --constellation
    VIEW --observer NAME --from START``."""
    from tracker.services.passes import passes

    return passes(engine, observer=observer.name, constellation=view, start=start)


def pass_path(fleet: pl.DataFrame, norad: int, observer: Observer, aos: datetime, los: datetime) -> tuple[np.ndarray, np.ndarray]:
    """Azimuth and elevation along one pass, for the sky plot."""
    from tracker.passes import sky_path

    return sky_path(fleet.filter(pl.col("norad") == norad), observer, aos, los)


class LiveLook:
    """Azimuth, elevation, range and range rate of the selected satellite now, asked once a
    second: the SGP4 record and the observer's site (:class:`tracker.passes.Look`) are built
    again only when the satellite, the observer or the fleet frame changes."""

    def __init__(self) -> None:
        self._fleet: pl.DataFrame | None = None
        self._key: tuple[int, Observer] | None = None
        self._look = None
        self.builds = 0  # how many times the record was built (tests count them)

    def __call__(self, fleet: pl.DataFrame, norad: int, observer: Observer, now: datetime) -> dict | None:
        """The look of ``norad`` from ``observer`` at ``now``; None when ``fleet`` lacks it."""
        from tracker.passes import Look

        if fleet is not self._fleet or (norad, observer) != self._key:
            row = fleet.filter(pl.col("norad") == norad)
            self._fleet, self._key = fleet, (norad, observer)
            self._look = None if row.is_empty() else Look(row, observer)
            self.builds += 1
        return None if self._look is None else self._look.at(now)
