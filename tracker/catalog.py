"""Reading what is stored as polars frames: satellites, their newest elements, their history."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from sqlalchemy import select
from sqlalchemy.engine import Engine

from tle.elements import to_satrec
from tle.frame import to_records
from tracker.bulk import read_frame
from tracker.constellations import candidates, label, membership, rules_frame
from tracker.db import IN_BATCH, batches, element_set, satellite
from tracker.errors import NotFound

ELEMENT_COLUMNS = [
    "epoch",
    "mean_motion",
    "eccentricity",
    "inclination_deg",
    "raan_deg",
    "arg_perigee_deg",
    "mean_anomaly_deg",
    "bstar",
    "mean_motion_dot",
    "mean_motion_ddot",
]


class UnknownConstellation(NotFound):
    """Raised for a constellation name that has no rules, with the names that exist."""


def unknown_constellation(name: str, known: set[str]) -> str:
    """What :class:`UnknownConstellation` says of ``name``: the names that do exist."""
    return f"unknown constellation {name!r}; known: {', '.join(sorted(known)) or 'none'}"


_TYPES = {
    "norad": pl.Int64,
    "name": pl.String,
    "cospar": pl.String,
    "launch": pl.String,
    "epoch": pl.Datetime("us", "UTC"),
    "first_seen": pl.Datetime("us", "UTC"),
}


def _frame(engine: Engine, query) -> pl.DataFrame:
    """Run ``query`` into a frame typed even when empty (element columns are floats), in bulk
    (:func:`tracker.bulk.read_frame`)."""
    schema = {c.key: _TYPES.get(c.key, pl.Float64) for c in query.selected_columns}
    with engine.connect() as conn:
        return read_frame(conn, query, schema)


def latest(engine: Engine, constellation: str | None = None, *, among: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per satellite: identity, constellation label, first_seen (oldest epoch held) and
    its newest element set (whose epoch is when it was last seen).

    With ``constellation``, its members only; with ``among`` (rules, as :func:`rules_frame` gives
    them), only the satellites matching one of them, labelled with every constellation. Either
    way the rules are matched against the small ``satellite`` table first, and only the element
    sets of the satellites they select are read (a whole catalogue is 16,000)."""
    rules = rules_frame(engine)
    if constellation is not None:
        wanted = constellation.strip().lower()
        known = set(rules["constellation"])
        if wanted not in known:
            raise UnknownConstellation(unknown_constellation(constellation, known))
        rules = among = rules.filter(pl.col("constellation") == wanted)
    norads = None
    if among is not None:
        s = satellite
        query = select(s.c.norad, s.c.name, s.c.cospar, s.c.launch)
        where = candidates(among, engine.dialect.name)
        norads = membership(_frame(engine, query if where is None else query.where(where)), among)["norad"].to_list()
    sats = _newest(engine, norads)
    if sats.is_empty():
        return sats.with_columns(pl.lit(None, pl.String).alias("constellation"))
    labelled = label(sats, rules)
    return labelled.filter(pl.col("constellation").is_not_null()) if constellation else labelled


def _newest(engine: Engine, norads: list[int] | None) -> pl.DataFrame:
    """The newest element set of each satellite (of ``norads``; all when None), by catalog number:
    one lookup by (epoch, norad) each, from the epoch span the satellite table keeps."""
    e, s = element_set, satellite

    def query(chosen: list[int] | None):
        newest = (
            select(s.c.norad, s.c.name, s.c.cospar, s.c.launch, s.c.first_epoch.label("first_seen"),
                   *[e.c[c] for c in ELEMENT_COLUMNS])
            .join(e, (e.c.epoch == s.c.last_epoch) & (e.c.norad == s.c.norad))
            .order_by(s.c.norad)
        )
        return newest if chosen is None else newest.where(s.c.norad.in_(chosen))

    if norads is None:
        return _frame(engine, query(None))
    parts = [_frame(engine, query(batch)) for batch in batches(sorted(set(norads)))]
    return pl.concat(parts) if parts else _frame(engine, query([]))


def satellites(engine: Engine, launch: str | None = None) -> pl.DataFrame:
    """Every satellite held, or those of one launch designator: ``norad, name, cospar, launch``
    (what constellation rules match)."""
    s = satellite
    query = select(s.c.norad, s.c.name, s.c.cospar, s.c.launch).order_by(s.c.norad)
    return _frame(engine, query if launch is None else query.where(s.c.launch == launch))


def history(engine: Engine, norads: list[int] | None = None, *, elements: Sequence[str] | None = None) -> pl.DataFrame:
    """Every element set held (optionally for some satellites), by satellite, oldest first:
    ``norad, name, launch`` and every element column; with ``elements``, only ``norad`` and those
    columns (what an analysis of millions of sets needs: each column read costs time and memory
    per set, and names are the satellites', joined after) in the order they are stored: sorting
    millions of rows by satellite is the caller's, when it needs it.

    Many catalog numbers (a view of the whole catalogue is 16,000) are read in one scan."""
    e, s = element_set, satellite
    if elements is None:
        query = select(e.c.norad, s.c.name, s.c.launch, *[e.c[c] for c in ELEMENT_COLUMNS]).join(
            s, s.c.norad == e.c.norad).order_by(e.c.norad, e.c.epoch)
    else:
        query = select(e.c.norad, *[e.c[c] for c in elements])
    if norads is None:
        return _frame(engine, query)
    wanted = sorted(set(norads))
    if len(wanted) <= IN_BATCH:
        return _frame(engine, query.where(e.c.norad.in_(wanted)))
    # Element sets have no index by satellite (tracker.db.element_set): one scan, filtered here,
    # rather than a scan per batch of catalog numbers.
    return _frame(engine, query).join(pl.DataFrame({"norad": wanted}, schema={"norad": pl.Int64}), on="norad",
                                      how="semi", maintain_order="left")


def satrecs(frame: pl.DataFrame) -> list:
    """SGP4 satellite records for the rows of a frame, in row order."""
    return [to_satrec(es) for es in to_records(frame)]
