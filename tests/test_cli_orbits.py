"""End-to-end tests of ``tracker sats``, ``tracker orbits ...`` and ``tracker constellations``.

They pin the column contract other tools read (csv/json names) and the error paths, on real
CelesTrak snapshots from ../shared (skipped with a reason when it is absent).
"""

from __future__ import annotations

import csv
import io
import json

from tests.conftest import replace_database, shared_path

SATS = ["name", "norad", "cospar", "constellation", "lat_deg", "lon_deg", "alt_km", "speed_km_s", "sunlit", "age_days", "stale"]
DAWN_DUSK = ["norad", "name", "cospar", "alt_km", "perigee_km", "apogee_km", "inc_deg", "ltan_h", "sunlit_fraction"]
GROUPS = ["launch", "constellation", "count", "alt_km", "rate_km_per_day", "status", "stragglers"]


def _rows(result) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_sats_columns_and_values(cli):
    cli("tle", "import", shared_path("data/celestrak/gp-2026-08-18/hulianwang.csv"))
    rows = _rows(cli("sats", "--constellation", "guowang", "--at", "2026-08-19T00:00:00Z", "--format", "csv"))
    assert list(rows[0]) == SATS and len(rows) == 191
    assert {r["constellation"] for r in rows} == {"guowang"}
    assert {r["sunlit"] for r in rows} <= {"true", "false"}
    assert all(400 < float(r["alt_km"]) < 1300 and 6.9 < float(r["speed_km_s"]) < 7.8 for r in rows)
    default = cli("sats", "--at", "2026-09-30T00:00:00Z", "--format", "csv")
    assert "`--constellation all` shows every satellite held" in default.stderr
    assert {r["stale"] for r in _rows(default)} == {"true"}  # every epoch is older than 14 days by then


def test_sats_on_empty_database_says_how_to_get_data(cli):
    result = cli("sats", "--format", "json")
    assert result.returncode == 0 and json.loads(result.stdout) == []
    assert "tracker tle refresh" in result.stderr


def test_sats_views_and_the_default(cli):
    """Without --constellation only the built-in constellations are shown (said on stderr);
    ``all`` and ``stations`` are views, resolved as the TUI resolves them."""
    files = [shared_path(f"data/celestrak/gp-2026-08-18/{group}.csv") for group in ("hulianwang", "stations")]
    cli("tle", "import", *files)
    at = ("--at", "2026-08-19T00:00:00Z", "--format", "csv")
    views = ([], ["--constellation", "all"], ["--constellation", "stations"])
    default, everything, stations = (_rows(cli("sats", *at, *option)) for option in views)
    assert len(default) == 191 and {r["constellation"] for r in default} == {"guowang"}
    assert len(everything) == sum(len(f.read_text().splitlines()) - 1 for f in files)  # CSV rows
    assert 10 < len(stations) < len(everything) - 191  # the station names only, not the whole group
    assert "CSS (TIANHE)" in {r["name"] for r in stations}
    quiet = cli("sats", "--constellation", "all", *at)
    assert quiet.stderr == ""


def test_dawn_dusk_without_the_catalogue_says_how_to_get_it(cli):
    cli("tle", "import", shared_path("data/celestrak/gp-2026-08-18/stations.csv"))
    result = cli("orbits", "dawn-dusk", "--format", "csv")
    assert result.returncode == 0
    notice = result.stderr.strip()
    assert len(notice.splitlines()) == 1 and "active catalogue is not held" in notice
    assert "`tracker refresh`" in notice and "`tracker tle import`" in notice


def test_dawn_dusk_and_groups_columns(cli, db_url, active_catalogue):
    replace_database(active_catalogue, db_url)  # as `tracker tle import` of active.csv leaves it
    result = cli("orbits", "dawn-dusk", "--format", "csv")
    assert result.stderr == ""  # the catalogue is held: no notice
    rows = _rows(result)
    assert list(rows[0]) == DAWN_DUSK
    assert all(700 <= float(r["alt_km"]) <= 800 for r in rows)
    assert all(min(abs(float(r["ltan_h"]) - 6), abs(float(r["ltan_h"]) - 18)) <= 1 for r in rows)
    groups = _rows(cli("orbits", "groups", "--constellation", "qianfan", "--format", "csv"))
    assert list(groups[0]) == GROUPS
    assert {g["constellation"] for g in groups} == {"qianfan"}
    members = _rows(cli("sats", "--constellation", "qianfan", "--format", "csv"))
    assert sum(int(g["count"]) for g in groups) == len(members) > 200


def test_history_lists_every_element_set(cli):
    cli("tle", "import", shared_path("data/celestrak/history/hulianwang"), shared_path("data/celestrak/gp-2026-08-18/hulianwang.csv"))
    rows = json.loads(cli("orbits", "history", "62323", "--format", "json").stdout)
    assert len(rows) == 5 and rows[0]["epoch"] < rows[-1]["epoch"]
    missing = cli("orbits", "history", "1")
    assert missing.returncode == 1 and "no element sets held for catalog number 1" in missing.stderr


def test_bad_arguments_exit_2(cli):
    assert cli("orbits", "dawn-dusk", "--min-alt", "900", "--max-alt", "800").returncode == 2
    assert cli("sats", "--at", "yesterday").returncode == 2
    assert cli("constellations", "add", "x", "--launch", "24-1").returncode == 2
    unknown = cli("sats", "--constellation", "nope")
    assert unknown.returncode == 1 and "known: guowang" in unknown.stderr


def test_user_constellation_by_name_launch_and_norad(cli):
    """Each rule kind picks a different object (real stations.csv): WENTIAN by name, TIANZHOU-10
    by launch designator, TIANHE by catalog number; MENGTIAN matches none."""
    cli("tle", "import", shared_path("data/celestrak/gp-2026-08-18/stations.csv"))
    added = cli("constellations", "add", " CSS ", "--name", "css (wen*", "--launch", "2026-102", "--norad", "48274")
    assert added.returncode == 0 and added.stdout.startswith("css: now has 3 new rules; 3 satellites held became members")
    rows = _rows(cli("sats", "--constellation", "css", "--at", "2026-08-19T00:00:00Z", "--format", "csv"))
    assert sorted(r["norad"] for r in rows) == ["48274", "53239", "69049"]
    listed = {c["constellation"]: c for c in json.loads(cli("constellations", "list", "--format", "json").stdout)}
    assert {"guowang", "qianfan", "css"} <= set(listed)
    assert (listed["css"]["members"], listed["css"]["n_rules"]) == (3, 3)
    cli("constellations", "add", "a+b", "--norad", "48274")  # a '+' in a name is just a character
    assert json.loads(cli("constellations", "list", "--format", "json").stdout)[0]["members"] == 1


def test_constellation_names_and_rules_are_checked(cli):
    for args in (["add", "x"], ["add", "  ", "--norad", "1"]):
        result = cli("constellations", *args)
        assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "must not be empty" in cli("constellations", "add", "  ", "--norad", "1").stderr
    assert cli("tle", "import", "--constellation", " ", "x.csv").returncode == 2


def test_constellations_remove_extend_and_rules(cli):
    """A person's constellation and rules can be removed, built-in ones cannot; extending a
    built-in one needs --extend and says what it gained; rules are listed whole."""
    cli("tle", "import", shared_path("data/celestrak/gp-2026-08-18/stations.csv"))
    one = cli("constellations", "add", "css", "--norad", "48274")
    assert one.stdout.startswith("css: now has 1 new rule; 1 satellite held became members (1 in all)")
    refused = cli("constellations", "add", "qianfan", "--norad", "48274")
    assert refused.returncode == 1 and "--extend" in refused.stderr and "built-in" in refused.stderr
    extended = cli("constellations", "add", "Qianfan", "--norad", "48274", "--extend")
    assert extended.returncode == 0
    assert extended.stdout.startswith("qianfan: extended with 1 new rule; 1 satellite held became members")
    assert cli("constellations", "add", "css", "--norad", "1", "--extend").returncode == 2  # not built in

    rules = _rows(cli("constellations", "rules", "list", "--format", "csv"))
    assert list(rules[0]) == ["id", "constellation", "kind", "value", "origin"]
    mine = {r["constellation"]: r for r in rules if r["origin"] == "user"}
    builtin = next(r for r in rules if r["origin"] == "builtin")
    assert set(mine) == {"css", "qianfan"}
    assert "constellation" in cli("constellations", "rules").stdout  # `rules` alone lists them
    only = _rows(cli("constellations", "rules", "list", "--constellation", "CSS", "--format", "csv"))
    assert [r["value"] for r in only] == ["48274"]

    not_mine = cli("constellations", "rules", "remove", builtin["id"])
    assert not_mine.returncode == 1 and "only rules a person added" in not_mine.stderr
    assert cli("constellations", "rules", "remove", "999999").returncode == 1
    gone = cli("constellations", "rules", "remove", mine["qianfan"]["id"])
    assert gone.returncode == 0 and "qianfan norad:48274" in gone.stdout

    builtin_removal = cli("constellations", "remove", "guowang")
    assert builtin_removal.returncode == 1 and "built in and cannot be removed" in builtin_removal.stderr
    removed = cli("constellations", "remove", "css")
    assert removed.returncode == 0 and "removed with its 1 rule" in removed.stdout
    assert cli("constellations", "remove", "css").returncode == 1  # no longer held
    listed = json.loads(cli("constellations", "list", "--format", "json").stdout)
    assert "css" not in {c["constellation"] for c in listed}
    for row in listed:  # every rule, whole
        assert row["rules"].count(":") == row["n_rules"]
