"""SGP4 fleet propagation, frames, geodetic conversion and sunlight, checked against numbers the
test computes independently of ``tracker.propagation``:

* reference positions come from Skyfield's own chain (``EarthSatellite`` -> TEME -> GCRS -> ITRS ->
  ``wgs84.subpoint_of``), on ``Satrec`` objects built by ``sgp4.omm.initialize`` straight from the
  CelesTrak CSV (so ``tle.elements.to_satrec`` is checked too);
* geodetic conversion is checked against a fixed-point iteration written here and against points
  built from known latitude/longitude/height with the textbook forward formula;
* Julian dates are checked against ``sgp4.api.jday``, times against ``Timescale.from_datetimes``.

Real data is read from ../shared (real CelesTrak downloads) and those tests skip when it is absent.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from sgp4 import omm
from sgp4.api import Satrec, jday

from tle.elements import SGP4_MAX_SATNUM, ElementSet, to_satrec
from tle.geometry import WGS84_A, WGS84_F, ecef_to_geodetic, sunlit, teme_to_ecef
from tracker.propagation import Fleet, Times, ephemeris, sun_ecef_km

SHARED = Path(__file__).resolve().parents[2] / "shared"
GP = SHARED / "data" / "celestrak" / "gp-2026-08-18"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared is absent (real CelesTrak data)")

UTC = timezone.utc
DAY0 = datetime(2026, 8, 18, 0, 0, tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# independent helpers
# --------------------------------------------------------------------------------------------


def read_omm(path: Path) -> list[dict]:
    """CelesTrak OMM CSV rows, parsed by the sgp4 library (not by this project's parser)."""
    with open(path, newline="") as f:
        return list(omm.parse_csv(f))


def element_set(fields: dict, norad: int | None = None) -> ElementSet:
    """An ElementSet built field by field from an OMM CSV row (EPOCH is UTC ISO 8601)."""
    return ElementSet(
        norad=int(fields["NORAD_CAT_ID"]) if norad is None else norad,
        name=fields["OBJECT_NAME"],
        cospar=fields["OBJECT_ID"],
        epoch=datetime.fromisoformat(fields["EPOCH"]).replace(tzinfo=UTC),
        mean_motion=float(fields["MEAN_MOTION"]),
        eccentricity=float(fields["ECCENTRICITY"]),
        inclination_deg=float(fields["INCLINATION"]),
        raan_deg=float(fields["RA_OF_ASC_NODE"]),
        arg_perigee_deg=float(fields["ARG_OF_PERICENTER"]),
        mean_anomaly_deg=float(fields["MEAN_ANOMALY"]),
        bstar=float(fields["BSTAR"]),
        mean_motion_dot=float(fields["MEAN_MOTION_DOT"]),
        mean_motion_ddot=float(fields["MEAN_MOTION_DDOT"]),
    )


def reference_satrec(fields: dict) -> Satrec:
    """A Satrec initialised by the sgp4 library's own OMM code path."""
    sat = Satrec()
    omm.initialize(sat, fields)
    return sat


def skyfield_timescale():
    from skyfield.api import load

    return load.timescale(builtin=True)


def skyfield_times(instants: list[datetime]):
    return skyfield_timescale().from_datetimes(instants)


A = WGS84_A
E2 = WGS84_F * (2.0 - WGS84_F)
B = A * (1.0 - WGS84_F)


def geodetic_to_ecef(lat_deg, lon_deg, h_km) -> np.ndarray:
    """Textbook forward formula: geodetic WGS84 -> Earth-fixed Cartesian (km)."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    n = A / np.sqrt(1.0 - E2 * np.sin(lat) ** 2)
    return np.stack(
        [
            (n + h_km) * np.cos(lat) * np.cos(lon),
            (n + h_km) * np.cos(lat) * np.sin(lon),
            (n * (1.0 - E2) + h_km) * np.sin(lat),
        ],
        axis=-1,
    )


def iterative_geodetic(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fixed-point iteration lat <- atan2(z + e^2 N sin(lat), p) until it stops moving (< 1e-13 rad).

    Height as h = p cos(lat) + z sin(lat) - a sqrt(1 - e^2 sin^2 lat), which (unlike p / cos(lat) - N)
    stays well conditioned at the poles.
    """
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    p = np.hypot(x, y)
    lat = np.arctan2(z, p * (1.0 - E2))
    for _ in range(100):
        n = A / np.sqrt(1.0 - E2 * np.sin(lat) ** 2)
        new = np.arctan2(z + E2 * n * np.sin(lat), p)
        done = np.all(np.abs(new - lat) < 1e-13)
        lat = new
        if done:
            break
    else:  # pragma: no cover - would mean the reference itself is broken
        raise AssertionError("reference iteration did not converge")
    h = p * np.cos(lat) + z * np.sin(lat) - A * np.sqrt(1.0 - E2 * np.sin(lat) ** 2)
    return np.degrees(lat), np.degrees(np.arctan2(y, x)), h


def geodetic_distance_km(lat1, lon1, h1, lat2, lon2, h2) -> np.ndarray:
    """3D distance between two geodetic triples (both converted with the textbook formula)."""
    return np.linalg.norm(geodetic_to_ecef(lat1, lon1, h1) - geodetic_to_ecef(lat2, lon2, h2), axis=-1)


def synthetic(norad: int = 1, **changes) -> ElementSet:
    """A clearly synthetic, ISS-like element set; fields overridable."""
    fields = dict(
        norad=norad,
        name="SYNTHETIC",
        cospar=None,
        epoch=DAY0,
        mean_motion=15.5,
        eccentricity=0.001,
        inclination_deg=51.6,
        raan_deg=10.0,
        arg_perigee_deg=20.0,
        mean_anomaly_deg=30.0,
        bstar=1e-4,
        mean_motion_dot=0.0,
        mean_motion_ddot=0.0,
    )
    fields.update(changes)
    return ElementSet(**fields)


# --------------------------------------------------------------------------------------------
# Fleet against Skyfield, on real satellites
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_sample() -> list[dict]:
    """Every 50th object of the active catalogue plus every HULIANWANG (Guowang) object."""
    return read_omm(GP / "active.csv")[::50] + read_omm(GP / "hulianwang.csv")


@needs_shared
def test_fleet_geodetic_matches_skyfield_within_100_m(real_sample):
    instants = [DAY0 + timedelta(hours=h, minutes=7 * h) for h in range(0, 24, 3)]  # 8 over a day
    times = Times.of(np.array([i.replace(tzinfo=None) for i in instants], dtype="datetime64[us]"))
    geo = Fleet([to_satrec(element_set(f)) for f in real_sample]).geodetic(times)
    assert geo.lat_deg.shape == (len(real_sample), len(instants))

    from skyfield.api import EarthSatellite, wgs84

    ts = skyfield_timescale()
    t = ts.from_datetimes(instants)
    worst = 0.0
    compared = 0
    for i, fields in enumerate(real_sample):
        position = EarthSatellite.from_satrec(reference_satrec(fields), ts).at(t)
        sub = wgs84.subpoint_of(position)
        ref_lat, ref_lon, ref_h = sub.latitude.degrees, sub.longitude.degrees, wgs84.height_of(position).km
        ok = np.isfinite(ref_h)
        # Both sides run the same SGP4: failures (NaN) must coincide.
        assert np.array_equal(ok, np.isfinite(geo.alt_km[i])), fields["OBJECT_NAME"]
        d = geodetic_distance_km(
            geo.lat_deg[i][ok], geo.lon_deg[i][ok], geo.alt_km[i][ok], ref_lat[ok], ref_lon[ok], ref_h[ok]
        )
        # cross-check the distance through Skyfield's own geodetic -> ITRS conversion as well
        d_sf = np.linalg.norm(
            wgs84.latlon(geo.lat_deg[i][ok], geo.lon_deg[i][ok], geo.alt_km[i][ok] * 1000).itrs_xyz.km
            - wgs84.latlon(ref_lat[ok], ref_lon[ok], ref_h[ok] * 1000).itrs_xyz.km,
            axis=0,
        )
        assert np.allclose(d, d_sf, atol=1e-6)
        compared += int(ok.sum())
        if ok.any():
            worst = max(worst, float(d.max()))
    assert compared >= 0.99 * len(real_sample) * len(instants)
    assert worst < 0.100, f"worst 3D disagreement {worst * 1000:.1f} m"


@needs_shared
def test_sunlit_matches_skyfield_is_sunlit(real_sample):
    instants = [DAY0 + timedelta(minutes=61 * k) for k in range(24)]
    times = Times.of(np.array([i.replace(tzinfo=None) for i in instants], dtype="datetime64[us]"))
    geo = Fleet([to_satrec(element_set(f)) for f in real_sample]).geodetic(times)
    mine = sunlit(geo.ecef_km, sun_ecef_km(times))

    from skyfield.api import EarthSatellite

    ts = skyfield_timescale()
    t = ts.from_datetimes(instants)
    eph = ephemeris()
    agree = total = 0
    lit = 0
    for i, fields in enumerate(real_sample):
        ok = np.isfinite(geo.alt_km[i])
        theirs = EarthSatellite.from_satrec(reference_satrec(fields), ts).at(t).is_sunlit(eph)
        agree += int((mine[i][ok] == theirs[ok]).sum())
        total += int(ok.sum())
        lit += int(theirs[ok].sum())
    assert total > 10_000
    assert 0.05 * total < lit < 0.95 * total  # the sample really contains both lit and shadowed points
    assert agree / total >= 0.999, f"{total - agree} of {total} samples disagree"


def test_sunlit_geometry_by_hand():
    """Shadow test on hand-made geometry: Sun far along +x, Earth radius ~6378 km."""
    sun = np.array([[1.496e8, 0.0, 0.0]])
    sats = np.array(
        [
            [[7000.0, 0.0, 0.0]],  # day side
            [[-7000.0, 0.0, 0.0]],  # straight behind the Earth
            [[-7000.0, 6000.0, 0.0]],  # behind, but 6000 km off the axis: inside the shadow cylinder
            [[-7000.0, 6400.0, 0.0]],  # behind, 6400 km off the axis: outside the cylinder
            [[0.0, 7000.0, 0.0]],  # over the terminator
            [[-100000.0, 0.0, 6390.0]],  # far behind, the line to the Sun clears the Earth by ~7 km
            [[-100000.0, 0.0, 6379.0]],  # ... and here it passes ~4 km inside (the Sun is not at infinity)
        ]
    )
    assert sunlit(sats, sun)[:, 0].tolist() == [True, False, False, True, True, True, False]


# --------------------------------------------------------------------------------------------
# frames
# --------------------------------------------------------------------------------------------


def test_teme_to_ecef_is_rotation_by_gmst():
    rng = np.random.default_rng(1)
    r = rng.normal(size=(3, 4, 3)) * 7000.0
    theta = np.array([0.0, math.pi / 2, 1.0, -2.5])
    out = teme_to_ecef(r, theta)
    for j, th in enumerate(theta):
        # the Earth-fixed frame turns eastward by theta: the TEME vector appears rotated by -theta
        rot = np.array([[math.cos(th), math.sin(th), 0.0], [-math.sin(th), math.cos(th), 0.0], [0, 0, 1.0]])
        assert np.allclose(out[:, j], r[:, j] @ rot.T, atol=1e-9)
    assert np.allclose(np.linalg.norm(out, axis=-1), np.linalg.norm(r, axis=-1))


# --------------------------------------------------------------------------------------------
# geodetic conversion
# --------------------------------------------------------------------------------------------

# 89.9999 deg is ~11 m from the polar axis; points on (or within ~10 cm of) it: see the test below
LATS = np.array([0.0, 0.0, 12.5, 30.0, 45.0, -45.0, -60.0, 80.0, 89.0, 89.9999, -89.9999])
LONS = np.array([0.0, 180.0, -120.0, 45.0, 90.0, -179.9, 179.9, 10.0, -30.0, 20.0, 120.0])
HEIGHTS = [-1000.0, -100.0, -10.0, -0.5, 0.0, 0.4, 400.0, 1100.0, 20_000.0, 36_000.0]


@pytest.mark.parametrize("h", HEIGHTS)
def test_ecef_to_geodetic_round_trip(h):
    xyz = geodetic_to_ecef(LATS, LONS, np.full(LATS.shape, h))
    lat, lon, alt = ecef_to_geodetic(xyz)
    err = geodetic_distance_km(lat, lon, alt, LATS, LONS, np.full(LATS.shape, h))
    assert np.all(np.abs(alt - h) < 1e-6), alt - h  # 1 mm
    assert np.all(err < 1e-6), err


def test_ecef_to_geodetic_matches_iterative_solution():
    rng = np.random.default_rng(20260818)
    direction = rng.normal(size=(5000, 3))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    radius = rng.uniform(6000.0, 45_000.0, size=(5000, 1))  # from 350 km underground to beyond GEO
    xyz = direction * radius
    lat, lon, alt = ecef_to_geodetic(xyz)
    ref_lat, ref_lon, ref_alt = iterative_geodetic(xyz)
    assert np.all(np.abs(alt - ref_alt) < 1e-6)
    assert np.all(geodetic_distance_km(lat, lon, alt, ref_lat, ref_lon, ref_alt) < 1e-6)
    # and both really reproduce the input point
    assert np.all(np.linalg.norm(geodetic_to_ecef(lat, lon, alt) - xyz, axis=1) < 1e-6)


def test_ecef_to_geodetic_equator_and_near_poles():
    pts = np.array(
        [
            [A, 0.0, 0.0],
            [0.0, -A - 1.0, 0.0],
            [-(A + 20_000.0), 0.0, 0.0],
            [1e-3, 0.0, B + 400.0],  # 1 m off the polar axis
            [0.0, 1.0, -(B + 1100.0)],
        ]
    )
    lat, lon, alt = ecef_to_geodetic(pts)
    ref = iterative_geodetic(pts)
    assert np.allclose(alt, ref[2], atol=1e-6)
    assert np.all(geodetic_distance_km(lat, lon, alt, *ref) < 1e-6)
    assert np.allclose(lat[:3], 0.0, atol=1e-12)
    assert np.allclose(alt[:3], [0.0, 1.0, 20_000.0], atol=1e-6)


@pytest.mark.parametrize("h", [-10.0, 400.0, 20_000.0])
def test_ecef_to_geodetic_exactly_over_the_pole(h):
    """Regression: Heikkinen's radicand is zero on the polar axis and rounding made it negative,
    giving NaN for points within ~10 cm of the axis (and exactly on it at most heights)."""
    pts = np.vstack(
        [
            [[0.0, 0.0, B + h], [0.0, 0.0, -(B + h)], [1e-6, 0.0, B + h]],  # on the axis, 1 mm off it
            geodetic_to_ecef(np.array([90.0, 89.99999999]), np.array([0.0, 45.0]), np.array([h, h])),
        ]
    )
    lat, _, alt = ecef_to_geodetic(pts)
    assert np.allclose(lat, [90.0, -90.0, 90.0, 90.0, 89.99999999], atol=1e-7)
    assert np.allclose(alt, h, atol=1e-6)


# --------------------------------------------------------------------------------------------
# catalog numbers, failures
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("big", [SGP4_MAX_SATNUM + 1, 270_000_123, 999_999_999])
def test_nine_digit_catalog_numbers_propagate_like_small_ones(big):
    small, large = synthetic(norad=25544), synthetic(norad=big)
    assert large.norad == big  # the real number is kept on the element set
    times = Times.span(DAY0, 600.0, 30)
    geo = Fleet([to_satrec(small), to_satrec(large)]).geodetic(times)
    assert np.all(np.isfinite(geo.alt_km))
    assert np.array_equal(geo.ecef_km[0], geo.ecef_km[1])
    assert np.array_equal(geo.speed_km_s[0], geo.speed_km_s[1])


@needs_shared
def test_nine_digit_catalog_number_on_real_elements_matches_skyfield():
    fields = next(f for f in read_omm(GP / "hulianwang.csv") if f["NORAD_CAT_ID"] == "62323")
    times = Times.span(DAY0, 900.0, 20)
    geo = Fleet([to_satrec(element_set(fields, norad=270_000_123))]).geodetic(times)

    from skyfield.api import EarthSatellite, wgs84

    ts = skyfield_timescale()
    t = ts.from_datetimes([DAY0 + timedelta(seconds=900.0 * k) for k in range(20)])
    position = EarthSatellite.from_satrec(reference_satrec(fields), ts).at(t)
    sub = wgs84.subpoint_of(position)
    d = geodetic_distance_km(
        geo.lat_deg[0], geo.lon_deg[0], geo.alt_km[0],
        sub.latitude.degrees, sub.longitude.degrees, wgs84.height_of(position).km,
    )  # fmt: skip
    assert d.max() < 0.1


def test_failed_satellites_give_nan_rows_and_leave_others_alone():
    good_a = synthetic(norad=1)
    subsurface = synthetic(norad=2, mean_motion=17.5)  # a ~ 6190 km: below the surface from the start
    dragged = synthetic(norad=3, bstar=0.5)  # absurd drag: SGP4 reports decay/errors within hours
    good_b = synthetic(norad=4, inclination_deg=97.5, mean_motion=14.8, raan_deg=200.0)
    times = Times.span(DAY0, 3 * 3600.0, 9)

    # the errors SGP4 itself reports, per satellite, straight from sgp4 (not via Fleet)
    expected_error = np.array(
        [[to_satrec(es).sgp4(j, f)[0] for j, f in zip(times.jd, times.fr, strict=True)] for es in (good_a, subsurface, dragged, good_b)]
    )
    assert (expected_error[1] != 0).all()
    assert (expected_error[2] != 0).any() and (expected_error[2] == 0).any()
    assert (expected_error[[0, 3]] == 0).all()

    geo = Fleet([to_satrec(es) for es in (good_a, subsurface, dragged, good_b)]).geodetic(times)
    failed = expected_error != 0
    for field in (geo.lat_deg, geo.lon_deg, geo.alt_km, geo.speed_km_s):
        assert np.isnan(field[failed]).all()
        assert np.isfinite(field[~failed]).all()
    assert np.isnan(geo.ecef_km[failed]).all()
    assert np.all(geo.alt_km[~failed] > 100.0)  # what survives is a plausible orbit, not garbage

    alone = Fleet([to_satrec(good_a), to_satrec(good_b)]).geodetic(times)
    assert np.array_equal(alone.ecef_km, geo.ecef_km[[0, 3]])
    assert np.array_equal(alone.alt_km, geo.alt_km[[0, 3]])


def test_empty_fleet():
    geo = Fleet([]).geodetic(Times.span(DAY0, 60.0, 5))
    assert geo.lat_deg.shape == (0, 5) and geo.ecef_km.shape == (0, 5, 3)


# --------------------------------------------------------------------------------------------
# times
# --------------------------------------------------------------------------------------------

INSTANTS = [
    datetime(2026, 8, 18, 0, 0, 0),
    datetime(2026, 8, 18, 12, 34, 56, 789012),
    datetime(2026, 8, 18, 23, 59, 59, 999999),
    datetime(2024, 2, 29, 6, 0, 0, 1),
    datetime(2000, 1, 1, 12, 0, 0),
    datetime(2016, 12, 31, 23, 59, 59),  # the second before the last leap second
    datetime(2017, 1, 1, 0, 0, 0),
]


def jday_of(dt: datetime) -> tuple[float, float]:
    return jday(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second + dt.microsecond / 1e6)


def test_times_of_julian_dates_match_sgp4_jday():
    times = Times.of(INSTANTS)
    for k, dt in enumerate(INSTANTS):
        jd, fr = jday_of(dt)
        assert times.jd[k] == jd
        assert abs(times.fr[k] - fr) < 1e-12  # 86 ns
    assert len(times) == len(INSTANTS)


def test_times_of_datetime64_input_and_aware_input():
    as64 = np.array(INSTANTS, dtype="datetime64[us]")
    a, b = Times.of(INSTANTS), Times.of(as64)
    assert np.array_equal(a.jd, b.jd) and np.array_equal(a.fr, b.fr)
    # an aware instant in UTC+8 is the same absolute instant
    beijing = timezone(timedelta(hours=8))
    with warnings.catch_warnings():  # converted by Times.of itself: numpy would warn (and CLIs print it)
        warnings.simplefilter("error")
        c = Times.of([datetime(2026, 8, 18, 20, 34, 56, 789012, tzinfo=beijing)])
    assert c.utc[0] == np.datetime64("2026-08-18T12:34:56.789012")


def test_times_span():
    beijing = timezone(timedelta(hours=8))
    start = datetime(2026, 8, 19, 7, 30, tzinfo=beijing)  # = 2026-08-18 23:30 UTC: crosses midnight
    times = Times.span(start, 37.5, 200)
    assert len(times) == 200
    for k in (0, 1, 47, 48, 199):
        dt = datetime(2026, 8, 18, 23, 30) + timedelta(seconds=37.5 * k)
        assert times.utc[k] == np.datetime64(dt, "us")
        jd, fr = jday_of(dt)
        assert times.jd[k] == jd
        assert abs(times.fr[k] - fr) < 1e-12
    assert np.all((times.fr >= 0.0) & (times.fr < 1.0))
    part = times[10:20]
    assert len(part) == 10 and part.utc[0] == times.utc[10] and part.fr[-1] == times.fr[19]


def test_times_span_naive_start_is_utc_whatever_the_local_zone():
    """Naive datetimes are UTC (as in Times.of and tle.elements.utc), even under TZ=Asia/Shanghai."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset unavailable")
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Shanghai"
    time.tzset()
    try:
        naive = datetime(2026, 8, 18, 20, 0)
        assert Times.span(naive, 60.0, 1).utc[0] == Times.of([naive]).utc[0]
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


def _tt_difference_us(times: Times, instants: list[datetime]) -> np.ndarray:
    mine = times.skyfield()
    ref = skyfield_timescale().from_datetimes([i.replace(tzinfo=UTC) for i in instants])
    return ((mine.whole - ref.whole) + (mine.tt_fraction - ref.tt_fraction)) * 86400e6


def test_times_skyfield_matches_from_datetimes():
    instants = [datetime(2026, 8, 18, 22, 0) + timedelta(seconds=137.3 * k) for k in range(200)]  # crosses midnight
    instants += [datetime(2026, 1, 1), datetime(2024, 2, 29, 6, 0, 0, 1), datetime(2017, 1, 1, 0, 0, 1)]
    assert np.abs(_tt_difference_us(Times.of(instants), instants)).max() < 1.0


def test_times_skyfield_across_leap_seconds():
    """Regression: instants were passed as seconds after the first instant's midnight, and Skyfield
    applied that day's leap-second count to all of them (1 s off across 2016-12-31, 5 s back to 2000)."""
    instants = [datetime(2026, 8, 18), datetime(2016, 12, 31, 23, 59, 59), datetime(2000, 1, 1, 12)]
    assert np.abs(_tt_difference_us(Times.of(instants), instants)).max() < 1.0


def test_position_at_an_instant_does_not_depend_on_the_other_instants_in_the_batch():
    """Regression, consequence of the above: GMST one second off moved positions by ~0.4 km."""
    fleet = Fleet([to_satrec(synthetic(epoch=datetime(2016, 12, 31, tzinfo=UTC)))])
    alone = fleet.geodetic(Times.of([datetime(2017, 1, 1, 12)]))
    batch = fleet.geodetic(Times.of([datetime(2016, 12, 31, 12), datetime(2017, 1, 1, 12)]))
    d = geodetic_distance_km(
        alone.lat_deg[0, 0], alone.lon_deg[0, 0], alone.alt_km[0, 0],
        batch.lat_deg[0, 1], batch.lon_deg[0, 1], batch.alt_km[0, 1],
    )  # fmt: skip
    assert d < 1e-6, f"{d * 1000:.0f} m"


# --------------------------------------------------------------------------------------------
# chunked propagation
# --------------------------------------------------------------------------------------------


def test_iter_geodetic_chunks_equal_one_big_call():
    sats = [to_satrec(synthetic(norad=k, raan_deg=37.0 * k, mean_anomaly_deg=11.0 * k)) for k in range(1, 8)]
    sats.append(to_satrec(synthetic(norad=99, mean_motion=17.5)))  # fails everywhere: NaN rows too
    fleet = Fleet(sats)
    for start in (DAY0 + timedelta(hours=1), DAY0 + timedelta(hours=22)):  # 7.6 h within a day / across midnight
        times = Times.span(start, 137.3, 200)
        whole = fleet.geodetic(times)
        assert np.isnan(whole.alt_km[-1]).all() and np.isfinite(whole.alt_km[:-1]).all()
        for chunk in (1, 7, 60, 200, 500):
            parts = list(fleet.iter_geodetic(times, chunk=chunk))
            assert [len(p[0]) for p in parts] == [min(chunk, 200 - s) for s in range(0, 200, chunk)]
            assert np.array_equal(np.concatenate([p[0].utc for p in parts]), times.utc)
            for name in ("lat_deg", "lon_deg", "alt_km", "speed_km_s", "ecef_km"):
                joined = np.concatenate([getattr(p[1], name) for p in parts], axis=1)
                assert np.array_equal(joined, getattr(whole, name), equal_nan=True), (name, chunk, start)
