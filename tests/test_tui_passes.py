"""The passes screen of ``tracker tui`` (pilot and an 80x24 snapshot), on the labelled synthetic
satellites of :mod:`tests.test_tui` with its frozen clock."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import timedelta

import numpy as np
import polars as pl
import pytest
from rich.cells import cell_len

from tests.conftest import build_template, copy_database
from tests.test_tui import FROZEN, make_app, map_text, settle, store_synthetic

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return build_template(tmp_path_factory, "synthetic-passes", store_synthetic)


@pytest.fixture
def engine_url(template, tmp_path):
    from tracker.services.bootstrap import open_database

    db_url = copy_database(template, tmp_path)
    engine = open_database(db_url)
    yield engine, db_url
    engine.dispose()


def _plot_text(screen) -> str:
    return str(screen.query_one("#sky-plot").render())


@asynccontextmanager
async def passes_screen(engine, db_url, *keys: str):
    """The app with Beijing as the observer, ``keys`` pressed on the main screen, then the passes
    screen opened and its search finished: ``(app, pilot, screen)``."""
    from tracker.services.observers import set_default
    from tui.widgets.passes import PassesScreen

    set_default(engine, "Beijing")
    app = make_app(engine, db_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PassesScreen)
        yield app, pilot, app.screen


def _report(failed: pl.DataFrame | None = None):
    """A report of no passes over nowhere, with ``failed`` satellites."""
    from tracker.observers import Observer
    from tracker.passes import COLUMNS
    from tracker.services.passes import PassReport

    failed = pl.DataFrame(schema={"norad": pl.Int64, "name": pl.String, "error": pl.String}) if failed is None else failed
    return PassReport(pl.DataFrame(schema=COLUMNS), Observer("Nowhere", 0.0, 0.0, 0.0, "test"), FROZEN,
                      FROZEN + timedelta(hours=24), 10.0, failed.height, failed)


async def test_passes_screen_lists_passes_with_countdowns_and_a_sky_plot(engine_url):
    from textual.widgets import DataTable

    from tui.widgets.passes import PassesScreen, polar_lines
    from tui.widgets.satellite_table import SatelliteTable

    async with passes_screen(*engine_url) as (app, pilot, screen):
        table = screen.query_one(DataTable)
        assert table.row_count == screen.passes.height > 0
        assert "Beijing" in str(screen.query_one("#passes-title").render())
        first = [str(cell) for cell in table.get_row_at(0)]
        assert first[2][:2].isdigit() or first[2] == "LIVE"
        assert screen.path is not None and "N" in _plot_text(screen) and "S" in _plot_text(screen)
        rings = "\n".join(t.plain for t in polar_lines(np.empty(0), np.empty(0), screen.PLOT_ROWS, screen.PLOT_COLS))
        assert _plot_text(screen) != rings  # the pass is drawn over the rings
        assert (screen.passes["tca_el_deg"] >= 10).all()
        assert not screen.query_one("#passes-notes").display  # every satellite propagated
        await pilot.press("down")
        await settle(pilot)
        assert screen.selected == 1
        await pilot.press("escape")
        assert not isinstance(app.screen, PassesScreen)
        app.query_one(SatelliteTable).select(99003)
        await settle(pilot)
        assert app.observer.name == "Beijing"
        detail = app.query_one("#map-detail")
        line = str(detail.render())
        assert cell_len(line) <= detail.size.width < 80  # at 80 columns the line fits its panel...
        assert "km/s" in line and "from Beijing" not in line  # ...the observer's look, ranked last, left out
        await pilot.resize_terminal(200, 24)
        await settle(pilot)
        app._draw()  # the next tick
        line = str(detail.render())
        assert "from Beijing: az" in line and cell_len(line) <= detail.size.width  # live az/el/range when it fits
        builds = app._live_look.builds
        for _ in range(3):
            app._draw()  # what each tick does: the record and the site are not built again
        assert app._live_look.builds == builds
        app.query_one(SatelliteTable).select(99004)
        await settle(pilot)
        assert app._live_look.builds == builds + 1  # another satellite: built once more


def test_the_live_look_is_built_once_and_agrees_with_look_of(engine_url):
    from tracker.catalog import latest
    from tracker.observers import BUNDLED
    from tracker.passes import look_of
    from tui.observing import LiveLook

    fleet = latest(engine_url[0])
    beijing = next(o for o in BUNDLED if o.name == "Beijing")
    norad = fleet["norad"][0]
    live = LiveLook()
    for minutes in (0, 1, 2):
        at = FROZEN + timedelta(minutes=minutes)
        expected = look_of(fleet.filter(pl.col("norad") == norad), beijing, at).row(0, named=True)
        assert live(fleet, norad, beijing, at) == pytest.approx(expected)
    assert live.builds == 1
    assert live(fleet, -1, beijing, FROZEN) is None and live.builds == 2  # not held
    assert live(fleet.clone(), norad, beijing, FROZEN) is not None and live.builds == 3  # a new fleet frame


async def test_the_observer_is_chosen_in_a_picker_and_remembered(engine_url):
    from textual.widgets import OptionList

    from tracker.services.observers import default_observer
    from tui.widgets.passes import ObserverPicker, PassesScreen
    from tui.widgets.world_map import OBSERVER_GLYPH

    engine, db_url = engine_url
    app = make_app(engine, db_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("p")  # no default yet: the picker opens by itself
        await settle(pilot)
        assert isinstance(app.screen, ObserverPicker)
        options = app.screen.query_one(OptionList)
        options.highlighted = [options.get_option_at_index(i).id for i in range(options.option_count)].index("Wenchang")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PassesScreen) and app.screen.observer.name == "Wenchang"
        assert "Wenchang" in str(app.screen.query_one("#passes-title").render())
        await pilot.press("escape")
        await settle(pilot)
        assert OBSERVER_GLYPH in map_text(app)  # the observer is marked on the map
        assert app.observer.name == "Wenchang"
    assert default_observer(engine).name == "Wenchang"


def test_the_sky_plot_marks_a_live_satellite_and_the_compass():
    from tui.widgets.passes import SATELLITE_MARK, polar_lines

    az = np.linspace(200.0, 20.0, 30)
    el = np.concatenate([np.linspace(0, 60, 15), np.linspace(60, 0, 15)])
    lines = [line.plain for line in polar_lines(az, el, 11, 26, at=(90.0, 45.0))]
    assert len(lines) == 11 and all(len(line) == 26 for line in lines)
    assert lines[0][13] == "N" and lines[10][13] == "S" and lines[5][0] == "W" and lines[5][25] == "E"
    assert sum(line.count(SATELLITE_MARK) for line in lines) == 1
    mark_row = next(i for i, line in enumerate(lines) if SATELLITE_MARK in line)
    assert mark_row == 5 and lines[mark_row].index(SATELLITE_MARK) > 13  # east of the zenith
    assert not any(SATELLITE_MARK in line.plain for line in polar_lines(az, el, 11, 26, at=(90.0, -5.0)))


def test_passes_screen_at_80x24(snap_compare, engine_url):
    from tracker.services.observers import set_default

    engine, db_url = engine_url
    set_default(engine, "Beijing")

    async def passes(pilot):
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)

    assert snap_compare(make_app(engine, db_url), terminal_size=(80, 24), run_before=passes)


async def test_another_observer_replaces_the_selection_and_an_empty_list_draws_bare_rings(engine_url):
    """Choosing another observer starts from the first pass again (not the old one's path), and an
    observer with no pass in the window leaves the plot empty rather than failing."""
    async with passes_screen(*engine_url) as (app, pilot, screen):
        assert screen.selected == 0 and screen.path is not None
        report = _report()
        screen._show_passes(report.observer, report)
        await pilot.pause()
        assert screen.selected is None and screen.path is None
        assert "no pass selected" in str(screen.query_one("#sky-detail").render())


async def test_passes_are_the_services_from_the_shown_time_and_follow_time_travel(engine_url, monkeypatch):
    """One call of the passes use case per search (in a worker), with its window and elevation
    defaults, from the app's shown time: moved before the screen opens, and moved again on it."""
    import tracker.services.passes as service

    calls = []
    real = service.passes

    def recorded(*args, **kwargs):
        report = real(*args, **kwargs)
        calls.append((kwargs, report))
        return report

    monkeypatch.setattr(service, "passes", recorded)
    async with passes_screen(*engine_url, "right_curly_bracket") as (app, pilot, screen):  # an hour ahead
        assert len(calls) == 1
        kwargs, report = calls[0]
        assert kwargs["start"] == FROZEN + timedelta(hours=1)
        assert kwargs["constellation"] == "guowang" and kwargs["observer"] == "Beijing"
        assert "hours" not in kwargs and "min_el" not in kwargs  # the service's defaults
        assert report.end - report.start == timedelta(hours=service.DEFAULT_HOURS)
        assert report.min_el == service.DEFAULT_MIN_EL
        assert screen.passes.equals(report.frame) and screen.passes.height > 0
        assert (screen.passes["los_utc"] > FROZEN + timedelta(hours=1)).all()
        title = str(screen.query_one("#passes-title").render())
        assert f"next {service.DEFAULT_HOURS:g} h from 13:00 UTC" in title
        first = screen.passes.row(0, named=True)
        countdown = str(screen.query_one("DataTable").get_row_at(0)[2])
        assert countdown == "LIVE" or first["aos_utc"] > FROZEN + timedelta(hours=1)  # counted from the shown time

        await pilot.press("right_curly_bracket")  # moved again on the passes screen: searched again
        await settle(pilot)
        assert len(calls) == 2 and calls[1][0]["start"] == FROZEN + timedelta(hours=2)
        assert "from 14:00 UTC" in str(screen.query_one("#passes-title").render())
        await pilot.press("n")  # back to now
        await settle(pilot)
        assert len(calls) == 3 and calls[2][0]["start"] == FROZEN


async def test_satellites_not_propagated_are_listed_as_the_command_line_words_them(engine_url):
    """A satellite whose elements SGP4 cannot propagate over the window is not hidden: it is
    counted in the title and listed under the table with ``tracker passes``' words."""
    from dataclasses import replace

    from tests.test_tui import _set
    from tle.frame import from_records
    from tracker.ingest import store
    from tracker.services.passes import passes

    engine, db_url = engine_url
    decaying = replace(_set(99099, "HULIANWANG SYNTH-99", "2024-240Z", FROZEN - timedelta(days=20), 16.5, 86.5, 0.0, 0.0),
                       bstar=0.5)
    store(engine, from_records([decaying]))
    expected = passes(engine, observer="Beijing", constellation="guowang", start=FROZEN).not_propagated()
    assert len(expected) == 1 and expected[0].startswith("HULIANWANG SYNTH-99 (99099) not propagated: ")
    async with passes_screen(engine, db_url) as (app, pilot, screen):
        assert screen.passes.height > 0 and 99099 not in screen.passes["norad"].to_list()
        assert "1 not propagated" in str(screen.query_one("#passes-title").render())
        failed = screen.query_one("#passes-notes")
        assert failed.display and str(failed.render()) == expected[0]

        many = pl.DataFrame({"norad": [1, 2, 3, 4, 5], "name": list("ABCDE"), "error": ["decayed"] * 5})
        screen._show_passes(_report(many).observer, _report(many))
        await pilot.pause()
        lines = str(failed.render()).splitlines()
        assert len(lines) == screen.FAILED_LINES  # the first few, and how many more
        assert lines[0] == "A (1) not propagated: decayed" and lines[-1] == "… and 3 more not propagated"


async def test_passes_with_no_satellites_held_say_why_and_how_to_get_some(db_url):
    """A fresh database: no passes, and under the table the reason the main screen gives."""
    from tracker.services.bootstrap import open_database
    from tui.data import NO_ELEMENTS

    engine = open_database(db_url)
    async with passes_screen(engine, db_url) as (app, pilot, screen):
        assert screen.passes.is_empty()
        notes = screen.query_one("#passes-notes")
        assert notes.display and str(notes.render()) == NO_ELEMENTS
    engine.dispose()


async def test_each_tick_updates_the_countdowns_in_view_only(engine_url):
    """2,400 passes: a tick rewrites the rows in view (their countdowns move on), not the rows
    scrolled out of view, which are brought up to date when they come into view; a pass shown
    as over is not rewritten again."""
    from textual.widgets import DataTable

    from tracker.services.passes import PassReport

    async with passes_screen(*engine_url) as (app, pilot, screen):
        start = screen.clock()
        one = screen.passes.head(1)
        many = pl.concat([one] * 2400).with_columns(
            aos_utc=pl.lit(start) + pl.duration(minutes=pl.int_range(pl.len()) - 1),
            los_utc=pl.lit(start) + pl.duration(minutes=pl.int_range(pl.len()) - 1, seconds=30),
        )
        report = _report()
        screen._show_passes(report.observer, PassReport(many, report.observer, report.start, report.end, 10.0, 1, report.failed))
        await pilot.pause()
        table = screen.query_one(DataTable)

        def countdown(row: int) -> str:
            return str(table.get_row_at(row)[2])

        assert [countdown(0), countdown(1), countdown(2)] == ["over", "LIVE", "00:01:00"]
        far = countdown(2000)
        screen.clock = lambda: start + timedelta(seconds=45)
        screen.tick()
        assert [countdown(0), countdown(1), countdown(2)] == ["over", "over", "00:00:15"]  # the rows in view change
        assert countdown(2000) == far  # out of view: not rewritten
        assert screen._over == {0, 1}  # not rewritten again

        table.move_cursor(row=2000)
        await pilot.pause()
        screen.tick()
        assert countdown(2000) != far and countdown(2000).endswith(":15")  # scrolled into view: up to date
