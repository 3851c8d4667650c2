"""``tracker tui`` driven through Textual's pilot: navigation, selection linkage, the palette,
filters, refresh (against a real local HTTP server) and an empty database.

The satellites are a small labelled synthetic set (names contain ``SYNTH``, catalog numbers
99001+) built here, so nothing depends on ../shared; their launch designators are real ones from
the bundled calendar so launches link to them. The clock is frozen and the local zone fixed.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from tests.conftest import build_template, replace_database
from tests.httpserver import LocalServer, Reply
from tle.elements import ElementSet

#: Pilot tests are coroutines run by anyio's pytest plugin (installed with httpx), on asyncio.
pytestmark = pytest.mark.anyio

FROZEN = datetime(2026, 8, 19, 12, 0, tzinfo=timezone.utc)
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: SatNet LEO Group 01 (Long March 5B Y6), launch designator 2024-240, in the bundled calendar.
GROUP_01 = "2024-12-16-long-march-5b-y6"
#: SatNet LEO Group 24 (Long March 12 Y8), 2026-187, launched three days before the frozen clock.
GROUP_24 = "2026-08-16-long-march-12-y8"
#: Qianfan Polar Group 03 (Long March 6A Y22), 2024-232.
QIANFAN_03 = "2024-12-05-long-march-6a-y22"


def _set(norad, name, cospar, epoch, mean_motion, inclination, raan, anomaly) -> ElementSet:
    return ElementSet(
        norad=norad, name=name, cospar=cospar, epoch=epoch, mean_motion=mean_motion, eccentricity=0.0002,
        inclination_deg=inclination, raan_deg=raan, arg_perigee_deg=90.0, mean_anomaly_deg=anomaly,
        bstar=1e-5, mean_motion_dot=0.0, mean_motion_ddot=0.0, source="synthetic",
    )


def synthetic_elements() -> list[ElementSet]:
    """Two epochs per satellite, labelled synthetic:

    * six Guowang satellites of 2024-240 at ~1,100 km, 86.5 deg, unchanged between epochs
      (on station);
    * four of 2026-187 released low and climbing (mean motion falling), and a fifth stuck low
      (a straggler);
    * three Qianfan satellites of 2024-232; one station module.
    """
    early, late = datetime(2026, 8, 14, tzinfo=timezone.utc), datetime(2026, 8, 18, tzinfo=timezone.utc)
    sets = []
    for i in range(6):
        for epoch in (early, late):
            sets.append(_set(99001 + i, f"HULIANWANG SYNTH-{i + 1:02d}", f"2024-240{'ABCDEF'[i]}", epoch, 13.42, 86.5, 60.0 * i, 30.0 * i))
    for i in range(5):
        climbing = i < 4
        for epoch, motion in ((datetime(2026, 8, 17, tzinfo=timezone.utc), 15.30), (late, 15.10 if climbing else 15.30)):
            sets.append(_set(99011 + i, f"HULIANWANG SYNTH-{i + 11:02d}", f"2026-187{'ABCDE'[i]}", epoch, motion, 50.0, 200.0, 72.0 * i))
    for i in range(3):
        for epoch in (early, late):
            sets.append(_set(99021 + i, f"QIANFAN-SYNTH-{i + 1}", f"2024-232{'ABC'[i]}", epoch, 13.55, 89.0, 120.0, 120.0 * i))
    sets.append(_set(99031, "CSS (SYNTH)", "2021-035A", late, 15.60, 41.5, 10.0, 0.0))
    return sets


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def store_synthetic(engine) -> None:
    from tle.frame import from_records
    from tracker.ingest import store

    store(engine, from_records(synthetic_elements()))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory, backend):
    """A database holding the synthetic element sets (and the bundled calendar), built once."""
    return build_template(tmp_path_factory, "synthetic", store_synthetic, backend)


@pytest.fixture
def engine(synthetic, db_url):
    """This test's database (``db_url``) holding the synthetic element sets."""
    from tracker.services.bootstrap import open_database as connect

    engine = connect(replace_database(synthetic, db_url))
    yield engine
    engine.dispose()


def make_app(engine, db_url, env=None, **kwargs):
    """The app on ``engine`` with every source off but those ``env`` sets (as in tracker_env).

    Animations are off: a pilot's key press waits for every animation to end (a tab underline
    sliding for 0.3 s, rendered frame by frame), and none of them changes the state it ends in."""
    from tests.conftest import tracker_env
    from tracker.settings import Settings
    from tui.app import TrackerApp

    settings = Settings.from_env(tracker_env(db_url, env))
    kwargs = {"clock": lambda: FROZEN, "zone": SHANGHAI, **kwargs}
    app = TrackerApp(engine, settings, **kwargs)
    app.animation_level = "none"
    return app


async def settle(pilot) -> None:
    """Wait until every worker has finished (workers started by results too) and the screen has
    caught up; a failed worker is the app's to report, so its exception is not raised here."""
    for _ in range(3):
        await asyncio.gather(*(worker.wait() for worker in pilot.app.workers), return_exceptions=True)
        await pilot.pause()


def map_text(app) -> str:
    from tui.widgets.world_map import WorldMap

    world = app.query_one(WorldMap)
    return "\n".join(world.render_line(y).text for y in range(world.size.height))


# -- start-up ----------------------------------------------------------------------------------


async def test_opens_with_data_and_frozen_clock(engine, db_url):
    from tui.widgets.satellite_table import SatelliteTable
    from tui.widgets.status_bar import StatusBar

    app = make_app(engine, db_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        table = app.query_one(SatelliteTable)
        assert table.row_count == 11  # the Guowang view: 2024-240 and 2026-187
        assert app.calendar.height == 53
        status = str(app.query_one("#status-text").render())
        assert "2026-08-19 12:00:00 UTC" in status and "20:00:00 CST" in status
        assert "elements 1.5 d old" in status and "never refreshed" in status  # the newest epoch is 2026-08-18 00:00
        assert app.query_one(StatusBar).query_one("#refresh-progress").display is False
        assert app.query_one("#launches").border_subtitle == "next: Zhuque-2E Y7 T-26d 18:26:00"
        drawn = map_text(app)
        assert len(drawn.splitlines()) == app.query_one("#world").size.height
        assert set(drawn) - {"\u2800", "\n"}  # coasts and satellites, not a blank braille field


async def test_empty_database_opens_cleanly(db_url):
    """No element sets, no network: the bundled calendar shows, the panels say how to get data."""
    from tracker.services.bootstrap import open_database as connect
    from tui.data import NO_ELEMENTS
    from tui.widgets.market import NO_PRICES

    engine = connect(db_url)
    app = make_app(engine, db_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.calendar.height == 53
        assert str(app.query_one("#satellites-message").render()) == NO_ELEMENTS
        assert NO_ELEMENTS in str(app.query_one("#map-detail").render())
        await pilot.press("3")
        await settle(pilot)
        assert app.launch is not None  # the newest launch, under the cursor
        assert str(app.query_one("#market-message").render()) == NO_PRICES
    engine.dispose()


async def test_dawn_dusk_without_the_catalogue_says_how_to_get_it(engine, db_url):
    from tui.data import NO_CATALOGUE

    app = make_app(engine, db_url, view="dawn-dusk")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.fleet.is_empty()
        assert str(app.query_one("#satellites-message").render()) == NO_CATALOGUE
        assert "active catalogue" in str(app.query_one("#map-detail").render())


async def test_missing_land_raster_is_notified_and_the_map_still_draws(engine, db_url, monkeypatch):
    from tui import land

    def no_land():
        raise FileNotFoundError("the global-land-mask package is not installed")

    monkeypatch.setattr(land, "raster", no_land)
    app = make_app(engine, db_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.is_running
        assert any("land: the global-land-mask package" in n.message for n in app._notifications)
        assert set(map_text(app)) - {"\u2800", "\n"}  # the satellites, on an empty ocean


async def test_unknown_constellation_is_notified_with_the_known_names_not_fatal(engine, db_url):
    from tui.widgets.satellite_table import SatelliteTable

    app = make_app(engine, db_url, view="nosuch")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.is_running
        notice = next(n.message for n in app._notifications if "unknown constellation" in n.message)
        assert "known: guowang, qianfan" in notice and "views: dawn-dusk, stations, all" in notice
        assert app.view == "guowang" and app.query_one(SatelliteTable).row_count == 11  # not "Loading nosuch…" for good


def test_unknown_constellation_is_refused_before_the_app_opens_as_the_cli_does(cli, monkeypatch):
    from tui.app import TrackerApp

    monkeypatch.setattr(TrackerApp, "run", lambda self: pytest.fail("the app opened"))
    tui, sats = cli("tui", "--constellation", "nosuch"), cli("sats", "--constellation", "nosuch")
    assert tui.returncode == sats.returncode != 0
    assert tui.stderr == sats.stderr and "unknown constellation 'nosuch'; known: " in tui.stderr


# -- navigation --------------------------------------------------------------------------------


async def test_keys_switch_panels_at_80x24(engine, db_url):
    app = make_app(engine, db_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)

        def shown() -> list[str]:
            return [p for p in ("map", "satellites", "launches", "market") if app.query_one(f"#{p}").display]

        assert shown() == ["map"]
        for key, panel, focus in (("2", "satellites", "satellite-table"), ("3", "launches", "launch-table"),
                                  ("4", "market", "market-table"), ("1", "map", "world")):
            await pilot.press(key)
            assert shown() == [panel]
            assert app.focused.id == focus
        await pilot.press("right_square_bracket")
        assert shown() == ["satellites"]
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert shown() == ["market"]


async def test_wide_terminal_shows_every_panel(engine, db_url):
    app = make_app(engine, db_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert all(app.query_one(f"#{p}").display for p in ("map", "satellites", "launches", "market"))
        assert not app.query_one("#tabs").display


async def test_help_choose_view_toggle_zone_and_quit(engine, db_url):
    from tui.widgets.launch_table import LaunchTable
    from tui.widgets.satellite_table import SatelliteTable
    from tui.widgets.screens import HelpScreen, ViewPicker

    app = make_app(engine, db_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)

        await pilot.press("c")
        assert isinstance(app.screen, ViewPicker)
        await pilot.press("down", "enter")  # guowang -> qianfan
        await settle(pilot)
        assert app.view == "qianfan"
        assert app.query_one(SatelliteTable).row_count == 3

        table = app.query_one(LaunchTable)
        assert table.columns["net"].label.plain == "NET UTC"
        await pilot.press("t")
        assert table.columns["net"].label.plain == "NET CST"
        assert table.get_row(GROUP_01)[0].plain == "2024-12-16 18:00"  # 10:00 UTC
        await pilot.press("q")
        assert not app.is_running


# -- selection linkage -------------------------------------------------------------------------


async def test_launch_highlights_its_satellites_and_fills_market_panel(engine, db_url):
    from tui.widgets.launch_table import LaunchTable
    from tui.widgets.market import NO_PRICES
    from tui.widgets.world_map import HIGHLIGHT, STYLES, WorldMap

    app = make_app(engine, db_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.query_one(LaunchTable).select(GROUP_01)
        await settle(pilot)
        assert app.launch == GROUP_01
        highlighted = app.fleet.filter(app.highlighted)["norad"].to_list()
        assert highlighted == list(range(99001, 99007))
        world = app.query_one(WorldMap)
        styles = {seg.style for y in range(world.size.height) for seg in world.render_line(y)}
        assert STYLES[HIGHLIGHT * 2] in styles or STYLES[HIGHLIGHT * 2 + 1] in styles
        assert "2024-240: 6 in view" in app.query_one("#map").border_subtitle
        assert str(app.query_one("#market-message").render()) == NO_PRICES
        assert "Long March 5B Y6" in app.query_one("#market").border_title

        await pilot.press("escape")  # drop the highlight
        assert app.launch is None and app.highlighted is None
        markets = []
        app.load_market = markets.append  # what a refill would load
        await pilot.press("t")  # the launch table is refilled (local times): nothing is reselected
        await settle(pilot)
        assert (app.launch, app.highlighted, markets) == (None, None, [])
        table = app.query_one(LaunchTable)
        other = next(key.value for key in table.rows if key.value != GROUP_01)
        table.select(other)
        await pilot.press("t")
        await settle(pilot)
        assert app.launch == other and markets == [other]  # once, not again by the refill


def synthetic_reaction():
    """A labelled synthetic market reaction (as the market library will produce) for the panel:
    two securities, one closing limit-up at t0, one whose abnormal return cannot be computed."""
    import polars as pl

    from tui.data import BARS_SCHEMA, PATH_SCHEMA, REACTION_SCHEMA

    t0 = date(2025, 12, 3)
    reactions = pl.DataFrame(
        [
            ("SYN1.SS", "Synthetic Satellite Co", t0, "morning", 0.10, 0.004, 0.096, 0.15, True, False, False),
            ("SYN2.SZ", "Synthetic Rocket Co", t0, "morning", -0.012, 0.004, None, None, False, False, False),
        ],
        schema=REACTION_SCHEMA,
        orient="row",
    )
    days = [t0 + timedelta(days=d) for d in range(-10, 11)]
    bars = pl.DataFrame(
        {"symbol": ["SYN1.SS"] * 21 + ["SYN2.SZ"] * 21, "date": days * 2,
         "close": [10.0 + 0.1 * i + (3.0 if i >= 10 else 0.0) for i in range(21)] + [20.0 - 0.05 * i for i in range(21)]},
        schema=BARS_SCHEMA,
    )
    paths = pl.DataFrame(
        {"symbol": ["SYN1.SS"] * 4 + [None] * 4, "tau": [-1, 0, 1, 2] * 2,
         "car": [0.0, 0.096, 0.15, 0.12, 0.0, 0.05, 0.07, 0.06]},
        schema=PATH_SCHEMA,
    )
    return reactions, bars, paths, None


async def test_market_panel_reads_stored_prices(engine, db_url):
    """The real wiring: synthetic bars (labelled) stored for 600118 and the CSI 300 around the
    Zhuque-3 launch of 2025-12-03 04:00 UTC (12:00 in Shanghai: lunch break, t0 that day)."""
    import polars as pl

    from tracker.markets import bars
    from tui.widgets.launch_table import LaunchTable
    from tui.widgets.market import ReactionTable

    days = [date(2025, 12, 1), date(2025, 12, 2), date(2025, 12, 3), date(2025, 12, 4)]
    closes = {"XSHG:600118": [40.0, 40.0, 44.0, 44.0], "XSHG:000300": [4000.0, 4000.0, 4040.0, 4040.0]}
    frame = pl.DataFrame(
        [(sec, d, c, c, c, c, 1e6) for sec, cs in closes.items() for d, c in zip(days, cs, strict=True)],
        schema=bars.SCHEMA, orient="row",
    )
    with engine.begin() as conn:
        bars.merge(conn, frame, "synthetic (test)")
    app = make_app(engine, db_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.query_one(LaunchTable).select("2025-12-03-zhuque-3-y1")
        await settle(pilot)
        table = app.query_one(ReactionTable)
        assert table.shown_columns()[:6] == ["symbol", "ret", "bench", "ar", "car", "flags"]
        row = dict(zip(table.shown_columns(), (c.plain for c in table.get_row("600118.SS")), strict=True))
        assert [row[k] for k in ("ret", "bench", "ar", "car")] == ["+10.00%", "+1.00%", "+9.00%", "+9.00%"]
        assert "limit up" in row["flags"]  # 40.00 * 1.1 = 44.00: the main-board limit
        assert table.cursor_row == table.get_row_index("600118.SS")  # the first security with bars


async def test_market_panel_presents_reactions_and_a_chart(engine, db_url, monkeypatch):
    from tui import data
    from tui.widgets.market import CarChart, PriceChart, ReactionTable

    monkeypatch.setattr(data, "market_reaction", lambda engine, launch_id: synthetic_reaction())
    app = make_app(engine, db_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        table = app.query_one(ReactionTable)
        assert table.row_count == 2 and not app.query_one("#market-message").display
        assert [c.plain for c in table.get_row("SYN1.SS")[1:6]] == ["+10.00%", "+0.40%", "+9.60%", "+15.00%", "limit up"]
        assert [c.plain for c in table.get_row("SYN2.SZ")[3:5]] == ["—", "—"]  # not computable: empty, never zero
        chart = str(app.query_one(PriceChart).render())
        assert "SYN1.SS 2025-11-23..2025-12-13" in chart and "t0 2025-12-03" in chart
        car = str(app.query_one(CarChart).render())
        assert "CAR τ-1..+2 +12.00%" in car and "█" in car  # the launch's CAR follows where it fits
        assert app.query_one(CarChart)._portfolio == pytest.approx(0.06)
        await pilot.press("down")
        assert "SYN2.SZ" in str(app.query_one(PriceChart).render())
        assert "SYN2.SZ: no CAR path" in str(app.query_one(CarChart).render())


async def test_enter_on_a_launch_opens_its_details_and_m_shows_it_on_the_map(engine, db_url):
    from tui.widgets.launch_detail import LaunchDetailScreen
    from tui.widgets.launch_table import LaunchTable

    app = make_app(engine, db_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        app.query_one(LaunchTable).select(QIANFAN_03)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LaunchDetailScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, LaunchDetailScreen) and app.focused.id == "launch-table"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert app.view == "qianfan"
        assert int(app.highlighted.sum()) == 3
        assert app.query_one("#map").display and app.focused.id == "world"


async def test_satellite_row_selects_it_on_the_map_with_its_track(engine, db_url):
    from tui.widgets.satellite_table import SatelliteTable
    from tui.widgets.world_map import SELECTED_GLYPH

    app = make_app(engine, db_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.query_one(SatelliteTable).select(99003)
        await settle(pilot)
        assert app.selected == 99003
        assert map_text(app).count(SELECTED_GLYPH) == 1
        detail = str(app.query_one("#map-detail").render())
        assert "HULIANWANG SYNTH-03" in detail and "km/s" in detail


async def test_clicking_the_map_selects_the_nearest_satellite(engine, db_url):
    from tui.widgets.world_map import WorldMap

    app = make_app(engine, db_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        world = app.query_one(WorldMap)
        snap, target = app.snapshot, 4
        x = int((snap.lon_deg[target] + 180.0) / 360.0 * world.size.width)
        y = int((90.0 - snap.lat_deg[target]) / 180.0 * world.size.height)
        await pilot.click(WorldMap, offset=(x, y))
        await settle(pilot)
        assert app.selected == app.fleet["norad"][target]


async def test_sun_column_follows_the_clock(engine, db_url):
    """As time passes, satellites cross the terminator and only their sun cells change."""
    from tui.widgets.satellite_table import SatelliteTable

    now = [FROZEN]
    app = make_app(engine, db_url, clock=lambda: now[0])
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        table = app.query_one(SatelliteTable)

        def column() -> list[str]:
            return [table.row_cells(row)[5].plain for row in range(table.row_count)]

        before = column()
        now[0] = FROZEN + timedelta(minutes=40)
        app.tick()
        after = column()
        expected = ["sunlit" if lit else "shadow" for lit in app.snapshot.sunlit]
        assert after == expected and after != before


# -- filter and palette ------------------------------------------------------------------------


async def test_filter_satellites_and_clear_it(engine, db_url):
    from tui.widgets.satellite_table import SatelliteTable

    app = make_app(engine, db_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", "slash")
        await pilot.press(*"synth-1")
        await pilot.pause()
        table = app.query_one(SatelliteTable)
        assert table.row_count == 5
        await pilot.press("escape")
        assert table.row_count == 11
        assert app.focused is table


async def test_filter_launches_from_the_launches_panel(engine, db_url):
    from tui.widgets.launch_table import LaunchTable

    app = make_app(engine, db_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3", "slash")
        assert app.focused.id == "launches-filter"
        await pilot.press(*"zhuque")
        await pilot.pause()
        table = app.query_one(LaunchTable)
        assert table.row_count == 4
        assert all("Zhuque" in table.get_row_at(row)[1] for row in range(table.row_count))
        await pilot.press("escape")
        assert table.row_count == 53
        assert app.focused is table


@pytest.mark.parametrize(
    ("query", "view", "norad"),
    [
        ("99004", "guowang", 99004),  # by catalog number, in the view shown
        ("2021-035A", "all", 99031),  # the station module is in no constellation: every satellite shows
    ],
)
async def test_palette_selects_a_satellite_switching_view_when_needed(engine, db_url, query, view, norad):
    app = make_app(engine, db_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*query)
        await settle(pilot)  # the palette's search workers have delivered their hits
        await pilot.press("enter")
        await settle(pilot)
        assert app.view == view
        assert app.selected == norad


async def test_palette_providers_search_satellites_launches_and_securities(engine, db_url):
    from tui.palette import LaunchCommands, SatelliteCommands, SecurityCommands

    app = make_app(engine, db_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)

        async def found(provider_class, query) -> list[str]:
            provider = provider_class(app.screen)
            return [str(hit.text) async for hit in provider.search(query)]

        assert any("QIANFAN-SYNTH-2" in t for t in await found(SatelliteCommands, "qfsynth2"))
        assert any("2024-232B" in t for t in await found(SatelliteCommands, "2024-232B"))
        assert any("Zhuque-3" in t for t in await found(LaunchCommands, "zhuque 3 y1"))
        assert any("China Satellite" in t for t in await found(SecurityCommands, "600118"))
        app.goto_launch(GROUP_24)
        await settle(pilot)
        assert app.launch == GROUP_24 and int(app.highlighted.sum()) == 5


# -- refresh -----------------------------------------------------------------------------------


def omm_json(sets: list[ElementSet]) -> str:
    """Element sets as CelesTrak's OMM JSON (what a GP query with FORMAT=json answers)."""
    return json.dumps([
        {
            "OBJECT_NAME": s.name, "OBJECT_ID": s.cospar, "EPOCH": s.epoch.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            "MEAN_MOTION": s.mean_motion, "ECCENTRICITY": s.eccentricity, "INCLINATION": s.inclination_deg,
            "RA_OF_ASC_NODE": s.raan_deg, "ARG_OF_PERICENTER": s.arg_perigee_deg, "MEAN_ANOMALY": s.mean_anomaly_deg,
            "EPHEMERIS_TYPE": 0, "CLASSIFICATION_TYPE": "U", "NORAD_CAT_ID": s.norad, "ELEMENT_SET_NO": 999,
            "REV_AT_EPOCH": 1, "BSTAR": s.bstar, "MEAN_MOTION_DOT": 0.0, "MEAN_MOTION_DDOT": 0.0,
        }
        for s in sets
    ])


async def test_refresh_runs_in_a_worker_and_reloads(db_url, http_server: LocalServer):
    from tracker.services.bootstrap import open_database as connect
    from tui.widgets.satellite_table import SatelliteTable

    newer = [s for s in synthetic_elements() if s.norad < 99011 and s.epoch.day == 18]
    # The first answer is late, so the refresh is still waiting on it when the next key comes.
    slow, fast = Reply(200, omm_json(newer), delay=0.3), Reply(200, omm_json(newer))
    http_server.route("GET", "/NORAD/elements/gp.php", [slow, fast, fast, fast])
    engine = connect(db_url)
    app = make_app(engine, db_url, {"TRACKER_CELESTRAK_URL": http_server.url})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await pilot.press("2")  # input is handled while the refresh waits on the network
        assert app.query_one("#satellites").display
        assert any(w.group == "refresh" and w.is_running for w in app.workers)  # still waiting: not blocking
        await settle(pilot)
        assert app.query_one(SatelliteTable).row_count == 6
        messages = [n.message for n in app._notifications]
        assert any("6 new element sets" in m for m in messages), messages
        assert any("off (TRACKER_LL2_URL=off)" in m for m in messages)
        assert "celestrak" not in str(app.query_one("#status-text").render())  # local server: 127.0.0.1
        assert "127.0.0.1 ✔" in str(app.query_one("#status-text").render())
        assert len(http_server.requests) == 4  # the default queries and the catalogue, once each
        await pilot.press("r")  # again at once: the 2-hour rule skips every query
        await settle(pilot)
        assert len(http_server.requests) == 4
        assert any("4 queries not due yet" in n.message for n in app._notifications)
    engine.dispose()


async def test_refresh_errors_are_notified_never_fatal(engine, db_url, http_server: LocalServer):
    http_server.route("GET", "/NORAD/elements/gp.php", Reply(500, "down"))
    app = make_app(engine, db_url, {"TRACKER_CELESTRAK_URL": http_server.url})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert app.is_running
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert any("HTTP 500" in m for m in errors), errors
        assert len(http_server.requests) == 1  # the first failure stops the run


async def test_refresh_while_another_holds_the_lock(engine, db_url, tmp_path):
    from tracker.lock import refresh_lock

    app = make_app(engine, db_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        with refresh_lock(engine, db_url):
            await pilot.press("r")
            await settle(pilot)
        assert any("another refresh is running" in n.message for n in app._notifications)


# -- pieces ------------------------------------------------------------------------------------


def test_braille_packing_follows_unicode_dot_numbering():
    from tui.braille import pack, plot

    grid = np.zeros((4, 2), bool)
    grid[0, 0] = grid[3, 1] = True  # dots 1 and 8
    assert pack(grid)[0, 0] == 0x2800 + 0x01 + 0x80
    codes = plot(np.array([89.9, -89.9, np.nan]), np.array([-179.9, 179.9, 0.0]), 2, 3)
    assert codes[0, 0] == 0x2801 and codes[1, 2] == 0x2880 and (codes != 0x2800).sum() == 2


def test_land_dots_average_the_raster():
    from tui.land import dots

    raster = np.zeros((720, 1440), np.uint8)
    raster[:360, :720] = 255  # north-west quarter is land
    grid = dots(raster, 4, 8)
    assert grid[:2, :4].all() and not grid[2:].any() and not grid[:, 4:].any()
    assert dots(raster, 1000, 2000).shape == (1000, 2000)  # finer than the raster: no empty bins


def test_night_side_faces_away_from_the_subsolar_point():
    from tui.sky import night

    dark = night(18, 36, (0.0, 0.0))  # Sun over 0 N 0 E: night beyond 90 degrees of longitude
    lon = -180.0 + (np.arange(36) + 0.5) * 10.0
    assert (dark[9] == (np.abs(lon) > 90.0)).all()


def test_times_keep_precision_and_zone():
    from tui.times import age_text, countdown_text, net_text

    net = datetime(2026, 4, 3, tzinfo=timezone.utc)
    assert net_text(net, "day", timezone.utc) == "2026-04-03 (day)"
    assert net_text(net, "day", SHANGHAI) == "2026-04-03 (day, UTC)"
    assert net_text(datetime(2025, 12, 3, 4, 0, tzinfo=timezone.utc), "minute", SHANGHAI) == "2025-12-03 12:00"
    assert countdown_text(timedelta(days=3, hours=4, minutes=12, seconds=5)) == "T-3d 04:12:05"
    assert countdown_text(timedelta(seconds=-70)) == "T+00:01:10"
    assert age_text(timedelta(hours=-40)) == "1.7 d ahead" and age_text(None) == "never"


def test_next_launch_and_freshness(engine):
    import polars as pl

    from tracker.db import fetch_state
    from tui import data
    from tui.widgets.status_bar import status_text

    calendar = data.launches(engine)
    assert data.next_launch(calendar, FROZEN)["id"] == "2026-09-15-zhuque-2e-y7"
    scrubbed = calendar.with_columns(
        pl.when(pl.col("id") == "2026-09-15-zhuque-2e-y7").then(pl.lit("scrubbed")).otherwise("status").alias("status")
    )
    assert data.next_launch(scrubbed, FROZEN)["id"] == "2026-09-15-gravity-1-y3"
    assert data.next_launch(calendar, datetime(2027, 1, 1, tzinfo=timezone.utc)) is None
    t1, t2 = FROZEN - timedelta(hours=3), FROZEN - timedelta(hours=1)
    with engine.begin() as conn:
        conn.execute(fetch_state.insert(), [
            {"url": "https://celestrak.org/NORAD/elements/gp.php?GROUP=qianfan",
             "last_success": t1, "last_attempt": t1, "last_status": 200},
            {"url": "https://celestrak.org/NORAD/elements/gp.php?NAME=HULIANWANG",
             "last_success": t1, "last_attempt": t2, "last_status": 500},
        ])
    fresh = data.freshness(engine)
    assert fresh.newest_epoch == datetime(2026, 8, 18, tzinfo=timezone.utc)
    assert fresh.sources == (data.Source("celestrak.org", t1, t2, 500),)
    # the latest attempt failed: the status bar says so, with the age of the last success
    assert "│ celestrak ✘500 3.0 h" in status_text(FROZEN, SHANGHAI, fresh).plain


def test_views_and_batch_status(engine):
    from tui import data

    assert data.views(engine)[:5] == ["guowang", "qianfan", "dawn-dusk", "stations", "all"]
    assert data.members(engine, "stations")["norad"].to_list() == [99031]
    table = data.describe(engine, data.members(engine, "guowang"), FROZEN)
    by_norad = {r["norad"]: r for r in table.iter_rows(named=True)}
    assert by_norad[99001]["group_status"] == "on-station" and not by_norad[99001]["straggler"]
    assert by_norad[99011]["group_status"] == "raising"
    assert by_norad[99015]["straggler"]  # stuck low while its batch climbs
    assert by_norad[99001]["age_days"] == pytest.approx(1.5)


def test_tui_subcommand_is_registered_through_the_entry_point():
    from tracker.cli import build_parser

    args = build_parser().parse_args(["tui", "--constellation", "qianfan", "--db", "sqlite://"])
    assert args.constellation == "qianfan" and args.handler.__module__ == "tui.command"


async def test_outside_text_is_shown_escaped_and_never_read_as_markup(engine, db_url):
    """Names and missions come from CelesTrak, LL2 and files: an escape sequence in one is shown
    as ``\\x1b`` and never reaches the terminal; ``[bold red]`` or ``[/]`` is shown as typed."""
    from sqlalchemy import text

    from tui.palette import SatelliteCommands, candidates, highlight
    from tui.widgets.launch_table import LaunchTable
    from tui.widgets.satellite_table import SatelliteTable

    evil, markup = "EVIL\x1b]0;pwned\x07SAT", "[bold red]X[/]"
    with engine.begin() as conn:
        conn.execute(text("UPDATE satellite SET name = :name WHERE norad = 99001"), {"name": evil})
        conn.execute(text("UPDATE satellite SET name = :name WHERE norad = 99002"), {"name": markup})
        conn.execute(text("UPDATE launch SET mission = '[/]', serial = '[b]Y6' WHERE id = :id"), {"id": GROUP_01})
    app = make_app(engine, db_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        table = app.query_one(SatelliteTable)
        lines = [table.render_line(y).text for y in range(1, table.size.height)]
        assert any("EVIL\\x1b]0;pwned\\x07SAT" in line for line in lines), lines
        assert any("[bold red]X[/]" in line for line in lines), lines
        assert not any("\x1b" in line or "\x07" in line for line in lines)
        launches = app.query_one(LaunchTable)
        row = launches.get_row(GROUP_01)
        assert row[1].plain == "LM-5B [b]Y6"  # Long March abbreviated to fit; the mission ([/]) is in the details
        launches.select(GROUP_01)
        await settle(pilot)
        assert "Long March 5B [b]Y6" in app.query_one("#market")._border_title.plain  # the getter gives it as markup
        assert "launch Long March 5B [b]Y6" in app.query_one("#map")._border_subtitle.plain
        launches.focus()
        await pilot.press("enter")  # the details: their title holds the serial too
        await settle(pilot)
        assert "Long March 5B [b]Y6 (Esc closes" in app.screen.query_one("#detail-body")._border_title.plain
        await pilot.press("escape")
        await settle(pilot)
        app.goto_satellite(99001, app.view)
        await settle(pilot)
        detail = str(app.query_one("#map-detail").render())
        assert "◉ EVIL\\x1b]0;pwned\\x07SAT  " in detail and detail.endswith(" 99001") and "\x1b" not in detail

        found = candidates(app.catalogue, SatelliteCommands.text(None), "evil")
        assert found["_text"].to_list() == ["EVIL\\x1b]0;pwned\\x07SAT  99001  2024-240A"]
        from textual.fuzzy import Matcher

        shown = highlight(Matcher("bx"), "[bold red]X[/]  99002")
        assert shown.plain == "[bold red]X[/]  99002" and shown.spans  # matched letters styled, markup kept as text
        app.notify("[/] from a vendor", markup=False)  # Textual 8.2.8 takes markup=False; this would raise otherwise
        await pilot.pause()


# -- as a person uses it: first presses, sizes, time travel, details ---------------------------

SIZES = [(80, 24), (120, 36), (160, 48)]


@pytest.mark.parametrize("size", SIZES)
async def test_every_key_works_on_first_press_from_a_fresh_start(engine, db_url, size):
    from tui.widgets.launch_table import LaunchTable
    from tui.widgets.satellite_table import SatelliteTable
    from tui.widgets.screens import HelpScreen, ViewPicker

    app = make_app(engine, db_url)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("slash")  # from the map: the satellites' filter takes the typing at once
        assert app.focused.id == "satellites-filter"
        await pilot.press("c", "2")  # neither c nor a digit acts as a key while typing
        assert not isinstance(app.screen, ViewPicker) and app.query_one("#satellites-filter").value == "c2"
        await pilot.press("backspace", "backspace", *"h-1")
        assert app.query_one(SatelliteTable).row_count == 5  # SYNTH-11 .. 15
        await pilot.press("escape")
        assert app.focused is app.query_one(SatelliteTable) and app.query_one(SatelliteTable).row_count == 11
        await pilot.press("3", "slash")
        assert app.focused.id == "launches-filter"
        await pilot.press("escape")
        assert app.focused is app.query_one(LaunchTable)
        if size != (80, 24):
            return  # the other keys do not depend on the layout; once is enough
        await pilot.press("c")
        assert isinstance(app.screen, ViewPicker)
        await pilot.press("escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "plus", "right_curly_bracket")
        assert app.offset == timedelta(minutes=61)
        await pilot.press("minus", "left_curly_bracket")
        assert app.offset == timedelta(0)
        await pilot.press("right_curly_bracket", "n")
        assert app.offset == timedelta(0)
        for key, panel in (("1", "world"), ("2", "satellite-table"), ("4", "market-table")):
            await pilot.press(key)
            assert app.focused.id == panel


@pytest.mark.parametrize("size", [(120, 36), (160, 48)])
async def test_columns_fit_without_cut_words_and_the_outcome_stays(engine, db_url, monkeypatch, size):
    from tui import data
    from tui.widgets.launch_table import LaunchTable
    from tui.widgets.market import ReactionTable
    from tui.widgets.satellite_table import SatelliteTable

    monkeypatch.setattr(data, "market_reaction", lambda engine, launch_id: synthetic_reaction())
    app = make_app(engine, db_url)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for local in (False, True):  # t: local times (day-precision dates say UTC: wider)
            launches, sats, market = app.query_one(LaunchTable), app.query_one(SatelliteTable), app.query_one(ReactionTable)
            for table in (launches, sats, market):
                assert table.virtual_size.width <= table.scrollable_content_region.width, (table, local)
            assert {"net", "vehicle", "orbit"} <= set(launches.shown_columns())
            assert {"name", "alt", "age"} <= set(sats.shown_columns())
            assert market.shown_columns()[:5] == ["symbol", "ret", "bench", "ar", "car"] or size == (120, 36)
            assert {"symbol", "ret", "ar", "car", "flags"} <= set(market.shown_columns())
            await pilot.press("t")
            await pilot.pause()
        if size == (160, 48):
            assert {"booster", "cospar"} <= set(launches.shown_columns())
            assert set(sats.shown_columns()) == {"name", "norad", "alt", "inc", "ltan", "sun", "age", "batch"}


async def test_header_keeps_every_source_at_80x24_and_one_clock_in_utc(engine, db_url):
    from tracker.db import fetch_state
    from tracker.launches.models import ll2_request

    t1 = FROZEN - timedelta(hours=3)
    with engine.begin() as conn:
        conn.execute(fetch_state.insert(), [
            {"url": "https://celestrak.org/NORAD/elements/gp.php?GROUP=qianfan", "last_success": t1, "last_attempt": t1,
             "last_status": 200},
            {"url": "https://query1.finance.yahoo.com/v8/finance/chart/600118.SS", "last_success": t1, "last_attempt": t1,
             "last_status": 200},
            {"url": "https://push2his.eastmoney.com/api/qt/stock/kline/get", "last_success": None, "last_attempt": t1, "last_status": 503},
        ])
        conn.execute(ll2_request.insert(), [{"sent_utc": t1, "url": "https://ll.thespacedevs.com/2.3.0/launches/", "status": 429}])
    app = make_app(engine, db_url, zone=timezone.utc)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        status = app.query_one("#status-text").render()
        text = status.plain if hasattr(status, "plain") else str(status)
        assert len(text) <= 80, text
        for source in ("CelesTrak ✔", "EM ✘503", "yahoo ✔", "LL2 ✘429"):
            assert source in text, text
        assert text.count("12:00:00") == 1  # UTC is the local zone: one clock


async def test_time_travel_moves_positions_tracks_night_and_countdown(engine, db_url):
    from tui.widgets.satellite_table import SatelliteTable

    app = make_app(engine, db_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.query_one(SatelliteTable).select(99003)
        await settle(pilot)
        before = app.snapshot
        countdown = app.query_one("#launches").border_subtitle
        await pilot.press("right_curly_bracket", "plus", "plus")
        after = app.snapshot
        assert after.at == FROZEN + timedelta(minutes=62)
        assert after.subsolar != before.subsolar and not np.allclose(after.lat_deg, before.lat_deg)
        assert app.query_one("#launches").border_subtitle != countdown
        status = str(app.query_one("#status-text").render())
        assert "▶ 2026-08-19 13:02:00 UTC" in status and "(now +1 h 02 min)" in status
        await pilot.press("n")
        assert app.snapshot.at == FROZEN and "▶" not in str(app.query_one("#status-text").render())


async def test_stale_positions_are_dimmed_on_the_map_and_marked_in_the_table(engine, db_url):
    from tui.widgets.satellite_table import SatelliteTable
    from tui.widgets.world_map import STALE, STYLES, WorldMap

    app = make_app(engine, db_url, clock=lambda: FROZEN + timedelta(days=20))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        table = app.query_one(SatelliteTable)
        assert table.row_cells(0)[6].plain.endswith("d stale")
        assert str(table.render_line(0).text).split() == ["Name", "NORAD", "Mean", "alt", "Inc°", "LTAN", "Sun", "Age", "Batch"]
        world = app.query_one(WorldMap)
        styles = {seg.style for y in range(world.size.height) for seg in world.render_line(y)}
        assert STYLES[STALE * 2] in styles or STYLES[STALE * 2 + 1] in styles
        table.select(99003)
        await settle(pilot)
        caption = str(app.query_one("#map-detail").render())
        assert "height 1,1" in caption and "stale 22 d" in caption  # 2026-08-18 .. 09-08 12:00
        app.offset = timedelta(days=-20)  # back to the elements' time: nothing is stale
        await pilot.press("plus")
        assert not app._stale(app.snapshot.at).any() and "stale" not in str(app.query_one("#map-detail").render())


def test_names_sort_naturally(engine):
    from sqlalchemy import text

    from tracker.text import natural_key
    from tui import data

    assert sorted(["QIANFAN-10", "QIANFAN-2", "QIANFAN-100", "QIANFAN-1"], key=natural_key) == [
        "QIANFAN-1", "QIANFAN-2", "QIANFAN-10", "QIANFAN-100"]
    with engine.begin() as conn:
        for norad, name in ((99021, "QIANFAN-10"), (99022, "QIANFAN-2"), (99023, "QIANFAN-1")):
            conn.execute(text("UPDATE satellite SET name = :name WHERE norad = :norad"), {"name": name, "norad": norad})
    assert data.members(engine, "qianfan")["name"].to_list() == ["QIANFAN-1", "QIANFAN-2", "QIANFAN-10"]


def test_frame_in_natural_order_then_catalog_number():
    import polars as pl

    from tracker.text import in_natural_order

    frame = pl.DataFrame({"name": ["B-10", None, "B-2", "B-2"], "norad": [1, 2, 9, 3]})
    assert in_natural_order(frame).rows() == [("B-2", 3), ("B-2", 9), ("B-10", 1), (None, 2)]
    assert in_natural_order(frame.head(0)).is_empty()


async def test_palette_puts_an_exact_catalog_number_or_cospar_id_first(engine, db_url):
    from tui.palette import SatelliteCommands

    app = make_app(engine, db_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)

        async def first(query: str) -> str:
            hits = [hit async for hit in SatelliteCommands(app.screen).search(query)]
            return str(max(hits, key=lambda hit: hit.score).text)

        assert "99014" not in await first("99004") and "99004" in await first("99004")  # 99014 matches 9,9,0,4 too
        assert "2024-232C" in await first("2024-232C")
        assert "2024-240" in await first("2024-24")  # a prefix of a COSPAR id beats letters found anywhere


async def test_market_panel_says_which_dates_are_held_when_none_cover_the_launch(engine, db_url):
    import polars as pl

    from tracker.markets import bars
    from tui.widgets.launch_table import LaunchTable

    days = [date(2025, 12, 1), date(2025, 12, 2)]
    frame = pl.DataFrame([("XSHG:600118", d, 40.0, 40.0, 40.0, 40.0, 1e6) for d in days], schema=bars.SCHEMA, orient="row")
    with engine.begin() as conn:
        bars.merge(conn, frame, "synthetic (test)")
    app = make_app(engine, db_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.query_one(LaunchTable).select(GROUP_24)
        await settle(pilot)
        await pilot.press("4")
        message = str(app.query_one("#market-message").render())
        assert message.startswith("No bars around 2026-08-16; held 2025-12-01 .. 2025-12-02 (")


async def test_launch_details_show_fields_links_history_and_satellites(engine, db_url):
    from sqlalchemy import text

    from tui.widgets.launch_detail import LaunchDetailScreen
    from tui.widgets.launch_table import LaunchTable

    with engine.begin() as conn:
        conn.execute(text(
            "UPDATE launch SET mission = '[/]', ll2_url = 'https://ll.thespacedevs.com/2.3.0/launches/x/', "
            "webcast_url = 'javascript:alert(1)' WHERE id = :id"), {"id": GROUP_01})
    app = make_app(engine, db_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        app.query_one(LaunchTable).select(GROUP_01)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LaunchDetailScreen)

        def plain(widget_id: str) -> str:
            widget = screen.query_one(widget_id)
            return "\n".join(line.text for line in widget.render_lines(widget.region.reset_offset))

        fields = plain("#detail-fields")
        assert "2024-12-16 10:00 UTC  (known to the minute)" in fields and "Mission        [/]" in fields
        links = screen.query_one("#detail-links").render()
        assert "LL2 record: https://ll.thespacedevs.com/2.3.0/launches/x/" in links.plain
        assert "Webcast: javascript:alert(1)" in links.plain  # shown as text, never a link
        linked = {span.style.link for span in links.spans if hasattr(span.style, "link")}
        assert "https://ll.thespacedevs.com/2.3.0/launches/x/" in linked and "javascript:alert(1)" not in linked
        sats = plain("#detail-satellites")
        assert "HULIANWANG SYNTH-01" in sats and "1,10" in sats and "steady" in sats
        assert "2024-240: 6 held, batch on-station" in str(screen.query_one("#detail-satellites-title").render())
        history = plain("#detail-history")
        assert "record" in history and "bundled" in history
        await pilot.press("escape")
        assert not isinstance(app.screen, LaunchDetailScreen)


def test_long_names_are_abbreviated_without_cutting_a_word():
    from tui.text import abbreviate

    assert abbreviate("HULIANWANG DIGUI-186", 24) == "HULIANWANG DIGUI-186"
    assert abbreviate("NUSAT-49 (KLARA DAN VON NEUMANN)", 24) == "NUSAT-49"  # the alias goes first
    assert abbreviate("CENTISPACE-1 GROUP 05 OBJECT A", 24) == "CENTISPACE-1 GROUP 05… A"  # the last word tells rows apart
    assert abbreviate("Guotai CSI Military Industry ETF", 20, keep_last=False) == "Guotai CSI Military…"
    assert abbreviate("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 10) == "ABCDEFGHI…"  # one word longer than the column: cut


def test_names_are_measured_in_cells_cjk_taking_two():
    from rich.cells import cell_len

    from tui.text import abbreviate
    from tui.widgets.passes import short_name

    assert abbreviate("天宫 空间站", 11) == "天宫 空间站"  # 11 cells, 6 characters
    assert abbreviate("天宫 空间站 核心舱", 12) == "天宫… 核心舱"  # 10 characters, but 18 cells
    assert abbreviate("天宫空间站核心舱", 8) == "天宫空…" and cell_len("天宫空…") == 7  # no half a character
    assert short_name("千帆极轨01组卫星-18号", 10) == "…卫星-18号" and cell_len("…卫星-18号") == 10
    assert short_name("千帆-18号", 10) == "千帆-18号"


def test_a_table_cell_is_measured_as_it_is_drawn_escaped():
    from tui.widgets.sized_table import width

    assert width("EVIL\x1b]0;pwned\x07SAT") == len("EVIL\\x1b]0;pwned\\x07SAT")  # so the column never cuts it
