"""Views of the satellites held: which satellites a name stands for, for the CLI and the TUI.

A view is a built-in constellation (``guowang``, ``qianfan``), one of the views below that are
not constellations, or a user constellation:

* ``dawn-dusk``: the objects in a dawn-dusk sun-synchronous orbit at 700-800 km as their newest
  elements say (:func:`tracker.orbits.dawn_dusk`), and the members of the ``dawn-dusk``
  constellation (what the last catalogue download classified, which the refresh follows, and
  any satellite a person added to it);
* ``stations``: the crewed stations' modules and the vehicles that fly to them
  (:data:`STATION_NAMES`, CelesTrak's ``GROUP=stations`` as names);
* ``all``: every satellite held.

No name (``None``) means the members of the built-in constellations: what ``tracker sats``
shows by default, so that a database holding the whole active catalogue (16,000 objects) is not
dumped unasked. Heavy modules are imported when a view is resolved, so importing this one is
cheap (the command line's start-up and the UI's first frame).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = ["ALL", "BUILTIN_VIEWS", "NOT_CONSTELLATIONS", "STATION_NAMES", "VIEWS", "check", "members", "views"]

#: Every satellite held.
ALL = "all"
#: Views besides user constellations, in the order the UI's chooser lists them.
BUILTIN_VIEWS = ("guowang", "qianfan", "dawn-dusk", "stations", ALL)
#: The built-in views that are not resolved by constellation rules alone.
VIEWS = ("dawn-dusk", "stations", ALL)
#: The views no constellation may be named after (``dawn-dusk`` is also a constellation).
NOT_CONSTELLATIONS = ("stations", ALL)

#: The ``stations`` view: the crewed stations' modules and the vehicles that fly to them, by the
#: names CelesTrak gives them. It is a view, not a constellation rule, so it never labels anything.
STATION_NAMES = (
    "ISS (*", "CSS (*", "TIANGONG*", "SHENZHOU*", "TIANZHOU*", "SOYUZ-MS*", "PROGRESS-MS*",
    "CREW DRAGON*", "DRAGON*", "CYGNUS*", "STARLINER*",
)


def views(engine: Engine) -> list[str]:
    """Built-in views first, then every user-defined constellation."""
    from tracker.constellations import names

    return [*BUILTIN_VIEWS, *(n for n in names(engine) if n not in BUILTIN_VIEWS)]


def check(engine: Engine, view: str) -> str:
    """``view`` as :func:`members` reads it (trimmed, lower case), checked without reading any
    element set: :class:`tracker.catalog.UnknownConstellation` with the message :func:`members`
    gives (the known constellations and the views) when no such view exists. For a caller that
    must refuse a name before it starts (``tracker tui --constellation``)."""
    from tracker.catalog import UnknownConstellation, unknown_constellation
    from tracker.constellations import rules_frame

    wanted = view.strip().lower()
    if wanted in VIEWS:
        return wanted
    known = set(rules_frame(engine)["constellation"])
    if wanted not in known:
        raise UnknownConstellation(f"{unknown_constellation(view, known)}; views: {', '.join(VIEWS)}")
    return wanted


def members(engine: Engine, view: str | None = None) -> pl.DataFrame:
    """The newest element set of every satellite in ``view`` (a :func:`tracker.catalog.latest`
    frame, in catalog-number order): enough to propagate, before any analytics are computed.

    ``None`` means the members of the built-in constellations. An unknown name raises
    :class:`tracker.catalog.UnknownConstellation` (a :class:`~tracker.errors.NotFound`) that
    lists the constellations and the views.
    """
    from tracker.catalog import UnknownConstellation, latest
    from tracker.constellations import BUILTIN_RULES, DAWN_DUSK, membership, rules_frame

    wanted = None if view is None else view.strip().lower()
    if wanted is not None and wanted not in VIEWS:
        try:
            return latest(engine, wanted)
        except UnknownConstellation as exc:
            raise UnknownConstellation(f"{exc}; views: {', '.join(VIEWS)}") from None
    if wanted in (ALL, DAWN_DUSK):
        sats = latest(engine)
        if wanted == ALL:
            return sats
        from tracker.orbits import dawn_dusk

        followed = membership(sats, rules_frame(engine).filter(pl.col("constellation") == DAWN_DUSK))["norad"]
        return sats.filter(pl.col("norad").is_in(dawn_dusk(sats)["norad"].append(followed).implode()))
    if wanted == "stations":
        rules = pl.DataFrame({"constellation": "stations", "kind": "name", "value": list(STATION_NAMES)})
    else:
        rules = rules_frame(engine).filter(pl.col("constellation").is_in(list(BUILTIN_RULES)))
    return _matching(latest(engine, among=rules), rules)


def _matching(sats: pl.DataFrame, rules: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``sats`` that match any of ``rules``."""
    from tracker.constellations import membership

    return sats.filter(pl.col("norad").is_in(membership(sats, rules)["norad"].implode()))
