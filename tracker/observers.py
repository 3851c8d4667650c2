"""Observers: places on the Earth that passes are computed for, bundled and a person's own.

A person's observers are rows of :data:`tracker.db.observer`; the bundled places below are not
stored (so a correction ships with the next version) and cannot be removed, but a person's
observer of the same name (any case) hides the bundled one. The default observer's name is the
``meta`` row :data:`DEFAULT_KEY`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker.errors import UsageError

if TYPE_CHECKING:
    from tle.passes import Site

__all__ = ["BUNDLED", "DEFAULT_KEY", "Observer", "checked"]

#: The ``meta`` key holding the default observer's name.
DEFAULT_KEY = "default_observer"


@dataclass(frozen=True)
class Observer:
    """A named place: WGS84 geodetic latitude and longitude (degrees, east positive), height
    above the ellipsoid (metres), and where the coordinates come from."""

    name: str
    lat_deg: float
    lon_deg: float
    alt_m: float = 0.0
    source: str = "user"

    def site(self) -> Site:
        from tle.passes import Site

        return Site(self.lat_deg, self.lon_deg, self.alt_m)

    @property
    def label(self) -> str:
        """``Beijing (39.9075 N, 116.3972 E, 0 m)``"""
        ns = "N" if self.lat_deg >= 0 else "S"
        ew = "E" if self.lon_deg >= 0 else "W"
        return f"{self.name} ({abs(self.lat_deg):.4f} {ns}, {abs(self.lon_deg):.4f} {ew}, {self.alt_m:.0f} m)"


#: The ranges of an observer's coordinates: degrees north, degrees east, metres above the
#: WGS84 ellipsoid (the Dead Sea shore to above any observatory).
LAT_RANGE, LON_RANGE, ALT_RANGE = (-90.0, 90.0), (-180.0, 180.0), (-500.0, 9000.0)


def checked(name: str, lat_deg: float, lon_deg: float, alt_m: float | None = None, source: str = "user") -> Observer:
    """An :class:`Observer`, or a :class:`~tracker.errors.UsageError` naming the bad value:
    latitude, longitude and height within :data:`LAT_RANGE`, :data:`LON_RANGE`, :data:`ALT_RANGE`."""
    alt = 0.0 if alt_m is None else alt_m
    for option, value, (low, high) in (("--lat", lat_deg, LAT_RANGE), ("--lon", lon_deg, LON_RANGE),
                                       ("--alt-m", alt, ALT_RANGE)):
        if value is None or not math.isfinite(value) or not low <= value <= high:
            raise UsageError(f"{option} {value} is out of range: give a value from {low:g} to {high:g}"
                             + (" (degrees, east positive)" if option == "--lon" else
                                " (degrees, north positive)" if option == "--lat" else " (metres above the WGS84 ellipsoid)"))
    clean = name.strip()
    if not clean or any(not ch.isprintable() for ch in clean):
        raise UsageError(f"observer name {name!r} is empty or holds control characters")
    return Observer(clean, float(lat_deg), float(lon_deg), float(alt), source)


_LL2 = "Launch Library 2, pad 201 of the Wenchang Space Launch Site (../shared/api-samples, ll.thespacedevs.com)"
#: Places bundled with the program, with the source of their coordinates. Heights that the
#: source does not give are 0 m: a kilometre of height moves a low pass by well under a second.
BUNDLED: tuple[Observer, ...] = (
    Observer("Beijing", 39.9075, 116.39723, 0.0, "GeoNames, Beijing (city centre)"),
    Observer("Shanghai", 31.22222, 121.45806, 0.0, "GeoNames, Shanghai (city centre)"),
    Observer("Hong Kong", 22.27832, 114.17469, 0.0, "GeoNames, Hong Kong (Victoria)"),
    Observer("Wenchang", 19.618452, 110.955356, 0.0, _LL2),
    Observer("Jiuquan", 40.9581, 100.2912, 1000.0,
             "SpaceNews/Space Imaging, IKONOS image of the launch pad (2003); height: Xinhua, mean elevation 1,000 m"),
    Observer("Taiyuan", 38.8492, 111.6086, 1500.0,
             "Wikipedia (it), Centro spaziale di Taiyuan: 38 50 57 N, 111 36 31 E, 1,500 m"),
    Observer("Xichang", 28.2, 102.0333, 0.0, "FAS Space Policy Project, Base 27 Xichang: 28 12 N, 102 02 E"),
)
