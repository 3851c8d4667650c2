"""Positions of stored satellites at one instant, as the ``sats`` table."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from sqlalchemy.engine import Engine

from tle.geometry import sunlit
from tracker.catalog import latest, satrecs
from tracker.propagation import Fleet, Times, sun_ecef_km

#: Elements older than this (from the instant shown) are flagged: SGP4 errors grow to kilometres.
STALE_DAYS = 14.0


def is_stale(age_days):
    """Whether elements ``age_days`` from the shown instant (either side) are too far to trust:
    :data:`STALE_DAYS`. The one rule for a number, a numpy array or a polars expression."""
    return abs(age_days) > STALE_DAYS

COLUMNS = ["name", "norad", "cospar", "constellation", "lat_deg", "lon_deg", "alt_km", "speed_km_s", "sunlit", "age_days", "stale"]


def positions(engine: Engine, at: datetime, constellation: str | None = None) -> pl.DataFrame:
    """One row per satellite (of ``constellation``, or every one) with the ``tracker sats``
    columns; NaN positions become null."""
    return positions_of(latest(engine, constellation), at)


def positions_of(sats: pl.DataFrame, at: datetime) -> pl.DataFrame:
    """:func:`positions` of the satellites of a :func:`tracker.catalog.latest` frame."""
    times = Times.of([at])
    geo = Fleet(satrecs(sats)).geodetic(times)
    lit = sunlit(geo.ecef_km, sun_ecef_km(times))[:, 0]
    # Lists, not arrays: polars reads an array's mask through numpy.ma, whose import costs more
    # than converting a few columns of a few thousand values.
    return (
        sats.with_columns(
            pl.Series("lat_deg", geo.lat_deg[:, 0].tolist(), pl.Float64),
            pl.Series("lon_deg", geo.lon_deg[:, 0].tolist(), pl.Float64),
            pl.Series("alt_km", geo.alt_km[:, 0].tolist(), pl.Float64),
            pl.Series("speed_km_s", geo.speed_km_s[:, 0].tolist(), pl.Float64),
            pl.Series("sunlit", lit.tolist(), pl.Boolean),
            ((pl.lit(at) - pl.col("epoch")).dt.total_seconds() / 86400.0).alias("age_days"),
        )
        .with_columns(pl.col("lat_deg", "lon_deg", "alt_km", "speed_km_s").fill_nan(None))
        .with_columns(
            pl.when(pl.col("alt_km").is_not_null()).then(pl.col("sunlit")).alias("sunlit"),
            is_stale(pl.col("age_days")).alias("stale"),
        )
        .select(COLUMNS)
    )
