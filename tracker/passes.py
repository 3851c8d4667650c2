"""Passes of stored satellites over an observer, and where they are in its sky, as frames.

The search itself is :func:`tle.passes.find_passes`; this module feeds it the satellites of a
:func:`tracker.catalog.latest` frame, the Earth's rotation in UT1 and the Sun from DE421 (the
same as :mod:`tracker.propagation` uses), and turns its arrays into the ``tracker passes`` rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from tracker.catalog import satrecs
from tracker.observers import Observer

#: The ``tracker passes`` columns, in order.
COLUMNS = [
    "norad", "name", "constellation", "launch", "aos_utc", "aos_az_deg", "tca_utc", "tca_el_deg", "tca_az_deg",
    "tca_range_km", "los_utc", "los_az_deg", "duration_s", "sunlit_at_tca", "sun_alt_deg", "visible",
    "in_progress", "continues",
]
#: The ``--by-launch`` columns.
TRAIN_COLUMNS = [
    "launch", "constellation", "count", "first_norad", "names", "aos_utc", "tca_utc", "tca_el_deg", "los_utc",
    "duration_s", "visible",
]
#: Passes of one launch whose AOS follow each other within this are one train.
TRAIN_GAP = timedelta(minutes=5)
#: SGP4's error codes (sgp4.api.SGP4_ERRORS), worded for a report.
SGP4_ERRORS = {
    1: "mean eccentricity out of range", 2: "mean motion below zero", 3: "perturbed eccentricity out of range",
    4: "semi-latus rectum below zero", 6: "decayed",
    -1: "no orbit a satellite flies (elements far from their epoch?)",  # tle.passes.ERRATIC
}


@dataclass(frozen=True)
class Found:
    """Passes (``COLUMNS``) and the satellites that could not be propagated (``norad, name, error``)."""

    passes: pl.DataFrame
    failed: pl.DataFrame


def _offsets(start: datetime, seconds: np.ndarray):
    from tracker.propagation import Times

    base = np.datetime64(start.replace(tzinfo=None), "us")
    return Times.of(base + (np.asarray(seconds) * 1e6).astype("timedelta64[us]"))


def search(records: list, observer: Observer, start: datetime, hours: float, min_el: float):
    """:func:`tle.passes.find_passes` of SGP4 records with the Earth's rotation in UT1 and the
    Sun from DE421 (what :func:`passes_of` runs; the benchmark times it)."""
    from tle.passes import find_passes

    return find_passes(
        records, observer.site(), start, hours, min_el,
        earth_angle=lambda s: _offsets(start, s).gmst_rad(), sun_ecef_km=lambda s: _sun(start, s),
    )


#: The Sun is computed from DE421 this often (seconds) and interpolated in between.
SUN_STEP_S = 7200.0


def _sun(start: datetime, seconds: np.ndarray) -> np.ndarray:
    """The Sun's Earth-fixed position (km, shape (m, 3)) at ``seconds`` from ``start``.

    DE421 and the full Earth orientation (nutation) cost milliseconds per hundred instants, so
    the Sun is computed every :data:`SUN_STEP_S`, turned back by the sidereal angle into a frame
    where it moves by a degree a day, interpolated there, and turned forward again: the
    interpolation error is under a thousandth of a degree."""
    from tle.geometry import teme_to_ecef
    from tracker.propagation import sun_ecef_km

    seconds = np.asarray(seconds, float)
    count = int(np.ptp(seconds) // SUN_STEP_S) + 2
    coarse = np.linspace(seconds.min(), seconds.max(), count)
    times = _offsets(start, coarse)
    slow = teme_to_ecef(sun_ecef_km(times), -times.gmst_rad())
    between = np.stack([np.interp(seconds, coarse, slow[:, k]) for k in range(3)], axis=-1)
    return teme_to_ecef(between, _offsets(start, seconds).gmst_rad())


def passes_of(sats: pl.DataFrame, observer: Observer, start: datetime, hours: float, min_el: float) -> Found:
    """Every pass of the satellites of ``sats`` (a :func:`tracker.catalog.latest` frame) over
    ``observer`` between ``start`` (aware UTC) and ``hours`` later, at or above ``min_el``."""
    from tle.elements import utc

    start = utc(start)
    found = search(satrecs(sats), observer, start, hours, min_el)
    base = pl.lit(start).cast(pl.Datetime("us", "UTC"))
    rows = sats[found.sat.tolist()] if len(found) else sats.clear()
    frame = pl.DataFrame({
        "aos_s": found.aos_s, "aos_az_deg": found.aos_az_deg, "tca_s": found.tca_s, "tca_el_deg": found.tca_el_deg,
        "tca_az_deg": found.tca_az_deg, "tca_range_km": found.tca_range_km, "los_s": found.los_s,
        "los_az_deg": found.los_az_deg, "sunlit_at_tca": found.sunlit_at_tca, "sun_alt_deg": found.sun_alt_deg,
        "visible": found.visible, "in_progress": found.starts_at_window, "continues": found.ends_at_window,
    }, schema_overrides={"sunlit_at_tca": pl.Boolean, "visible": pl.Boolean, "in_progress": pl.Boolean, "continues": pl.Boolean})
    frame = pl.concat([rows.select("norad", "name", "constellation", "launch"), frame], how="horizontal").with_columns(
        *[(base + pl.duration(microseconds=(pl.col(f"{e}_s") * 1e6).round().cast(pl.Int64))).alias(f"{e}_utc")
          for e in ("aos", "tca", "los")],
        (pl.col("los_s") - pl.col("aos_s")).alias("duration_s"),
    ).select(COLUMNS)
    failed_rows = sorted(found.failed.items())
    failed = pl.DataFrame({
        "norad": sats["norad"].gather([i for i, _ in failed_rows]) if failed_rows else pl.Series([], dtype=pl.Int64),
        "name": sats["name"].gather([i for i, _ in failed_rows]) if failed_rows else pl.Series([], dtype=pl.String),
        "error": [SGP4_ERRORS.get(code, f"SGP4 error {code}") for _, code in failed_rows],
    }, schema={"norad": pl.Int64, "name": pl.String, "error": pl.String})
    return Found(frame, failed)


def trains(passes: pl.DataFrame, gap: timedelta = TRAIN_GAP) -> pl.DataFrame:
    """Passes of satellites of one launch whose AOS follow each other within ``gap``, merged
    into one row each (``TRAIN_COLUMNS``): first AOS, last LOS, the highest culmination, the
    count; visible when any member is. Satellites without a launch designator stay alone."""
    ordered = passes.with_columns(pl.coalesce("launch", pl.col("norad").cast(pl.String)).alias("_group")).sort("_group", "aos_utc")
    train = (
        (pl.col("_group") != pl.col("_group").shift(1)) | (pl.col("aos_utc") - pl.col("aos_utc").shift(1) > gap)
    ).fill_null(True).cum_sum().alias("_train")
    return (
        ordered.with_columns(train)
        .group_by("_train", maintain_order=True)
        .agg(
            pl.col("launch").first(), pl.col("constellation").first(), pl.len().alias("count"),
            pl.col("norad").first().alias("first_norad"),
            pl.col("name").str.join("; ").alias("names"),
            pl.col("aos_utc").min(), pl.col("tca_utc").sort_by("tca_el_deg").last(), pl.col("tca_el_deg").max(),
            pl.col("los_utc").max(), pl.col("visible").any(),
        )
        .with_columns(((pl.col("los_utc") - pl.col("aos_utc")).dt.total_microseconds() / 1e6).alias("duration_s"),
                      pl.col("count").cast(pl.Int64))
        .sort("aos_utc")
        .select(TRAIN_COLUMNS)
    )


def _look_angles(records: list, site, at: datetime) -> tuple[np.ndarray, ...]:
    from tle.elements import utc
    from tle.passes import look_angles

    at = utc(at)
    theta = float(_offsets(at, np.zeros(1)).gmst_rad()[0])
    return look_angles(records, at, site, theta)


class Look:
    """Where one satellite (the first row of ``sats``) is in ``observer``'s sky, asked again and
    again (a live display): its SGP4 record and the observer's site are built once, here."""

    def __init__(self, sats: pl.DataFrame, observer: Observer) -> None:
        self.records = satrecs(sats.head(1))
        self.site = observer.site()

    def at(self, at: datetime) -> dict | None:
        """``az_deg, el_deg, range_km, range_rate_km_s`` at ``at`` (None values where SGP4
        fails), as :func:`look_of` gives them; None when there is no satellite."""
        if not self.records:
            return None
        values = (float(x[0]) for x in _look_angles(self.records, self.site, at))
        return {k: (None if np.isnan(v) else v) for k, v in zip(("az_deg", "el_deg", "range_km", "range_rate_km_s"), values, strict=True)}


def look_of(sats: pl.DataFrame, observer: Observer, at: datetime) -> pl.DataFrame:
    """``az_deg, el_deg, range_km, range_rate_km_s`` of each satellite of ``sats`` from
    ``observer`` at ``at`` (null where SGP4 fails), in row order."""
    az, el, rng, rate = _look_angles(satrecs(sats), observer.site(), at)
    return pl.DataFrame(
        {"az_deg": az.tolist(), "el_deg": el.tolist(), "range_km": rng.tolist(), "range_rate_km_s": rate.tolist()},
        schema={c: pl.Float64 for c in ("az_deg", "el_deg", "range_km", "range_rate_km_s")},
    ).fill_nan(None)


def sky_path(sats: pl.DataFrame, observer: Observer, start: datetime, end: datetime, count: int = 61) -> tuple[np.ndarray, np.ndarray]:
    """Azimuth and elevation (degrees) of the first satellite of ``sats`` as seen from
    ``observer`` at ``count`` instants from ``start`` to ``end`` (a pass drawn on a sky plot)."""
    from tle.elements import utc
    from tle.geometry import horizon
    from tracker.propagation import Fleet, Times

    start, end = utc(start), utc(end)
    step = max((end - start).total_seconds(), 1.0) / max(count - 1, 1)
    geo = Fleet(satrecs(sats.head(1))).geodetic(Times.span(start, step, count))
    site = observer.site()
    az, el, _ = horizon(geo.ecef_km[0] - site.ecef_km(), site.enu())
    return az, el
