"""The element set: one published SGP4 state of one object at one epoch.

Every format this package reads (TLE/2LE/3LE text, CelesTrak OMM CSV/JSON/XML) is decoded into
the same :class:`ElementSet`, so that storage and propagation never care where a record came from.

The numbers are SGP4 *mean* elements (Kozai mean motion, TEME frame). They are not osculating
Keplerian elements and must only ever be fed back into SGP4, never into a two-body propagator.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sgp4.api import Satrec

#: SGP4 accepts catalog numbers only up to 339999 (the largest Alpha-5 number). Objects with larger
#: numbers (OMM allows nine digits) are propagated under this placeholder; the real number is kept.
SGP4_MAX_SATNUM = 339_999

#: SGP4's epoch origin: 1949 December 31 00:00 UT, expressed as a Julian date.
_SGP4_EPOCH0_JD = 2433281.5
#: Julian date of 1970-01-01 00:00 UTC (here, not in tle.geometry, which would bring numpy in).
UNIX_EPOCH_JD = 2440587.5
_MINUTES_PER_DAY = 1440.0
_XPDOTP = _MINUTES_PER_DAY / (2.0 * math.pi)  # rev/day -> rad/min conversion factor

#: A normalised international designator, ``2024-240A``: launch year, launch number, piece.
COSPAR_PATTERN = r"^(\d{4})-(\d{3})([A-Z]{0,3})$"
_COSPAR = re.compile(COSPAR_PATTERN)


@dataclass(frozen=True, slots=True)
class ElementSet:
    """One element set, as published, with the place it was read from."""

    norad: int
    name: str | None
    cospar: str | None  #: international designator, normalised to ``2024-240A``
    epoch: datetime  #: UTC, timezone-aware
    mean_motion: float  #: rev/day (Kozai mean motion, as SGP4 wants it)
    eccentricity: float
    inclination_deg: float
    raan_deg: float
    arg_perigee_deg: float
    mean_anomaly_deg: float
    bstar: float  #: 1/earth radii
    mean_motion_dot: float  #: rev/day^2 (first derivative / 2, as published)
    mean_motion_ddot: float  #: rev/day^3 (second derivative / 6, as published)
    element_set_no: int = 999
    rev_at_epoch: int = 0
    classification: str = "U"
    ephemeris_type: int = 0
    source: str = ""  #: "file:line" or URL the record came from

    @property
    def launch(self) -> str | None:
        """The launch designator (``2024-240``) shared by every object of one launch."""
        return launch_designator(self.cospar)

    @property
    def epoch_jd(self) -> float:
        """Epoch as a UTC Julian date."""
        return self.epoch.timestamp() / 86400.0 + UNIX_EPOCH_JD


def launch_designator(cospar: str | None) -> str | None:
    """``2024-240A`` -> ``2024-240``; None when the id is missing or not a COSPAR id."""
    if not cospar:
        return None
    match = _COSPAR.match(cospar)
    return f"{match[1]}-{match[2]}" if match else None


def normalise_cospar(text: str | None) -> str | None:
    """Accept ``2024-240A``, ``24240A`` (TLE columns 10-17) or blanks; return ``2024-240A``.

    Two-digit years follow the TLE convention: 57-99 are 19xx, 00-56 are 20xx.
    """
    if text is None:
        return None
    text = text.strip().upper()
    if not text:
        return None
    if _COSPAR.match(text):
        return text
    short = re.match(r"^(\d{2})(\d{3})([A-Z]{0,3})$", text)
    if not short:
        return None
    yy = int(short[1])
    year = 1900 + yy if yy >= 57 else 2000 + yy
    return f"{year}-{short[2]}{short[3]}"


def to_satrec(es: ElementSet) -> Satrec:
    """Build an initialised ``sgp4.api.Satrec`` (WGS72, improved mode, as CelesTrak intends).

    Catalog numbers above :data:`SGP4_MAX_SATNUM` are replaced by 0 for SGP4 only: the number
    plays no part in the physics, and the caller keeps the real one.
    """
    from sgp4.api import WGS72, Satrec

    sat = Satrec()
    sat.sgp4init(
        WGS72,
        "i",
        es.norad if es.norad <= SGP4_MAX_SATNUM else 0,
        es.epoch_jd - _SGP4_EPOCH0_JD,
        es.bstar,
        es.mean_motion_dot / (_XPDOTP * _MINUTES_PER_DAY),
        es.mean_motion_ddot / (_XPDOTP * _MINUTES_PER_DAY * _MINUTES_PER_DAY),
        es.eccentricity,
        math.radians(es.arg_perigee_deg),
        math.radians(es.inclination_deg),
        math.radians(es.mean_anomaly_deg),
        es.mean_motion / _XPDOTP,
        math.radians(es.raan_deg),
    )
    return sat


def utc(dt: datetime) -> datetime:
    """Return ``dt`` as an aware UTC datetime (naive input is taken to be UTC already)."""
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
