"""Earth geometry shared by propagation and the pass search: the one place each formula lives.

Both :mod:`tle.passes` (where a satellite is in an observer's sky) and
:mod:`tracker.propagation` (where satellites are over the Earth) need the same few pieces, and
they must agree to the bit, or the same satellite would be in two places at once:

* **Time.** UTC instants as the Julian date split in two (:func:`julian`), as SGP4 takes it, and
  Greenwich Mean Sidereal Time of 1982 (:func:`gmst1982`), the angle between SGP4's TEME frame
  and the Earth-fixed one.
* **Frames.** TEME -> Earth-fixed: one rotation about the pole by that angle
  (:func:`teme_to_ecef`), and for velocities the frame's own turn at :data:`EARTH_RATE_RAD_S`
  (:func:`teme_to_ecef_state`).
* **The ellipsoid.** WGS84: geodetic coordinates to Earth-fixed Cartesian and back
  (:func:`geodetic_to_ecef`, :func:`ecef_to_geodetic`), the local east/north/up axes
  (:func:`enu_axes`) and azimuth, elevation and range seen from a place (:func:`horizon`).
* **Sunlight.** Whether the segment from a satellite to the Sun misses the Earth
  (:func:`sunlit`, Skyfield's ``is_sunlit`` geometry).

Plain numpy on arrays of any leading shape; no ephemeris, time-scale file or Skyfield here (the
callers bring UT1 and the Sun when they have them).
"""

from __future__ import annotations

import math

import numpy as np

from tle.elements import UNIX_EPOCH_JD

__all__ = [
    "EARTH_RATE_RAD_S", "SHADOW_RADIUS_KM", "UNIX_EPOCH_JD", "WGS84_A", "WGS84_B", "WGS84_E2", "WGS84_F",
    "ecef_to_geodetic", "enu_axes", "geodetic_to_ecef", "gmst1982", "horizon", "julian", "sunlit", "teme_to_ecef",
    "teme_to_ecef_state",
]

#: WGS84 ellipsoid: equatorial radius (km) and flattening.
WGS84_A = 6378.137
WGS84_F = 1.0 / 298.257223563
#: Polar radius (km) and first eccentricity squared.
WGS84_B = WGS84_A * (1.0 - WGS84_F)
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
_EP2 = WGS84_E2 / (1.0 - WGS84_E2)  # second eccentricity squared
#: Earth radius of Skyfield's shadow test (IERS 2010), km.
SHADOW_RADIUS_KM = 6378.1366
#: GMST rate, radians per UT1 second: how fast the Earth-fixed frame turns in TEME.
EARTH_RATE_RAD_S = 7.292115855e-5


def julian(instants: np.ndarray | np.datetime64) -> tuple[np.ndarray, np.ndarray]:
    """UTC ``datetime64`` instants as SGP4's Julian date pair: the whole date at the midnight
    before (``jd``, ending in .5) and the fraction of the day since (``fr``), from whole
    microseconds, so nothing is lost to rounding a large float."""
    stamps = np.asarray(instants, dtype="datetime64[us]")
    day = stamps.astype("datetime64[D]")
    jd = day.astype(np.int64).astype(float) + UNIX_EPOCH_JD
    fr = (stamps - day).astype(np.int64) / 86_400e6
    return jd, fr


def gmst1982(jd_ut1: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    """Greenwich Mean Sidereal Time (IAU 1982) in radians, the angle from TEME to Earth-fixed."""
    t = (jd_ut1 - 2451545.0 + fraction) / 36525.0
    g = 67310.54841 + (8640184.812866 + (0.093104 - 6.2e-6 * t) * t) * t
    return (g / 240.0 * math.pi / 180.0 + (fraction % 1.0 + jd_ut1 % 1.0) * 2 * math.pi) % (2 * math.pi)


def teme_to_ecef(vec: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """TEME -> Earth-fixed: (..., 3) vectors turned about the z axis by GMST ``theta``
    (broadcast over the leading axes). ``-theta`` turns Earth-fixed vectors back into TEME."""
    c, s = np.cos(theta), np.sin(theta)
    out = np.empty_like(vec)
    out[..., 0] = c * vec[..., 0] + s * vec[..., 1]
    out[..., 1] = c * vec[..., 1] - s * vec[..., 0]
    out[..., 2] = vec[..., 2]
    return out


def teme_to_ecef_state(r: np.ndarray, v: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Earth-fixed position and velocity from TEME ones (the frame turns at the GMST rate)."""
    re = teme_to_ecef(r, theta)
    ve = teme_to_ecef(v, theta)
    ve[..., 0] += EARTH_RATE_RAD_S * re[..., 1]
    ve[..., 1] -= EARTH_RATE_RAD_S * re[..., 0]
    return re, ve


def geodetic_to_ecef(lat_deg: float, lon_deg: float, alt_km: float) -> np.ndarray:
    """The Earth-fixed position (km) of a place on the WGS84 ellipsoid."""
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    n = WGS84_A / math.sqrt(1.0 - WGS84_E2 * math.sin(lat) ** 2)
    return np.array([(n + alt_km) * math.cos(lat) * math.cos(lon), (n + alt_km) * math.cos(lat) * math.sin(lon),
                     (n * (1.0 - WGS84_E2) + alt_km) * math.sin(lat)])


def enu_axes(lat_deg: float, lon_deg: float) -> np.ndarray:
    """Rows: the east, north and up (the ellipsoid normal) unit vectors of a place, Earth-fixed."""
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    sl, cl, so, co = math.sin(lat), math.cos(lat), math.sin(lon), math.cos(lon)
    return np.array([[-so, co, 0.0], [-sl * co, -sl * so, cl], [cl * co, cl * so, sl]])


def horizon(rho: np.ndarray, axes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Azimuth (0-360, from north through east) and elevation in degrees and range in km of the
    Earth-fixed (..., 3) offsets ``rho`` from a place with :func:`enu_axes` ``axes``."""
    east, north, up = axes
    rng = np.sqrt(np.einsum("...k,...k->...", rho, rho))
    el = np.degrees(np.arcsin(np.clip((rho @ up) / rng, -1.0, 1.0)))
    az = np.degrees(np.arctan2(rho @ east, rho @ north)) % 360.0
    return az, el, rng


def ecef_to_geodetic(ecef_km: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """WGS84 latitude, longitude (degrees) and ellipsoidal height (km), Heikkinen (1982) closed form."""
    a, b, e2 = WGS84_A, WGS84_B, WGS84_E2
    x, y, z = ecef_km[..., 0], ecef_km[..., 1], ecef_km[..., 2]
    p2 = x * x + y * y
    p = np.sqrt(p2)
    z2 = z * z
    f = 54.0 * b * b * z2
    g = p2 + (1.0 - e2) * z2 - e2 * (a**2 - b**2)
    c = e2 * e2 * f * p2 / (g * g * g)
    s = np.cbrt(1.0 + c + np.sqrt(c * c + 2.0 * c))
    k = s + 1.0 + 1.0 / s
    big_p = f / (3.0 * k * k * g * g)
    q = np.sqrt(1.0 + 2.0 * e2 * e2 * big_p)
    # On the polar axis the radicand is zero in exact arithmetic; rounding can make it -1e-9.
    radicand = 0.5 * a**2 * (1.0 + 1.0 / q) - big_p * (1.0 - e2) * z2 / (q * (1.0 + q)) - 0.5 * big_p * p2
    r0 = -big_p * e2 * p / (1.0 + q) + np.sqrt(np.maximum(radicand, 0.0))
    u2 = (p - e2 * r0) ** 2
    u = np.sqrt(u2 + z2)
    v = np.sqrt(u2 + (1.0 - e2) * z2)
    z0 = b * b * z / (a * v)
    alt = u * (1.0 - b * b / (a * v))
    lat = np.degrees(np.arctan2(z + _EP2 * z0, p))
    lon = np.degrees(np.arctan2(y, x))
    return lat, lon, alt


def sunlit(ecef_km: np.ndarray, sun_km: np.ndarray) -> np.ndarray:
    """True where the segment from satellite to Sun misses the Earth sphere (radius
    :data:`SHADOW_RADIUS_KM`); ``sun_km`` broadcasts against ``ecef_km`` (both (..., 3)).

    The closest approach of the line to the Earth's centre lies at parameter ``t = -r.d / d.d``
    along ``d = sun - r``; the satellite is in shadow only when that point lies between
    satellite and Sun (t > 0) and inside the Earth.
    """
    d = sun_km - ecef_km
    rd = np.einsum("...k,...k->...", ecef_km, d)
    dd = np.einsum("...k,...k->...", d, d)
    rr = np.einsum("...k,...k->...", ecef_km, ecef_km)
    miss2 = rr - rd * rd / dd  # squared distance of the line from the Earth's centre
    return ~((rd < 0) & (miss2 < SHADOW_RADIUS_KM**2))
