"""Where satellites are: SGP4 for many satellites at many times, without Python loops.

The chain, for every (satellite, time) pair at once:

1. ``sgp4.api.SatrecArray`` gives position and velocity in TEME (True Equator, Mean Equinox),
   SGP4's own quasi-inertial frame, from UTC Julian dates.
2. TEME differs from the Earth-fixed ITRS frame by one rotation about the pole through the
   Greenwich Mean Sidereal Time of 1982 (evaluated in UT1, not UTC: the ~0.1 s difference is
   ~50 m at the equator). Skyfield's own TEME -> GCRS -> ITRS path reduces to exactly this
   rotation (polar motion ignored, as in Skyfield's default), so results agree to centimetres.
3. Earth-fixed Cartesian coordinates become WGS84 geodetic latitude, longitude and height with
   Heikkinen's closed-form solution (exact, no iteration).

Sunlight uses the JPL DE421 ephemeris shipped by ``skyfield-data`` (no download) and the same
geometry as Skyfield's ``is_sunlit``: a satellite is in shadow when the straight line to the Sun
passes through a spherical Earth.

The geometry itself (Julian dates, the TEME rotation, the WGS84 conversions, the shadow test) is
:mod:`tle.geometry`, shared with the pass search; this module brings UT1 and the Sun to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from typing import Callable, Iterator, Sequence, TypeVar

import numpy as np

from tle.elements import utc
from tle.geometry import ecef_to_geodetic, julian, teme_to_ecef

__all__ = ["SUN_SPAN", "Fleet", "Geodetic", "Times", "check_sun_span", "ephemeris", "sun_ecef_km", "timescale"]

T = TypeVar("T")

#: The instants DE421 covers (start inclusive, end exclusive): the Sun's position, hence sunlight
#: and local times of the node, is known only between them.
SUN_SPAN = (datetime(1899, 7, 29, tzinfo=timezone.utc), datetime(2053, 10, 9, tzinfo=timezone.utc))


def check_sun_span(first: datetime, last: datetime, option: str) -> None:
    """Refuse (:class:`~tracker.errors.UsageError` naming ``option``) instants from ``first`` to
    ``last`` outside :data:`SUN_SPAN`: sunlight there cannot be computed."""
    from tracker.errors import UsageError

    if not (SUN_SPAN[0] <= first and last < SUN_SPAN[1]):
        raise UsageError(f"{option} {first:%Y-%m-%d}: sunlight needs the Sun's position, known (JPL DE421) "
                         f"only from {SUN_SPAN[0]:%Y-%m-%d} to {SUN_SPAN[1]:%Y-%m-%d}")


@cache
def timescale():
    """Skyfield's timescale from its built-in IERS tables (UT1 and leap seconds; no download)."""
    from skyfield.api import load

    return load.timescale(builtin=True)


@cache
def ephemeris():
    """DE421 from the ``skyfield-data`` package.

    The file is opened by path rather than through ``skyfield_data.get_skyfield_data_path()``:
    that helper also checks the package's bundled Earth-orientation file and warns when it has
    expired, but Skyfield's built-in timescale (see :func:`timescale`) is used instead, so the
    warning would be about a file this program never reads.
    """
    from importlib.resources import files

    from skyfield.api import load_file

    return load_file(str(files("skyfield_data") / "data" / "de421.bsp"))


@dataclass(frozen=True)
class Times:
    """UTC instants as SGP4 wants them (Julian date split in two) and as Skyfield wants them."""

    utc: np.ndarray  #: datetime64[us]
    jd: np.ndarray
    fr: np.ndarray

    @classmethod
    def of(cls, instants: Sequence[datetime] | np.ndarray) -> "Times":
        """From datetimes (aware ones converted to UTC, naive ones taken as UTC) or datetime64."""
        if not isinstance(instants, np.ndarray):
            instants = [utc(t).replace(tzinfo=None) for t in instants]
        stamps = np.atleast_1d(np.asarray(instants, dtype="datetime64[us]"))
        return cls(stamps, *julian(stamps))

    @classmethod
    def span(cls, start: datetime, step_s: float, count: int) -> "Times":
        start64 = np.datetime64(utc(start).replace(tzinfo=None), "us")
        steps = (np.arange(count) * step_s * 1e6).astype("timedelta64[us]")
        return cls.of(start64 + steps)

    def __len__(self) -> int:
        return len(self.utc)

    def __getitem__(self, index: slice) -> "Times":
        return Times(self.utc[index], self.jd[index], self.fr[index])

    def skyfield(self):
        """The same instants as a Skyfield ``Time`` (vectorised)."""
        # Calendar fields per instant, so each gets the leap-second count of its own day.
        day = self.utc.astype("datetime64[D]")
        month = self.utc.astype("datetime64[M]")
        year = self.utc.astype("datetime64[Y]").astype(np.int64) + 1970
        seconds = (self.utc - day).astype(np.int64) / 1e6
        return timescale().utc(
            year, month.astype(np.int64) % 12 + 1, (day - month).astype(np.int64) + 1, 0, 0, seconds
        )

    def gmst_rad(self) -> np.ndarray:
        """Greenwich Mean Sidereal Time (IAU 1982) in UT1, the angle that turns TEME into ITRS."""
        from skyfield.sgp4lib import theta_GMST1982

        t = self.skyfield()
        theta, _ = theta_GMST1982(t.whole, t.ut1_fraction)
        return np.atleast_1d(theta)


@dataclass(frozen=True)
class Geodetic:
    """Positions of ``n`` satellites at ``m`` times: arrays of shape (n, m); NaN where SGP4 failed."""

    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_km: np.ndarray
    speed_km_s: np.ndarray  #: speed relative to inertial space (TEME), as in "orbital speed"
    ecef_km: np.ndarray  #: (n, m, 3) Earth-fixed (ITRS) position


def sun_ecef_km(times: Times) -> np.ndarray:
    """Geocentric position of the Sun in ITRS, shape (m, 3), from DE421."""
    from skyfield.framelib import itrs

    eph = ephemeris()
    return (eph["sun"] - eph["earth"]).at(times.skyfield()).frame_xyz(itrs).km.T.reshape(-1, 3)


class Fleet:
    """Many satellites propagated together through one ``SatrecArray``."""

    def __init__(self, satrecs: list):
        from sgp4.api import SatrecArray

        self.satrecs = satrecs
        self.size = len(satrecs)
        self._array = SatrecArray(satrecs) if satrecs else None

    def geodetic(self, times: Times) -> Geodetic:
        """Latitude, longitude, altitude and speed of every satellite at every time."""
        if self._array is None:
            empty = np.empty((0, len(times)))
            return Geodetic(empty, empty, empty, empty, np.empty((0, len(times), 3)))
        err, r, v = self._array.sgp4(times.jd, times.fr)
        failed = err != 0
        r[failed] = np.nan
        v[failed] = np.nan
        ecef = teme_to_ecef(r, times.gmst_rad())
        lat, lon, alt = ecef_to_geodetic(ecef)
        speed = np.sqrt(np.einsum("nmk,nmk->nm", v, v))
        return Geodetic(lat, lon, alt, speed, ecef)

    def iter_geodetic(self, times: Times, chunk: int = 60) -> Iterator[tuple[Times, Geodetic]]:
        """The same, ``chunk`` time steps at a time, so a long span never sits in memory at once."""
        for start in range(0, len(times), chunk):
            part = times[start : start + chunk]
            yield part, self.geodetic(part)

    def map_chunks(self, times: Times, func: Callable[[Geodetic], T], *, chunk: int = 60, workers: int = 1) -> list[list[T]]:
        """Apply ``func`` to each chunk of :meth:`iter_geodetic`, splitting satellites over processes.

        Returns one list per satellite slice (in satellite order) of ``func``'s results per time
        chunk. ``func`` must be a module-level function (it crosses a process boundary) and
        should reduce what it gets: that is what keeps memory flat over long spans. SGP4 holds
        the GIL, so threads would not help; forked processes inherit the satellite records,
        which cannot be pickled.
        """
        global _FORKED
        if workers <= 1 or self.size < 2 * workers:
            return [[func(geo) for _, geo in self.iter_geodetic(times, chunk)]]
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        bounds = np.linspace(0, self.size, workers + 1).astype(int)
        _FORKED = self
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                jobs = [pool.submit(_map_slice, func, a, b, times, chunk) for a, b in zip(bounds, bounds[1:], strict=False)]
                return [job.result() for job in jobs]
        finally:
            _FORKED = None


_FORKED: Fleet | None = None  # the fleet a forked worker inherits


def _map_slice(func, start: int, stop: int, times: Times, chunk: int) -> list:
    part = Fleet(_FORKED.satrecs[start:stop])
    return [func(geo) for _, geo in part.iter_geodetic(times, chunk)]
