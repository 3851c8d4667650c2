"""Passes over an observer (:mod:`tle.passes`, ``tracker passes``, ``tracker observers``).

The search is held against Skyfield's ``EarthSatellite.find_events`` on real element sets from
../shared (same elements, same observer, same horizon) for observers at several latitudes, and
against a 5-second brute-force scan; those tests skip when ../shared is absent.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from functools import cache

import numpy as np
import polars as pl
import pytest

from tests.conftest import shared_path
from tle.elements import ElementSet, to_satrec
from tle.formats import parse_file
from tle.passes import COARSE_STEP_S, CULMINATE, MIN_PERIOD_MIN, RISE, SET, Site, find_passes, look_angles, max_step_s

START = datetime(2026, 8, 18, 12, 0, tzinfo=timezone.utc)
#: Observers: mid-latitude, tropical, southern, and high-latitude (Svalbard: polar orbits pass
#: every revolution, and passes there are the longest and the most numerous).
OBSERVERS = {
    "beijing": Site(39.9075, 116.39723, 50.0),
    "wenchang": Site(19.618452, 110.955356, 0.0),
    "sydney": Site(-33.87, 151.21, 20.0),
    "svalbard": Site(78.23, 15.39, 450.0),
}


@cache
def _active() -> tuple[ElementSet, ...]:
    from tle.formats import parse_file

    return tuple(parse_file(shared_path("data", "celestrak", "gp-2026-08-18", "active.csv")).records)


@cache
def _timescale():
    from tracker.propagation import timescale

    return timescale()


def _earth_angle(start: datetime):
    """GMST in UT1 at seconds from ``start``, as Skyfield computes it."""
    from skyfield.sgp4lib import theta_GMST1982

    def angle(seconds):
        t = _timescale().tt_jd(_timescale().from_datetime(start).tt + np.asarray(seconds) / 86400.0)
        return np.atleast_1d(theta_GMST1982(t.whole, t.ut1_fraction)[0])

    return angle


def _sample(step: int, offset: int = 0) -> list[ElementSet]:
    return list(_active()[offset::step])


def _skyfield_altitudes(es: ElementSet, site: Site, seconds: np.ndarray) -> np.ndarray:
    from skyfield.api import EarthSatellite, wgs84

    ts = _timescale()
    sat = EarthSatellite.from_satrec(to_satrec(es), ts)
    topos = wgs84.latlon(site.lat_deg, site.lon_deg, elevation_m=site.alt_m)
    t = ts.tt_jd(ts.from_datetime(START).tt + np.asarray(seconds, float) / 86400.0)
    return (sat - topos).at(t).altaz()[0].degrees


# -- agreement with Skyfield -------------------------------------------------------------------------

#: What the agreement tests measured, for the report at the end of the module.
FIGURES: dict[str, float] = {"events": 0, "max_dt_s": 0.0, "max_del_deg": 0.0, "flat": 0}


#: chunk_steps=3 is what a whole catalogue gets (the plane tests at their tightest); None lets a
#: small sample take the default (longer chunks).
@pytest.mark.parametrize(("observer", "min_el", "step", "chunk"), [
    ("beijing", 10.0, 97, 3), ("wenchang", 0.0, 101, None), ("sydney", 25.0, 89, 3), ("svalbard", 10.0, 103, 3),
])
def test_every_skyfield_event_is_found_within_a_second(observer, min_el, step, chunk):
    from skyfield.api import EarthSatellite, wgs84

    site, sats, hours = OBSERVERS[observer], _sample(step, offset=step // 3), 12.0
    found = find_passes([to_satrec(e) for e in sats], site, START, hours, min_el, earth_angle=_earth_angle(START),
                        chunk_steps=chunk)
    ts = _timescale()
    t0, t1 = ts.from_datetime(START), ts.from_datetime(START + timedelta(hours=hours))
    topos = wgs84.latlon(site.lat_deg, site.lon_deg, elevation_m=site.alt_m)
    compared = 0
    for i, es in enumerate(sats):
        if i in found.failed:
            continue
        times, kinds = EarthSatellite.from_satrec(to_satrec(es), ts).find_events(topos, t0, t1, altitude_degrees=min_el)
        mine = found.events.sat == i
        my_t, my_kind, my_el = found.events.t_s[mine], found.events.kind[mine], found.events.el_deg[mine]
        for when, kind in zip((times.tt - t0.tt) * 86400.0, kinds, strict=True):
            same = np.flatnonzero(my_kind == kind)
            assert len(same), f"{es.name}: Skyfield's event {kind} at +{when:.1f} s not found"
            j = same[np.argmin(abs(my_t[same] - when))]
            dt = abs(my_t[j] - when)
            if kind == CULMINATE:
                theirs, ours = _skyfield_altitudes(es, site, [when, my_t[j]])
                # Within 0.05 degree of Skyfield's culmination; or, near the zenith, where the
                # elevation turns sharply and Skyfield's half-second search lands below the
                # peak, higher than it by Skyfield's own reckoning at our instant.
                assert abs(my_el[j] - theirs) < 0.05 or (ours > theirs and abs(my_el[j] - ours) < 0.005), (
                    es.name, my_el[j], theirs, ours)
                FIGURES["max_del_deg"] = max(FIGURES["max_del_deg"], abs(my_el[j] - theirs))
                if dt > 1.0:
                    # A flat maximum (a geosynchronous object's): the instant is not defined to a
                    # second, the height is, and ours is as high as Skyfield's.
                    assert ours >= theirs - 1e-4, (es.name, when, my_t[j])
                    FIGURES["flat"] += 1
                    continue
            assert dt <= 1.0, (es.name, kind, when, my_t[j])
            FIGURES["max_dt_s"] = max(FIGURES["max_dt_s"], dt)
            compared += 1
    FIGURES["events"] += compared
    assert compared > 50


def _scanned_altitudes(sats: list[ElementSet], site: Site, seconds: np.ndarray) -> np.ndarray:
    """(n, m) elevations by plain SGP4 at every instant (tracker.propagation's frames, which
    agree with Skyfield's to centimetres), independent of the search's interpolation."""
    from tracker.propagation import Fleet, Times

    base = np.datetime64(START.replace(tzinfo=None), "us")
    geo = Fleet([to_satrec(e) for e in sats]).geodetic(Times.of(base + (seconds * 1e6).astype("timedelta64[us]")))
    east, north, up = site.enu()
    rho = geo.ecef_km - site.ecef_km()
    return np.degrees(np.arcsin((rho @ up) / np.linalg.norm(rho, axis=-1)))


def test_no_pass_is_missed_that_a_five_second_scan_finds():
    """Every maximum of elevation at least 0.5 degree above min_el in a brute-force 5 s scan
    lies inside a pass found, as high; among them the lowest orbits and a high-latitude site,
    with the whole catalogue's 30-minute chunks and a small fleet's longer ones."""
    for observer, step, chunk in (("svalbard", 61, 3), ("wenchang", 67, 3), ("beijing", 71, None)):
        site, min_el, hours = OBSERVERS[observer], 10.0, 6.0
        sats = _sample(step, offset=5) + [e for e in _active() if e.mean_motion > 15.9][:20]
        found = find_passes([to_satrec(e) for e in sats], site, START, hours, min_el, earth_angle=_earth_angle(START),
                            chunk_steps=chunk)
        grid = np.arange(0.0, hours * 3600.0 + 1, 5.0)
        alt = _scanned_altitudes(sats, site, grid)
        n, k = np.nonzero((alt[:, 1:-1] > alt[:, :-2]) & (alt[:, 1:-1] >= alt[:, 2:]) & (alt[:, 1:-1] >= min_el + 0.5))
        assert len(n) > 100
        for i, p in zip(n.tolist(), (k + 1).tolist(), strict=True):
            inside = (found.sat == i) & (found.aos_s <= grid[p]) & (found.los_s >= grid[p])
            assert inside.any(), f"{sats[i].name}: a culmination of {alt[i, p]:.2f} deg at +{grid[p]:.0f} s was missed"
            assert found.tca_el_deg[inside][0] >= alt[i, p] - 0.01
        # and every pass found is up in the scan (when longer than the scan's step)
        for p in np.flatnonzero(found.los_s - found.aos_s > 10):
            inside = (grid >= found.aos_s[p]) & (grid <= found.los_s[p])
            assert alt[found.sat[p], inside].max() >= min_el - 0.01


def test_rises_and_sets_are_where_the_elevation_crosses_min_el():
    """At the instants found, Skyfield's elevation is min_el to within 0.2 s of its rate (the
    interpolant and the root finding together)."""
    site, min_el = OBSERVERS["sydney"], 10.0
    sats = _sample(173, offset=11)
    found = find_passes([to_satrec(e) for e in sats], site, START, 8.0, min_el, earth_angle=_earth_angle(START))
    crossings = found.events.kind != CULMINATE
    worst = 0.0
    for i in np.unique(found.events.sat[crossings]):
        when = found.events.t_s[crossings & (found.events.sat == i)]
        alt = _skyfield_altitudes(sats[i], site, np.concatenate([when, when + 0.01]))
        rate = (alt[len(when):] - alt[: len(when)]) / 0.01
        worst = max(worst, float(np.max(np.abs(alt[: len(when)] - min_el) / np.abs(rate))))
    assert 0 < worst < 0.2


def test_the_coarse_step_is_short_enough_for_every_orbit_held():
    """The step leaves four steps between consecutive extrema of elevation (half a period), for
    the shortest period the catalogue holds."""
    assert COARSE_STEP_S <= max_step_s()
    shortest_min = min(1440.0 / e.mean_motion for e in _active())
    assert shortest_min >= MIN_PERIOD_MIN
    assert COARSE_STEP_S * 4 <= shortest_min * 60 / 2


def test_a_pass_that_barely_clears_min_el_is_still_found():
    """Lower the horizon to 0.02 degree below a pass's culmination: the pass lasts seconds,
    falls between two grid instants, and is found with the same culmination."""
    site = OBSERVERS["beijing"]
    es = next(e for e in _active() if e.name == "ISS (ZARYA)")
    first = find_passes([to_satrec(es)], site, START, 24.0, 10.0, earth_angle=_earth_angle(START))
    highest = int(np.argmax(first.tca_el_deg))
    top = first.tca_el_deg[highest]
    again = find_passes([to_satrec(es)], site, START, 24.0, top - 0.02, earth_angle=_earth_angle(START))
    assert len(again) == 1
    assert abs(again.tca_s[0] - first.tca_s[highest]) < 0.5 and abs(again.tca_el_deg[0] - top) < 1e-3
    assert 0 < again.los_s[0] - again.aos_s[0] < COARSE_STEP_S


def test_a_geostationary_object_above_the_horizon_never_sets():
    site = OBSERVERS["wenchang"]
    geo = [e for e in _active() if 0.99 < e.mean_motion < 1.01 and e.eccentricity < 0.001]
    az, el, _, _ = look_angles([to_satrec(e) for e in geo], START, site)
    es = geo[int(np.flatnonzero(el > 30)[0])]
    found = find_passes([to_satrec(es)], site, START, 24.0, 10.0, earth_angle=_earth_angle(START))
    assert len(found) == 1
    assert found.starts_at_window[0] and found.ends_at_window[0]
    assert (found.aos_s[0], found.los_s[0]) == (0.0, 24 * 3600.0)
    assert not np.isin(found.events.kind, [RISE, SET]).any()
    alt = _skyfield_altitudes(es, site, np.arange(0, 86401, 600.0))
    assert alt.min() > 10 and abs(found.tca_el_deg[0] - alt.max()) < 0.01


def test_elements_sgp4_cannot_propagate_are_reported_not_passed():
    good = ElementSet(norad=900001, name="GOOD", cospar=None, epoch=START, mean_motion=15.5, eccentricity=0.001,
                      inclination_deg=51.6, raan_deg=10, arg_perigee_deg=0, mean_anomaly_deg=0, bstar=1e-4,
                      mean_motion_dot=0, mean_motion_ddot=0)
    decaying = replace(good, norad=900002, name="DECAYING", mean_motion=16.5, bstar=0.5, epoch=START - timedelta(days=20))
    bad = replace(good, norad=900003, eccentricity=1.2)
    found = find_passes([to_satrec(e) for e in (good, decaying, bad)], Site(0.0, 10.0), START, 24.0, 0.0)
    assert set(found.failed) == {1, 2}
    assert found.failed[2] == 1  # mean eccentricity out of range
    assert set(found.sat.tolist()) <= {0} and len(found) > 0


def test_elements_far_from_their_epoch_that_give_no_real_orbit_are_reported():
    """Qianfan elements of 2026-08-18 propagated into December: SGP4 gives two of them motion
    whose rises and sets do not alternate; they are reported as ERRATIC, the rest are passed."""
    from tle.formats import parse_file
    from tle.passes import ERRATIC

    sats = parse_file(shared_path("data", "celestrak", "gp-2026-08-18", "qianfan.csv")).records
    found = find_passes([to_satrec(e) for e in sats], OBSERVERS["beijing"], datetime(2026, 12, 2, 13, tzinfo=timezone.utc), 24.0)
    erratic = {i for i, code in found.failed.items() if code == ERRATIC}
    assert erratic and not erratic & set(found.sat.tolist()) and len(found) > 100


def test_look_angles_agree_with_skyfield():
    from skyfield.api import EarthSatellite, wgs84

    site = OBSERVERS["beijing"]
    sats = _sample(500)
    az, el, rng, rate = look_angles([to_satrec(e) for e in sats], START, site, float(_earth_angle(START)(np.zeros(1))[0]))
    ts = _timescale()
    topos = wgs84.latlon(site.lat_deg, site.lon_deg, elevation_m=site.alt_m)
    t = ts.from_datetime(START)
    for i, es in enumerate(sats):
        if math.isnan(el[i]):
            continue
        alt_s, az_s, dist, _, _, rr = (EarthSatellite.from_satrec(to_satrec(es), ts) - topos).at(t).frame_latlon_and_rates(topos)
        assert abs(alt_s.degrees - el[i]) < 1e-3 and abs(dist.km - rng[i]) < 0.01
        assert abs((az_s.degrees - az[i] + 180) % 360 - 180) < 1e-3 or abs(alt_s.degrees) > 89.9
        assert abs(rr.km_per_s - rate[i]) < 1e-3


def test_visible_agrees_with_a_scan_of_sunlight_and_darkness():
    """visible = sunlit while the observer's Sun is below -6 degrees at some instant above
    min_el: held against Skyfield (is_sunlit, the Sun's altitude) on a 5 s scan of each pass;
    they may differ only where the scan sees less than 30 s of visibility (the search samples
    every 30 s and at every event)."""
    from skyfield.api import EarthSatellite, wgs84

    from tracker.propagation import Times, ephemeris, sun_ecef_km

    site, hours, min_el = OBSERVERS["beijing"], 10.0, 10.0
    sats = _sample(241, offset=7)

    def sun(seconds):
        base = np.datetime64(START.replace(tzinfo=None), "us")
        return sun_ecef_km(Times.of(base + (np.asarray(seconds) * 1e6).astype("timedelta64[us]")))

    found = find_passes([to_satrec(e) for e in sats], site, START, hours, min_el,
                        earth_angle=_earth_angle(START), sun_ecef_km=sun)
    ts, eph = _timescale(), ephemeris()
    topos = wgs84.latlon(site.lat_deg, site.lon_deg, elevation_m=site.alt_m)
    observer = eph["earth"] + topos
    agree = 0
    for p in range(len(found)):
        es = sats[found.sat[p]]
        grid = np.arange(found.aos_s[p], found.los_s[p] + 1e-9, 5.0)
        t = ts.tt_jd(ts.from_datetime(START).tt + grid / 86400.0)
        sat = EarthSatellite.from_satrec(to_satrec(es), ts)
        up = (sat - topos).at(t).altaz()[0].degrees >= min_el - 1e-6
        lit = sat.at(t).is_sunlit(eph)
        dark = observer.at(t).observe(eph["sun"]).apparent().altaz()[0].degrees < -6.0
        seconds = 5.0 * np.count_nonzero(up & lit & dark)
        if bool(found.visible[p]) != (seconds > 0):
            assert seconds < 30, (es.name, found.aos_s[p], seconds)
        else:
            agree += 1
    assert agree > 0.97 * len(found) and found.visible.any() and not found.visible.all()


# -- the service, the command line and the trains ---------------------------------------------------


@pytest.fixture
def stations_db(cli):
    cli("tle", "import", shared_path("data", "celestrak", "gp-2026-08-18", "stations.csv"))
    cli("tle", "import", shared_path("data", "celestrak", "gp-2026-08-18", "qianfan.csv"))
    return cli


def test_observers_add_list_default_remove(cli):
    assert cli("observers", "add", "Home", "--lat", "31.5", "--lon", "120.25", "--alt-m", "12").returncode == 0
    assert cli("observers", "default", "home").returncode == 0
    listed = json.loads(cli("observers", "list", "--format", "json").stdout)
    names = [row["name"] for row in listed]
    assert names[0] == "Home" and {"Beijing", "Shanghai", "Hong Kong", "Wenchang", "Jiuquan", "Taiyuan", "Xichang"} <= set(names)
    assert [row["name"] for row in listed if row["default"]] == ["Home"]
    assert all(row["source"] for row in listed)
    again = cli("observers", "add", "HOME", "--lat", "1", "--lon", "2")
    assert again.returncode == 1 and "exists" in again.stderr
    refused = cli("observers", "remove", "Beijing")
    assert refused.returncode == 1 and "bundled" in refused.stderr
    assert cli("observers", "remove", "home").returncode == 0
    listed = json.loads(cli("observers", "list", "--format", "json").stdout)
    assert "Home" not in [row["name"] for row in listed] and not any(row["default"] for row in listed)


@pytest.mark.parametrize("args", [
    ("observers", "add", "X", "--lat", "91", "--lon", "0"),
    ("observers", "add", "X", "--lat", "10", "--lon", "-181"),
    ("observers", "add", "X", "--lat", "nan", "--lon", "0"),
    ("observers", "add", "X", "--lat", "10", "--lon", "0", "--alt-m", "20000"),
    ("passes", "--lat", "-95", "--lon", "3"),
    ("passes", "--lat", "10"),
    ("passes", "--observer", "Beijing", "--lat", "10", "--lon", "3"),
    ("passes", "--observer", "Beijing", "--hours", "0"),
    ("sats", "--lat", "10", "--lon", "400"),
    ("passes", "--observer", "Beijing", "--from", "2060-01-01T00:00:00Z"),  # beyond DE421: no Sun
])
def test_bad_coordinates_and_windows_are_usage_errors(cli, args):
    result = cli(*args)
    assert result.returncode == 2, result
    # One error line (argparse puts its usage before it): the option and the value refused.
    last = result.stderr.splitlines()[-1]
    assert "error:" in last and "Traceback" not in result.stderr
    assert any(option in last for option in ("--lat", "--lon", "--alt-m", "--hours", "--observer", "--from")), last


def test_passes_without_an_observer_say_how_to_choose_one(cli):
    result = cli("passes")
    assert result.returncode == 2 and "observers default" in result.stderr


def test_passes_csv_has_the_documented_columns_and_passes_in_progress(stations_db):
    result = stations_db("passes", "--observer", "Wenchang", "--from", "2026-08-18T12:00:00Z", "--hours", "6",
                         "--constellation", "qianfan", "--format", "csv")
    assert result.returncode == 0, result.stderr
    frame = pl.read_csv(result.stdout.encode())
    assert frame.columns[:16] == [
        "norad", "name", "constellation", "launch", "aos_utc", "aos_az_deg", "tca_utc", "tca_el_deg", "tca_az_deg",
        "tca_range_km", "los_utc", "los_az_deg", "duration_s", "sunlit_at_tca", "sun_alt_deg", "visible"]
    assert frame.height > 50 and (frame["tca_el_deg"] >= 10).all()
    started = frame.filter(pl.col("in_progress"))
    assert started.height > 0 and (started["aos_utc"] == "2026-08-18T12:00:00Z").all()
    assert (frame["aos_utc"] <= frame["tca_utc"]).all() and (frame["tca_utc"] <= frame["los_utc"]).all()


def test_visible_and_by_launch(stations_db):
    common = ("passes", "--observer", "Beijing", "--from", "2026-08-18T10:00:00Z", "--hours", "8", "--format", "json")
    every = pl.DataFrame(json.loads(stations_db(*common, "--constellation", "qianfan").stdout))
    seen = pl.DataFrame(json.loads(stations_db(*common, "--constellation", "qianfan", "--visible").stdout))
    assert 0 < seen.height < every.height and seen["visible"].all()
    trains = pl.DataFrame(json.loads(stations_db(*common, "--constellation", "qianfan", "--by-launch").stdout))
    assert trains.columns == ["launch", "constellation", "count", "first_norad", "names", "aos_utc", "tca_utc",
                              "tca_el_deg", "los_utc", "duration_s", "visible"]
    assert trains["count"].sum() == every.height and trains["count"].max() > 1
    assert trains.height < every.height


def test_passes_of_catalog_numbers_and_an_unknown_one(stations_db):
    result = stations_db("passes", "--lat", "39.9", "--lon", "116.4", "--norad", "25544", "--from", "2026-08-18T12:00Z")
    assert result.returncode == 0 and "ISS (ZARYA)" in result.stdout and "UTC" in result.stdout.splitlines()[0]
    missing = stations_db("passes", "--lat", "39.9", "--lon", "116.4", "--norad", "25544,99999999")
    assert missing.returncode == 1 and "99999999" in missing.stderr


def test_sats_with_an_observer_adds_look_angles(stations_db):
    stations_db("observers", "default", "Hong Kong")
    result = stations_db("sats", "--constellation", "stations", "--observer", "Hong Kong", "--at", "2026-08-18T12:00Z",
                         "--format", "json")
    rows = json.loads(result.stdout)
    assert {"az_deg", "el_deg", "range_km", "range_rate_km_s"} <= set(rows[0])
    assert all(-90 <= r["el_deg"] <= 90 and 0 <= r["az_deg"] < 360 for r in rows)
    # Each row's look angles are its own satellite's, as Skyfield sees it from Hong Kong.
    from skyfield.api import EarthSatellite, wgs84

    here = next(o for o in json.loads(stations_db("observers", "list", "--format", "json").stdout) if o["name"] == "Hong Kong")
    topos = wgs84.latlon(here["lat_deg"], here["lon_deg"], elevation_m=here["alt_m"])
    held = {es.norad: es for es in parse_file(shared_path("data", "celestrak", "gp-2026-08-18", "stations.csv")).records}
    ts = _timescale()
    t = ts.from_datetime(datetime(2026, 8, 18, 12, tzinfo=timezone.utc))
    for row in rows[:5]:
        alt, az, dist = (EarthSatellite.from_satrec(to_satrec(held[row["norad"]]), ts) - topos).at(t).altaz()
        assert abs(alt.degrees - row["el_deg"]) < 1e-3 and abs(dist.km - row["range_km"]) < 0.01, row["name"]
        assert abs((az.degrees - row["az_deg"] + 180) % 360 - 180) < 1e-3, row["name"]
    plain = json.loads(stations_db("sats", "--constellation", "stations", "--at", "2026-08-18T12:00Z", "--format", "json").stdout)
    assert "el_deg" not in plain[0]


def test_trains_merge_one_launch_within_minutes():
    from tracker.passes import trains

    t = datetime(2026, 8, 18, 12, tzinfo=timezone.utc)
    frame = pl.DataFrame({
        "norad": [1, 2, 3, 4], "name": ["A-1", "A-2", "A-3", "B"], "constellation": ["x"] * 4,
        "launch": ["2026-001", "2026-001", "2026-001", None],
        "aos_utc": [t, t + timedelta(minutes=2), t + timedelta(minutes=40), t],
        "tca_utc": [t + timedelta(minutes=4), t + timedelta(minutes=6), t + timedelta(minutes=44), t],
        "tca_el_deg": [30.0, 50.0, 20.0, 15.0],
        "los_utc": [t + timedelta(minutes=8), t + timedelta(minutes=10), t + timedelta(minutes=48), t + timedelta(minutes=3)],
        "visible": [False, True, False, False],
    })
    out = trains(frame)
    first = out.row(0, named=True) if out["launch"][0] == "2026-001" else out.row(1, named=True)
    assert (first["count"], first["tca_el_deg"], first["visible"], first["names"]) == (2, 50.0, True, "A-1; A-2")
    assert first["los_utc"] - first["aos_utc"] == timedelta(minutes=10)
    assert first["tca_utc"] == t + timedelta(minutes=6)  # the culmination of the highest member
    assert out.height == 3


def test_api_passes(db_url, cli):
    import tracker

    with tracker.open(db_url) as t:
        t.add_observer("Roof", 22.3, 114.2, 80)
        t.set_default_observer("Roof")
        frame = t.passes(hours=1, start="2026-08-18T12:00Z")
        assert frame.height == 0 and "tca_el_deg" in frame.columns  # nothing held yet
        assert t.observers()["default"].any()
    cli("tle", "import", shared_path("data", "celestrak", "gp-2026-08-18", "stations.csv"))
    with tracker.open(db_url) as t:
        frame = t.passes(constellation="stations", hours=12, start="2026-08-18T12:00Z")
        assert frame.height > 0 and (frame["tca_el_deg"] >= 10).all() and (frame["los_utc"] > frame["aos_utc"]).all()


@pytest.mark.parametrize("lat, lon, alt_m", [(39.9, 116.4, 44.0), (-33.9, -70.7, 2500.0), (89.99, 0.0, 0.0), (0.0, 180.0, -400.0)])
def test_the_observer_and_the_positions_stand_on_one_ellipsoid(lat, lon, alt_m):
    """An observer's Earth-fixed place (the pass search) read back as geodetic coordinates (the
    positions) is the same place: both use :mod:`tle.geometry`'s WGS84."""
    from tle.geometry import ecef_to_geodetic
    from tle.passes import Site

    back_lat, back_lon, back_alt = ecef_to_geodetic(Site(lat, lon, alt_m).ecef_km())
    assert back_lat == pytest.approx(lat, abs=1e-9) and back_lon == pytest.approx(lon, abs=1e-9)
    assert back_alt * 1000.0 == pytest.approx(alt_m, abs=1e-6)


@pytest.mark.sqlite_only
def test_bad_catalog_numbers_and_an_empty_window_are_usage_errors_before_the_database_opens(tmp_path):
    from tests.conftest import run_in_process

    db = tmp_path / "never.db"
    for args in (["--norad", "0,-5"], ["--norad", "abc"], ["--norad", ","], ["--norad", "9" * 12], ["--hours", "0"]):
        result = run_in_process("passes", "--lat", "39.9", "--lon", "116.4", *args, env={"TRACKER_DB": f"sqlite:///{db}"})
        assert result.returncode == 2 and "tracker passes: error: argument" in result.stderr, (args, result.stderr)
        assert not db.exists()
