"""The observer use cases: add, list, remove observers, choose the default, and resolve the
observer a command means (a name, coordinates, or the default).

Names are unique regardless of case; a person's observer hides a bundled one of the same name
(:data:`tracker.observers.BUNDLED`), which cannot be removed. Bad coordinates are a
:class:`~tracker.errors.UsageError`, an unknown name :class:`~tracker.errors.NotFound`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.errors import NotFound, Refused, UsageError
from tracker.observers import BUNDLED, DEFAULT_KEY, Observer, checked

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy.engine import Engine

__all__ = ["add_observer", "default_observer", "list_observers", "remove_observer", "resolve", "set_default"]


def _stored(engine: Engine) -> list[Observer]:
    from sqlalchemy import select

    from tracker.db import observer as table

    with engine.connect() as conn:
        rows = conn.execute(select(table.c.name, table.c.lat_deg, table.c.lon_deg, table.c.alt_m).order_by(table.c.name)).all()
    return [Observer(name, lat, lon, alt, "user") for name, lat, lon, alt in rows]


def observers(engine: Engine) -> list[Observer]:
    """A person's observers, then the bundled ones they do not hide."""
    mine = _stored(engine)
    taken = {o.name.lower() for o in mine}
    return mine + [o for o in BUNDLED if o.name.lower() not in taken]


def find(engine: Engine, name: str) -> Observer:
    """The observer called ``name`` (any case)."""
    wanted = name.strip().lower()
    for known in observers(engine):
        if known.name.lower() == wanted:
            return known
    names = ", ".join(o.name for o in observers(engine))
    raise NotFound(f"no observer {name.strip()!r}; known: {names} (add one with `tracker observers add NAME --lat --lon`)")


def default_observer(engine: Engine) -> Observer | None:
    """The default observer, None when none was chosen (or it was removed)."""
    from sqlalchemy import select

    from tracker.db import meta

    with engine.connect() as conn:
        name = conn.execute(select(meta.c.value).where(meta.c.key == DEFAULT_KEY)).scalar()
    if name is None:
        return None
    try:
        return find(engine, name)
    except NotFound:
        return None


def list_observers(engine: Engine) -> pl.DataFrame:
    """``name, lat_deg, lon_deg, alt_m, default, source``: yours first, then the bundled places."""
    import polars as pl

    chosen = default_observer(engine)
    rows = [(o.name, o.lat_deg, o.lon_deg, o.alt_m, chosen is not None and o.name == chosen.name, o.source)
            for o in observers(engine)]
    schema = {"name": pl.String, "lat_deg": pl.Float64, "lon_deg": pl.Float64, "alt_m": pl.Float64,
              "default": pl.Boolean, "source": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def add_observer(engine: Engine, name: str, lat_deg: float, lon_deg: float, alt_m: float | None = None) -> Observer:
    """Store a new observer; a name already taken by one of yours is :class:`Refused`."""
    from tracker.db import observer as table

    new = checked(name, lat_deg, lon_deg, alt_m)
    if any(o.name.lower() == new.name.lower() for o in _stored(engine)):
        raise Refused(f"an observer named {new.name!r} exists; remove it first (`tracker observers remove {new.name}`)")
    with engine.begin() as conn:
        conn.execute(table.insert().values(name=new.name, lat_deg=new.lat_deg, lon_deg=new.lon_deg, alt_m=new.alt_m))
    return new


def remove_observer(engine: Engine, name: str) -> Observer:
    """Remove one of your observers (a bundled place cannot be removed)."""
    from sqlalchemy import func

    from tracker.db import meta
    from tracker.db import observer as table

    gone = find(engine, name)
    if gone.source != "user":
        raise Refused(f"{gone.name!r} is a bundled place and cannot be removed")
    with engine.begin() as conn:
        conn.execute(table.delete().where(func.lower(table.c.name) == gone.name.lower()))
        conn.execute(meta.delete().where((meta.c.key == DEFAULT_KEY) & (func.lower(meta.c.value) == gone.name.lower())))
    return gone


def set_default(engine: Engine, name: str) -> Observer:
    """Make ``name`` the observer commands use when given none."""
    from tracker.db import meta

    chosen = find(engine, name)
    with engine.begin() as conn:
        conn.execute(meta.delete().where(meta.c.key == DEFAULT_KEY))
        conn.execute(meta.insert().values(key=DEFAULT_KEY, value=chosen.name))
    return chosen


def resolve(
    engine: Engine, name: str | None = None, lat_deg: float | None = None, lon_deg: float | None = None,
    alt_m: float | None = None, *, required: bool = True,
) -> Observer | None:
    """The observer of a command: ``name``, or the coordinates given (both ``lat_deg`` and
    ``lon_deg``), or the default one. Without any and without a default: a usage error when
    ``required``, else None."""
    coordinates = lat_deg is not None or lon_deg is not None
    if name is not None and (coordinates or alt_m is not None):
        raise UsageError("give either --observer NAME or --lat/--lon [--alt-m], not both")
    if coordinates:
        if lat_deg is None or lon_deg is None:
            raise UsageError("--lat and --lon go together: give both")
        return checked(f"{lat_deg:g},{lon_deg:g}", lat_deg, lon_deg, alt_m)
    if alt_m is not None:
        raise UsageError("--alt-m needs --lat and --lon")
    if name is not None:
        return find(engine, name)
    chosen = default_observer(engine)
    if chosen is None and required:
        raise UsageError("no observer: give --observer NAME or --lat/--lon, or choose a default "
                         "(`tracker observers default Beijing`; `tracker observers list` shows the places)")
    return chosen
