"""Where the shown satellites are at an instant, where the Sun is overhead, and one ground track.

A thin layer over :mod:`tracker.propagation`: the fleet is propagated as one ``SatrecArray`` per
update (no per-satellite loop), sunlight uses the same DE421 geometry as ``tracker sats``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from tle.geometry import sunlit
from tracker.propagation import Fleet, Times, sun_ecef_km

#: Ground-track sampling step: 30 s is ~230 km along a low orbit, under one dot on any terminal.
TRACK_STEP_S = 30.0


@dataclass(frozen=True)
class Snapshot:
    """Every satellite of a fleet at one instant (arrays in fleet order; NaN where SGP4 failed)."""

    at: datetime
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_km: np.ndarray
    speed_km_s: np.ndarray
    sunlit: np.ndarray  #: bool; false where the position is unknown
    subsolar: tuple[float, float]  #: (lat, lon) in degrees of the point with the Sun overhead


class Sky:
    """A fleet of satellite records, propagated on demand."""

    def __init__(self, satrecs: list):
        self.fleet = Fleet(satrecs)

    def at(self, when: datetime) -> Snapshot:
        times = Times.of([when])
        geo = self.fleet.geodetic(times)
        sun = sun_ecef_km(times)
        lit = sunlit(geo.ecef_km, sun)[:, 0] & np.isfinite(geo.alt_km[:, 0])
        x, y, z = sun[0]
        subsolar = (float(np.degrees(np.arctan2(z, np.hypot(x, y)))), float(np.degrees(np.arctan2(y, x))))
        return Snapshot(when, geo.lat_deg[:, 0], geo.lon_deg[:, 0], geo.alt_km[:, 0], geo.speed_km_s[:, 0], lit, subsolar)

    def track(self, index: int, start: datetime, minutes: float) -> tuple[np.ndarray, np.ndarray]:
        """Latitudes and longitudes of satellite ``index`` from ``start`` over ``minutes``."""
        times = Times.span(start, TRACK_STEP_S, int(minutes * 60 / TRACK_STEP_S) + 1)
        geo = Fleet([self.fleet.satrecs[index]]).geodetic(times)
        return geo.lat_deg[0], geo.lon_deg[0]


def night(rows: int, cols: int, subsolar: tuple[float, float]) -> np.ndarray:
    """(rows, cols) grid, true where the Sun is below the horizon at the cell's centre.

    The edge of this region is the day-night terminator: the great circle 90 degrees from the
    subsolar point (the Sun's elevation is the complement of the angle to it; refraction ignored).
    """
    lat = np.radians(90.0 - (np.arange(rows) + 0.5) * 180.0 / rows)[:, None]
    lon = np.radians(-180.0 + (np.arange(cols) + 0.5) * 360.0 / cols)[None, :]
    sun_lat, sun_lon = np.radians(subsolar)
    cos_angle = np.sin(lat) * np.sin(sun_lat) + np.cos(lat) * np.cos(sun_lat) * np.cos(lon - sun_lon)
    return cos_angle < 0.0
