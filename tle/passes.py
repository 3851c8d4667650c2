"""Passes of many satellites over one observer: rise, culmination and set, without loops over satellites.

The search, for every satellite at once:

1. **Coarse grid.** ``sgp4.api.SatrecArray`` propagates all satellites to a grid of instants
   :data:`COARSE_STEP_S` apart. At each sample the elevation *and the sign of its time
   derivative* are exact (SGP4 gives velocity as well as position). The grid is cut in chunks
   of a few steps; every satellite is propagated to the chunks' ends, and inside a chunk only
   those whose orbital plane passes near enough to the observer for them to rise (a rigorous
   geometric test, :func:`_in_reach`): about half the work for low orbits.
2. **Brackets.** An elevation maximum lies between two neighbouring samples where the derivative
   turns from positive to negative, a minimum where it turns from negative to positive. Between
   samples and extrema the elevation is monotonic, so every rise and set above the horizon
   ``min_el`` lies in exactly one such monotonic piece whose ends straddle it.
3. **Refinement** of only those brackets, by regula falsi (Illinois) on a septic Hermite
   interpolant of the TEME position built from the two samples' SGP4 positions and velocities
   and the gravitational acceleration (two-body + J2) and its rate there. The interpolant is
   evaluated per (satellite, instant) pair, which SGP4's array interface cannot do without a
   Python loop. Over a 600 s step its truncation error is centimetres for the lowest orbits
   (the eighth-order remainder ``(w*step)**8 * r / 10**7`` with ``w`` the orbital rate), and
   the forces it leaves out (drag, higher harmonics) move it by less than a metre: measured
   against SGP4 itself, rises and sets are within 0.05 s (a quintic without the rate of the
   acceleration was 0.15 s off) and elevations within 0.004 degree.

**Why the coarse step cannot skip a pass.** A pass is found when its elevation maximum is
bracketed by a sign change of the (exact) derivative between two samples. That fails only if
a maximum *and* a minimum of the elevation fall between the same two samples (the derivative
then has the same sign at both). How long the satellite stays above ``min_el`` does not enter:
a pass that lasts two seconds and peaks 0.01 degree above ``min_el`` is bracketed like any other.
Elevation falls as the angle between observer and satellite seen from the Earth's centre grows,
and that angle has one minimum and one maximum per revolution relative to the turning Earth:
consecutive extrema are about half a revolution apart, at least 43 minutes for anything in
orbit (no satellite survives a period under about 87 minutes), and hours apart for high orbits
(a geostationary object's elevation changes over a day). :data:`COARSE_STEP_S` (10 minutes) is
under a quarter of that shortest spacing; :func:`max_step_s` states the rule and the tests
compare the search with a 5-second brute-force scan of real element sets.

**Pass.** A pass is an interval during which the satellite's geometric elevation (no refraction,
as Skyfield's ``altaz``) is at or above ``min_el``. A pass already under way at the start of the
window starts there (``starts_at_window``), one still under way at the end ends there
(``ends_at_window``): a geostationary object above ``min_el`` has one pass spanning the window.
The culmination (TCA) is the highest elevation of the pass within the window.

**Visible.** The satellite is sunlit (the segment to the Sun misses a spherical Earth, as
Skyfield's ``is_sunlit``) while the observer's Sun is below :data:`DARK_SUN_DEG`, at some
instant of the pass: checked at every event and at :data:`VISIBILITY_SAMPLES` instants per
coarse step (30 s apart), and at every rise, culmination and set.

Elements that SGP4 cannot propagate over the window (decayed, or an error code at any grid
instant) yield no passes: they are returned in :attr:`Passes.failed` with the SGP4 error code;
so are elements that SGP4 propagates into motion no satellite has (rises and sets that do not
alternate; seen with element sets months from their epoch), with :data:`ERRATIC`.

Times are seconds from the start of the window (UTC); the caller supplies the Earth rotation
angle (GMST 1982 in UT1; the default takes UT1 = UTC) and, for sunlight, the Sun's Earth-fixed
position, both at any instants, so this module needs no ephemeris or time-scale files.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from tle.elements import utc
from tle.geometry import (
    EARTH_RATE_RAD_S,
    enu_axes,
    geodetic_to_ecef,
    gmst1982,
    horizon,
    julian,
    sunlit,
    teme_to_ecef,
    teme_to_ecef_state,
)

__all__ = [
    "COARSE_STEP_S", "DARK_SUN_DEG", "Events", "Passes", "Site", "find_passes", "gmst1982", "look_angles", "max_step_s",
]

#: Coarse grid step (seconds); see the module docstring and :func:`max_step_s`.
COARSE_STEP_S = 600.0
#: The observer is in darkness (nautical twilight or darker) with the Sun below this altitude.
DARK_SUN_DEG = -6.0
#: Instants tested for visibility per coarse step while a satellite is up.
VISIBILITY_SAMPLES = 20
#: Shortest period (minutes) of anything that stays in orbit for a day: drag brings objects down
#: within hours below about 150 km altitude (an 87.5-minute period).
MIN_PERIOD_MIN = 87.0

_MU = 398600.8  # WGS72, as SGP4 is run
_RE = 6378.135
_J2 = 0.001082616
_ROOT_STEPS = 14  # Illinois steps at most: under a millisecond (10 already agree with 30 bisection steps)
_ROOT_TOLERANCE = 1e-7  # ... or fewer, once no estimate moves by more than this fraction of a step (60 us)

RISE, CULMINATE, SET = 0, 1, 2  #: event kinds, as Skyfield's ``find_events`` numbers them
#: The "error code" of a satellite whose rises and sets do not alternate (see :func:`_erratic`).
ERRATIC = -1

EarthAngle = Callable[[np.ndarray], np.ndarray]
SunPosition = Callable[[np.ndarray], np.ndarray]


def max_step_s(min_period_min: float = MIN_PERIOD_MIN, margin: float = 4.0) -> float:
    """The largest coarse step that keeps ``margin`` steps between consecutive elevation extrema,
    which are at least half the shortest period apart."""
    return min_period_min * 60.0 / 2.0 / margin


@dataclass(frozen=True)
class Site:
    """An observer on the WGS84 ellipsoid."""

    lat_deg: float
    lon_deg: float
    alt_m: float = 0.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lat_deg) and -90.0 <= self.lat_deg <= 90.0):
            raise ValueError(f"latitude {self.lat_deg!r} is not between -90 and 90 degrees")
        if not (math.isfinite(self.lon_deg) and -180.0 <= self.lon_deg <= 360.0):
            raise ValueError(f"longitude {self.lon_deg!r} is not between -180 and 360 degrees")
        if not (math.isfinite(self.alt_m) and -500.0 <= self.alt_m <= 10_000.0):
            raise ValueError(f"altitude {self.alt_m!r} m is not between -500 and 10000 m")

    def ecef_km(self) -> np.ndarray:
        """The Earth-fixed position (km)."""
        return geodetic_to_ecef(self.lat_deg, self.lon_deg, self.alt_m / 1000.0)

    def enu(self) -> np.ndarray:
        """Rows: east, north and up (the ellipsoid normal) unit vectors in ECEF."""
        return enu_axes(self.lat_deg, self.lon_deg)


def _julian(start: datetime) -> tuple[float, float]:
    """``start`` as SGP4's Julian date pair (:func:`tle.geometry.julian`)."""
    jd, fr = julian(np.datetime64(utc(start).replace(tzinfo=None), "us"))
    return float(jd), float(fr)


def utc_earth_angle(start: datetime) -> EarthAngle:
    """GMST at seconds from ``start``, taking UT1 = UTC (within 0.9 s; callers with UT1 pass theirs)."""
    jd0, fr0 = _julian(start)
    return lambda seconds: gmst1982(np.full(np.shape(seconds), jd0), fr0 + np.asarray(seconds) / 86400.0)


@dataclass(frozen=True)
class Events:
    """Rises, culminations (at or above ``min_el``) and sets strictly inside the window, sorted
    by satellite and time, as Skyfield's ``find_events`` reports them."""

    sat: np.ndarray
    t_s: np.ndarray
    kind: np.ndarray
    el_deg: np.ndarray


@dataclass(frozen=True)
class Passes:
    """One entry per pass (arrays of equal length, sorted by AOS), ``sat`` indexing the satrecs."""

    sat: np.ndarray
    aos_s: np.ndarray
    aos_az_deg: np.ndarray
    tca_s: np.ndarray
    tca_el_deg: np.ndarray
    tca_az_deg: np.ndarray
    tca_range_km: np.ndarray
    los_s: np.ndarray
    los_az_deg: np.ndarray
    starts_at_window: np.ndarray  #: already up at the start: AOS is the window's start
    ends_at_window: np.ndarray  #: still up at the end: LOS is the window's end
    sunlit_at_tca: np.ndarray
    sun_alt_deg: np.ndarray  #: the observer's Sun altitude at TCA
    visible: np.ndarray
    events: Events
    failed: dict[int, int] = field(default_factory=dict)  #: satrec index -> SGP4 error code, or ERRATIC

    def __len__(self) -> int:
        return len(self.sat)


def _gravity(r: np.ndarray) -> np.ndarray:
    """Two-body + J2 acceleration (km/s^2) at TEME positions ``r`` (..., 3)."""
    rr = np.einsum("...k,...k->...", r, r)
    rn = np.sqrt(rr)
    z2 = r[..., 2] ** 2 / rr
    k = 1.5 * _J2 * _RE**2 / rr
    base = -_MU / (rr * rn)
    out = np.empty_like(r)
    out[..., 0] = base * r[..., 0] * (1.0 + k * (1.0 - 5.0 * z2))
    out[..., 1] = base * r[..., 1] * (1.0 + k * (1.0 - 5.0 * z2))
    out[..., 2] = base * r[..., 2] * (1.0 + k * (3.0 - 5.0 * z2))
    return out


class _Look:
    """Sine of elevation and the sign of its rate, for Earth-fixed states seen from ``site``."""

    def __init__(self, site: Site):
        self.origin = site.ecef_km()
        self.axes = site.enu()
        self.east, self.north, self.up = self.axes

    def sin_el(self, re: np.ndarray) -> np.ndarray:
        rho = re - self.origin
        return (rho @ self.up) / np.sqrt(np.einsum("...k,...k->...", rho, rho))

    def rate_sign(self, re: np.ndarray, ve: np.ndarray) -> np.ndarray:
        """``d(sin el)/dt * |rho|**3``: same sign as the elevation rate."""
        rho = re - self.origin
        rr = np.einsum("...k,...k->...", rho, rho)
        return (ve @ self.up) * rr - (rho @ self.up) * np.einsum("...k,...k->...", rho, ve)

    def angles(self, re: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Azimuth (0-360, from north through east) and elevation in degrees, range in km."""
        return horizon(re - self.origin, self.axes)


def look_angles(
    satrecs: Sequence, at: datetime, site: Site, earth_angle: float | None = None
) -> tuple[np.ndarray, ...]:
    """Azimuth, elevation (degrees), range (km) and range rate (km/s, positive receding) of each
    satellite from ``site`` at ``at``; NaN where SGP4 fails."""
    from sgp4.api import SatrecArray

    if not satrecs:
        return tuple(np.empty(0) for _ in range(4))
    jd, fr = _julian(at)
    err, r, v = SatrecArray(list(satrecs)).sgp4(np.array([jd]), np.array([fr]))
    theta = utc_earth_angle(at)(np.zeros(1))[0] if earth_angle is None else earth_angle
    re, ve = teme_to_ecef_state(r[:, 0], v[:, 0], np.asarray(theta))
    look = _Look(site)
    az, el, rng = look.angles(re)
    rate = np.einsum("nk,nk->n", re - look.origin, ve) / rng
    bad = err[:, 0] != 0
    return tuple(np.where(bad, np.nan, x) for x in (az, el, rng, rate))


class _Chunk:
    """SGP4 states of every satellite at a run of grid instants."""

    def __init__(self, r: np.ndarray, v: np.ndarray, t: np.ndarray, theta: np.ndarray, look: _Look, index: np.ndarray):
        self.index = index  # the satellites (indices of the satrecs) of the rows
        self.r, self.v = r, v
        self.t, self.theta = t, np.unwrap(theta)
        self.re, self.ve = teme_to_ecef_state(r, v, self.theta[None, :])
        self.s = look.sin_el(self.re)
        self.ds = look.rate_sign(self.re, self.ve)
        self.look = look

    def segments(self, n: np.ndarray, k: np.ndarray) -> _Segments:
        """The interpolants of satellites ``n`` over intervals ``k`` (from sample k to k+1)."""
        return _Segments(self, n, k)

    def reach_km(self) -> np.ndarray:
        """(n, c-1): how far each satellite can get from the nearer end of each interval,
        half the interval at 1.5 times the larger end speed (speed changes by far less
        than half over a coarse step, even at a low perigee)."""
        speed = np.sqrt(np.einsum("nck,nck->nc", self.ve, self.ve))
        return 0.75 * np.maximum(speed[:, :-1], speed[:, 1:]) * np.diff(self.t)[None, :]

    def miss_km(self, target_deg: float) -> np.ndarray:
        """(n, c): distance of each sample from the cone of elevations >= ``target_deg`` (0 inside)."""
        rho = self.re - self.look.origin
        rng = np.sqrt(np.einsum("nck,nck->nc", rho, rho))
        below = np.radians(target_deg) - np.arcsin(np.clip(self.s, -1.0, 1.0))
        return np.where(below <= 0, 0.0, np.where(below >= np.pi / 2, rng, rng * np.sin(np.minimum(below, np.pi / 2))))


def _hermite_matrix(order: int) -> np.ndarray:
    """The (2m, 2m) matrix taking the values and first m-1 derivatives (in the interval's own
    time, 0 to 1) at both ends to the coefficients of the Hermite polynomial of degree 2m-1."""
    size = 2 * order
    rows = []
    for at in (0.0, 1.0):
        for d in range(order):
            row = np.zeros(size)
            for power in range(d, size):
                row[power] = math.perm(power, d) * at ** (power - d)
            rows.append(row)
    return np.linalg.inv(np.array(rows))


#: Septic Hermite: position, velocity, acceleration and jerk at both ends.
_HERMITE = _hermite_matrix(4)
#: Seconds either side for the jerk (the acceleration's rate along the velocity).
_JERK_STEP_S = 1.0


def _jerk(r: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The rate of the gravitational acceleration along the motion (km/s^3)."""
    return (_gravity(r + v * _JERK_STEP_S) - _gravity(r - v * _JERK_STEP_S)) / (2.0 * _JERK_STEP_S)


class _Segments:
    """Septic Hermite interpolants of TEME position over some (satellite, interval) pairs, from
    SGP4 position and velocity and the gravitational acceleration (two-body + J2) and its rate
    at both ends."""

    def __init__(self, chunk: _Chunk, n: np.ndarray, k: np.ndarray):
        self.n, self.k, self.look = n, k, chunk.look
        self.sat = chunk.index[n]
        h = (chunk.t[k + 1] - chunk.t[k])[:, None]
        data = []
        for end in (k, k + 1):
            r, v = chunk.r[n, end], chunk.v[n, end]
            data += [r, v * h, _gravity(r) * h**2, _jerk(r, v) * h**3]
        self.c = np.einsum("ij,jnk->ink", _HERMITE, np.stack(data))
        self.h = h[:, 0]
        self.t0 = chunk.t[k]
        self.theta0 = chunk.theta[k]
        self.dtheta = chunk.theta[k + 1] - chunk.theta[k]

    def __len__(self) -> int:
        return len(self.n)

    def take(self, which: np.ndarray) -> _Segments:
        out = object.__new__(_Segments)
        out.n, out.k, out.look, out.c, out.h = self.n[which], self.k[which], self.look, self.c[:, which], self.h[which]
        out.sat = self.sat[which]
        out.t0, out.theta0, out.dtheta = self.t0[which], self.theta0[which], self.dtheta[which]
        return out

    def at(self, tau: np.ndarray, velocity: bool = True) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """Earth-fixed position and velocity (unless not wanted) at fractions ``tau`` of the
        intervals, and the instants."""
        x = tau[:, None]
        c = self.c
        theta = self.theta0 + tau * self.dtheta
        pos = c[-1]
        for coefficient in c[-2::-1]:
            pos = coefficient + x * pos
        if not velocity:
            return teme_to_ecef(pos, theta), None, self.t0 + tau * self.h
        vel = (len(c) - 1) * c[-1]
        for power in range(len(c) - 2, 0, -1):
            vel = power * c[power] + x * vel
        re, ve = teme_to_ecef_state(pos, vel / self.h[:, None], theta)
        return re, ve, self.t0 + tau * self.h

    def root(self, lo: np.ndarray, hi: np.ndarray, target: float | None,
             f_lo: np.ndarray | None = None, f_hi: np.ndarray | None = None) -> np.ndarray:
        """The instant (a fraction of the interval) in [lo, hi] where sin(el) crosses
        ``target`` (or, with None, where the elevation rate changes sign; ``f_lo``/``f_hi``: the
        values at the ends when known), by the Illinois variant of regula falsi, which keeps
        the bracket as bisection does but converges superlinearly: the root to well under a
        millisecond in at most :data:`_ROOT_STEPS` steps."""

        def value(tau: np.ndarray) -> np.ndarray:
            if target is not None:
                return self.look.sin_el(self.at(tau, False)[0]) - target
            re, ve, _ = self.at(tau)
            assert ve is not None
            return self.look.rate_sign(re, ve)

        a, b = lo.copy(), hi.copy()
        fa = value(a) if f_lo is None else f_lo
        fb = value(b) if f_hi is None else f_hi
        c = 0.5 * (a + b)
        for _ in range(_ROOT_STEPS):
            width = fb - fa
            step = np.where(width != 0, fb * (b - a) / np.where(width != 0, width, 1.0), b - 0.5 * (a + b))
            c = np.clip(b - step, np.minimum(a, b), np.maximum(a, b))
            fc = value(c)
            flip = np.sign(fc) != np.sign(fb)
            a, fa = np.where(flip, b, a), np.where(flip, fb, 0.5 * fa)
            b, fb = c, fc
            if not len(c) or np.max(np.abs(step)) < _ROOT_TOLERANCE:
                break
        return c


@dataclass
class _Found:
    """What the chunks found, gathered as lists of arrays."""

    sat: list = field(default_factory=list)
    t: list = field(default_factory=list)
    kind: list = field(default_factory=list)
    el: list = field(default_factory=list)
    az: list = field(default_factory=list)
    rng: list = field(default_factory=list)
    lit: list = field(default_factory=list)
    seen_sat: list = field(default_factory=list)  # visible instants
    seen_t: list = field(default_factory=list)

    def add(self, seg: _Segments, tau: np.ndarray, kind: int, sun: SunPosition | None) -> None:
        if not len(seg):
            return
        re, _, t = seg.at(tau, False)
        az, el, rng = seg.look.angles(re)
        self.sat.append(seg.sat)
        self.t.append(t)
        self.kind.append(np.full(len(seg), kind))
        self.el.append(el)
        self.az.append(az)
        self.rng.append(rng)
        self.lit.append(sunlit(re, sun(t)) if sun is not None else np.zeros(len(seg), bool))

    def cat(self, name: str, dtype=float) -> np.ndarray:
        parts = getattr(self, name)
        return np.concatenate(parts) if parts else np.empty(0, dtype)


def find_passes(
    satrecs: Sequence,
    site: Site,
    start: datetime,
    hours: float,
    min_el_deg: float = 10.0,
    *,
    earth_angle: EarthAngle | None = None,
    sun_ecef_km: SunPosition | None = None,
    step_s: float = COARSE_STEP_S,
    chunk_steps: int | None = None,
) -> Passes:
    """Every pass of ``satrecs`` over ``site`` in ``[start, start + hours]`` reaching ``min_el_deg``.

    ``earth_angle(seconds)`` gives GMST (radians) at seconds from ``start`` (default: UT1 = UTC);
    ``sun_ecef_km(seconds)`` the Sun's Earth-fixed position, shape (m, 3); without it nothing
    is sunlit and the Sun's altitude is NaN. ``chunk_steps``: grid steps per chunk of the
    orbital-plane test (default: 3, 30 minutes, for many satellites; up to 12 for a few, where
    the cost of a chunk outweighs what the test saves).
    """
    from operator import itemgetter

    from sgp4.api import SatrecArray

    if not hours > 0:
        raise ValueError(f"the window must be longer than zero hours, not {hours!r}")
    if not -90.0 <= min_el_deg < 90.0:
        raise ValueError(f"minimum elevation {min_el_deg!r} is not between -90 and 90 degrees")
    span = hours * 3600.0
    grid = np.append(np.arange(0.0, span, step_s), span)
    earth_angle = earth_angle or utc_earth_angle(start)
    theta = np.unwrap(earth_angle(grid))
    sun_grid = None if sun_ecef_km is None else np.asarray(sun_ecef_km(grid), float).reshape(len(grid), 3)
    sun = None if sun_grid is None else _interpolator(grid, sun_grid)
    look = _Look(site)
    target = math.sin(math.radians(min_el_deg))
    satrecs = list(satrecs)
    count = len(satrecs)
    jd0, fr0 = _julian(start)
    found = _Found()
    if chunk_steps is None:  # short chunks pay for the orbital-plane test with many satellites
        chunk_steps = max(3, min(12, 5_000 // max(count, 1)))
    if not count:
        return _assemble(found, 0, target, span, look, None, None, sun, np.empty(0, np.int64), np.zeros(0, np.int64))
    # Every satellite at the chunks' ends; inside a chunk, only those whose orbital plane comes
    # near enough to the observer for it to rise above min_el (see _in_reach).
    ends = np.append(np.arange(0, len(grid) - 1, chunk_steps), len(grid) - 1)
    err, r_end, v_end = SatrecArray(satrecs).sgp4(np.full(len(ends), jd0), fr0 + grid[ends] / 86400.0)
    failed = np.where((err != 0).any(axis=1), err.max(axis=1), 0).astype(np.int64)
    reach = _in_reach(satrecs, r_end, v_end, theta[ends], grid[ends], look, min_el_deg)
    for j, (begin, stop) in enumerate(zip(ends[:-1], ends[1:], strict=True)):
        index = np.flatnonzero(reach[:, j] & (failed == 0))
        if not len(index):
            continue
        t = grid[begin : stop + 1]
        picked = itemgetter(*index)(satrecs) if len(index) > 1 else (satrecs[index[0]],)
        r = np.empty((len(index), len(t), 3))
        v = np.empty_like(r)
        r[:, 0], v[:, 0], r[:, -1], v[:, -1] = r_end[index, j], v_end[index, j], r_end[index, j + 1], v_end[index, j + 1]
        if len(t) > 2:
            e, r[:, 1:-1], v[:, 1:-1] = SatrecArray(list(picked)).sgp4(np.full(len(t) - 2, jd0), fr0 + t[1:-1] / 86400.0)
            bad = (e != 0).any(axis=1)
            failed[index[bad]] = e[bad].max(axis=1)
        chunk = _Chunk(r, v, t, theta[begin : stop + 1], look, index)
        dark = None if sun_grid is None else _dark(look, sun_grid[begin : stop + 1], t)
        _scan(chunk, min_el_deg, target, found, sun, dark)
    first, last = teme_to_ecef(r_end[:, 0], theta[0]), teme_to_ecef(r_end[:, -1], theta[-1])
    dead = np.flatnonzero(failed)
    return _assemble(found, count, target, span, look, first, last, sun, dead, failed)


#: Margin (degrees) of the orbital-plane test of :func:`_in_reach`: the osculating plane's
#: wobble and nodal drift over a chunk (under 0.3 degree), and the difference between the
#: ellipsoid's normal and the geocentric direction (under 0.2 degree), with room to spare.
_PLANE_MARGIN_DEG = 1.5
#: The test along the plane is left out where the reach is this wide (high orbits): the
#: observer's angle along the plane moves fast when it is far from the plane.
_ALONG_TEST_MAX_DEG = 60.0


def _in_reach(satrecs: list, r: np.ndarray, v: np.ndarray, theta: np.ndarray, t: np.ndarray, look: _Look,
              min_el_deg: float) -> np.ndarray:
    """(n, chunks): whether satellite n may rise above ``min_el_deg`` in each chunk.

    A satellite stays in its orbital plane, so its angle from the observer, seen from the
    Earth's centre, is at least the observer's angle ``d`` from that plane; it is above
    ``min_el`` only within the angle ``arccos(R cos(min_el) / r) - min_el`` (R the observer's
    geocentric distance, r the satellite's, at most its apogee). The Earth turns the observer by
    at most ``w * T`` in a chunk of length T, so a chunk whose ends have the observer at ``d0``
    and ``d1`` from the plane keeps it at least ``(d0 + d1 - w T) / 2`` away throughout. The
    same holds along the plane: the satellite must come within the reach of the observer's
    place projected on its plane, which moves little in a chunk. Low orbits are out of reach
    most of the day (four chunks in five): most of the SGP4 work inside the chunks and most
    refinements are saved. Rows SGP4 failed on (NaN) are never in reach.
    """
    normal = np.stack([r[..., 1] * v[..., 2] - r[..., 2] * v[..., 1], r[..., 2] * v[..., 0] - r[..., 0] * v[..., 2],
                       r[..., 0] * v[..., 1] - r[..., 1] * v[..., 0]], axis=-1)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    site = teme_to_ecef(np.broadcast_to(look.origin, (len(theta), 3)), -theta)  # the observer in TEME
    radius = float(np.linalg.norm(look.origin))
    off_plane = np.degrees(np.arcsin(np.clip(np.abs(np.einsum("nmk,mk->nm", normal, site)) / radius, 0.0, 1.0)))
    apogee = np.array([sat.a * (1.0 + sat.ecco) for sat in satrecs]) * _RE + 50.0
    h = math.radians(min_el_deg)
    reach = np.degrees(np.arccos(np.clip(radius * math.cos(h) / apogee, -1.0, 1.0)) - h)
    turn = np.degrees(EARTH_RATE_RAD_S * np.diff(t))
    nearest = (off_plane[:, :-1] + off_plane[:, 1:] - turn[None, :]) / 2.0
    near_plane = nearest <= reach[:, None] + _PLANE_MARGIN_DEG
    # Along the plane: the satellite sweeps the angle u1 from its place at the chunk's start,
    # and is within reach only while that angle is within ``reach`` of the observer's own angle
    # along the plane, phi, which the Earth's turn moves by at most w T / cos(d) (d: the
    # observer's angle from the plane, at most reach + w T whenever a pass is possible at all).
    x = r[:, :-1] / np.linalg.norm(r[:, :-1], axis=-1, keepdims=True)
    n0 = normal[:, :-1]
    y = np.stack([n0[..., 1] * x[..., 2] - n0[..., 2] * x[..., 1], n0[..., 2] * x[..., 0] - n0[..., 0] * x[..., 2],
                  n0[..., 0] * x[..., 1] - n0[..., 1] * x[..., 0]], axis=-1)
    swept = np.degrees(np.arctan2(np.einsum("nmk,nmk->nm", r[:, 1:], y), np.einsum("nmk,nmk->nm", r[:, 1:], x))) % 360.0
    phi = np.degrees(np.arctan2(np.einsum("nmk,mk->nm", y, site[:-1]), np.einsum("nmk,mk->nm", x, site[:-1])))
    tilt = np.minimum(reach[:, None] + turn[None, :] + _PLANE_MARGIN_DEG, 89.0)
    drift = turn[None, :] / np.cos(np.radians(tilt))
    width = reach[:, None] + drift + _PLANE_MARGIN_DEG
    # The angle swept is known only modulo a turn: the test is left out where a chunk may hold
    # more than two thirds of a revolution (long chunks, eccentric orbits).
    mean_sweep = np.degrees(np.array([sat.no_kozai for sat in satrecs]))[:, None] * np.diff(t)[None, :] / 60.0
    eccentric = np.array([sat.ecco for sat in satrecs])[:, None] > 0.1
    along = ((phi + width) % 360.0 <= swept + 2.0 * width) | (tilt >= _ALONG_TEST_MAX_DEG) | (mean_sweep > 240.0) | eccentric
    return near_plane & along


def _interpolator(grid: np.ndarray, values: np.ndarray) -> SunPosition:
    """Linear interpolation of (m, 3) ``values`` given at ``grid`` seconds (evenly spaced but
    for the last step)."""
    values = np.asarray(values, float).reshape(len(grid), 3)
    step = grid[1] - grid[0] if len(grid) > 1 else 1.0

    def at(t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, float)
        k = np.clip((t // step).astype(np.int64), 0, max(len(grid) - 2, 0))
        frac = ((t - grid[k]) / (grid[k + 1] - grid[k]))[..., None]
        return values[k] * (1.0 - frac) + values[k + 1] * frac

    return at


def _scan(chunk: _Chunk, min_el: float, target: float, found: _Found, sun: SunPosition | None, dark) -> None:
    """Find the extrema and crossings of one chunk's intervals and the visible instants."""
    s0, s1 = chunk.s[:, :-1], chunk.s[:, 1:]
    d0, d1 = chunk.ds[:, :-1], chunk.ds[:, 1:]
    up0, up1 = s0 >= target, s1 >= target
    # Maxima that may reach min_el: within reach of the cone above min_el from either end.
    miss = chunk.miss_km(min_el)
    near = np.minimum(miss[:, :-1], miss[:, 1:]) <= chunk.reach_km()
    peaks = chunk.segments(*np.nonzero((d0 > 0) & (d1 <= 0) & near))
    tau_max = peaks.root(np.zeros(len(peaks)), np.ones(len(peaks)), None, d0[peaks.n, peaks.k], d1[peaks.n, peaks.k])
    re, _, _ = peaks.at(tau_max, False)
    high = peaks.look.sin_el(re) >= target
    peaks, tau_max = peaks.take(high), tau_max[high]
    found.add(peaks, tau_max, CULMINATE, sun)
    # A pass entirely between two samples below min_el: a rise before its maximum, a set after.
    twice = ~up0[peaks.n, peaks.k] & ~up1[peaks.n, peaks.k]
    # A dip below min_el between two samples above it: a set before the minimum, a rise after.
    dips = chunk.segments(*np.nonzero((d0 < 0) & (d1 >= 0) & up0 & up1))
    tau_min = dips.root(np.zeros(len(dips)), np.ones(len(dips)), None)
    re, _, _ = dips.at(tau_min, False)
    dip = dips.look.sin_el(re) < target
    # One crossing between samples on either side of min_el.
    cross = chunk.segments(*np.nonzero(up0 != up1))
    tau_c = cross.root(np.zeros(len(cross)), np.ones(len(cross)), target,
                       s0[cross.n, cross.k] - target, s1[cross.n, cross.k] - target)
    rising = up1[cross.n, cross.k]
    rises = [(cross.take(rising), tau_c[rising])]
    sets = [(cross.take(~rising), tau_c[~rising])]
    for seg, tau, before, after in ((peaks.take(twice), tau_max[twice], rises, sets),
                                    (dips.take(dip), tau_min[dip], sets, rises)):
        if len(seg):
            before.append((seg, seg.root(np.zeros(len(seg)), tau, target)))
            after.append((seg, seg.root(tau, np.ones(len(seg)), target)))
    for kind, parts in ((RISE, rises), (SET, sets)):
        for seg, tau in parts:
            found.add(seg, tau, kind, sun)
    if sun is not None and dark is not None and dark.any():
        _visibility(chunk, target, found, sun, dark, up0 | up1, peaks)


def _visibility(chunk: _Chunk, target: float, found: _Found, sun: SunPosition, dark, up, peaks: _Segments) -> None:
    """Record instants when satellites are up, sunlit and the observer's Sun is low enough.

    Intervals where the satellite is up at an end, sunlit at both and the Sun low at both are
    visible at that end. Intervals where the satellite is up somewhere, sunlit at one end only
    (so sunlight begins or ends inside) and the Sun may be low are sampled. One sunlit at
    neither end is in shadow throughout: a sunlit spell between two shadows lasts about half a
    revolution, far longer than a coarse step.
    """
    sun_c = sun(chunk.t)
    lit = sunlit(chunk.re, sun_c[None, :, :])
    low = _sun_altitude(chunk.look, sun_c) < DARK_SUN_DEG
    somewhere = up.copy()
    somewhere[peaks.n, peaks.k] = True
    somewhere &= dark[None, :]
    lit0, lit1 = lit[:, :-1], lit[:, 1:]
    easy = somewhere & up & lit0 & lit1 & (low[:-1] & low[1:])[None, :]
    n, k = np.nonzero(easy)
    found.seen_sat.append(chunk.index[n])
    found.seen_t.append(np.where(chunk.s[n, k] >= target, chunk.t[k], chunk.t[k + 1]))
    _visible_instants(chunk.segments(*np.nonzero(somewhere & ~easy & (lit0 | lit1))), target, found, sun)


def _dark(look: _Look, sun: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Per interval between grid instants: whether the observer's Sun may be below
    :data:`DARK_SUN_DEG` in it (the Sun's altitude changes by at most 0.25 degree a minute)."""
    alt = _sun_altitude(look, sun)
    return np.minimum(alt[:-1], alt[1:]) < DARK_SUN_DEG + 0.25 * np.diff(t) / 60.0


def _visible_instants(seg: _Segments, target: float, found: _Found, sun: SunPosition) -> None:
    """Instants, ``VISIBILITY_SAMPLES + 1`` per interval in which the satellite is up somewhere,
    where it is up, sunlit and the observer's Sun below :data:`DARK_SUN_DEG`."""
    if not len(seg):
        return
    # The first instant of each interval where the satellite is visible, if any: one pass of
    # every interval per sample instant (no copy of the interpolants per sample).
    first = np.full(len(seg), np.nan)
    for step in np.linspace(1.0, 0.0, VISIBILITY_SAMPLES + 1):
        re, _, t = seg.at(np.full(len(seg), step), False)
        sun_at = sun(t)
        seen = (_sun_altitude(seg.look, sun_at) < DARK_SUN_DEG) & (seg.look.sin_el(re) >= target)
        seen[seen] = sunlit(re[seen], sun_at[seen])
        first[seen] = t[seen]
    seen = np.isfinite(first)
    found.seen_sat.append(seg.sat[seen])
    found.seen_t.append(first[seen])


def _sun_altitude(look: _Look, sun: np.ndarray) -> np.ndarray:
    return np.degrees(np.arcsin(look.sin_el(sun)))


def _erratic(sat: np.ndarray, t: np.ndarray, kind: np.ndarray, first: tuple, last: tuple) -> np.ndarray:
    """Satellites whose rises and sets do not alternate (a rise first, one up at the start
    counting as risen, one up at the end as setting there): elements propagated far from their
    epoch can give orbits that SGP4 computes but no satellite flies, whose elevation turns
    faster than the grid follows. They are reported (:data:`ERRATIC`), never passed."""
    cross = kind != CULMINATE
    seq_sat = np.concatenate([first[0], sat[cross], last[0]])
    if not len(seq_sat):
        return np.empty(0, np.int64)
    seq_t = np.concatenate([first[1], t[cross], last[1]])
    seq_kind = np.concatenate([np.full(len(first[0]), RISE), kind[cross], np.full(len(last[0]), SET)])
    order = np.lexsort((seq_t, seq_sat))
    seq_sat, seq_kind = seq_sat[order], seq_kind[order]
    starts = np.flatnonzero(np.concatenate([[True], seq_sat[1:] != seq_sat[:-1]]))
    sizes = np.diff(np.append(starts, len(seq_sat)))
    position = np.arange(len(seq_sat)) - np.repeat(starts, sizes)
    wrong = seq_kind != np.where(position % 2 == 0, RISE, SET)
    return np.union1d(seq_sat[wrong], seq_sat[starts][sizes % 2 == 1]).astype(np.int64)


def _assemble(found: _Found, count: int, target: float, span: float, look: _Look, first, last, sun, dead, failed) -> Passes:
    """Pair rises and sets into passes, give each its highest culmination and its visibility."""
    sat, t, kind = found.cat("sat", np.int64).astype(np.int64), found.cat("t"), found.cat("kind", np.int64).astype(np.int64)
    el, az, rng, lit = found.cat("el"), found.cat("az"), found.cat("rng"), found.cat("lit", bool).astype(bool)
    keep = ~np.isin(sat, dead) & (t > 0) & (t < span)
    sat, t, kind, el, az, rng, lit = (x[keep] for x in (sat, t, kind, el, az, rng, lit))
    order = np.lexsort((t, sat))
    sat, t, kind, el, az, rng, lit = (x[order] for x in (sat, t, kind, el, az, rng, lit))

    alive = np.ones(count, bool)
    alive[dead] = False
    ends: dict[str, tuple[np.ndarray, ...]] = {}
    for name, where, at in (("first", first, 0.0), ("last", last, span)):
        if where is None:
            ends[name] = (np.empty(0, np.int64), np.empty(0), np.empty(0), np.empty(0), np.empty(0), np.empty(0, bool))
            continue
        az_e, el_e, rng_e = look.angles(where)
        up = alive & (np.nan_to_num(look.sin_el(where), nan=-1.0) >= target)
        lit_e = sunlit(where, sun(np.full(count, at))) if sun is not None else np.zeros(count, bool)
        idx = np.flatnonzero(up)
        ends[name] = (idx, np.full(len(idx), at), az_e[idx], el_e[idx], rng_e[idx], lit_e[idx])
    erratic = _erratic(sat, t, kind, ends["first"], ends["last"])
    if len(erratic):
        failed = failed.copy()
        failed[erratic] = ERRATIC
        dead = np.union1d(dead, erratic)
        keep = ~np.isin(sat, erratic)
        sat, t, kind, el, az, rng, lit = (x[keep] for x in (sat, t, kind, el, az, rng, lit))
        for name in ends:
            keep = ~np.isin(ends[name][0], erratic)
            ends[name] = tuple(x[keep] for x in ends[name])
    events = Events(sat, t, kind, el)
    rises = kind == RISE
    sets = kind == SET
    r_sat = np.concatenate([ends["first"][0], sat[rises]])
    r_t = np.concatenate([ends["first"][1], t[rises]])
    r_az = np.concatenate([ends["first"][2], az[rises]])
    s_sat = np.concatenate([sat[sets], ends["last"][0]])
    s_t = np.concatenate([t[sets], ends["last"][1]])
    s_az = np.concatenate([az[sets], ends["last"][2]])
    ro, so = np.lexsort((r_t, r_sat)), np.lexsort((s_t, s_sat))
    r_sat, r_t, r_az = r_sat[ro], r_t[ro], r_az[ro]
    s_sat, s_t, s_az = s_sat[so], s_t[so], s_az[so]
    if len(r_sat) != len(s_sat) or (r_sat != s_sat).any() or (s_t < r_t).any():
        raise AssertionError("rises and sets do not pair up: the coarse step is too long for these orbits")
    scale = span + 10.0
    key = r_sat * scale + r_t
    npass = len(r_sat)
    # Culmination: the highest maximum inside the pass, else the higher end of a clipped pass.
    tca_t = np.where(r_t == 0.0, 0.0, span)
    tca_el = np.full(npass, -91.0)
    tca_az = np.full(npass, np.nan)
    tca_rng = np.full(npass, np.nan)
    tca_lit = np.zeros(npass, bool)
    for name, bound in (("first", 0.0), ("last", span)):
        e_sat, _, e_az, e_el, e_rng, e_lit = ends[name]
        p = np.searchsorted(key, e_sat * scale + bound, side="right") - 1
        better = e_el > tca_el[p]
        p, i = p[better], np.flatnonzero(better)
        tca_t[p], tca_el[p], tca_az[p], tca_rng[p], tca_lit[p] = bound, e_el[i], e_az[i], e_rng[i], e_lit[i]
    culm = np.flatnonzero(kind == CULMINATE)
    if len(culm):
        p = np.searchsorted(key, sat[culm] * scale + t[culm], side="right") - 1
        by_height = np.lexsort((-el[culm], p))
        p, c = p[by_height], culm[by_height]
        head = np.concatenate([[True], p[1:] != p[:-1]])
        p, c = p[head], c[head]
        tca_t[p], tca_el[p], tca_az[p], tca_rng[p], tca_lit[p] = t[c], el[c], az[c], rng[c], lit[c]
    visible = np.zeros(npass, bool)
    if sun is not None:  # instants of the events themselves (rise, culmination, set, window ends)
        ev_sat = np.concatenate([sat, ends["first"][0], ends["last"][0]])
        ev_t = np.concatenate([t, ends["first"][1], ends["last"][1]])
        ev_lit = np.concatenate([lit, ends["first"][5], ends["last"][5]])
        seen = ev_lit & (_sun_altitude(look, sun(ev_t)) < DARK_SUN_DEG)
        found.seen_sat.append(ev_sat[seen])
        found.seen_t.append(ev_t[seen])
    if found.seen_sat:
        vs, vt = np.concatenate(found.seen_sat), np.concatenate(found.seen_t)
        p = np.searchsorted(key, vs * scale + vt, side="right") - 1
        inside = (p >= 0) & (r_sat[np.maximum(p, 0)] == vs) & (vt <= s_t[np.maximum(p, 0)] + 1e-6)
        visible[p[inside]] = True
    sun_alt = _sun_altitude(look, sun(tca_t)) if sun is not None and npass else np.full(npass, np.nan)
    order = np.lexsort((r_sat, r_t))
    return Passes(
        sat=r_sat[order], aos_s=r_t[order], aos_az_deg=r_az[order], tca_s=tca_t[order], tca_el_deg=tca_el[order],
        tca_az_deg=tca_az[order], tca_range_km=tca_rng[order], los_s=s_t[order], los_az_deg=s_az[order],
        starts_at_window=(r_t == 0.0)[order], ends_at_window=(s_t == span)[order], sunlit_at_tca=tca_lit[order],
        sun_alt_deg=sun_alt[order], visible=visible[order], events=events,
        failed={int(i): int(failed[i]) for i in dead},
    )
