"""Orbit analytics from mean elements, as polars expressions over whole catalogues.

The geometry that matters for the questions users ask:

* **Size.** Kepler's third law gives the semi-major axis from the mean motion n:
  a = (mu / n^2)^(1/3), with mu = 398600.4418 km^3/s^2. "Mean altitude" is a - 6378.137 km (the
  equatorial radius); perigee and apogee altitudes are a(1 - e) and a(1 + e) less the same radius.
* **Nodal drift.** Earth's equatorial bulge (J2) turns the orbit plane about the pole at
  dOmega/dt = -3/2 n J2 (R/p)^2 cos i, with p = a(1 - e^2). An orbit is *sun-synchronous* when
  that drift matches the Sun's mean motion along the equator, 360 deg / 365.2422 d = 0.9856
  deg/day, so the plane keeps its angle to the Sun all year (here: within 2%).
* **Local time of the ascending node (LTAN).** The clock time under the ascending node:
  LTAN = 12 h + (RAAN - RA_sun) / 15 deg/h, with the Sun's apparent right ascension at the epoch.
  Dawn-dusk orbits (LTAN near 06:00 or 18:00) ride the terminator and stay almost always in
  sunlight: the orbit planned for Beijing's space data centre.
* **Beta angle.** The Sun's elevation above the orbit plane: sin(beta) = s . h for the unit Sun
  vector s and unit orbit normal h. With a spherical Earth and a cylindrical shadow, a circular
  orbit of radius r is eclipsed when |beta| < asin(R/r), for the fraction
  acos( sqrt(h^2 + 2Rh) / (r cos beta) ) / pi of each revolution.
"""

from __future__ import annotations

import math

import polars as pl

MU_KM3_S2 = 398600.4418
EARTH_RADIUS_KM = 6378.137
J2 = 1.08262668e-3
SUN_MEAN_MOTION_DEG_DAY = 360.0 / 365.2422
SSO_TOLERANCE = 0.02
_DEG = math.pi / 180.0

a_km = (MU_KM3_S2 / (pl.col("mean_motion") * 2.0 * math.pi / 86400.0) ** 2) ** (1.0 / 3.0)


def metrics(elements: pl.DataFrame) -> pl.DataFrame:
    """Add a_km, alt_km, perigee_km, apogee_km, period_min, raan_rate_deg_day and sso columns."""
    inc = pl.col("inclination_deg") * _DEG
    ecc = pl.col("eccentricity")
    n_rad_day = pl.col("mean_motion") * 2.0 * math.pi
    p = pl.col("a_km") * (1.0 - ecc**2)
    drift = -1.5 * n_rad_day * J2 * (EARTH_RADIUS_KM / p) ** 2 * inc.cos() / _DEG
    return (
        elements.with_columns(a_km.alias("a_km"))
        .with_columns(
            (pl.col("a_km") - EARTH_RADIUS_KM).alias("alt_km"),
            (pl.col("a_km") * (1.0 - ecc) - EARTH_RADIUS_KM).alias("perigee_km"),
            (pl.col("a_km") * (1.0 + ecc) - EARTH_RADIUS_KM).alias("apogee_km"),
            (1440.0 / pl.col("mean_motion")).alias("period_min"),
            drift.alias("raan_rate_deg_day"),
        )
        .with_columns(
            ((pl.col("raan_rate_deg_day") / SUN_MEAN_MOTION_DEG_DAY - 1.0).abs() <= SSO_TOLERANCE).alias("sso")
        )
    )


def sun_at_epochs(epochs: pl.Series) -> pl.DataFrame:
    """Apparent right ascension and declination of the Sun (degrees, equinox of date) at epochs;
    null at epochs outside the ephemeris (:data:`tracker.propagation.SUN_SPAN`, which ends in
    2053: an element set may be dated up to 2100)."""
    import numpy as np

    from tracker.propagation import SUN_SPAN, Times, ephemeris

    schema = {"sun_ra_deg": pl.Float64, "sun_dec_deg": pl.Float64}
    stamps = epochs.dt.replace_time_zone(None).to_numpy()
    low, high = (np.datetime64(t.replace(tzinfo=None), "us") for t in SUN_SPAN)
    inside = (stamps >= low) & (stamps < high)
    ra_deg, dec_deg = np.full(len(stamps), np.nan), np.full(len(stamps), np.nan)
    if inside.any():
        times = Times.of(stamps[inside])
        eph = ephemeris()
        ra, dec, _ = eph["earth"].at(times.skyfield()).observe(eph["sun"]).apparent().radec(epoch="date")
        ra_deg[inside], dec_deg[inside] = np.atleast_1d(ra._degrees), np.atleast_1d(dec.degrees)
    return pl.DataFrame({"sun_ra_deg": ra_deg, "sun_dec_deg": dec_deg}, schema=schema).fill_nan(None)


def sun_geometry(elements: pl.DataFrame) -> pl.DataFrame:
    """Add ltan_h, beta_deg and sunlit_fraction (needs the :func:`metrics` columns)."""
    sun = sun_at_epochs(elements["epoch"])
    raan = pl.col("raan_deg") * _DEG
    inc = pl.col("inclination_deg") * _DEG
    ra = pl.col("sun_ra_deg") * _DEG
    dec = pl.col("sun_dec_deg") * _DEG
    sin_beta = dec.cos() * inc.sin() * (raan - ra).sin() + dec.sin() * inc.cos()
    r = pl.col("a_km")
    h = r - EARTH_RADIUS_KM
    cos_ratio = (h**2 + 2.0 * EARTH_RADIUS_KM * h).sqrt() / (r * pl.col("beta_deg").mul(_DEG).cos())
    eclipsed = pl.when(cos_ratio < 1.0).then(cos_ratio.clip(-1.0, 1.0).arccos() / math.pi).otherwise(0.0)
    return (
        pl.concat([elements, sun], how="horizontal")
        .with_columns(
            ((12.0 + (pl.col("raan_deg") - pl.col("sun_ra_deg")) / 15.0) % 24.0).alias("ltan_h"),
            (sin_beta.arcsin() / _DEG).alias("beta_deg"),
        )
        .with_columns((1.0 - eclipsed).alias("sunlit_fraction"))
        .drop("sun_ra_deg", "sun_dec_deg")
    )


def dawn_dusk(elements: pl.DataFrame, min_alt: float = 700.0, max_alt: float = 800.0, ltan_window_h: float = 1.0) -> pl.DataFrame:
    """Sun-synchronous objects in the altitude band whose LTAN is within the window of 06 or 18 h."""
    candidates = metrics(elements).filter(pl.col("sso") & pl.col("alt_km").is_between(min_alt, max_alt))
    from_six = (pl.col("ltan_h") - 6.0) % 12.0  # hours past 06:00 or 18:00
    off_terminator = pl.min_horizontal(from_six, 12.0 - from_six)
    return sun_geometry(candidates).filter(off_terminator <= ltan_window_h).sort("alt_km")
