"""The orbit use cases (tracker.services.orbits) called directly, as a notebook or the UI would.

Real CelesTrak snapshots from ../shared (skipped when absent). The full active catalogue is
imported once for the session (``catalogue``, read-only for the tests); tests that write get a
small database of their own (``small``: a copy of the stations and NAME=HULIANWANG groups, about
200 objects, as a default refresh without the catalogue would leave).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import build_template, copy_database, shared_path
from tracker.catalog import UnknownConstellation
from tracker.catalog import satellites as held_satellites
from tracker.errors import BadInput, ExitCode, NotFound, TrackerError, UsageError
from tracker.services import orbits
from tracker.services.bootstrap import open_database
from tracker.views import members

GP = ("data", "celestrak", "gp-2026-08-18")
AT = "2026-08-19T00:00:00Z"
SATS = ["name", "norad", "cospar", "constellation", "lat_deg", "lon_deg", "alt_km", "speed_km_s", "sunlit", "age_days", "stale"]
DAWN_DUSK = ["norad", "name", "cospar", "alt_km", "perigee_km", "apogee_km", "inc_deg", "ltan_h", "sunlit_fraction"]
GROUPS = ["launch", "constellation", "count", "alt_km", "rate_km_per_day", "status", "stragglers"]
HISTORY = ["epoch", "alt_km", "perigee_km", "apogee_km", "inc_deg", "raan_deg", "mean_motion", "bstar"]
ACTIVE_URL = "https://celestrak.org/NORAD/elements/gp.php?FORMAT=csv&GROUP=active"


@pytest.fixture(scope="module")
def catalogue(active_catalogue, tmp_path_factory):
    """A database holding CelesTrak's whole active catalogue (16,344 objects): this module's copy
    of the session's template."""
    engine = open_database(copy_database(active_catalogue, tmp_path_factory.mktemp("catalogue")))
    yield engine
    engine.dispose()


def import_small(engine) -> None:
    orbits.import_elements(engine, [shared_path(*GP, "stations.csv"), shared_path(*GP, "hulianwang.csv")])


@pytest.fixture(scope="module")
def small_template(tmp_path_factory):
    return build_template(tmp_path_factory, "small", import_small)


@pytest.fixture
def small(small_template, tmp_path):
    """A database of its own holding the stations and NAME=HULIANWANG groups only."""
    engine = open_database(copy_database(small_template, tmp_path))
    yield engine
    engine.dispose()


def norads(frame: pl.DataFrame) -> set[int]:
    return set(frame["norad"])


# -- satellites ---------------------------------------------------------------------------------


def test_satellites_default_is_the_builtin_constellations(catalogue):
    shown = orbits.satellites(catalogue, at=AT)
    assert shown.columns == SATS
    assert set(shown["constellation"]) == {"guowang", "qianfan"}
    guowang = orbits.satellites(catalogue, at=AT, constellation="guowang")
    qianfan = orbits.satellites(catalogue, at=AT, constellation=" QianFan ")
    assert norads(shown) == norads(guowang) | norads(qianfan) and shown.height == guowang.height + qianfan.height
    assert shown["norad"].is_sorted()


def test_satellites_views_all_stations_dawn_dusk(catalogue):
    everything = orbits.satellites(catalogue, at=datetime(2026, 8, 19, tzinfo=timezone.utc), constellation="all")
    assert everything.height == 16344
    stations = orbits.satellites(catalogue, at=AT, constellation="stations")
    names = set(stations["name"])
    assert {"ISS (ZARYA)", "CSS (TIANHE)", "CSS (WENTIAN)"} <= names
    assert all(n.startswith(("ISS", "CSS", "SHENZHOU", "TIANZHOU", "SOYUZ", "PROGRESS", "CREW DRAGON", "CYGNUS")) for n in names)
    assert stations["constellation"].is_null().all()  # a view labels nothing
    dawn_dusk = orbits.satellites(catalogue, at=AT, constellation="dawn-dusk")
    assert norads(dawn_dusk) == norads(orbits.dawn_dusk(catalogue).frame) and dawn_dusk.height > 10


def test_satellites_errors(small):
    with pytest.raises(NotFound) as unknown:
        orbits.satellites(small, constellation="nope")
    assert isinstance(unknown.value, UnknownConstellation) and unknown.value.exit_code == ExitCode.ERROR
    assert "known: guowang, qianfan" in str(unknown.value) and "views: dawn-dusk, stations, all" in str(unknown.value)
    with pytest.raises(UsageError, match="--at 'yesterday'"):
        orbits.satellites(small, at="yesterday")


def test_satellites_on_an_empty_database(db_url):
    engine = open_database(db_url)
    try:
        frame = orbits.satellites(engine, at=AT)
        assert frame.is_empty() and frame.columns == SATS
    finally:
        engine.dispose()


# -- dawn-dusk ------------------------------------------------------------------------------------


def test_dawn_dusk_with_the_catalogue(catalogue):
    found = orbits.dawn_dusk(catalogue)
    assert found.catalogue_held  # imported: more than 5,000 satellites held
    assert found.frame.columns == DAWN_DUSK and found.frame.height > 10
    assert found.frame["alt_km"].is_between(700, 800).all() and found.frame["alt_km"].is_sorted()
    past_six = (found.frame["ltan_h"] - 6) % 12  # hours past 06:00 or 18:00
    assert (past_six.clip(upper_bound=12 - past_six) <= 1).all()
    wider = orbits.dawn_dusk(catalogue, min_alt=500, max_alt=900)
    assert norads(found.frame) < norads(wider.frame)


def test_dawn_dusk_knows_when_the_catalogue_is_missing(small):
    from tracker.db import fetch_state

    assert orbits.dawn_dusk(small).catalogue_held is False
    rows = fetch_state
    now = datetime(2026, 8, 18, 12, tzinfo=timezone.utc)
    with small.begin() as conn:  # asked once, and failed: still not held
        conn.execute(rows.insert().values(url=ACTIVE_URL, last_attempt=now, last_status=500))
        conn.execute(rows.insert().values(url=ACTIVE_URL.replace("active", "stations"), last_success=now))
    assert orbits.catalogue_held(small) is False
    with small.begin() as conn:
        conn.execute(rows.update().where(rows.c.url == ACTIVE_URL).values(last_success=now, last_status=200))
    assert orbits.dawn_dusk(small).catalogue_held is True


def test_catalogue_downloaded_from_another_base_url_counts(small):
    from tracker.db import fetch_state

    now = datetime(2026, 8, 18, 12, tzinfo=timezone.utc)
    with small.begin() as conn:
        conn.execute(fetch_state.insert().values(
            url="http://127.0.0.1:8080/mirror/NORAD/elements/gp.php?FORMAT=csv&GROUP=active", last_success=now))
    assert orbits.catalogue_held(small) is True


def test_dawn_dusk_reversed_band_is_a_usage_error(small):
    with pytest.raises(UsageError, match="--min-alt 900 is above --max-alt 800") as error:
        orbits.dawn_dusk(small, min_alt=900, max_alt=800)
    assert error.value.exit_code == ExitCode.USAGE


# -- launch batches, history ----------------------------------------------------------------------


def test_groups_of_a_constellation_and_of_everything(catalogue):
    qianfan = orbits.groups(catalogue, constellation="qianfan")
    assert qianfan.columns == GROUPS and set(qianfan["constellation"]) == {"qianfan"}
    assert qianfan["count"].dtype == pl.Int64
    assert qianfan["count"].sum() == members(catalogue, "qianfan").height
    everything = orbits.groups(catalogue)
    assert everything["count"].sum() == held_satellites(catalogue)["launch"].is_not_null().sum()  # every batch
    assert set(qianfan["launch"]) <= set(everything["launch"])
    # One snapshot: no rate can be measured, so every status is unknown.
    assert set(qianfan["status"]) == {"unknown"}


def test_groups_errors(small):
    with pytest.raises(NotFound):
        orbits.groups(small, constellation="nope")
    with pytest.raises(UsageError):
        orbits.groups(small, straggler_km=-1)


def test_groups_and_history_over_weeks(db_url):
    engine = open_database(db_url)
    try:
        weeks = [shared_path("data", "celestrak", "history", "hulianwang"), shared_path(*GP, "hulianwang.csv")]
        report = orbits.import_elements(engine, weeks)
        assert len(report.files) == 5
        batches = orbits.groups(engine, constellation="guowang")
        assert set(batches["status"]) - {"unknown"}  # five weeks: rates are measured
        name, rows = orbits.history(engine, 62323)
        assert name == "HULIANWANG DIGUI-01"
        assert rows.columns == HISTORY and rows.height == 5 and rows["epoch"].is_sorted()
        with pytest.raises(NotFound, match="no element sets held for catalog number 1$"):
            orbits.history(engine, 1)
    finally:
        engine.dispose()


# -- constellations -------------------------------------------------------------------------------


def test_constellations_list(catalogue):
    listed = {row["constellation"]: row for row in orbits.constellations(catalogue).iter_rows(named=True)}
    assert list(orbits.constellations(catalogue).columns) == ["constellation", "rules", "n_rules", "members"]
    assert {"guowang", "qianfan"} <= set(listed)
    for name in ("guowang", "qianfan"):
        assert listed[name]["members"] == members(catalogue, name).height
    assert listed["qianfan"]["n_rules"] >= 1 and listed["qianfan"]["rules"].count(":") == listed["qianfan"]["n_rules"]  # every rule


def test_add_constellation_rules(small):
    added = orbits.add_constellation_rules(small, " CSS ", names=["css (wen*"], launches=["2026-102"], norads=[48274])
    assert (added.constellation, added.new_rules, added.new_members, added.extended_builtin) == ("css", 3, 3, False)
    again = orbits.add_constellation_rules(small, "css", norads=[48274])  # already held
    assert (again.new_rules, again.new_members, again.members_after) == (0, 0, 3)
    members = orbits.satellites(small, at=AT, constellation="css")
    assert sorted(members["norad"]) == [48274, 53239, 69049]
    listed = orbits.constellations(small).filter(pl.col("constellation") == "css").row(0, named=True)
    assert (listed["n_rules"], listed["members"]) == (3, 3)


@pytest.mark.parametrize(
    "name, rules, message",
    [
        ("x", {}, "at least one --name, --launch or --norad"),
        ("  ", {"norads": [1]}, "must not be empty"),
        ("x", {"launches": ["24-1"]}, "'24-1' is not a launch designator"),
        ("x", {"launches": ["2024-240A"]}, "is not a launch designator"),
        ("x", {"names": [" "]}, "--name must not be empty"),
        ("x", {"norads": [0]}, "--norad 0 is not a catalog number"),
        ("All", {"norads": [1]}, "'all' is a built-in view"),
        ("stations", {"norads": [1]}, "built-in view"),
    ],
)
def test_add_constellation_rules_checks_its_values(small, name, rules, message):
    with pytest.raises(UsageError, match=message):
        orbits.add_constellation_rules(small, name, **rules)
    assert set(orbits.constellations(small)["constellation"]) == {"guowang", "qianfan"}  # nothing written


# -- importing ------------------------------------------------------------------------------------


def _counts(engine) -> tuple[int, int]:
    from sqlalchemy import text

    with engine.connect() as conn:
        return tuple(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in ("satellite", "element_set"))


def test_import_directories_files_and_again(db_url):
    engine = open_database(db_url)
    try:
        history = shared_path("data", "celestrak", "history")
        first = orbits.import_elements(engine, [history, str(shared_path(*GP, "qianfan.csv"))], constellation="Mine")
        assert first.files == (*sorted(history.rglob("*.csv")), shared_path(*GP, "qianfan.csv"))  # sorted walk, then the file
        assert first.counts.new_satellites > 400 and not first.partial and first.exit_code == ExitCode.OK
        assert first.constellation == "mine" and first.counts.constellation_members_added == first.counts.new_satellites
        held = _counts(engine)
        again = orbits.import_elements(engine, [history])
        assert (again.counts.new_element_sets, again.counts.duplicates > 0) == (0, True)
        assert _counts(engine) == held
    finally:
        engine.dispose()


def test_import_rejected_records_are_a_partial_import(small, tmp_path):
    text = shared_path("data", "tle", "hulianwang-digui-01-03-2026-04-25.tle").read_text().splitlines()
    text[4] = text[4][:-1] + str((int(text[4][-1]) + 1) % 10)  # DIGUI-02: wrong line-1 checksum
    path = tmp_path / "digui.tle"
    path.write_text("\n".join(text) + "\n")
    report = orbits.import_elements(small, [path])
    assert report.partial and report.exit_code == ExitCode.PARTIAL
    assert len(report.rejected) == 1 and report.rejected[0].startswith(f"rejected {path}:4: line 1 bad checksum")
    assert report.counts.new_element_sets == 2


def test_import_errors_write_nothing(small, tmp_path):
    before = _counts(small)
    good = shared_path(*GP, "qianfan.csv")
    readme = tmp_path / "README.txt"
    readme.write_text("Put CelesTrak downloads in this folder.\n")
    with pytest.raises(BadInput, match="not element-set data.*; nothing was imported$"):
        orbits.import_elements(small, [good, readme])
    with pytest.raises(BadInput, match="no such file or directory"):
        orbits.import_elements(small, [good, tmp_path / "missing.tle"])
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.md").write_text("nothing\n")
    with pytest.raises(BadInput, match="no element-set files"):
        orbits.import_elements(small, [empty])
    with pytest.raises(UsageError):
        orbits.import_elements(small, [good], constellation="all")
    assert _counts(small) == before


def test_error_classes():
    assert issubclass(UnknownConstellation, NotFound) and issubclass(NotFound, TrackerError)
    assert issubclass(UnknownConstellation, LookupError)  # what callers caught before
    assert orbits.ImportReport((Path("x"),), None, ()).exit_code == ExitCode.OK  # type: ignore[arg-type]
