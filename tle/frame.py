"""Element sets as one polars frame: a column per :class:`~tle.elements.ElementSet` field, a row
per set.

A catalogue holds 16,000 element sets and a history millions. As Python objects each set costs
about 760 bytes (a frozen dataclass holding an aware datetime and boxed floats); as a frame row,
about 150. So parsers hand their good records over as a frame, storage writes frames, and
:class:`ElementSet` objects are made only where one is used: to initialise SGP4 for the
satellites being propagated.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

import polars as pl

from tle.elements import COSPAR_PATTERN, ElementSet, utc

__all__ = ["SCHEMA", "concat", "from_records", "launch_of", "to_records"]

#: The frame's columns, in :class:`ElementSet`'s field order; times in UTC to the microsecond.
SCHEMA: dict[str, pl.DataType] = {
    "norad": pl.Int64(),
    "name": pl.String(),
    "cospar": pl.String(),
    "epoch": pl.Datetime("us", "UTC"),
    "mean_motion": pl.Float64(),
    "eccentricity": pl.Float64(),
    "inclination_deg": pl.Float64(),
    "raan_deg": pl.Float64(),
    "arg_perigee_deg": pl.Float64(),
    "mean_anomaly_deg": pl.Float64(),
    "bstar": pl.Float64(),
    "mean_motion_dot": pl.Float64(),
    "mean_motion_ddot": pl.Float64(),
    "element_set_no": pl.Int64(),
    "rev_at_epoch": pl.Int64(),
    "classification": pl.String(),
    "ephemeris_type": pl.Int64(),
    "source": pl.String(),
}

#: Records turned into columns at a time: the objects of one chunk are all that is held at once.
CHUNK = 10_000


def from_records(records: Iterable[ElementSet]) -> pl.DataFrame:
    """``records`` (consumed a chunk at a time) as one frame of :data:`SCHEMA`, in their order."""
    iterator = iter(records)
    parts = []
    while chunk := list(islice(iterator, CHUNK)):
        parts.append(pl.DataFrame([tuple(getattr(es, c) for c in SCHEMA) for es in chunk],
                                  schema=SCHEMA, orient="row"))
    return concat(parts)


def concat(frames: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """Frames of :data:`SCHEMA` as one, in order (an empty one for none)."""
    frames = list(frames)
    return pl.concat(frames) if frames else pl.DataFrame(schema=SCHEMA)


def to_records(frame: pl.DataFrame) -> list[ElementSet]:
    """The rows of ``frame`` as element sets. Columns of :data:`SCHEMA` that ``frame`` lacks take
    :class:`ElementSet`'s defaults, None for a name or COSPAR id (a stored history has no parse
    source, for instance); columns that are not element-set fields are ignored."""
    columns = [c for c in frame.columns if c in SCHEMA]
    unnamed = {"name": None, "cospar": None}
    return [
        ElementSet(**{**unnamed, **row, "epoch": utc(row["epoch"])})
        for row in frame.select(columns).iter_rows(named=True)
    ]


def launch_of(cospar: pl.Expr) -> pl.Expr:
    """:func:`tle.elements.launch_designator` on a column: ``2024-240A`` -> ``2024-240``, null
    for a missing or malformed id."""
    return pl.when(cospar.str.contains(COSPAR_PATTERN)).then(cospar.str.replace(COSPAR_PATTERN, "${1}-${2}"))
