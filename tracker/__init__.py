"""China's commercial-space race in one terminal, and in a notebook.

The public API is a small facade over the application's services (``tracker.services``), for
analysts who would rather have polars frames than printed tables::

    import tracker

    t = tracker.open()                       # the `tracker` command's database (or a URL, a path)
    t.satellites(constellation="guowang")    # where each satellite is now
    t.launches(vehicle="ZQ-3")               # the launch calendar, filtered
    t.link(filters={"booster-recovery": "attempted-failed"})
    t.refresh(sources=["celestrak"])         # the report the `tracker refresh` command prints

Every failure is a :class:`TrackerError` (see :mod:`tracker.errors` for the tree). Nothing heavy
is imported until it is used, so ``import tracker`` (and the ``tracker`` command) start fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.api import Tracker

__all__ = [
    "BadInput", "DatabaseError", "Locked", "NotFound", "Refused", "SourceFailed", "Tracker", "TrackerError",
    "UsageError", "open",
]

_ERRORS = ("BadInput", "DatabaseError", "Locked", "NotFound", "Refused", "SourceFailed", "TrackerError", "UsageError")


def open(url: str | None = None, *, environ: Mapping[str, str] | None = None) -> Tracker:  # noqa: A001 (tracker.open)
    """The tracker over the database at ``url`` (a SQLAlchemy URL or a file path); by default
    the one the ``tracker`` command uses (``TRACKER_DB``, else the user data directory).

    Source URLs come from ``environ`` (default: the process environment), as for the command.
    """
    import os

    from tracker.api import Tracker
    from tracker.settings import Settings

    return Tracker(Settings.from_env(os.environ if environ is None else environ, db=url))


def __getattr__(name: str) -> Any:
    if name in _ERRORS:
        from tracker import errors

        return getattr(errors, name)
    if name == "Tracker":
        from tracker.api import Tracker

        return Tracker
    raise AttributeError(f"module 'tracker' has no attribute {name!r}")
